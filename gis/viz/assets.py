"""The map's JavaScript and CSS, served by the app itself (offline).

folium points every map at CDNs (Leaflet, jQuery, Bootstrap, awesome-markers, Font
Awesome …). We replace the map's ``default_js`` / ``default_css`` with the files vendored
under ``gis/ui/static/vendor`` (Leaflet 1.9.4, jQuery 3.7.1 and Leaflet.markercluster 1.5.3
from their npm packages; jQuery because folium's ``Popup`` uses ``$``) plus our own
``css/map.css``, ``css/clusters.css``, ``js/map.js`` (unpacking, lazy popups, clusters) and
the CJK web font's ``fonts/fonts.css`` (built by ``scripts/build_webfont.py``). Streamlit
serves that folder at ``/app/static/`` (``[server] enableStaticServing = true``; the
project's ``static`` is a link to ``gis/ui/static``). streamlit-folium loads exactly the
links it collects from the map's elements, so :func:`external_links` must come back empty.
"""

from __future__ import annotations

from pathlib import Path

import folium
import folium.elements

STATIC_DIR = Path(__file__).resolve().parent.parent / "ui" / "static"
DEFAULT_STATIC_URL = "/app/static"

VENDOR_JS = (
    ("leaflet", "vendor/leaflet-1.9.4/leaflet.js"),
    ("jquery", "vendor/jquery-3.7.1/jquery.min.js"),
    ("markercluster", "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js"),
    ("huxiao_js", "js/map.js"),
)
VENDOR_CSS = (
    ("leaflet_css", "vendor/leaflet-1.9.4/leaflet.css"),
    ("huxiao_font", "fonts/fonts.css"),
    ("markercluster_css", "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css"),
    ("huxiao_css", "css/map.css"),
    ("huxiao_clusters_css", "css/clusters.css"),
)


def asset_links(static_url: str = DEFAULT_STATIC_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(js, css)`` lists of ``(name, url)`` under ``static_url``."""
    base = static_url.rstrip("/")
    js = [(name, f"{base}/{rel}") for name, rel in VENDOR_JS]
    css = [(name, f"{base}/{rel}") for name, rel in VENDOR_CSS]
    return js, css


def use_offline_assets(m: folium.Map, *, static_url: str = DEFAULT_STATIC_URL) -> folium.Map:
    """Point the map at the vendored files (instance attributes; folium's class lists untouched)."""
    js, css = asset_links(static_url)
    m.default_js = js
    m.default_css = css
    return m


def iter_elements(element: folium.elements.Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from iter_elements(child)


def external_links(m: folium.Map, *, static_url: str = DEFAULT_STATIC_URL) -> list[str]:
    """Every JS/CSS link of the map's elements that is not served by the app."""
    base = static_url.rstrip("/") + "/"
    bad: list[str] = []
    for element in iter_elements(m):
        for _, url in list(getattr(element, "default_js", [])) + list(getattr(element, "default_css", [])):
            if not url.startswith(base):
                bad.append(url)
    return bad


def missing_asset_files() -> list[str]:
    """Vendored files that should exist on disk but do not (a broken checkout)."""
    rels = [rel for _, rel in VENDOR_JS + VENDOR_CSS]
    return [rel for rel in rels if not (STATIC_DIR / rel).is_file()]
