"""Importing the files planners send: encodings, merged headers, CRS, rejections, quarantine, idempotency."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import LineString, Point, Polygon

from gis.cli import main as cli_main
from gis.io.china_crs import haversine_m
from gis.io.importer import commit_import, prepare_import
from gis.io.tables import decode_bytes, read_table
from gis.io.templates import write_template

DATA = Path(__file__).parent / "data" / "import"
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def files(tmp_path) -> Path:
    """A private copy of tests/data/import (quarantine files are written next to inputs)."""
    out = tmp_path / "in"
    shutil.copytree(DATA, out)
    return out


def _cli(store, *args: str) -> int:
    return cli_main(["--db", store.url, "import", *args])


def test_gbk_csv_with_chinese_headers(files, sqlite_store):
    raw = (files / "schools_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")              # the file really is GBK
    table = read_table(files / "schools_gbk.csv", layer_name="schools")
    assert table.encoding == "gb18030"
    preview = prepare_import("schools", files / "schools_gbk.csv")
    assert preview.mapping["学校代码"] == "id"
    assert preview.mapping["学段"] == "kind"
    assert preview.mapping["在校人数"] == "enrollment"
    assert preview.mapping["城乡分类"] == "area_type"
    assert preview.rejected == 0 and preview.accepted == 12
    commit_import(sqlite_store, preview)
    schools = sqlite_store.read_layer("schools").set_index("id")
    first = schools.loc["G3601001"]
    assert first["name"] == "贵溪市第一小学" and first["kind"] == "primary"
    assert first["enrollment"] == 1860                       # "1,860"
    assert schools.loc["G3601002", "enrollment"] == 420      # full-width "４２０"
    assert schools.loc["G3601007", "kind"] == "vocational"   # 职高
    assert schools.loc["G3601010", "kind"] == "special"      # 特教
    assert bool(schools.loc["G3601004", "boarding"]) is True  # "Y"
    # DMS 117°13′30″ 28°17′45″
    gate = schools.loc["G3601003", "gates"].geoms[0]
    assert gate.x == pytest.approx(117 + 13 / 60 + 30 / 3600, abs=1e-9)
    assert gate.y == pytest.approx(28 + 17 / 60 + 45 / 3600, abs=1e-9)
    # row 7 (G3601006) had longitude and latitude swapped: fixed with a warning
    swapped = schools.loc["G3601006", "gates"].geoms[0]
    assert (swapped.x, swapped.y) == pytest.approx((117.2301, 28.3050))
    assert any("第 7 行" in w and "互换" in w for w in preview.warnings)


def test_decode_prefers_utf8_then_gb18030():
    text = "学校名称,经度\n城东小学,117.2\n"
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_bytes(text.encode("gbk")) == (text, "gb18030")
    rare = "𠀀,1\n"      # outside GBK, inside GB18030
    assert decode_bytes(rare.encode("gb18030")) == (rare, "gb18030")


def test_xlsx_with_merged_header_cells_and_blank_rows(files, sqlite_store):
    preview = prepare_import("schools", files / "schools_merged.xlsx")
    assert preview.table.header_row == 5
    assert preview.mapping["专职保安人数"] == "guards"
    assert preview.mapping["经度"] == "lon" and preview.mapping["纬度"] == "lat"
    assert preview.mapping["学校名称"] == "name"          # vertically merged A4:A5 header
    assert list(preview.records.index) == [6, 7, 9, 10, 13]   # Excel row numbers, blanks skipped
    assert preview.rejected == 0
    commit_import(sqlite_store, preview)
    schools = sqlite_store.read_layer("schools").set_index("id")
    assert len(schools) == 5
    assert schools.loc["G3601003", "guards"] == 4
    assert bool(schools.loc["G3601003", "video_networked"]) is False


def test_three_bad_rows_of_fifty_via_cli(files, store, capsys):
    code = _cli(store, "cameras", str(files / "cameras_50_3bad.csv"))
    assert code == 3
    cameras = store.read_layer("cameras")
    assert len(cameras) == 47
    quarantine = files / "cameras_50_3bad.quarantine.csv"
    with open(quarantine, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[-1] == "原因/reason" and len(body) == 3
    assert [r[-2] for r in body] == ["10", "27", "44"]        # source line numbers
    reasons = [r[-1] for r in body]
    assert "方向角" in reasons[0] and "0–360" in reasons[0] and "direction_deg" in reasons[0]
    assert "经度" in reasons[1] and "一百一十七" in reasons[1]
    assert "重复" in reasons[2] and "第 43 行" in reasons[2] and "repeats" in reasons[2]
    # the rejected rows are untouched: same cells as in the input file
    with open(files / "cameras_50_3bad.csv", encoding="utf-8-sig", newline="") as fh:
        original = list(csv.reader(fh))
    assert [r[:-2] for r in body] == [original[9], original[26], original[43]]
    err = capsys.readouterr().err
    assert "第 10 行" in err and "row 10" in err


def test_reimport_is_idempotent(files, store):
    path = files / "schools_gbk.csv"
    assert _cli(store, "schools", str(path)) == 0
    before = store.read_layer("schools")[["id", "version", "updated_at"]]
    audit_before = len(store.read_audit(layer="schools"))
    data_version = store.data_version()
    assert _cli(store, "schools", str(path)) == 0
    after = store.read_layer("schools")[["id", "version", "updated_at"]]
    assert before.equals(after)
    assert len(store.read_audit(layer="schools")) == audit_before
    assert store.data_version() == data_version


def test_strict_commits_nothing(files, sqlite_store):
    code = _cli(sqlite_store, "cameras", str(files / "cameras_50_3bad.csv"), "--strict")
    assert code == 3
    assert len(sqlite_store.read_layer("cameras")) == 0
    assert (files / "cameras_50_3bad.quarantine.csv").exists()


def test_gcj02_and_bd09_files_land_on_wgs84_truth(files, sqlite_store):
    from tests.test_import_china_crs import BD_PAIRS, GCJ_PAIRS

    assert _cli(sqlite_store, "police_posts", str(files / "posts_gcj02.csv"), "--crs", "gcj02") == 0
    posts = sqlite_store.read_layer("police_posts").set_index("id")
    truth = [p for p in GCJ_PAIRS if p[0] != 116.404]        # the file holds 4 of the pairs
    for i, (wlon, wlat, _, _) in enumerate(truth, start=1):
        point = posts.loc[f"REF{i}", "point"]
        assert haversine_m(point.x, point.y, wlon, wlat) < 0.05
    assert _cli(sqlite_store, "police_posts", str(files / "posts_bd09.csv"), "--crs", "bd09") == 0
    point = sqlite_store.read_layer("police_posts").set_index("id").loc["REF1", "point"]
    assert haversine_m(point.x, point.y, BD_PAIRS[0][0], BD_PAIRS[0][1]) < 0.05


def test_swapped_columns_fixed_with_warning(files):
    preview = prepare_import("risk_sites", files / "risk_sites_swapped.csv")
    assert preview.rejected == 0
    points = preview.records.set_index("id")["point"]
    assert (points["RS1"].x, points["RS1"].y) == pytest.approx((117.2120, 28.2990))
    assert preview.records.set_index("id").loc["RS1", "level"] == 3        # 高
    assert any("互换" in w and "swapped" in w for w in preview.warnings)


def test_points_outside_the_county_are_rejected(files, sqlite_store, guixi_osm):
    assert _cli(sqlite_store, "roads", str(guixi_osm)) == 0
    assert len(sqlite_store.read_layer("roads")) > 100
    # the GCJ reference posts are in Shanghai/Shenzhen/Beijing/Jiaxing: far outside Guixi
    code = _cli(sqlite_store, "police_posts", str(files / "posts_gcj02.csv"), "--crs", "gcj02")
    assert code == 3
    assert len(sqlite_store.read_layer("police_posts")) == 0
    with open(files / "posts_gcj02.quarantine.csv", encoding="utf-8-sig") as fh:
        text = fh.read()
    assert "道路数据范围之外" in text and "outside the county" in text
    # Guixi schools are inside
    assert _cli(sqlite_store, "schools", str(files / "schools_gbk.csv")) == 0


def test_geojson_shapefile_zip_and_geopackage(tmp_path, sqlite_store):
    gdf = gpd.GeoDataFrame(
        {"编号": ["P1", "P2"], "名称": ["城东派出所", "<b>雄石</b>警务室"], "类型": ["派出所", "警务室"],
         "警力": [20, 3]},
        geometry=[Point(117.21, 28.30), Point(117.23, 28.29)], crs="EPSG:4326")
    gdf.to_file(tmp_path / "posts.geojson", driver="GeoJSON", engine="pyogrio")
    gdf.to_file(tmp_path / "posts.gpkg", driver="GPKG", engine="pyogrio")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_crs("EPSG:4547").to_file(shp_dir / "posts.shp", engine="pyogrio", encoding="UTF-8")
    shutil.make_archive(str(tmp_path / "posts_shp"), "zip", shp_dir)
    for path in (tmp_path / "posts.geojson", tmp_path / "posts.gpkg", shp_dir / "posts.shp",
                 tmp_path / "posts_shp.zip"):
        preview = prepare_import("police_posts", path)
        assert preview.rejected == 0, preview.reasons()
        got = preview.records.set_index("id")
        assert got.loc["P1", "point"].distance(Point(117.21, 28.30)) < 1e-6
        assert got.loc["P2", "name"] == "<b>雄石</b>警务室"     # stored as text; escaped when shown
        assert got.loc["P2", "kind"] == "office"
    commit_import(sqlite_store, preview)
    assert len(sqlite_store.read_layer("police_posts")) == 2


def test_school_polygon_becomes_campus_and_gate(tmp_path):
    campus = Polygon([(117.21, 28.30), (117.212, 28.30), (117.212, 28.302), (117.21, 28.302)])
    bowtie = Polygon([(117.22, 28.30), (117.222, 28.302), (117.222, 28.30), (117.22, 28.302)])
    gdf = gpd.GeoDataFrame({"id": ["S1", "S2"], "name": ["甲小学", "乙小学"]},
                           geometry=[campus, bowtie], crs="EPSG:4326")
    gdf.to_file(tmp_path / "campus.geojson", driver="GeoJSON", engine="pyogrio")
    preview = prepare_import("schools", tmp_path / "campus.geojson")
    ok = preview.records.set_index("id")
    assert ok.loc["S1", "campus"].equals(campus)
    assert campus.contains(ok.loc["S1", "gates"].geoms[0])
    assert ok.loc["S1", "kind"] == "primary"                       # inferred from 甲小学
    assert list(preview.rejections) == [2]                          # the self-intersecting one
    assert "几何无效" in preview.rejections[2][0].zh


def test_roads_from_osm_and_from_lines(tmp_path, sqlite_store, guixi_osm):
    preview = prepare_import("roads", guixi_osm)
    assert preview.rejected == 0 and preview.accepted > 100
    roads = gpd.GeoDataFrame({"道路名称": ["人民路"], "道路等级": ["primary"], "编号": ["R1"]},
                             geometry=[LineString([(117.20, 28.29), (117.22, 28.30)])], crs="EPSG:4326")
    roads.to_file(tmp_path / "roads.gpkg", driver="GPKG", engine="pyogrio")
    lines = prepare_import("roads", tmp_path / "roads.gpkg")
    assert lines.accepted == 1 and lines.records.iloc[0]["highway"] == "primary"


def test_template_roundtrip(tmp_path, sqlite_store):
    for layer in ("schools", "police_posts", "cameras", "crossings", "risk_sites", "roads"):
        out = tmp_path / f"{layer}.xlsx"
        assert cli_main(["--db", sqlite_store.url, "import", layer, "--template", str(out)]) == 0
        sheet = openpyxl.load_workbook(out).worksheets[0]
        headers = [c.value for c in sheet[1]]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers), headers
        preview = prepare_import(layer, out)
        assert preview.rejected == 0 and preview.accepted == 1, (layer, preview.reasons())
    assert write_template("schools")[:2] == b"PK"


def test_missing_required_column_is_one_clear_line(tmp_path, sqlite_store, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("名称,备注\n甲,乙\n", encoding="utf-8")
    assert _cli(sqlite_store, "cameras", str(path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "缺少必填列" in err[0] and "--map" in err[0]


def test_map_override_and_xlsx_quarantine(tmp_path, sqlite_store):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["点位", "设备名", "X", "Y", "朝向"])
    ws.append(["C1", "校门", 117.21, 28.30, 45])
    ws.append(["C2", "操场", 117.22, 28.30, 720])
    book.save(tmp_path / "cams.xlsx")
    code = _cli(sqlite_store, "cameras", str(tmp_path / "cams.xlsx"), "--map", "点位=id", "--map", "设备名=-")
    assert code == 3
    assert list(sqlite_store.read_layer("cameras")["id"]) == ["C1"]
    quarantined = openpyxl.load_workbook(tmp_path / "cams.quarantine.xlsx").active
    rows = list(quarantined.values)
    assert rows[0][-1] == "原因/reason"
    assert rows[1][:5] == ("C2", "操场", 117.22, 28.30, 720)        # cell values untouched, typed
    assert rows[1][5] == 3 and "方向角" in rows[1][6]


def test_cli_subprocess_exit_status(files, tmp_path):
    db = f"sqlite:///{tmp_path / 'sub.db'}"
    proc = subprocess.run([sys.executable, "-m", "gis", "--db", db, "import", "cameras",
                           str(files / "cameras_50_3bad.csv")], cwd=PROJECT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "47" in proc.stdout


def test_gbk_shapefile_without_cpg(tmp_path):
    """PGIS exports: DBF in GBK and no .cpg file saying so."""
    gdf = gpd.GeoDataFrame({"编号": ["P1"], "名称": ["城东派出所"], "类型": ["派出所"]},
                           geometry=[Point(117.21, 28.30)], crs="EPSG:4326")
    gdf.to_file(tmp_path / "posts.shp", engine="pyogrio", encoding="GBK")
    (tmp_path / "posts.cpg").unlink()
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "posts.dbf").read_bytes().decode("utf-8")
    preview = prepare_import("police_posts", tmp_path / "posts.shp")
    assert preview.mapping == {"编号": "id", "名称": "name", "类型": "kind"}
    assert preview.records.iloc[0]["name"] == "城东派出所"


@pytest.mark.parametrize("name, content", [
    ("bad.xlsx", b"not a workbook"),
    ("bad.geojson", b"{not json"),
    ("bad.zip", b"PK\x03\x04garbage"),
    ("bad.csv", bytes(range(128, 256)) * 20),
])
def test_corrupt_files_fail_with_one_clear_line(tmp_path, sqlite_store, capsys, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert _cli(sqlite_store, "schools", str(path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误 / error:") and "Traceback" not in err[0]
    assert len(sqlite_store.read_layer("schools")) == 0


def test_several_gates_in_one_cell_and_vector_quarantine(tmp_path, sqlite_store):
    path = tmp_path / "gates.csv"
    path.write_text("编号,学校名称,学段,校门坐标\n"
                    "S1,甲小学,小学,\"117.2101,28.2952; 117.2110,28.2960\"\n"
                    "S2,乙小学,小学,117.2201 28.3011\n", encoding="utf-8")
    preview = prepare_import("schools", path)
    gates = preview.records.set_index("id")["gates"]
    assert [(p.x, p.y) for p in gates["S1"].geoms] == [(117.2101, 28.2952), (117.2110, 28.2960)]
    assert len(gates["S2"].geoms) == 1
    bad = gpd.GeoDataFrame({"id": ["P1", "P2"], "name": ["甲所", "乙所"], "kind": ["派出所", "火箭基地"]},
                           geometry=[Point(117.21, 28.30), Point(117.22, 28.30)], crs="EPSG:4326")
    bad.to_file(tmp_path / "posts.geojson", driver="GeoJSON", engine="pyogrio")
    outcome = commit_import(sqlite_store, prepare_import("police_posts", tmp_path / "posts.geojson"))
    assert outcome.inserted == ["P1"] and outcome.quarantine == tmp_path / "posts.quarantine.geojson"
    quarantined = gpd.read_file(outcome.quarantine)
    assert list(quarantined["id"]) == ["P2"] and quarantined.geometry.iloc[0].equals(Point(117.22, 28.30))
    assert "火箭基地" in quarantined["原因/reason"].iloc[0]


def test_gbk_csv_with_title_line_quarantines_in_gbk(tmp_path, sqlite_store):
    path = tmp_path / "风险点位.csv"
    text = ("贵溪市涉校风险点位登记表（2024年9月）\n"
            "编号,类别,风险等级,经度,纬度\n"
            "R1,网吧,高,117.2120,28.2990\n"
            "R2,赌场,2,117.2280,28.3020\n")
    path.write_bytes(text.encode("gbk"))
    assert _cli(sqlite_store, "risk_sites", str(path)) == 3
    quarantine = tmp_path / "风险点位.quarantine.csv"
    raw = quarantine.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")                      # same encoding as the input, so Excel opens it as before
    rows = list(csv.reader(raw.decode("gb18030").splitlines()))
    assert rows[0][:5] == ["编号", "类别", "风险等级", "经度", "纬度"]
    assert rows[1][:5] == ["R2", "赌场", "2", "117.2280", "28.3020"] and rows[1][5] == "4"   # line 4 of the file
    assert list(sqlite_store.read_layer("risk_sites")["id"]) == ["R1"]
