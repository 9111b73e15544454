"""The 部署推演 page: runs a scenario on the guixi demo (AppTest), and in a real browser shows the
before/after tiles."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from signin import app_sign_in, browser_sign_in
from sqlalchemy.engine import make_url

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "scenarios.py")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def app(demo_store, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "app.db"
    with sqlite3.connect(make_url(str(demo_store.url)).database) as src, sqlite3.connect(str(db)) as dst:
        src.backup(dst)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=180)
    app_sign_in(at, f"sqlite:///{db}")
    return at


def html_of(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_page_solves_shows_before_after_and_saves(app):
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    app.button[0].click()          # the form's 求解 (defaults: kiosks, MCLP, K = 2, 3 min, AM)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    page = html_of(app)
    assert "hx-scenario-before" in page and "hx-scenario-after" in page
    assert "现状" in page and "方案实施后" in page
    app.text_input(key="scenario_name").input("城区加两个岗亭")
    next(b for b in app.button if b.label == "保存方案").click()
    app.run()
    assert not app.exception and any("已保存" in s.value for s in app.success)


@pytest.mark.browser
@pytest.mark.slow
def test_browser_runs_a_scenario_and_sees_before_after_tiles(start_app, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url, _ = start_app(log=ARTIFACTS / "siting_server.log")
    context = browser.new_context(viewport={"width": 1600, "height": 1300})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/scenarios", wait_until="domcontentloaded")
    browser_sign_in(page)
    page.get_by_role("button", name="求解").click(timeout=120_000)
    before = page.locator(".hx-scenario-before")
    after = page.locator(".hx-scenario-after")
    before.first.wait_for(timeout=180_000)
    after.first.wait_for(timeout=60_000)
    assert "现状" in before.first.inner_text() and "方案实施后" in after.first.inner_text()
    assert "分钟可达" in after.first.inner_text()
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    time.sleep(3)
    page.screenshot(path=str(ARTIFACTS / "scenarios.png"), full_page=True)
    assert not errors, errors
    context.close()
