"""Benchmark (a): the nearest-post response field vs networkx and pgRouting, plus cache loading.

On the synthetic county graph (bench/county_graph.py, ~160k junctions / ~540k directed
edges) and the three real OSM extracts, in one run:

* ours      — ``nearest_post_field`` (snap the posts, one multi-source scipy Dijkstra pass
              with ``min_only=True``) over every node, and that pass alone
              (``nearest_post_times`` on posts already snapped, as networkx gets node ids);
* networkx  — ``nx.multi_source_dijkstra_path_length`` on the same DiGraph from the same nodes;
* pgRouting — ``pgr_drivingDistance`` from all posts at once (``equicost`` mode) on the same
              edges, loaded beforehand into a temporary PostGIS database;
* gates     — ``response_field`` for 500 gate points with the 1/3/5-minute redundancy counts,
              vs networkx doing the same (multi-source pass + one cut-off Dijkstra per post);
* cache     — ``load_road_graph`` of the county layer saved as a GeoPackage, first build vs reload.

All engines must agree to 1 ms on every node. Prints ratios and ends with ``RESULT {json}``.

    .venv/bin/python bench/bench_network_field.py [--posts 40] [--repeat 5] [--no-pg]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from county_graph import county_roads  # noqa: E402

from gis.config import load_settings  # noqa: E402
from gis.io.osm import read_osm  # noqa: E402
from gis.network import (  # noqa: E402
    NetworkConfig,
    build_road_graph,
    load_road_graph,
    nearest_post_field,
    response_field,
)
from gis.network.field import nearest_post_times, usable_posts  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


CPU: dict[str, float] = {}


def timed(fn, repeat: int, label: str = "") -> tuple[float, object]:
    """Median wall time (seconds) over ``repeat`` runs, and the last result.

    The median CPU time of this process is kept in ``CPU[label]`` (steadier than wall time
    when other work shares the machine; meaningless for pgRouting, which runs in the server).
    """
    times, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    CPU[label] = statistics.median(cpus)
    return statistics.median(times), result


def node_points(graph, nodes, prefix):
    lon, lat = graph.to_wgs84().transform(*graph.node_xy[nodes].T)
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(len(nodes))]},
                            geometry=shapely.points(lon, lat), crs="EPSG:4326")


class PgPeer:
    """A throw-away database with pgRouting for the comparison."""

    def __init__(self, server: str) -> None:
        import psycopg2

        self.psycopg2 = psycopg2
        self.server = server
        self.name = f"bench_network_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = psycopg2.connect(server)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.name}"')
        admin.close()
        dsn = psycopg2.extensions.parse_dsn(server)
        dsn["dbname"] = self.name
        self.conn = psycopg2.connect(**dsn)
        with self.conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
        admin = self.psycopg2.connect(self.server)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin.close()


def bench_graph(name, graph, config, *, n_posts, repeat, pg) -> dict:
    from gis.network.pgrouting import driving_distance, write_edges

    rng = np.random.default_rng(42)
    nodes = rng.choice(graph.n_nodes, n_posts, replace=False)
    posts = node_points(graph, nodes, "P")
    gate_nodes = rng.choice(graph.n_nodes, 500, replace=False)
    gx, gy = graph.to_wgs84().transform(*graph.node_xy[gate_nodes].T)
    gates = gpd.GeoDataFrame({"id": [f"G{i}" for i in range(500)]},
                             geometry=shapely.points(gx + rng.normal(0, 2e-4, 500),
                                                     gy + rng.normal(0, 2e-4, 500)), crs="EPSG:4326")
    nearest_post_field(graph, posts, config=config)          # builds the CSR and the STRtree once
    t_ours, field = timed(lambda: nearest_post_field(graph, posts, config=config), repeat, "ours")
    ours = field["response_s"].to_numpy()
    # the pass alone, like the peer's region: posts already located on the graph (networkx
    # gets node ids), output = seconds and nearest post for every node
    located, _ = usable_posts(graph, posts, config, None, "id")
    t_core, (core_s, core_post) = timed(lambda: nearest_post_times(graph, located), repeat, "core")

    g = graph.to_networkx()
    sources = set(nodes.tolist())
    t_nx, ref = timed(lambda: nx.multi_source_dijkstra_path_length(g, sources, weight="time"),
                      max(1, repeat // 2), "nx")
    ref_s = np.array([ref[i] for i in range(graph.n_nodes)])
    nx_err = float(max(np.max(np.abs(ours - ref_s)), np.max(np.abs(core_s - ref_s))))
    assert (core_post >= 0).all() and np.array_equal(
        located.ids[core_post], field["nearest_post_id"].astype(str).to_numpy())

    row = {"graph": name, "nodes": graph.n_nodes, "edges": graph.n_edges, "posts": n_posts,
           "ours_s": t_ours, "networkx_s": t_nx, "ratio_networkx": t_nx / t_ours,
           "ratio_networkx_cpu": CPU["nx"] / CPU["ours"], "core_s": t_core,
           "ratio_core_networkx": t_nx / t_core, "ratio_core_networkx_cpu": CPU["nx"] / CPU["core"],
           "max_diff_networkx_s": nx_err}
    if pg is not None:
        write_edges(pg.conn, graph)
        t_pg, theirs = timed(lambda: driving_distance(pg.conn, nodes, 1e9, n_nodes=graph.n_nodes,
                                                      equicost=True), max(1, repeat // 2))
        row.update(pgrouting_s=t_pg, ratio_pgrouting=t_pg / t_ours,
                   max_diff_pgrouting_s=float(np.max(np.abs(ours - theirs))))
        if graph.n_nodes < 20000:   # the exact per-root form explores the graph once per root
            exact = driving_distance(pg.conn, nodes, 1e9, n_nodes=graph.n_nodes)
            row["max_diff_pgrouting_exact_s"] = float(np.max(np.abs(ours - exact)))

    bands = (60.0, 180.0, 300.0)
    response_field(graph, posts, gates, config=config)
    t_gates, gate_field = timed(lambda: response_field(graph, posts, gates, config=config), repeat,
                                "gates")

    def networkx_gates():
        # the same answer with networkx: nearest post per node, then per-post cut-off passes
        near = nx.multi_source_dijkstra_path_length(g, sources, weight="time")
        counts = np.zeros(len(gate_nodes), dtype=int)
        for n in nodes.tolist():
            reach = nx.single_source_dijkstra_path_length(g, n, cutoff=max(bands), weight="time")
            counts += np.array([reach.get(int(v), np.inf) <= 180.0 for v in gate_nodes])
        return near, counts

    t_nx_gates, _ = timed(networkx_gates, 1, "nx_gates")
    row.update(gates=500, gates_ours_s=t_gates, gates_networkx_s=t_nx_gates,
               ratio_gates_networkx=t_nx_gates / t_gates,
               ratio_gates_networkx_cpu=CPU["nx_gates"] / CPU["gates"],
               gates_off_network=int(gate_field["off_network"].sum()))
    return row


def bench_cache(roads: gpd.GeoDataFrame, config: NetworkConfig) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "county_roads.gpkg"
        roads.to_file(path, engine="pyogrio")
        cfg = replace(config, cache_dir=Path(tmp) / "cache")
        start = time.perf_counter()
        load_road_graph(path, config=cfg)
        build = time.perf_counter() - start
        t_file, graph = timed(lambda: load_road_graph(path, config=cfg), 5)
        load_road_graph(roads, config=cfg)
        t_gdf, _ = timed(lambda: load_road_graph(roads, config=cfg), 3)
        return {"file_mb": path.stat().st_size / 1e6, "build_s": build, "cache_load_file_s": t_file,
                "cache_load_geodataframe_s": t_gdf, "ratio_build_vs_load": build / t_file,
                "nodes": graph.n_nodes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=400, help="county grid side (junctions)")
    parser.add_argument("--no-pg", action="store_true", help="skip pgRouting")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_SERVER))
    args = parser.parse_args()
    config = NetworkConfig.from_settings(load_settings())

    pg = None if args.no_pg else PgPeer(args.pg)
    rows = []
    try:
        roads = county_roads(args.size)
        start = time.perf_counter()
        county = build_road_graph(roads, config=config)
        print(f"county graph: {county.n_nodes} nodes, {county.n_edges} directed edges, "
              f"built in {time.perf_counter() - start:.1f} s")
        rows.append(bench_graph("county", county, config, n_posts=args.posts, repeat=args.repeat,
                                pg=pg))
        for path in sorted((ROOT / "data" / "osm").glob("*.osm.bz2")):
            graph = build_road_graph(read_osm(path).roads, config=config)
            rows.append(bench_graph(path.name.split("_")[2], graph, config,
                                    n_posts=min(args.posts, 8), repeat=args.repeat, pg=pg))
    finally:
        if pg is not None:
            pg.close()
    cache = bench_cache(roads, config)

    print("wall-clock medians; ×nx cpu = the same ratio in this process's CPU time; "
          "pass = the Dijkstra pass alone on located posts (the peer's timed region)")
    print(f"{'graph':10} {'nodes':>7} {'edges':>7} {'ours ms':>8} {'pass ms':>8} {'nx ms':>8} "
          f"{'×nx':>6} {'×nx cpu':>7} {'pass×nx':>7} {'cpu':>5} {'pg ms':>8} {'×pg':>6} "
          f"{'gates ms':>9} {'nx ms':>8} {'×nx':>6} {'×nx cpu':>7}")
    for r in rows:
        print(f"{r['graph']:10} {r['nodes']:7d} {r['edges']:7d} {r['ours_s'] * 1e3:8.1f} "
              f"{r['core_s'] * 1e3:8.1f} {r['networkx_s'] * 1e3:8.1f} {r['ratio_networkx']:6.1f} "
              f"{r['ratio_networkx_cpu']:7.1f} {r['ratio_core_networkx']:7.1f} "
              f"{r['ratio_core_networkx_cpu']:5.1f} "
              f"{r.get('pgrouting_s', float('nan')) * 1e3:8.1f} "
              f"{r.get('ratio_pgrouting', float('nan')):6.1f} {r['gates_ours_s'] * 1e3:9.1f} "
              f"{r['gates_networkx_s'] * 1e3:8.1f} {r['ratio_gates_networkx']:6.1f} "
              f"{r['ratio_gates_networkx_cpu']:7.1f}")
    print(f"max |ours - networkx| = {max(r['max_diff_networkx_s'] for r in rows):.2e} s; "
          f"max |ours - pgRouting| = "
          f"{max((r.get('max_diff_pgrouting_s', 0.0) for r in rows), default=0.0):.2e} s")
    print(f"cache: county GeoPackage {cache['file_mb']:.0f} MB built in {cache['build_s']:.2f} s, "
          f"reloaded from cache in {cache['cache_load_file_s'] * 1e3:.0f} ms (file source), "
          f"{cache['cache_load_geodataframe_s'] * 1e3:.0f} ms (GeoDataFrame source, hashing included)")
    county_row = rows[0]
    result = {
        "bench": "network_field",
        "county_nodes": county_row["nodes"], "county_edges": county_row["edges"],
        "posts": county_row["posts"],
        "ratio_field_vs_networkx": round(county_row["ratio_networkx"], 2),
        "ratio_field_vs_networkx_cpu": round(county_row["ratio_networkx_cpu"], 2),
        "ratio_pass_vs_networkx": round(county_row["ratio_core_networkx"], 2),
        "ratio_pass_vs_networkx_cpu": round(county_row["ratio_core_networkx_cpu"], 2),
        "pass_ms": round(county_row["core_s"] * 1e3, 1),
        "ratio_field_vs_pgrouting": round(county_row.get("ratio_pgrouting", float("nan")), 2),
        "ratio_gates_vs_networkx": round(county_row["ratio_gates_networkx"], 2),
        "ratio_gates_vs_networkx_cpu": round(county_row["ratio_gates_networkx_cpu"], 2),
        "max_diff_pgrouting_equicost_s": round(county_row.get("max_diff_pgrouting_s", 0.0), 3),
        "field_ms": round(county_row["ours_s"] * 1e3, 1),
        "cache_load_s": round(cache["cache_load_file_s"], 4),
        "cache_load_gdf_s": round(cache["cache_load_geodataframe_s"], 4),
        "max_diff_s": max(r["max_diff_networkx_s"] for r in rows),
        "extracts": {r["graph"]: {"ratio_networkx": round(r["ratio_networkx"], 2),
                                  "ratio_pass_networkx": round(r["ratio_core_networkx"], 2),
                                  "ratio_pgrouting": round(r.get("ratio_pgrouting", float("nan")), 2)}
                     for r in rows[1:]},
    }
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
