"""Map layers of a scenario (部署推演): proposed sites, their new reach, schools by level after.

Pure folium/GeoJSON building from a scenario's result dict (``gis.siting.scenario``), no
Streamlit. Proposed sites are purple badges (亭 kiosk, 室 office, 摄 camera, 岗 护学岗) with the
schools they newly reach in the tooltip; reach polygons are drawn dashed blue.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from gis.viz.features import FeatureCollection, badge, collect, empty_collection, school_features

PROPOSAL_COLOR = "#7b2cbf"
GLYPHS = {"kiosk": "亭", "office": "室", "camera": "摄", "crossing": "岗", "whatif": "亭"}
REACH_STYLE = {"color": "#1f77b4", "weight": 1.5, "dashArray": "5 4", "fillColor": "#1f77b4", "fillOpacity": 0.12}


def _frame(collection: Mapping[str, Any] | None) -> gpd.GeoDataFrame:
    feats = (collection or {}).get("features") or []
    if not feats:
        return gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame.from_features(feats, crs="EPSG:4326")


def proposal_features(result: Mapping[str, Any], *, lang: str = "zh") -> FeatureCollection:
    """The proposed sites as badges; tooltip: name and what it brings."""
    props = _frame(result.get("proposals"))

    def style(row: Mapping[str, Any]) -> dict[str, Any]:
        glyph = GLYPHS.get(str(row.get("kind")), "新")
        bits = [str(row.get("name") or row.get("id"))]
        names = row.get("newly_reached_names")
        if isinstance(names, list) and names:
            bits.append(("新增可达：" if lang == "zh" else "newly reached: ") + "、".join(map(str, names)))
        if row.get("school_name"):
            bits.append(str(row["school_name"]))
        if row.get("blind_m2") is not None and not pd.isna(row.get("blind_m2")):
            bits.append(f"{float(row['blind_m2']):.0f} m²")
        return {"_icon": badge(glyph, PROPOSAL_COLOR, size=24, shape="circle"),
                "_tooltip": html.escape(" · ".join(bits))}

    return collect(props, style)


def reach_features_of(result: Mapping[str, Any]) -> FeatureCollection:
    """The new sites' reach polygons (dashed)."""
    reach = _frame(result.get("reach"))
    return collect(reach, lambda row: {"_style": dict(REACH_STYLE)}) if len(reach) else empty_collection()


def schools_after(schools: gpd.GeoDataFrame, result: Mapping[str, Any], *, lang: str = "zh") -> FeatureCollection:
    """Schools coloured by their level after the scenario."""
    levels = result.get("levels") or {}
    table = pd.DataFrame({"school_id": list(levels), "level": [v[1] for v in levels.values()]})
    return school_features(schools, table if len(table) else None, lang=lang)
