"""Siting new 警务室 / 岗亭 (and moving kiosks) over peak travel times: from layers to answer.

``plan_posts(layers, graph=…, kind="kiosk", model="mclp", add=2, minutes=3)`` builds the
:class:`~gis.siting.problem.CoverProblem` (schools weighted by enrollment × level weight,
existing posts fixed, candidate sites from the road network or a planner's file), solves it
with HiGHS and returns a :class:`PostPlan`: the proposed sites with the schools each newly
reaches, the schools still out of reach with the reason, and before/after counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis.config import Settings
from gis.errors import ValidationError
from gis.network import NetworkConfig
from gis.network.graph import CRS_WGS84, RoadGraph
from gis.siting.candidates import CandidateSet, road_candidates
from gis.siting.config import SitingConfig
from gis.siting.problem import CoverProblem, CoverSolution
from gis.siting.reach import SchoolGates, site_school_seconds, snap_gates, snap_sites
from gis.siting.solvers import solve_mclp, solve_relocation, solve_set_cover

POST_KINDS = ("office", "kiosk")
MODELS = ("mclp", "setcover", "relocate")


def active_posts(posts: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Posts that respond today: planned posts (``status == "planned"``) are left out."""
    if posts is None or len(posts) == 0:
        return gpd.GeoDataFrame({"id": [], "name": [], "kind": []}, geometry=[], crs=CRS_WGS84)
    if "status" in posts.columns:
        posts = posts[posts["status"].fillna("").astype(str) != "planned"]
    return posts


def answering_posts(posts: gpd.GeoDataFrame | None, *, peak: str | None,
                    settings: Settings | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame | None]:
    """Active posts that answer in ``peak`` (hours, staff), as the assessment counts them.

    Returns the posts and the availability table of ``gis.coverage.posts.post_availability``
    (None when no post is left).
    """
    from gis.coverage.posts import post_availability
    from gis.timewindows import PeakWindows

    posts = active_posts(posts)
    if len(posts) == 0:
        return posts, None
    window = PeakWindows.from_settings(settings).window(peak) if peak else None
    availability = post_availability(posts, window=window)
    return posts[availability["answers"].to_numpy()], availability


def school_weights(schools: gpd.GeoDataFrame, assessment: pd.DataFrame | None, *,
                   config: SitingConfig) -> pd.DataFrame:
    """Per school: ``school_id, name, enrollment, level, weight`` (enrollment × level weight).

    A missing enrollment counts as ``config.default_enrollment``; a school without an
    assessment as level ``unknown``.
    """
    ids = schools["id"].astype(str).to_numpy()
    enrollment = pd.to_numeric(schools.get("enrollment"), errors="coerce") if "enrollment" in schools.columns \
        else pd.Series(np.nan, index=schools.index)
    enrollment = enrollment.astype(float).fillna(config.default_enrollment).clip(lower=1.0).to_numpy()
    level = pd.Series("unknown", index=ids, dtype=object)
    if assessment is not None and len(assessment) and "level" in assessment.columns:
        known = pd.Series(assessment["level"].to_numpy(), index=assessment["school_id"].astype(str))
        level = known.reindex(ids).fillna("unknown")
    lw = np.array([config.level_weight(v) for v in level], dtype=float)
    return pd.DataFrame({"school_id": ids, "name": schools["name"].astype(str).to_numpy(),
                         "enrollment": enrollment, "level": level.to_numpy(), "weight": enrollment * lw})


@dataclass
class PostPlan:
    """The answer of a post-siting run.

    Attributes
    ----------
    kind, model : str
    minutes : float
    peak : str
    proposals : GeoDataFrame
        One row per proposed site: ``id, name, kind, source, newly_reached`` (list of school ids),
        ``newly_reached_names``, ``reached`` (all schools within T), ``replaces`` (relocation:
        the post moved here), geometry EPSG:4326.
    moved : DataFrame
        Relocation: ``post_id, name`` of the posts taken away.
    schools : DataFrame
        ``school_id, name, enrollment, level, weight, reached_before, reached_after``.
    uncoverable : DataFrame
        ``school_id, name, reason_zh, reason_en``.
    rejected : DataFrame
        Rejected rows of a planner's candidate file.
    solution : CoverSolution
    candidates : int
        Candidate sites considered (before the exact reduction).
    """

    kind: str
    model: str
    minutes: float
    peak: str
    proposals: gpd.GeoDataFrame
    moved: pd.DataFrame
    schools: pd.DataFrame
    uncoverable: pd.DataFrame
    rejected: pd.DataFrame
    solution: CoverSolution
    candidates: int
    params: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The figures of ``summary.json``."""
        s = self.solution
        before = int(self.schools["reached_before"].sum())
        after = int(self.schools["reached_after"].sum())
        return {
            "kind": self.kind, "model": self.model, "minutes": self.minutes, "peak": self.peak,
            "schools": int(len(self.schools)),
            "before_covered": before, "after_covered": after,
            "before_weight": round(float(self.schools.loc[self.schools["reached_before"], "weight"].sum()), 1),
            "after_weight": round(float(self.schools.loc[self.schools["reached_after"], "weight"].sum()), 1),
            "objective": round(float(s.objective), 3), "bound": round(float(s.bound), 3),
            "gap": round(float(s.gap), 6), "status": s.status, "solver": s.solver,
            "seconds": round(float(s.seconds), 3), "sites": int(len(self.proposals)),
            "moved": self.moved["post_id"].tolist(), "candidates": int(self.candidates),
            "uncoverable": self.uncoverable.to_dict("records"),
            "rejected_candidates": int(len(self.rejected)), "params": self.params,
        }


def _cover_matrix(seconds: np.ndarray, limit_s: float) -> sp.csr_matrix:
    return sp.csr_matrix(seconds <= limit_s)


def build_post_problem(layers: dict[str, gpd.GeoDataFrame], *, graph: RoadGraph, gates: SchoolGates,
                       candidates: gpd.GeoDataFrame, weights: pd.DataFrame, limit_s: float, peak: str,
                       movable_kinds: tuple[str, ...] = (), network: NetworkConfig,
                       settings: Settings | None = None) -> tuple[CoverProblem, dict[str, np.ndarray]]:
    """The covering problem and the matrices behind it (seconds, float32, ``inf`` beyond T).

    Returns
    -------
    problem : CoverProblem
    parts : dict
        ``fixed_s`` (fixed posts × schools), ``movable_s``, ``candidate_s``, ``fixed_ids``,
        ``movable_ids``. Only posts that answer in ``peak`` (their hours, staff) count.
    """
    posts, _ = answering_posts(layers.get("police_posts"), peak=peak, settings=settings)
    movable_mask = posts["kind"].astype(str).isin(movable_kinds).to_numpy() if len(posts) else np.zeros(0, bool)
    fixed, movable = posts[~movable_mask], posts[movable_mask]
    parts: dict[str, Any] = {}
    for name, frame in (("fixed", fixed), ("movable", movable)):
        if len(frame):
            snapped, ok = snap_sites(graph, frame, config=network)
            secs = site_school_seconds(graph, snapped.subset(ok), gates, peak=peak, limit_s=limit_s)
            ids = frame["id"].astype(str).to_numpy()[ok]
        else:
            secs, ids = np.full((0, len(gates.school_ids)), np.inf, np.float32), np.array([], str)
        parts[f"{name}_s"], parts[f"{name}_ids"] = secs, ids
    cand, ok = snap_sites(graph, candidates, config=network)
    cand_s = np.full((len(candidates), len(gates.school_ids)), np.inf, np.float32)
    if ok.any():
        cand_s[ok] = site_school_seconds(graph, cand.subset(ok), gates, peak=peak, limit_s=limit_s)
    parts["candidate_s"] = cand_s
    fixed_covered = (parts["fixed_s"] <= limit_s).any(axis=0)
    problem = CoverProblem(demand_ids=list(gates.school_ids), weights=weights["weight"].to_numpy(float),
                           fixed_covered=fixed_covered, cover=_cover_matrix(cand_s, limit_s),
                           candidate_ids=candidates["id"].astype(str).tolist(),
                           movable=_cover_matrix(parts["movable_s"], limit_s),
                           movable_ids=list(parts["movable_ids"]))
    return problem, parts


def _uncoverable_reasons(idx: np.ndarray, *, graph: RoadGraph, gates: SchoolGates, weights: pd.DataFrame,
                         candidates: gpd.GeoDataFrame, network: NetworkConfig, peak: str, minutes: float
                         ) -> pd.DataFrame:
    """Why each school in ``idx`` cannot be reached within T by any candidate."""
    rows = []
    if len(idx):
        cand, ok = snap_sites(graph, candidates, config=network)
        fastest = site_school_seconds(graph, cand.subset(ok), gates, peak=peak).min(axis=0) if ok.any() \
            else np.full(len(gates.school_ids), np.inf)
        on = gates.on_network
        for i in idx:
            sid, name = gates.school_ids[i], weights["name"].iloc[i]
            if not on[i]:
                d = gates.snap_m[i]
                zh = f"校门距最近道路 {d:.0f} 米，超过 {network.max_snap_m:g} 米，不在路网上"
                en = f"its gates are {d:.0f} m from the nearest road (limit {network.max_snap_m:g} m): off the network"
            elif np.isfinite(fastest[i]):
                zh = f"任何候选点到达最快也要 {fastest[i] / 60:.1f} 分钟，超过 {minutes:g} 分钟"
                en = f"the fastest candidate needs {fastest[i] / 60:.1f} min, beyond {minutes:g} min"
            else:
                zh = "没有候选点能沿道路到达（单行或断路）"
                en = "no candidate site can reach it by road (one-way or disconnected roads)"
            rows.append({"school_id": sid, "name": name, "reason_zh": zh, "reason_en": en})
    return pd.DataFrame(rows, columns=["school_id", "name", "reason_zh", "reason_en"])


def plan_posts(layers: dict[str, gpd.GeoDataFrame], *, graph: RoadGraph, kind: str = "kiosk",
               model: str = "mclp", add: int = 1, moves: int | None = None, minutes: float | None = None,
               peak: str | None = None, candidates: CandidateSet | None = None,
               assessment: pd.DataFrame | None = None, settings: Settings | None = None,
               time_limit: float | None = None, solver: str | None = None) -> PostPlan:
    """Where ``add`` new posts (or ``moves`` kiosk moves) reach the most weighted schools within T.

    Parameters
    ----------
    layers : dict of GeoDataFrame
        ``schools`` and ``police_posts`` (EPSG:4326).
    graph : RoadGraph
    kind : {"office", "kiosk"}
        Kind of the proposed posts.
    model : {"mclp", "setcover", "relocate"}
    add : int
        K, sites to add (MCLP).
    moves : int, optional
        M, movable posts (``[siting] movable_kinds``) to move (relocation; ``add`` when omitted).
    minutes : float, optional
        Standard T in minutes (``[siting] minutes``).
    peak : {"am", "pm"}, optional
        Peak speeds (``[siting] peak``).
    candidates : CandidateSet, optional
        A planner's sites (:func:`gis.siting.candidates.file_candidates`); road candidates when None.
    assessment : DataFrame, optional
        The campus assessment (``school_id``, ``level``) for the level weights.
    time_limit : float, optional
        Seconds (``[siting] time_limit_s``).
    solver : {"highs", "scipy"}, optional

    Returns
    -------
    PostPlan
    """
    config = SitingConfig.from_settings(settings)
    network = NetworkConfig.from_settings(settings)
    if kind not in POST_KINDS:
        msg = f"--kind 应为 office（警务室）或 kiosk（岗亭），而不是 {kind!r} / kind must be office or kiosk"
        raise ValidationError(msg)
    if model not in MODELS:
        msg = f"--model 应为 {' / '.join(MODELS)}，而不是 {model!r} / unknown model {model!r}"
        raise ValidationError(msg)
    schools = layers.get("schools")
    if schools is None or len(schools) == 0:
        msg = "没有学校数据，请先导入 schools 图层 / no schools: import the schools layer first"
        raise ValidationError(msg)
    minutes = float(config.minutes if minutes is None else minutes)
    if minutes <= 0:
        msg = "--minutes 必须大于 0 / --minutes must be positive"
        raise ValidationError(msg)
    peak = peak or config.peak
    limit = minutes * 60.0
    limit_run = float(config.time_limit_s if time_limit is None else time_limit)
    solver = solver or config.solver
    cand_set = candidates or road_candidates(graph, spacing_m=config.candidate_spacing_m,
                                             exclude_classes=config.candidate_exclude_classes)
    sites = cand_set.sites.reset_index(drop=True)
    weights = school_weights(schools, assessment, config=config)
    gates = snap_gates(graph, schools, config=network)
    movable_kinds = config.movable_kinds if model == "relocate" else ()
    problem, parts = build_post_problem(layers, graph=graph, gates=gates, candidates=sites, weights=weights,
                                        limit_s=limit, peak=peak, movable_kinds=movable_kinds, network=network,
                                        settings=settings)
    if model == "mclp":
        sol = solve_mclp(problem, add, solver=solver, time_limit=limit_run, mip_rel_gap=config.mip_rel_gap)
    elif model == "setcover":
        sol = solve_set_cover(problem, solver=solver, time_limit=limit_run, mip_rel_gap=config.mip_rel_gap)
    else:
        if len(problem.movable_ids) == 0:
            msg = (f"没有可移动的警务点（类型 {', '.join(config.movable_kinds)}） / no movable posts of kind "
                   f"{', '.join(config.movable_kinds)}")
            raise ValidationError(msg)
        sol = solve_relocation(problem, add if moves is None else moves, solver=solver, time_limit=limit_run,
                               mip_rel_gap=config.mip_rel_gap)
    kept = [i for i in range(len(problem.movable_ids)) if i not in sol.moved]
    before = problem.covered_by([], None)
    cover_arr = parts["candidate_s"] <= limit
    ids = gates.school_ids
    names = dict(zip(weights["school_id"], weights["name"], strict=True))
    kind_zh = {"office": "警务室", "kiosk": "岗亭"}[kind]
    rows = []
    for rank, j in enumerate(sol.chosen, start=1):
        reach = np.flatnonzero(cover_arr[j])
        new = [ids[i] for i in reach if not before[i]]
        replaces = problem.movable_ids[sol.moved[rank - 1]] if model == "relocate" else None
        rows.append({"id": f"new-{kind}-{rank}", "name": f"拟建{kind_zh}{rank}", "kind": kind,
                     "candidate_id": sites["id"].iloc[j], "source": sites["source"].iloc[j],
                     "newly_reached": new, "newly_reached_names": [names[s] for s in new],
                     "reached": [ids[i] for i in reach], "replaces": replaces,
                     "geometry": sites.geometry.iloc[j]})
    proposals = gpd.GeoDataFrame(rows, columns=["id", "name", "kind", "candidate_id", "source", "newly_reached",
                                                "newly_reached_names", "reached", "replaces", "geometry"],
                                 geometry="geometry", crs=CRS_WGS84)
    posts = active_posts(layers.get("police_posts"))
    post_names = dict(zip(posts["id"].astype(str), posts["name"].astype(str), strict=True)) if len(posts) else {}
    moved = pd.DataFrame({"post_id": [problem.movable_ids[i] for i in sol.moved],
                          "name": [post_names.get(problem.movable_ids[i], "") for i in sol.moved]})
    after = problem.covered_by(list(sol.chosen), kept)
    table = weights.assign(reached_before=before, reached_after=after)
    unc = _uncoverable_reasons(np.flatnonzero(~problem.reachable()), graph=graph, gates=gates, weights=weights,
                               candidates=sites, network=network, peak=peak, minutes=minutes) \
        if model == "setcover" else _uncoverable_reasons(np.array([], int), graph=graph, gates=gates,
                                                         weights=weights, candidates=sites, network=network,
                                                         peak=peak, minutes=minutes)
    params = {"kind": kind, "model": model, "add": int(add), "moves": None if moves is None else int(moves),
              "minutes": minutes, "peak": peak, "time_limit_s": limit_run, "solver": solver,
              "candidate_source": "file" if candidates is not None else "roads",
              "candidate_spacing_m": config.candidate_spacing_m}
    return PostPlan(kind=kind, model=model, minutes=minutes, peak=peak, proposals=proposals, moved=moved,
                    schools=table, uncoverable=unc, rejected=cand_set.rejected, solution=sol,
                    candidates=len(sites), params=params)


def proposals_as_posts(plan_proposals: gpd.GeoDataFrame, *, staff: int, status: str | None = None
                       ) -> gpd.GeoDataFrame:
    """Proposed sites as rows of the ``police_posts`` layer (``status`` set when given)."""
    out = gpd.GeoDataFrame({
        "id": plan_proposals["id"].astype(str).to_numpy(),
        "name": plan_proposals["name"].astype(str).to_numpy(),
        "kind": plan_proposals["kind"].astype(str).to_numpy(),
        "staff": staff, "vehicles": 0, "hours": "24小时",
    }, geometry=plan_proposals.geometry.to_numpy(), crs=CRS_WGS84)
    if status is not None:
        out["status"] = status
    return out


def layers_with_posts(layers: dict[str, gpd.GeoDataFrame], new_posts: gpd.GeoDataFrame,
                      *, removed: list[str] | tuple[str, ...] = ()) -> dict[str, gpd.GeoDataFrame]:
    """A copy of ``layers`` whose posts have ``new_posts`` added and ``removed`` ids taken away."""
    posts = active_posts(layers.get("police_posts"))
    posts = posts[~posts["id"].astype(str).isin(set(removed))]
    extra = new_posts.rename_geometry(posts.geometry.name) if len(posts) else new_posts
    merged = pd.concat([posts, extra], ignore_index=True)
    out = dict(layers)
    out["police_posts"] = gpd.GeoDataFrame(merged, geometry=posts.geometry.name if len(posts) else "geometry",
                                           crs=CRS_WGS84)
    return out
