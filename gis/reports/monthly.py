"""护校安园工作月报: one A4 PDF per 派出所 and one for the county, plus one XLSX.

Each PDF (Chinese, vendored CJK font embedded as a subset): the jurisdiction map with schools
by cycle status, the indicators with this month, last month and the change, the trend chart,
the weak campuses with their reasons, inspections done against required per school, the
notices opened / closed / overdue, office visits and the drills (measured vs computed). The
XLSX (:mod:`gis.reports.monthly_xlsx`) has a county sheet (one row per 派出所) and one sheet per
派出所 with the same figures and its schools. Inputs come from :func:`gis.cycle.monthly_figures`;
nothing is computed here beyond formatting.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from gis.cycle.monthly import COUNTY, INDICATOR_ZH, INDICATORS, WORSE_WHEN_UP, MonthlyFigures
from gis.cycle.rules import NOTICE_STATE_ZH, STATUS_ZH
from gis.reports.cyclecharts import jurisdiction_map_png, trend_png
from gis.reports.sheets import ATTRIBUTION, FONT, new_pdf
from gis.schema import ENUM_LABELS_ZH

LEVEL_ZH = {"good": "良好", "weak": "薄弱", "critical": "严重薄弱"}
HEAD = FontFace(emphasis="NONE", fill_color=(225, 232, 240))
ALERT = FontFace(emphasis="NONE", color=(160, 20, 20), fill_color=(253, 228, 228))   # overdue rows
PERCENT = {"share_within_3min"}
KIND_HEAD = {"station": "派出所检查", "joint": "联合督导", "comprehensive": "综治清查", "self": "学校自查"}
COUNTY_ROWS = 60      # the county report lists at most this many schools behind and open notices
STATE_ORDER = {"escalated": 0, "overdue": 1, "due_soon": 2, "open": 3, "closed": 4}


@dataclass
class ReportInputs:
    """What the report draws besides the figures.

    Attributes
    ----------
    schools : GeoDataFrame
        The ``schools`` layer (gates for the map).
    roads : GeoDataFrame or None
        Base map.
    areas : dict
        Jurisdiction id → polygon (stations' ``jurisdiction``).
    drills : DataFrame or None
        :func:`gis.cycle.drills.drill_comparison` output (all drills).
    trends : dict
        Jurisdiction id (and ``全县``) → :func:`gis.cycle.monthly.trend` frame.
    area_name : str
    data_version : int
    due : datetime.date or None
        The report's due day.
    """

    schools: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None = None
    areas: dict[str, Any] = field(default_factory=dict)
    drills: pd.DataFrame | None = None
    trends: dict[str, pd.DataFrame] = field(default_factory=dict)
    area_name: str = ""
    data_version: int = 0
    due: dt.date | None = None


def fmt_value(key: str, value: Any) -> str:
    """An indicator as printed (percent for shares, ``—`` when unknown)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    if key in PERCENT:
        return f"{float(value) * 100:.0f}%"
    if isinstance(value, float) and not float(value).is_integer():
        return f"{value:.1f}"
    return str(int(value))


def fmt_change(key: str, delta: float | None) -> str:
    """``+2`` / ``−3`` / ``0`` (percentage points for shares); ``—`` without last month."""
    if delta is None:
        return "—"
    if key in PERCENT:
        delta = delta * 100
        text = f"{abs(delta):.0f} 个百分点"
    else:
        text = f"{abs(delta):.1f}" if not float(delta).is_integer() else str(int(abs(delta)))
    if delta == 0:
        return "持平"
    arrow = "↑" if delta > 0 else "↓"
    worse = (delta > 0) == (key in WORSE_WHEN_UP)
    return f"{arrow}{text}" + ("（变差）" if worse and key in WORSE_WHEN_UP | {"share_within_3min",
                                                                         "inspections_month",
                                                                         "visits"} else "")


def file_stem(month: str, jurisdiction_id: str) -> str:
    """ASCII file name of a report (``monthly_2025-10_P001`` / ``monthly_2025-10_county``)."""
    if jurisdiction_id == COUNTY:
        return f"monthly_{month}_county"
    return f"monthly_{month}_" + (re.sub(r"[^A-Za-z0-9_-]+", "_", jurisdiction_id).strip("_") or "x")


def _heading(pdf: FPDF, text: str, *, need: float = 25.0) -> None:
    """A section heading; a new page first when less than ``need`` mm is left below it."""
    if pdf.get_y() + need > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.set_text_color(31, 78, 121)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=8.5)


def _table(pdf: FPDF, header: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[float, ...],
           align: tuple[str, ...] | None = None, empty: str = "无", marked: list[bool] | None = None) -> None:
    """A table with a heading row; rows whose ``marked`` flag is set stand out (red on pink)."""
    if not rows:
        pdf.cell(0, 6, empty, new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(col_widths=widths, line_height=5, headings_style=HEAD, text_align=align or "LEFT",
                   first_row_as_headings=True) as table:
        table.row(header)
        for k, cells in enumerate(rows):
            style = ALERT if marked and marked[k] else None
            table.row(tuple(str(c) for c in cells), style=style)


def notice_cells(r: Mapping[str, Any], *, left: bool = False) -> tuple[str, ...]:
    """One notice as the reports print it: id, place (a school or a risk site, 〔风险点位〕 marked),
    issued, deadline, items (left out for a restricted site) and state; ``left``: days left
    for an open one."""
    place = _text(r.get("school_name")) or _text(r.get("school_id"))
    if r.get("place_kind") == "risk_site":
        place = "〔风险点位〕" + place
    items = "（受限，不显示）" if r.get("restricted") else _text(r.get("items"))
    state = NOTICE_STATE_ZH.get(r["state"], r["state"])
    if r["state"] in ("overdue", "escalated"):
        state = f"【{state}】逾期 {r['days_overdue']} 天"
    elif r["state"] == "closed":
        state += f"（{_day(r.get('closed_on'))}）"
    elif left:
        state += f"（剩 {r['days_left']} 天）"
    return (_text(r["id"]), place, _day(r["issued_on"]), _day(r["deadline"]), items, state)


def notice_table(pdf: FPDF, notices: pd.DataFrame, *, empty: str, left: bool = False) -> None:
    """The notices (overdue and escalated rows stand out), for the monthly report and the pack."""
    recs = notices.to_dict("records") if len(notices) else []
    _table(pdf, ("编号", "学校 / 风险点位", "下发", "期限", "整改事项", "状态"),
           [notice_cells(r, left=left) for r in recs], (18, 40, 20, 20, 52, 36),
           ("LEFT", "LEFT", "CENTER", "CENTER", "LEFT", "LEFT"), empty=empty,
           marked=[r["state"] in ("overdue", "escalated") for r in recs])


def open_sites(notices: pd.DataFrame, jurisdiction_id: str | None = None) -> pd.DataFrame:
    """Risk sites with open notices for a map (``lon, lat, overdue``), of one 派出所 or all."""
    if not len(notices) or "place_kind" not in notices:
        return pd.DataFrame(columns=["lon", "lat", "overdue"])
    part = notices[(notices["place_kind"] == "risk_site") & ~notices["closed"].astype(bool) & notices["lon"].notna()]
    if jurisdiction_id is not None:
        part = part[part["jurisdiction_id"].astype(str) == jurisdiction_id]
    return part.groupby(["lon", "lat"], as_index=False)["overdue"].any()


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA else str(value)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ("" if value is None or pd.isna(value) else str(value))


def jurisdiction_label(figures: MonthlyFigures, jid: str) -> str:
    if jid == COUNTY:
        return "全县"
    return figures.names.get(jid) or str(jid)


def write_monthly_pdf(figures: MonthlyFigures, jid: str, path: Path, *, inputs: ReportInputs) -> Path:
    """Write the monthly report of one 派出所 (or ``全县``) to ``path``."""
    label = jurisdiction_label(figures, jid)
    county = jid == COUNTY
    schools = figures.schools if county else figures.schools[figures.schools["jurisdiction_id"].astype(str) == jid]
    ids = set(schools["school_id"].astype(str))
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    pdf = new_pdf(f"生成时间 {stamp}　数据版本 {inputs.data_version}　{ATTRIBUTION}")
    pdf.add_page()
    year, mon = figures.month.split("-")
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 9, f"{inputs.area_name}{label} 护校安园工作月报".strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9.5)
    due = f"　报送期限 {inputs.due.isoformat()}" if inputs.due else ""
    pdf.cell(0, 6, f"{year}年{int(mon)}月　统计截至 {figures.as_of.isoformat()}{due}　学校 {len(schools)} 所",
             new_x="LMARGIN", new_y="NEXT")
    # the map
    layer = inputs.schools[inputs.schools["id"].astype(str).isin(ids)]
    status = pd.Series(dict(zip(schools["school_id"].astype(str), schools["status"], strict=True)))
    weak = set(schools.loc[schools.get("level", pd.Series(dtype=object)).isin(["weak", "critical"]),
                           "school_id"].astype(str)) if "level" in schools else set()
    sites = open_sites(figures.notices, None if county else jid)
    png = jurisdiction_map_png(schools=layer, status=status, weak=weak, roads=inputs.roads,
                               area=None if county else inputs.areas.get(jid), sites=sites)
    pdf.image(io.BytesIO(png), x=12, w=186, h=104.6)
    pdf.ln(1)
    counts = status.value_counts()
    pdf.set_font(FONT, size=8.5)
    pdf.multi_cell(0, 4.5, "图例：" + "　".join(f"{STATUS_ZH[k]} {int(counts.get(k, 0))} 所"
                                              for k in ("ok", "due_soon", "missing", "overdue"))
                   + f"　紫圈为薄弱校园 {len(weak)} 所"
                   + (f"　三角为有未销号通知书的风险点位 {len(sites)} 处（红色逾期 {int(sites['overdue'].sum())} 处）"
                      if len(sites) else ""), new_x="LMARGIN", new_y="NEXT")
    # indicators
    _heading(pdf, "一、主要指标（本月 / 上月 / 变化）")
    row, change = figures.row(jid), figures.change(jid)
    rows = [(INDICATOR_ZH[k], fmt_value(k, row.get(k)), fmt_value(k, figures.previous_value(jid, k)),
             fmt_change(k, change.get(k))) for k in INDICATORS]
    joint_req = row.get("joint_month_required")
    if joint_req is not None:
        rows.insert(INDICATORS.index("joint_month") + 1,
                    ("本月应联合督导（次）", fmt_value("joint", joint_req), "—", "—"))
    _table(pdf, ("指标", "本月", "上月", "变化"), rows, (80, 30, 30, 46),
           ("LEFT", "CENTER", "CENTER", "CENTER"))
    if county:
        _heading(pdf, "各派出所情况")
        per = figures.jurisdictions[figures.jurisdictions["jurisdiction_id"] != COUNTY]
        _table(pdf, ("派出所", "学校", "薄弱", "已检/应检", "本月检查", "逾期通知书", "到校/应到校", "演练"),
               [(str(r["jurisdiction_name"]), fmt_value("n", r["schools"]), fmt_value("n", r["weak"]),
                 f"{r['inspections_done']}/{r['inspections_required']}", fmt_value("n", r["inspections_month"]),
                 fmt_value("n", r["notices_overdue"]), f"{r['visits']}/{r['visits_required']}",
                 fmt_value("n", r["drills"])) for r in per.to_dict("records")],
               (40, 16, 16, 24, 20, 24, 28, 18), ("LEFT", *["CENTER"] * 7))
    # trend
    trend = inputs.trends.get(jid)
    if trend is not None and len(trend):
        _heading(pdf, "二、月度趋势", need=72)
        pdf.image(io.BytesIO(trend_png(trend)), x=12, w=186, h=60.5)
    # weak campuses
    _heading(pdf, "三、薄弱校园及原因")
    if "level" in schools:
        weak_rows = schools[schools["level"].isin(["weak", "critical"])].sort_values("score")
        _table(pdf, ("学校", "评分", "等级", "主要问题"),
               [(r["name"], f"{r['score']:.0f}", LEVEL_ZH.get(r["level"], r["level"]),
                 str(r.get("weak_reasons_zh") or "").replace("；", "；\n"))
                for r in weak_rows.to_dict("records")], (44, 14, 18, 110), ("LEFT", "CENTER", "CENTER", "LEFT"),
               empty="本辖区没有薄弱校园")
    else:
        pdf.cell(0, 6, "没有道路或警务点数据，未做校园评估", new_x="LMARGIN", new_y="NEXT")
    # inspections
    _heading(pdf, "四、督导检查完成情况（本学期）")
    kinds = [k for k in ("station", "comprehensive", "joint", "self") if f"{k}_required" in schools]
    order = {"overdue": 0, "missing": 1, "due_soon": 2, "ok": 3}
    listed = sorted(schools.to_dict("records"), key=lambda r: (order.get(r["status"], 9), r["name"]))
    if county:      # the county lists the schools behind; every school is in its 派出所's report and the XLSX
        behind = [r for r in listed if r["status"] in ("overdue", "missing")]
        listed = behind[:COUNTY_ROWS]
        pdf.cell(0, 5, f"检查缺项或整改逾期的学校 {len(behind)} 所" + (f"，列出前 {COUNTY_ROWS} 所" if len(behind) >
                 COUNTY_ROWS else "") + "；各校明细见各派出所月报和 XLSX", new_x="LMARGIN", new_y="NEXT")
    ins_rows = []
    for r in listed:
        ins_rows.append((r["name"], *[f"{r[f'{k}_done']}/{r[f'{k}_required']}" for k in kinds],
                         _day(r.get("last_inspection")), STATUS_ZH.get(r["status"], r["status"]),
                         str(r.get("reasons_zh") or "")))
    _table(pdf, ("学校", *[KIND_HEAD.get(k, k) for k in kinds], "最近检查", "状态", "说明"), ins_rows,
           (40, *[18] * len(kinds), 20, 18, 108 - 18 * len(kinds)),
           ("LEFT", *["CENTER"] * len(kinds), "CENTER", "CENTER", "LEFT"))
    # notices
    _heading(pdf, f"五、整改通知书（本月下发 {fmt_value('n', row.get('notices_opened'))}，销号 "
                  f"{fmt_value('n', row.get('notices_closed'))}，月末未销号 {fmt_value('n', row.get('notices_open'))}，"
                  f"逾期 {fmt_value('n', row.get('notices_overdue'))}）")
    notices = figures.notices
    if len(notices) and not county:
        notices = notices[notices["jurisdiction_id"].astype(str) == jid]
    if len(notices):
        notices = notices.assign(_o=notices["state"].map(STATE_ORDER)).sort_values(["_o", "deadline"])
        sites = int((notices["place_kind"] == "risk_site").sum()) if "place_kind" in notices else 0
        if sites:
            pdf.cell(0, 5, f"其中发往风险点位（网吧、摊点等）{sites} 份", new_x="LMARGIN", new_y="NEXT")
        if county:      # the open ones, overdue first; all of them are in the 派出所 reports
            standing = notices[~notices["closed"].astype(bool)]
            pdf.cell(0, 5, f"未销号 {len(standing)} 份" + (f"，列出前 {COUNTY_ROWS} 份（逾期在前）"
                                                          if len(standing) > COUNTY_ROWS else "")
                     + "；全部通知书见各派出所月报", new_x="LMARGIN", new_y="NEXT")
            notices = standing.head(COUNTY_ROWS)
    notice_table(pdf, notices, empty="本月无整改通知书" if not county else "没有未销号的整改通知书")
    # visits and drills
    _heading(pdf, "六、警务室到校与演练")
    pdf.multi_cell(0, 5, f"本月警务室民警到校 {fmt_value('n', row.get('visits'))} 次，按每周 2 次应到校 "
                   f"{fmt_value('n', row.get('visits_required'))} 次；上周到校不足的学校 "
                   f"{int((schools['visits_week'] < schools['visits_week_required']).sum())} 所。"
                   f"本月演练 {fmt_value('n', row.get('drills'))} 次。", new_x="LMARGIN", new_y="NEXT")
    drills = inputs.drills
    d_rows = []
    if drills is not None and len(drills):
        first = dt.date.fromisoformat(f"{figures.month}-01")
        part = drills[[isinstance(d, dt.date) and first <= d <= figures.as_of for d in drills["date"]]]
        part = part[part["school_id"].astype(str).isin(ids)]
        for r in part.sort_values("date").to_dict("records"):
            comp = r.get("computed_s")
            meas = r.get("police_arrival_s")
            d_rows.append((str(r.get("school_name") or r["school_id"]), _day(r["date"]),
                           ENUM_LABELS_ZH.get(r["kind"], r["kind"]) if r["kind"] != "joint" else "联合演练",
                           str(r.get("alarm_time") or ""),
                           "—" if pd.isna(meas) else f"{meas / 60:.1f}", "—" if pd.isna(comp) else f"{comp / 60:.1f}",
                           ("【差距大】" if r.get("large_gap") else "") + str(r.get("verdict_zh") or "")))
    _table(pdf, ("学校", "日期", "类型", "报警", "实测(分)", "计算(分)", "判断"), d_rows,
           (36, 20, 22, 13, 15, 15, 65), ("LEFT", "CENTER", "CENTER", "CENTER", "CENTER", "CENTER", "LEFT"),
           empty="本月无演练记录")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_monthly_report(figures: MonthlyFigures, out_dir: Path | str, *, inputs: ReportInputs,
                         jurisdictions: list[str] | None = None, workers: int = 1) -> dict[str, list[Path]]:
    """Write every PDF (per 派出所 and the county) and the XLSX into ``out_dir``.

    Parameters
    ----------
    workers : int
        Processes writing PDFs at once (forked after the CJK font is parsed, so each only
        subsets it; the command line uses the machine's cores, the app one).

    Returns
    -------
    dict
        ``pdf`` (county first) and ``xlsx``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids = [j for j in figures.jurisdictions["jurisdiction_id"] if j != COUNTY]
    if jurisdictions is not None:
        ids = [j for j in ids if j in jurisdictions]
    jobs = [(jid, out / f"{file_stem(figures.month, jid)}.pdf") for jid in [COUNTY, *ids]]
    if workers > 1 and len(jobs) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from gis.reports.sheets import warm_font

        warm_font()     # parsed once here, inherited by the forked writers

        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            pdfs = list(pool.map(_write_one, [(figures, jid, path, inputs) for jid, path in jobs]))
    else:
        pdfs = [write_monthly_pdf(figures, jid, path, inputs=inputs) for jid, path in jobs]
    from gis.reports.monthly_xlsx import write_monthly_xlsx  # builds on this module's labels

    xlsx = write_monthly_xlsx(figures, out / f"monthly_{figures.month}.xlsx")
    return {"pdf": pdfs, "xlsx": [xlsx]}


def _write_one(job: tuple[MonthlyFigures, str, Path, ReportInputs]) -> Path:
    figures, jid, path, inputs = job
    return write_monthly_pdf(figures, jid, path, inputs=inputs)


def station_areas(posts: gpd.GeoDataFrame | None) -> Mapping[str, Any]:
    """Station id → jurisdiction polygon (stations that have one)."""
    if posts is None or not len(posts) or "jurisdiction" not in posts:
        return {}
    stations = posts[posts["kind"].astype(str) == "station"]
    return {str(i): g for i, g in zip(stations["id"], stations["jurisdiction"], strict=True)
            if g is not None and not g.is_empty}


@dataclass
class MonthlyContext:
    """Everything read and computed once for the monthly report and the meeting pack."""

    layers: dict[str, gpd.GeoDataFrame]
    records: dict[str, pd.DataFrame]
    snapshots: pd.DataFrame
    assessment: pd.DataFrame | None
    drills: pd.DataFrame | None
    graph: Any
    area_name: str
    data_version: int


def load_context(store, *, settings, assess: bool = True) -> MonthlyContext:
    """Read the layers and records, run the campus assessment and the drills comparison (when
    roads and posts exist)."""
    from gis.coverage import assess_campuses
    from gis.cycle import CycleConfig, read_records
    from gis.cycle.drills import drill_comparison
    from gis.schema import LAYER_NAMES

    layers = {name: store.read_layer(name) for name in LAYER_NAMES}
    records = read_records(store)
    snapshots = store.read_layer("snapshots")
    graph = assessment = None
    if assess and len(layers["roads"]) and len(layers["police_posts"]) and len(layers["schools"]):
        from gis.network import load_road_graph

        graph = load_road_graph(layers["roads"], settings=settings)
        assessment = assess_campuses(layers, graph=graph, settings=settings)
    drills = None
    if len(records["drills"]) and len(layers["schools"]):
        drills = drill_comparison(records, layers, graph=graph, config=CycleConfig.from_settings(settings),
                                  settings=settings)
    area = store.get_meta("area_name_zh") or ""
    return MonthlyContext(layers, records, snapshots, assessment, drills, graph, area,
                          int(store.data_version()))


def produce_monthly_report(store, *, settings, month: str, out_dir: Path | str,
                           today: dt.date | None = None, context: MonthlyContext | None = None,
                           jurisdictions: list[str] | None = None, actor: str = "local",
                           save_snapshot: bool = True, workers: int = 1
                           ) -> tuple[MonthlyFigures, dict[str, list[Path]]]:
    """Count the month, write the PDFs and the XLSX, and store the month's snapshot.

    Parameters
    ----------
    store : gis.store.Store
    settings : Settings
    month : str
        ``YYYY-MM``.
    out_dir : path
    today : datetime.date, optional
        Counting stops here in the running month (default: today).
    jurisdictions : list of str, optional
        Only these 派出所 (the county report is always written).
    """
    from gis.cycle import CycleConfig, monthly_figures, store_snapshot, trend
    from gis.cycle.monthly import previous_month, snapshot_rows

    config = CycleConfig.from_settings(settings)
    ctx = context or load_context(store, settings=settings)
    snaps = store.read_layer("snapshots")   # fresh: an earlier report may have added one
    prev = snaps[snaps["month"] == previous_month(month)] if len(snaps) else None
    figures = monthly_figures(ctx.layers, ctx.records, month=month, config=config, assessment=ctx.assessment,
                              today=today or dt.date.today(),
                              previous=prev if prev is not None and len(prev) else None)
    current = snapshot_rows(figures)
    older = snaps[snaps["month"] != month] if len(snaps) else snaps
    history = pd.concat([older, current], ignore_index=True) if len(older) else current
    history = history[history["month"] <= month]
    trends = {jid: trend(history, jurisdiction_id=jid) for jid in figures.jurisdictions["jurisdiction_id"]}
    inputs = ReportInputs(schools=ctx.layers["schools"], roads=ctx.layers["roads"],
                     areas=dict(station_areas(ctx.layers["police_posts"])), drills=ctx.drills, trends=trends,
                     area_name=ctx.area_name, data_version=ctx.data_version, due=config.report_due(month))
    files = write_monthly_report(figures, out_dir, inputs=inputs, jurisdictions=jurisdictions, workers=workers)
    if save_snapshot:
        store_snapshot(store, figures, actor=actor)
    return figures, files
