"""Write the campus assessment for the joint meeting: CSV, GeoJSON or a formatted XLSX.

* CSV — UTF-8 with BOM (Excel opens the Chinese correctly), machine column names.
* GeoJSON — EPSG:4326 points at the main gate, machine column names.
* XLSX (xlsxwriter) — a summary sheet (per 派出所 jurisdiction), the compliance rates (达标率: per
  派出所 and county, by area type, beside their targets), a sheet of all schools and one sheet per
  jurisdiction; Chinese column titles, frozen header, filters, levels coloured,
  reasons wrapped, the road-data attribution (© OpenStreetMap contributors, ODbL).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.config import Settings
from gis.coverage.assess import OUTPUT_COLUMNS
from gis.coverage.compliance import (
    AREA_ZH,
    JURISDICTION_COLUMNS,
    RATE_ZH,
    RATES,
    ComplianceTable,
    compliance_rates,
)
from gis.coverage.jurisdictions import summarize_jurisdictions
from gis.coverage.score import LEVEL_ZH
from gis.errors import DataSourceError, ValidationError
from gis.io.spreadsheet import open_workbook, write_cell
from gis.io.spreadsheet import write_csv as write_safe_csv
from gis.schema import ENUM_LABELS_ZH

FORMATS = (".csv", ".xlsx", ".geojson")
ATTRIBUTION = "道路数据 © OpenStreetMap 贡献者（ODbL） / road data © OpenStreetMap contributors (ODbL)"

COLUMN_ZH = {
    "school_id": "学校编号", "name": "学校名称", "kind": "学校类型", "jurisdiction_id": "派出所编号",
    "jurisdiction_name": "所属派出所", "response_s": "最快到达(秒)", "response_min": "最快到达(分钟)",
    "nearest_post_id": "最近警务点编号", "nearest_post_name": "最近警务点",
    "posts_within_1min": "1分钟可达警务点", "posts_within_3min": "3分钟可达警务点",
    "posts_within_5min": "5分钟可达警务点", "gate_camera_share": "校门视频覆盖率",
    "networked_share": "校门摄像机联网率", "am_staffed": "早高峰护学岗", "noon_staffed": "午间护学岗",
    "pm_staffed": "晚高峰护学岗", "duty_gaps": "无人值守护学岗", "guards": "专职保安(名)",
    "guards_required": "应配保安(名)", "risk_sites_200m": "200米内风险点",
    "risk_sites_500m": "500米内风险点", "violations": "违规网吧(处)", "score": "评分",
    "level": "等级", "reasons_zh": "主要问题", "reasons_en": "Reasons (English)",
    "mandatory_breaches": "违反必须项", "unreported": "未填报项", "police_am": "早高峰见警察",
    "police_pm": "晚高峰见警察", "peak": "评估时段", "boundary_camera_share": "围界视频覆盖率",
    "gate_blind_m2": "校门盲区(平方米)", "boundary_blind_m": "围界盲区(米)",
}
XLSX_COLUMNS = (
    "school_id", "name", "kind", "jurisdiction_id", "jurisdiction_name", "score", "level",
    "reasons_zh", "response_min", "response_s", "nearest_post_id", "nearest_post_name",
    "posts_within_1min", "posts_within_3min", "posts_within_5min", "gate_camera_share",
    "networked_share", "am_staffed", "noon_staffed", "pm_staffed", "duty_gaps", "guards",
    "guards_required", "risk_sites_200m", "risk_sites_500m", "violations", "mandatory_breaches",
    "unreported", "police_am", "police_pm", "peak", "gate_blind_m2", "boundary_camera_share",
    "boundary_blind_m", "reasons_en",
)
WIDTHS = {"name": 22, "reasons_zh": 60, "reasons_en": 60, "jurisdiction_name": 14,
          "nearest_post_name": 14, "duty_gaps": 14}
SUMMARY_ZH = {
    "jurisdiction_id": "派出所编号", "jurisdiction_name": "派出所", "schools": "学校数",
    "within_3min": "3分钟可达学校数", "share_within_3min": "3分钟可达率", "good": "良好",
    "weak": "薄弱", "critical": "严重薄弱", "mean_score": "平均评分", "violations": "违规学校数",
}
REASON_SEPARATORS = {"reasons_zh": "；", "reasons_en": "; "}
LEVEL_COLOURS = {"good": "#C6EFCE", "weak": "#FFEB9C", "critical": "#FFC7CE"}


def write_assessment(assessment: gpd.GeoDataFrame, path: str | Path, *,
                     settings: Settings | None = None) -> Path:
    """Write the assessment to ``path`` (format from its suffix: .csv, .xlsx, .geojson);
    ``settings`` gives the XLSX's compliance targets (``[compliance]``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        msg = (f"不支持的输出格式 {suffix or '(无后缀)'}，请使用 .csv、.xlsx 或 .geojson / "
               f"unsupported output {path.name}: use .csv, .xlsx or .geojson")
        raise ValidationError(msg)
    missing = [c for c in OUTPUT_COLUMNS if c not in assessment.columns]
    if missing:
        msg = f"评估结果缺少列 {missing} / the assessment lacks columns {missing}"
        raise ValidationError(msg)
    if not path.parent.exists():
        msg = f"输出目录不存在：{path.parent} / output folder does not exist: {path.parent}"
        raise DataSourceError(msg)
    try:
        if suffix == ".csv":
            write_csv(assessment, path)
        elif suffix == ".geojson":
            write_geojson(assessment, path)
        else:
            write_xlsx(assessment, path, settings=settings)
    except PermissionError as exc:
        msg = f"无法写入 {path}（文件被占用或无权限）/ cannot write {path}: {exc.strerror}"
        raise DataSourceError(msg) from exc
    return path


def _plain(assessment: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(assessment).drop(columns=["geometry"], errors="ignore")
    return frame


def write_csv(assessment: pd.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with BOM; the required columns first; formula-like text neutralised."""
    frame = _plain(assessment)
    write_safe_csv(frame.round(4), path)


def write_geojson(assessment: gpd.GeoDataFrame, path: Path) -> None:
    """GeoJSON (EPSG:4326) with one point per school at its main gate."""
    gdf = gpd.GeoDataFrame(assessment).to_crs("EPSG:4326")
    for col in gdf.columns:
        if col != gdf.geometry.name and gdf[col].dtype == object:
            gdf[col] = gdf[col].astype("string")
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")


def sheet_name(label: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", label).strip("'") or "sheet"
    base = base[:31]
    name, k = base, 2
    while name.lower() in used:
        suffix = f"~{k}"
        name, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def _cell(col: str, value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if col in REASON_SEPARATORS and isinstance(value, str) and value:
        parts = value.split(REASON_SEPARATORS[col])
        return "\n".join(f"{k}. {p}" for k, p in enumerate(parts, start=1)) if len(parts) > 1 else value
    if col == "kind":
        return ENUM_LABELS_ZH.get(str(value), str(value))
    if col == "level":
        return LEVEL_ZH.get(str(value), str(value))
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def write_jurisdictions(table: ComplianceTable, path: str | Path) -> Path:
    """``--jurisdictions-out``: one row per 派出所 plus the county row, exactly
    :data:`JURISDICTION_COLUMNS` (rates as shares 0–1), as ``.csv`` (UTF-8 with BOM) or ``.xlsx``."""
    from gis.io.spreadsheet import write_xlsx as write_safe_xlsx

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        msg = (f"不支持的输出格式 {path.name}，派出所达标率请使用 .csv 或 .xlsx / "
               f"unsupported output {path.name}: use .csv or .xlsx for --jurisdictions-out")
        raise ValidationError(msg)
    if not path.parent.exists():
        msg = f"输出目录不存在：{path.parent} / output folder does not exist: {path.parent}"
        raise DataSourceError(msg)
    frame = table.by_jurisdiction[list(JURISDICTION_COLUMNS)]
    try:
        if suffix == ".csv":
            write_safe_csv(frame, path)
        else:
            write_safe_xlsx({"jurisdictions": frame}, path)
    except PermissionError as exc:
        msg = f"无法写入 {path}（文件被占用或无权限）/ cannot write {path}: {exc.strerror}"
        raise DataSourceError(msg) from exc
    return path


def write_xlsx(assessment: pd.DataFrame, path: Path, *, settings: Settings | None = None) -> None:
    """Meeting workbook: 汇总 (summary), 全部学校 (all, weakest first), 达标率 (compliance rates
    with targets), one sheet per jurisdiction."""
    frame = _plain(assessment).copy()
    frame["response_min"] = pd.to_numeric(frame["response_s"], errors="coerce") / 60.0
    cols = [c for c in XLSX_COLUMNS if c in frame.columns]
    frame = frame.sort_values(["score", "school_id"], kind="stable")
    summary = summarize_jurisdictions(assessment)
    wb = open_workbook(path)
    try:
        fmt = {
            "head": wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                   "text_wrap": True, "valign": "vcenter", "border": 1}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "top": wb.add_format({"valign": "top"}),
            "pct": wb.add_format({"num_format": "0%", "valign": "top"}),
            "num1": wb.add_format({"num_format": "0.0", "valign": "top"}),
            "num0": wb.add_format({"num_format": "0", "valign": "top"}),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "note": wb.add_format({"italic": True, "font_color": "#595959"}),
            **{lvl: wb.add_format({"bg_color": c, "valign": "top", "bold": True})
               for lvl, c in LEVEL_COLOURS.items()},
        }
        used: set[str] = set()
        _summary_sheet(wb.add_worksheet(sheet_name("汇总", used)), summary, fmt)
        _school_sheet(wb.add_worksheet(sheet_name("全部学校", used)), frame, cols, fmt)
        _rates_sheet(wb.add_worksheet(sheet_name("达标率", used)),
                     compliance_rates(assessment, settings=settings), fmt)
        labels = frame["jurisdiction_id"].fillna("未划定").astype(str)
        names = frame.get("jurisdiction_name", pd.Series(None, index=frame.index))
        for jid in sorted(labels.unique()):
            part = frame[labels == jid]
            jname = names[labels == jid].dropna()
            label = f"{jname.iloc[0]}" if len(jname) else jid
            _school_sheet(wb.add_worksheet(sheet_name(label, used)), part, cols, fmt)
    finally:
        wb.close()


def _summary_sheet(ws, summary: pd.DataFrame, fmt: dict) -> None:
    ws.write(0, 0, "护校安园 校园防护评估汇总（按派出所辖区）", fmt["title"])
    cols = list(SUMMARY_ZH)
    for j, col in enumerate(cols):
        ws.write(2, j, SUMMARY_ZH[col], fmt["head"])
        ws.set_column(j, j, 16 if col == "jurisdiction_name" else 12)
    for i, row in enumerate(summary[cols].itertuples(index=False), start=3):
        for j, (col, value) in enumerate(zip(cols, row, strict=True)):
            style = fmt["pct"] if col == "share_within_3min" else fmt["top"]
            write_cell(ws, i, j, _cell(col, value), style)
    ws.freeze_panes(3, 0)
    ws.write(len(summary) + 4, 0, ATTRIBUTION, fmt["note"])


def _rates_sheet(ws, table: ComplianceTable, fmt: dict) -> None:
    """Compliance rates per 派出所 and county by area type, each beside its target."""
    ws.write(0, 0, "护校安园 达标率（按派出所、区域类型；目标见 [compliance]）", fmt["title"])
    heads = ["派出所编号", "派出所", "区域", "学校数"]
    for rate in RATES:
        heads += [RATE_ZH[rate], "目标", "达标", "未填报"]
    for j, head in enumerate(heads):
        ws.write(2, j, head, fmt["head"])
        ws.set_column(j, j, 14 if j < 4 else 10)
    for i, r in enumerate(table.by_area.to_dict("records"), start=3):
        cells = [r["jurisdiction_id"], r["jurisdiction_name"], AREA_ZH.get(r["area_type"], r["area_type"]),
                 r["schools"]]
        styles = [fmt["top"]] * 4
        for rate in RATES:
            met = r[f"{rate}_met"]
            cells += [r[rate], r[f"{rate}_target"], "" if met is None else ("是" if met else "否"),
                      r[f"{rate}_unreported"]]
            styles += [fmt["pct"], fmt["pct"], fmt["top"], fmt["top"]]
        for j, (value, style) in enumerate(zip(cells, styles, strict=True)):
            write_cell(ws, i, j, value, style)
    ws.freeze_panes(3, 4)
    note = len(table.by_area) + 4
    ws.write(note, 0, "技防达标：入侵报警、校门视频、一键报警、电子巡查齐全（GB/T 29315）；未填报的学校不计为达标。"
             "目标：城区 ≥ 80%，集镇 100%，农村在现有基础上逐步提高（无固定目标）。", fmt["note"])
    ws.write(note + 1, 0, ATTRIBUTION, fmt["note"])


def _school_sheet(ws, frame: pd.DataFrame, cols: list[str], fmt: dict) -> None:
    for j, col in enumerate(cols):
        ws.write(0, j, COLUMN_ZH.get(col, col), fmt["head"])
        ws.set_column(j, j, WIDTHS.get(col, 11))
    for i, row in enumerate(frame[cols].itertuples(index=False), start=1):
        for j, (col, value) in enumerate(zip(cols, row, strict=True)):
            if col == "level":
                style = fmt.get(str(value), fmt["top"])
            elif col in ("reasons_zh", "reasons_en", "name"):
                style = fmt["wrap"]
            elif col in ("gate_camera_share", "networked_share", "boundary_camera_share"):
                style = fmt["pct"]
            elif col in ("response_min", "score"):
                style = fmt["num1"]
            elif col == "response_s":
                style = fmt["num0"]
            else:
                style = fmt["top"]
            write_cell(ws, i, j, _cell(col, value), style)
    ws.set_row(0, 32)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(frame), 1), len(cols) - 1)
    ws.write(len(frame) + 2, 0, ATTRIBUTION, fmt["note"])
