"""The ``[siting]`` settings as a typed object (rejecting unknown keys).

Minutes for reach standards, metres for distances, seconds for solver time limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from gis.config import Settings, load_settings
from gis.errors import ValidationError

SOLVERS = ("highs", "scipy")
LEVELS = ("critical", "weak", "good", "unknown")


def _check_keys(section: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        msg = (f"配置 [{where}] 中有未知项 {', '.join(unknown)}；可用项：{', '.join(sorted(allowed))} / "
               f"unknown keys in [{where}]: {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        raise ValidationError(msg)


def _names(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


@dataclass(frozen=True)
class CameraSiting:
    """Candidate cameras for blind gate zones and campus walls (degrees, metres)."""

    fov_deg: float = 90.0
    range_m: float = 30.0
    directions: int = 12
    pole_spacing_m: float = 8.0
    sample_cell_m: float = 3.0
    search_m: float = 40.0


@dataclass(frozen=True)
class CrossingSiting:
    """护学岗 officer assignment: officers per gate and the weight of a mandatory breach."""

    officers_per_gate: int = 1
    high_risk_officers: int = 2
    mandatory_weight: float = 1_000_000.0


@dataclass(frozen=True)
class SitingConfig:
    """Typed ``[siting]`` section.

    Attributes
    ----------
    minutes : float
        Reach standard T in minutes (a school is reached when a post gets to a gate within it).
    peak : str
        ``"am"`` or ``"pm"``: peak speeds of the covering models.
    candidate_spacing_m : float
        Road points every this many metres; at most one junction per square cell of this size.
    candidate_exclude_classes : tuple of str
        Road classes where no post may be sited.
    max_snap_m : float
        A planner's candidate farther than this (metres) from a road is rejected.
    time_limit_s : float
        MILP time limit in seconds.
    mip_rel_gap : float
        Relative gap at which the solver may stop (0 = prove optimality).
    solver : str
        ``"highs"`` or ``"scipy"``: both HiGHS through ``scipy.optimize.milp``.
    default_enrollment : float
        Enrollment assumed for a school with none on record.
    movable_kinds : tuple of str
        Post kinds a relocation may move.
    new_post_staff : int
        Staff written on a proposed post.
    level_weights : dict
        Weight multiplier per current level (``critical``, ``weak``, ``good``, ``unknown``).
    """

    minutes: float = 3.0
    peak: str = "am"
    candidate_spacing_m: float = 300.0
    candidate_exclude_classes: tuple[str, ...] = ("motorway", "motorway_link", "trunk_link")
    max_snap_m: float = 150.0
    time_limit_s: float = 30.0
    mip_rel_gap: float = 0.0
    solver: str = "highs"
    default_enrollment: float = 200.0
    movable_kinds: tuple[str, ...] = ("kiosk",)
    new_post_staff: int = 2
    level_weights: dict[str, float] = field(default_factory=lambda: {
        "critical": 3.0, "weak": 2.0, "good": 1.0, "unknown": 1.0})
    camera: CameraSiting = field(default_factory=CameraSiting)
    crossing: CrossingSiting = field(default_factory=CrossingSiting)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SitingConfig:
        """Build from ``settings.section("siting")``; unknown keys raise ``ValidationError``."""
        sec = (settings or load_settings()).section("siting")
        _check_keys(sec, _names(cls), "siting")
        camera = sec.pop("camera", {})
        crossing = sec.pop("crossing", {})
        _check_keys(camera, _names(CameraSiting), "siting.camera")
        _check_keys(crossing, _names(CrossingSiting), "siting.crossing")
        weights = sec.pop("level_weights", {})
        _check_keys(weights, set(LEVELS), "siting.level_weights")
        for key in ("candidate_exclude_classes", "movable_kinds"):
            if key in sec:
                sec[key] = tuple(str(v) for v in sec[key])
        cfg = cls(**sec, camera=CameraSiting(**camera), crossing=CrossingSiting(**crossing),
                  level_weights=cls().level_weights | {k: float(v) for k, v in weights.items()})
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raise ``ValidationError`` on values no model can use."""
        problems = []
        if self.minutes <= 0:
            problems.append("minutes > 0")
        if self.peak not in ("am", "pm"):
            problems.append("peak = am / pm")
        if self.candidate_spacing_m <= 0:
            problems.append("candidate_spacing_m > 0")
        if self.time_limit_s <= 0:
            problems.append("time_limit_s > 0")
        if self.solver not in SOLVERS:
            problems.append(f"solver in {SOLVERS}")
        if any(w <= 0 for w in self.level_weights.values()):
            problems.append("level_weights > 0")
        if self.camera.directions < 1 or self.camera.sample_cell_m <= 0:
            problems.append("camera.directions >= 1, camera.sample_cell_m > 0")
        if problems:
            msg = f"配置 [siting] 取值无效，应满足：{'; '.join(problems)} / invalid [siting] values: {'; '.join(problems)}"
            raise ValidationError(msg)

    def level_weight(self, level: Any) -> float:
        """Multiplier of a school's level (``unknown`` for a missing or unknown level)."""
        key = str(level) if isinstance(level, str) and level in self.level_weights else "unknown"
        return float(self.level_weights[key])
