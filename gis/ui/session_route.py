"""The session cookie as an HttpOnly cookie, set by the server (``serve.py``).

A Streamlit script cannot answer an HTTP request, so it cannot set an HttpOnly cookie:
whatever script sets a cookie can read it too. Streamlit's ASGI mode
(``st.App(script, routes=…)``, Streamlit ≥ 1.5x) lets us add two small HTTP routes beside
the app; ``streamlit run serve.py`` starts the app with them:

``POST /_hx/session`` (form field ``token``)
    Checks the token against the database session (``gis.auth.accounts.resume``: live,
    not idle, account enabled) and answers ``204`` with
    ``Set-Cookie: hx_session=…; HttpOnly; SameSite=Strict; Path=/`` (``Secure`` on https).
    Refused (``403``, no cookie) for an unknown or ended session, and for a request from
    another origin (``Origin`` must name this host: no login CSRF).
``POST /_hx/signout``
    Answers ``204`` with the cookie deleted (the script has already ended the session in
    the database).

The page hands the token over once, right after sign-in, with ``fetch`` from the app's own
origin; from then on page scripts cannot read the cookie. Under plain ``streamlit run
app.py`` these routes do not exist and ``gis.ui.auth`` falls back to a script-set cookie
(SameSite=Strict, not HttpOnly).
"""

from __future__ import annotations

import functools
import os
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

COOKIE = "hx_session"
SESSION_PATH = "/_hx/session"
SIGNOUT_PATH = "/_hx/signout"
_ENABLED = {"on": False}


def enabled() -> bool:
    """True in a server started with the routes (``streamlit run serve.py``)."""
    return _ENABLED["on"]


def routes() -> list[Route]:
    """The two routes, for ``st.App("app.py", routes=routes())``; marks them enabled."""
    _ENABLED["on"] = True
    return [Route(SESSION_PATH, set_session, methods=["POST"]),
            Route(SIGNOUT_PATH, clear_session, methods=["POST"])]


@functools.lru_cache(maxsize=4)
def _store(database_url: str | None, config: str | None):
    from gis.config import load_settings
    from gis.store import open_store

    return open_store(load_settings(database_url=database_url, config=config).database_url)


@functools.lru_cache(maxsize=4)
def _auth_config(database_url: str | None, config: str | None):
    from gis.auth.config import AuthConfig
    from gis.config import load_settings

    return AuthConfig.from_settings(load_settings(database_url=database_url, config=config))


def same_origin(request: Request) -> bool:
    """The request's ``Origin`` names the host it was sent to (a fetch from our own page)."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    return bool(origin and host and urlsplit(origin).netloc == host)


def _cookie(response: Response, request: Request, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(COOKIE, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


async def set_session(request: Request) -> Response:
    if not same_origin(request):
        return PlainTextResponse("forbidden: cross-origin", status_code=403)
    form = await request.form()
    token = form.get("token")
    if not isinstance(token, str) or not 0 < len(token) < 200:
        return PlainTextResponse("forbidden", status_code=403)
    from starlette.concurrency import run_in_threadpool

    from gis.auth import accounts

    env = (os.environ.get("DATABASE_URL"), os.environ.get("GIS_CONFIG"))
    address = accounts.normalise_address(request.client.host if request.client else None)
    state = await run_in_threadpool(accounts.resume, _store(*env), token, address=address,
                                    config=_auth_config(*env))
    if state is None:
        return PlainTextResponse("forbidden: no live session", status_code=403)
    response = Response(status_code=204)
    _cookie(response, request, token)
    return response


async def clear_session(request: Request) -> Response:
    if not same_origin(request):
        return PlainTextResponse("forbidden: cross-origin", status_code=403)
    response = Response(status_code=204)
    _cookie(response, request, "", max_age=0)
    return response
