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
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont
from shapely.geometry import Point

from gis.config import DATA_DIR
from gis.reports.routemap import draw_route_png, unit_colour
from gis.routing.build import BELL_ZH
from gis.routing.plan import PatrolPlan
from gis.timewindows import format_clock, format_window

FONT_PATH = DATA_DIR / "fonts" / "NotoSansCJKsc-Regular.otf"   # full Noto Sans CJK SC: all of GB 18030-2005
FAST_FONT_PATH = DATA_DIR / "fonts" / "NotoSansCJKsc-Regular-GBK.otf"   # its GBK subset (chart labels)
FONT = "NotoSansCJKsc"
ATTRIBUTION = "© OpenStreetMap contributors"
MISSING_GLYPH = "□"        # shown for a character the font lacks, instead of dropping it silently
NAME_CHARS = 60            # longest place name printed in the table (then "…")
TEXT_CHARS = 160           # longest other cell / header text


@functools.lru_cache(maxsize=2)
def _parsed_font(path: str) -> tuple[TTFFont, bytes]:
    """The font parsed once per process: fpdf2's ``TTFFont`` (cmap, widths, glyph ids, descriptor;
    about 3 s for the full face) and the raw bytes of the tables the per-document subset needs.

    For a CID-keyed CFF font (ours) fpdf2 embeds only the subset ``CFF `` table, so the tables
    kept are ``CFF `` and the small header tables; copying them raw (no decompiling) takes
    about 0.2 s and makes each document's subset about 0.2 s instead of 3 s (no ``hmtx``,
    ``vmtx``, ``cmap`` or layout tables decompiled per document). Any other font keeps all its
    tables.
    """
    from fontTools.ttLib.sfnt import SFNTReader, SFNTWriter

    template = TTFFont(FPDF(), Path(path), FONT.lower(), "")
    template.ttfont.close()
    with open(path, "rb") as fh:
        reader = SFNTReader(fh)
        cff = template.is_cff and template.is_cid_keyed
        tags = [t for t in reader.tables if t in _CFF_TABLES or not cff]
        buf = io.BytesIO()
        writer = SFNTWriter(buf, len(tags), reader.sfntVersion)
        for tag in tags:
            writer[tag] = reader[tag]
        writer.close()
    return template, buf.getvalue()


_CFF_TABLES = {"CFF ", "head", "hhea", "maxp", "post", "name"}


class _CffOnlyFont(TTFont):
    """The per-document font of a CID-keyed CFF face: fpdf2 embeds only its compiled ``CFF ``
    table (``CIDFontType0C``) and discards the whole-font file it saves first, so saving is
    skipped (it compiled the CFF a second time). Bounding boxes are not recalculated either
    (``recalcBBoxes=False``: the face's own box stays, as in the descriptor)."""

    def save(self, file, reorderTables=True):  # noqa: ARG002, N803  (fontTools' signature)
        return None


def font_codepoints(path: str = str(FONT_PATH)) -> frozenset[int]:
    """The code points the PDF font draws (its cmap)."""
    return _codepoints(path)


@functools.lru_cache(maxsize=2)
def _codepoints(path: str) -> frozenset[int]:
    return frozenset(_parsed_font(path)[0].cmap)


def warm_font(path: Path = FONT_PATH) -> None:
    """Parse the PDF font now (before forking writers, or at app start)."""
    _parsed_font(str(path))


def add_cached_font(pdf: FPDF, *, family: str = FONT, path: Path = FONT_PATH) -> None:
    """Give ``pdf`` the font ``family`` from the per-process parse (see :func:`_parsed_font`):
    the parsed metrics are shared, the document gets its own subset state and its own
    fontTools object to subset at output (fpdf2 subsets that object in place)."""
    from fpdf.fonts import SubsetMap

    template, data = _parsed_font(str(path))
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(template, slot):
            setattr(font, slot, getattr(template, slot))
    font.i = len(pdf.fonts) + 1
    font.fontkey = family.lower()
    cff_only = template.is_cff and template.is_cid_keyed
    font.ttfont = (_CffOnlyFont if cff_only else TTFont)(io.BytesIO(data), recalcTimestamp=False,
                                                         recalcBBoxes=not cff_only, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


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
    """An A4 portrait document with the CJK font (``font``, default the full GB 18030 face; a
    subset of it embedded) and a footer (shared by route sheets, monthly reports, meeting packs
    and scenario sheets). The font is parsed once per process (:func:`add_cached_font`)."""
    pdf = _Document(orientation="P", unit="mm", format="A4")
    add_cached_font(pdf, path=font)
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
    pdf = new_pdf(footer)
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
