"""Accounts, sign-in, database sessions, TOTP, the trusted header and kiosk tokens.

Everything lives in the store's database (``accounts``, ``sessions``, ``kiosk_tokens``,
``audit_log``; ``sql/007_auth.sql``), so several app processes on one PostGIS share the
accounts and the sessions: a session opened through one process is valid in all.

>>> pw = create_account(store, "zhang", role="planner", by=SYSTEM, config=cfg)  # one-time pw
>>> signed = authenticate(store, "zhang", pw, address="10.0.0.8", config=cfg)
>>> state = resume(store, signed.token, address="10.0.0.8", config=cfg)  # each page view
>>> state.principal.role, state.must_change_password, state.must_enrol_totp
>>> sign_out(store, signed.token, config=cfg)

Rules (``[auth]``): ``max_failures`` wrong passwords lock the account for
``lock_minutes``; failed sign-ins are counted per address (``rate_limit_address``) and
per account (``rate_limit_account``) over ``rate_window_minutes``; a session
idle for ``idle_minutes`` ends; a new sign-in ends the account's earlier session; a
password older than ``password_max_age_days`` (or a one-time password) must be changed
before anything else; roles in ``totp_required_roles`` must enrol TOTP before anything else.
Every outcome is audited with the user, the client address and the reason.

Account administration lives here; the rest is in topic modules re-exported from here:
``gis.auth.signin`` (sign-in, lock-out, trusted header), ``gis.auth.sessions`` (sessions,
kiosk tokens), ``gis.auth.totp`` and ``gis.auth.account_rows`` (shared row helpers).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select

from gis.auth import passwords
from gis.auth.account_rows import (
    _account,
    _from_db,
    _now,
    _principal,
    _to_db,
    _update_account,
    check_role,
    check_username,
    token_id,
)
from gis.auth.config import AuthConfig
from gis.auth.policy import ROLES, require
from gis.auth.principal import SYSTEM, Principal
from gis.auth.sessions import (
    SessionState,
    _end_sessions,
    issue_kiosk_token,
    kiosk_principal,
    resume,
    revoke_kiosk_tokens,
    sign_out,
)
from gis.auth.signin import (
    SignIn,
    authenticate,
    change_password,
    normalise_address,
    sign_in_trusted,
    trusted_proxy,
)
from gis.auth.totp import (
    enrol_totp,
    has_totp,
    new_totp_secret,
    seal_plain_secrets,
    totp_qr_svg,
    totp_uri,
)
from gis.errors import AccessDeniedError, ValidationError

# The one module callers use (``from gis.auth import accounts``; ``accounts.authenticate`` …):
# administration lives here, the rest is re-exported from its topic module.
__all__ = [
    "SessionState", "SignIn", "authenticate", "change_password", "check_role", "check_username",
    "count_accounts", "create_account", "delete_demo_accounts", "disable_account", "enrol_totp",
    "has_totp", "issue_kiosk_token", "kiosk_principal", "list_accounts", "new_totp_secret",
    "normalise_address", "principal_for", "reset_password", "resume", "revoke_kiosk_tokens",
    "role_label", "seal_plain_secrets", "set_role", "sign_in_trusted", "sign_out", "token_id",
    "totp_qr_svg", "totp_uri", "trusted_proxy",
]


# -- account administration --------------------------------------------------------------


def count_accounts(store) -> int:
    """Number of accounts (0 on a fresh database: ``init`` then creates the first admin)."""
    table = store.tables["accounts"]
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def create_account(store, username: str, *, role: str, config: AuthConfig,
                   jurisdiction_id: str | None = None, password: str | None = None,
                   display_name: str | None = None, demo: bool = False,
                   must_change: bool | None = None, by: Principal = SYSTEM) -> str:
    """Create an account; return its password (a one-time password when none was given).

    Parameters
    ----------
    password : str, optional
        Checked against the strength rules. When omitted, a random one-time password is
        made and must be changed at the first sign-in.
    must_change : bool, optional
        Default: True for a generated password, False for a given one.
    by : Principal
        Who creates it (``manage_accounts`` permission; audited).
    """
    require(by, "manage_accounts", "accounts")
    username = check_username(username)
    check_role(role, jurisdiction_id)
    generated = password is None
    if generated:
        password = passwords.one_time_password(config=config)
    else:
        passwords.check_strength(password, username=username, config=config)
    now = _now()
    record = {"username": username, "display_name": display_name or username, "role": role,
              "jurisdiction_id": jurisdiction_id or None,
              "password_hash": passwords.hash_password(password, config=config),
              "totp_secret": None, "failed_logins": 0, "locked_until": None,
              "password_changed_at": _to_db(store, now),
              "must_change": generated if must_change is None else must_change,
              "disabled": False, "demo": demo, "created_at": _to_db(store, now),
              "updated_at": _to_db(store, now)}
    with store.begin(write=True) as conn:
        if _account(conn, store, username) is not None:
            msg = f"账号 {username} 已存在 / account {username} already exists"
            raise ValidationError(msg)
        conn.execute(store.tables["accounts"].insert(), [record])
    store.audit_event("account_create", principal=by, obj=f"accounts/{username}",
                      detail=f"role={role} jurisdiction={jurisdiction_id or ''} demo={demo}")
    return password


def list_accounts(store, *, by: Principal = SYSTEM) -> pd.DataFrame:
    """Accounts without their secrets: username, display_name, role, jurisdiction_id,
    totp (enrolled), locked_until, password_changed_at, must_change, disabled, demo."""
    require(by, "manage_accounts", "accounts")
    table = store.tables["accounts"]
    columns = ["username", "display_name", "role", "jurisdiction_id", "totp", "failed_logins",
               "locked_until", "password_changed_at", "must_change", "disabled", "demo"]
    with store.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.username))]
    out = [{**{k: r.get(k) for k in columns if k != "totp"}, "totp": bool(r["totp_secret"]),
            "locked_until": _from_db(r["locked_until"]),
            "password_changed_at": _from_db(r["password_changed_at"]),
            "must_change": bool(r["must_change"]), "disabled": bool(r["disabled"]),
            "demo": bool(r["demo"])} for r in rows]
    return pd.DataFrame(out, columns=columns)


def delete_demo_accounts(store, *, by: Principal = SYSTEM) -> list[str]:
    """Delete every account flagged 演示账号 (``demo``) with its sessions; accounts made by
    users stay. Each deletion is audited (the audit trail keeps their past entries).

    Returns
    -------
    list of str
        The deleted user names.
    """
    require(by, "manage_accounts", "accounts")
    table, sessions = store.tables["accounts"], store.tables["sessions"]
    with store.begin(write=True) as conn:
        names = sorted(r[0] for r in conn.execute(select(table.c.username).where(table.c.demo.is_(True))))
        if names:
            conn.execute(sessions.delete().where(sessions.c.username.in_(names)))
            conn.execute(table.delete().where(table.c.username.in_(names)))
    for name in names:
        store.audit_event("account_delete", principal=by, obj=f"accounts/{name}", detail="demo account")
    return names


def _change(store, username: str, action: str, by: Principal, detail: str = "",
            **values: Any) -> None:
    require(by, "manage_accounts", "accounts")
    username = check_username(username)
    with store.begin(write=True) as conn:
        if _account(conn, store, username, lock=True) is None:
            msg = f"账号 {username} 不存在 / no account {username}"
            raise ValidationError(msg)
        _update_account(conn, store, username, **values)
        if action in ("account_disable", "account_role", "account_reset"):
            _end_sessions(conn, store, username, reason=action)
    store.audit_event(action, principal=by, obj=f"accounts/{username}", detail=detail or None)


def disable_account(store, username: str, *, by: Principal = SYSTEM, enable: bool = False) -> None:
    """Disable (or enable again) an account; its live session ends."""
    _change(store, username, "account_enable" if enable else "account_disable", by,
            disabled=not enable)


def set_role(store, username: str, role: str, *, jurisdiction_id: str | None = None,
             by: Principal = SYSTEM) -> None:
    """Give an account another role (and jurisdiction); its live session ends."""
    check_role(role, jurisdiction_id)
    _change(store, username, "account_role", by, detail=f"role={role} jurisdiction={jurisdiction_id or ''}",
            role=role, jurisdiction_id=jurisdiction_id or None)


def reset_password(store, username: str, *, config: AuthConfig, by: Principal = SYSTEM,
                   clear_totp: bool = False) -> str:
    """Set a one-time password (to be changed at the next sign-in), unlock; return it."""
    password = passwords.one_time_password(config=config)
    values = {"password_hash": passwords.hash_password(password, config=config),
              "must_change": True, "failed_logins": 0, "locked_until": None,
              "password_changed_at": _to_db(store, _now())}
    if clear_totp:
        values["totp_secret"] = None
    _change(store, username, "account_reset", by, detail="totp cleared" if clear_totp else "",
            **values)
    return password


def principal_for(store, username: str, *, address: str | None = "local") -> Principal:
    """The principal of an existing, enabled account, for a command-line action taken in its
    name (``--actor NAME``): the account's own role and jurisdiction decide what it may do.

    Raises
    ------
    AccessDeniedError
        No such account, or it is disabled.
    """
    name = check_username(username)
    with store.begin() as conn:
        account = _account(conn, store, name)
    if account is None or account["disabled"]:
        msg = (f"--actor {name}：没有此账号或账号已停用 / --actor {name}: no such account, or it is "
               "disabled (python -m gis user list)")
        raise AccessDeniedError(msg)
    return _principal(account, address=address)


def role_label(role: str, lang: str = "zh") -> str:
    zh, en = ROLES.get(role, (role, role))
    return en if lang == "en" else zh
