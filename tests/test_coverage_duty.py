"""Peak-hour duty (护学岗) per school and window, nearest-school assignment, unstaffed gaps."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from geodesy import at

from gis.coverage.config import coverage_config
from gis.coverage.duty import peak_duty
from gis.coverage.gates import school_gates
from gis.coverage.geometry import metric_crs

SCHOOLS = gpd.GeoDataFrame({
    "id": ["A", "B", "C"], "name": ["甲小学", "乙小学", "丙中学"], "kind": ["primary"] * 3,
}, geometry=gpd.GeoSeries([shapely.MultiPoint([at(0, 0)]), shapely.MultiPoint([at(1000, 0)]),
                           shapely.MultiPoint([at(3000, 0), at(3000, 400)])], crs=4326))


def duty(crossings: pd.DataFrame, **overrides):
    cfg = coverage_config()
    if overrides:
        from dataclasses import replace
        cfg = replace(cfg, **overrides)
    pts = crossings.pop("at")
    cx = gpd.GeoDataFrame(crossings, geometry=gpd.GeoSeries([at(*p) for p in pts], crs=4326))
    crs = metric_crs(SCHOOLS)
    return peak_duty(cx, school_gates(SCHOOLS, crs=crs), config=cfg, crs=crs)


def test_windows_are_judged_separately():
    per_school, _ = duty(pd.DataFrame({
        "id": ["X1", "X2"], "school_id": ["A", "A"],
        "am_window": ["07:10-08:00", None], "noon_window": [None, None],
        "pm_window": [None, "16:30-17:20"],
        "staffed_by": ["police", "volunteer"], "staff": [2, 3],
        "at": [(0, 30), (20, 0)],
    }))
    assert per_school.loc["A", ["am_staffed", "noon_staffed", "pm_staffed"]].tolist() == \
        [True, False, True]
    assert per_school.loc["A", "duty_posts"] == 2
    assert not per_school.loc["B", "am_staffed"] and not per_school.loc["B", "pm_staffed"]


def test_unstaffed_posts_do_not_count():
    per_school, _ = duty(pd.DataFrame({
        "id": ["X1", "X2"], "school_id": ["B", "B"],
        "am_window": ["07:10-08:00", "07:10-08:00"], "noon_window": [None, None],
        "pm_window": ["16:30-17:20", "16:30-17:20"],
        "staffed_by": ["none", "police"], "staff": [2, 0],      # nobody / zero staff
        "at": [(1000, 30), (1000, -30)],
    }))
    assert not per_school.loc["B", "am_staffed"] and not per_school.loc["B", "pm_staffed"]


def test_crossing_without_school_serves_the_nearest_within_the_search_distance():
    crossings = pd.DataFrame({
        "id": ["N1", "N2", "N3"], "school_id": [None, "unknown-id", None],
        "am_window": ["07:00-08:00"] * 3, "noon_window": [None] * 3,
        "pm_window": ["16:00-17:00"] * 3, "staffed_by": ["auxiliary"] * 3, "staff": [1] * 3,
        # N1 120 m from A's gate; N2 (unknown school id) 100 m from C's second gate;
        # N3 is 500 m from everything.
        "at": [(0, 120), (3000, 500), (2000, 0)],
    })
    per_school, _ = duty(crossings.copy())
    assert per_school.loc["A", "am_staffed"] and per_school.loc["C", "pm_staffed"]
    assert not per_school.loc["B", "am_staffed"]
    # With a 100 m search radius the 120 m crossing no longer serves A (C's is exactly 100 m:
    # shrink to 90 m so it drops too).
    per_school, _ = duty(crossings.copy(), duty_search_m=90.0)
    assert not per_school.loc["A", "am_staffed"] and not per_school.loc["C", "pm_staffed"]


def test_unstaffed_crossings_near_gates_are_listed_as_gaps():
    per_school, gaps = duty(pd.DataFrame({
        "id": ["G1", "G2", "G3"], "school_id": [None, "B", None],
        "am_window": ["07:00-08:00"] * 3, "noon_window": [None] * 3, "pm_window": [None] * 3,
        "staffed_by": ["none", None, "police"], "staff": [0, None, 1],
        "at": [(0, 250), (1000, 350), (0, 280)],
    }))
    # G1 is 250 m from A (within 300 m); G2 is 350 m from B (beyond); G3 is staffed.
    assert per_school.loc["A", "duty_gaps"] == "G1" and per_school.loc["A", "duty_gap_list"] == ["G1"]
    assert per_school.loc["B", "duty_gaps"] == ""
    assert gaps["crossing_id"].tolist() == ["G1"]
    assert abs(gaps["distance_m"].iloc[0] - 250.0) < 1.0
