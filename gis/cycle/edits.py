"""Single edits of the work records from the app: add an inspection, issue a notice (from an
assessment reason or a failed item), close a notice with its review date.

Each validates like the importer (school exists, no future date, deadline not before issue),
writes through the store (versioned, audited; a stale ``version`` raises
``StaleVersionError``) and returns the record's id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from gis.errors import ValidationError

NOTICE_PREFIX = "ZG"
INSPECTION_PREFIX = "JC"


def next_id(existing: pd.Series, prefix: str, day: dt.date) -> str:
    """``ZG20251012-001``: the next free id of the day."""
    stem = f"{prefix}{day.strftime('%Y%m%d')}-"
    taken = {str(i) for i in existing if str(i).startswith(stem)}
    k = 1
    while f"{stem}{k:03d}" in taken:
        k += 1
    return f"{stem}{k:03d}"


def _school(store, school_id: str, **kwargs: Any) -> None:
    schools = store.read_layer("schools", ids=[school_id], **kwargs)
    if schools.empty:
        msg = f"学校编号“{school_id}”不存在 / school {school_id!r} does not exist"
        raise ValidationError(msg)


def _public_site(store, site_id: str, **kwargs: Any) -> None:
    from gis.schema import sensitive_mask

    sites = store.read_layer("risk_sites", ids=[site_id], **kwargs)
    if sites.empty or bool(sensitive_mask(sites).any()):
        msg = (f"风险点位“{site_id}”不存在或为受限点位，不能在此下发 / risk site {site_id!r} does not exist "
               f"or is restricted")
        raise ValidationError(msg)


def _not_future(day: dt.date, label: str, today: dt.date) -> None:
    if day > today:
        msg = f"{label} {day.isoformat()} 晚于今天，不能登记未来的记录 / {label}: {day} is in the future"
        raise ValidationError(msg)


def add_inspection(store, *, school_id: str, day: dt.date, kind: str, unit: str = "", inspector: str = "",
                   findings: str = "", failed_items: list[str] | None = None, actor: str = "local",
                   today: dt.date | None = None, **kwargs: Any) -> str:
    """Record one inspection; returns its id."""
    from gis.schema import INSPECTION_KINDS

    today = today or dt.date.today()
    _school(store, school_id, **kwargs)
    _not_future(day, "检查日期", today)
    if kind not in INSPECTION_KINDS:
        msg = f"检查类型应为 {', '.join(INSPECTION_KINDS)} / kind must be one of {', '.join(INSPECTION_KINDS)}"
        raise ValidationError(msg)
    rid = next_id(store.read_layer("inspections", **kwargs)["id"], INSPECTION_PREFIX, day)
    row = pd.DataFrame([{"id": rid, "school_id": school_id, "date": day, "kind": kind, "unit": unit or None,
                         "inspector": inspector or None, "findings": findings or None,
                         "failed_items": "；".join(failed_items or []) or None}])
    store.write_layer("inspections", row, source="user", actor=actor, **kwargs)
    return rid


def issue_notice(store, *, school_id: str | None = None, items: str, deadline: dt.date,
                 issued_on: dt.date | None = None, origin: str = "", actor: str = "local",
                 today: dt.date | None = None, risk_site_id: str | None = None, **kwargs: Any) -> str:
    """Issue a 《治安隐患限期整改通知书》 for a school or a risk site; returns its id.

    Parameters
    ----------
    school_id, risk_site_id : str
        Exactly one: the school, or a public risk site (网吧, 摊点 …; a site with restricted
        details is refused without naming it).
    items : str
        What must be rectified (e.g. the assessment reason, verbatim).
    deadline : datetime.date
        Not before ``issued_on``.
    origin : str
        Where it came from (``评估原因`` / ``检查 JC… 不合格项``).
    """
    today = today or dt.date.today()
    issued_on = issued_on or today
    if (school_id is None) == (risk_site_id is None):
        msg = "整改通知书须指定学校或风险点位之一 / a notice names either a school or a risk site"
        raise ValidationError(msg)
    if school_id is not None:
        _school(store, school_id, **kwargs)
    else:
        _public_site(store, risk_site_id, **kwargs)
    _not_future(issued_on, "下发日期", today)
    if not str(items).strip():
        msg = "整改事项不能为空 / the notice needs its items"
        raise ValidationError(msg)
    if deadline < issued_on:
        msg = (f"整改期限 {deadline.isoformat()} 早于下发日期 {issued_on.isoformat()} / the deadline is before "
               f"the issue date")
        raise ValidationError(msg)
    rid = next_id(store.read_layer("notices", **kwargs)["id"], NOTICE_PREFIX, issued_on)
    row = pd.DataFrame([{"id": rid, "school_id": school_id, "risk_site_id": risk_site_id,
                         "issued_on": issued_on, "deadline": deadline,
                         "items": str(items).strip(), "status": "open", "escalated": False,
                         "origin": origin or None}])
    store.write_layer("notices", row, source="user", actor=actor, **kwargs)
    return rid


def close_notice(store, *, notice_id: str, closed_on: dt.date, reviewed_by: str, version: int | None = None,
                 actor: str = "local", today: dt.date | None = None, **kwargs: Any) -> int:
    """Close a notice after review (复查销号); returns the new version.

    Raises
    ------
    ValidationError
        Unknown notice, review date before the issue date or in the future, no reviewer.
    StaleVersionError
        ``version`` is older than the stored one (someone changed the notice meanwhile).
    """
    today = today or dt.date.today()
    found = store.read_layer("notices", ids=[notice_id], **kwargs)
    if found.empty:
        msg = f"整改通知书“{notice_id}”不存在 / notice {notice_id!r} does not exist"
        raise ValidationError(msg)
    row = found.iloc[0]
    _not_future(closed_on, "复查日期", today)
    if closed_on < row["issued_on"]:
        msg = "复查日期早于下发日期 / the review date is before the issue date"
        raise ValidationError(msg)
    if not str(reviewed_by or "").strip():
        msg = "请填写复查人 / fill in who reviewed it"
        raise ValidationError(msg)
    update = pd.DataFrame([{"id": notice_id, "status": "closed", "closed_on": closed_on,
                            "reviewed_by": str(reviewed_by).strip(),
                            "version": int(row["version"]) if version is None else int(version)}])
    store.write_layer("notices", update, source="user", actor=actor, **kwargs)
    return int(store.read_layer("notices", ids=[notice_id], **kwargs).iloc[0]["version"])


def escalate_notice(store, *, notice_id: str, version: int | None = None, actor: str = "local",
                    **kwargs: Any) -> None:
    """Flag a notice 挂牌督办."""
    found = store.read_layer("notices", ids=[notice_id], **kwargs)
    if found.empty:
        msg = f"整改通知书“{notice_id}”不存在 / notice {notice_id!r} does not exist"
        raise ValidationError(msg)
    v = int(found.iloc[0]["version"]) if version is None else int(version)
    store.write_layer("notices", pd.DataFrame([{"id": notice_id, "escalated": True, "version": v}]),
                      source="user", actor=actor, **kwargs)
