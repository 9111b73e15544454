"""数据管理 in a real browser: drag a school gate and save; upload a file, preview, import.

The real Streamlit server runs on a copy of the demo database; headless Chromium drives it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from signin import browser_sign_in

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def data_server(start_app):
    return start_app()


def _open_section(page, url: str, label: str) -> None:
    page.goto(f"{url}/data", wait_until="networkidle")
    browser_sign_in(page)
    page.get_by_text("数据管理").first.wait_for(timeout=60000)
    page.get_by_role("radio", name=label, exact=True).click()
    page.wait_for_timeout(1500)


def test_drag_gate_and_save(data_server, browser):
    from gis.store import open_store

    url, db = data_server
    store = open_store(db)
    first = store.read_layer("schools").iloc[0]
    before = first["gates"].geoms[0]
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:"))
            else None)
    _open_section(page, url, "地图上移动")
    frame = page.frame_locator(MAP_FRAME)
    pin = frame.locator(".hx-drag-pin").first
    pin.wait_for(timeout=60000)
    box = pin.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + 50, steps=12)
    page.mouse.up()
    page.get_by_text("新位置（拖动或点击地图得到）").wait_for(timeout=30000)
    page.get_by_role("button", name="保存位置").click()
    page.get_by_text("已保存").wait_for(timeout=30000)
    after = store.read_layer("schools", ids=[first["id"]]).iloc[0]
    moved = after["gates"].geoms[0]
    assert moved.x > before.x and moved.y < before.y           # dragged right and down
    assert after["version"] == first["version"] + 1
    audit = store.read_audit(layer="schools", row_id=first["id"])
    assert (audit["field"] == "gates").any() and set(audit["actor"]) >= {"demo_planner"}
    assert set(audit.loc[audit["field"] == "gates", "address"]) == {"127.0.0.1"}
    assert external == []
    page.close()
    store.close()


def test_upload_preview_and_import(data_server, browser, tmp_path):
    from gis.store import open_store

    url, db = data_server
    store = open_store(db)
    before = len(store.read_layer("cameras"))
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    _open_section(page, url, "导入")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="导入到图层").click()
    page.get_by_role("option", name="视频监控 (cameras)").click()
    page.locator('input[type="file"]').set_input_files(str(ROOT / "tests" / "data" / "import" / "cameras_50_3bad.csv"))
    page.get_by_text("一百一十七").first.wait_for(state="attached", timeout=60000)   # the rejected row's reason
    page.get_by_text("下载被拒绝的行（隔离文件）").wait_for(timeout=30000)
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入：新增 47").wait_for(timeout=60000)
    assert len(store.read_layer("cameras")) == before + 47
    page.close()
    store.close()
