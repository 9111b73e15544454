"""Check output paths before any work is done, so a long computation never ends in
"folder not found" after half of its files were written.
"""

from __future__ import annotations

import os
from pathlib import Path

from gis.errors import DataSourceError


def check_output_file(path: str | Path, *, suffixes: tuple[str, ...] | None = None,
                      option: str = "") -> Path:
    """Raise unless ``path`` can be written as a file: its folder exists and is writable,
    the path is not a folder, and (when given) its suffix is one of ``suffixes``.

    Parameters
    ----------
    path : path
        The output file.
    suffixes : tuple of str, optional
        Allowed lower-case suffixes (``(".csv", ".xlsx")``).
    option : str
        The command-line option naming the path (``--out``), used in the message.
    """
    path = Path(path)
    label = f"{option} " if option else ""
    if suffixes is not None and path.suffix.lower() not in suffixes:
        msg = (f"{label}输出文件格式不支持：{path.name}，可用 {'、'.join(suffixes)} / "
               f"{label}unsupported output {path.name}: use {', '.join(suffixes)}")
        raise DataSourceError(msg)
    if path.is_dir():
        msg = f"{label}输出路径是一个文件夹：{path} / {label}the output {path} is a folder, give a file name"
        raise DataSourceError(msg)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        msg = (f"{label}输出文件夹不存在：{parent}，请先创建 / {label}output folder does not exist: {parent}; "
               f"create it first")
        raise DataSourceError(msg)
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        msg = f"{label}没有写入权限：{path} / {label}cannot write {path}: permission denied"
        raise DataSourceError(msg)
    return path


def check_output_dir(path: str | Path, *, option: str = "") -> Path:
    """Raise unless ``path`` is a writable folder or can be created as one (its nearest
    existing ancestor is a writable folder)."""
    path = Path(path)
    label = f"{option} " if option else ""
    if path.exists() and not path.is_dir():
        msg = f"{label}输出目录是一个文件：{path} / {label}the output {path} is a file, give a folder"
        raise DataSourceError(msg)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        msg = f"{label}无法在 {probe} 中写入 / {label}cannot write into {probe}: permission denied or not a folder"
        raise DataSourceError(msg)
    return path
