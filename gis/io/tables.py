"""Read the files planners send — CSV, XLSX, GeoJSON, Shapefile (.zip or loose), GeoPackage, OSM.

Everything comes back as a ``RawTable``: the cells exactly as read (strings for CSV,
typed cells for XLSX, attributes for vector files), indexed by the row number the
planner sees (the Excel/CSV line number, or the feature number of a vector file), plus
the geometries of vector files. Nothing is converted here; ``gis.io.importer`` maps,
parses and validates.

CSV encodings: UTF-8 (with or without BOM) when the bytes are valid UTF-8; otherwise
GB18030 (a superset of GBK/GB2312, what Chinese Excel writes) when the bytes decode as
such; otherwise the best guess of charset-normalizer. XLSX: the first non-empty sheet
(or ``sheet=``), merged cells filled from their top-left cell, the header row found as
the row among the first 30 that names most fields of the layer, blank rows skipped.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import geopandas as gpd
import pandas as pd
import pyogrio

from gis.errors import DataSourceError
from gis.io.headers import header_score
from gis.io.safe_zip import ZipLimits, extract_zip
from gis.io.values import is_blank

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip")
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")
HEADER_SEARCH_ROWS = 30


@dataclass
class RawTable:
    """Cells of one input file, untouched.

    Attributes
    ----------
    frame : DataFrame
        One column per header (header text as read, made unique), index = source row number.
    family : str
        ``csv``, ``xlsx``, ``vector`` or ``osm`` — decides the quarantine file format.
    path : Path
        The input file.
    header_row : int
        Line/row number of the header (0 for vector files).
    geometry : GeoSeries or None
        Geometries of vector files, same index as ``frame``, in ``crs``.
    crs : object
        The CRS declared by a vector file (``None`` when absent or for tables).
    encoding : str or None
        The detected CSV encoding.
    delimiter : str
        The CSV delimiter.
    blank_rows : int
        Empty rows skipped below the header.
    notes : list of str
        zh/en remarks for the preview (encoding, sheet, header row …).
    """

    frame: pd.DataFrame
    family: str
    path: Path
    header_row: int = 1
    geometry: gpd.GeoSeries | None = None
    crs: Any = None
    encoding: str | None = None
    delimiter: str = ","
    sheet: str | None = None
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)


def file_kind(path: str | Path) -> str:
    """``csv``, ``xlsx``, ``vector`` or ``osm`` from the file name."""
    name = Path(path).name.lower()
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    if name.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith(VECTOR_SUFFIXES):
        return "vector"
    if name.endswith(".xls"):
        msg = (f"{Path(path).name}：旧版 .xls 格式不支持，请在 Excel 中“另存为 .xlsx” / "
               f"old .xls files are not supported: save as .xlsx in Excel")
        raise DataSourceError(msg)
    msg = (f"{Path(path).name}：不支持的文件类型，可用 CSV、XLSX、GeoJSON、Shapefile(.zip/.shp)、GeoPackage、OSM / "
           f"unsupported file type")
    raise DataSourceError(msg)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes; return ``(text, encoding)``.

    UTF-8 (BOM stripped) when valid; else GB18030 when valid (GBK files are GB18030);
    else charset-normalizer's best guess.

    Raises
    ------
    DataSourceError
        When no encoding decodes the bytes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        msg = "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV / cannot detect the file encoding: save as UTF-8 CSV"
        raise DataSourceError(msg)
    return str(best), best.encoding


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _unique(headers: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for i, header in enumerate(headers):
        text = "" if is_blank(header) else str(header).strip()
        text = text or f"列{i + 1}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        result.append(text)
    return result


def _pick_header(rows: list[tuple[int, list[Any]]], layer_name: str) -> int:
    """Index into ``rows`` of the header row: most layer headers among the first rows."""
    best_index, best_score = 0, -1
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(cells, layer_name)
        if score > best_score:
            best_index, best_score = i, score
    if best_score <= 0:
        return next((i for i, (_, cells) in enumerate(rows) if any(not is_blank(c) for c in cells)), 0)
    return best_index


def _frame_from_rows(rows: list[tuple[int, list[Any]]], layer_name: str) -> tuple[pd.DataFrame, int, int]:
    """Header detection + blank-row removal; returns ``(frame, header_row_number, blank_rows)``."""
    if not rows:
        msg = "文件为空 / the file is empty"
        raise DataSourceError(msg)
    h = _pick_header(rows, layer_name)
    header_number, header_cells = rows[h]
    width = max(len(cells) for _, cells in rows[h:])
    headers = _unique(list(header_cells) + [None] * (width - len(header_cells)))
    data, index, blanks, pending = [], [], 0, 0
    for number, cells in rows[h + 1:]:
        if all(is_blank(c) for c in cells):
            pending += 1
            continue
        blanks, pending = blanks + pending, 0
        data.append(list(cells) + [None] * (width - len(cells)))
        index.append(number)
    frame = pd.DataFrame(data, columns=headers, index=pd.Index(index, name="row"), dtype=object)
    # Columns with neither a header nor any value are dropped (trailing empty columns).
    empty = [c for c, raw in zip(headers, list(header_cells) + [None] * width, strict=False)
             if is_blank(raw) and frame[c].map(is_blank).all()]
    return frame.drop(columns=empty), header_number, blanks


def read_csv_table(path: str | Path, *, layer_name: str) -> RawTable:
    """Read a CSV (any common encoding/delimiter) into a ``RawTable`` of strings."""
    path = Path(path)
    text, encoding = decode_bytes(path.read_bytes())
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        msg = f"{path.name} 第 {reader.line_num} 行无法解析：{exc} / CSV line {reader.line_num} is malformed"
        raise DataSourceError(msg) from exc
    frame, header_row, blanks = _frame_from_rows(rows, layer_name)
    label = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "gb18030": "GBK/GB18030"}.get(encoding, encoding)
    notes = [f"编码 / encoding: {label}", f"表头在第 {header_row} 行 / header on line {header_row}"]
    return RawTable(frame=frame, family="csv", path=path, header_row=header_row, encoding=encoding,
                    delimiter=delimiter, blank_rows=blanks, notes=notes)


def read_xlsx_table(path: str | Path, *, layer_name: str, sheet: str | None = None) -> RawTable:
    """Read an XLSX sheet: merged cells filled, header row located, blank rows skipped."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        msg = f"无法打开 Excel 文件 {path.name}：{exc} / cannot open the Excel file"
        raise DataSourceError(msg) from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                msg = f"工作表“{sheet}”不存在，可用：{'、'.join(book.sheetnames)} / no sheet {sheet!r}"
                raise DataSourceError(msg)
            ws = book[sheet]
        else:
            non_empty = [s for s in book.worksheets if s.max_row > 1 or s.cell(1, 1).value is not None]
            candidates = non_empty or book.worksheets
            ws = max(candidates, key=lambda s: (_sheet_score(s, layer_name), -candidates.index(s)))
        grid = [list(row) for row in ws.iter_rows(values_only=True)]
        uncached = _fill_uncached_formulas(path, ws.title, grid)
        for merged in ws.merged_cells.ranges:
            top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row - 1 < len(grid) else None
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if r - 1 < len(grid) and c - 1 < len(grid[r - 1]):
                        grid[r - 1][c - 1] = top
        rows = [(i + 1, list(cells)) for i, cells in enumerate(grid)]
        frame, header_row, blanks = _frame_from_rows(rows, layer_name)
        notes = [f"工作表 / sheet: {ws.title}", f"表头在第 {header_row} 行 / header on row {header_row}"]
        if uncached:
            notes.append(f"{uncached} 个公式单元格没有计算结果（文件未经 Excel 保存），按公式原文处理 / "
                         f"{uncached} formula cells have no cached value and are kept as formula text")
        if ws.merged_cells.ranges:
            notes.append(f"已展开 {len(ws.merged_cells.ranges)} 处合并单元格 / {len(ws.merged_cells.ranges)} merged ranges filled")
        return RawTable(frame=frame, family="xlsx", path=path, header_row=header_row, sheet=ws.title,
                        blank_rows=blanks, notes=notes)
    finally:
        book.close()


def _fill_uncached_formulas(path: Path, sheet: str, grid: list[list[Any]]) -> int:
    """Put the formula text where a formula has no cached value (files never saved by Excel).

    Without this such rows would look blank and vanish; with it they are rejected with a
    reason naming the formula. Returns how many cells were filled.
    """
    import openpyxl

    formulas = openpyxl.load_workbook(path, data_only=False, read_only=True)
    filled = 0
    try:
        for r, row in enumerate(formulas[sheet].iter_rows(values_only=True)):
            if r >= len(grid):
                break
            for c, value in enumerate(row):
                if isinstance(value, str) and value.startswith("=") and c < len(grid[r]) and grid[r][c] is None:
                    grid[r][c] = value
                    filled += 1
                elif value is not None and not isinstance(value, str) and c < len(grid[r]) and grid[r][c] is None:
                    grid[r][c] = str(value)     # array formulas and the like
                    filled += 1
    finally:
        formulas.close()
    return filled


def _sheet_score(ws, layer_name: str) -> int:
    best = 0
    for row in ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True):
        best = max(best, header_score(row, layer_name))
    return best


def _dbf_encoding(shp: Path) -> str | None:
    """GB18030 for a shapefile without ``.cpg`` whose DBF text is not UTF-8 (PGIS exports)."""
    if shp.suffix.lower() != ".shp":
        return None
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        data[32:].decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return None


def read_vector_table(path: str | Path, *, limits: ZipLimits | None = None, layer: str | None = None) -> RawTable:
    """Read GeoJSON, Shapefile (loose ``.shp`` or ``.zip``) or GeoPackage with pyogrio."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
            files = extract_zip(path, tmp, limits=limits)
            inner = [f for f in files if f.suffix.lower() in (".shp", ".geojson", ".json", ".gpkg")]
            if not inner:
                msg = f"{path.name} 中没有 .shp/.geojson/.gpkg 文件 / no vector file inside the zip"
                raise DataSourceError(msg)
            table = read_vector_table(inner[0], limits=limits, layer=layer)
            table.path = path
            table.notes.insert(0, f"压缩包内文件 / file in zip: {inner[0].name}")
            return table
    encoding = _dbf_encoding(path)
    try:
        kwargs = {"encoding": encoding} if encoding else {}
        gdf = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except Exception as exc:  # pyogrio raises several DataSourceError/OSError types
        msg = f"无法读取 {path.name}：{exc} / cannot read the vector file"
        raise DataSourceError(msg) from exc
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name), dtype=object)
    attrs.columns = _unique(list(attrs.columns))
    notes = [f"要素数 / features: {len(gdf)}", f"坐标系 / CRS: {gdf.crs.to_string() if gdf.crs else '未声明 / none'}"]
    if encoding:
        notes.append("属性表编码 / DBF encoding: GB18030")
    return RawTable(frame=attrs, family="vector", path=path, header_row=0, geometry=gdf.geometry,
                    crs=gdf.crs, notes=notes)


def read_table(path: str | Path, *, layer_name: str, sheet: str | None = None,
               limits: ZipLimits | None = None) -> RawTable:
    """Read any supported input file into a ``RawTable`` (see module docstring).

    Raises
    ------
    DataSourceError
        Missing or unreadable file, unsupported type, unsafe zip.
    """
    path = Path(path)
    if not path.exists():
        msg = f"文件不存在 / file not found: {path}"
        raise DataSourceError(msg)
    kind = file_kind(path)
    if kind == "csv":
        return read_csv_table(path, layer_name=layer_name)
    if kind == "xlsx":
        return read_xlsx_table(path, layer_name=layer_name, sheet=sheet)
    if kind == "vector":
        return read_vector_table(path, limits=limits)
    return read_osm_table(path)


def read_osm_table(path: str | Path) -> RawTable:
    """Drivable roads of an OSM extract as a vector ``RawTable`` (roads layer only)."""
    from gis.io.osm import read_osm

    path = Path(path)
    extract = read_osm(path)
    roads = extract.roads.reset_index(drop=True)
    roads.index = pd.RangeIndex(1, len(roads) + 1, name="row")
    geom = roads.geometry
    attrs = pd.DataFrame(roads.drop(columns=[roads.geometry.name]), dtype=object)
    notes = [f"OSM 道路 / OSM ways: {len(roads)}", "© OpenStreetMap contributors (ODbL)"]
    if extract.sorted_on_the_fly:
        notes.append("文件中的对象未按类型和编号排序，已在读取时排序 / the file's objects were not sorted by "
                     "type and id: sorted while reading")
    return RawTable(frame=attrs, family="osm", path=path, header_row=0, geometry=geom,
                    crs=roads.crs or "EPSG:4326", notes=notes)
