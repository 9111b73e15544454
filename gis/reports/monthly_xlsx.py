"""The monthly report's workbook: a 全县 sheet (a row per 派出所 and the county) and one sheet per
派出所 (the indicators with last month and the change, then its schools). Every cell goes
through :func:`gis.io.spreadsheet.write_cell` (formula prefixes neutralised)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gis.cycle.monthly import COUNTY, INDICATOR_ZH, INDICATORS, MonthlyFigures
from gis.io.spreadsheet import open_workbook, write_cell
from gis.reports.monthly import LEVEL_ZH, PERCENT, jurisdiction_label

SCHOOL_XLSX = (("name", "学校"), ("status_zh", "状态"), ("inspections_done", "已检查"),
               ("inspections_required", "应检查"), ("last_inspection", "最近检查"), ("notices_open", "未销号通知书"),
               ("notices_overdue", "逾期通知书"), ("visits_week", "上周到校"), ("score", "评分"),
               ("level", "等级"), ("weak_reasons_zh", "评估原因"), ("reasons_zh", "检查整改说明"),
               ("school_id", "学校编号"))


def write_monthly_xlsx(figures: MonthlyFigures, path: Path) -> Path:
    """One sheet 全县 (a row per 派出所 and the county) and one sheet per 派出所 (the indicators
    with last month and the change, then its schools)."""
    from gis.coverage.export import sheet_name

    book = open_workbook(path)
    try:
        head = book.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1})
        title = book.add_format({"bold": True, "font_size": 13})
        date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
        pct = book.add_format({"num_format": "0%"})
        used: set[str] = set()
        ws = book.add_worksheet(sheet_name("全县", used))
        write_cell(ws, 0, 0, f"护校安园工作月报 {figures.month}（统计截至 {figures.as_of.isoformat()}）", title)
        cols = ["jurisdiction_name", *INDICATORS]
        for c, key in enumerate(cols):
            write_cell(ws, 2, c, "派出所" if key == "jurisdiction_name" else INDICATOR_ZH[key], head)
            ws.set_column(c, c, 14 if c else 18)
        for r, rec in enumerate(figures.jurisdictions.to_dict("records"), start=3):
            for c, key in enumerate(cols):
                write_cell(ws, r, c, rec.get(key), pct if key in PERCENT else None)
        ws.freeze_panes(3, 1)
        for jid in figures.jurisdictions["jurisdiction_id"]:
            if jid == COUNTY:
                continue
            label = jurisdiction_label(figures, jid)
            ws = book.add_worksheet(sheet_name(label, used))
            write_cell(ws, 0, 0, f"{label} 护校安园工作月报 {figures.month}", title)
            for c, text in enumerate(("指标", "本月", "上月", "变化")):
                write_cell(ws, 2, c, text, head)
            row, change = figures.row(jid), figures.change(jid)
            for r, key in enumerate(INDICATORS, start=3):
                write_cell(ws, r, 0, INDICATOR_ZH[key])
                write_cell(ws, r, 1, row.get(key), pct if key in PERCENT else None)
                write_cell(ws, r, 2, figures.previous_value(jid, key), pct if key in PERCENT else None)
                write_cell(ws, r, 3, change.get(key), pct if key in PERCENT else None)
            start = 4 + len(INDICATORS)
            schools = figures.schools[figures.schools["jurisdiction_id"].astype(str) == jid]
            present = [(k, t) for k, t in SCHOOL_XLSX if k in schools.columns]
            for c, (_, text) in enumerate(present):
                write_cell(ws, start, c, text, head)
            for r, rec in enumerate(schools.to_dict("records"), start=start + 1):
                for c, (key, _) in enumerate(present):
                    value = rec.get(key)
                    if key == "level":
                        value = LEVEL_ZH.get(value, value)
                    write_cell(ws, r, c, value, date_fmt if isinstance(value, dt.date) else None)
            ws.set_column(0, 0, 26)
            ws.set_column(1, len(present), 12)
            ws.set_column(10, 10, 60)
    finally:
        book.close()
    return path
