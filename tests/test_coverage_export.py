"""Exports for the joint meeting: XLSX read back with openpyxl, CSV with BOM, GeoJSON."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.config import load_settings
from gis.coverage.assess import OUTPUT_COLUMNS, assess_with_response
from gis.coverage.export import COLUMN_ZH, LEVEL_COLOURS, sheet_name, write_assessment
from gis.errors import ValidationError


@pytest.fixture(scope="module")
def assessment() -> gpd.GeoDataFrame:
    n = 5
    schools = gpd.GeoDataFrame({
        "id": [f"S{i}" for i in range(n)], "name": ["城关一小", "城关二小", "塘湾中学", "流口小学", "无辖区幼儿园"],
        "kind": ["primary", "primary", "junior", "primary", "kindergarten"],
        "enrollment": [900, 600, 1200, 80, 150], "area_type": ["urban", "urban", "town", "rural", "town"],
        "jurisdiction_id": ["P1", "P1", "P2", "P2", None],
        "guards": [3, 1, 2, 0, 0], "video_networked": [True, False, True, False, False],
        "one_click_alarm": [True, True, False, False, False],
        "anti_ram_barrier": [True, False, True, False, False],
        "equipment_complete": [True, True, True, False, False],
    }, geometry=gpd.GeoSeries([shapely.MultiPoint([at(1000 * i, 0)]) for i in range(n)], crs=4326))
    posts = gpd.GeoDataFrame({"id": ["P1", "P2"], "name": ["城关派出所", "塘湾派出所"],
                              "kind": ["station", "station"]},
                             geometry=gpd.GeoSeries([at(0, 500), at(3000, 500)], crs=4326))
    response = pd.DataFrame({
        "school_id": [f"S{i}" for i in range(n)], "nearest_post_id": ["P1", "P1", "P2", "P2", "P2"],
        "response_s": [60.0, 150.0, 250.0, 420.0, None],
        "posts_within_60s": [1, 0, 0, 0, 0], "posts_within_180s": [2, 1, 0, 0, 0],
        "posts_within_300s": [2, 2, 1, 0, 0]})
    return assess_with_response({"schools": schools, "police_posts": posts}, response=response,
                                settings=load_settings())


def test_xlsx_has_summary_and_jurisdiction_sheets_with_chinese_headers(assessment, tmp_path):
    path = write_assessment(assessment, tmp_path / "评估.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "全部学校", "达标率", "城关派出所", "塘湾派出所", "未划定"]
    ws = wb["全部学校"]
    headers = [c.value for c in ws[1]]
    for col in ("name", "score", "level", "reasons_zh", "response_s", "gate_camera_share"):
        assert COLUMN_ZH[col] in headers
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref is not None
    rows = list(ws.iter_rows(min_row=2, max_row=6, values_only=True))
    level_col = headers.index("等级")
    assert {r[level_col] for r in rows} <= {"良好", "薄弱", "严重薄弱"}
    # Levels are coloured: the fill of each level cell matches its colour.
    for r in range(2, 7):
        cell = ws.cell(row=r, column=level_col + 1)
        key = {"良好": "good", "薄弱": "weak", "严重薄弱": "critical"}[cell.value]
        assert cell.fill.fgColor.rgb.endswith(LEVEL_COLOURS[key].lstrip("#").upper())
    reasons = ws.cell(row=2, column=headers.index("主要问题") + 1)
    assert reasons.alignment.wrap_text and reasons.value.startswith("1. ")
    # The jurisdiction sheet holds exactly its schools.
    p1 = [r[0] for r in wb["城关派出所"].iter_rows(min_row=2, values_only=True) if r[0] and r[0].startswith("S")]
    assert sorted(p1) == ["S0", "S1"]
    summary = {r[0]: r for r in wb["汇总"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert summary["P1"][2] == 2 and summary["全县"][2] == 5
    assert any("OpenStreetMap" in str(r[0]) for r in wb["汇总"].iter_rows(values_only=True) if r[0])


def test_csv_is_utf8_with_bom_and_has_the_issue_columns(assessment, tmp_path):
    path = write_assessment(assessment, tmp_path / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns[:len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    assert "城关一小" in set(back["name"])
    assert back["score"].is_monotonic_increasing


def test_geojson_points_with_the_columns(assessment, tmp_path):
    path = write_assessment(assessment, tmp_path / "out.geojson")
    back = gpd.read_file(path)
    assert len(back) == 5 and set(OUTPUT_COLUMNS) <= set(back.columns)
    assert back.geom_type.eq("Point").all()
    s0 = back.set_index("school_id").loc["S0"]
    assert s0.geometry.x == pytest.approx(117.2, abs=1e-9)


def test_bad_output_suffix_is_a_clear_error(assessment, tmp_path):
    with pytest.raises(ValidationError, match=r"\.csv、\.xlsx 或 \.geojson"):
        write_assessment(assessment, tmp_path / "out.txt")


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    a = sheet_name("城关/东门:派出所[1]", used)
    b = sheet_name("城关/东门:派出所[1]", used)
    c = sheet_name("x" * 40, used)
    assert a == "城关_东门_派出所_1_" and b != a and len(c) == 31
