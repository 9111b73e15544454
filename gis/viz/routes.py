"""Folium layers of a patrol plan: one feature group per unit (road path in the unit's colour,
numbered stop badges) and one of the unserved stops with their reasons. No Streamlit.

Every user string (school names, reasons) is HTML-escaped before it reaches a tooltip/popup.
"""

from __future__ import annotations

import html
from typing import Any

import folium

from gis.reports.routemap import unit_colour
from gis.routing.plan import PatrolPlan
from gis.timewindows import format_clock, format_window
from gis.viz.elements import StyledGeoJson
from gis.viz.features import badge

UNSERVED_COLOUR = "#6b6b6b"


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def unit_collection(plan: PatrolPlan, k: int, *, lang: str = "zh") -> dict[str, Any]:
    """FeatureCollection of unit ``k``: its legs (lines) and numbered stops (badges)."""
    p, route = plan.problem, plan.solution.routes[k]
    unit = p.units[route.unit]
    colour = unit_colour(k)
    post = html.escape(p.depots[unit.depot].name)
    name = html.escape(unit.name)
    feats: list[dict[str, Any]] = []
    for n, line in enumerate(plan.legs[k], start=1):
        feats.append({"type": "Feature", "geometry": line.__geo_interface__, "properties": {
            "_style": {"color": colour, "weight": 5, "opacity": 0.85, "lineCap": "round",
                       "lineJoin": "round"},
            "_tooltip": f"{name}（{post}）· {_t(lang, '第', 'leg ')}{n}{_t(lang, ' 段', '')}"}})
    for seq, v in enumerate(route.visits, start=1):
        stop = p.stops[v.stop]
        window = format_window((stop.tw_early, stop.tw_late))
        tip = (f"{seq}. {html.escape(stop.name)} · {_t(lang, '预计到达', 'arrive')} "
               f"{format_clock(v.arrival)} · {_t(lang, '停留', 'dwell')} "
               f"{round((v.departure - v.start) / 60)} {_t(lang, '分钟', 'min')}")
        popup = (f"<b>{name}</b>（{post}）<br>{tip}<br>{_t(lang, '到达时段', 'window')} {window}<br>"
                 f"{html.escape(stop.task_zh if lang != 'en' else stop.task_en)}")
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                      "properties": {"_icon": badge(str(seq), colour, size=22, shape="circle"),
                                     "_tooltip": tip, "_popup": popup}})
    depot = p.depots[unit.depot]
    feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [depot.lon, depot.lat]},
                  "properties": {"_icon": badge("P", colour, size=20),
                                 "_tooltip": f"{name} · {post} · {_t(lang, '出发', 'leave')} "
                                             f"{format_clock(route.leave)}"}})
    return {"type": "FeatureCollection", "features": feats}


def unserved_collection(plan: PatrolPlan, *, lang: str = "zh") -> dict[str, Any]:
    """FeatureCollection of the unserved stops (grey ×) with the reason in the tooltip."""
    feats = []
    for u in plan.solution.unserved:
        stop = plan.problem.stops[u.stop]
        reason = u.reason_en if lang == "en" else u.reason_zh
        tag = _t(lang, "必到点未安排", "mandatory, unserved") if stop.mandatory else \
            _t(lang, "未安排", "unserved")
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                      "properties": {"_icon": badge("×", "#c0392b" if stop.mandatory else UNSERVED_COLOUR,
                                                    size=18, shape="circle"),
                                     "_tooltip": f"{html.escape(stop.name)} · {tag}：{html.escape(reason)}"}})
    return {"type": "FeatureCollection", "features": feats}


def route_feature_groups(plan: PatrolPlan, *, lang: str = "zh") -> list[folium.FeatureGroup]:
    """One ``folium.FeatureGroup`` per unit with stops, then one for the unserved stops."""
    groups = []
    for k, route in enumerate(plan.solution.routes):
        if not route.visits:
            continue
        group = folium.FeatureGroup(name=html.escape(plan.problem.units[route.unit].name))
        StyledGeoJson(unit_collection(plan, k, lang=lang), control=False).add_to(group)
        groups.append(group)
    if plan.solution.unserved:
        group = folium.FeatureGroup(name=_t(lang, "未安排", "Unserved"))
        StyledGeoJson(unserved_collection(plan, lang=lang), control=False).add_to(group)
        groups.append(group)
    return groups
