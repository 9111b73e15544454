"""Import speed and GCJ-02 conversion: our importer vs plain loaders, our vectorised inverse vs eviltransform.

In one run, on the same generated input (seeded):

* table  — N school rows (Chinese headers, some "1,234" numbers, some DMS coordinates) as a
           CSV. Ours: ``prepare_import`` (encoding detection, header mapping, parsing,
           validation, geometry, duplicate check). Peers, which only *load* (no validation,
           no DMS, no mapping): ``pandas.read_csv`` + ``geopandas.points_from_xy`` and GDAL's
           CSV driver through ``pyogrio.read_dataframe`` (X/Y_POSSIBLE_NAMES). The ratio is
           the price of checking every cell.
* import — the whole ``python -m gis import schools`` command on 100,000 rows (read, map,
           parse, the store's own checks, commit to a fresh SQLite file with the audit trail),
           as CSV and as XLSX, each in a child process: wall time and the child's peak RSS
           (issue 10's bar: well under 30 s and 1 GB).
* gcj02  — M GCJ-02 points across China to WGS-84: ours (numpy, fixed-point iteration) vs
           ``eviltransform.gcj2wgs_exact`` (the googollee/eviltransform package, a per-point
           bisection) and its one-step ``gcj2wgs``; the largest disagreement in metres is
           printed so speed never hides a wrong answer.

Usage: ``.venv/bin/python bench/bench_import.py [--rows 50000 --points 200000]``.
Ends with one line ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis.io.china_crs import gcj02_to_wgs84, haversine_m, wgs84_to_gcj02  # noqa: E402
from gis.io.importer import prepare_import  # noqa: E402


def write_table(path: Path, rows: int, rng: np.random.Generator) -> None:
    lon = 117.19 + rng.random(rows) * 0.06
    lat = 28.28 + rng.random(rows) * 0.04
    kinds = np.array(["小学", "初中", "幼儿园", "高中", "九年一贯制"])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["学校代码", "学校名称", "学段", "在校人数", "是否寄宿", "经度", "纬度"])
        for i in range(rows):
            x, y = f"{lon[i]:.6f}", f"{lat[i]:.6f}"
            if i % 50 == 0:     # a few DMS cells, as planners type them
                d = int(lon[i])
                m = (lon[i] - d) * 60
                x = f"{d}°{int(m)}′{(m - int(m)) * 60:.2f}″"
            enrollment = int(rng.integers(30, 3000))
            writer.writerow([f"S{i:07d}", f"第{i}小学", kinds[i % 5],
                             f"{enrollment:,}" if i % 3 == 0 else str(enrollment),
                             "是" if i % 4 == 0 else "否", x, y])


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def bench_table(rows: int, rng: np.random.Generator) -> dict:
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schools.csv"
        write_table(path, rows, rng)
        ours_s, preview = timed(lambda: prepare_import("schools", path), repeat=2)

        def pandas_load():
            frame = pd.read_csv(path, encoding="utf-8", dtype=str)
            x = pd.to_numeric(frame["经度"], errors="coerce")
            y = pd.to_numeric(frame["纬度"], errors="coerce")
            return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")

        pandas_s, pandas_frame = timed(pandas_load)
        pyogrio_s, gdal_frame = timed(lambda: pyogrio.read_dataframe(
            path, X_POSSIBLE_NAMES="经度", Y_POSSIBLE_NAMES="纬度", KEEP_GEOM_COLUMNS="NO"))
    accepted = preview.accepted
    return {"rows": rows, "ours_accepted": accepted, "ours_rejected": preview.rejected,
            "pandas_valid_points": int(pandas_frame.geometry.is_valid.sum() - pandas_frame.geometry.is_empty.sum()),
            "gdal_rows": len(gdal_frame), "ours_s": round(ours_s, 3), "pandas_s": round(pandas_s, 3),
            "gdal_s": round(pyogrio_s, 3), "ours_per_row_us": round(ours_s / rows * 1e6, 1),
            "ratio_vs_pandas": round(ours_s / pandas_s, 1), "ratio_vs_gdal": round(ours_s / pyogrio_s, 1)}


def write_xlsx_table(csv_path: Path, xlsx_path: Path) -> None:
    """The same rows as an XLSX workbook (xlsxwriter, so cells carry cached values)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    ws = book.add_worksheet("学校")
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for r, row in enumerate(csv.reader(fh)):
            for c, value in enumerate(row):
                ws.write_string(r, c, value)
    book.close()


CHILD = ("import resource, runpy, sys\n"
         "sys.argv = ['gis', *sys.argv[1:]]\n"
         "try:\n"
         "    runpy.run_module('gis', run_name='__main__')\n"
         "finally:\n"
         "    print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")


def cli_import(path: Path, db: Path) -> dict:
    """``python -m gis import schools PATH`` in a child process: wall time, exit code, its peak RSS."""
    import subprocess

    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, "--db", f"sqlite:///{db}", "import", "schools",
                           str(path), "--max-mb", "500"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
    imported = [line for line in done.stdout.splitlines() if line.startswith("已导入")]
    return {"exit": done.returncode, "s": round(seconds, 2),
            "peak_rss_mb": round(int(peak[0]) / 1024, 1) if peak else None,
            "imported": imported[0] if imported else "", "stderr_tail": done.stderr.strip()[-200:]}


def bench_full_import(rows: int, rng: np.random.Generator) -> dict:
    """The whole command (read, validate incl. the store's checks, commit to SQLite, audit) on
    ``rows`` rows, as CSV and as XLSX; the child's peak RSS (the limit is 1 GB)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schools.csv"
        write_table(path, rows, rng)
        xlsx = Path(tmp) / "schools.xlsx"
        write_xlsx_table(path, xlsx)
        out = {"rows": rows}
        out["csv"] = cli_import(path, Path(tmp) / "csv.db")
        out["xlsx"] = cli_import(xlsx, Path(tmp) / "xlsx.db")
    return out


def bench_gcj(points: int, rng: np.random.Generator) -> dict:
    import eviltransform

    lon = 75 + rng.random(points) * 58
    lat = 18 + rng.random(points) * 35
    glon, glat = wgs84_to_gcj02(lon, lat)
    ours_s, (olon, olat) = timed(lambda: gcj02_to_wgs84(glon, glat))
    sample = min(points, 20000)

    def evil_exact():
        return np.array([eviltransform.gcj2wgs_exact(glat[i], glon[i]) for i in range(sample)])

    def evil_fast():
        return np.array([eviltransform.gcj2wgs(glat[i], glon[i]) for i in range(sample)])

    exact_s, exact = timed(evil_exact, repeat=1)
    fast_s, fast = timed(evil_fast, repeat=1)
    scale = points / sample
    ours_err = haversine_m(olon, olat, lon, lat)
    exact_err = haversine_m(exact[:, 1], exact[:, 0], lon[:sample], lat[:sample])
    fast_err = haversine_m(fast[:, 1], fast[:, 0], lon[:sample], lat[:sample])
    agree = haversine_m(olon[:sample], olat[:sample], exact[:, 1], exact[:, 0])
    return {"points": points, "ours_s": round(ours_s, 3), "evil_exact_s": round(exact_s * scale, 3),
            "evil_fast_s": round(fast_s * scale, 3), "speedup_vs_exact": round(exact_s * scale / ours_s, 1),
            "speedup_vs_fast": round(fast_s * scale / ours_s, 1),
            "ours_roundtrip_max_m": float(f"{ours_err.max():.2g}"),
            "evil_exact_roundtrip_max_m": round(float(exact_err.max()), 3),
            "evil_fast_roundtrip_max_m": round(float(fast_err.max()), 2),
            "ours_vs_evil_exact_max_m": round(float(agree.max()), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--full-rows", type=int, default=100000, help="rows of the whole-command import")
    parser.add_argument("--points", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    table = bench_table(args.rows, rng)
    print(f"table  {table['rows']} rows: ours {table['ours_s']} s ({table['ours_per_row_us']} µs/row, "
          f"{table['ours_accepted']} accepted, {table['ours_rejected']} rejected) | pandas load {table['pandas_s']} s "
          f"(x{table['ratio_vs_pandas']}) | GDAL CSV {table['gdal_s']} s (x{table['ratio_vs_gdal']}); "
          f"the peers only load: {table['rows'] - table['pandas_valid_points']} DMS cells left as NaN by pandas")
    full = bench_full_import(args.full_rows, rng)
    for kind in ("csv", "xlsx"):
        r = full[kind]
        print(f"import {full['rows']} rows ({kind}, whole CLI incl. commit to SQLite): {r['s']} s, peak RSS "
              f"{r['peak_rss_mb']} MB, exit {r['exit']}" + (f" — {r['stderr_tail']}" if r["exit"] else ""))
    gcj = bench_gcj(args.points, rng)
    print(f"gcj02  {gcj['points']} points: ours {gcj['ours_s']} s | eviltransform exact {gcj['evil_exact_s']} s "
          f"(ours x{gcj['speedup_vs_exact']} faster) | eviltransform one-step {gcj['evil_fast_s']} s "
          f"(x{gcj['speedup_vs_fast']}); round-trip error max: ours {gcj['ours_roundtrip_max_m']} m, exact "
          f"{gcj['evil_exact_roundtrip_max_m']} m, one-step {gcj['evil_fast_roundtrip_max_m']} m; ours vs exact "
          f"{gcj['ours_vs_evil_exact_max_m']} m")
    print("RESULT " + json.dumps({"bench": "import", "table": table, "full_import": full, "gcj02": gcj},
                                 ensure_ascii=False))


if __name__ == "__main__":
    main()
