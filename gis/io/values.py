"""Turn the cells planners type into typed values: numbers, coordinates, yes/no, enums, windows.

Every parser takes one raw cell (a string from CSV, or whatever openpyxl/pyogrio gave)
and returns the typed value, ``None`` for an empty cell, or raises ``ValueError`` with a
short zh/en reason that the importer turns into a row rejection.

Normalisation: full-width digits, letters and punctuation (``１２３，４５６．７``) become
ASCII; thousands separators are dropped; units written after numbers (``50米``, ``120°``,
``300人``) are ignored; DMS coordinates (``117°12′30″``, ``117度12分30秒``, ``N28°15'``) are
converted to decimal degrees.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Any

import pandas as pd

from gis.io.spreadsheet import unquote
from gis.schema import ENUM_LABELS_ZH

# Extra spellings of enum values beyond the English value and its schema zh label.
ENUM_SYNONYMS: dict[str, tuple[str, ...]] = {
    "kindergarten": ("幼稚园", "幼儿园", "学前", "学前教育", "托幼", "幼"),
    "primary": ("小学", "完小", "完全小学", "中心小学", "教学点", "primary school"),
    "junior": ("初中", "初级中学", "中学", "junior middle", "middle", "middle school"),
    "senior": ("高中", "高级中学", "完全中学", "完中", "high", "high school", "senior high"),
    "nine_year": ("九年一贯制", "九年制", "九年一贯制学校", "一贯制", "十二年一贯制", "nine-year", "9-year"),
    "vocational": ("职业学校", "职高", "中职", "职业高中", "中等职业学校", "技校", "职校", "vocational school"),
    "special": ("特殊教育学校", "特教", "特殊教育", "特校", "special education"),
    "urban": ("城区", "城市", "城镇", "县城", "市区", "城"),
    "town": ("镇区", "乡镇", "镇", "集镇"),
    "rural": ("乡村", "农村", "村", "乡"),
    "station": ("派出所", "所", "派出所检查", "督导检查"),
    "office": ("警务室", "社区警务室", "校园警务室", "警务站"),
    "kiosk": ("治安岗亭", "岗亭", "警务岗亭", "执勤岗亭"),
    "patrol_base": ("巡逻点", "巡逻基地", "巡逻站", "巡防点", "patrol base"),
    "ok": ("正常", "完好", "在线", "良好", "可用", "normal", "online", "good"),
    "broken": ("故障", "损坏", "离线", "坏", "不可用", "offline", "fault", "faulty"),
    "school": ("学校", "校方"),
    "police": ("公安", "民警", "警察", "公安机关"),
    "shop": ("商户", "店铺", "社会", "社会单位", "商家"),
    "auxiliary": ("辅警", "协警"),
    "guard": ("保安", "校园保安"),
    "volunteer": ("志愿者", "家长志愿者", "家长"),
    # issue 14: inspection kinds, notice statuses, drill kinds
    "joint": ("联合督导", "联合检查", "联合演练", "联合", "联检"),
    "comprehensive": ("综治清查", "综治检查", "综治", "综治办检查"),
    "self": ("学校自查", "自查"),
    "open": ("未整改", "待整改", "下发", "未销号"),
    "rectifying": ("整改中", "正在整改"),
    "closed": ("已复查销号", "已整改", "已销号", "复查合格", "已复查", "已关闭"),
    "evacuation": ("疏散演练", "应急疏散", "疏散", "应急疏散演练"),
    "alarm_test": ("一键报警测试", "报警测试", "报警演练", "一键报警演练"),
    "none": ("无人值守", "无", "无人", "未值守", "空"),
    "internet_cafe": ("网吧", "网咖", "网络会所", "黑网吧", "internet cafe"),
    "entertainment": ("娱乐场所", "歌舞厅", "ktv", "酒吧", "游戏厅", "电子游戏厅"),
    "stall": ("占道摊点", "摊点", "流动摊贩", "摊贩", "占道经营"),
    "person": ("涉校高危人员", "高危人员", "重点人员", "精神病人", "肇事肇祸精神病人"),
    "dispute": ("矛盾纠纷", "纠纷", "涉校纠纷"),
    "drugs": ("涉毒场所", "涉毒", "吸毒人员", "毒品"),
    "other": ("其他", "其它"),
}

TRUE_WORDS = frozenset({"是", "有", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "已", "齐全", "已联网",
                        "联网", "具备", "已配备", "配备", "已安装", "安装", "寄宿", "是的", "ok"})
FALSE_WORDS = frozenset({"否", "无", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "不", "未", "不齐全",
                         "未联网", "不具备", "未配备", "未安装", "没有", "非寄宿", "走读"})

LEVEL_WORDS = {"低": 1, "一般": 1, "轻": 1, "low": 1, "中": 2, "较高": 2, "medium": 2, "高": 3, "重": 3,
               "严重": 3, "high": 3, "一级": 1, "二级": 2, "三级": 3}

_BLANKS = " \t\r\n\v\f\u3000\u00a0\u2000\u2001\u2002\u2003\u2009\u200b\ufeff"
_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x3001: 0x2C, 0x2014: 0x2D, 0x2013: 0x2D, 0xFF5E: 0x7E, 0x301C: 0x7E})


class UncachedFormula(str):
    """An XLSX formula cell with no cached result (``"=A1*2"``); parsing it always fails.

    Files written by programs and never opened in Excel have no computed values; the text
    of the formula is not the data, so the row is rejected with a reason.
    """

    __slots__ = ()


SCALARS = (str, int, float, bool, dt.date, dt.time, dt.datetime)


def check_scalar(value: Any) -> None:
    """Raise ``ValueError`` for a cell that is not one value (a list, an object, a formula)."""
    if isinstance(value, UncachedFormula):
        msg = (f"单元格是没有计算结果的公式（{_short(value, 30)}），请在 Excel 中打开、保存后再导入，或填入数值 / "
               f"the cell is a formula with no computed value ({_short(value, 30)!r}): open and save the file "
               f"in Excel, or type the value")
        raise ValueError(msg)
    if value is None or isinstance(value, SCALARS):
        return
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:   # numpy scalar
        return
    if value is pd.NaT or value is pd.NA or isinstance(value, pd.Timestamp):
        return
    kind = "列表" if isinstance(value, list | tuple | set) or hasattr(value, "__len__") else "对象"
    msg = (f"单元格应为单个值（文本或数字），这里是{kind}；请只填一个值 / the cell must be a single value (text or "
           f"number), not a {'list' if kind == '列表' else 'structured object'}: keep one value")
    raise ValueError(msg)


def is_blank(value: Any) -> bool:
    """True for ``None``, NaN and strings that are empty after trimming."""
    if type(value) is str:
        return not value.strip(_BLANKS)
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, str) and not value.strip(_BLANKS)


def normalize_text(value: Any) -> str:
    """ASCII-fold full-width characters, unify spaces, trim; ``None`` → ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = str(value)
    if not text.isascii():
        text = text.translate(_FULLWIDTH).replace("\u00a0", " ")
    return " ".join(text.split())


_UNIT_SUFFIX = re.compile(r"(米|公里|m|km|度|°|人|名|个|辆|台|部|处|所|岁|分钟|min)$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(value: Any) -> float | None:
    """A finite float from a cell, ``None`` when blank.

    Raises
    ------
    ValueError
        When the cell holds no number.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise ValueError("不是有限数值 / not a finite number")
        return float(value)
    text = normalize_text(value).replace(" ", "")
    text = _UNIT_SUFFIX.sub("", text)
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        msg = f"“{_short(value)}” 不是数字 / {_short(value)!r} is not a number"
        raise ValueError(msg) from None
    if not math.isfinite(number):
        raise ValueError("不是有限数值 / not a finite number")
    return number


def parse_int(value: Any) -> int | None:
    """An integer (``12``, ``12.0``, ``１２人``); ``None`` when blank."""
    number = parse_number(value)
    if number is None:
        return None
    if abs(number - round(number)) > 1e-9:
        msg = f"“{_short(value)}” 不是整数 / {_short(value)!r} is not a whole number"
        raise ValueError(msg)
    return int(round(number))


_DMS = re.compile(
    r"^(?P<hem1>[NSEW北南东西])?\s*(?:经度|纬度|东经|北纬|西经|南纬)?\s*"
    r"(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度|:|d|\s)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|′|’|分|:|m|\s)?\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒|s)?\s*)?"
    r"(?P<hem2>[NSEW北南东西])?$",
    re.IGNORECASE,
)


def parse_coordinate(value: Any) -> float | None:
    """Decimal degrees from a decimal or DMS cell; ``None`` when blank.

    Accepts ``117.2083``, ``117°12′30″``, ``117度12分30秒``, ``E117°12'30"``, ``东经117°12′30″``,
    ``117:12:30``; S and W make the value negative.
    """
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_number(value)
    text = normalize_text(value)
    for word, letter in (("东经", "E"), ("北纬", "N"), ("西经", "W"), ("南纬", "S")):
        text = text.replace(word, letter)
    compact = text.replace(" ", "")
    try:
        return float(compact)
    except ValueError:
        pass
    match = _DMS.match(text)
    if not match:
        msg = (f"“{_short(value)}” 不是有效坐标（例：117.2083 或 117°12′30″） / "
               f"{_short(value)!r} is not a coordinate (e.g. 117.2083 or 117°12'30\")")
        raise ValueError(msg)
    deg = float(match.group("deg"))
    minutes = float(match.group("min") or 0)
    seconds = float(match.group("sec") or 0)
    if minutes >= 60 or seconds >= 60:
        msg = f"“{_short(value)}” 分或秒超过 60 / minutes or seconds ≥ 60 in {_short(value)!r}"
        raise ValueError(msg)
    decimal = deg + minutes / 60 + seconds / 3600
    hemisphere = (match.group("hem1") or match.group("hem2") or "").upper()
    if hemisphere in ("S", "W", "南", "西"):
        decimal = -decimal
    return decimal


def parse_bool(value: Any) -> bool | None:
    """Yes/no in Chinese or English (是/否/有/无/Y/N/true/false/1/0/√/×); ``None`` when blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = normalize_text(value).lower()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    msg = f"“{_short(value)}” 不是 是/否 / {_short(value)!r} is not yes/no (是/否, Y/N, true/false)"
    raise ValueError(msg)


@functools.lru_cache(maxsize=64)
def _enum_lookup(choices: tuple[str, ...]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for choice in choices:
        keys = [choice, choice.replace("_", " "), choice.replace("_", "-"),
                ENUM_LABELS_ZH.get(choice, ""), *ENUM_SYNONYMS.get(choice, ())]
        for key in keys:
            if key:
                lookup.setdefault(key.lower(), choice)
    return lookup


def parse_enum(value: Any, choices: tuple[str, ...]) -> str | None:
    """An enum value from its English name, Chinese label or a common synonym."""
    if is_blank(value):
        return None
    key = normalize_text(value).lower()
    lookup = _enum_lookup(choices)
    if key in lookup:
        return lookup[key]
    allowed = "、".join(f"{ENUM_LABELS_ZH.get(c, c)}({c})" for c in choices)
    msg = f"“{_short(value)}” 不是可选值，可填：{allowed} / {_short(value)!r} is not one of {', '.join(choices)}"
    raise ValueError(msg)


def infer_school_kind(name: Any) -> str | None:
    """Guess a school's kind from its name (``…幼儿园`` → kindergarten), or ``None``."""
    text = normalize_text(name)
    for suffix, kind in (("幼儿园", "kindergarten"), ("九年一贯制学校", "nine_year"), ("特殊教育学校", "special"),
                         ("职业技术学校", "vocational"), ("职业中学", "vocational"), ("职业学校", "vocational"),
                         ("高级中学", "senior"), ("高中", "senior"), ("初级中学", "junior"), ("初中", "junior"),
                         ("小学", "primary")):
        if text.endswith(suffix):
            return kind
    return None


def parse_level(value: Any) -> int | None:
    """Risk level 1–3 from a number or 低/中/高."""
    if is_blank(value):
        return None
    key = normalize_text(value).lower()
    if key in LEVEL_WORDS:
        return LEVEL_WORDS[key]
    return parse_int(value)


_WINDOW = re.compile(r"^(\d{1,2})[:.点时]?(\d{2})分?\s*(?:-|~|至|到|—|–|_)+\s*(\d{1,2})[:.点时]?(\d{2})分?$")


def parse_window(value: Any) -> str | None:
    """A time window ``HH:MM-HH:MM`` from ``7:20-7:50``, ``07：20～07：50``, ``0720-0750``."""
    if is_blank(value):
        return None
    text = normalize_text(value).replace(" ", "")
    match = _WINDOW.match(text)
    if not match:
        msg = f"“{_short(value)}” 不是时段（例：07:20-07:50） / {_short(value)!r} is not a window like 07:20-07:50"
        raise ValueError(msg)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) >= (h2, m2):
        msg = f"“{_short(value)}” 时段无效（开始须早于结束） / {_short(value)!r}: start must be before end"
        raise ValueError(msg)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def parse_datetime(value: Any) -> str | None:
    """An ISO date-time string (``YYYY-MM-DDTHH:MM:SS``) from a date cell or text."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat()
    text = normalize_text(value)
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", text).replace("/", "-").replace(".", "-")
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT or pd.isna(stamp):
        msg = f"“{_short(value)}” 不是日期（例：2024-03-01） / {_short(value)!r} is not a date like 2024-03-01"
        raise ValueError(msg)
    return stamp.to_pydatetime().replace(microsecond=0, tzinfo=None).isoformat()


def parse_text(value: Any) -> str | None:
    """Trimmed text (full-width folded only for ids); numbers like ``1001.0`` become ``1001``."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith("'"):
        text = unquote(text)        # a cell our own writer quoted ('=…) reads back as typed
    return re.sub(r"\s+", " ", text.replace("\u3000", " ")).strip() or None


def parse_id(value: Any) -> str | None:
    """An identifier: text with full-width characters folded and all spaces removed."""
    text = parse_text(value)
    if text is None:
        return None
    return normalize_text(text).replace(" ", "") or None


def _short(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
