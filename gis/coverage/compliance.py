"""Compliance rates per 派出所 and for the county, by area type, beside the seeds' targets.

From the campus assessment (one row per school, :func:`gis.coverage.assess_campuses`):

* ``techdef_rate`` 技防达标率 — intrusion alarm, video at the gate, one-click alarm and electronic
  patrol all in place (GB/T 29315; 城区 ≥ 80 %, 集镇 100 %);
* ``networked_rate`` 视频联网率 — school video networked to the police platform (same targets);
* ``guard_rate`` — full-time guards by the county plan's rule;
* ``police_am_rate`` / ``police_pm_rate`` — police or auxiliary police at the gate (见警察);
* ``alarm_rate`` — one-click alarm.

A rate is the share of *all* schools in the group that are shown to comply; a school whose
data is blank (未填报) is not shown to comply, and the blanks are counted beside the rates
(``unreported``) so the gap between "not compliant" and "not reported" stays visible.
Targets come from ``[compliance]`` (a rate with no target for an area type shows none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gis.config import Settings
from gis.coverage.config import RATES, ComplianceConfig
from gis.schema import AREA_TYPES

COUNTY = "全县"
JURISDICTION_COLUMNS = ("jurisdiction_id", "schools", "weak", "critical", *RATES)
RATE_FLAGS = {"techdef_rate": "techdef_ok", "networked_rate": "networked_ok", "guard_rate": "guards_ok",
              "police_am_rate": "police_am", "police_pm_rate": "police_pm", "alarm_rate": "alarm_ok"}
RATE_ZH = {"techdef_rate": "技防达标率", "networked_rate": "视频联网率", "guard_rate": "保安配备达标率",
           "police_am_rate": "早高峰见警察率", "police_pm_rate": "晚高峰见警察率", "alarm_rate": "一键报警覆盖率"}
RATE_EN = {"techdef_rate": "Technical defence", "networked_rate": "Video networked",
           "guard_rate": "Guards by the rule", "police_am_rate": "Police at gate (AM)",
           "police_pm_rate": "Police at gate (PM)", "alarm_rate": "One-click alarm"}
AREA_ZH = {"urban": "城区", "town": "镇区", "rural": "乡村", "all": "合计"}


@dataclass(frozen=True)
class ComplianceTable:
    """The compliance rates.

    Attributes
    ----------
    by_jurisdiction : DataFrame
        Exactly :data:`JURISDICTION_COLUMNS`: one row per 派出所 (sorted by id) and a last row
        ``jurisdiction_id = "全县"``; rates are shares 0–1.
    by_area : DataFrame
        ``jurisdiction_id, jurisdiction_name, area_type`` (urban, town, rural or ``all``),
        ``schools``, then per rate ``<rate>``, ``<rate>_target`` (None: no fixed target),
        ``<rate>_met`` (None without a target) and ``<rate>_unreported`` (schools left blank).
        Per 派出所 and for the county (``全县``), one row per area type present plus ``all``.
    """

    by_jurisdiction: pd.DataFrame
    by_area: pd.DataFrame


def _flags(a: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    if column not in a.columns:
        return np.zeros(len(a), dtype=bool), np.zeros(len(a), dtype=bool)
    values = a[column].to_numpy(dtype=object)
    known = np.array([v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA
                      for v in values], dtype=bool)
    ok = np.array([bool(v) if k else False for v, k in zip(values, known, strict=True)], dtype=bool)
    return ok, known


def _group_rates(a: pd.DataFrame) -> dict[str, float | int]:
    n = len(a)
    out: dict[str, float | int] = {"schools": n}
    for rate, column in RATE_FLAGS.items():
        ok, _ = _flags(a, column)
        out[rate] = round(float(ok.sum()) / n, 4) if n else 0.0
    return out


def compliance_rates(assessment: pd.DataFrame, *, settings: Settings | None = None,
                     config: ComplianceConfig | None = None) -> ComplianceTable:
    """Compliance rates per 派出所 and for the county, overall and by area type.

    Parameters
    ----------
    assessment : DataFrame
        One row per school with ``jurisdiction_id``, ``level``, ``area_type`` and the flags
        ``techdef_ok, networked_ok, guards_ok, police_am, police_pm, alarm_ok`` (True, False or
        blank).
    settings : Settings, optional
        For the ``[compliance]`` targets (when ``config`` is not given).

    Returns
    -------
    ComplianceTable
    """
    cfg = config if config is not None else ComplianceConfig.from_settings(settings)
    a = pd.DataFrame(assessment).copy()
    a["jurisdiction_id"] = a["jurisdiction_id"].fillna("未划定").astype(str) \
        if "jurisdiction_id" in a.columns else "未划定"
    if "jurisdiction_name" not in a.columns:
        a["jurisdiction_name"] = None
    a["area_type"] = a["area_type"].fillna("town").astype(str) if "area_type" in a.columns else "town"
    level = a["level"].astype(str) if "level" in a.columns else pd.Series("", index=a.index)

    groups = [(jid, a[a["jurisdiction_id"] == jid]) for jid in sorted(a["jurisdiction_id"].unique())]
    groups.append((COUNTY, a))
    rows = []
    for jid, g in groups:
        lv = level.loc[g.index]
        rows.append({"jurisdiction_id": jid, **_group_rates(g), "weak": int((lv == "weak").sum()),
                     "critical": int((lv == "critical").sum())})
    by_jurisdiction = pd.DataFrame(rows, columns=list(JURISDICTION_COLUMNS))

    area_rows = []
    for jid, g in groups:
        names = g["jurisdiction_name"].dropna()
        name = "合计 / total" if jid == COUNTY else (str(names.iloc[0]) if len(names) else None)
        present = [t for t in AREA_TYPES if (g["area_type"] == t).any()]
        extra = sorted(set(g["area_type"]) - set(AREA_TYPES))
        for area in [*present, *extra, "all"]:
            part = g if area == "all" else g[g["area_type"] == area]
            row: dict[str, object] = {"jurisdiction_id": jid, "jurisdiction_name": name, "area_type": area,
                                      **_group_rates(part)}
            for rate, column in RATE_FLAGS.items():
                target = cfg.target(rate, area if area != "all" else None)
                row[f"{rate}_target"] = target
                row[f"{rate}_met"] = None if target is None else bool(row[rate] >= target - 1e-9)
                _, known = _flags(part, column)
                row[f"{rate}_unreported"] = int((~known).sum())
            area_rows.append(row)
    by_area = pd.DataFrame(area_rows)
    for rate in RATE_FLAGS:  # keep "no target" as None, not NaN
        for col in (f"{rate}_target", f"{rate}_met"):
            by_area[col] = pd.Series([r[col] for r in area_rows], index=by_area.index, dtype=object)
    return ComplianceTable(by_jurisdiction, by_area)


def rates_display(table: ComplianceTable, *, lang: str = "zh") -> pd.DataFrame:
    """The by-area table for a page or a sheet: percentages with their targets, in ``lang``.

    Each rate becomes one text column ``"62% / 目标 80% ✗"`` (``"62%"`` without a target,
    ``"· 2 未填报"`` appended when blanks exist).
    """
    zh = lang != "en"
    rows = []
    for r in table.by_area.to_dict("records"):
        row = {("派出所" if zh else "Jurisdiction"): r["jurisdiction_name"] or r["jurisdiction_id"],
               ("区域" if zh else "Area"): AREA_ZH.get(r["area_type"], r["area_type"]) if zh else r["area_type"],
               ("学校数" if zh else "Schools"): r["schools"]}
        for rate in RATES:
            text = f"{100 * r[rate]:.0f}%"
            target = r[f"{rate}_target"]
            if target is not None:
                mark = "✓" if r[f"{rate}_met"] else "✗"
                text += f" / {'目标' if zh else 'target'} {100 * target:.0f}% {mark}"
            if r[f"{rate}_unreported"]:
                text += f" · {r[f'{rate}_unreported']} {'未填报' if zh else 'blank'}"
            row[RATE_ZH[rate] if zh else RATE_EN[rate]] = text
        rows.append(row)
    return pd.DataFrame(rows)
