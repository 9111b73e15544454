"""Siting at county scale: the covering MILP vs spopt's MCLP and greedy, the matrix vs networkx,
and the what-if update time.

On the synthetic county graph (bench/county_graph.py: ~160k junctions, ~540k directed edges) a
seeded county: 1,000 schools (1–2 gates, enrollment 100–3,000), 60 posts, 3,000 cameras near
gates, 1,000 crossings, 500 risk sites. In one run:

* matrix   — candidates × schools peak seconds within T (``site_school_seconds``: one reverse
             Dijkstra per school gate over the transposed graph, stopped at T) vs networkx
             running ``single_source_dijkstra_path_length(cutoff=T)`` per candidate (timed on a
             sample of candidates, scaled to all of them; both read the same snapped nodes);
* MCLP     — K = 5 new sites, T = 3 min, 2,000+ candidates: ours (``solve_mclp``, HiGHS through
             scipy.optimize.milp, exact reductions, proven optimal) vs ``spopt.locate.MCLP.from_cost_matrix``
             on the same matrix (PuLP + CBC, as spopt documents it), and the greedy heuristic's
             objective; the objectives of ours and spopt must be equal;
* what-if  — ``WhatIf``: move a kiosk / add a kiosk, time from the change to the new county KPIs
             and levels (median and worst of several changes), against re-assessing the county;
             and the page's path after a drop (``gis.ui.siting.whatif``): the update, the KPI
             tiles and level changes, then the map's school and post layers rebuilt and turned
             into the script streamlit-folium sends (``--only whatif`` runs just this part).

    .venv/bin/python bench/bench_siting.py [--schools 1000 --candidates-spacing 900 --k 5]

Ends with ``RESULT {json}``.
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
import pandas as pd
import scipy.sparse as sp
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from county_graph import county_roads  # noqa: E402

from gis.config import load_settings  # noqa: E402
from gis.coverage import assess_campuses  # noqa: E402
from gis.network import NetworkConfig, build_road_graph  # noqa: E402
from gis.siting.candidates import road_candidates  # noqa: E402
from gis.siting.problem import CoverProblem  # noqa: E402
from gis.siting.reach import site_school_seconds, snap_gates, snap_sites  # noqa: E402
from gis.siting.solvers import greedy_mclp, reduce_problem, solve_mclp  # noqa: E402
from gis.siting.whatif import WhatIf  # noqa: E402

WGS84 = "EPSG:4326"


def county_layers(graph, n_schools: int, n_posts: int, seed: int) -> dict[str, gpd.GeoDataFrame]:
    """Schools, posts, cameras, crossings and risk sites placed on the county graph (EPSG:4326)."""
    rng = np.random.default_rng(seed)
    inv = graph.to_wgs84()
    xy = graph.node_xy

    def lonlat(points: np.ndarray) -> np.ndarray:
        lon, lat = inv.transform(points[:, 0], points[:, 1])
        return np.column_stack([lon, lat])

    nodes = rng.choice(graph.n_nodes, n_schools, replace=False)
    main = xy[nodes] + rng.uniform(-40, 40, (n_schools, 2))
    second = main + rng.uniform(-120, 120, (n_schools, 2))
    two = rng.random(n_schools) < 0.4
    g1, g2 = lonlat(main), lonlat(second)
    gates = [shapely.MultiPoint([g1[i], g2[i]]) if two[i] else shapely.MultiPoint([g1[i]]) for i in range(n_schools)]
    kinds = rng.choice(["primary", "junior", "kindergarten", "senior", "nine_year"], n_schools)
    schools = gpd.GeoDataFrame({
        "id": [f"s{i:04d}" for i in range(n_schools)], "name": [f"学校{i}" for i in range(n_schools)],
        "kind": kinds, "enrollment": rng.integers(100, 3000, n_schools), "boarding": rng.random(n_schools) < 0.2,
        "area_type": rng.choice(["urban", "town", "rural"], n_schools), "guards": rng.integers(0, 5, n_schools),
        "equipment_complete": rng.random(n_schools) < 0.7, "video_networked": rng.random(n_schools) < 0.7,
        "one_click_alarm": rng.random(n_schools) < 0.8, "anti_ram_barrier": rng.random(n_schools) < 0.5,
    }, geometry=gates, crs=WGS84)
    pnodes = rng.choice(graph.n_nodes, n_posts, replace=False)
    pkind = np.where(np.arange(n_posts) < 15, "station", np.where(np.arange(n_posts) < 35, "office", "kiosk"))
    posts = gpd.GeoDataFrame({"id": [f"p{i:02d}" for i in range(n_posts)], "name": [f"警务点{i}" for i in range(n_posts)],
                              "kind": pkind, "staff": 4, "vehicles": 1, "hours": "24小时"},
                             geometry=shapely.points(lonlat(xy[pnodes] + rng.uniform(-20, 20, (n_posts, 2)))),
                             crs=WGS84)
    n_cam = 3 * n_schools
    at = rng.integers(0, n_schools, n_cam)
    cams = gpd.GeoDataFrame({"id": [f"c{i}" for i in range(n_cam)], "direction_deg": rng.uniform(0, 360, n_cam),
                             "fov_deg": 90.0, "range_m": 30.0, "networked": rng.random(n_cam) < 0.8,
                             "status": np.where(rng.random(n_cam) < 0.1, "broken", "ok"), "owner": "school"},
                            geometry=shapely.points(lonlat(main[at] + rng.uniform(-15, 15, (n_cam, 2)))), crs=WGS84)
    n_cx = n_schools
    cx_at = rng.integers(0, n_schools, n_cx)
    crossings = gpd.GeoDataFrame({
        "id": [f"x{i}" for i in range(n_cx)], "school_id": [f"s{i:04d}" for i in cx_at],
        "am_window": "07:20-07:50", "noon_window": None, "pm_window": "16:30-17:10",
        "staffed_by": rng.choice(["police", "auxiliary", "guard", "volunteer", "none"], n_cx),
        "staff": rng.integers(0, 3, n_cx)}, geometry=shapely.points(lonlat(main[cx_at] + 10.0)), crs=WGS84)
    n_risk = n_schools // 2
    r_at = rng.integers(0, n_schools, n_risk)
    risks = gpd.GeoDataFrame({"id": [f"r{i}" for i in range(n_risk)],
                              "category": rng.choice(["internet_cafe", "stall", "entertainment"], n_risk),
                              "level": rng.integers(1, 4, n_risk), "note": None, "sensitive": False},
                             geometry=shapely.points(lonlat(main[r_at] + rng.uniform(-400, 400, (n_risk, 2)))),
                             crs=WGS84)
    return {"schools": schools, "police_posts": posts, "cameras": cams, "crossings": crossings,
            "risk_sites": risks}


def networkx_matrix_seconds(graph, sites, gates, limit_s: float, sample: int) -> tuple[float, float]:
    """Seconds per candidate for networkx (cut-off Dijkstra from the candidate's segment end), and
    the max difference to ours on node-level times for the sampled candidates."""
    g = graph.to_networkx(peak="am")
    fw, _ = graph.segment_times("am")
    starts = graph.seg_b[sites.seg[:sample]]
    begin = time.perf_counter()
    reached = 0
    for node in starts:
        dist = nx.single_source_dijkstra_path_length(g, int(node), cutoff=limit_s, weight="time")
        ends = graph.seg_a[gates.seg]
        reached += sum(1 for e in ends if int(e) in dist)
    per = (time.perf_counter() - begin) / len(starts)
    return per, float(reached)


def page_layers_seconds(session, lang: str = "zh") -> float:
    """What the what-if page does after the figures: the school and post layers of the map,
    rendered into the feature-group script ``st_folium`` sends (the base map is cached)."""
    import folium
    from streamlit_folium import _get_feature_group_string

    from gis.viz import maps
    from gis.viz.features import school_features
    from gis.viz.siting import DraggablePosts

    t0 = time.perf_counter()
    m = folium.Map(location=[0, 0], tiles=None)
    schools = maps.feature_group("schools", [school_features(session.layers["schools"],
                                                             session.current.reset_index(drop=True),
                                                             lang=lang, with_popup=False)])
    posts = maps.feature_group("posts", [], cluster=False)
    DraggablePosts(session.posts, lang=lang, highlight=session.touched()).add_to(posts)
    script = "".join(_get_feature_group_string(g, map=m, idx=i) for i, g in enumerate((schools, posts)))
    assert len(script) > 1000
    return time.perf_counter() - t0


def whatif_bench(graph, layers, settings, args) -> dict:
    """The what-if: session build, then ``--moves`` changes (moves and additions alternate)."""
    t0 = time.perf_counter()
    full = assess_campuses(layers, graph=graph, settings=settings, peak="am")
    full_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    session = WhatIf.build(layers, graph=graph, settings=settings, peak="am", assessment=pd.DataFrame(full))
    build_s = time.perf_counter() - t0 + full_s
    rng = np.random.default_rng(args.seed + 1)
    kiosks = layers["police_posts"].loc[layers["police_posts"]["kind"] == "kiosk", "id"].tolist()
    times, cpu, rescored, figures, layers_s = [], [], [], [], []
    inv = graph.to_wgs84()
    for k in range(args.moves):
        x, y = graph.node_xy[rng.integers(graph.n_nodes)]
        lon, lat = inv.transform(x, y)
        c0 = time.process_time()
        t0 = time.perf_counter()
        update = session.move(kiosks[k % len(kiosks)], lon, lat) if k % 2 == 0 else session.add(lon, lat)
        cpu.append(time.process_time() - c0)
        session.base_kpis()          # the tiles and the changes table, as the page draws them
        session.changes()
        figures.append(time.perf_counter() - t0)
        times.append(update.seconds)
        rescored.append(len(update.rescored))
        layers_s.append(page_layers_seconds(session))
    page = [f + m for f, m in zip(figures, layers_s, strict=True)]
    print(f"what-if: {args.moves} changes, median {statistics.median(times) * 1e3:.0f} ms wall "
          f"({statistics.median(cpu) * 1e3:.0f} ms CPU), worst {max(times) * 1e3:.0f} ms wall "
          f"(re-scored {statistics.median(rescored):.0f} schools median); figures on the page "
          f"median {statistics.median(figures) * 1e3:.0f} ms, worst {max(figures) * 1e3:.0f} ms; with the map's "
          f"layers rebuilt median {statistics.median(page) * 1e3:.0f} ms, worst {max(page) * 1e3:.0f} ms; "
          f"full county re-assessment {full_s:.2f} s (×{full_s / statistics.median(figures):.0f}); "
          f"session build {build_s:.2f} s")
    return {"whatif_median_ms": round(statistics.median(times) * 1e3, 1),
            "whatif_max_ms": round(max(times) * 1e3, 1),
            "whatif_median_cpu_ms": round(statistics.median(cpu) * 1e3, 1),
            "whatif_figures_median_ms": round(statistics.median(figures) * 1e3, 1),
            "whatif_figures_max_ms": round(max(figures) * 1e3, 1),
            "whatif_page_median_ms": round(statistics.median(page) * 1e3, 1),
            "whatif_page_max_ms": round(max(page) * 1e3, 1),
            "whatif_rescored_median": statistics.median(rescored), "full_assessment_s": round(full_s, 2),
            "ratio_full_vs_whatif": round(full_s / statistics.median(figures), 1),
            "whatif_build_s": round(build_s, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=400)
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--spacing", type=float, default=900.0, help="candidate spacing (m)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--nx-sample", type=int, default=40)
    parser.add_argument("--moves", type=int, default=8)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--only", choices=("all", "whatif"), default="all")
    args = parser.parse_args()
    settings = load_settings()
    network = NetworkConfig.from_settings(settings)
    start = time.perf_counter()
    graph = build_road_graph(county_roads(args.size), config=network)
    print(f"county graph: {graph.n_nodes} nodes, {graph.n_edges} directed edges ({time.perf_counter() - start:.1f} s)")
    layers = county_layers(graph, args.schools, args.posts, args.seed)
    limit = args.minutes * 60.0
    if args.only == "whatif":
        result = {"bench": "siting-whatif", "nodes": graph.n_nodes, "edges": graph.n_edges,
                  "schools": args.schools, "posts": args.posts, **whatif_bench(graph, layers, settings, args)}
        print("RESULT " + json.dumps(result))
        return 0

    cands = road_candidates(graph, spacing_m=args.spacing).sites
    sites, ok = snap_sites(graph, cands, config=network)
    sites = sites.subset(ok)
    gates = snap_gates(graph, layers["schools"], config=network)
    t0 = time.perf_counter()
    seconds = site_school_seconds(graph, sites, gates, peak="am", limit_s=limit)
    matrix_s = time.perf_counter() - t0
    nx_per, _ = networkx_matrix_seconds(graph, sites, gates.snapped, limit, args.nx_sample)
    nx_total = nx_per * len(sites)
    print(f"matrix {len(sites)} candidates × {args.schools} schools (T = {args.minutes:g} min): "
          f"ours {matrix_s:.2f} s, networkx per candidate {nx_per * 1e3:.1f} ms → {nx_total:.1f} s "
          f"(×{nx_total / matrix_s:.1f})")

    weights = layers["schools"]["enrollment"].to_numpy(float)
    cover = sp.csr_matrix(seconds <= limit)
    problem = CoverProblem(demand_ids=list(gates.school_ids), weights=weights,
                           fixed_covered=np.zeros(len(weights), bool), cover=cover,
                           candidate_ids=[str(i) for i in range(len(sites))])
    # the first call pays for importing scipy.optimize (~0.7 s on this machine) and HiGHS's first
    # start; spopt's imports are outside its timing too, so ours is the median of warm calls
    t0 = time.perf_counter()
    ours = solve_mclp(problem, args.k, time_limit=600)
    first_s = time.perf_counter() - t0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        again = solve_mclp(problem, args.k, time_limit=600)
        warm.append(time.perf_counter() - t0)
        assert again.objective == ours.objective
    ours_s = statistics.median(warm)
    t0 = time.perf_counter()
    reduced = reduce_problem(problem)
    reduce_s = time.perf_counter() - t0
    greedy = problem.value(problem.covered_by(greedy_mclp(problem, args.k)))

    import pulp
    from spopt.locate import MCLP

    cost = np.where(np.isfinite(seconds), seconds, 1e9).T.astype(float)   # clients × facilities
    t0 = time.perf_counter()
    peer = MCLP.from_cost_matrix(cost, weights, service_radius=limit, p_facilities=args.k)
    peer = peer.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=1200))
    peer_s = time.perf_counter() - t0
    peer_value = float(pulp.value(peer.problem.objective))
    print(f"MCLP: {problem.n_candidates} candidates × {problem.n_demands} schools, reduced exactly to "
          f"{len(reduced.candidates)} × {len(reduced.demands)} in {reduce_s * 1e3:.0f} ms")
    print(f"MCLP K={args.k}: ours {ours.objective:.0f} ({ours.status}, gap {ours.gap:.2g}) in {ours_s:.2f} s "
          f"warm (first call {first_s:.2f} s with the scipy.optimize import); "
          f"spopt {peer_value:.0f} in {peer_s:.2f} s (×{peer_s / ours_s:.1f}); greedy {greedy:.0f} "
          f"({greedy / ours.objective:.4f} of the optimum)")

    figures = whatif_bench(graph, layers, settings, args)
    result = {
        "bench": "siting", "nodes": graph.n_nodes, "edges": graph.n_edges, "schools": args.schools,
        "candidates": len(sites), "k": args.k, "minutes": args.minutes,
        "matrix_s": round(matrix_s, 3), "networkx_matrix_s_est": round(nx_total, 2),
        "ratio_matrix_vs_networkx": round(nx_total / matrix_s, 1),
        "mclp_s": round(ours_s, 3), "mclp_first_call_s": round(first_s, 3), "mclp_status": ours.status,
        "mclp_gap": ours.gap, "mclp_reduced": [len(reduced.candidates), len(reduced.demands)],
        "mclp_objective": ours.objective, "spopt_s": round(peer_s, 2), "spopt_objective": peer_value,
        "ratio_spopt_time": round(peer_s / ours_s, 1), "objective_equal": bool(abs(peer_value - ours.objective) < 1e-6),
        "greedy_ratio": round(greedy / ours.objective, 5),
        **figures,
    }
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
