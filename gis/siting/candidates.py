"""Candidate sites for new 警务室 / 岗亭: from the road network, or from a planner's file.

Road candidates are junctions (three or more road pieces meet) and points along the roads,
each thinned to at most one per square cell of ``candidate_spacing_m`` metres (junctions
first, the busiest kept), on roads of classes where a post may stand. A planner's file
(CSV/XLSX/GeoJSON/…, read by :mod:`gis.io.tables`, columns 编号/名称/经度/纬度 in zh or en)
is checked row by row: unreadable or missing coordinates, duplicates and sites farther than
``max_snap_m`` from any road are *rejected with the reason*, the rest kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.errors import ValidationError
from gis.network.graph import CRS_WGS84, RoadGraph

CANDIDATE_COLUMNS = ("id", "name", "source")


@dataclass
class CandidateSet:
    """Accepted candidate sites and the rejected rows of a planner's file.

    Attributes
    ----------
    sites : GeoDataFrame
        ``id, name, source`` (``junction``, ``road`` or ``file``), Point geometry EPSG:4326.
    rejected : DataFrame
        ``row, id, reason_zh, reason_en`` (empty for road candidates).
    """

    sites: gpd.GeoDataFrame
    rejected: pd.DataFrame


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype=int), "id": pd.Series(dtype=str),
                         "reason_zh": pd.Series(dtype=str), "reason_en": pd.Series(dtype=str)})


def _thin(xy: np.ndarray, priority: np.ndarray, cell_m: float) -> np.ndarray:
    """Indices keeping one point per ``cell_m`` square cell, the highest ``priority`` first."""
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    cells = np.floor(xy / cell_m).astype(np.int64)
    order = np.lexsort((-priority,))
    _, first = np.unique(cells[order], axis=0, return_index=True)
    return np.sort(order[first])


def road_candidates(graph: RoadGraph, *, spacing_m: float,
                    exclude_classes: tuple[str, ...] = ()) -> CandidateSet:
    """Junctions and road points of the graph, thinned to about one per ``spacing_m`` cell.

    Parameters
    ----------
    graph : RoadGraph
    spacing_m : float
        Metres between road points and the cell size of the thinning.
    exclude_classes : tuple of str
        Road classes (OSM ``highway``) where no post may be sited.

    Returns
    -------
    CandidateSet
        ``sites`` with ids ``J<node>`` (junctions) and ``R<segment>.<k>`` (road points).
    """
    if spacing_m <= 0:
        msg = "候选点间距必须大于 0 米 / candidate_spacing_m must be positive"
        raise ValidationError(msg)
    allowed_class = np.array([c not in set(exclude_classes) for c in graph.classes], dtype=bool)
    seg_ok = allowed_class[graph.seg_class]
    n = graph.n_nodes
    degree = np.bincount(graph.seg_a, minlength=n) + np.bincount(graph.seg_b, minlength=n)
    node_ok = np.zeros(n, dtype=bool)
    node_ok[graph.seg_a[seg_ok]] = True
    node_ok[graph.seg_b[seg_ok]] = True
    junctions = np.flatnonzero(node_ok & (degree >= 3))
    keep_j = junctions[_thin(graph.node_xy[junctions], degree[junctions].astype(float), spacing_m)]

    # Road points: every spacing along each allowed segment (at least its midpoint).
    seg = np.flatnonzero(seg_ok)
    length = graph.seg_length_m[seg]
    count = np.maximum(np.floor(length / spacing_m).astype(np.int64), 1)
    owner = np.repeat(np.arange(len(seg)), count)
    k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    t = (k + 0.5) / count[owner]
    a, b = graph.node_xy[graph.seg_a[seg[owner]]], graph.node_xy[graph.seg_b[seg[owner]]]
    pts = a + t[:, None] * (b - a)
    keep_r = _thin(pts, length[owner], spacing_m)

    ids = [f"J{j}" for j in keep_j] + [f"R{s}.{i}" for s, i in zip(seg[owner][keep_r], k[keep_r],
                                                                      strict=True)]
    xy = np.vstack([graph.node_xy[keep_j], pts[keep_r]]) if len(ids) else np.zeros((0, 2))
    lon, lat = graph.to_wgs84().transform(xy[:, 0], xy[:, 1])
    source = ["junction"] * len(keep_j) + ["road"] * len(keep_r)
    sites = gpd.GeoDataFrame({"id": ids, "name": ids, "source": source},
                             geometry=shapely.points(lon, lat), crs=CRS_WGS84)
    return CandidateSet(sites=sites, rejected=_empty_rejected())


def _coordinate_columns(frame: pd.DataFrame) -> tuple[str | None, str | None, str | None, str | None]:
    from gis.io.headers import match_headers

    mapping = match_headers(frame.columns, "police_posts")
    pick = {target: col for col, target in mapping.items() if target}
    return pick.get("id"), pick.get("name"), pick.get("lon"), pick.get("lat")


def file_candidates(path: str | Path, graph: RoadGraph, *, max_snap_m: float) -> CandidateSet:
    """Candidate sites from a planner's file, with the reason for every rejected row.

    Parameters
    ----------
    path : path
        CSV/XLSX with 编号/名称/经度/纬度 (or id/name/lon/lat) columns, or a point vector file.
        Coordinates are WGS-84 (convert GCJ-02/BD-09 files with the importer first).
    graph : RoadGraph
    max_snap_m : float
        Rows farther than this many metres from every road are rejected.

    Returns
    -------
    CandidateSet
        ``sites`` (source ``file``) and ``rejected`` (``row`` = the line the planner sees).

    Raises
    ------
    ValidationError
        When the file has no coordinate columns or no row is usable.
    """
    from gis.io.tables import read_table
    from gis.io.values import parse_coordinate, parse_id, parse_text

    raw = read_table(path, layer_name="police_posts")
    frame = raw.frame
    id_col, name_col, lon_col, lat_col = _coordinate_columns(frame)
    has_geometry = raw.geometry is not None
    if not has_geometry and (lon_col is None or lat_col is None):
        msg = (f"候选点文件 {Path(path).name} 缺少经度/纬度列（文件列：{'、'.join(map(str, frame.columns))}） / "
               f"candidate file {Path(path).name} has no longitude/latitude columns")
        raise ValidationError(msg)
    rows, ids, names, lons, lats = [], [], [], [], []
    rejected: list[dict] = []

    def reject(row: int, rid: str, zh: str, en: str) -> None:
        rejected.append({"row": int(row), "id": rid, "reason_zh": zh, "reason_en": en})

    seen: set[str] = set()
    geoms = raw.geometry.to_crs(CRS_WGS84) if has_geometry and raw.geometry.crs is not None else raw.geometry
    for position, (row, cells) in enumerate(frame.iterrows()):
        rid = (parse_id(cells[id_col]) if id_col else None) or f"row{row}"
        if has_geometry:
            geom = geoms.iloc[position]
            point = None if geom is None or geom.is_empty else geom
            if point is not None and point.geom_type != "Point":
                point = point.representative_point()
            lon = point.x if point is not None else None
            lat = point.y if point is not None else None
        else:
            lon, lat = parse_coordinate(cells[lon_col]), parse_coordinate(cells[lat_col])
        if lon is None or lat is None:
            reject(row, rid, "经纬度缺失或无法识别", "missing or unreadable coordinates")
            continue
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            reject(row, rid, f"经纬度超出范围（{lon}, {lat}）", f"coordinates out of range ({lon}, {lat})")
            continue
        if rid in seen:
            reject(row, rid, f"编号 {rid} 重复", f"duplicate id {rid}")
            continue
        seen.add(rid)
        rows.append(int(row))
        ids.append(rid)
        names.append((parse_text(cells[name_col]) if name_col else None) or rid)
        lons.append(float(lon))
        lats.append(float(lat))
    sites = gpd.GeoDataFrame({"id": ids, "name": names, "source": "file", "row": rows},
                             geometry=shapely.points(lons, lats) if lons else [], crs=CRS_WGS84)
    if len(sites):
        px, py = graph.to_local().transform(np.asarray(lons), np.asarray(lats))
        _, dist = graph.segment_tree().query_nearest(shapely.points(px, py), return_distance=True,
                                                     all_matches=False)
        far = dist > max_snap_m
        for row, rid, d in zip(sites["row"][far], sites["id"][far], dist[far], strict=True):
            reject(row, rid, f"距最近道路 {d:.0f} 米，超过 {max_snap_m:g} 米（不在路网上，无法计算到达时间）",
                   f"{d:.0f} m from the nearest road, beyond {max_snap_m:g} m (off the road network)")
        sites = sites[~far].reset_index(drop=True)
    if len(sites) == 0:
        msg = (f"候选点文件 {Path(path).name} 中没有可用的点位（{len(rejected)} 行被拒绝） / "
               f"no usable site in {Path(path).name} ({len(rejected)} rows rejected)")
        raise ValidationError(msg)
    rej = pd.DataFrame(rejected) if rejected else _empty_rejected()
    return CandidateSet(sites=sites.drop(columns="row"), rejected=rej.sort_values("row").reset_index(drop=True))
