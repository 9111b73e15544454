"""The map at county scale (the generated county, 1,000 schools): light and legible.

- the overview's payload, asserted as a size from the rendered map HTML (what
  streamlit-folium sends on a page view, also as the ASCII JSON Streamlit puts on the
  websocket), stays within 2 MB and still holds every school;
- in the real app in Chromium, the schools aggregate at county zoom (clusters whose counts
  add up to every school) and appear one by one, with their popup, after zooming in; police
  posts merge where their badges touch; camera sectors are clusters of camera positions at
  county zoom and sectors only when zoomed in.
Timings are measured by bench/bench_app_scale.py, never here.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from signin import ensure_account, open_signed_in

from gis.config import load_settings
from gis.coverage import assess_campuses, coverage_map_layers
from gis.demo_county import load_county
from gis.network import load_road_graph
from gis.store import open_store
from gis.viz import maps, style
from gis.viz.pack import inflate_script, pack_layer, unzip_text

SCHOOLS = 1000
BUDGET = 2_000_000  # bytes per overview page view
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CAMERA_FILLS = [style.CAMERA_STYLE[k]["fillColor"] for k in ("networked", "local", "broken")]


@pytest.fixture(scope="module")
def own_browser():
    """Chromium for this module only (closed at its end, so modules after it may start their own
    Playwright; the session-wide ``browser`` would stay open and stop them)."""
    from conftest import CHROMIUM, CHROMIUM_ARGS, IN_CI

    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("CI=true: browser tests must run, but chromium is not installed")
        pytest.skip("chromium not installed (bash scripts/install_test_deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def county_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("county") / "county.db"
    store = open_store(f"sqlite:///{path}")
    load_county(store, schools=SCHOOLS, records=False)  # the map's layers; records cost 20 s
    layers = store.read_layers()
    store.close()
    return path, layers


@pytest.fixture(scope="module")
def overview(county_db):
    _, layers = county_db
    settings = load_settings()
    graph = load_road_graph(layers["roads"], settings=settings)
    table = assess_campuses(layers, graph=graph, settings=settings).drop(columns="geometry")
    cover = coverage_map_layers(layers, settings=settings)
    colls = maps.thematic_collections(layers, table, cover=cover, lang="zh")
    bm = maps.build_basemap(roads=layers["roads"], water=None, schools=layers["schools"],
                            posts=layers["police_posts"])
    return layers, table, colls, bm


def _overview_map(bm):
    m = maps.new_map(bm.bounds)
    maps.add_basemap(m, bm)
    maps.add_legend(m, "zh")
    return m


def test_overview_payload_within_budget_at_1000_schools(overview):
    layers, table, colls, bm = overview
    size = maps.map_payload_bytes(_overview_map(bm), maps.overview_groups(colls, maps.DEFAULT_LAYERS))
    assert size <= BUDGET, f"overview map is {size / 1e6:.2f} MB"
    # what Streamlit puts on the websocket: the same text as ASCII JSON (a Chinese character
    # as \uXXXX, a quote as \"); the big layers travel deflated, so this stays in budget too
    m = _overview_map(bm)
    for group in maps.overview_groups(colls, maps.DEFAULT_LAYERS):
        group.add_to(m)
    page = m.get_root().render()
    wire = len(json.dumps(page))
    assert wire <= BUDGET, f"overview map is {wire / 1e6:.2f} MB on the websocket"
    # the deflated layers hold the same packed JSON the browser would otherwise have received
    assert "hxInflate(" in page
    inflated = inflate_script(page)
    assert "hxInflate(" in inflated and 'hxInflate("' not in inflated
    for name in ("schools", "crossings", "risks"):
        layer = pack_layer(colls[name])
        assert layer.zipped and unzip_text(layer.zipped) == layer.json and layer.json in inflated
    # nothing was dropped to get there: every school, crossing and risk site is in the page
    packed = {name: pack_layer(colls[name]) for name in maps.DEFAULT_LAYERS}
    assert packed["schools"].n == SCHOOLS
    assert packed["crossings"].n == len(layers["crossings"])
    assert packed["risks"].n == len(layers["risk_sites"])
    # the plain GeoJSON of the same layers (what the map shipped before packing) is far bigger
    plain = sum(len(json.dumps(colls[name]).encode()) for name in maps.DEFAULT_LAYERS)
    plain += len(json.dumps(bm.roads).encode()) + len(json.dumps(bm.casing).encode())
    assert plain > 4 * size


def test_packed_popups_rebuild_exactly_and_stay_escaped(overview):
    _, _, colls, _ = overview
    from gis.viz.pack import pack_collection

    packed = pack_collection(colls["schools"])
    words = packed["d"]
    for k in (0, 17, 999):
        parts = packed["p"][k]
        html = "".join(words[x] if isinstance(x, int) else x for x in parts)
        assert html == colls["schools"]["features"][k]["properties"]["_popup"]
    # coordinates survive quantisation to about a metre
    q, (ox, oy) = packed["q"], packed["o"]
    x, y = packed["g"][999]
    lon, lat = colls["schools"]["features"][999]["geometry"]["coordinates"]
    assert abs((x + ox) / q - lon) < 1e-5 and abs((y + oy) / q - lat) < 1e-5


def test_camera_layer_swaps_to_clusters_and_stays_light(overview):
    _, _, colls, bm = overview
    size = maps.map_payload_bytes(_overview_map(bm), maps.overview_groups(colls, ("cameras",)))
    assert size <= BUDGET
    html = _overview_map(bm)
    maps.overview_groups(colls, ("cameras",))[0].add_to(html)
    assert "hxZoomSwap" in html.get_root().render()


@pytest.fixture(scope="module")
def county_app(county_db, start_app):
    """The real app serving the county (one server for this module), demo_planner ready."""
    path, _ = county_db
    url, db = start_app(database=str(path))
    ensure_account(db)
    return url, db


@pytest.mark.slow
def test_eight_sessions_at_once_each_get_the_one_shared_map(county_app, overview):
    """A meeting room: eight people, each signed in with an account of their own, open the
    overview at the same moment on a server that has not drawn it yet (Streamlit's protocol,
    no browser: ``tests/streamlit_client.py``). Each gets the whole map and no error; it is one
    map for all of them, built once on the server, not a copy per session. And where the app is
    served, a page view does not end in a walk of the whole heap (``[runner] postScriptGC``).
    How long it takes is measured by bench/bench_app_scale.py."""
    import asyncio

    from streamlit import config as st_config
    from streamlit_client import open_page

    from gis.auth import accounts
    from gis.auth.config import AuthConfig

    url, db = county_app
    store = open_store(db)
    try:
        tokens = []
        for k in range(8):
            accounts.create_account(store, f"meeting{k}", role="viewer", password="Room#2026meeting",
                                    config=AuthConfig(), must_change=False)
            tokens.append(accounts.authenticate(store, f"meeting{k}", "Room#2026meeting", address="127.0.0.1",
                                                config=AuthConfig()).token)
    finally:
        store.close()

    async def room():
        return await asyncio.gather(*(open_page(url, token=t, timeout=240) for t in tokens))

    views = asyncio.run(room())
    assert all(v.map_s != float("inf") and not v.exceptions for v in views), [v.exceptions for v in views]
    assert len({v.map_args["key"] for v in views}) == 1
    assert len({v.map_args["script"] for v in views}) == 1
    # every school is on it, where the map built here from the same data puts them
    served = inflate_script(views[0].map_args["script"] + (views[0].map_args["feature_group"] or ""))
    decoder = json.JSONDecoder()
    layers = [decoder.raw_decode(served, m.end())[0] for m in re.finditer(r"hxInflate\(", served)]
    schools = json.loads(pack_layer(overview[2]["schools"]).json)
    assert any(layer.get("g") == schools["g"] for layer in layers) and len(schools["g"]) == SCHOOLS
    assert views[0].nbytes < BUDGET + 600_000   # the page view and every file the map links
    st_config.get_config_options(force_reparse=True)   # .streamlit/config.toml, as the server reads it
    assert st_config.get_option("runner.postScriptGC") is False


@pytest.mark.browser
@pytest.mark.slow
def test_county_map_aggregates_then_shows_schools_when_zoomed_in(county_db, overview, county_app,
                                                                  own_browser):
    _, layers = county_db
    url, _ = county_app
    context, page, errors = open_signed_in(own_browser, url)
    try:
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(".hx-cluster-schools").first.wait_for(state="visible", timeout=120_000)
        time.sleep(1.5)
        counts = [int(t) for t in frame.locator(".hx-cluster-schools .hx-cluster-in").all_inner_texts()]
        singles = frame.locator(".leaflet-hxTop-pane path").count()
        # county zoom: far fewer symbols than schools, and together they hold every school
        assert len(counts) >= 10 and singles < 100
        assert sum(counts) + singles == SCHOOLS
        assert len(counts) + singles < SCHOOLS / 4
        # crossings and risk sites thin out the same way
        assert frame.locator(".hx-cluster-crossings").count() > 0
        assert frame.locator(".hx-cluster-risks").count() > 0
        # police posts merge where their badges touch (a town centre), under the schools; no
        # cluster of posts, crossings or risks is drawn above the schools' clusters
        assert frame.locator(".leaflet-marker-pane .hx-cluster-posts, .leaflet-marker-pane "
                             ".hx-cluster-crossings, .leaflet-marker-pane .hx-cluster-risks").count() == 0
        n_posts = len(layers["police_posts"])
        post_counts = [int(t) for t in frame.locator(".leaflet-hxLow-pane .hx-cluster-posts .hx-cluster-in")
                       .all_inner_texts()]
        glyphs = {g for _, g in style.POST_STYLE.values()}
        post_singles = sum(t.strip() in glyphs for t in frame.locator(".hx-divicon .hx-badge").all_inner_texts())
        assert post_counts and sum(post_counts) + post_singles == n_posts
        assert len(post_counts) + post_singles < n_posts
        # zoom in on one school: the clusters open into individual schools with popups
        gate = layers["schools"].geometry.iloc[0].geoms[0]
        map_frame = next(f for f in page.frames if "streamlit_folium" in f.url)
        map_frame.evaluate(f"() => map_div.setView([{gate.y}, {gate.x}], 16, {{animate: false}})")
        time.sleep(1.5)
        assert frame.locator(".hx-cluster-schools").count() == 0
        circles = frame.locator(".leaflet-hxTop-pane path")
        assert circles.count() >= 1
        map_frame.evaluate("""() => { var hit = null; map_div.eachLayer(function (l) {
            if (!hit && l.options && l.options.pane === "hxTop" && l.getPopup && l.getPopup()) { hit = l; } });
            hit.openPopup(); }""")
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(state="visible", timeout=10_000)
        assert re.search(r"演示·.+在校人数", popup.inner_text(), re.S)
        # cameras (5 a school): sectors when zoomed in, clusters of their positions at county zoom
        page.get_by_role("button", name="视频监控").click()
        sectors = frame.locator(", ".join(f'.leaflet-overlay-pane path[fill="{c}"]' for c in CAMERA_FILLS))
        deadline = time.monotonic() + 60
        while sectors.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert sectors.count() > 0 and frame.locator(".hx-cluster-cameras").count() == 0
        map_frame.evaluate(f"() => map_div.setView([{gate.y}, {gate.x}], 11, {{animate: false}})")
        time.sleep(1.5)
        assert sectors.count() == 0
        cameras = [int(t) for t in frame.locator(".hx-cluster-cameras .hx-cluster-in").all_inner_texts()]
        assert cameras and max(cameras) > 5
        assert not errors, errors
    finally:
        context.close()


def test_a_deflated_layer_stays_escaped():
    """A layer above ZIP_ABOVE travels deflated: the script holds only base64, and the inflated
    JSON is the escaped packed JSON (no data can close the script tag). The browser test above
    draws the deflated county layers in Chromium."""
    from gis.viz.elements import StyledGeoJson
    from gis.viz.pack import ZIP_ABOVE

    hostile = '</script><script>alert("x")</script>'
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.0 + k * 1e-4, 28.0]},
         "properties": {"_style": {"radius": 5}, "_tooltip": f"{hostile}{k}",
                        "_popup": f"<b>学校 {k}</b>{hostile.replace('<', '&lt;')}"}} for k in range(3000)]}
    layer = pack_layer(fc)
    assert len(layer.json.encode()) > ZIP_ABOVE and layer.zipped
    m = maps.new_map((117.0, 27.9, 117.4, 28.1))
    StyledGeoJson(layer, control=False).add_to(m)
    page = m.get_root().render()
    assert hostile not in page and "alert" not in page          # only base64 in the script
    inflated = inflate_script(page)
    assert "alert" in inflated and hostile not in inflated and "\\u003c/script\\u003e" in inflated
