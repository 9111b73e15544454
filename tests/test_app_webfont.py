"""Chinese renders on a screen with no CJK font: the app serves its own web font.

Chromium runs with ``FONTCONFIG_FILE`` pointing at a fontconfig that rejects every CJK font
(by file name and by language), so the only way Chinese can show is the WOFF2 the app
serves (``scripts/build_webfont.py``). On each page (overview, wall display, the map frame
with its legend) the test draws the page's own title text and the same number of
private-use code points (which have no glyph anywhere and always come out as the
missing-glyph box) on a canvas in the element's computed font; the two must differ. A
control drawn in plain ``sans-serif`` must come out the same (boxes), proving the browser
really has no CJK font. Then it looks at screenshots: the title element as rendered and
the same element with its text swapped for private-use code points must differ too.
Screenshots are kept in ``tests/artifacts/webfont_*.png``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from signin import browser_sign_in, kiosk_token

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
FONT_DIR = ROOT / "gis" / "ui" / "static" / "fonts"
CHROMIUM = "/usr/bin/chromium"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
FAMILY = "Huxiao Sans SC"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NO_CJK_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>{cache}</cachedir>
  <selectfont>
    <rejectfont>
      <glob>*CJK*</glob><glob>*cjk*</glob><glob>*wqy*</glob><glob>*WenQuanYi*</glob>
      <glob>*DroidSansFallback*</glob><glob>*arphic*</glob><glob>*uming*</glob><glob>*ukai*</glob>
      <glob>*SourceHan*</glob><glob>*Noto*SC*</glob><glob>*Noto*TC*</glob><glob>*Noto*JP*</glob>
      <glob>*Noto*KR*</glob><glob>*unifont*</glob>
      <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
      <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
      <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
      <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
    </rejectfont>
  </selectfont>
</fontconfig>
"""

# Draw `text` and as many private-use code points in `font`; return whether the pixels differ.
# `document.fonts.load` makes sure the web font (and the slice holding these characters) is in.
CANVAS_JS = """async ([font, text]) => {
  await document.fonts.load(font, text);
  const pua = Array.from(text).map((_, i) => String.fromCodePoint(0xE000 + i)).join("");
  await document.fonts.load(font, pua);
  const draw = (s) => {
    const c = document.createElement("canvas");
    c.width = 60 * Array.from(text).length + 40; c.height = 90;
    const g = c.getContext("2d");
    g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = "#000"; g.font = font; g.textBaseline = "top";
    g.fillText(s, 10, 10);
    return {w: g.measureText(s).width, px: Array.from(g.getImageData(0, 0, c.width, c.height).data)};
  };
  const a = draw(text), b = draw(pua);
  let diff = 0;
  for (let i = 0; i < a.px.length; i += 4) if (a.px[i] !== b.px[i]) diff++;
  return {diff, widthText: a.w, widthPua: b.w, loaded: document.fonts.check(font, text)};
}"""

ELEMENT_FONT_JS = "(el) => getComputedStyle(el).fontFamily"
RARE = "𠮷㙍䶮鎔赟"  # Ext-B, Ext-A ×2, GBK beyond GB 2312 ×2: none in the core


def CORE_CMAP() -> set[int]:  # noqa: N802 - read lazily, once per call site
    from fontTools.ttLib import TTFont

    return set(TTFont(FONT_DIR / "huxiao-sc-core.woff2").getBestCmap())


@pytest.fixture(scope="module")
def no_cjk_fontconfig(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("fontconfig")
    (d / "cache").mkdir()
    path = d / "fonts.conf"
    path.write_text(NO_CJK_FONTCONFIG.format(cache=d / "cache"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bare_browser(no_cjk_fontconfig, playwright_session):
    """Chromium that sees no CJK system font at all (launched from the session's one driver)."""
    env = {**os.environ, "FONTCONFIG_FILE": str(no_cjk_fontconfig)}
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, env=env,
                                           args=["--headless", "--no-sandbox", "--disable-gpu",
                                                 "--disable-background-networking"])
    yield b
    b.close()


SERVER_DB: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(start_app):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url, db = start_app(log=ARTIFACTS / "webfont_server.log")
    SERVER_DB[url] = db
    return url


def test_fontconfig_really_hides_cjk(no_cjk_fontconfig):
    """The environment the browser gets lists no font that covers Chinese."""
    if shutil.which("fc-list") is None:
        pytest.skip("fc-list not installed")
    env = {**os.environ, "FONTCONFIG_FILE": str(no_cjk_fontconfig)}
    out = subprocess.run(["fc-list", ":charset=4e2d", "file"], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "", f"a CJK font is still visible: {out}"


def test_font_files_are_built_and_cover_the_common_set():
    manifest = json.loads((FONT_DIR / "manifest.json").read_text(encoding="utf-8"))
    core = manifest["files"][0]
    assert core["file"] == "huxiao-sc-core.woff2" and not core["unicode_range"]
    assert core["hanzi"] >= 6763  # all of GB 2312 levels 1 and 2
    for f in manifest["files"]:
        data = (FONT_DIR / f["file"]).read_bytes()
        assert data[:4] == b"wOF2" and len(data) == f["bytes"]
    from fontTools.ttLib import TTFont

    cmap = TTFont(FONT_DIR / "huxiao-sc-core.woff2").getBestCmap()
    # the common set, the app's own strings and a demo school name
    for text in ("护校安园态势图", "所在道路与主路网不连通", "贵溪市第一中学", "，。、：（）「」", "的一是了我不人在"):
        missing = [c for c in text if ord(c) not in cmap]
        assert not missing, f"core web font lacks {missing}"
    css = (FONT_DIR / "fonts.css").read_text(encoding="utf-8")
    assert css.count("@font-face") == len(manifest["files"])
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert config.count("[[theme.fontFaces]]") == len(manifest["files"])
    assert f'font = "{FAMILY}' in config


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.int16)


def _check_element(page_or_frame, locator, *, name: str, screenshot_page) -> dict:
    """Canvas comparison in the element's own font, then screenshots with its text swapped."""
    el = locator.element_handle(timeout=60_000)
    text = el.evaluate("(el) => el.textContent.trim()")
    cjk = "".join(c for c in text if "\u3400" <= c <= "\u9fff" or ord(c) >= 0x20000)
    assert len(cjk) >= 2, f"{name}: no Chinese in {text!r}"
    family = el.evaluate(ELEMENT_FONT_JS)
    assert FAMILY in family, f"{name}: element font is {family!r}, not the app's web font"
    font = f"48px {family}"
    result = page_or_frame.evaluate(CANVAS_JS, [font, cjk])
    control = page_or_frame.evaluate(CANVAS_JS, ["48px sans-serif", cjk])
    assert control["diff"] == 0, f"{name}: a system font draws Chinese; the test would prove nothing"
    assert result["diff"] > 200, f"{name}: Chinese looks like missing-glyph boxes in {family!r}: {result}"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = el.screenshot()
    (ARTIFACTS / f"webfont_{name}.png").write_bytes(shot)
    el.evaluate("(el) => { el.dataset.hxText = el.textContent; el.textContent = Array.from(el.textContent.trim())"
                ".map((_, i) => String.fromCodePoint(0xE000 + i)).join(''); }")
    boxes = el.screenshot()
    (ARTIFACTS / f"webfont_{name}_boxes.png").write_bytes(boxes)
    el.evaluate("(el) => { el.textContent = el.dataset.hxText; }")
    a, b = _png(shot), _png(boxes)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    changed = int((np.abs(a[:h, :w] - b[:h, :w]) > 40).sum())
    assert changed > 200, f"{name}: the screenshot of {text!r} looks like missing-glyph boxes"
    screenshot_page.screenshot(path=str(ARTIFACTS / f"webfont_{name}_page.png"))
    return result


def test_overview_title_and_map_use_the_web_font(server, bare_browser):
    context = bare_browser.new_context(viewport={"width": 1600, "height": 1000}, device_scale_factor=1)
    fonts: list[str] = []
    context.on("response", lambda r: fonts.append(f"{r.status} {r.headers.get('content-type')} {r.url}")
               if r.url.endswith(".woff2") else None)
    try:
        page = context.new_page()
        page.goto(server, wait_until="domcontentloaded")
        browser_sign_in(page)
        title = page.locator("h1").filter(has_text="态势总览")
        title.wait_for(timeout=60_000)
        page.wait_for_selector(".hx-kpi", timeout=60_000)
        page.frame_locator(MAP_FRAME).locator(".hx-legend summary").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        assert any("huxiao-sc-core.woff2" in f and f.startswith("200 font/woff2") for f in fonts), fonts
        # every character the demo's overview shows is in the core: rendering it fetches no slice
        assert [f for f in fonts if "huxiao-sc-" in f and "core" not in f] == [], fonts
        # rare characters (Ext-B, Ext-A, GBK beyond GB 2312) make the browser fetch their slices
        rare = "".join(c for c in RARE if ord(c) not in CORE_CMAP())
        assert len(rare) == len(RARE)
        page.evaluate("(t) => { const d = document.createElement('h2'); d.id = 'hx-rare'; d.textContent = t;"
                      "document.querySelector('h1').after(d); }", rare)
        page.wait_for_timeout(2000)
        assert [f for f in fonts if "huxiao-sc-" in f and "core" not in f], "no slice fetched for rare hanzi"
        _check_element(page, page.locator("#hx-rare"), name="rare_hanzi", screenshot_page=page)
        _check_element(page, title, name="overview_title", screenshot_page=page)
        sidebar = page.locator('[data-testid="stSidebar"]').get_by_text("护校安园态势图").first
        _check_element(page, sidebar, name="sidebar_title", screenshot_page=page)

        page.wait_for_selector(MAP_FRAME, timeout=60_000)
        frame = page.frame_locator(MAP_FRAME)
        legend = frame.locator(".hx-legend summary").first
        legend.wait_for(timeout=60_000)
        map_frame = next(f for f in page.frames if f.url and f is not page.main_frame
                         and f.locator(".leaflet-container").count())
        # the frame's stylesheets load beside its scripts: wait for map.css before measuring
        map_frame.wait_for_function("""() => { const e = document.querySelector('.hx-legend summary');
            return e && getComputedStyle(e).fontFamily.includes('Huxiao Sans SC'); }""", timeout=30_000)
        _check_element(map_frame, legend, name="map_legend", screenshot_page=page)
        # a school's popup (built in the frame by Leaflet): open the first popup bound to a layer
        opened = map_frame.evaluate("""() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            let done = false;
            map.eachLayer(l => { if (!done && l.getPopup && l.getPopup() && l.getLatLng) {
                l.openPopup(); done = true; } });
            return done; }""")
        assert opened
        title = frame.locator(".leaflet-popup-content .hx-pop-title").first
        title.wait_for(timeout=30_000)
        _check_element(map_frame, title, name="map_popup", screenshot_page=page)
    finally:
        context.close()


def test_wall_display_uses_the_web_font(server, bare_browser):
    context = bare_browser.new_context(viewport={"width": 1920, "height": 1080}, device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(f"{server}/?view=wall&kiosk={kiosk_token(SERVER_DB[server])}", wait_until="domcontentloaded")
        title = page.locator(".hx-wall-title")
        title.wait_for(timeout=60_000)
        page.wait_for_selector(MAP_FRAME, timeout=60_000)
        page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=60_000)
        _check_element(page, title, name="wall_title", screenshot_page=page)
        label = page.locator(".hx-kpi-label").first
        _check_element(page, label, name="wall_kpi", screenshot_page=page)
    finally:
        context.close()
