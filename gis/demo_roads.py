"""Geometry helpers of the demo generators, all in the area's local metric CRS.

``_Roads`` holds the projected roads with a spatial index and their junctions; the small
helpers place points beside a road, offset toward a target and put gates on a campus.
"""

from __future__ import annotations

import math
from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS as ProjCRS
from scipy.spatial import cKDTree
from shapely.geometry import Point
from shapely.ops import nearest_points

from gis.network import build_road_graph

# -- geometry helpers (all in the local metric CRS) ----------------------------------------


class _Roads:
    """Roads projected to metres with a spatial index and their junctions."""

    def __init__(self, roads: gpd.GeoDataFrame, utm: ProjCRS) -> None:
        self.utm = utm
        self.frame = roads.reset_index(drop=True)
        self.lines = np.asarray(self.frame.geometry.to_crs(utm).values, dtype=object)
        self.tree = shapely.STRtree(self.lines)
        owners: dict[tuple[float, float], set[int]] = defaultdict(set)
        for i, line in enumerate(self.lines):
            for xy in line.coords:
                owners[xy].add(i)
        self.junctions = np.array(sorted(xy for xy, ids in owners.items() if len(ids) >= 2))
        self.junction_tree = cKDTree(self.junctions)
        # road length per neighbourhood: one sample every 20 m of road
        self.samples = shapely.get_coordinates(shapely.segmentize(self.lines, 20.0))
        self.sample_tree = cKDTree(self.samples)

    def density(self, points: list[Point], radius_m: float = 600.0) -> np.ndarray:
        """Metres of road within ``radius_m`` of each point (20 m per sample)."""
        xy = np.array([[p.x, p.y] for p in points]).reshape(-1, 2)
        counts = self.sample_tree.query_ball_point(xy, radius_m, return_length=True)
        return np.asarray(counts, dtype=float) * 20.0

    def town_centre(self, area) -> Point:
        """The road sample inside ``area`` with the most road around it (the built-up core)."""
        inside = [Point(xy) for xy in self.samples[::5] if area.contains(Point(xy))]
        if not inside:
            return area.centroid
        best = int(np.argmax(self.density(inside)))
        return Point(round(inside[best].x, 2), round(inside[best].y, 2))

    def nearest(self, geom, *, among: np.ndarray | None = None) -> int:
        if among is None:
            return int(self.tree.nearest(geom))
        distances = shapely.distance(self.lines[among], geom)
        return int(among[int(np.argmin(distances))])

    def nearest_junction(self, point: Point, limit_m: float = 300.0) -> Point | None:
        distance, index = self.junction_tree.query([point.x, point.y])
        return Point(self.junctions[index]) if distance <= limit_m else None

    def crosses(self, geom) -> bool:
        return len(self.tree.query(geom, predicate="intersects")) > 0


def _offset(point: Point, toward: Point, metres: float) -> Point:
    dx, dy = toward.x - point.x, toward.y - point.y
    length = math.hypot(dx, dy)
    if length < 1e-9:
        return point
    step = min(metres, length)
    return Point(point.x + dx / length * step, point.y + dy / length * step)


def _bearing(origin: Point, target: Point) -> float:
    """Degrees clockwise from north, rounded to 1 degree."""
    angle = math.degrees(math.atan2(target.x - origin.x, target.y - origin.y)) % 360.0
    return float(round(angle) % 360)


def _tangent(line, distance: float) -> tuple[float, float]:
    a = line.interpolate(max(distance - 5.0, 0.0))
    b = line.interpolate(min(distance + 5.0, line.length))
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    return dx / length, dy / length


def _beside_road(line, fraction: float, side: int, metres: float) -> Point:
    """A point ``metres`` to one side of a road at a fraction of its length."""
    distance = fraction * line.length
    at = line.interpolate(distance)
    tx, ty = _tangent(line, distance)
    return Point(at.x - ty * side * metres, at.y + tx * side * metres)


def _gates(campus_or_point, roads: _Roads, *, second: bool) -> list[Point]:
    """Main gate (and optionally a second one) of a campus polygon or a school point."""
    road = roads.nearest(campus_or_point)
    line = roads.lines[road]
    if campus_or_point.geom_type == "Point":
        on_road = nearest_points(line, campus_or_point)[0]
        return [_offset(on_road, campus_or_point, 6.0)]
    boundary = campus_or_point.boundary
    gates = [nearest_points(boundary, line)[0]]
    if second:
        nearby = roads.tree.query(campus_or_point.buffer(150.0))
        nearby = sorted((i for i in nearby if i != road),
                        key=lambda i: (roads.lines[i].distance(campus_or_point), i))
        for i in nearby:
            candidate = nearest_points(boundary, roads.lines[i])[0]
            if candidate.distance(gates[0]) > 60.0:
                gates.append(candidate)
                break
    return gates


def main_network_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The roads with at least one segment in the routable network (its largest strongly
    connected component), so generated posts, gates and crossings sit where cars can go."""
    graph = build_road_graph(roads)
    connected = set(graph.road_ids[np.unique(graph.seg_road)])
    return roads[roads["id"].isin(connected)].reset_index(drop=True)


def _extent(geom) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return maxx - minx, maxy - miny
