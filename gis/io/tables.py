"""Read the files planners send — CSV, XLSX here; GeoJSON, Shapefile, GeoPackage, KML, OSM in ``vector``.

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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import geopandas as gpd
import pandas as pd

from gis.errors import DataSourceError
from gis.io.headers import header_score
from gis.io.safe_zip import ZipLimits, check_zip
from gis.io.values import UncachedFormula, is_blank

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".kml", ".kmz", ".zip")
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")
HEADER_SEARCH_ROWS = 30
MAX_XLSX_CELLS = 5_000_000   # cells holding a value (and rows with data × widest column) per sheet


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
    msg = (f"{Path(path).name}：不支持的文件类型，可用 CSV、XLSX、GeoJSON、Shapefile(.zip/.shp)、GeoPackage、KML/KMZ、OSM / "
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


def unique_headers(headers: list[Any]) -> list[str]:
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
    headers = unique_headers(list(header_cells) + [None] * (width - len(header_cells)))
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
    # A cell may be as long as the file (one huge cell is that row's problem, not the file's):
    # the limit is global to the csv module, so only ever raise it.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
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


def read_xlsx_table(path: str | Path, *, layer_name: str, sheet: str | None = None,
                    limits: ZipLimits | None = None, max_cells: int = MAX_XLSX_CELLS) -> RawTable:
    """Read an XLSX sheet: merged cells filled, header row located, blank rows skipped.

    Hostile workbooks are refused within bounded memory: the file is a zip, so the zip
    limits (members, total unpacked size, compression ratio) apply before anything is
    parsed; the sheet is streamed and only cells that hold a value are kept, so the
    declared dimension (``A1:XFD1048576``) is never trusted; more than ``max_cells``
    cells, or a used range (rows with data × widest column) beyond it, is refused.
    Formula cells without a cached value (files written by a program, never saved by
    Excel) become :class:`gis.io.values.UncachedFormula` marks, which the importer rejects.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    check_zip(path, limits=limits, what="Excel")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        msg = f"无法打开 Excel 文件 {path.name}：{exc} / cannot open the Excel file"
        raise DataSourceError(msg) from exc
    try:
        worksheets = [ws for ws in book.worksheets if hasattr(ws, "_get_source")]
        if not worksheets:
            msg = f"{path.name} 中没有工作表 / no worksheet in the Excel file"
            raise DataSourceError(msg)
        if sheet is not None:
            if sheet not in book.sheetnames:
                msg = f"工作表“{sheet}”不存在，可用：{'、'.join(book.sheetnames)} / no sheet {sheet!r}"
                raise DataSourceError(msg)
            ws = book[sheet]
            cells, merged, uncached = _read_sheet_cells(ws, max_cells=max_cells)
        else:
            best = None
            for k, candidate in enumerate(worksheets):
                read = _read_sheet_cells(candidate, max_cells=max_cells)
                if not read[0]:
                    continue
                score = (_sparse_score(read[0], layer_name), -k)
                if best is None or score > best[0]:
                    best = (score, candidate, read)
            if best is None:
                ws, (cells, merged, uncached) = worksheets[0], ({}, [], 0)
            else:
                _, ws, (cells, merged, uncached) = best
        for (r1, c1, r2, c2) in merged:
            top = cells.get(r1, {}).get(c1)
            if top is None:
                continue
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    cells.setdefault(r, {})[c] = top
        width = max((max(row) for row in cells.values() if row), default=0)
        if len(cells) * width > max_cells:
            msg = (f"{path.name}：表格使用范围过大（{len(cells)} 行 × {width} 列），超过 {max_cells} 个单元格的上限，"
                   f"可能有数据写在很远的单元格；请删除多余内容后再导入 / the sheet's used range ({len(cells)} rows × "
                   f"{width} columns) exceeds {max_cells} cells; remove stray cells far from the table")
            raise DataSourceError(msg)
        rows = [(r, [cells[r].get(c) for c in range(1, width + 1)]) for r in sorted(cells)]
        frame, header_row, blanks = _frame_from_rows(rows, layer_name)
        notes = [f"工作表 / sheet: {ws.title}", f"表头在第 {header_row} 行 / header on row {header_row}"]
        if uncached:
            notes.append(f"{uncached} 个公式单元格没有计算结果（文件未经 Excel 保存），所在行将被拒绝 / "
                         f"{uncached} formula cells have no cached value: their rows are rejected")
        if merged:
            notes.append(f"已展开 {len(merged)} 处合并单元格 / {len(merged)} merged ranges filled")
        return RawTable(frame=frame, family="xlsx", path=path, header_row=header_row, sheet=ws.title,
                        blank_rows=blanks, notes=notes)
    finally:
        book.close()


def _read_sheet_cells(ws, *, max_cells: int) -> tuple[dict[int, dict[int, Any]], list[tuple[int, int, int, int]], int]:
    """Stream one read-only sheet: ``({row: {col: value}}, merged ranges, uncached formulas)``.

    Only cells holding a value are kept (the declared dimension is ignored).
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser
    from openpyxl.worksheet.cell_range import CellRange

    class _Parser(WorkSheetParser):
        uncached = 0

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None:
                formula = element.find(FORMULA_TAG)
                if formula is not None:
                    cell["value"] = UncachedFormula("=" + (formula.text or ""))
                    self.uncached += 1
            return cell

    book = ws.parent
    cells: dict[int, dict[int, Any]] = {}
    seen = 0
    with ws._get_source() as src:
        parser = _Parser(src, ws._shared_strings,
                         data_only=True, epoch=book.epoch, date_formats=book._date_formats,
                         timedelta_formats=book._timedelta_formats)
        for number, row in parser.parse():
            seen += len(row)
            if seen > max_cells:
                msg = (f"工作表“{ws.title}”单元格超过 {max_cells} 个上限，请拆分文件 / the sheet holds more "
                       f"than {max_cells} cells: split the file")
                raise DataSourceError(msg)
            values = {c["column"]: c["value"] for c in row if c["value"] is not None}
            if values:
                cells.setdefault(number, {}).update(values)
        ranges = [CellRange(m.ref) for m in (parser.merged_cells.mergeCell if parser.merged_cells else [])]
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ranges]
    return cells, merged, parser.uncached


def _sparse_score(cells: dict[int, dict[int, Any]], layer_name: str) -> int:
    best = 0
    for r in sorted(cells)[:HEADER_SEARCH_ROWS]:
        row = cells[r]
        best = max(best, header_score([row[c] for c in sorted(row)], layer_name))
    return best


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
        return read_xlsx_table(path, layer_name=layer_name, sheet=sheet, limits=limits)
    from gis.io import vector  # builds on this module (RawTable)

    if kind == "vector":
        return vector.read_vector_table(path, limits=limits)
    return vector.read_osm_table(path)
