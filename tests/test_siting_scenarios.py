"""Scenarios: run on the guixi demo, save/list/load/compare on both back-ends, adopt as planned posts."""

from __future__ import annotations

import json

import pytest

from gis.auth.principal import Principal
from gis.config import load_settings
from gis.coverage import assess_campuses
from gis.errors import AccessDeniedError, ValidationError
from gis.network import load_road_graph
from gis.siting.adopt import adopt_scenario, discard_scenario
from gis.siting.scenario import compare_scenarios, from_collection, kpi_table, run_post_scenario
from gis.store.scenarios import delete_scenario, list_scenarios, load_scenario, save_scenario

LAYERS = ("schools", "police_posts", "cameras", "crossings", "risk_sites", "roads")


@pytest.fixture(scope="module")
def demo_run(demo_layers):
    settings = load_settings()
    graph = load_road_graph(demo_layers["roads"], settings=settings)
    plan, result = run_post_scenario(demo_layers, graph=graph, settings=settings, kind="kiosk", add=2, minutes=3)
    return graph, plan, result


def test_demo_scenario_adds_reach_and_explains_it(demo_run):
    _, plan, result = demo_run
    s = result["summary"]
    assert s["status"] == "optimal" and s["gap"] == 0.0
    assert s["after_covered"] > s["before_covered"]
    props = from_collection(result["proposals"])
    assert len(props) == 2
    newly = {sid for lst in props["newly_reached"] for sid in lst}
    assert s["after_covered"] - s["before_covered"] == len(newly)
    before, after = result["kpis"]["before"], result["kpis"]["after"]
    assert after["within"] >= before["within"]
    # every school newly reached is reached in the after-assessment within the standard
    levels = result["levels"]
    assert set(levels) == set(plan.schools["school_id"])
    assert len(result["reach"]["features"]) == 2
    json.dumps(result, allow_nan=False)          # JSON-safe as stored


def test_scenario_save_list_load_compare_and_delete(store, demo_run):
    _, _, result = demo_run
    store.init()
    saved = save_scenario(store, name=" 城区 加两个岗亭 ", kind="kiosk", params=result["summary"]["params"],
                          result=result, principal=Principal("planner", "planner"))
    assert saved.name == "城区 加两个岗亭" and saved.id is not None
    with pytest.raises(ValidationError, match="同名"):
        save_scenario(store, name="城区 加两个岗亭", kind="kiosk", params={}, result=result)
    other = dict(result, summary=dict(result["summary"], sites=1))
    save_scenario(store, name="方案二", kind="kiosk", params={}, result=other)
    listed = list_scenarios(store)
    assert set(listed["name"]) == {"城区 加两个岗亭", "方案二"}
    loaded = load_scenario(store, "城区 加两个岗亭")
    assert loaded.result == result and loaded.created_by == "planner" and loaded.kind == "kiosk"
    table = compare_scenarios(loaded.result, load_scenario(store, "方案二").result, names=("A", "B"))
    sites = table[table["indicator"] == "新增点位"].iloc[0]
    assert (sites["A"], sites["B"]) == (2, 1)
    save_scenario(store, name="方案二", kind="kiosk", params={}, result=result, overwrite=True)
    assert load_scenario(store, "方案二").result["summary"]["sites"] == 2
    assert delete_scenario(store, "方案二") and not delete_scenario(store, "方案二")
    with pytest.raises(ValidationError, match="没有名为"):
        load_scenario(store, "方案二")


def test_adopted_sites_become_planned_posts_the_assessment_ignores(store, demo_layers, demo_run):
    graph, _, result = demo_run
    for name in LAYERS:
        store.write_layer(name, demo_layers[name].drop(columns=["source", "updated_at", "version"]), source="demo")
    save_scenario(store, name="两个岗亭", kind="kiosk", params={}, result=result)
    ids = adopt_scenario(store, "两个岗亭")
    posts = store.read_layer("police_posts")
    planned = posts[posts["id"].isin(ids)]
    assert len(planned) == 2 and set(planned["status"]) == {"planned"}
    assert set(planned["source"]) == {"scenario:两个岗亭"}
    layers = store.read_layers()
    a_before = assess_campuses(demo_layers, graph=graph, peak="am")
    a_planned = assess_campuses(layers, graph=graph, peak="am")
    assert a_planned.set_index("school_id")["response_s"].equals(a_before.set_index("school_id")["response_s"])
    assert discard_scenario(store, "两个岗亭") == 2
    assert not store.read_layer("police_posts")["id"].isin(ids).any()
    assert list_scenarios(store).empty


def test_kpi_table_reads_shares_in_percent(demo_run):
    table = kpi_table(demo_run[2])
    row = table[table["indicator"].str.contains("可达率")].iloc[0]
    assert 0 <= row["before"] <= 100 and row["after"] >= row["before"]


def test_whatif_move_matches_a_full_reassessment(demo_layers, demo_run):
    import geopandas as gpd
    import pandas as pd
    import shapely

    from gis.siting.whatif import WhatIf

    graph = demo_run[0]
    posts = demo_layers["police_posts"].copy()
    posts.loc[posts["kind"] == "office", "hours"] = "09:00-17:00"      # closed in the AM peak: no response
    demo_layers = dict(demo_layers, police_posts=posts)
    session = WhatIf.build(demo_layers, graph=graph, settings=load_settings(), peak="am")
    schools = demo_layers["schools"].set_index("id")
    gate = schools.loc[schools.index[5], "gates"].geoms[0]
    kiosk = demo_layers["police_posts"].query("kind == 'kiosk'")["id"].iloc[0]
    update = session.move(kiosk, gate.x + 0.0005, gate.y)
    assert update.rescored and len(update.rescored) < len(schools)
    posts = demo_layers["police_posts"].copy()
    posts.loc[posts["id"] == kiosk, posts.geometry.name] = shapely.Point(gate.x + 0.0005, gate.y)
    moved = dict(demo_layers, police_posts=gpd.GeoDataFrame(posts, geometry=posts.geometry.name, crs=4326))
    full = pd.DataFrame(assess_campuses(moved, graph=graph, peak="am")).set_index("school_id")
    now = session.current.set_index("school_id", drop=True)
    assert (now.loc[full.index, "level"] == full["level"]).all()
    assert (now.loc[full.index, "score"].astype(float) - full["score"]).abs().max() < 1e-9
    assert update.kpis["within"] == int((full["response_s"] <= 180).sum())
    added = session.add(gate.x - 0.002, gate.y + 0.001)
    assert added.moved == "whatif-1" and len(session.posts) == len(posts) + 1
    with pytest.raises(ValidationError, match="道路"):
        session.add(gate.x + 0.5, gate.y + 0.5)


def test_exports_carry_no_live_formula_and_planned_posts_are_dashed(tmp_path, demo_run):
    import geopandas as gpd
    import openpyxl
    from shapely.geometry import Point

    from gis.reports.scenario import write_scenario_xlsx
    from gis.viz.features import post_features

    result = json.loads(json.dumps(demo_run[2]))
    result["proposals"]["features"][0]["properties"]["newly_reached_names"] = ["=HYPERLINK(\"http://x\")"]
    result["changes"] = [dict(result["changes"][0], name="+cmd|' /C calc'!A0")] if result["changes"] else []
    path = write_scenario_xlsx(result, tmp_path / "s.xlsx", name="=1+1")
    book = openpyxl.load_workbook(path)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith(("=", "+", "@")) for v in cells)
    assert any(v.startswith("'=HYPERLINK") for v in cells)
    posts = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["岗亭", "规划岗亭"], "kind": ["kiosk", "kiosk"],
                              "status": [None, "planned"]}, geometry=[Point(117.2, 28.2), Point(117.21, 28.2)],
                             crs="EPSG:4326")
    icons = [f["properties"]["_icon"]["html"] for f in post_features(posts, with_popup=False)["features"]]
    assert "dashed" not in icons[0] and "dashed" in icons[1]


READERS = ("viewer", "station", "education", "governance", "cleared")
NOBODY = ("auditor", "account_admin", "kiosk")


def _principal(role: str) -> Principal:
    return Principal(f"u_{role}", role, jurisdiction_id="demo-post-01" if role == "station" else None,
                     address="10.0.0.9")


def test_scenarios_belong_to_who_saved_them_and_obey_the_roles(store, demo_layers, demo_run):
    """The store itself refuses (not only the page): planners write, the joint meeting reads,
    the wall display and the two administrators see nothing; every refusal is audited."""
    result = demo_run[2]
    for name in LAYERS:
        store.write_layer(name, demo_layers[name].drop(columns=["source", "updated_at", "version"]), source="demo")
    planner = Principal("王规划", "planner", address="10.0.0.8")
    saved = save_scenario(store, name="城区方案", kind="kiosk", params={}, result=result, principal=planner)
    assert saved.created_by == "王规划"
    assert load_scenario(store, "城区方案").created_by == "王规划"
    assert list_scenarios(store)["created_by"].tolist() == ["王规划"]
    for role in READERS:
        who = _principal(role)
        assert list_scenarios(store, principal=who)["name"].tolist() == ["城区方案"]
        assert load_scenario(store, "城区方案", principal=who).result == result
        with pytest.raises(AccessDeniedError, match=who.username):
            save_scenario(store, name=f"{role} 的方案", kind="kiosk", params={}, result=result, principal=who)
        with pytest.raises(AccessDeniedError):
            save_scenario(store, name="城区方案", kind="kiosk", params={}, result={}, overwrite=True, principal=who)
        for act in (delete_scenario, adopt_scenario, discard_scenario):
            with pytest.raises(AccessDeniedError):
                act(store, "城区方案", principal=who)
    for role in NOBODY:
        who = _principal(role)
        with pytest.raises(AccessDeniedError):
            list_scenarios(store, principal=who)
        with pytest.raises(AccessDeniedError):
            load_scenario(store, "城区方案", principal=who)
        with pytest.raises(AccessDeniedError):
            save_scenario(store, name="x", kind="kiosk", params={}, result=result, principal=who)
    # nothing was changed by the refused calls
    assert list_scenarios(store)["name"].tolist() == ["城区方案"]
    assert load_scenario(store, "城区方案").result == result
    assert not store.read_layer("police_posts")["status"].astype(str).eq("planned").any()
    # the planner converts and discards, acting as themself
    ids = adopt_scenario(store, "城区方案", principal=planner)
    posts = store.read_layer("police_posts").set_index("id")
    assert set(posts.loc[ids, "status"]) == {"planned"}
    assert discard_scenario(store, "城区方案", principal=planner) == len(ids)
    assert list_scenarios(store).empty
    audit = store.read_audit(layer="scenarios")
    denied = audit[audit["result"] == "denied"]
    assert set(denied["username"]) == {f"u_{r}" for r in READERS + NOBODY}
    assert (denied["address"] == "10.0.0.9").all()
    done = audit[audit["result"] == "ok"]
    assert set(done["action"]) == {"scenario_save", "scenario_delete"} and set(done["username"]) == {"王规划"}


def test_a_whatif_session_is_saved_exported_and_planned_like_any_scenario(store, demo_layers, demo_run, tmp_path):
    from gis.reports.scenario import write_scenario_files
    from gis.siting.whatif import WhatIf

    graph = demo_run[0]
    for name in LAYERS:
        store.write_layer(name, demo_layers[name].drop(columns=["source", "updated_at", "version"]), source="demo")
    session = WhatIf.build(demo_layers, graph=graph, settings=load_settings(), peak="am")
    gates = demo_layers["schools"].set_index("id").geometry
    target = gates.loc["demo-school-03"].representative_point()
    session.move("demo-post-22", target.x, target.y)
    far = gates.loc["demo-school-06"].representative_point()
    session.add(far.x, far.y)
    result = session.as_result()
    props = from_collection(result["proposals"])
    assert dict(zip(props["id"], props["change"], strict=True)) == {"demo-post-22": "moved", "whatif-1": "added"}
    assert result["kpis"]["after"] == session.kpis() and result["kpis"]["before"] == session.base_kpis()
    assert {c["school_id"] for c in result["changes"]} == set(session.changes()["school_id"])
    assert result["levels"]["demo-school-03"] == ["critical", "weak"]
    planner = Principal("王规划", "planner")
    save_scenario(store, name="拖动推演", kind="whatif", params=result["summary"]["params"], result=result,
                  principal=planner)
    loaded = load_scenario(store, "拖动推演")
    assert loaded.result == json.loads(json.dumps(result)) and loaded.created_by == "王规划"
    files = write_scenario_files(loaded.result, tmp_path, name="拖动推演")
    assert files["pdf"].read_bytes()[:4] == b"%PDF" and files["xlsx"].stat().st_size > 0
    ids = adopt_scenario(store, "拖动推演", principal=planner)
    assert len(ids) == 2
    assert set(store.read_layer("police_posts").set_index("id").loc[ids, "status"]) == {"planned"}


def test_whatif_changes_in_a_row_equal_a_full_reassessment_of_every_school(demo_layers, demo_run):
    """Only the response is recomputed (the other features are kept from the start): after
    several moves and additions every school's score, level and reasons equal a full
    ``assess_campuses`` of the layers as they now stand."""
    import geopandas as gpd
    import pandas as pd

    from gis.siting.whatif import WhatIf

    graph, settings = demo_run[0], load_settings()
    session = WhatIf.build(demo_layers, graph=graph, settings=settings, peak="am")
    gates = demo_layers["schools"].set_index("id").geometry
    steps = [("move", "demo-post-22", "demo-school-03"), ("add", None, "demo-school-06"),
             ("move", "demo-post-01", "osm-n3382563733"), ("move", "demo-post-22", "demo-school-10"),
             ("add", None, "demo-school-01")]
    for kind, post, school in steps:
        p = gates.loc[school].representative_point()
        session.add(p.x, p.y) if kind == "add" else session.move(post, p.x, p.y)
    posts = session.posts.drop(columns=[c for c in ("source", "updated_at", "version") if c in session.posts])
    layers = dict(demo_layers, police_posts=gpd.GeoDataFrame(posts, geometry=posts.geometry.name, crs=4326))
    full = pd.DataFrame(assess_campuses(layers, graph=graph, settings=settings, peak="am")).set_index("school_id")
    now = session.current.set_index("school_id", drop=True).loc[full.index]
    assert (now["level"] == full["level"]).all()
    assert (now["score"].astype(float) - full["score"]).abs().max() < 1e-9
    assert (now["reasons_zh"] == full["reasons_zh"]).all()
    assert (now["nearest_post_id"].astype(str) == full["nearest_post_id"].astype(str)).all()
    assert len(session.changes()) > 0


def test_whatif_moving_a_post_closed_at_the_peak_changes_nothing(demo_layers, demo_run):
    """An office closed in the AM peak answers nowhere, wherever it is dragged."""
    from gis.siting.whatif import WhatIf

    posts = demo_layers["police_posts"].copy()
    posts.loc[posts["kind"] == "office", "hours"] = "09:00-17:00"
    layers = dict(demo_layers, police_posts=posts)
    session = WhatIf.build(layers, graph=demo_run[0], settings=load_settings(), peak="am")
    office = posts.loc[posts["kind"] == "office", "id"].iloc[0]
    target = demo_layers["schools"].set_index("id").geometry.loc["demo-school-03"].representative_point()
    update = session.move(office, target.x, target.y)
    assert update.rescored == [] and session.kpis() == session.base_kpis() and session.changes().empty
