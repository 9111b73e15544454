"""Random rows never crash the importer and never lose a row: accepted + rejected = input rows."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gis.io.importer import prepare_import
from gis.io.quarantine import write_quarantine
from gis.io.values import is_blank

HEADERS = ["编号", "学校名称", "学段", "在校人数", "是否寄宿", "经度", "纬度", "方向角"]

cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "是", "否", "Y", "小学", "幼儿园", "大学", "117.2", "28.3", "117°12′30″",
                     "28度15分", "１２３", "1,200", "-5", "nan", "inf", "1e400", "S1", "S2", "<script>",
                     "=HYPERLINK()", "117.2,28.3", "\u3000", "NULL"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-10**6, 10**6).map(str),
)
row_strategy = st.lists(cell_text, min_size=0, max_size=len(HEADERS) + 2)
rows_strategy = st.lists(row_strategy, min_size=1, max_size=25)


def _non_blank(rows: list[list[str]]) -> int:
    return sum(1 for r in rows if any(not is_blank(c) for c in r))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_csv_rows_are_all_accounted_for(rows, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.csv"
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows([HEADERS, *rows])
        path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
        with open(path, encoding=encoding, newline="") as fh:
            written = list(csv.reader(fh))[1:]        # what the file really holds after encoding
        preview = prepare_import("schools", path)
        assert preview.accepted + preview.rejected == preview.total == _non_blank(written)
        assert set(preview.records.index).isdisjoint(preview.rejections)
        for problems in preview.rejections.values():
            assert all(p.zh and p.en and p.row >= 2 for p in problems)
        if preview.rejected:
            out = write_quarantine(preview)
            with open(out, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
                assert len(list(csv.reader(fh))) == preview.rejected + 1


xlsx_cell = st.one_of(st.none(), cell_text, st.integers(-10**9, 10**9), st.booleans(),
                      st.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(rows=[["=0"]])          # a formula never calculated by Excel: no cached value, must not vanish
@given(rows=st.lists(st.lists(xlsx_cell, min_size=0, max_size=len(HEADERS)), min_size=1, max_size=15))
def test_random_xlsx_rows_are_all_accounted_for(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(HEADERS)
        kept = []
        for r in rows:
            clean = [c.replace("\x00", "") if isinstance(c, str) else c for c in r]
            clean = ["".join(ch for ch in c if ch.isprintable() or ch in " ") if isinstance(c, str) else c
                     for c in clean]
            sheet.append(clean)
            kept.append(clean)
        book.save(path)
        preview = prepare_import("cameras", path, mapping={"编号": "id"})
        assert preview.accepted + preview.rejected == preview.total == _non_blank(kept)
        if preview.rejected:
            out = write_quarantine(preview)
            assert openpyxl.load_workbook(out).active.max_row == preview.rejected + 1
