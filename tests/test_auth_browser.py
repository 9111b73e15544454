"""Sign-in, roles and the audit trail in a real browser (headless Chromium, the e2e harness).

Each test opens its own browser context (its own cookies) on a server running a copy of the
guixi demo, whose demo accounts (gis.auth.demo) share one password. Websocket frames are
recorded where a test must show that nothing of the data reached the browser.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from signin import browser_sign_in

from gis.auth import accounts
from gis.auth.principal import Principal
from gis.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="module")
def server(start_app):
    return start_app()


@pytest.fixture(scope="module")
def secrets_of_the_demo(server):
    """Strings that must never reach a browser that may not see them."""
    _, db = server
    store = open_store(db)
    try:
        schools = store.read_layer("schools")
        register = store.read_layer("risk_persons")
    finally:
        store.close()
    return {"schools": [n for n in schools["name"] if len(n) > 3][:10],
            "register": sorted({*register["officer"].dropna(), *register["measure"].dropna(),
                                *register["note"].dropna()})}


class Frames:
    """Every websocket frame the page receives, decoded leniently."""

    def __init__(self, page) -> None:
        self.data: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload) -> None:
        raw = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
        self.data.append(raw.decode("utf-8", errors="ignore"))

    def text(self) -> str:
        return "\n".join(self.data)


def _context(browser, url: str):
    context = browser.new_context(viewport={"width": 1600, "height": 1200})
    page = context.new_page()
    frames = Frames(page)
    page.goto(url, wait_until="domcontentloaded")
    return context, page, frames


def test_signed_out_visitor_sees_only_the_sign_in_form(server, browser, secrets_of_the_demo):
    url, _ = server
    for path in ("/", "/data", "/register", "/audit", "/?view=wall"):
        context, page, frames = _context(browser, url + path)
        try:
            page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            body = page.content()
            assert page.locator(".hx-kpi").count() == 0 and page.locator(MAP_FRAME).count() == 0
            assert page.locator('[data-testid="stDataFrame"]').count() == 0
            assert page.locator('[data-testid="stSidebar"] a').count() == 0   # no page links
            seen = body + frames.text()
            assert frames.data, "no websocket traffic recorded"
            for secret in secrets_of_the_demo["schools"] + secrets_of_the_demo["register"]:
                assert secret not in seen, f"{secret!r} reached a signed-out browser at {path}"
        finally:
            context.close()


def _wait_failures(db: str, username: str, count: int, timeout: float = 30) -> None:
    """Wait until the audit trail holds ``count`` failed sign-ins of ``username``."""
    deadline = time.monotonic() + timeout
    while True:
        store = open_store(db)
        try:
            audit = store.read_audit(limit=500)
        finally:
            store.close()
        found = ((audit["username"] == username) & (audit["action"] == "sign_in")
                 & (audit["result"] != "ok")).sum()
        if found >= count or time.monotonic() > deadline:
            assert found == count, f"{found} failed sign-ins of {username}, expected {count}"
            return
        time.sleep(0.3)


def test_five_wrong_passwords_lock_the_account(server, browser):
    url, db = server
    context, page, _ = _context(browser, url + "/")
    try:
        for attempt in range(5):
            browser_sign_in(page, "demo_governance", "Wrong-pass-123", wait=False)
            _wait_failures(db, "demo_governance", attempt + 1)   # each attempt reached the server
        page.get_by_text("账号已锁定").first.wait_for(timeout=30_000)
        browser_sign_in(page, "demo_governance", wait=False)        # the right password now
        _wait_failures(db, "demo_governance", 6)
        page.get_by_text("请 15 分钟后再试").first.wait_for(timeout=30_000)
        assert page.locator(".hx-kpi").count() == 0
    finally:
        context.close()
    store = open_store(db)
    try:
        audit = store.read_audit(limit=100)
    finally:
        store.close()
    mine = audit[audit["username"] == "demo_governance"]
    assert (mine["action"] == "lock_out").sum() == 1
    assert (mine["result"] == "failed: wrong password").sum() == 5
    assert set(mine["address"]) == {"127.0.0.1"}


def test_planner_signs_in_and_sees_the_overview(server, browser):
    url, _ = server
    context, page, _ = _context(browser, url + "/")
    try:
        browser_sign_in(page, "demo_planner")
        page.get_by_role("heading", name="态势总览").wait_for(timeout=60_000)
        page.wait_for_selector(".hx-kpi", timeout=60_000)
        assert page.locator(".hx-kpi").count() >= 4
        page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "演示账号" in sidebar.inner_text() and "demo_planner" in sidebar.inner_text()
        assert sidebar.get_by_text("数据管理", exact=True).count() == 1
        assert sidebar.get_by_text("审计", exact=True).count() == 0
        # a reload keeps the session (the cookie), signing out ends it
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("heading", name="态势总览").wait_for(timeout=60_000)
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
        assert page.locator(".hx-kpi").count() == 0
    finally:
        context.close()


def test_station_user_cannot_save_another_jurisdictions_school(server, browser):
    url, db = server
    store = open_store(db)
    try:
        schools = store.read_layer("schools")
    finally:
        store.close()
    context, page, _ = _context(browser, url + "/data")
    try:
        browser_sign_in(page, "demo_station")
        page.get_by_role("heading", name="数据管理").wait_for(timeout=60_000)
        page.get_by_role("radio", name="地图上移动", exact=True).click()
        own = schools[schools["jurisdiction_id"] == "demo-post-01"].iloc[0]
        other = schools[schools["jurisdiction_id"] != "demo-post-01"].iloc[0]
        assert page.get_by_text("导入", exact=True).count() == 0          # no import for a station
        page.locator('[data-testid="stSelectbox"]').filter(has_text="要移动的记录").click()
        page.get_by_role("option", name=re.compile(re.escape(other["name"]))).click()
        page.wait_for_timeout(1500)
        lon = page.get_by_label("经度")
        lon.fill(f"{other['gates'].geoms[0].x + 0.0005:.6f}")
        lon.press("Enter")
        page.wait_for_timeout(1000)
        page.get_by_role("button", name="保存位置").click()
        page.get_by_text("只能修改本辖区").first.wait_for(timeout=30_000)
        assert own["id"] != other["id"]
    finally:
        context.close()
    store = open_store(db)
    try:
        after = store.read_layer("schools", ids=[other["id"]]).iloc[0]
        audit = store.read_audit(limit=50)
    finally:
        store.close()
    assert after["version"] == other["version"] and after["gates"].equals(other["gates"])
    denied = audit[(audit["username"] == "demo_station") & (audit["result"] == "denied")]
    assert len(denied) >= 1


def test_viewer_sees_no_register_fields(server, browser, secrets_of_the_demo):
    url, _ = server
    context, page, frames = _context(browser, url + "/register")
    try:
        browser_sign_in(page, "demo_viewer")
        page.get_by_role("heading", name="高危人员").wait_for(timeout=60_000)
        page.get_by_text("此处仅显示各校周边登记在控人员的数量").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        seen = page.content() + frames.text()
        for secret in secrets_of_the_demo["register"]:
            assert secret not in seen, f"register field {secret!r} reached a viewer"
        assert "500米内" in seen   # the counts are there
    finally:
        context.close()


def test_kiosk_link_renders_the_wall_without_personal_data_or_edit_controls(server, browser,
                                                                           secrets_of_the_demo):
    url, db = server
    store = open_store(db)
    try:
        token = accounts.issue_kiosk_token(store, "hall")
    finally:
        store.close()
    context, page, frames = _context(browser, url + f"/?view=wall&kiosk={token}")
    try:
        page.wait_for_selector(".hx-kpi", timeout=60_000)
        page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        for selector in ('[data-testid="stButton"]', '[data-testid="stFormSubmitButton"]', "input", "textarea",
                         '[data-testid="stSidebar"] a', '[data-testid="stDownloadButton"]'):
            assert page.locator(selector).count() == 0, selector
        seen = page.content() + frames.text()
        for secret in secrets_of_the_demo["register"]:
            assert secret not in seen
        assert "demo-risk" not in seen and "涉校高危" not in seen
        # another page by URL: still the wall only
        page.goto(url + f"/data?view=wall&kiosk={token}", wait_until="domcontentloaded")
        page.wait_for_selector(".hx-kpi", timeout=60_000)
        assert page.get_by_role("heading", name="数据管理").count() == 0
    finally:
        context.close()
    context, page, _ = _context(browser, url + "/?view=wall&kiosk=forged-token")
    try:
        page.get_by_text("大屏令牌无效或已吊销").wait_for(timeout=60_000)
        assert page.locator(".hx-kpi").count() == 0
    finally:
        context.close()


def test_audit_page_shows_the_sign_ins_made_by_the_test(server, browser):
    url, db = server
    secret = accounts.new_totp_secret()
    store = open_store(db)
    try:   # the auditor bound an authenticator earlier (required for the admin roles)
        accounts.enrol_totp(store, Principal("demo_auditor", "auditor"), secret, pyotp.TOTP(secret).now())
    finally:
        store.close()
    context, page, _ = _context(browser, url + "/")
    try:
        browser_sign_in(page, "demo_viewer", wait=True)     # a sign-in of this test
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
        browser_sign_in(page, "demo_auditor", wait=False)   # no code: refused
        page.get_by_text("需要正确的动态口令").wait_for(timeout=30_000)
        browser_sign_in(page, "demo_auditor", totp=pyotp.TOTP(secret).now())
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("审计", exact=True).count() == 1
        assert sidebar.get_by_text("态势总览", exact=True).count() == 0
        page.get_by_role("heading", name="审计").wait_for(timeout=60_000)   # the auditor's only page
        page.wait_for_timeout(1500)
        user = page.get_by_label("用户", exact=True)
        user.fill("demo_viewer")
        user.press("Enter")
        caption = page.get_by_text(re.compile(r"共 \d+ 条"))
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline:
            found = re.search(r"共 (\d+) 条", caption.first.inner_text()) if caption.count() else None
            count = int(found.group(1)) if found else 0
            if count >= 2:
                break
            time.sleep(0.5)
        assert count >= 2   # this test's sign-in and sign-out of demo_viewer (and earlier tests')
        page.get_by_role("button", name="生成 Excel 导出").click()
        page.get_by_role("button", name="下载审计日志（Excel）").wait_for(timeout=30_000)
    finally:
        context.close()
    store = open_store(db)
    try:
        audit = store.read_audit(limit=200)
    finally:
        store.close()
    auditor = audit[audit["username"] == "demo_auditor"]
    assert {"sign_in", "export"} <= set(auditor["action"])
    assert "failed: totp missing" in set(auditor["result"])
