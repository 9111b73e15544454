"""Patrol routing benchmark: our plan vs a planner's hand plan, PyVRP vs OR-Tools, RC208 gap.

Instances
---------
* ``demo``: the guixi demo area (``python -m gis demo`` data in a temporary SQLite store), AM
  shift 07:00-08:10, 4 units, campus levels from ``gis.coverage``, travel times from the road
  engine at AM peak speeds.
* ``county``: a generated county — the synthetic road grid of ``bench/county_graph.py``
  (160 × 160 junctions, 120 m apart, ~19 km square) through the same road engine; 40 school
  gates at random junction-adjacent places (seeded), 5 police stations with vehicles,
  arrival windows 07:20-07:50 (kindergartens 07:30-08:00), 30 % weak/critical campuses
  (mandatory), the others optional with 20 + (100 - score) points.
* ``RC208``: Solomon's instance (``data/vrp/RC208.vrp``), distances truncated to one decimal
  (DIMACS convention, the one behind the best-known 776.1), solved through the same adapter.

Peers
-----
* ``hand``: what a planner does by hand — every school to the unit of its nearest post
  (round-robin between units of one post), each unit driving nearest-neighbour from its post,
  windows not consulted. We report windows met and travel.
* ``greedy``: a careful hand plan — nearest feasible stop next (mandatory first), checking
  windows and the shift end.
* PyVRP and OR-Tools (guided local search) at equal time limits.

Ends with one line ``RESULT {json}``.

    python bench/bench_routing.py [--time-limit 3] [--rc-time-limit 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint, Point

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis.routing.problem import PatrolProblem  # noqa: E402
from gis.routing.schedule import route_violations, time_route  # noqa: E402
from gis.routing.solve import solve_patrol  # noqa: E402
from gis.routing.solvers import VrpInstance, solve_vrp  # noqa: E402

T0 = 7 * 3600


# ---------------------------------------------------------------- peers: plans by hand
def hand_plan(problem: PatrolProblem) -> dict:
    """Nearest post's unit, nearest-neighbour order, windows ignored (counted afterwards)."""
    m = problem.matrix
    by_depot: dict[int, list[int]] = {}
    for u, unit in enumerate(problem.units):
        by_depot.setdefault(unit.depot, []).append(u)
    loads: dict[int, int] = {d: 0 for d in by_depot}
    orders: list[list[int]] = [[] for _ in problem.units]
    for i in range(len(problem.stops)):
        d = min(by_depot, key=lambda d: m[d, problem.stop_loc(i)])
        units = by_depot[d]
        orders[units[loads[d] % len(units)]].append(i)
        loads[d] += 1
    met, travel, late = 0, 0, 0
    for u, todo in enumerate(orders):
        here, left, seq = problem.units[u].depot, list(todo), []
        while left:
            nxt = min(left, key=lambda i: m[here, problem.stop_loc(i)])
            seq.append(nxt)
            left.remove(nxt)
            here = problem.stop_loc(nxt)
        timing = time_route(problem, u, seq)
        travel += timing.travel
        for v in timing.visits:
            ok = v.arrival <= problem.stops[v.stop].tw_late
            met += ok
            late += not ok
        late += timing.back > problem.shift[1]
    return {"stops_visited": len(problem.stops), "windows_met": met, "windows_missed": late,
            "travel_min": round(travel / 60, 1)}


def greedy_plan(problem: PatrolProblem) -> dict:
    """Nearest feasible next stop for the unit that is free first; mandatory stops first."""
    m = problem.matrix
    left = set(range(len(problem.stops)))
    orders: list[list[int]] = [[] for _ in problem.units]
    active = set(range(len(problem.units)))
    while active and left:
        u = min(active, key=lambda u: (time_route(problem, u, orders[u]).back, u))
        here = problem.stop_loc(orders[u][-1]) if orders[u] else problem.units[u].depot
        options = []
        for i in left:
            trial = time_route(problem, u, [*orders[u], i])
            if not route_violations(problem, trial):
                options.append((not problem.stops[i].mandatory, m[here, problem.stop_loc(i)], i))
        if not options:
            active.discard(u)
            continue
        orders[u].append(min(options)[2])
        left.discard(orders[u][-1])
    return summarize(problem, orders)


def summarize(problem: PatrolProblem, orders: list[list[int]]) -> dict:
    served = [i for o in orders for i in o]
    travel = sum(time_route(problem, u, o).travel for u, o in enumerate(orders) if o)
    bad = sum(len(route_violations(problem, time_route(problem, u, o))) for u, o in enumerate(orders))
    return {"served": len(served), "mandatory_served": sum(problem.stops[i].mandatory for i in served),
            "mandatory": sum(s.mandatory for s in problem.stops),
            "points": sum(problem.stops[i].points for i in served if not problem.stops[i].mandatory),
            "travel_min": round(travel / 60, 1), "windows_missed": bad}


def ours(problem: PatrolProblem, solver: str, time_limit: float) -> dict:
    t = time.perf_counter()
    sol = solve_patrol(problem, solver=solver, time_limit=time_limit, seed=1, max_iterations=None)
    out = summarize(problem, [[v.stop for v in r.visits] for r in sol.routes])
    out["seconds"] = round(time.perf_counter() - t, 2)
    return out


# ---------------------------------------------------------------- instances
def demo_problem() -> PatrolProblem:
    from gis.config import load_settings
    from gis.coverage import assess_campuses
    from gis.demo import load_demo
    from gis.network import load_road_graph
    from gis.routing.build import build_problem
    from gis.store import open_store

    tmp = Path(tempfile.mkdtemp()) / "bench.db"
    store = open_store(f"sqlite:///{tmp}")
    load_demo(store, area="guixi")
    layers = store.read_layers()
    settings = load_settings()
    graph = load_road_graph(layers["roads"], settings=settings, use_cache=False)
    assessment = assess_campuses(layers, graph=graph, settings=settings, peak="am")
    return build_problem(layers, graph=graph, settings=settings, window="am", units=4,
                         assessment=assessment)


def county_problem(n_schools: int = 40, n_posts: int = 5, seed: int = 7) -> PatrolProblem:
    from county_graph import county_roads

    from gis.config import load_settings
    from gis.network import load_road_graph
    from gis.routing.build import build_problem

    rng = np.random.default_rng(seed)
    roads = county_roads(160)
    settings = load_settings()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = load_road_graph(roads, settings=settings, use_cache=False)
    xmin, ymin, xmax, ymax = roads.total_bounds
    # schools clustered around the posts (towns), a few in the countryside
    posts_xy = rng.uniform([xmin + 0.15 * (xmax - xmin), ymin + 0.15 * (ymax - ymin)],
                           [xmax - 0.15 * (xmax - xmin), ymax - 0.15 * (ymax - ymin)], (n_posts, 2))
    town = rng.integers(0, n_posts, n_schools)
    spread = np.where(rng.random(n_schools) < 0.8, 0.012, 0.04)[:, None]
    schools_xy = posts_xy[town] + rng.normal(0, 1, (n_schools, 2)) * spread
    kinds = np.where(rng.random(n_schools) < 0.3, "kindergarten", "primary")
    schools = gpd.GeoDataFrame({"id": [f"s{i:02d}" for i in range(n_schools)],
                                "name": [f"县{i:02d}校" for i in range(n_schools)], "kind": kinds},
                               geometry=[MultiPoint([tuple(p)]) for p in schools_xy], crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": [f"p{k}" for k in range(n_posts)],
                              "name": [f"{k}所" for k in range(n_posts)], "kind": "station",
                              "vehicles": 2}, geometry=[Point(p) for p in posts_xy], crs="EPSG:4326")
    bells = {sid: "07:30-08:00" for sid, k in zip(schools["id"], kinds, strict=True)
             if k == "kindergarten"}
    score = rng.uniform(35, 98, n_schools)
    level = np.where(score < 50, "critical", np.where(score < 62, "weak", "good"))
    assessment = pd.DataFrame({"school_id": schools["id"], "score": score, "level": level})
    return build_problem({"schools": schools, "police_posts": posts}, graph=graph,
                         settings=settings, window="am", units=n_posts, assessment=assessment,
                         bell_windows=bells)


def read_rc(path: Path) -> tuple[VrpInstance, np.ndarray]:
    lines = path.read_text().splitlines()
    head = {k.strip(): v.strip() for k, v in (ln.split(":", 1) for ln in lines if " : " in ln)}
    sec: dict[str, list[list[float]]] = {}
    name = None
    for ln in lines:
        if ln.endswith("_SECTION"):
            name, sec[ln] = ln, []
        elif name and ln.strip() and ln.strip() not in ("EOF", "-1"):
            sec[name].append([float(v) for v in ln.split()])
    xy = np.array(sec["NODE_COORD_SECTION"])[:, 1:]
    demand = np.array(sec["DEMAND_SECTION"])[:, 1].astype(int)
    tw = np.array(sec["TIME_WINDOW_SECTION"])[:, 1:].astype(int)
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    matrix = np.floor(dist * 10).astype(np.int64)  # DIMACS: one decimal, truncated
    service = int(head["SERVICE_TIME"]) * 10
    n = len(xy) - 1
    inst = VrpInstance(matrix=matrix, vehicle_locs=[0] * int(head["VEHICLES"]),
                       horizon=(int(tw[0, 0]) * 10, int(tw[0, 1]) * 10),
                       client_locs=list(range(1, n + 1)), tw_early=list(tw[1:, 0] * 10),
                       tw_late=list(tw[1:, 1] * 10), service=[service] * n,
                       demand=list(demand[1:]), prize=[None] * n, capacity=int(head["CAPACITY"]))
    return inst, matrix


def rc_cost(routes: list[list[int]], matrix: np.ndarray) -> float:
    """Cost of routes given as location indices (depot 0)."""
    total = 0
    for r in routes:
        if r:
            seq = [0, *r, 0]
            total += sum(matrix[a, b] for a, b in zip(seq[:-1], seq[1:], strict=True))
    return total / 10


def rc_feasible(inst: VrpInstance, routes: list[list[int]]) -> bool:
    seen = sorted(i for r in routes for i in r)
    if seen != list(range(len(inst.client_locs))):
        return False
    for r in routes:
        clock, here, load = inst.horizon[0], 0, 0
        for c in r:
            clock = max(clock + inst.matrix[here, inst.client_locs[c]], inst.tw_early[c])
            if clock > inst.tw_late[c]:
                return False
            clock += inst.service[c]
            here, load = inst.client_locs[c], load + inst.demand[c]
        if load > inst.capacity or clock + inst.matrix[here, 0] > inst.horizon[1]:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--rc-time-limit", type=float, default=5.0)
    args = parser.parse_args()
    result: dict = {"time_limit_s": args.time_limit, "rc_time_limit_s": args.rc_time_limit}
    for name, build in (("demo", demo_problem), ("county", county_problem)):
        t = time.perf_counter()
        problem = build()
        entry = {"stops": len(problem.stops), "units": len(problem.units),
                 "build_s": round(time.perf_counter() - t, 1),
                 "hand": hand_plan(problem), "greedy": greedy_plan(problem)}
        for solver in ("pyvrp", "ortools"):
            entry[solver] = ours(problem, solver, args.time_limit)
        g, pv = entry["greedy"], entry["pyvrp"]
        entry["pyvrp_vs_greedy"] = {"extra_stops": pv["served"] - g["served"],
                                    "extra_points": pv["points"] - g["points"],
                                    "travel_per_stop_ratio": round(
                                        (pv["travel_min"] / max(pv["served"], 1))
                                        / max(g["travel_min"] / max(g["served"], 1), 1e-9), 3)}
        result[name] = entry
        print(f"[{name}] {len(problem.stops)} stops, {len(problem.units)} units")
        for k in ("hand", "greedy", "pyvrp", "ortools"):
            print(f"  {k:8s} {entry[k]}")
    inst, matrix = read_rc(ROOT / "data" / "vrp" / "RC208.vrp")
    bks_routes = [[int(v) for v in ln.split(":")[1].split()]  # VRPLIB: client k = location k
                  for ln in (ROOT / "data" / "vrp" / "RC208.sol").read_text().splitlines()
                  if ln.startswith("Route")]
    rc = {"bks": 776.1, "bks_recomputed": round(float(rc_cost(bks_routes, matrix)), 1)}
    for solver in ("pyvrp", "ortools"):
        t = time.perf_counter()
        routes = solve_vrp(inst, solver=solver, time_limit=args.rc_time_limit, seed=1)
        cost = rc_cost([[inst.client_locs[c] for c in r] for r in routes], matrix)
        rc[solver] = {"cost": round(float(cost), 1), "feasible": rc_feasible(inst, routes),
                      "routes": sum(1 for r in routes if r),
                      "gap_pct": round(float(100 * (cost - 776.1) / 776.1), 2),
                      "seconds": round(time.perf_counter() - t, 2)}
        print(f"[RC208] {solver}: {rc[solver]}")
    result["rc208"] = rc
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
