"""The ranked table of the coverage-gaps page and its downloads (CSV, Excel).

Pure pandas: filters by jurisdiction, level and kind; weakest campus first; column
headers in the chosen language. Downloads are bytes (CSV in UTF-8 with BOM so Excel on
Chinese Windows opens it correctly).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from gis.io.spreadsheet import csv_bytes, xlsx_bytes
from gis.viz.popups import enum_label, level_label, pick

LEVEL_ORDER = {"critical": 0, "weak": 1, "good": 2}


def ranked_schools(assessment: pd.DataFrame, *, lang: str = "zh",
                   jurisdictions: Sequence[str] | None = None, levels: Sequence[str] | None = None,
                   kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Schools weakest first, filtered; ``school_id`` kept as the first column.

    Parameters
    ----------
    jurisdictions, levels, kinds : sequence of str, optional
        Keep only these ``jurisdiction_id`` / ``level`` / ``kind`` values (all when empty).
    """
    a = pd.DataFrame(assessment).copy()
    if jurisdictions:
        a = a[a["jurisdiction_id"].astype(str).isin([str(j) for j in jurisdictions])]
    if levels:
        a = a[a["level"].astype(str).isin(levels)]
    if kinds:
        a = a[a["kind"].astype(str).isin(kinds)]
    a = a.assign(_lv=a["level"].map(LEVEL_ORDER).fillna(3))
    a = a.sort_values(["score", "_lv", "name"], ascending=[True, True, True], kind="mergesort")
    reasons = a["reasons_en" if lang == "en" else "reasons_zh"] if "reasons_zh" in a else ""
    response = pd.to_numeric(a.get("response_s"), errors="coerce")
    out = pd.DataFrame({
        "school_id": a["school_id"].astype(str).to_numpy(),
        pick(lang, "排名", "Rank"): range(1, len(a) + 1),
        pick(lang, "学校", "School"): a["name"].to_numpy(),
        pick(lang, "类型", "Kind"): [enum_label(k, lang) for k in a["kind"]],
        pick(lang, "派出所", "Station"): a.get("jurisdiction_name", a["jurisdiction_id"]).to_numpy(),
        pick(lang, "得分", "Score"): pd.to_numeric(a["score"], errors="coerce").round(1).to_numpy(),
        pick(lang, "等级", "Level"): [level_label(v, lang) for v in a["level"]],
        pick(lang, "违反必须项", "Mandatory breaches"): [breach_titles(v, lang) for v in
                                                      a.get("mandatory_breaches", pd.Series("", index=a.index))],
        pick(lang, "最快到达（分钟）", "Fastest (min)"): (response / 60.0).round(1).to_numpy(),
        pick(lang, "5分钟内警务点", "Posts ≤5 min"): a.get("posts_within_5min", pd.Series(index=a.index)).to_numpy(),
        pick(lang, "校门视频覆盖", "Gate camera share"):
            (pd.to_numeric(a.get("gate_camera_share"), errors="coerce") * 100).round(0).to_numpy(),
        pick(lang, "见警察（早/晚）", "Police AM/PM"): [
            f"{_yes(am, lang)}/{_yes(pm, lang)}" for am, pm in
            zip(a.get("police_am", pd.Series(None, index=a.index)),
                a.get("police_pm", pd.Series(None, index=a.index)), strict=True)],
        pick(lang, "扣分原因", "Reasons"): reasons.to_numpy() if hasattr(reasons, "to_numpy") else reasons,
    })
    return out.reset_index(drop=True)


def breach_titles(keys: object, lang: str = "zh") -> str:
    """``"guards;police_at_gate"`` → ``"专职保安员配备、高峰时段校门“见警察”"`` (empty when none)."""
    from gis.coverage.mandatory import RULES

    if not isinstance(keys, str) or not keys:
        return ""
    names = [RULES[k][0 if lang != "en" else 1] if k in RULES else k for k in keys.split(";") if k]
    return ("、" if lang != "en" else ", ").join(names)


def _yes(value: object, lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return pick(lang, "是", "yes") if bool(value) else pick(lang, "否", "no")


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """CSV, UTF-8 with BOM (Excel on Chinese Windows reads it without garbling); formula-like
    text neutralised by the product's one writer (``gis.io.spreadsheet``)."""
    return csv_bytes(table)


def to_xlsx_bytes(table: pd.DataFrame, *, sheet: str = "覆盖缺口") -> bytes:
    """One sheet, a frozen header row, columns sized to their content (``gis.io.spreadsheet``)."""
    return xlsx_bytes({sheet[:31]: table})


def reach_comparison(reach: pd.DataFrame, posts: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """Network reach beside the naive circle, per post and band (the meeting's comparison).

    Columns: post, band (minutes), reach area km², circle area km², share of the circle
    truly reachable (%) — smallest share first, where the circle misleads most.
    """
    names = dict(zip(posts["id"].astype(str), posts["name"], strict=False))
    r = pd.DataFrame(reach)
    out = pd.DataFrame({
        pick(lang, "警务点", "Post"): [names.get(str(p), str(p)) for p in r["post_id"]],
        pick(lang, "时间圈（分钟）", "Band (min)"): pd.to_numeric(r["minutes"]).round(0).astype(int).to_numpy(),
        pick(lang, "路网可达面积 km²", "Reach km²"): pd.to_numeric(r["area_km2"]).round(2).to_numpy(),
        pick(lang, "同半径圆面积 km²", "Circle km²"): pd.to_numeric(r["circle_area_km2"]).round(2).to_numpy(),
        pick(lang, "圆内实际可达", "Circle reached"):
            (pd.to_numeric(r["circle_reach_share"]) * 100).round(0).to_numpy(),
    })
    return out.sort_values([out.columns[4], out.columns[1]]).reset_index(drop=True)
