"""Each score component moves the score the right way and shows up, with its numbers, in the reasons."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.config import load_settings
from gis.coverage.assess import assess_with_response
from gis.coverage.config import scoring_config
from gis.coverage.jurisdictions import summarize_jurisdictions
from gis.coverage.score import COMPONENTS, score_campuses

CFG = scoring_config()

PERFECT = {
    "response_s": 50.0, "nearest_post_id": "P1", "nearest_post_name": "城关派出所",
    "posts_within_5min": 3, "gate_camera_share": 1.0, "gate_cameras": 3, "gates_unseen": 0,
    "gate_zone_m2": 2800.0, "covered_m2": 2800.0, "am_staffed": True, "noon_staffed": True,
    "pm_staffed": True, "police_am": True, "police_noon": True, "police_pm": True, "other_am": 0,
    "other_pm": 0, "duty_gaps": "", "guards": 3, "guards_required": 2, "boarding": False,
    "area_type": "urban", "enrollment": 600, "complex_area": False, "high_risk": False,
    "gatekeepers": 1, "night_duty_24h": None,
    "video_networked": True, "one_click_alarm": True, "anti_ram_barrier": True,
    "equipment_complete": True, "intrusion_alarm": True, "electronic_patrol": True,
    "monitor_room_24h": True, "enclosed": True,
    "risk_sites_200m": 0, "risk_sites_500m": 0, "risk_index": 0.0,
    "risk_high": 0, "violations": 0, "violation_list": [],
}

# component -> (changes making it worse, a fragment the zh reason must contain, one for en)
CASES = {
    "response": ({"response_s": 372.0}, "需 6.2 分钟，超过 5 分钟本地目标", "needs 6.2 min, beyond the 5-minute local target"),
    "redundancy": ({"posts_within_5min": 1}, "5 分钟内仅有 1 个警务点", "Only 1 post(s) can arrive within 5 min"),
    "camera": ({"gate_camera_share": 0.45, "covered_m2": 1260.0}, "视频覆盖率 45%", "see 45% of the 30 m"),
    "peak_duty": ({"police_pm": False, "other_pm": 1}, "晚高峰校门没有在岗的民警或辅警",
                  "guards or volunteers at 1 post(s) (not counted as police)"),
    "guards": ({"guards": 3, "guards_required": 4, "boarding": True, "night_duty_24h": True},
               "专职保安 3 名，少于要求的 4 名", "fewer than the 4 required (a boarding school"),
    "tech_defence": ({"electronic_patrol": False}, "无电子巡查", "no electronic patrol"),
    "risks": ({"risk_sites_200m": 1, "risk_sites_500m": 2, "risk_index": 5.0, "risk_high": 1},
              "500 米内有 2 处登记风险点（200 米内 1 处，高风险 1 处）", "weighted risk index 5.0"),
    "violations": ({"violations": 1, "violation_list": [("W7", 150.0)]}, "W7 距学校 150 米",
                   "W7 at 150 m"),
}
# Components whose worsening above also breaches a mandatory rule (one more reason, level capped).
MANDATORY_TOO = {"peak_duty": "police_at_gate", "guards": "guards", "violations": "internet_cafe"}


def scored(**changes) -> pd.Series:
    row = {**PERFECT, **changes}
    return score_campuses(pd.DataFrame([row]), config=CFG).iloc[0]


def test_perfect_school_scores_100_with_no_reason():
    s = scored()
    assert s["score"] == 100.0 and s["level"] == "good" and s["reasons_zh"] == ""


@pytest.mark.parametrize("component", COMPONENTS)
def test_each_component_deducts_and_explains(component):
    changes, zh, en = CASES[component]
    base = scored()
    worse = scored(**changes)
    assert worse["score"] < base["score"]
    assert worse[f"deduct_{component}"] > 0
    assert worse[f"deduct_{component}"] <= CFG.weights[component]
    assert base["score"] - worse["score"] == pytest.approx(worse[f"deduct_{component}"], abs=0.051)
    assert zh in worse["reasons_zh"], worse["reasons_zh"]
    assert en in worse["reasons_en"], worse["reasons_en"]
    rule = MANDATORY_TOO.get(component)
    assert worse["reason_count"] == (2 if rule else 1)
    assert worse["mandatory_breaches"] == (rule or "")
    if rule:
        assert worse["level"] == "weak" and worse["reasons_zh"].startswith("必须：依")


def test_response_deduction_grows_with_time_and_caps_at_the_weight():
    d = [scored(response_s=t)["deduct_response"] for t in (60, 180, 200, 240, 299, 300, 900)]
    assert d[0] == d[1] == 0
    assert d[1] < d[2] < d[3] < d[4] <= d[5] == d[6] == CFG.weights["response"]
    unreachable = scored(response_s=float("nan"))
    assert unreachable["deduct_response"] == CFG.weights["response"]
    assert "没有警务点能经道路网到达" in unreachable["reasons_zh"]
    between = scored(response_s=200.0)
    assert "需 3.3 分钟，超过 3 分钟目标" in between["reasons_zh"]


def test_gate_cameras_not_networked_count_against_networked_video():
    declared = scored(networked_share=1.0)
    assert declared["deduct_tech_defence"] == 0
    partial = scored(networked_share=0.5)
    assert partial["deduct_tech_defence"] == CFG.weights["tech_defence"] / 8
    assert "校门摄像机联网率 50%（要求 100%）" in partial["reasons_zh"]


def test_camera_and_guard_deductions_are_proportional():
    assert scored(gate_camera_share=0.2)["deduct_camera"] > scored(gate_camera_share=0.6)["deduct_camera"]
    assert scored(guards=0)["deduct_guards"] == CFG.weights["guards"]
    assert 0 < scored(guards=1)["deduct_guards"] < CFG.weights["guards"]


def test_blank_items_are_reported_not_scored_worst_or_best():
    unknown = scored(guards=None)
    assert unknown["deduct_guards"] == CFG.weights["guards"] * CFG.unreported_share
    assert "专职保安人数未填报" in unknown["reasons_zh"] and "未填报：专职保安人数" in unknown["reasons_zh"]
    assert unknown["mandatory_breaches"] == "" and unknown["unreported"] == "guards"
    assert unknown["level"] == "good"
    blank_alarm = scored(one_click_alarm=None)
    assert blank_alarm["deduct_tech_defence"] == pytest.approx(CFG.weights["tech_defence"] / 8 * CFG.unreported_share, abs=0.01)
    assert "未填报：一键报警" in blank_alarm["reasons_zh"]
    assert blank_alarm["unreported"] == "one_click_alarm"
    assert "not reported" in blank_alarm["reasons_en"]


def test_camera_share_is_stated_even_without_a_deduction():
    seen = scored(gate_camera_share=0.94, covered_m2=2632.0)
    assert seen["deduct_camera"] == 0
    assert "视频覆盖率 94%" in seen["reasons_zh"] and "盲区约 168 平方米" in seen["reasons_zh"]
    assert "不扣分" in seen["reasons_zh"]


def test_levels_follow_thresholds_and_mandatory_breaches_cap_good():
    assert scored(**CASES["violations"][0])["score"] >= CFG.good_min
    capped = scored(**CASES["violations"][0])
    assert capped["level"] == "weak"
    assert "评级因此不高于“薄弱”" in capped["reasons_zh"]
    assert "capped at weak" in capped["reasons_en"]
    assert "《互联网上网服务营业场所管理条例》第九条" in capped["reasons_zh"]
    uncapped = replace(CFG, mandatory=(), violation_max_level="good")
    row = pd.DataFrame([{**PERFECT, **CASES["violations"][0]}])
    assert score_campuses(row, config=uncapped).iloc[0]["level"] == "good"
    bad = scored(response_s=900.0, posts_within_5min=0, gate_camera_share=0.0, police_am=False,
                 police_pm=False)
    assert bad["score"] < CFG.weak_min and bad["level"] == "critical"
    # Mandatory breaches first, then deductions, largest first.
    first, second = bad["reasons_zh"].split("；")[:2]
    assert first.startswith("必须：") and "见警察" in first
    assert second.startswith("最快到达的警务点")


def test_weights_come_from_the_config(tmp_path):
    toml = tmp_path / "my.toml"
    toml.write_text("[scoring.weights]\nresponse = 40\n", encoding="utf-8")
    cfg = scoring_config(load_settings(config=toml))
    row = pd.DataFrame([{**PERFECT, "response_s": 900.0}])
    assert score_campuses(row, config=cfg).iloc[0]["score"] == 60.0


# --- the same through the whole pipeline on hand-built layers -------------------------------





def layers(camera_fov: float | None) -> dict:
    schools = gpd.GeoDataFrame({
        "id": ["S1"], "name": ["一小"], "kind": ["primary"], "enrollment": [600],
        "area_type": ["urban"], "jurisdiction_id": ["P1"], "guards": [2], "boarding": [False],
        "video_networked": [True], "one_click_alarm": [True], "anti_ram_barrier": [True],
        "equipment_complete": [True],
    }, geometry=gpd.GeoSeries([shapely.MultiPoint([at(0, 0)])], crs=4326))
    out = {"schools": schools}
    if camera_fov is not None:
        out["cameras"] = gpd.GeoDataFrame({
            "id": ["C1"], "direction_deg": [0.0], "fov_deg": [camera_fov], "range_m": [60.0],
            "networked": [True], "status": ["ok"], "owner": ["school"],
        }, geometry=gpd.GeoSeries([at(0, 0)], crs=4326))
    return out


def test_pipeline_camera_at_the_gate_raises_the_score():
    response = pd.DataFrame({"school_id": ["S1"], "nearest_post_id": ["P1"], "response_s": [90.0],
                             "posts_within_60s": [0], "posts_within_180s": [2], "posts_within_300s": [2]})
    settings = load_settings()
    none = assess_with_response(layers(None), response=response, settings=settings).iloc[0]
    half = assess_with_response(layers(180.0), response=response, settings=settings).iloc[0]
    full = assess_with_response(layers(360.0), response=response, settings=settings).iloc[0]
    assert none["gate_camera_share"] == 0 and "没有正常工作的摄像机" in none["reasons_zh"]
    assert half["gate_camera_share"] == pytest.approx(0.5, abs=0.01)
    assert none["score"] < half["score"] < full["score"]
    assert "视频覆盖率 50%" in half["reasons_zh"]
    # No crossings at all: both peaks are reported missing, a mandatory breach.
    assert "早高峰、晚高峰校门没有在岗的民警或辅警" in full["reasons_zh"]
    assert "police_at_gate" in full["mandatory_breaches"].split(";")
    summary = summarize_jurisdictions(assess_with_response(layers(360.0), response=response,
                                                           settings=settings))
    assert summary.set_index("jurisdiction_id").loc["P1", "share_within_3min"] == 1.0


def test_missing_jurisdiction_is_filled_from_the_station_polygon():
    data = layers(None)
    data["schools"]["jurisdiction_id"] = [None]
    area = shapely.box(*gpd.GeoSeries([at(-500, -500), at(500, 500)], crs=4326).total_bounds)
    data["police_posts"] = gpd.GeoDataFrame({
        "id": ["P9", "P8"], "name": ["东门派出所", "西门派出所"], "kind": ["station", "station"],
        "jurisdiction": gpd.GeoSeries([area, area.buffer(-0.1)], crs=4326),
    }, geometry=gpd.GeoSeries([at(0, 300), at(-3000, 0)], crs=4326))
    row = assess_with_response(data, response=None, settings=load_settings()).iloc[0]
    assert row["jurisdiction_id"] == "P9" and row["jurisdiction_name"] == "东门派出所"
    assert row["response_s"] != row["response_s"]                 # no response table: NaN
    assert "没有警务点能经道路网到达" in row["reasons_zh"]
