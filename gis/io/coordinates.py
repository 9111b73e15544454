"""Coordinates of imported rows: parse pairs and WKT, convert to WGS-84, check the extent.

``convert_points`` converts to WGS-84 and fixes swapped pairs; ``_build_geometries``
builds every row's geometry fields and puts the problems (outside China or the county,
unparseable, wrong kind) into the rejections.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from gis.io import values as V
from gis.io.attributes import _split
from gis.io.china_crs import CHINA_BOUNDS, CoordSystem, haversine_m, in_bounds, to_wgs84
from gis.io.preview import CRS_WGS84, Rejection, _rows_text
from gis.io.roads import check_undeclared_crs
from gis.io.tables import RawTable
from gis.schema import Layer

# -- coordinates -------------------------------------------------------------------------

def _parse_pairs(raw: Any) -> list[tuple[float, float]]:
    """``"117.1,28.2"`` / ``"117.1 28.2; 117.2 28.3"`` / DMS pairs → list of (x, y)."""
    text = V.normalize_text(raw)
    text = text.strip("()[]")
    parts = [p for p in re.split(r"[;；|]", text) if p.strip()]
    pairs = []
    for part in parts:
        bits = [b for b in re.split(r"\s*,\s*|\s+", part.strip().strip("()[]")) if b]
        if len(bits) != 2:
            msg = (f"“{V.normalize_text(raw)[:40]}”不是“经度,纬度”坐标对 / "
                   f"{V.normalize_text(raw)[:40]!r} is not a 'lon,lat' pair")
            raise ValueError(msg)
        x, y = V.parse_coordinate(bits[0]), V.parse_coordinate(bits[1])
        pairs.append((x, y))
    if not pairs:
        raise ValueError("坐标为空 / empty coordinates")
    return pairs


def _raw_points(row_cells: Mapping[str, Any], row: int) -> tuple[list[tuple[float, float]] | None,
                                                                  BaseGeometry | None, list[Rejection]]:
    """Coordinates of one table row: (pairs, wkt geometry, problems)."""
    problems: list[Rejection] = []
    if "wkt" in row_cells and not V.is_blank(row_cells["wkt"]):
        try:
            return None, shapely.from_wkt(V.normalize_text(row_cells["wkt"])), []
        except shapely.errors.GEOSException:
            return None, None, [Rejection(row, "wkt", "几何 WKT 文本无法解析；请检查格式（例：POINT (117.1 28.2)）",
                                          "the WKT text cannot be parsed; e.g. POINT (117.1 28.2)")]
    if "coords" in row_cells and not V.is_blank(row_cells["coords"]):
        try:
            return _parse_pairs(row_cells["coords"]), None, []
        except ValueError as exc:
            zh, en = _split(str(exc))
            return None, None, [Rejection(row, "coords", f"{zh}；请写成 经度,纬度", f"{en}; write lon,lat")]
    values = {}
    for key in ("lon", "lat"):
        raw = row_cells.get(key)
        if V.is_blank(raw):
            problems.append(Rejection(row, key, f"{'经度' if key == 'lon' else '纬度'}为空；请填写坐标",
                                      f"{key} is empty; fill in the coordinate"))
            continue
        try:
            values[key] = V.parse_coordinate(raw)
        except ValueError as exc:
            zh, en = _split(str(exc))
            problems.append(Rejection(row, key, zh, en))
    if problems:
        return None, None, problems
    return [(values["lon"], values["lat"])], None, []


def convert_points(xy: np.ndarray, system: CoordSystem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert an (n, 2) array to WGS-84, fixing swapped pairs.

    Returns
    -------
    lonlat : ndarray (n, 2)
    swapped : ndarray of bool
        Pairs that were only inside China with x and y exchanged (fixed).
    inside : ndarray of bool
        Pairs inside China after conversion (as given or swapped).
    """
    if len(xy) == 0:
        empty = np.zeros(0, dtype=bool)
        return np.zeros((0, 2)), empty, empty
    x, y = xy[:, 0], xy[:, 1]
    if system.is_geographic:
        as_given = in_bounds(x, y)
        as_swapped = in_bounds(y, x) & ~as_given
        x2 = np.where(as_swapped, y, x)
        y2 = np.where(as_swapped, x, y)
        lon, lat = to_wgs84(x2, y2, system)
    else:
        lon1, lat1 = to_wgs84(x, y, system)
        lon2, lat2 = to_wgs84(y, x, system)
        as_given = in_bounds(lon1, lat1)
        as_swapped = in_bounds(lon2, lat2) & ~as_given
        lon = np.where(as_swapped, lon2, lon1)
        lat = np.where(as_swapped, lat2, lat1)
    inside = in_bounds(lon, lat)
    return np.column_stack([lon, lat]), as_swapped, inside


def _transform_geometry(geom: BaseGeometry, system: CoordSystem) -> BaseGeometry:
    def fn(coords: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(coords[:, 0], coords[:, 1], system)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, fn)


def _build_geometries(layer: Layer, table: RawTable, coord_columns: dict[str, str], system: CoordSystem,
                      rejections: dict[int, list[Rejection]], extent) -> tuple[dict[int, dict], list[str]]:
    """Geometry fields per row (``{row: {field: geom}}``); problems go into ``rejections``."""
    geom_field = layer.geometry_fields[0]
    result: dict[int, dict[str, BaseGeometry]] = {}
    warnings: list[str] = []
    frame = table.frame

    def reject(row: int, name: str, zh: str, en: str) -> None:
        rejections.setdefault(row, []).append(Rejection(row, name, zh, en))

    if table.geometry is not None:
        series = gpd.GeoSeries(table.geometry, crs=table.crs)
        if series.crs is not None and not series.crs.equals(CRS_WGS84) and series.crs.to_epsg() != 4490:
            series = series.to_crs(CRS_WGS84)
            warnings.append(f"已从文件坐标系 {table.crs} 转换为 WGS-84 / reprojected from the file's CRS")
        elif series.crs is None and system.kind != "epsg":
            warnings += check_undeclared_crs(series, declared=system.kind)
        if series.crs is None and system.kind == "epsg":
            series = gpd.GeoSeries([None if g is None else _transform_geometry(g, system) for g in series],
                                   index=series.index)
        if system.kind in ("gcj02", "bd09"):
            series = gpd.GeoSeries([None if g is None else _transform_geometry(g, system) for g in series],
                                   index=series.index)
            warnings.append(f"已将 {system.label.upper()} 坐标转换为 WGS-84 / converted {system.label} to WGS-84")
        for row, geom in zip(frame.index, series, strict=True):
            _accept_geometry(layer, int(row), geom, result, reject, extent)
        return result, warnings

    rows, pairs, wkts = [], [], {}
    positions = {t: frame.columns.get_loc(c) for t, c in coord_columns.items()}
    for row, cells in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        row = int(row)
        row_cells = {t: cells[i] for t, i in positions.items()}
        points, wkt_geom, problems = _raw_points(row_cells, row)
        for p in problems:
            rejections.setdefault(row, []).append(p)
        if wkt_geom is not None:
            wkts[row] = wkt_geom
        elif points:
            for pair in points:
                rows.append(row)
                pairs.append(pair)
    xy = np.array(pairs, dtype=float).reshape(-1, 2)
    lonlat, swapped, inside = convert_points(xy, system)
    if system.kind != "wgs84":
        warnings.append(f"已将 {system.label.upper()} 坐标转换为 WGS-84 / converted {system.label} to WGS-84")
    swapped_rows = sorted({r for r, s in zip(rows, swapped, strict=True) if s})
    if swapped_rows:
        warnings.append(f"经纬度填反，已自动互换：第 {_rows_text(swapped_rows)} 行 / longitude and latitude were "
                        f"swapped and have been fixed on rows {_rows_text(swapped_rows)}")
    points_by_row: dict[int, list[Point]] = {}
    for row, (lon, lat), ok, (x, y) in zip(rows, lonlat, inside, xy, strict=True):
        if not ok:
            reject(row, "lon", f"坐标 ({x:g}, {y:g}) 不在中国境内（交换经纬度后也不在）；请核对坐标或 --crs 坐标系",
                   f"({x:g}, {y:g}) is outside China even with lon/lat swapped; check the values or --crs")
            continue
        points_by_row.setdefault(row, []).append(Point(float(lon), float(lat)))
    for row, pts in points_by_row.items():
        if row in rejections and any(p.field in ("lon", "lat") for p in rejections[row]):
            continue
        geom = MultiPoint(pts) if geom_field.kind == "multipoint" else pts[0]
        if geom_field.kind == "point" and len(pts) > 1:
            reject(row, geom_field.name, "只能有一个坐标点；请只保留一个", "only one point is allowed; keep one")
            continue
        _accept_geometry(layer, row, geom, result, reject, extent)
    for row, geom in wkts.items():
        if system.kind != "wgs84":
            geom = _transform_geometry(geom, system)
        _accept_geometry(layer, row, geom, result, reject, extent)
    return result, warnings


def _accept_geometry(layer: Layer, row: int, geom: BaseGeometry | None, result: dict, reject, extent) -> None:
    """Check one geometry and place it in the right geometry field(s)."""
    main = layer.geometry_fields[0]
    if geom is None or geom.is_empty:
        reject(row, main.name, "没有几何/坐标；请补上位置", "no geometry; add the location")
        return
    if geom.has_z:
        geom = shapely.force_2d(geom)
    fields: dict[str, BaseGeometry] = {}
    gtype = geom.geom_type
    if main.kind in ("point", "multipoint") and gtype in ("Polygon", "MultiPolygon"):
        extra = next((f for f in layer.geometry_fields[1:] if f.kind == "polygon"), None)
        if extra is not None and layer.name == "schools":
            fields[extra.name] = geom
        centre = geom.representative_point()
        fields[main.name] = MultiPoint([centre]) if main.kind == "multipoint" else centre
    elif main.kind == "multipoint" and gtype in ("Point", "MultiPoint"):
        fields[main.name] = MultiPoint([geom]) if gtype == "Point" else geom
    elif (main.kind, gtype) in (("point", "Point"), ("line", "LineString"), ("line", "MultiLineString")):
        fields[main.name] = geom
    else:
        reject(row, main.name, f"几何类型 {gtype} 不适用于此图层；应为 {main.kind}",
               f"geometry type {gtype} does not fit this layer; expected {main.kind}")
        return
    for name, g in fields.items():
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            reject(row, name, f"几何无效（{reason}）；请修正图形", f"invalid geometry ({reason}); fix the shape")
            return
        coords = shapely.get_coordinates(g)
        if len(coords) == 1:
            x, y = coords[0]
            if not (math.isfinite(x) and math.isfinite(y)):
                reject(row, name, "坐标含无效数值；请改正", "coordinates hold invalid numbers; correct them")
                return
            if _inside(x, y, CHINA_BOUNDS) and (extent is None or name != main.name or _inside(x, y, extent)):
                continue
        if not np.isfinite(coords).all():
            reject(row, name, "坐标含无效数值；请改正", "coordinates hold invalid numbers; correct them")
            return
        if not in_bounds(coords[:, 0], coords[:, 1]).all():
            reject(row, name, "坐标不在中国境内；请核对坐标或 --crs 坐标系",
                   "coordinates are outside China; check the values or --crs")
            return
        if extent is not None and name == main.name:
            outside = ~in_bounds(coords[:, 0], coords[:, 1], extent)
            if outside.any():
                lon, lat = coords[outside][0]
                cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
                km = float(haversine_m(lon, lat, cx, cy)) / 1000
                reject(row, name, f"位置 ({lon:.5f}, {lat:.5f}) 在本县道路数据范围之外（距中心约 {km:.1f} 公里）；"
                       f"请核对坐标或坐标系", f"({lon:.5f}, {lat:.5f}) lies outside the county's road data "
                       f"(about {km:.1f} km from its centre); check the coordinates or --crs")
                return
    result[row] = fields


def _first_point(geom: BaseGeometry | None) -> Point | None:
    if geom is None or geom.is_empty:
        return None
    return geom.geoms[0] if geom.geom_type == "MultiPoint" else geom if geom.geom_type == "Point" else None


def _inside(x: float, y: float, bounds) -> bool:
    return bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]
