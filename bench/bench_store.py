"""Layer store at county scale: our read/write vs plain GeoPandas I/O on the same data, one run.

Input: the guixi OSM roads tiled 10 x 12 times (≈ 20k ways with real shapes and names).
- SQLite: ``Store.write_layer`` (validation, upsert by id, audit, one transaction) and
  ``read_layer`` vs ``pyogrio`` writing/reading a GeoPackage (a plain file dump, no upsert).
- PostGIS (when reachable at $TEST_DATABASE_URL): the same vs ``GeoDataFrame.to_postgis``
  (append) and ``geopandas.read_postgis``.
- Re-writing unchanged data (no row touched) — the idempotent ``demo``/re-import path.

Usage: ``.venv/bin/python bench/bench_store.py [--tiles 120]``. Ends with ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.config import DATA_DIR  # noqa: E402
from gis.io.osm import read_osm  # noqa: E402
from gis.store import open_store  # noqa: E402

SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def county_roads(tiles: int) -> gpd.GeoDataFrame:
    roads = read_osm(DATA_DIR / "osm" / "cn_jiangxi_guixi_city_2024.osm.bz2").roads
    roads = roads[["id", "name", "highway", "oneway", "maxspeed", "geom"]]
    parts = []
    for k in range(tiles):
        part = roads.copy()
        part["id"] = part["id"] + f"-{k}"
        shift = [0.07 * (k % 10), 0.05 * (k // 10)]
        part["geom"] = shapely.transform(part.geometry.values, lambda c, s=shift: c + s)
        parts.append(part)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geom", crs=4326)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench_sqlite(roads: gpd.GeoDataFrame, folder: Path) -> dict:
    store = open_store(f"sqlite:///{folder / 'bench.db'}")
    store.init()
    ours_write, result = timed(lambda: store.write_layer("roads", roads, source="bench"))
    assert len(result.inserted) == len(roads)
    ours_read, back = timed(lambda: store.read_layer("roads"))
    assert len(back) == len(roads)
    rewrite, again = timed(lambda: store.write_layer("roads", back, source="bench"))
    assert not again.changed
    store.close()
    gpkg = folder / "peer.gpkg"
    peer_write, _ = timed(lambda: pyogrio.write_dataframe(roads, gpkg, layer="roads"))
    peer_read, peer = timed(lambda: pyogrio.read_dataframe(gpkg, layer="roads"))
    assert len(peer) == len(roads)
    return {"sqlite_write_s": ours_write, "gpkg_write_s": peer_write,
            "sqlite_read_s": ours_read, "gpkg_read_s": peer_read,
            "sqlite_rewrite_unchanged_s": rewrite,
            "write_ratio_vs_gpkg": ours_write / peer_write, "read_ratio_vs_gpkg": ours_read / peer_read}


def bench_postgis(roads: gpd.GeoDataFrame) -> dict:
    server = make_url(SERVER)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"gis_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - the bench runs without PostGIS too
        print(f"PostGIS skipped: {exc}".splitlines()[0])
        return {}
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        store = open_store(url)
        store.init()
        ours_write, _ = timed(lambda: store.write_layer("roads", roads, source="bench"))
        ours_read, back = timed(lambda: store.read_layer("roads"))
        rewrite, again = timed(lambda: store.write_layer("roads", back, source="bench"))
        assert not again.changed and len(back) == len(roads)
        store.close()
        engine = create_engine(url)
        peer_write, _ = timed(lambda: roads.to_postgis("peer_roads", engine, if_exists="append"))
        peer_read, peer = timed(lambda: gpd.read_postgis("SELECT * FROM peer_roads", engine,
                                                         geom_col="geom"))
        assert len(peer) == len(roads)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return {"postgis_write_s": ours_write, "to_postgis_write_s": peer_write,
            "postgis_read_s": ours_read, "read_postgis_s": peer_read,
            "postgis_rewrite_unchanged_s": rewrite,
            "write_ratio_vs_to_postgis": ours_write / peer_write,
            "read_ratio_vs_read_postgis": ours_read / peer_read}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=120)
    args = parser.parse_args()
    roads = county_roads(args.tiles)
    print(f"roads: {len(roads)} ways")
    figures: dict = {"rows": len(roads)}
    with tempfile.TemporaryDirectory() as folder:
        figures.update(bench_sqlite(roads, Path(folder)))
    figures.update(bench_postgis(roads))
    for key, value in figures.items():
        print(f"  {key:<30} {value:.3f}" if isinstance(value, float) else f"  {key:<30} {value}")
    print("RESULT " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                  for k, v in figures.items()}))


if __name__ == "__main__":
    main()
