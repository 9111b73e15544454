"""Editing through the store: table edits, moves, adds, deletes; concurrent edits refused; audit_log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import MultiPoint, Point

from gis.errors import StaleVersionError
from gis.io.edits import apply_edits, editable_frame, move_point, plan_edits
from gis.io.importer import commit_import, prepare_import

DATA = Path(__file__).parent / "data" / "import"


@pytest.fixture
def schools_store(store):
    commit_import(store, prepare_import("schools", DATA / "schools_gbk.csv"), quarantine=False)
    return store


def test_table_edits_add_change_delete_with_audit(schools_store):
    store = schools_store
    stored = store.read_layer("schools")
    original = editable_frame("schools", stored)
    assert original.loc[original["id"] == "G3601001", "kind"].item() == "小学"      # zh labels shown
    edited = original.copy()
    i1 = edited.index[edited["id"] == "G3601001"][0]
    i2 = edited.index[edited["id"] == "G3601005"][0]
    edited.loc[i1, "name"] = "贵溪市第一小学（本部）"
    edited.loc[i2, "enrollment"] = 1000
    edited.loc[i2, "kind"] = "九年一贯制"
    edited = edited[edited["id"] != "G3601012"]
    new = pd.DataFrame([{"id": "G3601099", "name": "新建小学", "kind": "小学", "lon": 117.2222, "lat": 28.3033}])
    edited = pd.concat([edited, new.astype(object)], ignore_index=True)
    plan = plan_edits("schools", original, edited, stored)
    assert plan.problems == []
    assert sorted(plan.changed_fields) == ["G3601001", "G3601005", "G3601099"]
    outcome = apply_edits(store, plan, actor="local")
    assert outcome.inserted == ["G3601099"] and sorted(outcome.updated) == ["G3601001", "G3601005"]
    assert outcome.deleted == 1
    after = store.read_layer("schools").set_index("id")
    assert "G3601012" not in after.index
    assert after.loc["G3601001", "name"] == "贵溪市第一小学（本部）"
    assert after.loc["G3601001", "version"] == 2 and after.loc["G3601002", "version"] == 1
    assert after.loc["G3601005", "kind"] == "nine_year" and after.loc["G3601005", "enrollment"] == 1000
    assert after.loc["G3601099", "gates"].equals(MultiPoint([Point(117.2222, 28.3033)]))
    audit = store.read_audit(layer="schools")
    name_change = audit[(audit["row_id"] == "G3601001") & (audit["field"] == "name")].iloc[0]
    assert name_change["old"] == "贵溪市第一小学" and name_change["new"] == "贵溪市第一小学（本部）"
    assert name_change["actor"] == "local"
    changed = set(audit[audit["row_id"] == "G3601005"]["field"]) - {"*"}     # "*" = the import's insert
    assert changed == {"kind", "enrollment"}          # only the fields really changed
    assert not audit[audit["row_id"] == "G3601012"].empty        # the delete is audited
    assert not audit[audit["row_id"] == "G3601099"].empty        # and the insert


def test_concurrent_edit_is_refused(schools_store):
    store = schools_store
    stored = store.read_layer("schools")
    mine, theirs = editable_frame("schools", stored), editable_frame("schools", stored)
    row = mine.index[mine["id"] == "G3601008"][0]
    a = theirs.copy()
    a.loc[row, "enrollment"] = 1111
    apply_edits(store, plan_edits("schools", theirs, a, stored), actor="colleague")
    b = mine.copy()
    b.loc[row, "name"] = "花园小学（改）"
    with pytest.raises(StaleVersionError, match="已被他人修改"):
        apply_edits(store, plan_edits("schools", mine, b, stored))
    after = store.read_layer("schools").set_index("id").loc["G3601008"]
    assert after["enrollment"] == 1111 and after["name"] == "花园小学"      # theirs kept, mine refused
    # deleting a row someone else just changed is refused too
    with pytest.raises(StaleVersionError):
        apply_edits(store, plan_edits("schools", mine, mine[mine["id"] != "G3601008"], stored))
    assert "G3601008" in set(store.read_layer("schools")["id"])


def test_move_gate_keeps_other_gates_and_refuses_stale(schools_store):
    store = schools_store
    gate2 = Point(117.2110, 28.2960)
    stored = store.read_layer("schools")
    row = stored[stored["id"] == "G3601001"].iloc[0].copy()
    row["gates"] = MultiPoint([row["gates"].geoms[0], gate2])
    store.write_layer("schools", stored[stored["id"] == "G3601001"].assign(gates=[row["gates"]]),
                      source="test", actor="local")
    fresh = store.read_layer("schools").set_index("id", drop=False).loc["G3601001"]
    apply_edits(store, move_point("schools", fresh, 117.2120, 28.2955))
    gates = store.read_layer("schools").set_index("id").loc["G3601001", "gates"]
    assert list(gates.geoms) == [Point(117.2120, 28.2955), gate2]
    audit = store.read_audit(layer="schools", row_id="G3601001")
    assert "gates" in set(audit["field"])
    with pytest.raises(StaleVersionError):
        apply_edits(store, move_point("schools", fresh, 117.2130, 28.2950))     # fresh is stale now
    bad = move_point("schools", fresh, 10.0, 20.0)
    assert bad.problems and "中国" in bad.problems[0]


def test_invalid_edits_are_reported_not_written(schools_store):
    store = schools_store
    stored = store.read_layer("schools")
    original = editable_frame("schools", stored)
    edited = original.copy()
    edited.loc[0, "enrollment"] = -3
    edited.loc[1, "kind"] = "大学"
    plan = plan_edits("schools", original, edited, stored)
    assert len(plan.problems) == 2
    assert any("enrollment" in p for p in plan.problems) and any("kind" in p for p in plan.problems)
    assert len(plan.upserts) == 0


def test_mixed_save_with_one_stale_row_writes_nothing(schools_store):
    store = schools_store
    stored = store.read_layer("schools")
    mine = editable_frame("schools", stored)
    # a colleague changes G3601011 after I loaded the table
    theirs = mine.copy()
    theirs.loc[theirs["id"] == "G3601011", "enrollment"] = 700
    apply_edits(store, plan_edits("schools", mine, theirs, stored), actor="colleague")
    # I rename G3601002 (fresh) and delete G3601011 (stale) in one save
    edited = mine.copy()
    edited.loc[edited["id"] == "G3601002", "name"] = "实验幼儿园（新园区）"
    edited = edited[edited["id"] != "G3601011"]
    with pytest.raises(StaleVersionError, match="G3601011"):
        apply_edits(store, plan_edits("schools", mine, edited, stored))
    after = store.read_layer("schools").set_index("id")
    assert after.loc["G3601002", "name"] == "贵溪市实验幼儿园"          # the fresh half was not written either
    assert after.loc["G3601011", "enrollment"] == 700
