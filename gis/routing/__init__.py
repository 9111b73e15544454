"""Peak-hour patrol routing: problem building, solver adapters (PyVRP default, OR-Tools), timing.

Public API (see docs/INTERFACES.md)::

    plan = plan_patrols(layers, graph=graph, settings=settings, window="am", units=4,
                        assessment=assess_campuses(layers, graph=graph, settings=settings))
    plan.schedule_frame(); plan.unserved_frame(); plan.routes_gdf(); plan.summary()

    problem = build_problem(layers, graph=graph, window="07:00-08:10", units=4)
    solution = solve_patrol(problem, solver="pyvrp", time_limit=10, seed=42)

Times are integer seconds since midnight inside, ``HH:MM`` in tables; geometry EPSG:4326.
"""

from gis.routing.build import RoadTravel, RoutingConfig, build_problem
from gis.routing.plan import PatrolPlan, plan_patrols
from gis.routing.problem import Depot, PatrolProblem, Stop, Unit
from gis.routing.solve import PatrolSolution, Unserved, solve_patrol

__all__ = [
    "Depot", "PatrolPlan", "PatrolProblem", "PatrolSolution", "RoadTravel", "RoutingConfig",
    "Stop", "Unit", "Unserved", "build_problem", "plan_patrols", "solve_patrol",
]
