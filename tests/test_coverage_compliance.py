"""Compliance rates per 派出所 and county by area type: hand counts on small fixtures, the CLI file."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.cli import main
from gis.config import load_settings
from gis.coverage import compliance_rates
from gis.coverage.assess import assess_with_response
from gis.coverage.compliance import JURISDICTION_COLUMNS, rates_display

T, F, N = True, False, None

# Six schools, two 派出所. Columns as the assessment has them (None = 未填报).
HAND = pd.DataFrame({
    "school_id": ["a", "b", "c", "d", "e", "f"],
    "jurisdiction_id": ["P1", "P1", "P1", "P2", "P2", "P2"],
    "jurisdiction_name": ["东门派出所"] * 3 + ["花园派出所"] * 3,
    "area_type": ["urban", "urban", "town", "urban", "rural", "rural"],
    "level": ["good", "weak", "critical", "weak", "weak", "good"],
    "techdef_ok": [T, F, T, N, T, F],
    "networked_ok": [T, T, F, T, N, T],
    "guards_ok": [T, F, N, T, T, T],
    "police_am": [T, F, T, T, F, T],
    "police_pm": [T, T, F, T, F, F],
    "alarm_ok": [T, T, T, F, N, T],
})


def test_rates_equal_a_hand_count():
    table = compliance_rates(HAND, settings=load_settings())
    j = table.by_jurisdiction
    assert list(j.columns) == list(JURISDICTION_COLUMNS)
    assert list(j["jurisdiction_id"]) == ["P1", "P2", "全县"]
    p1, p2, county = (j.iloc[k] for k in range(3))
    assert (p1["schools"], p1["weak"], p1["critical"]) == (3, 1, 1)
    assert (p2["schools"], p2["weak"], p2["critical"]) == (3, 2, 0)
    assert (county["schools"], county["weak"], county["critical"]) == (6, 3, 1)
    # P1: techdef a,c = 2/3; networked a,b = 2/3; guards a = 1/3 (c blank); am a,c; pm a,b; alarm 3/3
    assert p1[["techdef_rate", "networked_rate", "guard_rate", "police_am_rate", "police_pm_rate",
               "alarm_rate"]].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3, 2 / 3, 2 / 3, 1.0], abs=1e-4)
    # P2: techdef e; networked d,f; guards d,e,f; am d,f; pm d; alarm f
    assert p2[["techdef_rate", "networked_rate", "guard_rate", "police_am_rate", "police_pm_rate",
               "alarm_rate"]].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 2 / 3, 1 / 3, 1 / 3], abs=1e-4)
    assert county[["techdef_rate", "alarm_rate"]].tolist() == pytest.approx([3 / 6, 4 / 6], abs=1e-4)

    area = table.by_area.set_index(["jurisdiction_id", "area_type"])
    urban = area.loc[("全县", "urban")]
    # urban: a, b, d → techdef a only (d blank) = 1/3 against 80 %; one blank reported beside it
    assert urban["schools"] == 3 and urban["techdef_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert urban["techdef_rate_target"] == 0.8 and urban["techdef_rate_met"] is False
    assert urban["techdef_rate_unreported"] == 1
    town = area.loc[("P1", "town")]
    assert town["networked_rate"] == 0 and town["networked_rate_target"] == 1.0
    rural = area.loc[("P2", "rural")]       # no fixed target for rural techdef (逐步提高)
    assert rural["techdef_rate_target"] is None and rural["techdef_rate_met"] is None
    assert rural["guard_rate_target"] == 1.0 and rural["guard_rate_met"] is True
    assert set(area.loc["全县"].index) == {"urban", "town", "rural", "all"}
    shown = rates_display(table)
    row = shown[(shown["派出所"] == "合计 / total") & (shown["区域"] == "城区")].iloc[0]
    assert row["技防达标率"] == "33% / 目标 80% ✗ · 1 未填报"


def test_targets_come_from_the_config(tmp_path):
    toml = tmp_path / "t.toml"
    toml.write_text("[compliance]\ntechdef_rate = { urban = 0.3 }\n", encoding="utf-8")
    table = compliance_rates(HAND, settings=load_settings(config=toml))
    urban = table.by_area.set_index(["jurisdiction_id", "area_type"]).loc[("全县", "urban")]
    assert urban["techdef_rate_target"] == 0.3 and urban["techdef_rate_met"] is True


def test_hand_count_through_the_store_and_the_assessment(store):
    """Three stored schools, assessed: the rates are what one counts on the fixture."""
    base = {"kind": "primary", "enrollment": 600, "boarding": False, "area_type": "urban",
            "jurisdiction_id": "P1", "guards": 3, "video_networked": True, "one_click_alarm": True,
            "intrusion_alarm": True, "electronic_patrol": True, "gatekeepers": 1}
    rows = [{**base, "id": "A", "name": "甲"},
            {**base, "id": "B", "name": "乙", "guards": 1, "one_click_alarm": False},
            {**base, "id": "C", "name": "丙", "electronic_patrol": None, "video_networked": False,
             "jurisdiction_id": "P2", "area_type": "town"}]
    schools = gpd.GeoDataFrame(rows, geometry=[shapely.MultiPoint([at(2000 * k, 0)]) for k in range(3)],
                               crs=4326).rename_geometry("gates")
    cams = gpd.GeoDataFrame({"id": ["c0", "c1", "c2"], "fov_deg": [360.0] * 3, "range_m": [60.0] * 3,
                             "status": ["ok"] * 3, "networked": [True] * 3}, geometry=[at(2000 * k, 0) for k in range(3)],
                            crs=4326).rename_geometry("point")
    cx = gpd.GeoDataFrame({"id": ["x0", "x1"], "school_id": ["A", "C"], "am_window": ["07:20-07:50"] * 2,
                           "pm_window": ["16:30-17:10", None], "staffed_by": ["police", "auxiliary"],
                           "staff": [2, 1]}, geometry=[at(0, 20), at(4000, 20)], crs=4326).rename_geometry("point")
    store.write_layer("schools", schools, source="t", actor="t")
    store.write_layer("cameras", cams, source="t", actor="t")
    store.write_layer("crossings", cx, source="t", actor="t")
    a = assess_with_response(store.read_layers(), response=None, settings=load_settings())
    j = compliance_rates(a, settings=load_settings()).by_jurisdiction.set_index("jurisdiction_id")
    # techdef: A yes, B no alarm, C patrol blank → P1 1/2, P2 0/1; networked: A, B yes, C no;
    # guards: A only (urban needs 2; C town 600 pupils needs 2 and has 3) → P1 1/2, P2 1/1;
    # police AM: A, C; PM: A; alarm: A, C.
    assert j.loc["P1", ["techdef_rate", "networked_rate", "guard_rate", "police_am_rate",
                        "police_pm_rate", "alarm_rate"]].tolist() == [0.5, 1.0, 0.5, 0.5, 0.5, 0.5]
    assert j.loc["P2", ["techdef_rate", "networked_rate", "guard_rate", "police_am_rate",
                        "police_pm_rate", "alarm_rate"]].tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    assert j.loc["全县", "schools"] == 3 and j.loc["全县", "alarm_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert j.loc["全县", "weak"] + j.loc["全县", "critical"] == int((a["level"] != "good").sum())


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_jurisdictions_out_has_exactly_the_columns(demo_store, tmp_path, suffix):
    out, jur = tmp_path / "c.csv", tmp_path / f"j{suffix}"
    assert main(["--db", demo_store.url, "coverage", "--out", str(out), "--jurisdictions-out", str(jur)]) == 0
    frame = pd.read_csv(jur, encoding="utf-8-sig") if suffix == ".csv" else pd.read_excel(jur)
    assert list(frame.columns) == list(JURISDICTION_COLUMNS)
    assert frame["jurisdiction_id"].iloc[-1] == "全县"
    schools = pd.read_csv(out, encoding="utf-8-sig")
    assert frame["schools"].iloc[-1] == len(schools) == frame["schools"].iloc[:-1].sum()
    assert frame["weak"].iloc[-1] == (schools["level"] == "weak").sum()
    police = schools["police_am"].astype(bool).mean()
    assert frame["police_am_rate"].iloc[-1] == pytest.approx(police, abs=1e-4)
    for rate in JURISDICTION_COLUMNS[4:]:
        assert frame[rate].between(0, 1).all()
    for col in ("mandatory_breaches", "police_am", "police_pm", "unreported", "peak"):
        assert col in schools.columns


def test_cli_workbook_has_the_rates_sheet_and_bad_suffix_is_one_line(demo_store, tmp_path, capsys):
    out = tmp_path / "c.xlsx"
    assert main(["--db", demo_store.url, "coverage", "--out", str(out), "--peak", "am"]) == 0
    wb = openpyxl.load_workbook(out)
    assert "达标率" in wb.sheetnames
    ws = wb["达标率"]
    heads = [c.value for c in ws[3]]
    assert heads[:4] == ["派出所编号", "派出所", "区域", "学校数"] and "技防达标率" in heads and "目标" in heads
    assert any(row[0].value == "全县" for row in ws.iter_rows(min_row=4))
    capsys.readouterr()
    assert main(["--db", demo_store.url, "coverage", "--out", str(tmp_path / "x.csv"),
                 "--jurisdictions-out", str(tmp_path / "j.geojson")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "--jurisdictions-out" in err
