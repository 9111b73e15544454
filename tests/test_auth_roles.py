"""Roles enforced in the core: the store's read and write paths take the acting principal
and refuse what its role does not allow (called directly, no UI), on SQLite and PostGIS.
Also the high-risk persons register: migration out of risk_sites, counts for everyone,
records for cleared accounts only, every record read audited."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from shapely.geometry import MultiPoint, Point
from sqlalchemy import create_engine, text

from gis.auth import Principal, allowed, register, require
from gis.errors import AccessDeniedError
from gis.store import open_store
from gis.store.migrate import apply_file, schema_files

PLANNER = Principal("p1", "planner", address="10.0.0.1")
STATION = Principal("s1", "station", "PS-A", address="10.0.0.2")
VIEWER = Principal("v1", "viewer", address="10.0.0.3")
CLEARED = Principal("c1", "cleared", address="10.0.0.4")
EDUCATION = Principal("e1", "education", address="10.0.0.5")
GOVERNANCE = Principal("g1", "governance", address="10.0.0.6")
ADMIN = Principal("a1", "account_admin", address="10.0.0.7")
AUDITOR = Principal("u1", "auditor", address="10.0.0.8")
KIOSK = Principal("kiosk:wall", "kiosk", address="10.0.0.9")


def schools(*rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "name": [r[1] for r in rows], "kind": ["primary"] * len(rows),
         "jurisdiction_id": [r[2] for r in rows]},
        geometry=gpd.GeoSeries([MultiPoint([(117.2 + 0.01 * k, 28.3)]) for k in range(len(rows))],
                               crs=4326), crs=4326).rename_geometry("gates")


@pytest.fixture
def loaded(store):
    store.write_layer("schools", schools(("a", "甲小学", "PS-A"), ("b", "乙小学", "PS-B")), source="t")
    crossings = gpd.GeoDataFrame({"id": ["xa", "xb"], "school_id": ["a", "b"], "staffed_by": ["police"] * 2},
                                 geometry=gpd.GeoSeries([Point(117.2, 28.3), Point(117.21, 28.3)], crs=4326),
                                 crs=4326).rename_geometry("point")
    store.write_layer("crossings", crossings, source="t")
    return store


def _audit(store, action: str) -> list[tuple]:
    with store.begin() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT username, address, object, result FROM audit_log WHERE action = :a ORDER BY id"),
            {"a": action})]


def test_viewer_reads_but_cannot_write(loaded):
    assert len(loaded.read_layer("schools", principal=VIEWER)) == 2
    edit = schools(("a", "改名小学", "PS-A"))
    with pytest.raises(AccessDeniedError, match="v1.*无权执行此操作"):
        loaded.write_layer("schools", edit, source="user", principal=VIEWER)
    with pytest.raises(AccessDeniedError):
        loaded.delete_rows("schools", ["a"], principal=VIEWER)
    assert list(loaded.read_layer("schools")["name"]) == ["甲小学", "乙小学"]   # nothing changed
    assert _audit(loaded, "write")[0][:3] == ("v1", "10.0.0.3", "schools")
    assert _audit(loaded, "write")[0][3] == "denied"


def test_station_edits_only_its_own_jurisdiction(loaded):
    own = schools(("a", "甲小学（新校名）", "PS-A"))
    result = loaded.write_layer("schools", own, source="user", principal=STATION)
    assert result.updated == ["a"]
    with pytest.raises(AccessDeniedError, match="只能修改本辖区（PS-A）.*PS-B.*未保存"):
        loaded.write_layer("schools", schools(("b", "乙小学（改）", "PS-B")), source="user", principal=STATION)
    with pytest.raises(AccessDeniedError, match="PS-B"):   # cannot move a school into its area either
        loaded.write_layer("schools", schools(("b", "乙小学", "PS-A")), source="user", principal=STATION)
    with pytest.raises(AccessDeniedError, match="PS-B"):   # nor give its own school away
        loaded.write_layer("schools", schools(("a", "甲小学", "PS-B")), source="user", principal=STATION)
    with pytest.raises(AccessDeniedError):
        loaded.delete_rows("schools", ["b"], principal=STATION)
    # a mixed batch is refused as a whole: nothing written
    with pytest.raises(AccessDeniedError):
        loaded.write_layer("schools", schools(("a", "甲·批量", "PS-A"), ("b", "乙·批量", "PS-B")),
                           source="user", principal=STATION)
    names = dict(zip(*[loaded.read_layer("schools")[c] for c in ("id", "name")], strict=True))
    assert names == {"a": "甲小学（新校名）", "b": "乙小学"}
    # crossings follow their school's jurisdiction
    cross = loaded.read_layer("crossings")
    mine = cross[cross["id"] == "xa"].assign(staff=3)
    assert loaded.write_layer("crossings", mine, source="user", principal=STATION).updated == ["xa"]
    with pytest.raises(AccessDeniedError, match="crossings"):
        loaded.write_layer("crossings", cross[cross["id"] == "xb"].assign(staff=3), source="user",
                           principal=STATION)
    with pytest.raises(AccessDeniedError):   # posts are the county's, not the station's
        loaded.write_layer("police_posts", gpd.GeoDataFrame(
            {"id": ["p"], "name": ["岗"], "kind": ["kiosk"]},
            geometry=gpd.GeoSeries([Point(117.2, 28.3)], crs=4326)).rename_geometry("point"),
            source="user", principal=STATION)


def test_education_edits_checklist_fields_only(loaded):
    stored = loaded.read_layer("schools")
    checklist = stored[["id", "version"]].assign(guards=[3, 2], one_click_alarm=[True, False])
    assert sorted(loaded.write_layer("schools", checklist, source="edu", principal=EDUCATION).updated) == ["a", "b"]
    with pytest.raises(AccessDeniedError, match="安全检查项.*name"):
        loaded.write_layer("schools", schools(("a", "改名", "PS-A")), source="edu", principal=EDUCATION)


@pytest.mark.parametrize("who", [ADMIN, AUDITOR])
def test_separated_duties_read_no_map_data(loaded, who):
    with pytest.raises(AccessDeniedError):
        loaded.read_layer("schools", principal=who)


def test_only_the_auditor_reads_the_audit_trail(loaded):
    assert len(loaded.read_audit(principal=AUDITOR)) > 0
    for who in (ADMIN, PLANNER, VIEWER, CLEARED):
        with pytest.raises(AccessDeniedError):
            loaded.read_audit(principal=who)
    assert not allowed(AUDITOR, "write", "schools") and not allowed(AUDITOR, "manage_accounts")
    assert allowed(ADMIN, "manage_accounts") and not allowed(ADMIN, "read_audit")


def test_kiosk_and_governance_change_nothing(loaded):
    for who in (KIOSK, GOVERNANCE):
        assert len(loaded.read_layer("schools", principal=who)) == 2
        with pytest.raises(AccessDeniedError):
            loaded.write_layer("schools", schools(("a", "x", "PS-A")), source="user", principal=who)
    with pytest.raises(AccessDeniedError):
        loaded.read_layer("risk_persons", principal=KIOSK)


def test_policy_names_actions_for_other_packages():
    require(PLANNER, "plan")
    require(STATION, "write", "inspections", "PS-A")
    with pytest.raises(AccessDeniedError, match="PS-B"):
        require(STATION, "write", "inspections", "PS-B")
    with pytest.raises(AccessDeniedError):
        require(VIEWER, "export")
    require(EDUCATION, "write", "inspections")
    with pytest.raises(AccessDeniedError):
        require(GOVERNANCE, "write", "notices")


def _person(pid: str, x: float, y: float, **extra) -> dict:
    return {"id": pid, "category": "drug_user", "level": 2, "measure": "社区戒毒", "officer": "王警官",
            "status": "active", "note": "张某某 身份证 3601…", "point": Point(x, y), **extra}


def test_register_records_for_cleared_only_counts_for_everyone(loaded):
    today = dt.date(2026, 11, 29)
    rows = [_person("rp1", 117.2010, 28.3, next_review=dt.datetime(2026, 11, 1)),        # ~100 m from a
            _person("rp2", 117.2040, 28.3, next_review=dt.datetime(2026, 12, 20)),       # ~390 m from a
            _person("rp3", 117.2400, 28.3, next_review=dt.datetime(2026, 10, 1), status="released")]
    loaded.write_layer("risk_persons", gpd.GeoDataFrame(rows, geometry="point", crs=4326), source="t")
    for who in (PLANNER, VIEWER, STATION, EDUCATION, GOVERNANCE):
        with pytest.raises(AccessDeniedError):
            register.read_register(loaded, principal=who)
    counts = register.counts_near_schools(loaded, loaded.read_layer("schools"), principal=VIEWER)
    assert list(counts.columns) == ["school_id", "name", "within_200m", "within_500m"]
    assert counts.set_index("school_id")[["within_200m", "within_500m"]].to_dict("index") == {
        "a": {"within_200m": 1, "within_500m": 2}, "b": {"within_200m": 0, "within_500m": 0}}
    records = register.read_register(loaded, principal=CLEARED)
    assert sorted(records["id"]) == ["rp1", "rp2", "rp3"]
    reads = _audit(loaded, "read_restricted")
    assert sorted(r[2] for r in reads) == ["rp1", "rp2", "rp3"] and {r[0] for r in reads} == {"c1"}
    late = register.overdue_reviews(records, today=today)
    assert list(late["id"]) == ["rp1"] and late["days_overdue"].iloc[0] == 28
    # the trail never holds the register's fields
    with loaded.begin() as conn:
        dump = " ".join(str(v) for r in conn.execute(text("SELECT * FROM audit_log")) for v in r)
    assert "张某某" not in dump and "社区戒毒" not in dump and "王警官" not in dump


def _old_schema(url: str, backend: str) -> None:
    """A database as it was before 007 (files 001-004) with three risk sites in it."""
    engine = create_engine(url)
    point = "ST_GeomFromText('POINT(117.2 28.3)', 4326)" if backend == "postgis" else ":wkb"
    flag = {None: "NULL", True: "TRUE" if backend == "postgis" else "1", False: "FALSE" if backend == "postgis" else "0"}
    with engine.begin() as conn:
        for path in schema_files(backend):
            if path.name < "005":
                apply_file(conn, path)
                conn.execute(text("INSERT INTO schema_migrations (version) VALUES (:v)"), {"v": path.name})
        for rid, category, level, note, sensitive in (
                ("r1", "person", 3, "李某，扬言报复", None), ("r2", "dispute", 2, "涉及家长个人信息", True),
                ("r3", "internet_cafe", 1, "无证网吧", False)):
            conn.execute(text(f"INSERT INTO risk_sites (id, category, level, note, sensitive, point, source, "
                              f"updated_at, version) VALUES (:id, :c, :l, :n, {flag[sensitive]}, {point}, "
                              f"'登记表.xlsx', '2025-01-01T00:00:00+00:00', 1)"),
                         {"id": rid, "c": category, "l": level, "n": note, "wkb": Point(117.2, 28.3).wkb})
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_migration_moves_person_rows_into_the_register(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else request.getfixturevalue("postgis_url")
    _old_schema(url, backend)
    store = open_store(url)
    try:
        applied = store.init()
        assert "007_auth.sql" in applied
        assert list(store.read_layer("risk_sites")["id"]) == ["r3"]
        moved = store.read_layer("risk_persons")
        assert list(moved["id"]) == ["r1", "r2"] and list(moved["note"]) == ["李某，扬言报复", "涉及家长个人信息"]
        assert set(moved["category"]) == {"unclassified"} and list(moved["level"]) == [3, 2]
        assert store.init() == []
    finally:
        store.close()
