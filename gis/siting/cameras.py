"""Where up to K new cameras see the most of the blind parts of gate zones (and campus walls).

The blind parts come from the coverage code itself (``gis.coverage.coverage_map_layers``: every
layer whose name holds ``blind``, e.g. the uncovered part of each gate zone). They are cut
into square cells of ``[siting.camera] sample_cell_m``; candidate poles stand every
``pole_spacing_m`` along the roads and campus walls within ``search_m`` of a blind part (and
at each gate), each looking in ``directions`` directions with the configured view. A camera
covers a cell when its sector (drawn by ``gis.coverage.cameras.sector_polygons``, the same
code that scores cameras) contains the cell's centre. The choice is the MCLP of
:mod:`gis.siting.solvers` with cells weighted by their area (m²): the blind area newly seen
is maximised exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from gis.config import Settings
from gis.coverage.cameras import sector_polygons
from gis.coverage.geometry import WGS84, metric_crs
from gis.siting.config import CameraSiting, SitingConfig
from gis.siting.problem import CoverProblem, CoverSolution
from gis.siting.solvers import solve_mclp_by_parts


def blind_parts(layers: Mapping[str, gpd.GeoDataFrame], *, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """Blind polygons (``school_id``, ``part``, ``blind_m2``; EPSG:4326) from the coverage code."""
    from gis.coverage import coverage_map_layers

    out = []
    for name, frame in coverage_map_layers(layers, settings=settings).items():
        if "blind" in name and frame is not None and len(frame):
            f = gpd.GeoDataFrame(frame).to_crs(WGS84)
            out.append(gpd.GeoDataFrame({"school_id": f["school_id"].astype(str).to_numpy(), "part": name},
                                        geometry=f.geometry.to_numpy(), crs=WGS84))
    if not out:
        return gpd.GeoDataFrame({"school_id": [], "part": []}, geometry=[], crs=WGS84)
    return gpd.GeoDataFrame(pd.concat(out, ignore_index=True), crs=WGS84)


def blind_area_m2(layers: Mapping[str, gpd.GeoDataFrame], *, settings: Settings | None = None) -> float:
    """Total blind area (m², gate zones) as the coverage code computes it."""
    return blind_totals(layers, settings=settings)[0]


def blind_totals(layers: Mapping[str, gpd.GeoDataFrame], *, settings: Settings | None = None
                 ) -> tuple[float, float]:
    """Blind area (m², polygons: gate zones) and blind length (m, lines: campus boundary)."""
    parts = blind_parts(layers, settings=settings)
    if len(parts) == 0:
        return 0.0, 0.0
    geoms = parts.to_crs(metric_crs(parts)).geometry
    return float(geoms.area.sum()), float(geoms.length[~_is_areal(geoms.to_numpy())].sum())


def _is_areal(geoms: np.ndarray) -> np.ndarray:
    return np.isin(shapely.get_type_id(geoms), (3, 6))          # Polygon, MultiPolygon


def boundary_samples(lines: gpd.GeoSeries, *, step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``step_m`` along blind boundary stretches (metric): ``x, y`` and the owning index."""
    xs, ys, owner = [], [], []
    for i, geom in zip(lines.index, lines.to_numpy(), strict=True):
        for part in shapely.get_parts(geom):
            if part.is_empty or part.length == 0:
                continue
            d = np.arange(step_m / 2, part.length, step_m)
            pts = shapely.get_coordinates(shapely.line_interpolate_point(part, d))
            xs.append(pts[:, 0])
            ys.append(pts[:, 1])
            owner.append(np.full(len(pts), i))
    if not xs:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owner)


def sample_cells(blind: gpd.GeoSeries, *, cell_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres inside the blind polygons (metric): ``x, y`` and the owning index (``blind.index``)."""
    xs, ys, owner = [], [], []
    for i, geom in zip(blind.index, blind.to_numpy(), strict=True):
        if geom is None or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        gx, gy = np.meshgrid(np.arange(minx + cell_m / 2, maxx, cell_m), np.arange(miny + cell_m / 2, maxy, cell_m))
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(geom, gx, gy)
        xs.append(gx[inside])
        ys.append(gy[inside])
        owner.append(np.full(int(inside.sum()), i))
    if not xs:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owner)


def candidate_poles(blind: gpd.GeoSeries, lines: np.ndarray, gates: np.ndarray, *,
                    cfg: CameraSiting) -> np.ndarray:
    """Pole positions (metric, shape (n, 2)) along ``lines`` near the blind parts, and the gates."""
    near = shapely.union_all(shapely.buffer(shapely.make_valid(blind.to_numpy()), cfg.search_m))
    pts = []
    if len(lines):
        tree = shapely.STRtree(lines)
        hit = tree.query(near, predicate="intersects")
        for line in shapely.intersection(lines[hit], near):
            for part in shapely.get_parts(line):
                if part.geom_type != "LineString" or part.length == 0:
                    continue
                d = np.arange(0.0, part.length + 1e-9, cfg.pole_spacing_m)
                pts.append(shapely.get_coordinates(shapely.line_interpolate_point(part, d)))
    if len(gates):
        g = gates[shapely.intersects(gates, near)]
        if len(g):
            pts.append(shapely.get_coordinates(g))
    if not pts:
        return np.zeros((0, 2))
    xy = np.vstack(pts)
    return np.unique(np.round(xy, 1), axis=0)


@dataclass
class CameraPlan:
    """Proposed cameras (EPSG:4326 points with ``direction_deg, fov_deg, range_m, school_id,
    blind_m2`` = blind area newly seen, ``boundary_m`` = blind campus boundary newly seen), the
    solution, and the blind area (m²) and boundary (m) before, as the coverage code reports them."""

    proposals: gpd.GeoDataFrame
    solution: CoverSolution
    blind_before_m2: float
    boundary_before_m: float
    candidates: int
    cells: int
    params: dict[str, Any]

    def as_cameras(self) -> gpd.GeoDataFrame:
        """The proposals as rows of the ``cameras`` layer (police owned, working, networked)."""
        p = self.proposals
        return gpd.GeoDataFrame({
            "id": p["id"].to_numpy(), "direction_deg": p["direction_deg"].to_numpy(float),
            "fov_deg": p["fov_deg"].to_numpy(float), "range_m": p["range_m"].to_numpy(float),
            "networked": True, "status": "ok", "owner": "police",
        }, geometry=p.geometry.to_numpy(), crs=WGS84)


def plan_cameras(layers: Mapping[str, gpd.GeoDataFrame], *, add: int, settings: Settings | None = None,
                 roads: gpd.GeoDataFrame | None = None, time_limit: float | None = None,
                 solver: str | None = None) -> CameraPlan:
    """Up to ``add`` cameras (position and direction) that see the most blind area.

    Parameters
    ----------
    layers : mapping
        ``schools`` (gates, campus), ``cameras`` and ``roads`` (EPSG:4326).
    add : int
        K, cameras to add.
    roads : GeoDataFrame, optional
        Road lines for poles (``layers["roads"]`` when omitted).
    """
    config = SitingConfig.from_settings(settings)
    cfg = config.camera
    blind = blind_parts(layers, settings=settings)
    schools = layers["schools"]
    crs = metric_crs(schools)
    blind_m = blind.to_crs(crs).reset_index(drop=True)
    blind_m["geometry"] = shapely.make_valid(blind_m.geometry.to_numpy())
    areal = _is_areal(blind_m.geometry.to_numpy())
    before = float(blind_m.geometry[areal].area.sum()) if len(blind_m) else 0.0
    boundary_before = float(blind_m.geometry[~areal].length.sum()) if len(blind_m) else 0.0
    ax, ay, aown = sample_cells(blind_m.geometry[areal], cell_m=cfg.sample_cell_m)
    # a metre of blind campus boundary counts as a strip one cell wide (same units as the area)
    bx, by, bown = boundary_samples(blind_m.geometry[~areal], step_m=cfg.sample_cell_m)
    cx, cy, owner = np.concatenate([ax, bx]), np.concatenate([ay, by]), np.concatenate([aown, bown]).astype(int)
    on_boundary = np.concatenate([np.zeros(len(ax), bool), np.ones(len(bx), bool)])
    roads = layers.get("roads") if roads is None else roads
    lines = []
    if roads is not None and len(roads):
        lines.append(shapely.get_parts(roads.to_crs(crs).geometry.to_numpy()))
    if "campus" in schools.columns:
        campus = gpd.GeoSeries(schools["campus"], crs=WGS84).dropna()
        if len(campus):
            lines.append(shapely.get_parts(shapely.boundary(campus.to_crs(crs).to_numpy())))
    lines_arr = np.concatenate(lines) if lines else np.empty(0, dtype=object)
    gates = shapely.get_parts(schools.to_crs(crs).geometry.to_numpy())
    poles = candidate_poles(blind_m.geometry, lines_arr, gates, cfg=cfg) if len(cx) else np.zeros((0, 2))
    n_dir = int(cfg.directions)
    directions = np.arange(n_dir) * 360.0 / n_dir
    px = np.repeat(poles[:, 0], n_dir)
    py = np.repeat(poles[:, 1], n_dir)
    pd_ = np.tile(directions, len(poles))
    sectors = sector_polygons(px, py, pd_, np.full(len(px), cfg.fov_deg), np.full(len(px), cfg.range_m))
    cells = shapely.points(cx, cy)
    if len(sectors) and len(cells):
        idx = shapely.STRtree(cells).query(sectors, predicate="contains")
        cover = sp.csr_matrix((np.ones(idx.shape[1], bool), (idx[0], idx[1])), shape=(len(sectors), len(cells)))
    else:
        cover = sp.csr_matrix((len(sectors), len(cells)), dtype=bool)
    area = np.full(len(cells), cfg.sample_cell_m ** 2)
    problem = CoverProblem(demand_ids=[str(i) for i in range(len(cells))], weights=area,
                           fixed_covered=np.zeros(len(cells), bool), cover=cover,
                           candidate_ids=[str(j) for j in range(len(sectors))])
    sol = solve_mclp_by_parts(problem, add, solver=solver or config.solver,
                     time_limit=float(config.time_limit_s if time_limit is None else time_limit),
                     mip_rel_gap=config.mip_rel_gap)
    chosen = np.asarray(sol.chosen, dtype=int)
    seen = np.zeros(len(cells), bool)
    rows = []
    school_of = blind_m["school_id"].to_numpy()
    for k, j in enumerate(chosen, start=1):
        mine = cover[j].toarray().ravel() & ~seen
        seen |= cover[j].toarray().ravel()
        schools_hit = pd.Series(school_of[owner[mine]]).value_counts()
        rows.append({"id": f"new-camera-{k}", "name": f"拟建监控{k}", "kind": "camera",
                     "direction_deg": float(pd_[j]), "fov_deg": cfg.fov_deg, "range_m": cfg.range_m,
                     "school_id": str(schools_hit.index[0]) if len(schools_hit) else None,
                     "blind_m2": round(float((mine & ~on_boundary).sum() * cfg.sample_cell_m ** 2), 1),
                     "boundary_m": round(float((mine & on_boundary).sum() * cfg.sample_cell_m), 1),
                     "geometry": shapely.Point(px[j], py[j])})
    props = gpd.GeoDataFrame(rows, columns=["id", "name", "kind", "direction_deg", "fov_deg", "range_m",
                                            "school_id", "blind_m2", "boundary_m", "geometry"],
                             geometry="geometry", crs=crs)
    props = props.to_crs(WGS84)
    if len(props):
        names = dict(zip(schools["id"].astype(str), schools["name"].astype(str), strict=True))
        props["school_name"] = [names.get(s, "") for s in props["school_id"]]
    params = {"kind": "camera", "add": int(add), "fov_deg": cfg.fov_deg, "range_m": cfg.range_m,
              "directions": n_dir, "pole_spacing_m": cfg.pole_spacing_m, "sample_cell_m": cfg.sample_cell_m}
    return CameraPlan(proposals=props, solution=sol, blind_before_m2=before, boundary_before_m=boundary_before,
                      candidates=len(sectors),
                      cells=len(cells), params=params)
