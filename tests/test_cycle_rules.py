"""The work-cycle rules on hand-made calendars: terms, pace, overdue and escalation, the report day."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPoint, Point

from gis.config import load_settings
from gis.cycle import CycleConfig, jurisdiction_cycle, notice_states, school_cycle
from gis.cycle.monthly import report_reminder
from gis.errors import ValidationError

D = dt.date
# A 100-day term makes the pace arithmetic readable: 2 inspections → the first by day 50.
TERM = {"semesters": [["2025-09-01", "2025-12-09"], ["2026-02-20", "2026-06-29"]],
        "inspections_per_semester": {"station": 2, "comprehensive": 1}, "due_soon_days": 10,
        "escalate_after_days": 15, "visits_per_week": 2, "office_serves_within_m": 500}


@pytest.fixture
def config() -> CycleConfig:
    return CycleConfig.from_mapping(TERM)


def _schools() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "name": ["甲小学", "乙中学", "丙幼儿园"], "jurisdiction_id": ["P1", "P1", "P2"]},
        geometry=[MultiPoint([(117.0, 28.0)]), MultiPoint([(117.05, 28.0)]), MultiPoint([(117.1, 28.0)])],
        crs=4326).rename_geometry("gates")


def _posts() -> gpd.GeoDataFrame:
    # an office 111 m north of school A's gate; none near B or C
    return gpd.GeoDataFrame({"id": ["P1", "P2", "O1"], "name": ["甲派出所", "乙派出所", "甲警务室"],
                             "kind": ["station", "station", "office"]},
                            geometry=[Point(117.02, 28.02), Point(117.12, 28.02), Point(117.0, 28.001)],
                            crs=4326).rename_geometry("point")


def _ins(rows):
    return pd.DataFrame(rows, columns=["id", "school_id", "date", "kind"])


def test_semester_boundaries_and_the_pattern_of_terms():
    cfg = CycleConfig.from_settings(load_settings())
    assert cfg.semester_at(D(2025, 9, 1)).label == "2025秋"
    assert cfg.semester_at(D(2025, 8, 31)) is None
    assert cfg.semester_at(D(2026, 1, 20)).start == D(2025, 9, 1)   # the autumn term ends in January
    assert cfg.semester_at(D(2026, 1, 21)) is None                  # winter holiday
    assert cfg.current_or_last_semester(D(2026, 2, 1)).label == "2025秋"
    assert cfg.semester_at(D(2026, 2, 20)).label == "2026春"


def test_pace_on_a_hundred_day_term(config):
    schools = _schools()
    # day 49 (2025-10-19): nothing expected yet; the first is due on day 50 (2025-10-20)
    early = school_cycle(schools, {"inspections": _ins([])}, as_of=D(2025, 10, 19), config=config)
    a = early.set_index("school_id").loc["A"]
    assert a["inspections_required"] == 3 and a["inspections_done"] == 0 and a["inspections_owed"] == 3
    assert not a["inspections_behind"]
    assert a["next_due"] == D(2025, 10, 20)
    assert a["status"] == "due_soon"                 # within due_soon_days = 10
    assert early.set_index("school_id").loc["A", "semester"] == "2025秋"
    # day 50: one station inspection is due, none done → missing; B did one → only the
    # comprehensive one is owed (due by the last day) and it is not due soon
    rows = _ins([("i1", "B", D(2025, 9, 15), "station"), ("i2", "B", D(2025, 9, 16), "self")])
    mid = school_cycle(schools, {"inspections": rows}, as_of=D(2025, 10, 20), config=config).set_index("school_id")
    assert mid.loc["A", "status"] == "missing" and mid.loc["A", "inspections_behind"]
    assert "应完成 1 次、已完成 0 次" in mid.loc["A", "reasons_zh"]
    assert mid.loc["B", "station_done"] == 1 and mid.loc["B", "inspections_done"] == 1   # self-checks don't count
    assert mid.loc["B", "status"] == "ok" and mid.loc["B", "next_due"] == D(2025, 12, 9)


def test_last_day_of_the_term_and_the_next_term_starts_from_zero(config):
    schools = _schools()
    rows = _ins([("i1", "A", D(2025, 9, 2), "station"), ("i2", "A", D(2025, 12, 9), "station"),
                 ("i3", "A", D(2025, 12, 9), "comprehensive"), ("i4", "B", D(2025, 9, 2), "station")])
    end = school_cycle(schools, {"inspections": rows}, as_of=D(2025, 12, 9), config=config).set_index("school_id")
    assert end.loc["A", "status"] == "ok" and end.loc["A", "inspections_owed"] == 0
    assert end.loc["B", "status"] == "missing" and end.loc["B", "inspections_owed"] == 2
    # in the holiday the finished term still stands; on the next term's first day all starts again
    holiday = school_cycle(schools, {"inspections": rows}, as_of=D(2026, 1, 5), config=config).set_index("school_id")
    assert holiday.loc["B", "status"] == "missing" and holiday.loc["A", "semester"] == "2025秋"
    spring = school_cycle(schools, {"inspections": rows}, as_of=D(2026, 2, 20), config=config).set_index("school_id")
    assert spring.loc["A", "semester"] == "2026春" and spring.loc["A", "inspections_done"] == 0
    assert not spring.loc["A", "inspections_behind"]
    # an inspection dated after as_of does not count
    later = school_cycle(schools, {"inspections": rows}, as_of=D(2025, 12, 8), config=config).set_index("school_id")
    assert later.loc["A", "station_done"] == 1


def test_notice_overdue_the_day_after_the_deadline_and_escalation(config):
    notices = pd.DataFrame({
        "id": ["n1", "n2", "n3", "n4"], "school_id": ["A", "A", "B", "C"],
        "issued_on": [D(2025, 10, 1)] * 4,
        "deadline": [D(2025, 10, 20), D(2025, 10, 20), D(2025, 10, 5), D(2025, 10, 20)],
        "status": ["open", "closed", "rectifying", "open"],
        "closed_on": [None, D(2025, 10, 18), None, None], "escalated": [False, False, False, True]})
    on_deadline = notice_states(notices, as_of=D(2025, 10, 20), config=config).set_index("id")
    assert not on_deadline.loc["n1", "overdue"] and on_deadline.loc["n1", "state"] == "due_soon"
    assert on_deadline.loc["n2", "state"] == "closed"
    # n3: 15 days past its deadline → escalates; n4 flagged by hand but not yet overdue → not escalated
    assert on_deadline.loc["n3", "days_overdue"] == 15 and on_deadline.loc["n3", "state"] == "escalated"
    assert not on_deadline.loc["n4", "escalate"]
    after = notice_states(notices, as_of=D(2025, 10, 21), config=config).set_index("id")
    assert after.loc["n1", "overdue"] and after.loc["n1", "days_overdue"] == 1 and after.loc["n1", "state"] == "overdue"
    assert after.loc["n4", "state"] == "escalated"   # flagged and overdue
    table = school_cycle(_schools(), {"notices": notices}, as_of=D(2025, 10, 21), config=config).set_index("school_id")
    assert table.loc["A", "status"] == "overdue" and table.loc["A", "notices_open"] == 1
    assert table.loc["B", "notices_escalated"] == 1
    lenient = CycleConfig.from_mapping({**TERM, "overdue_after_days": 3})
    assert not notice_states(notices, as_of=D(2025, 10, 23), config=lenient).set_index("id").loc["n1", "overdue"]


def test_visits_where_an_office_serves_the_school(config):
    schools, posts = _schools(), _posts()
    # as_of Wednesday 2025-10-15: the last full week is Mon 6 – Sun 12 October
    visits = pd.DataFrame({"id": ["v1", "v2", "v3"], "school_id": ["A", "A", "B"],
                           "date": [D(2025, 10, 6), D(2025, 10, 13), D(2025, 10, 7)]})
    ins = _ins([(f"i{s}", s, D(2025, 9, 3), "station") for s in "ABC"])
    table = school_cycle(schools, {"visits": visits, "inspections": ins}, as_of=D(2025, 10, 15),
                         config=config, posts=posts).set_index("school_id")
    assert table.loc["A", "office_id"] == "O1" and table.loc["B", "office_id"] is None
    assert table.loc["A", "visits_week"] == 1 and table.loc["A", "visits_week_required"] == 2
    assert table.loc["A", "status"] == "missing" and "少于每周 2 次" in table.loc["A", "reasons_zh"]
    assert table.loc["B", "visits_week_required"] == 0


def test_per_station_totals_and_the_monthly_joint_inspection(config):
    rows = _ins([("i1", "A", D(2025, 10, 3), "station"), ("j1", "B", D(2025, 10, 9), "joint"),
                 ("j2", "C", D(2025, 9, 20), "joint")])
    table = school_cycle(_schools(), {"inspections": rows}, as_of=D(2025, 10, 20), config=config)
    per = jurisdiction_cycle(table, {"inspections": rows}, as_of=D(2025, 10, 20), config=config,
                             names={"P1": "甲派出所"}).set_index("jurisdiction_id")
    assert per.loc["P1", "jurisdiction_name"] == "甲派出所"
    assert per.loc["P1", "schools"] == 2 and per.loc["P1", "inspections_required"] == 6
    assert per.loc["P1", "inspections_done"] == 1 and per.loc["P1", "schools_behind"] == 1
    assert per.loc["P1", "joint_month_done"] == 1 and per.loc["P2", "joint_month_done"] == 0   # j2 was September
    assert per.loc["全县", "schools"] == 3 and per.loc["全县", "joint_month_required"] == 2


@pytest.mark.parametrize(("rule", "due"), [("keep", D(2025, 9, 20)), ("next_workday", D(2025, 9, 22)),
                                           ("previous_workday", D(2025, 9, 19))])
def test_the_20th_on_a_saturday(rule, due):
    assert D(2025, 9, 20).weekday() == 5
    cfg = CycleConfig.from_mapping({"report_weekend": rule})
    assert cfg.report_due("2025-09") == due
    assert cfg.report_due("2025-10") == D(2025, 10, 20)       # a Monday: no shift


def test_reminder_names_the_stations_without_a_report():
    cfg = CycleConfig.from_mapping({"report_weekend": "next_workday", "report_remind_days": 3})
    snaps = pd.DataFrame({"month": ["2025-09"], "jurisdiction_id": ["P1"]})
    assert report_reminder(snaps, today=D(2025, 9, 18), config=cfg, jurisdiction_ids=["P1", "P2"]) is None
    soon = report_reminder(snaps, today=D(2025, 9, 19), config=cfg, jurisdiction_ids=["P1", "P2"])
    assert soon == {"month": "2025-09", "due": D(2025, 9, 22), "overdue": False, "missing": ["P2"]}
    late = report_reminder(snaps, today=D(2025, 9, 23), config=cfg, jurisdiction_ids=["P1", "P2"])
    assert late["overdue"]
    assert report_reminder(snaps, today=D(2025, 9, 23), config=cfg, jurisdiction_ids=["P1"]) is None


def test_config_refuses_unknown_and_bad_keys():
    with pytest.raises(ValidationError, match="report_due_days"):
        CycleConfig.from_mapping({"report_due_days": 20})
    with pytest.raises(ValidationError, match="report_weekend"):
        CycleConfig.from_mapping({"report_weekend": "sunday"})
    with pytest.raises(ValidationError, match="inspections_per_semester"):
        CycleConfig.from_mapping({"inspections_per_semester": {"police": 2}})
    with pytest.raises(ValidationError, match="MM-DD"):
        CycleConfig.from_mapping({"autumn_start": "September"})


def test_demo_records_are_plausible_and_fixed(demo_layers):
    from gis.cycle.demo import DEMO_SOURCE, build_cycle_records

    today = D(2025, 11, 20)
    one = build_cycle_records(demo_layers, today=today)
    two = build_cycle_records(demo_layers, today=today)
    for name in one:
        pd.testing.assert_frame_equal(one[name], two[name])
        assert set(one[name]["source"]) == {DEMO_SOURCE}
        assert all(d < today for d in one[name]["date" if name != "notices" else "issued_on"])
    cfg = CycleConfig()
    states = notice_states(one["notices"], as_of=today, config=cfg)
    assert (states["state"] == "closed").sum() > (states["state"] != "closed").sum() > 0
    assert states["overdue"].any()
    kinds = set(one["inspections"]["kind"])
    assert {"station", "comprehensive", "joint"} <= kinds
    table = school_cycle(demo_layers["schools"], one, as_of=today, config=cfg, posts=demo_layers["police_posts"])
    assert (table["status"] == "ok").any() and (table["status"] != "ok").any()


@pytest.mark.parametrize(("month", "due"), [
    ("2026-02", D(2026, 2, 24)),    # Fri 02-20 inside 春节 (02-15..23) → Tue 02-24
    ("2026-06", D(2026, 6, 22)),    # Sat 06-20 inside 端午 (06-19..21) → Mon 06-22
    ("2026-09", D(2026, 9, 20)),    # Sun 09-20, but a make-up working day (调休上班) → kept
    ("2026-12", D(2026, 12, 21)),   # Sun 12-20, no holiday → Mon 12-21
    ("2026-03", D(2026, 3, 20)),    # Fri 03-20, plain working day
])
def test_due_day_follows_the_2026_holidays_in_the_default_config(month, due):
    cfg = CycleConfig.from_settings(load_settings())
    assert len(cfg.holidays) == 33 and len(cfg.makeup_workdays) == 6
    assert cfg.report_due(month) == due


def test_due_day_previous_workday_and_keep_with_holidays():
    cfg = CycleConfig.from_mapping({"report_weekend": "previous_workday",
                                    "holidays": [f"2026-02-{d}" for d in range(15, 24)],
                                    "makeup_workdays": ["2026-02-14"]})
    assert cfg.report_due("2026-02") == D(2026, 2, 14)    # back past the holiday to the make-up Saturday
    assert not cfg.is_workday(D(2026, 2, 16)) and cfg.is_workday(D(2026, 2, 14))
    keep = CycleConfig.from_mapping({"report_weekend": "keep", "holidays": ["2026-02-20"]})
    assert keep.report_due("2026-02") == D(2026, 2, 20)
    assert CycleConfig().report_due("2026-02") == D(2026, 2, 20)   # no settings: no holidays known


def test_holiday_lists_refuse_bad_dates():
    with pytest.raises(ValidationError, match="holidays 第 2 项"):
        CycleConfig.from_mapping({"holidays": ["2026-10-01", "10-02"]})
    with pytest.raises(ValidationError, match="makeup_workdays"):
        CycleConfig.from_mapping({"makeup_workdays": "2026-10-10"})
    with pytest.raises(ValidationError, match="2026-10-10"):
        CycleConfig.from_mapping({"holidays": ["2026-10-10"], "makeup_workdays": ["2026-10-10"]})


def test_demo_stores_past_months_with_an_assessment_history(demo_store):
    """After `demo` the trend has lines from the first run: ≥ 2 past months with weak campuses,
    3-minute reach and overdue notices, each snapshot marked demo-generated."""
    import json

    from gis.cycle import trend
    from gis.cycle.demo import DEMO_SOURCE

    snaps = demo_store.read_layer("snapshots")
    assert len(snaps) and set(snaps["source"]) == {DEMO_SOURCE}
    county = trend(snaps)
    assert county["weak"].notna().sum() >= 2 and county["share_within_3min"].notna().sum() >= 2
    assert county["notices_overdue"].notna().sum() >= 2 and county["inspections_month"].notna().sum() >= 2
    assert (county["weak"] <= county["schools"]).all() and (county["critical"] <= county["weak"]).all()
    assert county["share_within_3min"].between(0, 1).all()
    stations = snaps[snaps["jurisdiction_id"] != "全县"]
    for month, part in stations.groupby("month"):            # the county row is the stations' sum
        assert county.loc[month, "weak"] == part["weak"].astype(int).sum()
    assert all(json.loads(f)["assessment"] == DEMO_SOURCE for f in snaps["figures"])
