"""Typed view of the ``[cycle]`` section: semester dates, what is due, overdue rules, report day.

Dates are calendar days (``datetime.date``); periods are days unless a key says otherwise.
Unknown keys are refused (a misspelt key would otherwise silently keep a default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from gis.config import Settings, load_settings
from gis.errors import ValidationError

WEEKEND_RULES = ("keep", "next_workday", "previous_workday")


@dataclass(frozen=True)
class Semester:
    """One school term, both days inclusive."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """``2025秋`` / ``2026春`` (the autumn term is named by the year it starts)."""
        season = "秋" if self.start.month >= 7 else "春"
        return f"{self.start.year}{season}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class CycleConfig:
    """Rules of the campaign's work cycle (seed 003, DESIGN.md §4).

    Attributes
    ----------
    autumn_start, autumn_end, spring_start, spring_end : str
        ``MM-DD`` of each term, repeated every year (the autumn term ends in January).
    semesters : tuple of Semester
        Explicit terms; when given they replace the ``MM-DD`` pattern.
    inspections_per_semester : dict
        Inspection kind → required count per school per term (派出所 ≥ 2, 综治 ≥ 1).
    joint_per_month : int
        Joint inspections (联合督导) required per 派出所 jurisdiction per school month.
    visits_per_week : int
        Office-officer visits per week at a school a 警务室 serves.
    office_serves_within_m : float
        A 警务室 within this distance (metres, straight line) of the main gate serves the school.
    due_soon_days : int
        An inspection still owed whose pace date falls within this many days is "due soon".
    overdue_after_days : int
        A notice not closed is overdue this many days after its deadline (0: the day after).
    escalate_after_days : int
        An overdue notice escalates to 挂牌督办 after this many days overdue.
    report_due_day : int
        Day of the month the monthly report is due (每月20日).
    report_weekend : str
        ``keep``, ``next_workday`` or ``previous_workday`` when the due day is not a working
        day (a weekend or a public holiday, see :meth:`is_workday`).
    holidays : tuple of datetime.date
        Public holidays (放假), not working days even on a weekday. The defaults in
        ``default_config.toml`` are the State Council's 2026 arrangement (国办 2025-11-04);
        ``CycleConfig()`` built without settings knows none.
    makeup_workdays : tuple of datetime.date
        Make-up working days (调休上班), working days even on a Saturday or Sunday.
    report_remind_days : int
        The overview starts reminding this many days before the due day.
    drill_gap_s, drill_gap_ratio : float
        A drill whose measured arrival differs from the computed one by more than both
        (seconds, and the ratio of the computed time) is listed as a large gap.
    notice_default_days : int
        Deadline offered for a notice issued in one click (days after the issue date).
    """

    autumn_start: str = "09-01"
    autumn_end: str = "01-20"
    spring_start: str = "02-20"
    spring_end: str = "07-10"
    semesters: tuple[Semester, ...] = ()
    inspections_per_semester: dict[str, int] = field(
        default_factory=lambda: {"station": 2, "comprehensive": 1})
    joint_per_month: int = 1
    visits_per_week: int = 2
    office_serves_within_m: float = 1000.0
    due_soon_days: int = 14
    overdue_after_days: int = 0
    escalate_after_days: int = 15
    report_due_day: int = 20
    report_weekend: str = "next_workday"
    holidays: tuple[dt.date, ...] = ()
    makeup_workdays: tuple[dt.date, ...] = ()
    report_remind_days: int = 3
    drill_gap_s: float = 120.0
    drill_gap_ratio: float = 0.5
    notice_default_days: int = 15

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CycleConfig:
        """Build from ``settings.section("cycle")`` (defaults loaded when ``None``).

        Raises
        ------
        ValidationError
            An unknown key, a malformed date or an impossible value.
        """
        section = (settings or load_settings()).section("cycle")
        return cls.from_mapping(section)

    @classmethod
    def from_mapping(cls, section: dict[str, Any]) -> CycleConfig:
        """Build from a plain dict (the ``[cycle]`` table)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            msg = (f"[cycle] 中有未知的设置项 {', '.join(unknown)}；可用：{', '.join(sorted(known))} / "
                   f"unknown [cycle] keys {', '.join(unknown)}")
            raise ValidationError(msg)
        values: dict[str, Any] = {}
        for key in ("autumn_start", "autumn_end", "spring_start", "spring_end"):
            if key in section:
                text = str(section[key])
                _month_day(text, 2001, key)   # validates
                values[key] = text
        if "semesters" in section:
            terms = []
            for k, item in enumerate(section["semesters"]):
                try:
                    start, end = (_day(v, f"semesters[{k}]") for v in item)
                except (TypeError, ValueError) as exc:
                    msg = (f"[cycle] semesters 第 {k + 1} 项应为 [\"YYYY-MM-DD\", \"YYYY-MM-DD\"] / "
                           f"[cycle] semesters item {k + 1} must be a [start, end] pair of dates")
                    raise ValidationError(msg) from exc
                if end < start:
                    msg = (f"[cycle] semesters 第 {k + 1} 项结束早于开始 / [cycle] semesters item {k + 1} "
                           f"ends before it starts")
                    raise ValidationError(msg)
                terms.append(Semester(start, end))
            values["semesters"] = tuple(sorted(terms, key=lambda s: s.start))
        if "inspections_per_semester" in section:
            from gis.schema import INSPECTION_KINDS

            table = {str(k): int(v) for k, v in dict(section["inspections_per_semester"]).items()}
            bad = sorted(set(table) - set(INSPECTION_KINDS))
            if bad or any(v < 0 for v in table.values()):
                msg = (f"[cycle] inspections_per_semester 的检查类型应为 {', '.join(INSPECTION_KINDS)}，次数 ≥ 0 / "
                       f"[cycle] inspections_per_semester: kinds {', '.join(INSPECTION_KINDS)}, counts >= 0")
                raise ValidationError(msg)
            values["inspections_per_semester"] = table
        for key in ("joint_per_month", "visits_per_week", "due_soon_days", "overdue_after_days",
                    "escalate_after_days", "report_due_day", "report_remind_days", "notice_default_days"):
            if key in section:
                values[key] = _count(section[key], key)
        for key in ("office_serves_within_m", "drill_gap_s", "drill_gap_ratio"):
            if key in section:
                values[key] = float(section[key])
        if "report_weekend" in section:
            rule = str(section["report_weekend"])
            if rule not in WEEKEND_RULES:
                msg = (f"[cycle] report_weekend 应为 {'/'.join(WEEKEND_RULES)} / "
                       f"[cycle] report_weekend must be one of {', '.join(WEEKEND_RULES)}")
                raise ValidationError(msg)
            values["report_weekend"] = rule
        for key in ("holidays", "makeup_workdays"):
            if key in section:
                values[key] = _day_list(section[key], key)
        both = sorted(set(values.get("holidays", ())) & set(values.get("makeup_workdays", ())))
        if both:
            msg = (f"[cycle] {both[0].isoformat()} 同时列在 holidays 和 makeup_workdays 中，请只保留一处 / "
                   f"[cycle] {both[0].isoformat()} is in both holidays and makeup_workdays; keep one")
            raise ValidationError(msg)
        config = cls(**values)
        if not 1 <= config.report_due_day <= 28:
            msg = ("[cycle] report_due_day 应在 1–28 之间 / [cycle] report_due_day must be 1..28")
            raise ValidationError(msg)
        return config

    # -- the calendar ----------------------------------------------------------------------

    def semester_list(self, around: dt.date) -> list[Semester]:
        """The terms of the years around ``around`` (explicit ones when configured), in order."""
        if self.semesters:
            return list(self.semesters)
        terms = []
        for year in (around.year - 2, around.year - 1, around.year, around.year + 1):
            autumn_start = _month_day(self.autumn_start, year, "autumn_start")
            autumn_end = _month_day(self.autumn_end, year, "autumn_end")
            if autumn_end < autumn_start:
                autumn_end = _month_day(self.autumn_end, year + 1, "autumn_end")
            spring_start = _month_day(self.spring_start, year, "spring_start")
            spring_end = _month_day(self.spring_end, year, "spring_end")
            terms += [Semester(spring_start, spring_end), Semester(autumn_start, autumn_end)]
        return sorted(terms, key=lambda s: s.start)

    def semester_at(self, day: dt.date) -> Semester | None:
        """The term running on ``day``, or ``None`` in a holiday."""
        return next((s for s in self.semester_list(day) if s.contains(day)), None)

    def current_or_last_semester(self, day: dt.date) -> Semester | None:
        """The term running on ``day``, else the last one that ended before it."""
        started = [s for s in self.semester_list(day) if s.start <= day]
        return started[-1] if started else None

    def is_workday(self, day: dt.date) -> bool:
        """A working day: a make-up working day (调休上班), else Monday–Friday that is not a
        public holiday."""
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def report_due(self, month: str) -> dt.date:
        """Due day of the monthly report of ``month`` (``YYYY-MM``): ``report_due_day``, moved by
        ``report_weekend`` to the next (or previous) working day when it is a weekend or a
        public holiday (:meth:`is_workday`)."""
        year, mon = parse_month(month)
        due = dt.date(year, mon, self.report_due_day)
        if self.report_weekend == "keep":
            return due
        step = 1 if self.report_weekend == "next_workday" else -1
        for _ in range(366):
            if self.is_workday(due):
                return due
            due += dt.timedelta(days=step)
        msg = "[cycle] 一年内没有工作日，请检查 holidays / [cycle] no working day within a year: check holidays"
        raise ValidationError(msg)


def parse_month(month: str) -> tuple[int, int]:
    """``"2025-10"`` → ``(2025, 10)``; raises ``ValidationError`` otherwise."""
    try:
        year, mon = (int(p) for p in str(month).split("-"))
        dt.date(year, mon, 1)
    except (TypeError, ValueError) as exc:
        msg = f"月份应写成 YYYY-MM（如 2025-10），收到 {month!r} / month must be YYYY-MM, got {month!r}"
        raise ValidationError(msg) from exc
    return year, mon


def _month_day(text: str, year: int, key: str) -> dt.date:
    try:
        mon, day = (int(p) for p in str(text).split("-"))
        return dt.date(year, mon, day)
    except (TypeError, ValueError) as exc:
        msg = f"[cycle] {key} 应写成 MM-DD（如 09-01），收到 {text!r} / [cycle] {key} must be MM-DD"
        raise ValidationError(msg) from exc


def _day(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _day_list(value: Any, key: str) -> tuple[dt.date, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        msg = (f"[cycle] {key} 应为日期列表，如 [\"2026-10-01\"] / "
               f"[cycle] {key} must be a list of dates like [\"2026-10-01\"]")
        raise ValidationError(msg)
    days = []
    for k, item in enumerate(value):
        try:
            days.append(_day(item, key))
        except (TypeError, ValueError) as exc:
            msg = (f"[cycle] {key} 第 {k + 1} 项应写成 YYYY-MM-DD，收到 {item!r} / "
                   f"[cycle] {key} item {k + 1} must be YYYY-MM-DD, got {item!r}")
            raise ValidationError(msg) from exc
    return tuple(sorted(set(days)))


def _count(value: Any, key: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        msg = f"[cycle] {key} 应为整数 / [cycle] {key} must be a whole number"
        raise ValidationError(msg) from exc
    if number < 0:
        msg = f"[cycle] {key} 不能为负 / [cycle] {key} must not be negative"
        raise ValidationError(msg)
    return number
