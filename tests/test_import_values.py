"""Cell parsers: numbers, DMS coordinates, yes/no, enums, windows, dates — as planners type them."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.io import values as V
from gis.io.headers import match_headers, normalize_header
from gis.schema import SCHOOL_KINDS


@pytest.mark.parametrize("raw, expected", [
    ("117°12′30″", 117 + 12 / 60 + 30 / 3600),
    ("117度12分30秒", 117 + 12 / 60 + 30 / 3600),
    ("E117°12'30\"", 117 + 12 / 60 + 30 / 3600),
    ("东经117°12′30″", 117 + 12 / 60 + 30 / 3600),
    ("28°15′", 28.25),
    ("117:12:30", 117 + 12 / 60 + 30 / 3600),
    ("１１７．２０８３", 117.2083),
    ("W73°59′", -(73 + 59 / 60)),
    (117.5, 117.5),
])
def test_coordinates(raw, expected):
    assert V.parse_coordinate(raw) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("raw", ["一百一十七", "117°75′", "117.2.3", "N"])
def test_bad_coordinates(raw):
    with pytest.raises(ValueError, match=" / "):
        V.parse_coordinate(raw)


@pytest.mark.parametrize("raw, expected", [
    ("1,860", 1860), ("１，８６０", 1860), ("３００人", 300), ("45.0", 45), (" 12 ", 12), (12.0, 12), ("", None),
])
def test_integers(raw, expected):
    assert V.parse_int(raw) == expected


def test_not_whole_and_not_numbers():
    with pytest.raises(ValueError, match="整数"):
        V.parse_int("12.5")
    with pytest.raises(ValueError, match="数字"):
        V.parse_number("十二")
    with pytest.raises(ValueError):
        V.parse_number("inf")


@pytest.mark.parametrize("raw, expected", [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("TRUE", True), ("false", False), ("1", True),
    ("0", False), ("√", True), ("×", False), ("有", True), ("无", False), (True, True), (0, False), ("", None),
])
def test_yes_no(raw, expected):
    assert V.parse_bool(raw) is expected


@pytest.mark.parametrize("raw, expected", [
    ("幼儿园", "kindergarten"), ("kindergarten", "kindergarten"), ("Kindergarten", "kindergarten"),
    ("九年制", "nine_year"), ("nine-year", "nine_year"), ("职高", "vocational"), ("高级中学", "senior"),
])
def test_school_kinds(raw, expected):
    assert V.parse_enum(raw, SCHOOL_KINDS) == expected


def test_unknown_enum_lists_choices():
    with pytest.raises(ValueError, match="幼儿园\\(kindergarten\\)"):
        V.parse_enum("大学", SCHOOL_KINDS)


@pytest.mark.parametrize("raw, expected", [
    ("7:20-7:50", "07:20-07:50"), ("07：20～07：50", "07:20-07:50"), ("0720-0750", "07:20-07:50"),
    ("16:30至17:10", "16:30-17:10"),
])
def test_windows(raw, expected):
    assert V.parse_window(raw) == expected


def test_window_must_start_before_it_ends():
    with pytest.raises(ValueError, match="开始须早于结束"):
        V.parse_window("17:10-16:30")


def test_dates():
    assert V.parse_datetime("2024年3月1日") == "2024-03-01T00:00:00"
    assert V.parse_datetime("2024/3/1 08:30") == "2024-03-01T08:30:00"
    assert V.parse_datetime(dt.date(2024, 3, 1)) == "2024-03-01T00:00:00"


def test_levels_and_kind_from_name():
    assert [V.parse_level(v) for v in ("低", "中", "高", "2")] == [1, 2, 3, 2]
    assert V.infer_school_kind("城东幼儿园") == "kindergarten"
    assert V.infer_school_kind("雄石街道中心小学") == "primary"
    assert V.infer_school_kind("城东学堂") is None


def test_header_synonyms():
    assert normalize_header("在校人数（人）*") == "在校人数"
    mapping = match_headers(["学校名称", "学生数", "lng", "LAT", "是否寄宿", "备注"], "schools")
    assert mapping == {"学校名称": "name", "学生数": "enrollment", "lng": "lon", "LAT": "lat",
                       "是否寄宿": "boarding", "备注": ""}
    cams = match_headers(["设备编号", "方向角", "视角", "监控距离(米)", "x", "y"], "cameras")
    assert cams == {"设备编号": "id", "方向角": "direction_deg", "视角": "fov_deg", "监控距离(米)": "range_m",
                    "x": "lon", "y": "lat"}
    assert match_headers(["类型"], "risk_sites") == {"类型": "category"}
    assert match_headers(["类型"], "police_posts") == {"类型": "kind"}
