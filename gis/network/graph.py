"""The routable road graph: built from a roads GeoDataFrame, held as numpy arrays.

Topology comes from shared vertex coordinates (OSM junctions are shared nodes). Every
vertex of a drivable line is a graph node and every piece between two consecutive
vertices is a straight *segment*, so a position on the network is ``(segment, t)`` with
``t`` the fraction from ``seg_a`` to ``seg_b`` and partial costs are exact. Lines that
cross without a shared vertex (bridges, tunnels) stay unconnected.

Coordinates are projected to the local UTM zone of the data (metres, :mod:`gis.network.crs`);
times are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from gis.errors import ValidationError
from gis.io.osm import DRIVABLE_HIGHWAYS
from gis.io.roads import assumed_class_warning, check_undeclared_crs
from gis.network.config import PEAKS, NetworkConfig, parse_maxspeed
from gis.network.crs import CRS_WGS84, utm_crs_for

MIN_EDGE_S = 1e-6  # zero-cost edges would vanish in a sparse matrix; floor every cost at this

# Class columns and values of common line layers, mapped onto OSM ``highway`` values.
CLASS_COLUMNS = ("highway", "class", "fclass", "road_class", "等级", "道路等级", "道路类型")
CLASS_SYNONYMS: dict[str, str] = {
    "高速公路": "motorway", "高速": "motorway", "匝道": "motorway_link", "快速路": "trunk",
    "国道": "trunk", "省道": "primary", "主干路": "primary", "主干道": "primary",
    "县道": "secondary", "次干路": "secondary", "次干道": "secondary", "乡道": "tertiary",
    "村道": "unclassified", "支路": "residential", "街巷": "residential", "小区道路": "service",
    "专用公路": "service", "内部道路": "service",
}
FORWARD = frozenset({"yes", "true", "1", "f", "ft"})
BACKWARD = frozenset({"-1", "reverse", "t", "tf"})


@dataclass
class RoadGraph:
    """A directed road graph as arrays.

    Attributes
    ----------
    crs : str
        The projected CRS of ``node_xy`` (local UTM zone, e.g. ``"EPSG:32650"``).
    node_xy : ndarray, shape (n, 2)
        Node coordinates in metres.
    seg_a, seg_b : ndarray of int32, shape (m,)
        End nodes of each straight segment.
    seg_length_m : ndarray of float64
        Segment length in metres.
    seg_time_fw_s, seg_time_bw_s : ndarray of float64
        Free-flow travel time a→b and b→a in seconds; ``inf`` where that direction is closed.
    seg_class : ndarray of int16
        Index into ``classes`` (the road class, OSM ``highway``).
    seg_road : ndarray of int32
        Index into ``road_ids`` (the road the segment came from).
    classes : tuple of str
    road_ids : ndarray of str
    peak_factors : dict
        ``{"am": ndarray per class, "pm": ...}``; peak time = free-flow time / factor.
    report : dict
        What was built and dropped: counts, lengths (km), components, ``main_share`` (share
        of the drivable length kept in the largest strongly connected part), ``fragmented``
        (``main_share`` below ``[network] min_main_share``), ``assumed_class`` and
        ``warnings`` (zh / en sentences about what was assumed while reading the roads).
    key : str
        Cache key of the source and speed settings.
    dropped_xy : ndarray of float64, shape (k, 4)
        The dropped segments (not in the largest connected part) as ``x1, y1, x2, y2``
        in metres (``crs``), to draw them and to tell stranded points.
    """

    crs: str
    node_xy: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    seg_length_m: np.ndarray
    seg_time_fw_s: np.ndarray
    seg_time_bw_s: np.ndarray
    seg_class: np.ndarray
    seg_road: np.ndarray
    classes: tuple[str, ...]
    road_ids: np.ndarray
    peak_factors: dict[str, np.ndarray]
    report: dict[str, Any]
    key: str = ""
    dropped_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_nodes(self) -> int:
        return int(self.node_xy.shape[0])

    @property
    def n_segments(self) -> int:
        return int(self.seg_a.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges (open directions of all segments)."""
        return int(np.isfinite(self.seg_time_fw_s).sum() + np.isfinite(self.seg_time_bw_s).sum())

    def segment_times(self, peak: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Travel times a→b and b→a in seconds (``inf`` = closed), free-flow or in a peak."""
        if peak is None:
            return self.seg_time_fw_s, self.seg_time_bw_s
        if peak not in self.peak_factors:
            msg = f"未知高峰时段 {peak!r}，可选 am / pm / unknown peak {peak!r}: use am or pm"
            raise ValidationError(msg)
        key = f"times:{peak}"
        if key not in self._cache:
            factor = self.peak_factors[peak][self.seg_class]
            self._cache[key] = (self.seg_time_fw_s / factor, self.seg_time_bw_s / factor)
        return self._cache[key]

    def edges(self, peak: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Directed edges ``(u, v, seconds, segment)``, sorted by ``u`` (CSR order)."""
        key = f"edges:{peak}"
        if key not in self._cache:
            fw, bw = self.segment_times(peak)
            ok_f, ok_b = np.isfinite(fw), np.isfinite(bw)
            seg = np.arange(self.n_segments, dtype=np.int32)
            u = np.concatenate([self.seg_a[ok_f], self.seg_b[ok_b]])
            v = np.concatenate([self.seg_b[ok_f], self.seg_a[ok_b]])
            w = np.maximum(np.concatenate([fw[ok_f], bw[ok_b]]), MIN_EDGE_S)
            s = np.concatenate([seg[ok_f], seg[ok_b]])
            order = np.lexsort((v, u))
            self._cache[key] = (u[order], v[order], w[order], s[order])
        return self._cache[key]

    def csr(self, peak: str | None = None) -> sp.csr_matrix:
        """The n × n sparse matrix of edge seconds (row = from, column = to)."""
        key = f"csr:{peak}"
        if key not in self._cache:
            u, v, w, _ = self.edges(peak)
            indptr = np.zeros(self.n_nodes + 1, dtype=np.int32)
            np.cumsum(np.bincount(u, minlength=self.n_nodes), out=indptr[1:])
            self._cache[key] = sp.csr_matrix((w, v.astype(np.int32), indptr),
                                             shape=(self.n_nodes, self.n_nodes))
        return self._cache[key]

    def segment_lines(self) -> np.ndarray:
        """Shapely LineStrings of the segments, in metres (``crs``)."""
        if "lines" not in self._cache:
            coords = np.stack([self.node_xy[self.seg_a], self.node_xy[self.seg_b]], axis=1)
            self._cache["lines"] = shapely.linestrings(coords)
        return self._cache["lines"]

    def segment_tree(self) -> shapely.STRtree:
        """Spatial index of the segment lines."""
        if "tree" not in self._cache:
            self._cache["tree"] = shapely.STRtree(self.segment_lines())
        return self._cache["tree"]

    def dropped_tree(self) -> shapely.STRtree | None:
        """Spatial index of the dropped segments (metres), ``None`` when nothing was dropped."""
        if "dropped_tree" not in self._cache:
            xy = np.asarray(self.dropped_xy, dtype=float).reshape(-1, 4)
            self._cache["dropped_tree"] = shapely.STRtree(
                shapely.linestrings(xy.reshape(-1, 2, 2))) if len(xy) else None
        return self._cache["dropped_tree"]

    def dropped_lines(self) -> gpd.GeoDataFrame:
        """The dropped segments as lines in EPSG:4326 (``length_m`` each), for the map."""
        xy = np.asarray(self.dropped_xy, dtype=float).reshape(-1, 4)
        lon1, lat1 = self.to_wgs84().transform(xy[:, 0], xy[:, 1])
        lon2, lat2 = self.to_wgs84().transform(xy[:, 2], xy[:, 3])
        lines = shapely.linestrings(np.stack([np.column_stack([lon1, lat1]),
                                              np.column_stack([lon2, lat2])], axis=1).reshape(-1, 2, 2))
        return gpd.GeoDataFrame({"length_m": np.hypot(xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1])},
                                geometry=lines, crs=CRS_WGS84)

    def to_local(self) -> pyproj.Transformer:
        """Transformer EPSG:4326 → ``crs`` (x = lon, y = lat order)."""
        if "fwd" not in self._cache:
            self._cache["fwd"] = pyproj.Transformer.from_crs(CRS_WGS84, self.crs, always_xy=True)
        return self._cache["fwd"]

    def to_wgs84(self) -> pyproj.Transformer:
        """Transformer ``crs`` → EPSG:4326."""
        if "inv" not in self._cache:
            self._cache["inv"] = pyproj.Transformer.from_crs(self.crs, CRS_WGS84, always_xy=True)
        return self._cache["inv"]

    def to_networkx(self, peak: str | None = None):
        """A ``networkx.DiGraph`` with edge attribute ``time`` (seconds) and node ``x``/``y``.

        The readable reference for tests and benchmarks; parallel pieces are already merged.
        """
        import networkx as nx

        u, v, w, _ = self.edges(peak)
        g = nx.DiGraph()
        g.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(self.node_xy))
        g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True), weight="time")
        return g


def normalize_roads(roads: gpd.GeoDataFrame, *, default_class: str | None = None) -> gpd.GeoDataFrame:
    """Bring a road line layer to the ``roads`` schema: ``id, highway, oneway, maxspeed, geom``.

    The class column may be called ``highway``, ``class``, ``fclass``, ``等级`` …; Chinese
    class names (国道, 省道, 县道, 乡道, 主干路 …) map onto OSM classes. Geofabrik's ``oneway``
    codes ``F``/``T``/``B`` are understood. Coordinates end in EPSG:4326.

    Parameters
    ----------
    roads : GeoDataFrame
    default_class : str, optional
        Class of every line when the layer has no class column (a warning says so);
        without it such a layer is refused.

    Returns
    -------
    GeoDataFrame
        ``attrs["warnings"]`` lists what was assumed (zh / en sentences).

    Raises
    ------
    ValidationError
        No class column and no ``default_class``, or a layer with no coordinate system
        whose coordinates are not lon/lat.
    """
    gdf = roads
    warnings: list[str] = []
    if gdf.crs is None:
        warnings += check_undeclared_crs(gdf.geometry, declared="wgs84")
        gdf = gdf.set_crs(CRS_WGS84)
    elif not gdf.crs.equals(pyproj.CRS(CRS_WGS84)):
        gdf = gdf.to_crs(CRS_WGS84)
    columns = {str(c).lower(): c for c in gdf.columns}
    class_col = next((columns[c.lower()] for c in CLASS_COLUMNS if c.lower() in columns), None)
    if class_col is None and default_class is None:
        msg = ("道路图层缺少道路等级字段（highway / class / fclass / 等级）/ the road layer has no "
               f"class column (highway, class, fclass, 等级); columns: {list(gdf.columns)}")
        raise ValidationError(msg)
    if class_col is None:
        highway = pd.Series([default_class] * len(gdf), index=gdf.index, dtype="string")
        warnings.append(assumed_class_warning(str(default_class)))
    else:
        highway = gdf[class_col].astype("string").str.strip()
        highway = highway.map(lambda h: CLASS_SYNONYMS.get(h, h) if isinstance(h, str) else None)
    out = pd.DataFrame({
        "id": gdf[columns["id"]].astype(str).to_numpy() if "id" in columns
        else [f"r{i}" for i in range(len(gdf))],
        "highway": highway.astype("string").str.lower().to_numpy(),
        "oneway": gdf[columns["oneway"]].to_numpy() if "oneway" in columns else None,
        "maxspeed": gdf[columns["maxspeed"]].to_numpy() if "maxspeed" in columns else None,
    })
    result = gpd.GeoDataFrame(out, geometry=gdf.geometry.to_numpy(), crs=CRS_WGS84).rename_geometry("geom")
    result.attrs["warnings"] = warnings
    result.attrs["assumed_class"] = default_class if class_col is None else None
    return result


def direction_flags(oneway: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(forward_open, backward_open)`` from ``oneway`` values (yes/true/1, -1/reverse, no)."""
    text = oneway.astype("string").str.strip().str.lower().fillna("no").to_numpy(dtype=object)
    fwd_only = np.isin(text, list(FORWARD))
    bwd_only = np.isin(text, list(BACKWARD))
    return ~bwd_only, ~fwd_only


def z_order(xy: np.ndarray) -> np.ndarray:
    """Morton (Z-order) codes of points (metres): interleaved bits of 16-bit x and y cells."""
    if len(xy) == 0:
        return np.zeros(0, dtype=np.uint64)
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    q = ((xy - xy.min(axis=0)) / span * 65535.0).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            v = (v | (v << np.uint64(shift))) & np.uint64(mask)
        return v

    return spread(q[:, 0]) | (spread(q[:, 1]) << np.uint64(1))


def build_road_graph(roads: gpd.GeoDataFrame, *, config: NetworkConfig | None = None,
                     key: str = "") -> RoadGraph:
    """Build the graph from a roads GeoDataFrame (no cache; see ``load_road_graph``).

    Parameters
    ----------
    roads : GeoDataFrame
        Lines with a class column (``highway`` …), optional ``oneway`` and ``maxspeed``.
    config : NetworkConfig, optional
        Speeds (km/h) and peak factors; the defaults when omitted.
    key : str
        Cache key stored on the graph.

    Returns
    -------
    RoadGraph
        The largest strongly connected component; ``report`` says what was dropped.

    Raises
    ------
    ValidationError
        When no drivable road is left.
    """
    config = config or NetworkConfig.from_settings()
    if config.default_road_class not in DRIVABLE_HIGHWAYS:
        msg = (f"[network] default_road_class = {config.default_road_class!r} 不是可通行的道路等级；可选 "
               f"{', '.join(sorted(DRIVABLE_HIGHWAYS))} / is not a drivable road class")
        raise ValidationError(msg)
    roads = normalize_roads(roads, default_class=config.default_road_class)
    read_warnings = list(roads.attrs.get("warnings", []))
    assumed_class = roads.attrs.get("assumed_class")
    n_input = len(roads)
    drivable = roads["highway"].isin(DRIVABLE_HIGHWAYS).to_numpy() & roads.geometry.notna().to_numpy()
    skipped_classes = roads.loc[~drivable, "highway"].fillna("?").value_counts().to_dict()
    roads = roads[drivable].reset_index(drop=True)
    lines = shapely.get_parts(roads.geometry.to_numpy(), return_index=True)
    parts, part_road = lines
    keep = shapely.get_type_id(parts) == 1  # LineString
    parts, part_road = parts[keep], part_road[keep]
    if len(parts) == 0:
        msg = "道路图层中没有可通行的道路 / no drivable road in the road layer"
        raise ValidationError(msg)

    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    keys = (np.round((coords[:, 0] + 180.0) * 1e7).astype(np.uint64) << np.uint64(32)) \
        | np.round((coords[:, 1] + 90.0) * 1e7).astype(np.uint64)
    uniq, node_of = np.unique(keys, return_inverse=True)
    lon = (uniq >> np.uint64(32)).astype(np.float64) / 1e7 - 180.0
    lat = (uniq & np.uint64(0xFFFFFFFF)).astype(np.float64) / 1e7 - 90.0

    same_part = part_of[:-1] == part_of[1:]
    a = node_of[:-1][same_part]
    b = node_of[1:][same_part]
    seg_road = part_road[part_of[:-1][same_part]]
    nonzero = a != b
    a, b, seg_road = a[nonzero], b[nonzero], seg_road[nonzero]

    crs = utm_crs_for(float(np.mean([lon.min(), lon.max()])), float(np.mean([lat.min(), lat.max()])))
    x, y = pyproj.Transformer.from_crs(CRS_WGS84, crs, always_xy=True).transform(lon, lat)
    xy = np.column_stack([x, y])
    length = np.hypot(*(xy[b] - xy[a]).T)

    classes = tuple(sorted(set(roads["highway"])))
    class_code = pd.Categorical(roads["highway"], categories=list(classes)).codes.astype(np.int16)
    class_speed = np.array([config.speed_for(c) for c in classes])
    tagged = np.array([parse_maxspeed(v) or np.nan for v in roads["maxspeed"].to_numpy()], dtype=float)
    road_speed = np.where(np.isfinite(tagged), tagged, class_speed[class_code])
    fw_open, bw_open = direction_flags(roads["oneway"])
    t = length / (road_speed[seg_road] / 3.6)
    fw = np.where(fw_open[seg_road], t, np.inf)
    bw = np.where(bw_open[seg_road], t, np.inf)

    # Merge pieces that join the same two vertices (duplicate ways): fastest per direction.
    flip = a > b
    lo, hi = np.where(flip, b, a), np.where(flip, a, b)
    t_lohi, t_hilo = np.where(flip, bw, fw), np.where(flip, fw, bw)
    frame = pd.DataFrame({"lo": lo, "hi": hi, "f": t_lohi, "r": t_hilo, "len": length,
                          "road": seg_road, "speed": road_speed[seg_road]})
    frame = frame.sort_values("speed", ascending=False, kind="stable")
    merged = frame.groupby(["lo", "hi"], sort=True).agg(
        f=("f", "min"), r=("r", "min"), len=("len", "first"), road=("road", "first"))
    lo = merged.index.get_level_values(0).to_numpy()
    hi = merged.index.get_level_values(1).to_numpy()
    fw, bw = merged["f"].to_numpy(), merged["r"].to_numpy()
    length, seg_road = merged["len"].to_numpy(), merged["road"].to_numpy()

    # Largest strongly connected component.
    n = len(uniq)
    ok_f, ok_b = np.isfinite(fw), np.isfinite(bw)
    u = np.concatenate([lo[ok_f], hi[ok_b]])
    v = np.concatenate([hi[ok_f], lo[ok_b]])
    adjacency = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    n_comp, labels = connected_components(adjacency, directed=True, connection="strong")
    sizes = np.bincount(labels)
    main = int(np.argmax(sizes))
    node_keep = labels == main
    seg_keep = node_keep[lo] & node_keep[hi]
    if not seg_keep.any():
        one_way = int((ok_f ^ ok_b).sum())
        msg = (f"道路网络中没有可以往返通行的部分：{len(lo)} 段道路中 {one_way} 段是单行道，且没有任何两处路口能互相到达"
               f"（没有强连通部分），无法计算到达时间和巡逻路线。请检查道路数据的单行（oneway）字段是否填错"
               f"（例如全部填了“是”），或导入包含双向道路的完整路网 / the road network has no part where places "
               f"can reach each other both ways ({one_way} of {len(lo)} segments are one-way and nothing is strongly "
               f"connected): travel times and patrol routes cannot be computed; check the roads' oneway values "
               f"or import a complete network with two-way roads")
        raise ValidationError(msg)
    # Number the kept nodes along a Z-order curve: nodes near each other on the map get
    # near numbers, so a shortest-path pass touches memory locally (about 1.6x faster
    # Dijkstra on a county graph than the lon/lat sort order).
    kept = np.flatnonzero(node_keep)
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[kept[np.argsort(z_order(xy[kept]), kind="stable")]] = np.arange(len(kept))
    node_order = np.empty(len(kept), dtype=np.int64)
    node_order[new_index[kept]] = kept

    total_length = float(length.sum())
    main_share = float(length[seg_keep].sum() / total_length) if total_length > 0 else 1.0
    dropped_parts = int(len(np.unique(labels[lo[~seg_keep]]))) if (~seg_keep).any() else 0
    fragmented = main_share < config.min_main_share
    if fragmented:
        read_warnings.append(fragmented_warning(main_share, dropped_parts, float(length[~seg_keep].sum())))
    report = {
        "roads_in": int(n_input),
        "roads_drivable": int(len(roads)),
        "roads_skipped_by_class": {str(k): int(v) for k, v in skipped_classes.items()},
        "nodes": int(node_keep.sum()),
        "segments": int(seg_keep.sum()),
        "edges": int(ok_f[seg_keep].sum() + ok_b[seg_keep].sum()),
        "length_km": float(length[seg_keep].sum() / 1000.0),
        "components": int(n_comp),
        "dropped_nodes": int((~node_keep).sum()),
        "dropped_segments": int((~seg_keep).sum()),
        "dropped_length_km": float(length[~seg_keep].sum() / 1000.0),
        "dropped_roads": int(len(np.setdiff1d(np.unique(seg_road[~seg_keep]),
                                                np.unique(seg_road[seg_keep])))),
        "dropped_parts": dropped_parts,
        "main_share": main_share,
        "min_main_share": float(config.min_main_share),
        "fragmented": bool(fragmented),
        "assumed_class": assumed_class,
        "warnings": read_warnings,
    }
    peak_factors = {p: np.array([config.peak_factor(p, c) for c in classes], dtype=float)
                    for p in PEAKS}
    return RoadGraph(
        crs=crs,
        node_xy=xy[node_order],
        seg_a=new_index[lo[seg_keep]].astype(np.int32),
        seg_b=new_index[hi[seg_keep]].astype(np.int32),
        seg_length_m=length[seg_keep],
        seg_time_fw_s=fw[seg_keep],
        seg_time_bw_s=bw[seg_keep],
        seg_class=class_code[seg_road[seg_keep]],
        seg_road=seg_road[seg_keep].astype(np.int32),
        classes=classes,
        road_ids=roads["id"].to_numpy().astype(str),
        peak_factors=peak_factors,
        report=report,
        key=key,
        dropped_xy=np.column_stack([xy[lo[~seg_keep]], xy[hi[~seg_keep]]]).astype(np.float64),
    )


def fragmented_warning(main_share: float, parts: int, dropped_m: float) -> str:
    """The summary sentence for road data whose largest connected part is too small."""
    return (f"道路数据不连通：最大连通路网只包含 {100 * main_share:.0f}% 的道路长度，其余 {parts} 片"
            f"（{dropped_m / 1000:.1f} 公里）与主路网不连通，已舍弃并在地图上以灰色虚线标出；"
            "位于这些道路上的学校和警务点无法计算到达时间，请补全道路连接 / the road data is fragmented: "
            f"the largest connected network holds only {100 * main_share:.0f}% of the road length; "
            f"{parts} other parts ({dropped_m / 1000:.1f} km) do not connect to it and were dropped (grey "
            "dashed on the map); schools and posts on them get no response time: join the roads")
