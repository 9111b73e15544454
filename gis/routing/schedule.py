"""Timing of a route, and the checks that find stops no unit can serve.

Both are computed here from the problem's matrix, whatever solver chose the order, so every
plan is timed the same way and a solver's mistake cannot slip through.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis.routing.problem import PatrolProblem
from gis.timewindows import format_clock


@dataclass(frozen=True)
class Timing:
    """When a unit reaches one stop (seconds since midnight) and what the leg cost."""

    stop: int
    travel: int
    arrival: int
    wait: int
    start: int
    departure: int


@dataclass(frozen=True)
class RouteTiming:
    """A timed route: leave the post, the stops, come back."""

    unit: int
    leave: int
    visits: tuple[Timing, ...]
    back_travel: int
    back: int

    @property
    def travel(self) -> int:
        return sum(v.travel for v in self.visits) + self.back_travel

    @property
    def wait(self) -> int:
        return sum(v.wait for v in self.visits)

    @property
    def dwell(self) -> int:
        return sum(v.departure - v.start for v in self.visits)


def _leg(problem: PatrolProblem, a: int, b: int) -> float:
    value = problem.matrix[a, b]
    return float(value) if np.isfinite(value) else float("inf")


def time_route(problem: PatrolProblem, unit: int, order: list[int]) -> RouteTiming:
    """Time a route: earliest arrivals, waiting before a window opens, the dwell, the return.

    The unit leaves its post at the shift start, but no earlier than needed: the wait the
    first stop would cause is spent at the post instead. Times are whole seconds; a window
    that cannot be met shows as an arrival after ``tw_late`` (see ``route_violations``).

    Parameters
    ----------
    unit : int
        Index into ``problem.units``.
    order : list of int
        Stop indices in visiting order.
    """
    depot = problem.units[unit].depot
    first_wait = 0
    if order:
        first = problem.stops[order[0]]
        reach = problem.shift[0] + _leg(problem, depot, problem.stop_loc(order[0]))
        first_wait = max(0, int(first.tw_early - reach)) if np.isfinite(reach) else 0
    leave = problem.shift[0] + first_wait
    clock, here, visits = leave, depot, []
    for i in order:
        stop = problem.stops[i]
        travel = _leg(problem, here, problem.stop_loc(i))
        travel = int(round(travel)) if np.isfinite(travel) else 10**9
        arrival = clock + travel
        start = max(arrival, stop.tw_early)
        departure = start + stop.dwell
        visits.append(Timing(i, travel, arrival, start - arrival, start, departure))
        clock, here = departure, problem.stop_loc(i)
    back = _leg(problem, here, depot)
    back_travel = int(round(back)) if np.isfinite(back) else 10**9
    return RouteTiming(unit, leave, tuple(visits), back_travel, clock + back_travel)


def route_violations(problem: PatrolProblem, timing: RouteTiming) -> list[int]:
    """Stop indices of a timed route whose arrival misses the window (late) or that make
    the unit return after the shift end (the last stops are blamed first)."""
    late = [v.stop for v in timing.visits if v.arrival > problem.stops[v.stop].tw_late]
    if late:
        return late
    if timing.back > problem.shift[1] and timing.visits:
        return [timing.visits[-1].stop]
    return []


def precheck_stops(problem: PatrolProblem) -> dict[int, tuple[str, str]]:
    """Find stops that no unit can serve whatever the others do, with the reason in zh and en.

    A stop is unservable when its window misses the shift, when no post has a road path to
    it, when the earliest arrival from any unit's post (leaving at the shift start) is after
    the window's end, or when after the dwell no unit can be back at its post by the shift end.

    Returns
    -------
    dict
        Stop index → ``(reason_zh, reason_en)``.
    """
    start, end = problem.shift
    depots = sorted({u.depot for u in problem.units})
    out: dict[int, tuple[str, str]] = {}
    for i, stop in enumerate(problem.stops):
        loc = problem.stop_loc(i)
        late, early = format_clock(stop.tw_late), format_clock(stop.tw_early)
        if stop.tw_late < start or stop.tw_early > end:
            out[i] = (f"到达时段 {early}-{late} 不在巡逻时段 {format_clock(start)}-{format_clock(end)} 内",
                      f"arrival window {early}-{late} lies outside the shift "
                      f"{format_clock(start)}-{format_clock(end)}")
            continue
        go = np.array([_leg(problem, d, loc) for d in depots])
        if not np.isfinite(go).any():
            out[i] = ("道路网络上没有从任何警务点通往此处的路径",
                      "no road path from any police post to this place")
            continue
        arrival = start + go.min()
        if arrival > stop.tw_late:
            out[i] = (f"从任何警务点出发均无法在 {late} 前到达（最早 {format_clock(arrival)}）",
                      f"no police post can reach it before {late} (earliest {format_clock(arrival)})")
            continue
        returns = [start + g if np.isfinite(g) else np.inf for g in go]
        finish = min(max(r, stop.tw_early) + stop.dwell + _leg(problem, loc, d)
                     for r, d in zip(returns, depots, strict=True))
        if finish > end:
            out[i] = (f"停留 {stop.dwell // 60} 分钟后无法在 {format_clock(end)} 前返回任何警务点",
                      f"after a {stop.dwell // 60}-minute dwell no unit can be back at its post "
                      f"by {format_clock(end)}")
    return out
