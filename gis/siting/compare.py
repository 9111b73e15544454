"""Before/after of a scenario: county KPIs side by side and the schools whose level changes.

The campus assessment is called through its public functions (``gis.coverage.assess_campuses``)
on the layers as they are and on the layers with the scenario applied (posts added, moved or
cameras and 护学岗 added), so every rule of the assessment counts in both columns alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.config import Settings

LEVEL_ORDER = {"critical": 0, "weak": 1, "good": 2}
KPI_LABELS: dict[str, tuple[str, str]] = {
    "schools": ("学校数", "Schools"),
    "within": ("{m} 分钟可达", "Reached in {m} min"),
    "share_within": ("{m} 分钟可达率", "Share in {m} min"),
    "good": ("良好", "Good"),
    "weak": ("薄弱", "Weak"),
    "critical": ("严重薄弱", "Critical"),
    "mean_score": ("平均得分", "Mean score"),
    "police_both": ("两峰见警察", "Police at both peaks"),
}
CHANGE_COLUMNS = ("school_id", "name", "level_before", "level_after", "score_before", "score_after",
                  "response_before_s", "response_after_s", "direction")


def kpi_figures(assessment: pd.DataFrame | None, *, minutes: float) -> dict[str, Any]:
    """County figures of one assessment (counts, shares 0–1, mean score)."""
    if assessment is None or len(assessment) == 0:
        return {"schools": 0, "within": 0, "share_within": None, "good": 0, "weak": 0, "critical": 0,
                "mean_score": None, "police_both": None, "minutes": minutes}
    a = pd.DataFrame(assessment)
    within = pd.to_numeric(a["response_s"], errors="coerce") <= minutes * 60.0
    level = a["level"].astype(str)
    police = None
    if {"police_am", "police_pm"} <= set(a.columns):
        police = int((a["police_am"].fillna(False).astype(bool) & a["police_pm"].fillna(False).astype(bool)).sum())
    return {"schools": int(len(a)), "within": int(within.sum()), "share_within": round(float(within.mean()), 4),
            "good": int((level == "good").sum()), "weak": int((level == "weak").sum()),
            "critical": int((level == "critical").sum()),
            "mean_score": round(float(pd.to_numeric(a["score"], errors="coerce").mean()), 1),
            "police_both": police, "minutes": minutes}


def level_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Schools whose level differs, with scores and response times (``direction`` up/down)."""
    cols = ["school_id", "name", "level", "score", "response_s"]
    b = pd.DataFrame(before)[cols].set_index("school_id")
    a = pd.DataFrame(after)[cols].set_index("school_id").reindex(b.index)
    changed = b["level"].astype(str) != a["level"].astype(str)
    out = pd.DataFrame({
        "school_id": b.index[changed], "name": b.loc[changed, "name"].to_numpy(),
        "level_before": b.loc[changed, "level"].to_numpy(), "level_after": a.loc[changed, "level"].to_numpy(),
        "score_before": b.loc[changed, "score"].to_numpy(float), "score_after": a.loc[changed, "score"].to_numpy(float),
        "response_before_s": b.loc[changed, "response_s"].to_numpy(float),
        "response_after_s": a.loc[changed, "response_s"].to_numpy(float),
    })
    up = np.array([LEVEL_ORDER.get(x, -1) < LEVEL_ORDER.get(y, -1)
                   for x, y in zip(out["level_before"], out["level_after"], strict=True)], dtype=bool)
    out["direction"] = np.where(up, "up", "down")
    return out.sort_values(["direction", "score_after"], ascending=[False, True]).reset_index(drop=True)


@dataclass
class BeforeAfter:
    """KPIs before and after, the level changes, and the two assessments."""

    before: dict[str, Any]
    after: dict[str, Any]
    changes: pd.DataFrame
    assessment_before: pd.DataFrame
    assessment_after: pd.DataFrame


def compare(layers_before: Mapping[str, gpd.GeoDataFrame], layers_after: Mapping[str, gpd.GeoDataFrame], *,
            graph: Any, settings: Settings | None, peak: str | None, minutes: float,
            assessment_before: pd.DataFrame | None = None) -> BeforeAfter:
    """Assess both states with ``gis.coverage.assess_campuses`` and compare them."""
    from gis.coverage import assess_campuses

    before = assessment_before if assessment_before is not None else \
        pd.DataFrame(assess_campuses(layers_before, graph=graph, settings=settings, peak=peak))
    after = pd.DataFrame(assess_campuses(layers_after, graph=graph, settings=settings, peak=peak))
    before = pd.DataFrame(before).drop(columns="geometry", errors="ignore")
    after = after.drop(columns="geometry", errors="ignore")
    return BeforeAfter(before=kpi_figures(before, minutes=minutes), after=kpi_figures(after, minutes=minutes),
                       changes=level_changes(before, after), assessment_before=before, assessment_after=after)
