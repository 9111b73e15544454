"""Unsafe uploads are refused: zip path traversal, decompression bombs, symlinks; limits come from [import]."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from gis.config import load_settings
from gis.errors import DataSourceError
from gis.io.importer import prepare_import
from gis.io.safe_zip import ZipLimits, extract_zip


def _shapefile_members(tmp_path: Path) -> dict[str, bytes]:
    gdf = gpd.GeoDataFrame({"id": ["P1"], "name": ["城东派出所"], "kind": ["station"]},
                           geometry=[Point(117.21, 28.30)], crs="EPSG:4326")
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "posts.shp", engine="pyogrio", encoding="UTF-8")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_path_traversal_zip_is_refused(tmp_path):
    members = _shapefile_members(tmp_path)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("../../outside.txt", b"pwned")
    target = tmp_path / "unpack"
    target.mkdir()
    with pytest.raises(DataSourceError, match="路径穿越|path traversal"):
        extract_zip(evil, target)
    assert not (tmp_path / "outside.txt").exists()
    with pytest.raises(DataSourceError, match="path traversal"):
        prepare_import("police_posts", evil)
    absolute = tmp_path / "abs.zip"
    with zipfile.ZipFile(absolute, "w") as zf:
        zf.writestr("/etc/cron.d/x", b"x")
    with pytest.raises(DataSourceError, match="path traversal"):
        extract_zip(absolute, target)


def test_decompression_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("posts.dbf", b"\0" * (20 * 1024 * 1024))     # 20 MB of zeros → ~20 KB
    assert bomb.stat().st_size < 100_000
    with pytest.raises(DataSourceError, match="bomb"):
        extract_zip(bomb, tmp_path / "out", limits=ZipLimits(max_unzipped_mb=500, max_zip_ratio=100))
    with pytest.raises(DataSourceError, match="limit"):
        extract_zip(bomb, tmp_path / "out2", limits=ZipLimits(max_unzipped_mb=5, max_zip_ratio=10_000))


def test_bomb_with_lying_header_stopped_while_streaming(tmp_path):
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.bin", b"\0" * (8 * 1024 * 1024))
    data = bytearray(bomb.read_bytes())
    # rewrite the declared uncompressed size (local header and central directory) to 1 KB
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.infolist()[0]
    real = info.file_size.to_bytes(4, "little")
    fake = (1024).to_bytes(4, "little")
    assert data.count(real) >= 2
    bomb.write_bytes(bytes(data).replace(real, fake))
    with pytest.raises(DataSourceError):
        extract_zip(bomb, tmp_path / "out", limits=ZipLimits(max_unzipped_mb=2, max_zip_ratio=10_000))
    written = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written <= 2 * 1024 * 1024


def test_symlink_member_is_refused(tmp_path):
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("posts.shp")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(DataSourceError, match="symlink"):
        extract_zip(link, tmp_path / "out")


def test_safe_zip_of_a_shapefile_imports(tmp_path):
    members = _shapefile_members(tmp_path)
    good = tmp_path / "posts.zip"
    with zipfile.ZipFile(good, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(f"导出/{name}", data)
    preview = prepare_import("police_posts", good)
    assert preview.accepted == 1 and preview.records.iloc[0]["name"] == "城东派出所"


def test_limits_come_from_the_import_section(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[import]\nmax_unzipped_mb = 1\nmax_zip_ratio = 5\n", encoding="utf-8")
    limits = ZipLimits.from_section(load_settings(config=config).section("import"))
    assert limits.max_unzipped_mb == 1 and limits.max_zip_ratio == 5
