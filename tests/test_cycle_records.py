"""The campaign's records in both back-ends: round trip, optimistic locking, audit, import and quarantine."""

from __future__ import annotations

import datetime as dt
import shutil

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import MultiPoint

from gis.cli import main as cli_main
from gis.cycle.importer import prepare_record_import
from gis.errors import DataSourceError, StaleVersionError
from gis.io.importer import commit_import
from gis.io.templates import write_template
from gis.schema import RECORD_NAMES, RECORDS

TODAY = dt.date.today()
PAST = TODAY - dt.timedelta(days=40)


def _schools(store) -> None:
    gdf = gpd.GeoDataFrame({"id": ["S1", "S2"], "name": ["城东小学", "城西中学"], "kind": ["primary", "junior"],
                            "jurisdiction_id": ["P1", "P1"]},
                           geometry=[MultiPoint([(117.2, 28.2)]), MultiPoint([(117.21, 28.2)])], crs=4326)
    store.write_layer("schools", gdf.rename_geometry("gates"), source="t")


def test_tables_exist_with_the_schema_columns(store):
    from sqlalchemy import inspect

    inspector = inspect(store.engine)
    for name in RECORD_NAMES:
        columns = [c["name"] for c in inspector.get_columns(name)]
        assert columns == [f.name for f in RECORDS[name].fields] + ["source", "updated_at", "version"], name


def test_round_trip_locking_and_audit(store):
    notice = pd.DataFrame({"id": ["N1"], "school_id": ["S1"], "issued_on": [dt.date(2025, 9, 3)],
                           "deadline": ["2025-09-20"], "items": ["校门视频盲区"], "status": ["open"],
                           "escalated": [False]})
    assert store.write_layer("notices", notice, source="user").inserted == ["N1"]
    back = store.read_layer("notices")
    assert back.loc[0, "issued_on"] == dt.date(2025, 9, 3) and back.loc[0, "deadline"] == dt.date(2025, 9, 20)
    assert back.loc[0, "version"] == 1 and back.loc[0, "escalated"] is False or not back.loc[0, "escalated"]
    assert store.write_layer("notices", back, source="user").unchanged == ["N1"]      # no-op re-write
    closing = back.copy()
    closing[["status", "closed_on", "reviewed_by"]] = ["closed", dt.date(2025, 9, 18), "李明"]
    assert store.write_layer("notices", closing, source="user", actor="planner").updated == ["N1"]
    with pytest.raises(StaleVersionError):        # someone still holding version 1
        store.write_layer("notices", back.assign(items="改"), source="user")
    now = store.read_layer("notices")
    assert now.loc[0, "version"] == 2 and now.loc[0, "closed_on"] == dt.date(2025, 9, 18)
    audit = store.read_audit(layer="notices", row_id="N1")
    assert set(audit["field"]) >= {"status", "closed_on", "reviewed_by", "*"}
    assert audit.set_index("field").loc["closed_on", "new"] == "2025-09-18"
    assert audit.set_index("field").loc["status", "actor"] == "planner"
    with pytest.raises(DataSourceError, match="deadline"):   # the database refuses a deadline before issue
        store.write_layer("notices", notice.assign(id="N2", deadline="2025-08-01"), source="user")
    assert store.delete_rows("notices", ["N1"], versions={"N1": 2}) == 1


def _write_csv(path, rows):
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="gbk")


def test_import_quarantines_the_bad_rows_and_keeps_the_good(store, tmp_path):
    _schools(store)
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    p = PAST.isoformat()
    path = tmp_path / "检查记录.csv"
    _write_csv(path, [
        ["检查编号", "学校编号", "检查日期", "检查类型", "检查人", "不合格项目"],
        ["JC1", "S1", p, "派出所检查", "王建国", "保安不足"],
        ["JC2", "S9", p, "派出所检查", "王建国", ""],            # unknown school
        ["JC3", "S2", future, "综治清查", "李明", ""],            # in the future
        ["JC1", "S2", p, "联合督导", "李明", ""],                # duplicate id
        ["JC4", "S2", p, "巡查", "李明", ""],                    # unknown kind
        ["JC5", "S2", p, "联合", "李明", ""],
    ])
    assert cli_main(["--db", store.url, "import", "inspections", str(path)]) == 3
    stored = store.read_layer("inspections").set_index("id")
    assert list(stored.index) == ["JC1", "JC5"]
    assert stored.loc["JC5", "kind"] == "joint" and stored.loc["JC1", "date"] == PAST
    assert stored.loc["JC1", "source"] == "检查记录.csv"
    quarantine = tmp_path / "检查记录.quarantine.csv"
    text = quarantine.read_text(encoding="gbk")
    lines = text.strip().splitlines()
    assert len(lines) == 5      # header + 4 rejected rows, untouched, with the reason
    assert "学校编号“S9”不存在" in text and "school 'S9' does not exist" in text
    assert "晚于今天" in text and "is in the future" in text
    assert "与第 2 行重复" in text and "repeats row 2" in text
    assert "巡查" in text and "检查类型" in text
    # re-importing the same file changes nothing stored
    version = store.data_version()
    assert cli_main(["--db", store.url, "import", "inspections", str(path)]) == 3
    assert store.data_version() == version


def test_notice_rules_and_xlsx_template_round_trip(store, tmp_path):
    _schools(store)
    template = tmp_path / "notices.xlsx"
    write_template("notices", template)
    book = openpyxl.load_workbook(template)
    ws = book.active
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["通知书编号", "学校编号", "风险点编号", "下发日期", "整改期限"]
    p = PAST.isoformat()
    d = (PAST + dt.timedelta(days=20)).isoformat()
    ws.delete_rows(2)
    rows = [
        {"通知书编号": "ZG1", "学校编号": "S1", "下发日期": p, "整改期限": d, "整改事项": "视频盲区", "整改状态": "未整改"},
        {"通知书编号": "ZG2", "学校编号": "S2", "下发日期": d, "整改期限": p, "整改事项": "保安不足"},
        {"通知书编号": "ZG3", "学校编号": "S2", "下发日期": p, "整改期限": d, "整改事项": "围墙", "复查日期": d},
        {"通知书编号": "ZG4", "学校编号": "S2", "下发日期": p, "整改期限": d, "整改事项": "门卫", "整改状态": "已销号"},
        {"通知书编号": "ZG5", "学校编号": "", "下发日期": p, "整改期限": d, "整改事项": "摊点"},
    ]
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    book.save(template)
    preview = prepare_record_import("notices", template, school_ids=["S1", "S2"], existing=None)
    assert preview.accepted == 2 and preview.rejected == 3
    reasons = preview.reasons().set_index("row")
    assert reasons.loc[3, "field"] == "deadline" and "早于下发日期" in reasons.loc[3, "zh"]
    assert reasons.loc[5, "field"] == "closed_on" and "review date" in reasons.loc[5, "en"]
    assert reasons.loc[6, "field"] == "school_id"
    outcome = commit_import(store, preview)
    assert outcome.inserted == ["ZG1", "ZG3"] and outcome.quarantine.suffix == ".xlsx"
    stored = store.read_layer("notices").set_index("id")
    assert stored.loc["ZG1", "status"] == "open"
    assert stored.loc["ZG3", "status"] == "closed"       # a review date closes it
    q = openpyxl.load_workbook(outcome.quarantine).active
    assert q.max_row == 4 and "原因/reason" in [c.value for c in q[1]]


def test_visits_and_drills_import(store, tmp_path):
    _schools(store)
    shutil.rmtree(tmp_path / "x", ignore_errors=True)
    visits = tmp_path / "visits.csv"
    p = PAST.isoformat()
    _write_csv(visits, [["记录编号", "学校编号", "警务室编号", "民警", "到校日期"],
                        ["V1", "S1", "O1", "吴刚", p], ["V2", "S1", "O1", "吴刚", "2025年9月4日"]])
    assert cli_main(["--db", store.url, "import", "visits", str(visits)]) == 0
    assert sorted(store.read_layer("visits")["date"]) == sorted([PAST, dt.date(2025, 9, 4)])
    drills = tmp_path / "drills.csv"
    _write_csv(drills, [["演练编号", "学校编号", "演练日期", "演练类型", "报警时间", "民警到场用时(秒)"],
                        ["Y1", "S1", p, "一键报警测试", "7:40", "260"],
                        ["Y2", "S1", p, "疏散演练", "25:00", "200"]])
    assert cli_main(["--db", store.url, "import", "drills", str(drills)]) == 3
    stored = store.read_layer("drills")
    assert list(stored["id"]) == ["Y1"] and stored.loc[0, "alarm_time"] == "07:40"
    assert stored.loc[0, "police_arrival_s"] == 260.0
