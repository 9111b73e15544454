"""The road network engine on a small graph whose times are worked out by hand.

Lines are drawn in UTM zone 50N (EPSG:32650, metres) near Guixi, so lengths are exact:

    E(0,1000) ──DE: tertiary, oneway=yes (D→E), 2000 m──── D(2000,1000)
    │ EA: residential, geometry A→E, oneway=-1 (E→A only),    │ CD: residential, two-way
    │     maxspeed "30 mph"                                   │
    A(0,0) ──AB: primary, two-way── B(1000,0) ──BC: secondary, oneway=yes── C(2000,0)

plus a primary line F(500,-500)–G(500,500) that crosses AB with no shared vertex (a
bridge: it must stay unconnected and is dropped as a separate component) and a footway.
Origin of the local frame: x0 = 520000, y0 = 3130000.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from gis.config import load_settings
from gis.errors import ValidationError
from gis.network import (
    NetworkConfig,
    build_road_graph,
    load_road_graph,
    reach_polygons,
    response_field,
    route_between,
    snap_points,
    travel_time_matrix,
)
from gis.network.cache import hash_roads

X0, Y0 = 520000.0, 3130000.0
UTM = "EPSG:32650"
MPH30_KMH = 30 * 1.609344

# Hand-computed edge times (seconds) = metres / (km/h / 3.6).
T_AB = 1000 / (50 / 3.6)            # 72.0
T_BC = 1000 / (40 / 3.6)            # 90.0
T_CD = 1000 / (25 / 3.6)            # 144.0
T_DE = 2000 / (35 / 3.6)            # 205.714…
T_EA = 1000 / (MPH30_KMH / 3.6)     # 74.564…
ACCESS = 5 / 3.6                    # access speed, m/s


def xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def local_points(coords: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """Points given in the local frame, returned in EPSG:4326 like every real layer."""
    return gpd.GeoDataFrame({"id": list(coords)}, geometry=[Point(xy(*c)) for c in coords.values()],
                            crs=UTM).to_crs("EPSG:4326")


@pytest.fixture(scope="module")
def config() -> NetworkConfig:
    return NetworkConfig.from_settings(load_settings())


@pytest.fixture(scope="module")
def roads() -> gpd.GeoDataFrame:
    rows = [
        ("AB", "primary", None, None, [(0, 0), (1000, 0)]),
        ("BC", "secondary", "yes", None, [(1000, 0), (2000, 0)]),
        ("CD", "residential", "no", None, [(2000, 0), (2000, 1000)]),
        ("DE", "tertiary", "yes", None, [(2000, 1000), (0, 1000)]),
        ("EA", "residential", "-1", "30 mph", [(0, 0), (0, 1000)]),
        ("FG", "primary", None, None, [(500, -500), (500, 500)]),
        ("path", "footway", None, None, [(0, 0), (-300, -300)]),
    ]
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "highway": [r[1] for r in rows],
         "oneway": [r[2] for r in rows], "maxspeed": [r[3] for r in rows]},
        geometry=[LineString([xy(*p) for p in r[4]]) for r in rows], crs=UTM).to_crs("EPSG:4326")


@pytest.fixture(scope="module")
def graph(roads, config):
    return build_road_graph(roads, config=config)


def node_at(graph, x: float, y: float) -> int:
    d = np.hypot(graph.node_xy[:, 0] - (X0 + x), graph.node_xy[:, 1] - (Y0 + y))
    assert d.min() < 0.05
    return int(d.argmin())


def test_topology_and_dropped_report(graph):
    assert graph.crs == UTM
    assert graph.n_nodes == 5                      # A B C D E; F, G dropped; footway skipped
    assert graph.n_segments == 5
    assert graph.n_edges == 7                      # AB×2, BC, CD×2, DE, EA
    assert graph.report["roads_skipped_by_class"] == {"footway": 1}
    assert graph.report["dropped_segments"] == 1   # the unconnected bridge FG
    assert graph.report["dropped_length_km"] == pytest.approx(1.0, abs=1e-3)
    assert graph.report["dropped_roads"] == 1


def test_node_times_by_hand(graph):
    from scipy.sparse.csgraph import dijkstra

    a, b, c, d, e = (node_at(graph, *p) for p in [(0, 0), (1000, 0), (2000, 0), (2000, 1000), (0, 1000)])
    dist = dijkstra(graph.csr(), indices=a)
    assert dist[b] == pytest.approx(T_AB, abs=0.01)
    assert dist[c] == pytest.approx(T_AB + T_BC, abs=0.01)
    assert dist[d] == pytest.approx(T_AB + T_BC + T_CD, abs=0.01)
    # A→E is closed (EA is oneway=-1 against its A→E geometry): the long way round.
    assert dist[e] == pytest.approx(T_AB + T_BC + T_CD + T_DE, abs=0.01)
    back = dijkstra(graph.csr(), indices=e)
    assert back[a] == pytest.approx(T_EA, abs=0.01)      # the maxspeed "30 mph" road
    # B→C is open, C→B is not: C goes round by D, E, A.
    from_c = dijkstra(graph.csr(), indices=c)
    assert from_c[b] == pytest.approx(T_CD + T_DE + T_EA + T_AB, abs=0.01)


def test_peak_factor_scales_by_class(graph, config):
    from scipy.sparse.csgraph import dijkstra

    a, b = node_at(graph, 0, 0), node_at(graph, 1000, 0)
    factor = config.peak_factors["am"]["primary"]
    assert dijkstra(graph.csr("am"), indices=a)[b] == pytest.approx(T_AB / factor, abs=0.01)
    with pytest.raises(ValidationError):
        graph.segment_times("noon")


def test_snap_mid_edge_partial_time(graph, config):
    posts = local_points({"PA": (0, 0)})
    targets = local_points({"t_ab": (250, 40), "t_bc": (1500, -30), "far": (1000, 600)})
    snapped = snap_points(graph, targets, config=config)
    assert snapped.loc[0, "t"] in (pytest.approx(0.25, abs=1e-4), pytest.approx(0.75, abs=1e-4))
    assert snapped.loc[0, "snap_m"] == pytest.approx(40, abs=0.05)
    assert snapped.loc[2, "snap_m"] == pytest.approx(400, abs=0.05)     # nearest: DE at y=1000
    assert snapped.attrs["far_points"] == ["far"]
    field = response_field(graph, posts, targets, config=config)
    assert field.loc[0, "response_s"] == pytest.approx(0.25 * T_AB + 40 / ACCESS, abs=0.02)
    assert field.loc[1, "response_s"] == pytest.approx(T_AB + 0.5 * T_BC + 30 / ACCESS, abs=0.02)
    assert field.loc[0, "nearest_post_id"] == "PA"
    assert bool(field.loc[2, "off_network"]) and np.isnan(field.loc[2, "response_s"])
    assert field.attrs["targets_off_network"] == ["far"]


def test_one_way_split_edge_from_the_far_end(graph, config):
    # A post at C reaches the middle of BC (oneway B→C) only by the long loop C→D→E→A→B.
    posts = local_points({"PC": (2000, 0)})
    targets = local_points({"t_bc": (1500, -30)})
    field = response_field(graph, posts, targets, config=config)
    loop = T_CD + T_DE + T_EA + T_AB + 0.5 * T_BC + 30 / ACCESS
    assert field.loc[0, "response_s"] == pytest.approx(loop, abs=0.02)


def test_walk_back_against_a_one_way_only_a_short_way(graph, config):
    # BC is oneway B→C. A kiosk 40 m past the gate walks back (40 m at access speed) instead
    # of driving the C→D→E→A→B loop; 120 m past it (> walk_against_oneway_m = 100) it drives.
    assert config.walk_against_oneway_m == 100
    targets = local_points({"gate": (1500, -10)})
    near = response_field(graph, local_points({"K": (1540, -10)}), targets, config=config)
    assert near.loc[0, "response_s"] == pytest.approx((10 + 40 + 10) / ACCESS, abs=0.02)   # 43.2 s
    far = response_field(graph, local_points({"K": (1620, -10)}), targets, config=config)
    loop = 10 / ACCESS + 0.38 * T_BC + T_CD + T_DE + T_EA + T_AB + 0.5 * T_BC + 10 / ACCESS
    assert far.loc[0, "response_s"] == pytest.approx(loop, abs=0.02)
    # The same walk ends the kiosk at B when it sits 30 m past it: B→C's node is 30 m behind.
    m = travel_time_matrix(graph, local_points({"K": (1030, 0), "A": (0, 0)}), config=config)
    assert m[0, 1] == pytest.approx(30 / ACCESS + T_AB, abs=0.02)      # 93.6 s, not the loop
    # With the walk switched off, one-way streets are closed to it too.
    strict = dataclasses.replace(config, walk_against_oneway_m=0.0)
    closed = response_field(graph, local_points({"K": (1540, -10)}), targets, config=strict)
    assert closed.loc[0, "response_s"] > 400


def test_same_segment_direct_and_redundancy(graph, config):
    posts = local_points({"P1": (200, 0), "P2": (0, 1000)})
    targets = local_points({"t": (600, 10)})
    field = response_field(graph, posts, targets, bands_s=(30, 60, 180), config=config)
    assert field.loc[0, "nearest_post_id"] == "P1"
    assert field.loc[0, "response_s"] == pytest.approx(0.4 * T_AB + 10 / ACCESS, abs=0.02)  # 36.0 s
    # P2 at E: E→A (74.6 s) + 0.6 of AB (43.2 s) + 7.2 s access = 125.0 s.
    assert field.loc[0, "posts_within_30s"] == 0
    assert field.loc[0, "posts_within_60s"] == 1
    assert field.loc[0, "posts_within_180s"] == 2


def test_matrix_and_route_agree_and_are_asymmetric(graph, config):
    pts = local_points({"A": (0, 0), "E": (0, 1000), "mid_bc": (1500, 0)})
    m = travel_time_matrix(graph, pts, config=config)
    assert m[0, 1] == pytest.approx(T_AB + T_BC + T_CD + T_DE, abs=0.02)
    assert m[1, 0] == pytest.approx(T_EA, abs=0.02)
    assert m[0, 2] == pytest.approx(T_AB + 0.5 * T_BC, abs=0.02)
    assert np.all(np.diag(m) == 0)
    line, seconds = route_between(graph, pts.geometry[0], pts.geometry[1], config=config)
    assert seconds == pytest.approx(m[0, 1], abs=1e-6)
    local = gpd.GeoSeries([line], crs="EPSG:4326").to_crs(UTM).iloc[0]
    assert local.length == pytest.approx(1000 + 1000 + 1000 + 2000, abs=0.5)
    assert Point(xy(2000, 1000)).distance(local) < 0.05      # passes D


def test_reach_polygon_follows_roads_not_circles(graph, config):
    posts = local_points({"PA": (0, 0)})
    # A 2.5 m tracing grid (the default is 8 m) so the corridor width can be checked closely.
    reach = reach_polygons(graph, posts, minutes=(1,), cell_m=2.5, config=config)
    assert list(reach.columns[:7]) == ["post_id", "minutes", "band_s", "area_km2", "circle_radius_m",
                                       "circle_area_km2", "circle_reach_share"]
    poly = gpd.GeoSeries(reach.geometry, crs="EPSG:4326").to_crs(UTM).iloc[0]
    reached_x = 60 / T_AB * 1000                                   # 833.3 m along AB
    assert poly.contains(Point(xy(reached_x - 5, 0)))
    assert not poly.contains(Point(xy(reached_x + 40, 0)))
    assert not poly.contains(Point(xy(0, 200)))                    # A→E is closed
    assert not poly.contains(Point(xy(500, 300)))                  # the bridge FG is not a road here
    # area: a 25 m corridor along 833.3 m of AB, rounded ends.
    corridor = 2 * 25 * reached_x + np.pi * 25 ** 2
    assert reach.loc[0, "area_km2"] * 1e6 == pytest.approx(corridor, rel=0.03)
    assert poly.contains(Point(xy(400, 22))) and not poly.contains(Point(xy(400, 28)))
    coarse = reach_polygons(graph, posts, minutes=(1,), config=config)
    assert coarse.loc[0, "area_km2"] * 1e6 == pytest.approx(corridor, rel=0.08)
    circle = gpd.GeoSeries(reach["circle"], crs="EPSG:4326").to_crs(UTM).iloc[0]
    assert reach.loc[0, "circle_radius_m"] == pytest.approx(500.0)
    assert circle.area == pytest.approx(np.pi * 500 ** 2, rel=0.01)
    inside = shapely.intersection(poly, circle).area / circle.area
    assert reach.loc[0, "circle_reach_share"] == pytest.approx(inside, rel=0.01)
    assert 0 < inside < 0.1


def test_cache_round_trip(tmp_path, roads, config):
    from dataclasses import replace

    cfg = replace(config, cache_dir=tmp_path)
    first = load_road_graph(roads, config=cfg)
    files = list(tmp_path.glob("roadgraph-*.npz"))
    assert len(files) == 1
    second = load_road_graph(roads, config=cfg)
    assert second.key == first.key
    for name in ("node_xy", "seg_a", "seg_b", "seg_time_fw_s", "seg_time_bw_s", "seg_class"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert second.report == first.report
    # Another speed table is another cache entry with other times.
    faster = replace(cfg, speeds_kmh={**cfg.speeds_kmh, "primary": 100.0})
    third = load_road_graph(roads, config=faster)
    assert third.key != first.key and len(list(tmp_path.glob("roadgraph-*.npz"))) == 2
    changed = roads.copy()
    changed.loc[0, "highway"] = "secondary"
    assert hash_roads(changed) != hash_roads(roads)


def test_line_file_with_chinese_class_column(tmp_path, roads, config):
    from dataclasses import replace

    synonyms = {"primary": "省道", "secondary": "县道", "residential": "支路", "tertiary": "乡道",
                "footway": "人行道"}
    layer = roads.rename(columns={"highway": "等级"}).copy()
    layer["等级"] = layer["等级"].map(synonyms)
    path = tmp_path / "roads.gpkg"
    layer.to_crs(UTM).to_file(path, engine="pyogrio")
    graph = load_road_graph(path, config=replace(config, cache_dir=tmp_path))
    assert graph.n_nodes == 5 and graph.n_edges == 7
    assert set(graph.classes) == {"primary", "secondary", "residential", "tertiary"}


def test_missing_class_column_takes_the_stated_default_class(roads, config):
    """Issue 12: a classless layer loads as [network] default_road_class, with a warning
    (more in tests/test_network_messy_roads.py)."""
    graph = build_road_graph(roads.drop(columns="highway"), config=config)
    assert graph.classes == ("residential",) and graph.report["assumed_class"] == "residential"
    assert any("residential" in w and "class column" in w for w in graph.report["warnings"])
    from dataclasses import replace

    with pytest.raises(ValidationError, match="not a drivable road class"):
        build_road_graph(roads.drop(columns="highway"), config=replace(config, default_road_class="footway"))


def test_cache_key_ignores_bookkeeping_and_old_files_are_pruned(tmp_path, roads, config):
    from dataclasses import replace

    from gis.network.cache import prune_cache

    stamped = roads.assign(updated_at="2026-01-01T00:00:00", version=1, source="demo")
    restamped = stamped.assign(updated_at="2026-02-02T00:00:00", version=2)
    assert hash_roads(stamped) == hash_roads(restamped)
    cfg = replace(config, cache_dir=tmp_path)
    for speed in range(10, 22):
        load_road_graph(roads, config=replace(cfg, speeds_kmh={**cfg.speeds_kmh, "service": speed}))
    assert len(list(tmp_path.glob("roadgraph-*.npz"))) == 8
    assert prune_cache(tmp_path, keep=3) and len(list(tmp_path.glob("roadgraph-*.npz"))) == 3


def test_empty_inputs(graph, config):
    posts = local_points({"PA": (0, 0)})
    none = posts.iloc[:0]
    field = response_field(graph, posts, none, config=config)
    assert field.empty and "response_s" in field.columns
    with pytest.raises(ValidationError, match="no police posts"):
        response_field(graph, none, posts, config=config)
    assert travel_time_matrix(graph, none, config=config).shape == (0, 0)


@pytest.mark.parametrize("suffix", [".shp", ".geojson"])
def test_geofabrik_style_line_file(tmp_path, roads, config, suffix):
    """``fclass`` classes, ``oneway`` F/T/B codes and integer ``maxspeed`` (0 = unknown)."""
    from dataclasses import replace

    from scipy.sparse.csgraph import dijkstra

    codes = {None: "B", "yes": "F", "no": "B", "-1": "T"}
    layer = roads.rename(columns={"highway": "fclass"}).copy()
    layer["oneway"] = layer["oneway"].map(lambda v: codes[v])
    layer["maxspeed"] = [0, 0, 0, 0, 48, 0, 0]          # EA: 48 km/h, the rest unknown
    path = tmp_path / f"roads{suffix}"
    layer.to_file(path, engine="pyogrio")
    graph = load_road_graph(path, config=replace(config, cache_dir=tmp_path))
    assert graph.n_nodes == 5 and graph.n_edges == 7
    e, a = node_at(graph, 0, 1000), node_at(graph, 0, 0)
    assert dijkstra(graph.csr(), indices=e)[a] == pytest.approx(1000 / (48 / 3.6), abs=0.01)
    assert dijkstra(graph.csr(), indices=a)[e] > 400          # T: against the digitised A→E
