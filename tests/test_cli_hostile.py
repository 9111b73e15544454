"""Issue 10 classes 11-14: one clear line and exit 2 for bad input, validated config,
real calendar dates, damaged databases said plainly, no stale route sheets."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import MultiPoint, Point

from gis.cli import main
from gis.config import load_settings
from gis.errors import ValidationError


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[network]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n', encoding="utf-8")
    return str(path)


# -- class 11: tracebacks where one line should do ---------------------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["isochrones", "--minutes", "nan", "--out", "{tmp}/r.geojson"], "--minutes"),
    (["isochrones", "--minutes", "inf", "--out", "{tmp}/r.geojson"], "--minutes"),
    (["patrol", "--dwell", "-5", "--out", "{tmp}/p"], "--dwell"),
    (["patrol", "--dwell", "nan", "--out", "{tmp}/p"], "--dwell"),
    (["patrol", "--seed", "-1", "--out", "{tmp}/p"], "--seed"),
    (["patrol", "--time-limit", "nan", "--out", "{tmp}/p"], "--time-limit"),
    (["demo", "--seed", "-1"], "--seed"),
    (["import", "schools", "--template", "{tmp}/missing/t.xlsx"], "--template"),
    (["isochrones", "--roads", "{tmp}/roads.csv", "--posts", "{tmp}/roads.csv", "--out", "{tmp}/r.geojson"],
     "OSM"),
])
def test_bad_arguments_exit_2_with_one_line(sqlite_store, tmp_path, config_file, capsys, argv, needle):
    (tmp_path / "roads.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["--db", sqlite_store.url, "--config", config_file, *argv]) == 2
    assert needle in one_line(capsys)
    assert not (tmp_path / "missing").exists() and not (tmp_path / "p").exists()


def test_side_outputs_are_checked_before_the_work(demo_store, tmp_path, config_file, capsys):
    out = tmp_path / "cov.csv"
    code = main(["--db", demo_store.url, "--config", config_file, "coverage", "--out", str(out),
                 "--map-layers", str(tmp_path / "missing" / "layers.geojson")])
    assert code == 2 and "--map-layers" in one_line(capsys)
    assert not out.exists()                 # the main output was not written first
    reach = tmp_path / "reach.geojson"
    code = main(["--db", demo_store.url, "--config", config_file, "isochrones", "--out", str(reach),
                 "--circles", str(tmp_path / "missing" / "circles.geojson")])
    assert code == 2 and "--circles" in one_line(capsys)
    assert not reach.exists()


@pytest.mark.parametrize("text, key", [
    ("[coverage]\ngate_zone_m = -30\n", "coverage.gate_zone_m"),
    ("[scoring.thresholds]\nresponse_limit_s = -inf\n", "scoring.thresholds.response_limit_s"),
    ("[network]\ndefault_speed_kmh = \"fast\"\n", "network.default_speed_kmh"),
    ("[network.speeds_kmh]\nprimary = 0\n", "network.speeds_kmh.primary"),
    ("[coverage]\nrisk_bands_m = [200, \"x\"]\n", "coverage.risk_bands_m[1]"),
    ("[routing]\ninclude_risk_sites = \"yes\"\n", "routing.include_risk_sites"),
    ("network = 5\n", "network"),
    ("[scoring]\ngood_min = nan\n", "scoring.good_min"),
])
def test_config_values_are_validated_when_loading(tmp_path, capsys, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_settings(config=path)
    assert f"{key} = " in str(info.value)
    assert main(["--config", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}", "init"]) == 2
    assert key in one_line(capsys)


def test_a_folder_or_garbage_as_config(tmp_path, capsys):
    assert main(["--config", str(tmp_path), "init"]) == 2
    assert "文件夹" in one_line(capsys)
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\xff\xfe[network\x00")
    assert main(["--config", str(garbage), "init"]) == 2
    assert "TOML" in one_line(capsys)


def test_valid_overrides_still_load(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text("[coverage]\ngate_zone_m = 45\n[network.speeds_kmh]\nprimary = 55.5\n", encoding="utf-8")
    settings = load_settings(config=path)
    assert settings.section("coverage")["gate_zone_m"] == 45
    assert settings.section("network")["speeds_kmh"]["primary"] == 55.5


# -- class 12: dates --------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["notadate", "2024-02-30", "2024-13-01", ""])
def test_patrol_date_must_be_a_calendar_day(sqlite_store, tmp_path, config_file, capsys, date):
    code = main(["--db", sqlite_store.url, "--config", config_file, "patrol", "--date", date,
                 "--out", str(tmp_path / "p")])
    assert code == 2 and "--date" in one_line(capsys)


# -- class 13: a damaged database ---------------------------------------------------------------

def _corrupted_db(tmp_path) -> Path:
    from gis.store import open_store

    path = tmp_path / "broken.db"
    store = open_store(f"sqlite:///{path}")
    store.init()
    rows = gpd.GeoDataFrame({"id": [f"S{i:04d}" for i in range(400)], "name": ["城关小学" * 10] * 400,
                             "kind": ["primary"] * 400},
                            geometry=[MultiPoint([Point(117.2 + i * 1e-4, 28.25)]) for i in range(400)],
                            crs="EPSG:4326")
    store.write_layer("schools", rows, source="test")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    for start in range(3 * page, len(data) - page, 2 * page):    # scribble over every other page
        data[start + 100: start + 400] = b"\xa5" * 300
    path.write_bytes(bytes(data))
    return path


def test_init_on_a_damaged_file_says_so(tmp_path, capsys):
    path = _corrupted_db(tmp_path)
    assert main(["--db", f"sqlite:///{path}", "init"]) == 2
    err = one_line(capsys)
    assert "损坏" in err and "备份" in err and "up to date" not in err


def test_app_on_a_damaged_file_says_so(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = _corrupted_db(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("损坏" in str(e.value) for e in app.error)
    assert not any("还没有学校数据" in str(w.value) for w in app.warning)


def test_healthy_store_passes_the_check(store):
    store.check_integrity()     # both back-ends: nothing to report
    assert store.init() == []


# -- class 14: stale route sheets ------------------------------------------------------------------

def _plan(units: int):
    from test_reports_sheets import StraightTravel

    from gis.routing.plan import plan_patrols

    schools = gpd.GeoDataFrame({"id": [f"s{k}" for k in range(6)], "name": [f"第{k}小学" for k in range(6)],
                                "kind": ["primary"] * 6},
                               geometry=[MultiPoint([(117.20 + 0.01 * k, 28.25 + 0.004 * (k % 2))])
                                         for k in range(6)], crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": ["p1"], "name": ["城南派出所"], "kind": ["station"], "vehicles": [units]},
                             geometry=[Point(117.22, 28.245)], crs="EPSG:4326")
    return plan_patrols({"schools": schools, "police_posts": posts}, travel=StraightTravel(),
                        window="am", units=units, time_limit=1, seed=1)


def test_rerun_into_the_same_folder_leaves_no_old_unit_files(tmp_path):
    from gis.reports import write_route_sheets

    first = write_route_sheets(_plan(3), tmp_path)
    assert len(first["pdf"]) >= 2
    (tmp_path / "notes.txt").write_text("planner's own file", encoding="utf-8")
    second = write_route_sheets(_plan(1), tmp_path)
    assert len(second["pdf"]) == 1
    names = {p.name for p in tmp_path.iterdir()}
    unit_files = {n for n in names if n.endswith((".pdf", ".gpx", ".kml"))}
    assert unit_files == {p.name for k in ("pdf", "gpx", "kml") for p in second[k]}
    assert "notes.txt" in names             # nothing else is touched
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert sorted(summary["unit_files"]) == sorted(unit_files)


