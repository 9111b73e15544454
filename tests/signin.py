"""Signing tests in: the app shows nothing but the sign-in form before (gis.ui.auth)."""

from __future__ import annotations

DEMO_PLANNER = "demo_planner"


def ensure_account(db_url: str, username: str = DEMO_PLANNER) -> None:
    """Create the demo account ``username`` (demo password) on a database loaded without them."""
    from gis.auth import accounts
    from gis.auth.config import AuthConfig
    from gis.auth.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
    from gis.store import open_store

    store = open_store(str(db_url))
    try:
        if username not in set(accounts.list_accounts(store)["username"]):
            role = {u: r for u, r, _ in DEMO_ACCOUNTS}.get(username, "planner")
            accounts.create_account(store, username, role=role, password=DEMO_PASSWORD, config=AuthConfig(),
                                    must_change=False, demo=True,
                                    jurisdiction_id="demo-post-01" if role == "station" else None)
    finally:
        store.close()


def app_sign_in(at, db_url: str, username: str = DEMO_PLANNER, *, totp_secret: str | None = None) -> str:
    """Sign a ``streamlit.testing`` AppTest in as a demo account (``gis.auth.demo``): a real
    session is opened in the database and its token put where the app keeps it."""
    import pyotp

    from gis.auth import accounts
    from gis.auth.config import AuthConfig
    from gis.auth.demo import DEMO_PASSWORD
    from gis.store import open_store

    ensure_account(db_url, username)
    store = open_store(str(db_url))
    try:
        signed = accounts.authenticate(store, username, DEMO_PASSWORD, address="127.0.0.1",
                                       config=AuthConfig(),
                                       totp=pyotp.TOTP(totp_secret).now() if totp_secret else None)
    finally:
        store.close()
    at.session_state["hx_token"] = signed.token
    return signed.token


def browser_sign_in(page, username: str = DEMO_PLANNER, password: str | None = None, *,
                    totp: str | None = None, wait: bool = True, timeout: float = 60_000) -> None:
    """Fill the app's sign-in form in Chromium (Playwright) and wait until signed in: the
    sidebar's sign-out button shows and the session cookie is set."""
    import time

    from gis.auth.demo import DEMO_PASSWORD

    field = page.get_by_label("用户名")
    field.first.wait_for(timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while field.count() != 1 and time.monotonic() < deadline:   # a rerun may still show the old form
        time.sleep(0.2)
    field.fill(username)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD if password is None else password)
    if totp:
        page.get_by_label("动态口令（已绑定时填写）").fill(totp)
    page.get_by_role("button", name="登录", exact=True).click()
    if not wait:
        return
    page.get_by_role("button", name="退出登录").wait_for(timeout=timeout)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(
            c["name"] == "hx_session" for c in page.context.cookies()):
        time.sleep(0.2)


def open_signed_in(browser, url: str, *, path: str = "", width: int = 1600, height: int = 1000,
                   username: str = DEMO_PLANNER):
    """A new browser context with one page, signed in on ``url/path``: ``(context, page, errors)``,
    ``errors`` collecting the page's uncaught script errors."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url.rstrip('/')}/{path}", wait_until="domcontentloaded")
    browser_sign_in(page, username)
    return context, page, errors


def kiosk_token(db_url: str, name: str = "test-wall") -> str:
    """A wall-display token, issued as ``python -m gis user kiosk`` does."""
    from gis.auth.accounts import issue_kiosk_token
    from gis.store import open_store

    store = open_store(db_url)
    try:
        return issue_kiosk_token(store, name)
    finally:
        store.close()
