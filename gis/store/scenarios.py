"""Saved scenarios (``scenarios`` table, ``sql/009_scenarios.sql``), on both back-ends.

A scenario is a name, a kind (``office``, ``kiosk``, ``camera``, ``crossing``, ``whatif``), the
parameters of the run and its result, both JSON, plus who saved it and when. Names are unique:
saving under a taken name raises ``ValidationError`` unless ``overwrite=True``.

Every function takes the acting ``principal`` and asks the one permission check
(``gis.auth.policy.require``, layer ``scenarios``): planners save and delete; viewers, stations,
the education bureau and 综治办 read; the wall display, the account and audit administrators
neither (a refusal is audited and raises ``AccessDeniedError``). ``created_by`` is the acting
account's name (the command line passes its ``--actor``); saves and deletions are audited.

>>> save_scenario(store, name="城北加两个岗亭", kind="kiosk", params={...}, result={...})
>>> list_scenarios(store)            # DataFrame: id, name, kind, created_by, created_at
>>> load_scenario(store, "城北加两个岗亭").result
>>> delete_scenario(store, "城北加两个岗亭")
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, Text, select

from gis.auth.principal import SYSTEM, Principal
from gis.errors import ValidationError
from gis.store import codec
from gis.store.audit import _event

LAYER = "scenarios"

MAX_NAME = 120


@dataclass(frozen=True)
class Scenario:
    """One saved scenario; ``params`` and ``result`` are plain JSON values."""

    name: str
    kind: str
    params: dict[str, Any]
    result: dict[str, Any]
    created_by: str = "system"
    created_at: pd.Timestamp | None = None
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _table(backend: str) -> Table:
    stamp = DateTime(timezone=True) if backend == "postgis" else Text()
    return Table("scenarios", MetaData(),
                 Column("id", BigInteger() if backend == "postgis" else Integer(), primary_key=True),
                 Column("name", Text()), Column("kind", Text()), Column("params", Text()),
                 Column("result", Text()), Column("created_by", Text()), Column("created_at", stamp))


def _clean_name(name: str) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        msg = "请填写方案名称 / give the scenario a name"
        raise ValidationError(msg)
    if len(text) > MAX_NAME:
        msg = f"方案名称过长（最多 {MAX_NAME} 字） / scenario name longer than {MAX_NAME} characters"
        raise ValidationError(msg)
    return text


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False, default=str)
    except ValueError as exc:
        msg = f"方案的{what}含有无法保存的数值（NaN/∞） / the scenario's {what} holds NaN or infinity"
        raise ValidationError(msg) from exc


def _audit(conn, store, action: str, name: str, principal: Principal, actor: str, stamp) -> None:
    record = _event(LAYER, name, action, principal, "ok", codec.stamp_to_db(stamp, store.backend))
    record["actor"] = actor
    conn.execute(store.tables["audit_log"].insert(), [record])


def save_scenario(store, *, name: str, kind: str, params: dict[str, Any], result: dict[str, Any],
                  overwrite: bool = False, principal: Principal = SYSTEM, actor: str | None = None) -> Scenario:
    """Insert (or with ``overwrite`` replace) a scenario; one transaction, audited.

    Parameters
    ----------
    principal : Principal
        The acting account (``write`` on ``scenarios``: planners).
    actor : str, optional
        Recorded as ``created_by`` and in the audit trail; default the principal's user name
        (the command line passes ``--actor``).

    Raises
    ------
    AccessDeniedError
        The principal may not write scenarios (nothing saved; the refusal is audited).
    ValidationError
        Empty or too long name, a taken name without ``overwrite``, values JSON cannot hold.
    """
    store._require(principal, "write", LAYER)
    actor = principal.username if actor is None else str(actor)
    name = _clean_name(name)
    table = _table(store.backend)
    stamp = dt.datetime.now(dt.UTC)
    row = {"name": name, "kind": str(kind), "params": _dumps(params, "参数 params"),
           "result": _dumps(result, "结果 result"), "created_by": actor,
           "created_at": codec.stamp_to_db(stamp, store.backend)}
    with store._begin(write=True) as conn:
        query = select(table.c.id).where(table.c.name == name)
        existing = conn.execute(query.with_for_update() if store.backend == "postgis" else query).scalar()
        if existing is not None and not overwrite:
            msg = f"已有同名方案“{name}”，请换一个名称或选择覆盖 / a scenario named {name!r} exists"
            raise ValidationError(msg)
        if existing is not None:
            conn.execute(table.update().where(table.c.id == existing).values(**row))
            new_id = int(existing)
        else:
            new_id = int(conn.execute(table.insert().values(**row).returning(table.c.id)).scalar())
        _audit(conn, store, "scenario_overwrite" if existing is not None else "scenario_save", name, principal,
               actor, stamp)
    return Scenario(name=name, kind=str(kind), params=params, result=result, created_by=actor,
                    created_at=pd.Timestamp(stamp), id=new_id)


def list_scenarios(store, *, principal: Principal = SYSTEM) -> pd.DataFrame:
    """``id, name, kind, created_by, created_at``, newest first (results are not read)."""
    store._require(principal, "read", LAYER)
    table = _table(store.backend)
    query = select(table.c.id, table.c.name, table.c.kind, table.c.created_by, table.c.created_at)
    with store._begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    frame = pd.DataFrame(rows, columns=["id", "name", "kind", "created_by", "created_at"])
    frame["created_at"] = [codec.stamp_from_db(v) for v in frame["created_at"]]
    return frame.sort_values(["created_at", "id"], ascending=False).reset_index(drop=True)


def load_scenario(store, name: str, *, principal: Principal = SYSTEM) -> Scenario:
    """The scenario saved under ``name``; ``ValidationError`` naming it when there is none."""
    store._require(principal, "read", LAYER)
    name = _clean_name(name)
    table = _table(store.backend)
    with store._begin() as conn:
        row = conn.execute(select(table).where(table.c.name == name)).first()
    if row is None:
        msg = f"没有名为“{name}”的方案 / no scenario named {name!r}"
        raise ValidationError(msg)
    m = row._mapping
    return Scenario(name=m["name"], kind=m["kind"], params=json.loads(m["params"]), result=json.loads(m["result"]),
                    created_by=m["created_by"], created_at=codec.stamp_from_db(m["created_at"]), id=int(m["id"]))


def delete_scenario(store, name: str, *, principal: Principal = SYSTEM, actor: str | None = None) -> bool:
    """Delete a scenario (planners); True when one was deleted (audited)."""
    store._require(principal, "write", LAYER)
    actor = principal.username if actor is None else str(actor)
    name = _clean_name(name)
    table = _table(store.backend)
    with store._begin(write=True) as conn:
        gone = conn.execute(table.delete().where(table.c.name == name)).rowcount > 0
        if gone:
            _audit(conn, store, "scenario_delete", name, principal, actor, dt.datetime.now(dt.UTC))
    return gone
