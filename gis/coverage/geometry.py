"""Small geometry helpers shared by the coverage modules: the metric CRS, projection."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from gis.errors import CRSError
from gis.network.graph import utm_crs_for

WGS84 = "EPSG:4326"


def metric_crs(*frames: gpd.GeoDataFrame | gpd.GeoSeries | None) -> CRS:
    """Local UTM zone (WGS-84 datum) covering the extent of the given layers.

    Parameters
    ----------
    *frames : GeoDataFrame or GeoSeries
        Layers in any CRS; empty or ``None`` ones are skipped.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres.
    """
    bounds = []
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        geo = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
        if geo.crs is not None and CRS(geo.crs).is_projected:
            return CRS(geo.crs)
        b = geo.to_crs(WGS84).total_bounds if geo.crs is not None else geo.total_bounds
        if np.all(np.isfinite(b)):
            bounds.append(b)
    if not bounds:
        msg = "没有可用于确定投影的坐标 / no coordinates to choose a metric CRS from"
        raise CRSError(msg)
    arr = np.array(bounds)
    west, south = arr[:, 0].min(), arr[:, 1].min()
    east, north = arr[:, 2].max(), arr[:, 3].max()
    if not (-180 <= west <= 180 and -90 <= south <= 90 and -180 <= east <= 180 and -90 <= north <= 90):
        msg = (f"坐标超出经纬度范围 ({west:.3f}, {south:.3f}, {east:.3f}, {north:.3f})，请检查坐标系 / "
               "coordinates are not longitude/latitude; check the CRS")
        raise CRSError(msg)
    lon = (west + east) / 2
    lat = (south + north) / 2
    return utm_crs(round(lon, 2), round(lat, 2))


@lru_cache(maxsize=64)
def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS-84 UTM zone containing (``lon``, ``lat``) in degrees (EPSG 326xx / 327xx)."""
    return CRS(utm_crs_for(lon, lat))


def _is_geometry_column(series: pd.Series) -> bool:
    if isinstance(series.dtype, gpd.array.GeometryDtype):
        return True
    if series.dtype != object:
        return False
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, BaseGeometry) for v in values)


def to_metric(frame: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Project ``frame`` and its extra geometry columns to ``crs``.

    Columns without a CRS are taken as EPSG:4326 (the store's CRS). The active geometry
    column is renamed ``geometry`` (the store names it ``point``, ``gates`` …).
    """
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    out = frame.to_crs(crs)
    if out.geometry.name != "geometry" and "geometry" not in out.columns:
        out = out.rename_geometry("geometry")
    for col in out.columns:
        if col == out.geometry.name or not _is_geometry_column(out[col]):
            continue
        series = gpd.GeoSeries(out[col], index=out.index)
        if series.crs is None:
            series = series.set_crs(frame.crs)
        out[col] = series.to_crs(crs)
    return out
