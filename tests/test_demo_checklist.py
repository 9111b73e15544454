"""The guixi demo carries the seeds' checklist, mixed so that some campuses breach the rules."""

from __future__ import annotations

import pandas as pd

from gis.demo import build_demo_layers, load_demo

CHECKLIST = ("complex_area", "high_risk", "gatekeepers", "guards_certified", "equipment_items",
             "intrusion_alarm", "electronic_patrol", "monitor_room_24h", "night_duty_24h", "enclosed",
             "parent_waiting_zone", "legal_vice_principal", "officer_name", "officer_phone")


def test_demo_schools_carry_a_mixed_checklist(demo_layers):
    schools = demo_layers["schools"]
    for name in CHECKLIST:
        assert name in schools.columns, name
        assert schools[name].notna().any(), name
    items = pd.to_numeric(schools["equipment_items"], errors="coerce")
    assert items.dropna().between(0, 8).all()
    assert (items == 8).any() and (items < 8).any()
    assert (pd.to_numeric(schools["gatekeepers"], errors="coerce") == 0).any() or \
        schools["gatekeepers"].isna().any()
    assert schools["high_risk"].astype(bool).sum() == 2          # the two largest campuses
    assert schools["complex_area"].astype(bool).any()
    # Some blanks (未填报), as planners' first returns have them.
    assert sum(schools[n].isna().sum() for n in ("gatekeepers", "equipment_items", "enclosed")) >= 2
    # 24-hour duty is asked of boarding schools only.
    boarding = schools["boarding"].astype(bool)
    assert schools.loc[~boarding, "night_duty_24h"].isna().all()
    assert schools.loc[boarding, "night_duty_24h"].notna().all()
    crossings = demo_layers["crossings"]
    armed = crossings["armed"].astype(bool)
    assert (crossings.loc[armed, "staffed_by"] == "police").all()
    high = set(schools.loc[schools["high_risk"].astype(bool), "id"])
    assert set(crossings.loc[armed, "school_id"]) <= high


def test_checklist_is_stable_and_demo_stays_idempotent(sqlite_store):
    first = build_demo_layers(area="guixi")
    second = build_demo_layers(area="guixi")
    pd.testing.assert_frame_equal(first["schools"], second["schools"])
    load_demo(sqlite_store, area="guixi")
    version = sqlite_store.data_version()
    again = load_demo(sqlite_store, area="guixi")
    assert again["schools"]["updated"] == again["crossings"]["updated"] == 0
    assert sqlite_store.data_version() == version


def test_county_sim_schools_carry_the_checklist_too():
    from gis.demo_county import build_county_layers

    layers = build_county_layers(schools=200)
    schools = layers["schools"]
    items = pd.to_numeric(schools["equipment_items"], errors="coerce")
    assert items.dropna().between(0, 8).all() and (items == 8).any() and (items < 8).any()
    assert schools["high_risk"].astype(bool).sum() >= 2
    assert schools["gatekeepers"].notna().mean() > 0.9 and schools["gatekeepers"].isna().any()
    boarding = schools["boarding"].fillna(False).astype(bool)
    assert schools.loc[~boarding, "night_duty_24h"].isna().all()
    armed = layers["crossings"]["armed"].fillna(False).astype(bool)
    assert (layers["crossings"].loc[armed, "staffed_by"] == "police").all()
