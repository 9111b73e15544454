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


class StyledGeoJson(Layer):
    """A GeoJSON layer whose features carry their own style, popup, tooltip and icon.

    Parameters
    ----------
    data : dict
        A FeatureCollection from :mod:`gis.viz.features`.
    name : str
        Name in a layer control.
    interactive : bool
        False for basemap layers (no hover, clicks pass through).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data|tojson }}, {
            interactive: {{ this.interactive|tojson }},
            {%- if this.attribution %}
            attribution: {{ this.attribution|tojson }},
            {%- endif %}
            style: function (f) { return f.properties._style || {}; },
            pointToLayer: function (f, latlng) {
                var p = f.properties, s = p._style || {};
                if (p._icon) {
                    return L.marker(latlng, {icon: L.divIcon({html: p._icon.html, className: "hx-divicon",
                        iconSize: [p._icon.size, p._icon.size], iconAnchor: [p._icon.size / 2, p._icon.size / 2]}),
                        interactive: {{ this.interactive|tojson }}, keyboard: false});
                }
                if (p._circle_m) {
                    return L.circle(latlng, Object.assign({radius: p._circle_m}, s));
                }
                return L.circleMarker(latlng, s);
            },
            onEachFeature: function (f, layer) {
                var p = f.properties;
                if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380}); }
                if (p._tooltip) { layer.bindTooltip(p._tooltip, {sticky: true}); }
            }
        });
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any], *, name: str | None = None, show: bool = True,
                 interactive: bool = True, attribution: str | None = None,
                 control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "StyledGeoJson"
        self.data = data
        self.interactive = interactive
        self.attribution = attribution


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
        parts.append(f'<div class="hx-legend-title">{html.escape(title)}</div>{rows}')
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
            var i = 0;
            function show() {
                var s = stops[i % stops.length];
                panel._div.innerHTML = s.html;
                panel._div.setAttribute("data-stop", String(i % stops.length));
                map.flyToBounds(s.bounds, {padding: [40, 40], duration: 1.5, maxZoom: 17});
                i += 1;
            }
            show();
            if (stops.length > 1) { window.setInterval(show, {{ this.ms|tojson }}); }
        })();
        {% endmacro %}
    """)

    def __init__(self, stops: list[dict[str, Any]], *, seconds: float = 20.0) -> None:
        super().__init__()
        self._name = "FocusRotator"
        self.stops = stops
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
