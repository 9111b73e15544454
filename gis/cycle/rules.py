"""Due, done, missing and overdue: the campaign's work cycle per school and per 派出所.

Pure functions over the stored layers and records (``store.read_layer``) and a day
``as_of``; the rules come from :class:`gis.cycle.config.CycleConfig`.

* Inspections: each kind of ``inspections_per_semester`` is due per school per term. They
  are *owed* until the count is reached and *missing* (behind) when fewer were done than the
  term's elapsed share asks for (``floor(required × elapsed / length)``: with 2 per term the
  first is due by the middle, the second by the last day). *Due soon*: the next one falls
  due within ``due_soon_days``.
* Joint inspections: ``joint_per_month`` per 派出所 jurisdiction in every month of a term.
* Visits: ``visits_per_week`` in the last full week of the term where a 警务室 lies within
  ``office_serves_within_m`` of the main gate.
* Notices: overdue ``overdue_after_days`` after the deadline while not closed; escalated
  (挂牌督办) when flagged or overdue ``escalate_after_days`` or more.

Statuses of a school, worst first: ``overdue`` (an overdue notice), ``missing``, ``due_soon``, ``ok``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.cycle.config import CycleConfig, Semester
from gis.network.crs import metric_crs
from gis.schema import ENUM_LABELS_ZH, RECORDS, main_gate

STATUSES = ("overdue", "missing", "due_soon", "ok")
STATUS_ZH = {"overdue": "整改逾期", "missing": "检查缺项", "due_soon": "即将到期", "ok": "均已完成"}
STATUS_EN = {"overdue": "overdue notice", "missing": "missing", "due_soon": "due soon", "ok": "all done"}
NOTICE_STATE_ZH = {"closed": "已销号", "open": "整改中", "due_soon": "临近期限", "overdue": "已逾期",
                   "escalated": "挂牌督办"}
# Common failed items of a 督导检查 (seed 003's eight priorities), offered when recording one.
FAILED_ITEMS = (
    "专职保安员不足", "校门视频监控存在盲区", "一键报警未与公安联网", "校门未设防冲撞设施",
    "门卫值守登记不全", "保安防护器械不齐（橡胶棒、安全叉）", "监控室未落实24小时值守",
    "周边占道摊点未清理", "围墙破损未实行封闭管理", "家长等候区未设置",
)
KIND_EN = {"station": "station", "joint": "joint", "comprehensive": "comprehensive", "self": "self-check"}


def records_frame(records: Mapping[str, pd.DataFrame | None], name: str) -> pd.DataFrame:
    """The record table ``name`` from ``records``, or an empty frame with its columns."""
    frame = records.get(name) if records else None
    if frame is None or len(frame) == 0:
        return pd.DataFrame({f.name: pd.Series(dtype=object) for f in RECORDS[name].fields})
    return frame


def as_dates(values: pd.Series) -> pd.Series:
    """A column of ``datetime.date`` (or text/timestamps) as ``datetime.date`` objects."""
    stamps = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    return pd.Series([None if pd.isna(s) else s.date() for s in stamps], index=values.index, dtype=object)


def notice_states(notices: pd.DataFrame, *, as_of: dt.date, config: CycleConfig) -> pd.DataFrame:
    """Every notice with its state on ``as_of``.

    Returns
    -------
    DataFrame
        The notices plus ``closed`` (bool), ``overdue`` (bool), ``days_overdue`` (days, 0 when
        not overdue), ``escalate`` (bool: flagged or overdue long enough), ``days_left`` (to the
        deadline) and ``state`` (``closed, open, due_soon, overdue, escalated``).
    """
    frame = notices.copy()
    if len(frame) == 0:
        for col, dtype in (("closed", bool), ("overdue", bool), ("days_overdue", int),
                           ("escalate", bool), ("days_left", int), ("state", object)):
            frame[col] = pd.Series(dtype=dtype)
        return frame
    issued = as_dates(frame["issued_on"])
    deadline = as_dates(frame["deadline"])
    closed_on = as_dates(frame["closed_on"])
    status = frame["status"].astype(object)
    closed = [(s == "closed") or (c is not None and c <= as_of) for s, c in zip(status, closed_on, strict=True)]
    days_past = [(as_of - d).days if d is not None else 0 for d in deadline]
    overdue = [(not c) and p > config.overdue_after_days for c, p in zip(closed, days_past, strict=True)]
    flagged = frame["escalated"].astype("boolean").fillna(False).astype(bool).tolist()
    escalate = [o and (f or p - config.overdue_after_days >= config.escalate_after_days)
                for o, f, p in zip(overdue, flagged, days_past, strict=True)]
    frame["issued_on"], frame["deadline"], frame["closed_on"] = issued, deadline, closed_on
    frame["closed"] = closed
    frame["overdue"] = overdue
    frame["days_overdue"] = [max(0, p - config.overdue_after_days) if o else 0
                             for o, p in zip(overdue, days_past, strict=True)]
    frame["escalate"] = escalate
    frame["days_left"] = [-p for p in days_past]
    states = []
    for c, o, e, left in zip(closed, overdue, escalate, frame["days_left"], strict=True):
        if c:
            states.append("closed")
        elif e:
            states.append("escalated")
        elif o:
            states.append("overdue")
        elif left <= 3:
            states.append("due_soon")
        else:
            states.append("open")
    frame["state"] = states
    return frame


def office_service(schools: gpd.GeoDataFrame, posts: gpd.GeoDataFrame | None, *,
                   config: CycleConfig) -> pd.Series:
    """The nearest 警务室 (office) serving each school (within ``office_serves_within_m``), or None.

    Returns
    -------
    Series
        Indexed by school id, values post id or None.
    """
    ids = schools["id"].astype(str).to_numpy()
    result = pd.Series([None] * len(ids), index=ids, dtype=object)
    if posts is None or len(posts) == 0 or len(schools) == 0:
        return result
    offices = posts[posts["kind"].astype(str) == "office"]
    if len(offices) == 0:
        return result
    gates = gpd.GeoSeries([main_gate(g) for g in schools.geometry], crs="EPSG:4326")
    crs = metric_crs(gates[gates.notna()]) if gates.notna().any() else None
    if crs is None:
        return result
    gm = gates.to_crs(crs)
    om = offices.geometry.to_crs(crs)
    ox, oy = om.x.to_numpy(), om.y.to_numpy()
    office_ids = offices["id"].astype(str).to_numpy()
    for k, g in enumerate(gm):
        if g is None or g.is_empty:
            continue
        d = np.hypot(ox - g.x, oy - g.y)
        j = int(np.argmin(d))
        if d[j] <= config.office_serves_within_m:
            result.iloc[k] = office_ids[j]
    return result


def _pace(required: int, done: int, term: Semester, as_of: dt.date) -> tuple[int, dt.date | None]:
    """Expected count by ``as_of`` and the day the next one falls due (None when all done)."""
    if required <= 0:
        return 0, None
    elapsed = min(max((min(as_of, term.end) - term.start).days + 1, 0), term.days)
    expected = math.floor(required * elapsed / term.days)
    if done >= required:
        return expected, None
    day_index = math.ceil((done + 1) * term.days / required)
    return expected, term.start + dt.timedelta(days=day_index - 1)


def last_full_week(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the last complete week before the week holding ``as_of``."""
    monday = as_of - dt.timedelta(days=as_of.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


def school_cycle(schools: gpd.GeoDataFrame, records: Mapping[str, pd.DataFrame | None], *,
                 as_of: dt.date, config: CycleConfig,
                 posts: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """What is due, done, missing and overdue at every school on ``as_of``.

    Parameters
    ----------
    schools : GeoDataFrame
        The ``schools`` layer.
    records : mapping
        ``inspections``, ``notices``, ``visits`` (frames as read from the store; missing = none).
    as_of : datetime.date
    config : CycleConfig
    posts : GeoDataFrame, optional
        The ``police_posts`` layer (警务室 serving a school).

    Returns
    -------
    DataFrame
        One row per school: ``school_id, name, jurisdiction_id, semester``, per inspection kind
        ``<kind>_done`` and ``<kind>_required``, ``inspections_required, inspections_done,
        inspections_owed`` (still to do this term), ``inspections_behind`` (fewer than the
        pace asks), ``next_due`` (date), ``last_inspection`` (date), ``office_id``,
        ``visits_week`` and ``visits_week_required`` (last full week), ``notices_open,
        notices_overdue, notices_escalated``, ``status`` (see ``STATUSES``), ``status_zh``,
        ``reasons_zh``, ``reasons_en``.
    """
    ids = schools["id"].astype(str).tolist()
    term = config.current_or_last_semester(as_of)
    inspections = records_frame(records, "inspections")
    ins = inspections.assign(day=as_dates(inspections["date"]), school_id=inspections["school_id"].astype(str))
    ins = ins[ins["day"].notna()]
    ins = ins[[d <= as_of for d in ins["day"]]] if len(ins) else ins
    in_term = ins[[term is not None and term.contains(d) for d in ins["day"]]] if len(ins) else ins
    counts = (in_term.groupby(["school_id", "kind"]).size() if len(in_term)
              else pd.Series(dtype=int))
    last_ins = ins.groupby("school_id")["day"].max() if len(ins) else pd.Series(dtype=object)
    notices = notice_states(records_frame(records, "notices"), as_of=as_of, config=config)
    open_n = notices[~notices["closed"].astype(bool)] if len(notices) else notices
    by_school = dict(tuple(open_n.groupby(open_n["school_id"].astype(str)))) if len(open_n) else {}
    offices = office_service(schools, posts, config=config)
    visits = records_frame(records, "visits")
    vis = visits.assign(day=as_dates(visits["date"]), school_id=visits["school_id"].astype(str))
    monday, sunday = last_full_week(as_of)
    week_in_term = term is not None and term.contains(monday) and term.contains(sunday)
    week = vis[[d is not None and monday <= d <= sunday for d in vis["day"]]] if len(vis) else vis
    week_counts = week.groupby("school_id").size() if len(week) else pd.Series(dtype=int)

    rows = []
    names = schools["name"].astype(str).tolist()
    juris = schools["jurisdiction_id"].tolist() if "jurisdiction_id" in schools else [None] * len(ids)
    for sid, name, jid in zip(ids, names, juris, strict=True):
        row: dict[str, Any] = {"school_id": sid, "name": name,
                               "jurisdiction_id": None if pd.isna(jid) else str(jid),
                               "semester": term.label if term else None}
        required_total = done_total = owed = 0
        behind_zh, behind_en, next_due = [], [], None
        for kind, required in config.inspections_per_semester.items():
            done = int(counts.get((sid, kind), 0)) if len(counts) else 0
            row[f"{kind}_done"], row[f"{kind}_required"] = done, required
            if term is None:
                continue
            required_total += required
            done_total += min(done, required)
            owed += max(0, required - done)
            expected, due = _pace(required, done, term, as_of)
            label = ENUM_LABELS_ZH.get(kind, kind)
            if done < expected:
                behind_zh.append(f"本学期{label}应完成 {expected} 次、已完成 {done} 次")
                behind_en.append(f"{KIND_EN.get(kind, kind)} inspections: {done} of {expected} due by now")
            if due is not None and (next_due is None or due < next_due):
                next_due = due
        row.update(inspections_required=required_total, inspections_done=done_total,
                   inspections_owed=owed, inspections_behind=bool(behind_zh), next_due=next_due,
                   last_inspection=last_ins.get(sid) if len(last_ins) else None)
        office = offices.get(sid)
        row["office_id"] = office
        need_visits = config.visits_per_week if (office is not None and week_in_term) else 0
        row["visits_week_required"] = need_visits
        row["visits_week"] = int(week_counts.get(sid, 0)) if len(week_counts) else 0
        if sid in by_school:
            mine = by_school[sid]
            row["notices_open"] = len(mine)
            row["notices_overdue"] = int(mine["overdue"].sum())
            row["notices_escalated"] = int(mine["escalate"].sum())
        else:
            row["notices_open"] = row["notices_overdue"] = row["notices_escalated"] = 0
        reasons_zh, reasons_en = list(behind_zh), list(behind_en)
        if row["visits_week"] < need_visits:
            reasons_zh.append(f"上周警务室民警到校 {row['visits_week']} 次，少于每周 {need_visits} 次")
            reasons_en.append(f"office officer visits last week: {row['visits_week']} of {need_visits}")
        if row["notices_overdue"]:
            reasons_zh.insert(0, f"整改通知书逾期 {row['notices_overdue']} 份"
                              + (f"（挂牌督办 {row['notices_escalated']} 份）" if row["notices_escalated"] else ""))
            reasons_en.insert(0, f"{row['notices_overdue']} rectification notice(s) overdue"
                              + (f" ({row['notices_escalated']} escalated)" if row["notices_escalated"] else ""))
        if row["notices_overdue"]:
            status = "overdue"
        elif behind_zh or row["visits_week"] < need_visits:
            status = "missing"
        elif next_due is not None and (next_due - as_of).days <= config.due_soon_days:
            status = "due_soon"
            reasons_zh.append(f"下次检查应于 {next_due.isoformat()} 前完成")
            reasons_en.append(f"next inspection due by {next_due.isoformat()}")
        else:
            status = "ok"
        row.update(status=status, status_zh=STATUS_ZH[status], reasons_zh="；".join(reasons_zh),
                   reasons_en="; ".join(reasons_en))
        rows.append(row)
    return pd.DataFrame(rows)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``."""
    from gis.cycle.config import parse_month

    year, mon = parse_month(month)
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def school_weeks_in(first: dt.date, last: dt.date, config: CycleConfig) -> int:
    """Weeks (counted by their Monday) between ``first`` and ``last`` whose Monday is in a term."""
    day = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    weeks = 0
    while day <= last:
        if config.semester_at(day) is not None:
            weeks += 1
        day += dt.timedelta(days=7)
    return weeks


def jurisdiction_cycle(table: pd.DataFrame, records: Mapping[str, pd.DataFrame | None], *,
                       as_of: dt.date, config: CycleConfig,
                       names: Mapping[str, str] | None = None,
                       site_notices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per 派出所 jurisdiction: the school rows of :func:`school_cycle` totalled, plus the
    month's joint inspections against ``joint_per_month``, plus the notices addressed to risk
    sites in the jurisdiction (``site_notices``: :func:`notice_states` joined with
    :func:`notice_places`; rows of other places are ignored) in ``notices_open/overdue/escalated``.

    Returns
    -------
    DataFrame
        ``jurisdiction_id, jurisdiction_name, schools, inspections_required, inspections_done,
        inspections_owed, schools_behind, schools_due_soon, schools_ok, notices_open,
        notices_overdue, notices_escalated, visits_short`` (schools short of visits last week),
        ``joint_month_done, joint_month_required``; a last row ``全县`` sums them.
    """
    t = table.copy()
    t["jurisdiction_id"] = t["jurisdiction_id"].fillna("未划定").astype(str)
    first = as_of.replace(day=1)
    ins = records_frame(records, "inspections")
    ins = ins.assign(day=as_dates(ins["date"]))
    school_juris = dict(zip(t["school_id"], t["jurisdiction_id"], strict=True))
    joint = ins[(ins["kind"].astype(str) == "joint").to_numpy()
                & np.array([d is not None and first <= d <= as_of for d in ins["day"]], dtype=bool)
                ] if len(ins) else ins
    joint_by = (joint["school_id"].astype(str).map(school_juris).value_counts()
                if len(joint) else pd.Series(dtype=int))
    joint_required = config.joint_per_month if config.semester_at(as_of) or config.semester_at(first) else 0
    names = dict(names or {})

    def agg(g: pd.DataFrame) -> dict[str, Any]:
        return {
            "schools": len(g), "inspections_required": int(g["inspections_required"].sum()),
            "inspections_done": int(g["inspections_done"].sum()),
            "inspections_owed": int(g["inspections_owed"].sum()),
            "schools_behind": int(g["inspections_behind"].sum()),
            "schools_due_soon": int((g["status"] == "due_soon").sum()),
            "schools_ok": int((g["status"] == "ok").sum()),
            "notices_open": int(g["notices_open"].sum()), "notices_overdue": int(g["notices_overdue"].sum()),
            "notices_escalated": int(g["notices_escalated"].sum()),
            "visits_short": int((g["visits_week"] < g["visits_week_required"]).sum()),
        }

    sites = pd.DataFrame(columns=["jurisdiction_id", "closed", "overdue", "escalate"])
    if site_notices is not None and len(site_notices) and "place_kind" in site_notices:
        sites = site_notices[(site_notices["place_kind"] == "risk_site") & ~site_notices["closed"].astype(bool)]
        sites = sites.assign(jurisdiction_id=sites["jurisdiction_id"].astype(object).fillna("未划定").astype(str))

    def add_sites(row: dict[str, Any], part: pd.DataFrame) -> dict[str, Any]:
        row["notices_open"] += len(part)
        row["notices_overdue"] += int(part["overdue"].astype(bool).sum())
        row["notices_escalated"] += int(part["escalate"].astype(bool).sum())
        return row

    rows = []
    groups = dict(tuple(t.groupby("jurisdiction_id", sort=True)))
    for jid in sorted(set(groups) | set(names)):   # a 派出所 without schools still gets its row
        g = groups.get(jid, t.iloc[0:0])
        rows.append(add_sites({"jurisdiction_id": jid, "jurisdiction_name": names.get(jid, jid), **agg(g),
                               "joint_month_done": int(joint_by.get(jid, 0)) if len(joint_by) else 0,
                               "joint_month_required": joint_required},
                              sites[sites["jurisdiction_id"] == jid]))
    total = add_sites({"jurisdiction_id": "全县", "jurisdiction_name": "全县 / county", **agg(t),
                       "joint_month_done": sum(r["joint_month_done"] for r in rows),
                       "joint_month_required": joint_required * len(rows)}, sites)
    rows.append(total)
    return pd.DataFrame(rows)


RESTRICTED_PLACE_ZH = "受限点位（详情仅授权民警可见）"
RESTRICTED_PLACE_EN = "restricted site (details for cleared officers only)"


def notice_places(notices: pd.DataFrame, *, schools: gpd.GeoDataFrame,
                  risk_sites: gpd.GeoDataFrame | None = None,
                  posts: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Where each notice is addressed: a school or a risk site, its name and its 派出所.

    A notice on a risk site (``risk_site_id``, no ``school_id``) belongs to the 派出所 whose
    jurisdiction polygon holds the site, else to the jurisdiction of the school nearest to it.
    A risk site with restricted details (:func:`gis.schema.is_sensitive`: still counted in its
    派出所) or not visible to the reader (not in ``risk_sites``: counted in the county only) is
    named only :data:`RESTRICTED_PLACE_ZH`, has no point, and ``restricted`` tells callers to
    leave out the notice's items: nothing of the register reaches a map, a report or a log.

    Parameters
    ----------
    notices : DataFrame
        The stored notices (``school_id``, ``risk_site_id``).
    schools, risk_sites, posts : GeoDataFrame
        The layers (``posts``: stations' ``jurisdiction`` polygons).

    Returns
    -------
    DataFrame
        Indexed like ``notices``: ``place_kind`` (``school``, ``risk_site``), ``place_id``,
        ``place_name`` (zh), ``place_name_en``, ``jurisdiction_id`` (None when unknown),
        ``restricted`` (bool), ``lon``, ``lat`` (the site's point; None for schools and
        restricted sites).
    """
    from gis.schema import sensitive_mask

    cols = ["place_kind", "place_id", "place_name", "place_name_en", "jurisdiction_id", "restricted", "lon", "lat"]
    if notices is None or not len(notices):
        return pd.DataFrame(columns=cols, index=getattr(notices, "index", None))
    school_name = dict(zip(schools["id"].astype(str), schools["name"].astype(str), strict=True))
    school_j = dict(zip(schools["id"].astype(str), schools["jurisdiction_id"], strict=True)) \
        if "jurisdiction_id" in schools else {}
    sites: dict[str, dict[str, Any]] = {}
    if risk_sites is not None and len(risk_sites):
        hidden = sensitive_mask(risk_sites).to_numpy()
        areas = []
        if posts is not None and len(posts) and "jurisdiction" in posts:
            st = posts[posts["kind"].astype(str) == "station"]
            areas = [(str(i), g) for i, g in zip(st["id"], st["jurisdiction"], strict=True)
                     if g is not None and not g.is_empty]
        gates = [(str(s), main_gate(g), school_j.get(str(s))) for s, g in
                 zip(schools["id"], schools.geometry, strict=True)]
        gates = [(s, g, j) for s, g, j in gates if g is not None and j is not None and not pd.isna(j)]
        for rid, cat, level, pt, secret in zip(risk_sites["id"].astype(str), risk_sites["category"].astype(str),
                                               risk_sites["level"], risk_sites.geometry, hidden, strict=True):
            if pt is None or pt.is_empty:
                continue
            jid = next((a for a, poly in areas if poly.covers(pt)), None)
            if jid is None and gates:
                jid = str(min(gates, key=lambda t: (t[1].x - pt.x) ** 2 + (t[1].y - pt.y) ** 2)[2])
            if secret:
                sites[rid] = {"name": RESTRICTED_PLACE_ZH, "name_en": RESTRICTED_PLACE_EN, "jurisdiction_id": jid,
                              "lon": None, "lat": None, "restricted": True}
                continue
            label = ENUM_LABELS_ZH.get(cat, cat)
            lvl = "" if pd.isna(level) else f" {int(level)}级"
            sites[rid] = {"name": f"{label}{lvl}（{rid}）", "name_en": f"{cat} level {level} ({rid})",
                          "jurisdiction_id": jid, "lon": float(pt.x), "lat": float(pt.y), "restricted": False}
    rows = []
    sids = notices["school_id"] if "school_id" in notices else pd.Series(None, index=notices.index)
    rids = notices["risk_site_id"] if "risk_site_id" in notices else pd.Series(None, index=notices.index)
    for sid, rid in zip(sids, rids, strict=True):
        sid = None if sid is None or pd.isna(sid) or str(sid) == "" else str(sid)
        rid = None if rid is None or pd.isna(rid) or str(rid) == "" else str(rid)
        if sid is not None or rid is None:
            j = school_j.get(sid) if sid else None
            rows.append(("school", sid, school_name.get(sid, sid or ""), school_name.get(sid, sid or ""),
                         None if j is None or pd.isna(j) else str(j), False, None, None))
        elif rid in sites:
            site = sites[rid]
            rows.append(("risk_site", rid, site["name"], site["name_en"], site["jurisdiction_id"],
                         site["restricted"], site["lon"], site["lat"]))
        else:
            rows.append(("risk_site", rid, RESTRICTED_PLACE_ZH, RESTRICTED_PLACE_EN, None, True, None, None))
    return pd.DataFrame(rows, columns=cols, index=notices.index)
