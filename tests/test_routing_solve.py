"""Patrol solving on small hand-built instances whose optimum is known or enumerated."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gis.errors import ValidationError
from gis.routing.problem import Depot, PatrolProblem, Stop, Unit
from gis.routing.solve import solve_patrol
from gis.timewindows import format_clock, parse_clock, parse_window

T0 = 7 * 3600  # 07:00


def line_problem(xs: list[float], windows: list[tuple[int, int]], *, units: int = 1,
                 dwell: int = 0, shift: tuple[int, int] = (T0, T0 + 7200), **stop_kw) -> PatrolProblem:
    """One post at x=0 and stops on a straight road at ``xs`` (seconds of driving from it)."""
    pos = np.array([0.0, *xs])
    matrix = np.abs(pos[:, None] - pos[None, :])
    stops = [Stop(id=f"s{i}", name=f"站点{i}", kind="school", tw_early=T0 + a, tw_late=T0 + b,
                  dwell=dwell, **stop_kw) for i, (a, b) in enumerate(windows)]
    return PatrolProblem(depots=[Depot("p", "派出所")],
                         units=[Unit(f"u{k}", f"巡逻{k + 1}组", 0) for k in range(units)],
                         stops=stops, matrix=matrix, shift=shift)


@pytest.mark.parametrize("solver", ["pyvrp", "ortools"])
def test_windows_force_the_only_optimal_order(solver):
    # C (400 s west) must be reached by +500 s; A (300 s east) by +1200; B (600 s east) not
    # before +1500. The unique optimum is C, A, B: 400 + 700 + 300 + 600 = 2000 s of driving.
    problem = line_problem([300, 600, -400], [(0, 1200), (1500, 5000), (0, 500)], mandatory=True)
    sol = solve_patrol(problem, solver=solver, time_limit=2, seed=1)
    route = sol.routes[0]
    assert [v.stop for v in route.visits] == [2, 0, 1]
    assert route.travel == 2000
    assert [v.arrival - T0 for v in route.visits] == [400, 1100, 1400]
    assert route.visits[2].wait == 100 and route.visits[2].start == T0 + 1500
    assert route.back == T0 + 2100 and sol.unserved == []


def brute_force_best(problem: PatrolProblem) -> int:
    """Least travel of a single unit serving every stop inside its window, by enumeration."""
    best = None
    n = len(problem.stops)
    for order in itertools.permutations(range(n)):
        clock, here, travel, ok = problem.shift[0], 0, 0, True
        for i in order:
            leg = problem.matrix[here, 1 + i]
            clock, travel = clock + leg, travel + leg
            stop = problem.stops[i]
            if clock > stop.tw_late:
                ok = False
                break
            clock = max(clock, stop.tw_early) + stop.dwell
            here = 1 + i
        travel += problem.matrix[here, 0]
        if ok and clock + problem.matrix[here, 0] <= problem.shift[1] and (best is None or travel < best):
            best = travel
    return best


@pytest.mark.parametrize("seed", [3, 11])
def test_matches_enumerated_optimum_on_random_plane(seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 600, size=(7, 2))  # post + 6 stops, seconds of driving on a plane
    matrix = np.round(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    stops = []
    for i in range(6):
        a = int(rng.integers(0, 2400))
        stops.append(Stop(f"s{i}", f"学校{i}", "school", T0 + a, T0 + a + 1500, 300, mandatory=True))
    problem = PatrolProblem([Depot("p", "派出所")], [Unit("u", "巡逻1组", 0)], stops, matrix,
                            (T0, T0 + 6 * 3600), max_stops_per_unit=6)
    best = brute_force_best(problem)
    assert best is not None
    sol = solve_patrol(problem, solver="pyvrp", time_limit=3, seed=seed)
    assert sol.unserved == [] and sol.total_travel() == int(best)


def test_unreachable_window_is_reported_with_reason_before_solving():
    # a school 3000 s away whose window ends 1800 s after the shift starts
    problem = line_problem([300, 3000], [(0, 1800), (0, 1800)], mandatory=True)
    sol = solve_patrol(problem, time_limit=1)
    assert sol.served == [0]
    (gone,) = sol.unserved
    assert gone.stop == 1 and gone.stage == "precheck"
    assert gone.reason_zh.startswith("从任何警务点出发均无法在 07:30 前到达")
    assert "earliest 07:50" in gone.reason_en


def test_window_outside_shift_and_no_return_are_reported():
    shift = (T0, T0 + 1800)
    problem = line_problem([100, 800], [(3600, 4000), (0, 900)], dwell=600, shift=shift)
    sol = solve_patrol(problem, time_limit=1)
    reasons = {u.stop: u.reason_zh for u in sol.unserved}
    assert "不在巡逻时段" in reasons[0]
    assert "无法在 07:30 前返回" in reasons[1]  # 800 + 600 + 800 > 1800


def test_too_few_units_reports_unserved_mandatory_stop():
    # two stops on opposite sides, both due within 500 s: one unit can serve only one
    problem = line_problem([-400, 400], [(0, 500), (0, 500)], mandatory=True)
    sol = solve_patrol(problem, time_limit=1)
    assert len(sol.served) == 1
    (gone,) = sol.unserved
    assert gone.stage == "solve" and "警力不足" in gone.reason_zh
    two = solve_patrol(line_problem([-400, 400], [(0, 500), (0, 500)], units=2, mandatory=True),
                       time_limit=1)
    assert sorted(two.served) == [0, 1] and two.unserved == []


@pytest.mark.parametrize("solver", ["pyvrp", "ortools"])
def test_mandatory_first_then_points_then_travel(solver):
    # Only one of the two far stops fits: the mandatory one wins over a 90-point optional one;
    # the cheap 5-point stop is still taken because any point outweighs travel time.
    pos = [-900, 900, 100]
    windows = [(0, 1000), (0, 1000), (0, 5000)]
    problem = line_problem(pos, windows)
    stops = [problem.stops[0].__class__(**{**problem.stops[0].__dict__, "mandatory": True}),
             problem.stops[1].__class__(**{**problem.stops[1].__dict__, "points": 90}),
             problem.stops[2].__class__(**{**problem.stops[2].__dict__, "points": 5})]
    problem = PatrolProblem(problem.depots, problem.units, stops, problem.matrix, problem.shift)
    sol = solve_patrol(problem, solver=solver, time_limit=2)
    assert sorted(sol.served) == [0, 2]
    assert [u.stop for u in sol.unserved] == [1]


def test_same_seed_same_plan():
    rng = np.random.default_rng(5)
    pts = rng.uniform(0, 900, size=(13, 2))
    matrix = np.round(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    stops = [Stop(f"s{i}", f"学校{i}", "school", T0 + 1200, T0 + 3000, 300, points=int(i % 4 + 1))
             for i in range(11)]
    depots = [Depot("a", "甲所"), Depot("b", "乙所")]
    units = [Unit("u1", "1组", 0), Unit("u2", "2组", 1), Unit("u3", "3组", 0)]
    problem = PatrolProblem(depots, units, stops, matrix, (T0, T0 + 4200))
    first = solve_patrol(problem, time_limit=5, seed=7, max_iterations=400)
    again = solve_patrol(problem, time_limit=5, seed=7, max_iterations=400)
    assert [[v.stop for v in r.visits] for r in first.routes] == \
        [[v.stop for v in r.visits] for r in again.routes]


def test_clock_and_window_parsing():
    assert parse_clock("07:20") == 7 * 3600 + 1200
    assert format_clock(7 * 3600 + 1259) == "07:20"
    assert parse_window("am", named={"am": "07:00-08:10"}) == (25200, 29400)
    assert parse_window("16:30–17:10") == (59400, 61800)
    with pytest.raises(ValidationError, match="HH:MM"):
        parse_window("7点到8点")
    with pytest.raises(ValidationError, match="晚于"):
        parse_window("08:00-07:00")
