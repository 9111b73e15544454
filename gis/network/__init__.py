"""Road network engine: graph build and cache, snapping, response fields, reach polygons.

Public API (see docs/INTERFACES.md)::

    graph = load_road_graph(roads_or_path, settings=settings)
    snapped = snap_points(graph, points_gdf, max_snap_m=300)
    field = response_field(graph, posts_gdf, targets_gdf, peak=None)
    reach = reach_polygons(graph, posts_gdf, minutes=(1, 3, 5), peak=None)
    matrix = travel_time_matrix(graph, points_gdf, peak="am")
    line, seconds = route_between(graph, a, b, peak="am")

Times are seconds, distances metres; inputs and outputs are EPSG:4326.
"""

from gis.network.cache import load_road_graph
from gis.network.config import NetworkConfig, parse_maxspeed
from gis.network.field import (
    nearest_post_field,
    response_field,
    route_between,
    travel_time_matrix,
)
from gis.network.graph import RoadGraph, build_road_graph
from gis.network.reach import reach_polygons
from gis.network.snap import school_gate_points, snap_points

__all__ = [
    "NetworkConfig",
    "RoadGraph",
    "build_road_graph",
    "load_road_graph",
    "nearest_post_field",
    "parse_maxspeed",
    "reach_polygons",
    "response_field",
    "route_between",
    "school_gate_points",
    "snap_points",
    "travel_time_matrix",
]
