"""Small folium elements of our own: pure Leaflet, no plugin, no jQuery, no icon font.

- :class:`StyledGeoJson` draws a FeatureCollection built by :mod:`gis.viz.features`
  (each feature carries ``_style`` / ``_popup`` / ``_tooltip`` / ``_icon`` / ``_circle_m``).
- :class:`LegendControl` a Leaflet control holding a legend (HTML built here, escaped).
- :class:`AttributionNote` adds a line (e.g. "© OpenStreetMap contributors") to the
  attribution control.
- :class:`FocusRotator` flies the map over a list of areas every N seconds and shows
  the focused area's name and figures in a panel: the wall display's rotation, done in
  the browser so the page never reruns for it.
"""

from __future__ import annotations

import html
from typing import Any

from folium.elements import MacroElement
from folium.map import Layer
from folium.template import Template

from gis.viz.pack import PackedLayer, pack_layer

CANVAS_ABOVE = 5000  # features; above this a layer draws on a canvas instead of SVG


class StyledGeoJson(Layer):
    """A GeoJSON layer whose features carry their own style, popup, tooltip and icon.

    The data travel packed (:mod:`gis.viz.pack`) and are unpacked by ``static/js/map.js``;
    popups are joined only when opened. A large layer travels deflated
    (``PackedLayer.zipped``): the element is then an empty ``L.featureGroup`` that receives
    the layer as soon as the browser has inflated it (a few milliseconds).

    Parameters
    ----------
    data : dict or PackedLayer
        A FeatureCollection from :mod:`gis.viz.features`, or one already packed (cached).
    name : str
        Name in a layer control.
    interactive : bool
        False for basemap layers (no hover, clicks pass through).
    viewport_scale : bool
        Scale line widths, circle radii and badges with the frame height (1 up to 800 px,
        2 at 1600 px …): the wall display looks the same at 1920×1080 and 3840×2160.
    casing : dict, optional
        ``{"color": …, "extra": px}``: draw every line a second time underneath, wider, in
        that colour (road casings without sending the roads twice).
    cluster : dict, optional
        Options of ``hxCluster`` (``kind``, ``colors`` by ``_rank``, ``color``, ``disableAt``,
        ``radius``): point features are grouped with Leaflet.markercluster until zoom
        ``disableAt``; each cluster shows its count in the colour of its worst member.
    swap : dict, optional
        ``hxZoomSwap`` options (``minZoom`` and cluster options): the features from that
        zoom on, a cluster of their points below it (camera sectors).
    pane : str, optional
        Map pane of the point symbols and their clusters (e.g. ``hxLow``, under the other
        markers: police posts must not hide a school cluster's count).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var k = {{ "Math.max(1, window.innerHeight / 800)" if this.viewport_scale else "1" }};
            var pane = {{ this.pane|tojson }};
            function scaled(s) {
                if (k === 1) { return s; }
                var o = Object.assign({}, s);
                if (o.weight) { o.weight = o.weight * k; }
                if (o.radius) { o.radius = o.radius * k; }
                return o;
            }
            function build(data) {
                function layerOf(style) {
                    return L.geoJson(data, {
                        interactive: style ? false : {{ this.interactive|tojson }},
                        {%- if this.canvas %}
                        renderer: L.canvas({padding: 0.5}),
                        {%- endif %}
                        {%- if this.attribution %}
                        attribution: {{ this.attribution|tojson }},
                        {%- endif %}
                        style: function (f) { return scaled(style ? style(f.properties._style || {}) : (f.properties._style || {})); },
                        pointToLayer: function (f, latlng) {
                            var p = f.properties, s = scaled(p._style || {});
                            if (p._rank !== undefined) { s = Object.assign({hxRank: p._rank}, s); }
                            if (pane) { s = Object.assign({pane: pane}, s); }
                            if (p._icon) {
                                var size = p._icon.size * k;
                                var inner = k === 1 ? p._icon.html : '<div style="transform:scale(' + k +
                                    ');transform-origin:0 0">' + p._icon.html + '</div>';
                                return L.marker(latlng, {icon: L.divIcon({html: inner, className: "hx-divicon",
                                    iconSize: [size, size], iconAnchor: [size / 2, size / 2]}),
                                    interactive: {{ this.interactive|tojson }}, keyboard: false, hxRank: p._rank,
                                    pane: pane || "markerPane"});
                            }
                            if (p._circle_m) {
                                return L.circle(latlng, Object.assign({radius: p._circle_m}, s));
                            }
                            return L.circleMarker(latlng, s);
                        },
                        onEachFeature: function (f, layer) {
                            var p = f.properties;
                            if (style) { return; }
                            if (p._rank !== undefined) { layer.options.hxRank = p._rank; }
                            if (p._popupParts || p._popup) {
                                layer.bindPopup(function () { return window.hxPopup(p); }, {maxWidth: 380});
                            }
                            if (p._tooltip) { layer.bindTooltip(p._tooltip, {sticky: true}); }
                        }
                    });
                }
                var main = layerOf(null);
                {%- if this.casing %}
                var casing = {{ this.casing|tojson }};
                return L.layerGroup([layerOf(function (s) {
                    return {color: casing.color, weight: (s.weight || 1) + casing.extra, opacity: 1,
                            lineCap: "round", lineJoin: "round"};
                }), main]);
                {%- elif this.cluster %}
                var group = window.hxCluster(Object.assign({scale: k, clusterPane: pane || "markerPane"},
                                                           {{ this.cluster|tojson }}));
                group.addLayers(main.getLayers());
                return group;
                {%- elif this.swap %}
                return window.hxZoomSwap(main, Object.assign({scale: k}, {{ this.swap|tojson }}));
                {%- else %}
                return main;
                {%- endif %}
            }
            {%- if this.packed.zipped %}
            // deflated on the wire (gis.viz.pack.PackedLayer.zipped): a holder now, the layer
            // once inflated, in script order so the drawing order stays the same
            var holder = L.featureGroup();
            window.hxInflate("{{ this.packed.zipped }}").then(function (data) {
                holder.addLayer(build(data));
            });
            return holder;
            {%- else %}
            return build(window.hxUnpack({{ this.packed.json }}));
            {%- endif %}
        })();
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any] | PackedLayer, *, name: str | None = None,
                 show: bool = True, interactive: bool = True, attribution: str | None = None,
                 control: bool = True, viewport_scale: bool = False,
                 casing: dict[str, Any] | None = None, cluster: dict[str, Any] | None = None,
                 swap: dict[str, Any] | None = None, pane: str | None = None) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "StyledGeoJson"
        self.packed = data if isinstance(data, PackedLayer) else pack_layer(data)
        self.interactive = interactive
        self.attribution = attribution
        self.viewport_scale = viewport_scale
        self.casing = casing
        self.cluster = cluster
        self.swap = swap
        self.pane = pane
        # thousands of features draw faster on one canvas than as SVG paths (county basemaps)
        self.canvas = self.packed.n > CANVAS_ABOVE and not cluster and not swap

    @property
    def data(self) -> str:
        """The packed JSON this layer sends (its weight on the wire)."""
        return self.packed.json


class LegendControl(MacroElement):
    """A legend in a map corner.

    Parameters
    ----------
    sections : list of (title, items)
        ``items`` are ``(swatch_html, label)``; labels are escaped here, swatches are our own HTML.
    position : str
        Leaflet control position.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "hx-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]], *,
                 position: str = "bottomright", open_: bool = True) -> None:
        super().__init__()
        self._name = "LegendControl"
        self.position = position
        self.html = legend_html(sections, open_=open_)


def legend_html(sections: list[tuple[str, list[tuple[str, str]]]], *, open_: bool = True) -> str:
    parts = []
    for title, items in sections:
        rows = "".join(f'<div class="hx-legend-row">{swatch}<span>{html.escape(label)}</span></div>'
                       for swatch, label in items)
        parts.append(f'<div class="hx-legend-title">{html.escape(title)}</div>'
                     f'<div class="hx-legend-grid">{rows}</div>')
    body = "".join(parts)
    return f'<details class="hx-legend-box"{" open" if open_ else ""}><summary>图例 Legend</summary>{body}</details>'


class AttributionNote(MacroElement):
    """Add ``text`` (escaped) to the map's attribution control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        }
        {% endmacro %}
    """)

    def __init__(self, text: str, *, prefix: str = "Leaflet") -> None:
        super().__init__()
        self._name = "AttributionNote"
        self.text = html.escape(text)
        self.prefix = prefix


class FocusRotator(MacroElement):
    """Fly over ``stops`` every ``seconds`` and show the stop's panel (wall display).

    Parameters
    ----------
    stops : list of dict
        ``{"bounds": [[south, west], [north, east]], "html": panel HTML (already escaped)}``.
        The first stop is the whole area.
    seconds : float
        Dwell per stop, in seconds.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var stops = {{ this.stops|tojson }};
            if (!stops.length) { return; }
            var panel = L.control({position: "topleft"});
            panel.onAdd = function () {
                this._div = L.DomUtil.create("div", "hx-focus");
                return this._div;
            };
            panel.addTo(map);
            var i = 0, outline = null;
            function show() {
                var s = stops[i % stops.length];
                panel._div.innerHTML = s.html;
                panel._div.setAttribute("data-stop", String(i % stops.length));
                if (outline) { map.removeLayer(outline); outline = null; }
                if (s.area) {
                    var st = Object.assign({}, {{ this.outline|tojson }});
                    st.weight = (st.weight || 3) * Math.max(1, window.innerHeight / 800);
                    outline = L.geoJson(s.area, {interactive: false, style: st}).addTo(map);
                }
                map.invalidateSize(false);
                // keep the schools clear of the panel (top left) and the legend (bottom right)
                var left = panel._div.offsetWidth + 40, legend = document.querySelector(".hx-legend");
                var right = legend ? legend.offsetWidth + 40 : 60;
                map.flyToBounds(s.bounds, {paddingTopLeft: [left, 40], paddingBottomRight: [right, 40],
                                           duration: 1.2, maxZoom: 17});
                i += 1;
            }
            window.setTimeout(function () {
                show();
                if (stops.length > 1) { window.setInterval(show, {{ this.ms|tojson }}); }
            }, 400);
        })();
        {% endmacro %}
    """)

    def __init__(self, stops: list[dict[str, Any]], *, seconds: float = 20.0,
                 outline: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._name = "FocusRotator"
        self.stops = stops
        self.outline = outline or {"color": "#ffd166", "weight": 3, "fill": False}
        self.ms = int(max(2.0, float(seconds)) * 1000)


class ContainerClass(MacroElement):
    """Add a CSS class to the map's container (e.g. ``hx-wall`` for the dark wall styles)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.DomUtil.addClass({{ this._parent.get_name() }}.getContainer(), {{ this.css_class|tojson }});
        {% endmacro %}
    """)

    def __init__(self, css_class: str) -> None:
        super().__init__()
        self._name = "ContainerClass"
        self.css_class = css_class


class TopPane(MacroElement):
    """A map pane of our own: above the marker badges (z-index 640, the default) for the symbols
    that matter most, or just under them (590) for symbols that must not hide others."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.createPane({{ this.pane|tojson }});
        {{ this._parent.get_name() }}.getPane({{ this.pane|tojson }}).style.zIndex = {{ this.z|tojson }};
        {% endmacro %}
    """)

    def __init__(self, pane: str = "hxTop", *, z: int = 640) -> None:
        super().__init__()
        self._name = "TopPane"
        self.pane = pane
        self.z = int(z)


class FitOnLoad(MacroElement):
    """Fit ``bounds`` again once the frame has its final size (streamlit-folium sizes it late)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            window.setTimeout(function () {
                map.invalidateSize(false);
                map.fitBounds({{ this.bounds|tojson }}, {padding: [10, 10], animate: false});
            }, 250);
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitOnLoad"
        self.bounds = bounds
