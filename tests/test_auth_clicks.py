"""Clicks through the gate on the 账号 page (Streamlit AppTest, a copy of the guixi demo): a
real database session (``tests/signin.py``), then the forced password change and the TOTP
binding done with the page's own widgets; the database shows the effect.

Two AppTest (Streamlit 1.67) artefacts shape this file. (1) Every AppTest run re-enters the
old ``pages/``-directory mode, so ``shell.require_app``'s one-time ``st.rerun()`` (meant for
the first visitor of a fresh server) fires on each run and the aborted run eats the click;
``no_first_visit_rerun`` leaves the mode without that rerun. (2) Widgets the main script draws
after ``st.navigation`` (the sign-in form, the sidebar's 退出登录) never receive AppTest clicks;
those are clicked in Chromium (``test_auth_browser.py``, ``test_auth_httponly.py``).
"""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from gis.auth import accounts, vault
from gis.auth.config import AuthConfig
from gis.store import open_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NEW_PASSWORD = "Kx9-vault-Lamp"


@pytest.fixture
def no_first_visit_rerun(monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager

    import gis.ui.shell

    def leave_pages_directory_mode() -> None:
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(gis.ui.shell, "require_app", leave_pages_directory_mode)


@pytest.fixture
def app(demo_url, monkeypatch, tmp_path, no_first_visit_rerun):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv(vault.KEY_ENV, "")
    config = tmp_path / "config.toml"
    config.write_text(f'[auth]\nsecret_key_file = "{tmp_path / "totp.key"}"\n', encoding="utf-8")
    monkeypatch.setenv("GIS_CONFIG", str(config))
    return AppTest.from_file(APP, default_timeout=120)


def _signed_in(at, url: str, username: str, password: str) -> None:
    store = open_store(url)
    try:
        signed = accounts.authenticate(store, username, password, address="127.0.0.1", config=AuthConfig())
    finally:
        store.close()
    at.session_state["hx_token"] = signed.token
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in (at.title, at.warning, at.error, at.success, at.info) for e in kind)


def _click(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_forced_password_change_with_the_form(app, demo_url):
    store = open_store(demo_url)
    try:
        one_time = accounts.create_account(store, "newcomer", role="viewer", config=AuthConfig())
    finally:
        store.close()
    _signed_in(app, demo_url, "newcomer", one_time)
    assert [t.value for t in app.title] == ["账号"] and "请先修改密码" in _texts(app)
    fields = {t.label: t for t in app.text_input}
    fields["当前密码"].input(one_time)
    fields["新密码"].input(NEW_PASSWORD)
    fields["再次输入新密码"].input("Kx9-vault-Lamq")
    _click(app, "修改密码")
    assert "两次输入的新密码不一致" in _texts(app)   # refused, nothing changed
    fields = {t.label: t for t in app.text_input}
    fields["当前密码"].input(one_time)
    fields["新密码"].input(NEW_PASSWORD)
    fields["再次输入新密码"].input(NEW_PASSWORD)
    _click(app, "修改密码")
    assert "请先修改密码" not in _texts(app)
    app.switch_page("pages/overview.py")
    app.run()
    assert [t.value for t in app.title] == ["态势总览"]   # the other pages open now
    store = open_store(demo_url)
    try:
        assert not accounts.authenticate(store, "newcomer", NEW_PASSWORD, address="127.0.0.1",
                                         config=AuthConfig()).must_change_password
        audit = store.read_audit(limit=200)
    finally:
        store.close()
    changes = audit[(audit["action"] == "password_change") & (audit["username"] == "newcomer")]
    assert list(changes["result"]) == ["ok"]


def test_admin_binds_totp_with_the_form_and_the_secret_is_sealed(app, demo_url):
    store = open_store(demo_url)
    try:
        accounts.create_account(store, "newadmin", role="account_admin", password=NEW_PASSWORD,
                                config=AuthConfig(), must_change=False)
    finally:
        store.close()
    _signed_in(app, demo_url, "newadmin", NEW_PASSWORD)
    assert [t.value for t in app.title] == ["账号"] and "管理员账号须绑定动态口令" in _texts(app)
    assert len(app.get("image")) == 1   # the QR code (SVG made by segno, offline)
    secret = app.session_state["totp_secret"]
    next(t for t in app.text_input if t.label == "动态口令").input("000000")
    _click(app, "绑定")
    assert "动态口令不正确" in _texts(app)
    next(t for t in app.text_input if t.label == "动态口令").input(pyotp.TOTP(secret).now())
    _click(app, "绑定")
    assert "管理员账号须绑定动态口令" not in _texts(app)
    assert "账号管理" in {t.label for t in app.tabs}   # the administrator's panel opens
    store = open_store(demo_url)
    try:
        table = store.tables["accounts"]
        with store.begin() as conn:
            stored = conn.execute(select(table.c.totp_secret).where(table.c.username == "newadmin")).scalar()
    finally:
        store.close()
    assert stored.startswith("fernet:") and secret not in stored


def test_a_session_ended_elsewhere_ends_in_the_open_tab_within_the_recheck(demo_url):
    # The gate's per-tab memo of the last database check (gis.ui.auth._resume), on the real store.
    from gis.auth.demo import DEMO_PASSWORD
    from gis.ui.auth import _resume

    config = AuthConfig()
    assert config.session_recheck_s == 5
    store = open_store(demo_url)
    try:
        token = accounts.authenticate(store, "demo_planner", DEMO_PASSWORD, address="127.0.0.1",
                                      config=config).token
        memo: dict = {}
        assert _resume(store, token, "127.0.0.1", config, memo=memo, now=100.0).principal.username \
            == "demo_planner"
        accounts.sign_out(store, token, address="10.0.0.9")          # another tab, say
        assert _resume(store, token, "127.0.0.1", config, memo=memo, now=104.0) is not None  # not looked up
        assert _resume(store, token, "127.0.0.1", config, memo=memo, now=105.5) is None      # looked up: ended
        assert _resume(store, token, "127.0.0.1", config, memo=memo, now=105.6) is None
        other = accounts.authenticate(store, "demo_planner", DEMO_PASSWORD, address="127.0.0.1",
                                      config=config).token
        assert _resume(store, other, "127.0.0.1", config, memo=memo, now=105.7) is not None   # a new token: looked up
    finally:
        store.close()
