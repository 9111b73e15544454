"""The embedded demo areas and the demo's constants: which OSM extract, bell windows, kinds.

``AREAS`` lists the areas (``get_area``, ``area_osm_path``); ``WINDOWS`` and ``ENROLLMENT``
are the generated attributes per school kind; ``guess_school_kind`` and ``clean_name`` read
OSM names; ``is_demo_source`` tells the rows the demo owns (``osm:…`` or
``demo-generated``) from rows users imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gis.config import DATA_DIR
from gis.errors import ValidationError

DEMO_SOURCE = "demo-generated"
OSM_SOURCE_PREFIX = "osm:"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
DEFAULT_SEED = 20240901
DEFAULT_AREA = "guixi"
CRS_WGS84 = "EPSG:4326"
PROTECTED_KINDS = ("primary", "junior", "senior", "nine_year")
MAIN_ROADS = ("primary", "secondary", "trunk", "primary_link", "secondary_link")
STREET_ROADS = ("primary", "secondary", "tertiary", "unclassified", "residential")


@dataclass(frozen=True)
class DemoArea:
    """One embedded demo area."""

    key: str
    name_zh: str
    name_en: str
    osm_file: str
    station_names: tuple[str, ...]
    extra_campuses: int = 10
    stations: int = 3


AREAS: dict[str, DemoArea] = {
    "guixi": DemoArea("guixi", "江西省贵溪市城区", "Guixi city core, Jiangxi",
                      "cn_jiangxi_guixi_city_2024.osm.bz2",
                      ("雄石派出所", "东门派出所", "花园派出所")),
    "shenzhen-dayun": DemoArea("shenzhen-dayun", "深圳市龙岗区大运片区",
                               "Dayun area, Longgang, Shenzhen",
                               "cn_shenzhen_longgang_dayun_2019.osm.bz2",
                               ("龙城派出所", "爱联派出所", "回龙埔派出所"), extra_campuses=8),
    "beijing-haidian": DemoArea("beijing-haidian", "北京市海淀区清华园—中关村",
                                "Tsinghua / Zhongguancun, Haidian, Beijing",
                                "cn_beijing_haidian_tsinghua_2017.osm.bz2",
                                ("清华园派出所", "中关村派出所", "东升派出所"), extra_campuses=6),
}

# Bell windows per school kind (护学岗 arrival / noon / dismissal), HH:MM-HH:MM.
WINDOWS = {
    "kindergarten": ("07:50-08:30", None, "16:30-17:00"),
    "primary": ("07:20-07:50", "11:30-12:00", "16:30-17:10"),
    "junior": ("07:00-07:30", "11:50-12:20", "17:20-17:50"),
    "senior": ("06:50-07:20", "12:00-12:30", "17:40-18:10"),
    "nine_year": ("07:10-07:40", "11:40-12:10", "16:50-17:30"),
    "vocational": ("07:30-08:00", None, "17:30-18:00"),
    "special": ("07:40-08:10", None, "16:00-16:30"),
}
ENROLLMENT = {
    "kindergarten": (120, 380), "primary": (600, 2200), "junior": (900, 2400),
    "senior": (1500, 3200), "nine_year": (1200, 2800), "vocational": (1500, 4000),
    "special": (60, 200),
}

# (pattern, kind) in order: the first match wins.
KIND_RULES: tuple[tuple[str, str], ...] = (
    (r"幼儿园|幼稚园|托儿所", "kindergarten"),
    (r"特殊教育|特教|启智|培智|聋哑|盲校", "special"),
    (r"职业|职院|职校|技术学院|技工|技师|中专|卫校|体育运动学校", "vocational"),
    (r"九年|一贯制", "nine_year"),
    (r"小学|附小", "primary"),
    (r"高中|高级中学|附中", "senior"),
    (r"初中|初级中学|中学|[一二三四五六七八九十\d]中$", "junior"),
    (r"学校$", "nine_year"),
)


def guess_school_kind(name: str) -> str | None:
    """Guess the school kind from a Chinese name (幼儿园→kindergarten, 小学→primary …).

    Returns ``None`` when nothing matches (the record is then skipped by the demo).
    """
    for pattern, kind in KIND_RULES:
        if re.search(pattern, name):
            return kind
    return None


def clean_name(name: str | None) -> str | None:
    """Drop the English half of bilingual OSM names ("大运城派出所 Dayuncheng Police Station")."""
    if not name:
        return None
    match = re.match(r"^([^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+[A-Za-z].*$", name)
    return (match.group(1) if match else name).strip()


def area_osm_path(area: str) -> Path:
    """The OSM extract of an embedded area (``data/osm/<file>``)."""
    return DATA_DIR / "osm" / get_area(area).osm_file


def get_area(area: str) -> DemoArea:
    if area not in AREAS:
        msg = (f"未知演示区域 {area!r}，可选：{', '.join(AREAS)} / unknown demo area {area!r}; "
               f"choose one of {', '.join(AREAS)}")
        raise ValidationError(msg)
    return AREAS[area]

def is_demo_source(source: Any) -> bool:
    """True for rows the demo owns (``osm:…`` or ``demo-generated``)."""
    return isinstance(source, str) and (source == DEMO_SOURCE
                                        or source.startswith(OSM_SOURCE_PREFIX))


DEMO_META_KEYS = ("demo_area", "area_name_zh", "area_name_en", "osm_file", "bounds",
                  "attribution", "demo_seed")
