"""Shared fixtures (owned by the store engineer).

- ``settings``: ``load_settings`` with a temporary SQLite database URL.
- ``sqlite_store``: a fresh, initialised SQLite store in a temp folder.
- ``postgis_url``: a fresh, uniquely named PostGIS database (``postgis`` and, when the server
  has it, ``pgrouting`` installed), dropped afterwards. The server comes from
  ``$TEST_DATABASE_URL`` (default ``postgresql+psycopg2://postgres@127.0.0.1:5432/test``).
  Skips when PostGIS is unreachable or missing — except under ``CI=true``, where it fails.
- ``postgis_store``: an initialised store on ``postgis_url``.
- ``store``: parametrised over both back-ends (``sqlite`` and ``postgis``).
- ``demo_store``: session-wide SQLite store with the guixi demo loaded. READ ONLY: tests
  that write must use ``sqlite_store``/``store`` and load what they need.
- ``demo_layers``: the six layers read once from ``demo_store``; copy before mutating.
- ``guixi_osm``: path of the guixi OSM extract.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from gis.config import DATA_DIR, load_settings

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _postgis_unavailable(reason: str) -> None:
    """Skip locally; fail loudly under CI=true."""
    if IN_CI:
        pytest.fail(f"CI=true: PostGIS tests must run, but PostGIS is unavailable: {reason}. "
                    f"Set TEST_DATABASE_URL or run scripts/install_test_deps.sh as root.",
                    pytrace=False)
    pytest.skip(f"PostGIS unavailable ({reason}); set TEST_DATABASE_URL to run these tests")


def _admin_engine(url):
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def _postgis_template():
    """A session-wide template database with the extensions; per-test databases copy it."""
    server_url = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL))
    template = f"gis_test_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.exec_driver_sql(f'CREATE DATABASE "{template}"')
    except SQLAlchemyError as exc:
        admin.dispose()
        _postgis_unavailable(f"cannot reach {server_url.render_as_string()}: "
                             f"{str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}")
    template_engine = _admin_engine(server_url.set(database=template))
    pgrouting = False
    try:
        with template_engine.connect() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
            try:
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pgrouting")
                pgrouting = True
            except SQLAlchemyError:
                pgrouting = False
    except SQLAlchemyError as exc:
        template_engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.dispose()
        _postgis_unavailable(f"the PostGIS extension is missing: "
                             f"{str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}")
    template_engine.dispose()
    yield {"server_url": server_url, "template": template, "pgrouting": pgrouting, "admin": admin}
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def postgis_url(_postgis_template) -> str:
    """URL of a fresh, empty PostGIS database (extensions only), dropped after the test."""
    server_url = _postgis_template["server_url"]
    name = f"gis_test_{uuid.uuid4().hex[:12]}"
    admin = _postgis_template["admin"]
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{_postgis_template["template"]}"')
    yield server_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgis_has_pgrouting(_postgis_template) -> bool:
    """True when the test databases have the pgrouting extension."""
    return bool(_postgis_template["pgrouting"])


@pytest.fixture
def settings(tmp_path):
    """Default settings with a temporary SQLite database (not initialised)."""
    return load_settings(database_url=f"sqlite:///{tmp_path / 'app.db'}")


@pytest.fixture
def sqlite_store(tmp_path):
    """A fresh, initialised SQLite store."""
    from gis.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    store.init()
    yield store
    store.close()


@pytest.fixture
def postgis_store(postgis_url):
    """A fresh, initialised PostGIS store."""
    from gis.store import open_store

    store = open_store(postgis_url)
    store.init()
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request):
    """The same test on both back-ends."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture(scope="session")
def guixi_osm() -> Path:
    return DATA_DIR / "osm" / "cn_jiangxi_guixi_city_2024.osm.bz2"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A SQLite store with the guixi demo loaded, shared by the session. Do not write to it."""
    from gis.demo import load_demo
    from gis.store import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(f"sqlite:///{path}")
    load_demo(store, area="guixi")
    yield store
    store.close()


def copy_demo_db(demo_store, dst) -> str:
    """Copy the session's demo database to ``dst`` (a path) and return its SQLite URL."""
    with sqlite3.connect(make_url(str(demo_store.url)).database) as src, sqlite3.connect(dst) as out:
        src.backup(out)
    return f"sqlite:///{dst}"


@pytest.fixture
def demo_url(demo_store, tmp_path):
    """A private copy of the demo database for one test (its URL)."""
    return copy_demo_db(demo_store, tmp_path / "app.db")


@pytest.fixture(scope="session")
def demo_layers(demo_store):
    """The six guixi demo layers (dict name → GeoDataFrame), read once. Copy before mutating."""
    return demo_store.read_layers()


# -- the real app in a real browser ------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture(scope="session")
def playwright_session():
    """The one Playwright driver of the test session (a second sync_playwright() in the same
    process fails: "Sync API inside the asyncio loop"); launch extra browsers from it."""
    if not Path(CHROMIUM).exists():
        msg = "chromium not installed (bash scripts/install_test_deps.sh)"
        if IN_CI:
            pytest.fail(f"CI=true: browser tests must run, but {msg}")
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session):
    """Headless Debian Chromium driven by Playwright (skips locally without it; fails under CI)."""
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="module")
def start_app(demo_store, tmp_path_factory):
    """Start ``streamlit run app.py`` on a free port against a private copy of the demo database.

    Call ``start_app(config_toml="", log=path, database=None)``; it returns ``(url, database_url)``.
    Servers stop when the test module ends. ``database``: another SQLite file to copy instead of
    the guixi demo (county-sim). ``database_url=`` runs the server on that database itself (several
    servers on one PostGIS share accounts and sessions). Nobody sees anything before signing in:
    ``tests/signin.py`` has the browser's sign-in (demo accounts).
    """
    procs: list[tuple[subprocess.Popen, object]] = []

    def start(*, config_toml: str = "", log: Path | None = None,
              database: str | None = None, database_url: str | None = None) -> tuple[str, str]:
        tmp = tmp_path_factory.mktemp("app")
        if database_url is None:
            db = tmp / "app.db"
            # ``database``: another SQLite file to copy instead of the guixi demo (county-sim)
            with sqlite3.connect(database or make_url(str(demo_store.url)).database) as source, \
                    sqlite3.connect(str(db)) as target:
                source.backup(target)
            database_url = f"sqlite:///{db}"
        env = {**os.environ, "DATABASE_URL": database_url}
        if config_toml:
            config = tmp / "config.toml"
            config.write_text(config_toml, encoding="utf-8")
            env["GIS_CONFIG"] = str(config)
        port = _free_port()
        cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
               "--server.port", str(port),  # bound as scripts/run_demo.sh binds it
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.enableStaticServing", "true", "--global.developmentMode", "false",
               "--server.fileWatcherType", "none"]
        out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed at teardown
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        procs.append((proc, out))
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc)
        return url, database_url

    yield start
    for proc, out in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if out is not subprocess.DEVNULL:
            out.close()
