"""Points placed by distances on the ground (WGS-84 geodesics), for hand-checkable test layouts."""

from __future__ import annotations

import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
LON0, LAT0 = 117.2, 28.25          # 贵溪: UTM zone 50N


def toward(lon: float, lat: float, bearing: float, metres: float) -> shapely.Point:
    """The point ``metres`` away along the geodesic — a distance measured on the ground."""
    x, y, _ = GEOD.fwd(lon, lat, bearing, metres)
    return shapely.Point(x, y)


def at(east_m: float, north_m: float) -> shapely.Point:
    """The point ``east_m`` east then ``north_m`` north of (LON0, LAT0)."""
    p = toward(LON0, LAT0, 90.0, east_m)
    return toward(p.x, p.y, 0.0, north_m)
