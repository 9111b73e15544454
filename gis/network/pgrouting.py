"""Hand a RoadGraph to pgRouting, the reference peer for tests and benchmarks.

The SQL lives in ``sql/queries/``; values are bound, never formatted into SQL. Node
numbers are shifted by one (pgRouting vertex ids start at 1).
"""

from __future__ import annotations

import io

import numpy as np

from gis.network.graph import RoadGraph
from gis.store.migrate import SQL_DIR


def read_sql(name: str) -> str:
    """The text of ``sql/queries/<name>``."""
    return (SQL_DIR / "queries" / name).read_text(encoding="utf-8")


def write_edges(conn, graph: RoadGraph, *, peak: str | None = None) -> int:
    """(Re)create ``network_edges`` from the graph's segments; returns the row count.

    Parameters
    ----------
    conn : psycopg2 connection
        A database with the ``pgrouting`` extension.
    """
    fw, bw = graph.segment_times(peak)
    cost = np.where(np.isfinite(fw), fw, -1.0)
    reverse = np.where(np.isfinite(bw), bw, -1.0)
    buf = io.StringIO()
    ids = np.arange(1, graph.n_segments + 1)
    np.savetxt(buf, np.column_stack([ids, graph.seg_a + 1, graph.seg_b + 1, cost, reverse]),
               fmt=["%d", "%d", "%d", "%.9f", "%.9f"], delimiter="\t")
    buf.seek(0)
    with conn.cursor() as cur:
        cur.execute(read_sql("network_edges.sql"))
        cur.copy_expert("COPY network_edges (id, source, target, cost, reverse_cost) FROM STDIN", buf)
    conn.commit()
    return graph.n_segments


def driving_distance(conn, roots: np.ndarray, distance_s: float, *, n_nodes: int,
                     equicost: bool = False) -> np.ndarray:
    """Nearest-root seconds per graph node from ``pgr_drivingDistance`` (``inf`` = not reached).

    Parameters
    ----------
    roots : ndarray of int
        Graph node numbers (0-based) to start from.
    distance_s : float
        Largest travel time to explore (seconds).
    n_nodes : int
        Length of the returned array (``graph.n_nodes``).
    equicost : bool
        Use pgRouting's ``equicost`` mode (faster; see ``sql/driving_distance_equicost.sql``)
        instead of the exact minimum over per-root searches.
    """
    with conn.cursor() as cur:
        name = "driving_distance_equicost.sql" if equicost else "driving_distance.sql"
        cur.execute(read_sql(name),
                    {"roots": [int(r) + 1 for r in roots], "distance": float(distance_s)})
        rows = cur.fetchall()
    out = np.full(n_nodes, np.inf)
    if rows:
        nodes = np.array([r[0] for r in rows], dtype=np.int64) - 1
        out[nodes] = np.array([r[1] for r in rows], dtype=float)
    return out
