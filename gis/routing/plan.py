"""``plan_patrols``: the whole chain — problem, solve, road paths — and the plan's tables.

A ``PatrolPlan`` holds the problem, the timed solution and, per unit, the road path of every
leg (post → stop 1 → … → post). Its tables feed the page, the CLI and ``gis.reports``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiLineString, Point

from gis.config import Settings
from gis.errors import NoPathError
from gis.routing.build import BELL_ZH, LEVEL_ZH, RoutingConfig, TravelModel, build_problem
from gis.routing.problem import PatrolProblem
from gis.routing.solve import PatrolSolution, solve_patrol
from gis.timewindows import format_clock, format_window

SCHEDULE_COLUMNS = ("unit_id", "unit", "post", "seq", "stop_id", "name", "kind", "level",
                    "mandatory", "window", "arrival", "wait_min", "dwell_min", "departure",
                    "travel_min", "task_zh", "task_en", "lon", "lat")


@dataclass
class PatrolPlan:
    """A solved patrol plan with road geometry.

    Attributes
    ----------
    legs : list of list of LineString
        Per unit, the road path of each leg in EPSG:4326 (``len(visits) + 1`` legs, none for
        an idle unit).
    leg_seconds : list of list of float
        The engine's own seconds for each leg, as returned with the path.
    """

    problem: PatrolProblem
    solution: PatrolSolution
    legs: list[list[LineString]] = field(default_factory=list)
    leg_seconds: list[list[float]] = field(default_factory=list)
    generated_at: str = ""
    data_version: str = ""
    duty_date: str = ""

    def schedule_frame(self) -> pd.DataFrame:
        """One row per visit, in unit then visiting order; times ``HH:MM``, durations minutes."""
        p, rows = self.problem, []
        for route in self.solution.routes:
            unit = p.units[route.unit]
            post = p.depots[unit.depot].name
            for seq, v in enumerate(route.visits, start=1):
                s = p.stops[v.stop]
                rows.append({
                    "unit_id": unit.id, "unit": unit.name, "post": post, "seq": seq,
                    "stop_id": s.id, "name": s.name, "kind": s.kind, "level": s.level or "",
                    "mandatory": s.mandatory, "window": format_window((s.tw_early, s.tw_late)),
                    "arrival": format_clock(v.arrival), "wait_min": round(v.wait / 60, 1),
                    "dwell_min": round((v.departure - v.start) / 60, 1),
                    "departure": format_clock(v.departure), "travel_min": round(v.travel / 60, 1),
                    "task_zh": s.task_zh, "task_en": s.task_en, "lon": s.lon, "lat": s.lat})
        return pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS))

    def display_frames(self, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Schedule and unserved tables with zh (or en) headers, for the page."""
        en = lang == "en"
        sched = {"unit": "单位", "seq": "序号", "name": "地点", "window": "到达时段", "arrival": "预计到达",
                 "wait_min": "等候", "dwell_min": "停留", "departure": "离开",
                 "task_en" if en else "task_zh": "任务"}
        missed = {"name": "地点", "mandatory": "必到", "window": "到达时段",
                  "reason_en" if en else "reason_zh": "原因"}
        if en:
            sched = {k: k.replace("_min", " (min)").replace("_en", "") for k in sched}
            missed = {k: k.replace("_en", "") for k in missed}
        a, b = self.schedule_frame(), self.unserved_frame()
        return a[list(sched)].rename(columns=sched), b[list(missed)].rename(columns=missed)

    def unserved_frame(self) -> pd.DataFrame:
        """Stops left out, with the reason in zh and en."""
        p = self.problem
        rows = [{"stop_id": p.stops[u.stop].id, "name": p.stops[u.stop].name,
                 "kind": p.stops[u.stop].kind, "mandatory": p.stops[u.stop].mandatory,
                 "window": format_window((p.stops[u.stop].tw_early, p.stops[u.stop].tw_late)),
                 "reason_zh": u.reason_zh, "reason_en": u.reason_en, "stage": u.stage,
                 "lon": p.stops[u.stop].lon, "lat": p.stops[u.stop].lat}
                for u in self.solution.unserved]
        return pd.DataFrame(rows, columns=["stop_id", "name", "kind", "mandatory", "window",
                                           "reason_zh", "reason_en", "stage", "lon", "lat"])

    def units_frame(self) -> pd.DataFrame:
        """Per unit: post, departure, return, stops, minutes driving / waiting / at stops."""
        p, rows = self.problem, []
        for route in self.solution.routes:
            unit = p.units[route.unit]
            busy = bool(route.visits)
            rows.append({"unit_id": unit.id, "unit": unit.name, "post": p.depots[unit.depot].name,
                         "post_id": p.depots[unit.depot].id, "stops": len(route.visits),
                         "leave": format_clock(route.leave) if busy else "",
                         "back": format_clock(route.back) if busy else "",
                         "travel_min": round(route.travel / 60, 1) if busy else 0.0,
                         "wait_min": round(route.wait / 60, 1), "dwell_min": round(route.dwell / 60, 1),
                         "total_min": round((route.back - route.leave) / 60, 1) if busy else 0.0})
        return pd.DataFrame(rows)

    def routes_gdf(self) -> gpd.GeoDataFrame:
        """One row per unit with its whole road path (MultiLineString, EPSG:4326)."""
        units = self.units_frame()
        geoms = [MultiLineString([list(line.coords) for line in legs]) if legs else None
                 for legs in self.legs]
        return gpd.GeoDataFrame(units, geometry=geoms, crs="EPSG:4326")

    def stops_gdf(self) -> gpd.GeoDataFrame:
        """The schedule as points (EPSG:4326)."""
        frame = self.schedule_frame()
        return gpd.GeoDataFrame(frame, geometry=[Point(x, y) for x, y in zip(frame["lon"], frame["lat"],
                                                                            strict=True)],
                                crs="EPSG:4326")

    def summary(self) -> dict[str, Any]:
        """Plain figures for ``summary.json``: units, stops served, unserved with reasons, minutes."""
        p, units = self.problem, self.units_frame()
        stats = self.solution.stats
        return {
            "window": format_window(p.shift), "window_label": p.window_label,
            "bell": p.meta.get("bell"), "bell_zh": BELL_ZH.get(p.meta.get("bell"), ""),
            "peak": p.peak, "duty_date": self.duty_date, "generated_at": self.generated_at,
            "data_version": self.data_version, "solver": self.solution.solver,
            "seed": self.solution.seed, "time_limit_s": self.solution.time_limit,
            "scored": bool(p.meta.get("scored")),
            "units": units.to_dict(orient="records"),
            "stops_total": stats.get("stops", len(p.stops)), "stops_served": stats.get("served", 0),
            "mandatory_total": stats.get("mandatory", 0),
            "mandatory_served": stats.get("mandatory_served", 0),
            "priority_points": stats.get("points", 0),
            "unserved": self.unserved_frame().drop(columns=["lon", "lat"]).to_dict(orient="records"),
            "total_travel_min": round(self.solution.total_travel() / 60, 1),
            "total_minutes": round(float(units["total_min"].sum()), 1) if len(units) else 0.0,
            "attribution": "© OpenStreetMap contributors",
        }


def attach_paths(problem: PatrolProblem, solution: PatrolSolution,
                 travel: TravelModel) -> tuple[list[list[LineString]], list[list[float]]]:
    """Road path of every leg of every route (``route_between`` of the engine)."""
    legs, seconds = [], []
    for route in solution.routes:
        depot = problem.depots[problem.units[route.unit].depot]
        points = [Point(depot.lon, depot.lat)]
        points += [Point(problem.stops[v.stop].lon, problem.stops[v.stop].lat) for v in route.visits]
        points.append(points[0])
        unit_legs, unit_secs = [], []
        if route.visits:
            for a, b in zip(points[:-1], points[1:], strict=True):
                try:
                    line, secs = travel.path(a, b)
                except NoPathError:
                    line, secs = LineString([a, b]), float("nan")
                unit_legs.append(line)
                unit_secs.append(float(secs))
        legs.append(unit_legs)
        seconds.append(unit_secs)
    return legs, seconds


def plan_patrols(layers: Mapping[str, gpd.GeoDataFrame], *, graph: Any = None,
                 travel: TravelModel | None = None, settings: Settings | None = None,
                 window: str = "am", units: int | None = None, solver: str | None = None,
                 time_limit: float | None = None, seed: int | None = None,
                 max_iterations: int | None = None, assessment: pd.DataFrame | None = None,
                 data_version: str = "", duty_date: str | None = None,
                 **stop_rules: Any) -> PatrolPlan:
    """Plan peak-hour patrols: build the problem, solve it, attach the road paths.

    Parameters
    ----------
    layers : mapping
        Layer name → GeoDataFrame (``schools``, ``police_posts``; ``crossings``, ``risk_sites``).
    graph : RoadGraph, optional
        The road engine's graph (``gis.network.load_road_graph``); or give ``travel``.
    window : str
        ``HH:MM-HH:MM`` or ``am`` / ``noon`` / ``pm``.
    units : int, optional
        Number of units (default one per post with vehicles).
    solver, time_limit, seed, max_iterations
        Defaults from ``[routing]``; ``time_limit`` in seconds.
    assessment : DataFrame, optional
        Campus scores (``gis.coverage.assess_campuses``); without it schools are optional
        with the default priority.
    stop_rules
        Passed to ``build_problem`` (``include_optional``, ``include_risk_sites``,
        ``bell_windows``, ``dwell_min``, ``post_ids``).
    """
    from gis.routing.build import RoadTravel

    config = RoutingConfig.from_settings(settings)
    problem = build_problem(layers, travel=travel, graph=graph, settings=settings, window=window,
                            units=units, assessment=assessment, **stop_rules)
    travel = travel or RoadTravel(graph, peak=problem.peak, settings=settings)
    solution = solve_patrol(problem, solver=solver or config.solver,
                            time_limit=config.time_limit_s if time_limit is None else time_limit,
                            seed=config.seed if seed is None else seed,
                            max_iterations=config.max_iterations if max_iterations is None
                            else max_iterations)
    legs, seconds = attach_paths(problem, solution, travel)
    now = datetime.now().astimezone()
    return PatrolPlan(problem, solution, legs, seconds, now.strftime("%Y-%m-%d %H:%M"),
                      data_version, duty_date or now.strftime("%Y-%m-%d"))


__all__ = ["LEVEL_ZH", "PatrolPlan", "attach_paths", "plan_patrols"]
