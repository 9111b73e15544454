"""The audit trail and permission checks of the store.

Every refusal by ``gis.auth.policy`` is written to ``audit_log`` before it is raised;
``read_audit`` gives the newest records to the ``auditor`` role; ``audit_event`` appends
sign-ins, exports and other events; ``_audit``/``_event`` build the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from gis.auth import policy
from gis.auth.principal import SYSTEM, Principal
from gis.errors import AccessDeniedError
from gis.schema import get_layer
from gis.store import codec
from gis.store.base import StoreBase

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


class AuditMixin(StoreBase):
    """Audit reads, audit events and the permission checks (audited when refused)."""

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

