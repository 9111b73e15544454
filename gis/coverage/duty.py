"""Peak-hour duty (高峰勤务 / 护学岗): which schools have a staffed post in each window.

A crossing serves the school named in its ``school_id``; a crossing without one (or with an
unknown one) serves the school whose nearest gate lies within ``duty_search_m`` metres.
It is *staffed* when ``staffed_by`` is set and not ``none`` and ``staff`` is not 0, and it
covers a window (``am``, ``noon``, ``pm``) when its ``<window>_window`` is filled in.
Unstaffed crossings within ``unstaffed_gap_m`` metres of any gate are listed as gaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from gis.coverage.config import CoverageConfig
from gis.coverage.geometry import to_metric

WINDOWS = ("am", "noon", "pm")
WINDOW_ZH = {"am": "早高峰", "noon": "午间", "pm": "晚高峰"}
WINDOW_EN = {"am": "morning peak", "noon": "noon", "pm": "afternoon peak"}


def gate_points(gates: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """One row per gate point with its ``school_id`` (metric CRS)."""
    pts = gates.explode(index_parts=False)
    pts = pts[~(pts.isna() | pts.is_empty)]
    return gpd.GeoDataFrame({"school_id": pts.index.astype(str)}, geometry=pts.to_numpy(),
                            crs=gates.crs)


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series("", index=frame.index)
    return frame[name].fillna("").astype(str).str.strip()


def assign_crossings(crossings: gpd.GeoDataFrame, gates: gpd.GeoSeries, *,
                     config: CoverageConfig, crs: CRS) -> gpd.GeoDataFrame:
    """Crossings in ``crs`` with ``served_school_id``, ``staffed`` and ``<window>`` flags.

    Parameters
    ----------
    crossings : GeoDataFrame
        The ``crossings`` layer.
    gates : GeoSeries
        Gates per school id (metric CRS), from :func:`gis.coverage.gates.school_gates`.
    config : CoverageConfig
        ``duty_search_m`` (metres).
    crs : pyproj.CRS
        Metric CRS.

    Returns
    -------
    GeoDataFrame
        The crossings plus ``crossing_id, served_school_id`` (None when no school is near),
        ``staffed`` and one boolean column per window (``am, noon, pm``).
    """
    cx = to_metric(crossings, crs).copy()
    cx["crossing_id"] = cx["id"].astype(str) if "id" in cx.columns else cx.index.astype(str)
    given = _text(cx, "school_id")
    known = given.isin(set(gates.index.astype(str)))
    cx["served_school_id"] = given.where(known, None)
    todo = cx.loc[~known, ["geometry"]]
    pts = gate_points(gates)
    if len(todo) and len(pts):
        near = gpd.sjoin_nearest(todo, pts, how="inner", max_distance=config.duty_search_m,
                                 distance_col="duty_distance_m")
        near = near[~near.index.duplicated(keep="first")]
        cx.loc[near.index, "served_school_id"] = near["school_id"].to_numpy()
    staffed_by = _text(cx, "staffed_by")
    staff = (pd.to_numeric(cx["staff"], errors="coerce") if "staff" in cx.columns
             else pd.Series(np.nan, index=cx.index))
    cx["staffed"] = (staffed_by != "") & (staffed_by != "none") & ~(staff == 0)
    for w in WINDOWS:
        cx[w] = _text(cx, f"{w}_window") != ""
    return cx


def peak_duty(crossings: gpd.GeoDataFrame, gates: gpd.GeoSeries, *, config: CoverageConfig,
              crs: CRS) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Staffed duty per school and window, and the unstaffed crossings near gates.

    Returns
    -------
    per_school : DataFrame
        Indexed by school id: ``am_staffed, noon_staffed, pm_staffed`` (bool),
        ``duty_posts`` (staffed crossings serving the school), ``duty_gaps`` (ids of unstaffed
        crossings near its gates, comma separated) and ``duty_gap_count``.
    gaps : GeoDataFrame
        ``crossing_id, school_id, distance_m`` (metres to the nearest gate of that school)
        and the crossing point, in ``crs``.
    """
    ids = gates.index.astype(str)
    per_school = pd.DataFrame(index=pd.Index(ids, name="school_id"))
    empty_gaps = gpd.GeoDataFrame({"crossing_id": [], "school_id": [], "distance_m": []},
                                  geometry=[], crs=crs)
    if crossings is None or len(crossings) == 0:
        for w in WINDOWS:
            per_school[f"{w}_staffed"] = False
        per_school["duty_posts"] = 0
        per_school["duty_gaps"] = ""
        per_school["duty_gap_count"] = 0
        return per_school, empty_gaps
    cx = assign_crossings(crossings, gates, config=config, crs=crs)
    served = cx[cx["staffed"] & cx["served_school_id"].notna()]
    for w in WINDOWS:
        staffed_ids = set(served.loc[served[w], "served_school_id"])
        per_school[f"{w}_staffed"] = per_school.index.isin(staffed_ids)
    per_school["duty_posts"] = served.groupby("served_school_id").size().reindex(ids).fillna(0)\
        .astype(int).to_numpy()

    unstaffed = cx.loc[~cx["staffed"], ["crossing_id", "geometry"]]
    pts = gate_points(gates)
    gaps = empty_gaps
    if len(unstaffed) and len(pts):
        pairs = gpd.sjoin(unstaffed, pts, predicate="dwithin", distance=config.unstaffed_gap_m)
        if len(pairs):
            pairs["distance_m"] = pairs.geometry.distance(
                pts.geometry.iloc[pairs["index_right"].to_numpy()].set_axis(pairs.index))
            pairs = pairs.sort_values("distance_m").drop_duplicates(["crossing_id", "school_id"])
            gaps = gpd.GeoDataFrame(pairs[["crossing_id", "school_id", "distance_m"]],
                                    geometry=pairs.geometry, crs=crs).reset_index(drop=True)
    listed = gaps.groupby("school_id")["crossing_id"].agg(lambda s: ",".join(sorted(s)))
    per_school["duty_gaps"] = listed.reindex(ids).fillna("").to_numpy()
    per_school["duty_gap_count"] = gaps.groupby("school_id").size().reindex(ids).fillna(0)\
        .astype(int).to_numpy()
    return per_school, gaps
