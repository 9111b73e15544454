"""Every data load and analysis of the app, cached by the data version.

Pages call these and stay thin. Keys: the database URL, ``store.data_version()`` (changes
whenever any layer or meta value changes) and the settings fingerprint of the sections
an analysis reads. The road graph is a ``cache_resource`` (one shared object); tables and
the basemap, the FeatureCollections and their packed JSON (what the browser receives) are
``cache_resource`` too — built once per data version and shared read-only by every session,
so a meeting room of viewers costs one build, not one copy each. A layer toggle or a language switch reruns the
page but never recomputes an analysis: those are keyed by data, not by widgets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from gis.config import DATA_DIR, Settings, load_settings
from gis.errors import GisError
from gis.schema import LAYER_NAMES, main_gate
from gis.viz import features
from gis.viz.maps import Basemap, build_basemap
from gis.viz.pack import PackedLayer, pack_layer

ANALYSIS_SECTIONS = ("network", "coverage", "scoring", "compliance", "routing")
PEAK_KEY = "assessment_peak"   # the peak chosen on the overview/gaps pages (session-wide)


@dataclass(frozen=True)
class Context:
    """What a page needs to ask for cached data: where, which version, which settings."""

    url: str
    version: int
    fingerprint: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.url, self.version, self.fingerprint)


def get_settings() -> Settings:
    """Settings from the default TOML, ``$GIS_CONFIG`` and ``$DATABASE_URL`` (read once per pair)."""
    return _settings(os.environ.get("DATABASE_URL"), os.environ.get("GIS_CONFIG"))


@st.cache_resource(show_spinner=False)
def _settings(database_url: str | None, config: str | None) -> Settings:
    return load_settings(database_url=database_url, config=config)


@st.cache_resource(show_spinner=False)
def get_store(url: str):
    from gis.store import open_store

    return open_store(url)


@st.cache_resource(show_spinner=False)
def database_problem(url: str) -> str | None:
    """Why the database cannot be used (a damaged SQLite file), checked once per app start."""
    try:
        get_store(url).check_integrity()
    except GisError as exc:
        return str(exc)
    return None


@st.cache_resource(show_spinner=False)
def _validated(fingerprint: str) -> str | None:
    """The settings error (unknown key, wrong type) of this configuration, checked once."""
    from gis.commands import check_sections

    try:
        check_sections(get_settings())
    except GisError as exc:
        return str(exc)
    return None


def context() -> Context:
    """The current data context; ``data_version()`` is one cheap query per run.

    A settings file with an unknown key or a bad value stops the page with ``st.error``.
    """
    settings = get_settings()
    problem = _validated(settings.fingerprint())
    if problem:
        st.error(problem)
        st.stop()
    store = get_store(settings.database_url)
    try:
        version = int(store.data_version())
    except GisError:
        version = -1
    return Context(settings.database_url, version, settings.fingerprint(*ANALYSIS_SECTIONS))


@st.cache_data(show_spinner=False, max_entries=3)
def load_layers(url: str, version: int) -> dict[str, gpd.GeoDataFrame]:
    """All six layers (EPSG:4326); raises the store's GisError (e.g. not initialised)."""
    store = get_store(url)
    return {name: store.read_layer(name) for name in LAYER_NAMES}


@st.cache_data(show_spinner=False, max_entries=3)
def load_meta(url: str, version: int) -> dict[str, Any]:
    """Meta values of the store (demo area, OSM file, bounds, attribution)."""
    store = get_store(url)
    keys = ("demo_area", "area_name_zh", "area_name_en", "osm_file", "bounds", "attribution")
    return {key: store.get_meta(key) for key in keys}


def show_error(exc: GisError) -> None:
    """A core error, as the planner should read it (no traceback)."""
    st.error(str(exc))


def layers(ctx: Context) -> dict[str, gpd.GeoDataFrame]:
    """The layers; a store error is shown with ``st.error`` and the page stops there."""
    try:
        return load_layers(ctx.url, ctx.version)
    except GisError as exc:
        show_error(exc)
        st.stop()
        raise  # pragma: no cover - st.stop() raises


def meta(ctx: Context) -> dict[str, Any]:
    try:
        return load_meta(ctx.url, ctx.version)
    except GisError as exc:
        show_error(exc)
        return {}


def default_peak() -> str:
    """The scored peak the clock is in (``am``/``pm``), else ``am``."""
    from datetime import datetime

    from gis.timewindows import PeakWindows

    return PeakWindows.from_settings(get_settings()).default_scored_peak(datetime.now())


def peak() -> str:
    """The peak the app scores at: the one chosen on the overview/gaps pages, else the clock's."""
    chosen = st.session_state.get(PEAK_KEY)
    return chosen if chosen in ("am", "pm") else default_peak()


@st.cache_data(show_spinner=False, max_entries=2)
def load_water(osm_file: str | None) -> gpd.GeoDataFrame | None:
    """Water of the demo's OSM extract for the basemap (None when the file is not here)."""
    if not osm_file:
        return None
    path = DATA_DIR / "osm" / osm_file
    if not path.is_file():
        return None
    from gis.io.osm import read_osm

    try:
        return read_osm(path).water
    except GisError:
        return None


@st.cache_resource(show_spinner=False, max_entries=2)
def road_graph(url: str, version: int, fingerprint: str):
    """The road graph of the stored roads (None without roads)."""
    roads = load_layers(url, version)["roads"]
    if roads is None or len(roads) == 0:
        return None
    from gis.network import load_road_graph

    return load_road_graph(roads, settings=get_settings())


@st.cache_data(show_spinner=False, max_entries=3)
def load_network_report(url: str, version: int, fingerprint: str, lang: str) -> tuple[dict[str, Any], Any]:
    """The road graph's report and, when the data is fragmented, its dropped pieces for the map."""
    from gis.network import NetworkConfig, snap_points
    from gis.viz.network import dropped_road_features

    try:
        graph = road_graph(url, version, fingerprint)
    except GisError:        # a degenerate road network: the pages show the assessment's error
        return {}, None
    if graph is None:
        return {}, None
    report = dict(graph.report)
    posts = load_layers(url, version)["police_posts"]
    if posts is not None and len(posts):
        snapped = snap_points(graph, posts, config=NetworkConfig.from_settings(get_settings()))
        names = dict(zip(posts["id"].astype(str), posts["name"].astype(str), strict=False))
        report["stranded_posts"] = [names.get(str(i), str(i)) for i in snapped.attrs["stranded_points"]]
    lines = graph.dropped_lines() if graph.report.get("fragmented") else None
    return report, dropped_road_features(lines, lang=lang) if lines is not None else None


def network_report(ctx: Context, lang: str) -> tuple[dict[str, Any], Any]:
    return load_network_report(ctx.url, ctx.version, ctx.fingerprint, lang)


@st.cache_data(show_spinner=False, max_entries=6)
def load_assessment(url: str, version: int, fingerprint: str, peak: str | None = None) -> pd.DataFrame | None:
    """One row per school with score, level and reasons at ``peak`` (None without schools or
    roads); raises the core's GisError."""
    data = load_layers(url, version)
    if data["schools"] is None or len(data["schools"]) == 0:
        return None
    graph = road_graph(url, version, fingerprint)
    if graph is None:
        return None
    from gis.coverage import assess_campuses

    result = assess_campuses(data, graph=graph, settings=get_settings(), peak=peak)
    return pd.DataFrame(result.drop(columns=result.geometry.name, errors="ignore")
                        if isinstance(result, gpd.GeoDataFrame) else result)


def assessment(ctx: Context, peak_: str | None = None) -> tuple[pd.DataFrame | None, str | None]:
    """(assessment at the chosen peak, error text): pages show the error with ``st.error``."""
    try:
        table = load_assessment(*ctx.key, peak_ or peak())
    except GisError as exc:
        return None, str(exc)
    if table is None and len(layers(ctx)["schools"]) and len(layers(ctx)["roads"]) == 0:
        return None, "没有道路数据，无法计算到达时间 / no roads: the response times cannot be computed"
    return table, None


def compliance(ctx: Context, peak_: str | None = None):
    """Compliance rates per 派出所 and county (``gis.coverage.ComplianceTable``) or None."""
    try:
        return load_compliance(*ctx.key, peak_ or peak())
    except GisError as exc:
        show_error(exc)
        return None


@st.cache_resource(show_spinner=False, max_entries=6)
def load_compliance(url: str, version: int, fingerprint: str, peak: str):
    """The compliance rates at ``peak``, computed once per data version and shared by every
    session (read only; issue 12: 0.4 s on every page view at county scale). None without
    an assessment; raises the core's GisError."""
    try:
        table = load_assessment(url, version, fingerprint, peak)
    except GisError:
        return None     # the page shows the assessment's own error
    if table is None:
        return None
    from gis.coverage import compliance_rates

    return compliance_rates(table, settings=get_settings())


@st.cache_resource(show_spinner=False, max_entries=3)
def load_counts(url: str, version: int) -> dict[str, int]:
    """Rows per layer (a page that only asks "is there any data?" need not copy the layers)."""
    return {name: 0 if frame is None else int(len(frame)) for name, frame in load_layers(url, version).items()}


def counts(ctx: Context) -> dict[str, int]:
    """Rows per layer; a store error is shown with ``st.error`` and the page stops there."""
    try:
        return load_counts(ctx.url, ctx.version)
    except GisError as exc:
        show_error(exc)
        st.stop()
        raise  # pragma: no cover - st.stop() raises


@st.cache_data(show_spinner=False, max_entries=3)
def load_coverage_layers(url: str, version: int, fingerprint: str) -> dict[str, gpd.GeoDataFrame]:
    """Camera sectors, gate blind spots, campus-boundary blind stretches, duty gaps and violations
    (EPSG:4326); raises the core's GisError."""
    data = load_layers(url, version)
    if data["schools"] is None or len(data["schools"]) == 0:
        return {}
    from gis.coverage import coverage_map_layers

    return coverage_map_layers(data, settings=get_settings())


def coverage_layers(ctx: Context) -> dict[str, gpd.GeoDataFrame]:
    try:
        return load_coverage_layers(*ctx.key)
    except GisError as exc:
        show_error(exc)
        return {}


@st.cache_data(show_spinner=False, max_entries=4)
def load_reach(url: str, version: int, fingerprint: str, peak: str | None = None) -> gpd.GeoDataFrame | None:
    """1/3/5-minute reach polygons per post with the naive circles (None without a graph)."""
    data = load_layers(url, version)
    posts = data["police_posts"]
    try:
        graph = road_graph(url, version, fingerprint)
    except GisError:        # a degenerate road network: the pages show the assessment's error
        return None
    if graph is None or posts is None or len(posts) == 0:
        return None
    from gis.network import NetworkConfig, reach_polygons

    reach = reach_polygons(graph, posts, peak=peak, config=NetworkConfig.from_settings(get_settings()))
    if "circle" in reach.columns:
        reach = reach.drop(columns=["circle"])
    return reach


@st.cache_resource(show_spinner=False, max_entries=4)
def load_basemap(url: str, version: int, theme: str) -> Basemap:
    """The basemap collections (roads by class, water, campuses, jurisdictions).

    A ``cache_resource``: one object shared by every session (read only), not a copy each.
    """
    data = load_layers(url, version)
    info = load_meta(url, version)
    bounds = info.get("bounds")
    bounds = tuple(float(v) for v in bounds) if bounds and len(bounds) == 4 else None
    return build_basemap(roads=data["roads"], water=load_water(info.get("osm_file")),
                         schools=data["schools"], posts=data["police_posts"], theme=theme,
                         bounds=bounds)


def reach(ctx: Context, peak_: str | None = None) -> gpd.GeoDataFrame | None:
    """Reach polygons (None without a graph); a core error is shown with ``st.error``."""
    try:
        return load_reach(*ctx.key, peak_)
    except GisError as exc:
        show_error(exc)
        return None


def basemap(ctx: Context, theme: str = "light") -> Basemap:
    return load_basemap(ctx.url, ctx.version, theme)


@st.cache_resource(show_spinner=False, max_entries=4)
def load_basemap_packed(url: str, version: int, theme: str) -> dict[str, PackedLayer]:
    """The basemap collections packed for the browser, shared by every session."""
    bm = load_basemap(url, version, theme)
    return {name: pack_layer(getattr(bm, name))
            for name in ("water", "campuses", "roads", "jurisdictions")}


def basemap_packed(ctx: Context, theme: str = "light") -> dict[str, PackedLayer]:
    return load_basemap_packed(ctx.url, ctx.version, theme)


@st.cache_resource(show_spinner=False, max_entries=6)
def load_packed_collections(url: str, version: int, fingerprint: str, lang: str,
                            with_reach: bool, peak: str | None = None) -> dict[str, PackedLayer]:
    """The thematic layers packed for the browser (popups in ``lang``), shared by every session.

    The packed JSON is what each page view sends; building it once per data version (not
    per session or rerun) keeps a meeting room of viewers from redoing the same work.
    """
    return {name: pack_layer(coll) for name, coll
            in load_collections(url, version, fingerprint, lang, with_reach, peak).items()}


def packed_collections(ctx: Context, lang: str, *, with_reach: bool) -> dict[str, PackedLayer]:
    return load_packed_collections(ctx.url, ctx.version, ctx.fingerprint, lang, with_reach, peak())


@st.cache_resource(show_spinner=False, max_entries=4)
def load_wall_layers(url: str, version: int, fingerprint: str, lang: str,
                     peak: str | None = None) -> dict[str, PackedLayer]:
    """The wall display's layers (3-minute reach, posts, schools; no popups), packed once."""
    data = load_layers(url, version)
    try:
        table = load_assessment(url, version, fingerprint, peak)
    except GisError:
        table = None
    out = {"posts": pack_layer(features.post_features(data["police_posts"], lang=lang, size=24,
                                                      with_popup=False)),
           "schools": pack_layer(features.school_features(data["schools"], table, lang=lang,
                                                          with_popup=False, scale=1.5))}
    try:
        reach = load_reach(url, version, fingerprint)
    except GisError:
        reach = None
    if reach is not None and len(reach):
        three = reach[reach["minutes"].astype(float) == 3.0]
        out["reach"] = pack_layer(features.reach_features(three, lang=lang))
    return out


def wall_layers(ctx: Context, lang: str) -> dict[str, PackedLayer]:
    return load_wall_layers(ctx.url, ctx.version, ctx.fingerprint, lang, peak())


@st.cache_data(show_spinner=False, max_entries=6)
def load_collections(url: str, version: int, fingerprint: str, lang: str,
                     with_reach: bool, peak: str | None = None) -> dict[str, features.FeatureCollection]:
    """The thematic layers as FeatureCollections (popups in ``lang``; schools at ``peak``).

    An analysis that fails leaves its layers out; the page shows that error itself.
    """
    from gis.ui.cycle import with_work_html  # issue 14: the work block of the school popup
    from gis.viz.maps import thematic_collections

    data = load_layers(url, version)
    try:
        table = load_assessment(url, version, fingerprint, peak)
    except GisError:
        table = None
    try:
        cover = load_coverage_layers(url, version, fingerprint)
    except GisError:
        cover = {}
    reach = None
    if with_reach:
        try:
            reach = load_reach(url, version, fingerprint)
        except GisError:
            reach = None
    return thematic_collections(data, with_work_html(table, url, version, lang), cover=cover,
                                reach=reach, lang=lang, with_reach=with_reach)


def collections(ctx: Context, lang: str, *, with_reach: bool) -> dict[str, features.FeatureCollection]:
    return load_collections(ctx.url, ctx.version, ctx.fingerprint, lang, with_reach, peak())


@st.cache_data(show_spinner=False, max_entries=16)
def load_focus(url: str, version: int, fingerprint: str, school_id: str,
               lang: str) -> dict[str, Any]:
    """Gate zones, blind spots and the nearest posts' routes of one school (collections + table)."""
    from gis.viz import focus

    data = load_layers(url, version)
    schools = data["schools"]
    school = schools[schools["id"].astype(str) == str(school_id)]
    out: dict[str, Any] = {"zones": features.empty_collection(), "blind": features.empty_collection(),
                           "routes": features.empty_collection(), "route_table": pd.DataFrame()}
    if school.empty:
        return out
    from gis.coverage.config import CoverageConfig

    zone_m = CoverageConfig.from_settings(get_settings()).gate_zone_m
    out["zones"] = features.focus_features(focus.gate_zones(school, gate_zone_m=zone_m), "gate_zone")
    try:
        cover = load_coverage_layers(url, version, fingerprint)
    except GisError:
        cover = {}
    out["blind"] = features.blind_features(cover.get("blind_spots"), cover.get("boundary_blind"), lang=lang,
                                           school_id=str(school_id))
    try:
        graph = road_graph(url, version, fingerprint)
    except GisError:        # shown by the page from the assessment's error
        graph = None
    if graph is not None and len(data["police_posts"]):
        from gis.network import NetworkConfig, route_between

        config = NetworkConfig.from_settings(get_settings())
        gate = main_gate(school.geometry.iloc[0])
        near = focus.nearest_posts(data["police_posts"], gate, n=3)
        routes = focus.post_routes(near, gate, lambda a, b: route_between(graph, a, b, config=config))
        minutes = "分钟" if lang != "en" else "min"
        out["routes"] = features.focus_features(
            routes, "route", tooltip=lambda r: f"{r['post_name']} · {r['seconds'] / 60:.1f} {minutes}")
        out["route_table"] = pd.DataFrame(routes.drop(columns="geometry"))
    return out
