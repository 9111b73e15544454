"""Import a planner's file into a layer: read, map, parse, convert, validate, commit, quarantine.

``prepare_import`` does everything except writing: it returns an ``ImportPreview`` with
the column mapping, the accepted rows (a GeoDataFrame in the layer's schema, EPSG:4326,
indexed by source row number), every rejected row with its reasons (row number as the
planner sees it, field, problem and fix in zh and en) and warnings (swapped coordinates
fixed, kinds inferred …). ``commit_import`` writes the accepted rows through the store in
one transaction (upsert by id; unchanged rows untouched, so re-importing the same file
changes nothing) and ``write_quarantine`` puts every rejected row, untouched, into a file
next to the input with a ``原因/reason`` column. Nothing is lost: every non-blank input
row is either accepted or quarantined.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from gis.auth import policy
from gis.auth.principal import SYSTEM, Principal
from gis.errors import ValidationError
from gis.io import values as V
from gis.io.china_crs import (
    CHINA_BOUNDS,
    CoordSystem,
    haversine_m,
    in_bounds,
    parse_crs,
    to_wgs84,
)
from gis.io.headers import COORD_TARGETS, match_headers, target_label
from gis.io.offset_check import offset_warning, suspect_offset
from gis.io.roads import DEFAULT_ROAD_CLASS, check_undeclared_crs, fill_road_defaults
from gis.io.safe_zip import ZipLimits
from gis.io.spreadsheet import write_csv_rows, write_xlsx
from gis.io.tables import RawTable, read_table
from gis.schema import Field, Layer, get_layer

CRS_WGS84 = "EPSG:4326"
REASON_COLUMN = "原因/reason"
ROW_COLUMN = "源行号/source_row"


@dataclass(frozen=True)
class Rejection:
    """Why one source row was rejected.

    Attributes
    ----------
    row : int
        Row number in the source file as the planner sees it (Excel row / CSV line /
        feature number).
    field : str
        The layer field (or ``lon``/``lat``/``geometry``/``id``) at fault.
    zh, en : str
        Problem and fix.
    """

    row: int
    field: str
    zh: str
    en: str

    def text(self, layer_name: str | None = None) -> str:
        label = _label(layer_name, self.field) if layer_name else self.field
        return f"第 {self.row} 行 {label}（{self.field}）：{self.zh} / row {self.row}, {self.field}: {self.en}"


@dataclass(frozen=True)
class Dangling:
    """An accepted row whose reference (``jurisdiction_id``, ``school_id``) points at nothing."""

    row: int
    field: str
    value: str
    target: str

    def text(self) -> str:
        label = REFERENCE_LABELS.get(self.target, self.target)
        return (f"第 {self.row} 行 {self.field}=“{self.value}”：{label}中没有此编号（已导入，请核对或先导入{label}） / "
                f"row {self.row}: {self.field} {self.value!r} matches no {self.target} id (imported; check it "
                f"or import {self.target} first)")


# Reference fields: layer → field → the layer whose ids it must name.
REFERENCES: dict[str, dict[str, str]] = {"schools": {"jurisdiction_id": "police_posts"},
                                         "crossings": {"school_id": "schools"}}
REFERENCE_LABELS = {"police_posts": "警务点", "schools": "学校"}


@dataclass
class ImportPreview:
    """Everything ``prepare_import`` found, before anything is written.

    Attributes
    ----------
    records : GeoDataFrame
        Accepted rows: ``id``, the mapped fields and the geometry fields, EPSG:4326, index =
        source row number.
    rejections : dict
        Source row number → list of ``Rejection``.
    new_ids, existing_ids : list of str
        Accepted ids not yet / already in the database (the latter are updates or unchanged).
    """

    layer: str
    table: RawTable
    mapping: dict[str, str]
    crs: CoordSystem
    records: gpd.GeoDataFrame
    rejections: dict[int, list[Rejection]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    existing_ids: list[str] = field(default_factory=list)
    dangling: list[Dangling] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.table.frame)

    @property
    def accepted(self) -> int:
        return len(self.records)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def reasons(self) -> pd.DataFrame:
        """One line per problem: row, field, zh, en."""
        lines = [{"row": r.row, "field": r.field, "label": _label(self.layer, r.field), "zh": r.zh, "en": r.en}
                 for rows in self.rejections.values() for r in rows]
        return pd.DataFrame(lines, columns=["row", "field", "label", "zh", "en"])

    def mapping_frame(self) -> pd.DataFrame:
        """Column → target → label, for showing the mapping."""
        return pd.DataFrame([{"column": c, "target": t, "label": _label(self.layer, t)}
                             for c, t in self.mapping.items()], columns=["column", "target", "label"])


@dataclass(frozen=True)
class ImportOutcome:
    """What ``commit_import`` did."""

    inserted: list[str]
    updated: list[str]
    unchanged: list[str]
    rejected: int
    committed: bool
    quarantine: Path | None = None
    quarantine_note: str = ""


def _label(layer_name: str | None, target: str) -> str:
    if target in ("geometry", "row"):
        return {"geometry": "几何", "row": "整行"}[target]
    try:
        return target_label(layer_name, target) if layer_name else target
    except KeyError:
        return target


# -- parsing one row --------------------------------------------------------------------

def _split(message: str) -> tuple[str, str]:
    zh, sep, en = str(message).partition(" / ")
    return (zh, en) if sep else (zh, zh)


def parse_cell(fld: Field, value: Any) -> Any:
    """Parse one cell for ``fld`` (kinds of ``gis.schema``); raises ``ValueError``."""
    V.check_scalar(value)
    if fld.name == "id":
        return V.parse_id(value)
    if fld.name == "level":
        number = V.parse_level(value)
    elif fld.kind == "text":
        return V.parse_text(value)
    elif fld.kind == "int":
        number = V.parse_int(value)
    elif fld.kind == "float":
        number = V.parse_number(value)
    elif fld.kind == "bool":
        return V.parse_bool(value)
    elif fld.kind == "enum":
        return V.parse_enum(value, fld.choices)
    elif fld.kind == "window":
        return V.parse_window(value)
    elif fld.kind == "datetime":
        return V.parse_datetime(value)
    elif fld.kind == "date":   # a calendar day (the campaign's records)
        text = V.parse_datetime(value)
        return None if text is None else dt.date.fromisoformat(text[:10])
    else:
        msg = f"字段类型 {fld.kind} 不能从单元格读取 / field kind {fld.kind} is not a cell"
        raise ValueError(msg)
    if number is not None and ((fld.low is not None and number < fld.low)
                               or (fld.high is not None and number > fld.high)):
        msg = (f"{number:g} 超出范围，应在 {fld.low:g}–{fld.high:g} 之间 / "
               f"{number:g} is out of range: use a value between {fld.low:g} and {fld.high:g}")
        raise ValueError(msg)
    return number


@functools.lru_cache(maxsize=16)
def _fields_by_name(layer_name: str) -> dict[str, Field]:
    return {f.name: f for f in get_layer(layer_name).fields}


@functools.lru_cache(maxsize=16)
def _required_fields(layer_name: str) -> tuple[Field, ...]:
    return tuple(f for f in get_layer(layer_name).attribute_fields if f.required)


def parse_attributes(layer: Layer, cells: Mapping[str, Any], row: int) -> tuple[dict[str, Any], list[Rejection]]:
    """Parse the attribute cells of one row (``{field: raw}``); return values and problems."""
    values: dict[str, Any] = {}
    problems: list[Rejection] = []
    fields = _fields_by_name(layer.name)
    for name, raw in cells.items():
        fld = fields[name]
        try:
            values[name] = parse_cell(fld, raw)
        except (ValueError, TypeError, ArithmeticError) as exc:
            if fld.sensitive:      # never echo a restricted field's value
                zh, en = "（受限字段）取值无效", "(restricted field) invalid value"
            else:
                zh, en = _split(str(exc))
            problems.append(Rejection(row, name, f"{zh}；请改正该单元格", f"{en}; correct the cell"))
    if layer.name == "schools" and values.get("kind") is None and "kind" not in {p.field for p in problems}:
        guess = V.infer_school_kind(values.get("name"))
        if guess:
            values["kind"] = guess
            values["_kind_inferred"] = True
    for fld in _required_fields(layer.name):
        if values.get(fld.name) is None and fld.name not in {p.field for p in problems}:
            problems.append(Rejection(row, fld.name, f"必填项“{fld.zh}”为空；请填写",
                                      f"required field {fld.name} is empty; fill it in"))
    return values, problems


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


# -- the preview -------------------------------------------------------------------------

def _extent_with_margin(extent, margin_m: float):
    if extent is None:
        return None
    minx, miny, maxx, maxy = (float(v) for v in extent)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        return None
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(math.cos(math.radians((miny + maxy) / 2)), 0.1))
    return (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)


def _check_required_columns(layer: Layer, mapping: dict[str, str], table: RawTable) -> list[str]:
    """Raise when a required column is missing; return warnings for tolerated gaps."""
    targets = set(mapping.values())
    warnings: list[str] = []
    missing = []
    for fld in layer.attribute_fields:
        if not fld.required or fld.name in targets:
            continue
        if fld.name == "kind" and layer.name == "schools" and "name" in targets:
            warnings.append("文件没有“学校类型”列，将按校名推断（…幼儿园/小学/初中/高中） / "
                            "no kind column: inferred from the school name")
            continue
        if fld.name == "id" and "name" in targets:
            warnings.append("文件没有“编号”列，以名称作为编号（名称须唯一） / no id column: the name is used as id")
            continue
        missing.append(f"{fld.zh}({fld.name})")
    if table.geometry is None and not ({"lon", "lat"} <= targets or targets & {"coords", "wkt"}):
        missing.append("经度/纬度(lon/lat)")
    if missing:
        columns = "、".join(str(c) for c in table.frame.columns)
        msg = (f"文件缺少必填列：{'、'.join(missing)}。文件中的列：{columns}。请补上这些列，或用 --map 列名=字段 "
               f"指定对应关系 / missing required columns: {', '.join(missing)}; add them or map a column "
               f"with --map COLUMN=FIELD")
        raise ValidationError(msg)
    return warnings


def prepare_import(layer_name: str, path: str | Path, *, crs: str | CoordSystem | None = "wgs84",
                   mapping: Mapping[str, str] | None = None, existing: pd.DataFrame | None = None,
                   extent: tuple[float, float, float, float] | None = None, extent_margin_m: float = 5000.0,
                   sheet: str | None = None, limits: ZipLimits | None = None,
                   table: RawTable | None = None, roads: gpd.GeoDataFrame | None = None,
                   road_class: str | None = DEFAULT_ROAD_CLASS,
                   references: Mapping[str, Any] | None = None) -> ImportPreview:
    """Read and validate a file for ``layer_name`` without writing anything.

    Parameters
    ----------
    layer_name : str
        One of ``gis.schema.LAYER_NAMES``.
    path : path
        CSV, XLSX, GeoJSON, Shapefile (.zip/.shp), GeoPackage; OSM for roads.
    crs : str or CoordSystem
        ``wgs84`` (default), ``gcj02``, ``bd09`` or ``EPSG:n`` — the coordinates' system.
        Vector files that declare a CRS are reprojected from it first.
    mapping : mapping, optional
        Column → field overrides (``""`` ignores a column).
    existing : DataFrame, optional
        The layer as stored (``store.read_layer``): ids already there are reported as updates.
    extent : tuple, optional
        ``(minlon, minlat, maxlon, maxlat)`` of the county (e.g. the stored roads); points
        farther than ``extent_margin_m`` metres outside it are rejected. China's box otherwise.
    table : RawTable, optional
        An already read file (the page reads once, then re-maps).
    roads : GeoDataFrame, optional
        The stored roads: their bounds are the extent when ``extent`` is not given, and
        points declared WGS-84 that fit the roads far better as GCJ-02/BD-09 get a warning.
    road_class : str, optional
        For ``roads``: the class of every line when the file has no class column (a warning
        names it; callers pass ``[network] default_road_class`` or ``--road-class``).
        ``None`` refuses such a file.
    references : mapping, optional
        Reference field → the ids it may name (``read_references(store, layer)``); accepted
        rows naming another id get a warning each and are listed in ``dangling``.
    """
    if extent is None and roads is not None and len(roads):
        extent = tuple(float(v) for v in roads.total_bounds)
    layer = get_layer(layer_name)
    system = crs if isinstance(crs, CoordSystem) else parse_crs(crs)
    path = Path(path)
    if table is None:
        table = read_table(path, layer_name=layer_name, sheet=sheet, limits=limits)
    if table.family == "osm" and layer_name != "roads":
        msg = "OSM 文件只能导入道路图层 / OSM files can only be imported as roads"
        raise ValidationError(msg)
    column_map = match_headers(table.frame.columns, layer_name, mapping)
    if table.geometry is not None:
        column_map = {c: (t if t not in COORD_TARGETS else "") for c, t in column_map.items()}
    road_warnings: list[str] = []
    if layer_name == "roads":
        table, column_map, road_warnings = fill_road_defaults(table, column_map, road_class=road_class,
                                                              stem=path.name.split(".")[0])
    warnings = road_warnings + list(_check_required_columns(layer, column_map, table))
    field_columns = {t: c for c, t in column_map.items() if t and t not in COORD_TARGETS}
    coord_columns = {t: c for c, t in column_map.items() if t in COORD_TARGETS}
    id_from_name = "id" not in field_columns and "name" in field_columns

    frame = table.frame
    rejections: dict[int, list[Rejection]] = {}
    parsed: dict[int, dict[str, Any]] = {}
    inferred_rows: list[int] = []
    positions = {name: frame.columns.get_loc(col) for name, col in field_columns.items()}
    for row, cells in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        row = int(row)
        raw = {name: cells[i] for name, i in positions.items()}
        if id_from_name:
            raw["id"] = raw.get("name")
        try:
            values, problems = parse_attributes(layer, raw, row)
        except Exception as exc:  # noqa: BLE001 - never crash on a cell: quarantine the row instead
            kind = type(exc).__name__     # not the message: it could quote a restricted cell
            values, problems = {}, [Rejection(row, "row", f"无法解析此行（{kind}）；请检查各单元格",
                                              f"cannot parse this row ({kind}); check its cells")]
        if values.pop("_kind_inferred", False):
            inferred_rows.append(row)
        parsed[row] = values
        if problems:
            rejections[row] = problems
    if inferred_rows:
        warnings.append(f"按校名推断学校类型的行：{_rows_text(inferred_rows)} / kind inferred from the name on rows "
                        f"{_rows_text(inferred_rows)}")

    geoms, geom_warnings = _build_geometries(layer, table, coord_columns, system, rejections,
                                             _extent_with_margin(extent, extent_margin_m))
    warnings += geom_warnings
    _reject_duplicates(layer, parsed, rejections)

    accepted_rows = [r for r in parsed if r not in rejections]
    records = _records_frame(layer, accepted_rows, parsed, geoms, field_columns, id_from_name)
    records = apply_store_checks(layer, records, rejections)
    if system.kind == "wgs84" and roads is not None and layer.geometry_fields[0].kind != "line" and len(records):
        points = [main for main in (_first_point(g) for g in records.geometry) if main is not None]
        found = suspect_offset(np.array([p.x for p in points]), np.array([p.y for p in points]), roads)
        if found:
            warnings.append(offset_warning(found))
    existing_ids = set() if existing is None or "id" not in existing else set(existing["id"].astype(str))
    ids = list(records["id"]) if len(records) else []
    preview = ImportPreview(layer=layer_name, table=table, mapping=column_map, crs=system, records=records,
                            rejections=dict(sorted(rejections.items())), warnings=warnings,
                            new_ids=[i for i in ids if i not in existing_ids],
                            existing_ids=[i for i in ids if i in existing_ids])
    if references:
        preview.dangling = _dangling(layer_name, records, references)
        if preview.dangling:
            rows = sorted({d.row for d in preview.dangling})
            values = sorted({d.value for d in preview.dangling})
            preview.warnings.append(
                f"{len(rows)} 行引用了不存在的编号（{_rows_text(values, 8)}），已导入，请核对：第 {_rows_text(rows)} 行 / "
                f"{len(rows)} rows name ids that do not exist ({', '.join(values[:8])}): imported, check rows "
                f"{_rows_text(rows)}")
    if table.blank_rows:
        preview.warnings.append(f"跳过空行 {table.blank_rows} 行 / {table.blank_rows} blank rows skipped")
    return preview


def read_references(store, layer_name: str) -> dict[str, set[str]]:
    """The ids each reference field of ``layer_name`` may name, read from the store."""
    wanted = REFERENCES.get(layer_name, {})
    known: dict[str, set[str]] = {}
    for name, target in wanted.items():
        frame = store.read_layer(target)
        known[name] = set(frame["id"].astype(str)) if len(frame) else set()
    return known


def _dangling(layer_name: str, records: pd.DataFrame, references: Mapping[str, Any]) -> list[Dangling]:
    found = []
    targets = REFERENCES.get(layer_name, {})
    for name, known in references.items():
        if name not in records.columns or name not in targets:
            continue
        known = set(known)
        for row, value in records[name].items():
            if value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value) not in known:
                found.append(Dangling(int(row), name, str(value), targets[name]))
    return sorted(found, key=lambda d: (d.row, d.field))


def _rows_text(rows: list, limit: int = 12) -> str:
    text = "、".join(str(r) for r in rows[:limit])
    return text + (f" 等 {len(rows)} 行" if len(rows) > limit else "")


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


def apply_store_checks(layer: Layer, records: gpd.GeoDataFrame,
                        rejections: dict[int, list[Rejection]]) -> gpd.GeoDataFrame:
    """Run every check the store makes on a write (``gis.store.check_rows``) and move the
    rows it would refuse into ``rejections``, so a dry run predicts the import exactly and one
    bad cell never aborts the file at write time."""
    from gis.store import check_rows

    if not len(records):
        return records
    problems = check_rows(layer.name, records)
    if not problems:
        return records
    rows = list(records.index)
    for position, errors in problems.items():
        row = int(rows[position])
        for err in errors:
            rejections.setdefault(row, []).append(Rejection(row, err.field, f"{err.zh}；请改正该单元格",
                                                            f"{err.en}; correct the cell"))
    bad = {int(rows[p]) for p in problems}
    return records.loc[[r for r in rows if r not in bad]]


def _reject_duplicates(layer: Layer, parsed: dict[int, dict], rejections: dict[int, list[Rejection]]) -> None:
    first: dict[str, int] = {}
    for row, values in parsed.items():
        rid = values.get("id")
        if rid is None:
            continue
        if rid in first:
            rejections.setdefault(row, []).append(Rejection(
                row, "id", f"编号“{rid}”与第 {first[rid]} 行重复；请改用唯一编号",
                f"id {rid!r} repeats row {first[rid]}; give each row its own id"))
        else:
            first[rid] = row


def _records_frame(layer: Layer, rows: list[int], parsed: dict[int, dict], geoms: dict[int, dict],
                   field_columns: dict[str, str], id_from_name: bool) -> gpd.GeoDataFrame:
    attr_names = ["id"] + [f.name for f in layer.attribute_fields if f.name != "id" and
                           (f.name in field_columns or (f.name == "kind" and layer.name == "schools"
                                                       and "name" in field_columns))]
    present_geoms = [f.name for f in layer.geometry_fields
                     if f.name == layer.geometry_column or any(f.name in geoms.get(r, {}) for r in rows)]
    data: dict[str, list] = {name: [parsed[r].get(name) for r in rows] for name in attr_names}
    index = pd.Index(rows, name="row")
    frame = pd.DataFrame(data, index=index, dtype=object)
    for name in present_geoms:
        frame[name] = gpd.GeoSeries([geoms[r].get(name) for r in rows], index=index, crs=CRS_WGS84)
    return gpd.GeoDataFrame(frame, geometry=layer.geometry_column, crs=CRS_WGS84)


# -- commit and quarantine ----------------------------------------------------------------

def commit_import(store, preview: ImportPreview, *, strict: bool = False, actor: str = "local",
                  quarantine: bool = True, quarantine_path: Path | None = None,
                  fallback_dir: Path | None = None, principal: Principal = SYSTEM) -> ImportOutcome:
    """Write the accepted rows in one transaction and quarantine the rejected ones.

    Parameters
    ----------
    store : gis.store.Store
    preview : ImportPreview
    strict : bool
        Commit nothing when any row was rejected.
    quarantine : bool
        Write the quarantine file next to the input (``quarantine_path`` overrides where).
    fallback_dir : path, optional
        Where the quarantine file goes when it cannot be written next to the input (a
        read-only folder): ``data/quarantine/`` by default. The valid rows are committed
        either way and ``quarantine_note`` says where the file went.
    principal : Principal
        Who imports (``import`` permission on the layer); the import is audited.
    """
    policy.require(principal, "import", preview.layer)
    qpath, note = None, ""
    if preview.rejected and quarantine:
        qpath, note = _write_quarantine_somewhere(preview, quarantine_path, fallback_dir)
    if strict and preview.rejected or preview.accepted == 0:
        return ImportOutcome([], [], [], preview.rejected, committed=False, quarantine=qpath, quarantine_note=note)
    frame = preview.records.reset_index(drop=True)
    result = store.write_layer(preview.layer, frame, source=preview.table.path.name, actor=actor,
                               principal=principal)
    store.audit_event("import", principal=principal, obj=preview.layer, layer="import",
                      detail=f"{preview.table.path.name}: {len(result.inserted)} new, {len(result.updated)} "
                             f"updated, {preview.rejected} rejected")
    return ImportOutcome(list(result.inserted), list(result.updated), list(result.unchanged),
                         preview.rejected, committed=True, quarantine=qpath, quarantine_note=note)


def default_quarantine_dir() -> Path:
    """``data/quarantine/`` of the project (the fallback for unwritable input folders)."""
    from gis.config import DATA_DIR

    return DATA_DIR / "quarantine"


def _write_quarantine_somewhere(preview: ImportPreview, out: Path | None,
                                fallback_dir: Path | None) -> tuple[Path | None, str]:
    target = out or quarantine_path_for(preview.table.path, preview.table.family)
    try:
        return write_quarantine(preview, target), ""
    except OSError as first:
        reason = first.strerror or type(first).__name__
    folder = Path(fallback_dir) if fallback_dir is not None else default_quarantine_dir()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    fallback = folder / f"{target.stem}.{stamp}{target.suffix}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = write_quarantine(preview, fallback)
    except OSError as second:
        note = (f"隔离文件无法写入 {target}（{reason}），也无法写入 {folder}（{second.strerror or second}）；"
                f"被拒绝的行仍在原文件中 / could not write the quarantine file to {target} ({reason}) nor to "
                f"{folder}: the rejected rows are still in the input file")
        return None, note
    note = (f"输入文件所在文件夹无法写入（{reason}），隔离文件改写到 {written} / the input's folder is not writable "
            f"({reason}): the quarantine file was written to {written}")
    return written, note


def quarantine_path_for(path: Path, family: str) -> Path:
    """``学校.csv`` → ``学校.quarantine.csv`` (XLSX stays XLSX, vector files become GeoJSON)."""
    name = path.name
    for suffix in (".osm.bz2", ".osm.gz", ".osm.pbf"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = path.stem
    ext = {"csv": path.suffix if path.suffix.lower() in (".csv", ".txt", ".tsv") else ".csv",
           "xlsx": ".xlsx"}.get(family, ".geojson")
    return path.with_name(f"{name}.quarantine{ext}")


def _reason_texts(preview: ImportPreview) -> dict[int, str]:
    return {row: "；".join(f"{_label(preview.layer, r.field)}（{r.field}）：{r.zh} / {r.en}" for r in problems)
            for row, problems in preview.rejections.items()}


def write_quarantine(preview: ImportPreview, out: Path | None = None) -> Path:
    """Write every rejected row, untouched, plus its source row number and reason column.

    CSV input → CSV in the input's encoding and delimiter; XLSX → XLSX (cell values as
    read); vector/OSM → GeoJSON with the original attributes and geometry.
    """
    table = preview.table
    out = out or quarantine_path_for(table.path, table.family)
    rows = list(preview.rejections)
    reasons = _reason_texts(preview)
    raw = table.frame.loc[rows]
    if table.family == "csv":
        encoding = table.encoding or "utf-8-sig"
        encoding = "utf-8-sig" if encoding == "utf-8" else encoding
        lines = [[*raw.columns, ROW_COLUMN, REASON_COLUMN]]
        lines += [[*cells, row, reasons[row]] for row, cells in zip(rows, raw.itertuples(index=False), strict=True)]
        return write_csv_rows(lines, out, encoding=encoding, delimiter=table.delimiter)
    if table.family == "xlsx":
        frame = pd.DataFrame(raw).copy()
        frame.columns = [str(c) for c in raw.columns]
        frame[ROW_COLUMN] = rows
        frame[REASON_COLUMN] = [reasons[r] for r in rows]
        write_xlsx({"隔离行": frame.reset_index(drop=True)}, out)
        return out
    attrs = pd.DataFrame(raw).copy()
    attrs = attrs.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    attrs[ROW_COLUMN] = rows
    attrs[REASON_COLUMN] = [reasons[r] for r in rows]
    geometry = gpd.GeoSeries(table.geometry.loc[rows], crs=table.crs) if table.geometry is not None else None
    gdf = gpd.GeoDataFrame(attrs.reset_index(drop=True),
                           geometry=None if geometry is None else list(geometry), crs=table.crs or CRS_WGS84)
    if out.exists():
        out.unlink()
    gdf.to_file(out, driver="GeoJSON", engine="pyogrio")
    return out


def read_extent(store) -> tuple[float, float, float, float] | None:
    """The stored roads' bounds (the county's extent), or ``None`` when there are no roads."""
    roads = read_roads(store)
    return None if roads is None else tuple(float(v) for v in roads.total_bounds)


def read_roads(store) -> gpd.GeoDataFrame | None:
    """The stored roads, or ``None`` when there are none."""
    roads = store.read_layer("roads")
    return roads if roads is not None and len(roads) else None
