"""Adapters to the two vehicle-routing libraries: PyVRP (default) and OR-Tools routing.

Both receive the same ``VrpInstance`` — an integer travel-time matrix, vehicles with a start
and end location and a working window, clients with a time window, a service duration, a
demand and either a prize (optional) or none (required) — and return, per vehicle, the
ordered client indices. Timing and checks are redone by ``gis.routing.schedule``.

Why PyVRP is the default: on our patrol instances and on Solomon RC208 at equal time limits
it finds equal or better plans (``bench/bench_routing.py`` prints the figures); its
prize-collecting model, multiple depots, time windows and service durations map one to one
onto the patrol problem, and an iteration cap makes a run reproducible for a seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gis.errors import ValidationError

SOLVERS = ("pyvrp", "ortools")
UNREACHABLE = 10**7  # seconds; far beyond any shift, far below the libraries' overflow limits


@dataclass
class VrpInstance:
    """A prize-collecting VRP with time windows over one integer matrix (seconds or any unit).

    Attributes
    ----------
    matrix : ndarray of int64
        Travel time between locations (also the cost).
    vehicle_locs : list of int
        Start = end location of each vehicle.
    horizon : tuple of int
        Vehicles leave no earlier than ``horizon[0]`` and are back by ``horizon[1]``.
    client_locs, tw_early, tw_late, service, demand : list of int
        Per client.
    prize : list of int or None
        ``None`` marks a required client; otherwise the prize collected when served.
    capacity : int
        Per vehicle, against ``demand``.
    """

    matrix: np.ndarray
    vehicle_locs: list[int]
    horizon: tuple[int, int]
    client_locs: list[int]
    tw_early: list[int]
    tw_late: list[int]
    service: list[int]
    demand: list[int]
    prize: list[int | None]
    capacity: int


def clean_matrix(matrix: np.ndarray) -> np.ndarray:
    """Round to whole seconds; ``inf``/NaN (no path) become ``UNREACHABLE``."""
    m = np.asarray(matrix, dtype=float)
    m = np.where(np.isfinite(m), np.round(m), UNREACHABLE)
    return np.minimum(m, UNREACHABLE).astype(np.int64)


def solve_vrp(instance: VrpInstance, *, solver: str = "pyvrp", time_limit: float = 10.0,
              seed: int = 42, max_iterations: int | None = None) -> list[list[int]]:
    """Solve and return, per vehicle, the ordered client indices (possibly empty).

    Parameters
    ----------
    solver : {"pyvrp", "ortools"}
    time_limit : float
        Seconds of search at most.
    seed : int
        PyVRP's random seed. OR-Tools' routing search has no seed; it is deterministic when it
        stops on ``max_iterations`` (a solution count) rather than on time.
    max_iterations : int, optional
        PyVRP iterations / OR-Tools solutions. When the search stops on this cap before the
        time limit, the result is the same on every run.
    """
    if solver == "pyvrp":
        return _solve_pyvrp(instance, time_limit=time_limit, seed=seed, max_iterations=max_iterations)
    if solver == "ortools":
        return _solve_ortools(instance, time_limit=time_limit, max_iterations=max_iterations)
    msg = f"未知求解器 {solver!r}，可选 {', '.join(SOLVERS)} / unknown solver {solver!r}"
    raise ValidationError(msg)


def _solve_pyvrp(inst: VrpInstance, *, time_limit: float, seed: int,
                 max_iterations: int | None) -> list[list[int]]:
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    n = inst.matrix.shape[0]
    locations = [pyvrp.Location(x=0.0, y=0.0) for _ in range(n)]
    depot_locs = sorted(set(inst.vehicle_locs))
    depots = [pyvrp.Depot(location=loc, tw_early=inst.horizon[0], tw_late=inst.horizon[1])
              for loc in depot_locs]
    clients = [
        pyvrp.Client(location=loc, delivery=[dem], service_duration=svc, tw_early=early,
                     tw_late=late, prize=0 if prize is None else int(prize), required=prize is None)
        for loc, dem, svc, early, late, prize in zip(
            inst.client_locs, inst.demand, inst.service, inst.tw_early, inst.tw_late, inst.prize,
            strict=True)
    ]
    vehicles_at: dict[int, list[int]] = {}
    for v, loc in enumerate(inst.vehicle_locs):
        vehicles_at.setdefault(loc, []).append(v)
    types, type_vehicles = [], []
    for d, loc in enumerate(depot_locs):
        types.append(pyvrp.VehicleType(
            num_available=len(vehicles_at[loc]), capacity=[inst.capacity], start_depot=d,
            end_depot=d, tw_early=inst.horizon[0], tw_late=inst.horizon[1]))
        type_vehicles.append(list(vehicles_at[loc]))
    matrix = inst.matrix.astype(np.int64)
    data = pyvrp.ProblemData(locations, clients, depots, types, [matrix], [matrix])
    criteria = [MaxRuntime(max(0.01, float(time_limit)))]
    if max_iterations:
        criteria.append(MaxIterations(int(max_iterations)))
    result = pyvrp.solve(data, MultipleCriteria(criteria), seed=int(seed), display=False,
                         collect_stats=False)
    routes: list[list[int]] = [[] for _ in inst.vehicle_locs]
    for route in result.best.routes():
        vehicle = type_vehicles[route.vehicle_type()].pop(0)
        routes[vehicle] = [act.idx for act in route.schedule() if act.is_client()]
    return routes


def _solve_ortools(inst: VrpInstance, *, time_limit: float,
                   max_iterations: int | None) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    depot_locs = sorted(set(inst.vehicle_locs))
    node_locs = depot_locs + list(inst.client_locs)  # one node per client
    n_dep = len(depot_locs)
    starts = [depot_locs.index(loc) for loc in inst.vehicle_locs]
    manager = pywrapcp.RoutingIndexManager(len(node_locs), len(inst.vehicle_locs), starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    matrix = inst.matrix
    service = [0] * n_dep + list(inst.service)
    demand = [0] * n_dep + list(inst.demand)

    def travel(i: int, j: int) -> int:
        return int(matrix[node_locs[manager.IndexToNode(i)], node_locs[manager.IndexToNode(j)]])

    def busy(i: int, j: int) -> int:
        return service[manager.IndexToNode(i)] + travel(i, j)

    cost_cb = routing.RegisterTransitCallback(travel)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitCallback(busy)
    h0, h1 = inst.horizon
    routing.AddDimension(time_cb, h1, h1, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    load_cb = routing.RegisterUnaryTransitCallback(lambda i: demand[manager.IndexToNode(i)])
    routing.AddDimensionWithVehicleCapacity(load_cb, 0, [inst.capacity] * len(inst.vehicle_locs),
                                            True, "load")
    for c in range(len(inst.client_locs)):
        index = manager.NodeToIndex(n_dep + c)
        time_dim.CumulVar(index).SetRange(int(inst.tw_early[c]), int(inst.tw_late[c]))
        if inst.prize[c] is not None:
            routing.AddDisjunction([index], int(inst.prize[c]))
    for v in range(len(inst.vehicle_locs)):
        time_dim.CumulVar(routing.Start(v)).SetRange(h0, h1)
        time_dim.CumulVar(routing.End(v)).SetRange(h0, h1)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    whole = max(0.01, float(time_limit))
    params.time_limit.seconds = int(whole)
    params.time_limit.nanos = int((whole - math.floor(whole)) * 1e9)
    if max_iterations:
        params.solution_limit = int(max_iterations)
    solution = routing.SolveWithParameters(params)
    routes: list[list[int]] = [[] for _ in inst.vehicle_locs]
    if solution is None:
        return routes
    for v in range(len(inst.vehicle_locs)):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            routes[v].append(manager.IndexToNode(index) - n_dep)
            index = solution.Value(routing.NextVar(index))
    return routes
