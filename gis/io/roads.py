"""What real road files lack, filled in and said out loud: no class column, no ``.prj``.

A county's own drawn roads or roads traced from imagery often carry no class (``highway``,
``class``, ``fclass``, 等级 …) and sometimes no attributes at all; a shapefile may come
without its ``.prj``. Rather than refuse them, the import and the road engine

* give every line a stated default class (``--road-class``, default ``[network]
  default_road_class`` = ``residential``) and say so in a warning naming the class;
* number lines without an id ``<file name>-<row>`` (stable when the same file is imported
  again; a ``FID`` column that only counts rows, as GDAL adds to attribute-less shapefiles,
  is no id);
* read a layer with no coordinate system as WGS-84 when all its coordinates lie in
  longitude/latitude ranges (with a warning), and refuse it otherwise with the reason and
  a ``--crs`` hint (projected metres cannot be placed without knowing the projection).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import shapely

from gis.errors import ValidationError
from gis.io.china_crs import gauss_kruger_guess

DEFAULT_ROAD_CLASS = "residential"
ASSUMED_CLASS_COLUMN = "道路等级（默认）"
GENERATED_ID_COLUMN = "编号（自动）"


def looks_like_lonlat(geoms) -> bool:
    """Whether every coordinate of ``geoms`` (GeoSeries / GeoDataFrame / array) lies in lon/lat ranges."""
    arr = getattr(geoms, "geometry", geoms)
    coords = shapely.get_coordinates(np.asarray(arr, dtype=object))
    if len(coords) == 0:
        return True
    minx, miny = coords.min(axis=0)
    maxx, maxy = coords.max(axis=0)
    return bool(-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def no_crs_message(geoms) -> str:
    """Why a layer with no coordinate system whose coordinates are not lon/lat is refused,
    with the likely system when the eastings carry a Gauss–Krüger zone number."""
    coords = shapely.get_coordinates(np.asarray(getattr(geoms, "geometry", geoms), dtype=object))
    (minx, miny), (maxx, maxy) = coords.min(axis=0), coords.max(axis=0)
    guess = gauss_kruger_guess(coords[:, 0], coords[:, 1])
    if guess:
        code, name = guess
        hint_zh = (f"x 坐标以带号 {int(minx // 1e6)} 开头，像是 {name}；如确认，请用 --crs {code}"
                   "（西安80、北京54 的同号带坐标会差几十到上百米，请以 .prj 或数据来源为准）")
        hint_en = f"the eastings carry zone number {int(minx // 1e6)}, as in {name}: if so, give --crs {code}"
    else:
        hint_zh = ("或用 --crs 指定坐标系；不带带号的 CGCS2000 3 度带为 EPSG:4534 +（中央经线 − 75）÷ 3，"
                   "例如 114°E → --crs EPSG:4547，117°E → --crs EPSG:4548")
        hint_en = "or give --crs EPSG:n, e.g. --crs EPSG:4548 (CGCS2000 3-degree, central meridian 117°E)"
    return (f"文件没有声明坐标系（如 Shapefile 缺少 .prj），且坐标范围 x {minx:.0f}…{maxx:.0f}、"
            f"y {miny:.0f}…{maxy:.0f} 不是经纬度（多为投影坐标，单位米），无法确定位置；请补上 .prj 文件，"
            f"{hint_zh} / the file declares no coordinate system (a shapefile without .prj) and its "
            f"coordinates (x {minx:.0f}…{maxx:.0f}, y {miny:.0f}…{maxy:.0f}) are not longitude/latitude "
            f"(projected metres?): add the .prj file, {hint_en}")


NO_CRS_WARNING = ("文件没有声明坐标系（如 Shapefile 缺少 .prj），坐标在经纬度范围内，按 WGS-84 经纬度读取；"
                  "如不对请用 --crs 指定 / the file declares no coordinate system (no .prj); its coordinates "
                  "lie in longitude/latitude ranges and are read as WGS-84: use --crs if that is wrong")


def assumed_class_warning(road_class: str) -> str:
    """The warning that names the class given to a classless road layer."""
    return (f"道路图层没有道路等级字段（highway / class / fclass / 等级），全部道路按 “{road_class}” 等级计算车速；"
            f"可用 --road-class 或配置 [network] default_road_class 另行指定 / the road layer has no class column "
            f"(highway, class, fclass, 等级): every road is taken as class '{road_class}' for its speed; "
            "set --road-class or [network] default_road_class")


def check_undeclared_crs(geoms, *, declared: str) -> list[str]:
    """Warnings for a layer read with no coordinate system; raise when it cannot be lon/lat.

    Parameters
    ----------
    geoms : GeoSeries or array of geometries
    declared : str
        The coordinate system the user declared (``wgs84``, ``gcj02``, ``bd09``); an EPSG
        code never reaches here (the layer is then transformed from it).

    Raises
    ------
    ValidationError
        The coordinates are outside longitude/latitude ranges.
    """
    if not looks_like_lonlat(geoms):
        raise ValidationError(no_crs_message(geoms))
    return [NO_CRS_WARNING] if declared == "wgs84" else []


def is_row_counter(column: str, values) -> bool:
    """A ``FID``/``OBJECTID`` column that only counts rows (0…n-1 or 1…n): not a real id.

    GDAL gives a shapefile written with no attributes a dummy ``FID`` field; two such
    files would otherwise overwrite each other's roads on import.
    """
    if str(column).strip().lower() not in ("fid", "objectid", "ogc_fid"):
        return False
    try:
        numbers = [int(v) for v in values]
    except (TypeError, ValueError):
        return False
    n = len(numbers)
    return numbers in (list(range(n)), list(range(1, n + 1)))


def fill_road_defaults(table, column_map: Mapping[str, str], *, road_class: str | None,
                       stem: str) -> tuple[object, dict[str, str], list[str]]:
    """Give a classless or id-less road table the stated class and generated ids.

    Parameters
    ----------
    table : gis.io.tables.RawTable
    column_map : mapping
        Column → field as matched so far.
    road_class : str, optional
        The class for every line when no column maps to ``highway`` (``None``: leave the
        table as it is, the import then asks for the column).
    stem : str
        The file's name without suffix, for generated ids (``<stem>-<row>``).

    Returns
    -------
    table, column_map, warnings
        A new table (the input is not changed) with the added columns mapped.
    """
    frame = table.frame
    mapping = dict(column_map)
    for column, target in column_map.items():
        if target == "id" and is_row_counter(column, frame[column]):
            mapping[column] = ""  # GDAL's dummy FID of an attribute-less shapefile: not an id
    targets = set(mapping.values())
    warnings: list[str] = []
    if "highway" not in targets and road_class:
        frame = frame.assign(**{ASSUMED_CLASS_COLUMN: road_class})
        mapping[ASSUMED_CLASS_COLUMN] = "highway"
        warnings.append(assumed_class_warning(road_class))
    if "id" not in targets:
        frame = frame.assign(**{GENERATED_ID_COLUMN: [f"{stem}-{row}" for row in frame.index]})
        mapping[GENERATED_ID_COLUMN] = "id"
        warnings.append(f"道路图层没有编号字段，按“文件名-行号”编号（如 {stem}-1）/ the road layer has no id "
                        f"column: lines are numbered <file>-<row> (e.g. {stem}-1)")
    if frame is table.frame:
        return table, mapping, warnings
    return dataclasses.replace(table, frame=frame), mapping, warnings
