"""The seeds' mandatory rules cap the level, 见警察 means police, posts answer within their hours.

Layers are written to the store and read back (both back-ends) before they are assessed, so the
checklist fields travel the whole way a planner's data does.
"""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.config import load_settings
from gis.coverage.assess import assess_campuses, assess_with_response
from gis.coverage.duty import crossing_presence
from gis.network import build_road_graph
from gis.viz.kpis import compute_kpis, staffed_crossings

SETTINGS = load_settings()

COMPLIANT = {
    "id": "S1", "name": "城关小学", "kind": "primary", "enrollment": 600, "boarding": False,
    "area_type": "urban", "jurisdiction_id": "P1", "guards": 3, "equipment_complete": True,
    "video_networked": True, "one_click_alarm": True, "anti_ram_barrier": True,
    "complex_area": False, "high_risk": False, "gatekeepers": 1, "guards_certified": True,
    "equipment_items": 8, "intrusion_alarm": True, "electronic_patrol": True, "monitor_room_24h": True,
    "night_duty_24h": None, "enclosed": True, "parent_waiting_zone": True, "legal_vice_principal": True,
    "officer_name": "张警官", "officer_phone": "0701-1234567",
}
RESPONSE = pd.DataFrame({"school_id": ["S1"], "nearest_post_id": ["P1"], "response_s": [60.0],
                         "posts_within_60s": [1], "posts_within_180s": [2], "posts_within_300s": [2]})


def crossing(staffed_by: str | None, staff: int | None, *, cid: str = "X1", armed: bool = False) -> dict:
    return {"id": cid, "school_id": "S1", "am_window": "07:20-07:50", "noon_window": None,
            "pm_window": "16:30-17:10", "staffed_by": staffed_by, "staff": staff, "armed": armed}


def layers(store, *, school: dict | None = None, crossings: list[dict] | None = None) -> dict:
    """Write one school (gate at the origin), a camera seeing it, crossings; read them back."""
    row = {**COMPLIANT, **(school or {})}
    schools = gpd.GeoDataFrame([row], geometry=[shapely.MultiPoint([at(0, 0)])], crs=4326) \
        .rename_geometry("gates")
    cams = gpd.GeoDataFrame({"id": ["C1"], "direction_deg": [0.0], "fov_deg": [360.0], "range_m": [60.0],
                             "networked": [True], "status": ["ok"], "owner": ["school"]},
                            geometry=[at(0, 0)], crs=4326).rename_geometry("point")
    rows = crossings if crossings is not None else [crossing("police", 2)]
    cx = gpd.GeoDataFrame(rows, geometry=[at(0, 20 + 5 * k) for k in range(len(rows))], crs=4326) \
        .rename_geometry("point")
    store.write_layer("schools", schools, source="t", actor="t")
    store.write_layer("cameras", cams, source="t", actor="t")
    if len(cx):
        store.write_layer("crossings", cx, source="t", actor="t")
    return store.read_layers()


def assess(data: dict) -> pd.Series:
    return assess_with_response(data, response=RESPONSE, settings=SETTINGS).iloc[0]


def test_fully_compliant_school_near_a_post_stays_good(store):
    row = assess(layers(store))
    assert row["level"] == "good" and row["score"] >= 95
    assert row["mandatory_breaches"] == "" and row["unreported"] == ""
    assert bool(row["police_am"]) and bool(row["police_pm"])
    assert "必须" not in row["reasons_zh"]


def test_boarding_urban_school_with_no_guards_is_not_good(store):
    row = assess(layers(store, school={"boarding": True, "guards": 0, "night_duty_24h": True}))
    assert row["score"] >= 75                  # the points alone would say 良好 …
    assert row["level"] == "weak"              # … the county plan's guard rule says otherwise
    assert row["mandatory_breaches"] == "guards"
    first = row["reasons_zh"].split("；")[0]
    assert first.startswith("必须：依县公安局《中小学幼儿园安全防范工作专项行动实施方案》")
    assert "城区学校须配备 2–4 名专职保安员" in first and "共需 3 名" in first and "现有 0 名" in first
    assert "评级因此不高于“薄弱”" in first
    assert "full-time guards" in row["reasons_en"] and "capped at weak" in row["reasons_en"]


def test_boarding_school_without_24_hour_duty_breaches_and_blank_is_unreported(store):
    row = assess(layers(store, school={"boarding": True, "guards": 4, "night_duty_24h": False}))
    assert row["mandatory_breaches"] == "boarding_duty" and row["level"] == "weak"
    assert "寄宿制学校须确保 24 小时有人值班" in row["reasons_zh"]
    blank = assess(layers(store, school={"boarding": True, "guards": 4, "night_duty_24h": None}))
    assert blank["mandatory_breaches"] == "" and blank["unreported"] == "boarding_duty"
    assert "未填报：24小时值班未填报" in blank["reasons_zh"] and blank["level"] == "good"


def test_rural_complex_area_school_of_40_pupils_is_short_of_two_guards(store):
    rural = {"area_type": "rural", "enrollment": 40, "guards": 0}
    plain = assess(layers(store, school={**rural, "complex_area": False}))
    assert plain["guards_required"] == 0 and "guards" not in plain["mandatory_breaches"]
    hard = assess(layers(store, school={**rural, "complex_area": True}))
    assert hard["guards_required"] == 2
    assert hard["mandatory_breaches"] == "guards" and hard["level"] != "good"
    assert "治安状况复杂学校须配备 2 名以上专职保安员，现有 0 名" in hard["reasons_zh"]
    assert hard["deduct_guards"] == SETTINGS.section("scoring")["weights"]["guards"]


def test_volunteer_only_gate_does_not_satisfy_police_presence(store):
    data = layers(store, crossings=[crossing("volunteer", 3)])
    row = assess(data)
    assert bool(row["am_staffed"]) and bool(row["pm_staffed"])        # someone is there …
    assert not bool(row["police_am"]) and not bool(row["police_pm"])  # … but not the police
    assert row["other_am"] == 1
    assert "police_at_gate" in row["mandatory_breaches"].split(";") and row["level"] != "good"
    assert "见警察" in row["reasons_zh"] and "仅有保安或志愿者 1 处" in row["reasons_zh"]
    auxiliary = assess(layers(store, crossings=[crossing("auxiliary", 1)]))
    assert bool(auxiliary["police_am"]) and auxiliary["level"] == "good"
    # The KPI tile counts police presence with the same rule.
    kpi = compute_kpis(data["schools"], None, data["crossings"], now=datetime(2026, 3, 2, 7, 30))
    assert kpi.peak == "am" and kpi.crossings_police == 0 and kpi.crossings_staffed == 1


def test_crossing_without_staff_count_is_treated_alike_everywhere(store):
    data = layers(store, crossings=[crossing("police", None)])
    presence = crossing_presence(data["crossings"])
    assert bool(presence["police"].iloc[0]) and bool(presence["staff_unknown"].iloc[0])
    row = assess(data)
    assert bool(row["police_am"]) and row["staff_unknown"] == 1
    assert staffed_crossings(data["crossings"], "am") == (1, 1)
    kpi = compute_kpis(data["schools"], None, data["crossings"], now=datetime(2026, 3, 2, 7, 30))
    assert kpi.crossings_police == 1
    zero = layers(store, crossings=[crossing("police", 0, cid="X1")])
    assert not bool(assess(zero)["police_am"]) and staffed_crossings(zero["crossings"], "am") == (0, 1)


def test_armed_police_at_a_high_risk_campus(store):
    row = assess(layers(store, school={"high_risk": True}, crossings=[crossing("police", 2)]))
    assert row["mandatory_breaches"] == "armed_at_high_risk" and row["level"] == "weak"
    assert "携带武器的警力" in row["reasons_zh"] and "《“护校安园”行动工作方案》" in row["reasons_zh"]
    armed = assess(layers(store, school={"high_risk": True}, crossings=[crossing("police", 2, armed=True)]))
    assert armed["mandatory_breaches"] == ""


def test_no_gatekeeper_and_no_alarm_each_name_their_rule(store):
    row = assess(layers(store, school={"gatekeepers": 0, "one_click_alarm": False}))
    assert row["mandatory_breaches"] == "gatekeeper;one_click_alarm"
    assert "《中小学幼儿园安全防范工作规范（试行）》" in row["reasons_zh"]
    assert "一键式报警设施" in row["reasons_zh"]


def test_configured_rule_list_decides_what_caps(store, tmp_path):
    toml = tmp_path / "rules.toml"
    toml.write_text('[scoring]\nmandatory = ["gatekeeper"]\n', encoding="utf-8")
    settings = load_settings(config=toml)
    data = layers(store, school={"boarding": True, "guards": 0, "night_duty_24h": True})
    row = assess_with_response(data, response=RESPONSE, settings=settings).iloc[0]
    assert row["mandatory_breaches"] == "" and row["level"] == "good"


# -- posts answer within their hours -------------------------------------------------------------

@pytest.fixture(scope="module")
def road():
    roads = gpd.GeoDataFrame({"id": ["R1"], "highway": ["primary"], "oneway": [None], "maxspeed": [None]},
                             geometry=[shapely.LineString([at(-200, 0), at(3000, 0)])], crs=4326)
    return build_road_graph(roads)


def test_a_post_outside_its_hours_does_not_count_at_that_time(store, road):
    data = layers(store)
    posts = gpd.GeoDataFrame({
        "id": ["A", "B", "Z"], "name": ["城东警务室", "城关派出所", "空岗亭"],
        "kind": ["office", "station", "kiosk"], "staff": [2, 30, 0],
        "hours": ["08:00-20:00", "24小时", None]},
        geometry=[at(400, 0), at(2500, 0), at(100, 0)], crs=4326).rename_geometry("point")
    store.write_layer("police_posts", posts, source="t", actor="t")
    data["police_posts"] = store.read_layer("police_posts")
    free = assess_campuses(data, graph=road, settings=SETTINGS).iloc[0]
    am = assess_campuses(data, graph=road, settings=SETTINGS, peak="am").iloc[0]
    pm = assess_campuses(data, graph=road, settings=SETTINGS, peak="pm").iloc[0]
    # The empty kiosk (staff 0) never answers; the office opens at 08:00, after the AM peak starts.
    assert free["nearest_post_id"] == "A" and pm["nearest_post_id"] == "A"
    assert am["nearest_post_id"] == "B" and am["peak"] == "am"
    assert am["response_s"] > pm["response_s"]
    assert am["posts_closed"] == "A,Z" and am["posts_answering"] == 1
    assert free["posts_closed"] == "Z"
    assert am["posts_hours_assumed"] == "Z"          # blank hours: taken as 24 h, and flagged


@pytest.mark.parametrize(("text", "window", "open_"), [
    ("24小时", (7 * 3600, 8 * 3600), True),
    ("08:00-20:00", (7 * 3600, 8 * 3600 + 600), False),
    ("08:00-20:00", (16 * 3600, 17 * 3600), True),
    ("工作日 8-18", (16 * 3600, 17 * 3600), True),
    ("工作日 8-18", (17 * 3600, 18 * 3600 + 60), False),
    ("20:00-08:00", (7 * 3600, 7 * 3600 + 1800), True),
    ("20:00-08:00", (7 * 3600 + 1800, 8 * 3600 + 600), False),
])
def test_post_hours_are_read(text, window, open_):
    from gis.coverage.posts import parse_hours

    hours = parse_hours(text)
    assert not hours.assumed
    assert hours.open_during(window) is open_
    assert parse_hours("工作日 8-18").open_during((16 * 3600, 17 * 3600), school_day=False) is False
    assert parse_hours("说不清").assumed and parse_hours(None).assumed and parse_hours("说不清").always
