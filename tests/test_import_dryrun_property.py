"""Issue 10 class 2: random bad cells never abort a file, and ``--dry-run`` predicts the import.

Property, on both back-ends: accepted + quarantined = input rows, and the rows the real
import commits are exactly the rows the dry run said it would accept.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gis.cli import main as cli_main
from gis.io.importer import prepare_import
from gis.io.values import is_blank

HEADERS = ["编号", "类别", "风险等级", "备注", "登记时间", "经度", "纬度"]
GOOD = ["网吧", "2", "通宵营业", "2024-03-01", "117.20", "28.25"]

bad_cell = st.one_of(
    st.sampled_from(["", "\x00", "a\x00b", "长" * 10_001, "x" * 200_000, "=1+1", "-5", "inf", "nan", "1e400",
                     "2024-02-30", "9999-99-99", "4", "0", "高", "person", "[1,2]", "117°12′30″", "200", "-91"]),
    st.text(max_size=8),
)


@st.composite
def table(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for k in range(n):
        row = [f"R{k}", *GOOD]
        for _ in range(draw(st.integers(0, 2))):
            row[draw(st.integers(0, len(row) - 1))] = draw(bad_cell)
        rows.append(row)
    return rows


def _stored_ids(store) -> set[str]:
    return set(store.read_layer("risk_sites")["id"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@example(rows=[["R0", "网吧", "2", "a\x00b", "2024-03-01", "117.20", "28.25"],
               ["R1", "网吧", "2", "x" * 200_000, "2024-03-01", "117.20", "28.25"],
               ["R2", *GOOD]])
@given(rows=table())
def test_dry_run_predicts_the_import_and_nothing_is_lost(store, rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "risk.csv"
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows([HEADERS, *rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        non_blank = sum(1 for r in rows if any(not is_blank(c) for c in r))
        dry = prepare_import("risk_sites", path)
        assert dry.accepted + dry.rejected == dry.total == non_blank
        before = _stored_ids(store)
        code = cli_main(["--db", store.url, "import", "risk_sites", str(path)])
        assert code == (3 if dry.rejected else 0)
        after = _stored_ids(store)
        assert after - before == set(dry.new_ids)
        assert set(dry.records["id"]) <= after
        quarantine = path.with_name("risk.quarantine.csv")
        if dry.rejected:
            with open(quarantine, encoding="utf-8-sig", newline="") as fh:
                assert len(list(csv.reader(fh))) == dry.rejected + 1
        else:
            assert not quarantine.exists()
        stored = store.read_layer("risk_sites")
        if len(stored):
            store.delete_rows("risk_sites", list(stored["id"]))
