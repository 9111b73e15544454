"""What signing in costs: Argon2's configured time per sign-in, and a signed-in page view
against the same page without the sign-in gate (one run, alternating, medians).

1. ``authenticate()`` with the default ``[auth]`` Argon2id parameters (t=3, m=64 MiB, p=4),
   beside one bare ``argon2.PasswordHasher.verify`` (the peer: the library alone) — the
   sign-in costs the hash and little else.
2. The 态势总览 page of the guixi demo rendered by Streamlit's AppTest: ``app.py`` signed in
   (session looked up in the database on every rerun, the sidebar's account box) vs the very
   same ``app.py`` with the gate's one line (``state = auth.resolve()``) replaced by a fixed
   planner (written next to it for the run, removed after). Caches are warm in both; reruns
   alternate so load on the machine hits both alike.

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


def page_times(db_url: str, repeat: int) -> tuple[list[float], list[float]]:
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


def _alternate(gated, plain, repeat: int) -> tuple[list[float], list[float]]:
    for at in (gated, plain, gated, plain):   # warm every cache (assessment, graph, map)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert any("hx-kpi" in str(m.value) for m in gated.markdown), "the gated app did not sign in"
    with_auth, without = [], []
    for k in range(repeat):   # ABBA order: drifting load on the machine hits both sides alike
        pair = ((gated, with_auth), (plain, without))
        for at, sink in pair if k % 2 == 0 else pair[::-1]:
            t0 = time.perf_counter()
            at.run()
            sink.append(time.perf_counter() - t0)
    return with_auth, without


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
    with_auth, without = page_times(db_url, args.repeat)
    sign_ms, verify_ms = 1000 * statistics.median(signs), 1000 * statistics.median(verifies)
    gated_s, plain_s = statistics.median(with_auth), statistics.median(without)
    resume_ms = 1000 * statistics.median(resumes)
    print(f"sign-in (authenticate, Argon2id t=3 m=64MiB p=4): median {sign_ms:.0f} ms; "
          f"bare argon2 verify {verify_ms:.0f} ms (ratio {sign_ms / verify_ms:.2f})")
    print(f"overview page rerun: signed in {gated_s * 1000:.0f} ms, without the gate {plain_s * 1000:.0f} ms, "
          f"overhead {100 * (gated_s / plain_s - 1):+.1f} % (noise of a shared machine included)")
    print(f"the gate's own work per rerun (accounts.resume): median {resume_ms:.2f} ms = "
          f"{100 * resume_ms / 1000 / plain_s:.2f} % of the page")
    print("RESULT " + json.dumps({
        "sign_in_ms": round(sign_ms, 1), "argon2_verify_ms": round(verify_ms, 1),
        "sign_in_vs_verify": round(sign_ms / verify_ms, 3), "page_signed_in_ms": round(gated_s * 1000, 1),
        "page_no_auth_ms": round(plain_s * 1000, 1), "page_overhead_pct": round(100 * (gated_s / plain_s - 1), 2),
        "resume_ms": round(resume_ms, 3), "resume_share_pct": round(100 * resume_ms / 1000 / plain_s, 3),
        "repeat": args.repeat}))


if __name__ == "__main__":
    main()
