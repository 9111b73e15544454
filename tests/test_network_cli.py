"""``python -m gis isochrones`` end to end on the guixi demo store and on plain files."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from gis.cli import main
from gis.network import load_road_graph


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[network]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n', encoding="utf-8")
    return str(path)


def read_features(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["features"]


def test_isochrones_from_the_demo_store(demo_store, tmp_path, config_file, capsys):
    posts = demo_store.read_layer("police_posts")
    free, peak = tmp_path / "free.geojson", tmp_path / "am.geojson"
    base = ["--db", demo_store.url, "--config", config_file, "isochrones"]
    assert main([*base, "--minutes", "1,3,5", "--out", str(free)]) == 0
    assert main([*base, "--minutes", "1,3,5", "--out", str(peak), "--peak", "am"]) == 0
    out = capsys.readouterr().out
    features = read_features(free)
    props = [f["properties"] for f in features]
    reached = {p["post_id"] for p in props}
    assert len(features) == 3 * len(reached) and reached <= set(posts["id"])
    # Any post left out is named on stdout and really lies > max_snap_m (300 m) off the
    # connected network (the largest strongly connected component that is routed on).
    graph = load_road_graph(demo_store.read_layer("roads"), use_cache=False)
    network = shapely.multilinestrings(graph.segment_lines())
    for post_id in set(posts["id"]) - reached:
        assert post_id in out and "connected road network" in out
        point = posts.loc[posts["id"] == post_id].to_crs(graph.crs).geometry.iloc[0]
        assert network.distance(point) > 300
    assert len(reached) >= len(posts) - 1
    for p in props:
        assert set(p) >= {"post_id", "minutes", "area_km2", "circle_radius_m", "circle_reach_share"}
        assert p["circle_radius_m"] == pytest.approx(p["minutes"] * 60 * 30 / 3.6)
        assert 0 <= p["circle_reach_share"] <= 1
    gdf = gpd.read_file(free)
    assert gdf.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 117.0 < minx < maxx < 117.4 and 28.1 < miny < maxy < 28.5
    # The reach grows with the band, and the AM peak (slower roads) never reaches farther.
    am = {(p["post_id"], p["minutes"]): p["area_km2"] for p in map(lambda f: f["properties"],
                                                                   read_features(peak))}
    for p in props:
        assert am[(p["post_id"], p["minutes"])] <= p["area_km2"] + 1e-9
    by_post = {}
    for p in props:
        by_post.setdefault(p["post_id"], []).append((p["minutes"], p["area_km2"]))
    for bands in by_post.values():
        areas = [a for _, a in sorted(bands)]
        assert areas == sorted(areas) and areas[-1] > areas[0]
    assert sum(am.values()) < sum(p["area_km2"] for p in props)


def test_isochrones_from_files_with_circles(guixi_osm, demo_store, tmp_path, config_file):
    posts = demo_store.read_layer("police_posts").iloc[:2][["id", "name", "point"]]
    posts_path = tmp_path / "posts.geojson"
    posts.to_file(posts_path, driver="GeoJSON")
    out, circles = tmp_path / "reach.geojson", tmp_path / "circles.geojson"
    code = main(["--config", config_file, "isochrones", "--minutes", "2", "--out", str(out),
                 "--roads", str(guixi_osm), "--posts", str(posts_path), "--circles", str(circles)])
    assert code == 0
    reach, ring = gpd.read_file(out), gpd.read_file(circles)
    assert len(reach) == len(ring) == 2 and (reach["minutes"] == 2).all()
    for r, c in zip(reach.to_crs(32650).geometry, ring.to_crs(32650).geometry, strict=True):
        assert c.area == pytest.approx(3.14159 * 1000 ** 2, rel=0.01)
        assert r.area < c.area


@pytest.mark.parametrize("argv, needle", [
    (["--minutes", "1,x"], "--minutes"),
    (["--minutes", "-3"], "--minutes"),
    (["--out", "reach.csv"], ".geojson"),
])
def test_bad_arguments_give_one_clear_line(demo_store, tmp_path, config_file, capsys, argv, needle):
    args = ["--db", demo_store.url, "--config", config_file, "isochrones"]
    if "--out" not in argv:
        argv = [*argv, "--out", str(tmp_path / "x.geojson")]
    assert main([*args, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_empty_store_says_what_to_do(sqlite_store, tmp_path, config_file, capsys):
    code = main(["--db", sqlite_store.url, "--config", config_file, "isochrones",
                 "--out", str(tmp_path / "x.geojson")])
    assert code == 2
    assert "python -m gis demo" in capsys.readouterr().err
