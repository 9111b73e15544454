"""A crash or kill in the middle of an import leaves the database as it was (one transaction)."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from gis.io.importer import commit_import, prepare_import

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "tests" / "data" / "import"


def _cameras_csv(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["设备编号", "方向角", "经度", "纬度"])
        for i in range(n):
            writer.writerow([f"K{i:06d}", i % 360, f"{117.19 + (i % 300) * 0.0002:.6f}",
                             f"{28.28 + (i // 300) * 0.0002:.6f}"])
    return path


def test_failure_inside_the_transaction_writes_nothing(store):
    commit_import(store, prepare_import("schools", DATA / "schools_gbk.csv"), quarantine=False)
    before = store.read_layer("schools")
    preview = prepare_import("schools", DATA / "schools_merged.xlsx")       # 5 updates

    def explode(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            raise RuntimeError("simulated crash after the layer rows were written")

    event.listen(store.engine, "before_cursor_execute", explode)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            commit_import(store, preview, quarantine=False)
    finally:
        event.remove(store.engine, "before_cursor_execute", explode)
    after = store.read_layer("schools")
    assert after.drop(columns=["updated_at"]).equals(before.drop(columns=["updated_at"]))
    assert list(after["version"]) == list(before["version"])


@pytest.mark.slow
def test_killed_import_leaves_all_or_nothing(tmp_path):
    n = 12000
    path = _cameras_csv(tmp_path / "many.csv", n)
    db = tmp_path / "kill.db"
    url = f"sqlite:///{db}"
    subprocess.run([sys.executable, "-m", "gis", "--db", url, "init"], cwd=PROJECT, check=True,
                   capture_output=True, timeout=120)
    wal = Path(f"{db}-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen([sys.executable, "-m", "gis", "--db", url, "import", "cameras", str(path)],
                            cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # kill as soon as the write transaction starts touching the database (or when it ends)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > start_size + 64 * 1024:
                break
            time.sleep(0.005)
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    from gis.store import open_store

    store = open_store(url)
    count = len(store.read_layer("cameras"))
    print(f"killed import left {count} of {n} rows")
    assert count in (0, n), count
    audit = store.read_audit(layer="cameras", limit=n + 10)
    assert len(audit) == count          # one insert record per row, or none at all
    store.close()
