"""护校安园态势图 — the pure GIS core (no Streamlit here; see ``gis.ui``)."""

__version__ = "0.1.0"

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
