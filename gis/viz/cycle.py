"""The 检查整改 map layer, its popups and the school popup's work block (no Streamlit).

Schools at their main gate as badges by cycle status — ✓ all done (green), ! due soon
(amber), 缺 missing (orange), 逾 an overdue notice (red, larger) — and a blue ring count of
open notices. Popups list the school's last inspections and its open notices with deadlines.
Risk sites with open notices are diamonds (amber 整, red 逾 when overdue); restricted sites
are never drawn. Every user string is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import pandas as pd

from gis.cycle.rules import NOTICE_STATE_ZH, STATUS_EN, STATUS_ZH
from gis.schema import ENUM_LABELS_ZH, main_gate
from gis.viz.features import FeatureCollection, badge, collect, empty_collection
from gis.viz.popups import esc, fact_table, pick

STATUS_STYLE = {"ok": ("#2e9d4f", "✓", 20), "due_soon": ("#e6a700", "!", 22),
                "missing": ("#e8590c", "缺", 24), "overdue": ("#c92a2a", "逾", 28)}
NOTICE_STATE_EN = {"closed": "closed", "open": "open", "due_soon": "deadline near", "overdue": "overdue",
                   "escalated": "escalated (挂牌督办)"}


def notice_items(notices: pd.DataFrame, lang: str) -> str:
    """Open notices as escaped ``<li>`` items, earliest deadline first (popups)."""
    items = []
    for r in notices.sort_values("deadline").to_dict("records"):
        state = NOTICE_STATE_ZH[r["state"]] if lang == "zh" else NOTICE_STATE_EN[r["state"]]
        late = (pick(lang, f"，逾期 {r['days_overdue']} 天", f", {r['days_overdue']} days late")
                if r["overdue"] else "")
        items.append(f"<li>{esc(r['id'])} {esc(r.get('items'))} — {pick(lang, '期限', 'due')} "
                     f"{esc(r['deadline'])}（{esc(state)}{esc(late)}）</li>")
    return "".join(items)

def work_block(school_id: str, *, inspections: pd.DataFrame, notices: pd.DataFrame, lang: str,
               last: int = 3) -> str:
    """HTML block: the last ``last`` inspections and the open notices of one school (escaped)."""
    ins = inspections[inspections["school_id"].astype(str) == school_id] if len(inspections) else inspections
    rows = []
    if len(ins):
        for r in ins.sort_values("date", ascending=False).head(last).to_dict("records"):
            kind = ENUM_LABELS_ZH.get(r["kind"], r["kind"]) if lang == "zh" else r["kind"]
            failed = f"（{esc(r.get('failed_items'))}）" if isinstance(r.get("failed_items"), str) else ""
            rows.append(f"<li>{esc(r['date'])} {esc(kind)}{failed}</li>")
    head_i = pick(lang, "最近检查", "Last inspections")
    block = f'<div class="hx-pop-sub">{head_i}</div>'
    block += f"<ul class=\"hx-reasons\">{''.join(rows)}</ul>" if rows else \
        f"<div>{pick(lang, '本学期尚无检查记录', 'no inspection recorded')}</div>"
    mine = notices[(notices["school_id"].astype(str) == school_id) & ~notices["closed"].astype(bool)] \
        if len(notices) else notices
    head_n = pick(lang, "未销号整改通知书", "Open rectification notices")
    block += f'<div class="hx-pop-sub">{head_n}</div>'
    if len(mine):
        block += f'<ul class="hx-reasons">{notice_items(mine, lang)}</ul>'
    else:
        block += f"<div>{pick(lang, '无', 'none')}</div>"
    link = f"/records?school={quote(school_id, safe='')}"
    # target=_blank: Streamlit's sandbox on the map's iframe refuses top navigation (the old
    # target=_top link did nothing) but lets a user's click open a tab; the tab resumes the
    # session (cookie) and the 检查整改 page opens its add form with ?school= chosen.
    block += (f'<div class="hx-pop-sub"><a href="{html.escape(link)}" target="_blank" rel="opener">'
              f"{pick(lang, '＋ 新增检查 / 下发通知书', '+ record an inspection / issue a notice')}</a></div>")
    return block


def cycle_features(schools: gpd.GeoDataFrame, table: pd.DataFrame, *, inspections: pd.DataFrame,
                   notices: pd.DataFrame, lang: str = "zh") -> FeatureCollection:
    """The 检查整改 layer: one badge per school by cycle status, popup with its work.

    Parameters
    ----------
    schools : GeoDataFrame
        The ``schools`` layer.
    table : DataFrame
        :func:`gis.cycle.school_cycle` output.
    inspections : DataFrame
        The stored inspections.
    notices : DataFrame
        :func:`gis.cycle.notice_states` output.
    """
    if schools is None or len(schools) == 0 or table is None or len(table) == 0:
        return empty_collection()
    by_id: Mapping[str, dict[str, Any]] = {str(r["school_id"]): r for r in table.to_dict("records")}

    def props(row: Mapping[str, Any]) -> dict[str, Any] | None:
        sid = str(row["id"])
        info = by_id.get(sid)
        if info is None:
            return None
        status = info["status"]
        colour, glyph, size = STATUS_STYLE[status]
        status_text = STATUS_ZH[status] if lang == "zh" else STATUS_EN[status]
        facts = [
            (pick(lang, "状态", "Status"), f'<b style="color:{colour}">{esc(status_text)}</b>'),
            (pick(lang, "本学期检查", "Inspections (term)"),
             esc(f"{info['inspections_done']}/{info['inspections_required']}")),
            (pick(lang, "未销号 / 逾期通知书", "Notices open / overdue"),
             esc(f"{info['notices_open']} / {info['notices_overdue']}")),
        ]
        if info.get("visits_week_required"):
            facts.append((pick(lang, "上周警务室到校", "Office visits last week"),
                          esc(f"{info['visits_week']}/{info['visits_week_required']}")))
        reasons = info.get("reasons_zh") if lang == "zh" else info.get("reasons_en")
        extra = f"<div>{esc(reasons)}</div>" if reasons else ""
        extra += work_block(sid, inspections=inspections, notices=notices, lang=lang)
        ring = int(info["notices_open"])
        icon = badge(glyph, colour, size=size, shape="circle")
        if ring:
            icon["html"] = icon["html"].replace(
                'class="hx-badge" style="', 'class="hx-badge" style="box-shadow:0 0 0 3px #1c7ed6;', 1)
        return {"_icon": icon, "_tooltip": html.escape(f"{row.get('name') or sid}：{status_text}"),
                "_popup": fact_table(str(row.get("name") or sid), facts, extra=extra),
                "status": status, "open_notices": ring, "overdue_notices": int(info["notices_overdue"]),
                "school_id": sid}

    return collect(schools, props, geometry=lambda row: main_gate(row.get(schools.geometry.name)))


def work_popups(schools: gpd.GeoDataFrame, *, inspections: pd.DataFrame, notices: pd.DataFrame,
                lang: str) -> dict[str, str]:
    """School id → the work block for the schools layer's popup."""
    return {str(s): work_block(str(s), inspections=inspections, notices=notices, lang=lang)
            for s in schools["id"]}


SITE_STYLE = {False: ("#f08c00", "整", 22), True: ("#c92a2a", "逾", 30)}   # open / overdue


def risk_notice_features(risk_sites: gpd.GeoDataFrame | None, notices: pd.DataFrame, *,
                         lang: str = "zh") -> FeatureCollection:
    """Risk sites (网吧, 摊点 …) with open rectification notices: a diamond per site, amber
    "整" while open, red and larger "逾" when one is overdue; the popup lists the open notices.

    Only public risk sites are drawn: a site with restricted details
    (:func:`gis.schema.is_sensitive`) or absent from ``risk_sites`` (the register) gets no
    marker, and a site's ``note`` is never shown.

    Parameters
    ----------
    risk_sites : GeoDataFrame
        The ``risk_sites`` layer as the reader sees it.
    notices : DataFrame
        :func:`gis.cycle.notice_states` output (``risk_site_id``, ``closed``, ``overdue``).
    """
    from gis.schema import sensitive_mask

    if risk_sites is None or not len(risk_sites) or notices is None or not len(notices) \
            or "risk_site_id" not in notices:
        return empty_collection()
    rid = notices["risk_site_id"].astype(object)
    open_n = notices[rid.notna() & (rid.astype(str) != "") & ~notices["closed"].astype(bool)]
    if not len(open_n):
        return empty_collection()
    by_site = {str(k): g for k, g in open_n.groupby(open_n["risk_site_id"].astype(str))}
    public = risk_sites[~sensitive_mask(risk_sites) & risk_sites["id"].astype(str).isin(by_site)]

    def props(row: Mapping[str, Any]) -> dict[str, Any] | None:
        sid = str(row["id"])
        mine = by_site[sid]
        overdue = bool(mine["overdue"].astype(bool).any())
        colour, glyph, size = SITE_STYLE[overdue]
        cat = str(row.get("category"))
        kind = ENUM_LABELS_ZH.get(cat, cat) if lang == "zh" else cat
        level = row.get("level")
        title = pick(lang, f"风险点位 {kind}（{sid}）", f"Risk site {kind} ({sid})")
        facts = [(pick(lang, "类别", "Category"), esc(kind)),
                 (pick(lang, "风险等级", "Level"), esc("" if pd.isna(level) else int(level))),
                 (pick(lang, "未销号 / 逾期通知书", "Notices open / overdue"),
                  f'<b style="color:{colour}">{len(mine)} / {int(mine["overdue"].astype(bool).sum())}</b>')]
        extra = (f'<div class="hx-pop-sub">{pick(lang, "未销号整改通知书", "Open rectification notices")}</div>'
                 f'<ul class="hx-reasons">{notice_items(mine, lang)}</ul>')
        status = pick(lang, "整改逾期" if overdue else "整改中", "notice overdue" if overdue else "notice open")
        return {"_icon": badge(glyph, colour, size=size, shape="diamond"),
                "_tooltip": html.escape(f"{title}：{status}"),
                "_popup": fact_table(title, facts, extra=extra),
                "status": "site_overdue" if overdue else "site_open", "open_notices": len(mine),
                "overdue_notices": int(mine["overdue"].astype(bool).sum()), "risk_site_id": sid}

    return collect(public, props)
