"""Per 派出所 jurisdiction figures of a campus assessment (and the county total)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gis.config import Settings
from gis.coverage.config import ScoringConfig


def summarize_jurisdictions(assessment: pd.DataFrame, *, within_s: float | None = None,
                            settings: Settings | None = None) -> pd.DataFrame:
    """Per 派出所 jurisdiction: schools, share reached within the response target, weak and
    critical counts, mean score.

    Parameters
    ----------
    within_s : float, optional
        The "reached within" limit in seconds; ``[scoring.thresholds] response_good_s`` (3 min)
        when omitted.

    Returns
    -------
    DataFrame
        ``jurisdiction_id, jurisdiction_name, schools, within_3min, share_within_3min`` (0–1),
        ``good, weak, critical, mean_score, violations, breaches`` (schools breaching a
        mandatory rule); a last row ``jurisdiction_id = "全县"`` (all) sums them up. The
        ``within_3min`` names keep their meaning "within the response target".
    """
    if within_s is None:
        within_s = ScoringConfig.from_settings(settings).response_good_s
    a = pd.DataFrame(assessment).copy()
    a["jurisdiction_id"] = a["jurisdiction_id"].fillna("未划定").astype(str)
    if "jurisdiction_name" not in a.columns:
        a["jurisdiction_name"] = None
    a["_within"] = pd.to_numeric(a["response_s"], errors="coerce") <= within_s
    a["_viol"] = pd.to_numeric(a.get("violations", 0), errors="coerce").fillna(0) > 0
    a["_breach"] = (a["mandatory_breaches"].fillna("").astype(str) != "") if "mandatory_breaches" in a \
        else False

    def agg(g: pd.DataFrame) -> dict[str, Any]:
        names = g["jurisdiction_name"].dropna()
        return {
            "jurisdiction_name": names.iloc[0] if len(names) else None,
            "schools": len(g), "within_3min": int(g["_within"].sum()),
            "share_within_3min": float(g["_within"].mean()) if len(g) else 0.0,
            "good": int((g["level"] == "good").sum()), "weak": int((g["level"] == "weak").sum()),
            "critical": int((g["level"] == "critical").sum()),
            "mean_score": round(float(g["score"].mean()), 1),
            "violations": int(g["_viol"].sum()), "breaches": int(g["_breach"].sum()),
        }

    rows = [{"jurisdiction_id": j, **agg(g)} for j, g in a.groupby("jurisdiction_id", sort=True)]
    rows.append({"jurisdiction_id": "全县", **agg(a)})
    rows[-1]["jurisdiction_name"] = "合计 / total"
    return pd.DataFrame(rows)
