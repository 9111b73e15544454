"""The 检查整改 map layer, its popups and the school popup's work block (no Streamlit).

Schools at their main gate as badges by cycle status — ✓ all done (green), ! due soon
(amber), 缺 missing (orange), 逾 an overdue notice (red, larger) — and a blue ring count of
open notices. Popups list the school's last inspections and its open notices with deadlines.
Every user string is escaped.
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
        items = []
        for r in mine.sort_values("deadline").to_dict("records"):
            state = NOTICE_STATE_ZH[r["state"]] if lang == "zh" else NOTICE_STATE_EN[r["state"]]
            late = (pick(lang, f"，逾期 {r['days_overdue']} 天", f", {r['days_overdue']} days late")
                    if r["overdue"] else "")
            items.append(f"<li>{esc(r['id'])} {esc(r.get('items'))} — {pick(lang, '期限', 'due')} "
                         f"{esc(r['deadline'])}（{esc(state)}{esc(late)}）</li>")
        block += f'<ul class="hx-reasons">{"".join(items)}</ul>'
    else:
        block += f"<div>{pick(lang, '无', 'none')}</div>"
    link = f"/records?school={quote(school_id, safe='')}"
    block += (f'<div class="hx-pop-sub"><a href="{html.escape(link)}" target="_top">'
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
