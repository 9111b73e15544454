"""The guixi demo area (real OSM roads) end to end: ranking, reasons, map layers and the CLI."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from gis.cli import main
from gis.config import load_settings
from gis.coverage import (
    OUTPUT_COLUMNS,
    assess_campuses,
    coverage_map_layers,
    summarize_jurisdictions,
)
from gis.coverage.score import COMPONENTS
from gis.network import load_road_graph


@pytest.fixture(scope="module")
def demo_assessment(demo_layers):
    settings = load_settings()
    graph = load_road_graph(demo_layers["roads"], settings=settings)
    return assess_campuses(demo_layers, graph=graph, settings=settings)


def test_every_weak_or_critical_school_has_a_reason(demo_assessment, demo_layers):
    a = demo_assessment
    assert len(a) == len(demo_layers["schools"])
    assert set(a["school_id"]) == set(demo_layers["schools"]["id"].astype(str))
    assert a["score"].is_monotonic_increasing            # ranked weakest first
    assert set(a["level"]) <= {"good", "weak", "critical"}
    assert (a["level"] != "good").any()                  # the demo has weak campuses to discuss
    flagged = a[a["level"] != "good"]
    assert (flagged["reason_count"] >= 1).all()
    assert flagged["reasons_zh"].str.len().gt(0).all()
    assert flagged["reasons_en"].str.len().gt(0).all()
    # Every deduction carries its own reason; mandatory breaches come first, one reason each.
    deductions = a[[f"deduct_{c}" for c in COMPONENTS]].gt(0).sum(axis=1)
    n_reasons = a["reasons_zh"].map(lambda s: len(s.split("；")) if s else 0)
    breaches = a["mandatory_breaches"].map(lambda s: len(s.split(";")) if s else 0)
    assert (n_reasons >= deductions + breaches).all()
    assert (n_reasons == a["reason_count"]).all()
    for _, row in a[breaches > 0].iterrows():
        first = row["reasons_zh"].split("；")[:len(row["mandatory_breaches"].split(";"))]
        assert all(r.startswith("必须：依《") or r.startswith("必须：依县公安局") for r in first)
        assert row["level"] != "good"
    # The score is 100 minus the deductions.
    total = a[[f"deduct_{c}" for c in COMPONENTS]].sum(axis=1)
    assert ((100 - total).clip(0, 100).round(1) - a["score"]).abs().max() < 0.06


def test_demo_response_times_come_from_the_road_network(demo_assessment):
    a = demo_assessment
    reached = a["response_s"].dropna()
    assert len(reached) >= len(a) * 0.7
    assert (reached > 0).all() and (reached < 3600).all()
    # The nearest post really is a post, and redundancy counts are nested bands.
    assert (a["posts_within_1min"] <= a["posts_within_3min"]).all()
    assert (a["posts_within_3min"] <= a["posts_within_5min"]).all()
    slow = a[a["response_s"] > 300]
    for _, row in slow.iterrows():
        assert f"{row['response_s'] / 60:.1f} 分钟" in row["reasons_zh"]


def test_demo_jurisdiction_summary_adds_up(demo_assessment):
    s = summarize_jurisdictions(demo_assessment).set_index("jurisdiction_id")
    total = s.loc["全县"]
    parts = s.drop(index="全县")
    assert parts["schools"].sum() == total["schools"] == len(demo_assessment)
    assert parts["weak"].sum() == total["weak"] and parts["critical"].sum() == total["critical"]
    within = (demo_assessment["response_s"] <= 180).mean()
    assert math.isclose(total["share_within_3min"], within)


def test_demo_map_layers(demo_layers):
    maps = coverage_map_layers(demo_layers, settings=load_settings())
    assert set(maps) == {"sectors", "blind_spots", "boundary_blind", "duty_gaps", "violations"}
    edge = maps["boundary_blind"]
    assert len(edge) and edge.geom_type.isin(["LineString", "MultiLineString"]).all()
    assert (edge["blind_m"] > 0).all() and edge["boundary_camera_share"].between(0, 1).all()
    assert len(maps["sectors"]) == len(demo_layers["cameras"])
    for frame in maps.values():
        assert frame.crs.to_epsg() == 4326
    assert maps["sectors"].geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_cli_writes_the_meeting_workbook(demo_store, tmp_path, capsys):
    out = tmp_path / "coverage.xlsx"
    assert main(["--db", demo_store.url, "coverage", "--out", str(out), "--peak", "am"]) == 0
    printed = capsys.readouterr().out
    assert "已评估" in printed and "assessed" in printed
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["汇总", "全部学校"] and len(wb.sheetnames) >= 3
    assert wb["全部学校"]["A1"].value == "学校编号"


def test_cli_csv_has_the_issue_columns_and_peak_slows_response(demo_store, tmp_path):
    free, peak = tmp_path / "free.csv", tmp_path / "pm.csv"
    assert main(["--db", demo_store.url, "coverage", "--out", str(free)]) == 0
    assert main(["--db", demo_store.url, "coverage", "--out", str(peak), "--peak", "pm"]) == 0
    a = pd.read_csv(free, encoding="utf-8-sig").set_index("school_id")
    b = pd.read_csv(peak, encoding="utf-8-sig").set_index("school_id").loc[a.index]
    assert list(a.reset_index().columns[:len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    both = a["response_s"].notna() & b["response_s"].notna()
    assert (b.loc[both, "response_s"] >= a.loc[both, "response_s"] - 1e-6).all()
    assert (b.loc[both, "response_s"] > a.loc[both, "response_s"]).any()


def test_cli_bad_input_is_one_line_without_traceback(demo_store, tmp_path, capsys, settings):
    assert main(["--db", demo_store.url, "coverage", "--out", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and ".xlsx" in err
    # An empty database: a clear message, not a crash.
    assert main(["--db", settings.database_url, "init"]) == 0
    capsys.readouterr()
    assert main(["--db", settings.database_url, "coverage", "--out", str(tmp_path / "y.csv")]) == 2
    err = capsys.readouterr().err
    assert "python -m gis demo" in err and err.count("\n") == 1


@pytest.mark.slow
@pytest.mark.postgis
def test_cli_on_postgis_matches_sqlite(demo_store, postgis_store, postgis_url, tmp_path):
    from gis.demo import load_demo

    load_demo(postgis_store, area="guixi")
    lite, pg = tmp_path / "lite.csv", tmp_path / "pg.csv"
    assert main(["--db", demo_store.url, "coverage", "--out", str(lite)]) == 0
    assert main(["--db", postgis_url, "coverage", "--out", str(pg)]) == 0
    a = pd.read_csv(lite, encoding="utf-8-sig").set_index("school_id").sort_index()
    b = pd.read_csv(pg, encoding="utf-8-sig").set_index("school_id").sort_index()
    assert list(a.index) == list(b.index)
    pd.testing.assert_series_equal(a["score"], b["score"])
    assert (a["level"] == b["level"]).all() and (a["reasons_zh"] == b["reasons_zh"]).all()


def test_cli_map_layers_geojson(demo_store, tmp_path):
    import geopandas as gpd

    out, layers = tmp_path / "c.geojson", tmp_path / "map.geojson"
    assert main(["--db", demo_store.url, "coverage", "--out", str(out),
                 "--map-layers", str(layers)]) == 0
    back = gpd.read_file(layers)
    assert {"sectors", "blind_spots"} <= set(back["layer"])
    assert "note" not in back.columns
    blind = back[back["layer"] == "blind_spots"]
    assert blind.geom_type.isin(["Polygon", "MultiPolygon"]).all()
