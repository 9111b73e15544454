"""Maps of the pages, assembled from cached collections (pages only choose and show).

Each map = a base (our basemap + legend, identical between reruns for the same data, so
streamlit-folium keeps it mounted) + thematic feature groups swapped in place.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import folium
import streamlit as st

from gis.schema import main_gate
from gis.ui import cache
from gis.ui.shell import static_url
from gis.viz import maps
from gis.viz.elements import FocusRotator, StyledGeoJson
from gis.viz.kpis import Kpis, compute_kpis, data_as_of, jurisdiction_stops

# Thematic layers in drawing order (bottom to top) with their zh/en names.
LAYERS = {
    "reach": ("1/3/5 分钟反应圈", "1/3/5-min reach"),
    "circles": ("同半径圆（对比）", "Naive circles"),
    "cameras": ("视频监控", "Cameras"),
    "blind": ("视频盲区", "Camera blind spots"),
    "risks": ("风险点位", "Risk sites"),
    "crossings": ("护学岗", "Crossings"),
    "posts": ("警务点", "Police posts"),
    "schools": ("学校", "Schools"),
    "cycle": ("检查整改", "Inspections & notices"),
}
DEFAULT_LAYERS = maps.DEFAULT_LAYERS


def tile_options() -> maps.TileOptions | None:
    app = cache.get_settings().section("app")
    url = str(app.get("tile_url") or "").strip()
    if not url:
        return None
    return maps.TileOptions(url=url, gcj02=bool(app.get("tile_gcj02", False)),
                            attribution=str(app.get("tile_attribution") or ""))


def base_map(ctx: cache.Context, lang: str, *, theme: str = "light", legend: bool = True,
             fill_height: bool = False, refit: bool = True, legend_open: bool = True) -> folium.Map:
    bm = cache.basemap(ctx, theme)
    m = maps.new_map(bm.bounds, theme=theme, static_url=static_url(), tiles=tile_options(),
                     fill_height=fill_height, refit=refit)
    maps.add_basemap(m, bm, viewport_scale=theme == "dark", interactive=theme != "dark",
                     packed=cache.basemap_packed(ctx, theme))
    if legend:
        maps.add_legend(m, lang, open_=legend_open and theme == "light")
    return m


def overview_map(ctx: cache.Context, lang: str, chosen: list[str], *, refit: bool = True,
                 legend_open: bool = True) -> tuple[folium.Map, list]:
    """The overview: base map and one feature group per chosen layer."""
    with_reach = bool({"reach", "circles"} & set(chosen))
    groups = maps.overview_groups(cache.packed_collections(ctx, lang, with_reach=with_reach), chosen,
                                  order=list(LAYERS))
    if "cycle" in chosen:   # issue 14
        from gis.ui.cycle import layer_group

        groups.append(layer_group(ctx, lang))
    m = base_map(ctx, lang, refit=refit, legend_open=legend_open)
    add_dropped_roads(m, ctx, lang)
    return m, groups


def map_share(ctx: cache.Context, lang: str, *parts: Any) -> tuple:
    """The key under which a page's map is shared by every session (:func:`shell.show_shared_map`):
    data version and all settings, language, the peak, the day (the work layer's overdue
    notices), where static files are served, whether the viewer may read the restricted
    register (one check, :func:`gis.auth.policy.allowed`), and the page's own ``parts``."""
    from datetime import date

    from gis.auth.policy import allowed
    from gis.ui.auth import current

    who = current()
    restricted = bool(who is not None and allowed(who, "read", "risk_persons"))
    return (ctx.key, cache.get_settings().fingerprint(), lang, cache.peak(), date.today().isoformat(),
            static_url(), restricted, *parts)


def add_dropped_roads(m: folium.Map, ctx: cache.Context, lang: str) -> None:
    """Fragmented road data: the pieces cut off the main network, grey and dashed (issue 12)."""
    _, dropped = cache.network_report(ctx, lang)
    if dropped and dropped["features"]:
        StyledGeoJson(dropped, name="dropped_roads", control=False).add_to(m)


def kpis(ctx: cache.Context, *, now: datetime | None = None) -> Kpis:
    """The KPI tiles at ``now`` (the clock's minute by default), computed once per data
    version, peak and minute and shared by every session (issue 12: 0.3 s per page view at
    county scale, eight sessions at once queued behind each other)."""
    if now is not None:
        return _kpis(ctx.url, ctx.version, ctx.fingerprint, cache.peak(), now.isoformat(timespec="minutes"))
    return _kpis(ctx.url, ctx.version, ctx.fingerprint, cache.peak(),
                 datetime.now().isoformat(timespec="minutes"))


@st.cache_resource(show_spinner=False, max_entries=8)
def _kpis(url: str, version: int, fingerprint: str, peak: str, minute: str) -> Kpis:
    from gis.coverage.config import ScoringConfig
    from gis.timewindows import PeakWindows

    ctx = cache.Context(url, version, fingerprint)
    data = cache.layers(ctx)
    table, _ = cache.assessment(ctx, peak)
    settings = cache.get_settings()
    windows = {p: PeakWindows.from_settings(settings).text(p) for p in ("am", "noon", "pm")}
    from gis.ui.cycle import kpi_counts  # issue 14: open and overdue notices

    k = compute_kpis(data["schools"], table, data["crossings"], now=datetime.fromisoformat(minute),
                     windows=windows, within_s=ScoringConfig.from_settings(settings).response_good_s)
    counts = kpi_counts(ctx)
    return k if counts is None else replace(k, notices_open=counts[0], notices_overdue=counts[1],
                                            notices_escalated=counts[2])


def as_of(ctx: cache.Context) -> datetime | None:
    return _as_of(ctx.url, ctx.version)


@st.cache_resource(show_spinner=False, max_entries=3)
def _as_of(url: str, version: int) -> datetime | None:
    return data_as_of(cache.load_layers(url, version))


# the wall's school clusters: bigger (read from across a room), and kept up to zoom 16
# a 100+ count is 63 px wide on the wall; clusters sit where their schools are, so they can stand
# closer than the radius: at 80 px the counts of a county's town centre no longer cover each other
WALL_SCHOOL_CLUSTERS = {"disableAt": 16, "radius": 80, "size": 1.5}


def wall_map(ctx: cache.Context, lang: str, *, rotate_s: float) -> folium.Map:
    """The wall: dark basemap, 3-minute reach, schools by level, posts; rotating focus.

    Everything is in the base map (no feature groups): between data changes the map's
    script is identical, so a refresh never remounts it and the rotation keeps running.
    No risk sites, no crossings' people, no popups: nothing personal on a wall.
    """
    data = cache.layers(ctx)
    table, _ = cache.assessment(ctx)
    m = base_map(ctx, lang, theme="dark", legend=False, fill_height=True, refit=False)
    packed = cache.wall_layers(ctx, lang)
    if "reach" in packed:
        StyledGeoJson(packed["reach"], control=False, interactive=False, viewport_scale=True).add_to(m)
    # posts under the schools, merged where their badges touch (a town centre at county zoom)
    StyledGeoJson(packed["posts"], control=False, viewport_scale=True, pane=maps.LOW_PANE,
                  cluster=maps.CLUSTERS["posts"]).add_to(m)
    # at county scale the schools aggregate (count, worst level); in a 派出所's focus those
    # that stand apart show one by one, a dense town centre stays a few large counts
    StyledGeoJson(packed["schools"], control=False, viewport_scale=True,
                  cluster=dict(maps.CLUSTERS["schools"], **WALL_SCHOOL_CLUSTERS)).add_to(m)
    maps.add_legend(m, lang, layers=("schools", "posts"), position="bottomright")
    area = cache.meta(ctx).get("area_name_en" if lang == "en" else "area_name_zh")
    from gis.coverage.config import ScoringConfig

    within_s = ScoringConfig.from_settings(cache.get_settings()).response_good_s
    stops = jurisdiction_stops(data["schools"], table, data["police_posts"], lang=lang, whole_name=area,
                               within_s=within_s)
    FocusRotator(stops, seconds=rotate_s).add_to(m)
    return m


def focus_target(ctx: cache.Context, school_id: str) -> dict[str, Any] | None:
    """Centre (lat, lon) of a school's main gate, for the gaps page's focus."""
    schools = cache.layers(ctx)["schools"]
    row = schools[schools["id"].astype(str) == str(school_id)]
    if row.empty:
        return None
    gate = main_gate(row.geometry.iloc[0])
    return {"center": (gate.y, gate.x), "zoom": 16}
