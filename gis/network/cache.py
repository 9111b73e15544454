"""Load a road graph from any source, with an on-disk cache of the built arrays.

The cache file is ``<cache_dir>/roadgraph-<key>.npz`` where the key hashes the source's
content (the file's bytes, or the GeoDataFrame's geometry WKB and attributes) and the
speed settings. Loading one is a plain ``numpy.load`` (milliseconds).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from gis.config import Settings
from gis.errors import DataSourceError
from gis.network.config import NetworkConfig
from gis.network.graph import CLASS_COLUMNS, RoadGraph, build_road_graph

FORMAT_VERSION = "3"  # 2: nodes numbered in Z-order; 3: dropped segments kept (dropped_xy)
CACHE_KEEP = 8  # newest cached graphs kept per cache folder
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")
ARRAY_FIELDS = ("node_xy", "seg_a", "seg_b", "seg_length_m", "seg_time_fw_s", "seg_time_bw_s",
                "seg_class", "seg_road", "road_ids", "dropped_xy")


def hash_file(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_roads(roads: gpd.GeoDataFrame) -> str:
    """SHA-256 of a roads GeoDataFrame: coordinates, part structure and the attributes the graph
    is built from (id, class, oneway, maxspeed)."""
    digest = hashlib.sha256()
    geoms = roads.geometry.to_numpy()
    digest.update(shapely.get_coordinates(geoms).tobytes())
    digest.update(shapely.get_type_id(geoms).astype(np.int8).tobytes())
    digest.update(shapely.get_num_geometries(geoms).astype(np.int64).tobytes())
    digest.update(shapely.get_num_coordinates(geoms).astype(np.int64).tobytes())
    wanted = {"id", "oneway", "maxspeed", *(c.lower() for c in CLASS_COLUMNS)}
    for column in roads.columns:
        if column == roads.geometry.name or str(column).lower() not in wanted:
            continue  # bookkeeping (updated_at, version, source …) does not change the graph
        values = roads[column].astype(object).where(roads[column].notna(), "\x00").astype(str)
        digest.update(f"\x1e{column}\x1e".encode())
        digest.update("\x1f".join(values.to_list()).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


LINE_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip", ".fgb")


def read_roads(path: Path) -> gpd.GeoDataFrame:
    """Read roads from an OSM file or a line layer (GeoJSON, Shapefile, GeoPackage)."""
    name = path.name.lower()
    if not path.exists():
        msg = f"找不到道路文件 / road file not found: {path}"
        raise DataSourceError(msg)
    if name.endswith(OSM_SUFFIXES):
        from gis.io.osm import read_osm

        return read_osm(path).roads
    if not name.endswith(LINE_SUFFIXES):
        msg = (f"道路文件须为 OSM（.osm/.osm.bz2/.osm.pbf）或线图层（GeoJSON、Shapefile、GeoPackage），"
               f"不能是 {path.suffix or path.name} / the road file must be OSM or a line layer "
               f"(GeoJSON, Shapefile, GeoPackage), not {path.name}")
        raise DataSourceError(msg)
    try:
        roads = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        msg = f"无法读取道路文件 / cannot read road file {path.name}: {str(exc)[:200]}"
        raise DataSourceError(msg) from exc
    if not isinstance(roads, gpd.GeoDataFrame) or roads.geometry.isna().all():
        msg = f"道路文件 {path.name} 中没有线几何 / the road file {path.name} holds no line geometry"
        raise DataSourceError(msg)
    return roads


def save_graph(graph: RoadGraph, path: Path) -> None:
    """Write the graph's arrays and metadata to an ``.npz`` file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"crs": graph.crs, "classes": list(graph.classes), "report": graph.report,
            "key": graph.key, "format": FORMAT_VERSION,
            "peak_factors": {k: v.tolist() for k, v in graph.peak_factors.items()}}
    arrays = {name: getattr(graph, name) for name in ARRAY_FIELDS}
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.array(json.dumps(meta, ensure_ascii=False)), **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_graph(path: Path) -> RoadGraph:
    """Read a graph written by ``save_graph``."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT_VERSION:
            msg = f"缓存格式过旧 / stale graph cache format in {path}"
            raise DataSourceError(msg)
        arrays = {name: data[name] for name in ARRAY_FIELDS}
    return RoadGraph(crs=meta["crs"], classes=tuple(meta["classes"]), report=meta["report"],
                     key=meta["key"],
                     peak_factors={k: np.asarray(v) for k, v in meta["peak_factors"].items()},
                     **arrays)


def load_road_graph(source: gpd.GeoDataFrame | str | Path, *, settings: Settings | None = None,
                    config: NetworkConfig | None = None, use_cache: bool = True) -> RoadGraph:
    """Load (from cache) or build the road graph of a source.

    Parameters
    ----------
    source : GeoDataFrame or path
        A roads GeoDataFrame (the store's ``roads`` layer or ``read_osm(...).roads``), an OSM
        file (``.osm``, ``.osm.bz2``, ``.osm.pbf``) or a line file (GeoJSON, Shapefile,
        GeoPackage) with a class column.
    settings : Settings, optional
        Its ``[network]`` section gives speeds, peak factors and ``cache_dir``.
    config : NetworkConfig, optional
        Used instead of ``settings`` when given.
    use_cache : bool
        Read and write ``<cache_dir>/roadgraph-<key>.npz``.

    Returns
    -------
    RoadGraph
    """
    config = config or NetworkConfig.from_settings(settings)
    if isinstance(source, gpd.GeoDataFrame):
        content_hash, roads = hash_roads(source), source
    else:
        path = Path(source)
        if not path.exists():
            msg = f"找不到道路文件 / road file not found: {path}"
            raise DataSourceError(msg)
        content_hash, roads = hash_file(path), None
    key = hashlib.sha256(f"{FORMAT_VERSION}:{content_hash}:{config.graph_fingerprint()}".encode()
                         ).hexdigest()[:24]
    cache_path = Path(config.cache_dir) / f"roadgraph-{key}.npz"
    if use_cache and cache_path.exists():
        try:
            return read_graph(cache_path)
        except (OSError, ValueError, KeyError, DataSourceError):
            cache_path.unlink(missing_ok=True)  # a broken or old cache is rebuilt
    if roads is None:
        roads = read_roads(Path(source))
    graph = build_road_graph(roads, config=config, key=key)
    if use_cache:
        with contextlib.suppress(OSError):  # a read-only cache folder only costs speed
            save_graph(graph, cache_path)
            prune_cache(Path(config.cache_dir), keep=CACHE_KEEP)
    return graph


def prune_cache(cache_dir: Path, *, keep: int) -> list[Path]:
    """Delete all but the ``keep`` most recently written cached graphs; returns the deleted."""
    files = sorted(cache_dir.glob("roadgraph-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
    return files[keep:]
