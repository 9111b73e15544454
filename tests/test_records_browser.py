"""检查整改 in a real browser: issue a notice from a reason on the gaps page, see the 检查整改 map
layer mark the school, close the notice with its review date, see the mark go."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from signin import browser_sign_in

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
RING = '.hx-badge[style*="#1c7ed6"]'          # a school with open notices on the 检查整改 layer
OVERDUE = '.hx-divicon .hx-badge:text-is("逾")'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(start_app):
    url, db = start_app()
    from gis.cycle.edits import close_notice
    from gis.store import open_store

    store = open_store(db)     # start from a county with every notice closed
    for row in store.read_layer("notices").itertuples():
        if row.status != "closed":
            close_notice(store, notice_id=row.id, closed_on=dt.date.today(), reviewed_by="测试")
    store.close()
    return url, db


def _count(page, selector: str, expected: int, timeout: float = 60) -> int:
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(state="visible", timeout=60_000)
    frame.locator(".hx-divicon").first.wait_for(state="attached", timeout=60_000)
    deadline = time.monotonic() + timeout
    n = frame.locator(selector).count()
    while n != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        n = frame.locator(selector).count()
    return n


def _click_first_row(page, grid) -> None:
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 52)


def _select_first_row_until(page, grid, text: str, attempts: int = 4) -> None:
    """Tick the grid's first row until ``text`` shows (a click on a grid still drawing is lost)."""
    grid.wait_for(timeout=90_000)
    for _ in range(attempts):
        page.wait_for_timeout(1500)
        _click_first_row(page, grid)
        try:
            page.get_by_text(text).first.wait_for(timeout=30_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: click again
            continue
    page.get_by_text(text).first.wait_for(timeout=30_000)


def test_notice_from_a_gaps_reason_then_closed_changes_the_map(server, browser):
    from gis.store import open_store

    url, db = server
    store = open_store(db)
    page = browser.new_page(viewport={"width": 1600, "height": 2400})
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:"))
            else None)
    page.goto(f"{url}/records", wait_until="domcontentloaded")
    browser_sign_in(page)
    page.get_by_role("heading", name="检查整改").wait_for(timeout=90_000)
    assert _count(page, RING, 0) == 0 and _count(page, OVERDUE, 0) == 0

    # the gaps page: select the weakest school, issue a notice from its first reason
    page.goto(f"{url}/gaps", wait_until="domcontentloaded")
    page.get_by_role("heading", name="覆盖缺口").wait_for(timeout=90_000)
    _select_first_row_until(page, page.locator('[data-testid="stDataFrame"]').first, "下发整改通知书")
    page.get_by_role("button", name="下发通知书").first.click()
    page.get_by_text("已下发整改通知书 ZG").wait_for(timeout=60_000)
    notices = store.read_layer("notices")
    new = notices[notices["status"] == "open"]
    assert len(new) == 1 and new.iloc[0]["origin"] == "评估原因"
    assert new.iloc[0]["deadline"] == dt.date.today() + dt.timedelta(days=15)
    school, rid = new.iloc[0]["school_id"], new.iloc[0]["id"]

    # the 检查整改 layer now rings that school
    page.goto(f"{url}/records", wait_until="domcontentloaded")
    page.get_by_role("heading", name="检查整改").wait_for(timeout=90_000)
    assert _count(page, RING, 1) == 1

    # close it after review on the notices tab
    page.get_by_role("tab", name="整改通知书").click()
    grid = page.locator('[data-testid="stDataFrame"]:visible').nth(1)
    _select_first_row_until(page, grid, "复查人")
    page.get_by_label("复查人").fill("李明")
    page.get_by_role("button", name="复查合格，销号").click()
    page.get_by_text(f"{rid} 已销号").wait_for(timeout=60_000)
    closed = store.read_layer("notices", ids=[rid]).iloc[0]
    assert closed["status"] == "closed" and closed["closed_on"] == dt.date.today()
    assert closed["reviewed_by"] == "李明" and closed["version"] == 2
    assert _count(page, RING, 0) == 0
    audit = store.read_audit(layer="notices", row_id=rid)
    assert {"*", "status", "closed_on", "reviewed_by"} <= set(audit["field"])
    assert str(school) in set(store.read_layer("schools")["id"].astype(str))
    # a failed item of an inspection without a notice: one click on the add-inspection tab
    from gis.cycle.edits import add_inspection

    rid2 = add_inspection(store, school_id=str(school), day=dt.date.today(), kind="station",
                          failed_items=["门卫值守登记不全"])
    page.goto(f"{url}/records?school={school}", wait_until="domcontentloaded")
    page.get_by_role("heading", name="检查整改").wait_for(timeout=90_000)
    page.get_by_role("tab", name="新增检查").click()
    page.get_by_text("门卫值守登记不全").last.wait_for(timeout=60_000)
    page.locator(f'[class*="st-key-failed_{rid2}_0"] button').click()
    page.get_by_text("已下发整改通知书 ZG").wait_for(timeout=60_000)
    made = store.read_layer("notices")
    made = made[made["origin"] == f"检查 {rid2} 不合格项"]
    assert len(made) == 1 and made.iloc[0]["items"] == "门卫值守登记不全"
    assert _count(page, RING, 1) == 1
    assert external == []
    page.close()
    store.close()


def test_popup_add_inspection_opens_the_form_with_the_school_chosen(server, browser):
    """One click on a school's popup link: the 检查整改 page opens (a new tab: the map's iframe
    may not navigate the page) on its add form with that school already chosen, signed in."""
    url, _ = server
    page = browser.new_page(viewport={"width": 1600, "height": 2000})
    page.goto(f"{url}/records", wait_until="domcontentloaded")
    browser_sign_in(page)
    page.get_by_role("heading", name="检查整改").wait_for(timeout=90_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(state="visible", timeout=60_000)
    badge = frame.locator('.hx-divicon .hx-badge:text-is("✓"), .hx-divicon .hx-badge:text-is("缺"), '
                          '.hx-divicon .hx-badge:text-is("!"), .hx-divicon .hx-badge:text-is("逾")').first
    badge.wait_for(state="attached", timeout=60_000)
    badge.click(force=True)
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=30_000)
    name = popup.locator(".hx-pop-title").inner_text().strip()
    assert popup.locator("text=最近检查").count() == 1
    link = popup.get_by_role("link", name="＋ 新增检查 / 下发通知书")
    with page.context.expect_page(timeout=60_000) as opened:
        link.click()
    first, page = page, opened.value
    page.wait_for_url("**/records?school=*", timeout=60_000)
    page.get_by_role("heading", name="检查整改").wait_for(timeout=90_000)
    tab = page.get_by_role("tab", name="新增检查")
    tab.wait_for(timeout=60_000)
    assert tab.get_attribute("aria-selected") == "true"
    form = page.locator('[data-testid="stForm"]', has=page.get_by_role("button", name="保存检查记录"))
    form.wait_for(state="visible", timeout=60_000)
    chosen = form.locator('[data-testid="stSelectbox"]').first
    assert chosen.locator("input").first.input_value() == name       # the school is chosen
    assert page.get_by_role("button", name="保存检查记录").is_visible()
    page.close()
    first.close()


def test_notice_to_a_risk_site_from_the_notices_tab(server, browser):
    """The notices tab issues a notice to a public café; it is stored on the site (no school)
    and the table lists it under the site."""
    from gis.store import open_store

    url, db = server
    store = open_store(db)
    before = set(store.read_layer("notices")["id"])
    page = browser.new_page(viewport={"width": 1600, "height": 2400})
    page.goto(f"{url}/records", wait_until="domcontentloaded")
    browser_sign_in(page)
    page.get_by_role("heading", name="检查整改").wait_for(timeout=90_000)
    page.get_by_role("tab", name="整改通知书").click()
    page.get_by_text("向风险点位下发整改通知书").click()
    page.get_by_label("整改事项").fill("距学校不足200米违规经营，限期停业整改")
    page.get_by_role("button", name="下发通知书").click()
    page.get_by_text("下发整改通知书 ZG").first.wait_for(timeout=60_000)
    notices = store.read_layer("notices")
    made = notices[~notices["id"].isin(before)]
    assert len(made) == 1 and made.iloc[0]["school_id"] is None and made.iloc[0]["status"] == "open"
    assert made.iloc[0]["risk_site_id"] == "demo-risk-01"       # the first site offered
    assert made.iloc[0]["origin"] == "周边清查整治"
    store.close()
    page.close()
