"""Popup and tooltip HTML for the map symbols.

Every value that comes from data (names, notes, reasons, ids) goes through
:func:`html.escape` here, so a school called ``<script>`` shows as text. Labels are
chosen by ``lang`` (``"zh"`` or ``"en"``); this module never imports Streamlit.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

from gis.schema import ENUM_LABELS_ZH
from gis.viz.style import LEVEL_LABELS


def pick(lang: str, zh: str, en: str) -> str:
    """Return ``en`` when ``lang`` is English, else ``zh``."""
    return en if lang == "en" else zh


def esc(value: Any) -> str:
    """Escape any value for HTML; missing values (None, NaN) become an em dash."""
    if is_missing(value):
        return "—"
    return html.escape(str(value), quote=True)


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def enum_label(value: Any, lang: str) -> str:
    """The display label of an enumeration value (Chinese label or the raw English code)."""
    if is_missing(value):
        return "—"
    text = str(value)
    if lang == "en":
        return text.replace("_", " ")
    return ENUM_LABELS_ZH.get(text, text)


def level_label(level: Any, lang: str) -> str:
    zh, en = LEVEL_LABELS.get(str(level), LEVEL_LABELS["unassessed"])
    return pick(lang, zh, en)


def yes_no(value: Any, lang: str) -> str:
    if is_missing(value):
        return "—"
    return pick(lang, "是", "yes") if bool(value) else pick(lang, "否", "no")


def minutes_text(seconds: Any, lang: str) -> str:
    """``372.0`` → ``"6.2 分钟"`` / ``"6.2 min"``."""
    if is_missing(seconds):
        return "—"
    return f"{float(seconds) / 60.0:.1f} " + pick(lang, "分钟", "min")


def fact_table(title: str, rows: Iterable[tuple[str, str]], *, extra: str = "") -> str:
    """A popup: an escaped title, a two-column table of (label, already-escaped value)."""
    body = "".join(f"<tr><th>{html.escape(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return (f'<div class="hx-pop"><div class="hx-pop-title">{esc(title)}</div>'
            f"<table>{body}</table>{extra}</div>")


def reasons_list(reasons: Any, lang: str) -> str:
    """An escaped bullet list of deduction reasons (a list, or a string joined by ``；``/``;``)."""
    if is_missing(reasons) or reasons is None:
        return ""
    if isinstance(reasons, str):
        items = [r.strip() for r in reasons.replace("；", ";").split(";") if r.strip()]
    else:
        items = [str(r) for r in reasons if str(r).strip()]
    if not items:
        return ""
    head = pick(lang, "扣分原因", "Deductions")
    lis = "".join(f"<li>{esc(r)}</li>" for r in items)
    return f'<div class="hx-pop-sub">{head}</div><ul class="hx-reasons">{lis}</ul>'


def school_popup(row: Mapping[str, Any], lang: str) -> str:
    """Facts and reasons of one school (row of schools joined with its assessment)."""
    level = row.get("level") if not is_missing(row.get("level")) else "unassessed"
    score = row.get("score")
    rows = [
        (pick(lang, "类型", "Kind"), esc(enum_label(row.get("kind"), lang))),
        (pick(lang, "在校人数", "Pupils"), esc(row.get("enrollment"))),
        (pick(lang, "所属派出所", "Station"), esc(row.get("jurisdiction_name") or row.get("jurisdiction_id"))),
        (pick(lang, "评估", "Assessment"),
         f'<span class="hx-level hx-level-{esc(level)}">{esc(level_label(level, lang))}</span>'
         + ("" if is_missing(score) else f" {float(score):.0f}")),
        (pick(lang, "最快到达", "Fastest response"), esc(minutes_text(row.get("response_s"), lang))),
        (pick(lang, "专职保安", "Guards"), esc(row.get("guards"))),
        (pick(lang, "见警察（早/晚）", "Police at gate AM/PM"),
         esc(f"{yes_no(row.get('police_am'), lang)}/{yes_no(row.get('police_pm'), lang)}")),
        (pick(lang, "一键报警", "One-click alarm"), esc(yes_no(row.get("one_click_alarm"), lang))),
        (pick(lang, "视频联网", "Video networked"), esc(yes_no(row.get("video_networked"), lang))),
    ]
    reasons = row.get("reasons_en") if lang == "en" else row.get("reasons_zh")
    work = row.get("work_html")   # issue 14: last inspections and open notices (escaped by gis.viz.cycle)
    return fact_table(str(row.get("name") or row.get("id")), rows,
                      extra=reasons_list(reasons, lang) + (work if isinstance(work, str) else ""))


def post_popup(row: Mapping[str, Any], lang: str) -> str:
    rows = [
        (pick(lang, "类型", "Kind"), esc(enum_label(row.get("kind"), lang))),
        (pick(lang, "警力", "Staff"), esc(row.get("staff"))),
        (pick(lang, "车辆", "Vehicles"), esc(row.get("vehicles"))),
        (pick(lang, "值守时间", "Hours"), esc(row.get("hours"))),
    ]
    return fact_table(str(row.get("name") or row.get("id")), rows)


def camera_popup(row: Mapping[str, Any], lang: str) -> str:
    rows = [
        (pick(lang, "状态", "Status"), esc(enum_label(row.get("status"), lang))),
        (pick(lang, "联网", "Networked"), esc(yes_no(row.get("networked"), lang))),
        (pick(lang, "权属", "Owner"), esc(enum_label(row.get("owner"), lang))),
        (pick(lang, "方向/视角", "Direction/FOV"),
         f"{esc(row.get('direction_deg'))}° / {esc(row.get('fov_deg'))}°"),
        (pick(lang, "监控距离", "Range"), f"{esc(row.get('range_m'))} m"),
    ]
    return fact_table(pick(lang, "视频监控 ", "Camera ") + str(row.get("camera_id") or row.get("id")), rows)


def crossing_popup(row: Mapping[str, Any], lang: str) -> str:
    rows = [
        (pick(lang, "所属学校", "School"), esc(row.get("school_name") or row.get("school_id"))),
        (pick(lang, "值守力量", "Staffed by"), esc(enum_label(row.get("staffed_by"), lang))),
        (pick(lang, "值守人数", "Staff"), esc(row.get("staff"))),
        (pick(lang, "早高峰", "AM"), esc(row.get("am_window"))),
        (pick(lang, "午间", "Noon"), esc(row.get("noon_window"))),
        (pick(lang, "晚高峰", "PM"), esc(row.get("pm_window"))),
    ]
    return fact_table(pick(lang, "护学岗 ", "Crossing ") + str(row.get("id")), rows)


def risk_popup(row: Mapping[str, Any], lang: str, *, sensitive: bool) -> str:
    """A risk site; a sensitive one shows its category only — never its note, level or id."""
    category = enum_label(row.get("category"), lang)
    if sensitive:
        note = pick(lang, "涉及个人信息，详情仅限授权人员查阅", "Personal data: details restricted")
        return fact_table(category, [], extra=f'<div class="hx-pop-sub">{note}</div>')
    rows = [
        (pick(lang, "风险等级", "Level"), esc(row.get("level"))),
        (pick(lang, "登记时间", "Registered"), esc(row.get("registered_at"))),
        (pick(lang, "备注", "Note"), esc(row.get("note"))),
    ]
    return fact_table(category, rows)


def reach_popup(row: Mapping[str, Any], lang: str) -> str:
    share = row.get("circle_reach_share")
    rows = [
        (pick(lang, "时间圈", "Band"), f"{esc(row.get('minutes'))} " + pick(lang, "分钟", "min")),
        (pick(lang, "可达面积", "Reach area"), f"{float(row.get('area_km2') or 0):.2f} km²"),
        (pick(lang, "同半径圆内实际可达", "Share of the naive circle reached"),
         "—" if is_missing(share) else f"{100 * float(share):.0f}%"),
    ]
    return fact_table(str(row.get("post_name") or row.get("post_id")), rows)
