"""Spot GCJ-02 / BD-09 coordinates declared as WGS-84, by comparing them with the road network.

Gates, posts and crossings sit next to roads. When a file's points are much closer to
the stored (WGS-84, OpenStreetMap) roads after undoing the GCJ-02 or BD-09 offset than
as given, the file was almost certainly copied from Gaode/Tencent or Baidu maps. We
never convert on a guess: the importer warns and the planner re-imports with ``--crs``.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from gis.io.china_crs import bd09_to_wgs84, gcj02_to_wgs84

MIN_POINTS = 5
MIN_MEDIAN_M = 40.0     # below this, points as given already hug the roads
RATIO = 0.5             # converted median distance must be at most half the given one
SAMPLE = 500


def _metric(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    """Local equirectangular metres (good to <0.5 % over a county)."""
    return np.column_stack([lon * 111_320.0 * math.cos(math.radians(lat0)), lat * 110_574.0])


def median_road_distance_m(lon: np.ndarray, lat: np.ndarray, roads: gpd.GeoDataFrame) -> float:
    """Median distance (metres) from the points to the nearest road line."""
    lat0 = float(np.nanmean(lat))
    lines = [g for g in roads.geometry if g is not None and not g.is_empty]

    def project(coords: np.ndarray) -> np.ndarray:
        return _metric(coords[:, 0], coords[:, 1], lat0)

    metric_lines = shapely.transform(np.array(lines, dtype=object), project)
    tree = shapely.STRtree(metric_lines)
    points = shapely.points(_metric(np.asarray(lon), np.asarray(lat), lat0))
    _, distances = tree.query_nearest(points, return_distance=True, all_matches=False)
    return float(np.median(distances))


def suspect_offset(lon: np.ndarray, lat: np.ndarray, roads: gpd.GeoDataFrame | None) -> tuple[str, float, float] | None:
    """``(crs, given_m, converted_m)`` when the points look like GCJ-02/BD-09, else ``None``.

    Parameters
    ----------
    lon, lat : arrays
        The imported points as read (declared WGS-84), degrees.
    roads : GeoDataFrame or None
        The stored road lines (EPSG:4326).
    """
    if roads is None or len(roads) == 0 or len(lon) < MIN_POINTS:
        return None
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if len(lon) > SAMPLE:
        pick = np.linspace(0, len(lon) - 1, SAMPLE).astype(int)
        lon, lat = lon[pick], lat[pick]
    given = median_road_distance_m(lon, lat, roads)
    if given < MIN_MEDIAN_M:
        return None
    best = None
    for name, convert in (("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)):
        x, y = convert(lon, lat)
        converted = median_road_distance_m(x, y, roads)
        if converted <= RATIO * given and (best is None or converted < best[2]):
            best = (name, given, converted)
    return best


def offset_warning(found: tuple[str, float, float]) -> str:
    name, given, converted = found
    source = {"gcj02": "高德/腾讯地图（GCJ-02）", "bd09": "百度地图（BD-09）"}[name]
    return (f"坐标疑似来自{source}：按 WGS-84 理解时点位距道路中位数 {given:.0f} 米，按 {name} 换算后仅 "
            f"{converted:.0f} 米。如确认，请选择坐标系 {name}（命令行 --crs {name}）重新导入 / the points look like "
            f"{name}: median distance to the roads {given:.0f} m as WGS-84, {converted:.0f} m as {name}; "
            f"re-import with --crs {name} if so")
