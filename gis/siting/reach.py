"""Who reaches which school within T minutes at peak: sites × schools from the road engine.

A school is reached by a site when the site's travel time to *any* of its gates is within
the standard. Times come from :func:`gis.network.matrix.origin_target_seconds` (one compiled
Dijkstra per gate over the transposed graph, stopped at T — or per site when there are fewer
sites), reduced per school with the fastest gate.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.network import NetworkConfig, school_gate_points, snap_points
from gis.network.field import Snapped
from gis.network.graph import RoadGraph
from gis.network.matrix import origin_target_seconds


@dataclass
class SchoolGates:
    """The gates of the schools snapped once, and how they map to schools.

    Attributes
    ----------
    school_ids : ndarray of str
        One per school, in the order of the schools layer.
    snapped : Snapped
        The gates that lie near a road, sorted by school.
    starts : ndarray of int
        Index in ``snapped`` of each school's first usable gate; ``-1`` when it has none.
    snap_m : ndarray of float
        Per school: the smallest distance (metres) of a gate from the road.
    """

    school_ids: np.ndarray
    snapped: Snapped
    owner: np.ndarray
    snap_m: np.ndarray

    @property
    def on_network(self) -> np.ndarray:
        """Schools with at least one gate near a road."""
        return np.isin(np.arange(len(self.school_ids)), self.owner)


def snap_gates(graph: RoadGraph, schools: gpd.GeoDataFrame, *, config: NetworkConfig) -> SchoolGates:
    """Snap every school gate once (gates beyond ``config.max_snap_m`` are left out)."""
    ids = schools["id"].astype(str).to_numpy()
    gates = school_gate_points(schools)
    frame = snap_points(graph, gates, config=config)
    pos = pd.Index(ids).get_indexer(gates["school_id"].to_numpy())
    snap_m = pd.Series(frame["snap_m"].to_numpy(float)).groupby(pos).min().reindex(range(len(ids)))
    ok = frame["snapped"].to_numpy(bool)
    order = np.argsort(pos[ok], kind="stable")
    snapped = Snapped.from_frame(frame[ok]).subset(order) if ok.any() else Snapped.from_frame(frame[ok])
    return SchoolGates(school_ids=ids, snapped=snapped, owner=pos[ok][order],
                       snap_m=snap_m.to_numpy(float))


def snap_sites(graph: RoadGraph, sites: gpd.GeoDataFrame, *, config: NetworkConfig,
               max_snap_m: float | None = None) -> tuple[Snapped, np.ndarray]:
    """Snapped sites and the mask of those near a road."""
    frame = snap_points(graph, sites, config=config, max_snap_m=max_snap_m)
    ok = frame["snapped"].to_numpy(bool)
    return Snapped.from_frame(frame), ok


def per_school_min(seconds: np.ndarray, gates: SchoolGates) -> np.ndarray:
    """Reduce a ``(sites, gates)`` matrix to ``(sites, schools)`` by the fastest gate (``inf`` when none)."""
    n_sites, n_schools = seconds.shape[0], len(gates.school_ids)
    out = np.full((n_sites, n_schools), np.inf, dtype=seconds.dtype)
    if seconds.shape[1] == 0:
        return out
    schools, starts = np.unique(gates.owner, return_index=True)
    out[:, schools] = np.minimum.reduceat(seconds, starts, axis=1)
    return out


def site_school_seconds(graph: RoadGraph, sites: Snapped, gates: SchoolGates, *, peak: str | None,
                        limit_s: float = np.inf) -> np.ndarray:
    """Seconds from each site to each school's fastest gate, ``inf`` beyond ``limit_s``.

    Returns
    -------
    ndarray of float32, shape (n_sites, n_schools)
    """
    seconds = origin_target_seconds(graph, sites, gates.snapped, peak=peak, limit_s=limit_s)
    return per_school_min(seconds, gates).astype(np.float32)
