"""Map layers of a scenario (部署推演): proposed sites, their new reach, schools by level after.

Pure folium/GeoJSON building from a scenario's result dict (``gis.siting.scenario``), no
Streamlit. Proposed sites are purple badges (亭 kiosk, 室 office, 摄 camera, 岗 护学岗) with the
schools they newly reach in the tooltip; reach polygons are drawn dashed blue.

:class:`DraggablePosts` draws the posts of the what-if as badges the mouse can drag. A drop is
reported through the channel streamlit-folium already listens to: the marker fires Leaflet.Draw's
``draw:edited`` event on the map with itself as the layer, so ``st_folium`` returns it as
``last_active_drawing`` (a GeoJSON Point whose ``properties.post_id`` names the post), and the
same value is handed to Streamlit at once instead of after the component's 250 ms debounce. No
Leaflet.Draw script is needed (nothing to vendor); plain Leaflet markers are draggable.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
from folium.elements import MacroElement
from folium.template import Template

from gis.viz import style as viz_style
from gis.viz.features import FeatureCollection, badge, collect, empty_collection, school_features
from gis.viz.maps import TOP_PANE

PROPOSAL_COLOR = "#7b2cbf"
# which badge lies on top where posts overlap at county zoom: what planners move most (kiosks), then
# offices, patrol bases, stations; the posts moved or added in the session above all
DRAG_ORDER = {"kiosk": 600, "office": 400, "patrol_base": 200}
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


class DraggablePosts(MacroElement):
    """Posts as draggable badges inside a feature group; a drop fires ``draw:edited``.

    Parameters
    ----------
    posts : GeoDataFrame
        ``id``, ``name``, ``kind`` and point geometries (EPSG:4326).
    lang : str
        ``zh`` or ``en`` (tooltips).
    highlight : iterable of str
        Post ids drawn in the proposal colour (moved or added in the session).
    revision : int
        Changes the script when the posts do not (a refused drop puts the badge back).
    pane : str
        The map pane (default the top pane of :func:`gis.viz.maps.new_map`, above the schools,
        so a badge under a school's circle can still be grabbed).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {  /* revision {{ this.revision }} */
            var group = {{ this._parent.get_name() }};
            {{ this.posts|tojson }}.forEach(function (p) {
                var icon = L.divIcon({html: p.icon.html, className: "hx-divicon hx-drag-post",
                                      iconSize: [p.icon.size, p.icon.size],
                                      iconAnchor: [p.icon.size / 2, p.icon.size / 2]});
                var marker = L.marker([p.lat, p.lng], {icon: icon, draggable: true, autoPan: true,
                                                       keyboard: false, title: p.title, zIndexOffset: p.z,
                                                       pane: {{ this.pane|tojson }}});
                marker.feature = {type: "Feature", properties: {post_id: p.id, name: p.name}};
                marker.bindTooltip(p.tooltip);
                marker.on("dragend", function () {
                    var map = marker._map;
                    if (!map) { return; }
                    map.fire("draw:edited", {layer: marker, layerType: "marker"});
                    // streamlit-folium sends after a 250 ms debounce; send the same value now (its
                    // later call then finds nothing new; if it does, the page ignores a repeated drop)
                    var gd = window.__GLOBAL_DATA__;
                    if (window.Streamlit && gd && gd.returned_objects) {
                        var all = {last_clicked: gd.lat_lng_clicked, last_active_drawing: gd.last_active_drawing};
                        var data = {};
                        Object.keys(all).forEach(function (k) {
                            if (gd.returned_objects.indexOf(k) >= 0) { data[k] = all[k]; }
                        });
                        gd.previous_data = data;
                        window.Streamlit.setComponentValue(data);
                    }
                });
                marker.addTo(group);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, posts: gpd.GeoDataFrame, *, lang: str = "zh", highlight=(), revision: int = 0,
                 pane: str = TOP_PANE) -> None:
        super().__init__()
        self._name = "DraggablePosts"
        self.pane = pane
        self.revision = int(revision)
        marked = {str(h) for h in highlight}
        rows = []
        hint = "（拖动以移动）" if lang == "zh" else " (drag to move)"
        for pid, name, kind, geom in zip(posts["id"].astype(str), posts["name"], posts["kind"],
                                         posts.geometry, strict=True):
            if geom is None or geom.is_empty:
                continue
            color, glyph = viz_style.POST_STYLE.get(str(kind), ("#1f4e9c", "警"))
            if pid in marked:
                color = PROPOSAL_COLOR
            label = str(name if name is not None and not pd.isna(name) else pid)
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            rows.append({"id": pid, "name": label, "lng": round(pt.x, 7), "lat": round(pt.y, 7),
                         "icon": badge(glyph, color, size=24), "title": label,
                         "z": 1000 if pid in marked else DRAG_ORDER.get(str(kind), 0),
                         "tooltip": html.escape(label + hint)})
        self.posts = rows


def dropped_post(value: Mapping[str, Any] | None) -> tuple[str, float, float] | None:
    """``(post_id, lon, lat)`` from ``st_folium``'s ``last_active_drawing`` after a drag, else None."""
    if not isinstance(value, Mapping):
        return None
    props = value.get("properties") or {}
    geom = value.get("geometry") or {}
    coords = geom.get("coordinates") if isinstance(geom, Mapping) else None
    pid = props.get("post_id") if isinstance(props, Mapping) else None
    if pid is None or geom.get("type") != "Point" or not isinstance(coords, list | tuple) or len(coords) < 2:
        return None
    try:
        return str(pid), float(coords[0]), float(coords[1])
    except (TypeError, ValueError):
        return None
