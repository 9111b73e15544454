"""巡逻路线单: one A4 PDF per unit, in Chinese, with the vendored CJK font embedded (subset).

Header (unit, post, date, window), an offline map of the route with numbered stops, the
table 序号 / 地点 / 预计到达 / 停留 / 任务 / 签到, and a footer with the generation time, the
data version and "© OpenStreetMap contributors".
"""

from __future__ import annotations

import functools
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

FONT_PATH = DATA_DIR / "fonts" / "NotoSansCJKsc-Regular.otf"   # full Noto Sans CJK SC: all of GB 18030-2005
FAST_FONT_PATH = DATA_DIR / "fonts" / "NotoSansCJKsc-Regular-GBK.otf"   # its GBK subset, quicker to embed
FONT = "NotoSansCJKsc"
ATTRIBUTION = "© OpenStreetMap contributors"
MISSING_GLYPH = "□"        # shown for a character the font lacks, instead of dropping it silently
NAME_CHARS = 60            # longest place name printed in the table (then "…")
TEXT_CHARS = 160           # longest other cell / header text


@functools.lru_cache(maxsize=2)
def font_codepoints(path: str = str(FONT_PATH)) -> frozenset[int]:
    """The code points the PDF font draws (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def font_for(texts) -> Path:
    """The font file to embed for these strings: the GBK subset when it draws every character
    (it embeds about twice as fast), else the full font."""
    fast = font_codepoints(str(FAST_FONT_PATH)) if FAST_FONT_PATH.exists() else frozenset()
    if fast and all(ord(ch) in fast for text in texts for ch in str(text)):
        return FAST_FONT_PATH
    return FONT_PATH


def printable(text: object, limit: int = TEXT_CHARS) -> str:
    """Text as the sheet prints it: shortened with "…" past ``limit`` characters (so no table
    row outgrows the page), and any character the font cannot draw shown as "□"."""
    text = " ".join(str(text or "").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    covered = font_codepoints()
    return "".join(ch if ord(ch) in covered else MISSING_GLYPH for ch in text)


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7.5)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.footer_text, align="L")
        self.cell(0, 5, f"第 {self.page_no()} 页", align="R", new_x="LMARGIN")
        self.set_text_color(0, 0, 0)


def new_pdf(footer: str, *, font: Path = FONT_PATH) -> _Document:
    """An A4 portrait document with the CJK font (``font``: the file to embed) and a footer
    (shared by route sheets, monthly reports, meeting packs and scenario sheets)."""
    pdf = _Document(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, fname=str(font))
    pdf.footer_text = footer
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(12, 12, 12)
    pdf.set_creator("护校安园态势图")
    return pdf


def _unit_title(plan: PatrolPlan, k: int) -> str:
    unit = plan.problem.units[plan.solution.routes[k].unit]
    return printable(f"{unit.name}（{plan.problem.depots[unit.depot].name}）")


def sheet_rows(plan: PatrolPlan, k: int) -> list[tuple[str, str, str, str, str, str]]:
    """Table rows of unit ``k``: departure, each stop, return."""
    p, route = plan.problem, plan.solution.routes[k]
    post = printable(p.depots[p.units[route.unit].depot].name, NAME_CHARS)
    rows = [("出发", post, format_clock(route.leave), "", "从警务点出发", "")]
    for seq, v in enumerate(route.visits, start=1):
        stop = p.stops[v.stop]
        task = f"{stop.task_zh}；到达时段 {format_window((stop.tw_early, stop.tw_late))}"
        if v.wait:
            task += f"；提前到达候 {round(v.wait / 60)} 分钟"
        rows.append((str(seq), printable(stop.name, NAME_CHARS), format_clock(v.arrival),
                     f"{round((v.departure - v.start) / 60)} 分钟", printable(task), ""))
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
    title = printable(f"{printable(area_name, 30)}护校安园 高峰巡逻路线单".strip())
    who = (f"单位：{printable(unit.name, 40)}　出发点：{printable(depot.name, NAME_CHARS)}　"
           f"日期：{printable(plan.duty_date, 20)}")
    rows = sheet_rows(plan, k)
    pdf = new_pdf(footer, font=font_for([title, who, footer, *(c for row in rows for c in row)]))
    pdf.add_page()
    pdf.set_font(FONT, size=17)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10.5)
    bell = BELL_ZH.get(p.meta.get("bell"), "")
    pdf.multi_cell(0, 6.5, who, new_x="LMARGIN", new_y="NEXT")
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
        for cells in rows:
            table.row(cells)
    pdf.ln(3)
    pdf.set_font(FONT, size=8.5)
    pdf.multi_cell(0, 5, "说明：预计到达时间按高峰车速计算，须在到达时段内到校门口；遇警情服从指挥中心调度。"
                   "签到栏由带队民警签名并填写实际到达时间。")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
