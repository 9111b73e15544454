"""Monthly report at county scale: 300 schools, 2,000 records, 10 派出所 — time per page.

Ours: ``gis.cycle.monthly_figures`` (count the month) + ``gis.reports.monthly.write_monthly_report``
(one A4 PDF per 派出所 and the county with fpdf2 and the embedded CJK subset, matplotlib map and
trend per PDF, the XLSX). Peer: the same pages drawn the common way, a matplotlib ``PdfPages``
document with one figure per 派出所 (the jurisdiction scatter map and the indicator table as
``ax.table``), which embeds the font as Type 42 — no tables that flow over pages, no XLSX.

Input (fixed seed): schools scattered over the guixi extract's bounds, 10 stations with Voronoi
jurisdictions, 700 inspections, 300 notices, 900 visits and 100 drills in one autumn term, and a
synthetic assessment (scores and reasons) so the weak-campus tables are full. The guixi roads
are the base map. Usage: ``.venv/bin/python bench/bench_cycle_report.py [--schools 300]``.
Three school names are outside GBK (``--gbk-only`` drops them), as real GB 18030 names are, so
every PDF embeds the full font. Ends with one line ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.config import DATA_DIR  # noqa: E402
from gis.cycle import CycleConfig, monthly_figures  # noqa: E402
from gis.cycle.monthly import INDICATOR_ZH, INDICATORS  # noqa: E402
from gis.io.osm import read_osm  # noqa: E402
from gis.reports.cyclecharts import cjk_font  # noqa: E402
from gis.reports.monthly import ReportInputs, write_monthly_report  # noqa: E402

D = dt.date
TERM = (D(2025, 9, 1), D(2025, 10, 31))


RARE_NAMES = {0: "城关镇䶮村小学", 7: "𠮷祥小学", 19: "㙍口幼儿园"}   # GB 18030 names outside GBK


def county(n_schools: int, n_records: int, seed: int = 14, rare: bool = True):
    rng = np.random.default_rng(seed)
    roads = read_osm(DATA_DIR / "osm" / "cn_jiangxi_guixi_city_2024.osm.bz2").roads
    minx, miny, maxx, maxy = roads.total_bounds
    pts = [Point(x, y) for x, y in zip(rng.uniform(minx, maxx, n_schools), rng.uniform(miny, maxy, n_schools),
                                       strict=True)]
    centres = MultiPoint([Point(x, y) for x, y in zip(rng.uniform(minx, maxx, 10), rng.uniform(miny, maxy, 10),
                                                      strict=True)])
    cells = list(shapely.voronoi_polygons(centres, extend_to=shapely.box(minx, miny, maxx, maxy)).geoms)
    cells = [c.intersection(shapely.box(minx, miny, maxx, maxy)) for c in cells]
    stations = gpd.GeoDataFrame({"id": [f"P{k:02d}" for k in range(10)], "name": [f"第{k + 1}派出所" for k in range(10)],
                                 "kind": ["station"] * 10, "jurisdiction": gpd.GeoSeries(cells, crs=4326)},
                                geometry=list(centres.geoms), crs=4326).rename_geometry("point")
    owner = [next(k for k, c in enumerate(cells) if c.buffer(1e-9).contains(p)) for p in pts]
    names = [(RARE_NAMES.get(k) if rare else None) or f"第{k + 1}小学" for k in range(n_schools)]
    schools = gpd.GeoDataFrame({"id": [f"S{k:03d}" for k in range(n_schools)], "name": names,
                                "jurisdiction_id": [f"P{o:02d}" for o in owner]},
                               geometry=[MultiPoint([p]) for p in pts], crs=4326).rename_geometry("gates")
    ids = schools["id"].to_numpy()

    a, b = TERM

    def days(n):
        return [a + dt.timedelta(days=int(d)) for d in rng.integers(0, (b - a).days + 1, n)]

    n_ins, n_not, n_vis = int(n_records * 0.35), int(n_records * 0.15), int(n_records * 0.45)
    n_dri = n_records - n_ins - n_not - n_vis
    issued = days(n_not)
    records = {
        "inspections": pd.DataFrame({"id": [f"I{k}" for k in range(n_ins)], "school_id": rng.choice(ids, n_ins),
                                     "date": days(n_ins), "kind": rng.choice(["station", "joint", "comprehensive"],
                                                                             n_ins, p=[0.7, 0.1, 0.2])}),
        "notices": pd.DataFrame({"id": [f"N{k}" for k in range(n_not)], "school_id": rng.choice(ids, n_not),
                                 "issued_on": issued, "deadline": [d + dt.timedelta(days=15) for d in issued],
                                 "items": rng.choice(["专职保安员不足", "校门视频监控存在盲区", "一键报警未与公安联网"], n_not),
                                 "status": rng.choice(["open", "closed"], n_not),
                                 "closed_on": [d + dt.timedelta(days=7) for d in issued], "escalated": False}),
        "visits": pd.DataFrame({"id": [f"V{k}" for k in range(n_vis)], "school_id": rng.choice(ids, n_vis),
                                "date": days(n_vis)}),
        "drills": pd.DataFrame({"id": [f"D{k}" for k in range(n_dri)], "school_id": rng.choice(ids, n_dri),
                                "date": days(n_dri), "kind": "alarm_test", "alarm_time": "07:40",
                                "police_arrival_s": rng.uniform(120, 600, n_dri)}),
    }
    records["notices"].loc[records["notices"]["status"] == "open", "closed_on"] = None
    score = rng.uniform(30, 95, n_schools)
    assessment = pd.DataFrame({"school_id": ids, "jurisdiction_id": schools["jurisdiction_id"], "score": score,
                               "level": np.where(score < 50, "critical", np.where(score < 75, "weak", "good")),
                               "response_s": rng.uniform(60, 600, n_schools), "violations": 0,
                               "reasons_zh": "派出所最快 6.2 分钟到达，超过 5 分钟；校门视频覆盖 40%（目标 90%）",
                               "reasons_en": "slow"})
    drills = records["drills"].assign(computed_s=rng.uniform(120, 400, n_dri), large_gap=False, verdict_zh="相符",
                                      school_name="学校")
    return {"schools": schools, "police_posts": stations, "roads": roads}, records, assessment, drills


def pages_of(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def peer(layers, figures, out: Path) -> int:
    """matplotlib PdfPages: one page per 派出所, scatter map + indicator table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    font = cjk_font()
    matplotlib.rcParams["pdf.fonttype"] = 42
    schools = layers["schools"]
    n = 0
    with PdfPages(out) as pdf:
        for rec in figures.jurisdictions.to_dict("records"):
            jid = rec["jurisdiction_id"]
            fig = plt.figure(figsize=(8.27, 11.69))
            ax = fig.add_axes([0.06, 0.5, 0.88, 0.44])
            part = schools if jid == "全县" else schools[schools["jurisdiction_id"] == jid]
            layers["roads"].plot(ax=ax, color="#cccccc", linewidth=0.4)
            ax.scatter([g.geoms[0].x for g in part.geometry], [g.geoms[0].y for g in part.geometry], s=10)
            ax.set_title(f"{rec['jurisdiction_name']} 护校安园工作月报", fontproperties=font)
            tab = fig.add_axes([0.06, 0.05, 0.88, 0.4])
            tab.axis("off")
            table = tab.table(cellText=[[INDICATOR_ZH[k], str(rec.get(k))] for k in INDICATORS], loc="center")
            for cell in table.get_celld().values():
                cell.get_text().set_fontproperties(font)
            pdf.savefig(fig)
            plt.close(fig)
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--gbk-only", action="store_true",
                        help="no school name outside GBK (by default three names need the full GB 18030 font)")
    args = parser.parse_args()
    layers, records, assessment, drills = county(args.schools, args.records, rare=not args.gbk_only)
    config = CycleConfig()
    t0 = time.perf_counter()
    figures = monthly_figures(layers, records, month="2025-10", config=config, assessment=assessment)
    t_count = time.perf_counter() - t0
    areas = dict(zip(layers["police_posts"]["id"], layers["police_posts"]["jurisdiction"], strict=True))
    inputs = ReportInputs(schools=layers["schools"], roads=layers["roads"], areas=areas, drills=drills,
                          area_name="基准县", data_version=1, due=D(2025, 10, 20))
    try:        # the per-process font parse (this code); absent before it existed
        from gis.reports.sheets import FONT_PATH, _parsed_font

        t0 = time.perf_counter()
        _parsed_font(str(FONT_PATH))
        t_font = time.perf_counter() - t0
    except ImportError:
        t_font = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        files = write_monthly_report(figures, Path(tmp) / "ours", inputs=inputs)
        t_ours = time.perf_counter() - t0 + t_font
        c_ours = time.process_time() - c0 + t_font
        t0, c0 = time.perf_counter(), time.process_time()   # again in this process: font, imports warm
        write_monthly_report(figures, Path(tmp) / "warm", inputs=inputs)
        t_warm, c_warm = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        write_monthly_report(figures, Path(tmp) / "par", inputs=inputs, workers=os.cpu_count() or 1)
        t_par = time.perf_counter() - t0
        ours_pages = sum(pages_of(p) for p in files["pdf"])
        t0, c0 = time.perf_counter(), time.process_time()
        peer_pages = peer(layers, figures, Path(tmp) / "peer.pdf")
        t_peer, c_peer = time.perf_counter() - t0, time.process_time() - c0
    per_ours, per_peer = t_ours / ours_pages, t_peer / peer_pages
    print(f"{args.schools} schools, {args.records} records, {len(files['pdf'])} PDFs")
    print(f"count the month: {t_count:.2f} s")
    print(f"ours (fpdf2 + matplotlib, full report + XLSX): {t_ours:.2f} s, {ours_pages} pages, "
          f"{per_ours:.3f} s/page, {t_ours / len(files['pdf']):.2f} s/PDF (font parsed once: {t_font:.2f} s)")
    print(f"ours again in the same process (warm): {t_warm:.2f} s, {t_warm / ours_pages:.3f} s/page, "
          f"{t_warm / len(files['pdf']):.2f} s/PDF")
    print(f"ours in {os.cpu_count()} processes (the CLI's default): {t_par:.2f} s, {t_par / ours_pages:.3f} s/page")
    print(f"peer (matplotlib PdfPages, map + indicator table): {t_peer:.2f} s, {peer_pages} pages, "
          f"{per_peer:.3f} s/page")
    print(f"ratio per page ours/peer: {per_ours / per_peer:.2f}")
    print(f"CPU seconds of this process (steadier than wall time on a shared box): ours {c_ours:.2f} "
          f"({c_ours / len(files['pdf']):.2f}/PDF), warm {c_warm:.2f} ({c_warm / len(files['pdf']):.2f}/PDF), "
          f"peer {c_peer:.2f} ({c_peer / peer_pages:.2f}/page)")
    result = {"schools": args.schools, "records": args.records, "pdfs": len(files["pdf"]),
              "count_s": round(t_count, 3), "ours_s": round(t_ours, 3), "ours_pages": ours_pages,
              "ours_s_per_page": round(per_ours, 3),
              "ours_s_per_pdf": round(t_ours / len(files["pdf"]), 3), "font_parse_s": round(t_font, 3),
              "warm_s": round(t_warm, 3), "cpu_s": round(c_ours, 3), "cpu_warm_s": round(c_warm, 3),
              "cpu_peer_s": round(c_peer, 3), "cpu_s_per_pdf": round(c_ours / len(files["pdf"]), 3), "warm_s_per_pdf": round(t_warm / len(files["pdf"]), 3), "peer_s": round(t_peer, 3), "peer_pages": peer_pages,
              "peer_s_per_page": round(per_peer, 3), "ratio_per_page": round(per_ours / per_peer, 2),
              "total_s": round(t_count + t_ours, 3), "cores": os.cpu_count(), "parallel_s": round(t_par, 3),
              "parallel_s_per_page": round(t_par / ours_pages, 3)}
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
