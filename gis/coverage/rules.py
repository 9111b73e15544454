"""Guards (人防) against the requirement, and technical-defence flags (技防/物防).

Guard requirement (县局方案, see ``docs`` seeds): urban schools 2–4 full-time guards; town
and rural schools with at least 100 pupils (and complex areas) ≥ 2; boarding schools add
guards for 24-hour duty (寄宿制校园要增配专职保安员 … 确保24小时有人值班值守).
A missing guard count is treated as 0 and reported as not recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis.coverage.config import GuardRules
from gis.coverage.values import as_flags

TECH_FLAGS = ("video_networked", "one_click_alarm", "anti_ram_barrier", "equipment_complete")
TECH_ZH = {"video_networked": "视频未联网", "one_click_alarm": "未接入一键报警",
           "anti_ram_barrier": "校门无防冲撞设施", "equipment_complete": "安保装备不齐"}
TECH_EN = {"video_networked": "video not networked to police", "one_click_alarm": "no one-click alarm",
           "anti_ram_barrier": "no anti-ram barrier at the gate",
           "equipment_complete": "guard equipment incomplete"}


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)


def guard_requirements(schools: pd.DataFrame, *, rules: GuardRules) -> pd.DataFrame:
    """Required full-time guards per school and the gap.

    Returns
    -------
    DataFrame
        Indexed by school id: ``guards`` (as recorded, NaN when missing), ``guards_known``,
        ``guards_required``, ``guards_max`` (the urban upper bound, NaN elsewhere), ``boarding``,
        ``area_type`` (the one applied) and ``guards_missing`` (required minus present, ≥ 0).
    """
    ids = schools["id"].astype(str).to_numpy()
    area = _column(schools, "area_type").fillna(rules.default_area_type).astype(str).to_numpy()
    enrollment = pd.to_numeric(_column(schools, "enrollment"), errors="coerce").to_numpy(dtype=float)
    boarding = as_flags(schools, "boarding")
    guards = pd.to_numeric(_column(schools, "guards"), errors="coerce").to_numpy(dtype=float)
    urban = area == "urban"
    # Unknown enrollment: the rule applies (the planner should record the number).
    big = ~(enrollment < rules.town_rural_enrollment_threshold)
    required = np.where(urban, rules.urban_min,
                        np.where(big, rules.town_rural_min, rules.town_rural_small_min))
    required = required + np.where(boarding, rules.boarding_extra, 0)
    present = np.nan_to_num(guards, nan=0.0)
    return pd.DataFrame({
        "guards": pd.array(np.where(np.isnan(guards), None, np.round(guards)), dtype="Int64"),
        "guards_known": ~np.isnan(guards), "guards_required": required.astype(int),
        "guards_max": np.where(urban, float(rules.urban_max), np.nan), "boarding": boarding,
        "area_type": area,
        "enrollment": pd.array(np.where(np.isnan(enrollment), None, np.round(enrollment)), dtype="Int64"),
        "guards_missing": np.maximum(required - present, 0.0),
    }, index=pd.Index(ids, name="school_id"))


def tech_defence(schools: pd.DataFrame) -> pd.DataFrame:
    """Technical-defence flags per school; a missing flag counts as not in place.

    Returns
    -------
    DataFrame
        Indexed by school id: one boolean column per flag of :data:`TECH_FLAGS` and
        ``tech_missing`` (names of the flags not in place, comma separated).
    """
    ids = schools["id"].astype(str).to_numpy()
    out = pd.DataFrame(index=pd.Index(ids, name="school_id"))
    for flag in TECH_FLAGS:
        out[flag] = as_flags(schools, flag)
    out["tech_missing"] = [",".join(f for f in TECH_FLAGS if not row[f])
                           for row in out[list(TECH_FLAGS)].to_dict("records")]
    return out
