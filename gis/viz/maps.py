"""Assemble folium maps: our own basemap, thematic layers, legend, optional tiles.

The default basemap is drawn from our data on a plain background — roads by class,
water, campus outlines, 派出所 jurisdictions — with no tile layer, so nothing is
fetched. An optional tile layer (``[app] tile_url``: a folder under the app's static
files, or an intranet URL) can be switched on; ``gcj02=True`` shifts GCJ-02 tiles
(高德 and friends) onto our WGS-84 data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element
from folium.elements import MacroElement
from folium.template import Template

from gis import OSM_ATTRIBUTION
from gis.viz import features, style
from gis.viz.assets import DEFAULT_STATIC_URL, use_offline_assets
from gis.viz.elements import (
    AttributionNote,
    ContainerClass,
    FitOnLoad,
    LegendControl,
    StyledGeoJson,
    TopPane,
)
from gis.viz.features import FeatureCollection
from gis.viz.pack import PackedLayer
from gis.viz.popups import pick

Bounds = tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat
TOP_PANE = "hxTop"
LOW_PANE = "hxLow"  # under the other markers: posts (many, big badges) never hide a school cluster


@dataclass(frozen=True)
class TileOptions:
    """An optional raster tile layer (off by default).

    Attributes
    ----------
    url : str
        ``{z}/{x}/{y}`` template: absolute (``http://intranet/…``, ``/tiles/…``) or relative to
        the app's static folder (``tiles/{z}/{x}/{y}.png`` → ``/app/static/tiles/…``).
    gcj02 : bool
        The tiles are GCJ-02 (火星坐标): shift them onto WGS-84.
    attribution : str
        Shown in the attribution control.
    """

    url: str
    gcj02: bool = False
    attribution: str = ""


@dataclass(frozen=True)
class Basemap:
    """Pre-built FeatureCollections of the basemap (cache these; they change with the data)."""

    casing: FeatureCollection
    roads: FeatureCollection
    water: FeatureCollection
    campuses: FeatureCollection
    jurisdictions: FeatureCollection
    bounds: Bounds


def build_basemap(*, roads: gpd.GeoDataFrame | None, water: gpd.GeoDataFrame | None,
                  schools: gpd.GeoDataFrame | None, posts: gpd.GeoDataFrame | None,
                  theme: str = "light", bounds: Bounds | None = None) -> Basemap:
    """Basemap collections from the stored layers; ``bounds`` default to the data's extent."""
    if bounds is None:
        bounds = data_bounds([g for g in (roads, schools, posts) if g is not None and len(g)])
    return Basemap(
        casing=features.road_casing_features(roads, theme=theme),
        roads=features.road_features(roads, theme=theme),
        water=features.water_features(water, theme=theme),
        campuses=features.campus_features(schools, theme=theme),
        jurisdictions=features.jurisdiction_features(posts, theme=theme),
        bounds=bounds,
    )


def data_bounds(frames: Sequence[gpd.GeoDataFrame]) -> Bounds:
    """The joint extent of GeoDataFrames in EPSG:4326 (a small box around 0,0 when empty)."""
    boxes = [features.to_wgs84(f).total_bounds for f in frames if len(f)]
    boxes = [b for b in boxes if all(math.isfinite(v) for v in b)]
    if not boxes:
        return (-0.01, -0.01, 0.01, 0.01)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def new_map(bounds: Bounds, *, theme: str = "light", static_url: str = DEFAULT_STATIC_URL,
            tiles: TileOptions | None = None, fill_height: bool = False,
            refit: bool = True) -> folium.Map:
    """An empty map fitted to ``bounds``, with offline assets and the OSM attribution.

    ``fill_height`` makes the map fill its frame's height (the wall display sizes the frame
    with CSS, so one page serves 1920×1080 and 3840×2160). ``refit`` fits the bounds again
    once the frame has its final size (leave it off when the page sets the view itself).
    """
    minlon, minlat, maxlon, maxlat = bounds
    m = folium.Map(location=[(minlat + maxlat) / 2, (minlon + maxlon) / 2], zoom_start=14,
                   tiles=None, control_scale=True, zoom_snap=0.25, zoom_delta=0.5,
                   zoom_control=theme != "dark")
    m.options["max_zoom"] = 19  # no tile layer sets it; Leaflet.markercluster needs it
    use_offline_assets(m, static_url=static_url)
    m.fit_bounds([[minlat, minlon], [maxlat, maxlon]])
    if refit:
        FitOnLoad([[minlat, minlon], [maxlat, maxlon]]).add_to(m)
    css = f".leaflet-container{{background:{style.BACKGROUND[theme]};}}"
    if fill_height:
        css += "html,body{height:100%;margin:0;}#map_div{height:100vh !important;}"
    m.get_root().header.add_child(Element(f"<style>{css}</style>"), name="hx_theme_css")
    if tiles is not None and tiles.url:
        add_tiles(m, tiles, static_url=static_url)
    AttributionNote(OSM_ATTRIBUTION).add_to(m)
    TopPane(TOP_PANE).add_to(m)
    TopPane(LOW_PANE, z=590).add_to(m)
    if theme == "dark":
        ContainerClass("hx-wall").add_to(m)
    return m


def add_basemap(m: folium.Map, basemap: Basemap, *, viewport_scale: bool = False,
                interactive: bool = True, packed: Mapping[str, PackedLayer] | None = None) -> folium.Map:
    """Add the basemap layers (not in a layer control; only roads answer the mouse, with names).

    Road casings are drawn from the roads' own data (sent once). ``packed`` holds cached
    :class:`~gis.viz.pack.PackedLayer` of the collections by name (packed here otherwise).
    """
    casing = None
    if basemap.casing["features"]:
        color = basemap.casing["features"][0]["properties"]["_style"]["color"]
        casing = {"color": color, "extra": 1.6}
    for name in ("water", "campuses", "roads", "jurisdictions"):
        data = getattr(basemap, name)
        if data["features"]:
            StyledGeoJson((packed or {}).get(name) or data, name=name,
                          interactive=interactive and name == "roads", control=False,
                          viewport_scale=viewport_scale,
                          casing=casing if name == "roads" else None).add_to(m)
    return m


class GcjTileShift(MacroElement):
    """Shift a GCJ-02 tile layer by the local GCJ-02 offset so it lies under WGS-84 data.

    The offset (a few hundred metres in mainland China) varies by only metres across a
    county, so one offset computed at the map centre is applied to the tile container.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, layer = {{ this.layer.get_name() }};
            function shift() {
                var c = map.getCenter();
                var a = map.latLngToContainerPoint(c);
                var b = map.latLngToContainerPoint(L.latLng(c.lat + {{ this.dlat }}, c.lng + {{ this.dlng }}));
                var el = layer.getContainer();
                if (el) { el.style.marginLeft = (a.x - b.x) + "px"; el.style.marginTop = (a.y - b.y) + "px"; }
            }
            map.on("zoomend viewreset load", shift);
            layer.on("load", shift);
            shift();
        })();
        {% endmacro %}
    """)

    def __init__(self, layer: folium.TileLayer, dlat: float, dlng: float) -> None:
        super().__init__()
        self._name = "GcjTileShift"
        self.layer = layer
        self.dlat = dlat
        self.dlng = dlng


def add_tiles(m: folium.Map, tiles: TileOptions, *, static_url: str = DEFAULT_STATIC_URL) -> None:
    url = tiles.url
    if not (url.startswith(("http://", "https://", "/"))):
        url = f"{static_url.rstrip('/')}/{url.lstrip('./')}"
    layer = folium.TileLayer(tiles=url, attr=tiles.attribution or " ", name="tiles", control=False,
                             max_zoom=19)
    layer.add_to(m)
    if tiles.gcj02:
        from gis.io.china_crs import wgs84_to_gcj02

        lat, lng = m.location
        glng, glat = (float(v) for v in wgs84_to_gcj02(lng, lat))
        GcjTileShift(layer, glat - lat, glng - lng).add_to(m)


# At county zoom the point layers aggregate (Leaflet.markercluster): a cluster shows how many
# it holds, coloured by its worst member (``_rank`` of the features). Individual symbols and
# their popups appear from zoom ``disableAt`` on, or earlier where they stand apart.
CLUSTERS: dict[str, dict[str, Any]] = {
    "schools": {"kind": "schools", "disableAt": 15, "radius": 60, "size": 1.15,
                "colors": {str(r): style.LEVEL_COLORS[k] for k, r in style.LEVEL_RANK.items()}},
    "crossings": {"kind": "crossings", "disableAt": 16, "radius": 90, "size": 0.7,
                  "color": style.CROSSING_COLORS["police"], "colors": {"1": style.CROSSING_COLORS["none"]}},
    "risks": {"kind": "risks", "disableAt": 16, "radius": 90, "size": 0.7,
              "color": style.SENSITIVE_COLOR,
              "colors": {str(k): c for k, c in style.RISK_LEVEL_COLORS.items()}},
    # posts are few (tens per county) but their badges overlap in a town centre at county zoom:
    # only those that touch merge, and every post stands alone from zoom 14 on
    "posts": {"kind": "posts", "disableAt": 14, "radius": 30, "size": 0.8,
              "color": style.POST_STYLE["station"][0]},
}
# drawn under the schools' clusters and symbols, so a school count is never covered
PANES = {"posts": LOW_PANE, "crossings": LOW_PANE, "risks": LOW_PANE}
# Camera sectors (tens of metres) from zoom 15 on; below it, clusters of camera positions.
SWAPS: dict[str, dict[str, Any]] = {
    "cameras": {"kind": "cameras", "minZoom": 15, "disableAt": 17, "radius": 60, "size": 0.8,
                "color": style.CAMERA_STYLE["networked"]["fillColor"]},
}


def feature_group(name: str, collections: Sequence[FeatureCollection | PackedLayer], *,
                  cluster: bool = True) -> folium.FeatureGroup:
    """One FeatureGroup holding the non-empty collections (for ``st_folium(feature_group_to_add=…)``).

    Layers named in :data:`CLUSTERS` cluster at county zoom, those in :data:`SWAPS` swap to
    clustered points below their zoom (``cluster=False``: always individual symbols).
    """
    group = folium.FeatureGroup(name=name)
    for data in collections:
        n = data.n if isinstance(data, PackedLayer) else len(data["features"])
        if n:
            StyledGeoJson(data, control=False, cluster=CLUSTERS.get(name) if cluster else None,
                          swap=SWAPS.get(name) if cluster else None, pane=PANES.get(name)).add_to(group)
    return group


def swatch_circle(color: str, *, hollow: bool = False) -> str:
    fill = "#ffffff" if hollow else color
    return f'<i class="hx-sw hx-sw-circle" style="background:{fill};border-color:{color}"></i>'


def swatch_cluster(color: str) -> str:
    return f'<i class="hx-sw hx-sw-cluster" style="background:{color}">9</i>'


def swatch_badge(color: str, glyph: str) -> str:
    return f'<i class="hx-sw hx-sw-badge" style="background:{color}">{glyph}</i>'


def swatch_diamond(color: str, *, hollow: bool = False) -> str:
    fill = "#ffffff" if hollow else color
    return f'<i class="hx-sw hx-sw-diamond" style="background:{fill};border-color:{color}"></i>'


def swatch_area(color: str, *, dashed: bool = False) -> str:
    border = "dashed" if dashed else "solid"
    return f'<i class="hx-sw hx-sw-area" style="background:{color};border:1px {border} {color}"></i>'


def legend_sections(lang: str, *, layers: Sequence[str] = ("schools", "posts", "crossings", "risks",
                                                            "cameras", "reach")) -> list:
    """Legend sections for the layers shown (labels in ``lang``)."""
    from gis.viz.popups import enum_label, level_label

    sections = []
    if "schools" in layers:
        items = [(swatch_circle(style.LEVEL_COLORS[k]), level_label(k, lang))
                 for k in ("good", "weak", "critical", "unassessed")]
        items.append((swatch_cluster(style.LEVEL_COLORS["critical"]),
                      pick(lang, "聚合：所数，取最差等级色", "cluster: count, worst level")))
        sections.append((pick(lang, "学校（防护评估）", "Schools (assessment)"), items))
    if "posts" in layers:
        sections.append((pick(lang, "警务点", "Police posts"),
                         [(swatch_badge(c, g), enum_label(k, lang)) for k, (c, g) in style.POST_STYLE.items()]))
    if "crossings" in layers:
        items = [(swatch_diamond(style.CROSSING_COLORS[k]), enum_label(k, lang))
                 for k in ("police", "auxiliary", "guard", "volunteer")]
        items.append((swatch_diamond(style.CROSSING_COLORS["none"], hollow=True),
                      pick(lang, "无人值守", "unstaffed")))
        sections.append((pick(lang, "护学岗", "Crossings"), items))
    if "risks" in layers:
        items = [(swatch_badge(c, "险"), pick(lang, f"风险等级 {lvl}", f"risk level {lvl}"))
                 for lvl, c in style.RISK_LEVEL_COLORS.items()]
        items.append((swatch_badge(style.SENSITIVE_COLOR, "人"), pick(lang, "涉敏点位（仅类别）", "restricted (category only)")))
        sections.append((pick(lang, "风险点位", "Risk sites"), items))
    if "cameras" in layers:
        sections.append((pick(lang, "视频监控", "Cameras"), [
            (swatch_area(style.CAMERA_STYLE["networked"]["fillColor"]), pick(lang, "已联网", "networked")),
            (swatch_area(style.CAMERA_STYLE["local"]["fillColor"]), pick(lang, "未联网", "not networked")),
            (swatch_area("#bdbdbd", dashed=True), pick(lang, "故障", "broken"))]))
    if "reach" in layers:
        items = [(swatch_area(style.REACH_STYLE[k]["fillColor"]), pick(lang, f"{k} 分钟可达", f"{k}-min reach"))
                 for k in (1, 3, 5)]
        items.append(('<i class="hx-sw hx-sw-ring"></i>', pick(lang, "同半径圆（对比）", "naive circle")))
        sections.append((pick(lang, "快速反应圈", "Response reach"), items))
    return sections


def add_legend(m: folium.Map, lang: str, *, layers: Sequence[str] | None = None,
               position: str = "bottomright", open_: bool = True) -> folium.Map:
    sections = legend_sections(lang) if layers is None else legend_sections(lang, layers=layers)
    LegendControl(sections, position=position, open_=open_).add_to(m)
    return m


def zoom_for_bounds(bounds: Bounds, *, width_px: int, height_px: int, padding_px: int = 40,
                    max_zoom: float = 17.0) -> float:
    """The Web-Mercator zoom at which ``bounds`` fit a ``width_px`` × ``height_px`` frame."""
    minlon, minlat, maxlon, maxlat = bounds

    def merc_y(lat: float) -> float:
        s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
        return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)

    dx = max((maxlon - minlon) / 360.0, 1e-9)
    dy = max(abs(merc_y(minlat) - merc_y(maxlat)), 1e-9)
    zx = math.log2(max(width_px - 2 * padding_px, 1) / (256.0 * dx))
    zy = math.log2(max(height_px - 2 * padding_px, 1) / (256.0 * dy))
    return float(min(max_zoom, math.floor(min(zx, zy) * 4) / 4))


# ---------------------------------------------------------------- the overview's layers

DEFAULT_LAYERS = ("schools", "posts", "crossings", "risks")
LAYER_ORDER = ("reach", "circles", "cameras", "blind", "risks", "crossings", "posts", "schools")  # bottom→top


def thematic_collections(data: Mapping[str, gpd.GeoDataFrame], assessment=None, *,
                         cover: Mapping[str, gpd.GeoDataFrame] | None = None,
                         reach: gpd.GeoDataFrame | None = None, lang: str = "zh",
                         with_reach: bool = False) -> dict[str, FeatureCollection]:
    """The overview's thematic layers as FeatureCollections (popups in ``lang``).

    Parameters
    ----------
    data : mapping of layer name to GeoDataFrame
        The stored layers (``schools``, ``police_posts``, ``crossings``, ``risk_sites``,
        ``cameras``).
    assessment : DataFrame, optional
        The campus assessment (levels colour the schools and their clusters).
    cover : mapping, optional
        :func:`gis.coverage.coverage_map_layers` (camera ``sectors``, ``blind_spots``,
        ``boundary_blind``).
    reach : GeoDataFrame, optional
        1/3/5-minute reach polygons (with ``circle_radius_m``), used when ``with_reach``.
    """
    schools, posts = data["schools"], data["police_posts"]
    names = dict(zip(schools["id"].astype(str), schools["name"], strict=False)) if len(schools) else {}
    post_names = dict(zip(posts["id"].astype(str), posts["name"], strict=False)) if len(posts) else {}
    cover = cover or {}
    sectors = cover.get("sectors")
    cameras = data.get("cameras")
    if sectors is not None and len(sectors) and cameras is not None and len(cameras):
        extra = [c for c in ("status", "networked", "owner", "direction_deg", "fov_deg", "range_m")
                 if c not in sectors.columns and c in cameras.columns]
        key = "camera_id" if "camera_id" in sectors.columns else "id"
        if extra and key in sectors.columns:
            cams = pd.DataFrame(cameras[["id", *extra]]).rename(columns={"id": key})
            sectors = sectors.merge(cams, on=key, how="left")
    out = {
        "schools": features.school_features(schools, assessment, lang=lang),
        "posts": features.post_features(posts, lang=lang),
        "crossings": features.crossing_features(data["crossings"], lang=lang, school_names=names),
        "risks": features.risk_features(data["risk_sites"], lang=lang),
        "cameras": features.camera_features(sectors, lang=lang) if sectors is not None
        else features.empty_collection(),
        "blind": features.blind_features(cover.get("blind_spots"), cover.get("boundary_blind"), lang=lang),
    }
    if with_reach:
        out["reach"] = features.reach_features(reach, lang=lang, post_names=post_names)
        out["circles"] = features.circle_features(reach, posts, lang=lang)
    return out


def overview_groups(collections: Mapping[str, FeatureCollection | PackedLayer],
                    chosen: Sequence[str], *,
                    order: Sequence[str] = LAYER_ORDER) -> list[folium.FeatureGroup]:
    """One feature group per chosen layer in ``order`` (bottom to top) that has a collection,
    clustered where :data:`CLUSTERS` says."""
    return [feature_group(name, [collections.get(name) or features.empty_collection()])
            for name in order if name in chosen and name in collections]


def map_payload_bytes(m: folium.Map, groups: Sequence[folium.FeatureGroup] = ()) -> int:
    """Bytes of the map as streamlit-folium ships it: the map's HTML with its feature groups.

    The groups are added to ``m`` (as streamlit-folium does); render a fresh map afterwards.
    """
    for group in groups:
        group.add_to(m)
    return len(m.get_root().render().encode("utf-8"))
