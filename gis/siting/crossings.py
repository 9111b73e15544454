"""护学岗 officers for one peak: which gates n police/auxiliary officers should staff.

Only police and auxiliary police count as 见警察 (guards and volunteers do not). A school
without them at its gate in the peak is a candidate; it needs ``officers_per_gate`` officers
(``high_risk_officers`` at ``high_risk`` campuses, armed police in pairs). The choice is a
knapsack MILP solved lexicographically with HiGHS: first the weight of schools whose gap is a
*mandatory breach* (the assessment's ``mandatory_breaches`` naming a police rule; without that
column, every school lacking police at the gate, as the county plan requires police at both
peaks), then enrollment × level weight for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis.config import Settings
from gis.coverage.geometry import WGS84, metric_crs
from gis.errors import ValidationError
from gis.schema import main_gate
from gis.siting.config import SitingConfig
from gis.siting.posts import school_weights
from gis.siting.solvers import Milp, solve_milp

POLICE = ("police", "auxiliary")


def police_at_gate(layers: Mapping[str, gpd.GeoDataFrame], *, peak: str, assessment: pd.DataFrame | None = None,
                   settings: Settings | None = None) -> pd.Series:
    """Per school id: True when police or auxiliary police staff a gate crossing in ``peak``.

    Uses the assessment's ``police_<peak>`` column when present (one source of truth),
    otherwise reads the crossings (``staffed_by`` police/auxiliary, staff not 0, a window set).
    """
    schools = layers["schools"]
    ids = schools["id"].astype(str)
    col = f"police_{peak}"
    if assessment is not None and col in assessment.columns:
        s = pd.Series(assessment[col].fillna(False).astype(bool).to_numpy(), index=assessment["school_id"].astype(str))
        return s.reindex(ids).fillna(False).astype(bool)
    from gis.coverage.config import coverage_config
    from gis.coverage.duty import assign_crossings
    from gis.coverage.gates import school_gates

    crossings = layers.get("crossings")
    if crossings is None or len(crossings) == 0:
        return pd.Series(False, index=ids.to_numpy())
    crs = metric_crs(schools)
    cx = assign_crossings(crossings, school_gates(schools, crs=crs), config=coverage_config(settings), crs=crs)
    staff = pd.to_numeric(cx["staff"], errors="coerce") if "staff" in cx.columns else pd.Series(np.nan, index=cx.index)
    ok = cx["staffed_by"].fillna("").astype(str).isin(POLICE) & ~(staff == 0) & cx[peak].astype(bool)
    served = set(cx.loc[ok, "served_school_id"].dropna().astype(str))
    return pd.Series(ids.isin(served).to_numpy(), index=ids.to_numpy())


def police_breaches(assessment: pd.DataFrame | None, ids: pd.Index, lacking: pd.Series) -> pd.Series:
    """Per school: its lack of police at the gate is a mandatory breach."""
    if assessment is not None and "mandatory_breaches" in assessment.columns:
        keys = pd.Series(assessment["mandatory_breaches"].fillna("").astype(str).to_numpy(),
                         index=assessment["school_id"].astype(str)).reindex(ids).fillna("")
        named = keys.str.contains("police|armed|见警察", regex=True)
        return (named & lacking.reindex(ids)).astype(bool)
    return lacking.reindex(ids).astype(bool)


@dataclass
class CrossingPlan:
    """Gates to staff: ``proposals`` (main gate points with ``school_id, school_name, officers,
    mandatory, weight``), ``schools`` (``school_id, name, police_before, police_after, breach``),
    the solution figures and the parameters."""

    proposals: gpd.GeoDataFrame
    schools: pd.DataFrame
    objective: float
    status: str
    gap: float
    solver: str
    seconds: float
    params: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        before = int(self.schools["police_before"].sum())
        after = int(self.schools["police_after"].sum())
        left = self.schools[~self.schools["police_after"]]
        return {"kind": "crossing", "peak": self.params["peak"], "officers": self.params["officers"],
                "schools": int(len(self.schools)), "before_covered": before, "after_covered": after,
                "officers_used": int(self.proposals["officers"].sum()) if len(self.proposals) else 0,
                "breaches_before": int(self.schools["breach"].sum()),
                "breaches_after": int((self.schools["breach"] & ~self.schools["police_after"]).sum()),
                "objective": round(float(self.objective), 3), "gap": round(float(self.gap), 6),
                "status": self.status, "solver": self.solver, "seconds": round(self.seconds, 3),
                "sites": int(len(self.proposals)),
                "meets_police": self.schools.loc[self.schools["police_after"], "school_id"].tolist(),
                "uncoverable": [{"school_id": r.school_id, "name": r.name, "reason_zh": "警力不足，未能安排",
                                 "reason_en": "not enough officers"} for r in left.itertuples()],
                "params": self.params}


def plan_crossings(layers: Mapping[str, gpd.GeoDataFrame], *, officers: int, peak: str | None = None,
                   assessment: pd.DataFrame | None = None, settings: Settings | None = None,
                   time_limit: float | None = None, solver: str | None = None) -> CrossingPlan:
    """Choose the gates ``officers`` police/auxiliary officers staff in ``peak``.

    Parameters
    ----------
    officers : int
        N, officers available for the peak.
    peak : {"am", "pm"}, optional
    assessment : DataFrame, optional
        For levels, ``police_<peak>`` and ``mandatory_breaches`` when the assessment has them.
    """
    config = SitingConfig.from_settings(settings)
    if officers < 0:
        msg = "--officers 不能为负数 / --officers must be >= 0"
        raise ValidationError(msg)
    peak = peak or config.peak
    schools = layers["schools"]
    ids = pd.Index(schools["id"].astype(str))
    weights = school_weights(schools, assessment, config=config).set_index("school_id")
    present = police_at_gate(layers, peak=peak, assessment=assessment, settings=settings)
    lacking = ~present
    breach = police_breaches(assessment, ids, lacking)
    high = schools["high_risk"].fillna(False).astype(bool).to_numpy() if "high_risk" in schools.columns \
        else np.zeros(len(schools), bool)
    cost = np.where(high, config.crossing.high_risk_officers, config.crossing.officers_per_gate).astype(float)
    cand = np.flatnonzero(lacking.to_numpy())
    w = weights["weight"].reindex(ids).to_numpy(float)
    chosen: list[int] = []
    status, gap, seconds, objective, used_solver = "optimal", 0.0, 0.0, 0.0, "scipy-highs"
    if len(cand) and officers > 0:
        n = len(cand)
        is_breach = breach.to_numpy()[cand]
        budget = sp.csr_matrix(cost[cand][None, :])
        limit = float(config.time_limit_s if time_limit is None else time_limit)
        common = dict(col_lo=np.zeros(n), col_hi=np.ones(n), integer=np.ones(n, bool), maximize=True)
        first = solve_milp(Milp(c=w[cand] * is_breach, a=budget, row_lo=np.array([-np.inf]),
                                row_hi=np.array([float(officers)]), **common),
                           solver=solver or config.solver, time_limit=limit, mip_rel_gap=config.mip_rel_gap)
        keep = first.objective if first.x is not None else 0.0
        a = sp.vstack([budget, sp.csr_matrix((w[cand] * is_breach)[None, :])], format="csr")
        second = solve_milp(Milp(c=w[cand] * ~is_breach, a=a, row_lo=np.array([-np.inf, keep - 1e-6]),
                                 row_hi=np.array([float(officers), np.inf]), **common),
                            solver=solver or config.solver, time_limit=limit, mip_rel_gap=config.mip_rel_gap)
        best = second if second.x is not None else first
        if best.x is not None:
            chosen = [int(cand[j]) for j in np.flatnonzero(best.x > 0.5)]
        status = "optimal" if first.status == second.status == "optimal" else best.status
        gap = max(first.gap, second.gap) if status != "optimal" else 0.0
        seconds, used_solver = first.seconds + second.seconds, best.solver
        objective = float(w[chosen].sum())
    gates = [main_gate(g) for g in schools.geometry.to_crs(WGS84)]
    rows = [{"id": f"new-crossing-{k}", "name": f"护学岗·{schools['name'].iloc[i]}", "kind": "crossing",
             "school_id": ids[i], "school_name": str(schools["name"].iloc[i]), "officers": int(cost[i]),
             "armed": bool(high[i]), "mandatory": bool(breach.iloc[i]), "weight": float(w[i]), "geometry": gates[i]}
            for k, i in enumerate(sorted(chosen, key=lambda i: (-int(breach.iloc[i]), -w[i])), start=1)]
    props = gpd.GeoDataFrame(rows, columns=["id", "name", "kind", "school_id", "school_name", "officers", "armed",
                                            "mandatory", "weight", "geometry"], geometry="geometry", crs=WGS84)
    after = present.to_numpy().copy()
    after[chosen] = True
    table = pd.DataFrame({"school_id": ids, "name": schools["name"].astype(str).to_numpy(),
                          "police_before": present.to_numpy(), "police_after": after, "breach": breach.to_numpy()})
    params = {"kind": "crossing", "officers": int(officers), "peak": peak,
              "officers_per_gate": config.crossing.officers_per_gate,
              "high_risk_officers": config.crossing.high_risk_officers}
    return CrossingPlan(proposals=props, schools=table, objective=objective, status=status, gap=gap,
                        solver=used_solver, seconds=seconds, params=params)


def proposals_as_crossings(props: gpd.GeoDataFrame, *, peak: str, window: str) -> gpd.GeoDataFrame:
    """Proposed gate posts as rows of the ``crossings`` layer (police, staffed in ``peak``)."""
    out = gpd.GeoDataFrame({
        "id": props["id"].astype(str).to_numpy(), "school_id": props["school_id"].astype(str).to_numpy(),
        "am_window": window if peak == "am" else None, "noon_window": None,
        "pm_window": window if peak == "pm" else None, "staffed_by": "police",
        "staff": props["officers"].astype(int).to_numpy(), "armed": props["armed"].astype(bool).to_numpy(),
    }, geometry=props.geometry.to_numpy(), crs=WGS84)
    return out
