"""Gate-zone camera coverage on zones built by hand (shares checked against geometry by hand)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.coverage.cameras import camera_sectors
from gis.coverage.config import coverage_config
from gis.coverage.gates import gate_camera_coverage, gate_zones, school_gates
from gis.coverage.geometry import metric_crs


def schools_at(*gates: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "id": [f"S{i}" for i in range(len(gates))], "name": [f"学校{i}" for i in range(len(gates))],
        "kind": ["primary"] * len(gates),
    }, geometry=gpd.GeoSeries([shapely.MultiPoint([at(*g) for g in gs]) for gs in gates], crs=4326))


def cameras(rows: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    geom = gpd.GeoSeries([at(*p) for p in frame.pop("at")], crs=4326)
    return gpd.GeoDataFrame(frame, geometry=geom)


def coverage_of(schools, cams, zone_m=30.0):
    crs = metric_crs(schools)
    cfg = coverage_config()
    gates = school_gates(schools, crs=crs)
    sectors = camera_sectors(cams, config=cfg, crs=crs)
    return gate_camera_coverage(gate_zones(gates, gate_zone_m=zone_m), sectors)


def test_half_disc_sector_covers_half_the_gate_zone():
    schools = schools_at([(0, 0)])
    cams = cameras([{"id": "C1", "at": (0, 0), "direction_deg": 0.0, "fov_deg": 180.0,
                     "range_m": 100.0, "networked": True, "status": "ok", "owner": "school"}])
    cov = coverage_of(schools, cams)
    assert cov.loc["S0", "gate_camera_share"] == pytest.approx(0.5, abs=0.01)
    assert cov.loc["S0", "gate_cameras"] == 1
    blind = cov.loc["S0", "geometry"]
    # The blind half is the southern one.
    crs = cov.crs
    south, north = gpd.GeoSeries([at(0, -15), at(0, 15)], crs=4326).to_crs(crs)
    assert blind.contains(south) and not blind.contains(north)
    assert blind.area == pytest.approx(np.pi * 30**2 / 2, rel=0.02)


def test_quarter_sector_and_two_gates():
    # Two gates 200 m apart; a 90° camera on the first only: a quarter of one disc = 1/8 overall.
    schools = schools_at([(0, 0), (200, 0)])
    cams = cameras([{"id": "C1", "at": (0, 0), "direction_deg": 45.0, "fov_deg": 90.0,
                     "range_m": 100.0, "networked": False, "status": "ok", "owner": "school"}])
    cov = coverage_of(schools, cams)
    assert cov.loc["S0", "gate_camera_share"] == pytest.approx(0.125, abs=0.01)
    assert cov.loc["S0", "networked_share"] == 0.0


def test_broken_camera_counts_as_absent_and_overlaps_count_once():
    schools = schools_at([(0, 0)], [(1000, 0)])
    cams = cameras([
        {"id": "B", "at": (0, 0), "direction_deg": 0.0, "fov_deg": 360.0, "range_m": 100.0,
         "networked": True, "status": "broken", "owner": "police"},
        # Two identical half discs on the second school: still 50%, not 100%.
        {"id": "H1", "at": (1000, 0), "direction_deg": 90.0, "fov_deg": 180.0, "range_m": 60.0,
         "networked": True, "status": "ok", "owner": "police"},
        {"id": "H2", "at": (1000, 0), "direction_deg": 90.0, "fov_deg": 180.0, "range_m": 60.0,
         "networked": False, "status": "ok", "owner": "shop"},
    ])
    cov = coverage_of(schools, cams)
    assert cov.loc["S0", "gate_camera_share"] == 0.0
    assert cov.loc["S0", "gate_cameras"] == 0 and cov.loc["S0", "broken_gate_cameras"] == 1
    assert cov.loc["S0", "geometry"].area == pytest.approx(cov.loc["S0", "gate_zone_m2"])
    assert cov.loc["S1", "gate_camera_share"] == pytest.approx(0.5, abs=0.01)
    assert cov.loc["S1", "networked_share"] == 0.5


def test_gate_zone_radius_is_configurable():
    # A 20 m disc camera at the gate covers all of a 20 m zone but only 4/9 of a 30 m zone.
    schools = schools_at([(0, 0)])
    cams = cameras([{"id": "D", "at": (0, 0), "direction_deg": 0.0, "fov_deg": 360.0,
                     "range_m": 20.0, "networked": True, "status": "ok", "owner": "school"}])
    assert coverage_of(schools, cams, zone_m=19.0).loc["S0", "gate_camera_share"] == \
        pytest.approx(1.0, abs=0.01)
    assert coverage_of(schools, cams, zone_m=30.0).loc["S0", "gate_camera_share"] == \
        pytest.approx(4 / 9, abs=0.01)
