"""The schema files in sql/: clean on an empty PostGIS database (twice), matching gis/schema.py."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from gis.errors import DataSourceError
from gis.schema import GEOMETRY_KINDS, LAYER_NAMES, LAYERS
from gis.store import open_store
from gis.store.migrate import apply_file, schema_files

# As the geometry_columns view reports them: polygon and line columns are typed GEOMETRY
# with a CHECK constraint allowing the single and multi forms, which the view reads.
POSTGIS_TYPES = {"point": "POINT", "multipoint": "MULTIPOINT", "polygon": "POLYGON",
                 "line": "LINESTRING"}


@pytest.mark.postgis
def test_sql_files_apply_cleanly_to_an_empty_postgis_database_twice(postgis_url):
    files = schema_files("postgis")
    numbers = [p.name[:3] for p in files]
    assert numbers[:4] == ["001", "002", "003", "004"] and {"006", "007", "008", "009"} <= set(numbers)
    assert numbers == sorted(set(numbers))
    engine = create_engine(postgis_url)
    try:
        for _ in range(2):
            with engine.begin() as conn:
                for path in files:
                    apply_file(conn, path)
        with engine.connect() as conn:
            columns = conn.execute(text(
                "SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns "
                "WHERE f_table_schema = 'public'")).all()
            indexes = conn.execute(text(
                "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'")).all()
            meta = conn.execute(text("SELECT value FROM meta WHERE key = 'data_version'")).all()
    finally:
        engine.dispose()
    found = {(t, c): (srid, kind) for t, c, srid, kind in columns}
    expected = {(name, f.name): (4326, POSTGIS_TYPES[f.kind])
                for name in LAYER_NAMES for f in LAYERS[name].geometry_fields}
    views = {("risk_sites_public", "point"): (4326, "POINT"), ("risk_persons", "point"): (4326, "POINT"),
             ("school_main_gates", "gate"): (4326, "POINT")}
    assert found == expected | views
    gist = {(t, d.split("(")[-1].rstrip(")")) for t, d in indexes if "USING gist" in d}
    assert {(t, c) for t, c in expected} <= gist
    assert meta == [("0",)]


def test_init_is_idempotent_and_records_migrations(store):
    assert store.init() == []          # the fixture already initialised it
    names = [p.name for p in schema_files(store.backend)]
    with store.engine.connect() as conn:
        recorded = [r[0] for r in conn.execute(text(
            "SELECT version FROM schema_migrations ORDER BY version"))]
    assert recorded == names
    assert store.is_initialized()


def test_tables_match_the_schema_module(store):
    inspector = inspect(store.engine)
    for name in LAYER_NAMES:
        columns = [c["name"] for c in inspector.get_columns(name)]
        # Columns added by later migrations (006_school_checklist …) come after the bookkeeping ones.
        assert sorted(columns) == sorted([f.name for f in LAYERS[name].fields] + [
            "source", "updated_at", "version"]), name
        assert len(columns) == len(set(columns)), name
        by_name = {c["name"]: c for c in inspector.get_columns(name)}
        for f in LAYERS[name].fields:
            if f.required:
                assert not by_name[f.name]["nullable"], (name, f.name)
        if store.backend == "sqlite":
            for f in LAYERS[name].fields:
                if f.kind in GEOMETRY_KINDS:
                    assert str(by_name[f.name]["type"]) == "BLOB"
    for table in ("audit_log", "meta", "schema_migrations"):
        assert inspector.has_table(table)
    assert [c["name"] for c in inspector.get_columns("audit_log")] == [
        "id", "at", "layer", "row_id", "field", "old", "new", "actor",
        "username", "address", "action", "object", "result"]


def test_uninitialised_database_says_to_run_init(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DataSourceError, match="gis init"):
        store.read_layer("schools")
    store.close()


def test_bad_urls_are_clear_errors():
    with pytest.raises(DataSourceError, match="不支持|unsupported"):
        open_store("mysql://u@h/db")
    with pytest.raises(DataSourceError, match="URL"):
        open_store("not a url")


def test_unreachable_postgres_is_a_data_source_error():
    store = open_store("postgresql+psycopg2://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    with pytest.raises(DataSourceError, match="127.0.0.1"):
        store.layer_counts()


def test_public_view_hides_notes_of_sensitive_risk_sites(store):
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"id": ["r1", "r2", "r3"], "category": ["person", "stall", "dispute"], "level": [3, 1, 2],
         "note": ["张某，住址保密", "流动摊点", "涉及家长个人信息"], "sensitive": [None, False, True]},
        geometry=[Point(117.2, 28.3)] * 3, crs=4326).rename_geometry("point")
    store.write_layer("risk_sites", frame, source="t", actor="t")
    with store.engine.connect() as conn:
        notes = dict(conn.execute(text("SELECT id, note FROM risk_sites_public ORDER BY id")).all())
    assert notes == {"r1": None, "r2": "流动摊点", "r3": None}


@pytest.mark.postgis
def test_school_main_gates_view_gives_the_first_gate(postgis_store):
    import geopandas as gpd
    from shapely.geometry import MultiPoint

    frame = gpd.GeoDataFrame({"id": ["s1"], "name": ["甲小学"], "kind": ["primary"]},
                             geometry=[MultiPoint([(117.21, 28.31), (117.22, 28.32)])],
                             crs=4326).rename_geometry("gates")
    postgis_store.write_layer("schools", frame, source="t", actor="t")
    with postgis_store.engine.connect() as conn:
        row = conn.execute(text("SELECT id, ST_X(gate), ST_Y(gate), ST_SRID(gate) "
                                "FROM school_main_gates")).one()
    assert tuple(row) == ("s1", 117.21, 28.31, 4326)
