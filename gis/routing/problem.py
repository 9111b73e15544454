"""The patrol problem: depots (posts), units, stops with time windows, and a travel-time matrix.

The model knows nothing about GeoDataFrames or solvers: ``gis.routing.build`` fills it from the
layers and the road engine, ``gis.routing.solvers`` hands it to PyVRP or OR-Tools, and the tests
build small ones by hand.

Conventions
-----------
* Times are integer seconds since midnight of the duty day.
* ``matrix`` is square over *locations*: the depots first (index ``d``), then the stops
  (index ``len(depots) + i``). ``matrix[a, b]`` is the driving time in seconds from ``a`` to
  ``b`` at the shift's peak speeds; ``inf`` (or NaN) means no path.
* A stop's window bounds the *arrival* (start of the dwell): a unit may arrive earlier and
  wait, never later. The dwell may run past the window's end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gis.errors import ValidationError


@dataclass(frozen=True)
class Depot:
    """A police post units start from and return to."""

    id: str
    name: str
    lon: float = 0.0
    lat: float = 0.0
    kind: str = ""


@dataclass(frozen=True)
class Unit:
    """One patrol unit (a car with its crew) based at ``depot`` (an index into the depots)."""

    id: str
    name: str
    depot: int


@dataclass(frozen=True)
class Stop:
    """A place to be visited: a school's main gate or a risk site.

    Attributes
    ----------
    tw_early, tw_late : int
        Arrival window, seconds since midnight.
    dwell : int
        Seconds spent at the stop.
    mandatory : bool
        Weak and critical schools: must be served, reported when they cannot be.
    points : int
        Priority points collected when an optional stop is served (higher is more urgent).
    """

    id: str
    name: str
    kind: str
    tw_early: int
    tw_late: int
    dwell: int
    mandatory: bool = False
    points: int = 1
    lon: float = 0.0
    lat: float = 0.0
    level: str | None = None
    task_zh: str = ""
    task_en: str = ""
    ref_id: str = ""


@dataclass
class PatrolProblem:
    """Everything the solver needs, plus labels for the sheets.

    Attributes
    ----------
    shift : tuple of int
        Units leave their post at ``shift[0]`` at the earliest and are back by ``shift[1]``.
    max_stops_per_unit : int or None
        Workload cap (balance); ``None`` derives ``ceil(stops / units) + 1``.
    """

    depots: list[Depot]
    units: list[Unit]
    stops: list[Stop]
    matrix: np.ndarray
    shift: tuple[int, int]
    window_label: str = ""
    peak: str | None = None
    max_stops_per_unit: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.depots) + len(self.stops)
        self.matrix = np.asarray(self.matrix, dtype=float)
        if self.matrix.shape != (n, n):
            msg = (f"行程时间矩阵应为 {n}×{n}，实际为 {self.matrix.shape} / "
                   f"travel-time matrix must be {n}x{n}, got {self.matrix.shape}")
            raise ValidationError(msg)
        if not self.units:
            msg = "至少需要一个巡逻单位 / at least one patrol unit is needed"
            raise ValidationError(msg)
        for unit in self.units:
            if not 0 <= unit.depot < len(self.depots):
                msg = f"巡逻单位 {unit.name} 的出发点编号无效 / unit {unit.id} has no valid depot"
                raise ValidationError(msg)

    def stop_loc(self, i: int) -> int:
        """Matrix index of stop ``i``."""
        return len(self.depots) + i

    def unit_cap(self) -> int:
        """Maximum number of stops one unit may take (workload balance)."""
        if self.max_stops_per_unit is not None:
            return int(self.max_stops_per_unit)
        return -(-len(self.stops) // len(self.units)) + 1
