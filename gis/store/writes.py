"""Writes: upsert by id and delete, in one transaction, with optimistic locking.

A row carrying a ``version`` older than the stored one raises ``StaleVersionError`` and
nothing is written; every insert, update and delete is recorded in ``audit_log``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import bindparam

from gis.auth.principal import SYSTEM, Principal
from gis.errors import StaleVersionError
from gis.schema import GEOMETRY_KINDS, Field, Layer, get_layer
from gis.store import codec
from gis.store.audit import AuditMixin, _audit
from gis.store.base import CHUNK
from gis.store.rows import _prepare_rows

INSERT_MARK = "insert"


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


class WritesMixin(AuditMixin):
    """``write_layer`` and ``delete_rows``."""

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
