"""The month's figures per 派出所 and for the county, the stored snapshots and the trends.

``monthly_figures(layers, records, month=…)`` counts, for one month (``YYYY-MM``), what the
monthly report shows: inspections done against required (term to date) and in the month,
joint inspections, notices opened / closed in the month and open / overdue / escalated at
its end, office visits against required, drills, and — when a campus assessment is given —
schools, weak and critical campuses, share reached within 3 minutes and the mean score.
``snapshot_rows`` turns them into ``snapshots`` rows (one per jurisdiction and the county,
id ``YYYY-MM/<jurisdiction>``) so next month's report can show the change; ``trend`` reads
them back as a month × indicator table.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from gis.cycle.config import CycleConfig
from gis.cycle.rules import (
    as_dates,
    jurisdiction_cycle,
    month_bounds,
    notice_places,
    notice_states,
    office_service,
    records_frame,
    school_cycle,
    school_weeks_in,
)

COUNTY = "全县"
INDICATORS = (
    "schools", "weak", "critical", "share_within_3min", "mean_score", "inspections_required",
    "inspections_done", "inspections_month", "joint_month", "notices_opened", "notices_closed",
    "notices_open", "notices_overdue", "notices_escalated", "visits", "visits_required", "drills",
)
INDICATOR_ZH = {
    "schools": "学校数", "weak": "薄弱校园（含严重）", "critical": "严重薄弱校园",
    "share_within_3min": "3分钟可达率", "mean_score": "平均评分",
    "inspections_required": "本学期应检查（次）", "inspections_done": "本学期已检查（次）",
    "inspections_month": "本月检查（次）", "joint_month": "本月联合督导（次）",
    "notices_opened": "本月下发整改通知书", "notices_closed": "本月复查销号",
    "notices_open": "月末未销号通知书", "notices_overdue": "月末逾期通知书",
    "notices_escalated": "挂牌督办", "visits": "本月警务室到校（次）",
    "visits_required": "本月应到校（次）", "drills": "本月演练（次）",
}
INDICATOR_EN = {
    "schools": "schools", "weak": "weak campuses (incl. critical)", "critical": "critical campuses",
    "share_within_3min": "reached within 3 min", "mean_score": "mean score",
    "inspections_required": "inspections required (term)", "inspections_done": "inspections done (term)",
    "inspections_month": "inspections this month", "joint_month": "joint inspections this month",
    "notices_opened": "notices issued", "notices_closed": "notices closed", "notices_open": "notices open",
    "notices_overdue": "notices overdue", "notices_escalated": "escalated (挂牌督办)",
    "visits": "office visits", "visits_required": "office visits required", "drills": "drills",
}
# A rise is bad for these (the report colours the change accordingly).
WORSE_WHEN_UP = {"weak", "critical", "notices_open", "notices_overdue", "notices_escalated"}


@dataclass
class MonthlyFigures:
    """Everything the monthly report shows for one month.

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    as_of : datetime.date
        The last day counted (the month's last day, or today in the running month).
    jurisdictions : DataFrame
        One row per 派出所 and a last ``全县`` row: ``jurisdiction_id, jurisdiction_name`` and
        :data:`INDICATORS` (assessment figures ``None`` when no assessment was given).
    schools : DataFrame
        :func:`gis.cycle.rules.school_cycle` at ``as_of`` (its ``reasons_zh/en`` are the cycle's)
        joined with the assessment's ``score, level, response_s`` and its reasons as
        ``weak_reasons_zh, weak_reasons_en`` when given.
    notices : DataFrame
        The notices issued in the month or still open at its end, with their state and where
        they are addressed (:func:`gis.cycle.rules.notice_places`: a school or a risk site;
        ``school_name`` is the place's name, ``restricted`` hides a restricted site's items).
    drills : DataFrame
        The month's drills.
    previous : DataFrame or None
        The previous month's snapshot rows (same columns), for the change.
    """

    month: str
    as_of: dt.date
    jurisdictions: pd.DataFrame
    schools: pd.DataFrame
    notices: pd.DataFrame
    drills: pd.DataFrame
    previous: pd.DataFrame | None = None
    names: dict[str, str] = field(default_factory=dict)

    def row(self, jurisdiction_id: str) -> dict[str, Any]:
        """The indicators of one jurisdiction (or ``全县``)."""
        frame = self.jurisdictions.set_index("jurisdiction_id")
        return frame.loc[jurisdiction_id].to_dict() if jurisdiction_id in frame.index else {}

    def change(self, jurisdiction_id: str) -> dict[str, float | None]:
        """Indicator → this month minus last month (None when either is unknown)."""
        now = self.row(jurisdiction_id)
        before: dict[str, Any] = {}
        if self.previous is not None and len(self.previous):
            prev = self.previous.set_index("jurisdiction_id")
            if jurisdiction_id in prev.index:
                before = prev.loc[jurisdiction_id].to_dict()
        out: dict[str, float | None] = {}
        for key in INDICATORS:
            a, b = _number(now.get(key)), _number(before.get(key))
            out[key] = None if a is None or b is None else a - b
        return out

    def previous_value(self, jurisdiction_id: str, key: str) -> float | None:
        if self.previous is None or not len(self.previous):
            return None
        prev = self.previous.set_index("jurisdiction_id")
        return _number(prev.loc[jurisdiction_id, key]) if jurisdiction_id in prev.index else None


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def previous_month(month: str) -> str:
    """``2025-01`` → ``2024-12``."""
    first, _ = month_bounds(month)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def jurisdiction_names(posts: gpd.GeoDataFrame | None) -> dict[str, str]:
    """派出所 id → name (stations)."""
    if posts is None or len(posts) == 0:
        return {}
    stations = posts[posts["kind"].astype(str) == "station"]
    return dict(zip(stations["id"].astype(str), stations["name"].astype(str), strict=True))


def monthly_figures(layers: Mapping[str, gpd.GeoDataFrame], records: Mapping[str, pd.DataFrame | None], *,
                    month: str, config: CycleConfig, assessment: pd.DataFrame | None = None,
                    today: dt.date | None = None, previous: pd.DataFrame | None = None) -> MonthlyFigures:
    """Count the month's figures (pure).

    Parameters
    ----------
    layers : mapping
        ``schools`` and ``police_posts``.
    records : mapping
        ``inspections``, ``notices``, ``visits``, ``drills`` (frames as stored).
    month : str
        ``YYYY-MM``.
    config : CycleConfig
    assessment : DataFrame, optional
        :func:`gis.coverage.assess_campuses` output (score, level, reasons, response_s).
    today : datetime.date, optional
        Counting stops at ``min(today, month end)`` (default: the month end).
    previous : DataFrame, optional
        Last month's snapshot rows, for :meth:`MonthlyFigures.change`.
    """
    first, last = month_bounds(month)
    as_of = min(last, today) if today else last
    schools = layers["schools"]
    posts = layers.get("police_posts")
    names = jurisdiction_names(posts)
    table = school_cycle(schools, records, as_of=as_of, config=config, posts=posts)
    juris = jurisdiction_cycle(table, records, as_of=as_of, config=config, names=names)
    school_j = dict(zip(table["school_id"], table["jurisdiction_id"].fillna("未划定").astype(str), strict=True))

    def in_month(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        if not len(frame):
            return frame
        days = as_dates(frame[column])
        return frame[[d is not None and first <= d <= as_of for d in days]]

    def per_j(frame: pd.DataFrame) -> pd.Series:
        if not len(frame):
            return pd.Series(dtype=int)
        if "place_kind" in frame:      # notices: the school's or the risk site's 派出所
            return frame["jurisdiction_id"].astype(object).fillna("未划定").value_counts()
        return frame["school_id"].astype(str).map(school_j).fillna("未划定").value_counts()

    ins = records_frame(records, "inspections")
    ins_m = in_month(ins, "date")
    notices = notice_states(records_frame(records, "notices"), as_of=as_of, config=config)
    notices = notices.join(notice_places(notices, schools=schools, risk_sites=layers.get("risk_sites"), posts=posts))
    opened = in_month(notices, "issued_on")
    closed = in_month(notices, "closed_on")
    standing = notices[[(not c) and d is not None and d <= as_of
                        for c, d in zip(notices["closed"], notices["issued_on"], strict=True)]] \
        if len(notices) else notices
    visits_m = in_month(records_frame(records, "visits"), "date")
    drills_m = in_month(records_frame(records, "drills"), "date")
    offices = office_service(schools, posts, config=config)
    served = pd.Series([school_j.get(s) for s, o in offices.items() if o is not None], dtype=object)
    served_by_j = served.value_counts() if len(served) else pd.Series(dtype=int)
    weeks = school_weeks_in(first, as_of, config)
    counts = {
        "inspections_month": per_j(ins_m),
        "joint_month": per_j(ins_m[ins_m["kind"].astype(str) == "joint"]) if len(ins_m) else pd.Series(dtype=int),
        "notices_opened": per_j(opened), "notices_closed": per_j(closed),
        "notices_open": per_j(standing),
        "notices_overdue": per_j(standing[standing["overdue"].astype(bool)]) if len(standing) else pd.Series(dtype=int),
        "notices_escalated": per_j(standing[standing["escalate"].astype(bool)]) if len(standing)
        else pd.Series(dtype=int),
        "visits": per_j(visits_m), "drills": per_j(drills_m),
    }
    summary = None
    if assessment is not None and len(assessment):
        from gis.coverage import summarize_jurisdictions

        summary = summarize_jurisdictions(assessment).set_index("jurisdiction_id")
    rows = []
    for rec in juris.to_dict("records"):
        jid = rec["jurisdiction_id"]
        row: dict[str, Any] = {"jurisdiction_id": jid, "jurisdiction_name": rec["jurisdiction_name"]}
        row["schools"] = rec["schools"]
        if summary is not None and jid in summary.index:
            s = summary.loc[jid]
            row.update(weak=int(s["weak"]) + int(s["critical"]), critical=int(s["critical"]),
                       share_within_3min=float(s["share_within_3min"]), mean_score=float(s["mean_score"]))
        else:
            row.update(weak=None, critical=None, share_within_3min=None, mean_score=None)
        row["inspections_required"] = rec["inspections_required"]
        row["inspections_done"] = rec["inspections_done"]
        for key, series in counts.items():
            row[key] = (int(series.sum()) if jid == COUNTY
                        else int(series.get(jid, 0)) if len(series) else 0)
        need = (int(served_by_j.sum()) if jid == COUNTY else int(served_by_j.get(jid, 0))) if len(served_by_j) else 0
        row["visits_required"] = need * weeks * config.visits_per_week
        row["joint_month_required"] = rec["joint_month_required"]
        rows.append(row)
    frame = pd.DataFrame(rows)
    if assessment is not None and len(assessment):
        cols = [c for c in ("school_id", "score", "level", "reasons_zh", "reasons_en", "response_s",
                            "jurisdiction_name") if c in assessment.columns]
        extra = pd.DataFrame(assessment)[cols].copy()
        extra["school_id"] = extra["school_id"].astype(str)
        extra = extra.rename(columns={"reasons_zh": "weak_reasons_zh", "reasons_en": "weak_reasons_en"})
        table = table.merge(extra.drop(columns=[c for c in ("jurisdiction_name",) if c in extra]),
                            on="school_id", how="left")
    school_names = dict(zip(table["school_id"], table["name"], strict=True))
    shown = notices[[s in set(opened.index) | set(standing.index) | set(closed.index) for s in notices.index]] \
        if len(notices) else notices
    shown = shown.assign(school_name=shown["place_name"]) if len(shown) else shown
    drills_m = drills_m.assign(school_name=drills_m["school_id"].astype(str).map(school_names),
                               jurisdiction_id=drills_m["school_id"].astype(str).map(school_j)) \
        if len(drills_m) else drills_m
    return MonthlyFigures(month=month, as_of=as_of, jurisdictions=frame, schools=table, notices=shown,
                          drills=drills_m, previous=previous, names=names)


def snapshot_rows(figures: MonthlyFigures, *, produced_at: dt.datetime | None = None,
                  jurisdictions: list[str] | None = None) -> pd.DataFrame:
    """``snapshots`` rows of the month (all jurisdictions and the county, or the ones named)."""
    stamp = produced_at or dt.datetime.now().replace(microsecond=0)
    rows = []
    for rec in figures.jurisdictions.to_dict("records"):
        jid = str(rec["jurisdiction_id"])
        if jurisdictions is not None and jid not in jurisdictions:
            continue
        row = {"id": f"{figures.month}/{jid}", "month": figures.month, "jurisdiction_id": jid}
        for key in INDICATORS:
            value = rec.get(key)
            row[key] = None if _number(value) is None else value
        row["figures"] = json.dumps({k: _json(v) for k, v in rec.items()}, ensure_ascii=False, sort_keys=True)
        row["produced_at"] = stamp
        rows.append(row)
    return pd.DataFrame(rows)


def _json(value: Any) -> Any:
    number = _number(value) if not isinstance(value, str) else None
    if isinstance(value, str) or value is None:
        return value
    return number


def store_snapshot(store, figures: MonthlyFigures, *, actor: str = "local",
                   produced_at: dt.datetime | None = None) -> int:
    """Write the month's snapshot rows (upsert: a re-run replaces the month's figures)."""
    rows = snapshot_rows(figures, produced_at=produced_at)
    result = store.write_layer("snapshots", rows, source="report", actor=actor)
    return len(result.inserted) + len(result.updated)


def read_previous(store, month: str) -> pd.DataFrame | None:
    """The snapshot rows of the month before ``month`` (None when there are none)."""
    snaps = store.read_layer("snapshots")
    prev = snaps[snaps["month"] == previous_month(month)] if len(snaps) else snaps
    return prev if len(prev) else None


def trend(snapshots: pd.DataFrame, *, jurisdiction_id: str = COUNTY, months: int = 12) -> pd.DataFrame:
    """Month × indicator table of one jurisdiction (or the county) from the snapshots.

    Returns
    -------
    DataFrame
        Indexed by month (``YYYY-MM``, ascending, the last ``months``): ``weak``,
        ``notices_overdue``, ``inspections_month`` and every other indicator.
    """
    if snapshots is None or not len(snapshots):
        return pd.DataFrame(columns=list(INDICATORS))
    part = snapshots[snapshots["jurisdiction_id"].astype(str) == jurisdiction_id]
    frame = part.set_index("month")[[c for c in INDICATORS if c in part.columns]].sort_index()
    return frame.apply(pd.to_numeric, errors="coerce").astype("float64").tail(months)


def reports_missing(snapshots: pd.DataFrame, *, month: str, jurisdiction_ids: list[str]) -> list[str]:
    """The jurisdictions whose report (snapshot) of ``month`` has not been produced yet."""
    done = set()
    if snapshots is not None and len(snapshots):
        done = set(snapshots.loc[snapshots["month"] == month, "jurisdiction_id"].astype(str))
    return [j for j in jurisdiction_ids if j not in done]


def report_reminder(snapshots: pd.DataFrame, *, today: dt.date, config: CycleConfig,
                    jurisdiction_ids: list[str]) -> dict[str, Any] | None:
    """What the overview says around the report day: ``None`` before the reminder starts or
    when every 派出所 has produced this month's report; else ``month, due, overdue, missing``."""
    month = today.strftime("%Y-%m")
    due = config.report_due(month)
    if today < due - dt.timedelta(days=config.report_remind_days):
        return None
    missing = reports_missing(snapshots, month=month, jurisdiction_ids=jurisdiction_ids)
    if not missing:
        return None
    return {"month": month, "due": due, "overdue": today > due, "missing": missing}


def demo_snapshots(layers: Mapping[str, gpd.GeoDataFrame], records: Mapping[str, pd.DataFrame], *,
                   today: dt.date, config: CycleConfig, months: int = 6) -> pd.DataFrame:
    """Snapshots of the months before ``today``'s (cycle figures only; no assessment history),
    produced on each month's report day, for the demo's trend chart and month-on-month change."""
    out = []
    month = today.replace(day=1)
    for _ in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        key = month.strftime("%Y-%m")
        figures = monthly_figures(layers, records, month=key, config=config)
        due = config.report_due(key)
        out.append(snapshot_rows(figures, produced_at=dt.datetime(due.year, due.month, due.day, 9, 0)))
    frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    if len(frame):
        frame["source"] = "demo-generated"
    return frame
