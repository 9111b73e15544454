"""Risk sites by band, the 200 m internet-café rule (measured on the ground), guards, privacy."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geodesy import at, toward

from gis.config import load_settings
from gis.coverage.assess import assess_with_response
from gis.coverage.config import GuardRules, coverage_config
from gis.coverage.gates import school_gates
from gis.coverage.geometry import metric_crs
from gis.coverage.map_layers import coverage_map_layers
from gis.coverage.risks import risk_exposure, risk_pairs, school_footprints
from gis.coverage.rules import guard_requirements, tech_defence


def schools_frame(kinds: list[str], gates: list[tuple[float, float]], campus=None):
    return gpd.GeoDataFrame({
        "id": [f"S{i}" for i in range(len(kinds))], "name": [f"学校{i}" for i in range(len(kinds))],
        "kind": kinds, "campus": gpd.GeoSeries(campus or [None] * len(kinds), crs=4326),
    }, geometry=gpd.GeoSeries([shapely.MultiPoint([at(*g)]) for g in gates], crs=4326))


def exposure(schools, risks):
    crs = metric_crs(schools)
    cfg = coverage_config()
    foot = school_footprints(schools, school_gates(schools, crs=crs), crs=crs)
    pairs = risk_pairs(risks, foot, max_m=500.0, crs=crs)
    return risk_exposure(pairs, schools, config=cfg, level_weights=(1.0, 2.0, 4.0))


def test_internet_cafe_rule_on_both_sides_of_200_m():
    # Four schools far apart; cafés 199 m and 201 m (geodesic) from the gates of two primaries,
    # in different directions, and 150 m from a kindergarten and a senior school.
    schools = schools_frame(["primary", "primary", "kindergarten", "senior"],
                            [(0, 0), (5000, 0), (10000, 0), (15000, 0)])
    g = [school.geoms[0] for school in schools.geometry]
    risks = gpd.GeoDataFrame({
        "id": ["near", "far", "kg", "sr"], "category": ["internet_cafe"] * 4, "level": [2] * 4,
        "note": ["", "", "", ""], "sensitive": [False] * 4,
    }, geometry=gpd.GeoSeries([toward(g[0].x, g[0].y, 37.0, 199.0),
                               toward(g[1].x, g[1].y, 233.0, 201.0),
                               toward(g[2].x, g[2].y, 0.0, 150.0),
                               toward(g[3].x, g[3].y, 120.0, 150.0)], crs=4326))
    per_school, violations = exposure(schools, risks)
    assert per_school.loc["S0", "violations"] == 1
    assert per_school.loc["S1", "violations"] == 0
    assert per_school.loc["S2", "violations"] == 0        # kindergartens are not in 第九条
    assert per_school.loc["S3", "violations"] == 1
    assert set(violations["site_id"]) == {"near", "sr"}
    d = violations.set_index("site_id")["distance_m"]
    assert abs(d["near"] - 199.0) < 0.5                   # UTM metres agree with the ground
    assert per_school.loc["S0", "violation_sites"] == "near@199m"


def test_distance_is_to_the_campus_outline_when_known():
    # Gate 400 m south of the café, but the campus wall reaches within 150 m of it.
    campus = shapely.box(*gpd.GeoSeries([at(-100, 0), at(100, 250)], crs=4326).total_bounds)
    schools = schools_frame(["junior"], [(0, 0)], campus=[campus])
    risks = gpd.GeoDataFrame({"id": ["cafe"], "category": ["internet_cafe"], "level": [1],
                              "sensitive": [False]}, geometry=gpd.GeoSeries([at(0, 400)], crs=4326))
    per_school, _ = exposure(schools, risks)
    assert per_school.loc["S0", "violations"] == 1


def test_bands_are_cumulative_and_weighted_by_level():
    schools = schools_frame(["primary"], [(0, 0)])
    risks = gpd.GeoDataFrame({
        "id": ["r1", "r2", "r3", "r4"], "category": ["stall", "dispute", "entertainment", "drugs"],
        "level": [1, 3, 2, 3], "sensitive": [False] * 4,
    }, geometry=gpd.GeoSeries([at(0, 100), at(300, 0), at(0, -450), at(700, 0)], crs=4326))
    per_school, _ = exposure(schools, risks)
    assert per_school.loc["S0", "risk_sites_200m"] == 1
    assert per_school.loc["S0", "risk_sites_500m"] == 3
    # level weights 1/2/4, inner band ×1, outer band ×0.5: 1 + 4×0.5 + 2×0.5 = 4.0
    assert per_school.loc["S0", "risk_index"] == 4.0
    assert per_school.loc["S0", "risk_high"] == 1


def test_guard_requirement_rules():
    schools = pd.DataFrame({
        "id": ["urban", "town_big", "rural_small", "rural_boarding", "unknown", "no_area"],
        "area_type": ["urban", "town", "rural", "rural", "urban", None],
        "enrollment": [300, 100, 99, 400, 800, 150],
        "boarding": [False, False, False, True, False, False],
        "guards": pd.array([4, 1, 0, 2, None, 2], dtype="Int64"),
    })
    g = guard_requirements(schools, rules=GuardRules())
    assert g["guards_required"].tolist() == [2, 2, 0, 3, 2, 2]
    assert g["guards_missing"].tolist() == [0, 1, 0, 1, 2, 0]
    assert g.loc["urban", "guards_max"] == 4 and np.isnan(g.loc["town_big", "guards_max"])
    assert not g.loc["unknown", "guards_known"]


def test_tech_defence_missing_flags():
    schools = pd.DataFrame({"id": ["a", "b"],
                            "video_networked": pd.array([True, None], dtype="boolean"),
                            "one_click_alarm": pd.array([True, False], dtype="boolean"),
                            "anti_ram_barrier": pd.array([True, True], dtype="boolean"),
                            "equipment_complete": pd.array([True, False], dtype="boolean"),
                            "equipment_items": [None, 8]})
    t = tech_defence(schools)
    # a blank flag is unknown (未填报), not missing; items not recorded at all stay unknown too
    assert t.loc["a", "tech_missing"] == ""
    assert t.loc["b", "tech_missing"] == "one_click_alarm"
    assert t.loc["b", "video_networked"] is None and t.loc["a", "intrusion_alarm"] is None
    assert t.loc["b", "equipment_complete"] is True       # all 8 items counted wins over the flag
    assert t.loc["a", "equipment_complete"] is True and int(t.loc["b", "equipment_items"]) == 8


def test_sensitive_notes_never_reach_the_outputs(tmp_path):
    from gis.coverage.export import write_assessment

    schools = schools_frame(["primary"], [(0, 0)])
    secret = "张某某 身份证 360681"
    risks = gpd.GeoDataFrame({
        "id": ["p1", "s1"], "category": ["person", "internet_cafe"], "level": [3, 2],
        "note": [secret, secret], "sensitive": [True, True],
    }, geometry=gpd.GeoSeries([at(0, 50), at(0, 120)], crs=4326))
    layers = {"schools": schools, "risk_sites": risks}
    a = assess_with_response(layers, response=None, settings=load_settings())
    assert a.loc[0, "risk_sites_200m"] == 2                # counted …
    for ext in ("csv", "xlsx", "geojson"):
        path = write_assessment(a, tmp_path / f"out.{ext}")
        assert "360681" not in path.read_bytes().decode("utf-8", errors="ignore")
    maps = coverage_map_layers(layers, settings=load_settings())
    for frame in maps.values():
        assert "note" not in frame.columns
        assert not frame.astype(str).apply(lambda c: c.str.contains("360681")).any().any()
