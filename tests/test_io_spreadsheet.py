"""Issue 10 class 7: no CSV/XLSX the product writes carries a live formula from user data.

Every writer goes through ``gis.io.spreadsheet``; this file writes hostile text through each
of them (coverage CSV/XLSX, the 覆盖缺口 downloads, quarantine CSV/XLSX, templates, the
patrol plan) and reads every cell back.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.config import load_settings
from gis.coverage.assess import assess_with_response
from gis.coverage.export import write_assessment
from gis.io.importer import prepare_import
from gis.io.quarantine import write_quarantine
from gis.io.spreadsheet import (
    FORMULA_START,
    csv_bytes,
    is_formula_like,
    safe_cell,
    unquote,
    xlsx_bytes,
)
from gis.io.templates import write_template
from gis.io.values import parse_text
from gis.schema import LAYER_NAMES
from gis.viz import tables

HOSTILE = ['=HYPERLINK("http://evil.example/x","点我")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1"]


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]


def _xlsx_cells(data: bytes | Path) -> list[tuple[object, str]]:
    book = openpyxl.load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [(c.value, c.data_type) for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def assert_no_live_formula_csv(data: bytes) -> None:
    cells = _csv_cells(data)
    bad = [c for c in cells if is_formula_like(c)]
    assert not bad, bad


def assert_no_live_formula_xlsx(data: bytes | Path) -> None:
    cells = _xlsx_cells(data)
    assert not [v for v, t in cells if t == "f"], "formula cells written"
    bad = [v for v, _ in cells if isinstance(v, str) and is_formula_like(v)]
    assert not bad, bad


def test_safe_cell_rules():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
        assert unquote(safe_cell(text)) == text
        assert parse_text(safe_cell(text)) == parse_text(text)   # re-import keeps what was typed
    for harmless in ("-5", "+3.25", "1e5", "城关小学", "'quoted", "", "a=b"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(-5) == -5
    assert set(FORMULA_START) >= {"=", "+", "-", "@"}


def test_frame_writers_quote_hostile_text_and_keep_numbers():
    frame = pd.DataFrame({"name": HOSTILE, "n": range(len(HOSTILE)), "neg": [-1.5] * len(HOSTILE),
                          HOSTILE[0]: ["x"] * len(HOSTILE)})
    cells = _csv_cells(csv_bytes(frame))
    assert "'" + HOSTILE[0] in cells and "-1.5" in cells
    assert_no_live_formula_csv(csv_bytes(frame))
    data = xlsx_bytes({"s": frame})
    assert_no_live_formula_xlsx(data)
    values = [v for v, _ in _xlsx_cells(data)]
    assert -1.5 in values and "'" + HOSTILE[0] in values


@pytest.fixture(scope="module")
def hostile_assessment() -> gpd.GeoDataFrame:
    n = len(HOSTILE)
    schools = gpd.GeoDataFrame({
        "id": [f"S{i}" for i in range(n)], "name": HOSTILE, "kind": ["primary"] * n,
        "enrollment": [500] * n, "area_type": ["urban"] * n, "jurisdiction_id": ["P1"] * n,
        "guards": [0] * n,
    }, geometry=gpd.GeoSeries([shapely.MultiPoint([at(300 * i, 0)]) for i in range(n)], crs=4326))
    posts = gpd.GeoDataFrame({"id": ["P1"], "name": ["=HYPERLINK(\"http://evil\")"], "kind": ["station"]},
                             geometry=gpd.GeoSeries([at(0, 500)], crs=4326))
    response = pd.DataFrame({"school_id": schools["id"], "nearest_post_id": ["P1"] * n,
                             "response_s": [100.0] * n, "posts_within_60s": [0] * n,
                             "posts_within_180s": [1] * n, "posts_within_300s": [1] * n})
    return assess_with_response({"schools": schools, "police_posts": posts}, response=response,
                                settings=load_settings())


def test_coverage_exports_carry_no_live_formula(hostile_assessment, tmp_path):
    csv_path = write_assessment(hostile_assessment, tmp_path / "cov.csv")
    assert_no_live_formula_csv(csv_path.read_bytes())
    assert "'" + HOSTILE[0] in _csv_cells(csv_path.read_bytes())
    xlsx_path = write_assessment(hostile_assessment, tmp_path / "cov.xlsx")
    assert_no_live_formula_xlsx(xlsx_path)
    assert "'" + HOSTILE[0] in [v for v, _ in _xlsx_cells(xlsx_path)]


def test_gaps_downloads_carry_no_live_formula(hostile_assessment):
    ranked = tables.ranked_schools(hostile_assessment)
    assert_no_live_formula_csv(tables.to_csv_bytes(ranked))
    assert_no_live_formula_xlsx(tables.to_xlsx_bytes(ranked))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_quarantine_files_carry_no_live_formula(tmp_path, suffix):
    rows = [["编号", "学校名称", "学校类型", "经度", "纬度"]]
    rows += [[f"S{i}", text, "大学", "117.2", "28.2"] for i, text in enumerate(HOSTILE)]   # 大学: rejected kind
    path = tmp_path / f"schools{suffix}"
    if suffix == ".csv":
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        for r in range(2, len(rows) + 1):     # keep the hostile names as text cells, not formulas
            book.active.cell(r, 2).data_type = "s"
        book.save(path)
    preview = prepare_import("schools", path)
    assert preview.rejected == len(HOSTILE)
    out = write_quarantine(preview)
    if suffix == ".csv":
        assert_no_live_formula_csv(out.read_bytes())
    else:
        assert_no_live_formula_xlsx(out)
    again = prepare_import("schools", out)   # the quarantine file re-reads to the same names
    assert sorted(again.table.frame["学校名称"].map(parse_text)) == sorted(HOSTILE_TEXT)


HOSTILE_TEXT = [parse_text(t) for t in HOSTILE]


@pytest.mark.parametrize("layer", LAYER_NAMES)
def test_templates_carry_no_formula_cells(layer, tmp_path):
    assert_no_live_formula_xlsx(write_template(layer))


def test_patrol_plan_xlsx_carries_no_live_formula(tmp_path):
    from shapely.geometry import MultiPoint, Point
    from test_reports_sheets import StraightTravel

    from gis.reports import write_route_sheets
    from gis.routing.plan import plan_patrols

    schools = gpd.GeoDataFrame({"id": ["s1", "s2"], "name": HOSTILE[:2], "kind": ["primary"] * 2},
                               geometry=[MultiPoint([(117.20 + 0.004 * k, 28.25)]) for k in range(2)],
                               crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": ["p1"], "name": [HOSTILE[3]], "kind": ["station"], "vehicles": [1]},
                             geometry=[Point(117.205, 28.245)], crs="EPSG:4326")
    plan = plan_patrols({"schools": schools, "police_posts": posts}, travel=StraightTravel(),
                        window="am", units=1, time_limit=1)
    files = write_route_sheets(plan, tmp_path)
    assert_no_live_formula_xlsx(files["xlsx"][0])
