"""Upsert by id, optimistic locking, audit log, meta and the data version, on both back-ends."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import MultiPoint, Point

from gis.errors import StaleVersionError, ValidationError


def schools(*rows: tuple) -> gpd.GeoDataFrame:
    """Rows of (id, name, kind, guards, lon, lat)."""
    frame = pd.DataFrame(rows, columns=["id", "name", "kind", "guards", "lon", "lat"])
    gates = [MultiPoint([(lon, lat)]) for lon, lat in zip(frame.lon, frame.lat, strict=True)]
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=gates, crs=4326) \
        .rename_geometry("gates")


def risks(*rows: tuple) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["id", "category", "level", "note", "lon", "lat"])
    points = [Point(lon, lat) for lon, lat in zip(frame.lon, frame.lat, strict=True)]
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=points, crs=4326) \
        .rename_geometry("point")


BASE = schools(("a", "甲小学", "primary", 2, 117.23, 28.30),
               ("b", "乙中学", "junior", 3, 117.24, 28.31),
               ("c", "丙幼儿园", "kindergarten", None, 117.25, 28.32))


def test_upsert_keeps_ids_stable_and_counts_right(store):
    first = store.write_layer("schools", BASE, source="one.xlsx", actor="alice")
    assert (first.inserted, first.updated, first.unchanged) == (["a", "b", "c"], [], [])
    before = store.read_layer("schools").set_index("id")

    second = store.write_layer("schools", schools(("b", "乙中学", "junior", 4, 117.24, 28.31),
                                                  ("c", "丙幼儿园", "kindergarten", None, 117.25,
                                                   28.32),
                                                  ("d", "丁小学", "primary", 1, 117.26, 28.33)),
                               source="two.xlsx", actor="bob")
    assert (second.inserted, second.updated, second.unchanged) == (["d"], ["b"], ["c"])
    assert store.layer_counts()["schools"] == 4
    after = store.read_layer("schools").set_index("id")
    assert list(after.index) == ["a", "b", "c", "d"]
    assert after.loc["b", "guards"] == 4 and after.loc["b", "version"] == 2
    assert after.loc["b", "source"] == "two.xlsx"
    assert after.loc["b", "updated_at"] > before.loc["b", "updated_at"]
    # untouched rows keep version, source and timestamp
    for rid in ("a", "c"):
        assert after.loc[rid, "version"] == 1
        assert after.loc[rid, "source"] == "one.xlsx"
        assert after.loc[rid, "updated_at"] == before.loc[rid, "updated_at"]


def test_rewriting_the_same_data_changes_nothing(store):
    store.write_layer("schools", BASE, source="one.xlsx", actor="alice")
    version = store.data_version()
    audit_rows = len(store.read_audit(limit=10_000))
    before = store.read_layer("schools")
    result = store.write_layer("schools", before, source="again.xlsx", actor="alice")
    assert not result.changed and result.unchanged == ["a", "b", "c"]
    assert store.data_version() == version
    assert len(store.read_audit(limit=10_000)) == audit_rows
    pd.testing.assert_frame_equal(store.read_layer("schools"), before)


def test_partial_columns_update_only_those_columns(store):
    store.write_layer("schools", BASE, source="one.xlsx", actor="alice")
    store.write_layer("schools", pd.DataFrame({"id": ["a"], "enrollment": [880]}),
                      source="edit", actor="alice")
    row = store.read_layer("schools").set_index("id").loc["a"]
    assert row["enrollment"] == 880 and row["name"] == "甲小学" and row["guards"] == 2
    assert row["version"] == 2


def test_stale_version_is_refused_and_nothing_is_written(store):
    store.write_layer("schools", BASE, source="one.xlsx", actor="alice")
    alice = store.read_layer("schools")          # both read version 1
    bob = alice.copy()
    bob.loc[bob.id == "a", "guards"] = 4
    store.write_layer("schools", bob, source="user", actor="bob")   # a -> version 2

    alice.loc[alice.id == "a", "guards"] = 0
    alice.loc[alice.id == "b", "name"] = "乙中学（改）"
    with pytest.raises(StaleVersionError) as caught:
        store.write_layer("schools", alice, source="user", actor="alice")
    message = str(caught.value)
    assert "schools" in message and " a " in message
    assert "1" in message and "2" in message
    stored = store.read_layer("schools").set_index("id")
    assert stored.loc["a", "guards"] == 4 and stored.loc["a", "version"] == 2
    assert stored.loc["b", "name"] == "乙中学"   # the whole batch was rolled back


def test_current_version_is_accepted_and_missing_version_is_authoritative(store):
    store.write_layer("schools", BASE, source="one.xlsx", actor="alice")
    current = store.read_layer("schools")
    current.loc[current.id == "a", "guards"] = 5
    assert store.write_layer("schools", current, source="user", actor="a").updated == ["a"]
    # a file import carries no version: it wins even though the row is at version 2
    result = store.write_layer("schools", BASE, source="one.xlsx", actor="import")
    assert result.updated == ["a"]
    row = store.read_layer("schools").set_index("id").loc["a"]
    assert row["guards"] == 2 and row["version"] == 3


def test_audit_log_records_updates_deletes_and_restricts_notes(store):
    store.write_layer("risk_sites", risks(("r1", "person", 3, "张某，住址保密", 117.23, 28.30),
                                          ("r2", "stall", 1, "流动摊点", 117.24, 28.31)),
                      source="risks.csv", actor="alice")
    store.write_layer("risk_sites", risks(("r1", "person", 2, "张某，已搬离", 117.23, 28.30),
                                          ("r2", "stall", 1, "流动摊点", 117.24, 28.31)),
                      source="risks.csv", actor="bob")
    log = store.read_audit(layer="risk_sites", row_id="r1")
    updates = log[log.actor == "bob"].set_index("field")
    assert set(updates.index) == {"level", "note"}
    assert (updates.loc["level", "old"], updates.loc["level", "new"]) == ("3", "2")
    assert (updates.loc["note", "old"], updates.loc["note", "new"]) == ("(restricted)",
                                                                        "(restricted)")
    everything = store.read_audit(limit=10_000)
    assert not everything["old"].fillna("").str.contains("张某").any()
    assert not everything["new"].fillna("").str.contains("张某").any()
    assert str(everything["at"].dt.tz) == "UTC"

    assert store.delete_rows("risk_sites", ["r2", "missing"], actor="carol") == 1
    deleted = store.read_audit(layer="risk_sites", row_id="r2")
    gone = deleted[deleted.actor == "carol"].set_index("field")
    assert gone.loc["category", "old"] == "stall" and pd.isna(gone.loc["category", "new"])
    assert gone.loc["point", "old"].startswith("POINT")
    assert list(store.read_layer("risk_sites")["id"]) == ["r1"]


def test_delete_with_stale_version_is_refused(store):
    store.write_layer("schools", BASE, source="one.xlsx", actor="alice")
    edited = store.read_layer("schools")
    edited.loc[edited.id == "c", "guards"] = 2
    store.write_layer("schools", edited, source="user", actor="bob")
    with pytest.raises(StaleVersionError):
        store.delete_rows("schools", ["c"], versions={"c": 1}, actor="alice")
    assert store.delete_rows("schools", ["c"], versions=[2], actor="alice") == 1
    assert store.layer_counts()["schools"] == 2


def test_bad_rows_raise_validation_errors_and_write_nothing(store):
    bad_kind = schools(("a", "甲小学", "primary", 2, 117.23, 28.30),
                       ("b", "乙", "university", 1, 117.24, 28.31))
    with pytest.raises(ValidationError, match="kind"):
        store.write_layer("schools", bad_kind, source="x", actor="t")
    with pytest.raises(ValidationError, match="guards"):
        store.write_layer("schools", schools(("a", "甲", "primary", -1, 117.23, 28.30)),
                          source="x", actor="t")
    with pytest.raises(ValidationError, match="重复|more than once"):
        store.write_layer("schools", pd.concat([BASE, BASE]), source="x", actor="t")
    with pytest.raises(ValidationError, match="name"):
        store.write_layer("schools", schools(("z", None, "primary", 1, 117.23, 28.30)),
                          source="x", actor="t")
    assert store.layer_counts()["schools"] == 0


def test_single_point_gate_is_stored_as_multipoint(store):
    frame = BASE.iloc[:1].copy()
    frame["gates"] = gpd.GeoSeries([Point(117.23, 28.30)], crs=4326).values
    store.write_layer("schools", frame, source="x", actor="t")
    assert store.read_layer("schools").gates.iloc[0].geom_type == "MultiPoint"


def test_meta_and_data_version(store):
    start = store.data_version()
    assert store.get_meta("demo_area") is None
    assert store.get_meta("demo_area", "none") == "none"
    store.set_meta("bounds", [117.19, 28.28, 117.26, 28.32])
    assert store.get_meta("bounds") == [117.19, 28.28, 117.26, 28.32]
    assert store.data_version() == start + 1
    store.set_meta("bounds", [117.19, 28.28, 117.26, 28.32])   # same value: no change
    assert store.data_version() == start + 1
    store.set_meta("attribution", "© OpenStreetMap contributors")
    assert store.get_meta("attribution") == "© OpenStreetMap contributors"
    store.write_layer("schools", BASE, source="x", actor="t")
    assert store.data_version() == start + 3


def test_a_frame_read_from_a_file_with_a_geometry_column_is_accepted(store):
    frame = gpd.GeoDataFrame({"id": ["k1"], "name": ["岗亭"], "kind": ["kiosk"]},
                             geometry=[Point(13_050_000, 3_280_000)], crs=3857)
    store.write_layer("police_posts", frame, source="posts.geojson", actor="t")
    point = store.read_layer("police_posts").point.iloc[0]
    lon, lat = Transformer.from_crs(3857, 4326, always_xy=True).transform(13_050_000, 3_280_000)
    assert point.x == pytest.approx(lon, abs=1e-9) and point.y == pytest.approx(lat, abs=1e-9)
