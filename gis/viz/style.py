"""Colours, widths and glyphs of every map symbol, for the light (desk) and dark (wall) themes.

One place decides how the map looks, so the legend, the layers and the KPI tiles agree.
Glyphs are single CJK characters drawn with the system font inside CSS badges
(``L.divIcon``): no icon font, nothing fetched.
"""

from __future__ import annotations

THEMES = ("light", "dark")

BACKGROUND = {"light": "#f2efe9", "dark": "#0b1622"}

LEVEL_COLORS = {
    "good": "#2e9d5b",
    "weak": "#f0a202",
    "critical": "#d7263d",
    "unassessed": "#9e9e9e",
}
LEVEL_LABELS = {
    "good": ("良好", "good"),
    "weak": ("薄弱", "weak"),
    "critical": ("高危", "critical"),
    "unassessed": ("未评估", "not assessed"),
}

POST_STYLE = {  # kind -> (colour, glyph)
    "station": ("#1f4e9c", "所"),
    "office": ("#3b7dd8", "室"),
    "kiosk": ("#2a8fbd", "亭"),
    "patrol_base": ("#264653", "巡"),
}

CROSSING_COLORS = {
    "police": "#1f4e9c",
    "auxiliary": "#2a9d8f",
    "guard": "#8e6c8a",
    "volunteer": "#d9a400",
    "none": "#d7263d",
}

RISK_GLYPHS = {
    "internet_cafe": "网", "entertainment": "娱", "stall": "摊", "person": "人",
    "dispute": "纠", "drugs": "毒", "other": "他",
}
RISK_LEVEL_COLORS = {1: "#e9a23b", 2: "#e76f51", 3: "#9d0208"}
SENSITIVE_COLOR = "#6d597a"

CAMERA_STYLE = {
    "networked": {"color": "#6a4c93", "fillColor": "#6a4c93", "fillOpacity": 0.22, "weight": 1},
    "local": {"color": "#9b8ec4", "fillColor": "#9b8ec4", "fillOpacity": 0.18, "weight": 1},
    "broken": {"color": "#7a7a7a", "fillColor": "#bdbdbd", "fillOpacity": 0.12, "weight": 1,
               "dashArray": "4 3"},
}

REACH_STYLE = {  # minutes -> style; drawn largest first so the 1-minute core stays on top
    1: {"color": "#0b6e2f", "fillColor": "#1a7f37", "fillOpacity": 0.38, "weight": 1},
    3: {"color": "#2e8b57", "fillColor": "#4caf50", "fillOpacity": 0.24, "weight": 1},
    5: {"color": "#6fae74", "fillColor": "#a5d6a7", "fillOpacity": 0.18, "weight": 1},
}
CIRCLE_STYLE = {"color": "#444444", "weight": 1.5, "fill": False, "dashArray": "6 5"}

ROAD_CLASSES = {  # highway -> rank (0 = biggest)
    "motorway": 0, "motorway_link": 2, "trunk": 0, "trunk_link": 2,
    "primary": 1, "primary_link": 2, "secondary": 2, "secondary_link": 3,
    "tertiary": 3, "tertiary_link": 4, "unclassified": 4, "residential": 4,
    "living_street": 5, "service": 5, "road": 4,
}
ROAD_STYLE = {  # theme -> rank -> (colour, width px)
    "light": {0: ("#e0a458", 5.0), 1: ("#f2c66d", 4.5), 2: ("#ffffff", 4.0), 3: ("#ffffff", 3.0),
              4: ("#ffffff", 2.2), 5: ("#fbfaf7", 1.4)},
    "dark": {0: ("#8a6a3a", 4.0), 1: ("#6f5b36", 3.5), 2: ("#3d5368", 3.0), 3: ("#334657", 2.4),
             4: ("#2a3a4a", 1.8), 5: ("#223140", 1.2)},
}
ROAD_CASING = {"light": "#c9c3b8", "dark": None}
WATER_STYLE = {
    "light": {"color": "#8fb8de", "fillColor": "#aad3df", "fillOpacity": 1.0, "weight": 1},
    "dark": {"color": "#1d3d5c", "fillColor": "#143049", "fillOpacity": 1.0, "weight": 1},
}
CAMPUS_OUTLINE = {
    "light": {"color": "#8d7b68", "weight": 1, "fillColor": "#e8dcc8", "fillOpacity": 0.6},
    "dark": {"color": "#4b5d70", "weight": 1, "fillColor": "#1b2a39", "fillOpacity": 0.8},
}
JURISDICTION_STYLE = {
    "light": {"color": "#1f4e9c", "weight": 2, "fill": False, "dashArray": "8 6", "opacity": 0.7},
    "dark": {"color": "#5fa8ff", "weight": 2, "fill": False, "dashArray": "8 6", "opacity": 0.8},
}
FOCUS_STYLE = {
    "gate_zone": {"color": "#d7263d", "weight": 2, "fillColor": "#d7263d", "fillOpacity": 0.08},
    "blind_spot": {"color": "#b00020", "weight": 1, "fillColor": "#ff1744", "fillOpacity": 0.45},
    "boundary_blind": {"color": "#ff1744", "weight": 4, "opacity": 0.9, "dashArray": "6 4"},
    "route": {"color": "#1f4e9c", "weight": 5, "opacity": 0.85},
}
ROUTE_COLORS = ("#1f4e9c", "#6a4c93", "#2a9d8f", "#e76f51")


LEVEL_RANK = {"unassessed": 0, "good": 1, "weak": 2, "critical": 3}  # cluster colour: the worst


def school_radius(enrollment: float | None) -> float:
    """Circle radius in pixels for a school of ``enrollment`` pupils (6–12 px)."""
    if enrollment is None or enrollment != enrollment or enrollment <= 0:
        return 7.0
    return round(float(min(12.0, 6.0 + (enrollment / 500.0))) * 2) / 2  # half pixels: few styles
