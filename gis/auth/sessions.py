"""Database sessions and kiosk tokens: what a token held by the browser stands for.

``resume`` checks a session token on every page view (idle sessions end, audited);
``sign_out`` ends one; kiosk tokens give the read-only wall display its principal.
Only a token's SHA-256 (``token_id``) is stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select

from gis.auth.account_rows import (
    _from_db,
    _now,
    _principal,
    _to_db,
    check_username,
    token_id,
)
from gis.auth.config import AuthConfig
from gis.auth.policy import require
from gis.auth.principal import SYSTEM, Principal


@dataclass(frozen=True)
class SessionState:
    """A live session, checked again on every page view."""

    principal: Principal
    must_change_password: bool
    must_enrol_totp: bool
    demo: bool


def _must_change(account: dict[str, Any], config: AuthConfig, now: dt.datetime) -> bool:
    changed = _from_db(account["password_changed_at"])
    expired = changed is None or now - changed > dt.timedelta(days=config.password_max_age_days)
    return bool(account["must_change"]) or (bool(account["password_hash"]) and expired)


def _must_enrol(account: dict[str, Any], config: AuthConfig) -> bool:
    return account["role"] in config.totp_required_roles and not account["totp_secret"]


def _end_sessions(conn, store, username: str, *, reason: str) -> int:
    table = store.tables["sessions"]
    result = conn.execute(table.update().where(and_(table.c.username == username,
                                                    table.c.ended_at.is_(None)))
                          .values(ended_at=_to_db(store, _now()), end_reason=reason))
    return int(result.rowcount or 0)


def resume(store, token: str | None, *, address: str | None,
           config: AuthConfig) -> SessionState | None:
    """The live session of a token, or None (unknown, ended, idle too long, account disabled).

    One read per page view; ``last_seen`` is written at most every ``session_touch_s``.
    A session found idle is ended and the expiry audited.
    """
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    sid = token_id(token)
    sessions, accounts = store.tables["sessions"], store.tables["accounts"]
    now = _now()
    with store.begin() as conn:
        row = conn.execute(select(sessions, accounts.c.role, accounts.c.jurisdiction_id,
                                  accounts.c.disabled, accounts.c.must_change,
                                  accounts.c.password_changed_at, accounts.c.password_hash,
                                  accounts.c.totp_secret, accounts.c.demo)
                           .join(accounts, accounts.c.username == sessions.c.username)
                           .where(sessions.c.id == sid)).first()
    if row is None:
        return None
    info = dict(row._mapping)
    if info["ended_at"] is not None or info["disabled"]:
        return None
    last_seen = _from_db(info["last_seen"])
    if last_seen is None or now - last_seen > dt.timedelta(minutes=config.idle_minutes):
        with store.begin(write=True) as conn:
            conn.execute(sessions.update().where(and_(sessions.c.id == sid, sessions.c.ended_at.is_(None)))
                         .values(ended_at=_to_db(store, now), end_reason="idle"))
        principal = _principal(info, address=address, session_id=sid)
        store.audit_event("session_expired", principal=principal, obj=f"accounts/{info['username']}",
                          result="idle", detail=f"idle > {config.idle_minutes:g} min")
        return None
    if (now - last_seen).total_seconds() >= config.session_touch_s:
        with store.begin(write=True) as conn:
            conn.execute(sessions.update().where(sessions.c.id == sid)
                         .values(last_seen=_to_db(store, now)))
    return SessionState(_principal(info, address=address, session_id=sid),
                        _must_change(info, config, now), _must_enrol(info, config), bool(info["demo"]))


def sign_out(store, token: str | None, *, address: str | None = None) -> None:
    """End the session of a token (audited)."""
    if not isinstance(token, str) or not token:
        return
    sid = token_id(token)
    table = store.tables["sessions"]
    with store.begin(write=True) as conn:
        row = conn.execute(select(table.c.username).where(and_(table.c.id == sid,
                                                               table.c.ended_at.is_(None)))).first()
        if row is None:
            return
        conn.execute(table.update().where(table.c.id == sid)
                     .values(ended_at=_to_db(store, _now()), end_reason="signed out"))
    store.audit_event("sign_out", principal=Principal(row[0], "account", address=address,
                                                      session_id=sid), obj=f"accounts/{row[0]}")


# -- kiosk tokens (wall display) -----------------------------------------------------------


def issue_kiosk_token(store, name: str, *, by: Principal = SYSTEM) -> str:
    """A new wall-display token (open ``?view=wall&kiosk=TOKEN``); only its hash is stored."""
    require(by, "manage_accounts", "kiosk_tokens")
    label = check_username(name)
    token = secrets.token_urlsafe(24)
    with store.begin(write=True) as conn:
        conn.execute(store.tables["kiosk_tokens"].insert(), [{
            "id": token_id(token), "name": label, "created_by": by.username,
            "created_at": _to_db(store, _now()), "revoked": False}])
    store.audit_event("kiosk_issue", principal=by, obj=f"kiosk_tokens/{label}")
    return token


def revoke_kiosk_tokens(store, name: str, *, by: Principal = SYSTEM) -> int:
    """Revoke every token issued under ``name``; return how many."""
    require(by, "manage_accounts", "kiosk_tokens")
    table = store.tables["kiosk_tokens"]
    with store.begin(write=True) as conn:
        count = conn.execute(table.update().where(table.c.name == name).values(revoked=True)).rowcount
    store.audit_event("kiosk_revoke", principal=by, obj=f"kiosk_tokens/{name}", detail=str(count))
    return int(count or 0)


def kiosk_principal(store, token: str | None, *, address: str | None) -> Principal | None:
    """The read-only wall principal of a valid kiosk token, or None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    table = store.tables["kiosk_tokens"]
    with store.begin() as conn:
        row = conn.execute(select(table.c.name, table.c.revoked)
                           .where(table.c.id == token_id(token))).first()
    if row is None or row.revoked:
        return None
    return Principal(f"kiosk:{row.name}", "kiosk", address=address)
