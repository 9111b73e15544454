"""Edits made on the 数据管理 page, turned into store writes with optimistic locking.

``editable_frame`` gives the table shown in ``st.data_editor`` (one row per record: id,
attributes with Chinese enum labels, the location as 经度/纬度 — the main gate for
schools — and ``version``). ``plan_edits`` compares the edited table with the original
and returns an ``EditPlan``: rows to upsert (only changed fields, each with the version
it was read at), ids to delete (with their versions) and any problems in zh/en.
``move_point`` builds the one-row change of a drag or a typed coordinate. ``apply_edits``
writes through the store, whose ``write_layer``/``delete_rows`` refuse a stale version
(``StaleVersionError``) and record every change in ``audit_log``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint, Point

from gis.auth.principal import SYSTEM, Principal
from gis.io import values as V
from gis.io.attributes import parse_attributes
from gis.io.china_crs import in_bounds
from gis.schema import ENUM_LABELS_ZH, get_layer, main_gate

CRS_WGS84 = "EPSG:4326"
LON, LAT, VERSION = "lon", "lat", "version"


@dataclass
class EditPlan:
    """What saving an edited table will do."""

    layer: str
    upserts: gpd.GeoDataFrame
    deletes: dict[str, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    changed_fields: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return len(self.upserts) == 0 and not self.deletes


def has_point(layer_name: str) -> bool:
    return get_layer(layer_name).geometry_fields[0].kind in ("point", "multipoint")




def _display(fld, value: Any) -> Any:
    if V.is_blank(value) or value is pd.NA:
        return None
    if fld.kind == "enum":
        return ENUM_LABELS_ZH.get(str(value), str(value))
    if fld.kind == "bool":
        return bool(value)
    if fld.kind == "int":
        return int(value)
    if fld.kind == "float":
        return float(value)
    if fld.kind == "datetime":
        return pd.Timestamp(value).isoformat() if not pd.isna(value) else None
    return str(value)


def editable_frame(layer_name: str, gdf: pd.DataFrame) -> pd.DataFrame:
    """The table for ``st.data_editor``: id, attributes (zh enum labels), lon/lat, version."""
    layer = get_layer(layer_name)
    fields = layer.attribute_fields
    rows = []
    geom_name = layer.geometry_column
    for record in pd.DataFrame(gdf).to_dict("records") if len(gdf) else []:
        row = {f.name: _display(f, record.get(f.name)) for f in fields}
        if has_point(layer_name):
            point = main_gate(record.get(geom_name))
            row[LON] = None if point is None else round(point.x, 7)
            row[LAT] = None if point is None else round(point.y, 7)
        version = record.get(VERSION)
        row[VERSION] = None if V.is_blank(version) else int(version)
        rows.append(row)
    columns = [f.name for f in fields] + ([LON, LAT] if has_point(layer_name) else []) + [VERSION]
    frame = pd.DataFrame(rows, columns=columns)
    for f in fields:
        if f.kind == "int":
            frame[f.name] = pd.array(frame[f.name], dtype="Int64")
        elif f.kind in ("float",):
            frame[f.name] = pd.to_numeric(frame[f.name], errors="coerce")
        elif f.kind == "bool":
            frame[f.name] = pd.array(frame[f.name], dtype="boolean")
    frame[VERSION] = pd.array(frame[VERSION], dtype="Int64")
    return frame


def _same(a: Any, b: Any) -> bool:
    if V.is_blank(a) or a is pd.NA:
        return V.is_blank(b) or b is pd.NA
    if V.is_blank(b) or b is pd.NA:
        return False
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    return str(a) == str(b)


def _location(layer_name: str, rid: str, lon: Any, lat: Any, stored_geom: Any,
              problems: list[str]) -> Any:
    try:
        x, y = V.parse_coordinate(lon), V.parse_coordinate(lat)
    except ValueError as exc:
        problems.append(f"{rid}：{exc}")
        return None
    if x is None or y is None:
        problems.append(f"{rid}：经度和纬度都要填写 / {rid}: fill in both longitude and latitude")
        return None
    if not bool(in_bounds(x, y)):
        problems.append(f"{rid}：坐标 ({x:g}, {y:g}) 不在中国境内 / {rid}: ({x:g}, {y:g}) is outside China")
        return None
    point = Point(float(x), float(y))
    if get_layer(layer_name).geometry_fields[0].kind == "multipoint":
        others = list(stored_geom.geoms)[1:] if getattr(stored_geom, "geom_type", "") == "MultiPoint" else []
        return MultiPoint([point, *others])
    return point


def plan_edits(layer_name: str, original: pd.DataFrame, edited: pd.DataFrame,
               stored: gpd.GeoDataFrame | None = None) -> EditPlan:
    """Compare the edited table with the original (both from ``editable_frame``).

    Parameters
    ----------
    original : DataFrame
        The table as shown (carries each row's ``version``).
    edited : DataFrame
        What ``st.data_editor`` returned (rows added, changed, removed).
    stored : GeoDataFrame, optional
        The layer as read, for the other gates of a school whose main gate moves.
    """
    layer = get_layer(layer_name)
    geom_name = layer.geometry_column
    stored_geoms = {} if stored is None or not len(stored) else dict(zip(stored["id"].astype(str),
                                                                       stored[geom_name], strict=True))
    problems: list[str] = []
    before = {str(r["id"]): r for r in original.to_dict("records") if not V.is_blank(r.get("id"))}
    after_rows = edited.to_dict("records")
    seen: set[str] = set()
    records, changed_fields = [], {}
    for position, row in enumerate(after_rows, start=1):
        rid = V.parse_id(row.get("id"))
        if rid is None:
            if any(not V.is_blank(v) and v is not pd.NA for k, v in row.items() if k != VERSION):
                problems.append(f"第 {position} 行没有编号；请填写编号 / table row {position} has no id; fill it in")
            continue
        if rid in seen:
            problems.append(f"编号 {rid} 重复；编号必须唯一 / id {rid} appears twice; ids must be unique")
            continue
        seen.add(rid)
        old = before.get(rid)
        fields = [f.name for f in layer.attribute_fields if f.name != "id"]
        changed = fields if old is None else [n for n in fields if not _same(old.get(n), row.get(n))]
        moved = has_point(layer_name) and (old is None or not (_same(old.get(LON), row.get(LON))
                                                               and _same(old.get(LAT), row.get(LAT))))
        if not changed and not moved:
            continue
        # Full rows (every attribute, the geometry) so rows with different changes share columns.
        cells = {n: (None if row.get(n) is pd.NA else row.get(n)) for n in fields}
        cells["id"] = rid
        values, errors = parse_attributes(layer, cells, position)
        values.pop("_kind_inferred", None)
        if errors:
            problems += [f"{rid}：{e.text(layer_name).split('：', 1)[-1]}" for e in errors]
            continue
        record = {"id": rid, **{n: values.get(n) for n in fields}}
        if moved:
            geom = _location(layer_name, rid, row.get(LON), row.get(LAT), stored_geoms.get(rid), problems)
            if geom is None:
                continue
            record[geom_name] = geom
        elif old is None:
            problems.append(f"{rid}：新记录需要位置 / {rid}: a new row needs a location")
            continue
        elif rid in stored_geoms:
            record[geom_name] = stored_geoms[rid]
        version = None if old is None else old.get(VERSION)
        record[VERSION] = None if V.is_blank(version) or version is pd.NA else int(version)
        records.append(record)
        changed_fields[rid] = changed + ([geom_name] if moved else [])
    deletes = {rid: (None if V.is_blank(r.get(VERSION)) or r.get(VERSION) is pd.NA else int(r[VERSION]))
               for rid, r in before.items() if rid not in seen}
    upserts = _frame(layer_name, records)
    return EditPlan(layer_name, upserts, deletes, problems, changed_fields)


def _frame(layer_name: str, records: list[dict]) -> gpd.GeoDataFrame:
    geom_name = get_layer(layer_name).geometry_column
    if not records:
        return gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=CRS_WGS84), crs=CRS_WGS84)
    frame = pd.DataFrame(records)
    if geom_name in frame:
        return gpd.GeoDataFrame(frame, geometry=geom_name, crs=CRS_WGS84)
    return gpd.GeoDataFrame(frame, crs=CRS_WGS84)


def move_point(layer_name: str, stored_row: Any, lon: float, lat: float) -> EditPlan:
    """The change that moves one record (a school's main gate, a post …) to ``lon``/``lat``."""
    layer = get_layer(layer_name)
    geom_name = layer.geometry_column
    problems: list[str] = []
    rid = str(stored_row["id"])
    geom = _location(layer_name, rid, lon, lat, stored_row.get(geom_name), problems)
    if geom is None:
        return EditPlan(layer_name, _frame(layer_name, []), problems=problems)
    version = stored_row.get(VERSION)
    record = {"id": rid, geom_name: geom, VERSION: None if V.is_blank(version) else int(version)}
    return EditPlan(layer_name, _frame(layer_name, [record]), changed_fields={rid: [geom_name]})


@dataclass(frozen=True)
class EditOutcome:
    inserted: list[str]
    updated: list[str]
    deleted: int


def _check_versions(store, plan: EditPlan) -> None:
    """Refuse the whole save up front when any row it touches changed since it was read.

    The store checks again inside each transaction; checking first keeps a save with both
    changes and deletions from writing one half when the other half is stale.
    """
    from gis.errors import StaleVersionError

    wanted: dict[str, int] = {rid: v for rid, v in plan.deletes.items() if v is not None}
    if len(plan.upserts) and VERSION in plan.upserts:
        for rid, version in zip(plan.upserts["id"], plan.upserts[VERSION], strict=True):
            if not V.is_blank(version):
                wanted[str(rid)] = int(version)
    if not wanted:
        return
    stored = store.read_layer(plan.layer, ids=list(wanted))
    current = dict(zip(stored["id"].astype(str), stored[VERSION], strict=True))
    stale = [rid for rid, version in wanted.items() if rid in current and int(current[rid]) > version]
    if stale:
        msg = (f"记录 {'、'.join(stale[:10])} 已被他人修改，本次保存未写入任何内容；请刷新后重新修改 / rows "
               f"{', '.join(stale[:10])} were changed by someone else; nothing was saved, reload and edit again")
        raise StaleVersionError(msg)


def apply_edits(store, plan: EditPlan, *, actor: str | None = None, source: str = "user",
                principal: Principal = SYSTEM) -> EditOutcome:
    """Write an ``EditPlan``: versions checked first, then upserts and deletes (one transaction each).

    ``principal`` is the acting account (the store refuses rows outside its role or
    jurisdiction with ``AccessDeniedError``); ``actor`` defaults to its user name.

    Raises
    ------
    StaleVersionError
        When any edited or deleted row was changed by someone else since it was read
        (nothing of that transaction is written).
    ValidationError
        When the plan has problems (nothing is written).
    """
    from gis.errors import ValidationError

    if plan.problems:
        msg = "；".join(plan.problems[:10])
        raise ValidationError(msg)
    _check_versions(store, plan)
    inserted, updated = [], []
    if len(plan.upserts):
        result = store.write_layer(plan.layer, plan.upserts, source=source, actor=actor,
                                   principal=principal)
        inserted, updated = list(result.inserted), list(result.updated)
    deleted = 0
    if plan.deletes:
        deleted = store.delete_rows(plan.layer, list(plan.deletes), versions=plan.deletes, actor=actor,
                                    principal=principal)
    return EditOutcome(inserted, updated, deleted)
