"""Clock times and time windows: ``"07:20"`` ↔ seconds since midnight, ``"07:00-08:10"`` ↔ a pair.

Shared by routing, coverage and the app. Times are integer seconds since midnight of the duty day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from gis.errors import ValidationError

if TYPE_CHECKING:
    from gis.config import Settings

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


# -- the peaks (高峰): one definition for the score, the KPI tiles and the pages ------------------

PEAKS = ("am", "noon", "pm")
SCORED_PEAKS = ("am", "pm")          # the peaks the campus score can be computed at
DEFAULT_PEAK_WINDOWS = {"am": "07:00-08:10", "noon": "11:20-12:20", "pm": "16:10-17:30"}


@dataclass(frozen=True)
class PeakWindows:
    """The peak windows of ``[routing.windows]`` (seconds since midnight), typed.

    Attributes
    ----------
    am, noon, pm : (int, int)
        Start and end of each peak.
    """

    am: tuple[int, int] = (7 * 3600, 8 * 3600 + 600)
    noon: tuple[int, int] = (11 * 3600 + 1200, 12 * 3600 + 1200)
    pm: tuple[int, int] = (16 * 3600 + 600, 17 * 3600 + 1800)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PeakWindows:
        """Build from ``[routing.windows]`` (defaults loaded when ``settings`` is None)."""
        from gis.config import check_keys, load_settings

        named = (settings if settings is not None else load_settings()).section("routing").get("windows", {})
        check_keys("routing.windows", named, PEAKS)
        return cls(**{k: parse_window(str(named.get(k, DEFAULT_PEAK_WINDOWS[k]))) for k in PEAKS})

    def window(self, peak: str) -> tuple[int, int]:
        """``(start_s, end_s)`` of ``am``, ``noon`` or ``pm``."""
        if peak not in PEAKS:
            msg = f"未知高峰时段 {peak!r}，可选 am、noon、pm / unknown peak {peak!r}: am, noon or pm"
            raise ValidationError(msg)
        return getattr(self, peak)

    def text(self, peak: str) -> str:
        return format_window(self.window(peak))

    def peak_at(self, now: datetime) -> str | None:
        """The peak whose window holds ``now`` (None between peaks)."""
        t = now.hour * 3600 + now.minute * 60 + now.second
        return next((p for p in PEAKS if self.window(p)[0] <= t <= self.window(p)[1]), None)

    def default_scored_peak(self, now: datetime) -> str:
        """The scored peak (``am``/``pm``) the clock is in, else ``am`` (the pages' default)."""
        peak = self.peak_at(now)
        return peak if peak in SCORED_PEAKS else "am"
