"""Reach polygons (1-3-5-minute response areas) per post, beside the naive circle.

A band's polygon is the union of the road pieces a post reaches within the band, each
buffered by ``reach_buffer_m``: whole edges whose far end is reached, the reachable
*fraction* of edges left part-way (remaining seconds / edge seconds), the post's own
segment from its snapped position and its off-road leg. Blocks wider than twice the buffer
stay honest holes, and roads that cross without a junction (bridges) or across a river are
never joined — no hull is drawn.

How: per post and band, a grid holds the earliest time a reached road passes within the
buffer, and the polygon is the filled contour ``time <= band`` of that grid (contourpy), so
the reach front along a road is interpolated in time and the corridor edge is exact to
about one cell. The cell is ``reach_cell_m`` (8 m) for small reaches and grows with the
band's extent (at most ``MAX_GRID_SIDE`` cells across, ~26 m for a 5-minute reach over a
county's arterials). This is over ten times faster than a GEOS union of the thousands of
segment buffers of a county-scale 5-minute reach.
The circle's reachable share is counted on the same grid.
"""

from __future__ import annotations

import contourpy
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage
from scipy.sparse.csgraph import dijkstra

from gis.network.config import NetworkConfig
from gis.network.field import Snapped, source_matrix, usable_posts
from gis.network.graph import CRS_WGS84, RoadGraph

UNREACHED = 1e9  # grid value of cells no reached road comes near (seconds)
MAX_GRID_SIDE = 320  # a band's tracing grid has at most about this many cells across
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


def timed_pieces(graph: RoadGraph, dist: np.ndarray, source: Snapped, limit_s: float, *,
                 peak: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Straight road pieces one source reaches within ``limit_s``, with their times.

    Parameters
    ----------
    dist : ndarray, shape (n_nodes,)
        Seconds from the source to every node.
    source : Snapped
        The source alone (its off-road leg and own segment are pieces too).

    Returns
    -------
    start, end : ndarray, shape (p, 2)
        Piece end points in metres; the time grows linearly from ``start`` to ``end``.
    t_start, t_end : ndarray, shape (p,)
        Seconds at ``start`` and ``end`` (``t_end <= limit_s``). Edges left part-way are cut at
        the reachable fraction (remaining seconds / edge seconds).
    """
    u, v, w, _ = graph.edges(peak)
    indptr = graph.csr(peak).indptr
    nodes = np.flatnonzero(dist < limit_s)
    first, count = indptr[nodes], indptr[nodes + 1] - indptr[nodes]
    rows = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
    u, v, w = u[rows], v[rows], w[rows]
    du = dist[u]
    frac = np.minimum(1.0, (limit_s - du) / w)
    xy = graph.node_xy
    start = [xy[u]]
    end = [xy[u] + frac[:, None] * (xy[v] - xy[u])]
    t0, t1 = [du], [du + frac * w]

    fw, bw = graph.segment_times(peak)
    seg, t, access = source.seg[0], source.t[0], source.access_s[0]
    here, point = source.xy[0], source.pxy[0]
    leg = min(1.0, limit_s / access) if access > 0 else 0.0
    if leg > 0:
        start.append(point[None]), end.append((point + leg * (here - point))[None])
        t0.append(np.zeros(1)), t1.append(np.array([leg * access]))
    left = limit_s - access
    if left > 0:
        ab = xy[graph.seg_b[seg]] - xy[graph.seg_a[seg]]
        for times, room, sign in ((fw[seg], 1.0 - t, 1.0), (bw[seg], t, -1.0)):
            if np.isfinite(times) and room > 0:
                f = min(room, left / max(times, 1e-9))
                start.append(here[None]), end.append((here + sign * f * ab)[None])
                t0.append(np.array([access])), t1.append(np.array([access + f * times]))
    return (np.concatenate(start), np.concatenate(end), np.concatenate(t0), np.concatenate(t1))


def clip_pieces(start: np.ndarray, end: np.ndarray, t_start: np.ndarray, t_end: np.ndarray,
                band_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The part of each timed piece reached within ``band_s``."""
    keep = t_start < band_s
    start, end, t_start, t_end = start[keep], end[keep], t_start[keep], t_end[keep]
    span = t_end - t_start
    frac = np.where(span > 0, np.minimum(1.0, (band_s - t_start) / np.where(span > 0, span, 1.0)), 1.0)
    return start, start + frac[:, None] * (end - start), t_start, t_start + frac * span


def grid_cell(extent_m: float, *, cell_m: float, buffer_m: float) -> float:
    """Cell size for one band: at least ``cell_m``, at most ``MAX_GRID_SIDE`` cells across,
    and a whole fraction of the buffer so the corridor half-width is a whole number of cells."""
    needed = max(cell_m, extent_m / MAX_GRID_SIDE)
    k = int(buffer_m // needed)
    return buffer_m / k if k >= 1 else needed


def time_grid(start: np.ndarray, end: np.ndarray, t_start: np.ndarray, t_end: np.ndarray, *,
              cell_m: float, buffer_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A grid of "earliest time a reached road passes within ``buffer_m``" (seconds).

    Pieces are sampled every cell, each cell keeps its earliest sample, then a minimum
    filter over a disc of ``buffer_m`` (the union of three separable rectangles, an octagon)
    spreads the times sideways. Cells no road comes near hold ``UNREACHED``.

    Returns
    -------
    xs, ys : ndarray
        Cell-centre coordinates (metres).
    grid : ndarray of float32, shape (len(ys), len(xs))
    """
    k = max(1, int(round(buffer_m / cell_m)))
    margin = (k + 2) * cell_m
    lo = np.minimum(start.min(axis=0), end.min(axis=0)) - margin
    hi = np.maximum(start.max(axis=0), end.max(axis=0)) + margin
    nx_, ny_ = (np.ceil((hi - lo) / cell_m).astype(int) + 1)
    delta = end - start
    n = np.ceil(np.hypot(delta[:, 0], delta[:, 1]) / cell_m).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(n)), n)
    step = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    f = step / np.repeat(np.maximum(n - 1, 1), n)
    pts = start[owner] + f[:, None] * delta[owner]
    times = t_start[owner] + f * (t_end - t_start)[owner]
    ij = np.rint((pts - lo) / cell_m).astype(np.int64)
    flat = ij[:, 1] * nx_ + ij[:, 0]
    grid = np.full(nx_ * ny_, UNREACHED, dtype=np.float32)
    np.minimum.at(grid, flat, times.astype(np.float32))
    grid = grid.reshape(ny_, nx_)
    d = max(1, int(round(k / np.sqrt(2.0))))
    s = max(0, int(round(k * 0.4)))
    shapes = [(k, k)] if d >= k else [(k, s), (d, d), (s, k)]
    grid = np.minimum.reduce([ndimage.minimum_filter(grid, size=(2 * a + 1, 2 * b + 1), mode="nearest")
                              for a, b in shapes])
    xs = lo[0] + np.arange(nx_) * cell_m
    ys = lo[1] + np.arange(ny_) * cell_m
    return xs, ys, grid


def trace_polygon(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, band_s: float):
    """The area where ``grid <= band_s``, traced as polygons with holes (metres)."""
    # The generator class directly: contour_generator() first scans z through numpy.ma
    # for NaNs, which our grid never holds, and that costs more than the tracing itself.
    shape = grid.shape
    gen = contourpy.SerialContourGenerator(
        np.broadcast_to(xs[None, :], shape), np.broadcast_to(ys[:, None], shape),
        np.asarray(grid, dtype=np.float64), None, corner_mask=True,
        line_type=contourpy.LineType.SeparateCode,
        fill_type=contourpy.FillType.ChunkCombinedOffsetOffset, quad_as_tri=False,
        z_interp=contourpy.ZInterp.Linear)
    points, ring_offsets, outer_offsets = gen.filled(-1.0, band_s)
    if not points or points[0] is None or len(points[0]) == 0:
        return shapely.Polygon()
    polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, points[0],
                                         (ring_offsets[0], outer_offsets[0]))
    return polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)


def band_polygon(pieces: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], band_s: float,
                 centre: np.ndarray, radius_m: float, *, cell_m: float, buffer_m: float):
    """One band's reach polygon and the share of the circle (``centre``, ``radius_m``) it covers.

    The share is the polygon's area times the fraction of its grid cells inside the circle,
    over the circle's area.
    """
    start, end, t0, t1 = clip_pieces(*pieces, band_s)
    if len(start) == 0:
        return shapely.Polygon(), 0.0
    extent = float(np.max(np.maximum(start.max(axis=0), end.max(axis=0))
                          - np.minimum(start.min(axis=0), end.min(axis=0)))) + 2 * buffer_m
    cell = grid_cell(extent, cell_m=cell_m, buffer_m=buffer_m)
    xs, ys, grid = time_grid(start, end, t0, t1, cell_m=cell, buffer_m=buffer_m)
    polygon = trace_polygon(xs, ys, grid, band_s)
    inside = grid <= band_s
    in_circle = inside & (((xs[None, :] - centre[0]) ** 2 + (ys[:, None] - centre[1]) ** 2)
                          <= radius_m ** 2)
    share_of_reach = in_circle.sum() / max(int(inside.sum()), 1)
    share = shapely.area(polygon) * share_of_reach / (np.pi * radius_m ** 2)
    return polygon, float(min(1.0, share))


def reach_polygons(graph: RoadGraph, posts: gpd.GeoDataFrame, *,
                   minutes: tuple[float, ...] | None = None, peak: str | None = None,
                   buffer_m: float | None = None, nominal_speed_kmh: float | None = None,
                   cell_m: float | None = None, max_snap_m: float | None = None,
                   id_column: str = "id",
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
    cell_m : float, optional
        Grid cell used to trace the polygons, metres (config ``reach_cell_m``); the corridor
        edge is exact to about one cell.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per post and band: ``post_id``, ``minutes``, ``band_s``,
        ``area_km2`` (reach polygon), ``circle_radius_m`` (minutes × 60 × nominal speed),
        ``circle_area_km2``, ``circle_reach_share`` (area of reach ∩ circle / circle area,
        the intersection counted on the tracing grid),
        active geometry ``geometry`` (the reach polygon) and a second geometry column
        ``circle`` (the naive circle around the post).
    """
    config = config or NetworkConfig.from_settings()
    minutes = tuple(float(m) for m in (minutes or config.bands_minutes))
    buffer_m = config.reach_buffer_m if buffer_m is None else float(buffer_m)
    speed = config.nominal_speed_kmh if nominal_speed_kmh is None else float(nominal_speed_kmh)
    cell_m = config.reach_cell_m if cell_m is None else float(cell_m)
    sources, off = usable_posts(graph, posts, config, max_snap_m, id_column)
    bands = sorted(m * 60.0 for m in minutes)
    dist = post_node_times(graph, sources, peak=peak, limit_s=max(bands))
    rows, reach, circles = [], [], []
    shares = []
    for i in range(len(sources)):
        one = sources.subset(np.arange(len(sources)) == i)
        centre = one.pxy[0]
        pieces = timed_pieces(graph, dist[i], one, max(bands), peak=peak)
        for band in bands:
            radius = band * speed / 3.6
            polygon, share = band_polygon(pieces, band, centre, radius, cell_m=cell_m,
                                          buffer_m=buffer_m)
            reach.append(polygon)
            shares.append(share)
            circles.append(shapely.buffer(shapely.points(centre), radius,
                                          quad_segs=CIRCLE_QUAD_SEGS))
            rows.append({"post_id": one.ids[0], "minutes": band / 60.0, "band_s": band,
                         "circle_radius_m": radius})
    reach_arr = np.asarray(reach, dtype=object)
    circle_arr = np.asarray(circles, dtype=object)
    frame = pd.DataFrame(rows, columns=["post_id", "minutes", "band_s", "circle_radius_m"])
    frame["area_km2"] = shapely.area(reach_arr) / 1e6 if len(rows) else []
    frame["circle_area_km2"] = shapely.area(circle_arr) / 1e6 if len(rows) else []
    frame["circle_reach_share"] = np.asarray(shares, dtype=float)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(reach_arr, crs=graph.crs)).to_crs(CRS_WGS84)
    out["circle"] = gpd.GeoSeries(circle_arr, crs=graph.crs, index=out.index).to_crs(CRS_WGS84)
    out = out[["post_id", "minutes", "band_s", "area_km2", "circle_radius_m", "circle_area_km2",
               "circle_reach_share", "geometry", "circle"]]
    out.attrs["posts_off_network"] = off
    return out
