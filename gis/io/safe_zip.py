"""Unpack uploaded ``.zip`` files (zipped shapefiles) without trusting them.

Refused: members with absolute paths or ``..`` (path traversal, "zip slip"), symbolic
links, more than ``max_members`` entries, a declared or actual unpacked size above
``max_unzipped_mb``, and any member whose compression ratio exceeds ``max_zip_ratio``
(decompression bombs). Sizes are counted while streaming, so a lying header does not help.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gis.errors import DataSourceError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class ZipLimits:
    """Limits for unpacking; built from the ``[import]`` settings section."""

    max_unzipped_mb: float = 500
    max_zip_ratio: float = 100
    max_members: int = 1000

    @classmethod
    def from_section(cls, section: dict) -> ZipLimits:
        return cls(max_unzipped_mb=float(section.get("max_unzipped_mb", 500)),
                   max_zip_ratio=float(section.get("max_zip_ratio", 100)),
                   max_members=int(section.get("max_zip_members", 1000)))


def _check_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        msg = (f"压缩包含有不安全的路径 {name!r}（路径穿越），已拒绝 / "
               f"zip member {name!r} escapes the target folder (path traversal): refused")
        raise DataSourceError(msg)
    return path


def check_zip(zip_path: str | Path, *, limits: ZipLimits | None = None, what: str = "") -> None:
    """Apply the zip limits to a zip-based file read in place (XLSX): member count, unsafe
    names, total declared size and per-member compression ratio. Python's zip reader never
    returns more than a member's declared size, so checking the declared sizes bounds memory.

    Raises
    ------
    DataSourceError
        For a corrupt zip or any refusal.
    """
    limits = limits or ZipLimits()
    name = Path(zip_path).name
    label = f"{what} 文件" if what else "压缩包"
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"无法打开{label} {name}：文件损坏或不是该格式 / cannot open {name}: {exc}"
        raise DataSourceError(msg) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            msg = f"{label} {name} 内部文件数 {len(infos)} 超过上限 {limits.max_members} / too many parts in {name}"
            raise DataSourceError(msg)
        total = 0
        for info in infos:
            _check_name(info.filename)
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio and info.file_size > _CHUNK:
                msg = (f"{label} {name} 的部件 {info.filename!r} 压缩比 {ratio:.0f} 超过上限 {limits.max_zip_ratio:.0f}"
                       f"（解压后 {info.file_size / 1048576:.0f} MB，疑似压缩炸弹），已拒绝 / {name}: part "
                       f"{info.filename!r} expands {ratio:.0f}x to {info.file_size / 1048576:.0f} MB "
                       f"(decompression bomb): refused")
                raise DataSourceError(msg)
        if total > limits.max_unzipped_mb * 1024 * 1024:
            msg = (f"{label} {name} 解压后 {total / 1048576:.0f} MB，超过上限 {limits.max_unzipped_mb:.0f} MB，已拒绝 / "
                   f"{name} unpacks to {total / 1048576:.0f} MB, above the {limits.max_unzipped_mb:.0f} MB limit")
            raise DataSourceError(msg)


def extract_zip(zip_path: str | Path, target_dir: str | Path, *, limits: ZipLimits | None = None) -> list[Path]:
    """Safely extract ``zip_path`` into ``target_dir``; return the extracted file paths.

    Raises
    ------
    DataSourceError
        For a corrupt zip or any of the refusals listed in the module docstring.
    """
    limits = limits or ZipLimits()
    max_bytes = int(limits.max_unzipped_mb * 1024 * 1024)
    target = Path(target_dir).resolve()
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"无法打开压缩包 {Path(zip_path).name}：{exc} / cannot open zip file"
        raise DataSourceError(msg) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            msg = f"压缩包文件数 {len(infos)} 超过上限 {limits.max_members} / too many files in zip"
            raise DataSourceError(msg)
        declared = 0
        for info in infos:
            _check_name(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                msg = f"压缩包含有符号链接 {info.filename!r}，已拒绝 / zip contains a symlink: refused"
                raise DataSourceError(msg)
            declared += info.file_size
            if info.compress_size and info.file_size / info.compress_size > limits.max_zip_ratio:
                msg = (f"压缩包成员 {info.filename!r} 压缩比 {info.file_size / info.compress_size:.0f} 超过上限 "
                       f"{limits.max_zip_ratio:.0f}（疑似压缩炸弹），已拒绝 / "
                       f"zip member compression ratio too high (decompression bomb): refused")
                raise DataSourceError(msg)
        if declared > max_bytes:
            msg = (f"压缩包解压后 {declared / 1048576:.0f} MB，超过上限 {limits.max_unzipped_mb:.0f} MB / "
                   f"zip unpacks to more than the limit: refused")
            raise DataSourceError(msg)
        written = 0
        paths: list[Path] = []
        for info in infos:
            rel = _check_name(info.filename)
            out = (target / Path(*rel.parts)).resolve()
            if target not in out.parents and out != target:
                msg = f"压缩包路径 {info.filename!r} 越出目标目录，已拒绝 / zip path traversal: refused"
                raise DataSourceError(msg)
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            member_written = 0
            try:
                with archive.open(info) as src, open(out, "wb") as dst:
                    while chunk := src.read(_CHUNK):
                        member_written += len(chunk)
                        written += len(chunk)
                        too_big = written > max_bytes
                        too_dense = member_written > max(info.compress_size, 1) * limits.max_zip_ratio
                        if too_big or too_dense:
                            msg = (f"压缩包成员 {info.filename!r} 解压数据超出上限（疑似压缩炸弹），已拒绝 / "
                                   f"zip member unpacks beyond the limits (decompression bomb): refused")
                            raise DataSourceError(msg)
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                msg = f"压缩包损坏：{info.filename!r} / corrupt zip member {info.filename!r}: {exc}"
                raise DataSourceError(msg) from exc
            paths.append(out)
        return paths
