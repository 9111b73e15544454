"""One rule, one definition: is_sensitive, metric_crs and gate_zones are shared by score and map."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geodesy import at

from gis.auth.register import is_register_row
from gis.coverage.assess import campus_parts
from gis.coverage.config import CoverageConfig, ScoringConfig
from gis.coverage.geometry import metric_crs as coverage_metric_crs
from gis.coverage.risks import is_sensitive as coverage_is_sensitive
from gis.network.crs import metric_crs
from gis.schema import is_sensitive, sensitive_mask
from gis.viz.features import is_sensitive as map_is_sensitive
from gis.viz.focus import gate_zones as map_gate_zones

RISKS = pd.DataFrame({"id": list("abcdef"),
                      "category": ["person", "stall", "stall", "stall", "internet_cafe", "drugs"],
                      "sensitive": [None, True, False, float("nan"), pd.NA, "是"]})


def test_one_sensitive_rule_everywhere():
    expected = [True, True, False, False, False, True]
    assert list(sensitive_mask(RISKS)) == expected
    assert [is_sensitive(r) for r in RISKS.to_dict("records")] == expected
    assert [map_is_sensitive(r) for r in RISKS.to_dict("records")] == expected
    assert list(coverage_is_sensitive(RISKS)) == expected
    assert list(is_register_row(RISKS)) == expected


def test_one_metric_crs_and_one_gate_zone_for_score_and_map():
    assert coverage_metric_crs is metric_crs
    school = gpd.GeoDataFrame({"id": ["S1"], "name": ["甲"], "kind": ["primary"]},
                              geometry=[shapely.MultiPoint([at(0, 0), at(120, 0)])], crs=4326)
    cov = CoverageConfig.from_settings()
    parts = campus_parts({"schools": school}, coverage=cov, scoring=ScoringConfig.from_settings())
    assert parts.crs == metric_crs(school)
    scored_area = float(parts.coverage["gate_zone_m2"].iloc[0])
    on_map = map_gate_zones(school, gate_zone_m=cov.gate_zone_m).to_crs(parts.crs)
    assert len(on_map) == 2
    assert shapely.union_all(on_map.geometry.to_numpy()).area == pytest.approx(scored_area, rel=1e-6)
