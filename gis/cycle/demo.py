"""Demo records of the campaign's work: a plausible last term and the current one up to today.

Generated from a fixed seed over the demo layers (schools, 派出所 jurisdictions, 警务室) and
marked ``source = 'demo-generated'``: station and comprehensive inspections at most schools
(a few behind), a joint inspection per jurisdiction in most months, rectification notices from
failed items (most closed on review, some still open, a few overdue and escalated), office
officers' visits where a 警务室 serves the school, drills with measured police arrival, and
notices to public risk sites (网吧, 摊点) near the schools.
The same seed and ``today`` give the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.cycle.config import CycleConfig, Semester
from gis.cycle.rules import FAILED_ITEMS, office_service
from gis.schema import RECORD_NAMES

DEMO_SOURCE = "demo-generated"
INSPECTORS = ("王建国", "李明", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "周敏")
OFFICERS = ("吴刚", "郑涛", "孙丽", "胡斌", "朱红", "高峰")


def _terms(config: CycleConfig, today: dt.date) -> list[tuple[Semester, dt.date]]:
    """The last finished term and the running one, each with its last generated day."""
    started = [s for s in config.semester_list(today) if s.start < today]
    chosen = started[-2:]
    return [(s, min(s.end, today - dt.timedelta(days=1))) for s in chosen]


def _day(rng: np.random.Generator, first: dt.date, last: dt.date) -> dt.date:
    span = max((last - first).days, 0)
    return first + dt.timedelta(days=int(rng.integers(0, span + 1)))


def build_cycle_records(layers: Mapping[str, gpd.GeoDataFrame], *, today: dt.date,
                        seed: int = 20240901, config: CycleConfig | None = None
                        ) -> dict[str, pd.DataFrame]:
    """Generate the demo records (pure).

    Parameters
    ----------
    layers : mapping
        ``schools`` and ``police_posts`` of the demo.
    today : datetime.date
        Nothing is dated on or after it.
    seed : int
    config : CycleConfig, optional
        Terms and rules (defaults).

    Returns
    -------
    dict
        ``inspections``, ``notices``, ``visits``, ``drills`` as DataFrames with ``source``.
    """
    config = config or CycleConfig()
    rng = np.random.default_rng(seed + 14)
    schools = layers["schools"].sort_values("id").reset_index(drop=True)
    posts = layers.get("police_posts")
    stations = {} if posts is None else dict(zip(posts["id"].astype(str), posts["name"].astype(str),
                                                 strict=True))
    offices = office_service(schools, posts, config=config)
    ins, notices, visits, drills = [], [], [], []
    n_ins = n_not = n_vis = n_dri = 0
    for term, last in _terms(config, today):
        finished = last >= term.end
        middle = term.start + dt.timedelta(days=term.days // 2)
        for _, school in schools.iterrows():
            sid = str(school["id"])
            jid = None if pd.isna(school.get("jurisdiction_id")) else str(school["jurisdiction_id"])
            unit = stations.get(jid, "派出所")
            # station inspections: the first half and the second half of the term
            halves = [(term.start, middle - dt.timedelta(days=1)), (middle, term.end)]
            skip = rng.random()
            for k, (a, b) in enumerate(halves):
                if a >= last or (k == 1 and skip < (0.06 if finished else 0.0)):
                    continue
                if k == 0 and skip < 0.08 and not finished:
                    continue   # behind: the first one is missing
                b = min(b, last)
                day = _day(rng, a, b)
                failed = [FAILED_ITEMS[i] for i in rng.choice(len(FAILED_ITEMS), size=int(rng.integers(0, 3)),
                                                                replace=False)] if rng.random() < 0.45 else []
                n_ins += 1
                iid = f"JC{n_ins:05d}"
                ins.append({"id": iid, "school_id": sid, "date": day, "kind": "station", "unit": unit,
                            "inspector": str(rng.choice(INSPECTORS)),
                            "findings": "发现隐患 " + str(len(failed)) + " 项" if failed else "未发现明显隐患",
                            "failed_items": "；".join(failed) or None})
                if failed:
                    n_not += 1
                    deadline = day + dt.timedelta(days=int(rng.choice([10, 15, 20, 30])))
                    roll = rng.random()
                    closed_on = None
                    if deadline < today and roll < 0.78:
                        closed_on = min(day + dt.timedelta(days=int(rng.integers(3, (deadline - day).days + 6))),
                                        today - dt.timedelta(days=1))
                    elif deadline >= today and roll < 0.3:
                        closed_on = min(day + dt.timedelta(days=int(rng.integers(2, 8))), today - dt.timedelta(days=1))
                    overdue_days = (today - deadline).days
                    notices.append({
                        "id": f"ZG{n_not:05d}", "school_id": sid, "risk_site_id": None, "issued_on": day,
                        "deadline": deadline, "items": "；".join(failed),
                        "status": "closed" if closed_on else ("rectifying" if roll < 0.9 else "open"),
                        "closed_on": closed_on, "reviewed_by": str(rng.choice(INSPECTORS)) if closed_on else None,
                        "escalated": bool(closed_on is None and overdue_days > config.escalate_after_days
                                          and roll > 0.85),
                        "origin": f"检查 {iid} 不合格项"})
            if rng.random() < 0.85:
                day = _day(rng, term.start, last)
                n_ins += 1
                ins.append({"id": f"JC{n_ins:05d}", "school_id": sid, "date": day, "kind": "comprehensive",
                            "unit": "综治办", "inspector": str(rng.choice(INSPECTORS)),
                            "findings": "综治清查", "failed_items": None})
            if rng.random() < 0.35:
                n_dri += 1
                kind = str(rng.choice(["evacuation", "alarm_test", "joint"], p=[0.4, 0.45, 0.15]))
                hour = str(rng.choice(["07:40", "09:30", "10:15", "14:30", "16:50"]))
                arrival = float(np.clip(rng.normal(260, 70), 90, 600))
                if rng.random() < 0.15:
                    arrival *= 2.2   # practice worse than the roads say
                drills.append({"id": f"YL{n_dri:05d}", "school_id": sid, "date": _day(rng, term.start, last),
                               "kind": kind, "alarm_time": hour, "police_arrival_s": round(arrival),
                               "notes": "一键报警联动测试" if kind == "alarm_test" else None})
        # joint inspections: one per jurisdiction in most months of the term
        by_juris = schools.groupby(schools["jurisdiction_id"].fillna("未划定").astype(str))
        month = term.start.replace(day=1)
        while month <= last:
            nxt = (month + dt.timedelta(days=32)).replace(day=1)
            first, end = max(month, term.start), min(nxt - dt.timedelta(days=1), last)
            for _jid, group in by_juris:
                if first <= end and rng.random() < 0.85:
                    sid = str(group["id"].iloc[int(rng.integers(0, len(group)))])
                    n_ins += 1
                    ins.append({"id": f"JC{n_ins:05d}", "school_id": sid, "date": _day(rng, first, end),
                                "kind": "joint", "unit": "公安·教育·综治联合督导组",
                                "inspector": str(rng.choice(INSPECTORS)), "findings": "联合督导检查",
                                "failed_items": None})
            month = nxt
        # office officers' visits: about twice a week where a 警务室 serves the school
        for sid, office in offices.items():
            if office is None:
                continue
            monday = term.start - dt.timedelta(days=term.start.weekday())
            diligence = rng.random()
            while monday <= last:
                times = int(rng.choice([1, 2, 2, 3] if diligence > 0.2 else [0, 1, 1, 2]))
                days = sorted(rng.choice(5, size=min(times, 5), replace=False))
                for d in days:
                    day = monday + dt.timedelta(days=int(d))
                    if term.start <= day <= last:
                        n_vis += 1
                        visits.append({"id": f"DX{n_vis:06d}", "school_id": sid, "post_id": office,
                                       "officer": str(rng.choice(OFFICERS)), "date": day})
                monday += dt.timedelta(days=7)
    notices += _risk_site_notices(layers.get("risk_sites"), today=today, seed=seed, start=n_not + 1,
                                  config=config)
    frames = {"inspections": pd.DataFrame(ins), "notices": pd.DataFrame(notices),
              "visits": pd.DataFrame(visits), "drills": pd.DataFrame(drills)}
    for frame in frames.values():
        frame["source"] = DEMO_SOURCE
    return frames


SITE_ITEMS = {"internet_cafe": "距学校不足200米违规经营，限期停业整改",
              "stall": "校门口占道经营，限期清理",
              "entertainment": "接纳未成年人，限期整改"}


def _risk_site_notices(risk_sites: gpd.GeoDataFrame | None, *, today: dt.date, seed: int, start: int,
                       config: CycleConfig) -> list[dict[str, Any]]:
    """Notices addressed to public risk sites (网吧, 摊点, 娱乐场所) in the last 60 days: most
    closed, some open, about one in four overdue. Own random stream (the school records stay
    as they were)."""
    from gis.schema import sensitive_mask

    if risk_sites is None or not len(risk_sites):
        return []
    rng = np.random.default_rng(seed + 1414)
    sites = risk_sites[~sensitive_mask(risk_sites) & risk_sites["category"].astype(str).isin(SITE_ITEMS)]
    out = []
    for rid, cat in zip(sites["id"].astype(str), sites["category"].astype(str), strict=True):
        if rng.random() > 0.6:
            continue
        issued = today - dt.timedelta(days=int(rng.integers(3, 60)))
        deadline = issued + dt.timedelta(days=int(rng.choice([7, 15, 30])))
        roll = rng.random()
        closed_on = None
        if deadline < today and roll < 0.55:
            closed_on = min(deadline, today - dt.timedelta(days=1))
        out.append({"id": f"ZG{start + len(out):05d}", "school_id": None, "risk_site_id": rid, "issued_on": issued,
                    "deadline": deadline, "items": SITE_ITEMS[cat],
                    "status": "closed" if closed_on else "rectifying", "closed_on": closed_on,
                    "reviewed_by": str(rng.choice(INSPECTORS)) if closed_on else None,
                    "escalated": bool(closed_on is None and (today - deadline).days > config.escalate_after_days),
                    "origin": "周边清查整治"})
    return out


def sync_demo_records(store, frames: Mapping[str, pd.DataFrame], *, actor: str = "demo"
                      ) -> dict[str, dict[str, int]]:
    """Write demo records: earlier demo rows no longer produced are deleted, user rows kept."""
    summary: dict[str, dict[str, int]] = {}
    for name, new in frames.items():
        existing = store.read_layer(name)
        demo_rows = existing["source"].astype(object).eq(DEMO_SOURCE)
        user_ids = set(existing.loc[~demo_rows, "id"])
        ids = set(new["id"]) if len(new) else set()
        gone = sorted(set(existing.loc[demo_rows, "id"]) - ids)
        deleted = store.delete_rows(name, gone, actor=actor) if gone else 0
        keep = new[~new["id"].isin(user_ids)] if len(new) else new
        counts = {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": deleted,
                  "skipped": int(len(new) - len(keep))}
        if len(keep):
            result = store.write_layer(name, keep.drop(columns=["source"]), source=DEMO_SOURCE, actor=actor)
            counts.update(inserted=len(result.inserted), updated=len(result.updated),
                          unchanged=len(result.unchanged))
        summary[name] = counts
    return summary


def load_cycle_demo(store, layers: Mapping[str, Any], *, today: dt.date | None = None,
                    seed: int = 20240901, config: CycleConfig | None = None,
                    actor: str = "demo") -> dict[str, dict[str, int]]:
    """Generate and write the demo records and the past months' snapshots (idempotent per day)."""
    from gis.cycle.monthly import demo_snapshots

    today = today or dt.date.today()
    frames = build_cycle_records(layers, today=today, seed=seed, config=config)
    snaps = demo_snapshots(layers, frames, today=today, config=config or CycleConfig())
    frames["snapshots"] = with_demo_assessment(snaps, seed=seed, anchor=_current_summary(layers))
    return sync_demo_records(store, frames, actor=actor)


def _current_summary(layers: Mapping[str, Any]) -> pd.DataFrame | None:
    """Today's assessment per 派出所 (:func:`gis.coverage.summarize_jurisdictions`), the anchor
    of the demo's history; None without roads or posts, or when it cannot be computed."""
    from gis.errors import GisError

    if any(layers.get(n) is None or not len(layers[n]) for n in ("schools", "police_posts", "roads")):
        return None
    try:
        from gis.config import load_settings
        from gis.coverage import assess_campuses, summarize_jurisdictions
        from gis.network import load_road_graph

        settings = load_settings()
        graph = load_road_graph(layers["roads"], settings=settings)
        return summarize_jurisdictions(assess_campuses(layers, graph=graph, settings=settings))
    except (GisError, ValueError, KeyError):
        return None


def with_demo_assessment(snapshots: pd.DataFrame, *, seed: int = 20240901,
                         anchor: pd.DataFrame | None = None) -> pd.DataFrame:
    """Give the demo's past monthly snapshots generated assessment figures (pure).

    The demo has no stored campus assessment for past months, so the trend of weak campuses
    would start with this month. Each 派出所 gets a plausible history instead, improving
    slowly towards today's assessment (``anchor``; without it: 30 % weak, 62 % reached within
    3 minutes, mean score 68): per month back the weak share is 2.5 points higher (±4),
    critical about a third of the weak, the 3-minute reach 1.5 points lower and the mean score
    1.2 lower. The county row is the sum (weak, critical) and the school-weighted mean (shares,
    score). Each row's ``figures`` says ``"assessment": "demo-generated"``; the rows keep
    ``source = demo-generated``.

    Parameters
    ----------
    snapshots : DataFrame
        From :func:`gis.cycle.monthly.demo_snapshots` (``month``, ``jurisdiction_id``, ``schools``).
    seed : int
    anchor : DataFrame, optional
        :func:`gis.coverage.summarize_jurisdictions` of today's assessment (``jurisdiction_id``,
        ``schools``, ``weak``, ``critical``, ``share_within_3min``, ``mean_score``).
    """
    import json

    from gis.cycle.monthly import COUNTY

    if snapshots is None or not len(snapshots):
        return snapshots
    out = snapshots.copy()
    rng = np.random.default_rng(seed + 141)
    months = sorted(out["month"].unique())
    back = {m: len(months) - k for k, m in enumerate(months)}          # 1 = last month
    for col in ("weak", "critical", "share_within_3min", "mean_score"):
        out[col] = out[col].astype(object) if col in out else None
    stations = out[out["jurisdiction_id"].astype(str) != COUNTY].sort_values(["jurisdiction_id", "month"])
    now = {} if anchor is None or not len(anchor) else anchor.set_index(anchor["jurisdiction_id"].astype(str))
    for i in stations.index:
        n = int(out.at[i, "schools"] or 0)
        k = back[out.at[i, "month"]]
        jid = str(out.at[i, "jurisdiction_id"])
        base = (0.30, 0.33, 0.62, 68.0)
        if jid in getattr(now, "index", ()):
            a = now.loc[jid]
            total = max(int(a["schools"]), 1)
            weak_now = (int(a["weak"]) + int(a["critical"])) / total   # summarize: weak excludes critical
            base = (weak_now, int(a["critical"]) / max(int(a["weak"]) + int(a["critical"]), 1),
                    float(a["share_within_3min"]), float(a["mean_score"]))
        weak_share = float(np.clip(base[0] + 0.025 * k + rng.normal(0, 0.04), 0.0, 1.0))
        weak = int(round(n * weak_share))
        out.at[i, "weak"] = weak
        out.at[i, "critical"] = int(round(weak * float(np.clip(base[1] + rng.normal(0, 0.08), 0.0, 1.0))))
        out.at[i, "share_within_3min"] = round(float(np.clip(base[2] - 0.015 * k + rng.normal(0, 0.03), 0, 1)), 4)
        out.at[i, "mean_score"] = round(float(np.clip(base[3] - 1.2 * k + rng.normal(0, 1.5), 0, 100)), 1)
    for month in months:
        part = out.loc[stations.index[stations["month"] == month]]
        county = out.index[(out["month"] == month) & (out["jurisdiction_id"].astype(str) == COUNTY)]
        n = part["schools"].astype(float)
        if not len(county) or not n.sum():
            continue
        c = county[0]
        out.at[c, "weak"] = int(part["weak"].sum())
        out.at[c, "critical"] = int(part["critical"].sum())
        out.at[c, "share_within_3min"] = round(float((part["share_within_3min"].astype(float) * n).sum() / n.sum()), 4)
        out.at[c, "mean_score"] = round(float((part["mean_score"].astype(float) * n).sum() / n.sum()), 1)
    if "figures" in out:
        for i in out.index:
            figures = json.loads(out.at[i, "figures"] or "{}")
            figures.update({k: out.at[i, k] for k in ("weak", "critical", "share_within_3min", "mean_score")},
                           assessment="demo-generated")
            out.at[i, "figures"] = json.dumps(figures, ensure_ascii=False, sort_keys=True)
    return out


def clear_cycle_demo(store, *, actor: str = "demo") -> dict[str, int]:
    """Delete every demo-generated record."""
    deleted = {}
    for name in RECORD_NAMES:
        existing = store.read_layer(name)
        ids = sorted(existing.loc[existing["source"].astype(object).eq(DEMO_SOURCE), "id"])
        deleted[name] = store.delete_rows(name, ids, actor=actor) if ids else 0
    return deleted
