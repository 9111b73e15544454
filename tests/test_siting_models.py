"""Covering models (gis.siting): hand-checkable optima, brute force, set cover, relocation, spopt."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from gis.errors import ValidationError
from gis.siting.problem import CoverProblem
from gis.siting.solvers import greedy_mclp, solve_mclp, solve_relocation, solve_set_cover


def hand_problem() -> CoverProblem:
    """Six schools in a row, weights 10, 1, 1, 1, 1, 8; school 3 already reached.

    Candidate A reaches 0-1, B reaches 1-2-3-4, C reaches 4-5, D reaches 0 and 5.
    With K = 1 the best is D (10 + 8 = 18 new); with K = 2, D + B (18 + 1 + 1 + 1 = 21).
    Set cover (every school but 3 must be reached): {B, D} covers 0,1,2,4,5 → 2 sites.
    """
    cover = np.array([
        [1, 1, 0, 0, 0, 0],   # A
        [0, 1, 1, 1, 1, 0],   # B
        [0, 0, 0, 0, 1, 1],   # C
        [1, 0, 0, 0, 0, 1],   # D
    ], dtype=bool)
    return CoverProblem(demand_ids=[f"s{i}" for i in range(6)],
                        weights=np.array([10, 1, 1, 1, 1, 8], float),
                        fixed_covered=np.array([0, 0, 0, 1, 0, 0], bool),
                        cover=sp.csr_matrix(cover), candidate_ids=list("ABCD"))


@pytest.mark.parametrize("solver", ["highs", "scipy"])
def test_hand_checkable_optimum(solver):
    p = hand_problem()
    one = solve_mclp(p, 1, solver=solver)
    assert [p.candidate_ids[j] for j in one.chosen] == ["D"]
    assert one.objective == pytest.approx(1 + 18)       # school 3 (fixed) + D's two
    assert one.status == "optimal" and one.gap == 0.0
    two = solve_mclp(p, 2, solver=solver)
    assert sorted(p.candidate_ids[j] for j in two.chosen) == ["B", "D"]
    assert two.objective == pytest.approx(22)           # all six schools
    assert two.covered.all()
    cover = solve_set_cover(p, solver=solver)
    assert cover.objective == 2 and sorted(p.candidate_ids[j] for j in cover.chosen) == ["B", "D"]
    assert cover.uncoverable == ()


def test_more_sites_than_needed_opens_only_useful_ones():
    p = hand_problem()
    sol = solve_mclp(p, 4)
    assert sol.covered.all()
    assert len(sol.chosen) == 2                          # a third site would add nothing


def random_problem(rng: np.random.Generator, m: int, n: int, r: int = 0) -> CoverProblem:
    cover = rng.random((n, m)) < 0.25
    movable = rng.random((r, m)) < 0.3
    return CoverProblem(demand_ids=[str(i) for i in range(m)],
                        weights=rng.integers(1, 50, m).astype(float),
                        fixed_covered=rng.random(m) < 0.15, cover=sp.csr_matrix(cover),
                        candidate_ids=[f"c{j}" for j in range(n)],
                        movable=sp.csr_matrix(movable), movable_ids=[f"k{i}" for i in range(r)])


@pytest.mark.parametrize("seed", range(8))
def test_mclp_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    p = random_problem(rng, m=int(rng.integers(8, 16)), n=int(rng.integers(5, 10)))
    for k in (1, 2, 3):
        best = max(p.value(p.covered_by(list(s))) for s in itertools.combinations(range(p.n_candidates), k))
        sol = solve_mclp(p, k)
        assert sol.objective == pytest.approx(best)
        assert sol.status == "optimal" and len(sol.chosen) <= k
        assert p.value(p.covered_by(sol.chosen)) == pytest.approx(sol.objective)
        assert p.value(p.covered_by(greedy_mclp(p, k))) <= best + 1e-9


@pytest.mark.parametrize("seed", range(5))
def test_set_cover_agrees_with_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    p = random_problem(rng, m=10, n=8)
    need = p.reachable()
    sol = solve_set_cover(p)
    smallest = next(k for k in range(p.n_candidates + 1)
                    if any((p.covered_by(list(s)) | ~need).all()
                           for s in itertools.combinations(range(p.n_candidates), k)))
    assert sol.objective == smallest
    assert (sol.covered | ~need).all()
    assert set(sol.uncoverable) == set(np.flatnonzero(~need))


def test_set_cover_lists_an_unreachable_school_instead_of_failing():
    p = hand_problem()
    cover = p.cover.toarray()
    cover = np.hstack([cover, np.zeros((4, 1), bool)])   # school s6: no candidate reaches it
    q = CoverProblem(demand_ids=[*p.demand_ids, "s6"], weights=np.append(p.weights, 5),
                     fixed_covered=np.append(p.fixed_covered, False), cover=sp.csr_matrix(cover),
                     candidate_ids=p.candidate_ids)
    sol = solve_set_cover(q)
    assert sol.status == "optimal"
    assert sol.objective == 2
    assert [q.demand_ids[i] for i in sol.uncoverable] == ["s6"]
    assert not sol.covered[6] and sol.covered[:6].all()


@pytest.mark.parametrize("seed", range(5))
def test_relocation_agrees_with_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    p = random_problem(rng, m=12, n=6, r=3)
    for moves in (0, 1, 2):
        best = p.value(p.covered_by([]))
        for k in range(1, moves + 1):
            for gone in itertools.combinations(range(3), k):
                kept = [i for i in range(3) if i not in gone]
                for new in itertools.combinations(range(p.n_candidates), k):
                    best = max(best, p.value(p.covered_by(list(new), kept)))
        sol = solve_relocation(p, moves)
        assert sol.objective == pytest.approx(best)
        assert len(sol.moved) <= moves and len(sol.chosen) == len(sol.moved)
        kept = [i for i in range(3) if i not in sol.moved]
        assert p.value(p.covered_by(sol.chosen, kept)) == pytest.approx(sol.objective)


SPOPT_SCRIPT = """
import json, sys
import numpy as np, pulp
from spopt.locate import MCLP
seconds, weights, k = (np.array(v) if i < 2 else v for i, v in enumerate(json.loads(sys.stdin.read())))
peer = MCLP.from_cost_matrix(seconds, weights, service_radius=180, p_facilities=k)
peer = peer.solve(pulp.PULP_CBC_CMD(msg=False))
print(float(pulp.value(peer.problem.objective)))
"""


def test_same_objective_as_spopt_mclp():
    """spopt (PuLP + CBC) runs in a child process: PuLP loads highspy when it is installed, whose
    libhighs must not meet OR-Tools' in the test process."""
    import importlib.util
    import json
    import subprocess
    import sys

    if importlib.util.find_spec("spopt") is None:
        pytest.skip("spopt (dev dependency) is not installed")
    rng = np.random.default_rng(7)
    seconds = rng.uniform(30, 600, size=(40, 25))          # clients × facilities (travel seconds)
    weights = rng.integers(50, 1500, 40).astype(float)
    mine = CoverProblem(demand_ids=[str(i) for i in range(40)], weights=weights,
                        fixed_covered=np.zeros(40, bool), cover=sp.csr_matrix((seconds <= 180).T),
                        candidate_ids=[str(j) for j in range(25)])
    for k in (2, 4):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", SPOPT_SCRIPT], check=True, capture_output=True,
                             text=True, input=json.dumps([seconds.tolist(), weights.tolist(), k]), timeout=300)
        peer_value = float(out.stdout.strip().splitlines()[-1])
        assert solve_mclp(mine, k).objective == pytest.approx(peer_value)


def test_bad_instances_are_refused_with_a_message():
    with pytest.raises(ValidationError, match="cover must be"):
        CoverProblem(demand_ids=["a"], weights=[1.0], fixed_covered=[False],
                     cover=sp.csr_matrix((2, 3), dtype=bool), candidate_ids=["x", "y"])
    with pytest.raises(ValidationError, match="K"):
        solve_mclp(hand_problem(), -1)


@pytest.mark.parametrize("seed", range(6))
def test_mclp_by_parts_matches_the_whole_model(seed):
    from gis.siting.solvers import solve_mclp_by_parts

    rng = np.random.default_rng(300 + seed)
    blocks = [random_problem(rng, m=int(rng.integers(4, 9)), n=int(rng.integers(3, 6))) for _ in range(3)]
    cover = sp.block_diag([b.cover.astype(float) for b in blocks]).tocsr() > 0
    p = CoverProblem(demand_ids=[str(i) for i in range(cover.shape[1])],
                     weights=np.concatenate([b.weights for b in blocks]),
                     fixed_covered=np.concatenate([b.fixed_covered for b in blocks]), cover=cover,
                     candidate_ids=[str(j) for j in range(cover.shape[0])])
    for k in (1, 2, 4):
        whole, parts = solve_mclp(p, k), solve_mclp_by_parts(p, k)
        assert parts.objective == pytest.approx(whole.objective)
        assert len(parts.chosen) <= k and parts.status == "optimal"


def interval_problem(rng: np.random.Generator, m: int, n: int) -> CoverProblem:
    """Schools along a road, each candidate reaching a short run of them: many candidates with the
    same or a smaller run than another (duplicates, dominated) and schools reached by the same
    candidates (merged) — the cases the exact reductions remove."""
    cover = np.zeros((n, m), dtype=bool)
    for j in range(n):
        start = int(rng.integers(0, m - 1))
        cover[j, start:start + int(rng.integers(1, 4))] = True
    return CoverProblem(demand_ids=[str(i) for i in range(m)], weights=rng.integers(1, 30, m).astype(float),
                        fixed_covered=rng.random(m) < 0.1, cover=sp.csr_matrix(cover),
                        candidate_ids=[f"c{j}" for j in range(n)])


@pytest.mark.parametrize("seed", range(10))
def test_reductions_keep_the_optimum_where_they_bite(seed):
    from gis.siting.solvers import reduce_problem

    rng = np.random.default_rng(500 + seed)
    p = interval_problem(rng, m=int(rng.integers(10, 16)), n=int(rng.integers(10, 14)))
    red = reduce_problem(p)
    assert len(red.candidates) < p.n_candidates                 # the instance is reduced …
    for k in (1, 2, 3):                                          # … and the optimum is the same
        best = max(p.value(p.covered_by(list(s))) for s in itertools.combinations(range(p.n_candidates), k))
        sol = solve_mclp(p, k)
        assert sol.status == "optimal" and sol.objective == pytest.approx(best)
        assert p.value(p.covered_by(sol.chosen)) == pytest.approx(best)
    need = p.reachable()
    smallest = next(k for k in range(p.n_candidates + 1)
                    if any((p.covered_by(list(s)) | ~need).all()
                           for s in itertools.combinations(range(p.n_candidates), k)))
    assert solve_set_cover(p).objective == smallest
