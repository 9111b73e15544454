"""Campus coverage assessment: camera sectors, gate coverage, peak duty, risks, rules, score.

Entry points::

    from gis.coverage import assess_campuses, summarize_jurisdictions, coverage_map_layers
    assessment = assess_campuses(layers, graph=graph, settings=settings, peak="am")
    write_assessment(assessment, "coverage.xlsx", settings=settings)
    rates = compliance_rates(assessment, settings=settings)   # per 派出所 + county, by area type
"""

from gis.coverage.assess import (
    OUTPUT_COLUMNS,
    CampusFeatures,
    assess_campuses,
    assess_with_response,
    campus_features,
    score_with_response,
)
from gis.coverage.cameras import camera_sectors, sector_polygons
from gis.coverage.compliance import ComplianceTable, compliance_rates
from gis.coverage.export import write_assessment, write_jurisdictions
from gis.coverage.jurisdictions import summarize_jurisdictions
from gis.coverage.map_layers import coverage_map_layers
from gis.coverage.score import score_campuses

__all__ = [
    "OUTPUT_COLUMNS", "CampusFeatures", "ComplianceTable", "assess_campuses", "compliance_rates", "write_jurisdictions",
    "assess_with_response", "camera_sectors", "campus_features", "score_with_response",
    "coverage_map_layers", "score_campuses", "sector_polygons", "summarize_jurisdictions",
    "write_assessment",
]
