"""Clock times and time windows: ``"07:20"`` ↔ seconds since midnight, ``"07:00-08:10"`` ↔ a pair.

Shared by routing, coverage and the app. Times are integer seconds since midnight of the duty day.
"""

from __future__ import annotations

import re

from gis.errors import ValidationError

_CLOCK = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*$")
_DASHES = ("–", "—", "~", "～", "至", "-")


def parse_clock(text: str) -> int:
    """Return seconds since midnight of ``"HH:MM"`` (a full-width colon is accepted)."""
    match = _CLOCK.match(str(text))
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        msg = f"时间格式错误：{text!r}，应为 HH:MM（如 07:20） / bad clock time {text!r}, expected HH:MM"
        raise ValidationError(msg)
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def format_clock(seconds: float) -> str:
    """Return ``"HH:MM"`` for seconds since midnight, rounded down to the minute."""
    total = int(seconds) // 60
    return f"{total // 60:02d}:{total % 60:02d}"


def parse_window(text: str, *, named: dict[str, str] | None = None) -> tuple[int, int]:
    """Return ``(start_s, end_s)`` of ``"HH:MM-HH:MM"`` or of a named window (``am``, ``noon``, ``pm``).

    Parameters
    ----------
    text : str
        The window, or a key of ``named``.
    named : dict, optional
        Named windows, e.g. ``[routing.windows]`` of the settings.
    """
    raw = str(text).strip()
    if named and raw.lower() in named:
        raw = str(named[raw.lower()])
    for dash in _DASHES:
        if dash in raw:
            left, _, right = raw.partition(dash)
            break
    else:
        names = "、".join(named) if named else ""
        msg = (f"时段格式错误：{text!r}，应为 HH:MM-HH:MM 或 {names} / "
               f"bad window {text!r}, expected HH:MM-HH:MM or one of {names}")
        raise ValidationError(msg)
    start, end = parse_clock(left), parse_clock(right)
    if end <= start:
        msg = f"时段 {text!r} 的结束时间应晚于开始时间 / window {text!r} must end after it starts"
        raise ValidationError(msg)
    return start, end


def format_window(window: tuple[int, int]) -> str:
    """Return ``"HH:MM-HH:MM"``."""
    return f"{format_clock(window[0])}-{format_clock(window[1])}"


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Seconds two windows share (0 when disjoint)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))
