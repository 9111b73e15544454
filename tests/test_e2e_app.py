"""End to end: the real Streamlit server on the guixi demo, driven by headless Chromium.

Every network request of every page (main frame and the map's component frame) is
recorded; any request that is not to this host fails the test, as does any console
error. The map must be drawn (a ``.leaflet-container`` with SVG paths) and the KPI tiles
visible. Screenshots of the overview and the wall display (1920×1080 and 3840×2160) are
saved under ``tests/artifacts/`` for a human to look at.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from signin import browser_sign_in

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
STREAMLIT_PROBE = re.compile(r"^http://127\.0\.0\.1:\d+/[a-z]+/_stcore/(health|host-config)$")

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SERVER_DB: dict[str, str] = {}  # server URL → its database URL


@pytest.fixture(scope="module")
def server(start_app):
    """The app on a copy of the demo database, rotating and refreshing every 3 s."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url, db_url = start_app(config_toml="[app]\nwall_rotate_s = 3\nwall_refresh_s = 3\n",
                            log=ARTIFACTS / "e2e_server.log")
    SERVER_DB[url] = db_url
    return url


class Recorder:
    """Every request and console error of one browser context."""

    def __init__(self, context) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        context.on("request", lambda req: self.requests.append(req.url))

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        # Streamlit's frontend, opened on a page path such as /gaps, first probes
        # /gaps/_stcore/health and /gaps/_stcore/host-config in case /gaps is the base URL
        # path, gets 404 and falls back to /_stcore/…: its own probe, not an app error.
        if msg.text.startswith("Failed to load resource") and STREAMLIT_PROBE.search(where):
            return
        self.errors.append(f"{msg.text} [{where}]")

    def external(self) -> list[str]:
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


def _open(browser, url: str, *, width: int = 1920, height: int = 1080, sign_in: bool = True):
    """A fresh browser context on ``url``, signed in as the demo planner there (the app then
    shows the page the URL asked for)."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    rec = Recorder(context)
    page = context.new_page()
    rec.watch(page)
    page.goto(url, wait_until="domcontentloaded")
    if sign_in:
        browser_sign_in(page)
    return context, page, rec


def _wait_map(page, *, min_paths: int = 10) -> int:
    """Wait for the map frame to draw; return the number of SVG paths on the map."""
    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(state="visible", timeout=60_000)
    paths = frame.locator(".leaflet-overlay-pane svg path")
    deadline = time.monotonic() + 30
    while paths.count() < min_paths and time.monotonic() < deadline:
        time.sleep(0.3)
    return paths.count()


def _settle(page, seconds: float = 2.5) -> None:
    page.wait_for_timeout(int(seconds * 1000))


def _check_clean(rec: Recorder) -> None:
    assert rec.requests, "no requests recorded at all"
    assert rec.external() == [], f"requests left the host: {rec.external()}"
    assert rec.errors == [], f"console errors: {rec.errors}"


def test_server_start_asks_no_outside_service(server):
    """Headless Streamlit looks up this machine's external IP on an outside service unless
    ``browser.serverAddress`` is set; on the offline intranet that must never happen."""
    log = (ARTIFACTS / "e2e_server.log").read_text(encoding="utf-8")
    assert "You can now view your Streamlit app" in log
    assert "external IP" not in log and "External URL" not in log


def test_first_visit_to_a_page_url_gets_the_app_shell(server, browser):
    """A fresh server's first visitor opens a page URL: app.py must still wrap the page (not
    the old pages/-directory mode with Streamlit's automatic page list and no sidebar)."""
    context, page, rec = _open(browser, server + "/data")
    try:
        page.get_by_role("heading", name="数据管理").wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("护校安园态势图").wait_for(timeout=30_000)
        assert sidebar.get_by_text("态势总览").count() == 1
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # no automatic page list
        _check_clean(rec)
    finally:
        context.close()


def test_overview_draws_map_and_kpis_offline(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, rec = _open(browser, server + "/")
    try:
        page.wait_for_selector(".hx-kpi", timeout=60_000)
        assert page.locator(".hx-kpi").count() == 5   # the fifth: rectification notices (demo has some)
        assert page.locator(".hx-kpi").first.is_visible()
        assert "整改通知书" in page.locator(".hx-kpis").inner_text()
        n_paths = _wait_map(page)
        assert n_paths >= 10, f"map has only {n_paths} paths (roads, schools)"
        frame = page.frame_locator(MAP_FRAME)
        assert frame.locator(".hx-divicon").count() > 0  # posts and risk badges
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        assert "OpenStreetMap contributors" in attribution
        assert "薄弱校园" in page.locator(".hx-kpis").inner_text()
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / "overview_1920x1080.png"))
        _check_clean(rec)
        # the vendored Leaflet came from the app itself
        assert any(u.endswith("/app/static/vendor/leaflet-1.9.4/leaflet.js") for u in rec.requests)
        # the language switch turns the page and the navigation into English
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name="Overview").wait_for(timeout=30_000)
        page.get_by_text("Coverage gaps", exact=True).wait_for(timeout=30_000)
        page.locator(".hx-kpis", has_text="Weak campuses").wait_for(timeout=30_000)  # tiles rerender after the switch
        _check_clean(rec)
    finally:
        context.close()


@pytest.mark.parametrize("path,title,has_map", [
    ("/gaps", "覆盖缺口", True), ("/patrol", "巡逻路线", False), ("/data", "数据管理", False)])
def test_other_pages_render_offline(server, browser, path, title, has_map):
    context, page, rec = _open(browser, server + path)
    try:
        page.get_by_role("heading", name=title).wait_for(timeout=60_000)
        if has_map:
            assert _wait_map(page) >= 10
        if path == "/gaps":
            # select the weakest school (first row's checkbox): the map focuses on it
            grid = page.locator('[data-testid="stDataFrame"]').bounding_box()
            page.mouse.click(grid["x"] + 15, grid["y"] + 52)
            page.get_by_text("最近警务点路网到达").wait_for(timeout=60_000)
            frame = page.frame_locator(MAP_FRAME)
            routes = frame.locator('.leaflet-overlay-pane path[stroke-width="5"]')
            deadline = time.monotonic() + 30
            while routes.count() == 0 and time.monotonic() < deadline:
                time.sleep(0.3)
            assert routes.count() >= 1, "no route drawn to the selected school"
        _settle(page, 1.5)
        _check_clean(rec)
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
def test_wall_display_full_screen_rotates_offline(server, browser, width, height):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, rec = _open(browser, server + f"/?view=wall&kiosk={_kiosk_token(server)}", width=width,
                               height=height, sign_in=False)
    try:
        page.wait_for_selector(".hx-kpi", timeout=60_000)
        assert page.locator(".hx-kpi").count() == 5
        assert "数据更新时间" in page.locator(".hx-wall-stamp").inner_text()
        assert _wait_map(page) >= 10
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        # the map fills the screen below the tiles
        box = page.locator(MAP_FRAME).bounding_box()
        assert box["height"] > 0.7 * height and box["width"] > 0.9 * width
        assert box["y"] + box["height"] <= height + 1, "the map runs off the bottom of the screen"
        frame = page.frame_locator(MAP_FRAME)
        focus = frame.locator(".hx-focus")
        focus.wait_for(timeout=30_000)
        first = focus.get_attribute("data-stop")
        deadline = time.monotonic() + 8  # wall_rotate_s = 3 in this test's config
        while focus.get_attribute("data-stop") == first and time.monotonic() < deadline:
            time.sleep(0.2)
        assert focus.get_attribute("data-stop") != first, "focus did not rotate"
        _settle(page, 1.7)  # the fly-to takes 1.2 s; shoot before the next stop
        page.screenshot(path=str(ARTIFACTS / f"wall_{width}x{height}.png"))
        if width == 1920:
            _refresh_keeps_the_map_and_shows_new_data(page, SERVER_DB[server])
        _check_clean(rec)
    finally:
        context.close()


def _kiosk_token(server: str) -> str:
    """A wall-display token issued as `python -m gis user kiosk` does."""
    from gis.auth.accounts import issue_kiosk_token
    from gis.store import open_store

    store = open_store(SERVER_DB[server])
    try:
        return issue_kiosk_token(store, "e2e-wall")
    finally:
        store.close()


def _refresh_keeps_the_map_and_shows_new_data(page, db_url: str) -> None:
    """wall_refresh_s = 3: an unchanged refresh must not reload the map; new data must show."""
    map_window = page.locator(MAP_FRAME).element_handle().content_frame()
    map_window.evaluate("window.__hxMark = 42")
    _settle(page, 4.0)
    still = page.locator(MAP_FRAME).element_handle().content_frame()
    assert still.evaluate("window.__hxMark") == 42, "the map was reloaded by the refresh"
    # a planner adds a school elsewhere: the tile follows within one refresh, nobody reloads
    import geopandas as gpd
    from shapely.geometry import MultiPoint

    from gis.store import open_store

    store = open_store(db_url)
    try:
        before = len(store.read_layer("schools"))
        school = gpd.GeoDataFrame({"id": ["e2e-new-school"], "name": ["端到端测试小学"], "kind": ["primary"]},
                                  geometry=[MultiPoint([(117.2200, 28.3000)])], crs="EPSG:4326")
        store.write_layer("schools", school.rename_geometry("gates"), source="e2e-test", actor="e2e")
    finally:
        store.close()
    first_tile = page.locator(".hx-kpi-value").first
    deadline = time.monotonic() + 20
    while first_tile.inner_text() != str(before + 1) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert first_tile.inner_text() == str(before + 1), "the wall did not pick up the new school"
