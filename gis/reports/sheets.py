"""巡逻路线单: one A4 PDF per unit, in Chinese, with the vendored CJK font embedded (subset).

Header (unit, post, date, window), an offline map of the route with numbered stops, the
table 序号 / 地点 / 预计到达 / 停留 / 任务 / 签到, and a footer with the generation time, the
data version and "© OpenStreetMap contributors".
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
from fpdf import FPDF
from fpdf.fonts import FontFace
from shapely.geometry import Point

from gis.config import DATA_DIR
from gis.reports.routemap import draw_route_png, unit_colour
from gis.routing.build import BELL_ZH
from gis.routing.plan import PatrolPlan
from gis.timewindows import format_clock, format_window

FONT_PATH = DATA_DIR / "fonts" / "NotoSansCJKsc-Regular-GBK.otf"
FONT = "NotoSansCJKsc"
ATTRIBUTION = "© OpenStreetMap contributors"


class _Sheet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7.5)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.footer_text, align="L")
        self.cell(0, 5, f"第 {self.page_no()} 页", align="R", new_x="LMARGIN")


def _new_pdf(footer: str) -> _Sheet:
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, fname=str(FONT_PATH))
    pdf.footer_text = footer
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(12, 12, 12)
    pdf.set_creator("护校安园态势图")
    return pdf


def _unit_title(plan: PatrolPlan, k: int) -> str:
    unit = plan.problem.units[plan.solution.routes[k].unit]
    return f"{unit.name}（{plan.problem.depots[unit.depot].name}）"


def sheet_rows(plan: PatrolPlan, k: int) -> list[tuple[str, str, str, str, str, str]]:
    """Table rows of unit ``k``: departure, each stop, return."""
    p, route = plan.problem, plan.solution.routes[k]
    post = p.depots[p.units[route.unit].depot].name
    rows = [("出发", post, format_clock(route.leave), "", "从警务点出发", "")]
    for seq, v in enumerate(route.visits, start=1):
        stop = p.stops[v.stop]
        task = f"{stop.task_zh}；到达时段 {format_window((stop.tw_early, stop.tw_late))}"
        if v.wait:
            task += f"；提前到达候 {round(v.wait / 60)} 分钟"
        rows.append((str(seq), stop.name, format_clock(v.arrival),
                     f"{round((v.departure - v.start) / 60)} 分钟", task, ""))
    rows.append(("返回", post, format_clock(route.back), "", "返回警务点，结束巡逻", ""))
    return rows


def write_unit_pdf(plan: PatrolPlan, k: int, path: Path, *,
                   roads: gpd.GeoDataFrame | None = None, area_name: str = "") -> Path:
    """Write the A4 route sheet of unit ``k`` (index into ``plan.solution.routes``)."""
    p, route = plan.problem, plan.solution.routes[k]
    unit = p.units[route.unit]
    depot = p.depots[unit.depot]
    footer = (f"生成时间 {plan.generated_at}　数据版本 {plan.data_version or '-'}　"
              f"求解 {plan.solution.solver}　{ATTRIBUTION}")
    pdf = _new_pdf(footer)
    pdf.add_page()
    pdf.set_font(FONT, size=17)
    pdf.cell(0, 9, f"{area_name}护校安园 高峰巡逻路线单".strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10.5)
    bell = BELL_ZH.get(p.meta.get("bell"), "")
    pdf.cell(0, 6.5, f"单位：{unit.name}　出发点：{depot.name}　日期：{plan.duty_date}",
             new_x="LMARGIN", new_y="NEXT")
    busy = bool(route.visits)
    pdf.cell(0, 6.5, f"巡逻时段：{format_window(p.shift)}（{bell}高峰）　"
             + (f"出发 {format_clock(route.leave)}，返回 {format_clock(route.back)}，"
                f"点位 {len(route.visits)} 个，行驶约 {round(route.travel / 60)} 分钟"
                if busy else "本时段未安排点位"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    if busy:
        png = draw_route_png(legs=plan.legs[k], post=Point(depot.lon, depot.lat), roads=roads,
                             stops=[Point(p.stops[v.stop].lon, p.stops[v.stop].lat)
                                    for v in route.visits], colour=unit_colour(k))
        pdf.image(io.BytesIO(png), x=12, w=186, h=116)
        pdf.ln(2)
    pdf.set_font(FONT, size=9.5)
    heading = FontFace(emphasis="NONE", fill_color=(225, 232, 240))  # one weight: no bold face
    with pdf.table(col_widths=(11, 46, 17, 15, 75, 22), line_height=6, headings_style=heading,
                   text_align=("CENTER", "LEFT", "CENTER", "CENTER", "LEFT", "CENTER")) as table:
        table.row(("序号", "地点", "预计到达", "停留", "任务", "签到"))
        for cells in sheet_rows(plan, k):
            table.row(cells)
    pdf.ln(3)
    pdf.set_font(FONT, size=8.5)
    pdf.multi_cell(0, 5, "说明：预计到达时间按高峰车速计算，须在到达时段内到校门口；遇警情服从指挥中心调度。"
                   "签到栏由带队民警签名并填写实际到达时间。")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
