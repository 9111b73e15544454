"""A scenario as one JSON-able result: what was proposed, before/after, changes — and its runs.

``run_post_scenario`` (offices/kiosks), ``run_camera_scenario`` and ``run_crossing_scenario``
each return ``(plan, result)``; ``result`` is a plain dict (GeoJSON for geometries) that is
saved in the ``scenarios`` table, exported (XLSX, GeoJSON, PDF) and compared, so a scenario
loaded next month shows exactly what the meeting saw.

Result keys: ``kind``, ``summary`` (the figures of ``summary.json``), ``proposals`` and
``reach`` (GeoJSON FeatureCollections), ``kpis`` (``before``/``after``), ``changes`` (schools
changing level), ``uncoverable``, ``rejected``, ``moved``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.config import Settings
from gis.network.graph import CRS_WGS84
from gis.siting.compare import KPI_LABELS, BeforeAfter, compare
from gis.siting.config import SitingConfig

EMPTY_COLLECTION: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def _jsonable(value: Any) -> Any:
    """Plain Python values (NaN/inf → None, numpy → Python) for JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if value is pd.NA or value is None:
        return None
    return value


def frame_records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Records of a DataFrame for JSON (no geometry)."""
    if frame is None or len(frame) == 0:
        return []
    plain = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
    return _jsonable(plain.to_dict("records"))


def to_collection(frame: gpd.GeoDataFrame | None) -> dict[str, Any]:
    """A GeoDataFrame as a GeoJSON FeatureCollection dict (EPSG:4326)."""
    if frame is None or len(frame) == 0:
        return dict(EMPTY_COLLECTION)
    gdf = gpd.GeoDataFrame(frame).to_crs(CRS_WGS84)
    extra = [c for c in gdf.columns if c != gdf.geometry.name and isinstance(gdf[c].dtype, gpd.array.GeometryDtype)]
    gdf = gdf.drop(columns=extra)
    return _jsonable(json.loads(gdf.to_json(drop_id=True)))


def from_collection(collection: Mapping[str, Any] | None) -> gpd.GeoDataFrame:
    """A FeatureCollection dict back to a GeoDataFrame (EPSG:4326)."""
    feats = (collection or {}).get("features") or []
    if not feats:
        return gpd.GeoDataFrame({"id": []}, geometry=[], crs=CRS_WGS84)
    return gpd.GeoDataFrame.from_features(feats, crs=CRS_WGS84)


def _levels(ba: BeforeAfter | None) -> dict[str, list[Any]]:
    """``{school_id: [level_before, level_after]}`` for every school."""
    if ba is None:
        return {}
    before = pd.Series(ba.assessment_before["level"].to_numpy(), index=ba.assessment_before["school_id"].astype(str))
    after = pd.Series(ba.assessment_after["level"].to_numpy(), index=ba.assessment_after["school_id"].astype(str))
    return {sid: [before.get(sid), after.get(sid)] for sid in before.index}


def build_result(*, kind: str, summary: dict[str, Any], proposals: gpd.GeoDataFrame,
                 ba: BeforeAfter | None, reach: gpd.GeoDataFrame | None = None,
                 uncoverable: pd.DataFrame | None = None, rejected: pd.DataFrame | None = None,
                 moved: pd.DataFrame | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scenario's result dict (see the module docstring)."""
    return _jsonable({
        "kind": kind,
        "summary": summary,
        "proposals": to_collection(proposals),
        "reach": to_collection(reach),
        "kpis": {"before": ba.before, "after": ba.after} if ba is not None else {},
        "changes": frame_records(ba.changes) if ba is not None else [],
        "uncoverable": frame_records(uncoverable),
        "rejected": frame_records(rejected),
        "moved": frame_records(moved),
        "levels": _levels(ba),
        **(extra or {}),
    })


def kpi_table(result: Mapping[str, Any], *, lang: str = "zh") -> pd.DataFrame:
    """KPI rows ``indicator, before, after, change`` of one scenario (shares in %)."""
    kpis = result.get("kpis") or {}
    before, after = kpis.get("before") or {}, kpis.get("after") or {}
    minutes = before.get("minutes") or after.get("minutes") or ""
    rows = []
    for key, (zh, en) in KPI_LABELS.items():
        b, a = before.get(key), after.get(key)
        if b is None and a is None:
            continue
        if key == "share_within":
            b = None if b is None else round(b * 100.0, 1)
            a = None if a is None else round(a * 100.0, 1)
        label = (zh if lang == "zh" else en).format(m=f"{minutes:g}" if isinstance(minutes, float | int) else minutes)
        if key == "share_within":
            label += " (%)"
        change = None if a is None or b is None else round(a - b, 1)
        if isinstance(change, float) and change.is_integer() and key not in ("share_within", "mean_score"):
            change = int(change)
        rows.append({"indicator": label, "before": b, "after": a, "change": change})
    return pd.DataFrame(rows, columns=["indicator", "before", "after", "change"], dtype=object)


def compare_scenarios(first: Mapping[str, Any], second: Mapping[str, Any], *, names: tuple[str, str],
                      lang: str = "zh") -> pd.DataFrame:
    """Two scenarios side by side: one row per KPI, ``before`` (shared), each scenario's ``after``."""
    a, b = kpi_table(first, lang=lang), kpi_table(second, lang=lang)
    out = a[["indicator", "before", "after"]].rename(columns={"after": names[0]})
    out = out.merge(b[["indicator", "after"]].rename(columns={"after": names[1]}), on="indicator", how="outer")
    extra = []
    for label_zh, label_en, key in (("新增点位", "New sites", "sites"), ("求解", "Solver", "solver"),
                                    ("最优性差距", "Gap", "gap")):
        extra.append({"indicator": label_zh if lang == "zh" else label_en, "before": None,
                      names[0]: (first.get("summary") or {}).get(key),
                      names[1]: (second.get("summary") or {}).get(key)})
    return pd.concat([out, pd.DataFrame(extra)], ignore_index=True)


# -- runs ---------------------------------------------------------------------------------

def run_post_scenario(layers: Mapping[str, gpd.GeoDataFrame], *, graph: Any, settings: Settings | None = None,
                      kind: str = "kiosk", model: str = "mclp", add: int = 1, moves: int | None = None,
                      minutes: float | None = None, peak: str | None = None, candidates=None,
                      assessment_before: pd.DataFrame | None = None, time_limit: float | None = None,
                      solver: str | None = None, with_reach: bool = True):
    """Plan new posts, assess before/after, draw the new sites' reach: ``(PostPlan, result)``."""
    from gis.network import NetworkConfig, reach_polygons
    from gis.siting.posts import layers_with_posts, plan_posts, proposals_as_posts

    config = SitingConfig.from_settings(settings)
    peak = peak or config.peak
    if assessment_before is None:
        from gis.coverage import assess_campuses

        assessment_before = pd.DataFrame(assess_campuses(layers, graph=graph, settings=settings, peak=peak))
    plan = plan_posts(dict(layers), graph=graph, kind=kind, model=model, add=add, moves=moves, minutes=minutes,
                      peak=peak, candidates=candidates, assessment=assessment_before, settings=settings,
                      time_limit=time_limit, solver=solver)
    new_posts = proposals_as_posts(plan.proposals, staff=config.new_post_staff)
    after_layers = layers_with_posts(dict(layers), new_posts, removed=plan.moved["post_id"].tolist())
    ba = compare(layers, after_layers, graph=graph, settings=settings, peak=peak, minutes=plan.minutes,
                 assessment_before=assessment_before)
    reach = None
    if with_reach and len(new_posts):
        reach = reach_polygons(graph, new_posts, minutes=(plan.minutes,), peak=peak,
                               config=NetworkConfig.from_settings(settings))
    result = build_result(kind=kind, summary=plan.summary(), proposals=plan.proposals, ba=ba, reach=reach,
                          uncoverable=plan.uncoverable, rejected=plan.rejected, moved=plan.moved)
    return plan, result


def append_rows(layer: gpd.GeoDataFrame | None, extra: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``layer`` with the rows of ``extra`` appended (geometry column named as the layer's)."""
    if layer is None or len(layer) == 0:
        return extra
    geo = layer.geometry.name
    extra = extra.rename_geometry(geo) if extra.geometry.name != geo else extra
    return gpd.GeoDataFrame(pd.concat([layer, extra], ignore_index=True), geometry=geo, crs=CRS_WGS84)


def run_camera_scenario(layers: Mapping[str, gpd.GeoDataFrame], *, graph: Any, settings: Settings | None = None,
                        add: int = 4, peak: str | None = None, time_limit: float | None = None,
                        solver: str | None = None, assessment_before: pd.DataFrame | None = None):
    """Propose cameras over blind parts; recompute the blind area and the assessment with them."""
    from gis.siting.cameras import blind_totals, plan_cameras

    peak = peak or SitingConfig.from_settings(settings).peak
    plan = plan_cameras(layers, add=add, settings=settings, time_limit=time_limit, solver=solver)
    after = dict(layers)
    after["cameras"] = append_rows(layers.get("cameras"), plan.as_cameras())
    blind_after, boundary_after = blind_totals(after, settings=settings)
    ba = compare(layers, after, graph=graph, settings=settings, peak=peak, minutes=_minutes(settings),
                 assessment_before=assessment_before)
    sol = plan.solution
    summary = {"kind": "camera", "peak": peak, "schools": int(len(layers["schools"])),
               "before_covered": round(plan.blind_before_m2, 1), "after_covered": round(blind_after, 1),
               "blind_before_m2": round(plan.blind_before_m2, 1), "blind_after_m2": round(blind_after, 1),
               "boundary_blind_before_m": round(plan.boundary_before_m, 1),
               "boundary_blind_after_m": round(boundary_after, 1),
               "objective": round(float(sol.objective), 3), "bound": round(float(sol.bound), 3),
               "gap": round(float(sol.gap), 6), "status": sol.status, "solver": sol.solver,
               "seconds": round(float(sol.seconds), 3), "sites": int(len(plan.proposals)),
               "candidates": plan.candidates, "cells": plan.cells, "uncoverable": [], "params": plan.params}
    return plan, build_result(kind="camera", summary=summary, proposals=plan.proposals, ba=ba)


def run_crossing_scenario(layers: Mapping[str, gpd.GeoDataFrame], *, graph: Any, settings: Settings | None = None,
                          officers: int = 1, peak: str | None = None, time_limit: float | None = None,
                          solver: str | None = None, assessment_before: pd.DataFrame | None = None):
    """Assign ``officers`` to gates in ``peak``; before/after with the new 护学岗 as crossings."""
    from gis.siting.crossings import plan_crossings, proposals_as_crossings

    peak = peak or SitingConfig.from_settings(settings).peak
    if assessment_before is None:
        from gis.coverage import assess_campuses

        assessment_before = pd.DataFrame(assess_campuses(layers, graph=graph, settings=settings, peak=peak))
    plan = plan_crossings(layers, officers=officers, peak=peak, assessment=assessment_before, settings=settings,
                          time_limit=time_limit, solver=solver)
    windows = (settings.section("routing") if settings is not None else {}).get("windows", {})
    window = str(windows.get(peak) or {"am": "07:00-08:10", "pm": "16:10-17:30"}[peak])
    after = dict(layers)
    after["crossings"] = append_rows(layers.get("crossings"), proposals_as_crossings(plan.proposals, peak=peak,
                                                                                       window=window))
    ba = compare(layers, after, graph=graph, settings=settings, peak=peak, minutes=_minutes(settings),
                 assessment_before=assessment_before)
    return plan, build_result(kind="crossing", summary=plan.summary(), proposals=plan.proposals, ba=ba,
                              uncoverable=pd.DataFrame(plan.summary()["uncoverable"]))


def _minutes(settings: Settings | None) -> float:
    return float(SitingConfig.from_settings(settings).minutes)
