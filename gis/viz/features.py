"""GeoDataFrames → GeoJSON FeatureCollections that carry their own look.

Each feature's properties hold only what the browser needs: ``_style`` (Leaflet path
options), optionally ``_popup`` / ``_tooltip`` (escaped HTML), ``_icon`` (a CSS badge
for ``L.divIcon``) or ``_circle_m`` (a circle of that radius in metres). No other
attribute leaves the server, so a sensitive note can never reach the page by accident.
Coordinates are EPSG:4326, rounded to 1e-6 degree (about 0.1 m).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from gis.schema import is_sensitive as schema_is_sensitive
from gis.schema import main_gate
from gis.viz import popups, style

FeatureCollection = dict[str, Any]
CRS_WGS84 = "EPSG:4326"


def empty_collection() -> FeatureCollection:
    return {"type": "FeatureCollection", "features": []}


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is not None and not gdf.crs.equals(CRS_WGS84):
        return gdf.to_crs(CRS_WGS84)
    return gdf


def geometry_json(geom: Any) -> dict[str, Any] | None:
    """GeoJSON geometry of a shapely geometry, rounded to 1e-6 degree; None when empty."""
    if geom is None or (hasattr(geom, "is_empty") and geom.is_empty):
        return None
    rounded = shapely.transform(geom, lambda xy: np.round(xy, 6))
    return mapping(rounded)


def collect(gdf: gpd.GeoDataFrame, props: Callable[[Mapping[str, Any]], dict[str, Any] | None], *,
            geometry: Callable[[Mapping[str, Any]], Any] | None = None) -> FeatureCollection:
    """Build a FeatureCollection from rows; ``props`` returns the properties (None skips the row)."""
    if gdf is None or len(gdf) == 0:
        return empty_collection()
    gdf = to_wgs84(gdf)
    geom_name = gdf.geometry.name
    features = []
    for row in gdf.to_dict("records"):
        geom = geometry(row) if geometry else row.get(geom_name)
        gj = geometry_json(geom)
        if gj is None:
            continue
        p = props(row)
        if p is None:
            continue
        features.append({"type": "Feature", "geometry": gj, "properties": p})
    return {"type": "FeatureCollection", "features": features}




def badge(glyph: str, color: str, *, size: int = 22, shape: str = "square",
          hollow: bool = False, dashed: bool = False) -> dict[str, Any]:
    """A CSS badge for ``L.divIcon``: one glyph on a coloured square, circle or diamond;
    ``dashed``: white with a dashed outline and a coloured glyph (a planned post)."""
    radius = {"circle": "50%", "diamond": "2px"}.get(shape, "4px")
    turn = "transform:rotate(45deg);" if shape == "diamond" else ""
    fill = f"background:#ffffff;border:3px solid {color};box-sizing:border-box;" if hollow \
        else f"background:{color};"
    if dashed:
        fill = f"background:#ffffff;border:2px dashed {color};color:{color};box-sizing:border-box;"
    inner = (f'<div class="hx-badge" style="{fill}{turn}width:{size}px;height:{size}px;'
             f'line-height:{size}px;border-radius:{radius};font-size:{int(size * 0.62)}px">'
             f"{html.escape(glyph)}</div>")
    return {"html": inner, "size": size}


# ---------------------------------------------------------------- basemap

MAX_BASEMAP_ROADS = 40_000


def basemap_roads(roads: gpd.GeoDataFrame, *, max_roads: int = MAX_BASEMAP_ROADS) -> gpd.GeoDataFrame:
    """Roads for display, minor ones first (drawn under the big ones), simplified to ~1 m.

    At county scale the smallest classes (service, living street, then residential …) are
    left off until at most ``max_roads`` remain, so the page stays light; the analyses
    always use every road.
    """
    ranks = roads["highway"].map(style.ROAD_CLASSES).fillna(4).astype(int)
    out = roads.assign(_rank=ranks)
    for rank in (5, 4, 3):
        if len(out) <= max_roads:
            break
        out = out[out["_rank"] < rank]
    out = out.set_geometry(out.geometry.simplify(1e-5, preserve_topology=False))
    return out.sort_values("_rank", ascending=False, kind="mergesort")


def road_features(roads: gpd.GeoDataFrame, *, theme: str = "light") -> FeatureCollection:
    """Roads drawn by class: wider and warmer for bigger roads; minor roads first."""
    if roads is None or len(roads) == 0:
        return empty_collection()
    ordered = basemap_roads(roads)

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        color, width = style.ROAD_STYLE[theme][int(row["_rank"])]
        p: dict[str, Any] = {"_style": {"color": color, "weight": width, "opacity": 1.0,
                                        "lineCap": "round", "lineJoin": "round"}}
        name = row.get("name")
        if isinstance(name, str) and name:
            p["_tooltip"] = html.escape(name)
        return p

    return collect(ordered, props)


def road_casing_features(roads: gpd.GeoDataFrame, *, theme: str = "light") -> FeatureCollection:
    """A thin darker line under every road so white roads stand out from the background."""
    casing = style.ROAD_CASING.get(theme)
    if casing is None or roads is None or len(roads) == 0:
        return empty_collection()
    ordered = basemap_roads(roads)

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        _, width = style.ROAD_STYLE[theme][int(row["_rank"])]
        return {"_style": {"color": casing, "weight": width + 1.6, "opacity": 1.0,
                           "lineCap": "round", "lineJoin": "round"}}

    return collect(ordered, props)


def water_features(water: gpd.GeoDataFrame | None, *, theme: str = "light") -> FeatureCollection:
    if water is None or len(water) == 0:
        return empty_collection()
    base = style.WATER_STYLE[theme]

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        geom = row.get(water.geometry.name)
        if geom is not None and geom.geom_type in ("LineString", "MultiLineString"):
            return {"_style": {"color": base["fillColor"], "weight": 3, "opacity": 1.0}}
        return {"_style": dict(base)}

    return collect(water, props)


def campus_features(schools: gpd.GeoDataFrame, *, theme: str = "light") -> FeatureCollection:
    """Campus outlines (the optional ``campus`` polygon of each school)."""
    if schools is None or len(schools) == 0 or "campus" not in schools:
        return empty_collection()
    campuses = gpd.GeoDataFrame(schools[["id", "campus"]].copy(), geometry="campus",
                                crs=schools.crs or CRS_WGS84)
    campuses = campuses[campuses.geometry.notna()]
    return collect(campuses, lambda row: {"_style": dict(style.CAMPUS_OUTLINE[theme])})


def jurisdiction_features(posts: gpd.GeoDataFrame | None, *, theme: str = "light") -> FeatureCollection:
    """派出所 jurisdiction outlines from the stations' ``jurisdiction`` polygons."""
    if posts is None or len(posts) == 0 or "jurisdiction" not in posts:
        return empty_collection()
    areas = gpd.GeoDataFrame(posts[["id", "name", "jurisdiction"]].copy(), geometry="jurisdiction",
                             crs=posts.crs or CRS_WGS84)
    areas = areas[areas.geometry.notna()]
    return collect(areas, lambda row: {"_style": dict(style.JURISDICTION_STYLE[theme]),
                                       "_tooltip": html.escape(str(row.get("name") or row["id"]))})


# ---------------------------------------------------------------- thematic layers

def school_features(schools: gpd.GeoDataFrame, assessment: pd.DataFrame | None = None, *,
                    lang: str = "zh", with_popup: bool = True, scale: float = 1.0,
                    pane: str | None = "hxTop") -> FeatureCollection:
    """Schools at their main gate, coloured by assessment level (grey ``未评估`` without one)."""
    if schools is None or len(schools) == 0:
        return empty_collection()
    merged = join_assessment(schools, assessment)

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        level = row.get("level")
        level = level if isinstance(level, str) and level in style.LEVEL_COLORS else "unassessed"
        color = style.LEVEL_COLORS[level]
        p: dict[str, Any] = {
            "_style": {"radius": scale * style.school_radius(_num(row.get("enrollment"))),
                       "color": "#ffffff", "weight": 2 * scale, "fillColor": color, "fillOpacity": 0.95},
            "_tooltip": html.escape(str(row.get("name") or row["id"])),
            "_rank": style.LEVEL_RANK[level],
        }
        if pane:
            p["_style"]["pane"] = pane
        if with_popup:
            p["_popup"] = popups.school_popup(row, lang)
        return p

    return collect(merged, props, geometry=lambda row: main_gate(row.get(merged.geometry.name)))


def join_assessment(schools: gpd.GeoDataFrame, assessment: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Schools with the assessment columns (score, level, reasons, response_s) joined by ``id``."""
    if assessment is None or len(assessment) == 0:
        return schools
    extra = pd.DataFrame(assessment)
    if "id" not in extra.columns and "school_id" in extra.columns:
        extra = extra.rename(columns={"school_id": "id"})
    if "id" not in extra.columns:
        return schools
    keep = [c for c in extra.columns if c not in schools.columns or c == "id"]
    keep = [c for c in keep if c != "geometry"]
    extra = extra[keep].assign(id=extra["id"].astype(str)).drop_duplicates("id")
    return schools.assign(id=schools["id"].astype(str)).merge(extra, on="id", how="left")


def post_features(posts: gpd.GeoDataFrame, *, lang: str = "zh", size: int = 22,
                  with_popup: bool = True) -> FeatureCollection:
    """Police posts as badges by kind: 所 station, 室 office, 亭 kiosk, 巡 patrol base."""
    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        color, glyph = style.POST_STYLE.get(str(row.get("kind")), ("#1f4e9c", "警"))
        planned = str(row.get("status")) == "planned"
        label = str(row.get("name") or row["id"]) + (("（规划）" if lang == "zh" else " (planned)") if planned else "")
        p: dict[str, Any] = {"_icon": badge(glyph, color, size=size, dashed=planned),
                             "_tooltip": html.escape(label)}
        if with_popup:
            p["_popup"] = popups.post_popup(row, lang)
        return p

    return collect(posts, props)


def camera_features(sectors: gpd.GeoDataFrame, *, lang: str = "zh") -> FeatureCollection:
    """Camera coverage sectors (polygons), purple when networked, grey dashed when broken."""
    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        if str(row.get("status")) == "broken" or row.get("working") is False:
            key = "broken"
        elif bool(row.get("networked")) and not popups.is_missing(row.get("networked")):
            key = "networked"
        else:
            key = "local"
        return {"_style": dict(style.CAMERA_STYLE[key]), "_popup": popups.camera_popup(row, lang)}

    return collect(sectors, props)


def crossing_features(crossings: gpd.GeoDataFrame, *, lang: str = "zh",
                      school_names: Mapping[str, str] | None = None) -> FeatureCollection:
    """护学岗 as small diamonds by who staffs them; unstaffed ones hollow red."""
    names = school_names or {}

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        staffed_by = str(row.get("staffed_by") or "none")
        staffed = staffed_by != "none" and (_num(row.get("staff")) or 0) > 0
        color = style.CROSSING_COLORS.get(staffed_by if staffed else "none", "#d7263d")
        data = dict(row)
        data["school_name"] = names.get(str(row.get("school_id")))
        label = popups.enum_label(staffed_by if staffed else "none", lang)
        return {"_icon": badge("", color, size=11, shape="diamond", hollow=not staffed),
                "_tooltip": html.escape(popups.pick(lang, "护学岗 · ", "Crossing · ") + label),
                "_popup": popups.crossing_popup(data, lang), "_rank": 0 if staffed else 1}

    return collect(crossings, props)


def is_sensitive(row: Mapping[str, Any]) -> bool:
    """A risk site whose details are restricted (:func:`gis.schema.is_sensitive`, the one rule)."""
    return schema_is_sensitive(row)


def risk_features(risks: gpd.GeoDataFrame, *, lang: str = "zh",
                  with_popup: bool = True) -> FeatureCollection:
    """Risk sites as category badges; sensitive ones are a plain category badge and nothing more."""
    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        category = str(row.get("category"))
        glyph = style.RISK_GLYPHS.get(category, "他")
        sensitive = is_sensitive(row)
        if sensitive:
            color = style.SENSITIVE_COLOR
        else:
            color = style.RISK_LEVEL_COLORS.get(int(_num(row.get("level")) or 1), "#e9a23b")
        # the cluster colour follows the level, never for a restricted site (rank 0)
        rank = 0 if sensitive else int(_num(row.get("level")) or 1)
        p: dict[str, Any] = {"_icon": badge(glyph, color, size=20, shape="circle"),
                             "_tooltip": html.escape(popups.enum_label(category, lang)), "_rank": rank}
        if with_popup:
            p["_popup"] = popups.risk_popup(row, lang, sensitive=sensitive)
        return p

    return collect(risks, props)


def reach_features(reach: gpd.GeoDataFrame, *, lang: str = "zh",
                   post_names: Mapping[str, str] | None = None,
                   simplify_deg: float = 1e-5) -> FeatureCollection:
    """Reach polygons per post and band, the largest band first.

    The corridors are simplified by ``simplify_deg`` degrees (1e-5 ≈ 1 m) for display: the
    buffer's rounded caps carry most of the vertices and nobody sees them at map scale.
    """
    if reach is None or len(reach) == 0:
        return empty_collection()
    names = post_names or {}
    ordered = to_wgs84(reach).sort_values("minutes", ascending=False)
    if simplify_deg:
        ordered = ordered.set_geometry(ordered.geometry.simplify(simplify_deg, preserve_topology=False))

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        minutes = int(row["minutes"])
        s = dict(style.REACH_STYLE.get(minutes, style.REACH_STYLE[5]))
        data = dict(row)
        data["post_name"] = names.get(str(row.get("post_id")))
        return {"_style": s, "_popup": popups.reach_popup(data, lang)}

    return collect(ordered, props)


def circle_features(reach: gpd.GeoDataFrame, posts: gpd.GeoDataFrame, *,
                    lang: str = "zh") -> FeatureCollection:
    """The naive circle of each post and band (radius ``circle_radius_m``), dashed, unfilled."""
    if reach is None or len(reach) == 0 or posts is None or len(posts) == 0:
        return empty_collection()
    points = dict(zip(posts["id"].astype(str), to_wgs84(posts).geometry, strict=False))
    names = dict(zip(posts["id"].astype(str), posts["name"], strict=False))

    def props(row: Mapping[str, Any]) -> dict[str, Any] | None:
        if popups.is_missing(row.get("circle_radius_m")):
            return None
        data = dict(row)
        data["post_name"] = names.get(str(row.get("post_id")))
        return {"_style": dict(style.CIRCLE_STYLE), "_circle_m": float(row["circle_radius_m"]),
                "_popup": popups.reach_popup(data, lang)}

    return collect(reach, props, geometry=lambda row: points.get(str(row.get("post_id"))))


def focus_features(geoms: gpd.GeoDataFrame | None, kind: str, *,
                   tooltip: Callable[[Mapping[str, Any]], str] | None = None) -> FeatureCollection:
    """Gate zones, blind spots or routes of the focused school, in the focus style ``kind``."""
    if geoms is None or len(geoms) == 0:
        return empty_collection()

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        s = dict(style.FOCUS_STYLE[kind])
        if row.get("color"):
            s["color"] = row["color"]
        p: dict[str, Any] = {"_style": s}
        if tooltip:
            p["_tooltip"] = html.escape(tooltip(row))
        return p

    return collect(geoms, props)


def blind_features(gate_blind: gpd.GeoDataFrame | None, boundary_blind: gpd.GeoDataFrame | None, *,
                   lang: str = "zh", school_id: str | None = None) -> FeatureCollection:
    """Camera blind parts: gate-zone areas not seen (polygons) and campus-boundary stretches not
    seen (lines), each with its share and size in the tooltip; one school's when ``school_id``."""
    frames = []
    for frame, kind in ((gate_blind, "blind_spot"), (boundary_blind, "boundary_blind")):
        if frame is None or len(frame) == 0:
            continue
        part = frame if school_id is None else frame[frame["school_id"].astype(str) == school_id]
        if len(part):
            frames.append((part, kind))
    if not frames:
        return empty_collection()
    out = empty_collection()
    for part, kind in frames:
        if kind == "blind_spot":
            def tip(r: Mapping[str, Any]) -> str:
                share = _num(r.get("gate_camera_share")) or 0.0
                return popups.pick(lang, f"校门区域盲区 {_num(r.get('blind_m2')) or 0:.0f} 平方米（覆盖率 {share:.0%}）",
                            f"Gate-zone blind area {_num(r.get('blind_m2')) or 0:.0f} m² (seen {share:.0%})")
        else:
            def tip(r: Mapping[str, Any]) -> str:
                share = _num(r.get("boundary_camera_share")) or 0.0
                return popups.pick(lang, f"围界未覆盖 {_num(r.get('blind_m')) or 0:.0f} 米（围界覆盖率 {share:.0%}）",
                            f"Boundary unseen {_num(r.get('blind_m')) or 0:.0f} m (seen {share:.0%})")
        coll = focus_features(part, kind, tooltip=tip)
        out["features"].extend(coll["features"])
    return out


def _num(value: Any) -> float | None:
    if popups.is_missing(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
