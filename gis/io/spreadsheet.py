"""The one writer for every CSV and XLSX file the product produces (exports, downloads,
quarantine files, templates, reports, patrol plans).

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return) as a formula — the OWASP "CSV injection". Every cell written here
goes through :func:`safe_cell`, which prefixes such text with an apostrophe (``'=1+1``), the
mark Excel and WPS themselves use for "this is text". Plain numbers written as text
(``-5``, ``+3.2``) are left alone: they are not formulas. XLSX files are written with
xlsxwriter with ``strings_to_formulas`` and ``strings_to_urls`` off, so even a string that
slipped past would be stored as text, never as a live formula or hyperlink.

Use :func:`write_csv` / :func:`csv_bytes` and :func:`write_xlsx` / :func:`xlsx_bytes` for
frames; for hand-laid-out workbooks open one with :func:`open_workbook` and write every
user-derived cell with :func:`write_cell`. The importer undoes the apostrophe on the way
back in (``gis.io.values.parse_text``), so a quarantine file fixed and re-imported keeps
the text as typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
XLSX_MAX_CHARS = 32_767   # Excel's limit per cell; longer text is cut with a visible mark
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                     "nan_inf_to_errors": True}


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would treat ``text`` as a formula (plain numbers are not)."""
    return bool(text) and text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def safe_cell(value: Any) -> Any:
    """Neutralise one cell: formula-like text gets a leading apostrophe; others pass through."""
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def unquote(text: str) -> str:
    """Undo :func:`safe_cell` (``"'=1+1"`` → ``"=1+1"``); other text is returned unchanged."""
    if text.startswith(QUOTE) and is_formula_like(text[1:]):
        return text[1:]
    return text


def _plain(value: Any) -> Any:
    """A value xlsxwriter/csv can write: numpy scalars unwrapped, NaN/NA/NaT → None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, str | int | float | bool | dt.date | dt.time):
        return value
    return str(value)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column titles) are neutralised."""
    out = pd.DataFrame(frame).copy()
    out.columns = [safe_cell(str(c)) if not isinstance(c, str) else safe_cell(c) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell).astype(object)
    return out


# -- CSV -------------------------------------------------------------------------------------

def csv_bytes(frame: pd.DataFrame, *, encoding: str = "utf-8-sig", delimiter: str = ",",
              header: bool = True) -> bytes:
    """CSV of ``frame`` (UTF-8 with BOM by default, so Excel reads Chinese correctly)."""
    return _csv_text(frame, delimiter=delimiter, header=header).encode(encoding, errors="replace")


def write_csv(frame: pd.DataFrame, path: str | Path, *, encoding: str = "utf-8-sig",
              delimiter: str = ",", header: bool = True) -> Path:
    """Write ``frame`` as a safe CSV file; return the path."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame, encoding=encoding, delimiter=delimiter, header=header))
    return path


def write_csv_rows(rows: list[list[Any]], path: str | Path, *, encoding: str = "utf-8-sig",
                   delimiter: str = ",") -> Path:
    """Write plain rows (the first is the header) as a safe CSV file."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if (v := _plain(c)) is None else safe_cell(_csv_value(v)) for c in row])
    path = Path(path)
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return path


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _csv_text(frame: pd.DataFrame, *, delimiter: str, header: bool) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    frame = pd.DataFrame(frame)
    if header:
        writer.writerow([safe_cell(str(c)) for c in frame.columns])
    for cells in frame.itertuples(index=False, name=None):
        writer.writerow(["" if (v := _plain(c)) is None else safe_cell(_csv_value(v)) for c in cells])
    return buffer.getvalue()


# -- XLSX ------------------------------------------------------------------------------------

def open_workbook(target: str | Path | io.BytesIO):
    """An ``xlsxwriter.Workbook`` that never turns strings into formulas, numbers or links.

    Close it (``with`` or ``.close()``); write user-derived cells with :func:`write_cell`.
    """
    import xlsxwriter

    options = dict(_WORKBOOK_OPTIONS)
    if isinstance(target, io.BytesIO):
        options["in_memory"] = True
    else:
        target = str(target)
    return xlsxwriter.Workbook(target, options)


def write_cell(ws, row: int, col: int, value: Any, fmt=None, *, date_fmt=None) -> None:
    """Write one cell safely: formula-like text quoted, NaN blank, dates as dates."""
    value = _plain(value)
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(row, col, str(value), fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        ws.write_datetime(row, col, value, fmt or date_fmt)
    else:
        text = safe_cell(str(value))
        if len(text) > XLSX_MAX_CHARS:
            text = text[: XLSX_MAX_CHARS - 1] + "…"
        ws.write_string(row, col, text, fmt)


def _width(values: list[Any], title: str) -> float:
    longest = max([len(str(title))] + [len(str(v)) for v in values if v is not None] or [0])
    return float(min(60, max(8, longest * 1.6 + 2)))


def _write_sheet(book, name: str, frame: pd.DataFrame, *, freeze: bool, formats: dict) -> None:
    ws = book.add_worksheet(name[:31])
    frame = pd.DataFrame(frame)
    for j, title in enumerate(frame.columns):
        write_cell(ws, 0, j, str(title), formats["head"])
    for i, cells in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(cells):
            write_cell(ws, i, j, value, date_fmt=formats["date"])
    for j, title in enumerate(frame.columns):
        ws.set_column(j, j, _width(list(frame.iloc[:200, j]), str(title)))
    if freeze:
        ws.freeze_panes(1, 0)


def _add_sheets(book, sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, *, freeze: bool) -> None:
    formats = {"head": book.add_format({"bold": True}),
               "date": book.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
    if isinstance(sheets, pd.DataFrame):
        sheets = {"Sheet1": sheets}
    for name, frame in sheets.items():
        _write_sheet(book, name, frame, freeze=freeze, formats=formats)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, *, freeze: bool = True) -> bytes:
    """An XLSX workbook, one sheet per frame (bold header, frozen first row, sized columns)."""
    buffer = io.BytesIO()
    book = open_workbook(buffer)
    try:
        _add_sheets(book, sheets, freeze=freeze)
    finally:
        book.close()
    return buffer.getvalue()


def write_xlsx(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, path: str | Path, *,
               freeze: bool = True) -> Path:
    """Write :func:`xlsx_bytes` to ``path``; return the path."""
    path = Path(path)
    path.write_bytes(xlsx_bytes(sheets, freeze=freeze))
    return path


__all__ = ["FORMULA_START", "csv_bytes", "is_formula_like", "open_workbook", "safe_cell", "safe_frame",
           "unquote", "write_cell", "write_csv", "write_csv_rows", "write_xlsx", "xlsx_bytes"]
