"""Benchmark (b): 1/3/5-minute reach polygons for 40 posts vs the OSMnx isochrone recipe.

The recipe (the OSMnx isochrone example, gboeing/osmnx-examples notebook 13, written here with
networkx + geopandas so osmnx itself is not needed), timed in two forms:

- as documented: on a MultiDiGraph (what OSMnx builds), per post and band
  ``nx.ego_graph(G, post, radius=band_s, distance="time")``, ``node_points = [Point((d["x"],
  d["y"])) for n, d in subgraph.nodes(data=True)]``, ``gpd.GeoSeries(node_points).union_all()
  .convex_hull`` (``unary_union`` in older geopandas) — the target ratio is against this;
- tuned: the same ego graph on a plain DiGraph and the hull of a coordinate array (a stronger
  peer than the documented code; its ratio is printed too).

Ours:
``reach_polygons`` (one limited Dijkstra pass per post, reached + partial edges, traced
corridors with holes, the naive circle and its reachable share).

Both run on the synthetic county graph (bench/county_graph.py) and on the three real OSM
extracts, in one run. Besides time, it reports how much of each hull our polygon covers
(hulls bridge blocks, rivers and unconnected roads; ours does not) and the mean
circle_reach_share. Ends with ``RESULT {json}``.

    .venv/bin/python bench/bench_network_reach.py [--posts 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from county_graph import county_roads  # noqa: E402

from gis.config import load_settings  # noqa: E402
from gis.io.osm import read_osm  # noqa: E402
from gis.network import NetworkConfig, build_road_graph, reach_polygons, snap_points  # noqa: E402

MINUTES = (1, 3, 5)


def recipe_documented(g: nx.MultiDiGraph, nodes: np.ndarray) -> list:
    """The OSMnx isochrone example as written: ego graph by time, union of node Points, hull."""
    hulls = []
    for node in nodes.tolist():
        for minutes in sorted(MINUTES, reverse=True):
            subgraph = nx.ego_graph(g, node, radius=minutes * 60.0, distance="time")
            node_points = [Point((data["x"], data["y"])) for _, data in subgraph.nodes(data=True)]
            hulls.append(gpd.GeoSeries(node_points).union_all().convex_hull)
    return hulls


def recipe(g: nx.DiGraph, xy: np.ndarray, nodes: np.ndarray) -> list:
    """The recipe tuned: ego graph on a DiGraph, convex hull of a coordinate array."""
    hulls = []
    for node in nodes.tolist():
        for minutes in MINUTES:
            sub = nx.ego_graph(g, node, radius=minutes * 60.0, distance="time")
            hulls.append(shapely.MultiPoint(xy[list(sub.nodes)]).convex_hull)
    return hulls


def bench_graph(name: str, graph, config: NetworkConfig, n_posts: int, repeat: int) -> dict:
    rng = np.random.default_rng(7)
    nodes = rng.choice(graph.n_nodes, n_posts, replace=False)
    lon, lat = graph.to_wgs84().transform(*graph.node_xy[nodes].T)
    posts = gpd.GeoDataFrame({"id": [f"P{i}" for i in range(n_posts)]},
                             geometry=shapely.points(lon, lat), crs="EPSG:4326")
    snap_points(graph, posts.iloc[:1], config=config)          # spatial index built once
    graph.csr()                                                # like G below: built beforehand
    g = graph.to_networkx()
    gm = nx.MultiDiGraph(g)                                    # OSMnx graphs are MultiDiGraphs
    t_ours, c_ours, t_recipe, c_recipe, t_doc, c_doc = [], [], [], [], [], []
    for _ in range(repeat):                                    # alternate, medians below
        start, cpu = time.perf_counter(), time.process_time()
        reach = reach_polygons(graph, posts, minutes=MINUTES, config=config)
        t_ours.append(time.perf_counter() - start), c_ours.append(time.process_time() - cpu)
        start, cpu = time.perf_counter(), time.process_time()
        hulls = recipe(g, graph.node_xy, nodes)
        t_recipe.append(time.perf_counter() - start), c_recipe.append(time.process_time() - cpu)
        start, cpu = time.perf_counter(), time.process_time()
        recipe_documented(gm, nodes)
        t_doc.append(time.perf_counter() - start), c_doc.append(time.process_time() - cpu)
    t_ours, c_ours = statistics.median(t_ours), statistics.median(c_ours)
    t_recipe, c_recipe = statistics.median(t_recipe), statistics.median(c_recipe)
    t_doc, c_doc = statistics.median(t_doc), statistics.median(c_doc)

    ours = reach.to_crs(graph.crs).geometry.to_numpy()
    hull_area = shapely.area(hulls)
    big = hull_area > 1.0
    covered = shapely.area(shapely.intersection(ours[big], np.asarray(hulls)[big])) / hull_area[big]
    return {"graph": name, "nodes": graph.n_nodes, "edges": graph.n_edges, "posts": n_posts,
            "polygons": len(reach), "ours_s": t_ours, "recipe_s": t_doc,
            "ratio_recipe": t_doc / t_ours, "ours_cpu_s": c_ours, "recipe_cpu_s": c_doc,
            "ratio_recipe_cpu": c_doc / c_ours, "tuned_recipe_s": t_recipe,
            "ratio_tuned_recipe": t_recipe / t_ours, "ratio_tuned_recipe_cpu": c_recipe / c_ours,
            "holes_5min": int(np.mean([sum(len(p.interiors) for p in getattr(geom, "geoms", [geom]))
                                       for geom in ours[reach["minutes"].to_numpy() == 5]])),
            "hull_share_reached": float(np.mean(covered)) if big.any() else float("nan"),
            "circle_reach_share": {int(m): float(reach.loc[reach["minutes"] == m,
                                                           "circle_reach_share"].mean())
                                   for m in MINUTES}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--size", type=int, default=400, help="county grid side (junctions)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians)")
    args = parser.parse_args()
    config = NetworkConfig.from_settings(load_settings())
    county = build_road_graph(county_roads(args.size), config=config)
    print(f"county graph: {county.n_nodes} nodes, {county.n_edges} directed edges")
    rows = [bench_graph("county", county, config, args.posts, args.repeat)]
    for path in sorted((ROOT / "data" / "osm").glob("*.osm.bz2")):
        graph = build_road_graph(read_osm(path).roads, config=config)
        rows.append(bench_graph(path.name.split("_")[2], graph, config, min(args.posts, 10),
                                args.repeat))
    print("wall = elapsed seconds; cpu = this process's CPU seconds (steadier on a shared machine)")
    print("recipe = the OSMnx example as documented; tuned = DiGraph + hull of an array")
    print(f"{'graph':10} {'nodes':>7} {'polygons':>8} {'ours s':>7} {'recipe s':>9} {'×wall':>6} "
          f"{'ours cpu':>8} {'recipe cpu':>10} {'×cpu':>5} {'tuned s':>8} {'×tuned':>6} "
          f"{'holes':>6} {'hull∩ours':>9}  circle share 1/3/5 min")
    for r in rows:
        share = "/".join(f"{r['circle_reach_share'][m]:.2f}" for m in MINUTES)
        print(f"{r['graph']:10} {r['nodes']:7d} {r['polygons']:8d} {r['ours_s']:7.2f} "
              f"{r['recipe_s']:9.2f} {r['ratio_recipe']:6.1f} {r['ours_cpu_s']:8.2f} "
              f"{r['recipe_cpu_s']:10.2f} {r['ratio_recipe_cpu']:5.1f} {r['tuned_recipe_s']:8.2f} "
              f"{r['ratio_tuned_recipe']:6.1f} {r['holes_5min']:6d} "
              f"{r['hull_share_reached']:9.2f}  {share}")
    county_row = rows[0]
    result = {
        "bench": "network_reach", "county_nodes": county_row["nodes"],
        "county_edges": county_row["edges"], "posts": county_row["posts"],
        "polygons": county_row["polygons"],
        "ours_s": round(county_row["ours_s"], 3), "recipe_s": round(county_row["recipe_s"], 3),
        "ratio_polygons_vs_recipe": round(county_row["ratio_recipe"], 2),
        "ratio_polygons_vs_recipe_cpu": round(county_row["ratio_recipe_cpu"], 2),
        "tuned_recipe_s": round(county_row["tuned_recipe_s"], 3),
        "ratio_polygons_vs_tuned_recipe": round(county_row["ratio_tuned_recipe"], 2),
        "ratio_polygons_vs_tuned_recipe_cpu": round(county_row["ratio_tuned_recipe_cpu"], 2),
        "holes_per_5min_polygon": county_row["holes_5min"],
        "hull_share_reached": round(county_row["hull_share_reached"], 3),
        "extracts": {r["graph"]: {"ratio_recipe": round(r["ratio_recipe"], 2),
                                  "ratio_tuned_recipe": round(r["ratio_tuned_recipe"], 2),
                                  "ratio_recipe_cpu": round(r["ratio_recipe_cpu"], 2),
                                  "hull_share_reached": round(r["hull_share_reached"], 3)}
                     for r in rows[1:]},
    }
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
