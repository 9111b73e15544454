"""Solve a ``PatrolProblem``: precheck, objective weights, solver call, timing, and reasons.

Objective (by prize weights, see ``prize_weights``): serve every mandatory stop, then collect
as many priority points as possible, then spend the least total travel time. Workload is
balanced by a cap on stops per unit (``PatrolProblem.unit_cap``) and by the shift length
every route must fit in. Mandatory stops are modelled as optional with a prize larger
than everything else together, so a plan always comes back and an unserved mandatory stop
is *reported* with its reason instead of making the whole plan fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gis.routing.problem import PatrolProblem
from gis.routing.schedule import RouteTiming, precheck_stops, route_violations, time_route
from gis.routing.solvers import VrpInstance, clean_matrix, solve_vrp
from gis.timewindows import format_clock


@dataclass(frozen=True)
class Unserved:
    """A stop left out of the plan, and why (zh and en)."""

    stop: int
    reason_zh: str
    reason_en: str
    stage: str  # "precheck" (before solving) or "solve"


@dataclass
class PatrolSolution:
    """Per unit a timed route; the unserved stops with reasons; what produced them."""

    routes: list[RouteTiming]
    unserved: list[Unserved]
    solver: str
    seed: int
    time_limit: float
    stats: dict = field(default_factory=dict)

    @property
    def served(self) -> list[int]:
        return [v.stop for r in self.routes for v in r.visits]

    def total_travel(self) -> int:
        """Seconds driven by all units."""
        return sum(r.travel for r in self.routes if r.visits)


POINT_SECONDS = 600  # one priority point is worth ten minutes of driving


def prize_weights(problem: PatrolProblem, candidates: list[int]) -> dict[int, int]:
    """Prize per candidate stop.

    An optional stop earns ``points × POINT_SECONDS``: with 20–100 points a school is worth
    hours of driving, so the solver serves as many points as fit and only then saves travel.
    A mandatory stop earns more than every optional stop together plus the longest possible
    driving: the solver serves all mandatory stops it can, and a plan always comes back even
    when too few units make that impossible (the rest are reported). Prizes stay within a
    few orders of magnitude of travel times: far larger ones stall PyVRP's penalty search.
    """
    optional = {i: max(1, problem.stops[i].points) * POINT_SECONDS for i in candidates
                if not problem.stops[i].mandatory}
    travel_bound = len(problem.units) * max(1, problem.shift[1] - problem.shift[0])
    mandatory_prize = sum(optional.values()) + travel_bound + 1
    return {i: optional.get(i, mandatory_prize) for i in candidates}


def to_instance(problem: PatrolProblem, candidates: list[int]) -> VrpInstance:
    """The solver's view of the candidate stops (client ``k`` is stop ``candidates[k]``)."""
    prizes = prize_weights(problem, candidates)
    stops = [problem.stops[i] for i in candidates]
    return VrpInstance(
        matrix=clean_matrix(problem.matrix),
        vehicle_locs=[u.depot for u in problem.units],
        horizon=(int(problem.shift[0]), int(problem.shift[1])),
        client_locs=[problem.stop_loc(i) for i in candidates],
        tw_early=[int(s.tw_early) for s in stops],
        tw_late=[int(s.tw_late) for s in stops],
        service=[int(s.dwell) for s in stops],
        demand=[1] * len(stops),
        prize=[prizes[i] for i in candidates],
        capacity=problem.unit_cap(),
    )


def solve_patrol(problem: PatrolProblem, *, solver: str = "pyvrp", time_limit: float = 10.0,
                 seed: int = 42, max_iterations: int | None = 3000) -> PatrolSolution:
    """Plan the patrols of ``problem``.

    Parameters
    ----------
    solver : {"pyvrp", "ortools"}
    time_limit : float
        Seconds of search at most.
    seed : int
        Random seed; with ``max_iterations`` reached first the plan is reproducible.
    max_iterations : int, optional
        Iteration cap of the search (see ``gis.routing.solvers.solve_vrp``).

    Returns
    -------
    PatrolSolution
        Routes timed by ``time_route``; every stop not in a route is in ``unserved``.
    """
    rejected = precheck_stops(problem)
    unserved = [Unserved(i, zh, en, "precheck") for i, (zh, en) in sorted(rejected.items())]
    candidates = [i for i in range(len(problem.stops)) if i not in rejected]
    orders: list[list[int]] = [[] for _ in problem.units]
    if candidates:
        orders = _solve_orders(problem, candidates, solver=solver, time_limit=time_limit,
                               seed=seed, max_iterations=max_iterations)
    routes = []
    for u, order in enumerate(orders):
        timing = time_route(problem, u, order)
        while bad := route_violations(problem, timing):  # a solver slip is reported, not hidden
            for i in bad:
                unserved.append(_late_reason(problem, i))
            order = [i for i in order if i not in bad]
            timing = time_route(problem, u, order)
        routes.append(timing)
    served = {v.stop for r in routes for v in r.visits}
    for i in candidates:
        if i not in served and all(x.stop != i for x in unserved):
            unserved.append(_left_out_reason(problem, i))
    solution = PatrolSolution(routes, unserved, solver, seed, time_limit)
    stop_set = problem.stops
    solution.stats = {
        "stops": len(stop_set), "served": len(served),
        "mandatory": sum(s.mandatory for s in stop_set),
        "mandatory_served": sum(stop_set[i].mandatory for i in served),
        "points": sum(stop_set[i].points for i in served if not stop_set[i].mandatory),
        "travel_s": solution.total_travel(),
    }
    return solution


def _solve_orders(problem: PatrolProblem, candidates: list[int], **options) -> list[list[int]]:
    raw = solve_vrp(to_instance(problem, candidates), **options)
    return [[candidates[k] for k in route] for route in raw]


def _late_reason(problem: PatrolProblem, i: int) -> Unserved:
    late = format_clock(problem.stops[i].tw_late)
    return Unserved(i, f"求解器未找到能在 {late} 前到达的安排", f"the solver found no route arriving "
                    f"before {late}", "solve")


def _left_out_reason(problem: PatrolProblem, i: int) -> Unserved:
    stop = problem.stops[i]
    if stop.mandatory:
        return Unserved(i, f"警力不足：{len(problem.units)} 个巡逻单位在时段内无法兼顾所有必到点，需增派警力",
                        f"not enough units: {len(problem.units)} units cannot cover every mandatory "
                        "stop inside the windows; add units", "solve")
    return Unserved(i, "非必到点，时段内警力已安排到更优先的点位",
                    "optional stop; the units' time went to higher-priority stops", "solve")
