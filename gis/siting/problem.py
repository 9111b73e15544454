"""The covering problems, pure: demands (schools), candidate sites, who covers whom.

Nothing here knows about roads or GeoDataFrames: :mod:`gis.siting.plan` fills a
:class:`CoverProblem` from the layers and the road engine, :mod:`gis.siting.solvers` hands the
MILPs to HiGHS, and the tests build small ones by hand.

Models (``y_j`` = open candidate ``j``, ``x_r`` = keep movable post ``r``, ``z_i`` = demand ``i``
reached; demands already reached by fixed posts are constants and left out):

* **MCLP** — max ``Σ w_i z_i`` s.t. ``z_i ≤ Σ_j a_ij y_j``, ``Σ y_j ≤ K``; ``z`` continuous in
  [0, 1] (integral at the optimum because ``y`` is).
* **Set cover** — min ``Σ y_j`` s.t. ``Σ_j a_ij y_j ≥ 1`` for every demand some candidate can
  reach; the others are returned as *uncoverable*, never made infeasible.
* **Relocation** — max ``Σ w_i z_i`` s.t. ``z_i ≤ Σ_r a_ir x_r + Σ_j a_ij y_j``,
  ``Σ_r (1 − x_r) ≤ M``, ``Σ y_j ≤ Σ_r (1 − x_r)`` (a kiosk moved is a kiosk placed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from gis.errors import ValidationError

MODELS = ("mclp", "setcover", "relocate")


@dataclass
class CoverProblem:
    """A covering instance.

    Attributes
    ----------
    demand_ids : list of str
        One per demand (school).
    weights : ndarray of float, shape (m,)
        Positive weight per demand (enrollment × level weight).
    fixed_covered : ndarray of bool, shape (m,)
        Reached already by posts that stay where they are.
    cover : csr_matrix of bool, shape (n, m)
        ``cover[j, i]``: candidate ``j`` reaches demand ``i`` within the standard.
    candidate_ids : list of str
    movable : csr_matrix of bool, shape (r, m), optional
        What each movable existing post (e.g. a kiosk) reaches where it stands now.
    movable_ids : list of str
    """

    demand_ids: list[str]
    weights: np.ndarray
    fixed_covered: np.ndarray
    cover: sp.csr_matrix
    candidate_ids: list[str]
    movable: sp.csr_matrix | None = None
    movable_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        m = len(self.demand_ids)
        self.weights = np.asarray(self.weights, dtype=float)
        self.fixed_covered = np.asarray(self.fixed_covered, dtype=bool)
        self.cover = sp.csr_matrix(self.cover, dtype=bool)
        if self.movable is None:
            self.movable = sp.csr_matrix((0, m), dtype=bool)
        self.movable = sp.csr_matrix(self.movable, dtype=bool)
        problems = []
        if self.weights.shape != (m,) or self.fixed_covered.shape != (m,):
            problems.append(f"weights/fixed_covered need {m} entries")
        if self.cover.shape != (len(self.candidate_ids), m):
            problems.append(f"cover must be {len(self.candidate_ids)}x{m}, got {self.cover.shape}")
        if self.movable.shape != (len(self.movable_ids), m):
            problems.append(f"movable must be {len(self.movable_ids)}x{m}, got {self.movable.shape}")
        if (self.weights < 0).any() or not np.isfinite(self.weights).all():
            problems.append("weights must be finite and >= 0")
        if problems:
            msg = f"选址模型数据不一致：{'; '.join(problems)} / inconsistent covering problem: {'; '.join(problems)}"
            raise ValidationError(msg)

    @property
    def n_demands(self) -> int:
        return len(self.demand_ids)

    @property
    def n_candidates(self) -> int:
        return len(self.candidate_ids)

    def reachable(self) -> np.ndarray:
        """Demands some candidate (or movable post) can reach, or already reached."""
        by_cand = np.asarray(self.cover.sum(axis=0)).ravel() > 0
        by_move = np.asarray(self.movable.sum(axis=0)).ravel() > 0
        return self.fixed_covered | by_cand | by_move

    def covered_by(self, chosen: np.ndarray | list[int], kept: np.ndarray | list[int] | None = None
                   ) -> np.ndarray:
        """Demands reached with candidates ``chosen`` open and movable posts ``kept`` (all when None)."""
        out = self.fixed_covered.copy()
        chosen = np.asarray(chosen, dtype=np.int64)
        if len(chosen):
            out |= np.asarray(self.cover[chosen].sum(axis=0)).ravel() > 0
        kept = np.arange(len(self.movable_ids)) if kept is None else np.asarray(kept, dtype=np.int64)
        if len(kept):
            out |= np.asarray(self.movable[kept].sum(axis=0)).ravel() > 0
        return out

    def value(self, covered: np.ndarray) -> float:
        """Weighted demand reached."""
        return float(self.weights[np.asarray(covered, dtype=bool)].sum())


@dataclass(frozen=True)
class CoverSolution:
    """The answer of one model.

    Attributes
    ----------
    model : str
        ``mclp``, ``setcover`` or ``relocate``.
    chosen : tuple of int
        Candidate indices opened.
    moved : tuple of int
        Movable posts taken away (relocation), indices into ``movable_ids``.
    covered : ndarray of bool
        Demands reached afterwards.
    objective : float
        MCLP/relocation: weighted demand reached (fixed posts included); set cover: sites.
    bound : float
        The solver's best bound on the objective (same terms).
    gap : float
        Relative optimality gap (0 = proven optimal).
    status : str
        ``optimal``, ``time_limit`` (best found kept) or ``greedy`` (no MILP solution in time).
    solver : str
    seconds : float
    uncoverable : tuple of int
        Demands no candidate can reach (set cover lists them instead of failing).
    """

    model: str
    chosen: tuple[int, ...]
    moved: tuple[int, ...]
    covered: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    seconds: float
    uncoverable: tuple[int, ...] = ()
