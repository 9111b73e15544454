"""Reading and exporting the audit trail (``audit_log``; append-only by database trigger).

Only the ``auditor`` role (and the system) may read it; an export is itself audited.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, select

from gis.auth.policy import require
from gis.auth.principal import SYSTEM, Principal
from gis.io.spreadsheet import xlsx_bytes

COLUMNS = ("at", "username", "address", "action", "object", "result", "field", "old", "new")
LABELS_ZH = {"at": "时间", "username": "用户", "address": "地址", "action": "操作", "object": "对象",
             "result": "结果", "field": "字段", "old": "原值", "new": "新值/说明"}


def read_audit(store, *, principal: Principal = SYSTEM, username: str | None = None,
               action: str | None = None, since: dt.datetime | None = None,
               until: dt.datetime | None = None, limit: int = 5000) -> pd.DataFrame:
    """Audit records, newest first, filtered by user, action and time (UTC datetimes).

    Columns: ``COLUMNS`` (``at`` tz-aware UTC). Refused unless the principal may
    ``read_audit``.
    """
    require(principal, "read_audit", "audit_log")
    table = store.tables["audit_log"]
    conditions = []
    if username:
        conditions.append(table.c.username == username)
    if action:
        conditions.append(table.c.action == action)
    for bound, op in ((since, "ge"), (until, "lt")):
        if bound is not None:
            moment = bound if bound.tzinfo else bound.replace(tzinfo=dt.UTC)
            value = moment if store.backend == "postgis" else moment.astimezone(dt.UTC).isoformat()
            conditions.append(table.c.at >= value if op == "ge" else table.c.at < value)
    query = select(*[table.c[c] for c in COLUMNS]).order_by(table.c.id.desc()).limit(limit)
    if conditions:
        query = query.where(and_(*conditions))
    with store.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    return frame


def actions(store, *, principal: Principal = SYSTEM) -> list[str]:
    """The distinct actions recorded (for a filter list)."""
    require(principal, "read_audit", "audit_log")
    table = store.tables["audit_log"]
    with store.begin() as conn:
        return sorted(a for (a,) in conn.execute(select(table.c.action).distinct()) if a)


def export_xlsx(store, frame: pd.DataFrame, *, principal: Principal = SYSTEM) -> bytes:
    """The filtered records as an XLSX workbook (the one safe writer: no live formulas);
    the export itself is audited."""
    require(principal, "read_audit", "audit_log")
    out = frame.copy()
    out["at"] = out["at"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S")
    out = out.rename(columns=LABELS_ZH)
    data = xlsx_bytes({"审计日志": out})
    store.audit_event("export", principal=principal, obj="audit_log", detail=f"{len(frame)} rows xlsx")
    return data
