"""Guards (人防) against the requirement, and technical-defence flags (技防/物防).

Guard requirement (县局方案, seed 003): urban schools 2–4 full-time guards; town and rural
schools with at least 100 pupils ≥ 2; schools in complex areas (治安状况复杂) ≥ 2 whatever their
size; boarding schools add guards for 24-hour duty (寄宿制校园要增配专职保安员).
A blank guard count stays blank (未填报): it is reported, not read as 0.

Technical and physical defence (技防/物防): one item per seeds' requirement; a blank item is
unknown (``None``), never silently "missing" or "in place".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis.coverage.config import GuardRules
from gis.coverage.values import as_flags

TECH_FLAGS = ("video_networked", "one_click_alarm", "intrusion_alarm", "electronic_patrol",
              "monitor_room_24h", "anti_ram_barrier", "enclosed", "equipment_complete")
TECH_ZH = {"video_networked": "视频未联网", "one_click_alarm": "未接入一键报警",
           "intrusion_alarm": "无入侵报警", "electronic_patrol": "无电子巡查",
           "monitor_room_24h": "监控室未 24 小时值守", "anti_ram_barrier": "校门无防冲撞设施",
           "enclosed": "未实行封闭式管理", "equipment_complete": "安保装备不齐"}
TECH_EN = {"video_networked": "video not networked to police", "one_click_alarm": "no one-click alarm",
           "intrusion_alarm": "no intrusion alarm", "electronic_patrol": "no electronic patrol",
           "monitor_room_24h": "monitoring room not staffed 24 h",
           "anti_ram_barrier": "no anti-ram barrier at the gate", "enclosed": "campus not enclosed",
           "equipment_complete": "guard equipment incomplete"}
TECH_LABEL_ZH = {"video_networked": "视频联网", "one_click_alarm": "一键报警", "intrusion_alarm": "入侵报警",
                 "electronic_patrol": "电子巡查", "monitor_room_24h": "监控室24小时值守",
                 "anti_ram_barrier": "防冲撞设施", "enclosed": "封闭式管理", "equipment_complete": "安保装备"}
EQUIPMENT_ITEMS = 8   # 《规范》规定的 8 种基本安全防护、应急处置装备器械


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
    complex_area = as_flags(schools, "complex_area")
    guards = pd.to_numeric(_column(schools, "guards"), errors="coerce").to_numpy(dtype=float)
    urban = area == "urban"
    # Unknown enrollment: the rule applies (the planner should record the number).
    big = ~(enrollment < rules.town_rural_enrollment_threshold)
    required = np.where(urban, rules.urban_min,
                        np.where(big, rules.town_rural_min, rules.town_rural_small_min))
    required = np.where(complex_area, np.maximum(required, rules.complex_area_min), required)
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
    """Technical/physical defence items per school: True, False or None (未填报).

    ``equipment_complete`` is read from ``equipment_items`` (all 8 basic items) when that count is
    filled in, else from the ``equipment_complete`` flag.

    Returns
    -------
    DataFrame
        Indexed by school id: one object column per item of :data:`TECH_FLAGS` (True, False or
        None), ``equipment_items`` (Int64) and ``tech_missing`` (items not in place, comma separated).
    """
    ids = schools["id"].astype(str).to_numpy()
    out = pd.DataFrame(index=pd.Index(ids, name="school_id"))
    for flag in TECH_FLAGS:
        values = _column(schools, flag).to_numpy(dtype=object)
        out[flag] = np.array([None if pd.isna(v) else bool(v) for v in values], dtype=object)
    items = pd.to_numeric(_column(schools, "equipment_items"), errors="coerce")
    has_count = items.notna().to_numpy()
    if has_count.any():
        eq = out["equipment_complete"].to_numpy(dtype=object)
        eq[has_count] = (items.to_numpy()[has_count] >= EQUIPMENT_ITEMS)
        out["equipment_complete"] = np.array([None if v is None else bool(v) for v in eq], dtype=object)
    out["equipment_items"] = pd.array(np.where(has_count, items.to_numpy(), None), dtype="Int64")
    out["tech_missing"] = [",".join(f for f in TECH_FLAGS if row[f] is False)
                           for row in out[list(TECH_FLAGS)].to_dict("records")]
    return out
