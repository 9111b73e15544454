"""The campus score: 100 minus transparent deductions, each with a reason in zh-CN and English.

Every component deducts at most its weight (``[scoring.weights]``):

* ``response`` — fastest post: no deduction within ``response_good_s`` (3 min), the full weight
  beyond ``response_limit_s`` (5 min), linear in between; unreachable counts as beyond.
* ``redundancy`` — posts arriving within 5 min, short of ``redundancy_posts_within_5min``.
* ``camera`` — gate-zone camera share below ``camera_good_share`` (proportional to the gap).
* ``peak_duty`` — each required window (``[coverage] duty_required_windows``) with no staffed
  crossing or gate post deducts its part.
* ``guards`` — full-time guards short of the requirement (proportional).
* ``tech_defence`` — a quarter per missing flag (networked video, one-click alarm, anti-ram
  barrier, equipment); video counts as networked only when the gate cameras' networked share
  reaches ``[coverage] networked_required_share``.
* ``risks`` — weighted risk index relative to ``risk_full_index``.
* ``violations`` — any internet café within the legal distance: the full weight; the level
  is then capped at ``violation_max_level``.

Level: ``good`` from ``good_min``, ``weak`` from ``weak_min``, else ``critical``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gis.coverage.config import ScoringConfig
from gis.coverage.duty import WINDOW_EN, WINDOW_ZH
from gis.coverage.rules import TECH_EN, TECH_FLAGS, TECH_ZH

COMPONENTS = ("response", "redundancy", "camera", "peak_duty", "guards", "tech_defence", "risks",
              "violations")
LEVELS = ("good", "weak", "critical")
LEVEL_ZH = {"good": "良好", "weak": "薄弱", "critical": "严重薄弱"}

Reason = tuple[str, str]
_VIOLATION_MARK = "违法："


def _num(frame: pd.DataFrame, name: str, default: float = np.nan) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _bool(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return np.array([bool(v) if pd.notna(v) else False for v in frame[name]], dtype=bool)


def _text(frame: pd.DataFrame, name: str) -> list[str]:
    if name not in frame.columns:
        return [""] * len(frame)
    return ["" if pd.isna(v) else str(v) for v in frame[name]]


def _fmt_min(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def _fmt_band(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f}" if float(minutes).is_integer() else f"{minutes:.1f}"


def deduct_response(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction and reason for the travel time of the fastest post (seconds)."""
    w = cfg.weights["response"]
    r = _num(f, "response_s")
    good, limit = cfg.response_good_s, cfg.response_limit_s
    frac = np.where(np.isnan(r), 1.0, np.clip((r - good) / max(limit - good, 1e-9), 0.0, 1.0))
    names = _text(f, "nearest_post_name")
    ids = _text(f, "nearest_post_id")
    off = _bool(f, "off_network")
    stranded = _bool(f, "stranded")
    snap = _num(f, "snap_m")
    reasons: list[Reason | None] = []
    for i, secs in enumerate(r):
        post = names[i] or ids[i]
        post_zh = f"（{post}）" if post else ""
        post_en = f" ({post})" if post else ""
        if np.isnan(secs) and stranded[i]:
            reasons.append(("所在道路与主路网不连通，无法计算警务点到达时间，需补全道路连接或核实校门位置",
                            "The school's road does not connect to the main road network: no response "
                            "time can be computed; join the road or check the gate position"))
        elif np.isnan(secs) and off[i]:
            reasons.append((f"校门距最近道路 {snap[i]:.0f} 米，超出路网吸附范围，无法计算警务点到达时间，"
                            "需核实校门位置或补充道路数据",
                            f"The gate is {snap[i]:.0f} m from the nearest road, too far to compute "
                            "a response time: check the gate position or add the road"))
        elif np.isnan(secs):
            reasons.append(("没有警务点能经道路网到达该校，需核实校门位置或道路数据",
                            "No police post reaches the school over the road network: "
                            "check the gate position or the road data"))
        elif secs > limit:
            reasons.append((f"最快到达的警务点{post_zh}需 {_fmt_min(secs)} 分钟，"
                            f"超过 {_fmt_band(limit)} 分钟标准",
                            f"The fastest post{post_en} needs {_fmt_min(secs)} min, "
                            f"beyond the {_fmt_band(limit)}-minute standard"))
        elif secs > good:
            reasons.append((f"最快到达的警务点{post_zh}需 {_fmt_min(secs)} 分钟，"
                            f"超过 {_fmt_band(good)} 分钟目标",
                            f"The fastest post{post_en} needs {_fmt_min(secs)} min, "
                            f"beyond the {_fmt_band(good)}-minute target"))
        else:
            reasons.append(None)
    return w * frac, reasons


def deduct_redundancy(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction when too few posts arrive within the outer band (5 min)."""
    w = cfg.weights["redundancy"]
    need = max(int(cfg.redundancy_posts_within_5min), 1)
    have = np.nan_to_num(_num(f, "posts_within_5min"), nan=0.0)
    frac = np.clip((need - have) / need, 0.0, 1.0)
    band = _fmt_band(cfg.response_limit_s)
    reasons: list[Reason | None] = [
        None if fr <= 0 else
        (f"{band} 分钟内没有警务点可到达（应不少于 {need} 个）",
         f"No post can arrive within {band} min (at least {need} expected)") if h == 0 else
        (f"{band} 分钟内仅有 {int(h)} 个警务点可到达，少于 {need} 个，缺少支援力量",
         f"Only {int(h)} post(s) can arrive within {band} min, fewer than {need} (no backup)")
        for h, fr in zip(have, frac, strict=True)]
    return w * frac, reasons


def deduct_camera(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction for the share of the gate zones not seen by working cameras."""
    w = cfg.weights["camera"]
    good = cfg.camera_good_share
    share = np.nan_to_num(_num(f, "gate_camera_share"), nan=0.0)
    frac = np.clip((good - share) / max(good, 1e-9), 0.0, 1.0)
    cams = np.nan_to_num(_num(f, "gate_cameras"), nan=0.0).astype(int)
    broken = np.nan_to_num(_num(f, "broken_gate_cameras"), nan=0.0).astype(int)
    assumed = np.nan_to_num(_num(f, "assumed_gate_cameras"), nan=0.0).astype(int)
    blind = np.nan_to_num(_num(f, "gate_zone_m2") - _num(f, "covered_m2"), nan=0.0)
    zone = _num(f, "gate_zone_radius_m", 30.0)
    reasons: list[Reason | None] = []
    for i in range(len(f)):
        if frac[i] <= 0:
            reasons.append(None)
            continue
        radius = f"{zone[i]:.0f}"
        if cams[i] == 0:
            zh = f"校门 {radius} 米范围内没有正常工作的摄像机，视频覆盖率 0%（目标 {good:.0%}）"
            en = (f"No working camera sees the {radius} m gate zone: coverage 0% "
                  f"(target {good:.0%})")
        else:
            zh = (f"校门 {radius} 米范围视频覆盖率 {share[i]:.0%}（目标 {good:.0%}），"
                  f"盲区约 {blind[i]:.0f} 平方米")
            en = (f"Cameras see {share[i]:.0%} of the {radius} m gate zone (target {good:.0%}), "
                  f"blind area about {blind[i]:.0f} m²")
        if broken[i]:
            zh += f"，另有 {broken[i]} 台摄像机故障"
            en += f", {broken[i]} camera(s) broken"
        if assumed[i]:
            zh += f"，其中 {assumed[i]} 台摄像机缺少朝向或视角参数，按默认值估算"
            en += f", {assumed[i]} camera(s) lack direction or field of view (defaults assumed)"
        reasons.append((zh, en))
    return w * frac, reasons


def make_duty_deduction(windows: tuple[str, ...]) -> Callable[..., tuple[np.ndarray, list]]:
    """Build the peak-duty component for the required windows (``am``, ``noon``, ``pm``)."""

    def deduct_peak_duty(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list]:
        w = cfg.weights["peak_duty"]
        staffed = {win: _bool(f, f"{win}_staffed") for win in windows}
        gaps = _text(f, "duty_gaps")
        missing = [[win for win in windows if not staffed[win][i]] for i in range(len(f))]
        frac = np.array([len(m) / max(len(windows), 1) for m in missing], dtype=float)
        reasons: list[Reason | None] = []
        for i, miss in enumerate(missing):
            if not miss:
                reasons.append(None)
                continue
            zh = "、".join(WINDOW_ZH[m] for m in miss) + "没有在岗的护学岗或校门警力（未做到“见警察”）"
            en = "No staffed crossing or gate post at the " + " and ".join(WINDOW_EN[m] for m in miss)
            if gaps[i]:
                n_gaps = len(gaps[i].split(","))
                zh += f"，附近 {n_gaps} 处护学岗无人值守（{gaps[i].replace(',', '、')}）"
                en += f", {n_gaps} unstaffed crossing(s) nearby ({gaps[i]})"
            reasons.append((zh, en))
        return w * frac, reasons

    return deduct_peak_duty


def deduct_guards(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction for full-time guards short of the requirement."""
    w = cfg.weights["guards"]
    required = np.nan_to_num(_num(f, "guards_required"), nan=0.0)
    guards = _num(f, "guards")
    known = ~np.isnan(guards)
    present = np.nan_to_num(guards, nan=0.0)
    short = np.maximum(required - present, 0.0)
    frac = np.where(required > 0, np.clip(short / np.maximum(required, 1), 0.0, 1.0), 0.0)
    boarding = _bool(f, "boarding")
    reasons: list[Reason | None] = []
    for i in range(len(f)):
        if frac[i] <= 0:
            reasons.append(None)
            continue
        req = int(required[i])
        extra_zh = "（寄宿制学校须 24 小时值守，需增配保安）" if boarding[i] else ""
        extra_en = " (a boarding school needs 24-hour duty)" if boarding[i] else ""
        if not known[i]:
            reasons.append((f"未登记专职保安人数，按 0 名计，要求不少于 {req} 名{extra_zh}",
                            f"Full-time guards not recorded (counted as 0), at least {req} "
                            f"required{extra_en}"))
        else:
            reasons.append((f"专职保安 {int(present[i])} 名，少于要求的 {req} 名{extra_zh}",
                            f"{int(present[i])} full-time guard(s), fewer than the {req} "
                            f"required{extra_en}"))
    return w * frac, reasons


def deduct_tech_defence(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction per technical/physical defence flag not in place."""
    w = cfg.weights["tech_defence"]
    flags = {flag: _bool(f, flag) for flag in TECH_FLAGS}
    # Declared "networked" but the cameras at the gates are not all on the police platform.
    share = _num(f, "networked_share")
    required = _num(f, "networked_required_share", 1.0)
    short_net = flags["video_networked"] & ~np.isnan(share) & (share < required - 1e-9)
    flags["video_networked"] = flags["video_networked"] & ~short_net
    missing = [[flag for flag in TECH_FLAGS if not flags[flag][i]] for i in range(len(f))]
    frac = np.array([len(m) / len(TECH_FLAGS) for m in missing], dtype=float)
    reasons: list[Reason | None] = []
    for i, m in enumerate(missing):
        if not m:
            reasons.append(None)
            continue
        zh_items = [TECH_ZH[x] for x in m]
        en_items = [TECH_EN[x] for x in m]
        if short_net[i]:
            zh_items[0] = f"校门摄像机联网率 {share[i]:.0%}（要求 {required[i]:.0%}）"
            en_items[0] = f"only {share[i]:.0%} of the gate cameras networked ({required[i]:.0%} required)"
        reasons.append((f"技防物防缺 {len(m)} 项：" + "、".join(zh_items),
                        f"{len(m)} defence item(s) missing: " + ", ".join(en_items)))
    return w * frac, reasons


def deduct_risks(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction for registered risk sites nearby, weighted by level and distance band."""
    w = cfg.weights["risks"]
    index = np.nan_to_num(_num(f, "risk_index"), nan=0.0)
    frac = np.clip(index / max(cfg.risk_full_index, 1e-9), 0.0, 1.0)
    band_cols = sorted((c for c in f.columns if c.startswith("risk_sites_") and c.endswith("m")),
                       key=lambda c: float(c[len("risk_sites_"):-1]))
    counts = {c: np.nan_to_num(_num(f, c), nan=0.0).astype(int) for c in band_cols}
    high = np.nan_to_num(_num(f, "risk_high"), nan=0.0).astype(int)
    reasons: list[Reason | None] = []
    for i in range(len(f)):
        if frac[i] <= 0 or not band_cols:
            reasons.append(None)
            continue
        outer = band_cols[-1]
        outer_m = outer[len("risk_sites_"):-1]
        inner_zh = "，".join(f"{c[len('risk_sites_'):-1]} 米内"
                            + (f" {counts[c][i]} 处" if counts[c][i] else "无") for c in band_cols[:-1])
        inner_en = ", ".join(f"{counts[c][i] or 'none'} within {c[len('risk_sites_'):-1]} m"
                             for c in band_cols[:-1])
        zh = f"{outer_m} 米内有 {counts[outer][i]} 处登记风险点（{inner_zh}"
        en = f"{counts[outer][i]} registered risk site(s) within {outer_m} m ({inner_en}"
        if high[i]:
            zh += f"，高风险 {high[i]} 处"
            en += f", {high[i]} high-risk"
        zh += f"），加权风险指数 {index[i]:.1f}"
        en += f"), weighted risk index {index[i]:.1f}"
        reasons.append((zh, en))
    return w * frac, reasons


def deduct_violations(f: pd.DataFrame, cfg: ScoringConfig) -> tuple[np.ndarray, list[Reason | None]]:
    """Full deduction when an internet café stands within the legal distance."""
    w = cfg.weights["violations"]
    count = np.nan_to_num(_num(f, "violations"), nan=0.0).astype(int)
    sites = _text(f, "violation_sites")
    legal = _num(f, "internet_cafe_min_distance_m", 200.0)
    reasons: list[Reason | None] = []
    for i in range(len(f)):
        if count[i] <= 0:
            reasons.append(None)
            continue
        listed = [s.split("@") for s in sites[i].split(",") if s]
        where_zh = "，".join(f"{s} 距学校 {m.removesuffix('m')} 米" for s, m in listed)
        where_en = ", ".join(f"{s} at {m.removesuffix('m')} m" for s, m in listed)
        reasons.append((f"{_VIOLATION_MARK}{legal[i]:.0f} 米内有网吧 {count[i]} 处（{where_zh}），违反《互联网上网服务"
                        "营业场所管理条例》第九条",
                        f"{count[i]} internet café(s) within {legal[i]:.0f} m ({where_en}), in breach "
                        "of Article 9 of the Regulations on Internet Access Service Premises"))
    return np.where(count > 0, w, 0.0), reasons


def score_campuses(features: pd.DataFrame, *, config: ScoringConfig,
                   duty_windows: tuple[str, ...] = ("am", "pm")) -> pd.DataFrame:
    """Score every school from its assessed features.

    Parameters
    ----------
    features : DataFrame
        One row per school with the columns the components read (``response_s`` in seconds,
        ``posts_within_5min``, ``gate_camera_share`` in 0–1, ``<window>_staffed``, ``guards``,
        ``guards_required``, the technical flags, ``risk_index``, ``violations`` …); missing
        columns count as the worst case for their component.
    config : ScoringConfig
        Weights and thresholds.
    duty_windows : tuple of str
        Windows whose missing duty deducts.

    Returns
    -------
    DataFrame
        ``features`` plus ``deduct_<component>`` (points), ``score`` (0–100, one decimal),
        ``level`` (good/weak/critical), ``reasons_zh`` and ``reasons_en`` (largest deduction
        first, joined by "；" / "; ") and ``reason_count``.
    """
    components: dict[str, Callable[..., tuple[np.ndarray, list]]] = {
        "response": deduct_response, "redundancy": deduct_redundancy, "camera": deduct_camera,
        "peak_duty": make_duty_deduction(duty_windows), "guards": deduct_guards,
        "tech_defence": deduct_tech_defence, "risks": deduct_risks,
        "violations": deduct_violations,
    }
    out = features.copy()
    n = len(out)
    total = np.zeros(n)
    per_row: list[list[tuple[float, Reason]]] = [[] for _ in range(n)]
    for name, fn in components.items():
        deduction, reasons = fn(out, config)
        deduction = np.round(np.asarray(deduction, dtype=float), 2)
        out[f"deduct_{name}"] = deduction
        total += deduction
        for i, reason in enumerate(reasons):
            if deduction[i] > 0 and reason is not None:
                per_row[i].append((float(deduction[i]), reason))
    score = np.round(np.clip(100.0 - total, 0.0, 100.0), 1)
    level = np.where(score >= config.good_min, "good",
                     np.where(score >= config.weak_min, "weak", "critical")).astype(object)
    if config.violation_max_level in LEVELS:
        cap = LEVELS.index(config.violation_max_level)
        has_violation = out["deduct_violations"].to_numpy() > 0
        capped = has_violation & np.array([LEVELS.index(v) < cap for v in level], dtype=bool)
        level[capped] = config.violation_max_level
        note = (f"，评级因此不高于“{LEVEL_ZH[config.violation_max_level]}”",
                f", so the level is capped at {config.violation_max_level}")
        for i in np.flatnonzero(capped):
            per_row[i] = [(d, (r[0] + note[0], r[1] + note[1]) if r[0].startswith(_VIOLATION_MARK)
                           else r) for d, r in per_row[i]]
    out["score"] = score
    out["level"] = level
    ordered = [sorted(rows, key=lambda t: -t[0]) for rows in per_row]
    out["reasons_zh"] = ["；".join(r[1][0] for r in rows) for rows in ordered]
    out["reasons_en"] = ["; ".join(r[1][1] for r in rows) for rows in ordered]
    out["reason_count"] = [len(rows) for rows in ordered]
    return out
