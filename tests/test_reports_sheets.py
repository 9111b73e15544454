"""Route sheets: PDF text and embedded font, GPX/KML parsed back, workbook, summary, zip, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import gpxpy
import numpy as np
import openpyxl
import pytest
from shapely.geometry import LineString, MultiPoint, Point

from gis.cli import main
from gis.reports import write_route_sheets
from gis.routing.plan import plan_patrols
from gis.timewindows import format_clock

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


class StraightTravel:
    """Straight lines at 5 m/s: a travel model a reader can check by hand."""

    def __init__(self) -> None:
        self.crs = "EPSG:32650"

    def _xy(self, pts):
        return gpd.GeoSeries(pts, crs="EPSG:4326").to_crs(self.crs)

    def matrix(self, points):
        xy = self._xy(list(points.geometry))
        x, y = xy.x.to_numpy(), xy.y.to_numpy()
        return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) / 5.0

    def path(self, a, b):
        d = self._xy([a, b])
        return LineString([a, b]), float(d.iloc[0].distance(d.iloc[1]) / 5.0)


@pytest.fixture(scope="module")
def tricky_plan():
    """Two schools with names that would break HTML, XML or a spreadsheet."""
    names = ["=HYPERLINK(\"http://x\")", "<b>育才&小学</b>", "城南\"实验\"幼儿园"]
    schools = gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3"], "name": names, "kind": ["primary"] * 3},
        geometry=[MultiPoint([(117.20 + 0.004 * k, 28.25)]) for k in range(3)], crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": ["p1"], "name": ["城南派出所"], "kind": ["station"],
                              "vehicles": [2]}, geometry=[Point(117.205, 28.245)], crs="EPSG:4326")
    plan = plan_patrols({"schools": schools, "police_posts": posts}, travel=StraightTravel(),
                        window="am", units=2, time_limit=1)
    return plan, names


def test_special_characters_survive_gpx_kml_xlsx(tricky_plan, tmp_path):
    plan, names = tricky_plan
    files = write_route_sheets(plan, tmp_path)
    gpx_names, kml_names = [], []
    for path in files["gpx"]:
        gpx_names += [w.name[3:] for w in gpxpy.parse(path.read_text("utf-8")).waypoints[1:]]
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    for path in files["kml"]:
        marks = ET.parse(path).getroot().findall(".//k:Placemark/k:Point/..", ns)
        kml_names += [m.find("k:name", ns).text[3:] for m in marks[1:]]
    assert sorted(gpx_names) == sorted(names) == sorted(kml_names)
    sheet = openpyxl.load_workbook(files["xlsx"][0])["排班表"]
    cells = [c.value for c in sheet["D"][1:]]
    assert "'=HYPERLINK(\"http://x\")" in cells  # stored as text, never as a formula
    assert all(sheet.cell(r, 4).data_type == "s" for r in range(2, sheet.max_row + 1))


@pytest.fixture(scope="module")
def demo_sheets(demo_layers, tmp_path_factory):
    from gis.config import load_settings
    from gis.network import load_road_graph

    settings = load_settings()
    graph = load_road_graph(demo_layers["roads"], settings=settings, use_cache=False)
    plan = plan_patrols(demo_layers, graph=graph, settings=settings, window="am", units=3,
                        time_limit=2, seed=3, max_iterations=800, data_version="v-test")
    out = tmp_path_factory.mktemp("sheets")
    return plan, write_route_sheets(plan, out, roads=demo_layers["roads"], area_name="贵溪市"), out


@needs_poppler
def test_pdf_has_school_names_times_and_embedded_cjk_font(demo_sheets):
    plan, files, _ = demo_sheets
    frame = plan.schedule_frame()
    assert len(files["pdf"]) == frame["unit_id"].nunique() >= 2
    for path in files["pdf"]:
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
        rows = frame[frame["unit_id"] == path.stem]
        for name, arrival in zip(rows["name"], rows["arrival"], strict=True):
            assert name in text and arrival in text
        for word in ("巡逻路线单", "序号", "地点", "预计到达", "停留", "任务", "签到",
                     "© OpenStreetMap contributors", "v-test", plan.problem.depots[0].name[:1]):
            assert word in text
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        cjk = [line for line in fonts if "NotoSansCJK" in line]
        assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # emb column
        assert len(fonts) == len(cjk)  # no other, non-embedded font


def test_gpx_and_kml_parse_back_with_the_same_stops(demo_sheets):
    plan, files, _ = demo_sheets
    frame = plan.schedule_frame()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    for gpx_path, kml_path in zip(files["gpx"], files["kml"], strict=True):
        rows = frame[frame["unit_id"] == gpx_path.stem]
        gpx = gpxpy.parse(gpx_path.read_text("utf-8"))
        stops = gpx.waypoints[1:]
        assert [w.name for w in stops] == [f"{s:02d} {n}" for s, n in zip(rows["seq"], rows["name"],
                                                                          strict=True)]
        assert np.allclose([w.longitude for w in stops], rows["lon"], atol=1e-7)
        assert np.allclose([w.latitude for w in stops], rows["lat"], atol=1e-7)
        points = [p for seg in gpx.tracks[0].segments for p in seg.points]
        assert len(gpx.tracks[0].segments) == len(rows) + 1 and len(points) > 2 * len(rows)
        root = ET.parse(kml_path).getroot()
        marks = root.findall(".//k:Placemark/k:Point/..", ns)
        assert [m.find("k:name", ns).text for m in marks[1:]] == [w.name for w in stops]
        coords = [m.find("k:Point/k:coordinates", ns).text.split(",")[:2] for m in marks[1:]]
        assert np.allclose(np.asarray(coords, float), rows[["lon", "lat"]].to_numpy(), atol=1e-7)
        assert len(root.findall(".//k:LineString", ns)) == len(rows) + 1


def test_workbook_geojson_summary_and_zip_agree(demo_sheets):
    plan, files, out = demo_sheets
    frame = plan.schedule_frame()
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["stops_served"] == len(frame)
    assert summary["stops_served"] + len(summary["unserved"]) == summary["stops_total"]
    assert all(u["reason_zh"] and u["reason_en"] for u in summary["unserved"])
    assert summary["total_travel_min"] == pytest.approx(
        sum(r.travel for r in plan.solution.routes) / 60, abs=0.1)
    book = openpyxl.load_workbook(files["xlsx"][0])
    assert book.sheetnames == ["排班表", "单位汇总", "未安排"]
    assert book["排班表"].max_row - 1 == len(frame)
    assert [c.value for c in book["排班表"]["I"][1:]] == list(frame["arrival"])
    geo = gpd.read_file(files["geojson"][0])
    assert (geo["layer"] == "stop").sum() == len(frame)
    assert (geo["layer"] == "route").sum() == frame["unit_id"].nunique()
    with zipfile.ZipFile(files["zip"][0]) as zf:
        names = set(zf.namelist())
    expected = {p.name for kind, paths in files.items() if kind != "zip" for p in paths}
    assert names == expected and "summary.json" in names


@pytest.mark.slow
def test_cli_writes_the_sheets_and_rejects_bad_window(demo_store, tmp_path, capsys):
    code = main(["--db", demo_store.url, "patrol", "--window", "07:00-08:10", "--units", "2",
                 "--out", str(tmp_path / "out"), "--time-limit", "1", "--seed", "5"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 个单位" in printed and "patrol_sheets.zip" in printed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert len(summary["units"]) == 2 and summary["window"] == "07:00-08:10"
    first = min(r["leave"] for r in summary["units"] if r["leave"])
    assert first >= "07:00" and format_clock(25200) == "07:00"
    code = main(["--db", demo_store.url, "patrol", "--window", "7点-8点", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "HH:MM" in err
    code = main(["--db", demo_store.url, "patrol", "--units", "99", "--out", str(tmp_path / "y")])
    assert code == 2 and "巡逻单位数 99 无效" in capsys.readouterr().err
