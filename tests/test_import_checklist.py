"""The seeds' checklist fields import from Chinese and English headers, on both back-ends."""

from __future__ import annotations

import pandas as pd
import pytest

from gis.io.headers import match_headers
from gis.io.importer import commit_import, prepare_import
from gis.io.templates import template_columns

ZH = ["学校编号", "学校名称", "学段", "经度", "纬度", "治安状况复杂", "重点守护", "专职门卫", "持证上岗",
      "装备项数", "入侵报警", "电子巡查", "监控室24小时值守", "24小时值班", "封闭式管理", "家长等候区",
      "法制副校长", "包校民警", "民警电话"]
EN = ["id", "name", "kind", "lon", "lat", "complex_area", "high_risk", "gatekeepers", "guards_certified",
      "equipment_items", "intrusion_alarm", "electronic_patrol", "monitor_room_24h", "night_duty_24h",
      "enclosed", "parent_waiting_zone", "legal_vice_principal", "officer_name", "officer_phone"]


def test_headers_map_in_both_languages():
    zh = match_headers(ZH, "schools")
    assert [zh[h] for h in ZH[5:]] == EN[5:]
    en = match_headers(EN, "schools")
    assert [en[h] for h in EN[5:]] == EN[5:]
    cross = match_headers(["编号", "携枪警力", "值守力量"], "crossings")
    assert cross["携枪警力"] == "armed" and cross["值守力量"] == "staffed_by"


def test_template_lists_every_checklist_field():
    targets = [t for _, t, _ in template_columns("schools")]
    for name in EN[5:]:
        assert name in targets
    helps = {t: h for _, t, h in template_columns("schools")}
    assert "0–8" in helps["equipment_items"]


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh", "en"])
def test_checklist_rows_import_and_blank_stays_missing(headers, store, tmp_path):
    rows = [
        ["S1", "甲小学", "小学", 117.21, 28.31, "是", "否", 2, "是", 8, "有", "无", "是", "", "是", "否", "是",
         "王警官", "0701-1234567"],
        ["S2", "乙幼儿园", "幼儿园", 117.22, 28.32, "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    path = tmp_path / "schools.csv"
    pd.DataFrame(rows, columns=headers).to_csv(path, index=False, encoding="utf-8-sig")
    preview = prepare_import("schools", path)
    assert preview.rejected == 0 and preview.accepted == 2
    commit_import(store, preview, quarantine=False)
    got = store.read_layer("schools").set_index("id")
    s1 = got.loc["S1"]
    assert bool(s1["complex_area"]) is True and bool(s1["high_risk"]) is False
    assert int(s1["gatekeepers"]) == 2 and int(s1["equipment_items"]) == 8
    assert bool(s1["intrusion_alarm"]) is True and bool(s1["electronic_patrol"]) is False
    assert pd.isna(s1["night_duty_24h"])
    assert s1["officer_name"] == "王警官" and s1["officer_phone"] == "0701-1234567"
    for name in EN[5:]:
        assert pd.isna(got.loc["S2", name]), name


def test_equipment_items_above_eight_is_rejected_with_the_field_named(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame([["S1", "甲小学", "小学", 117.21, 28.31, 9]],
                 columns=["编号", "学校名称", "学段", "经度", "纬度", "装备项数"]).to_csv(path, index=False)
    preview = prepare_import("schools", path)
    assert preview.rejected == 1
    text = " ".join(str(r) for rs in preview.rejections.values() for r in rs)
    assert "equipment_items" in text or "防护装备" in text
