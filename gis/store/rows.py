"""Frames to canonical rows and back: ids, CRS, per-cell checks and the read frame.

``_prepare_rows`` turns a frame given to ``write_layer`` into canonical rows (ids cleaned,
geometries in EPSG:4326); ``check_rows`` runs the same checks per row without writing;
``_to_frame`` builds the GeoDataFrame ``read_layer`` returns.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from gis.errors import ValidationError
from gis.schema import GEOMETRY_KINDS, Field, Layer, get_layer
from gis.store import codec

CRS = "EPSG:4326"
MAX_ID_CHARS = 200


def _prepare_rows(layer: Layer, gdf: pd.DataFrame, *,
                  default_source: str) -> tuple[list[dict[str, Any]], list[Field]]:
    """Canonical rows of a frame and the schema fields it carries (``id`` first)."""
    if "id" not in gdf.columns:
        msg = f"图层 {layer.name} 的数据缺少 id 列 / layer {layer.name}: the data has no id column"
        raise ValidationError(msg)
    frame = _to_wgs84(layer, gdf)
    present = [f for f in layer.fields if f.name in frame.columns]
    ids = [_clean_id(layer, position, value) for position, value in enumerate(frame["id"])]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        rid = next(i for i in ids if i in seen or seen.add(i))
        msg = (f"图层 {layer.name} 中编号 {rid} 重复，请保证每行编号唯一 / layer {layer.name}: "
               f"id {rid} appears more than once; ids must be unique")
        raise ValidationError(msg)
    columns = {f.name: codec.clean_column(layer.name, ids, f, frame[f.name])
               for f in present if f.name != "id"}
    if "version" in frame.columns:
        versions = [None if codec.is_missing(v) else int(v) for v in frame["version"]]
    else:
        versions = [None] * len(ids)
    names = list(columns)
    rows = []
    for k, values in enumerate(zip(*columns.values(), strict=True) if names
                               else [()] * len(ids)):
        row = dict(zip(names, values, strict=True))
        row.update(id=ids[k], _version=versions[k], _source=default_source)
        rows.append(row)
    return rows, present


def _clean_id(layer: Layer, position: int, value: Any) -> str:
    if codec.is_missing(value) or str(value).strip() == "":
        msg = (f"图层 {layer.name} 第 {position + 1} 行缺少编号 id / layer {layer.name}, "
               f"row {position + 1}: the id is empty; give every row an id")
        raise codec.CellError(msg, field="id", zh="编号为空；请填写", en="the id is empty; give every row an id")
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):   # numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        shown = codec.shown_value(None, value)
        msg = (f"图层 {layer.name} 第 {position + 1} 行的编号 {shown} 不是单个值 / layer {layer.name}, "
               f"row {position + 1}: the id {shown} is not a single value")
        raise codec.CellError(msg, field="id", zh=f"编号 {shown} 不是单个值（文本或数字）",
                              en=f"the id {shown} is not a single value (text or number)")
    text = str(value).strip()
    problem = codec._text_problem(text)
    if problem or len(text) > MAX_ID_CHARS:
        zh, en = problem or (f"编号超过 {MAX_ID_CHARS} 字", f"the id is longer than {MAX_ID_CHARS} characters")
        msg = (f"图层 {layer.name} 第 {position + 1} 行的编号无效：{zh} / layer {layer.name}, "
               f"row {position + 1}: invalid id; {en}")
        raise codec.CellError(msg, field="id", zh=f"编号无效：{zh}", en=f"invalid id; {en}")
    return text


def check_rows(name: str, gdf: pd.DataFrame) -> dict[int, list[codec.CellError]]:
    """Every problem ``write_layer`` would refuse, per row position (0-based), without writing.

    The same checks as a write (ids, every field's kind, range, text and geometry rules),
    run row by row so one bad cell names its own row instead of failing the whole frame.
    Duplicate ids are not checked here (callers report them with their own row numbers).

    Returns
    -------
    dict
        Row position → the ``CellError`` of each refused cell (``field``, ``zh``, ``en``).
    """
    layer = get_layer(name)
    frame = _to_wgs84(layer, gdf)
    problems: dict[int, list[codec.CellError]] = {}
    ids: list[str] = []
    for position, value in enumerate(frame["id"] if "id" in frame.columns else [None] * len(frame)):
        try:
            ids.append(_clean_id(layer, position, value))
        except codec.CellError as exc:
            problems.setdefault(position, []).append(exc)
            ids.append(f"#{position + 1}")
    for f in layer.fields:
        if f.name == "id" or f.name not in frame.columns:
            continue
        values = frame[f.name]
        try:
            codec.clean_column(layer.name, ids, f, values)
            continue
        except ValidationError:
            pass
        for position, (rid, value) in enumerate(zip(ids, values, strict=True)):
            try:
                codec.clean_value(layer.name, rid, f, value)
            except codec.CellError as exc:
                problems.setdefault(position, []).append(exc)
            except ValidationError as exc:
                problems.setdefault(position, []).append(
                    codec.CellError(str(exc), field=f.name, zh=str(exc).partition(" / ")[0],
                                    en=str(exc).partition(" / ")[2] or str(exc)))
    return problems


def _to_wgs84(layer: Layer, gdf: pd.DataFrame) -> pd.DataFrame:
    """A copy whose GeoSeries columns are in EPSG:4326 (frames without a CRS are taken as is)."""
    if not layer.geometry_fields:
        return pd.DataFrame(gdf).copy()
    active = layer.geometry_column
    current = _active_geometry_name(gdf)
    if active not in gdf.columns and current and current not in {f.name for f in layer.fields}:
        gdf = gdf.rename_geometry(active)   # e.g. a frame read from a file ("geometry")
    frame = pd.DataFrame(gdf).copy()
    for f in layer.geometry_fields:
        if f.name not in frame.columns:
            continue
        column = gdf[f.name]
        crs = getattr(column, "crs", None)
        if crs is None and _active_geometry_name(gdf) == f.name:
            crs = gdf.crs
        if crs is not None and not crs.equals(CRS):
            column = gpd.GeoSeries(column, crs=crs).to_crs(CRS)
        frame[f.name] = list(column)
    return frame


def _active_geometry_name(frame: pd.DataFrame) -> str | None:
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        return frame.geometry.name
    except AttributeError:   # a GeoDataFrame without an active geometry column
        return None


def _to_frame(layer: Layer, rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    data: dict[str, Any] = {}
    for f in layer.fields:
        values = [r[f.name] for r in rows]
        if f.kind in GEOMETRY_KINDS:
            data[f.name] = gpd.GeoSeries(values, crs=CRS)
        elif f.kind == "int":
            data[f.name] = pd.array(values, dtype="Int64")
        elif f.kind == "float":
            data[f.name] = pd.array([float("nan") if v is None else v for v in values],
                                    dtype="float64")
        elif f.kind == "bool":
            data[f.name] = pd.array(values, dtype="boolean")
        elif f.kind == "datetime":
            data[f.name] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            data[f.name] = pd.Series(values, dtype="object")
    data["source"] = pd.Series([r["source"] for r in rows], dtype="object")
    data["updated_at"] = pd.to_datetime(pd.Series([r["updated_at"] for r in rows],
                                                  dtype="object"), utc=True)
    data["version"] = pd.array([r["version"] for r in rows], dtype="int64")
    if not layer.geometry_fields:   # a record table (inspections, notices …): a plain frame
        return pd.DataFrame(data)
    return gpd.GeoDataFrame(data, geometry=layer.geometry_column, crs=CRS)
