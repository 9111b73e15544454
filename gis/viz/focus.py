"""What the map shows around one school on the coverage-gaps page: its gate zones, the
camera blind spots in them and the road routes from the nearest posts.

Pure: GeoDataFrames in (EPSG:4326), GeoDataFrames out (EPSG:4326). Distances in metres are
measured in the local UTM zone; routes come from a ``route`` callable (``gis.network.
route_between``) so this module does not depend on the graph type.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from gis.coverage.gates import gate_zones as zones_of
from gis.coverage.geometry import metric_crs
from gis.errors import GisError
from gis.viz.features import to_wgs84
from gis.viz.style import ROUTE_COLORS

RouteFn = Callable[[Point, Point], tuple[LineString, float]]


def gate_zones(school: gpd.GeoDataFrame, *, gate_zone_m: float) -> gpd.GeoDataFrame:
    """A circle of ``gate_zone_m`` metres around each gate of the school (one row per gate).

    The same zones the score measures (:func:`gis.coverage.gates.gate_zones`, in the one metric
    CRS of :func:`gis.coverage.geometry.metric_crs`).
    """
    school = to_wgs84(school)
    gates = school.geometry.explode(index_parts=False)
    gates = gates[gates.notna() & ~gates.is_empty]
    if gates.empty:
        return gpd.GeoDataFrame({"gate": []}, geometry=[], crs="EPSG:4326")
    crs = metric_crs(school)
    zones = zones_of(gpd.GeoSeries(gates.to_numpy(), crs="EPSG:4326").to_crs(crs),
                     gate_zone_m=gate_zone_m).to_crs("EPSG:4326")
    return gpd.GeoDataFrame({"gate": range(1, len(zones) + 1)}, geometry=zones.to_numpy(), crs="EPSG:4326")


def nearest_posts(posts: gpd.GeoDataFrame, target: Point, *, n: int = 3) -> gpd.GeoDataFrame:
    """The ``n`` posts closest to ``target`` in straight-line metres (``distance_m`` added)."""
    posts = to_wgs84(posts)
    if posts.empty:
        return posts.assign(distance_m=[])
    crs = metric_crs(posts)
    here = gpd.GeoSeries([target], crs="EPSG:4326").to_crs(crs).iloc[0]
    dist = posts.to_crs(crs).distance(here)
    return posts.assign(distance_m=dist.to_numpy()).sort_values("distance_m").head(n)


def post_routes(posts: gpd.GeoDataFrame, target: Point, route: RouteFn) -> gpd.GeoDataFrame:
    """Fastest route from each post to ``target``, fastest first (``post_id, post_name, seconds``).

    Posts with no road route (one-way, off network) are left out.
    """
    rows = []
    posts = to_wgs84(posts)
    for pid, name, point in zip(posts["id"], posts["name"], posts.geometry, strict=True):
        try:
            line, seconds = route(point, target)
        except GisError:
            continue
        rows.append({"post_id": str(pid), "post_name": name, "seconds": float(seconds), "geometry": line})
    if not rows:
        return gpd.GeoDataFrame({"post_id": [], "post_name": [], "seconds": []}, geometry=[],
                                crs="EPSG:4326")
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")
    out = out.sort_values("seconds").reset_index(drop=True)
    out["color"] = [ROUTE_COLORS[i % len(ROUTE_COLORS)] for i in range(len(out))]
    return out
