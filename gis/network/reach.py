"""Reach polygons (1-3-5-minute response areas) per post, beside the naive circle.

A band's polygon is the union of the road pieces a post reaches within the band, each
buffered by ``reach_buffer_m``: whole segments whose far end is reached, the reachable
*fraction* of segments left part-way (remaining seconds / segment seconds), the post's own
segment from its snapped position and its off-road leg. Blocks wider than twice the buffer
stay honest holes, and roads that cross without a junction (bridges) or across a river are
never joined — no hull is drawn. Geometry work is done on shapely arrays, one buffer of
one MultiLineString per post and band.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from gis.network.config import NetworkConfig
from gis.network.field import Snapped, source_matrix, usable_posts
from gis.network.graph import CRS_WGS84, RoadGraph

BUFFER_QUAD_SEGS = 4
CIRCLE_QUAD_SEGS = 32


def post_node_times(graph: RoadGraph, sources: Snapped, *, peak: str | None = None,
                    limit_s: float = np.inf) -> np.ndarray:
    """Seconds from each snapped source to every node (``inf`` beyond ``limit_s``).

    Returns
    -------
    ndarray, shape (n_sources, n_nodes)
    """
    n = graph.n_nodes
    matrix = source_matrix(graph, sources, peak)
    dist = dijkstra(matrix, indices=n + np.arange(len(sources)), limit=limit_s)
    return dist[:, :n]


def reached_pieces(graph: RoadGraph, dist: np.ndarray, band_s: float, *, peak: str | None = None,
                   ) -> np.ndarray:
    """Road pieces reached within ``band_s`` from node times ``dist`` (one source).

    Returns
    -------
    ndarray, shape (p, 2, 2)
        Start and end point (metres) of each reached piece: whole segments (once per
        segment) and the reachable part of segments entered but not finished.
    """
    u, v, w, seg = graph.edges(peak)
    du = dist[u]
    entered = du < band_s
    u, v, w, seg, du = u[entered], v[entered], w[entered], seg[entered], du[entered]
    frac = np.minimum(1.0, (band_s - du) / w)
    full = frac >= 1.0
    whole = np.unique(seg[full])
    xy = graph.node_xy
    whole_pieces = np.stack([xy[graph.seg_a[whole]], xy[graph.seg_b[whole]]], axis=1)
    start = xy[u[~full]]
    end = start + frac[~full, None] * (xy[v[~full]] - start)
    return np.concatenate([whole_pieces, np.stack([start, end], axis=1)])


def own_segment_pieces(graph: RoadGraph, source: Snapped, band_s: float, *,
                       peak: str | None = None) -> np.ndarray:
    """The pieces a single source reaches directly: its off-road leg and its own segment."""
    fw, bw = graph.segment_times(peak)
    seg, t = source.seg[0], source.t[0]
    access = source.access_s[0]
    pieces = []
    leg = min(1.0, band_s / access) if access > 0 else 1.0
    if access > 0:
        p, q = source.pxy[0], source.xy[0]
        pieces.append([p, p + leg * (q - p)])
    left = band_s - access
    if left > 0:
        a, b = graph.node_xy[graph.seg_a[seg]], graph.node_xy[graph.seg_b[seg]]
        here = source.xy[0]
        if np.isfinite(fw[seg]):
            pieces.append([here, here + min(1.0 - t, left / max(fw[seg], 1e-9)) * (b - a)])
        if np.isfinite(bw[seg]):
            pieces.append([here, here - min(t, left / max(bw[seg], 1e-9)) * (b - a)])
    return np.asarray(pieces, dtype=float).reshape(-1, 2, 2)


def band_polygon(pieces: np.ndarray, buffer_m: float):
    """Buffer a set of straight pieces (metres) into one (Multi)Polygon."""
    if len(pieces) == 0:
        return shapely.Polygon()
    lines = shapely.linestrings(pieces)
    lines = lines[shapely.length(lines) > 0]
    shape = shapely.multilinestrings(lines) if len(lines) else shapely.points(pieces[0, 0])
    return shapely.buffer(shape, buffer_m, quad_segs=BUFFER_QUAD_SEGS)


def reach_polygons(graph: RoadGraph, posts: gpd.GeoDataFrame, *,
                   minutes: tuple[float, ...] | None = None, peak: str | None = None,
                   buffer_m: float | None = None, nominal_speed_kmh: float | None = None,
                   max_snap_m: float | None = None, id_column: str = "id",
                   config: NetworkConfig | None = None) -> gpd.GeoDataFrame:
    """Reach polygon and naive circle per post and band.

    Parameters
    ----------
    graph : RoadGraph
    posts : GeoDataFrame
        Police posts (points). Posts farther than ``max_snap_m`` from a road are skipped and
        listed in ``attrs["posts_off_network"]``.
    minutes : tuple of float, optional
        Bands in minutes (config ``bands_minutes``: 1, 3, 5).
    peak : {"am", "pm"}, optional
        Apply the peak factors.
    buffer_m : float, optional
        Corridor half-width in metres (config ``reach_buffer_m``).
    nominal_speed_kmh : float, optional
        Speed of the naive circle (config ``nominal_speed_kmh``).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per post and band: ``post_id``, ``minutes``, ``band_s``,
        ``area_km2`` (reach polygon), ``circle_radius_m`` (minutes × 60 × nominal speed),
        ``circle_area_km2``, ``circle_reach_share`` (area of reach ∩ circle / circle area),
        active geometry ``geometry`` (the reach polygon) and a second geometry column
        ``circle`` (the naive circle around the post).
    """
    config = config or NetworkConfig.from_settings()
    minutes = tuple(float(m) for m in (minutes or config.bands_minutes))
    buffer_m = config.reach_buffer_m if buffer_m is None else float(buffer_m)
    speed = config.nominal_speed_kmh if nominal_speed_kmh is None else float(nominal_speed_kmh)
    sources, off = usable_posts(graph, posts, config, max_snap_m, id_column)
    bands = sorted(m * 60.0 for m in minutes)
    dist = post_node_times(graph, sources, peak=peak, limit_s=max(bands))
    rows, reach, circles = [], [], []
    for i in range(len(sources)):
        one = sources.subset(np.arange(len(sources)) == i)
        centre = shapely.points(one.pxy[0])
        for band in bands:
            pieces = np.concatenate([own_segment_pieces(graph, one, band, peak=peak),
                                     reached_pieces(graph, dist[i], band, peak=peak)])
            reach.append(band_polygon(pieces, buffer_m))
            radius = band * speed / 3.6
            circles.append(shapely.buffer(centre, radius, quad_segs=CIRCLE_QUAD_SEGS))
            rows.append({"post_id": one.ids[0], "minutes": band / 60.0, "band_s": band,
                         "circle_radius_m": radius})
    reach_arr = np.asarray(reach, dtype=object)
    circle_arr = np.asarray(circles, dtype=object)
    frame = pd.DataFrame(rows, columns=["post_id", "minutes", "band_s", "circle_radius_m"])
    frame["area_km2"] = shapely.area(reach_arr) / 1e6 if len(rows) else []
    circle_area = shapely.area(circle_arr) if len(rows) else np.array([])
    frame["circle_area_km2"] = circle_area / 1e6
    inside = shapely.area(shapely.intersection(reach_arr, circle_arr)) if len(rows) else np.array([])
    frame["circle_reach_share"] = inside / np.where(circle_area > 0, circle_area, 1.0)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(reach_arr, crs=graph.crs)).to_crs(CRS_WGS84)
    out["circle"] = gpd.GeoSeries(circle_arr, crs=graph.crs, index=out.index).to_crs(CRS_WGS84)
    out = out[["post_id", "minutes", "band_s", "area_km2", "circle_radius_m", "circle_area_km2",
               "circle_reach_share", "geometry", "circle"]]
    out.attrs["posts_off_network"] = off
    return out
