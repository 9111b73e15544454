"""Quarantine files: every rejected row, untouched, with its source row and reason.

``write_quarantine`` writes ``学校.quarantine.csv`` (or XLSX, or GeoJSON for vector files)
next to the input; ``_write_quarantine_somewhere`` falls back to ``data/quarantine/`` when
the input's folder is not writable.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis.io.preview import CRS_WGS84, ImportPreview, _label
from gis.io.spreadsheet import write_csv_rows, write_xlsx

REASON_COLUMN = "原因/reason"
ROW_COLUMN = "源行号/source_row"


def default_quarantine_dir() -> Path:
    """``data/quarantine/`` of the project (the fallback for unwritable input folders)."""
    from gis.config import DATA_DIR

    return DATA_DIR / "quarantine"


def _write_quarantine_somewhere(preview: ImportPreview, out: Path | None,
                                fallback_dir: Path | None) -> tuple[Path | None, str]:
    target = out or quarantine_path_for(preview.table.path, preview.table.family)
    try:
        return write_quarantine(preview, target), ""
    except OSError as first:
        reason = first.strerror or type(first).__name__
    folder = Path(fallback_dir) if fallback_dir is not None else default_quarantine_dir()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    fallback = folder / f"{target.stem}.{stamp}{target.suffix}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = write_quarantine(preview, fallback)
    except OSError as second:
        note = (f"隔离文件无法写入 {target}（{reason}），也无法写入 {folder}（{second.strerror or second}）；"
                f"被拒绝的行仍在原文件中 / could not write the quarantine file to {target} ({reason}) nor to "
                f"{folder}: the rejected rows are still in the input file")
        return None, note
    note = (f"输入文件所在文件夹无法写入（{reason}），隔离文件改写到 {written} / the input's folder is not writable "
            f"({reason}): the quarantine file was written to {written}")
    return written, note


def quarantine_path_for(path: Path, family: str) -> Path:
    """``学校.csv`` → ``学校.quarantine.csv`` (XLSX stays XLSX, vector files become GeoJSON)."""
    name = path.name
    for suffix in (".osm.bz2", ".osm.gz", ".osm.pbf"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = path.stem
    ext = {"csv": path.suffix if path.suffix.lower() in (".csv", ".txt", ".tsv") else ".csv",
           "xlsx": ".xlsx"}.get(family, ".geojson")
    return path.with_name(f"{name}.quarantine{ext}")


def _reason_texts(preview: ImportPreview) -> dict[int, str]:
    return {row: "；".join(f"{_label(preview.layer, r.field)}（{r.field}）：{r.zh} / {r.en}" for r in problems)
            for row, problems in preview.rejections.items()}


def write_quarantine(preview: ImportPreview, out: Path | None = None) -> Path:
    """Write every rejected row, untouched, plus its source row number and reason column.

    CSV input → CSV in the input's encoding and delimiter; XLSX → XLSX (cell values as
    read); vector/OSM → GeoJSON with the original attributes and geometry.
    """
    table = preview.table
    out = out or quarantine_path_for(table.path, table.family)
    rows = list(preview.rejections)
    reasons = _reason_texts(preview)
    raw = table.frame.loc[rows]
    if table.family == "csv":
        encoding = table.encoding or "utf-8-sig"
        encoding = "utf-8-sig" if encoding == "utf-8" else encoding
        lines = [[*raw.columns, ROW_COLUMN, REASON_COLUMN]]
        lines += [[*cells, row, reasons[row]] for row, cells in zip(rows, raw.itertuples(index=False), strict=True)]
        return write_csv_rows(lines, out, encoding=encoding, delimiter=table.delimiter)
    if table.family == "xlsx":
        frame = pd.DataFrame(raw).copy()
        frame.columns = [str(c) for c in raw.columns]
        frame[ROW_COLUMN] = rows
        frame[REASON_COLUMN] = [reasons[r] for r in rows]
        write_xlsx({"隔离行": frame.reset_index(drop=True)}, out)
        return out
    attrs = pd.DataFrame(raw).copy()
    attrs = attrs.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    attrs[ROW_COLUMN] = rows
    attrs[REASON_COLUMN] = [reasons[r] for r in rows]
    geometry = gpd.GeoSeries(table.geometry.loc[rows], crs=table.crs) if table.geometry is not None else None
    gdf = gpd.GeoDataFrame(attrs.reset_index(drop=True),
                           geometry=None if geometry is None else list(geometry), crs=table.crs or CRS_WGS84)
    if out.exists():
        out.unlink()
    gdf.to_file(out, driver="GeoJSON", engine="pyogrio")
    return out
