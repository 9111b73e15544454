"""Exports of a scenario for the joint meeting: XLSX, GeoJSON, a one-page PDF, summary.json.

All of them are written from the scenario's result dict (``gis.siting.scenario``), so a saved
scenario exports exactly as it was shown. The map is drawn offline with matplotlib from our own
roads: existing posts, proposed sites (stars), their new reach polygons, schools coloured by
their level after the change.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from fpdf.fonts import FontFace  # noqa: E402
from shapely.geometry import box  # noqa: E402

from gis.io.spreadsheet import write_xlsx  # noqa: E402
from gis.reports.routemap import map_frame  # noqa: E402
from gis.reports.sheets import ATTRIBUTION, FONT, new_pdf  # noqa: E402
from gis.siting.scenario import from_collection, kpi_table  # noqa: E402

LEVEL_COLOURS = {"good": "#2ca02c", "weak": "#ff9f1c", "critical": "#d62728"}
LEVEL_ZH = {"good": "良好", "weak": "薄弱", "critical": "严重薄弱", "unknown": "未评估"}
KIND_ZH = {"office": "警务室", "kiosk": "岗亭", "camera": "视频监控", "crossing": "护学岗", "whatif": "推演"}
PROPOSAL_ZH = {"id": "编号", "name": "名称", "kind": "类型", "candidate_id": "候选点", "newly_reached_names":
               "新增可达学校", "replaces": "由此迁来", "direction_deg": "朝向(度)", "blind_m2": "新覆盖盲区(平方米)",
               "school_name": "学校", "officers": "警力", "lon": "经度", "lat": "纬度"}
CHANGES_ZH = {"name": "学校", "level_before": "原等级", "level_after": "新等级", "score_before": "原得分",
              "score_after": "新得分", "response_before_s": "原到达(秒)", "response_after_s": "新到达(秒)"}


def proposals_table(result: Mapping[str, Any]) -> pd.DataFrame:
    """The proposed sites as a table (lists joined, lon/lat columns), Chinese headers."""
    gdf = from_collection(result.get("proposals"))
    if len(gdf) == 0:
        return pd.DataFrame(columns=list(PROPOSAL_ZH.values()))
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    frame["lon"] = gdf.geometry.representative_point().x.round(6)
    frame["lat"] = gdf.geometry.representative_point().y.round(6)
    for col in frame.columns:
        frame[col] = frame[col].map(lambda v: "、".join(map(str, v)) if isinstance(v, list) else v)
    if "kind" in frame.columns:
        frame["kind"] = frame["kind"].map(lambda k: KIND_ZH.get(k, k))
    cols = [c for c in PROPOSAL_ZH if c in frame.columns]
    return frame[cols].rename(columns=PROPOSAL_ZH)


def changes_table(result: Mapping[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(result.get("changes") or [], columns=list(CHANGES_ZH) + ["school_id"])
    for col in ("level_before", "level_after"):
        frame[col] = frame[col].map(lambda v: LEVEL_ZH.get(v, v))
    return frame[list(CHANGES_ZH)].rename(columns=CHANGES_ZH)


def write_scenario_xlsx(result: Mapping[str, Any], path: Path, *, name: str = "") -> Path:
    """Workbook: 前后对比 (KPIs), 拟建点位 (sites), 等级变化, 无法覆盖, 被拒候选点."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kpis = kpi_table(result).rename(columns={"indicator": "指标", "before": "现状", "after": "方案实施后",
                                             "change": "变化"})
    summary = result.get("summary") or {}
    solver = pd.DataFrame([{"指标": "方案", "现状": name or "", "方案实施后": "", "变化": ""},
                           {"指标": "求解器 / 状态", "现状": summary.get("solver"), "方案实施后": summary.get("status"),
                            "变化": ""},
                           {"指标": "最优性差距", "现状": summary.get("gap"), "方案实施后": "", "变化": ""},
                           {"指标": "求解用时(秒)", "现状": summary.get("seconds"), "方案实施后": "", "变化": ""}])
    sheets = {
        "前后对比": pd.concat([kpis, solver], ignore_index=True),
        "拟建点位": proposals_table(result),
        "等级变化": changes_table(result),
        "无法覆盖": pd.DataFrame(result.get("uncoverable") or [],
                              columns=["school_id", "name", "reason_zh", "reason_en"]).rename(
            columns={"school_id": "学校编号", "name": "学校", "reason_zh": "原因", "reason_en": "reason"}),
        "被拒候选点": pd.DataFrame(result.get("rejected") or [], columns=["row", "id", "reason_zh", "reason_en"]).rename(
            columns={"row": "行号", "id": "编号", "reason_zh": "原因", "reason_en": "reason"}),
    }
    write_xlsx(sheets, path)
    return path


def write_scenario_geojson(result: Mapping[str, Any], path: Path) -> Path:
    """The proposed sites (with ``newly_reached`` lists) as a GeoJSON FeatureCollection."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    collection = result.get("proposals") or {"type": "FeatureCollection", "features": []}
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def draw_scenario_png(result: Mapping[str, Any], *, roads: gpd.GeoDataFrame | None = None,
                      schools: gpd.GeoDataFrame | None = None, posts: gpd.GeoDataFrame | None = None,
                      width_px: int = 1600, height_px: int = 1000, dpi: int = 200) -> bytes:
    """PNG of the scenario: roads, reach polygons, existing posts, proposals, schools by level after."""
    props = from_collection(result.get("proposals"))
    reach = from_collection(result.get("reach"))
    parts = [g for g in (props, reach) if len(g)]
    if schools is not None and len(schools):
        parts.append(gpd.GeoDataFrame(geometry=schools.geometry.to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326"))
    if not parts:
        parts.append(gpd.GeoDataFrame(geometry=gpd.points_from_xy([0], [0]), crs="EPSG:4326"))
    minx, miny, maxx, maxy = pd.concat([p.geometry for p in parts]).total_bounds
    minx, maxx, miny, maxy = map_frame((minx, miny, maxx, maxy), width_px=width_px,
                                       height_px=height_px, pad=1.1, min_deg=0.004)
    fig, ax = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    if roads is not None and len(roads):
        clip = roads[roads.geometry.intersects(box(minx, miny, maxx, maxy))]
        if len(clip):
            clip.plot(ax=ax, color="#cfcfcf", linewidth=0.5, zorder=1, aspect=None)
    if len(reach):
        reach.plot(ax=ax, color="#1f77b4", alpha=0.18, edgecolor="#1f77b4", linewidth=0.6, zorder=2, aspect=None)
    if posts is not None and len(posts):
        p = posts.to_crs("EPSG:4326")
        ax.scatter(p.geometry.x, p.geometry.y, marker="s", s=28, color="#1a1a1a", zorder=4)
    if schools is not None and len(schools):
        levels = result.get("levels") or {}
        s = schools.to_crs("EPSG:4326")
        pts = s.geometry.representative_point()
        lv = [(levels.get(str(i)) or [None, None])[1] for i in s["id"].astype(str)]
        ax.scatter(pts.x, pts.y, s=22, color=[LEVEL_COLOURS.get(v, "#7f7f7f") for v in lv],
                   edgecolors="white", linewidths=0.5, zorder=5)
    if len(props):
        pp = props.geometry.representative_point()
        ax.scatter(pp.x, pp.y, marker="*", s=180, color="#9467bd", edgecolors="black", linewidths=0.6, zorder=6)
        for k, (x, y) in enumerate(zip(pp.x, pp.y, strict=True), start=1):
            ax.annotate(str(k), (x, y), xytext=(5, 5), textcoords="offset points", fontsize=7, zorder=7)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.subplots_adjust(left=0.005, right=0.995, bottom=0.005, top=0.995)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def write_scenario_pdf(result: Mapping[str, Any], path: Path, *, name: str = "", area_name: str = "",
                       roads: gpd.GeoDataFrame | None = None, schools: gpd.GeoDataFrame | None = None,
                       posts: gpd.GeoDataFrame | None = None, generated_at: str = "") -> Path:
    """One A4 page for the meeting: KPIs before/after, the map, the proposals and level changes."""
    summary = result.get("summary") or {}
    kind = KIND_ZH.get(str(result.get("kind")), str(result.get("kind")))
    footer = f"生成时间 {generated_at}　求解 {summary.get('solver', '-')}　{ATTRIBUTION}"
    pdf = new_pdf(footer)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font(FONT, size=15)
    pdf.cell(0, 8, f"{area_name}护校安园 部署推演：{name or kind}".strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    gap = summary.get("gap")
    status = {"optimal": "已证明最优", "time_limit": "达到时限，保留最好解", "greedy": "时限内无解，采用贪心解"}.get(
        summary.get("status"), summary.get("status") or "")
    gap_text = f"{gap * 100:.2f}%" if isinstance(gap, int | float) else "-"
    pdf.multi_cell(0, 5, f"类型：{kind}　标准：{summary.get('minutes', '-')} 分钟（{summary.get('peak', '-')} 高峰车速）　"
                   f"新增点位 {summary.get('sites', 0)} 个　求解状态：{status}，最优性差距 {gap_text}，"
                   f"用时 {summary.get('seconds', '-')} 秒", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    heading = FontFace(emphasis="NONE", fill_color=(225, 232, 240))
    kpis = kpi_table(result)
    with pdf.table(col_widths=(60, 40, 40, 40), line_height=5, headings_style=heading,
                   text_align=("LEFT", "CENTER", "CENTER", "CENTER")) as table:
        table.row(("指标", "现状", "方案实施后", "变化"))
        for row in kpis.itertuples(index=False):
            table.row(tuple("-" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in row))
    pdf.ln(2)
    png = draw_scenario_png(result, roads=roads, schools=schools, posts=posts)
    pdf.image(io.BytesIO(png), x=12, w=186, h=100)
    pdf.ln(1)
    pdf.set_font(FONT, size=8)
    pdf.cell(0, 4.5, "图例：★ 拟建点位（编号）　■ 现有警务点　蓝色面 新点位可达范围　● 学校（绿 良好 / 橙 薄弱 / 红 严重薄弱）",
             new_x="LMARGIN", new_y="NEXT")
    props = proposals_table(result).head(8)
    if len(props):
        cols = [c for c in ("编号", "名称", "新增可达学校", "学校", "警力", "新覆盖盲区(平方米)") if c in props.columns][:3]
        pdf.set_font(FONT, size=8)
        with pdf.table(col_widths=(30, 40, 116)[:len(cols)], line_height=4.5, headings_style=heading) as table:
            table.row(tuple(cols))
            for row in props[cols].itertuples(index=False):
                table.row(tuple(str(v)[:90] for v in row))
    changes = changes_table(result).head(8)
    if len(changes) and pdf.get_y() < 250:
        pdf.ln(1.5)
        with pdf.table(col_widths=(70, 30, 30, 28, 28), line_height=4.5, headings_style=heading) as table:
            table.row(("等级变化的学校", "原等级", "新等级", "原得分", "新得分"))
            for row in changes.itertuples(index=False):
                table.row((str(row[0])[:30], str(row[1]), str(row[2]), f"{row[3]:.0f}", f"{row[4]:.0f}"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_scenario_files(result: Mapping[str, Any], out_dir: Path | str, *, name: str = "",
                         area_name: str = "", roads: gpd.GeoDataFrame | None = None,
                         schools: gpd.GeoDataFrame | None = None, posts: gpd.GeoDataFrame | None = None,
                         generated_at: str = "") -> dict[str, Path]:
    """``proposals.geojson``, ``summary.json``, ``scenario.xlsx`` and ``scenario.pdf`` in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.get("summary") or {}, ensure_ascii=False, indent=2), encoding="utf-8")
    return {
        "geojson": write_scenario_geojson(result, out / "proposals.geojson"),
        "summary": summary,
        "xlsx": write_scenario_xlsx(result, out / "scenario.xlsx", name=name),
        "pdf": write_scenario_pdf(result, out / "scenario.pdf", name=name, area_name=area_name, roads=roads,
                                  schools=schools, posts=posts, generated_at=generated_at),
    }
