"""``streamlit run serve.py``: the session cookie is set by the server, HttpOnly.

Page scripts cannot read it (``document.cookie``), a reload keeps the session (the server
reads the cookie), signing out deletes it; the cookie route refuses an unknown token and a
cross-origin request (no login CSRF). Headless Chromium, a private copy of the guixi demo.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import _free_port, _wait_healthy
from signin import browser_sign_in
from sqlalchemy.engine import make_url

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.auth.demo import DEMO_PASSWORD
from gis.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served(demo_store, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    db = tmp / "app.db"
    with sqlite3.connect(make_url(str(demo_store.url)).database) as source, sqlite3.connect(str(db)) as target:
        source.backup(target)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
                             "--server.port", str(port), "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.enableStaticServing", "true",
                             "--global.developmentMode", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, f"sqlite:///{db}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _post(url: str, path: str, fields: dict[str, str], origin: str | None) -> tuple[int, str | None]:
    request = urllib.request.Request(url + path, data=urllib.parse.urlencode(fields).encode(), method="POST")
    if origin:
        request.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("set-cookie")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("set-cookie")


def test_cookie_route_sets_httponly_only_for_a_live_session_from_our_origin(served):
    url, db = served
    store = open_store(db)
    try:
        signed = accounts.authenticate(store, "demo_viewer", DEMO_PASSWORD, address="127.0.0.1", config=AuthConfig())
    finally:
        store.close()
    status, cookie = _post(url, "/_hx/session", {"token": signed.token}, origin=url)
    assert status == 204 and cookie.startswith(f"hx_session={signed.token};")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
    assert _post(url, "/_hx/session", {"token": "forged-token"}, origin=url) == (403, None)
    assert _post(url, "/_hx/session", {"token": signed.token}, origin="http://evil.example") == (403, None)
    assert _post(url, "/_hx/session", {"token": signed.token}, origin=None) == (403, None)
    status, cookie = _post(url, "/_hx/signout", {}, origin=url)
    assert status == 204 and "hx_session=" in cookie and "Max-Age=0" in cookie and "HttpOnly" in cookie


def test_browser_session_cookie_is_httponly_survives_a_reload_and_goes_at_sign_out(served, browser):
    url, _ = served
    context = browser.new_context(viewport={"width": 1600, "height": 1200})
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        browser_sign_in(page)
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["hx_session"]["httpOnly"] is True and cookies["hx_session"]["sameSite"] == "Strict"
        assert "hx_session" not in page.evaluate("document.cookie")
        page.reload(wait_until="domcontentloaded")   # a new Streamlit session: only the cookie knows us
        page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)
        page.locator(".hx-kpi").first.wait_for(timeout=120_000)   # the overview, drawn for this account
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert "hx_session" not in {c["name"] for c in context.cookies() if c["value"]}
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
        assert page.get_by_role("button", name="退出登录").count() == 0
    finally:
        context.close()
