"""Issue 10 class 9: degenerate road networks give a planner-readable error, never a crash.

A network of one-way streets only (nothing strongly connected) used to raise IndexError in
``gis/network/snap.py`` from isochrones, coverage, patrol and all four map pages.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from geodesy import at
from signin import app_sign_in

from gis.cli import main
from gis.errors import ValidationError
from gis.network import build_road_graph

APP_PAGES = ("pages/overview.py", "pages/gaps.py", "pages/patrol.py", "pages/wall.py")


def one_way_roads() -> gpd.GeoDataFrame:
    """A grid of one-way streets all running east or north: no way back anywhere."""
    lines = [shapely.LineString([at(0, 0), at(400, 0)]), shapely.LineString([at(400, 0), at(800, 0)]),
             shapely.LineString([at(400, 0), at(400, 400)]), shapely.LineString([at(0, 400), at(400, 400)])]
    return gpd.GeoDataFrame({"id": [f"r{k}" for k in range(len(lines))], "highway": ["residential"] * len(lines),
                             "oneway": ["yes"] * len(lines), "name": [None] * len(lines),
                             "maxspeed": [None] * len(lines)}, geometry=lines, crs="EPSG:4326")


def layers() -> dict[str, gpd.GeoDataFrame]:
    schools = gpd.GeoDataFrame({"id": ["S1", "S2"], "name": ["城关小学", "城南小学"], "kind": ["primary"] * 2},
                               geometry=[shapely.MultiPoint([at(200, 30)]), shapely.MultiPoint([at(420, 300)])],
                               crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": ["P1"], "name": ["城关派出所"], "kind": ["station"], "vehicles": [2]},
                             geometry=[at(10, 20)], crs="EPSG:4326")
    return {"roads": one_way_roads(), "schools": schools, "police_posts": posts}


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[network]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n', encoding="utf-8")
    return str(path)


def test_one_way_only_network_is_refused_with_a_reason():
    with pytest.raises(ValidationError, match="单行") as info:
        build_road_graph(one_way_roads())
    assert "oneway" in str(info.value)


def test_single_point_road_is_refused():
    road = gpd.GeoDataFrame({"id": ["r"], "highway": ["residential"]},
                            geometry=[shapely.LineString([at(0, 0), at(0, 0)])], crs="EPSG:4326")
    with pytest.raises(ValidationError):
        build_road_graph(road)


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_isochrones_from_files_exit_2(tmp_path, config_file, capsys):
    data = layers()
    data["roads"].to_file(tmp_path / "roads.geojson", driver="GeoJSON", engine="pyogrio")
    data["police_posts"].to_file(tmp_path / "posts.geojson", driver="GeoJSON", engine="pyogrio")
    code = main(["--config", config_file, "isochrones", "--roads", str(tmp_path / "roads.geojson"),
                 "--posts", str(tmp_path / "posts.geojson"), "--out", str(tmp_path / "reach.geojson")])
    assert code == 2 and "单行" in _one_line(capsys)
    assert not (tmp_path / "reach.geojson").exists()


@pytest.mark.parametrize("command", [["coverage", "--out", "cov.csv"], ["isochrones", "--out", "r.geojson"],
                                     ["patrol", "--out", "sheets"]])
def test_store_commands_exit_2(store, tmp_path, config_file, capsys, command):
    for name, gdf in layers().items():
        store.write_layer(name, gdf, source="test")
    argv = [*command[:-1], str(tmp_path / command[-1])]
    assert main(["--db", store.url, "--config", config_file, *argv]) == 2
    assert "单行" in _one_line(capsys)


@pytest.fixture
def one_way_url(tmp_path):
    from gis.store import open_store

    url = f"sqlite:///{tmp_path / 'oneway.db'}"
    store = open_store(url)
    store.init()
    for name, gdf in layers().items():
        store.write_layer(name, gdf, source="test")
    store.close()
    return url


@pytest.mark.parametrize("page", APP_PAGES)
def test_pages_show_the_error(one_way_url, tmp_path, monkeypatch, page):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    config = tmp_path / "app.toml"
    config.write_text(f'[network]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n', encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", one_way_url)
    monkeypatch.setenv("GIS_CONFIG", str(config))
    root = Path(__file__).resolve().parent.parent
    if page == "pages/patrol.py":       # the page itself, so its form button reruns it
        app = AppTest.from_file(str(root / page), default_timeout=120)
        app_sign_in(app, one_way_url)
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        app.button[0].click()           # 规划路线
        app.run()
    else:
        app = AppTest.from_file(str(root / "app.py"), default_timeout=120)
        app_sign_in(app, one_way_url)
        app.run()
        app.switch_page(page)
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("单行" in str(e.value) for e in app.error), [e.value for e in app.error]
