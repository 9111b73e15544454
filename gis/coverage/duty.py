"""Peak-hour duty (高峰勤务 / 护学岗): who stands at each school's gates in each window.

A crossing serves the school named in its ``school_id``; a crossing without one (or with an
unknown one) serves the school whose nearest gate lies within ``duty_search_m`` metres.
:func:`crossing_presence` is the one rule for who is there (also read by the KPI and wall tiles):
a crossing is *staffed* when ``staffed_by`` is one of police, auxiliary, guard, volunteer and
``staff`` is not 0 (a blank staff count keeps the record's word and is flagged ``staff_unknown``);
it is *police presence* (见警察) only when staffed by ``police`` or ``auxiliary``; guards and
volunteers are reported beside it, never counted as it; it is *armed* when police presence and
``armed`` is set. A crossing covers a window (``am``, ``noon``, ``pm``) when its
``<window>_window`` is filled in. Unstaffed crossings within ``unstaffed_gap_m`` metres of any
gate are listed as gaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from gis.coverage.config import CoverageConfig
from gis.coverage.geometry import to_metric

WINDOWS = ("am", "noon", "pm")
POLICE = ("police", "auxiliary")          # 见警察: police and auxiliary police only
OTHER_STAFF = ("guard", "volunteer")      # shown beside police presence, never counted as it
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


def crossing_presence(crossings: pd.DataFrame) -> pd.DataFrame:
    """Who stands at each crossing: the one rule shared by the score, the KPI and wall tiles.

    Parameters
    ----------
    crossings : DataFrame
        The ``crossings`` layer (``staffed_by``, ``staff``, ``armed`` may be absent).

    Returns
    -------
    DataFrame
        Same index: ``staffed`` (anyone on duty), ``police`` (police or auxiliary on duty),
        ``other_staff`` (guard or volunteer on duty), ``armed`` (police presence with ``armed``
        set) and ``staff_unknown`` (on duty by ``staffed_by`` but no staff count recorded).
    """
    who = _text(crossings, "staffed_by").str.lower()
    staff = (pd.to_numeric(crossings["staff"], errors="coerce").astype(float) if "staff" in crossings.columns
             else pd.Series(np.nan, index=crossings.index))
    on_duty = who.isin(POLICE + OTHER_STAFF) & ~(staff <= 0)
    police = on_duty & who.isin(POLICE)
    armed = (crossings["armed"].map(lambda v: bool(v) if pd.notna(v) else False).astype(bool)
             if "armed" in crossings.columns else pd.Series(False, index=crossings.index))
    return pd.DataFrame({"staffed": on_duty, "police": police, "other_staff": on_duty & ~police,
                         "armed": police & armed, "staff_unknown": on_duty & staff.isna()},
                        index=crossings.index)


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
        the columns of :func:`crossing_presence` and one boolean column per window
        (``am, noon, pm``).
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
    presence = crossing_presence(cx)
    for col in presence.columns:
        cx[col] = presence[col].to_numpy()
    for w in WINDOWS:
        cx[w] = _text(cx, f"{w}_window") != ""
    return cx


def peak_duty(crossings: gpd.GeoDataFrame, gates: gpd.GeoSeries, *, config: CoverageConfig,
              crs: CRS) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Staffed duty per school and window, and the unstaffed crossings near gates.

    Returns
    -------
    per_school : DataFrame
        Indexed by school id, per window ``w`` of ``am, noon, pm``: ``w_staffed`` (anyone on
        duty), ``police_w`` (police or auxiliary: 见警察), ``other_w`` (guards/volunteers on duty,
        count of crossings), ``armed_w`` (armed police); then ``duty_posts`` (staffed crossings
        serving the school), ``staff_unknown`` (of those, with no staff count), ``duty_gaps``
        (ids of unstaffed crossings near its gates, comma separated, for the tables),
        ``duty_gap_list`` (the same ids as a list, for the reasons) and ``duty_gap_count``.
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
            per_school[f"police_{w}"] = False
            per_school[f"other_{w}"] = 0
            per_school[f"armed_{w}"] = False
        per_school["duty_posts"] = 0
        per_school["staff_unknown"] = 0
        per_school["duty_gaps"] = ""
        per_school["duty_gap_list"] = pd.Series([[] for _ in ids], index=per_school.index, dtype=object)
        per_school["duty_gap_count"] = 0
        return per_school, empty_gaps
    cx = assign_crossings(crossings, gates, config=config, crs=crs)
    served = cx[cx["staffed"] & cx["served_school_id"].notna()]
    position = pd.Index(ids).get_indexer(served["served_school_id"].astype(str))

    def count(mask: pd.Series) -> np.ndarray:
        keep = mask.to_numpy(dtype=bool) & (position >= 0)
        return np.bincount(position[keep], minlength=len(ids))

    for w in WINDOWS:
        per_school[f"{w}_staffed"] = count(served[w]) > 0
        per_school[f"police_{w}"] = count(served[w] & served["police"]) > 0
        per_school[f"other_{w}"] = count(served[w] & served["other_staff"])
        per_school[f"armed_{w}"] = count(served[w] & served["armed"]) > 0
    per_school["duty_posts"] = count(served["staffed"])
    per_school["staff_unknown"] = count(served["staff_unknown"])

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
    by_school: dict[str, list[str]] = {}
    for sid, cid in zip(gaps["school_id"].astype(str), gaps["crossing_id"].astype(str), strict=True):
        by_school.setdefault(sid, []).append(cid)
    per_school["duty_gap_list"] = pd.Series([sorted(by_school.get(i, [])) for i in ids], index=per_school.index,
                                            dtype=object)
    per_school["duty_gap_count"] = gaps.groupby("school_id").size().reindex(ids).fillna(0)\
        .astype(int).to_numpy()
    return per_school, gaps
