"""Typed views of the ``[coverage]`` and ``[scoring]`` sections of the settings.

Distances are metres, times seconds, shares fractions in ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gis.config import Settings, load_settings
from gis.errors import ValidationError

CAMERA_FIELDS = ("direction_deg", "fov_deg", "range_m")


@dataclass(frozen=True)
class GuardRules:
    """Full-time guard requirement (县局: 城区 2–4 名; 乡镇农村 100 人以上 ≥2 名; 寄宿制 24 小时值守)."""

    urban_min: int = 2
    urban_max: int = 4
    town_rural_min: int = 2
    town_rural_enrollment_threshold: int = 100
    town_rural_small_min: int = 0
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

    def camera_default(self, owner: str | None, name: str) -> float:
        """Default value of ``name`` (one of ``direction_deg, fov_deg, range_m``) for an owner."""
        by_owner = self.camera_defaults.get(owner) if owner else None
        if isinstance(by_owner, dict) and name in by_owner:
            return float(by_owner[name])
        return float(self.camera_defaults[name])


@dataclass(frozen=True)
class ScoringConfig:
    """Weights (points deducted at most) and thresholds of the campus score."""

    good_min: float = 75.0
    weak_min: float = 50.0
    violation_max_level: str = "weak"
    weights: dict[str, float] = field(default_factory=lambda: {
        "response": 25, "redundancy": 10, "camera": 15, "peak_duty": 15,
        "guards": 10, "tech_defence": 10, "risks": 10, "violations": 5})
    response_good_s: float = 180.0
    response_limit_s: float = 300.0
    redundancy_posts_within_5min: int = 2
    camera_good_share: float = 0.9
    risk_level_weights: tuple[float, ...] = (1.0, 2.0, 4.0)
    risk_full_index: float = 8.0


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings()


def coverage_config(settings: Settings | None = None) -> CoverageConfig:
    """Build a :class:`CoverageConfig` from ``settings.section("coverage")``."""
    sec = _settings(settings).section("coverage")
    guards = GuardRules(**sec.pop("guards", {}))
    for key in ("duty_required_windows", "risk_bands_m", "risk_band_weights",
                "internet_cafe_protected_kinds"):
        if key in sec:
            sec[key] = tuple(sec[key])
    cfg = CoverageConfig(guards=guards, **sec)
    if len(cfg.risk_bands_m) != len(cfg.risk_band_weights):
        msg = ("配置 [coverage] risk_bands_m 与 risk_band_weights 长度不一致 / "
               "[coverage] risk_bands_m and risk_band_weights must have the same length")
        raise ValidationError(msg)
    return cfg


def scoring_config(settings: Settings | None = None) -> ScoringConfig:
    """Build a :class:`ScoringConfig` from ``settings.section("scoring")``."""
    sec = _settings(settings).section("scoring")
    thresholds = sec.pop("thresholds", {})
    if "risk_level_weights" in thresholds:
        thresholds["risk_level_weights"] = tuple(float(v) for v in thresholds["risk_level_weights"])
    weights = ScoringConfig().weights | {k: float(v) for k, v in sec.pop("weights", {}).items()}
    return ScoringConfig(weights=weights, **sec, **thresholds)
