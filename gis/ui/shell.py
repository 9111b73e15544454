"""The app's frame: CSS, sidebar, KPI tiles, the demo notice, the map widget.

Shared by every page so pages stay short. KPI tiles are our own HTML (numbers and our
own labels only); the map goes through :func:`show_map`, which never reruns the page on
pan or zoom (``returned_objects=[]``) and swaps toggled layers in place
(``feature_group_to_add``) without reloading the map.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import folium
import folium.elements
import streamlit as st
from streamlit_folium import st_folium

from gis.ui import auth, cache
from gis.ui.i18n import current_language, language_switch, tr
from gis.viz.kpis import PEAK_LABELS, Kpis

APP_TITLE = ("护校安园态势图", "Campus Safety Map")

BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.4rem; }
.hx-kpis { display: grid; grid-auto-flow: column; grid-auto-columns: minmax(0, 1fr); gap: .8rem; margin: .2rem 0 .8rem; }
.hx-kpi { background: #ffffff; border: 1px solid #e3e6ea; border-left: 5px solid #1f4e9c; border-radius: 8px;
  padding: .55rem .9rem; box-shadow: 0 1px 2px rgba(0,0,0,.05); }
.hx-kpi-label { color: #56606b; font-size: .9rem; }
.hx-kpi-value { font-size: 1.9rem; font-weight: 700; line-height: 1.2; color: #1b2733; }
.hx-kpi-sub { color: #7a8591; font-size: .8rem; }
.hx-kpi.hx-warn { border-left-color: #f0a202; }
.hx-kpi.hx-bad { border-left-color: #d7263d; }
.hx-kpi.hx-ok { border-left-color: #2e9d5b; }
.hx-stamp { color: #7a8591; font-size: .85rem; }
</style>
"""

WALL_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stSidebarNav"], footer { display: none !important; }
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #0b1622 !important; color: #e8eef5 !important; overflow: hidden; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 1.2vh 1.2vw 0 1.2vw !important; max-width: 100% !important; }
[data-testid="stVerticalBlock"] { gap: 1vh !important; }
/* no dimming or fading while a fragment reruns: the wall must not flicker */
[data-stale="true"], .stale-element, [data-testid="stElementContainer"] {
  opacity: 1 !important; transition: none !important; }
.hx-wall-head { display: flex; justify-content: space-between; align-items: baseline; }
.hx-wall-title { font-size: 3.6vh; font-weight: 700; letter-spacing: .2vh; color: #e8eef5; }
.hx-wall-stamp { font-size: 2vh; color: #9fb3c8; }
.hx-kpis { gap: 1.2vw; margin: 0 0 .6vh 0; }
.hx-kpi { background: #12263a; border: none; border-left: .6vh solid #5fa8ff; border-radius: .8vh;
  padding: 1vh 1.2vw; box-shadow: none; }
.hx-kpi-label { color: #9fb3c8; font-size: 2vh; }
.hx-kpi-value { color: #ffffff; font-size: 5.4vh; }
.hx-kpi-sub { color: #7f95ab; font-size: 1.6vh;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }  /* one line: tiles keep their height */
iframe[title="streamlit_folium.st_folium"] { height: 74vh !important; border-radius: .8vh; }
</style>
"""


def require_app() -> None:
    """Make sure ``app.py`` (navigation, page config, sidebar) wraps this page.

    On a fresh server whose first visitor opens a page URL (``/gaps``, ``/wall`` after a
    restart), Streamlit still believes in the old ``pages/`` directory mode and runs the page
    file alone, without ``app.py``. Leave that mode and rerun: ``app.py`` then runs and
    ``st.navigation`` picks the same page from the URL.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def inject_css(*, wall: bool = False, action: str | None = "read") -> None:
    """The app's CSS (every page calls this first; it also makes sure app.py runs and that
    someone is signed in who may ``action`` — ``read`` by default, None for any account)."""
    require_app()
    auth.require(action, "audit_log" if action == "read_audit" else "schools")
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    if wall:
        st.markdown(WALL_CSS, unsafe_allow_html=True)


def static_url() -> str:
    """Where Streamlit serves ``./static`` (``/app/static``, under ``server.baseUrlPath``)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


def sidebar(pages: Sequence[Any], meta: dict[str, Any], *, state: Any = None) -> None:
    """Title, page links, language switch, the demo notice, who is signed in."""
    with st.sidebar:
        st.markdown(f"### {tr(*APP_TITLE)}")
        for page in pages:
            st.page_link(page)
        st.divider()
        language_switch()
        demo_notice(meta, where=st.sidebar)
        if state is not None:
            auth.account_box(state)


def demo_notice(meta: dict[str, Any], *, where: Any = st) -> None:
    """Say plainly when the data is the embedded demo (generated posts, cameras, risks)."""
    if not meta.get("demo_area"):
        return
    area = meta.get("area_name_en") if current_language() == "en" else meta.get("area_name_zh")
    if meta.get("demo_area") == "county-sim":  # issue 12: nothing in it is real
        where.info(tr(f"演示数据：{area}。道路、学校、警务点、监控、护学岗与风险点位全部为生成数据。",
                      f"Demo data: {area}. Roads, schools, posts, cameras, crossings and risk sites "
                      "are all generated."))
        return
    where.info(tr(f"演示数据：{area}。道路与学校来自 OpenStreetMap，警务点、监控、护学岗、风险点位为生成数据。",
                  f"Demo data: {area}. Roads and schools from OpenStreetMap; posts, cameras, crossings "
                  "and risk sites are generated."))


def tile(label: str, value: str, sub: str = "", *, tone: str = "") -> str:
    cls = f"hx-kpi hx-{tone}" if tone else "hx-kpi"
    return (f'<div class="{cls}"><div class="hx-kpi-label">{html.escape(label)}</div>'
            f'<div class="hx-kpi-value">{html.escape(value)}</div>'
            f'<div class="hx-kpi-sub">{html.escape(sub)}</div></div>')


def kpi_html(k: Kpis) -> str:
    share = "—" if k.share_within_3min is None else f"{100 * k.share_within_3min:.0f}%"
    peak = tr(*PEAK_LABELS[k.peak])
    share_tone = "" if k.share_within_3min is None else ("ok" if k.share_within_3min >= 0.9 else "warn")
    mins = f"{k.within_minutes:g}"
    others = k.crossings_staffed - k.crossings_police
    tiles = [
        tile(tr("学校", "Schools"), str(k.schools), tr("含幼儿园", "incl. kindergartens")),
        tile(tr(f"{mins}分钟内可达", f"Reached within {mins} min"), share,
             tr(f"{k.within_3min}/{k.assessed} 所（路网）", f"{k.within_3min}/{k.assessed} (road network)"),
             tone=share_tone),
        tile(tr("薄弱校园", "Weak campuses"), str(k.weak) if k.assessed else "—",
             tr(f"其中高危 {k.critical} 所", f"{k.critical} critical") if k.assessed else tr("未评估", "not assessed"),
             tone="bad" if k.critical else ("warn" if k.weak else "ok")),
        tile(tr(f"护学岗在岗·见警察（{peak}）", f"Crossings with police ({peak})"),
             f"{k.crossings_police}/{k.crossings_total}",
             tr(f"民警或辅警在岗；另有保安、志愿者 {others} 处（不计）",
                f"police or auxiliary on duty; {others} more by guards/volunteers (not counted)"),
             tone="ok" if k.crossings_total and k.crossings_police == k.crossings_total else "warn"),
    ]
    if k.notices_open is not None:   # issue 14: open and overdue rectification notices
        tiles.append(tile(tr("整改通知书 未销号/逾期", "Notices open / overdue"),
                          f"{k.notices_open}/{k.notices_overdue}",
                          tr(f"挂牌督办 {k.notices_escalated} 份", f"{k.notices_escalated} escalated"),
                          tone="bad" if k.notices_overdue else ("warn" if k.notices_open else "ok")))
    return f'<div class="hx-kpis">{"".join(tiles)}</div>'


def kpi_tiles(k: Kpis) -> None:
    st.markdown(kpi_html(k), unsafe_allow_html=True)


def stamp_text(as_of: datetime | None) -> str:
    when = "—" if as_of is None else as_of.astimezone().strftime("%Y-%m-%d %H:%M")
    return tr(f"数据更新时间：{when}", f"Data as of: {when}")


def show_map(m: folium.Map, *, key: str, height: int = 620,
             groups: Sequence[folium.FeatureGroup] | None = None,
             center: tuple[float, float] | None = None, zoom: float | None = None) -> None:
    """Render the map; panning and zooming never rerun the page."""
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=[],
              feature_group_to_add=list(groups) if groups else None, center=center, zoom=zoom)


def show_shared_map(build: Callable[[], tuple[folium.Map, Sequence[folium.FeatureGroup]]], *,
                    share: tuple, key: str, height: int = 620) -> None:
    """Render a map that is the same for every session with the same ``share`` key.

    ``build`` makes the map and its feature groups; it runs, and the map is rendered to the
    component's script, once per ``share`` key for the whole server (a ``cache_resource``),
    not once per page view: at county scale building and rendering cost 0.2–0.7 s of the
    server's one interpreter per page view, and a meeting room of viewers queued behind each
    other for it. ``share`` must hold everything the map depends on (data version, settings,
    language, layers, peak, day, who may see what). Panning and zooming never rerun the page.
    """
    import streamlit_folium

    args = _shared_map_args(share, key, _build=build)
    if args is None:    # a streamlit-folium without the helpers below: render as usual
        m, groups = build()
        show_map(m, key=key, height=height, groups=groups)
        return
    hash_key = args["key"]

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    streamlit_folium._component_func(**args, height=height, width=None, returned_objects=[], default={},
                                     zoom=None, center=None, return_on_hover=False, layer_control=None,
                                     pixelated=False, on_change=on_change, wrap_longitude=False)


@st.cache_resource(show_spinner=False, max_entries=24)
def _shared_map_args(share: tuple, key: str, _build: Callable) -> dict[str, Any] | None:
    """The component arguments of ``st_folium`` for the map ``_build()`` makes, computed as
    streamlit-folium 0.27 does (its own helpers), once per ``share`` key."""
    import streamlit_folium as sf

    helpers = ("_get_html", "_get_header", "_get_map_string", "_get_feature_group_string",
               "generate_js_hash", "get_full_id", "_component_func")
    if not all(hasattr(sf, name) for name in helpers):
        return None
    m, groups = _build()
    m.get_root().render()
    m.render()
    html_, header = sf._get_html(m), sf._get_header(m)
    script = sf._get_map_string(m)
    feature_group = "".join(sf._get_feature_group_string(g, map=m, idx=i)
                            for i, g in enumerate(groups)) if groups else None
    css: list[str] = []
    js: list[str] = []

    def walk(element):
        if isinstance(element, folium.elements.JSCSSMixin):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(m):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return {"script": script, "header": header, "html": html_, "id": sf.get_full_id(m),
            "key": sf.generate_js_hash(script, key, False), "feature_group": feature_group,
            "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js))}


def network_notice(report: dict[str, Any]) -> None:
    """Say when the road data is fragmented (the dropped pieces are on the map) and which
    posts are stranded on roads cut off the main network."""
    from gis.viz.network import fragmented_notice, stranded_posts_notice

    for text in (fragmented_notice(report, lang=current_language()),
                 stranded_posts_notice(report, lang=current_language())):
        if text:
            st.warning(text)


def stop_if_damaged() -> None:
    """At app start: a damaged database stops every page with a plain error and the way back."""
    problem = cache.database_problem(cache.get_settings().database_url)
    if problem:
        st.error(problem)
        st.stop()


def no_data(meta: dict[str, Any]) -> None:
    st.warning(tr("数据库中还没有学校数据。请运行 `python -m gis init && python -m gis demo` 载入演示数据，"
                  "或在「数据管理」中导入。",
                  "No schools in the database yet. Run `python -m gis init && python -m gis demo` "
                  "or import data on the Data page."))


def peak_control(key: str) -> str:
    """早高峰 / 晚高峰 control of the overview and gaps pages; the choice holds for the session.

    Default: the peak the clock is in, else the morning peak. Returns ``am`` or ``pm``.
    """
    from gis.ui import cache

    labels = {"am": tr("早高峰", "AM peak"), "pm": tr("晚高峰", "PM peak")}

    def remember() -> None:
        value = st.session_state.get(key)
        if value in labels:
            st.session_state[cache.PEAK_KEY] = value

    chosen = st.segmented_control(tr("评估时段（车速与在岗警务点按该时段）", "Assess at (speeds and posts on duty)"),
                                  list(labels), default=cache.peak(), key=key, format_func=labels.get,
                                  on_change=remember)
    return chosen if chosen in labels else cache.peak()
