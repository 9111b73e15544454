"""Points declared WGS-84 that fit the roads far better as GCJ-02/BD-09 get a warning; projected CSVs work."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from pyproj import Transformer

from gis.io.china_crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.io.importer import prepare_import


def _gates(demo_layers):
    schools = demo_layers["schools"]
    points = [g.geoms[0] for g in schools["gates"]]
    return list(schools["id"]), np.array([p.x for p in points]), np.array([p.y for p in points])


def _write(path, ids, xs, ys, headers=("编号", "学校名称", "学段", "经度", "纬度")):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for i, x, y in zip(ids, xs, ys, strict=True):
            writer.writerow([i, f"{i}小学", "小学", repr(float(x)), repr(float(y))])
    return path


@pytest.mark.parametrize("name, forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_undeclared_gcj02_or_bd09_is_flagged(tmp_path, demo_layers, name, forward):
    ids, lon, lat = _gates(demo_layers)
    roads = demo_layers["roads"]
    x, y = forward(lon, lat)
    shifted = prepare_import("schools", _write(tmp_path / "shifted.csv", ids, x, y), roads=roads)
    assert any(f"--crs {name}" in w for w in shifted.warnings), shifted.warnings
    honest = prepare_import("schools", _write(tmp_path / "wgs.csv", ids, lon, lat), roads=roads)
    assert not any("--crs" in w for w in honest.warnings)
    declared = prepare_import("schools", tmp_path / "shifted.csv", roads=roads, crs=name)
    got = declared.records.set_index("id")["gates"]
    for i, x0, y0 in zip(ids, lon, lat, strict=True):
        p = got[i].geoms[0]
        assert abs(p.x - x0) < 1e-7 and abs(p.y - y0) < 1e-7        # round trip to the WGS-84 gate


def test_gauss_kruger_csv_with_surveyors_x_north(tmp_path, demo_layers):
    ids, lon, lat = _gates(demo_layers)
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)   # CGCS2000 GK CM 117°E
    east, north = to_gk.transform(lon, lat)
    # Chinese surveying convention: X = northing, Y = easting
    path = _write(tmp_path / "gk.csv", ids, north, east, headers=("编号", "学校名称", "学段", "X坐标", "Y坐标"))
    preview = prepare_import("schools", path, crs="EPSG:4548")
    assert preview.rejected == 0
    got = preview.records.set_index("id")["gates"]
    for i, x0, y0 in zip(ids, lon, lat, strict=True):
        p = got[i].geoms[0]
        assert abs(p.x - x0) < 1e-6 and abs(p.y - y0) < 1e-6
    assert any("互换" in w for w in preview.warnings)
