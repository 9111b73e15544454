"""Gate zones and campus boundaries, and how much of them the working cameras see (视频覆盖).

A school's gate zone is the union of discs of ``gate_zone_m`` metres around its gates.
Its covered share is the area of (zone ∩ union of working camera sectors) over the zone
area; the blind part is the rest, kept as a polygon for the map. Where a campus polygon
exists, its boundary (围界) is measured the same way in metres of line: the seen share and the
blind stretches (lines, for the map). :func:`gate_zones` is the one definition of a gate zone,
used by the score and the map alike.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.coverage.geometry import to_metric

COVERAGE_COLUMNS = ("gate_zone_m2", "covered_m2", "gate_camera_share", "gate_cameras",
                    "networked_cameras", "networked_share", "broken_gate_cameras",
                    "assumed_gate_cameras")


def school_gates(schools: gpd.GeoDataFrame, *, crs: CRS) -> gpd.GeoSeries:
    """Gate points (MultiPoint) per school in ``crs``, indexed by school id.

    A school without gates falls back to its campus centroid (DESIGN.md §3).
    """
    sch = to_metric(schools, crs)
    gates = sch.geometry.copy()
    missing = (gates.isna() | gates.is_empty).to_numpy()
    if missing.any() and "campus" in sch.columns:
        centroids = shapely.centroid(gpd.GeoSeries(sch["campus"], index=sch.index).to_numpy())
        fill = missing & ~shapely.is_missing(centroids) & ~shapely.is_empty(centroids)
        gates[fill] = shapely.multipoints(centroids[fill][:, None]) if fill.any() else gates[fill]
    gates.index = sch["id"].astype(str).to_numpy()
    return gates


def gate_zones(gates: gpd.GeoSeries, *, gate_zone_m: float) -> gpd.GeoSeries:
    """Union of ``gate_zone_m``-metre discs around each school's gates (metric CRS)."""
    return gpd.GeoSeries(shapely.buffer(gates.to_numpy(), gate_zone_m, quad_segs=12),
                         index=gates.index, crs=gates.crs)


def _seen(targets: np.ndarray, sectors: gpd.GeoDataFrame, crs) -> tuple[np.ndarray, pd.DataFrame]:
    """Per target geometry: the part seen by the working sectors, and the (camera, target) pairs."""
    n = len(targets)
    z = gpd.GeoDataFrame({"zone_pos": np.arange(n)}, geometry=targets, crs=crs)
    cams = sectors[["working", "networked", "assumed", "geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(cams, z, predicate="intersects", how="inner")
    cam_pos = pairs.index.to_numpy()
    zone_pos = pairs["zone_pos"].to_numpy()
    working = pairs["working"].to_numpy(dtype=bool)
    covered = np.empty(n, dtype=object)
    covered[:] = shapely.GeometryCollection()
    if working.any():
        order = np.argsort(zone_pos[working], kind="stable")
        owner = zone_pos[working][order]
        # One row per target, its sectors padded with None: one vectorised union per row, then
        # one clip by the target (about twice as fast as clipping every sector first).
        rank = np.arange(owner.size) - np.searchsorted(owner, owner, side="left")
        table = np.full((n, rank.max() + 1), None, dtype=object)
        table[owner, rank] = cams.geometry.to_numpy()[cam_pos[working][order]]
        hit = np.unique(owner)
        covered[hit] = shapely.intersection(shapely.union_all(table[hit], axis=1), targets[hit])
    return covered, pd.DataFrame(pairs.drop(columns="geometry"))


LINE_GRID_M = 0.01


def _seen_lines(lines: np.ndarray, sectors: gpd.GeoDataFrame, crs) -> np.ndarray:
    """Per line: the part inside any working sector. Each sector is clipped to the line first
    (cheap line pieces), then the pieces are merged per line (no polygon union needed)."""
    n = len(lines)
    out = np.empty(n, dtype=object)
    out[:] = shapely.MultiLineString()
    work = sectors[sectors["working"].to_numpy(dtype=bool)]
    if n == 0 or len(work) == 0:
        return out
    tree = shapely.STRtree(lines)
    cam_pos, line_pos = tree.query(work.geometry.to_numpy(), predicate="intersects")
    if len(cam_pos) == 0:
        return out
    pieces = shapely.intersection(work.geometry.to_numpy()[cam_pos], lines[line_pos])
    order = np.argsort(line_pos, kind="stable")
    owner = line_pos[order]
    rank = np.arange(owner.size) - np.searchsorted(owner, owner, side="left")
    table = np.full((n, rank.max() + 1), None, dtype=object)
    table[owner, rank] = pieces[order]
    hit = np.unique(owner)
    # A 1 cm grid nodes the collinear pieces exactly, so overlaps dissolve (lengths exact to ~1 cm).
    out[hit] = shapely.line_merge(shapely.union_all(table[hit], axis=1, grid_size=LINE_GRID_M))
    return out


def campus_boundaries(schools: gpd.GeoDataFrame, *, crs) -> gpd.GeoSeries:
    """The campus outline (围界) per school id as lines in ``crs`` (None without a campus)."""
    sch = to_metric(schools, crs)
    if "campus" not in sch.columns:
        return gpd.GeoSeries([None] * len(sch), index=sch["id"].astype(str).to_numpy(), crs=crs)
    campus = gpd.GeoSeries(sch["campus"], index=sch.index).to_numpy()
    has = ~shapely.is_missing(campus) & ~shapely.is_empty(campus)
    lines = np.full(len(campus), None, dtype=object)
    lines[has] = shapely.boundary(campus[has])
    return gpd.GeoSeries(lines, index=sch["id"].astype(str).to_numpy(), crs=crs)


def boundary_camera_coverage(boundaries: gpd.GeoSeries, sectors: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Seen share of each campus boundary (metres of line) by the working camera sectors.

    Parameters
    ----------
    boundaries : GeoSeries
        From :func:`campus_boundaries` (metric CRS, None where no campus polygon exists).
    sectors : GeoDataFrame
        From :func:`gis.coverage.cameras.camera_sectors` (same CRS).

    Returns
    -------
    GeoDataFrame
        Indexed by school id: ``campus_boundary_m``, ``boundary_seen_m``, ``boundary_blind_m``
        (metres; NaN without a campus), ``boundary_camera_share`` (0–1, NaN without a campus);
        geometry is the blind stretches of the boundary (lines; None without a campus).
    """
    lines = boundaries.to_numpy()
    has = ~shapely.is_missing(lines) & ~shapely.is_empty(lines)
    total = np.full(len(lines), np.nan)
    seen_m = np.full(len(lines), np.nan)
    blind = np.full(len(lines), None, dtype=object)
    if has.any():
        covered = _seen_lines(lines[has], sectors, boundaries.crs)
        total[has] = shapely.length(lines[has])
        seen_m[has] = np.minimum(shapely.length(covered), total[has])
        blind[has] = shapely.difference(lines[has], covered, grid_size=LINE_GRID_M)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, seen_m / total, np.nan)
    return gpd.GeoDataFrame({
        "campus_boundary_m": total, "boundary_seen_m": seen_m, "boundary_blind_m": total - seen_m,
        "boundary_camera_share": share,
    }, geometry=gpd.GeoSeries(blind, index=boundaries.index, crs=boundaries.crs),
        index=boundaries.index, crs=boundaries.crs)


def gate_camera_coverage(zones: gpd.GeoSeries, sectors: gpd.GeoDataFrame, *,
                         blind: bool = True, gates: gpd.GeoSeries | None = None) -> gpd.GeoDataFrame:
    """Covered share of each gate zone by the union of working camera sectors.

    Parameters
    ----------
    zones : GeoSeries
        Gate zones indexed by school id (metric CRS), from :func:`gate_zones`.
    sectors : GeoDataFrame
        From :func:`gis.coverage.cameras.camera_sectors` (same CRS).
    blind : bool
        Compute the blind polygons (the map needs them, the score does not); when False the
        geometry column holds the zones.
    gates : GeoSeries, optional
        The gate points per school id (same index as ``zones``): adds ``gates_unseen``, the
        number of gates no working camera sees.

    Returns
    -------
    GeoDataFrame
        Indexed by school id: ``gate_zone_m2, covered_m2`` (m²), ``gate_camera_share`` (0–1),
        ``gate_cameras`` (working cameras whose view touches the zone), ``networked_cameras``,
        ``networked_share`` (NaN when no camera), ``broken_gate_cameras``,
        ``assumed_gate_cameras`` (and ``gates_unseen`` when ``gates`` is given); geometry is the
        blind part of the zone (may be empty).
    """
    zone_arr = zones.to_numpy()
    n = len(zone_arr)
    zone_area = shapely.area(zone_arr)
    covered, pairs = _seen(zone_arr, sectors, zones.crs)
    zone_pos = pairs["zone_pos"].to_numpy()
    working = pairs["working"].to_numpy(dtype=bool)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(zone_pos[mask], minlength=n)

    gate_cams = count(working)
    networked = count(working & pairs["networked"].to_numpy(dtype=bool))
    broken = count(~working)
    assumed = count(working & pairs["assumed"].to_numpy(dtype=bool))
    covered_area = shapely.area(covered)
    geometry = shapely.difference(zone_arr, covered) if blind else zone_arr
    extra = {}
    if gates is not None:
        parts, owner = shapely.get_parts(gates.to_numpy(), return_index=True)
        seen = shapely.covers(covered[owner], parts) if len(parts) else np.zeros(0, dtype=bool)
        extra["gates_unseen"] = np.bincount(owner[~seen], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(zone_area > 0, np.minimum(covered_area / zone_area, 1.0), 0.0)
        net_share = np.where(gate_cams > 0, networked / np.maximum(gate_cams, 1), np.nan)
    return gpd.GeoDataFrame({
        "gate_zone_m2": zone_area, "covered_m2": covered_area, "gate_camera_share": share,
        "gate_cameras": gate_cams, "networked_cameras": networked, "networked_share": net_share,
        "broken_gate_cameras": broken, "assumed_gate_cameras": assumed, **extra,
    }, geometry=gpd.GeoSeries(geometry, index=zones.index, crs=zones.crs), index=zones.index,
        crs=zones.crs)
