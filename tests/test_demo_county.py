"""The generated county (``demo --area county-sim``): plausible, deterministic, idempotent, marked.

Small sizes keep these fast; the county-scale map itself is tested in test_app_scale.py.
"""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from gis.demo_county import DEMO_SOURCE, build_county_layers, load_county
from gis.network import build_road_graph


@pytest.fixture(scope="module")
def county():
    return build_county_layers(schools=120, seed=7)


def test_same_seed_same_rows_bit_for_bit(county):
    again = build_county_layers(schools=120, seed=7)
    for name, frame in county.items():
        pd.testing.assert_frame_equal(pd.DataFrame(frame).astype(str), pd.DataFrame(again[name]).astype(str))
    other = build_county_layers(schools=120, seed=8)
    assert not other["schools"]["gates"].geom_equals(county["schools"]["gates"]).all()


def test_sizes_follow_the_school_count_and_everything_is_marked(county):
    counts = {name: len(frame) for name, frame in county.items()}
    assert counts["schools"] == 120 and counts["cameras"] == 600 and counts["crossings"] == 180
    assert counts["risk_sites"] == 96 and counts["police_posts"] == 40
    for name, frame in county.items():
        assert (frame["source"] == DEMO_SOURCE).all(), name
    assert county["schools"]["name"].str.startswith("演示·").all()
    assert county["police_posts"]["name"].str.startswith("演示·").all()
    assert county["schools"]["id"].is_unique and county["roads"]["id"].is_unique


def test_towns_and_countryside_not_a_bare_grid(county):
    roads = county["roads"]
    classes = set(roads["highway"])
    assert {"primary", "secondary", "tertiary", "residential", "unclassified"} <= classes
    # township seats and villages: all three settings carry schools
    assert set(county["schools"]["area_type"]) == {"urban", "town", "rural"}
    # the county seat is dense, the countryside sparse: road length per km² near the centre
    # is several times that of the county as a whole
    utm = roads.to_crs(32650)
    centre = utm.geometry.union_all().centroid
    near = utm[utm.geometry.intersects(centre.buffer(3000))]
    density_core = near.length.sum() / (3.1416 * 3.0 ** 2)
    minx, miny, maxx, maxy = utm.total_bounds
    density_all = utm.length.sum() / ((maxx - minx) * (maxy - miny) / 1e6)
    assert density_core > 4 * density_all
    # roads are not all straight: county roads wander between towns
    assert roads["name"].dropna().str.endswith(("县道", "省道", "乡道", "路", "街", "大道")).all()


def test_one_connected_network_and_schools_in_their_jurisdiction(county):
    graph = build_road_graph(county["roads"])
    assert graph.report["dropped_length_km"] < 0.01 * graph.report["length_km"]
    stations = county["police_posts"][county["police_posts"]["kind"] == "station"]
    assert len(stations) == 18 and stations["jurisdiction"].notna().all()
    areas = gpd.GeoSeries(stations["jurisdiction"].values, crs=4326)
    by_id = dict(zip(stations["id"], areas, strict=True))
    schools = county["schools"]
    for sid, gates in zip(schools["jurisdiction_id"], schools.geometry, strict=True):
        assert by_id[sid].covers(Point(gates.geoms[0].coords[0]))


def test_load_twice_changes_nothing_and_keeps_user_rows(store):
    user = gpd.GeoDataFrame({"id": ["user-1"], "name": ["用户学校"], "kind": ["primary"]},
                            geometry=gpd.GeoSeries.from_wkt(["MULTIPOINT ((117.2 28.25))"], crs=4326)
                            ).rename_geometry("gates")
    store.init()
    store.write_layer("schools", user, source="学校.xlsx", actor="test")
    # the campaign's records, register and accounts once (on SQLite; they cost seconds)
    records = str(store.url).startswith("sqlite")
    first = load_county(store, schools=30, seed=3, records=records)
    assert first["schools"]["inserted"] == 30 and first["roads"]["inserted"] > 5000
    second = load_county(store, schools=30, seed=3, records=False)
    for layer, counts in second.items():
        assert counts["inserted"] == counts["updated"] == counts["deleted"] == 0, layer
    fewer = load_county(store, schools=20, seed=3, records=False)
    assert fewer["schools"]["deleted"] == 10
    schools = store.read_layer("schools")
    assert "user-1" in set(schools["id"]) and len(schools) == 21
    assert store.get_meta("demo_area") == "county-sim"
    # person records are not map points: they went to the restricted register
    assert (store.read_layer("risk_sites")["category"] != "person").all()
    if records:
        assert first["risk_persons"]["inserted"] > 0 and first["inspections"]["inserted"] > 0


def test_cli_builds_the_county_and_refuses_a_bad_size(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    ok = subprocess.run([sys.executable, "-m", "gis", "--db", db, "demo", "--area", "county-sim",
                         "--schools", "25"], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "演示县" in ok.stdout and "demo-generated" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "gis", "--db", db, "demo", "--area", "county-sim",
                          "--schools", "0"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "--schools" in bad.stderr
