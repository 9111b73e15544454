"""Every layer goes into the store and comes back unchanged, on SQLite and on PostGIS."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

from gis.schema import GEOMETRY_KINDS, LAYER_NAMES, LAYERS

SQUARE = Polygon([(117.230, 28.300), (117.232, 28.300), (117.232, 28.302), (117.230, 28.302)])
HOLED = Polygon([(117.20, 28.29), (117.22, 28.29), (117.22, 28.31), (117.20, 28.31)],
                [[(117.205, 28.295), (117.207, 28.295), (117.207, 28.297)]])

CHECKLIST = ("complex_area", "high_risk", "gatekeepers", "guards_certified", "equipment_items",
             "intrusion_alarm", "electronic_patrol", "monitor_room_24h", "night_duty_24h", "enclosed",
             "parent_waiting_zone", "legal_vice_principal", "officer_name", "officer_phone")
# Hand-made rows: unicode names, NULLs in every optional field, every geometry type.
ROWS = {
    "schools": [
        {"id": "s-1", "name": "贵溪市第四中学", "kind": "junior", "enrollment": 1520,
         "boarding": True, "area_type": "urban", "jurisdiction_id": "p-1", "guards": 3,
         "equipment_complete": True, "video_networked": False, "one_click_alarm": True,
         "anti_ram_barrier": False, "complex_area": True, "high_risk": False, "gatekeepers": 2,
         "guards_certified": True, "equipment_items": 8, "intrusion_alarm": True,
         "electronic_patrol": False, "monitor_room_24h": True, "night_duty_24h": True,
         "enclosed": True, "parent_waiting_zone": False, "legal_vice_principal": True,
         "officer_name": "王警官", "officer_phone": "0701-3312110",
         "gates": MultiPoint([(117.2310001234567, 28.3000009876543), (117.232, 28.301)]),
         "campus": SQUARE},
        {"id": "s-2", "name": "演示·城北幼儿园「阳光」😀", "kind": "kindergarten", "enrollment": None,
         "boarding": None, "area_type": None, "jurisdiction_id": None, "guards": None,
         "equipment_complete": None, "video_networked": None, "one_click_alarm": None,
         "anti_ram_barrier": None, **dict.fromkeys(CHECKLIST), "gates": MultiPoint([(117.24, 28.31)]),
         "campus": MultiPolygon([SQUARE, HOLED])},
        {"id": "s-3", "name": "O'Brien \"quoted\" 学校; DROP TABLE schools", "kind": "nine_year",
         "enrollment": 0, "boarding": False, "area_type": "rural", "jurisdiction_id": "",
         "guards": 0, "equipment_complete": False, "video_networked": True,
         "one_click_alarm": False, "anti_ram_barrier": True, "complex_area": False, "high_risk": True,
         "gatekeepers": 0, "guards_certified": False, "equipment_items": 0, "intrusion_alarm": False,
         "electronic_patrol": True, "monitor_room_24h": False, "night_duty_24h": False,
         "enclosed": False, "parent_waiting_zone": True, "legal_vice_principal": False,
         "officer_name": "", "officer_phone": None,
         "gates": MultiPoint([(117.25, 28.32)]), "campus": None},
    ],
    "police_posts": [
        {"id": "p-1", "name": "雄石派出所", "kind": "station", "staff": 38, "vehicles": 6,
         "hours": "24小时", "status": None, "point": Point(117.215, 28.305), "jurisdiction": HOLED},
        {"id": "p-2", "name": "建设路治安岗亭", "kind": "kiosk", "staff": None, "vehicles": None,
         "hours": None, "status": "planned", "point": Point(117.2251, 28.2999), "jurisdiction": None},
    ],
    "cameras": [
        {"id": "c-1", "direction_deg": 137.5, "fov_deg": 90.0, "range_m": 40.0,
         "networked": True, "status": "ok", "owner": "school", "point": Point(117.231, 28.3001),
         "coverage": None},
        {"id": "c-2", "direction_deg": None, "fov_deg": None, "range_m": None, "networked": None,
         "status": None, "owner": None, "point": Point(117.2312, 28.3003),
         "coverage": Polygon([(117.2312, 28.3003), (117.2316, 28.3006), (117.2309, 28.3007)])},
    ],
    "crossings": [
        {"id": "x-1", "school_id": "s-1", "am_window": "07:20-07:50", "noon_window": None,
         "pm_window": "16:30-17:10", "staffed_by": "none", "staff": 0, "armed": False,
         "point": Point(117.2305, 28.2998)},
        {"id": "x-2", "school_id": None, "am_window": None, "noon_window": None,
         "pm_window": None, "staffed_by": None, "staff": None, "armed": None, "point": Point(117.24, 28.30)},
    ],
    "risk_sites": [
        {"id": "r-1", "category": "person", "level": 3, "note": "涉校高危人员，每周走访",
         "sensitive": True, "registered_at": dt.datetime(2024, 9, 1, 8, 30, 15, 250000),
         "point": Point(117.2288, 28.3011)},
        {"id": "r-2", "category": "internet_cafe", "level": 1, "note": None, "sensitive": None,
         "registered_at": None, "point": Point(117.229, 28.302)},
    ],
    "roads": [
        {"id": "w1", "name": "贵溪大道", "highway": "primary", "oneway": "yes", "maxspeed": "50",
         "geom": LineString([(117.20, 28.30), (117.21, 28.3000001), (117.22, 28.301)])},
        {"id": "w2", "name": None, "highway": "residential", "oneway": None, "maxspeed": None,
         "geom": MultiLineString([[(117.21, 28.30), (117.21, 28.31)],
                                  [(117.22, 28.30), (117.23, 28.31)]])},
    ],
}


def make_layer(name: str, rows: list[dict]) -> gpd.GeoDataFrame:
    layer = LAYERS[name]
    frame = pd.DataFrame(rows)
    for f in layer.geometry_fields:
        frame[f.name] = gpd.GeoSeries(list(frame[f.name]), crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=layer.geometry_column, crs="EPSG:4326")


def assert_rows_equal(name: str, got: gpd.GeoDataFrame, expected_rows: list[dict]) -> None:
    layer = LAYERS[name]
    assert list(got["id"]) == sorted(r["id"] for r in expected_rows)
    by_id = {r["id"]: r for r in expected_rows}
    for _, row in got.iterrows():
        want = by_id[row["id"]]
        for f in layer.fields:
            value, expected = row[f.name], want[f.name]
            if f.kind in GEOMETRY_KINDS:
                if expected is None:
                    assert value is None, (name, row["id"], f.name)
                else:
                    assert value.equals_exact(expected, tolerance=0), (name, row["id"], f.name)
                    assert value.geom_type == expected.geom_type
            elif expected is None:
                assert pd.isna(value), (name, row["id"], f.name, value)
            elif f.kind == "datetime":
                assert pd.Timestamp(value) == pd.Timestamp(expected)
            else:
                assert value == expected, (name, row["id"], f.name, value, expected)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_round_trips_with_unicode_nulls_and_geometries(store, name):
    result = store.write_layer(name, make_layer(name, ROWS[name]), source="手工.xlsx",
                               actor="tester")
    assert sorted(result.inserted) == sorted(r["id"] for r in ROWS[name])
    got = store.read_layer(name)
    assert got.crs.to_epsg() == 4326
    assert got.geometry.name == LAYERS[name].geometry_column
    assert list(got.columns) == [f.name for f in LAYERS[name].fields] + [
        "source", "updated_at", "version"]
    assert_rows_equal(name, got, ROWS[name])
    assert set(got["source"]) == {"手工.xlsx"}
    assert set(got["version"]) == {1}
    assert str(got["updated_at"].dt.tz) == "UTC"
    for f in LAYERS[name].geometry_fields[1:]:
        assert isinstance(got[f.name], gpd.GeoSeries)


@pytest.mark.parametrize("name", ["schools", "cameras", "risk_sites"])
def test_dtypes_are_nullable_and_identical_across_back_ends(sqlite_store, store, name):
    frame = make_layer(name, ROWS[name])
    sqlite_store.write_layer(name, frame, source="a", actor="t")
    store.write_layer(name, frame, source="a", actor="t")
    left, right = sqlite_store.read_layer(name), store.read_layer(name)
    assert dict(left.dtypes.astype(str)) == dict(right.dtypes.astype(str))
    pd.testing.assert_frame_equal(left.drop(columns=["updated_at"]),
                                  right.drop(columns=["updated_at"]))
    dtypes = left.dtypes.astype(str)
    for f in LAYERS[name].fields:
        if f.kind == "int":
            assert dtypes[f.name] == "Int64"
        if f.kind == "bool":
            assert dtypes[f.name] == "boolean"


def test_empty_layer_reads_with_schema_columns(store):
    empty = store.read_layer("schools")
    assert len(empty) == 0
    assert empty.geometry.name == "gates"
    assert empty.crs.to_epsg() == 4326
    assert "campus" in empty.columns and "version" in empty.columns


def test_demo_layers_round_trip_between_back_ends(demo_layers, store):
    """Real data: the guixi demo written into either back-end reads back identical."""
    for name in LAYER_NAMES:
        source = demo_layers[name]
        for value in sorted(source["source"].unique()):
            part = source[source["source"] == value].drop(columns=["updated_at", "version"])
            store.write_layer(name, part, source=value, actor="t")
        got = store.read_layer(name)
        pd.testing.assert_frame_equal(got.drop(columns=["updated_at"]),
                                      source.drop(columns=["updated_at"]), check_like=False)


def test_reprojected_frame_is_stored_in_wgs84(store):
    frame = make_layer("crossings", ROWS["crossings"]).to_crs(3857)
    store.write_layer("crossings", frame, source="x", actor="t")
    got = store.read_layer("crossings")
    assert got.geometry.iloc[0].distance(Point(117.2305, 28.2998)) < 1e-9
