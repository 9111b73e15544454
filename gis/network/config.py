"""The ``[network]`` settings as a typed object, and parsing of OSM ``maxspeed`` values.

Speeds are km/h in the TOML and in this object; the graph turns them into seconds.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from gis.config import PROJECT_ROOT, Settings, check_keys, load_settings

PEAKS = ("am", "pm")

# Implicit speed limits written as ``maxspeed=CC:zone`` (km/h). China: 《道路交通安全法实施条例》
# 第四十五、七十八条 (no centre line: 30 urban / 40 highway; one lane each way: 50 / 70;
# motorway max 120). Other countries fall back to the zone suffix.
IMPLICIT_MAXSPEED_KMH: dict[str, float] = {
    "CN:urban": 50.0, "CN:rural": 70.0, "CN:motorway": 120.0, "CN:expressway": 100.0,
    "CN:trunk": 100.0, "CN:living_street": 30.0,
}
ZONE_MAXSPEED_KMH: dict[str, float] = {
    "urban": 50.0, "rural": 80.0, "motorway": 120.0, "trunk": 100.0, "living_street": 10.0,
    "zone30": 30.0, "zone20": 20.0, "walk": 5.0,
}
_NUMBER_UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: Any) -> float | None:
    """Turn an OSM ``maxspeed`` value into km/h, or ``None`` when it says nothing usable.

    Parameters
    ----------
    value : str or number
        ``"50"``, ``"50 km/h"``, ``"30 mph"``, ``"CN:urban"``, ``"60;40"`` (first value), ``"walk"``.
        Numbers ``<= 0`` (e.g. Geofabrik's 0 = unknown), ``"none"``, ``"signals"`` give ``None``.

    Returns
    -------
    float or None
        Speed in km/h.
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        return float(value) if value > 0 else None
    text = str(value).strip()
    if not text:
        return None
    text = text.split(";")[0].strip()
    match = _NUMBER_UNIT.match(text)
    if match:
        speed = float(match.group(1))
        unit = (match.group(2) or "km/h").lower()
        if unit == "mph":
            speed *= 1.609344
        elif unit == "knots":
            speed *= 1.852
        return speed if speed > 0 else None
    if text in IMPLICIT_MAXSPEED_KMH:
        return IMPLICIT_MAXSPEED_KMH[text]
    zone = text.split(":")[-1].lower()
    return ZONE_MAXSPEED_KMH.get(zone)


@dataclass(frozen=True)
class NetworkConfig:
    """Typed ``[network]`` section.

    Attributes
    ----------
    speeds_kmh : dict
        Free-flow speed per road class (km/h).
    default_speed_kmh : float
        Speed of a drivable class missing from ``speeds_kmh``.
    access_speed_kmh : float
        Speed of the off-road leg between a point and its snapped position.
    max_snap_m : float
        Points farther than this (metres) from every road are reported as off-network.
    walk_against_oneway_m : float
        Metres a snapped point may be walked (at ``access_speed_kmh``) against a closed
        one-way direction of its own segment, to that segment's end or to another point on
        it: a kiosk just past a gate on a one-way street walks back rather than driving
        round the block. 0 keeps one-way streets closed to the walk as well.
    nominal_speed_kmh : float
        Speed behind the naive circle: radius = minutes × 60 × speed / 3.6 (metres).
    bands_minutes : tuple of float
        Default reach bands (minutes).
    reach_buffer_m : float
        Half-width (metres) of the corridor drawn around reached road pieces.
    reach_cell_m : float
        Grid cell (metres) on which reach polygons are traced.
    cache_dir : Path
        Where built graphs are cached (absolute; relative paths are taken from the project root).
    peak_factors : dict
        ``{"am": {class: factor, "default": f}, "pm": {...}}``; peak speed = free-flow × factor.
    default_road_class : str
        OSM ``highway`` class given to every line of a road layer that has no class column
        (a county's own drawn roads, roads traced from imagery); a warning names it.
    min_main_share : float
        Share (0–1) of the road length the largest connected part must keep; below it the
        road data is reported as fragmented (summary, map, stranded schools and posts).
    """

    speeds_kmh: dict[str, float] = field(default_factory=dict)
    default_speed_kmh: float = 30.0
    access_speed_kmh: float = 5.0
    max_snap_m: float = 300.0
    walk_against_oneway_m: float = 100.0
    nominal_speed_kmh: float = 30.0
    bands_minutes: tuple[float, ...] = (1, 3, 5)
    reach_buffer_m: float = 25.0
    reach_cell_m: float = 8.0
    cache_dir: Path = PROJECT_ROOT / "data" / "cache"
    peak_factors: dict[str, dict[str, float]] = field(default_factory=dict)
    default_road_class: str = "residential"
    min_main_share: float = 0.8

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> NetworkConfig:
        """Build from ``settings.section("network")`` (defaults loaded when ``None``)."""
        section = (settings or load_settings()).section("network")
        check_keys("network", section, [f.name for f in fields(cls)])
        cache_dir = Path(section.get("cache_dir", "data/cache"))
        if not cache_dir.is_absolute():
            cache_dir = PROJECT_ROOT / cache_dir
        return cls(
            speeds_kmh={k: float(v) for k, v in section.get("speeds_kmh", {}).items()},
            default_speed_kmh=float(section.get("default_speed_kmh", 30)),
            access_speed_kmh=float(section.get("access_speed_kmh", 5)),
            max_snap_m=float(section.get("max_snap_m", 300)),
            walk_against_oneway_m=float(section.get("walk_against_oneway_m", 100)),
            nominal_speed_kmh=float(section.get("nominal_speed_kmh", 30)),
            bands_minutes=tuple(float(m) for m in section.get("bands_minutes", (1, 3, 5))),
            reach_buffer_m=float(section.get("reach_buffer_m", 25)),
            reach_cell_m=float(section.get("reach_cell_m", 8)),
            cache_dir=cache_dir,
            peak_factors={p: {k: float(v) for k, v in f.items()}
                          for p, f in section.get("peak_factors", {}).items()},
            default_road_class=str(section.get("default_road_class", "residential")).strip().lower(),
            min_main_share=float(section.get("min_main_share", 0.8)),
        )

    def speed_for(self, highway: str) -> float:
        """Free-flow speed (km/h) of a road class."""
        return self.speeds_kmh.get(highway, self.default_speed_kmh)

    def peak_factor(self, peak: str, highway: str) -> float:
        """Peak factor of a class (1.0 when the peak has no table)."""
        table = self.peak_factors.get(peak, {})
        base = highway.removesuffix("_link")
        return table.get(highway, table.get(base, table.get("default", 1.0)))

    def graph_fingerprint(self) -> str:
        """Hash of what changes a built graph (speeds and peak factors), for cache keys."""
        blob = json.dumps({"speeds": self.speeds_kmh, "default": self.default_speed_kmh,
                           "peaks": self.peak_factors, "class": self.default_road_class,
                           "main_share": self.min_main_share}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
