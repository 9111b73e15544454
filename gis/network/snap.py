"""Snap points onto the nearest road segment (projection, not nearest node).

A snapped point sits at fraction ``t`` along segment ``seg`` (from ``seg_a`` to ``seg_b``);
the segment is split there virtually, so the costs to both ends are ``t`` and ``1 - t`` of
the segment's time in each open direction. The off-road leg between the point and its
projection is walked/driven at ``access_speed_kmh``. Points farther than ``max_snap_m``
are flagged (``snapped = False``) and listed in ``attrs["far_points"]``, never silently used.

A point whose nearest road is a piece *dropped* from the graph (not connected to the main
network) and that lies more than ``STRANDED_MARGIN_M`` closer to it than to the main
network is *stranded*: not snapped either (a made-up walk to some other road would give
a wrong time), flagged ``stranded`` and listed in ``attrs["stranded_points"]``, so the
reason given is 「所在道路与主路网不连通」 rather than "too far from a road".
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.errors import ValidationError
from gis.network.config import NetworkConfig
from gis.network.graph import CRS_WGS84, RoadGraph

SNAP_COLUMNS = ("point_id", "seg", "t", "snap_m", "access_s", "walk_s_per_m", "back_m", "x", "y", "px", "py",
                "snapped", "stranded")
STRANDED_MARGIN_M = 30.0  # a dropped road must be this much nearer than the main network


def point_array(points: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "points") -> np.ndarray:
    """Point geometries in EPSG:4326 as a shapely array; one-part MultiPoints are unwrapped.

    Raises
    ------
    ValidationError
        Empty geometries or several points in one row (explode school gates first:
        ``school_gate_points``).
    """
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if geoms.crs is not None and not geoms.crs.equals(CRS_WGS84):
        geoms = geoms.to_crs(CRS_WGS84)
    arr = geoms.to_numpy()
    type_ids = shapely.get_type_id(arr)
    multi = type_ids == 4
    if multi.any():
        one = multi & (shapely.get_num_geometries(arr) == 1)
        arr = arr.copy()
        arr[one] = shapely.get_geometry(arr[one], 0)
        type_ids = shapely.get_type_id(arr)
    bad = (type_ids != 0) | shapely.is_empty(arr)
    if bad.any():
        rows = [str(r) for r in np.asarray(points.index)[bad][:5]]
        msg = (f"{what} 第 {', '.join(rows)} 行不是单个点（学校请先用 school_gate_points 拆分校门）/ "
               f"{what} rows {', '.join(rows)} are not single points (explode school gates first)")
        raise ValidationError(msg)
    return arr


def snap_points(graph: RoadGraph, points: gpd.GeoDataFrame | gpd.GeoSeries, *,
                max_snap_m: float | None = None, access_speed_kmh: float | None = None,
                id_column: str = "id", config: NetworkConfig | None = None) -> pd.DataFrame:
    """Project every point onto its nearest segment.

    Parameters
    ----------
    graph : RoadGraph
    points : GeoDataFrame or GeoSeries
        Points (EPSG:4326 or any CRS set on them).
    max_snap_m : float, optional
        Off-road distance limit in metres (config ``max_snap_m`` when omitted).
    access_speed_kmh : float, optional
        Speed of the off-road leg (config ``access_speed_kmh`` when omitted).
    id_column : str
        Column copied into ``point_id`` (the row index when absent).

    Returns
    -------
    DataFrame
        Indexed like ``points``: ``point_id``, ``seg``, ``t`` (0–1 from ``seg_a``), ``snap_m``
        (metres off road), ``access_s`` (seconds for that leg), ``walk_s_per_m`` (seconds per
        metre on foot) and ``back_m`` (metres that may be walked against a one-way of the
        segment: ``[network] walk_against_oneway_m``), ``x``/``y`` (projection,
        metres), ``px``/``py`` (the point, metres), ``snapped`` (``snap_m <= max_snap_m`` and
        not stranded), ``stranded`` (on a road piece not connected to the main network).
        ``attrs["far_points"]`` lists the ids of points beyond the limit,
        ``attrs["stranded_points"]`` those of stranded points.
    """
    config = config or NetworkConfig.from_settings()
    max_snap_m = config.max_snap_m if max_snap_m is None else float(max_snap_m)
    access = (config.access_speed_kmh if access_speed_kmh is None else access_speed_kmh) / 3.6
    geoms = point_array(points)
    ids = (points[id_column].astype(str).to_numpy()
           if isinstance(points, gpd.GeoDataFrame) and id_column in points.columns
           else np.asarray(points.index).astype(str))
    if len(geoms) == 0:
        frame = pd.DataFrame({c: [] for c in SNAP_COLUMNS}, index=points.index)
        frame.attrs["far_points"] = []
        frame.attrs["stranded_points"] = []
        return frame
    if graph.n_segments == 0:
        msg = ("道路网络为空（没有相互连通的道路），无法把地点接入路网；请导入完整的道路数据 / the road network is "
               "empty (no connected roads): points cannot be placed on it; import a complete road layer")
        raise ValidationError(msg)
    px, py = graph.to_local().transform(shapely.get_x(geoms), shapely.get_y(geoms))
    local = shapely.points(px, py)
    idx, dist = graph.segment_tree().query_nearest(local, return_distance=True, all_matches=False)
    seg = np.empty(len(local), dtype=np.int64)
    snap_m = np.empty(len(local))
    seg[idx[0]] = idx[1]
    snap_m[idx[0]] = dist
    a = graph.node_xy[graph.seg_a[seg]]
    b = graph.node_xy[graph.seg_b[seg]]
    ab = b - a
    denom = np.maximum((ab ** 2).sum(axis=1), 1e-12)
    t = np.clip(((np.column_stack([px, py]) - a) * ab).sum(axis=1) / denom, 0.0, 1.0)
    proj = a + t[:, None] * ab
    stranded = np.zeros(len(local), dtype=bool)
    dropped = graph.dropped_tree()
    if dropped is not None:
        didx, ddist = dropped.query_nearest(local, return_distance=True, all_matches=False)
        dropped_m = np.full(len(local), np.inf)
        dropped_m[didx[0]] = ddist
        stranded = (dropped_m <= max_snap_m) & (snap_m - dropped_m > STRANDED_MARGIN_M)
    near = snap_m <= max_snap_m
    frame = pd.DataFrame({
        "point_id": ids, "seg": seg, "t": t, "snap_m": snap_m, "access_s": snap_m / access,
        "walk_s_per_m": 1.0 / access, "back_m": config.walk_against_oneway_m,
        "x": proj[:, 0], "y": proj[:, 1], "px": px, "py": py, "snapped": near & ~stranded,
        "stranded": stranded,
    }, index=points.index)
    frame.attrs["far_points"] = frame.loc[~near & ~stranded, "point_id"].tolist()
    frame.attrs["stranded_points"] = frame.loc[stranded, "point_id"].tolist()
    return frame


def school_gate_points(schools: gpd.GeoDataFrame, *, id_column: str = "id") -> gpd.GeoDataFrame:
    """Explode each school's ``gates`` MultiPoint into one row per gate.

    Returns
    -------
    GeoDataFrame
        ``school_id``, ``gate_index`` (0 = main gate), ``id`` (``<school_id>#<gate_index>``),
        Point geometry in EPSG:4326.
    """
    geoms = schools.geometry
    if geoms.crs is not None and not geoms.crs.equals(CRS_WGS84):
        geoms = geoms.to_crs(CRS_WGS84)
    parts, owner = shapely.get_parts(geoms.to_numpy(), return_index=True)
    school_ids = schools[id_column].astype(str).to_numpy() if id_column in schools.columns \
        else np.asarray(schools.index).astype(str)
    gate_index = pd.Series(owner).groupby(owner).cumcount().to_numpy()
    sid = school_ids[owner]
    return gpd.GeoDataFrame({
        "school_id": sid, "gate_index": gate_index,
        "id": [f"{s}#{g}" for s, g in zip(sid, gate_index, strict=True)],
    }, geometry=parts, crs=CRS_WGS84)
