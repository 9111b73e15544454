"""Drills: the measured police arrival beside the computed response time for that school at
that hour, and the large gaps.

The computed time is the road engine's fastest post → school gate time (``gis.network``) at
the peak the alarm fell in (``[routing.windows]`` am / pm; free flow otherwise). A measured
time far above it points at the practice (dispatch, crew readiness); far below it points at
the road data (missing roads, speeds too low) — the planner needs to see which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gis.cycle.config import CycleConfig
from gis.cycle.rules import records_frame
from gis.timewindows import parse_clock, parse_window

DEFAULT_WINDOWS = {"am": "07:00-08:10", "pm": "16:10-17:30"}


def peak_of(clock: Any, windows: Mapping[str, str] | None = None) -> str | None:
    """``am``/``pm`` when ``HH:MM`` falls inside that peak window, else ``None`` (free flow)."""
    if clock is None or (isinstance(clock, float) and np.isnan(clock)) or not str(clock).strip():
        return None
    try:
        t = parse_clock(str(clock).strip())
    except Exception:  # noqa: BLE001 - a malformed time is simply not in a peak
        return None
    for key in ("am", "pm"):
        text = (windows or {}).get(key, DEFAULT_WINDOWS[key])
        try:
            start, end = parse_window(text)
        except Exception:  # noqa: BLE001
            continue
        if start <= t <= end:
            return key
    return None


def computed_response(graph: Any, layers: Mapping[str, Any], school_ids: list[str], *,
                      peak: str | None, settings=None) -> pd.Series:
    """Fastest post → gate time (seconds) per school at ``peak``, indexed by school id."""
    from gis.network import NetworkConfig, response_field, school_gate_points

    schools = layers["schools"]
    part = schools[schools["id"].astype(str).isin(school_ids)]
    posts = layers.get("police_posts")
    if graph is None or posts is None or not len(posts) or not len(part):
        return pd.Series(dtype=float)
    targets = school_gate_points(part)
    field = pd.DataFrame(response_field(graph, posts, targets, peak=peak,
                                        config=NetworkConfig.from_settings(settings)))
    field["school_id"] = targets["school_id"].to_numpy()
    return pd.to_numeric(field["response_s"], errors="coerce").groupby(field["school_id"]).min()


def drill_comparison(records: Mapping[str, pd.DataFrame | None], layers: Mapping[str, Any], *,
                     graph: Any, config: CycleConfig, settings=None,
                     windows: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every drill with the measured and the computed arrival and a verdict.

    Returns
    -------
    DataFrame
        The drills plus ``school_name``, ``peak`` (am/pm/None), ``computed_s``, ``gap_s``
        (measured − computed, seconds), ``large_gap`` (bool: beyond both ``drill_gap_s`` and
        ``drill_gap_ratio`` × computed), ``verdict_zh`` / ``verdict_en``.
    """
    drills = records_frame(records, "drills").copy()
    if windows is None and settings is not None:
        windows = settings.section("routing").get("windows")
    names = dict(zip(layers["schools"]["id"].astype(str), layers["schools"]["name"].astype(str), strict=True))
    drills["school_name"] = drills["school_id"].astype(str).map(names)
    drills["peak"] = [peak_of(t, windows) for t in drills.get("alarm_time", pd.Series(dtype=object))]
    computed = pd.Series(np.nan, index=drills.index, dtype=float)
    measured = pd.to_numeric(drills["police_arrival_s"], errors="coerce")
    for peak in (None, "am", "pm"):
        mask = np.array([p == peak for p in drills["peak"]], dtype=bool) & measured.notna().to_numpy()
        if not mask.any():
            continue
        ids = sorted(set(drills.loc[mask, "school_id"].astype(str)))
        times = computed_response(graph, layers, ids, peak=peak, settings=settings)
        computed[mask] = drills.loc[mask, "school_id"].astype(str).map(times).astype(float).to_numpy()
    drills["computed_s"] = computed
    drills["gap_s"] = measured - computed
    big = (drills["gap_s"].abs() > config.drill_gap_s) & (drills["gap_s"].abs() > config.drill_gap_ratio * computed)
    drills["large_gap"] = big.fillna(False).astype(bool)
    zh, en = [], []
    for m, c, g, b in zip(measured, computed, drills["gap_s"], drills["large_gap"], strict=True):
        if np.isnan(m):
            zh.append("未记录到场用时")
            en.append("no arrival time recorded")
        elif np.isnan(c):
            zh.append("路网无法计算该校到达时间")
            en.append("no computed time (school off the road network)")
        elif not b:
            zh.append("实测与路网计算相符")
            en.append("measured matches the computed time")
        elif g > 0:
            zh.append(f"实测 {m / 60:.1f} 分钟，比路网计算慢 {g / 60:.1f} 分钟：核查出警流程与值守")
            en.append(f"measured {m / 60:.1f} min, {g / 60:.1f} min slower than the roads allow: check dispatch")
        else:
            zh.append(f"实测 {m / 60:.1f} 分钟，比路网计算快 {-g / 60:.1f} 分钟：核查道路数据与限速")
            en.append(f"measured {m / 60:.1f} min, {-g / 60:.1f} min faster than computed: check the road data")
    drills["verdict_zh"], drills["verdict_en"] = zh, en
    return drills
