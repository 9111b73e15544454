"""联席会议材料: the joint-meeting pack (公安·教育·综治) as one printable A4 PDF.

A cover, the county summary (indicators with the change since last month, one row per 派出所,
the trend, the compliance rates against the seeds' targets), then per 派出所: its map, the
ranked weak campuses with reasons, the open notices with deadlines and its compliance rates.
Figures come from :func:`gis.cycle.monthly_figures` and the campus assessment.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from gis.coverage import ComplianceTable, compliance_rates
from gis.coverage.compliance import AREA_ZH, RATE_FLAGS, RATE_ZH
from gis.cycle.monthly import COUNTY, INDICATOR_ZH, MonthlyFigures
from gis.cycle.rules import STATUS_ZH
from gis.reports.cyclecharts import jurisdiction_map_png, trend_png
from gis.reports.monthly import (
    LEVEL_ZH,
    MonthlyContext,
    _heading,
    _table,
    fmt_change,
    fmt_value,
    jurisdiction_label,
    load_context,
    notice_table,
    open_sites,
    station_areas,
)
from gis.reports.sheets import ATTRIBUTION, FONT, new_pdf

SUMMARY_KEYS = ("schools", "weak", "critical", "share_within_3min", "inspections_done", "inspections_required",
                "notices_open", "notices_overdue", "notices_escalated", "visits", "drills")


def meeting_rates(table: ComplianceTable | None, cycle: pd.DataFrame, *, jurisdiction_id: str) -> pd.DataFrame:
    """The pack's rates for one 派出所 (or ``全县``): the rows of :func:`gis.coverage.compliance_rates`
    (one source of truth: a school left blank, 未填报, counts as not compliant and is counted
    beside the rate) and one more row, the inspections done against required this semester.

    Parameters
    ----------
    table : ComplianceTable or None
        From :func:`gis.coverage.compliance_rates` over the whole assessment (computed once);
        None without an assessment.
    cycle : DataFrame
        The schools of the jurisdiction from :func:`gis.cycle.monthly_figures` (``inspections_done``,
        ``inspections_required``).

    Returns
    -------
    DataFrame
        ``indicator`` (zh), ``area_type`` (zh), ``schools``, ``rate`` (0–1), ``target`` (0–1 or
        None), ``met`` (bool or None), ``unreported`` (schools left blank).
    """
    rows = []
    if table is not None:
        part = table.by_area[table.by_area["jurisdiction_id"].astype(str) == str(jurisdiction_id)]
        if (part["area_type"] != "all").sum() == 1:      # one area type: its "合计" row repeats it
            part = part[part["area_type"] != "all"]
        for rate in RATE_FLAGS:
            for r in part.to_dict("records"):
                rows.append({"indicator": RATE_ZH[rate], "area_type": AREA_ZH.get(r["area_type"], r["area_type"]),
                             "schools": int(r["schools"]), "rate": float(r[rate]), "target": r[f"{rate}_target"],
                             "met": r[f"{rate}_met"], "unreported": int(r[f"{rate}_unreported"])})
    required = int(cycle["inspections_required"].sum()) if len(cycle) else 0
    done = int(cycle["inspections_done"].sum()) if len(cycle) else 0
    share = done / required if required else 1.0
    rows.append({"indicator": "本学期督导检查完成率", "area_type": "全部", "schools": len(cycle), "rate": share,
                 "target": 1.0, "met": share >= 1.0, "unreported": 0})
    return pd.DataFrame(rows, columns=["indicator", "area_type", "schools", "rate", "target", "met", "unreported"])


def _rates_table(pdf, rates: pd.DataFrame) -> None:
    _table(pdf, ("指标", "区域", "学校", "达到", "目标", "未填报", "结论"),
           [(r["indicator"], r["area_type"], str(r["schools"]), f"{r['rate'] * 100:.0f}%",
             "—" if r["target"] is None or pd.isna(r["target"]) else f"{r['target'] * 100:.0f}%",
             str(r["unreported"]) if r["unreported"] else "",
             "无固定目标" if r["met"] is None or pd.isna(r["met"]) else ("达标" if r["met"] else "未达标"))
            for r in rates.to_dict("records")],
           (60, 16, 14, 18, 18, 16, 44), ("LEFT", "CENTER", "CENTER", "CENTER", "CENTER", "CENTER", "CENTER"))


def write_meeting_pack(figures: MonthlyFigures, path: Path, *, ctx: MonthlyContext,
                       trends: dict[str, pd.DataFrame], jurisdictions: list[str] | None = None,
                       settings=None) -> Path:
    """Write the pack for the month of ``figures`` (all 派出所, or the ones named)."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    pdf = new_pdf(f"联席会议材料　生成时间 {stamp}　数据版本 {ctx.data_version}　{ATTRIBUTION}")
    ids = [j for j in figures.jurisdictions["jurisdiction_id"] if j != COUNTY]
    if jurisdictions:
        ids = [j for j in ids if j in jurisdictions]
    # cover
    pdf.add_page()
    pdf.ln(55)
    pdf.set_font(FONT, size=24)
    pdf.cell(0, 14, f"{ctx.area_name}护校安园工作", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 14, "公安·教育·综治 联席会议材料", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, size=12)
    year, mon = figures.month.split("-")
    pdf.cell(0, 8, f"{year}年{int(mon)}月　统计截至 {figures.as_of.isoformat()}", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)
    pdf.set_font(FONT, size=11)
    contents = ["一、全县概况", "二、达标情况（对照县局方案目标）"] + [
        f"{k + 3}. {jurisdiction_label(figures, j)}：地图、薄弱校园排名、未销号整改通知书" for k, j in enumerate(ids)]
    for line in contents:
        pdf.cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    # county summary
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 9, "一、全县概况", new_x="LMARGIN", new_y="NEXT")
    row, change = figures.row(COUNTY), figures.change(COUNTY)
    pdf.set_font(FONT, size=8.5)
    _table(pdf, ("指标", "本月", "上月", "变化"),
           [(INDICATOR_ZH[k], fmt_value(k, row.get(k)), fmt_value(k, figures.previous_value(COUNTY, k)),
             fmt_change(k, change.get(k))) for k in SUMMARY_KEYS], (80, 30, 30, 46),
           ("LEFT", "CENTER", "CENTER", "CENTER"))
    _heading(pdf, "各派出所")
    per = figures.jurisdictions[figures.jurisdictions["jurisdiction_id"].isin(ids)]
    _table(pdf, ("派出所", "学校", "薄弱", "3分钟可达", "已检/应检", "未销号", "逾期", "挂牌督办"),
           [(str(r["jurisdiction_name"]), fmt_value("n", r["schools"]), fmt_value("n", r["weak"]),
             fmt_value("share_within_3min", r["share_within_3min"]),
             f"{r['inspections_done']}/{r['inspections_required']}", fmt_value("n", r["notices_open"]),
             fmt_value("n", r["notices_overdue"]), fmt_value("n", r["notices_escalated"]))
            for r in per.to_dict("records")], (40, 16, 16, 22, 26, 22, 18, 26), ("LEFT", *["CENTER"] * 7))
    trend = trends.get(COUNTY)
    if trend is not None and len(trend):
        _heading(pdf, "月度趋势", need=72)
        pdf.image(io.BytesIO(trend_png(trend)), x=12, w=186, h=60.5)
    _heading(pdf, "二、达标情况（对照县局方案目标）")
    table = compliance_rates(ctx.assessment, settings=settings) \
        if ctx.assessment is not None and len(ctx.assessment) else None     # once for the county and every 派出所
    _rates_table(pdf, meeting_rates(table, figures.schools, jurisdiction_id=COUNTY))
    areas = station_areas(ctx.layers["police_posts"])
    for k, jid in enumerate(ids):
        pdf.add_page()
        label = jurisdiction_label(figures, jid)
        pdf.set_font(FONT, size=16)
        pdf.cell(0, 9, f"{k + 3}. {label}", new_x="LMARGIN", new_y="NEXT")
        schools = figures.schools[figures.schools["jurisdiction_id"].astype(str) == jid]
        ids_j = set(schools["school_id"].astype(str))
        layer = ctx.layers["schools"][ctx.layers["schools"]["id"].astype(str).isin(ids_j)]
        weak = set(schools.loc[schools["level"].isin(["weak", "critical"]), "school_id"].astype(str)) \
            if "level" in schools else set()
        status = pd.Series(dict(zip(schools["school_id"].astype(str), schools["status"], strict=True)))
        png = jurisdiction_map_png(schools=layer, status=status, weak=weak, roads=ctx.layers["roads"],
                                   area=areas.get(jid), sites=open_sites(figures.notices, jid),
                                   width_px=1600, height_px=800)
        pdf.image(io.BytesIO(png), x=12, w=186, h=93)
        r = figures.row(jid)
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(0, 5, f"学校 {len(schools)} 所；薄弱 {fmt_value('n', r.get('weak'))} 所；"
                       f"本学期检查 {r.get('inspections_done')}/{r.get('inspections_required')} 次；"
                       f"未销号通知书 {r.get('notices_open')} 份，其中逾期 {r.get('notices_overdue')} 份。"
                       + "　".join(f"{STATUS_ZH[s]} {int((status == s).sum())}"
                                   for s in ("ok", "due_soon", "missing", "overdue")),
                       new_x="LMARGIN", new_y="NEXT")
        _heading(pdf, "薄弱校园排名及原因")
        if "level" in schools:
            ranked = schools[schools["level"].isin(["weak", "critical"])].sort_values(["score", "name"])
            _table(pdf, ("名次", "学校", "评分", "等级", "原因"),
                   [(str(n), s["name"], f"{s['score']:.0f}", LEVEL_ZH.get(s["level"], s["level"]),
                     str(s.get("weak_reasons_zh") or "").replace("；", "；\n"))
                    for n, s in enumerate(ranked.to_dict("records"), start=1)],
                   (12, 42, 14, 18, 100), ("CENTER", "LEFT", "CENTER", "CENTER", "LEFT"), empty="无薄弱校园")
        else:
            pdf.cell(0, 6, "没有道路或警务点数据，未做校园评估", new_x="LMARGIN", new_y="NEXT")
        _heading(pdf, "未销号整改通知书及期限")
        notices = figures.notices
        if len(notices):
            notices = notices[(notices["jurisdiction_id"].astype(str) == jid) & ~notices["closed"].astype(bool)]
        notice_table(pdf, notices.sort_values("deadline") if len(notices) else notices,
                     empty="没有未销号的整改通知书", left=True)
        _heading(pdf, "达标情况")
        _rates_table(pdf, meeting_rates(table, schools, jurisdiction_id=jid))
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def produce_meeting_pack(store, *, settings, out: Path | str, today: dt.date | None = None,
                         jurisdictions: list[str] | None = None, context: MonthlyContext | None = None) -> Path:
    """Read, assess and count the running month, then write the pack to ``out``."""
    from gis.cycle import CycleConfig, monthly_figures, trend
    from gis.cycle.monthly import previous_month, snapshot_rows

    today = today or dt.date.today()
    month = today.strftime("%Y-%m")
    config = CycleConfig.from_settings(settings)
    ctx = context or load_context(store, settings=settings)
    snaps = store.read_layer("snapshots")   # fresh: an earlier report may have added one
    prev = snaps[snaps["month"] == previous_month(month)] if len(snaps) else snaps
    figures = monthly_figures(ctx.layers, ctx.records, month=month, config=config, assessment=ctx.assessment,
                              today=today, previous=prev if len(prev) else None)
    current = snapshot_rows(figures)
    older = snaps[snaps["month"] < month] if len(snaps) else snaps
    history = pd.concat([older, current], ignore_index=True) if len(older) else current
    trends = {COUNTY: trend(history, jurisdiction_id=COUNTY)}
    if jurisdictions:
        known = set(figures.jurisdictions["jurisdiction_id"])
        unknown = [j for j in jurisdictions if j not in known]
        if unknown:
            from gis.errors import ValidationError

            msg = (f"没有派出所 {', '.join(unknown)}；可选：{', '.join(sorted(known - {COUNTY}))} / "
                   f"unknown jurisdiction {', '.join(unknown)}")
            raise ValidationError(msg)
    return write_meeting_pack(figures, Path(out), ctx=ctx, trends=trends, jurisdictions=jurisdictions,
                              settings=settings)
