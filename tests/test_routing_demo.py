"""Patrol plans on the guixi demo area, re-walked leg by leg on the road graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from gis.coverage import assess_campuses
from gis.network import load_road_graph, route_between
from gis.routing.plan import plan_patrols

TOL_S = 3  # whole-second rounding per leg


@pytest.fixture(scope="module")
def demo(demo_layers, tmp_path_factory):
    from gis.config import load_settings

    settings = load_settings()
    graph = load_road_graph(demo_layers["roads"], settings=settings, use_cache=False)
    assessment = assess_campuses(demo_layers, graph=graph, settings=settings, peak="am")
    plan = plan_patrols(demo_layers, graph=graph, settings=settings, window="am", units=4,
                        assessment=assessment, time_limit=3, seed=1, max_iterations=1500)
    return {"layers": demo_layers, "graph": graph, "assessment": assessment, "plan": plan,
            "settings": settings}


def rewalk(plan, graph, peak):
    """Recompute every leg with the engine's route_between and check windows and shift end."""
    p = plan.problem
    assert sum(len(r.visits) for r in plan.solution.routes) >= 10
    for route in plan.solution.routes:
        if not route.visits:
            continue
        depot = p.depots[p.units[route.unit].depot]
        places = [Point(depot.lon, depot.lat)] + \
            [Point(p.stops[v.stop].lon, p.stops[v.stop].lat) for v in route.visits]
        places.append(places[0])
        clock = route.leave
        for n, (a, b) in enumerate(zip(places[:-1], places[1:], strict=True)):
            _, seconds = route_between(graph, a, b, peak=peak)  # the engine, leg by leg
            clock += seconds
            if n == len(route.visits):
                assert abs(route.back - clock) <= TOL_S * (n + 1)
                assert clock <= p.shift[1] + TOL_S * (n + 1)  # back before the shift ends
                break
            visit = route.visits[n]
            stop = p.stops[visit.stop]
            assert abs(visit.arrival - clock) <= TOL_S * (n + 1)
            assert clock <= stop.tw_late + TOL_S * (n + 1), stop.name
            clock = max(clock, stop.tw_early) + stop.dwell
            assert visit.start >= stop.tw_early


def test_every_route_rewalked_on_the_road_graph_meets_its_windows(demo):
    rewalk(demo["plan"], demo["graph"], "am")


def test_ortools_plan_rewalked_too(demo):
    plan = plan_patrols(demo["layers"], graph=demo["graph"], settings=demo["settings"], window="pm",
                        units=3, assessment=demo["assessment"], solver="ortools", time_limit=2)
    assert plan.solution.solver == "ortools" and plan.solution.served
    rewalk(plan, demo["graph"], "pm")


def test_leg_paths_follow_road_nodes_at_networkx_shortest_time(demo):
    # The path drawn between two stops is a shortest path: the node-to-node part of each leg
    # costs what networkx's Dijkstra finds between its first and last road node.
    plan, graph = demo["plan"], demo["graph"]
    g = graph.to_networkx(peak="am")
    xy = graph.node_xy
    to_local = graph.to_local()
    checked = 0
    for legs in plan.legs:
        for line in legs:
            x, y = to_local.transform(*np.asarray(line.coords).T)
            nodes = [int(np.argmin(np.hypot(xy[:, 0] - px, xy[:, 1] - py))) for px, py in
                     zip(x[2:-2], y[2:-2], strict=True)]
            nodes = [n for i, n in enumerate(nodes) if i == 0 or n != nodes[i - 1]]
            if len(nodes) < 2:
                continue
            walked = sum(g[u][v]["time"] for u, v in zip(nodes[:-1], nodes[1:], strict=True))
            best = nx.shortest_path_length(g, nodes[0], nodes[-1], weight="time")
            assert walked == pytest.approx(best, rel=1e-6, abs=1e-6)
            checked += 1
    assert checked >= 5


def test_weak_and_critical_schools_are_served_or_explained(demo):
    plan, assessment = demo["plan"], demo["assessment"]
    weak = set(assessment.loc[assessment["level"].isin(["weak", "critical"]), "school_id"])
    assert weak, "the demo has weak campuses"
    served = {plan.problem.stops[i].ref_id for i in plan.solution.served}
    explained = {plan.problem.stops[u.stop].ref_id: u.reason_zh for u in plan.solution.unserved}
    for sid in weak:
        assert sid in served or explained.get(sid)
    stops = {s.id for s in plan.problem.stops}
    listed = set(plan.schedule_frame()["stop_id"]) | set(plan.unserved_frame()["stop_id"])
    assert listed == stops  # nothing silently dropped
    assert plan.summary()["mandatory_total"] == sum(s.mandatory for s in plan.problem.stops)


def test_sensitive_risk_sites_never_become_stops(demo):
    risk = demo["layers"]["risk_sites"]
    sensitive = risk.loc[risk["sensitive"].fillna(False).astype(bool) | (risk["category"] == "person"), "id"]
    ids = {s.ref_id for s in demo["plan"].problem.stops if s.kind == "risk_site"}
    assert not ids & set(sensitive)


def test_unreachable_bell_window_is_reported_with_its_reason(demo):
    layers = demo["layers"]
    sid = str(layers["schools"]["id"].iloc[0])
    plan = plan_patrols(layers, graph=demo["graph"], settings=demo["settings"], window="am",
                        units=2, time_limit=1, include_risk_sites=False,
                        bell_windows={sid: "07:00-07:01"})
    (item,) = [u for u in plan.solution.unserved if plan.problem.stops[u.stop].ref_id == sid]
    assert item.stage == "precheck"
    assert item.reason_zh.startswith("从任何警务点出发均无法在 07:01 前到达")
    assert "no police post can reach it before 07:01" in item.reason_en


def test_dismissal_shift_uses_dismissal_bells_and_pm_speeds(demo):
    plan = plan_patrols(demo["layers"], graph=demo["graph"], settings=demo["settings"],
                        window="pm", units=3, time_limit=1, include_risk_sites=False)
    assert plan.problem.peak == "pm" and plan.problem.meta["bell"] == "dismissal"
    for s in plan.problem.stops:
        assert 16 * 3600 <= s.tw_early < s.tw_late <= 17 * 3600 + 30 * 60
