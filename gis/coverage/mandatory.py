"""What the seeds make mandatory (必须): each rule, its source, and who breaches it.

A breach caps the campus level at ``[scoring] mandatory_max_level`` whatever the points say
(:func:`gis.coverage.score.score_campuses` applies the cap); its reason names the rule and the
document it comes from, with the school's own figures. A rule whose data is blank is *not*
breached and *not* passed: it is reported as 未填报 (``unreported``), so missing data is never
silently scored as the worst or the best case.

Rules (keys of ``[scoring] mandatory``):

=====================  ==========================================================================
``guards``             县公安局专项行动实施方案: 城区 2–4 名专职保安员; 乡镇农村 100 名学生以上及
                       治安状况复杂学校 2 名以上 (寄宿制增配)
``gatekeeper``         《中小学幼儿园安全防范工作规范（试行）》: 配备专职门卫
``gate_video``         县局方案 / GB/T 29315: 视频监控全面无死角 (breached below
                       ``gate_video_min_share`` of a gate zone seen)
``one_click_alarm``    《“护校安园”行动工作方案》: 校园配备一键式报警设施
``boarding_duty``      县局方案: 寄宿制学校确保 24 小时有人值班
``police_at_gate``     《中小学幼儿园“护校安园”专项行动实施方案》: 上学放学时段校园门口“见警察”
                       (police or auxiliary police only)
``armed_at_high_risk`` 《“护校安园”行动工作方案》: 重点守护校园高峰勤务时段派出携带武器的警力
``internet_cafe``      《互联网上网服务营业场所管理条例》第九条: 200 米内不得设立网吧
=====================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gis.coverage.config import MANDATORY_RULES, CoverageConfig, ScoringConfig
from gis.coverage.duty import WINDOW_EN, WINDOW_ZH
from gis.coverage.values import known_flags, numbers

Reason = tuple[str, str]

COUNTY_PLAN = ("县公安局《中小学幼儿园安全防范工作专项行动实施方案》",
               "the county police's special action plan on school safety")
NORM = ("《中小学幼儿园安全防范工作规范（试行）》", "the Work Norms for School Safety (trial)")
TECH_STANDARD = ("县公安局方案及《中小学、幼儿园安全技术防范系统要求》（GB/T 29315）",
                 "the county plan and GB/T 29315 (technical defence of schools)")
CAMPAIGN = ("《“护校安园”行动工作方案》", "the 护校安园 campaign plan")
SPECIAL_ACTION = ("《中小学幼儿园“护校安园”专项行动实施方案》", "the 护校安园 special action plan")
CAFE_LAW = ("《互联网上网服务营业场所管理条例》第九条",
            "Article 9 of the Regulations on Internet Access Service Premises")

# rule -> (short title zh, en, source)
RULES: dict[str, tuple[str, str, tuple[str, str]]] = {
    "guards": ("专职保安员配备", "full-time guards", COUNTY_PLAN),
    "gatekeeper": ("专职门卫", "a full-time gatekeeper", NORM),
    "gate_video": ("校门视频监控", "video at the gate", TECH_STANDARD),
    "one_click_alarm": ("一键式报警", "one-click alarm", CAMPAIGN),
    "boarding_duty": ("寄宿制24小时值班", "24-hour duty at a boarding school", COUNTY_PLAN),
    "police_at_gate": ("高峰时段校门“见警察”", "police at the gate in the peaks", SPECIAL_ACTION),
    "armed_at_high_risk": ("重点守护校园携枪警力", "armed police at a high-risk campus", CAMPAIGN),
    "internet_cafe": ("校园周边200米内无网吧", "no internet café within 200 m", CAFE_LAW),
}
if tuple(RULES) != MANDATORY_RULES:  # one list of rules, in one order
    raise ImportError("gis.coverage.mandatory.RULES and config.MANDATORY_RULES differ")

UNREPORTED_ZH = {
    "guards": "专职保安人数", "gatekeepers": "专职门卫人数", "one_click_alarm": "一键报警",
    "night_duty_24h": "24小时值班", "enrollment": "在校人数",
}


@dataclass(frozen=True)
class MandatoryResult:
    """Per school (same index as the features): which rules are breached, which unreported.

    Attributes
    ----------
    breaches : DataFrame
        One boolean column per rule of ``[scoring] mandatory``.
    unreported : DataFrame
        One boolean column per rule: its data is blank (未填报), so it was not judged.
    reasons : list of list of (zh, en)
        Per school, the breach reasons then the 未填报 notes, in rule order.
    """

    breaches: pd.DataFrame
    unreported: pd.DataFrame
    reasons: list[list[Reason]]

    def breach_keys(self) -> list[str]:
        """``;``-separated breached rule keys per school (empty when none)."""
        cols = list(self.breaches.columns)
        values = self.breaches.to_numpy(dtype=bool)
        return [";".join(c for c, hit in zip(cols, row, strict=True) if hit) for row in values]

    def unreported_keys(self) -> list[str]:
        """``;``-separated rule keys left unjudged for blank data, per school."""
        cols = list(self.unreported.columns)
        values = self.unreported.to_numpy(dtype=bool)
        return [";".join(c for c, hit in zip(cols, row, strict=True) if hit) for row in values]


def _source(rule: str) -> tuple[str, str]:
    return RULES[rule][2]


def _breach(rule: str, zh: str, en: str) -> Reason:
    src_zh, src_en = _source(rule)
    return (f"必须：依{src_zh}，{zh}", f"Mandatory: per {src_en}, {en}")


def _unreported(rule: str, field_zh: str, field_en: str) -> Reason:
    title_zh, title_en, _ = RULES[rule]
    return (f"未填报：{field_zh}未填报，无法判定“{title_zh}”是否达标，请补录",
            f"Not reported: {field_en} is blank, so '{title_en}' cannot be judged; fill it in")


def _guard_rule_text(area: str, complex_area: bool, enrollment: float, required: int, extra: int,
                     rules) -> tuple[str, str]:
    if area == "urban":
        zh = f"城区学校须配备 {rules.urban_min}–{rules.urban_max} 名专职保安员"
        en = f"an urban school needs {rules.urban_min}-{rules.urban_max} full-time guards"
    elif complex_area:
        zh = f"治安状况复杂学校须配备 {rules.complex_area_min} 名以上专职保安员"
        en = f"a school in a complex area needs at least {rules.complex_area_min} full-time guards"
    else:
        zh = (f"乡镇农村 {rules.town_rural_enrollment_threshold} 名学生以上学校须配备 "
              f"{rules.town_rural_min} 名以上专职保安员")
        en = (f"a town/rural school of {rules.town_rural_enrollment_threshold}+ pupils needs at least "
              f"{rules.town_rural_min} full-time guards")
    if extra:
        zh += f"（寄宿制增配 {extra} 名，共需 {required} 名）"
        en += f" (+{extra} for boarding: {required} in all)"
    return zh, en


def gate_video_ok(features: pd.DataFrame, scoring: ScoringConfig) -> np.ndarray:
    """Video covers the gate: every gate point seen by a working camera and the gate zones seen
    at least ``gate_video_min_share`` (a school with no gate count column: the share alone)."""
    share = np.nan_to_num(numbers(features, "gate_camera_share"), nan=0.0)
    unseen = np.nan_to_num(numbers(features, "gates_unseen"), nan=0.0)
    cams = numbers(features, "gate_cameras")
    no_camera = ~np.isnan(cams) & (cams <= 0)
    return (unseen == 0) & ~no_camera & (share >= scoring.gate_video_min_share - 1e-9)


def check_mandatory(features: pd.DataFrame, *, scoring: ScoringConfig,
                    coverage: CoverageConfig) -> MandatoryResult:
    """Judge every mandatory rule of ``scoring.mandatory`` for every school.

    Parameters
    ----------
    features : DataFrame
        One row per school with the assessed columns: ``area_type``, ``enrollment``,
        ``complex_area``, ``high_risk``, ``boarding``, ``guards``, ``guards_required``,
        ``gatekeepers``, ``gate_camera_share`` (0–1), ``gate_zone_m2``/``covered_m2`` (m²),
        ``one_click_alarm``, ``night_duty_24h``, ``police_<w>``/``other_<w>``/``armed_<w>`` per
        window, ``violations`` and ``violation_list`` (site id, metres).
    scoring, coverage : config objects
        The rule list and ``gate_video_min_share``; guard rules, required windows, café distance.

    Returns
    -------
    MandatoryResult
    """
    n = len(features)
    rules = coverage.guards
    active = [r for r in MANDATORY_RULES if r in scoring.mandatory]
    breaches = {r: np.zeros(n, dtype=bool) for r in active}
    unreported = {r: np.zeros(n, dtype=bool) for r in active}
    reasons: list[list[Reason]] = [[] for _ in range(n)]

    def note(rule: str, i: int, reason: Reason, *, missing: bool = False) -> None:
        (unreported if missing else breaches)[rule][i] = True
        reasons[i].append(reason)

    area = (features["area_type"].fillna(rules.default_area_type).astype(str).to_numpy()
            if "area_type" in features.columns else np.full(n, rules.default_area_type))
    complex_area, _ = known_flags(features, "complex_area")
    boarding, _ = known_flags(features, "boarding")
    enrollment = numbers(features, "enrollment")

    if "guards" in breaches:
        guards = numbers(features, "guards")
        required = np.nan_to_num(numbers(features, "guards_required"), nan=0.0)
        for i in range(n):
            if required[i] <= 0:
                continue
            extra = rules.boarding_extra if boarding[i] else 0
            zh, en = _guard_rule_text(area[i], bool(complex_area[i]), enrollment[i], int(required[i]),
                                      extra, rules)
            if np.isnan(guards[i]):
                note("guards", i, _unreported("guards", "专职保安人数", "the number of guards"),
                     missing=True)
            elif guards[i] < required[i]:
                note("guards", i, _breach("guards", f"{zh}，现有 {int(guards[i])} 名",
                                          f"{en}; it has {int(guards[i])}"))

    if "gatekeeper" in breaches:
        keepers = numbers(features, "gatekeepers")
        for i in range(n):
            if np.isnan(keepers[i]):
                note("gatekeeper", i, _unreported("gatekeeper", "专职门卫人数", "the number of gatekeepers"),
                     missing=True)
            elif keepers[i] < 1:
                note("gatekeeper", i, _breach("gatekeeper", "学校须配备专职门卫，现有 0 名",
                                              "every school needs a full-time gatekeeper; it has none"))

    if "gate_video" in breaches:
        share = np.nan_to_num(numbers(features, "gate_camera_share"), nan=0.0)
        blind = np.nan_to_num(numbers(features, "gate_zone_m2") - numbers(features, "covered_m2"), nan=0.0)
        unseen = np.nan_to_num(numbers(features, "gates_unseen"), nan=0.0).astype(int)
        floor = scoring.gate_video_min_share
        for i in np.flatnonzero(~gate_video_ok(features, scoring)):
            what_zh = f"{unseen[i]} 个校门不在任何正常摄像机视野内，" if unseen[i] else ""
            what_en = f"{unseen[i]} gate(s) seen by no working camera; " if unseen[i] else ""
            low_zh = f"（低于 {floor:.0%}）" if share[i] < floor - 1e-9 else ""
            low_en = f" (below {floor:.0%})" if share[i] < floor - 1e-9 else ""
            note("gate_video", i, _breach(
                "gate_video",
                f"校门须有视频监控覆盖（全面无死角），{what_zh}校门区域视频覆盖率 {share[i]:.0%}{low_zh}，"
                f"盲区 {blind[i]:.0f} 平方米",
                f"the gate must be under video (no blind spots); {what_en}{share[i]:.0%} of the gate "
                f"zone seen{low_en}, blind area {blind[i]:.0f} m²"))

    if "one_click_alarm" in breaches:
        alarm, known = known_flags(features, "one_click_alarm")
        for i in range(n):
            if not known[i]:
                note("one_click_alarm", i, _unreported("one_click_alarm", "一键报警", "one-click alarm"),
                     missing=True)
            elif not alarm[i]:
                note("one_click_alarm", i, _breach(
                    "one_click_alarm", "校园须配备与公安联动的一键式报警设施，该校未配备",
                    "the campus needs a one-click alarm linked to the police; it has none"))

    if "boarding_duty" in breaches:
        duty, known = known_flags(features, "night_duty_24h")
        for i in np.flatnonzero(boarding):
            if not known[i]:
                note("boarding_duty", i, _unreported("boarding_duty", "24小时值班", "24-hour duty"),
                     missing=True)
            elif not duty[i]:
                note("boarding_duty", i, _breach(
                    "boarding_duty", "寄宿制学校须确保 24 小时有人值班，该校未落实",
                    "a boarding school must keep 24-hour duty; it does not"))

    windows = [w for w in coverage.duty_required_windows if w in WINDOW_ZH]
    if "police_at_gate" in breaches:
        police = {w: known_flags(features, f"police_{w}")[0] for w in windows}
        other = {w: np.nan_to_num(numbers(features, f"other_{w}"), nan=0.0).astype(int) for w in windows}
        for i in range(n):
            miss = [w for w in windows if not police[w][i]]
            if not miss:
                continue
            zh = "、".join(WINDOW_ZH[w] for w in miss)
            en = " and ".join(WINDOW_EN[w] for w in miss)
            beside = max(other[w][i] for w in miss)
            extra_zh = f"（仅有保安或志愿者 {beside} 处，不计为“见警察”）" if beside else ""
            extra_en = f" (only guards or volunteers at {beside} post(s), not counted)" if beside else ""
            note("police_at_gate", i, _breach(
                "police_at_gate", f"上学放学时段校园门口须“见警察”，{zh}无民警或辅警在岗{extra_zh}",
                f"police must be at the gate at arrival and dismissal; none (police or auxiliary) at "
                f"the {en}{extra_en}"))

    if "armed_at_high_risk" in breaches:
        high, _ = known_flags(features, "high_risk")
        armed = {w: known_flags(features, f"armed_{w}")[0] for w in windows}
        for i in np.flatnonzero(high):
            miss = [w for w in windows if not armed[w][i]]
            if miss:
                note("armed_at_high_risk", i, _breach(
                    "armed_at_high_risk",
                    f"重点守护校园高峰勤务时段须有携带武器的警力，{'、'.join(WINDOW_ZH[w] for w in miss)}没有",
                    f"a high-risk campus needs armed police in the peaks; none at the "
                    f"{' and '.join(WINDOW_EN[w] for w in miss)}"))

    if "internet_cafe" in breaches:
        count = np.nan_to_num(numbers(features, "violations"), nan=0.0).astype(int)
        listed = (features["violation_list"].tolist() if "violation_list" in features.columns
                  else [()] * n)
        legal = coverage.internet_cafe_min_distance_m
        for i in np.flatnonzero(count > 0):
            sites = listed[i] if isinstance(listed[i], list | tuple) else ()
            where_zh = "，".join(f"{s} 距学校 {m:.0f} 米" for s, m in sites)
            where_en = ", ".join(f"{s} at {m:.0f} m" for s, m in sites)
            note("internet_cafe", i, _breach(
                "internet_cafe", f"中小学校 {legal:.0f} 米内不得设立网吧，现有 {count[i]} 处（{where_zh}）",
                f"no internet café within {legal:.0f} m of a school; there are {count[i]} ({where_en})"))

    index = features.index
    return MandatoryResult(pd.DataFrame(breaches, index=index), pd.DataFrame(unreported, index=index),
                           reasons)
