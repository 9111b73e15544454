"""Issue 10 class 10: route sheets survive long names and print every GB 18030 character.

The vendored PDF font is the full Noto Sans CJK SC; a glyph missing from it fails here
(checked on the font's own cmap with fontTools), and a character still outside it is printed
as "□" instead of vanishing.
"""

from __future__ import annotations

import shutil
import subprocess

import geopandas as gpd
import pytest
from fontTools.ttLib import TTFont
from shapely.geometry import MultiPoint, Point

from gis.reports import write_route_sheets
from gis.reports.sheets import FAST_FONT_PATH, FONT_PATH, MISSING_GLYPH, font_codepoints, printable

RARE = "𠮷㙍䶮"     # Ext-B U+20BB7, Ext-A U+364D, Ext-A U+4DAE: outside GBK
TEST_TEXT = f"贵溪市{RARE}小学 护校安园 高峰巡逻路线单 ①②③ —…“”（）《》。，、 ABC abc 0123 ℃ №"


@pytest.fixture(scope="module")
def cmap() -> dict[int, str]:
    with TTFont(FONT_PATH, lazy=True) as font:
        return font.getBestCmap()


def test_pdf_font_has_every_glyph_of_the_test_string(cmap):
    missing = [f"{c} U+{ord(c):04X}" for c in TEST_TEXT if c != " " and ord(c) not in cmap]
    assert not missing, f"PDF font lacks {missing}"


def test_pdf_font_covers_gb18030_hanzi(cmap):
    """GB 18030-2005's hanzi: the URO (U+4E00–9FA5) and Ext-A (U+3400–4DB5), all of them."""
    wanted = [*range(0x4E00, 0x9FA6), *range(0x3400, 0x4DB6)]
    missing = [f"U+{cp:04X}" for cp in wanted if cp not in cmap]
    assert not missing, f"{len(missing)} GB 18030 hanzi missing, e.g. {missing[:10]}"
    assert sum(1 for cp in cmap if 0x20000 <= cp <= 0x2FFFF) > 100    # some Ext-B too (𠮷 …)


def test_the_gbk_subset_really_lacks_them():
    """Why every PDF embeds (a subset of) the full face, not the GBK file."""
    with TTFont(FAST_FONT_PATH, lazy=True) as font:
        gbk = font.getBestCmap()
    assert all(ord(c) not in gbk for c in RARE)
    assert all(ord(c) in font_codepoints() for c in RARE)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils missing")
def test_font_parsed_once_and_each_document_embeds_its_own_subset(tmp_path):
    """The face is parsed once per process; each document still gets a fresh subset of it:
    both PDFs' text extracts and each embeds a small subset."""
    from gis.reports.sheets import FONT, _parsed_font, new_pdf

    texts = [f"城关{RARE}小学 第一份", "城南派出所 整改通知书 第二份"]
    paths = []
    for k, text in enumerate(texts):
        pdf = new_pdf("页脚")
        pdf.add_page()
        pdf.set_font(FONT, size=12)
        pdf.cell(0, 8, text)
        paths.append(pdf.output(str(tmp_path / f"d{k}.pdf")) or tmp_path / f"d{k}.pdf")
    assert _parsed_font.cache_info().currsize >= 1 and _parsed_font.cache_info().hits >= 1
    for path, text in zip(paths, texts, strict=True):
        assert text.replace(" ", "") in _text(path).replace(" ", "")
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()
        row = next(line for line in fonts if "NotoSansCJK" in line)
        assert row.split()[0].startswith("MPDFAA+") and row.split()[-5:-2] == ["yes", "yes", "yes"]
        assert path.stat().st_size < 200_000      # a small subset, not the 16 MB face


def test_printable_shortens_and_marks_missing_glyphs():
    assert printable("长" * 1000, 60) == "长" * 59 + "…"
    assert printable("a\u0378b") == f"a{MISSING_GLYPH}b"     # an unassigned code point
    assert printable(RARE) == RARE


def _plan(names: list[str], units: int = 2):
    from test_reports_sheets import StraightTravel

    from gis.routing.plan import plan_patrols

    n = len(names)
    schools = gpd.GeoDataFrame({"id": [f"s{k}" for k in range(n)], "name": names, "kind": ["primary"] * n},
                               geometry=[MultiPoint([(117.20 + 0.006 * k, 28.25)]) for k in range(n)],
                               crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": ["p1"], "name": ["城" * 300 + "派出所"], "kind": ["station"],
                              "vehicles": [units]}, geometry=[Point(117.205, 28.245)], crs="EPSG:4326")
    return plan_patrols({"schools": schools, "police_posts": posts}, travel=StraightTravel(),
                        window="am", units=units, time_limit=1, seed=3)


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_long_names_and_rare_characters_on_route_sheets(tmp_path):
    names = ["第一" + "实验" * 499 + "小学", f"城关{RARE}小学", "城南小学", "城北小学"]
    assert len(names[0]) == 1002
    plan = _plan(names)
    files = write_route_sheets(plan, tmp_path)
    busy = [r for r in plan.solution.routes if r.visits]
    assert len(files["pdf"]) == len(busy) >= 1       # every unit with stops got its sheet
    text = "".join(_text(p) for p in files["pdf"])
    assert "…" in text                               # the long names were shortened, not dropped
    served = {plan.problem.stops[v.stop].name for r in busy for v in r.visits}
    assert names[1] in served and names[0] in served
    assert RARE in text.replace(" ", "")             # printed, not silently lost
    fonts = subprocess.run(["pdffonts", str(files["pdf"][0])], capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts and "yes" in fonts  # embedded (subset)
