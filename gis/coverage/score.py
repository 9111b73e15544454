"""The campus score: 100 minus transparent deductions, each with a reason in zh-CN and English.

Every component deducts at most its weight (``[scoring.weights]``):

* ``response`` — fastest post: no deduction within ``response_good_s`` (3 min), the full weight
  beyond ``response_limit_s`` (5 min, a local target 本地目标), linear in between; unreachable
  counts as beyond.
* ``redundancy`` — posts arriving within ``response_limit_s``, short of
  ``redundancy_posts_within_5min``.
* ``camera`` — gate-zone camera share below ``camera_good_share`` (proportional to the gap);
  the share and the blind area are stated whenever part of a gate zone is blind.
* ``peak_duty`` — each required window (``[coverage] duty_required_windows``) with no police or
  auxiliary police on duty at the gates (见警察) deducts its part; guards and volunteers are
  named beside it, never counted as it.
* ``guards`` — full-time guards short of the requirement (proportional).
* ``tech_defence`` — one equal part per technical/physical item not in place (video networked,
  one-click alarm, intrusion alarm, electronic patrol, 24-hour monitoring room, anti-ram
  barrier, enclosed campus, the 8 basic equipment items); video counts as networked only when
  the gate cameras' networked share reaches ``[coverage] networked_required_share``.
* ``risks`` — weighted risk index relative to ``risk_full_index``.
* ``violations`` — any internet café within the legal distance: the full weight.

A blank item (未填报) deducts ``unreported_share`` of what a missing one deducts, and says so.
Level: ``good`` from ``good_min``, ``weak`` from ``weak_min``, else ``critical``; a breach of a
mandatory rule (:mod:`gis.coverage.mandatory`) caps it at ``mandatory_max_level`` and is listed
first among the reasons, naming the rule and its source.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gis.coverage.config import COMPONENTS, LEVELS, CoverageConfig, ScoringConfig  # noqa: F401 - COMPONENTS re-exported
from gis.coverage.duty import WINDOW_EN, WINDOW_ZH
from gis.coverage.mandatory import check_mandatory
from gis.coverage.rules import TECH_EN, TECH_FLAGS, TECH_LABEL_ZH, TECH_ZH
from gis.coverage.values import known_flags

LEVEL_ZH = {"good": "良好", "weak": "薄弱", "critical": "严重薄弱"}

Reason = tuple[str, str]
Component = Callable[[pd.DataFrame, ScoringConfig, CoverageConfig], tuple[np.ndarray, list]]


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


def deduct_response(f: pd.DataFrame, cfg: ScoringConfig,
                    cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
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
                            f"超过 {_fmt_band(limit)} 分钟本地目标",
                            f"The fastest post{post_en} needs {_fmt_min(secs)} min, "
                            f"beyond the {_fmt_band(limit)}-minute local target"))
        elif secs > good:
            reasons.append((f"最快到达的警务点{post_zh}需 {_fmt_min(secs)} 分钟，"
                            f"超过 {_fmt_band(good)} 分钟目标",
                            f"The fastest post{post_en} needs {_fmt_min(secs)} min, "
                            f"beyond the {_fmt_band(good)}-minute target"))
        else:
            reasons.append(None)
    return w * frac, reasons


def redundancy_column(cfg: ScoringConfig) -> str:
    """The response-field column counting posts within ``response_limit_s`` (``posts_within_5min``)."""
    return f"posts_within_{_fmt_band(cfg.response_limit_s)}min"


def deduct_redundancy(f: pd.DataFrame, cfg: ScoringConfig,
                      cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction when too few posts arrive within the local target (5 min)."""
    w = cfg.weights["redundancy"]
    need = max(int(cfg.redundancy_posts_within_5min), 1)
    have = np.nan_to_num(_num(f, redundancy_column(cfg)), nan=0.0)
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


def deduct_camera(f: pd.DataFrame, cfg: ScoringConfig,
                  cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction for the share of the gate zones not seen by working cameras.

    The threshold ``camera_good_share`` decides the deduction; the reason states the share and
    the blind area whenever any part of a gate zone (or of the campus boundary) is blind.
    """
    w = cfg.weights["camera"]
    good = cfg.camera_good_share
    share = np.nan_to_num(_num(f, "gate_camera_share"), nan=0.0)
    frac = np.clip((good - share) / max(good, 1e-9), 0.0, 1.0)
    cams = np.nan_to_num(_num(f, "gate_cameras"), nan=0.0).astype(int)
    broken = np.nan_to_num(_num(f, "broken_gate_cameras"), nan=0.0).astype(int)
    assumed = np.nan_to_num(_num(f, "assumed_gate_cameras"), nan=0.0).astype(int)
    blind = np.nan_to_num(_num(f, "gate_zone_m2") - _num(f, "covered_m2"), nan=0.0)
    edge = _num(f, "boundary_camera_share")
    edge_blind = np.nan_to_num(_num(f, "boundary_blind_m"), nan=0.0)
    radius = f"{(cov or CoverageConfig()).gate_zone_m:.0f}"
    reasons: list[Reason | None] = []
    for i in range(len(f)):
        parts_zh: list[str] = []
        parts_en: list[str] = []
        if cams[i] == 0 and share[i] <= 0:
            parts_zh.append(f"校门 {radius} 米范围内没有正常工作的摄像机，视频覆盖率 0%（目标 {good:.0%}）")
            parts_en.append(f"No working camera sees the {radius} m gate zone: coverage 0% "
                            f"(target {good:.0%})")
        elif share[i] < 1.0 - 1e-3:
            parts_zh.append(f"校门 {radius} 米范围视频覆盖率 {share[i]:.0%}（目标 {good:.0%}），"
                            f"盲区约 {blind[i]:.0f} 平方米")
            parts_en.append(f"Cameras see {share[i]:.0%} of the {radius} m gate zone (target {good:.0%}), "
                            f"blind area about {blind[i]:.0f} m²")
        if not np.isnan(edge[i]) and edge[i] < 1.0 - 1e-3:
            parts_zh.append(f"校园围界视频覆盖率 {edge[i]:.0%}，未覆盖约 {edge_blind[i]:.0f} 米")
            parts_en.append(f"cameras see {edge[i]:.0%} of the campus boundary, {edge_blind[i]:.0f} m unseen")
        if not parts_zh:
            reasons.append(None)
            continue
        zh, en = "，".join(parts_zh), ", ".join(parts_en)
        if broken[i]:
            zh += f"，另有 {broken[i]} 台摄像机故障"
            en += f", {broken[i]} camera(s) broken"
        if assumed[i]:
            zh += f"，其中 {assumed[i]} 台摄像机缺少朝向或视角参数，按默认值估算"
            en += f", {assumed[i]} camera(s) lack direction or field of view (defaults assumed)"
        if frac[i] <= 0:
            zh += "（未达扣分线，不扣分）"
            en += " (above the deduction threshold: no deduction)"
        reasons.append((zh, en))
    return w * frac, reasons


def make_duty_deduction(windows: tuple[str, ...]) -> Component:
    """Build the peak-duty component for the required windows (``am``, ``noon``, ``pm``)."""

    def deduct_peak_duty(f: pd.DataFrame, cfg: ScoringConfig,
                         cov: CoverageConfig | None = None) -> tuple[np.ndarray, list]:
        w = cfg.weights["peak_duty"]
        police = {win: known_flags(f, f"police_{win}")[0] for win in windows}
        other = {win: np.nan_to_num(_num(f, f"other_{win}"), nan=0.0).astype(int) for win in windows}
        gaps = f["duty_gap_list"].tolist() if "duty_gap_list" in f.columns else [[] for _ in range(len(f))]
        missing = [[win for win in windows if not police[win][i]] for i in range(len(f))]
        frac = np.array([len(m) / max(len(windows), 1) for m in missing], dtype=float)
        reasons: list[Reason | None] = []
        for i, miss in enumerate(missing):
            if not miss:
                reasons.append(None)
                continue
            zh = "、".join(WINDOW_ZH[m] for m in miss) + "校门没有在岗的民警或辅警（未做到“见警察”）"
            en = ("No police or auxiliary police on duty at the gate at the "
                  + " and ".join(WINDOW_EN[m] for m in miss))
            beside = max(other[m][i] for m in miss)
            if beside:
                zh += f"，仅有保安或志愿者 {beside} 处在岗（不计为见警察）"
                en += f"; guards or volunteers at {beside} post(s) (not counted as police)"
            listed = list(gaps[i]) if isinstance(gaps[i], list | tuple) else []
            if listed:
                zh += f"，附近 {len(listed)} 处护学岗无人值守（{'、'.join(listed)}）"
                en += f", {len(listed)} unstaffed crossing(s) nearby ({', '.join(listed)})"
            reasons.append((zh, en))
        return w * frac, reasons

    return deduct_peak_duty


def deduct_guards(f: pd.DataFrame, cfg: ScoringConfig,
                  cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
    """Deduction for full-time guards short of the requirement; a blank count deducts
    ``unreported_share`` of the weight and says 未填报."""
    w = cfg.weights["guards"]
    required = np.nan_to_num(_num(f, "guards_required"), nan=0.0)
    guards = _num(f, "guards")
    known = ~np.isnan(guards)
    present = np.nan_to_num(guards, nan=0.0)
    short = np.maximum(required - present, 0.0)
    frac = np.where(required > 0, np.clip(short / np.maximum(required, 1), 0.0, 1.0), 0.0)
    frac = np.where(known, frac, np.where(required > 0, cfg.unreported_share, 0.0))
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
            reasons.append((f"专职保安人数未填报，要求不少于 {req} 名{extra_zh}，按半项扣分，请补录",
                            f"Full-time guards not reported (at least {req} required{extra_en}); "
                            "half the deduction applied until it is filled in"))
        else:
            reasons.append((f"专职保安 {int(present[i])} 名，少于要求的 {req} 名{extra_zh}",
                            f"{int(present[i])} full-time guard(s), fewer than the {req} "
                            f"required{extra_en}"))
    return w * frac, reasons


def deduct_tech_defence(f: pd.DataFrame, cfg: ScoringConfig,
                        cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
    """One equal part per technical/physical defence item not in place (half for 未填报)."""
    w = cfg.weights["tech_defence"]
    flags = {flag: known_flags(f, flag) for flag in TECH_FLAGS}
    # Declared "networked" but the cameras at the gates are not all on the police platform.
    share = _num(f, "networked_share")
    required = (cov or CoverageConfig()).networked_required_share
    value, known = flags["video_networked"]
    short_net = value & ~np.isnan(share) & (share < required - 1e-9)
    flags["video_networked"] = (value & ~short_net, known)
    reasons: list[Reason | None] = []
    frac = np.zeros(len(f))
    for i in range(len(f)):
        missing = [x for x in TECH_FLAGS if flags[x][1][i] and not flags[x][0][i]]
        blank = [x for x in TECH_FLAGS if not flags[x][1][i]]
        frac[i] = (len(missing) + cfg.unreported_share * len(blank)) / len(TECH_FLAGS)
        if not missing and not blank:
            reasons.append(None)
            continue
        zh_items = [TECH_ZH[x] for x in missing]
        en_items = [TECH_EN[x] for x in missing]
        if short_net[i] and "video_networked" in missing:
            k = missing.index("video_networked")
            zh_items[k] = f"校门摄像机联网率 {share[i]:.0%}（要求 {required:.0%}）"
            en_items[k] = f"only {share[i]:.0%} of the gate cameras networked ({required:.0%} required)"
        zh = f"技防物防缺 {len(missing)} 项：" + "、".join(zh_items) if missing else ""
        en = f"{len(missing)} defence item(s) missing: " + ", ".join(en_items) if missing else ""
        if blank:
            zh += ("；" if zh else "") + "未填报：" + "、".join(TECH_LABEL_ZH[x] for x in blank) + "（按半项扣分）"
            en += ("; " if en else "") + "not reported: " + ", ".join(blank) + " (half deduction each)"
        reasons.append((zh, en))
    return w * frac, reasons


def deduct_risks(f: pd.DataFrame, cfg: ScoringConfig,
                 cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
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


def deduct_violations(f: pd.DataFrame, cfg: ScoringConfig,
                      cov: CoverageConfig | None = None) -> tuple[np.ndarray, list[Reason | None]]:
    """Full deduction when an internet café stands within the legal distance."""
    w = cfg.weights["violations"]
    count = np.nan_to_num(_num(f, "violations"), nan=0.0).astype(int)
    listed = f["violation_list"].tolist() if "violation_list" in f.columns else [()] * len(f)
    legal = (cov or CoverageConfig()).internet_cafe_min_distance_m
    reasons: list[Reason | None] = []
    for i in range(len(f)):
        if count[i] <= 0:
            reasons.append(None)
            continue
        sites = listed[i] if isinstance(listed[i], list | tuple) else ()
        where_zh = "，".join(f"{s} 距学校 {m:.0f} 米" for s, m in sites)
        where_en = ", ".join(f"{s} at {m:.0f} m" for s, m in sites)
        reasons.append((f"{legal:.0f} 米内有网吧 {count[i]} 处（{where_zh}），违反《互联网上网服务"
                        "营业场所管理条例》第九条",
                        f"{count[i]} internet café(s) within {legal:.0f} m ({where_en}), in breach "
                        "of Article 9 of the Regulations on Internet Access Service Premises"))
    return np.where(count > 0, w, 0.0), reasons


def score_campuses(features: pd.DataFrame, *, config: ScoringConfig,
                   coverage: CoverageConfig | None = None,
                   duty_windows: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Score every school from its assessed features.

    Parameters
    ----------
    features : DataFrame
        One row per school with the columns the components read (``response_s`` in seconds,
        ``posts_within_5min``, ``gate_camera_share`` in 0–1, ``police_<window>``, ``guards``,
        ``guards_required``, the technical items, ``risk_index``, ``violations`` …) and the
        checklist fields the mandatory rules read. A missing column reads as blank.
    config : ScoringConfig
        Weights, thresholds, mandatory rules.
    coverage : CoverageConfig, optional
        Gate-zone radius, networked share, café distance, guard rules, required windows
        (defaults when omitted).
    duty_windows : tuple of str, optional
        Windows whose missing police presence deducts (``coverage.duty_required_windows``).

    Returns
    -------
    DataFrame
        ``features`` plus ``deduct_<component>`` (points), ``score`` (0–100, one decimal),
        ``level`` (good/weak/critical), ``mandatory_breaches`` and ``unreported`` (``;``-separated
        rule keys), ``reasons_zh`` and ``reasons_en`` (mandatory breaches first, then deductions,
        largest first, then notes; joined by "；" / "; ") and ``reason_count``.
    """
    cov = coverage if coverage is not None else CoverageConfig()
    windows = tuple(duty_windows) if duty_windows is not None else cov.duty_required_windows
    components: dict[str, Component] = {
        "response": deduct_response, "redundancy": deduct_redundancy, "camera": deduct_camera,
        "peak_duty": make_duty_deduction(windows), "guards": deduct_guards,
        "tech_defence": deduct_tech_defence, "risks": deduct_risks,
        "violations": deduct_violations,
    }
    out = features.copy()
    n = len(out)
    total = np.zeros(n)
    per_row: list[list[tuple[float, Reason]]] = [[] for _ in range(n)]
    notes: list[list[Reason]] = [[] for _ in range(n)]
    for name, fn in components.items():
        deduction, reasons = fn(out, config, cov)
        deduction = np.round(np.asarray(deduction, dtype=float), 2)
        out[f"deduct_{name}"] = deduction
        total += deduction
        for i, reason in enumerate(reasons):
            if reason is None:
                continue
            if deduction[i] > 0:
                per_row[i].append((float(deduction[i]), reason))
            else:
                notes[i].append(reason)
    score = np.round(np.clip(100.0 - total, 0.0, 100.0), 1)
    level = np.where(score >= config.good_min, "good",
                     np.where(score >= config.weak_min, "weak", "critical")).astype(object)
    mandatory = check_mandatory(out, scoring=config, coverage=cov)
    breached = mandatory.breaches.to_numpy(dtype=bool).any(axis=1) if mandatory.breaches.shape[1] \
        else np.zeros(n, dtype=bool)
    cap = LEVELS.index(config.mandatory_max_level)
    capped = breached & np.array([LEVELS.index(v) < cap for v in level], dtype=bool)
    level[capped] = config.mandatory_max_level
    # The café rule also caps through violation_max_level when it is not in the mandatory list.
    if "internet_cafe" not in config.mandatory and config.violation_max_level in LEVELS:
        vcap = LEVELS.index(config.violation_max_level)
        hit = (out["deduct_violations"].to_numpy() > 0) & np.array(
            [LEVELS.index(v) < vcap for v in level], dtype=bool)
        level[hit] = config.violation_max_level
        capped = capped | hit
    out["score"] = score
    out["level"] = level
    out["mandatory_breaches"] = mandatory.breach_keys()
    out["unreported"] = mandatory.unreported_keys()
    cap_note = (f"评级因此不高于“{LEVEL_ZH[config.mandatory_max_level]}”",
                f"so the level is capped at {config.mandatory_max_level}")
    rows_zh, rows_en, counts = [], [], []
    for i in range(n):
        first = [r for r in mandatory.reasons[i] if r[0].startswith("必须")]
        later = [r for r in mandatory.reasons[i] if not r[0].startswith("必须")]
        if capped[i] and first:
            first[-1] = (first[-1][0] + "，" + cap_note[0], first[-1][1] + ", " + cap_note[1])
        elif capped[i]:  # capped by the café rule outside the mandatory list
            first = [cap_note]
        ordered = [*first, *(r for _, r in sorted(per_row[i], key=lambda t: -t[0])), *later, *notes[i]]
        rows_zh.append("；".join(r[0] for r in ordered))
        rows_en.append("; ".join(r[1] for r in ordered))
        counts.append(len(ordered))
    out["reasons_zh"] = rows_zh
    out["reasons_en"] = rows_en
    out["reason_count"] = counts
    return out
