"""The one metric CRS: the WGS-84 UTM zone of the data's extent (metres for lengths, buffers and
snapping everywhere; ``gis.coverage.geometry`` re-exports it)."""

from __future__ import annotations

import math
from functools import lru_cache

import geopandas as gpd
import numpy as np
from pyproj import CRS

from gis.errors import CRSError

CRS_WGS84 = "EPSG:4326"


def utm_crs_for(lon: float, lat: float) -> str:
    """EPSG code of the WGS-84 UTM zone holding ``(lon, lat)``."""
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"



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
        b = geo.to_crs(CRS_WGS84).total_bounds if geo.crs is not None else geo.total_bounds
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
