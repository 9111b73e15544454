"""Camera proposals (checked by the coverage code) and 护学岗 officer assignment."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPoint, Point

from gis.config import load_settings
from gis.siting.cameras import blind_area_m2, blind_totals, plan_cameras
from gis.siting.crossings import plan_crossings, police_at_gate
from gis.siting.scenario import append_rows


def test_camera_proposals_reduce_the_blind_area_the_coverage_code_reports(demo_layers):
    settings = load_settings()
    schools = demo_layers["schools"]
    layers = dict(demo_layers, schools=schools[schools["id"].isin(schools["id"].iloc[:4])].copy())
    before = blind_area_m2(layers, settings=settings)
    plan = plan_cameras(layers, add=2, settings=settings, time_limit=60)
    assert len(plan.proposals) == 2 and plan.solution.status == "optimal"
    assert plan.blind_before_m2 == pytest.approx(before)
    assert set(plan.proposals["direction_deg"]) <= {float(d) for d in range(0, 360, 30)}
    after_layers = dict(layers, cameras=append_rows(layers["cameras"], plan.as_cameras()))
    after = blind_area_m2(after_layers, settings=settings)
    seen = before - after
    assert seen > 100.0                                    # m² newly seen, as the coverage code measures it
    # the model counts 3 m cells whose centres are inside: within a few per cent of the polygon maths
    assert seen == pytest.approx(plan.proposals["blind_m2"].sum(), rel=0.1)
    _, boundary_before = blind_totals(layers, settings=settings)
    _, boundary_after = blind_totals(after_layers, settings=settings)
    assert boundary_after <= boundary_before + 1e-6
    assert boundary_before - boundary_after == pytest.approx(plan.proposals["boundary_m"].sum(), abs=4 * 3.0 + 1)
    one = plan_cameras(layers, add=1, settings=settings, time_limit=60)
    assert one.solution.objective <= plan.solution.objective


def tiny_layers(*, police_at_c: bool) -> dict[str, gpd.GeoDataFrame]:
    schools = gpd.GeoDataFrame({
        "id": ["A", "B", "C", "D"], "name": ["甲校", "乙校", "丙校", "丁校"], "kind": "primary",
        "enrollment": [1000, 500, 750, 400], "high_risk": [True, False, False, False],
    }, geometry=[MultiPoint([(117.20 + 0.01 * i, 28.25)]) for i in range(4)], crs="EPSG:4326")
    crossings = gpd.GeoDataFrame({
        "id": ["x1", "x2"], "school_id": ["C", "D"], "staffed_by": ["police" if police_at_c else "volunteer", "guard"],
        "staff": [1, 2], "am_window": ["07:20-07:50", "07:20-07:50"], "pm_window": [None, None],
    }, geometry=[Point(117.22, 28.2501), Point(117.23, 28.2501)], crs="EPSG:4326")
    return {"schools": schools, "crossings": crossings}


def test_only_police_and_auxiliary_count_as_police_at_the_gate():
    present = police_at_gate(tiny_layers(police_at_c=False), peak="am")
    assert not present.any()                               # a volunteer and a guard are not 见警察
    present = police_at_gate(tiny_layers(police_at_c=True), peak="am")
    assert present.to_dict() == {"A": False, "B": False, "C": True, "D": False}
    assert not police_at_gate(tiny_layers(police_at_c=True), peak="pm").any()


def test_officers_go_where_the_weight_is_highest_within_the_budget():
    layers = tiny_layers(police_at_c=True)
    # A: high-risk, needs 2 (armed pair), weight 1000; B 500, D 400; C already has police.
    two = plan_crossings(layers, officers=2, peak="am")
    assert two.proposals["school_id"].tolist() == ["A"] and two.status == "optimal"
    assert two.proposals["officers"].tolist() == [2] and bool(two.proposals["armed"].iloc[0])
    three = plan_crossings(layers, officers=3, peak="am")
    assert sorted(three.proposals["school_id"]) == ["A", "B"]
    s = three.summary()
    assert s["before_covered"] == 1 and s["after_covered"] == 3
    assert sorted(s["meets_police"]) == ["A", "B", "C"] and [u["school_id"] for u in s["uncoverable"]] == ["D"]


def test_mandatory_breaches_come_before_weight():
    layers = tiny_layers(police_at_c=True)
    assessment = pd.DataFrame({"school_id": ["A", "B", "C", "D"], "level": ["good"] * 4,
                               "mandatory_breaches": ["", "", "", "police_both_peaks"]})
    one = plan_crossings(layers, officers=1, peak="am", assessment=assessment)
    assert one.proposals["school_id"].tolist() == ["D"]    # D's breach outranks B's larger enrollment
    assert one.summary()["breaches_after"] == 0
