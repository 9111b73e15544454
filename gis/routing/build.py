"""Build a ``PatrolProblem`` from the layers: units at their posts, school gates and risk sites as
stops with bell windows, priorities from the campus scores, times from the road engine.

Stop rules
----------
* Every school's main gate (first point of ``gates``) is a stop. Its arrival window is the
  school's bell window that matches the shift — arrival (上学), noon or dismissal (放学),
  whichever overlaps the shift most — from, in order: ``bell_windows`` given by the caller,
  the ``am_window``/``noon_window``/``pm_window`` of the school's 护学岗 in ``crossings``,
  the ``[routing]`` defaults. The window is cut to the shift.
* Schools whose level is in ``mandatory_levels`` (weak, critical) are mandatory. The others
  are optional with ``school_base_points + 100 - score`` priority points (a weaker campus
  earns more; a school gate outweighs a low-level risk site). When no
  assessment is given (scoring not run), every school is optional with ``default_priority``
  points — documented, never guessed.
* Risk sites within ``risk_site_radius_m`` of a school gate are optional stops worth
  ``level × risk_points_per_level``, any time in the shift. Sensitive sites (category
  ``person`` or ``sensitive``) are never put on a route sheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from gis.config import Settings
from gis.errors import ValidationError
from gis.network.crs import metric_crs
from gis.routing.problem import Depot, PatrolProblem, Stop, Unit
from gis.schema import ENUM_LABELS_ZH, main_gate, sensitive_mask
from gis.timewindows import format_window, overlap, parse_window

LEVEL_ZH = {"good": "良好", "weak": "薄弱", "critical": "严重薄弱"}
BELLS = ("arrival", "noon", "dismissal")
BELL_ZH = {"arrival": "上学", "noon": "午间", "dismissal": "放学"}
BELL_CROSSING_COLUMN = {"arrival": "am_window", "noon": "noon_window", "dismissal": "pm_window"}
BELL_PEAK = {"arrival": "am", "noon": None, "dismissal": "pm"}


ROUTING_KEYS = ("dwell_min", "risk_dwell_min", "default_arrival_window", "default_noon_window",
                "default_dismissal_window", "windows", "mandatory_levels", "default_priority",
                "school_base_points", "risk_points_per_level", "risk_site_radius_m", "include_risk_sites",
                "unit_post_kinds", "time_limit_s", "max_iterations", "seed", "solver")


@dataclass(frozen=True)
class RoutingConfig:
    """The ``[routing]`` section, typed."""

    dwell_s: int = 600
    risk_dwell_s: int = 300
    bells: tuple[tuple[str, tuple[int, int]], ...] = ()
    windows: tuple[tuple[str, str], ...] = ()
    mandatory_levels: tuple[str, ...] = ("weak", "critical")
    default_priority: int = 30
    school_base_points: int = 20
    risk_points_per_level: int = 10
    risk_site_radius_m: float = 500.0
    include_risk_sites: bool = True
    unit_post_kinds: tuple[str, ...] = ("station", "patrol_base")
    time_limit_s: float = 10.0
    max_iterations: int = 3000
    seed: int = 42
    solver: str = "pyvrp"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RoutingConfig:
        from gis.config import check_keys, load_settings

        sec = (settings or load_settings()).section("routing")
        check_keys("routing", sec, ROUTING_KEYS)
        bells = (("arrival", sec.get("default_arrival_window", "07:20-07:50")),
                 ("noon", sec.get("default_noon_window", "11:30-12:00")),
                 ("dismissal", sec.get("default_dismissal_window", "16:30-17:10")))
        return cls(
            dwell_s=int(round(float(sec.get("dwell_min", 10)) * 60)),
            risk_dwell_s=int(round(float(sec.get("risk_dwell_min", 5)) * 60)),
            bells=tuple((name, parse_window(text)) for name, text in bells),
            windows=tuple((k, str(v)) for k, v in sec.get("windows", {}).items()),
            mandatory_levels=tuple(sec.get("mandatory_levels", ("weak", "critical"))),
            default_priority=int(sec.get("default_priority", 30)),
            school_base_points=int(sec.get("school_base_points", 20)),
            risk_points_per_level=int(sec.get("risk_points_per_level", 10)),
            risk_site_radius_m=float(sec.get("risk_site_radius_m", 500)),
            include_risk_sites=bool(sec.get("include_risk_sites", True)),
            unit_post_kinds=tuple(sec.get("unit_post_kinds", ("station", "patrol_base"))),
            time_limit_s=float(sec.get("time_limit_s", 10)),
            max_iterations=int(sec.get("max_iterations", 3000)),
            seed=int(sec.get("seed", 42)),
            solver=str(sec.get("solver", "pyvrp")),
        )

    def shift_window(self, window: str) -> tuple[tuple[int, int], str]:
        """``(start_s, end_s)`` and a label of ``--window`` (``HH:MM-HH:MM`` or ``am``/``noon``/``pm``)."""
        named = dict(self.windows)
        shift = parse_window(window, named=named)
        label = window.strip().lower() if window.strip().lower() in named else format_window(shift)
        return shift, label

    def bell_for(self, shift: tuple[int, int]) -> str:
        """The bell (arrival, noon, dismissal) whose default window overlaps the shift most."""
        best = max(self.bells, key=lambda item: overlap(item[1], shift))
        if overlap(best[1], shift) == 0:
            spans = "、".join(f"{BELL_ZH[n]} {format_window(w)}" for n, w in self.bells)
            msg = (f"巡逻时段 {format_window(shift)} 与上学、午间、放学时段（{spans}）都不重叠 / "
                   f"the shift {format_window(shift)} overlaps no school bell window")
            raise ValidationError(msg)
        return best[0]


class TravelModel(Protocol):
    """Travel times and paths between lon/lat points at the shift's speeds."""

    def matrix(self, points: gpd.GeoDataFrame) -> np.ndarray:
        """Seconds between every pair of points (``inf`` when unreachable)."""

    def path(self, a: Point, b: Point) -> tuple[LineString, float]:
        """Road path EPSG:4326 and seconds from ``a`` to ``b``."""


class RoadTravel:
    """``TravelModel`` over the road engine (``gis.network``) at one peak's speeds."""

    def __init__(self, graph: Any, *, peak: str | None, settings: Settings | None = None) -> None:
        from gis.network import NetworkConfig

        self.graph, self.peak = graph, peak
        self.config = NetworkConfig.from_settings(settings)

    def matrix(self, points: gpd.GeoDataFrame) -> np.ndarray:
        from gis.network import travel_time_matrix

        return travel_time_matrix(self.graph, points, peak=self.peak, config=self.config,
                                  on_far="ignore")

    def path(self, a: Point, b: Point) -> tuple[LineString, float]:
        from gis.network import route_between

        return route_between(self.graph, a, b, peak=self.peak, config=self.config)


def select_units(posts: gpd.GeoDataFrame, *, units: int | None, kinds: tuple[str, ...],
                 post_ids: list[str] | None = None) -> tuple[list[Depot], list[Unit], list[Point]]:
    """Posts with vehicles (stations and patrol bases by default) and units spread round-robin.

    A post fields at most as many units as it has vehicles. ``units=None`` gives one unit per
    eligible post.
    """
    frame = posts.copy()
    if post_ids:
        frame = frame[frame["id"].astype(str).isin([str(p) for p in post_ids])]
    else:
        frame = frame[frame["kind"].isin(kinds)]
    vehicles = pd.to_numeric(frame.get("vehicles"), errors="coerce").fillna(0).astype(int)
    frame = frame[vehicles > 0].assign(vehicles=vehicles[vehicles > 0])
    if frame.empty:
        kinds_zh = "、".join(ENUM_LABELS_ZH.get(k, k) for k in kinds)
        msg = (f"没有可出车的警务点：需要车辆数大于 0 的{kinds_zh} / no post with vehicles "
               f"among {', '.join(kinds)}; set police_posts.vehicles")
        raise ValidationError(msg)
    frame = frame.sort_values(["kind", "id"], key=lambda s: s.astype(str))
    total = int(frame["vehicles"].sum())
    wanted = len(frame) if units is None else int(units)
    if wanted < 1 or wanted > total:
        msg = (f"巡逻单位数 {wanted} 无效：可用警务点共有 {total} 辆车（1 至 {total}） / "
               f"units must be between 1 and {total} (vehicles at the eligible posts)")
        raise ValidationError(msg)
    depots = [Depot(str(i), str(n), float(g.x), float(g.y), str(k))
              for i, n, g, k in zip(frame["id"], frame["name"], frame.geometry, frame["kind"],
                                    strict=True)]
    left = frame["vehicles"].tolist()
    picked: list[int] = []
    while len(picked) < wanted:
        for d in range(len(depots)):
            if left[d] > 0 and len(picked) < wanted:
                picked.append(d)
                left[d] -= 1
    picked.sort()
    units_out = [Unit(f"U{k + 1:02d}", f"巡逻{k + 1}组", d) for k, d in enumerate(picked)]
    return depots, units_out, [Point(d.lon, d.lat) for d in depots]


def _bell_overrides(crossings: gpd.GeoDataFrame | None, bell: str) -> dict[str, tuple[int, int]]:
    column = BELL_CROSSING_COLUMN[bell]
    if crossings is None or crossings.empty or column not in crossings or "school_id" not in crossings:
        return {}
    out: dict[str, tuple[int, int]] = {}
    for sid, text in zip(crossings["school_id"], crossings[column], strict=True):
        if sid is None or pd.isna(sid) or text is None or pd.isna(text) or not str(text).strip():
            continue
        try:
            out.setdefault(str(sid), parse_window(str(text)))
        except ValidationError:
            continue  # a malformed duty window keeps the default bell; import validation reports it
    return out




def school_stops(schools: gpd.GeoDataFrame, *, config: RoutingConfig, shift: tuple[int, int],
                 bell: str, crossings: gpd.GeoDataFrame | None = None,
                 assessment: pd.DataFrame | None = None,
                 bell_windows: Mapping[str, str] | None = None) -> list[Stop]:
    """One stop per school main gate with its bell window, mandatory flag and priority points."""
    default = dict(config.bells)[bell]
    overrides = _bell_overrides(crossings, bell)
    for sid, text in (bell_windows or {}).items():
        overrides[str(sid)] = parse_window(text)
    scores: dict[str, tuple[float, str]] = {}
    if assessment is not None and len(assessment):
        key = "school_id" if "school_id" in assessment else "id"
        for sid, score, level in zip(assessment[key], assessment["score"], assessment["level"],
                                     strict=True):
            scores[str(sid)] = (float(score), str(level))
    stops = []
    for sid, name, geom in zip(schools["id"].astype(str), schools["name"], schools.geometry,
                               strict=True):
        gate = main_gate(geom)
        if gate is None:
            continue
        early, late = overrides.get(sid, default)
        early, late = max(early, shift[0]), min(late, shift[1])
        if late < early:  # the bell lies outside the shift: keep it, the precheck reports it
            early, late = overrides.get(sid, default)
        score, level = scores.get(sid, (None, None))
        mandatory = level in config.mandatory_levels
        points = config.default_priority if score is None else \
            config.school_base_points + max(0, int(round(100 - score)))
        task_zh = f"{BELL_ZH[bell]}高峰校门守护（见警察、见警车）"
        task_en = f"{bell} peak gate presence"
        if mandatory:
            task_zh = f"重点守护（{LEVEL_ZH.get(level, level)}校园） " + task_zh
            task_en = f"priority ({level} campus) " + task_en
        stops.append(Stop(id=f"school:{sid}", name=str(name), kind="school", tw_early=early,
                          tw_late=late, dwell=config.dwell_s, mandatory=mandatory, points=points,
                          lon=float(gate.x), lat=float(gate.y), level=level, task_zh=task_zh,
                          task_en=task_en, ref_id=sid))
    return stops


def risk_stops(risk_sites: gpd.GeoDataFrame | None, gates: list[Point], *, config: RoutingConfig,
               shift: tuple[int, int]) -> list[Stop]:
    """Optional stops at non-sensitive risk sites near a school gate."""
    if risk_sites is None or risk_sites.empty or not gates or not config.include_risk_sites:
        return []
    sensitive = sensitive_mask(risk_sites)
    sites = risk_sites[~sensitive & risk_sites.geometry.notna()]
    if sites.empty:
        return []
    crs = metric_crs(sites)
    gate_union = gpd.GeoSeries(gates, crs="EPSG:4326").to_crs(crs).union_all()
    dist = sites.geometry.to_crs(crs).distance(gate_union)
    out = []
    for row, geom, d in zip(sites.itertuples(), sites.geometry, dist, strict=True):
        if d > config.risk_site_radius_m:
            continue
        level = int(row.level) if pd.notna(row.level) else 1
        label = ENUM_LABELS_ZH.get(str(row.category), str(row.category))
        out.append(Stop(id=f"risk:{row.id}", name=f"{label}（{row.id}）", kind="risk_site",
                        tw_early=shift[0], tw_late=shift[1], dwell=config.risk_dwell_s,
                        points=level * config.risk_points_per_level, lon=float(geom.x),
                        lat=float(geom.y), level=str(level),
                        task_zh=f"巡查{label}（{level}级风险）",
                        task_en=f"check {row.category} (risk level {level})", ref_id=str(row.id)))
    return out


def build_problem(layers: Mapping[str, gpd.GeoDataFrame], *, travel: TravelModel | None = None,
                  graph: Any = None, settings: Settings | None = None, window: str = "am",
                  units: int | None = None, post_ids: list[str] | None = None,
                  assessment: pd.DataFrame | None = None, include_optional: bool = True,
                  include_risk_sites: bool | None = None,
                  bell_windows: Mapping[str, str] | None = None,
                  dwell_min: float | None = None) -> PatrolProblem:
    """Build the patrol problem of one shift.

    Parameters
    ----------
    layers : mapping
        ``schools`` and ``police_posts`` at least; ``crossings`` and ``risk_sites`` used when present.
    travel : TravelModel, optional
        Travel times; by default ``RoadTravel(graph, peak=…)`` at the shift's peak speeds.
    window : str
        ``HH:MM-HH:MM`` or a named shift (``am``, ``noon``, ``pm``).
    units : int, optional
        Number of units (default: one per eligible post).
    assessment : DataFrame, optional
        ``gis.coverage.assess_campuses`` output (``school_id``, ``score``, ``level``).
    include_optional : bool
        ``False`` keeps only mandatory schools.
    bell_windows : mapping, optional
        School id → ``HH:MM-HH:MM`` overriding its bell window.
    dwell_min : float, optional
        Minutes at each school gate (default ``[routing] dwell_min``).
    """
    config = RoutingConfig.from_settings(settings)
    if dwell_min is not None:
        from dataclasses import replace

        config = replace(config, dwell_s=int(round(float(dwell_min) * 60)))
    shift, label = config.shift_window(window)
    bell = config.bell_for(shift)
    schools, posts = layers.get("schools"), layers.get("police_posts")
    if schools is None or schools.empty or posts is None or posts.empty:
        msg = "需要学校和警务点数据才能规划巡逻路线 / schools and police_posts are needed for patrol routes"
        raise ValidationError(msg)
    depots, unit_list, depot_points = select_units(posts, units=units, kinds=config.unit_post_kinds,
                                                   post_ids=post_ids)
    stops = school_stops(schools, config=config, shift=shift, bell=bell,
                         crossings=layers.get("crossings"), assessment=assessment,
                         bell_windows=bell_windows)
    if include_risk_sites if include_risk_sites is not None else config.include_risk_sites:
        stops += risk_stops(layers.get("risk_sites"), [Point(s.lon, s.lat) for s in stops],
                            config=config, shift=shift)
    if not include_optional:
        stops = [s for s in stops if s.mandatory]
    peak = BELL_PEAK[bell]
    if travel is None:
        if graph is None:
            msg = "缺少道路网络 / a road graph is needed"
            raise ValidationError(msg)
        travel = RoadTravel(graph, peak=peak, settings=settings)
    points = gpd.GeoDataFrame(
        {"id": [f"post:{d.id}" for d in depots] + [s.id for s in stops]},
        geometry=depot_points + [Point(s.lon, s.lat) for s in stops], crs="EPSG:4326")
    matrix = travel.matrix(points)
    return PatrolProblem(depots=depots, units=unit_list, stops=stops, matrix=matrix, shift=shift,
                         window_label=label, peak=peak,
                         meta={"bell": bell, "scored": assessment is not None})
