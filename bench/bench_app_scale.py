"""The app at county scale in a real browser: this code vs the code before issue 12, in one run.

Both versions serve the same generated county (``python -m gis demo --area county-sim``, 300
and 1,000 schools) from their own ``streamlit run app.py`` on 127.0.0.1, and headless
Chromium opens the overview (态势总览) with its default layers. The peer is the project as
it was before the county-scale work (commit ``85eab07`` checked out with ``git worktree`` in
a temporary folder; ``--before`` names another commit). Per version and size:

- **payload**: bytes the page view receives over Streamlit's websocket (the map's script,
  KPI tiles, tables …), for a warm page view (a version with sign-in is signed in first, one
  account per session, and the page view after it is measured);
- **map ready**: from navigation until the schools are drawn in the map frame (school
  circles or school clusters), warm (median of ``--repeat`` views after one cold view; the
  cold one is reported from navigation to map *including* filling in the sign-in form on a
  version with sign-in, so it is not comparable across such versions);
- **8 sessions**: eight browser contexts, each signed in with its own account and settled
  first (not timed; a version without sign-in shows the page once instead, so every
  version is timed with the same warm browser cache), open the overview at the same moment; the slowest one's map-ready time
  against the single warm time. On a small machine the eight headless
  Chromiums themselves compete for the same cores as the server, so the bench also reports
  what the *server* did: **server time to map** (from the page's first websocket message,
  its rerun request, until the frame carrying the map arrives; single and slowest of the
  eight) and **server CPU per session** (the process's user+system CPU seconds over the
  eight timed page views, divided by eight). Neither replaces the end-to-end figure;
- **protocol clients**: the server's share alone. A protocol client (``tests/streamlit_client.py``)
  asks the server for exactly what a warm browser asks for one page view (the page, Streamlit's
  websocket with the rerun request, the map's component page and every file the map links)
  and draws nothing: one, then eight at once (slowest), and the server's CPU per view;
- **meeting room**: eight people open the overview at the same moment, each on a machine of
  their own. One of them is a real Chromium here, timed end to end to the schools drawn; the
  other seven are protocol clients, since their drawing happens on their own machines, not
  on the server's cores. Repeated ``--repeat`` times; the slowest against the single warm time.
  This is the figure for the bar "eight sessions each get the map within 2× one";
- **memory**: the server's resident memory (``VmRSS`` of the process) after one session and
  with eight more open, growth per extra session in MB.

The harness itself has a floor: eight fresh Chromium contexts each load Streamlit's own
frontend (megabytes of JavaScript) on the same cores. So the bench also measures a
**control**: a one-line Streamlit page with a one-circle map (no data, no sign-in), single
and eight at once, the same way. The control's ratio is what the harness costs with no
work of ours at all; it is reported beside ours, never subtracted from it.

Loopback only; every wait is bounded (``--timeout``). Ends with ``RESULT {json}``: the figures
of both versions and the ratios before/after.

Usage: ``.venv/bin/python bench/bench_app_scale.py [--sizes 300,1000] [--before 85eab07] [--also 31ea081]``
(``--also``: more commits measured the same way and compared with this code, e.g. main).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from streamlit_client import open_page  # noqa: E402 - the tests' protocol client (no browser)

CHROMIUM = "/usr/bin/chromium"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# schools drawn: circles in the top pane (both versions) or school clusters (after)
SCHOOLS_DRAWN = ".leaflet-hxTop-pane path, .hx-cluster-schools"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """``streamlit run app.py`` of one checkout on a free loopback port."""

    def __init__(self, checkout: Path, db: Path, log: Path, timeout: float, *, app: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(checkout)}
        env.pop("GIS_CONFIG", None)
        cmd = [sys.executable, "-m", "streamlit", "run", str(app or checkout / "app.py"),
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.enableStaticServing", "true", "--global.developmentMode", "false",
               "--server.fileWatcherType", "none"]
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({log})")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("server did not become healthy")

    def rss(self) -> float:
        return rss_mb(self.proc.pid)

    def cpu(self) -> float:
        return cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


BENCH_PASSWORD = "Bench#2026scale"

CONTROL_APP = """
import folium
import streamlit as st
from streamlit_folium import st_folium

from gis.viz.assets import use_offline_assets
from gis.viz.elements import StyledGeoJson, TopPane

st.title("control")
m = folium.Map(location=[28.0, 117.0], zoom_start=12, tiles=None)
use_offline_assets(m)
TopPane("hxTop").add_to(m)
StyledGeoJson({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
    "type": "Point", "coordinates": [117.0, 28.0]}, "properties": {"_style": {
    "radius": 8, "pane": "hxTop", "color": "#d7263d"}}}]}, control=False).add_to(m)
st_folium(m, key="control", height=640, use_container_width=True, returned_objects=[])
"""


def make_accounts(db: Path, checkout: Path, n: int) -> list[str]:
    """Accounts ``bench01…`` on a version with sign-in (``gis/auth``); none before it.

    One live session per account is the rule, so each concurrent session gets its own.
    """
    if not (checkout / "gis" / "auth").is_dir():
        return []
    code = ("import sys\nfrom gis.auth import accounts\nfrom gis.auth.config import AuthConfig\n"
            "from gis.store import open_store\nstore = open_store(sys.argv[1])\n"
            "have = set(accounts.list_accounts(store)['username'])\n"
            "for name in sys.argv[3:]:\n"
            "    if name not in have:\n"
            "        accounts.create_account(store, name, role='viewer', password=sys.argv[2],\n"
            "                                config=AuthConfig(), must_change=False, demo=True)\n")
    names = [f"bench{k:02d}" for k in range(1, n + 1)]
    subprocess.run([sys.executable, "-c", code, f"sqlite:///{db}", BENCH_PASSWORD, *names], cwd=checkout,
                   check=True, env={**os.environ, "PYTHONPATH": str(checkout)})
    return names


def session_tokens(db: Path, checkout: Path, names: list[str]) -> list[str]:
    """A signed-in session token per account (as the sign-in form would set in the cookie)."""
    if not names:
        return []
    code = ("import sys\nfrom gis.auth import accounts\nfrom gis.auth.config import AuthConfig\n"
            "from gis.store import open_store\nstore = open_store(sys.argv[1])\n"
            "for name in sys.argv[3:]:\n"
            "    print(accounts.authenticate(store, name, sys.argv[2], address='127.0.0.1',\n"
            "                                config=AuthConfig()).token)\n")
    done = subprocess.run([sys.executable, "-c", code, f"sqlite:///{db}", BENCH_PASSWORD, *names], cwd=checkout,
                          check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(checkout)})
    return done.stdout.split()


async def sign_in(page, url: str, username: str, timeout: float) -> None:
    """Sign in through the app's form, then the page views of this context are signed in."""
    await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    field = page.get_by_label("用户名").first
    await field.wait_for(timeout=timeout * 1000)
    await field.fill(username)
    await page.get_by_label("密码", exact=True).fill(BENCH_PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await page.get_by_role("button", name="退出登录").wait_for(timeout=timeout * 1000)


async def signed_in(browser, url: str, timeout: float, username: str | None = None):
    """A new browser context that has shown the page once (signed in first on a version with
    sign-in) and settled: its map is drawn, so no run of that page is still going on the
    server when the timed page view starts, and every version (and the control) is timed
    with the browser's cache of Streamlit's frontend equally warm. None on a timeout."""
    context = await browser.new_context(viewport={"width": 1600, "height": 1000})
    page = await context.new_page()
    try:
        if username:
            await sign_in(page, url, username, timeout)
        else:
            await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        await page.frame_locator(MAP_FRAME).locator(SCHOOLS_DRAWN).first.wait_for(
            state="attached", timeout=timeout * 1000)
    except PlaywrightTimeout:
        await context.close()
        return None
    return context, page


async def timed_view(page, url: str, timeout: float) -> tuple[float, int, float]:
    """Open the overview in ``page``: (seconds to schools drawn, websocket bytes, server seconds
    to map). Server seconds: from the page's first websocket message (its rerun request)
    until the largest frame (the one carrying the map) has arrived."""
    received = [0]
    sent: list[float] = []
    frames: list[tuple[float, int]] = []

    def size(payload) -> int:
        return len(payload) if isinstance(payload, bytes) else len(payload.encode())

    def on_received(payload) -> None:
        received[0] += size(payload)
        frames.append((time.perf_counter(), size(payload)))

    def on_ws(ws) -> None:
        ws.on("framereceived", on_received)
        ws.on("framesent", lambda payload: sent.append(time.perf_counter()))

    page.on("websocket", on_ws)
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        frame = page.frame_locator(MAP_FRAME)
        await frame.locator(SCHOOLS_DRAWN).first.wait_for(state="attached", timeout=timeout * 1000)
    except PlaywrightTimeout:
        return float("inf"), received[0], float("inf")  # timed out, never waited on longer
    seconds = time.perf_counter() - t0
    biggest = max(frames, key=lambda f: f[1]) if frames else None
    server = biggest[0] - sent[0] if biggest and sent and biggest[0] >= sent[0] else float("nan")
    await asyncio.sleep(1.0)  # let the last deltas arrive before counting
    return seconds, received[0], server


async def page_view(browser, url: str, timeout: float, username: str | None = None) -> tuple[float, int, object, float]:
    """Sign in (not timed), then open the overview: (seconds, bytes, context, server seconds)."""
    opened = await signed_in(browser, url, timeout, username)
    if opened is None:
        return float("inf"), 0, None, float("inf")
    context, page = opened
    seconds, nbytes, server = await timed_view(page, url, timeout)
    return seconds, nbytes, context, server


async def measure(url: str, server: Server, *, repeat: int, sessions: int, timeout: float,
                  accounts: list[str], tokens: list[str]) -> dict:
    from playwright.async_api import async_playwright

    def who(k: int) -> str | None:
        return accounts[k] if accounts else None

    def token(k: int) -> str | None:
        return tokens[k] if tokens else None

    async def close(ctx) -> None:
        if ctx is not None:
            await ctx.close()

    load_start = os.getloadavg()[0]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM,
                                          args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            t0 = time.perf_counter()    # the first view after the server started: its caches are cold
            first = await signed_in(browser, url, timeout, who(0))
            cold = time.perf_counter() - t0 if first is not None else float("inf")
            if first is not None:
                await close(first[0])
            warm, payload, warm_server = [], [], []
            for _ in range(max(1, repeat)):
                s, b, ctx, srv = await page_view(browser, url, timeout, who(0))
                warm.append(s)
                payload.append(b)
                warm_server.append(srv)
                await close(ctx)
            _, _, keep, _ = await page_view(browser, url, timeout, who(0))
            rss_one = server.rss()
            # eight people, each signed in (one account each), open the overview at the same moment
            opened = await asyncio.gather(*(signed_in(browser, url, timeout, who(k + 1)) for k in range(sessions)))
            ready = [o for o in opened if o is not None]
            cpu0 = server.cpu()
            results = await asyncio.gather(*(timed_view(page, url, timeout) for _, page in ready))
            cpu1 = server.cpu()
            results += [(float("inf"), 0, float("inf"))] * (sessions - len(ready))   # could not sign in
            await asyncio.sleep(2.0)
            rss_many = server.rss()
            for ctx, _ in ready:
                await ctx.close()
            await asyncio.sleep(5.0)   # the eight browsers' processes wind down first
            # the server's share alone: protocol clients (no browser), one, then eight at once
            proto_single = [(await open_page(url, token=token(0), timeout=timeout)).map_s for _ in range(max(1, repeat))]
            cpu2 = server.cpu()
            proto_many = await asyncio.gather(*(open_page(url, token=token(k), timeout=timeout)
                                               for k in range(sessions)))
            cpu3 = server.cpu()
            # a meeting room: one real browser opens the overview at the same moment as seven
            # others, whose browsers run on their own machines (here: protocol clients)
            room = []
            if keep is not None:
                for _ in range(max(1, repeat)):
                    views = await asyncio.gather(timed_view(keep.pages[0], url, timeout),
                                                 *(open_page(url, token=token(k + 1), timeout=timeout)
                                                   for k in range(sessions - 1)))
                    room.append(views[0][0])
            await close(keep)
        finally:
            await browser.close()
    times = [s for s, _, _ in results]
    done = [t for t in times if t != float("inf")]
    slowest = max(times) if len(done) == len(times) else timeout  # a timed-out session counts as the limit
    servers = [srv for _, _, srv in results if srv == srv and srv != float("inf")]
    single_server = statistics.median([v for v in warm_server if v == v and v != float("inf")] or [float("nan")])
    proto_one = statistics.median(proto_single)
    proto_max = max(v.map_s for v in proto_many)
    room_max = max(room) if room else float("inf")
    return {
        "cold_incl_sign_in_s": round(cold, 2), "warm_s": round(statistics.median(warm), 2),
        "payload_mb": round(statistics.median(payload) / 1e6, 3),
        "concurrent_max_s": round(slowest, 2),
        "concurrent_median_s": round(statistics.median([min(t, timeout) for t in times]), 2),
        "concurrent_timed_out": len(times) - len(done),
        "concurrent_over_single": round(slowest / statistics.median(warm), 2),
        "server_single_s": round(single_server, 2),
        "server_concurrent_max_s": round(max(servers), 2) if servers else None,
        "server_concurrent_over_single": round(max(servers) / single_server, 2) if servers else None,
        "server_cpu_per_session_s": round((cpu1 - cpu0) / sessions, 3),
        "protocol_single_s": round(proto_one, 3), "protocol_concurrent_max_s": round(proto_max, 3),
        "protocol_concurrent_over_single": round(proto_max / proto_one, 2),
        "protocol_cpu_per_session_s": round((cpu3 - cpu2) / sessions, 3),
        "room_browser_s": [round(v, 2) for v in room],
        "room_over_single": round(room_max / statistics.median(warm), 2),
        "rss_one_mb": round(rss_one, 1), "rss_many_mb": round(rss_many, 1),
        "rss_per_session_mb": round((rss_many - rss_one) / sessions, 1),
        "load_avg_1min": [round(load_start, 1), round(os.getloadavg()[0], 1)],   # at start and end
    }


def build_county(schools: int, out: Path) -> Path:
    db = out / f"county_{schools}.db"
    if not db.exists():
        subprocess.run([sys.executable, "-m", "gis", "--db", f"sqlite:///{db}", "demo", "--area",
                        "county-sim", "--schools", str(schools)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return db


def checkout_before(commit: str, where: Path) -> Path:
    path = where / f"before_{commit}"
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(path), commit], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (path / ".venv").symlink_to(ROOT / ".venv")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,1000")
    ap.add_argument("--before", default="85eab07", help="commit of the code before issue 12")
    ap.add_argument("--also", default="", help="more commits to compare with this code (comma-separated)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds any one wait may take (a session still waiting then counts as this)")
    ap.add_argument("--keep", help="folder to keep the databases and logs in")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_app_scale_"))
    work.mkdir(parents=True, exist_ok=True)
    also = [c for c in args.also.split(",") if c]
    peers = {"before": checkout_before(args.before, work), **{c: checkout_before(c, work) for c in also}}
    out: dict = {"before": args.before, "also": also, "sessions": args.sessions, "sizes": {}}
    try:
        for size in (int(s) for s in args.sizes.split(",") if s):
            db = build_county(size, work)
            row = {}
            for name, checkout in (*peers.items(), ("after", ROOT)):
                copy = work / f"{name}_{size}.db"
                shutil.copyfile(db, copy)
                names = make_accounts(copy, checkout, 2 * args.sessions + 1)
                tokens = session_tokens(copy, checkout, names[args.sessions + 1:])   # the protocol clients'
                server = Server(checkout, copy, work / f"{name}_{size}.log", args.timeout)
                try:
                    row[name] = asyncio.run(measure(server.url + "/", server, repeat=args.repeat,
                                                    sessions=args.sessions, timeout=args.timeout,
                                                    accounts=names[:args.sessions + 1], tokens=tokens))
                finally:
                    server.stop()
                print(f"{size} schools, {name}: {json.dumps(row[name])}", flush=True)
            a = row["after"]
            for name in peers:
                b = row[name]
                row["ratios" if name == "before" else f"ratios_{name}"] = {
                    "payload_before_over_after": round(b["payload_mb"] / a["payload_mb"], 1),
                    "warm_before_over_after": round(b["warm_s"] / a["warm_s"], 1),
                    "concurrent_max_before_over_after": round(b["concurrent_max_s"] / a["concurrent_max_s"], 1),
                    "protocol_concurrent_max_before_over_after": round(
                        b["protocol_concurrent_max_s"] / a["protocol_concurrent_max_s"], 1),
                    "room_max_before_over_after": round(max(b["room_browser_s"]) / max(a["room_browser_s"]), 1),
                    "server_cpu_per_session_before_over_after": round(
                        b["server_cpu_per_session_s"] / a["server_cpu_per_session_s"], 1)
                    if a["server_cpu_per_session_s"] > 0 else None,
                    "rss_per_session_before_over_after": round(
                        b["rss_per_session_mb"] / a["rss_per_session_mb"], 1) if a["rss_per_session_mb"] > 0 else None,
                }
                print(f"{size} schools, {name} → this code: payload {b['payload_mb']:.2f} → {a['payload_mb']:.2f} MB, "
                      f"warm map {b['warm_s']:.1f} → {a['warm_s']:.1f} s, {args.sessions} sessions slowest "
                      f"{b['concurrent_max_s']:.1f} → {a['concurrent_max_s']:.1f} s "
                      f"({b['concurrent_over_single']}× → {a['concurrent_over_single']}× single; server time to map "
                      f"{b['server_concurrent_over_single']}× → {a['server_concurrent_over_single']}× single), "
                      f"server CPU per session {b['server_cpu_per_session_s']} → {a['server_cpu_per_session_s']} s, "
                      f"protocol clients {args.sessions} at once {b['protocol_concurrent_max_s']} → "
                      f"{a['protocol_concurrent_max_s']} s ({b['protocol_concurrent_over_single']}× → "
                      f"{a['protocol_concurrent_over_single']}× single), meeting room browser "
                      f"{b['room_over_single']}× → {a['room_over_single']}× single, "
                      f"memory per session {b['rss_per_session_mb']} → {a['rss_per_session_mb']} MB", flush=True)
            out["sizes"][str(size)] = row
        app = work / "control_app.py"
        app.write_text(CONTROL_APP, encoding="utf-8")
        if not (work / "static").exists():   # Streamlit serves ./static next to the page it runs
            (work / "static").symlink_to(ROOT / "static")
        server = Server(ROOT, work / "control.db", work / "control.log", args.timeout, app=app)
        try:
            out["control"] = asyncio.run(measure(server.url + "/", server, repeat=args.repeat,
                                                 sessions=args.sessions, timeout=args.timeout, accounts=[],
                                                 tokens=[]))
        finally:
            server.stop()
        print(f"control (one-circle map, no data): {json.dumps(out['control'])}", flush=True)
    finally:
        for path in peers.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("RESULT " + json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
