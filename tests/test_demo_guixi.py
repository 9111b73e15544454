"""The guixi demo: real OSM roads and schools, plausible generated layers, idempotent loading."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPoint, Point

from gis.cli import main
from gis.demo import build_demo_layers, load_demo
from gis.demo_areas import guess_school_kind
from gis.demo_roads import main_network_roads
from gis.io.osm import read_osm
from gis.schema import LAYER_NAMES

GUIXI_SOURCE = "osm:cn_jiangxi_guixi_city_2024.osm.bz2"
PROTECTED = ("primary", "junior", "senior", "nine_year")


@pytest.fixture(scope="module")
def metric(demo_layers):
    """The demo layers projected to the local UTM zone (metres)."""
    utm = demo_layers["roads"].estimate_utm_crs()
    projected = {}
    for name, gdf in demo_layers.items():
        frame = gdf.to_crs(utm)       # projects the active geometry only: do the others too
        for column in frame.columns:
            if column != frame.geometry.name and isinstance(frame[column], gpd.GeoSeries):
                frame[column] = frame[column].to_crs(utm)
        projected[name] = frame
    return projected, utm


def test_real_schools_carry_their_osm_names(demo_layers, guixi_osm):
    schools = demo_layers["schools"].set_index("id")
    real = schools[schools["source"] == GUIXI_SOURCE]
    assert set(real["name"]) == {"贵溪五中", "贵溪市实验中学", "贵溪市第四中学", "贵溪市第九中学"}
    assert real.loc["osm-w1256740917", "name"] == "贵溪市第九中学"
    assert real.loc["osm-w1256740917", "campus"] is not None
    # every real school is an OSM place with that exact name
    places = read_osm(guixi_osm).places.set_index("id")
    for school_id, row in real.iterrows():
        assert places.loc[school_id.removeprefix("osm-"), "name"] == row["name"]
    assert set(real["kind"]) == {"junior"}


def test_generated_rows_are_marked_and_named_as_demo(demo_layers):
    schools = demo_layers["schools"]
    generated = schools[schools["source"] == "demo-generated"]
    assert 8 <= len(generated) <= 12
    assert generated["name"].str.startswith("演示·").all()
    assert set(generated["kind"]) == {"kindergarten", "primary"}
    assert generated["campus"].notna().all()
    for name in ("police_posts", "cameras", "crossings", "risk_sites"):
        assert set(demo_layers[name]["source"]) == {"demo-generated"}, name
    assert set(demo_layers["roads"]["source"]) == {GUIXI_SOURCE}


def test_roads_are_the_osm_drivable_ways(demo_layers, guixi_osm):
    roads = demo_layers["roads"]
    osm = read_osm(guixi_osm).roads
    assert sorted(roads["id"]) == sorted(osm["id"])
    assert len(roads) == 169
    assert "贵溪大道" in set(roads["name"])


def test_gates_sit_on_campus_boundaries_next_to_roads(metric):
    layers, _ = metric
    roads = shapely.union_all(layers["roads"].geometry.values)
    for _, school in layers["schools"].iterrows():
        main_gate = school["gates"].geoms[0]
        if school["campus"] is not None:
            assert school["campus"].boundary.distance(main_gate) < 0.05, school["name"]
        else:
            assert roads.distance(main_gate) <= 6.5, school["name"]
    # the point schools' gates are a few metres from the road, toward the school
    point_schools = layers["schools"][layers["schools"]["campus"].isna()]
    assert len(point_schools) == 3
    two_gates = layers["schools"][[len(g.geoms) > 1 for g in layers["schools"]["gates"]]]
    assert len(two_gates) >= 1


def test_stations_and_jurisdictions(demo_layers, metric):
    posts = demo_layers["police_posts"]
    stations = posts[posts["kind"] == "station"]
    assert 2 <= len(stations) <= 3
    assert set(stations["name"]) <= {"雄石派出所", "东门派出所", "花园派出所"}
    assert stations["jurisdiction"].notna().all()
    assert posts.loc[posts["kind"] != "station", "jurisdiction"].isna().all()
    assert {"office", "kiosk", "patrol_base"} <= set(posts["kind"])
    assert posts["staff"].notna().all()
    # jurisdictions tile the extract: disjoint cells whose union is the bounds box
    layers, _ = metric
    cells = layers["police_posts"].set_index("id").loc[stations["id"], "jurisdiction"]
    bounds_area = gpd.GeoSeries([shapely.box(117.19116, 28.28171, 117.25519, 28.32252)],
                                crs=4326).to_crs(layers["roads"].crs).area.iloc[0]
    assert shapely.union_all(cells.values).area == pytest.approx(bounds_area, rel=1e-3)
    assert sum(c.area for c in cells) == pytest.approx(bounds_area, rel=1e-3)
    # stations sit by a primary or secondary road
    main = layers["roads"][layers["roads"]["highway"].isin(["primary", "secondary"])]
    main_union = shapely.union_all(main.geometry.values)
    for point in layers["police_posts"].set_index("id").loc[stations["id"], "point"]:
        assert main_union.distance(point) < 20.0
    # each school's jurisdiction_id is the station whose cell holds its main gate
    by_id = demo_layers["police_posts"].set_index("id")
    for _, school in demo_layers["schools"].iterrows():
        cell = by_id.loc[school["jurisdiction_id"], "jurisdiction"]
        assert cell.covers(school["gates"].geoms[0]), school["name"]


def test_crossings_at_junctions_with_bell_windows(demo_layers, metric):
    roads = metric[0]["roads"]
    owners: dict[tuple, set] = {}
    for rid, line in zip(roads["id"], roads.geometry, strict=True):
        for xy in line.coords:
            owners.setdefault(xy, set()).add(rid)
    junctions = MultiPoint([xy for xy, ids in owners.items() if len(ids) >= 2])
    crossings = demo_layers["crossings"]
    assert len(crossings) >= 10
    assert set(crossings["school_id"]) <= set(demo_layers["schools"]["id"])
    # at the junction nearest the gate; on the road by the gate when no junction is near
    road_union = shapely.union_all(roads.geometry.values)
    points = metric[0]["crossings"].geometry
    at_junction = [junctions.distance(p) < 0.05 for p in points]   # metres
    assert sum(at_junction) >= 0.8 * len(points)
    assert all(road_union.distance(p) < 0.05 for p in points)
    assert "none" in set(crossings["staffed_by"])
    assert len(set(crossings["staffed_by"])) >= 3
    assert crossings["am_window"].str.fullmatch(r"\d\d:\d\d-\d\d:\d\d").all()
    primary = crossings.merge(demo_layers["schools"][["id", "kind"]], left_on="school_id",
                              right_on="id")
    assert "07:20-07:50" in set(primary.loc[primary["kind"] == "primary", "am_window"])
    assert (crossings.loc[crossings["staffed_by"] == "none", "staff"] == 0).all()


def test_cameras_face_gates_and_include_weak_spots(demo_layers, metric):
    cameras = demo_layers["cameras"]
    assert {"school", "police", "shop"} == set(cameras["owner"])
    assert "broken" in set(cameras["status"])
    assert not cameras["networked"].all()
    assert cameras["direction_deg"].between(0, 360).all()
    layers, _ = metric
    gates = shapely.union_all([g for g in layers["schools"]["gates"]])
    near_gate = layers["cameras"][layers["cameras"].distance(gates) < 30.0]
    assert len(near_gate) >= 10
    # a police camera 20 m along the road points back at its gate (within 30 degrees)
    police = layers["cameras"][layers["cameras"]["owner"] == "police"]
    for _, cam in police.iterrows():
        gate = min(gates.geoms, key=cam["point"].distance)
        bearing = np.degrees(np.arctan2(gate.x - cam["point"].x, gate.y - cam["point"].y)) % 360
        assert min(abs(bearing - cam["direction_deg"]), 360 - abs(bearing - cam["direction_deg"])) < 30


def test_some_schools_are_deliberately_weak(demo_layers):
    schools = demo_layers["schools"]
    weak = schools[(schools["guards"].fillna(99) < 2) & ~schools["equipment_complete"].fillna(True)]
    assert 2 <= len(weak) < len(schools) // 2
    assert schools["enrollment"].notna().all()
    assert schools["guards"].isna().any()   # an incomplete table, as planners send them


def test_risk_sites_include_the_statutory_cases_and_the_person_is_in_the_register(metric, demo_store):
    layers, _ = metric
    schools = layers["schools"]
    protected = schools[schools["kind"].isin(PROTECTED)]
    cafes = layers["risk_sites"][layers["risk_sites"]["category"] == "internet_cafe"]
    nearest = [min(min(p.distance(g), p.distance(c) if c is not None else np.inf)
                   for g, c in zip(protected["gates"], protected["campus"], strict=True))
               for p in cafes.geometry]
    assert min(nearest) < 200.0
    assert max(nearest) > 200.0
    sites = layers["risk_sites"]
    assert not (sites["category"] == "person").any()   # persons live in the restricted register
    register = demo_store.read_layer("risk_persons")
    assert len(register) == 7 and register["note"].notna().all() and register["next_review"].notna().all()
    assert set(sites["level"]) == {1, 2, 3}
    assert sites["registered_at"].notna().all()


def test_build_is_deterministic_and_seeded(guixi_osm):
    first = build_demo_layers(guixi_osm, area="guixi", seed=7)
    second = build_demo_layers(guixi_osm, area="guixi", seed=7)
    other = build_demo_layers(guixi_osm, area="guixi", seed=8)
    for name in LAYER_NAMES:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert not first["cameras"].equals(other["cameras"])
    pd.testing.assert_frame_equal(first["roads"], other["roads"])


def test_meta_records_area_file_bounds_and_attribution(demo_store):
    assert demo_store.get_meta("demo_area") == "guixi"
    assert demo_store.get_meta("osm_file") == "cn_jiangxi_guixi_city_2024.osm.bz2"
    assert demo_store.get_meta("bounds") == [117.19116, 28.28171, 117.25519, 28.32252]
    assert demo_store.get_meta("attribution") == "© OpenStreetMap contributors"


def test_demo_twice_gives_the_same_database(sqlite_store):
    load_demo(sqlite_store, area="guixi")
    before = sqlite_store.read_layers()
    version = sqlite_store.data_version()
    audit = len(sqlite_store.read_audit(limit=100_000))
    summary = load_demo(sqlite_store, area="guixi")
    assert all(c["inserted"] == c["updated"] == c["deleted"] == 0 for c in summary.values())
    after = sqlite_store.read_layers()
    for name in LAYER_NAMES:
        pd.testing.assert_frame_equal(after[name], before[name])
    assert sqlite_store.data_version() == version
    assert len(sqlite_store.read_audit(limit=100_000)) == audit


def test_demo_never_touches_user_rows_and_switches_areas(sqlite_store):
    user = gpd.GeoDataFrame({"id": ["u-1"], "name": ["用户导入小学"], "kind": ["primary"]},
                            geometry=[MultiPoint([(117.22, 28.30)])], crs=4326)
    user = user.rename_geometry("gates")
    sqlite_store.write_layer("schools", user, source="学校名单.xlsx", actor="planner")
    load_demo(sqlite_store, area="guixi")
    # a user edit of a generated row makes it the user's: the demo keeps its hands off
    posts = sqlite_store.read_layer("police_posts")
    posts = posts[posts["name"] == "雄石派出所"].copy()
    posts["staff"] = 99
    sqlite_store.write_layer("police_posts", posts, source="user", actor="planner")

    again = load_demo(sqlite_store, area="guixi")
    assert again["police_posts"]["skipped"] == 1
    assert again["schools"]["inserted"] == again["schools"]["updated"] == 0

    load_demo(sqlite_store, area="shenzhen-dayun")
    schools = sqlite_store.read_layer("schools").set_index("id")
    assert schools.loc["u-1", "source"] == "学校名单.xlsx" and schools.loc["u-1", "version"] == 1
    assert "贵溪市第四中学" not in set(schools["name"])
    assert "龙岗外国语学校" in set(schools["name"])
    roads = sqlite_store.read_layer("roads")
    assert set(roads["source"]) == {"osm:cn_shenzhen_longgang_dayun_2019.osm.bz2"}
    assert sqlite_store.get_meta("demo_area") == "shenzhen-dayun"
    edited = sqlite_store.read_layer("police_posts").set_index("id")
    assert (edited.loc[edited["name"] == "雄石派出所", "staff"] == 99).all()


@pytest.mark.postgis
def test_demo_loads_into_postgis_identically(postgis_store, demo_layers):
    load_demo(postgis_store, area="guixi")
    for name in LAYER_NAMES:
        got = postgis_store.read_layer(name)
        pd.testing.assert_frame_equal(got.drop(columns=["updated_at"]),
                                      demo_layers[name].drop(columns=["updated_at"]))


@pytest.mark.parametrize(("name", "kind"), [
    ("贵溪市第四中学", "junior"), ("贵溪五中", "junior"), ("启蒙星幼儿园", "kindergarten"),
    ("清华附小", "primary"), ("清华附中", "senior"), ("深圳信息职业技术学院", "vocational"),
    ("贵溪市第一高级中学", "senior"), ("华南师范大学附属龙岗大运学校", "nine_year"),
    ("清华大学洁华幼儿园", "kindergarten"), ("某某培训中心", None),
])
def test_school_kind_from_name(name, kind):
    assert guess_school_kind(name) == kind


def test_cli_init_and_demo(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", url, "init"]) == 0
    assert main(["--db", url, "demo"]) == 0
    out = capsys.readouterr().out
    assert "贵溪" in out and "OpenStreetMap" in out
    assert main(["--db", "postgresql+psycopg2://postgres@127.0.0.1:1/x?connect_timeout=2",
                 "init"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_point_school_gate_is_a_few_metres_from_the_road_toward_the_school(metric, guixi_osm):
    # the road is the nearest one of the routable network, so every gate can be reached
    layers, utm = metric
    places = read_osm(guixi_osm).places.to_crs(utm).set_index("id")
    roads = shapely.union_all(main_network_roads(layers["roads"]).geometry.values)
    schools = layers["schools"].set_index("id")
    for osm_id in ("n3382563730", "n3382563731", "n3382563733"):
        school = places.loc[osm_id, "geometry"]
        gate = schools.loc[f"osm-{osm_id}", "gates"].geoms[0]
        assert gate.distance(school) < roads.distance(school)
        assert roads.distance(gate) == pytest.approx(min(6.0, roads.distance(school)), abs=0.05)
        assert isinstance(gate, Point)


def test_clear_removes_demo_rows_only(sqlite_store, capsys):
    user = gpd.GeoDataFrame({"id": ["u-1"], "name": ["用户导入小学"], "kind": ["primary"]},
                            geometry=[MultiPoint([(117.22, 28.30)])], crs=4326)
    sqlite_store.write_layer("schools", user.rename_geometry("gates"), source="学校名单.xlsx",
                             actor="planner")
    load_demo(sqlite_store, area="guixi")
    assert main(["--db", sqlite_store.url, "demo", "--clear"]) == 0
    assert "schools 14" in capsys.readouterr().out
    counts = sqlite_store.layer_counts()
    assert counts == {"schools": 1, "police_posts": 0, "cameras": 0, "crossings": 0,
                      "risk_sites": 0, "roads": 0}
    assert sqlite_store.get_meta("demo_area") is None
    assert sqlite_store.get_meta("bounds") is None
