"""Shortest-path fields on the road graph: nearest post, response times, matrices, routes.

All passes run ``scipy.sparse.csgraph.dijkstra`` (compiled) on the graph's CSR matrix of
edge seconds. Snapped *sources* (posts, route starts) become extra rows of that matrix —
a virtual node with edges to the two ends of its segment costing the access leg plus the
partial segment time in each open direction — so the base matrix is never rebuilt.
Snapped *targets* are read off the distances of their segment's ends afterwards
(``dist[a] + t·T(a→b)`` or ``dist[b] + (1−t)·T(b→a)``), and a source and a target on
the same segment also get the direct way along it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point

from gis.errors import NoPathError, ValidationError
from gis.network.config import NetworkConfig
from gis.network.graph import MIN_EDGE_S, RoadGraph
from gis.network.snap import snap_points

DEFAULT_BANDS_S = (60, 180, 300)
MATRIX_CHUNK = 32
AT_NODE_M = 0.01  # a snapped point this close to a segment end is at that node


@dataclass(frozen=True)
class Snapped:
    """Snapped points as plain arrays (one entry per point).

    ``walk_s_per_m`` and ``back_m`` say how a point may leave its segment against a closed
    one-way direction: on foot, for at most ``back_m`` metres (see ``_partial``).
    """

    ids: np.ndarray
    seg: np.ndarray
    t: np.ndarray
    access_s: np.ndarray
    xy: np.ndarray
    pxy: np.ndarray
    walk_s_per_m: np.ndarray
    back_m: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Snapped:
        return cls(ids=frame["point_id"].to_numpy().astype(str), seg=frame["seg"].to_numpy(np.int64),
                   t=frame["t"].to_numpy(float), access_s=frame["access_s"].to_numpy(float),
                   xy=frame[["x", "y"]].to_numpy(float), pxy=frame[["px", "py"]].to_numpy(float),
                   walk_s_per_m=frame["walk_s_per_m"].to_numpy(float),
                   back_m=frame["back_m"].to_numpy(float))

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: np.ndarray) -> Snapped:
        return Snapped(self.ids[mask], self.seg[mask], self.t[mask], self.access_s[mask],
                       self.xy[mask], self.pxy[mask], self.walk_s_per_m[mask], self.back_m[mask])


def _partial(fraction: np.ndarray, times: np.ndarray, length_m: np.ndarray,
             points: Snapped | None = None) -> np.ndarray:
    """Seconds to cover ``fraction`` of segments: ``fraction × times``.

    A closed direction (``inf``) stays closed unless the distance is nil (a point lying on
    the segment's end node is at that node whatever the one-way) or, for the snapped
    ``points`` the fractions belong to, short enough to walk: at most ``points.back_m``
    metres at ``points.walk_s_per_m`` (the officer walks back to the gate a few metres
    behind him instead of driving round the block). Only part of a segment is walked: a
    point on a segment's end node does not walk the whole segment back, so points on nodes
    keep the road graph's own times.
    """
    finite = np.isfinite(times)
    metres = np.abs(fraction) * length_m
    cost = np.where(finite, fraction * np.where(finite, times, 0.0), np.inf)
    if points is not None:
        walk = ~finite & (metres <= points.back_m) & (length_m - metres > AT_NODE_M)
        cost = np.where(walk, metres * points.walk_s_per_m, cost)
    return np.where(metres <= AT_NODE_M, 0.0, cost)


def source_matrix(graph: RoadGraph, sources: Snapped, peak: str | None = None) -> sp.csr_matrix:
    """The graph's CSR matrix with one extra row (virtual node) per source.

    Virtual node ``n_nodes + i`` has edges to both ends of source ``i``'s segment, costing
    the access leg plus the partial time in each open direction (seconds).
    """
    base = graph.csr(peak)
    fw, bw = graph.segment_times(peak)
    n, k = graph.n_nodes, len(sources)
    seg = sources.seg
    cols = np.stack([graph.seg_b[seg], graph.seg_a[seg]], axis=1)
    length = graph.seg_length_m[seg]
    vals = np.stack([_partial(1.0 - sources.t, fw[seg], length, sources),
                     _partial(sources.t, bw[seg], length, sources)], axis=1)
    vals = vals + sources.access_s[:, None]
    ok = np.isfinite(vals)
    counts = ok.sum(axis=1)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)]).astype(np.int32)
    indices = np.concatenate([base.indices, cols[ok].astype(np.int32)])
    data = np.concatenate([base.data, np.maximum(vals[ok], MIN_EDGE_S)])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def target_times(graph: RoadGraph, dist: np.ndarray, targets: Snapped,
                 peak: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seconds to each target from node distances, and whether it was entered from ``seg_a``.

    Parameters
    ----------
    dist : ndarray, shape (..., n)
        Distances (seconds) to graph nodes (extra columns beyond ``n_nodes`` are ignored).

    Returns
    -------
    times : ndarray, shape (..., n_targets)
        Including the targets' access legs.
    from_a : ndarray of bool, same shape
    """
    fw, bw = graph.segment_times(peak)
    seg = targets.seg
    length = graph.seg_length_m[seg]
    via_a = dist[..., graph.seg_a[seg]] + _partial(targets.t, fw[seg], length, targets)
    via_b = dist[..., graph.seg_b[seg]] + _partial(1.0 - targets.t, bw[seg], length, targets)
    from_a = via_a <= via_b
    return np.where(from_a, via_a, via_b) + targets.access_s, from_a


def same_segment_pairs(graph: RoadGraph, sources: Snapped, targets: Snapped,
                       peak: str | None = None) -> pd.DataFrame:
    """Direct times along a shared segment: columns ``source``, ``target``, ``seconds``."""
    fw, bw = graph.segment_times(peak)
    left = pd.DataFrame({"seg": sources.seg, "source": np.arange(len(sources))})
    right = pd.DataFrame({"seg": targets.seg, "target": np.arange(len(targets))})
    pairs = left.merge(right, on="seg")
    if pairs.empty:
        return pd.DataFrame({"source": [], "target": [], "seconds": []})
    s, g = pairs["source"].to_numpy(), pairs["target"].to_numpy()
    seg = pairs["seg"].to_numpy()
    delta = targets.t[g] - sources.t[s]
    length = graph.seg_length_m[seg]
    walker = sources.subset(s)
    ahead = np.where(delta >= 0, _partial(delta, fw[seg], length, walker), np.inf)
    behind = np.where(delta <= 0, _partial(-delta, bw[seg], length, walker), np.inf)
    seconds = np.minimum(ahead, behind) + sources.access_s[s] + targets.access_s[g]
    out = pd.DataFrame({"source": s, "target": g, "seconds": seconds})
    return out[np.isfinite(out["seconds"])].reset_index(drop=True)


def _snap(graph: RoadGraph, points: gpd.GeoDataFrame, config: NetworkConfig,
          max_snap_m: float | None, id_column: str) -> tuple[pd.DataFrame, Snapped]:
    frame = snap_points(graph, points, max_snap_m=max_snap_m, id_column=id_column, config=config)
    return frame, Snapped.from_frame(frame)


def usable_posts(graph: RoadGraph, posts: gpd.GeoDataFrame, config: NetworkConfig,
                  max_snap_m: float | None, id_column: str) -> tuple[Snapped, list[str]]:
    """The posts snapped onto the network and the ids of those that could not be."""
    sources, off, _ = snap_posts(graph, posts, config, max_snap_m, id_column)
    return sources, off


def snap_posts(graph: RoadGraph, posts: gpd.GeoDataFrame, config: NetworkConfig,
               max_snap_m: float | None, id_column: str) -> tuple[Snapped, list[str], list[str]]:
    """Like ``usable_posts``, plus the ids of posts stranded on roads cut off the main network."""
    if len(posts) == 0:
        msg = "没有警务点，请先导入 police_posts / no police posts: import the police_posts layer first"
        raise ValidationError(msg)
    frame, snapped = _snap(graph, posts, config, max_snap_m, id_column)
    ok = frame["snapped"].to_numpy(bool)
    if not ok.any():
        msg = ("没有任何警务点位于道路附近，无法计算响应时间 / no police post lies near a road: "
               f"check their coordinates (off-network: {', '.join(frame['point_id'][:5])})")
        raise ValidationError(msg)
    return snapped.subset(ok), frame.loc[~ok, "point_id"].tolist(), list(frame.attrs.get("stranded_points", []))


def nearest_post_times(graph: RoadGraph, sources: Snapped, *,
                       peak: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The multi-source pass itself, for snapped posts: seconds and nearest post per node.

    One ``scipy.sparse.csgraph.dijkstra`` call with ``min_only=True`` from the posts'
    virtual nodes (see ``source_matrix``).

    Returns
    -------
    seconds : ndarray of float, shape (n_nodes,)
        Travel time from the nearest post (``inf`` when no post reaches the node).
    post : ndarray of int, shape (n_nodes,)
        Index into ``sources`` of that post, -1 when none.
    """
    n = graph.n_nodes
    matrix = source_matrix(graph, sources, peak)
    dist, _, origin = dijkstra(matrix, indices=n + np.arange(len(sources)), min_only=True,
                               return_predecessors=True)
    origin = origin[:n]
    return dist[:n], np.where(origin >= 0, origin - n, -1)


def nearest_post_field(graph: RoadGraph, posts: gpd.GeoDataFrame, *, peak: str | None = None,
                       max_snap_m: float | None = None, id_column: str = "id",
                       config: NetworkConfig | None = None) -> pd.DataFrame:
    """One multi-source pass: every graph node's nearest post and its travel time.

    Returns
    -------
    DataFrame
        One row per node (index = node number): ``nearest_post_id`` (categorical when post
        ids are unique), ``response_s`` (seconds),
        ``x``, ``y`` (metres, ``graph.crs``). ``attrs["posts_off_network"]`` lists skipped posts.
    """
    config = config or NetworkConfig.from_settings()
    sources, off = usable_posts(graph, posts, config, max_snap_m, id_column)
    seconds, codes = nearest_post_times(graph, sources, peak=peak)
    post = pd.Categorical.from_codes(codes, categories=pd.Index(sources.ids).unique()) \
        if len(set(sources.ids)) == len(sources.ids) else \
        np.where(codes >= 0, sources.ids[np.maximum(codes, 0)], None)
    out = pd.DataFrame({"nearest_post_id": post, "response_s": seconds,
                        "x": graph.node_xy[:, 0], "y": graph.node_xy[:, 1]})
    out.attrs["posts_off_network"] = off
    return out


def response_field(graph: RoadGraph, posts: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
                   peak: str | None = None, bands_s: tuple[float, ...] = DEFAULT_BANDS_S,
                   max_snap_m: float | None = None, post_id_column: str = "id",
                   target_id_column: str = "id", config: NetworkConfig | None = None,
                   ) -> pd.DataFrame:
    """Fastest post and redundancy for every target point (e.g. school gates).

    Parameters
    ----------
    graph : RoadGraph
    posts : GeoDataFrame
        Police posts (points); posts farther than ``max_snap_m`` from a road are skipped and
        listed in ``attrs["posts_off_network"]``.
    targets : GeoDataFrame
        Points (one gate per row: see ``school_gate_points``).
    peak : {"am", "pm"}, optional
        Apply the peak factors.
    bands_s : tuple of float
        Redundancy bands in seconds.

    Returns
    -------
    DataFrame
        Indexed like ``targets``: ``nearest_post_id``, ``response_s`` (seconds, access legs
        included), ``posts_within_<band>s`` per band, ``snap_m`` (metres off road) and
        ``off_network`` (farther than ``max_snap_m``, or stranded: no time given, NaN),
        ``stranded`` (on a road piece not connected to the main network).
        ``attrs``: ``posts_off_network``, ``posts_stranded``, ``targets_off_network``,
        ``targets_stranded`` (ids).
    """
    config = config or NetworkConfig.from_settings()
    sources, off_posts, stranded_posts = snap_posts(graph, posts, config, max_snap_m, post_id_column)
    tframe, tgt = _snap(graph, targets, config, max_snap_m, target_id_column)
    n, k = graph.n_nodes, len(sources)
    matrix = source_matrix(graph, sources, peak)
    virtual = n + np.arange(k)

    dist, _, origin = dijkstra(matrix, indices=virtual, min_only=True, return_predecessors=True)
    times, from_a = target_times(graph, dist, tgt, peak)
    entry = np.where(from_a, graph.seg_a[tgt.seg], graph.seg_b[tgt.seg])
    nearest = np.where(origin[entry] >= 0, origin[entry] - n, -1)
    direct = same_segment_pairs(graph, sources, tgt, peak)
    if not direct.empty:
        best = direct.loc[direct.groupby("target")["seconds"].idxmin()]
        g, s, sec = best["target"].to_numpy(), best["source"].to_numpy(), best["seconds"].to_numpy()
        better = sec < times[g]
        times[g[better]] = sec[better]
        nearest[g[better]] = s[better]

    bands = tuple(float(b) for b in bands_s)
    counts = {}
    if bands:
        limited = dijkstra(matrix, indices=virtual, limit=max(bands))
        per_post, _ = target_times(graph, limited, tgt, peak)          # (k, m)
        if not direct.empty:
            s, g = direct["source"].to_numpy(), direct["target"].to_numpy()
            np.minimum.at(per_post, (s, g), direct["seconds"].to_numpy())
        for band in bands:
            counts[f"posts_within_{band:g}s"] = (per_post <= band).sum(axis=0)

    off = ~tframe["snapped"].to_numpy(bool)
    out = pd.DataFrame({
        "nearest_post_id": np.where((nearest >= 0) & ~off, sources.ids[np.maximum(nearest, 0)], None),
        "response_s": np.where(off | ~np.isfinite(times), np.nan, times),
        **{name: np.where(off, 0, c).astype(int) for name, c in counts.items()},
        "snap_m": tframe["snap_m"].to_numpy(float),
        "off_network": off,
        "stranded": tframe["stranded"].to_numpy(bool),
    }, index=targets.index)
    out.attrs["posts_off_network"] = off_posts
    out.attrs["posts_stranded"] = stranded_posts
    out.attrs["targets_off_network"] = tframe.loc[off, "point_id"].tolist()
    out.attrs["targets_stranded"] = tframe.loc[tframe["stranded"].to_numpy(bool), "point_id"].tolist()
    return out


def travel_time_matrix(graph: RoadGraph, points: gpd.GeoDataFrame, *, peak: str | None = None,
                       max_snap_m: float | None = None, id_column: str = "id",
                       on_far: str = "warn", config: NetworkConfig | None = None) -> np.ndarray:
    """Door-to-door travel seconds between every pair of points.

    Parameters
    ----------
    points : GeoDataFrame
        Points (posts, school gates, stops).
    on_far : {"warn", "raise", "ignore"}
        What to do with points farther than ``max_snap_m`` from a road; they are still
        included (their access leg counted at access speed) unless ``"raise"``.

    Returns
    -------
    ndarray, shape (n, n)
        ``matrix[i, j]`` = seconds from point ``i`` to point ``j`` (access legs included,
        one-way streets respected, so not symmetric); 0 on the diagonal.
    """
    config = config or NetworkConfig.from_settings()
    frame, pts = _snap(graph, points, config, max_snap_m, id_column)
    far = frame.attrs["far_points"]
    if far and on_far != "ignore":
        msg = (f"{len(far)} 个点距道路超过 {config.max_snap_m if max_snap_m is None else max_snap_m:g} 米"
               f"：{', '.join(far[:10])} / {len(far)} points are farther than the snap limit from "
               "any road")
        if on_far == "raise":
            raise ValidationError(msg)
        warnings.warn(msg, stacklevel=2)
    n, k = graph.n_nodes, len(pts)
    out = np.empty((k, k))
    if k == 0:
        return out
    matrix = source_matrix(graph, pts, peak)
    for start in range(0, k, MATRIX_CHUNK):
        rows = np.arange(start, min(start + MATRIX_CHUNK, k))
        dist = dijkstra(matrix, indices=n + rows)
        out[rows], _ = target_times(graph, dist, pts, peak)
    direct = same_segment_pairs(graph, pts, pts, peak)
    if not direct.empty:
        np.minimum.at(out, (direct["source"].to_numpy(), direct["target"].to_numpy()),
                      direct["seconds"].to_numpy())
    np.fill_diagonal(out, 0.0)
    return out


def _as_point_frame(point) -> gpd.GeoDataFrame:
    geom = point if isinstance(point, Point) else Point(*point)
    return gpd.GeoDataFrame({"id": ["p"]}, geometry=[geom], crs="EPSG:4326")


def route_between(graph: RoadGraph, a: Point | tuple[float, float], b: Point | tuple[float, float], *,
                  peak: str | None = None, config: NetworkConfig | None = None,
                  ) -> tuple[LineString, float]:
    """The fastest route from ``a`` to ``b`` (lon/lat points).

    Returns
    -------
    line : LineString
        EPSG:4326, from ``a`` over its snapped position, the road nodes, to ``b``.
    seconds : float
        Travel time including both access legs.

    Raises
    ------
    NoPathError
        When ``b`` cannot be reached from ``a`` (e.g. against one-way streets only).
    """
    config = config or NetworkConfig.from_settings()
    _, src = _snap(graph, _as_point_frame(a), config, None, "id")
    _, dst = _snap(graph, _as_point_frame(b), config, None, "id")
    n = graph.n_nodes
    matrix = source_matrix(graph, src, peak)
    dist, pred = dijkstra(matrix, indices=n, return_predecessors=True)
    times, from_a = target_times(graph, dist, dst, peak)
    seconds, entered_a = float(times[0]), bool(from_a[0])
    direct = same_segment_pairs(graph, src, dst, peak)
    straight = not direct.empty and float(direct["seconds"].min()) <= seconds
    if straight:
        seconds = float(direct["seconds"].min())
    if not np.isfinite(seconds):
        lon, lat = graph.to_wgs84().transform([src.pxy[0][0], dst.pxy[0][0]],
                                              [src.pxy[0][1], dst.pxy[0][1]])
        where = f"({lon[0]:.5f}, {lat[0]:.5f}) → ({lon[1]:.5f}, {lat[1]:.5f})"
        msg = (f"两点之间没有可通行的道路 {where}（单行或断路）/ no road route {where} "
               "(one-way or disconnected roads)")
        raise NoPathError(msg)
    coords = [src.pxy[0], src.xy[0]]
    if not straight:
        entry = int(graph.seg_a[dst.seg[0]] if entered_a else graph.seg_b[dst.seg[0]])
        nodes = []
        node = entry
        while node != n and node >= 0:
            nodes.append(node)
            node = int(pred[node])
        coords.extend(graph.node_xy[nodes[::-1]])
    coords.extend([dst.xy[0], dst.pxy[0]])
    xy = np.asarray(coords, dtype=float)
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(xy, axis=0)) > 1e-6, axis=1)
    xy = xy[keep]
    if len(xy) == 1:
        xy = np.vstack([xy, xy])
    lon, lat = graph.to_wgs84().transform(xy[:, 0], xy[:, 1])
    return shapely.linestrings(np.column_stack([lon, lat])), seconds
