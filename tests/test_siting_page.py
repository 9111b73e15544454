"""The 部署推演 page: runs a scenario on the guixi demo (AppTest), and in a real browser shows the
before/after tiles."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from signin import app_sign_in, open_signed_in
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
    context, page, errors = open_signed_in(browser, url, path="scenarios", height=1300)
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


@pytest.mark.browser
@pytest.mark.slow
def test_browser_uploads_a_candidate_file_and_sees_rejected_rows(start_app, browser, demo_layers, tmp_path):
    """A planner's file of possible sites on the page (same importer as ``siting --candidates``):
    the valid rows are the only candidates, the others are listed with their reasons in Chinese."""
    gates = demo_layers["schools"].set_index("id").geometry
    a = gates.loc["demo-school-06"].representative_point()      # critical; a site at its gate helps
    b = gates.loc["demo-school-03"].representative_point()
    path = tmp_path / "候选点.csv"
    path.write_text("编号,名称,经度,纬度\n"
                    f"C1,城西路口,{a.x:.6f},{a.y:.6f}\n"
                    f"C2,幼儿园旁,{b.x:.6f},{b.y:.6f}\n"
                    "C3,缺坐标,,\n"
                    f"C1,重复编号,{a.x:.6f},{a.y:.6f}\n"
                    f"C4,远郊,{a.x + 0.3:.6f},{a.y + 0.3:.6f}\n", encoding="utf-8")
    url, _ = start_app(log=ARTIFACTS / "siting_upload_server.log")
    context, page, errors = open_signed_in(browser, url, path="scenarios", height=1500)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("候选点.csv").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="求解").click(timeout=60_000)
    page.locator(".hx-scenario-after").first.wait_for(timeout=180_000)
    heading = page.get_by_text("候选点文件中未采用的行（3）")
    heading.wait_for(timeout=60_000)
    caption = page.get_by_text("候选点 2 个")          # only the two valid rows were candidates
    caption.first.wait_for(timeout=30_000)
    table = page.locator('[data-testid="stTable"]').last
    table.wait_for(timeout=30_000)
    text = table.inner_text()
    assert "经纬度缺失或无法识别" in text and "编号 C1 重复" in text and "距最近道路" in text, text
    assert "C3" in text and "C4" in text and "C2" not in text
    page.screenshot(path=str(ARTIFACTS / "scenarios_upload.png"), full_page=True)
    assert not errors, errors
    context.close()
