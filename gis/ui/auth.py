"""The sign-in gate of the app: who is here, the sign-in form, the session cookie.

``app.py`` calls :func:`resolve` before anything else. Until someone signs in, the app
renders the sign-in form and nothing else: no page runs, no layer is read, nothing of the
data reaches the browser. Every page then calls ``shell.inject_css(action=…)``, which calls
:func:`require` — so a page added later (检查整改, 部署推演 …) is gated without doing anything.

The session lives in the database (``gis.auth.accounts``); the browser holds only a random
token in the ``hx_session`` cookie (SameSite=Strict, Secure on https; HttpOnly when served
by ``streamlit run serve.py``, see ``gis.ui.session_route``), so any app process on the same
database accepts it. A wall display signs in with ``?view=wall&kiosk=TOKEN``.
"""

from __future__ import annotations

import functools
import html
import json
import os
import time
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.auth.policy import allowed
from gis.auth.principal import Principal
from gis.errors import GisError
from gis.ui import cache, session_route
from gis.ui.i18n import current_language, language_switch, tr

COOKIE = session_route.COOKIE   # one name: the server route sets the same cookie
TOKEN_KEY = "hx_token"
STATE_KEY = "hx_auth"
NOTICE_KEY = "hx_auth_notice"
CHECKED_KEY = "hx_auth_checked"   # (token, monotonic time, state) of the last database check


@functools.lru_cache(maxsize=8)
def _gate(database_url: str | None, config_path: str | None) -> tuple[Any, AuthConfig]:
    """The store and the ``[auth]`` settings for one ``$DATABASE_URL``/``$GIS_CONFIG`` pair.

    Looked up on every rerun by the gate: a plain dictionary hit here instead of four
    ``st.cache_resource`` look-ups (each hashes its arguments), which cost the gate more
    than its database read.
    """
    settings = cache.get_settings()
    return cache.get_store(settings.database_url), AuthConfig.from_settings(settings)


def _here() -> tuple[Any, AuthConfig]:
    return _gate(os.environ.get("DATABASE_URL"), os.environ.get("GIS_CONFIG"))


def config() -> AuthConfig:
    """The ``[auth]`` settings (parsed once per settings)."""
    return _here()[1]


ADDRESS_KEY = "hx_address"


def client_address() -> str | None:
    """The browser's address as the server sees it (a proxy's address behind a gateway).

    Read once per browser session (one websocket, one address) and kept in the session
    state: every rerun needs it for the audit trail, and reading it costs more than the
    session lookup itself.
    """
    if ADDRESS_KEY in st.session_state:
        return st.session_state[ADDRESS_KEY]
    try:
        address = accounts.normalise_address(st.context.ip_address)
    except (AttributeError, RuntimeError):
        return None
    st.session_state[ADDRESS_KEY] = address
    return address


def _store():
    return _here()[0]


def current() -> Principal | None:
    """The principal of this run (set by :func:`resolve`), or None."""
    state = st.session_state.get(STATE_KEY)
    return state.principal if state is not None else None


def resolve() -> accounts.SessionState | None:
    """Who is here: a kiosk token, the session token (this tab or the cookie), or the PKI
    gateway's header. None when nobody is signed in (then show :func:`sign_in_form`)."""
    store, cfg = _here()
    address = client_address()
    st.session_state.pop(STATE_KEY, None)
    try:
        kiosk = st.query_params.get("kiosk")
        if kiosk and st.query_params.get("view") == "wall":
            principal = accounts.kiosk_principal(store, kiosk, address=address)
            if principal is None:
                st.session_state[NOTICE_KEY] = tr("大屏令牌无效或已吊销。", "The kiosk token is invalid or revoked.")
                return None
            state = accounts.SessionState(principal, False, False, False)
        else:
            token = st.session_state.get(TOKEN_KEY) or _cookie()
            state = _resume(store, token, address, cfg)
            if state is None and token and st.session_state.get(TOKEN_KEY):
                st.session_state[NOTICE_KEY] = tr("会话已结束（超时、在别处登录或已退出），请重新登录。",
                                                  "Your session ended (idle, signed in elsewhere, or signed "
                                                  "out); please sign in again.")
                st.session_state.pop(TOKEN_KEY, None)
            if state is None and cfg.trusted_header:
                state = _trusted(store, cfg, address)
    except GisError as exc:
        st.error(tr("无法检查登录状态：", "Cannot check the sign-in: ") + str(exc))
        st.stop()
    st.session_state[STATE_KEY] = state
    return state


def _resume(store, token: str | None, address: str | None, cfg: AuthConfig, *,
            memo: Any = None, now: float | None = None) -> accounts.SessionState | None:
    """``accounts.resume``, looked up in the database at most every ``[auth] session_recheck_s``
    seconds per browser session: a session ended elsewhere (signed out, signed in again,
    account disabled) ends here within that time, and so does an idle one (a rerun after an
    idle spell longer than that is always checked). :func:`forget_check` forces the next
    rerun to look. ``memo`` (default: the browser session's state) keeps the last check;
    ``now`` is a monotonic time in seconds."""
    memo = st.session_state if memo is None else memo
    now = time.monotonic() if now is None else now
    checked = memo.get(CHECKED_KEY)
    if checked is not None and token and checked[0] == token and now - checked[1] < cfg.session_recheck_s:
        return checked[2]
    state = accounts.resume(store, token, address=address, config=cfg)
    memo[CHECKED_KEY] = (token, now, state) if state is not None else None
    return state


def forget_check() -> None:
    """Look the session up again at the next rerun (after a password change, a TOTP binding)."""
    st.session_state.pop(CHECKED_KEY, None)


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):
        return None
    return value if isinstance(value, str) and 0 < len(value) < 200 else None


def _trusted(store, cfg: AuthConfig, address: str | None) -> accounts.SessionState | None:
    try:
        user = st.context.headers.get(cfg.trusted_header)
    except (AttributeError, RuntimeError):
        return None
    if not user:
        return None
    try:
        signed = accounts.sign_in_trusted(store, user, address=address, config=cfg)
    except GisError as exc:
        st.session_state[NOTICE_KEY] = str(exc)
        return None
    st.session_state[TOKEN_KEY] = signed.token
    return accounts.resume(store, signed.token, address=address, config=cfg)


def require(action: str | None = "read", layer: str | None = "schools") -> Principal:
    """Stop the page unless someone is signed in and (when ``action``) may do it here."""
    principal = current()
    if principal is None:
        state = resolve()   # a page file run on its own (not through app.py)
        principal = state.principal if state is not None else None
    if principal is None:
        st.warning(tr("请先登录。", "Please sign in first."))
        st.stop()
    if action is not None and not allowed(principal, action, layer):
        st.error(tr("当前账号无权查看此页面。", "Your account may not open this page."))
        st.stop()
    return principal


def allowed_here(action: str, layer: str | None = None) -> bool:
    """Whether the signed-in account may ``action`` (to show or hide a button)."""
    principal = current()
    if principal is None:
        return False
    if principal.role == "station" and action == "write":   # its own rows; the store checks each
        return layer in (None, "schools", "crossings")
    return allowed(principal, action, layer)


def acting() -> dict[str, Any]:
    """Keyword arguments that make a core write act as the signed-in account:
    ``edits.add_inspection(store, …, **auth.acting())``."""
    principal = current()
    if principal is None:
        st.warning(tr("请先登录。", "Please sign in first."))
        st.stop()
    return {"principal": principal, "actor": principal.username}


def page_allowed(principal: Principal, action: str | None) -> bool:
    """Whether a page needing ``action`` (None: any account) shows for this principal."""
    if principal.role == "kiosk":
        return False
    return action is None or allowed(principal, action, "schools" if action == "read" else None)


def sign_in_form() -> None:
    """The sign-in page (zh/en): title, form, the demo hint; no data of any kind."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    _clear_cookie()
    left, mid, right = st.columns([1, 1.4, 1])
    with mid:
        st.title(tr("护校安园态势图", "Campus Safety Map"))
        st.caption(tr("公安内网系统，请使用本人账号登录。", "Police intranet system: sign in with your own account."))
        if notice:
            st.warning(notice)
        with st.form("sign_in", clear_on_submit=False):
            username = st.text_input(tr("用户名", "User name"), key="si_user", max_chars=64)
            password = st.text_input(tr("密码", "Password"), type="password", key="si_password", max_chars=256)
            code = st.text_input(tr("动态口令（已绑定时填写）", "Authenticator code (if enrolled)"), key="si_totp",
                                 max_chars=8)
            go = st.form_submit_button(tr("登录", "Sign in"), type="primary", width="stretch")
        if go:
            try:
                signed = accounts.authenticate(_store(), username, password, totp=code or None,
                                               address=client_address(), config=config())
            except GisError as exc:
                st.error(str(exc))
            else:
                st.session_state[TOKEN_KEY] = signed.token
                st.session_state["hx_set_cookie"] = True
                for key in ("si_password", "si_totp"):
                    st.session_state.pop(key, None)
                st.rerun()
        st.radio("语言 / Language", ["zh", "en"], index=0 if current_language() == "zh" else 1,
                 format_func={"zh": "中文", "en": "English"}.get, horizontal=True, key="lang_switch")
        st.caption(tr("演示环境的账号见 README「登录」一节；正式部署请停用演示账号。",
                      "Demo accounts are listed in the README (Sign-in); disable them in production."))


def keep_cookie() -> None:
    """Hand the session token to the browser as a cookie (once after sign-in), so a reload
    or another app process behind the same database keeps the session.

    Under ``streamlit run serve.py`` the server sets it HttpOnly (``gis.ui.session_route``:
    the page posts the token once to ``/_hx/session``); under ``streamlit run app.py`` the
    page sets it itself (SameSite=Strict, not HttpOnly). The script goes into a slot drawn on
    every run, so the page's own elements keep their places (and tabs and maps their state)
    on the run that sets the cookie.
    """
    slot = st.empty()
    token = st.session_state.get(TOKEN_KEY)
    if not token or not st.session_state.pop("hx_set_cookie", False):
        return
    with slot.container():
        if session_route.enabled():
            _post_script(session_route.SESSION_PATH, {"token": token})
        else:
            _cookie_script(f"{COOKIE}={token}; Path=/; SameSite=Strict")


def _clear_cookie() -> None:
    if st.session_state.pop("hx_cookie_clear", False):
        if session_route.enabled():
            _post_script(session_route.SIGNOUT_PATH, {})
        else:
            _cookie_script(f"{COOKIE}=; Max-Age=0; Path=/; SameSite=Strict")


def _cookie_script(cookie: str) -> None:
    script = (f"<script>const c = {json.dumps(cookie)} + (window.parent.location.protocol === 'https:' "
              f"? '; Secure' : ''); window.parent.document.cookie = c;</script>")
    components.html(script, height=0)


def _post_script(path: str, fields: dict[str, str]) -> None:
    """POST ``fields`` to our own server's ``path`` from the page (same origin; the answer's
    Set-Cookie is HttpOnly, so no page script can read the cookie afterwards)."""
    script = (f"<script>fetch(window.parent.location.origin + {json.dumps(path)}, {{method: 'POST', "
              f"credentials: 'same-origin', body: new URLSearchParams({json.dumps(fields)})}});</script>")
    components.html(script, height=0)


def sign_out() -> None:
    """End the session in the database, forget the token, clear the cookie."""
    accounts.sign_out(_store(), st.session_state.pop(TOKEN_KEY, None) or _cookie(),
                      address=client_address())
    st.session_state.pop(STATE_KEY, None)
    forget_check()
    st.session_state["hx_cookie_clear"] = True
    st.rerun()


def account_box(state: accounts.SessionState) -> None:
    """Sidebar: who is signed in (and the 演示账号 flag), the sign-out button."""
    principal = state.principal
    role = accounts.role_label(principal.role, current_language())
    flag = f" · {tr('演示账号', 'demo account')}" if state.demo else ""
    st.sidebar.markdown(f"**{html.escape(principal.username)}** · {html.escape(role)}{html.escape(flag)}")
    if st.sidebar.button(tr("退出登录", "Sign out"), key="sign_out"):
        sign_out()


def audit_export(obj: str, detail: str | None = None) -> None:
    """Record a download in the audit trail (called when the file is built for the page)."""
    principal = current()
    if principal is not None:
        _store().audit_event("export", principal=principal, obj=obj, detail=detail)


__all__ = ["account_box", "config", "current", "keep_cookie", "language_switch", "page_allowed",
           "require", "resolve", "sign_in_form", "sign_out"]
