"""Camera sectors against hand-computed cases (metric plane and lon/lat through the UTM zone)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geodesy import at
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import CRS

from gis.coverage.cameras import camera_sectors, sector_polygons
from gis.coverage.config import coverage_config
from gis.coverage.geometry import metric_crs


def one(direction: float, fov: float, radius: float = 50.0) -> shapely.Polygon:
    return sector_polygons(np.array([0.0]), np.array([0.0]), np.array([direction]),
                           np.array([fov]), np.array([radius]))[0]


def polar(bearing_deg: float, dist: float) -> shapely.Point:
    b = math.radians(bearing_deg)
    return shapely.Point(dist * math.sin(b), dist * math.cos(b))


def test_north_facing_90_covers_north_not_south():
    sector = one(0, 90)
    assert sector.contains(polar(0, 20))          # straight north
    assert sector.contains(polar(40, 45))         # inside the 45° half-angle
    assert not sector.contains(polar(180, 20))    # south
    assert not sector.contains(polar(90, 20))     # east is outside a 90° view facing north
    assert not sector.contains(polar(0, 55))      # beyond the range


def test_east_facing_covers_east_only():
    sector = one(90, 60)
    assert sector.contains(polar(90, 30))
    assert sector.contains(polar(115, 30))
    assert not sector.contains(polar(0, 30))
    assert not sector.contains(polar(270, 30))
    assert not sector.contains(polar(125, 30))    # 35° off axis > 30° half-angle


def test_wraps_around_north():
    sector = one(350, 40)                         # sees 330°..10°
    assert sector.contains(polar(5, 30))
    assert sector.contains(polar(340, 30))
    assert not sector.contains(polar(20, 30))
    assert not sector.contains(polar(320, 30))


def test_area_matches_the_circular_sector():
    for fov in (30, 90, 180, 360):
        area = one(123, fov, 40).area
        exact = math.pi * 40**2 * fov / 360
        assert area == pytest.approx(exact, rel=0.02), fov
        assert area <= exact                      # chords lie inside the arc


def test_full_circle_is_a_disc():
    disc = one(0, 360, 20)
    for bearing in (0, 90, 180, 270):
        assert disc.contains(polar(bearing, 19))
        assert not disc.contains(polar(bearing, 21))


def test_camera_layer_defaults_given_polygons_and_broken():
    cams = gpd.GeoDataFrame({
        "id": ["A", "B", "C", "D"],
        "direction_deg": [0.0, np.nan, 90.0, 0.0],
        "fov_deg": [90.0, 90.0, np.nan, 90.0],
        "range_m": [50.0, 50.0, 50.0, 50.0],
        "networked": pd.array([True, False, None, True], dtype="boolean"),
        "status": ["ok", "ok", "ok", "broken"],
        "owner": ["school", "police", "police", None],
        "coverage": gpd.GeoSeries([None, None, None, None], crs=4326),
    }, geometry=gpd.GeoSeries([at(0, 0), at(500, 0), at(1000, 0), at(1500, 0)], crs=4326))
    square = shapely.box(*gpd.GeoSeries([at(-10, 990), at(10, 1010)], crs=4326).total_bounds)
    cams.loc[4] = {"id": "E", "direction_deg": np.nan, "fov_deg": np.nan, "range_m": np.nan,
                   "networked": True, "status": None, "owner": "shop", "coverage": square,
                   "geometry": at(0, 1000)}
    cams = cams.rename_geometry("point")        # the store's name of the active geometry
    crs = metric_crs(cams)
    assert crs == CRS.from_epsg(32650)
    cfg = coverage_config()
    out = camera_sectors(cams, config=cfg, crs=crs).set_index("camera_id")
    pts = gpd.GeoSeries([at(0, 30), at(0, -30), at(1030, 0)], crs=4326).to_crs(crs)

    assert out.loc["A", "geometry"].contains(pts.iloc[0])
    assert not out.loc["A", "geometry"].contains(pts.iloc[1])
    assert not out.loc["A", "assumed"]
    # B lacks its direction: the police default (north) is used and flagged.
    assert out.loc["B", "assumed"] and out.loc["B", "assumed_fields"] == "direction_deg"
    assert out.loc["B", "direction_deg"] == cfg.camera_default("police", "direction_deg")
    # C lacks its field of view: the police default applies (60°, not the global 90°).
    assert out.loc["C", "fov_deg"] == 60.0 and out.loc["C", "assumed_fields"] == "fov_deg"
    assert out.loc["C", "geometry"].contains(pts.iloc[2])
    # D is broken: kept for the map, not working.
    assert not out.loc["D", "working"] and out.loc["A", "working"]
    # E has a given polygon: used as is (same area), nothing assumed.
    assert out.loc["E", "given_polygon"] and not out.loc["E", "assumed"]
    assert out.loc["E", "geometry"].area == pytest.approx(20 * 20, rel=0.02)


@settings(max_examples=200, deadline=None)
@given(direction=st.floats(0, 360), fov=st.floats(5, 350), bearing=st.floats(0, 360),
       dist=st.floats(1, 49))
def test_sector_contains_exactly_the_points_inside_its_angle_and_range(direction, fov, bearing, dist):
    off_axis = abs((bearing - direction + 180.0) % 360.0 - 180.0)    # 0..180 degrees
    assume(abs(off_axis - fov / 2) > 1.0)                           # not on the edge rays
    assume(dist < 48.0)                                             # chords sit inside the arc
    sector = one(direction, fov, 50.0)
    assert sector.contains(polar(bearing, dist)) == (off_axis < fov / 2)
