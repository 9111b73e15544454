"""Two app processes on one PostGIS share accounts and sessions (a province deployment scales
out this way): one sign-in is used through both servers, and signing out on one ends it on both."""

from __future__ import annotations

import pytest
from signin import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgis]


def test_one_session_through_two_servers_on_one_postgis(postgis_url, postgis_store, start_app, browser):
    from gis.demo import load_demo

    load_demo(postgis_store, area="guixi")
    first, _ = start_app(database_url=postgis_url)
    second, _ = start_app(database_url=postgis_url)
    assert first != second
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(first + "/", wait_until="domcontentloaded")
        browser_sign_in(page, "demo_planner")
        page.get_by_role("heading", name="态势总览").wait_for(timeout=60_000)
        # the same browser (same cookie: cookies do not depend on the port) on the other process
        other = context.new_page()
        other.goto(second + "/gaps", wait_until="domcontentloaded")
        other.get_by_role("heading", name="覆盖缺口").wait_for(timeout=60_000)
        assert other.get_by_role("button", name="登录", exact=True).count() == 0
        assert "demo_planner" in other.locator('[data-testid="stSidebar"]').inner_text()
        # signing out through the second process ends the session for the first one too
        other.get_by_role("button", name="退出登录").click()
        other.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
        assert page.locator(".hx-kpi").count() == 0
    finally:
        context.close()
    audit = postgis_store.read_audit(limit=50)
    assert list(audit.loc[audit["username"] == "demo_planner", "action"])[:2] == ["sign_out", "sign_in"]
