"""The layer store: six tables in SQLite (embedded default) or PostGIS, one API.

``open_store(url)`` gives a :class:`Store`; ``init()`` applies ``sql/``; ``read_layer``
returns a GeoDataFrame in EPSG:4326; ``write_layer`` upserts by ``id`` in one transaction
with optimistic locking and an audit trail. See ``docs/INTERFACES.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from gis.auth import policy
from gis.auth.principal import SYSTEM, Principal
from gis.errors import AccessDeniedError, DataSourceError, StaleVersionError, ValidationError
from gis.schema import GEOMETRY_KINDS, LAYER_NAMES, RESTRICTED_LAYERS, Field, Layer, get_layer
from gis.store import codec
from gis.store.migrate import apply_migrations
from gis.store.tables import build_tables

CRS = "EPSG:4326"
CHUNK = 500
DATA_VERSION_KEY = "data_version"
INSERT_MARK = "insert"
MAX_ID_CHARS = 200


@dataclass(frozen=True)
class WriteResult:
    """What one ``write_layer`` call did.

    Attributes
    ----------
    layer : str
    inserted, updated, unchanged : list of str
        Row ids, in input order.
    data_version : int
        The store's data version after the write.
    """

    layer: str
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    data_version: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)

    def summary(self) -> str:
        return (f"{self.layer}: 新增 {len(self.inserted)} / inserted, 更新 {len(self.updated)} / "
                f"updated, 未变 {len(self.unchanged)} / unchanged")


def open_store(url: str | None = None) -> Store:
    """Open the store at a SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg2://…``).

    Parameters
    ----------
    url : str, optional
        Defaults to ``gis.config.load_settings().database_url`` (``data/app.db``).
    """
    if url is None:
        from gis.config import load_settings

        url = load_settings().database_url
    return Store(url)


class Store:
    """Read and write the six layers; see the module docstring."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            msg = f"数据库地址格式错误 / not a database URL: {url!r}"
            raise DataSourceError(msg) from exc
        if parsed.get_backend_name() == "sqlite":
            self.backend = "sqlite"
            self.engine = _sqlite_engine(parsed)
        elif parsed.get_backend_name() == "postgresql":
            self.backend = "postgis"
            self.engine = create_engine(parsed, pool_pre_ping=True,
                                        executemany_mode="values_plus_batch")
        else:
            msg = (f"不支持的数据库 {parsed.get_backend_name()}，请使用 sqlite:/// 或 "
                   f"postgresql+psycopg2:// / unsupported database; use SQLite or PostGIS")
            raise DataSourceError(msg)
        self.url = parsed.render_as_string(hide_password=False)   # usable with --db
        self.display_url = parsed.render_as_string(hide_password=True)  # for messages
        self.metadata, self.tables = build_tables(self.backend)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------

    def check_integrity(self) -> None:
        """Raise when the database file is damaged (SQLite ``PRAGMA quick_check``).

        A page-corrupted SQLite file can still answer simple queries, so it would look
        empty or "up to date"; this says plainly that it is damaged and how to restore it.
        PostGIS checks its own pages; nothing is done there.

        Raises
        ------
        DataSourceError
            The file is damaged or not a database.
        """
        if self.backend != "sqlite":
            return
        try:
            with self.engine.connect() as conn:
                rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(20)").fetchall()]
        except SQLAlchemyError as exc:
            rows = [str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]]
        if rows == ["ok"]:
            return
        path = make_url(self.url).database
        detail = "; ".join(rows[:3])[:200]
        msg = (f"数据库文件已损坏：{path}（{detail}）。请停止应用，用最近的备份替换该文件后重启；没有备份时可用 "
               f"`sqlite3 {path} .recover | sqlite3 recovered.db` 抢救数据，再用 "
               f"`python -m gis --db sqlite:///recovered.db init` 检查 / the database file {path} is damaged "
               f"({detail}): stop the app and restore it from your latest backup; without a backup, salvage it "
               f"with sqlite3's .recover into a new file and check that with `python -m gis init`")
        raise DataSourceError(msg)

    def init(self) -> list[str]:
        """Create or migrate the schema (idempotent). Returns the schema files applied now.

        A damaged SQLite file is refused first (``check_integrity``), never reported "up to date".
        """
        self.check_integrity()
        with self._begin(write=True) as conn:
            return apply_migrations(conn, self.backend)

    def is_initialized(self) -> bool:
        """True when every layer table exists."""
        with self._connect() as conn:
            names = set(inspect(conn).get_table_names())
        return set(LAYER_NAMES) <= names

    # -- reading --------------------------------------------------------------------------

    def read_layer(self, name: str, *, ids: Iterable[str] | None = None,
                   principal: Principal = SYSTEM) -> gpd.GeoDataFrame:
        """Read a layer as a GeoDataFrame in EPSG:4326, rows ordered by ``id``.

        Columns: the schema fields (``gis.schema.LAYERS[name]``) then ``source``,
        ``updated_at`` (UTC) and ``version``. The active geometry is the layer's first
        geometry field; other geometry fields are GeoSeries holding ``None`` when empty.
        Integers are ``Int64``, booleans ``boolean`` (both nullable), datetimes naive.

        Parameters
        ----------
        name : str
            One of ``gis.schema.LAYER_NAMES``.
        ids : iterable of str, optional
            Only these rows.
        principal : Principal
            Who reads (``gis.auth.policy.require(principal, "read", name)``); every record of
            a restricted layer (``risk_persons``) read by an account is audited.

        Raises
        ------
        AccessDeniedError
            The principal's role may not read this layer (the refusal is audited).
        """
        layer = get_layer(name)
        self._require(principal, "read", name)
        restricted = name in RESTRICTED_LAYERS and not principal.is_system
        with self._begin(write=restricted) as conn:
            rows = self._fetch(conn, layer, None if ids is None else list(ids))
            if restricted:
                stamp = codec.stamp_to_db(dt.datetime.now(dt.UTC), self.backend)
                audits = [_event(name, rid, "read_restricted", principal, "ok", stamp)
                          for rid in rows] or [
                    _event(name, "*", "read_restricted", principal, "ok: 0 rows", stamp)]
                conn.execute(self.tables["audit_log"].insert(), audits)
        return _to_frame(layer, list(rows.values()))

    def read_layers(self, names: Iterable[str] = LAYER_NAMES, *,
                    principal: Principal = SYSTEM) -> dict[str, gpd.GeoDataFrame]:
        """Read several layers (all six by default) as a dict name → GeoDataFrame."""
        return {name: self.read_layer(name, principal=principal) for name in names}

    def layer_counts(self) -> dict[str, int]:
        """Number of rows per layer."""
        with self._begin() as conn:
            return {name: int(conn.execute(select(func.count()).select_from(self.tables[name]))
                              .scalar_one()) for name in LAYER_NAMES}

    def read_audit(self, *, layer: str | None = None, row_id: str | None = None,
                   limit: int = 1000, principal: Principal = SYSTEM) -> pd.DataFrame:
        """The newest audit records (at, layer, row_id, field, old, new, actor, username,
        address, action, object, result); only the ``auditor`` role (and the system) may."""
        self._require(principal, "read_audit", "audit_log")
        table = self.tables["audit_log"]
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if layer is not None:
            query = query.where(table.c.layer == layer)
        if row_id is not None:
            query = query.where(table.c.row_id == row_id)
        with self._begin() as conn:
            records = [dict(r._mapping) for r in conn.execute(query)]
        frame = pd.DataFrame(records, columns=list(AUDIT_COLUMNS))
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        return frame

    # -- writing --------------------------------------------------------------------------

    def write_layer(self, name: str, gdf: pd.DataFrame, *, source: str,
                    actor: str | None = None, principal: Principal = SYSTEM) -> WriteResult:
        """Upsert rows by ``id`` in one transaction.

        New ids are inserted with ``version`` 1. For existing ids only the columns present in
        ``gdf`` are compared and written; rows whose values all equal the stored ones are not
        touched (no version bump). A changed row gets ``version + 1``, a new ``updated_at`` and
        one ``audit_log`` record per changed field.

        Parameters
        ----------
        name : str
            Layer name.
        gdf : GeoDataFrame
            Rows with at least ``id``. Geometries in EPSG:4326 (re-projected when the frame
            says another CRS). A ``version`` column enables optimistic locking per row: a
            version older than the stored one raises ``StaleVersionError``; a missing version
            (e.g. a file import) is an authoritative upsert. A ``source`` column is ignored.
        source : str
            Where the rows come from (file name, ``user``, ``demo-generated``); set on every
            inserted or changed row.
        actor : str, optional
            Recorded in ``audit_log.actor`` (default: the principal's user name).
        principal : Principal
            Who writes: ``gis.auth.policy.require(principal, "write", name, jurisdiction,
            fields=…)`` is checked for every row (a station account's rows, stored and new,
            must lie in its jurisdiction).

        Raises
        ------
        ValidationError
            A row breaks the schema (nothing is written).
        StaleVersionError
            A row was changed by someone else since it was read (nothing is written).
        AccessDeniedError
            The principal may not write one of the rows (nothing is written; audited).
        """
        layer = get_layer(name)
        actor = principal.username if actor is None else actor
        self._require(principal, "write", name, fields=[f for f in gdf.columns
                                                         if f not in ("source", "version")])
        rows, present = _prepare_rows(layer, gdf, default_source=source)
        table = self.tables[name]
        now = dt.datetime.now(dt.UTC)
        stamp = codec.stamp_to_db(now, self.backend)
        result = WriteResult(layer=name)
        with self._denials_audited(principal, "write", name), self._begin(write=True) as conn:
            stored = self._fetch(conn, layer, [r["id"] for r in rows], lock=True)
            self._require_scope(conn, principal, name, rows, stored)
            inserts, updates, audits = [], [], []
            for row in rows:
                rid = row["id"]
                old = stored.get(rid)
                if old is None:
                    for f in layer.fields:
                        if f.name not in row:   # absent column: required ones must be there
                            row[f.name] = codec.clean_value(name, rid, f, None)
                    inserts.append(self._db_record(layer, row, layer.fields, stamp, version=1))
                    audits.append(_audit(name, rid, "*", None, INSERT_MARK, actor, stamp,
                                         principal=principal, action="create"))
                    result.inserted.append(rid)
                    continue
                given = row["_version"]
                if given is not None and given < old["version"]:
                    msg = (f"图层 {name} 的记录 {rid} 已被他人修改（您的版本 {given}，当前版本 "
                           f"{old['version']}），请重新读取后再保存 / row {rid} of layer {name} "
                           f"was changed by someone else (your version {given}, stored version "
                           f"{old['version']}); reload it and apply your change again")
                    raise StaleVersionError(msg)
                changed = [f for f in present if not codec.same_value(row[f.name], old[f.name])]
                if not changed:
                    result.unchanged.append(rid)
                    continue
                updates.append(self._db_record(layer, row, present, stamp,
                                               version=old["version"] + 1))
                audits += [_audit(name, rid, f.name, codec.audit_text(f, old[f.name]),
                                  codec.audit_text(f, row[f.name]), actor, stamp,
                                  principal=principal, action="update") for f in changed]
                result.updated.append(rid)
            self._encode_geometries(layer, inserts)
            self._encode_geometries(layer, updates)
            if inserts:
                conn.execute(table.insert(), inserts)
            if updates:
                columns = [f.name for f in present if f.name != "id"]
                columns += ["source", "updated_at", "version"]
                statement = (table.update().where(table.c.id == bindparam("p_id"))
                             .values({c: bindparam(f"p_{c}", type_=table.c[c].type)
                                      for c in columns}))
                conn.execute(statement, [{f"p_{k}": v for k, v in rec.items()} for rec in updates])
            if audits:
                conn.execute(self.tables["audit_log"].insert(), audits)
            if inserts or updates:
                self._bump(conn)
            version = self._data_version(conn)
        return WriteResult(name, result.inserted, result.updated, result.unchanged, version)

    def delete_rows(self, name: str, ids: Iterable[str], *,
                    versions: Mapping[str, int] | Sequence[int] | None = None,
                    actor: str | None = None, principal: Principal = SYSTEM) -> int:
        """Delete rows by id in one transaction; return how many were deleted.

        Parameters
        ----------
        ids : iterable of str
        versions : mapping id → version, or a sequence parallel to ``ids``, optional
            When given, a row whose stored version is newer raises ``StaleVersionError``.
        actor : str, optional
            Recorded in ``audit_log`` (one record per non-empty field of each deleted row);
            default: the principal's user name.
        principal : Principal
            Who deletes (checked like ``write_layer``; nothing is deleted when refused).
        """
        layer = get_layer(name)
        actor = principal.username if actor is None else actor
        self._require(principal, "write", name)
        ids = [str(i) for i in ids]
        if versions is None:
            wanted: dict[str, int | None] = dict.fromkeys(ids)
        elif isinstance(versions, Mapping):
            wanted = {i: versions.get(i) for i in ids}
        else:
            wanted = dict(zip(ids, versions, strict=True))
        table = self.tables[name]
        stamp = codec.stamp_to_db(dt.datetime.now(dt.UTC), self.backend)
        with self._denials_audited(principal, "delete", name), self._begin(write=True) as conn:
            stored = self._fetch(conn, layer, ids, lock=True)
            self._require_scope(conn, principal, name, [], stored)
            audits = []
            for rid, old in stored.items():
                given = wanted.get(rid)
                if given is not None and not codec.is_missing(given) and int(given) < old["version"]:
                    msg = (f"图层 {name} 的记录 {rid} 已被他人修改（您的版本 {int(given)}，当前版本 "
                           f"{old['version']}），未删除，请重新读取 / row {rid} of layer {name} was "
                           f"changed by someone else (your version {int(given)}, stored "
                           f"{old['version']}); not deleted, reload and retry")
                    raise StaleVersionError(msg)
                audits += [_audit(name, rid, f.name, codec.audit_text(f, old[f.name]), None,
                                  actor, stamp, principal=principal, action="delete")
                           for f in layer.fields if old[f.name] is not None]
            gone = list(stored)
            for start in range(0, len(gone), CHUNK):
                conn.execute(table.delete().where(table.c.id.in_(gone[start:start + CHUNK])))
            if audits:
                conn.execute(self.tables["audit_log"].insert(), audits)
            if gone:
                self._bump(conn)
        return len(gone)

    # -- meta and data version ------------------------------------------------------------

    def data_version(self) -> int:
        """A counter that changes whenever any layer or meta value changes (a cache key)."""
        with self._begin() as conn:
            return self._data_version(conn)

    def get_meta(self, key: str, default: Any = None) -> Any:
        """A meta value (decoded from JSON), or ``default`` when unset."""
        table = self.tables["meta"]
        with self._begin() as conn:
            value = conn.execute(select(table.c.value).where(table.c.key == key)).scalar()
        return default if value is None else json.loads(value)

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable meta value; bumps the data version when it changed."""
        table = self.tables["meta"]
        text_value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        with self._begin(write=True) as conn:
            old = conn.execute(select(table.c.value).where(table.c.key == key)
                               .with_for_update()).scalar()
            if old == text_value:
                return
            if old is None:
                conn.execute(table.insert().values(key=key, value=text_value))
            else:
                conn.execute(table.update().where(table.c.key == key).values(value=text_value))
            self._bump(conn)

    # -- permissions and the audit trail -------------------------------------------------

    def audit_event(self, action: str, *, principal: Principal = SYSTEM, obj: str = "",
                    result: str = "ok", layer: str = "auth", detail: str | None = None) -> None:
        """Append one event (sign-in, sign-out, lock-out, export, import, account change …)
        to ``audit_log``. ``detail`` must never hold restricted fields or secrets."""
        stamp = codec.stamp_to_db(dt.datetime.now(dt.UTC), self.backend)
        record = _event(layer, obj, action, principal, result, stamp)
        record["new"] = detail
        with self._begin(write=True) as conn:
            conn.execute(self.tables["audit_log"].insert(), [record])

    def begin(self, *, write: bool = False):
        """A transaction on the store's engine (for ``gis.auth``'s account tables)."""
        return self._begin(write=write)

    def _require(self, principal: Principal, action: str, layer: str | None, *,
                 fields: Iterable[str] | None = None) -> None:
        """``policy.require``; a refusal is written to the audit trail before it is raised."""
        if principal.is_system:
            return
        with self._denials_audited(principal, action, layer or ""):
            policy.require(principal, action, layer, fields=fields,
                           jurisdiction=principal.jurisdiction_id)

    @contextmanager
    def _denials_audited(self, principal: Principal, action: str, layer: str) -> Iterator[None]:
        try:
            yield
        except AccessDeniedError as exc:
            self.audit_event(action, principal=principal, obj=layer, layer=layer or "auth",
                             result="denied", detail=str(exc)[:500])
            raise

    def _require_scope(self, conn: Connection, principal: Principal, name: str,
                       rows: list[dict[str, Any]], stored: dict[str, dict[str, Any]]) -> None:
        """For accounts scoped to a jurisdiction (``station``): every row written, as stored
        and as given, must belong to the account's jurisdiction."""
        if principal.role not in policy.SCOPED_ROLES:
            return
        layer = get_layer(name)
        names = {f.name for f in layer.fields}
        states = list(stored.values()) + [
            {**stored.get(r["id"], {}), **{k: v for k, v in r.items() if k in names}} for r in rows]
        if "jurisdiction_id" in names:
            found = [(s.get("id"), s.get("jurisdiction_id")) for s in states]
        elif "school_id" in names:
            school_ids = sorted({s["school_id"] for s in states if s.get("school_id")})
            schools = self._fetch(conn, get_layer("schools"), school_ids) if school_ids else {}
            found = [(s.get("id"), schools.get(s.get("school_id"), {}).get("jurisdiction_id"))
                     for s in states]
        else:
            found = [(s.get("id"), None) for s in states]
        for _rid, jurisdiction in found:
            policy.require(principal, "write", name, jurisdiction)

    # -- internals ------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise _database_error(self.display_url, exc) from exc

    @contextmanager
    def _begin(self, *, write: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                if write and self.backend == "sqlite":
                    conn = conn.execution_options(sqlite_immediate=True)
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise _database_error(self.display_url, exc) from exc

    def _fetch(self, conn: Connection, layer: Layer, ids: list[str] | None, *,
               lock: bool = False) -> dict[str, dict[str, Any]]:
        """Stored rows as canonical values, keyed by id in code-point order (the same on
        both back-ends, whatever the database collation); all rows when ``ids`` is None."""
        table = self.tables[layer.name]
        queries = []
        if ids is None:
            queries.append(select(table))
        else:
            for start in range(0, len(ids), CHUNK):
                query = select(table).where(table.c.id.in_(ids[start:start + CHUNK]))
                queries.append(query.with_for_update() if lock and self.backend == "postgis"
                               else query)
        records = [record._mapping for query in queries for record in conn.execute(query)]
        records.sort(key=lambda m: m["id"])
        columns: dict[str, list[Any]] = {}
        for f in layer.fields:
            raw = [m[f.name] for m in records]
            if f.kind in GEOMETRY_KINDS:
                columns[f.name] = codec.geometries_from_db(raw)
            else:
                columns[f.name] = [codec.from_db(f.kind, v) for v in raw]
        columns["source"] = [m["source"] for m in records]
        columns["updated_at"] = [codec.stamp_from_db(m["updated_at"]) for m in records]
        columns["version"] = [int(m["version"]) for m in records]
        names = list(columns)
        return {row[0]: dict(zip(names, row, strict=True))
                for row in zip(*columns.values(), strict=True)} if records else {}

    def _db_record(self, layer: Layer, row: dict[str, Any], fields: Sequence[Field],
                   stamp: Any, *, version: int) -> dict[str, Any]:
        """A row for the table; geometries stay shapely here (see ``_encode_geometries``)."""
        record = {f.name: row.get(f.name) if f.kind in GEOMETRY_KINDS
                  else codec.to_db(f.kind, row.get(f.name), self.backend) for f in fields}
        record["id"] = row["id"]
        record.update(source=row["_source"], updated_at=stamp, version=version)
        return record

    def _encode_geometries(self, layer: Layer, records: list[dict[str, Any]]) -> None:
        """Turn the shapely geometries of the records into the back-end's values, in bulk."""
        for f in layer.geometry_fields:
            if records and f.name in records[0]:
                encoded = codec.geometries_to_db([r[f.name] for r in records], self.backend)
                for record, value in zip(records, encoded, strict=True):
                    record[f.name] = value

    def _bump(self, conn: Connection) -> None:
        table = self.tables["meta"]
        conn.execute(table.update().where(table.c.key == DATA_VERSION_KEY)
                     .values(value=cast(cast(table.c.value, Integer) + 1, Text)))

    def _data_version(self, conn: Connection) -> int:
        table = self.tables["meta"]
        value = conn.execute(select(table.c.value).where(table.c.key == DATA_VERSION_KEY)).scalar()
        return int(value or 0)


AUDIT_COLUMNS = ("id", "at", "layer", "row_id", "field", "old", "new", "actor", "username",
                 "address", "action", "object", "result")


def _audit(layer: str, row_id: str, field_name: str, old: str | None, new: str | None,
           actor: str, stamp: Any, *, principal: Principal = SYSTEM,
           action: str = "update") -> dict[str, Any]:
    return {"at": stamp, "layer": layer, "row_id": row_id, "field": field_name,
            "old": old, "new": new, "actor": actor, "username": principal.username,
            "address": principal.address, "action": action, "object": f"{layer}/{row_id}",
            "result": "ok"}


def _event(layer: str, obj: str, action: str, principal: Principal, result: str,
           stamp: Any) -> dict[str, Any]:
    """An audit record that is not a field change (sign-in, read of a restricted record …)."""
    return {"at": stamp, "layer": layer, "row_id": obj, "field": "", "old": None, "new": None,
            "actor": principal.username, "username": principal.username,
            "address": principal.address, "action": action, "object": obj, "result": result}


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


def _sqlite_engine(url) -> Engine:
    database = url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None   # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - driver hook
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _database_error(url: str, exc: SQLAlchemyError) -> DataSourceError:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if "no such table" in detail or ("does not exist" in detail and "relation" in detail):
        msg = (f"数据库尚未初始化，请先运行 python -m gis init / the database {url} has no schema "
               f"yet; run `python -m gis init` first ({detail})")
    elif "duplicate key" in detail or "UNIQUE constraint" in detail:
        msg = (f"同一编号的记录刚被他人同时新增，请刷新后重试 / a row with the same id was just "
               f"added by someone else; reload and retry ({detail})")
    else:
        msg = f"数据库操作失败 / database error at {url}: {detail}"
    return DataSourceError(msg)
