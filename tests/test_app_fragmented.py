"""Fragmented road data shown in the app: the summary sentence and the grey dashed pieces.

The guixi demo keeps 81.6 % of its road length in the largest connected part; with
``[network] min_main_share = 0.9`` it counts as fragmented, so the overview and gaps pages
must say so and the map must draw the dropped pieces (grey, dashed). The hand-made
network of tests/test_network_messy_roads.py checks the drawing by hand.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pytest
from signin import app_sign_in
from sqlalchemy.engine import make_url
from test_network_messy_roads import ISLAND, SQUARE, UTM, local_lines

from gis.config import load_settings
from gis.network import NetworkConfig, build_road_graph
from gis.viz.network import DROPPED_STYLE, dropped_road_features, fragmented_notice

APP = str(Path(__file__).resolve().parent.parent / "app.py")

DROPPED_DASH = re.compile(r'"dashArray":\s*"6 6"')  # the grey dashed pieces (packed or plain JSON)


def test_dropped_pieces_are_one_grey_dashed_line_per_piece(tmp_path):
    config = replace(NetworkConfig.from_settings(load_settings()), cache_dir=tmp_path)
    roads = gpd.GeoDataFrame({"highway": ["residential"] * 8}, geometry=local_lines(SQUARE, ISLAND), crs=UTM)
    graph = build_road_graph(roads, config=config)
    fc = dropped_road_features(graph.dropped_lines(), lang="zh")
    assert len(fc["features"]) == 1                       # the island's four sides joined
    feature = fc["features"][0]
    assert feature["properties"]["_style"]["dashArray"] == DROPPED_STYLE["dashArray"]
    assert feature["properties"]["_style"]["color"] == "#7d848c"
    assert "不连通" in feature["properties"]["_tooltip"]
    zh = fragmented_notice(graph.report, lang="zh")
    en = fragmented_notice(graph.report, lang="en")
    assert "62%" in zh and "灰色虚线" in zh and "1 片" in zh and "2.4 公里" in zh
    assert "62%" in en and "grey and dashed" in en
    assert fragmented_notice({**graph.report, "fragmented": False}) is None


@pytest.fixture
def app(demo_store, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "app.db"
    with sqlite3.connect(make_url(str(demo_store.url)).database) as src, sqlite3.connect(db) as out:
        src.backup(out)
    config = tmp_path / "config.toml"
    config.write_text(f'[network]\nmin_main_share = 0.9\ncache_dir = "{tmp_path / "cache"}"\n', encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("GIS_CONFIG", str(config))
    at = AppTest.from_file(APP, default_timeout=120)
    app_sign_in(at, f"sqlite:///{db}")
    return at


def _capture_maps(monkeypatch) -> list:
    """The maps the pages show (the overview's is built once and shared by every session:
    ``shell.show_shared_map``), in the order shown."""
    import gis.ui.shell

    maps: list = []
    monkeypatch.setattr(gis.ui.shell, "show_map", lambda m, **kw: maps.append(m))
    monkeypatch.setattr(gis.ui.shell, "show_shared_map", lambda build, **kw: maps.append(build()[0]))
    return maps


def test_overview_and_gaps_say_the_data_is_fragmented_and_draw_the_pieces(app, monkeypatch):

    maps = _capture_maps(monkeypatch)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    warnings = [str(w.value) for w in app.warning]
    assert any("道路数据不连通" in w and "82%" in w and "低于 90%" in w for w in warnings), warnings
    html = maps[-1].get_root().render()
    assert DROPPED_DASH.search(html) and "#7d848c" in html

    app.switch_page("pages/gaps.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("道路数据不连通" in str(w.value) for w in app.warning)


def test_no_notice_and_no_grey_pieces_when_the_network_holds_together(demo_store, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest


    db = tmp_path / "app.db"
    with sqlite3.connect(make_url(str(demo_store.url)).database) as src, sqlite3.connect(db) as out:
        src.backup(out)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    maps = _capture_maps(monkeypatch)
    app = AppTest.from_file(APP, default_timeout=120)
    app_sign_in(app, f"sqlite:///{db}")
    app.run()
    assert not app.exception
    assert not any("不连通" in str(w.value) for w in app.warning)
    assert not DROPPED_DASH.search(maps[-1].get_root().render())


def test_a_post_moved_onto_a_cut_off_road_is_named_on_the_overview(demo_store, tmp_path, monkeypatch):
    """Guixi's dropped pieces: put one post on the one farthest from the main network."""
    import numpy as np
    import shapely
    from streamlit.testing.v1 import AppTest

    from gis.network import load_road_graph
    from gis.store import open_store

    db = tmp_path / "app.db"
    with sqlite3.connect(make_url(str(demo_store.url)).database) as src, sqlite3.connect(db) as out:
        src.backup(out)
    store = open_store(f"sqlite:///{db}")
    settings = load_settings(database_url=f"sqlite:///{db}")
    graph = load_road_graph(store.read_layer("roads"), settings=settings)
    lines = graph.dropped_lines().to_crs(graph.crs)
    mids = shapely.line_interpolate_point(lines.geometry.to_numpy(), 0.5, normalized=True)
    _, dist = graph.segment_tree().query_nearest(mids, return_distance=True, all_matches=False)
    far = int(np.argmax(dist))
    assert dist[far] > 100  # a piece well away from the main network
    spot = gpd.GeoSeries([mids[far]], crs=graph.crs).to_crs("EPSG:4326").iloc[0]

    posts = store.read_layer("police_posts")
    moved = posts[posts["kind"] != "station"].iloc[[0]].copy()
    moved["point"] = [spot]
    moved = moved.set_geometry("point", crs="EPSG:4326")
    store.write_layer("police_posts", moved, source="test", actor="test")

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    app = AppTest.from_file(APP, default_timeout=120)
    app_sign_in(app, f"sqlite:///{db}")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    warnings = [str(w.value) for w in app.warning]
    assert any("所在道路与主路网不连通" in w and str(moved["name"].iloc[0]) in w for w in warnings), warnings
