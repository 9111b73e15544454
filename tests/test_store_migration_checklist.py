"""Migration 006_school_checklist: a database built with the schema before it keeps every row.

The "old" database is made by applying only the files before 006 and inserting rows with
plain SQL in the columns that existed then; ``store.init()`` then applies 006 (and any later
file). Every row, every old value and the bookkeeping must survive; the new checklist fields
read as missing (未填报), never as a default.
"""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import MultiPoint, Point
from sqlalchemy import create_engine, text

from gis.store import open_store
from gis.store.migrate import apply_file, schema_files

NEW_SCHOOL_FIELDS = ("complex_area", "high_risk", "gatekeepers", "guards_certified", "equipment_items",
                     "intrusion_alarm", "electronic_patrol", "monitor_room_24h", "night_duty_24h",
                     "enclosed", "parent_waiting_zone", "legal_vice_principal", "officer_name",
                     "officer_phone")


def _old_database(url: str, backend: str) -> None:
    """Apply the files before 006, record them, and insert three schools and two crossings."""
    engine = create_engine(url)
    gate = ("ST_GeomFromText('MULTIPOINT((117.21 28.31))', 4326)" if backend == "postgis"
            else f"X'{shapely.to_wkb(MultiPoint([(117.21, 28.31)])).hex()}'")
    point = ("ST_GeomFromText('POINT(117.2101 28.3101)', 4326)" if backend == "postgis"
             else f"X'{shapely.to_wkb(Point(117.2101, 28.3101)).hex()}'")
    true = "TRUE" if backend == "postgis" else "1"
    now = "now()" if backend == "postgis" else "'2026-01-01T00:00:00+00:00'"
    try:
        with engine.begin() as conn:
            for path in schema_files(backend):
                if path.name >= "006":
                    break
                apply_file(conn, path)
                conn.execute(text("INSERT INTO schema_migrations (version) VALUES (:v)"), {"v": path.name})
            for k in range(3):
                conn.exec_driver_sql(
                    "INSERT INTO schools (id, name, kind, enrollment, boarding, area_type, guards, "
                    f"one_click_alarm, gates, source, updated_at, version) VALUES ('s{k}', '学校{k}', "
                    f"'primary', {100 * (k + 1)}, {true}, 'urban', {k}, {true}, {gate}, 'old.xlsx', {now}, "
                    f"{k + 1})")
            for k in range(2):
                conn.exec_driver_sql(
                    "INSERT INTO crossings (id, school_id, am_window, staffed_by, staff, point, source, "
                    f"updated_at, version) VALUES ('x{k}', 's{k}', '07:20-07:50', 'police', 2, {point}, "
                    f"'old.xlsx', {now}, 1)")
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_migration_from_the_previous_schema_keeps_every_row(backend, tmp_path, request):
    url = (f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgis_url"))
    _old_database(url, backend)
    store = open_store(url)
    try:
        applied = store.init()
        assert "006_school_checklist.sql" in applied
        schools = store.read_layer("schools").sort_values("id").reset_index(drop=True)
        crossings = store.read_layer("crossings").sort_values("id").reset_index(drop=True)
        assert list(schools["id"]) == ["s0", "s1", "s2"]
        assert list(schools["name"]) == ["学校0", "学校1", "学校2"]
        assert [int(v) for v in schools["guards"]] == [0, 1, 2]
        assert [int(v) for v in schools["enrollment"]] == [100, 200, 300]
        assert [int(v) for v in schools["version"]] == [1, 2, 3]
        assert list(schools["source"]) == ["old.xlsx"] * 3
        assert all(bool(v) for v in schools["one_click_alarm"])
        assert schools.geometry.iloc[0].geoms[0].x == pytest.approx(117.21)
        for name in NEW_SCHOOL_FIELDS:
            assert schools[name].isna().all(), name
        assert list(crossings["id"]) == ["x0", "x1"]
        assert list(crossings["staffed_by"]) == ["police", "police"]
        assert crossings["armed"].isna().all()
        # The new fields are writable and the old version is respected (optimistic locking).
        edit = schools.iloc[[1]][["id", "version", "gates"]].copy()
        edit["complex_area"] = True
        edit["gatekeepers"] = 1
        edit["equipment_items"] = 6
        result = store.write_layer("schools", edit, source="editor", actor="t")
        assert result.updated == ["s1"]
        again = store.read_layer("schools").set_index("id")
        assert bool(again.loc["s1", "complex_area"]) is True
        assert int(again.loc["s1", "equipment_items"]) == 6
        assert again.loc["s1", "name"] == "学校1" and int(again.loc["s1", "guards"]) == 1
        assert len(again) == 3
        assert store.init() == []  # applying again changes nothing
    finally:
        store.close()


def test_sqlite_checklist_file_is_safe_to_reapply(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        store.init()
        path = next(p for p in schema_files("sqlite") if p.name.startswith("006"))
        with store.engine.begin() as conn:
            apply_file(conn, path)  # columns exist: skipped, no "duplicate column" error
            cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(schools)").all()]
        assert cols.count("complex_area") == 1
    finally:
        store.close()
