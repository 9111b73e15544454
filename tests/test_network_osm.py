"""The road network engine on the three real OSM extracts (data/osm/*.osm.bz2).

networkx is the readable reference: an independent graph built here straight from the
OSM ways (shared vertex = junction, geodesic lengths) and a DiGraph of our own segments.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point

from gis.config import PROJECT_ROOT, load_settings
from gis.io.osm import read_osm
from gis.network import (
    NetworkConfig,
    build_road_graph,
    nearest_post_field,
    parse_maxspeed,
    reach_polygons,
    response_field,
    route_between,
    travel_time_matrix,
)
from gis.network.field import Snapped
from gis.network.reach import (
    drop_redundant,
    lattice_to_wgs84,
    pieces_extent,
    post_node_times,
    time_grid,
    timed_pieces,
    trace_rings,
)
from gis.network.snap import snap_points

OSM_FILES = sorted((PROJECT_ROOT / "data" / "osm").glob("*.osm.bz2"))
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def config() -> NetworkConfig:
    return NetworkConfig.from_settings(load_settings())


@pytest.fixture(scope="module", params=OSM_FILES, ids=lambda p: p.name.split("_")[2])
def extract(request, config):
    roads = read_osm(request.param).roads
    return roads, build_road_graph(roads, config=config)


def node_points(graph, nodes, prefix="P") -> gpd.GeoDataFrame:
    lon, lat = graph.to_wgs84().transform(graph.node_xy[nodes, 0], graph.node_xy[nodes, 1])
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(len(nodes))]},
                            geometry=shapely.points(lon, lat), crs="EPSG:4326")


def segment_digraph(graph) -> nx.DiGraph:
    """A networkx DiGraph written directly from the segment arrays."""
    g = nx.DiGraph()
    for a, b, f, r in zip(graph.seg_a.tolist(), graph.seg_b.tolist(), graph.seg_time_fw_s.tolist(),
                          graph.seg_time_bw_s.tolist(), strict=True):
        if np.isfinite(f):
            g.add_edge(a, b, time=f)
        if np.isfinite(r):
            g.add_edge(b, a, time=r)
    return g


def independent_digraph(roads, config) -> nx.DiGraph:
    """Build the drivable graph from the OSM ways without our code: geodesic metres, OSM rules."""
    g = nx.DiGraph()
    for row in roads.itertuples():
        speed = parse_maxspeed(row.maxspeed) or config.speed_for(row.highway)
        oneway = (row.oneway or "no").lower()
        coords = [(round(x, 7), round(y, 7)) for x, y in row.geom.coords]
        for p, q in zip(coords[:-1], coords[1:], strict=True):
            if p == q:
                continue
            metres = GEOD.inv(p[0], p[1], q[0], q[1])[2]
            seconds = metres / (speed / 3.6)
            for u, v, open_ in ((p, q, oneway not in ("-1", "reverse")),
                                (q, p, oneway not in ("yes", "true", "1"))):
                if open_ and (not g.has_edge(u, v) or g[u][v]["time"] > seconds):
                    g.add_edge(u, v, time=seconds)
    biggest = max(nx.strongly_connected_components(g), key=len)
    return g.subgraph(biggest).copy()


def test_graph_matches_an_independent_networkx_build(extract, config):
    roads, graph = extract
    ref = independent_digraph(roads, config)
    assert graph.n_nodes == ref.number_of_nodes()
    assert graph.n_edges == ref.number_of_edges()
    assert graph.report["dropped_nodes"] > 0          # the extracts cut roads at their edges
    # Travel times from three nodes agree with geodesic-length times (UTM scale error < 0.1 %).
    lon, lat = graph.to_wgs84().transform(graph.node_xy[:, 0], graph.node_xy[:, 1])
    key = {(round(x, 7), round(y, 7)): i for i, (x, y) in enumerate(zip(lon, lat, strict=True))}
    ours = segment_digraph(graph)
    for source in list(ref.nodes)[:: max(1, ref.number_of_nodes() // 3)][:3]:
        expected = nx.single_source_dijkstra_path_length(ref, source, weight="time")
        got = nx.single_source_dijkstra_path_length(ours, key[source], weight="time")
        for node, seconds in expected.items():
            assert got[key[node]] == pytest.approx(seconds, rel=2e-3, abs=1e-3)


def test_nearest_post_field_equals_networkx(extract, config):
    _, graph = extract
    rng = np.random.default_rng(7)
    nodes = rng.choice(graph.n_nodes, 6, replace=False)
    field = nearest_post_field(graph, node_points(graph, nodes), config=config)
    ref = nx.multi_source_dijkstra_path_length(segment_digraph(graph), set(nodes.tolist()),
                                               weight="time")
    expected = np.array([ref[i] for i in range(graph.n_nodes)])
    np.testing.assert_allclose(field["response_s"].to_numpy(), expected, atol=1e-3)
    # The nearest post is one whose own distance equals the field (ties allowed).
    per_post = {f"P{k}": nx.single_source_dijkstra_path_length(segment_digraph(graph), int(n),
                                                                weight="time")
                for k, n in enumerate(nodes[:2])}
    for post_id, dist in per_post.items():
        mine = field.index[field["nearest_post_id"] == post_id]
        assert all(dist[i] == pytest.approx(field.loc[i, "response_s"], abs=1e-3) for i in mine)


def test_peak_times_equal_networkx_on_peak_weights(extract, config):
    _, graph = extract
    source = int(np.random.default_rng(3).integers(graph.n_nodes))
    sources = Snapped.from_frame(snap_points(graph, node_points(graph, [source]), config=config))
    ours = post_node_times(graph, sources, peak="pm")[0]
    g = graph.to_networkx(peak="pm")
    ref = nx.single_source_dijkstra_path_length(g, source, weight="time")
    np.testing.assert_allclose(ours, [ref[i] for i in range(graph.n_nodes)], atol=1e-3)
    free = post_node_times(graph, sources)[0]
    assert np.all(ours[free > 1] > free[free > 1])    # every peak factor is below 1


def test_real_one_way_changes_the_answer(extract, config):
    _, graph = extract
    oneway = np.flatnonzero(np.isfinite(graph.seg_time_fw_s) & ~np.isfinite(graph.seg_time_bw_s))
    assert len(oneway) > 0
    seg = int(oneway[np.argmax(graph.seg_length_m[oneway])])
    a, b = int(graph.seg_a[seg]), int(graph.seg_b[seg])
    pts = node_points(graph, [a, b])
    m = travel_time_matrix(graph, pts, config=config)
    assert m[0, 1] == pytest.approx(graph.seg_time_fw_s[seg], abs=1e-3)
    g = segment_digraph(graph)
    assert m[1, 0] == pytest.approx(nx.dijkstra_path_length(g, b, a, weight="time"), abs=1e-3)
    assert m[1, 0] > m[0, 1]
    line, seconds = route_between(graph, pts.geometry[1], pts.geometry[0], config=config)
    assert seconds == pytest.approx(m[1, 0], abs=1e-6)
    assert len(line.coords) > 2                      # not straight back along the one-way


def test_reach_polygons_contain_reached_network_only(extract, config):
    _, graph = extract
    rng = np.random.default_rng(11)
    nodes = rng.choice(graph.n_nodes, 3, replace=False)
    posts = node_points(graph, nodes)
    reach = reach_polygons(graph, posts, minutes=(1, 3, 5), config=config)
    assert len(reach) == 9 and reach.crs.to_epsg() == 4326
    assert reach.geometry.is_valid.all() and reach["circle"].is_valid.all()
    local = reach.to_crs(graph.crs)
    g = segment_digraph(graph)
    u, v, w, _ = graph.edges()
    for k, node in enumerate(nodes):
        dist = nx.single_source_dijkstra_path_length(g, int(node), weight="time")
        t = np.array([dist.get(i, np.inf) for i in range(graph.n_nodes)])
        for band in (60.0, 180.0, 300.0):
            poly = local.loc[(local["post_id"] == f"P{k}") & (local["band_s"] == band)].geometry.iloc[0]
            grown = poly.buffer(0.01)
            inside = t <= band
            assert shapely.contains_xy(grown, *graph.node_xy[inside].T).all()
            # every fully reached edge lies inside the polygon
            full = (t[u] + w) <= band
            lines = shapely.linestrings(np.stack([graph.node_xy[u[full]], graph.node_xy[v[full]]], 1))
            assert shapely.covered_by(lines, grown).all()
            # nodes reached only later lie outside unless a reached road passes within the buffer
            # (not at 5 minutes: in these small extracts the few nodes reached 2 minutes
            # later mostly sit beside roads already reached, e.g. across a divided road)
            later = np.flatnonzero(t > band + 120)
            if len(later) and band < 300:
                out = ~shapely.contains_xy(poly, *graph.node_xy[later].T)
                assert out.mean() > 0.9
        shares = local.loc[local["post_id"] == f"P{k}", "circle_reach_share"]
        assert ((shares > 0) & (shares < 1)).all()


def test_lattice_lonlat_is_within_a_centimetre_of_pyproj(extract):
    _, graph = extract
    rng = np.random.default_rng(5)
    lo, hi = graph.node_xy.min(axis=0) - 3000, graph.node_xy.max(axis=0) + 3000
    xy = np.vstack([graph.node_xy, rng.uniform(lo, hi, (5000, 2))])
    fast = lattice_to_wgs84(graph, xy[:, 0], xy[:, 1])
    lon, lat = graph.to_wgs84().transform(xy[:, 0], xy[:, 1])
    metres = GEOD.inv(fast[:, 0], fast[:, 1], lon, lat)[2]
    assert metres.max() < 0.01


def test_reach_polygon_areas_match_shapely_and_thinning_is_lossless(extract, config):
    """The shoelace areas reported equal shapely's; dropping redundant vertices keeps the shape."""
    _, graph = extract
    posts = node_points(graph, np.array([graph.n_nodes // 2]))
    reach = reach_polygons(graph, posts, minutes=(1, 3, 5), config=config)
    local = reach.to_crs(graph.crs)
    np.testing.assert_allclose(reach["area_km2"], local.area / 1e6, rtol=1e-4)
    snapped = Snapped.from_frame(snap_points(graph, posts, config=config))
    dist = post_node_times(graph, snapped, limit_s=300.0)[0]
    start, end, t0, t1 = timed_pieces(graph, dist, snapped, 300.0)
    xs, ys, grid = time_grid(start, end, t0, t1, cell_m=config.reach_cell_m,
                             buffer_m=config.reach_buffer_m)
    rings = trace_rings(xs, ys, grid, 300.0)
    import contourpy

    gen = contourpy.contour_generator(xs, ys, grid.astype(float), fill_type="ChunkCombinedOffsetOffset")
    points, ring_offsets, outer = gen.filled(-1.0, 300.0)
    full = shapely.from_ragged_array(shapely.GeometryType.POLYGON, points[0],
                                     (ring_offsets[0], outer[0]))
    thin = shapely.from_ragged_array(shapely.GeometryType.POLYGON, np.column_stack([rings.x, rings.y]),
                                     (rings.ring_offsets, rings.polygon_offsets))
    assert len(rings.x) < 0.9 * len(points[0])
    full, thin = shapely.union_all(full), shapely.union_all(thin)
    assert shapely.symmetric_difference(full, thin).area < 1e-3           # square metres
    assert rings.area() == pytest.approx(full.area, rel=1e-9)
    x, y, offsets = drop_redundant(rings.x, rings.y, rings.ring_offsets)
    assert len(x) == len(rings.x)                                         # nothing left to drop
    lo, hi = pieces_extent(start, end)
    assert (lo <= graph.node_xy[dist < 300.0].min(axis=0)).all()


def test_response_field_redundancy_matches_matrix(extract, config):
    _, graph = extract
    rng = np.random.default_rng(5)
    posts = node_points(graph, rng.choice(graph.n_nodes, 4, replace=False), "P")
    lon, lat = graph.to_wgs84().transform(*graph.node_xy[rng.choice(graph.n_nodes, 15)].T)
    gates = gpd.GeoDataFrame({"id": [f"G{i}" for i in range(15)]},
                             geometry=[Point(x + 2e-4, y - 1e-4) for x, y in zip(lon, lat, strict=True)],
                             crs="EPSG:4326")
    field = response_field(graph, posts, gates, config=config)
    both = gpd.GeoDataFrame(
        {"id": list(posts["id"]) + list(gates["id"])},
        geometry=list(posts.geometry) + list(gates.geometry), crs="EPSG:4326")
    m = travel_time_matrix(graph, both, on_far="ignore", config=config)[:4, 4:]     # posts → gates
    ok = ~field["off_network"].to_numpy()
    np.testing.assert_allclose(field["response_s"].to_numpy()[ok], m.min(axis=0)[ok], atol=1e-3)
    for band in (60, 180, 300):
        np.testing.assert_array_equal(field[f"posts_within_{band}s"].to_numpy()[ok],
                                      (m <= band).sum(axis=0)[ok])


def test_far_points_are_reported(extract, config):
    _, graph = extract
    x, y = graph.node_xy[:, 0].max() + 2000, graph.node_xy[:, 1].max() + 2000
    lon, lat = graph.to_wgs84().transform(x, y)
    pts = gpd.GeoDataFrame({"id": ["far"]}, geometry=[Point(lon, lat)], crs="EPSG:4326")
    snapped = snap_points(graph, pts, config=config)
    assert not snapped["snapped"].iloc[0] and snapped.attrs["far_points"] == ["far"]
    assert snapped["snap_m"].iloc[0] > 2000


def test_osm_files_exist():
    assert len(OSM_FILES) == 3 and all(Path(p).stat().st_size > 0 for p in OSM_FILES)


def test_pbf_and_plain_osm_give_the_same_graph(tmp_path, config):
    """The same extract as .osm.bz2, .osm.pbf and .osm (rewritten here with pyosmium)."""
    import osmium

    from gis.network import load_road_graph

    src = next(p for p in OSM_FILES if "guixi" in p.name)
    graphs = []
    for suffix in (".osm.pbf", ".osm"):
        out = tmp_path / f"guixi{suffix}"
        writer = osmium.SimpleWriter(str(out))
        for obj in osmium.FileProcessor(str(src)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            else:
                writer.add_relation(obj)
        writer.close()
        graphs.append(load_road_graph(out, config=config, use_cache=False))
    reference = load_road_graph(src, config=config, use_cache=False)
    for graph in graphs:
        np.testing.assert_allclose(graph.node_xy, reference.node_xy)
        np.testing.assert_array_equal(graph.seg_time_fw_s, reference.seg_time_fw_s)
        assert graph.report == reference.report
