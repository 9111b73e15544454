"""MILPs of the covering models and the adapter to HiGHS (through ``scipy.optimize.milp``).

Both adapters receive the same :class:`Milp` (a sparse row matrix with bounds, integrality and
a sense) and return a :class:`MilpResult` with the status, objective, best bound and relative
gap. On the time limit the best solution found is kept and the gap stated; when none was
found, the MCLP falls back to the greedy heuristic and says so.

Before the MILP each instance is *reduced* exactly: demands reached by fixed posts are
constants, demands nobody can reach are dropped (set cover lists them as uncoverable),
candidates reaching nothing new are dropped and candidates reaching exactly the same set
are merged into one. None of this changes the optimum.

Why HiGHS: the best open-source MILP solver in the Mittelmann benchmarks, shipped inside SciPy;
it reports the dual bound and gap we must show the planner. Why not the ``highspy`` wheel: it
links a shared ``libhighs`` of another version than the one inside OR-Tools (the patrol solver),
so the two cannot be loaded in one process (undefined symbols, whichever comes second); SciPy's
copy is private to its extension.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gis.errors import InfeasibleError, ValidationError
from gis.siting.problem import CoverProblem, CoverSolution

SOLVERS = ("highs", "scipy")


@dataclass
class Milp:
    """``max/min c·x`` s.t. ``row_lo ≤ A x ≤ row_hi``, ``col_lo ≤ x ≤ col_hi``, some ``x`` integer."""

    c: np.ndarray
    a: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    maximize: bool
    start: np.ndarray | None = None


@dataclass(frozen=True)
class MilpResult:
    """``x`` is None when no feasible solution was found; ``status`` in ``optimal``,
    ``time_limit``, ``infeasible``, ``no_solution``."""

    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    solver: str


def _gap(objective: float, bound: float) -> float:
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return abs(bound - objective) / max(abs(objective), 1e-9)


def solve_milp(milp: Milp, *, solver: str = "highs", time_limit: float = 30.0,
               mip_rel_gap: float = 0.0) -> MilpResult:
    """Solve with HiGHS through ``scipy.optimize.milp`` (``"highs"`` and ``"scipy"`` are one solver)."""
    if solver in SOLVERS:
        return _solve_scipy(milp, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    msg = f"未知求解器 {solver!r}，可选 {', '.join(SOLVERS)} / unknown solver {solver!r}"
    raise ValidationError(msg)


def _solve_scipy(milp: Milp, *, time_limit: float, mip_rel_gap: float) -> MilpResult:
    from scipy.optimize import Bounds, LinearConstraint
    from scipy.optimize import milp as scipy_milp

    start = time.perf_counter()
    sign = -1.0 if milp.maximize else 1.0
    res = scipy_milp(sign * np.asarray(milp.c, dtype=float), integrality=milp.integer.astype(int),
                     bounds=Bounds(milp.col_lo, milp.col_hi),
                     constraints=[LinearConstraint(milp.a, milp.row_lo, milp.row_hi)],
                     options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap),
                              "disp": False})
    seconds = time.perf_counter() - start
    x = None if res.x is None else np.asarray(res.x, dtype=float)
    objective = sign * float(res.fun) if x is not None else float("nan")
    dual = getattr(res, "mip_dual_bound", None)
    bound = sign * float(dual) if dual is not None and np.isfinite(dual) else objective
    label = {0: "optimal", 2: "infeasible"}.get(res.status, "time_limit" if x is not None else "no_solution")
    gap = 0.0 if label == "optimal" else _gap(objective, bound)
    return MilpResult(x=x, objective=objective, bound=bound, gap=gap, status=label, seconds=seconds,
                      solver="scipy-highs")


# -- exact reductions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Reduced:
    """The part of a problem the MILP sees: ``demands`` (indices), ``candidates`` (indices of
    one representative per distinct coverage set), the sub-matrices and their weights."""

    demands: np.ndarray
    candidates: np.ndarray
    cover: sp.csr_matrix
    movable: sp.csr_matrix
    weights: np.ndarray


def _dominated(cover: sp.csr_matrix) -> np.ndarray:
    """Rows whose set is a strict subset of another row's set (never needed at an optimum)."""
    c = cover.astype(np.int32).tocsr()
    size = np.asarray(c.sum(axis=1)).ravel()
    inter = (c @ c.T).tocoo()
    hit = (inter.data == size[inter.row]) & (size[inter.col] > size[inter.row])
    out = np.zeros(c.shape[0], dtype=bool)
    out[inter.row[hit]] = True
    return out


def _row_keys(matrix: sp.csr_matrix) -> list[bytes]:
    matrix.sort_indices()
    return [matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]].tobytes() for i in range(matrix.shape[0])]


def reduce_problem(problem: CoverProblem) -> Reduced:
    """The exact reductions: drop fixed-covered and unreachable demands, empty, duplicate and
    dominated candidates; merge demands reached by exactly the same sites (weights summed)."""
    by_cand = np.asarray(problem.cover.sum(axis=0)).ravel() > 0
    by_move = np.asarray(problem.movable.sum(axis=0)).ravel() > 0
    demands = np.flatnonzero(~problem.fixed_covered & (by_cand | by_move) & (problem.weights > 0))
    sub = problem.cover[:, demands].tocsr()
    useful = np.flatnonzero(np.diff(sub.indptr) > 0)
    seen: dict[bytes, int] = {}
    for j, key in zip(useful, _row_keys(sub[useful]), strict=True):
        seen.setdefault(key, int(j))
    candidates = np.array(sorted(seen.values()), dtype=np.int64)
    if len(candidates) > 1:
        candidates = candidates[~_dominated(sub[candidates])]
    cover = sub[candidates].tocsr()
    movable = problem.movable[:, demands].tocsr()
    # demands with the same (candidates, movable posts) pattern act as one
    both = sp.vstack([cover, movable], format="csc").T.tocsr()
    groups: dict[bytes, int] = {}
    label = np.empty(len(demands), dtype=np.int64)
    for i, key in enumerate(_row_keys(both)):
        label[i] = groups.setdefault(key, len(groups))
    first = np.unique(label, return_index=True)[1]
    weights = np.bincount(label, weights=problem.weights[demands], minlength=len(groups))
    return Reduced(demands=demands[first], candidates=candidates, cover=cover[:, first].astype(float).tocsr(),
                   movable=movable[:, first].astype(float).tocsr(), weights=weights)


def _prune(problem: CoverProblem, chosen: list[int], kept: np.ndarray | None = None) -> list[int]:
    """Drop opened sites that reach nothing the others do not (same objective, fewer sites)."""
    out = list(chosen)
    target = problem.value(problem.covered_by(out, kept))
    for j in sorted(chosen, key=lambda s: problem.cover[s].sum()):
        trial = [s for s in out if s != j]
        if problem.value(problem.covered_by(trial, kept)) >= target - 1e-9:
            out = trial
    return sorted(out)


# -- the models ---------------------------------------------------------------------------

def _greedy(cover: sp.csr_matrix, weights: np.ndarray, k: int) -> list[int]:
    """Greedy maximal covering on a (sites × demands) matrix: ``k`` times the largest gain."""
    cover = cover.astype(float).tocsr()
    open_w = np.asarray(weights, dtype=float).copy()
    chosen: list[int] = []
    for _ in range(int(k)):
        gain = cover @ open_w
        if chosen:
            gain[chosen] = -1.0
        j = int(np.argmax(gain)) if len(gain) else -1
        if j < 0 or gain[j] <= 0:
            break
        chosen.append(j)
        open_w[cover[j].indices] = 0.0
    return chosen


def greedy_mclp(problem: CoverProblem, k: int) -> list[int]:
    """The classic greedy heuristic: open, ``k`` times, the candidate adding the most weight."""
    return _greedy(problem.cover, problem.weights * ~problem.fixed_covered, k)


def _check_k(value: int, name: str) -> int:
    if int(value) < 0:
        msg = f"{name} 不能为负数 / {name} must be >= 0"
        raise ValidationError(msg)
    return int(value)


def solve_mclp(problem: CoverProblem, k: int, *, solver: str = "highs", time_limit: float = 30.0,
               mip_rel_gap: float = 0.0) -> CoverSolution:
    """Maximal covering: open at most ``k`` candidates to maximise the weighted demand reached.

    Returns
    -------
    CoverSolution
        ``objective`` = weighted demand reached afterwards (fixed posts included).
    """
    k = _check_k(k, "K")
    red = reduce_problem(problem)
    n, m = len(red.candidates), len(red.demands)
    start = time.perf_counter()
    if n == 0 or m == 0 or k == 0:
        covered = problem.covered_by([])
        value = problem.value(covered)
        return CoverSolution("mclp", (), (), covered, value, value, 0.0, "optimal", solver,
                             time.perf_counter() - start)
    # columns: y (n, binary) then z (m, continuous 0..1); rows: z_i - Σ a_ij y_j <= 0, Σ y <= k
    link = sp.hstack([-red.cover.T, sp.identity(m)], format="csr")
    budget = sp.hstack([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix((1, m))], format="csr")
    y0 = np.zeros(n)
    y0[_greedy(red.cover, red.weights, k)] = 1.0
    z0 = np.minimum(1.0, red.cover.T @ y0)
    milp = Milp(c=np.concatenate([np.zeros(n), red.weights]), a=sp.vstack([link, budget], format="csr"),
                row_lo=np.full(m + 1, -np.inf), row_hi=np.concatenate([np.zeros(m), [k]]),
                col_lo=np.zeros(n + m), col_hi=np.ones(n + m),
                integer=np.concatenate([np.ones(n, bool), np.zeros(m, bool)]), maximize=True,
                start=np.concatenate([y0, z0]))
    res = solve_milp(milp, solver=solver, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    base = problem.value(problem.fixed_covered)
    if res.x is None:
        chosen = greedy_mclp(problem, k)
        status, bound = "greedy", base + res.bound if np.isfinite(res.bound) else float("inf")
    else:
        chosen = [int(red.candidates[j]) for j in np.flatnonzero(res.x[:n] > 0.5)]
        status, bound = res.status, base + res.bound
    chosen = _prune(problem, chosen)
    covered = problem.covered_by(chosen)
    value = problem.value(covered)
    gap = 0.0 if status == "optimal" else _gap(value, bound)
    return CoverSolution("mclp", tuple(chosen), (), covered, value, max(bound, value), gap, status,
                         res.solver, time.perf_counter() - start)


def solve_set_cover(problem: CoverProblem, *, solver: str = "highs", time_limit: float = 30.0,
                    mip_rel_gap: float = 0.0) -> CoverSolution:
    """Set covering: the fewest candidates that reach every demand any candidate can reach.

    Demands no candidate reaches (and no fixed post) are returned in ``uncoverable``.
    """
    red = reduce_problem(problem)
    uncoverable = np.flatnonzero(~problem.reachable())
    n, m = len(red.candidates), len(red.demands)
    start = time.perf_counter()
    if m == 0:
        covered = problem.covered_by([])
        return CoverSolution("setcover", (), (), covered, 0.0, 0.0, 0.0, "optimal", solver,
                             time.perf_counter() - start, tuple(int(i) for i in uncoverable))
    milp = Milp(c=np.ones(n), a=red.cover.T.tocsr(), row_lo=np.ones(m), row_hi=np.full(m, np.inf),
                col_lo=np.zeros(n), col_hi=np.ones(n), integer=np.ones(n, bool), maximize=False)
    res = solve_milp(milp, solver=solver, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    if res.x is None:
        msg = (f"在 {time_limit:g} 秒内未找到覆盖全部学校的方案，请延长求解时限 / no set cover found within "
               f"{time_limit:g} s: raise the time limit")
        raise InfeasibleError(msg)
    chosen = sorted(int(red.candidates[j]) for j in np.flatnonzero(res.x[:n] > 0.5))
    covered = problem.covered_by(chosen)
    return CoverSolution("setcover", tuple(chosen), (), covered, float(len(chosen)),
                         min(float(res.bound), len(chosen)), res.gap, res.status, res.solver,
                         time.perf_counter() - start, tuple(int(i) for i in uncoverable))


def solve_relocation(problem: CoverProblem, moves: int, *, solver: str = "highs",
                     time_limit: float = 30.0, mip_rel_gap: float = 0.0) -> CoverSolution:
    """Move up to ``moves`` movable posts to candidate sites to maximise the weighted demand reached."""
    moves = _check_k(moves, "M")
    red = reduce_problem(problem)
    n, m, r = len(red.candidates), len(red.demands), len(problem.movable_ids)
    start = time.perf_counter()
    if r == 0 or m == 0:
        covered = problem.covered_by([])
        value = problem.value(covered)
        return CoverSolution("relocate", (), (), covered, value, value, 0.0, "optimal", solver,
                             time.perf_counter() - start)
    # columns: y (n), x (r), z (m)
    link = sp.hstack([-red.cover.T, -red.movable.T, sp.identity(m)], format="csr")
    keep = sp.hstack([sp.csr_matrix((1, n)), sp.csr_matrix(np.ones((1, r))), sp.csr_matrix((1, m))])
    swap = sp.hstack([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix(np.ones((1, r))), sp.csr_matrix((1, m))])
    milp = Milp(c=np.concatenate([np.zeros(n + r), red.weights]),
                a=sp.vstack([link, keep, swap], format="csr"),
                row_lo=np.concatenate([np.full(m, -np.inf), [r - moves], [-np.inf]]),
                row_hi=np.concatenate([np.zeros(m), [np.inf], [r]]),
                col_lo=np.zeros(n + r + m), col_hi=np.ones(n + r + m),
                integer=np.concatenate([np.ones(n + r, bool), np.zeros(m, bool)]), maximize=True)
    res = solve_milp(milp, solver=solver, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    base = problem.value(problem.fixed_covered)
    if res.x is None:
        covered = problem.covered_by([])
        value = problem.value(covered)
        return CoverSolution("relocate", (), (), covered, value, base + res.bound, _gap(value, base + res.bound),
                             "no_solution", res.solver, time.perf_counter() - start)
    chosen = [int(red.candidates[j]) for j in np.flatnonzero(res.x[:n] > 0.5)]
    away = list(np.flatnonzero(res.x[n:n + r] <= 0.5))
    # a post taken away without a new site in its place stays where it is (never worse)
    moved = tuple(int(i) for i in away[:len(chosen)])
    kept = np.setdiff1d(np.arange(r), moved)
    covered = problem.covered_by(chosen, kept)
    value = problem.value(covered)
    bound = base + res.bound
    return CoverSolution("relocate", tuple(sorted(chosen)), moved, covered, value, max(bound, value),
                         0.0 if res.status == "optimal" else _gap(value, bound), res.status, res.solver,
                         time.perf_counter() - start)


def solve_mclp_by_parts(problem: CoverProblem, k: int, *, solver: str = "highs", time_limit: float = 30.0,
                        mip_rel_gap: float = 0.0) -> CoverSolution:
    """MCLP split into independent parts (no candidate reaches two parts), recombined exactly.

    For each connected part of the candidate–demand graph the best value with 0…K sites is
    solved (one site: the best column; more: :func:`solve_mclp` on the part), then a knapsack
    over the parts picks how many sites each gets. Same optimum as :func:`solve_mclp`; much
    faster when demands fall apart into far-apart groups (e.g. the blind parts of many schools).
    """
    from scipy.sparse.csgraph import connected_components

    k = _check_k(k, "K")
    start = time.perf_counter()
    n = problem.n_candidates
    free = ~problem.fixed_covered
    graph = sp.bmat([[None, problem.cover.astype(float)], [problem.cover.T.astype(float), None]], format="csr")
    n_parts, label = connected_components(graph, directed=False)
    cand_label, dem_label = label[:n], label[n:]
    parts = [p for p in np.unique(cand_label) if (free & (dem_label == p)).any()]
    parts.sort(key=lambda p: int((cand_label == p).sum()))     # small parts first: the big ones get the time left
    table, picks, worst_gap, status = [], [], 0.0, "optimal"
    for p in parts:
        cands = np.flatnonzero(cand_label == p)
        dems = np.flatnonzero((dem_label == p) & free)
        sub = CoverProblem(demand_ids=[problem.demand_ids[i] for i in dems], weights=problem.weights[dems],
                           fixed_covered=np.zeros(len(dems), bool), cover=problem.cover[cands][:, dems],
                           candidate_ids=[problem.candidate_ids[j] for j in cands])
        values, chosen = [0.0], [()]
        total = float(sub.weights.sum())
        for kk in range(1, k + 1):
            if values[-1] >= total - 1e-9:
                values.append(values[-1])
                chosen.append(chosen[-1])
                continue
            if kk == 1:
                gain = sub.cover.astype(float) @ sub.weights
                j = int(np.argmax(gain))
                values.append(float(gain[j]))
                chosen.append((j,))
                continue
            left = max(0.1, time_limit - (time.perf_counter() - start))
            sol = solve_mclp(sub, kk, solver=solver, time_limit=left, mip_rel_gap=mip_rel_gap)
            worst_gap = max(worst_gap, sol.gap)
            if sol.status != "optimal":
                status = sol.status
            values.append(float(sol.objective))
            chosen.append(tuple(sol.chosen))
        table.append(values)
        picks.append((cands, chosen))
    # knapsack over parts: best[b] = best value with at most b sites over the parts seen so far
    best = np.zeros(k + 1)
    choice: list[list[int]] = [[] for _ in range(k + 1)]
    for values in table:
        new_best = np.full(k + 1, -1.0)
        new_choice: list[list[int]] = [[] for _ in range(k + 1)]
        for b in range(k + 1):
            for kk in range(b + 1):
                v = best[b - kk] + values[kk]
                if v > new_best[b] + 1e-9:
                    new_best[b], new_choice[b] = v, [*choice[b - kk], kk]
        best, choice = new_best, new_choice
    counts = choice[k] if table else []
    selected: list[int] = []
    for (cands, chosen), kk in zip(picks, counts, strict=False):
        selected.extend(int(cands[j]) for j in chosen[kk])
    selected = _prune(problem, selected)
    covered = problem.covered_by(selected)
    value = problem.value(covered)
    bound = value * (1 + worst_gap)
    return CoverSolution("mclp", tuple(sorted(selected)), (), covered, value, bound, worst_gap, status,
                         "scipy-highs", time.perf_counter() - start)
