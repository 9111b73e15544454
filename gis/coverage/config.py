"""Typed views of the ``[coverage]``, ``[scoring]`` and ``[compliance]`` sections of the settings.

Distances are metres, times seconds, shares fractions in ``[0, 1]``. Each object is built with
``from_settings`` (defaults loaded when ``settings`` is None); an unknown key is refused with a
:class:`gis.errors.ConfigError` naming the section and the key (see :func:`gis.config.check_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gis.config import Settings, check_keys, load_settings, typed_section
from gis.errors import ConfigError
from gis.schema import AREA_TYPES

CAMERA_FIELDS = ("direction_deg", "fov_deg", "range_m")
LEVELS = ("good", "weak", "critical")
# What the seeds make mandatory (必须), in the order reasons list them (gis.coverage.mandatory).
MANDATORY_RULES = ("guards", "gatekeeper", "gate_video", "one_click_alarm", "boarding_duty",
                   "police_at_gate", "armed_at_high_risk", "internet_cafe")
COMPONENTS = ("response", "redundancy", "camera", "peak_duty", "guards", "tech_defence", "risks",
              "violations")
RATES = ("techdef_rate", "networked_rate", "guard_rate", "police_am_rate", "police_pm_rate",
         "alarm_rate")


@dataclass(frozen=True)
class GuardRules:
    """Full-time guard requirement (县局方案: 城区 2–4 名; 乡镇农村 100 人以上及治安状况复杂学校 ≥2 名)."""

    urban_min: int = 2
    urban_max: int = 4
    town_rural_min: int = 2
    town_rural_enrollment_threshold: int = 100
    town_rural_small_min: int = 0
    complex_area_min: int = 2
    boarding_extra: int = 1
    default_area_type: str = "town"


@dataclass(frozen=True)
class CoverageConfig:
    """Options of the coverage analyses (metres unless stated)."""

    gate_zone_m: float = 30.0
    networked_required_share: float = 1.0
    duty_search_m: float = 150.0
    unstaffed_gap_m: float = 300.0
    duty_required_windows: tuple[str, ...] = ("am", "pm")
    risk_bands_m: tuple[float, ...] = (200.0, 500.0)
    risk_band_weights: tuple[float, ...] = (1.0, 0.5)
    internet_cafe_min_distance_m: float = 200.0
    internet_cafe_protected_kinds: tuple[str, ...] = ("primary", "junior", "senior", "nine_year")
    sector_segments: int = 48
    camera_defaults: dict[str, Any] = field(default_factory=lambda: {
        "fov_deg": 90.0, "range_m": 40.0, "direction_deg": 0.0})
    guards: GuardRules = field(default_factory=GuardRules)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CoverageConfig:
        """Build from ``[coverage]`` (and ``[coverage.guards]``, ``[coverage.camera_defaults]``)."""
        sec = (settings if settings is not None else load_settings()).section("coverage")
        cams = sec.get("camera_defaults", {})
        check_keys("coverage.camera_defaults", cams, (*CAMERA_FIELDS, "school", "police", "shop"))
        for owner in ("school", "police", "shop"):
            if isinstance(cams.get(owner), dict):
                check_keys(f"coverage.camera_defaults.{owner}", cams[owner], CAMERA_FIELDS)
        cfg = typed_section(cls, "coverage", sec, camera_defaults=CoverageConfig().camera_defaults | cams)
        if len(cfg.risk_bands_m) != len(cfg.risk_band_weights):
            msg = ("配置 [coverage] risk_bands_m 与 risk_band_weights 长度不一致 / "
                   "[coverage] risk_bands_m and risk_band_weights must have the same length")
            raise ConfigError(msg)
        bad = [w for w in cfg.duty_required_windows if w not in ("am", "noon", "pm")]
        if bad:
            msg = (f"配置 [coverage] duty_required_windows 只能是 am、noon、pm，收到 {bad} / "
                   f"[coverage] duty_required_windows takes am, noon, pm; got {bad}")
            raise ConfigError(msg)
        return cfg

    def camera_default(self, owner: str | None, name: str) -> float:
        """Default value of ``name`` (one of ``direction_deg, fov_deg, range_m``) for an owner."""
        by_owner = self.camera_defaults.get(owner) if owner else None
        if isinstance(by_owner, dict) and name in by_owner:
            return float(by_owner[name])
        return float(self.camera_defaults[name])


@dataclass(frozen=True)
class ScoringConfig:
    """Weights (points deducted at most), thresholds and mandatory rules of the campus score.

    Attributes
    ----------
    response_good_s : float
        The 3-minute target (seconds): no response deduction within it; also the KPI tiles'
        "reached within" limit.
    response_limit_s : float
        The local 5-minute target (本地目标, seconds; the 1-3-5 快速反应圈 practice, not a
        national standard): the full response deduction beyond it; redundancy counts posts
        arriving within it.
    mandatory : tuple of str
        Rules of :data:`MANDATORY_RULES` whose breach caps the level at ``mandatory_max_level``.
    gate_video_min_share : float
        The mandatory "video covers the gate" rule: every gate point must be seen by a working
        camera, and the gate zones at least this share (0 = the gate points alone decide).
    unreported_share : float
        An item left blank (未填报) deducts this share of what a missing item deducts.
    """

    good_min: float = 75.0
    weak_min: float = 50.0
    violation_max_level: str = "weak"
    mandatory_max_level: str = "weak"
    mandatory: tuple[str, ...] = MANDATORY_RULES
    weights: dict[str, float] = field(default_factory=lambda: {
        "response": 25, "redundancy": 10, "camera": 15, "peak_duty": 15,
        "guards": 10, "tech_defence": 10, "risks": 10, "violations": 5})
    response_good_s: float = 180.0
    response_limit_s: float = 300.0
    redundancy_posts_within_5min: int = 2
    camera_good_share: float = 0.9
    gate_video_min_share: float = 0.0
    unreported_share: float = 0.5
    risk_level_weights: tuple[float, ...] = (1.0, 2.0, 4.0)
    risk_full_index: float = 8.0

    THRESHOLD_KEYS = ("response_good_s", "response_limit_s", "redundancy_posts_within_5min",
                      "camera_good_share", "gate_video_min_share", "unreported_share",
                      "risk_level_weights", "risk_full_index")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ScoringConfig:
        """Build from ``[scoring]``, ``[scoring.weights]`` and ``[scoring.thresholds]``."""
        sec = (settings if settings is not None else load_settings()).section("scoring")
        thresholds = sec.pop("thresholds", {})
        weights = sec.pop("weights", {})
        check_keys("scoring.thresholds", thresholds, cls.THRESHOLD_KEYS)
        check_keys("scoring.weights", weights, COMPONENTS)
        for key in [k for k in thresholds if k not in cls.THRESHOLD_KEYS]:
            thresholds.pop(key)  # declared by the shipped defaults for another package
        merged = {**sec, **thresholds}
        cfg = typed_section(cls, "scoring", merged, weights=ScoringConfig().weights | {
            k: float(v) for k, v in weights.items() if k in COMPONENTS})
        for key in ("violation_max_level", "mandatory_max_level"):
            if getattr(cfg, key) not in LEVELS:
                msg = (f"配置 [scoring] {key} 须为 good、weak 或 critical，收到 {getattr(cfg, key)!r} / "
                       f"[scoring] {key} must be good, weak or critical")
                raise ConfigError(msg)
        unknown = [r for r in cfg.mandatory if r not in MANDATORY_RULES]
        if unknown:
            msg = (f"配置 [scoring] mandatory 中有未知规则 {unknown}（可用：{', '.join(MANDATORY_RULES)}） / "
                   f"unknown mandatory rule(s) {unknown}; known: {', '.join(MANDATORY_RULES)}")
            raise ConfigError(msg)
        if not cfg.response_good_s < cfg.response_limit_s:
            msg = ("配置 [scoring.thresholds] response_good_s 应小于 response_limit_s / "
                   "[scoring.thresholds] response_good_s must be below response_limit_s")
            raise ConfigError(msg)
        return cfg

    @property
    def good_minutes(self) -> float:
        """The response target in minutes (3)."""
        return self.response_good_s / 60.0

    @property
    def limit_minutes(self) -> float:
        """The local response target in minutes (5, 本地目标)."""
        return self.response_limit_s / 60.0


@dataclass(frozen=True)
class ComplianceConfig:
    """Targets of the compliance rates per area type (``[compliance]``, shares 0–1).

    An area type left out of a rate's table has no fixed target (the seeds ask rural campuses
    to improve "on the existing basis", 农村校园在现有基础上逐步提高).
    """

    techdef_rate: dict[str, float] = field(default_factory=lambda: {"urban": 0.8, "town": 1.0})
    networked_rate: dict[str, float] = field(default_factory=lambda: {"urban": 0.8, "town": 1.0})
    guard_rate: dict[str, float] = field(default_factory=lambda: dict.fromkeys(AREA_TYPES, 1.0))
    police_am_rate: dict[str, float] = field(default_factory=lambda: dict.fromkeys(AREA_TYPES, 1.0))
    police_pm_rate: dict[str, float] = field(default_factory=lambda: dict.fromkeys(AREA_TYPES, 1.0))
    alarm_rate: dict[str, float] = field(default_factory=lambda: dict.fromkeys(AREA_TYPES, 1.0))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ComplianceConfig:
        """Build from ``[compliance]`` (one inline table ``{urban = …, town = …}`` per rate)."""
        sec = (settings if settings is not None else load_settings()).section("compliance")
        check_keys("compliance", sec, RATES)
        values: dict[str, dict[str, float]] = {}
        for name in RATES:
            if name not in sec:
                continue
            table = sec[name]
            if not isinstance(table, dict):
                msg = (f"配置 [compliance] {name} 应为 {{ urban = 0.8, town = 1.0 }} 形式 / "
                       f"[compliance] {name} must be a table like {{ urban = 0.8, town = 1.0 }}")
                raise ConfigError(msg)
            check_keys(f"compliance.{name}", table, AREA_TYPES)
            values[name] = {k: float(v) for k, v in table.items()}
        return cls(**values)

    def target(self, rate: str, area_type: str | None) -> float | None:
        """The target share of ``rate`` for an area type (None: no fixed target)."""
        table = getattr(self, rate)
        if area_type is None:
            return None
        return table.get(area_type)


def coverage_config(settings: Settings | None = None) -> CoverageConfig:
    """Build a :class:`CoverageConfig` (same as ``CoverageConfig.from_settings``)."""
    return CoverageConfig.from_settings(settings)


def scoring_config(settings: Settings | None = None) -> ScoringConfig:
    """Build a :class:`ScoringConfig` (same as ``ScoringConfig.from_settings``)."""
    return ScoringConfig.from_settings(settings)
