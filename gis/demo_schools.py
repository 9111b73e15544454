"""Demo schools: the named OSM schools and kindergartens, extra campuses, their attributes.

Generated campuses are named "演示·…" and marked ``source='demo-generated'``; everything
is drawn from the seeded generator, so the same seed gives the same schools.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS as ProjCRS
from shapely.geometry import MultiPoint, Point, Polygon

from gis.demo_areas import DEMO_SOURCE, ENROLLMENT, DemoArea, clean_name, guess_school_kind
from gis.demo_roads import _extent, _gates, _Roads, _tangent


def _real_schools(places: gpd.GeoDataFrame, roads: _Roads, utm: ProjCRS,
                  osm_source: str) -> list[dict[str, Any]]:
    """Named OSM schools and kindergartens with a recognisable kind; gates on their boundary."""
    chosen = places[places["amenity"].isin(["school", "kindergarten"])
                    & places["name"].notna()].sort_values("id")
    if chosen.empty:
        return []
    shapes = chosen.geometry.to_crs(utm).values
    polygons = [g for g in shapes if g.geom_type != "Point"]
    schools = []
    for (_, row), shape in zip(chosen.iterrows(), shapes, strict=True):
        name = clean_name(row["name"])
        kind = guess_school_kind(name) if name else None
        if kind is None and row["amenity"] == "kindergarten":
            kind = "kindergarten"
        if kind is None:
            continue
        if shape.geom_type == "Point" and any(p.distance(shape) < 50.0 for p in polygons):
            continue  # the same campus mapped twice (node inside the area)
        is_area = shape.geom_type != "Point"
        schools.append({
            "id": f"osm-{row['id']}", "name": name, "kind": kind,
            "campus": shape if is_area else None, "_shape": shape,
            "gates": _gates(shape, roads, second=is_area and shape.area > 15000),
            "source": osm_source,
        })
    return schools


def _extra_campuses(spec: DemoArea, roads: _Roads, bounds_m, centre: Point,
                    existing: list[dict[str, Any]], rng: np.random.Generator) -> list[dict]:
    """About ten generated kindergartens and primary schools fronting residential streets."""
    inner = bounds_m.buffer(-0.08 * min(_extent(bounds_m)))
    street = np.flatnonzero(roads.frame["highway"].isin(
        ["residential", "living_street", "unclassified", "tertiary"]).to_numpy())
    street = street[[roads.lines[i].length > 80 and inner.contains(roads.lines[i].centroid)
                     for i in street]]
    occupied = [s["_shape"] for s in existing]
    campuses: list[dict[str, Any]] = []
    used_names: set[str] = {s["name"] for s in existing}
    for i in rng.permutation(street):
        if len(campuses) >= spec.extra_campuses:
            break
        kind = "kindergarten" if len(campuses) % 2 == 0 else "primary"
        along, depth = (70.0, 50.0) if kind == "kindergarten" else (120.0, 90.0)
        line = roads.lines[i]
        fraction = float(rng.uniform(0.3, 0.7))
        first = int(rng.choice([-1, 1]))
        for side in (first, -first):
            campus = _rectangle(line, fraction, side, along, depth, setback=10.0)
            if (not inner.contains(campus) or roads.crosses(campus)
                    or any(campus.distance(o) < 300.0 for o in occupied)):
                continue
            name = _campus_name(kind, roads.frame.at[i, "name"], campus.centroid, centre,
                                used_names)
            used_names.add(name)
            occupied.append(campus)
            campuses.append({
                "id": f"demo-school-{len(campuses) + 1:02d}", "name": name, "kind": kind,
                "campus": campus, "_shape": campus,
                "gates": _gates(campus, roads, second=kind == "primary" and rng.random() < 0.5),
                "source": DEMO_SOURCE,
            })
            break
    return campuses


def _rectangle(line, fraction: float, side: int, along: float, depth: float, *,
               setback: float) -> Polygon:
    distance = fraction * line.length
    at = line.interpolate(distance)
    tx, ty = _tangent(line, distance)
    nx, ny = -ty * side, tx * side
    corners = []
    for a, d in ((-along / 2, setback), (along / 2, setback), (along / 2, setback + depth),
                 (-along / 2, setback + depth)):
        corners.append((round(at.x + tx * a + nx * d, 2), round(at.y + ty * a + ny * d, 2)))
    return Polygon(corners)


def _campus_name(kind: str, road_name: Any, where: Point, centre: Point,
                 used: set[str]) -> str:
    suffix = "幼儿园" if kind == "kindergarten" else "小学"
    if isinstance(road_name, str) and road_name:
        base = re.sub(r"(大道|路|街|巷)$", "", road_name) or road_name
        candidate = f"演示·{base}{suffix}"
        if candidate not in used:
            return candidate
    dx, dy = where.x - centre.x, where.y - centre.y
    quarter = ("城东" if dx > 0 else "城西") if abs(dx) > abs(dy) else ("城北" if dy > 0 else "城南")
    for number in ("", "第二", "第三", "第四", "第五", "第六"):
        candidate = f"演示·{quarter}{number}{suffix}"
        if candidate not in used:
            return candidate
    return f"演示·{quarter}{len(used)}{suffix}"


def _school_attributes(schools: list[dict[str, Any]], roads: _Roads, centre: Point,
                       rng: np.random.Generator) -> None:
    """Enrollment, boarding, area type, guards and technical-defence flags; some weak."""
    order = sorted(range(len(schools)), key=lambda k: schools[k]["id"])
    weak = set(rng.choice(order, size=max(2, len(order) // 4), replace=False).tolist()) \
        if order else set()
    for k in order:
        school = schools[k]
        low, high = ENROLLMENT[school["kind"]]
        school["enrollment"] = int(rng.integers(low, high) // 10 * 10)
        school["boarding"] = school["kind"] in ("senior", "vocational") or (
            school["kind"] == "junior" and bool(rng.random() < 0.3))
        # urban where the road network is at least 40 % as dense as in the core, else town
        here, core = roads.density([school["gates"][0], centre])
        school["area_type"] = "urban" if here >= 0.4 * core else "town"
        school["_weak"] = k in weak
        if k in weak:
            school["guards"] = int(rng.integers(0, 2))
            school["equipment_complete"] = False
            school["video_networked"] = bool(rng.random() < 0.3)
            school["one_click_alarm"] = bool(rng.random() < 0.4)
            school["anti_ram_barrier"] = False
        else:
            school["guards"] = int(rng.integers(2, 5))
            school["equipment_complete"] = bool(rng.random() < 0.85)
            school["video_networked"] = bool(rng.random() < 0.9)
            school["one_click_alarm"] = True
            school["anti_ram_barrier"] = bool(rng.random() < 0.7)
    unknown = [k for k in order if schools[k]["kind"] == "kindergarten" and not schools[k]["_weak"]]
    if unknown:
        schools[unknown[0]]["guards"] = None  # unknown: a planner's table is rarely complete
    for school in schools:
        school["gates"] = MultiPoint([(round(g.x, 2), round(g.y, 2)) for g in school["gates"]])

