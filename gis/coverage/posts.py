"""Which police posts answer at a given time: their ``hours`` and ``staff`` taken at their word.

``hours`` is free text from planners' tables. Understood: 「24小时」「全天」「7×24」, clock spans
「08:00-20:00」「8:00至20:00」「8-18」, over midnight 「20:00-08:00」, and a school-day prefix
「工作日 8-18」「周一至周五 08:00-18:00」 (the peaks are on school days, so such a post answers in
them). A blank or unreadable value is taken as 24 hours and flagged ``hours_assumed``; a post with
``staff`` 0 answers at no time. Times are seconds since midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gis.io.values import normalize_text

DAY_S = 24 * 3600
_ALWAYS = re.compile(r"^(24小时|24h|24hours|全天|全天候|全日|7[x×*]24|24[x×*]7|常驻|昼夜)")
_WEEKDAYS = re.compile(r"^(工作日|周一至周五|周一到周五|星期一至星期五|weekdays?|mon-fri)")
_SPAN = re.compile(r"^(\d{1,2})(?:[:：.](\d{2}))?(?:时|点)?\s*(?:-|–|—|~|～|至|到)\s*"
                   r"(\d{1,2})(?:[:：.](\d{2}))?(?:时|点)?$")


@dataclass(frozen=True)
class PostHours:
    """When a post answers.

    Attributes
    ----------
    start_s, end_s : int
        Seconds since midnight; ``end_s <= start_s`` means the span runs over midnight;
        ``0, 86400`` is all day.
    school_days_only : bool
        Open on school days (工作日) only.
    assumed : bool
        ``hours`` was blank or unreadable and 24 hours were assumed.
    """

    start_s: int = 0
    end_s: int = DAY_S
    school_days_only: bool = False
    assumed: bool = False

    @property
    def always(self) -> bool:
        return self.start_s == 0 and self.end_s >= DAY_S

    def open_during(self, window: tuple[int, int], *, school_day: bool = True) -> bool:
        """True when the post is open for the whole ``window`` (seconds since midnight)."""
        if self.school_days_only and not school_day:
            return False
        if self.always:
            return True
        start, end = window
        if self.start_s < self.end_s:
            return self.start_s <= start and end <= self.end_s
        # over midnight: open from start_s to 24:00 and from 00:00 to end_s
        return start >= self.start_s or end <= self.end_s


def parse_hours(text: object) -> PostHours:
    """Read a post's ``hours`` (see the module docstring); never raises."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return PostHours(assumed=True)
    raw = re.sub(r"\s+", "", normalize_text(text)).lower()
    if not raw:
        return PostHours(assumed=True)
    weekdays = False
    match = _WEEKDAYS.match(raw)
    if match:
        weekdays = True
        raw = raw[match.end():].lstrip(",，:：")
        if not raw:
            return PostHours(school_days_only=True)
    if _ALWAYS.match(raw):
        return PostHours(school_days_only=weekdays)
    span = _SPAN.match(raw)
    if not span:
        return PostHours(assumed=True)
    h1, m1, h2, m2 = (int(g) if g else 0 for g in span.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        return PostHours(assumed=True)
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if start == end or (start == 0 and end == DAY_S):
        return PostHours(school_days_only=weekdays)
    return PostHours(start % DAY_S, end if end <= DAY_S else end % DAY_S, weekdays)


def post_availability(posts: pd.DataFrame, *, window: tuple[int, int] | None,
                      school_day: bool = True) -> pd.DataFrame:
    """Whether each post answers during ``window``.

    Parameters
    ----------
    posts : DataFrame
        The ``police_posts`` layer (``id``, ``hours``, ``staff``).
    window : (int, int) or None
        The peak window in seconds since midnight; None = no particular time (hours are not
        applied, only ``staff`` 0 is).
    school_day : bool
        The window falls on a school day (工作日 posts are open).

    Returns
    -------
    DataFrame
        Indexed by post id: ``answers`` (bool), ``hours_assumed`` (blank/unreadable hours read as
        24 h), ``closed`` (outside its hours), ``no_staff`` (staff recorded as 0).
    """
    ids = posts["id"].astype(str).to_numpy()
    hours = [parse_hours(v) for v in (posts["hours"] if "hours" in posts.columns
                                      else [None] * len(posts))]
    staff = (pd.to_numeric(posts["staff"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
             if "staff" in posts.columns else np.full(len(posts), np.nan))
    no_staff = staff == 0
    closed = np.array([window is not None and not h.open_during(window, school_day=school_day)
                       for h in hours], dtype=bool)
    return pd.DataFrame({"answers": ~closed & ~no_staff,
                         "hours_assumed": np.array([h.assumed for h in hours], dtype=bool),
                         "closed": closed, "no_staff": no_staff},
                        index=pd.Index(ids, name="post_id"))
