"""The coverage layers the map draws: camera sectors, gate blind spots, unseen boundary,
duty gaps and café violations, as GeoDataFrames in EPSG:4326 (from the assessment's parts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from gis.config import Settings
from gis.coverage.assess import campus_parts, layer_of
from gis.coverage.config import CoverageConfig, ScoringConfig
from gis.coverage.geometry import WGS84, to_metric


def coverage_map_layers(layers: Mapping[str, Any], *, settings: Settings | None = None
                        ) -> dict[str, gpd.GeoDataFrame]:
    """Map layers in EPSG:4326: ``sectors`` (every camera view, with ``working`` and
    ``assumed``), ``blind_spots`` (uncovered part of each gate zone, with ``school_id``,
    ``gate_camera_share`` and ``blind_m2``), ``boundary_blind`` (stretches of campus boundary no
    working camera sees, with ``school_id``, ``boundary_camera_share`` and ``blind_m``),
    ``duty_gaps`` (unstaffed crossings near gates) and ``violations`` (internet cafés too close,
    as points with ``school_id, site_id, distance_m``).
    """
    parts = campus_parts(layers, coverage=CoverageConfig.from_settings(settings),
                         scoring=ScoringConfig.from_settings(settings), blind=True)
    sectors = parts.sectors.to_crs(WGS84)
    blind = parts.coverage.reset_index(names="school_id")
    blind["blind_m2"] = blind["gate_zone_m2"] - blind["covered_m2"]
    blind = blind[~blind.geometry.is_empty]
    blind = blind[["school_id", "gate_camera_share", "blind_m2", "geometry"]].to_crs(WGS84)
    edge = parts.boundary.reset_index(names="school_id")
    edge = edge[edge.geometry.notna() & ~edge.geometry.is_empty & (edge["boundary_blind_m"] > 0.5)]
    edge = edge.rename(columns={"boundary_blind_m": "blind_m"})
    edge = edge[["school_id", "boundary_camera_share", "blind_m", "geometry"]].to_crs(WGS84)
    viol = parts.violations
    risk = layer_of(layers, "risk_sites")
    if risk is not None and len(viol):
        pts = to_metric(risk, parts.crs).set_index(risk["id"].astype(str).to_numpy()).geometry
        vgeo = gpd.GeoSeries(pts.reindex(viol["site_id"]).to_numpy(), crs=parts.crs).to_crs(WGS84)
    else:
        vgeo = gpd.GeoSeries([], crs=WGS84)
    violations = gpd.GeoDataFrame(viol.reset_index(drop=True), geometry=vgeo.to_numpy(), crs=WGS84)
    return {"sectors": sectors, "blind_spots": blind.reset_index(drop=True),
            "boundary_blind": edge.reset_index(drop=True),
            "duty_gaps": parts.duty_gaps.to_crs(WGS84), "violations": violations}
