"""Siting and deployment scenarios (选址与部署推演): covering models solved exactly with HiGHS.

Public API::

    config = SitingConfig.from_settings(settings)                  # [siting]
    cands = road_candidates(graph, spacing_m=300)                  # or file_candidates(path, graph, max_snap_m=150)
    plan, result = run_post_scenario(layers, graph=graph, settings=settings, kind="kiosk",
                                     model="mclp", add=2, minutes=3)        # PostPlan + JSON result
    plan, result = run_camera_scenario(layers, graph=graph, settings=settings, add=8)
    plan, result = run_crossing_scenario(layers, graph=graph, settings=settings, officers=11)
    save_scenario(store, name=…, kind=…, params=…, result=result)   # gis.store.scenarios
    adopt_scenario(store, name) / discard_scenario(store, name)     # planned posts (status planned)
    session = WhatIf.build(layers, graph=graph, settings=settings)  # interactive moves, < 1 s

Pure core: :mod:`gis.siting.problem` (``CoverProblem``, ``CoverSolution``) and
:mod:`gis.siting.solvers` (MCLP, set cover, relocation as MILPs; HiGHS through
``scipy.optimize.milp``; greedy heuristic). Times are seconds inside, minutes in parameters.
"""

from gis.siting.candidates import CandidateSet, file_candidates, road_candidates
from gis.siting.config import SitingConfig
from gis.siting.problem import CoverProblem, CoverSolution
from gis.siting.solvers import greedy_mclp, solve_mclp, solve_relocation, solve_set_cover

__all__ = [
    "CandidateSet", "CoverProblem", "CoverSolution", "SitingConfig", "file_candidates", "greedy_mclp",
    "road_candidates", "solve_mclp", "solve_relocation", "solve_set_cover",
]
