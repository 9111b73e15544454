"""A synthetic county-scale road layer for the benchmarks (~160k junctions, ~540k directed edges).

A 400 × 400 grid of junctions 120 m apart (a 48 km square, about a Chinese county seat and its
townships), each junction moved by up to ±30 m, laid out in UTM zone 50N around Guixi and
returned in EPSG:4326 like any roads layer. Every 25th grid line is a primary road, every
8th a secondary, one in three of the rest unclassified and the others residential; 12 % of
the minor blocks' edges are removed (dead ends, rivers, campuses) and 8 % of the minor edges
are one-way (half ``yes``, half ``-1``). One road per grid edge, so junctions are shared vertices.

    python bench/county_graph.py [--size 400] [--out bench/out/county_roads.gpkg]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

X0, Y0 = 500000.0, 3110000.0      # UTM 50N, south-west corner (near Guixi, Jiangxi)
UTM = "EPSG:32650"


def county_roads(size: int = 400, *, spacing_m: float = 120.0, jitter_m: float = 30.0,
                 removed_share: float = 0.12, oneway_share: float = 0.08,
                 seed: int = 20240601) -> gpd.GeoDataFrame:
    """The synthetic county road layer (EPSG:4326): ``id, highway, oneway, maxspeed, geom``."""
    rng = np.random.default_rng(seed)
    ij = np.arange(size)
    gx, gy = np.meshgrid(ij, ij, indexing="ij")
    x = X0 + gx * spacing_m + rng.uniform(-jitter_m, jitter_m, gx.shape)
    y = Y0 + gy * spacing_m + rng.uniform(-jitter_m, jitter_m, gy.shape)
    node = np.arange(size * size).reshape(size, size)
    # horizontal edges (along x, on grid line j = gy) and vertical edges (along y, line i = gx)
    a = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])
    b = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])
    line_no = np.concatenate([gy[:-1, :].ravel(), gx[:, :-1].ravel()])
    highway = np.full(len(a), "residential", dtype=object)
    minor_pick = rng.random(len(a))
    highway[minor_pick < 1 / 3] = "unclassified"
    highway[line_no % 8 == 0] = "secondary"
    highway[line_no % 25 == 0] = "primary"
    minor = np.isin(highway, ["residential", "unclassified"])
    keep = ~(minor & (rng.random(len(a)) < removed_share))
    oneway = np.full(len(a), None, dtype=object)
    one = minor & (rng.random(len(a)) < oneway_share)
    oneway[one] = np.where(rng.random(one.sum()) < 0.5, "yes", "-1")
    a, b, highway, oneway = a[keep], b[keep], highway[keep], oneway[keep]
    xs, ys = x.ravel(), y.ravel()
    coords = np.stack([np.column_stack([xs[a], ys[a]]), np.column_stack([xs[b], ys[b]])], axis=1)
    lines = shapely.linestrings(coords)
    gdf = gpd.GeoDataFrame({"id": [f"c{i}" for i in range(len(a))], "highway": highway,
                            "oneway": oneway, "maxspeed": None}, geometry=lines, crs=UTM)
    return gdf.to_crs("EPSG:4326").rename_geometry("geom")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=400)
    parser.add_argument("--out", default="bench/out/county_roads.gpkg")
    args = parser.parse_args()
    roads = county_roads(args.size)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    roads.to_file(out, engine="pyogrio")
    print(f"{len(roads)} roads → {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
