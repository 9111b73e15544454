"""Small geometry helpers shared by the coverage modules: the metric CRS (defined once in
:mod:`gis.network.graph`), projection of extra geometry columns."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from gis.network.crs import metric_crs, utm_crs

WGS84 = "EPSG:4326"
__all__ = ["WGS84", "metric_crs", "to_metric", "utm_crs"]   # metric_crs: the one definition, re-exported


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
    if CRS(frame.crs).equals(CRS(crs)) and frame.geometry.name == "geometry":
        return frame  # already projected (campus_parts projects the schools once)
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
