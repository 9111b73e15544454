"""Rectangular travel-time matrices: many origins (posts, candidate sites) × many targets (gates).

``origin_target_seconds`` runs SciPy's compiled Dijkstra from whichever side is smaller:
forward from the origins (their virtual nodes, see ``gis.network.field.source_matrix``), or
*reverse* from the targets over the transposed graph, where target ``i``'s virtual node has
edges to its segment's ends costing what the last partial piece costs in the forward graph.
A ``limit_s`` stops each search at that many seconds (a covering model only needs "within
T"), which makes county-scale candidate × school matrices cheap.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from gis.network.field import (
    MATRIX_CHUNK,
    Snapped,
    _partial,
    same_segment_pairs,
    source_matrix,
    target_times,
)
from gis.network.graph import MIN_EDGE_S, RoadGraph


def reverse_target_matrix(graph: RoadGraph, targets: Snapped, peak: str | None = None) -> sp.csr_matrix:
    """The transposed edge matrix with one extra row per target (its virtual node).

    Distances from target ``i``'s virtual node in this matrix are forward travel times
    (seconds) from every node *to* target ``i``, access leg included.
    """
    base = graph.csr(peak).T.tocsr()
    fw, bw = graph.segment_times(peak)
    n, k = graph.n_nodes, len(targets)
    seg = targets.seg
    length = graph.seg_length_m[seg]
    cols = np.stack([graph.seg_a[seg], graph.seg_b[seg]], axis=1)
    vals = np.stack([_partial(targets.t, fw[seg], length, targets),
                     _partial(1.0 - targets.t, bw[seg], length, targets)], axis=1) + targets.access_s[:, None]
    ok = np.isfinite(vals)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(ok.sum(axis=1))]).astype(np.int32)
    indices = np.concatenate([base.indices, cols[ok].astype(np.int32)])
    data = np.concatenate([base.data, np.maximum(vals[ok], MIN_EDGE_S)])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def origin_times(graph: RoadGraph, to_node: np.ndarray, origins: Snapped,
                 peak: str | None = None) -> np.ndarray:
    """Seconds from each origin given node→target times ``to_node`` (shape ``(..., n)``)."""
    fw, bw = graph.segment_times(peak)
    seg = origins.seg
    length = graph.seg_length_m[seg]
    via_b = to_node[..., graph.seg_b[seg]] + _partial(1.0 - origins.t, fw[seg], length, origins)
    via_a = to_node[..., graph.seg_a[seg]] + _partial(origins.t, bw[seg], length, origins)
    return np.minimum(via_a, via_b) + origins.access_s


def origin_target_seconds(graph: RoadGraph, origins: Snapped, targets: Snapped, *,
                          peak: str | None = None, limit_s: float = np.inf,
                          direction: str = "auto") -> np.ndarray:
    """Door-to-door seconds from every origin to every target.

    Parameters
    ----------
    graph : RoadGraph
    origins, targets : Snapped
        Snapped points (``gis.network.field.Snapped``); access legs at both ends are counted.
    peak : {"am", "pm"}, optional
    limit_s : float
        Times above this many seconds are returned as ``inf`` (and the searches stop there).
    direction : {"auto", "forward", "reverse"}
        Search from the origins, or from the targets over the transposed graph; ``auto``
        takes the side with fewer points.

    Returns
    -------
    ndarray, shape (n_origins, n_targets)
        Seconds; ``inf`` where the target is not reached within ``limit_s``.
    """
    n_o, n_t = len(origins), len(targets)
    out = np.full((n_o, n_t), np.inf)
    if n_o == 0 or n_t == 0:
        return out
    if direction == "auto":
        direction = "reverse" if n_t < n_o else "forward"
    n = graph.n_nodes
    limit = float(limit_s)
    if direction == "forward":
        matrix = source_matrix(graph, origins, peak)
        for start in range(0, n_o, MATRIX_CHUNK):
            rows = np.arange(start, min(start + MATRIX_CHUNK, n_o))
            dist = dijkstra(matrix, indices=n + rows, limit=limit)
            out[rows], _ = target_times(graph, dist, targets, peak)
    elif np.isfinite(limit):
        _reverse_local(graph, origins, targets, out, peak=peak, limit=limit)
    else:
        matrix = reverse_target_matrix(graph, targets, peak)
        for start in range(0, n_t, MATRIX_CHUNK):
            cols = np.arange(start, min(start + MATRIX_CHUNK, n_t))
            dist = dijkstra(matrix, indices=n + cols, limit=limit)
            out[:, cols] = origin_times(graph, dist[:, :n], origins, peak).T
    direct = same_segment_pairs(graph, origins, targets, peak)
    if not direct.empty:
        np.minimum.at(out, (direct["source"].to_numpy(), direct["target"].to_numpy()),
                      direct["seconds"].to_numpy())
    out[out > limit] = np.inf
    return out


def max_speed_ms(graph: RoadGraph, peak: str | None = None) -> float:
    """The fastest any segment is driven (metres per second), for Euclidean reach bounds."""
    fw, bw = graph.segment_times(peak)
    t = np.minimum(fw, bw)
    ok = np.isfinite(t) & (t > 0)
    return float((graph.seg_length_m[ok] / t[ok]).max()) if ok.any() else 1.0


def _reverse_local(graph: RoadGraph, origins: Snapped, targets: Snapped, out: np.ndarray, *,
                   peak: str | None, limit: float) -> None:
    """Reverse searches stopped at ``limit``, each chunk of nearby targets on the sub-graph of
    nodes that can lie within ``limit`` seconds (box of ``limit × fastest speed`` around them).

    Exact: a node farther than that (straight line) cannot be reached in time. Targets are taken
    in Z-order so a chunk's box stays small; this keeps every search local instead of touching
    all ``n`` nodes per target.
    """
    from gis.network.graph import z_order

    base = graph.csr(peak).T.tocsr()
    fw, bw = graph.segment_times(peak)
    reach_m = limit * max_speed_ms(graph, peak) + 1.0
    txy = graph.node_xy[graph.seg_a[targets.seg]]
    order = np.argsort(z_order(txy), kind="stable")
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    for start in range(0, len(order), MATRIX_CHUNK):
        cols = order[start:start + MATRIX_CHUNK]
        # a target lies between its segment's ends: pad by the segment too
        pad_m = reach_m + graph.seg_length_m[targets.seg[cols]].max()
        lo, hi = txy[cols].min(axis=0) - pad_m, txy[cols].max(axis=0) + pad_m
        inside = np.flatnonzero(((graph.node_xy >= lo) & (graph.node_xy <= hi)).all(axis=1))
        local[inside] = np.arange(len(inside))
        sub = base[inside][:, inside]
        k = len(cols)
        seg = targets.seg[cols]
        ends = np.stack([local[graph.seg_a[seg]], local[graph.seg_b[seg]]], axis=1)
        length = graph.seg_length_m[seg]
        sub_t = targets.subset(cols)
        vals = np.stack([_partial(sub_t.t, fw[seg], length, sub_t),
                         _partial(1.0 - sub_t.t, bw[seg], length, sub_t)], axis=1) + sub_t.access_s[:, None]
        ok = np.isfinite(vals) & (ends >= 0)
        m = len(inside)
        indptr = np.concatenate([sub.indptr, sub.indptr[-1] + np.cumsum(ok.sum(axis=1))]).astype(np.int32)
        indices = np.concatenate([sub.indices, ends[ok].astype(np.int32)])
        data = np.concatenate([sub.data, np.maximum(vals[ok], MIN_EDGE_S)])
        matrix = sp.csr_matrix((data, indices, indptr), shape=(m + k, m + k))
        dist = dijkstra(matrix, indices=m + np.arange(k), limit=limit)[:, :m]
        near = np.flatnonzero((local[graph.seg_a[origins.seg]] >= 0) | (local[graph.seg_b[origins.seg]] >= 0))
        if len(near):
            sub_o = origins.subset(near)
            a, b = local[graph.seg_a[sub_o.seg]], local[graph.seg_b[sub_o.seg]]
            pad = np.concatenate([dist, np.full((k, 1), np.inf)], axis=1)   # column -1 = outside: inf
            to_a, to_b = pad[:, np.where(a >= 0, a, m)], pad[:, np.where(b >= 0, b, m)]
            olen = graph.seg_length_m[sub_o.seg]
            via_b = to_b + _partial(1.0 - sub_o.t, fw[sub_o.seg], olen, sub_o)
            via_a = to_a + _partial(sub_o.t, bw[sub_o.seg], olen, sub_o)
            out[np.ix_(near, cols)] = (np.minimum(via_a, via_b) + sub_o.access_s).T
        local[inside] = -1
