"""Values between GeoDataFrames and database rows.

``clean_value`` turns whatever a GeoDataFrame cell holds (numpy scalars, NaN, pandas
timestamps, 3-D geometries) into one canonical Python value per field kind, raising a
planner-readable ``ValidationError`` when it cannot. The canonical value is what is
compared to decide whether a row changed, and what ``to_db``/``from_db`` convert for a
back-end. ``audit_text`` renders a value for the audit log.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from gis.errors import ValidationError
from gis.schema import GEOMETRY_KINDS, Field

SRID = 4326
ALLOWED_GEOMETRIES = {
    "point": ("Point",),
    "multipoint": ("MultiPoint",),
    "polygon": ("Polygon", "MultiPolygon"),
    "line": ("LineString", "MultiLineString"),
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "有", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "无", "f"})
RESTRICTED = "(restricted)"
MAX_TEXT_CHARS = 10_000     # longest text the store keeps in one field (a name, a note)


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    if isinstance(value, BaseGeometry):
        return value.is_empty
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class CellError(ValidationError):
    """One cell the store refuses; ``field``, ``zh`` and ``en`` say which and why (no value
    of a restricted field is ever part of the message)."""

    def __init__(self, message: str, *, field: str, zh: str, en: str) -> None:
        super().__init__(message)
        self.field, self.zh, self.en = field, zh, en


def shown_value(f: Field | None, value: Any, limit: int = 40) -> str:
    """A value as messages may show it: restricted fields never, long text shortened."""
    if f is not None and f.sensitive:
        return "（受限字段）"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def _bad(layer: str, row_id: Any, f: Field, value: Any, need_zh: str, need_en: str) -> CellError:
    shown = shown_value(f, value)
    msg = (f"图层 {layer} 记录 {row_id} 的字段 {f.name}（{f.zh}）取值 {shown} 无效：{need_zh} / "
           f"layer {layer}, row {row_id}, field {f.name}: invalid value {shown}; {need_en}")
    return CellError(msg, field=f.name, zh=f"取值 {shown} 无效：{need_zh}", en=f"invalid value {shown}; {need_en}")


def _text_problem(text: str) -> tuple[str, str] | None:
    """Why the store cannot keep ``text`` (NUL, lone surrogate, too long), or ``None``."""
    if "\x00" in text:
        return "含有不可见的空字符 (NUL)，请删除", "it contains a NUL character; remove it"
    if len(text) > MAX_TEXT_CHARS:
        return (f"文本长 {len(text)} 字，超过 {MAX_TEXT_CHARS} 字上限；请缩短",
                f"the text is {len(text)} characters long, above the limit of {MAX_TEXT_CHARS}; shorten it")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无法编码的字符（孤立代理项），请改正", "it holds an unencodable character (lone surrogate)"
    return None


def clean_value(layer: str, row_id: Any, f: Field, value: Any) -> Any:
    """Return the canonical value of one cell for field ``f``.

    Parameters
    ----------
    layer, row_id : str
        Named in the error message.
    f : Field
        The schema field.
    value : any
        The cell.

    Returns
    -------
    None, str, int, float, bool, datetime.datetime (naive) or shapely geometry (2-D).
    """
    if is_missing(value):
        if f.required:
            msg = (f"图层 {layer} 记录 {row_id} 缺少必填字段 {f.name}（{f.zh}），请补全后重试 / "
                   f"layer {layer}, row {row_id}: required field {f.name} is empty; fill it in")
            raise CellError(msg, field=f.name, zh=f"必填项“{f.zh}”为空；请填写",
                            en=f"required field {f.name} is empty; fill it in")
        return None
    kind = f.kind
    if kind in GEOMETRY_KINDS:
        return _clean_geometry(layer, row_id, f, value)
    if kind in ("text", "window"):
        text = str(value)
        problem = _text_problem(text)
        if problem:
            raise _bad(layer, row_id, f, value, *problem)
        return text
    if kind == "enum":
        text = str(value)
        if text not in f.choices:
            raise _bad(layer, row_id, f, value, f"应为 {'/'.join(f.choices)} 之一",
                       f"use one of {', '.join(f.choices)}")
        return text
    if kind == "int":
        number = _number(layer, row_id, f, value)
        if not float(number).is_integer():
            raise _bad(layer, row_id, f, value, "应为整数", "use a whole number")
        return int(number)
    if kind == "float":
        return float(_number(layer, row_id, f, value))
    if kind == "bool":
        return _clean_bool(layer, row_id, f, value)
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise _bad(layer, row_id, f, value, "应为日期，如 2024-09-01",
                       "use a date such as 2024-09-01") from exc
        return stamp.date()
    if kind == "datetime":
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise _bad(layer, row_id, f, value, "应为日期时间，如 2024-09-01 08:00",
                       "use a date/time such as 2024-09-01 08:00") from exc
        return stamp.tz_localize(None).to_pydatetime() if stamp.tzinfo else stamp.to_pydatetime()
    return value


def clean_column(layer: str, ids: list[str], f: Field, values: pd.Series) -> list[Any]:
    """Canonical values of a whole column (same rules as ``clean_value``, vectorised where
    it matters: geometries and text)."""
    values = list(values)
    if f.kind in GEOMETRY_KINDS:
        return _clean_geometry_column(layer, ids, f, values)
    if f.kind in ("text", "window", "enum"):
        cleaned = []
        for rid, value in zip(ids, values, strict=True):
            if isinstance(value, str) and (value in f.choices if f.kind == "enum" else (
                    "\x00" not in value and len(value) <= MAX_TEXT_CHARS and value.isprintable() or
                    _text_problem(value) is None)):
                cleaned.append(value)
            else:
                cleaned.append(clean_value(layer, rid, f, value))
        return cleaned
    if _already_canonical(f, values):
        return values
    return [clean_value(layer, rid, f, value) for rid, value in zip(ids, values, strict=True)]


def _already_canonical(f: Field, values: list[Any]) -> bool:
    """True when every value of an int/float/bool column is already what ``clean_value``
    would return (plain Python values in range, ``None`` only where allowed): skips the
    per-value pass for clean imports."""
    want = {"int": int, "float": float, "bool": bool}.get(f.kind)
    if want is None:
        return False
    low = -math.inf if f.low is None else f.low
    high = math.inf if f.high is None else f.high
    for v in values:
        if v is None:
            if f.required:
                return False
            continue
        if type(v) is not want:
            return False
        if want is float and not math.isfinite(v):
            return False
        if want is not bool and not (low <= v <= high):
            return False
    return True


def _clean_geometry_column(layer: str, ids: list[str], f: Field, values: list[Any]) -> list[Any]:
    array = np.empty(len(values), dtype=object)
    array[:] = [v if isinstance(v, BaseGeometry) and not v.is_empty else None for v in values]
    for rid, value, geom in zip(ids, values, array, strict=True):
        if geom is None and (f.required or not is_missing(value)):
            clean_value(layer, rid, f, value)   # raises the row's error
    if len(array) == 0:
        return []
    if shapely.has_z(array).any():
        array = shapely.force_2d(array)
    types = shapely.get_type_id(array)
    if f.kind == "multipoint":
        single = types == shapely.GeometryType.POINT
        if single.any():
            array[single] = [MultiPoint([g]) for g in array[single]]
            types = shapely.get_type_id(array)
    allowed = [int(shapely.GeometryType[name.upper()]) for name in ALLOWED_GEOMETRIES[f.kind]]
    bounds = shapely.bounds(array)
    inside = ((bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90)
              & (bounds[:, 3] <= 90))
    good = (types == -1) | (np.isin(types, allowed) & inside)
    if not good.all():
        k = int(np.flatnonzero(~good)[0])
        clean_value(layer, ids[k], f, array[k])   # raises the row's error
    return list(array)


def _number(layer: str, row_id: Any, f: Field, value: Any) -> float | int:
    if isinstance(value, bool | np.bool_):
        raise _bad(layer, row_id, f, value, "应为数字", "use a number")
    try:
        number = value.item() if isinstance(value, np.generic) else value
        number = float(number) if isinstance(number, str) else number
        if not isinstance(number, int | float) or math.isinf(number):
            raise TypeError
    except (TypeError, ValueError) as exc:
        raise _bad(layer, row_id, f, value, "应为数字", "use a number") from exc
    if (f.low is not None and number < f.low) or (f.high is not None and number > f.high):
        raise _bad(layer, row_id, f, value, f"应在 {f.low:g} 到 {f.high:g} 之间",
                   f"use a value between {f.low:g} and {f.high:g}")
    return number


def _clean_bool(layer: str, row_id: Any, f: Field, value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer) and int(value) in (0, 1):
        return bool(int(value))
    if isinstance(value, float | np.floating) and float(value) in (0.0, 1.0):
        return bool(float(value))
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise _bad(layer, row_id, f, value, "应为 是/否", "use true/false")


def _clean_geometry(layer: str, row_id: Any, f: Field, value: Any) -> BaseGeometry:
    if not isinstance(value, BaseGeometry):
        raise _bad(layer, row_id, f, value, "应为几何对象", "use a geometry")
    geom = shapely.force_2d(value) if value.has_z else value
    if f.kind == "multipoint" and geom.geom_type == "Point":
        geom = MultiPoint([geom])
    if geom.geom_type not in ALLOWED_GEOMETRIES[f.kind]:
        allowed = "/".join(ALLOWED_GEOMETRIES[f.kind])
        raise _bad(layer, row_id, f, geom.geom_type, f"几何类型应为 {allowed}",
                   f"the geometry must be a {allowed}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise _bad(layer, row_id, f, geom.wkt[:60], "坐标应为 WGS-84 经纬度 (EPSG:4326)",
                   "coordinates must be WGS-84 longitude/latitude (EPSG:4326)")
    return geom


def same_value(a: Any, b: Any) -> bool:
    """Equality of two canonical values (geometries compared coordinate by coordinate)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, BaseGeometry) or isinstance(b, BaseGeometry):
        if not (isinstance(a, BaseGeometry) and isinstance(b, BaseGeometry)):
            return False
        return a.geom_type == b.geom_type and bool(shapely.equals_exact(a, b, tolerance=0.0))
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    return a == b


def geometries_to_db(geoms: list[BaseGeometry | None], backend: str) -> list[Any]:
    """Shapely geometries → WKB blobs (SQLite) or EWKB elements with SRID 4326 (PostGIS)."""
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    if backend == "postgis":
        encoded = shapely.to_wkb(shapely.set_srid(array, SRID), hex=True, include_srid=True)
        return [None if v is None else WKBElement(v, srid=SRID, extended=True) for v in encoded]
    return list(shapely.to_wkb(array))


def geometries_from_db(values: list[Any]) -> list[BaseGeometry | None]:
    """Column values read from either back-end (WKB bytes or WKBElements) → geometries."""
    raw = np.empty(len(values), dtype=object)
    raw[:] = [_wkb_payload(v) for v in values]
    geoms = shapely.from_wkb(raw)
    if len(geoms):
        geoms = shapely.set_srid(geoms, 0)
    return list(geoms)


def _wkb_payload(value: Any) -> bytes | str | None:
    """WKB bytes (or a hex string) of a stored geometry value."""
    if value is None:
        return None
    data = value.data if isinstance(value, WKBElement) else value
    return data if isinstance(data, str) else bytes(data)


def to_db(kind: str, value: Any, backend: str) -> Any:
    """Convert a canonical value to what the back-end's column takes."""
    if value is None:
        return None
    if kind in GEOMETRY_KINDS:
        if backend == "postgis":
            return from_shape(value, srid=SRID, extended=True)
        return shapely.to_wkb(value)
    if kind in ("datetime", "date") and backend == "sqlite":
        return value.isoformat()
    return value


def from_db(kind: str, value: Any) -> Any:
    """Convert a column value read from either back-end to its canonical value."""
    if value is None:
        return None
    if kind in GEOMETRY_KINDS:
        if isinstance(value, WKBElement):
            return to_shape(value)
        return shapely.from_wkb(bytes(value))
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        return value.date() if isinstance(value, dt.datetime) else value
    if kind == "datetime":
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=None) if value.tzinfo else value
    return value


def stamp_to_db(moment: dt.datetime, backend: str) -> Any:
    """A UTC timestamp (``updated_at``, audit ``at``) for the back-end."""
    return moment if backend == "postgis" else moment.isoformat()


@functools.lru_cache(maxsize=4096)
def stamp_from_db(value: Any) -> pd.Timestamp | None:
    """A stored UTC timestamp as a tz-aware pandas Timestamp."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def audit_text(f: Field | None, value: Any) -> str | None:
    """How a canonical value is written into ``audit_log`` (sensitive fields restricted)."""
    if value is None:
        return None
    if f is not None and f.sensitive:
        return RESTRICTED
    if isinstance(value, BaseGeometry):
        return shapely.to_wkt(value, rounding_precision=7)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
