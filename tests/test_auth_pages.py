"""The sign-in gate and the account, audit and register pages (Streamlit AppTest on a copy of
the guixi demo): nothing runs before sign-in, pages follow the role, forced password change
and TOTP binding, the account administrator's panel, the auditor's page, the register."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from signin import app_sign_in

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.auth.principal import Principal
from gis.store import open_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    return AppTest.from_file(APP, default_timeout=120)


def text_of(at) -> str:
    parts = [str(m.value) for m in at.markdown] + [str(t.value) for t in at.title]
    parts += [str(e.value) for kind in (at.error, at.warning, at.info, at.success, at.caption) for e in kind]
    return "\n".join(parts)


def test_signed_out_runs_no_page_and_reads_no_layer(app, monkeypatch):
    import gis.ui.cache

    monkeypatch.setattr(gis.ui.cache, "load_layers", lambda *a, **k: pytest.fail("a layer was read"))
    for path in (None, "pages/data.py"):
        if path:
            app.switch_page(path)
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        assert [t.value for t in app.title] == ["护校安园态势图"]
        assert [t.label for t in app.text_input] == ["用户名", "密码", "动态口令（已绑定时填写）"]
        assert 'class="hx-kpi' not in text_of(app) and not app.dataframe


def test_one_time_password_forces_a_change_before_anything_else(app, demo_url):
    store = open_store(demo_url)
    try:
        one_time = accounts.create_account(store, "newcomer", role="viewer", config=AuthConfig())
        signed = accounts.authenticate(store, "newcomer", one_time, address="127.0.0.1", config=AuthConfig())
    finally:
        store.close()
    app.session_state["hx_token"] = signed.token
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["账号"] and "请先修改密码" in text_of(app)
    app.run()   # any page asked for: still the account page only
    assert 'class="hx-kpi' not in text_of(app) and [t.value for t in app.title] == ["账号"]
    assert {t.label for t in app.text_input} >= {"当前密码", "新密码", "再次输入新密码"}
    store = open_store(demo_url)
    try:   # the form's action, as the page calls it
        accounts.change_password(store, signed.principal, one_time, "Kx9-vault-Lamp", config=AuthConfig())
    finally:
        store.close()
    # changed outside this tab's form: the tab sees it at its next session check ([auth]
    # session_recheck_s); the form itself forces that check (test_auth_clicks)
    app.session_state["hx_auth_checked"] = None
    app.run()
    app.switch_page("pages/overview.py")
    app.run()
    assert [t.value for t in app.title] == ["态势总览"]


def test_account_admin_sees_only_the_account_page_and_manages_accounts(app, demo_url):
    secret = pyotp.random_base32()
    store = open_store(demo_url)
    try:
        accounts.enrol_totp(store, Principal("demo_accounts", "account_admin"), secret, pyotp.TOTP(secret).now())
    finally:
        store.close()
    app_sign_in(app, demo_url, "demo_accounts", totp_secret=secret)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title] == ["账号"] and 'class="hx-kpi' not in text_of(app)
    table = app.dataframe[0].value
    assert "demo_planner" in set(table["username"]) and "password_hash" not in table.columns
    assert "totp_secret" not in table.columns and "演示账号" in set(table["demo"])
    assert {"新建", "停用", "重置密码", "修改角色", "签发大屏令牌"} <= {b.label for b in app.button}


def test_auditor_reads_and_exports_the_trail(app, demo_url):
    secret = pyotp.random_base32()
    store = open_store(demo_url)
    try:
        accounts.enrol_totp(store, Principal("demo_auditor", "auditor"), secret, pyotp.TOTP(secret).now())
    finally:
        store.close()
    app_sign_in(app, demo_url, "demo_auditor", totp_secret=secret)
    app.run()
    assert [t.value for t in app.title] == ["审计"]
    frame = app.dataframe[0].value
    assert "sign_in" in set(frame["操作"]) and "demo_auditor" in set(frame["用户"])
    assert "生成 Excel 导出" in {b.label for b in app.button}


def test_register_records_for_cleared_counts_for_viewer(app, demo_url):
    app_sign_in(app, demo_url, "demo_viewer")
    app.switch_page("pages/register.py")
    app.run()
    assert not app.exception
    counts = app.dataframe[0].value
    assert list(counts.columns) == ["学校", "200米内", "500米内"] and counts["500米内"].sum() > 0
    page = text_of(app) + counts.to_string()
    assert "演示民警" not in page and "虚构人员" not in page

    from streamlit.testing.v1 import AppTest

    cleared = AppTest.from_file(APP, default_timeout=120)
    app_sign_in(cleared, demo_url, "demo_cleared")
    cleared.switch_page("pages/register.py")
    cleared.run()
    assert not cleared.exception
    late, register = cleared.dataframe[0].value, cleared.dataframe[1].value
    assert len(register) == 7 and len(late) == 2 and (late["days_overdue"] > 0).all()
    store = open_store(demo_url)
    try:
        reads = store.read_audit(limit=50)
    finally:
        store.close()
    reads = reads[reads["action"] == "read_restricted"]
    assert len(reads) == 7 and set(reads["username"]) == {"demo_cleared"}


def test_kiosk_token_opens_the_wall_only(app, demo_url):
    store = open_store(demo_url)
    try:
        token = accounts.issue_kiosk_token(store, "hall")
    finally:
        store.close()
    app.query_params["view"] = "wall"
    app.query_params["kiosk"] = token
    app.run()
    assert not app.exception
    assert "hx-wall-title" in text_of(app) and not app.sidebar.children
    assert not app.button and not app.text_input
