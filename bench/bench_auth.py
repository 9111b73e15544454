"""What signing in costs: Argon2's configured time per sign-in, and a signed-in page view
against the same page without the sign-in gate (one run, alternating, medians).

1. ``authenticate()`` with the default ``[auth]`` Argon2id parameters (t=3, m=64 MiB, p=4),
   beside one bare ``argon2.PasswordHasher.verify`` (the peer: the library alone) — the
   sign-in costs the hash and little else.
2. The 态势总览 page of the guixi demo rendered by Streamlit's AppTest: ``app.py`` signed in
   (session looked up in the database on every rerun, the sidebar's account box) vs the very
   same ``app.py`` with the gate's one line (``state = auth.resolve()``) replaced by a fixed
   planner (written next to it for the run, removed after); both draw the same sidebar with
   its account box. Caches are warm in both; reruns alternate (ABBA) so load on the machine
   hits both alike. Reported: wall-clock medians, the median of the paired ratios, and the
   CPU time of AppTest's script thread (the page's own work, which other processes' load on a
   shared machine does not inflate). The bar (< 5 %) is read on the CPU figure and on the
   paired wall ratio.

Usage: ``.venv/bin/python bench/bench_auth.py [--repeat 9]``. Ends with ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from gis.auth import accounts, passwords  # noqa: E402
from gis.auth.config import AuthConfig  # noqa: E402
from gis.auth.demo import DEMO_PASSWORD  # noqa: E402
from gis.demo import load_demo  # noqa: E402
from gis.store import open_store  # noqa: E402


def sign_in_times(store, repeat: int) -> tuple[list[float], list[float]]:
    config = AuthConfig()
    signs, verifies = [], []
    stored = passwords.hash_password(DEMO_PASSWORD, config=config)
    hasher = passwords.hasher(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)
    for _ in range(repeat):
        t0 = time.perf_counter()
        accounts.authenticate(store, "demo_viewer", DEMO_PASSWORD, address="127.0.0.1", config=config)
        signs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hasher.verify(stored, DEMO_PASSWORD)
        verifies.append(time.perf_counter() - t0)
    return signs, verifies


def resume_times(store, repeat: int) -> list[float]:
    """The gate's own work on every rerun: one ``accounts.resume`` (session + account lookup)."""
    config = AuthConfig()
    signed = accounts.authenticate(store, "demo_planner", DEMO_PASSWORD, address="127.0.0.1", config=config)
    times = []
    for _ in range(repeat * 20):
        t0 = time.perf_counter()
        accounts.resume(store, signed.token, address="127.0.0.1", config=config)
        times.append(time.perf_counter() - t0)
    return times


def page_times(db_url: str, repeat: int) -> dict[str, list[float]]:
    from signin import app_sign_in
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = db_url
    os.environ.pop("GIS_CONFIG", None)
    gated = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app_sign_in(gated, db_url)
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    gate = "state = auth.resolve()\n"
    assert gate in source, "app.py no longer has the gate line this bench replaces"
    no_gate = ROOT / "_bench_app_noauth.py"
    no_gate.write_text(source.replace(gate, NO_GATE), encoding="utf-8")
    try:
        plain = AppTest.from_file(str(no_gate), default_timeout=300)
        return _alternate(gated, plain, repeat)
    finally:
        no_gate.unlink(missing_ok=True)


NO_GATE = ("from gis.auth.accounts import SessionState\nfrom gis.auth.principal import Principal\n"
           "state = SessionState(Principal('bench', 'planner'), False, False, False)\n"
           "st.session_state[auth.STATE_KEY] = state\n")


class ScriptCpu:
    """CPU seconds of AppTest's script thread per run (the page's own work: what other
    processes on a shared machine do to the wall clock does not count in it)."""

    def __init__(self) -> None:
        from streamlit.testing.v1 import local_script_runner

        self.runner = local_script_runner.LocalScriptRunner
        self.original = self.runner._run_script_thread
        self.last = 0.0
        cpu = self

        def timed(runner_self) -> None:
            t0 = time.thread_time()
            try:
                cpu.original(runner_self)
            finally:
                cpu.last = time.thread_time() - t0

        self.runner._run_script_thread = timed

    def close(self) -> None:
        self.runner._run_script_thread = self.original


def _alternate(gated, plain, repeat: int) -> dict[str, list[float]]:
    cpu = ScriptCpu()
    try:
        for at in (gated, plain, gated, plain):   # warm every cache (assessment, graph, map)
            at.run()
            assert not at.exception, [e.value for e in at.exception]
        assert any("hx-kpi" in str(m.value) for m in gated.markdown), "the gated app did not sign in"
        assert any("hx-kpi" in str(m.value) for m in plain.markdown), "the plain app did not draw the page"
        out: dict[str, list[float]] = {"gated": [], "plain": [], "gated_cpu": [], "plain_cpu": []}
        for k in range(repeat):   # ABBA order: drifting load on the machine hits both sides alike
            pair = ((gated, "gated"), (plain, "plain"))
            for at, name in pair if k % 2 == 0 else pair[::-1]:
                t0 = time.perf_counter()
                at.run()
                out[name].append(time.perf_counter() - t0)
                out[name + "_cpu"].append(cpu.last)
        return out
    finally:
        cpu.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    db_url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_auth.db'}"
    store = open_store(db_url)
    load_demo(store, area="guixi")
    signs, verifies = sign_in_times(store, args.repeat)
    resumes = resume_times(store, args.repeat)
    store.close()
    pages = page_times(db_url, args.repeat)
    sign_ms, verify_ms = 1000 * statistics.median(signs), 1000 * statistics.median(verifies)
    gated_s, plain_s = statistics.median(pages["gated"]), statistics.median(pages["plain"])
    gated_cpu, plain_cpu = statistics.median(pages["gated_cpu"]), statistics.median(pages["plain_cpu"])
    wall_pct, cpu_pct = 100 * (gated_s / plain_s - 1), 100 * (gated_cpu / plain_cpu - 1)
    paired_pct = 100 * (statistics.median(g / p for g, p in zip(pages["gated"], pages["plain"], strict=True)) - 1)
    resume_ms = 1000 * statistics.median(resumes)
    load = os.getloadavg()
    print(f"sign-in (authenticate, Argon2id t=3 m=64MiB p=4): median {sign_ms:.0f} ms; "
          f"bare argon2 verify {verify_ms:.0f} ms (ratio {sign_ms / verify_ms:.2f})")
    print(f"overview page rerun, wall clock: signed in {gated_s * 1000:.0f} ms, without the gate "
          f"{plain_s * 1000:.0f} ms, overhead {wall_pct:+.1f} % (median of paired ratios {paired_pct:+.1f} %; "
          f"other processes' load included)")
    print(f"overview page rerun, script thread CPU: signed in {gated_cpu * 1000:.0f} ms, without the gate "
          f"{plain_cpu * 1000:.0f} ms, overhead {cpu_pct:+.1f} %")
    print(f"the gate's own work per rerun (accounts.resume): median {resume_ms:.2f} ms = "
          f"{100 * resume_ms / 1000 / plain_s:.2f} % of the page")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("RESULT " + json.dumps({
        "sign_in_ms": round(sign_ms, 1), "argon2_verify_ms": round(verify_ms, 1),
        "sign_in_vs_verify": round(sign_ms / verify_ms, 3), "page_signed_in_ms": round(gated_s * 1000, 1),
        "page_no_auth_ms": round(plain_s * 1000, 1), "page_overhead_pct": round(wall_pct, 2),
        "page_overhead_paired_pct": round(paired_pct, 2),
        "page_cpu_signed_in_ms": round(gated_cpu * 1000, 1), "page_cpu_no_auth_ms": round(plain_cpu * 1000, 1),
        "page_cpu_overhead_pct": round(cpu_pct, 2),
        "resume_ms": round(resume_ms, 3), "resume_share_pct": round(100 * resume_ms / 1000 / plain_s, 3),
        "repeat": args.repeat, "loadavg_1m": round(load[0], 2)}))


if __name__ == "__main__":
    main()
