"""Issue 10: hostile and broken input to the importer (classes 1-6, 8 and the --map part of 12).

Every test runs the real importer against a real store (both back-ends where data is stored)
and checks what was stored, what was quarantined and what was said.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gis.cli import main as cli_main
from gis.errors import DataSourceError
from gis.io.importer import commit_import, prepare_import, read_references

PROJECT = Path(__file__).resolve().parent.parent


def _cli(store, *args: str) -> int:
    return cli_main(["--db", store.url, "import", *args])


def _feature(fid, name, lon, *, in_properties=False):
    props = {"name": name, "kind": "primary"}
    feature = {"type": "Feature", "properties": props,
               "geometry": {"type": "Point", "coordinates": [lon, 28.25]}}
    if in_properties:
        props["id"] = fid
    else:
        feature["id"] = fid
    return feature


def _geojson(path: Path, ids, *, in_properties=False) -> Path:
    features = [_feature(fid, f"第{k}小学", 117.20 + 0.01 * k, in_properties=in_properties)
                for k, fid in enumerate(ids, start=1)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# -- class 1: one bad id changes every id ------------------------------------------------------

@pytest.mark.parametrize("in_properties", [False, True], ids=["feature-id", "property-id"])
def test_one_list_id_is_rejected_and_the_others_keep_their_ids(store, tmp_path, in_properties, capsys):
    path = _geojson(tmp_path / "schools.geojson", ["gj-1", ["a", "b"], "gj-3"], in_properties=in_properties)
    assert _cli(store, "schools", str(path)) == 3
    stored = store.read_layer("schools")
    assert sorted(stored["id"]) == ["gj-1", "gj-3"]
    quarantined = json.loads((tmp_path / "schools.quarantine.geojson").read_text("utf-8"))["features"]
    assert len(quarantined) == 1 and "单个值" in quarantined[0]["properties"]["原因/reason"]
    # the corrected file re-imports without duplicates
    fixed = _geojson(tmp_path / "fixed.geojson", ["gj-1", "gj-2", "gj-3"], in_properties=in_properties)
    assert _cli(store, "schools", str(fixed)) == 0
    assert sorted(store.read_layer("schools")["id"]) == ["gj-1", "gj-2", "gj-3"]


# -- classes 2 and 3: one bad cell, restricted text ----------------------------------------------

SECRET = "张三 身份证360602198001011234"


def _risk_rows() -> list[list[str]]:
    return [["编号", "类别", "风险等级", "备注", "经度", "纬度"],
            ["R1", "网吧", "2", "通宵营业", "117.20", "28.25"],
            ["R2", "person", "3", f"{SECRET}\x00扬言报复", "117.21", "28.25"],
            ["R3", "网吧", "1", "长" * 200_000, "117.22", "28.25"],
            ["R4", "摊点", "1", "早高峰占道", "117.23", "28.25"]]


def test_bad_cells_are_quarantined_and_valid_rows_committed(store, tmp_path, capsys):
    path = _csv(tmp_path / "risk.csv", _risk_rows())
    assert _cli(store, "risk_sites", str(path), "--dry-run") == 3
    dry = capsys.readouterr()
    assert "2 行可导入" in dry.out and "2 行有误" in dry.out
    assert store.read_layer("risk_sites").empty
    assert _cli(store, "risk_sites", str(path)) == 3
    real = capsys.readouterr()
    assert sorted(store.read_layer("risk_sites")["id"]) == ["R1", "R4"]
    with open(tmp_path / "risk.quarantine.csv", encoding="utf-8-sig", newline="") as fh:
        quarantined = list(csv.reader(fh))[1:]
    assert [r[0] for r in quarantined] == ["R2", "R3"]
    # class 3: the restricted note is never echoed, the message says it is restricted
    for text in (dry.out, dry.err, real.out, real.err):
        assert "张三" not in text and "360602198001011234" not in text and "长长长" not in text
    assert "（受限字段）" in dry.err


def test_nul_in_any_text_field_is_a_row_problem_not_a_write_failure(store, tmp_path):
    rows = [["编号", "学校名称", "学段", "所属派出所", "经度", "纬度"],
            ["S1", "城关小学", "小学", "", "117.20", "28.25"],
            ["S2", "城南\x00小学", "小学", "", "117.21", "28.25"],
            ["S\x003", "城北小学", "小学", "", "117.22", "28.25"],
            ["S4", "城西小学", "小学", "P\x001", "117.23", "28.25"]]
    preview = prepare_import("schools", _csv(tmp_path / "s.csv", rows))
    assert sorted(preview.rejections) == [3, 4, 5] and list(preview.records["id"]) == ["S1"]
    outcome = commit_import(store, preview)
    assert outcome.committed and list(store.read_layer("schools")["id"]) == ["S1"]


# -- class 4: an unwritable folder loses nothing ---------------------------------------------------

def test_unwritable_quarantine_place_falls_back_and_commits(store, tmp_path):
    path = _csv(tmp_path / "risk.csv", _risk_rows())
    (tmp_path / "risk.quarantine.csv").mkdir()      # the quarantine file cannot be written there
    preview = prepare_import("risk_sites", path)
    outcome = commit_import(store, preview, fallback_dir=tmp_path / "data" / "quarantine")
    assert outcome.committed and sorted(store.read_layer("risk_sites")["id"]) == ["R1", "R4"]
    assert outcome.quarantine is not None and outcome.quarantine.parent == tmp_path / "data" / "quarantine"
    assert str(outcome.quarantine) in outcome.quarantine_note
    with open(outcome.quarantine, encoding="utf-8-sig", newline="") as fh:
        assert [r[0] for r in list(csv.reader(fh))[1:]] == ["R2", "R3"]


# -- class 5: dangling references ----------------------------------------------------------------

def test_dangling_references_are_warned_per_row(store, tmp_path, capsys):
    posts = _csv(tmp_path / "posts.csv", [["编号", "名称", "类型", "经度", "纬度"],
                                          ["P1", "城关派出所", "派出所", "117.20", "28.24"]])
    assert _cli(store, "police_posts", str(posts)) == 0
    schools = _csv(tmp_path / "schools.csv", [["编号", "学校名称", "学段", "所属派出所", "经度", "纬度"],
                                              ["S1", "城关小学", "小学", "P1", "117.20", "28.25"],
                                              ["S2", "城南小学", "小学", "P9", "117.21", "28.25"]])
    assert _cli(store, "schools", str(schools)) == 0      # a warning, not a rejection
    out = capsys.readouterr().out
    assert "第 3 行 jurisdiction_id=“P9”" in out and "P1”" not in out
    assert sorted(store.read_layer("schools")["id"]) == ["S1", "S2"]
    crossings = _csv(tmp_path / "x.csv", [["编号", "所属学校", "经度", "纬度"],
                                          ["X1", "S1", "117.20", "28.25"], ["X2", "S404", "117.21", "28.25"]])
    preview = prepare_import("crossings", crossings, references=read_references(store, "crossings"))
    assert [(d.row, d.field, d.value) for d in preview.dangling] == [(3, "school_id", "S404")]
    assert any("S404" in w for w in preview.warnings)


# -- class 6: XLSX bombs and the file-size limit -----------------------------------------------

def _table_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "学校名称", "学段", "经度", "纬度"])
    ws.append(["S1", "城关小学", "小学", 117.20, 28.25])
    ws.append(["S2", "城南小学", "小学", 117.21, 28.25])
    book.save(path)
    return path


def test_far_away_cell_does_not_blow_up_memory(tmp_path):
    path = _table_xlsx(tmp_path / "far.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["XFD1048576"] = "x"
    book.save(path)
    assert path.stat().st_size < 10_000
    # In a child limited to 1.5 GB of address space: the old reader took 5.5 GB and died.
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20));"
            "from gis.io.importer import prepare_import;"
            f"p = prepare_import('schools', {str(path)!r}); print(p.accepted, p.rejected)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split() == ["2", "1"]      # the stray cell is a row of its own, rejected


def test_xlsx_decompression_bomb_is_refused(tmp_path):
    path = _table_xlsx(tmp_path / "bomb.xlsx")
    padded = tmp_path / "padded.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":    # 60 MB of whitespace inside the XML
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (60 << 20), 1)
            dst.writestr(info.filename, data)
    assert padded.stat().st_size < 1 << 20
    with pytest.raises(DataSourceError, match="压缩比"):
        prepare_import("schools", padded)


def test_cli_file_size_limit_and_max_mb(store, tmp_path, capsys):
    path = _table_xlsx(tmp_path / "s.xlsx")
    assert _cli(store, "schools", str(path), "--max-mb", "0.001") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-mb" in err[0]
    assert _cli(store, "schools", str(path), "--max-mb", "5") == 0
    assert sorted(store.read_layer("schools")["id"]) == ["S1", "S2"]


# -- class 8: formulas without a cached value --------------------------------------------------

def test_uncached_formula_cells_are_rejected_not_taken_as_text(store, tmp_path):
    path = tmp_path / "formula.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "学校名称", "学段", "在校人数", "经度", "纬度"])
    ws.append(["S1", "城关小学", "小学", 300, 117.20, 28.25])
    ws.append(["S2", '=CONCAT("城南","小学")', "小学", 300, 117.21, 28.25])
    ws.append(["S3", "城北小学", "小学", "=100*3", 117.22, 28.25])
    book.save(path)            # openpyxl stores formulas without cached values
    preview = prepare_import("schools", path)
    assert list(preview.records["id"]) == ["S1"]
    assert sorted(preview.rejections) == [3, 4]
    assert all("公式" in p.zh for rows in preview.rejections.values() for p in rows)
    commit_import(store, preview)
    assert list(store.read_layer("schools")["id"]) == ["S1"]


# -- class 12 (--map): two columns to one field ---------------------------------------------------

def test_two_map_entries_to_one_field_are_refused(store, tmp_path, capsys):
    path = _csv(tmp_path / "s.csv", [["编号", "学校代码", "学校名称", "学段", "经度", "纬度"],
                                     ["S1", "G1", "城关小学", "小学", "117.20", "28.25"]])
    assert _cli(store, "schools", str(path), "--map", "编号=id", "--map", "学校代码=id") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "编号" in err[0] and "学校代码" in err[0]
    assert store.read_layer("schools").empty


def test_record_import_runs_the_store_checks_too(store, tmp_path):
    import datetime as dt

    import geopandas as gpd
    from shapely.geometry import MultiPoint

    store.write_layer("schools", gpd.GeoDataFrame(
        {"id": ["S1"], "name": ["城东小学"], "kind": ["primary"]},
        geometry=[MultiPoint([(117.2, 28.2)])], crs=4326).rename_geometry("gates"), source="t")
    day = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    path = _csv(tmp_path / "检查.csv", [["检查编号", "学校编号", "检查日期", "检查类型", "检查人", "不合格项目"],
                                        ["JC1", "S1", day, "派出所检查", "王建国", "保安不足"],
                                        ["JC2", "S1", day, "派出所检查", "王建国", "门卫\x00缺岗"],
                                        ["JC3", "S1", day, "派出所检查", "李明", "x" * 20_000]])
    assert _cli(store, "inspections", str(path), "--dry-run") == 3
    assert _cli(store, "inspections", str(path)) == 3
    assert list(store.read_layer("inspections")["id"]) == ["JC1"]
