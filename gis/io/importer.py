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

The parts live in their own modules: ``gis.io.preview`` (``Rejection``, ``ImportPreview``,
``ImportOutcome``), ``gis.io.attributes`` (parsing cells), ``gis.io.coordinates`` (points
and geometries to WGS-84) and ``gis.io.quarantine`` (the quarantine file).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.auth import policy
from gis.auth.principal import SYSTEM, Principal
from gis.errors import ValidationError
from gis.io.attributes import parse_attributes
from gis.io.china_crs import CoordSystem, parse_crs
from gis.io.coordinates import _build_geometries, _first_point
from gis.io.headers import COORD_TARGETS, match_headers
from gis.io.offset_check import offset_warning, suspect_offset
from gis.io.preview import (
    CRS_WGS84,
    REFERENCES,
    Dangling,
    ImportOutcome,
    ImportPreview,
    Rejection,
    _rows_text,
)
from gis.io.quarantine import _write_quarantine_somewhere, quarantine_path_for, write_quarantine
from gis.io.roads import DEFAULT_ROAD_CLASS, fill_road_defaults
from gis.io.safe_zip import ZipLimits
from gis.io.tables import RawTable, read_table
from gis.schema import Layer, get_layer

# quarantine_path_for and write_quarantine are re-exported: gis/ui/editing.py imports them from here.
__all__ = ["ImportOutcome", "ImportPreview", "apply_store_checks", "commit_import", "prepare_import",
           "quarantine_path_for", "read_extent", "read_references", "read_roads", "write_quarantine"]


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


# -- commit --------------------------------------------------------------------------------

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


def read_extent(store) -> tuple[float, float, float, float] | None:
    """The stored roads' bounds (the county's extent), or ``None`` when there are no roads."""
    roads = read_roads(store)
    return None if roads is None else tuple(float(v) for v in roads.total_bounds)


def read_roads(store) -> gpd.GeoDataFrame | None:
    """The stored roads, or ``None`` when there are none."""
    roads = store.read_layer("roads")
    return roads if roads is not None and len(roads) else None
