"""The what-if on the 部署推演 page at county scale, in a real browser: drop → new figures.

The generated county (``python -m gis demo --area county-sim``, 1,000 schools, its 40 posts and
road network) is served by ``streamlit run app.py`` on 127.0.0.1; headless Chromium signs in as
the demo planner, opens 地图推演 and drags posts with the mouse (``mouse.down/move/up``) onto
school gates, one after another. Timed per drop: from the mouse release until the page shows the
new figures (the caption ``第 N 次变动`` that is written with the KPI tiles), which includes
streamlit-folium's 250 ms debounce, the websocket round trip, the fragment's rerun and the
update (``WhatIf.move``); the update's own time is read from that caption. Also timed: from the
release until the map has its new school and post layers (the frame's feature groups replaced).

Baseline in the same run: re-assessing the whole county with ``gis.coverage.assess_campuses``
on the same database (what a page without the incremental update would have to do per drop).
Ends with ``RESULT {json}`` (median and worst drop → figures, the ratio to the full
re-assessment, the load average).

Usage: ``.venv/bin/python bench/bench_siting_page.py [--drops 6] [--schools 1000]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_app_scale import CHROMIUM, MAP_FRAME, Server  # noqa: E402

PASSWORD = "Hxay#2024demo"        # the demo accounts' password (gis.auth.demo)
PIXEL_OF = ("([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
            " return [p.x, p.y]; }")
TOP_AT = "([x, y]) => { const e = document.elementFromPoint(x, y); return e && e.closest('.hx-drag-post') " \
         "? e.closest('.hx-drag-post').title : null; }"


def full_assessment_seconds(db: Path) -> float:
    from gis.config import load_settings
    from gis.coverage import assess_campuses
    from gis.network import load_road_graph
    from gis.store import open_store

    store = open_store(f"sqlite:///{db}")
    layers = store.read_layers()
    store.close()
    settings = load_settings()
    graph = load_road_graph(layers["roads"], settings=settings)
    assess_campuses(layers, graph=graph, settings=settings, peak="am")          # warm
    t0 = time.perf_counter()
    assess_campuses(layers, graph=graph, settings=settings, peak="am")
    return time.perf_counter() - t0


def school_gates(db: Path, n: int, seed: int) -> list[tuple[float, float]]:
    import numpy as np

    from gis.store import open_store

    store = open_store(f"sqlite:///{db}")
    schools = store.read_layer("schools")
    store.close()
    seat = schools[schools["id"].astype(str).str.len() > 0]
    pick = np.random.default_rng(seed).choice(len(seat), size=min(n * 4, len(seat)), replace=False)
    return [(p.y, p.x) for p in (seat.geometry.iloc[int(i)].representative_point() for i in pick)]


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--drops", type=int, default=6)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the county database here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_siting_page_"))
    db = args.keep or tmp / "county.db"
    if not db.exists():
        subprocess.run([sys.executable, "-m", "gis", "--db", f"sqlite:///{db}", "demo", "--area", "county-sim",
                        "--schools", str(args.schools)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    full_s = full_assessment_seconds(db)
    print(f"full county re-assessment ({args.schools} schools): {full_s:.2f} s")
    targets = school_gates(db, args.drops, args.seed)
    server = Server(ROOT, db, tmp / "server.log", args.timeout)
    drops, updates, rescored, maps, sent = [], [], [], [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            received = [0]

            def on_ws(ws) -> None:
                ws.on("framereceived", lambda payload: received.__setitem__(
                    0, received[0] + (len(payload) if isinstance(payload, bytes) else len(payload.encode()))))

            page.on("websocket", on_ws)
            page.goto(f"{server.url}/scenarios", wait_until="domcontentloaded")
            page.get_by_label("用户名").first.wait_for(timeout=args.timeout * 1000)
            page.get_by_label("用户名").first.fill("demo_planner")
            page.get_by_label("密码", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="登录", exact=True).click()
            page.get_by_role("button", name="退出登录").wait_for(timeout=args.timeout * 1000)
            page.get_by_role("tab", name="地图推演").click()
            t0 = time.perf_counter()
            page.locator(".hx-scenario-after").last.wait_for(timeout=args.timeout * 1000)
            print(f"what-if session ready in {time.perf_counter() - t0:.1f} s (one county assessment)")
            el = page.locator(MAP_FRAME).last
            el.wait_for(timeout=args.timeout * 1000)
            el.scroll_into_view_if_needed()
            el.content_frame.locator(".hx-drag-post").first.wait_for(timeout=args.timeout * 1000)
            time.sleep(2.0)
            done = 0
            for lat, lng in targets:
                if done == args.drops:
                    break
                frame = el.element_handle().content_frame()
                box = el.bounding_box()
                badges = el.content_frame.locator(".hx-drag-post")
                # a badge on top of the others, inside the frame
                grab = None
                for k in range(badges.count()):
                    b = badges.nth(k).bounding_box()
                    if not b:
                        continue
                    cx, cy = b["x"] + b["width"] / 2 - box["x"], b["y"] + b["height"] / 2 - box["y"]
                    if 20 < cx < box["width"] - 20 and 20 < cy < box["height"] - 20 and \
                            frame.evaluate(TOP_AT, [cx, cy]) == badges.nth(k).get_attribute("title"):
                        grab = (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
                        break
                tx, ty = frame.evaluate(PIXEL_OF, [lat, lng])
                if grab is None or not (20 < tx < box["width"] - 20 and 20 < ty < box["height"] - 20):
                    continue
                x1, y1 = box["x"] + tx, box["y"] + ty
                page.mouse.move(*grab)
                page.mouse.down()
                for s in range(1, 16):
                    page.mouse.move(grab[0] + (x1 - grab[0]) * s / 15, grab[1] + (y1 - grab[1]) * s / 15)
                    time.sleep(0.01)
                frame.evaluate("() => { window.__hxFg = (window.feature_group || []).slice(-1)[0]; }")
                bytes0 = received[0]
                t0 = time.perf_counter()
                page.mouse.up()
                caption = page.get_by_text(re.compile(rf"第 {done + 1} 次变动：更新用时 \d+ 毫秒"))
                caption.wait_for(timeout=args.timeout * 1000)
                drops.append(time.perf_counter() - t0)
                text = caption.inner_text()
                updates.append(int(re.search(r"更新用时 (\d+) 毫秒", text).group(1)) / 1000)
                rescored.append(int(re.search(r"重新评估 (\d+) 所学校", text).group(1)))
                frame.wait_for_function("() => (window.feature_group || []).slice(-1)[0] !== window.__hxFg",
                                        timeout=args.timeout * 1000)
                maps.append(time.perf_counter() - t0)
                time.sleep(0.5)
                sent.append(received[0] - bytes0)
                done += 1
                print(f"drop {done}: figures on the page {drops[-1]:.2f} s after the release "
                      f"(update {updates[-1] * 1e3:.0f} ms, {rescored[-1]} schools re-assessed), "
                      f"map redrawn {maps[-1]:.2f} s, {sent[-1] / 1e6:.2f} MB to the browser")
                time.sleep(1.0)
            browser.close()
    finally:
        server.stop()
    load = os.getloadavg()
    med = statistics.median(drops)
    print(f"drop → figures: median {med:.2f} s, worst {max(drops):.2f} s over {len(drops)} drops "
          f"(update median {statistics.median(updates) * 1e3:.0f} ms; map redrawn median "
          f"{statistics.median(maps):.2f} s); full re-assessment {full_s:.2f} s "
          f"(×{full_s / med:.1f}); load average {load[0]:.2f}")
    print("RESULT " + json.dumps({
        "bench": "siting_page", "schools": args.schools, "drops": len(drops),
        "drop_to_figures_median_s": round(med, 3), "drop_to_figures_max_s": round(max(drops), 3),
        "update_median_ms": round(statistics.median(updates) * 1e3, 1),
        "map_redrawn_median_s": round(statistics.median(maps), 3), "map_redrawn_max_s": round(max(maps), 3),
        "mb_per_drop_median": round(statistics.median(sent) / 1e6, 3),
        "rescored_median": statistics.median(rescored), "full_assessment_s": round(full_s, 2),
        "ratio_full_vs_drop": round(full_s / med, 1), "loadavg_1m": round(load[0], 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
