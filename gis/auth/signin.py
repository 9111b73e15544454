"""Sign-in with lock-out and rate limits, the trusted header, and password changes.

``authenticate`` checks a password (and TOTP code when enrolled), counts failures per
address and per account over ``[auth] rate_window_minutes``, locks the account after
``max_failures`` and opens a session (ending the account's earlier one);
``sign_in_trusted`` does the same for the user a trusted PKI gateway asserts.
Every outcome is audited with the user, the client address and the reason.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from sqlalchemy import and_, func, select

from gis.auth import passwords, vault
from gis.auth.account_rows import (
    USERNAME_RE,
    _account,
    _from_db,
    _now,
    _principal,
    _requester,
    _to_db,
    _update_account,
    token_id,
)
from gis.auth.config import AuthConfig
from gis.auth.principal import Principal
from gis.auth.sessions import _end_sessions, _must_change, _must_enrol
from gis.errors import AuthError

BAD_CREDENTIALS = "用户名或密码错误 / wrong user name or password"


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the principal and the session token (give it to the browser)."""

    principal: Principal
    token: str
    must_change_password: bool
    must_enrol_totp: bool


# -- sign-in ------------------------------------------------------------------------------


def _recent_failures(conn, store, *, since: dt.datetime, address: str | None = None,
                     username: str | None = None, failures_only: bool = True) -> int:
    table = store.tables["audit_log"]
    conditions = [table.c.action == "sign_in", table.c.at >= _to_db(store, since)]
    if failures_only:
        conditions.append(table.c.result != "ok")
    if address is not None:
        conditions.append(table.c.address == address)
    if username is not None:
        conditions.append(table.c.username == username)
    return int(conn.execute(select(func.count()).select_from(table).where(and_(*conditions)))
               .scalar_one())


def _fail(store, username: str, address: str | None, reason: str, message: str) -> AuthError:
    store.audit_event("sign_in", principal=_requester(username, address),
                      obj=f"accounts/{str(username)[:64]}", result=f"failed: {reason}")
    return AuthError(message)


def authenticate(store, username: str, password: str, *, address: str | None,
                 config: AuthConfig, totp: str | None = None) -> SignIn:
    """Check a user name, password (and TOTP code when enrolled); open a session.

    Raises
    ------
    AuthError
        Wrong user name or password, locked or disabled account, missing or wrong TOTP
        code, or too many attempts (per address or per account). Audited with the reason.
    """
    name = str(username or "").strip()
    now = _now()
    window = now - dt.timedelta(minutes=config.rate_window_minutes)
    with store.begin() as conn:
        by_address = _recent_failures(conn, store, since=window, address=address)
        by_account = _recent_failures(conn, store, since=window, username=name[:64])
    if address is not None and by_address >= config.rate_limit_address:
        raise _fail(store, name, address, "rate limit (address)",
                    f"此地址登录失败次数过多，请 {config.rate_window_minutes:g} 分钟后再试 / too many failed "
                    f"sign-ins from this address; try again in {config.rate_window_minutes:g} minutes")
    if by_account >= config.rate_limit_account:
        raise _fail(store, name, address, "rate limit (account)",
                    f"该账号登录失败过于频繁，请 {config.rate_window_minutes:g} 分钟后再试 / too many "
                    f"failed sign-ins for this account; try again in "
                    f"{config.rate_window_minutes:g} minutes")
    if not USERNAME_RE.fullmatch(name):
        passwords.verify_password(None, password, config=config)
        raise _fail(store, name, address, "invalid user name", BAD_CREDENTIALS)
    with store.begin() as conn:
        account = _account(conn, store, name)
    if account is None:
        passwords.verify_password(None, password, config=config)
        raise _fail(store, name, address, "unknown user", BAD_CREDENTIALS)
    if account["disabled"]:
        raise _fail(store, name, address, "disabled",
                    "账号已停用，请联系账号管理员 / this account is disabled; ask the account administrator")
    locked_until = _from_db(account["locked_until"])
    if locked_until is not None and locked_until > now:
        minutes = max(1, round((locked_until - now).total_seconds() / 60))
        raise _fail(store, name, address, "locked",
                    f"账号已锁定，请 {minutes} 分钟后再试或联系账号管理员 / the account is locked; try "
                    f"again in {minutes} minutes or ask the account administrator")
    ok = passwords.verify_password(account["password_hash"], password, config=config)
    reason = "wrong password"
    if ok and account["totp_secret"]:
        code = re.sub(r"\s", "", totp or "")
        if not code:
            ok, reason = False, "totp missing"
        elif not pyotp.TOTP(vault.unseal(account["totp_secret"], key_file=config.secret_key_file)
                            ).verify(code, valid_window=1):
            ok, reason = False, "wrong totp"
    if not ok:
        failures = int(account["failed_logins"] or 0) + 1
        locks = failures >= config.max_failures
        with store.begin(write=True) as conn:
            _update_account(conn, store, name, failed_logins=0 if locks else failures,
                            locked_until=_to_db(store, now + dt.timedelta(minutes=config.lock_minutes))
                            if locks else account["locked_until"])
        if locks:
            store.audit_event("lock_out", principal=_requester(name, address),
                              obj=f"accounts/{name}", result="locked",
                              detail=f"{failures} failures; {config.lock_minutes:g} min")
            raise _fail(store, name, address, reason,
                        f"连续 {failures} 次失败，账号已锁定 {config.lock_minutes:g} 分钟 / {failures} failures "
                        f"in a row: the account is locked for {config.lock_minutes:g} minutes")
        if "totp" in reason:
            raise _fail(store, name, address, reason,
                        "需要正确的动态口令（身份验证器中的 6 位数字） / enter the current 6-digit code "
                        "of your authenticator app")
        raise _fail(store, name, address, reason, BAD_CREDENTIALS)
    token = secrets.token_urlsafe(32)
    sid = token_id(token)
    with store.begin(write=True) as conn:
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if passwords.needs_rehash(account["password_hash"], config=config):
            values["password_hash"] = passwords.hash_password(password, config=config)
        if account["totp_secret"] and not vault.is_sealed(account["totp_secret"]):   # from before sealing
            values["totp_secret"] = vault.seal(account["totp_secret"], key_file=config.secret_key_file)
        _update_account(conn, store, name, **values)
        replaced = _end_sessions(conn, store, name, reason="replaced by a new sign-in")
        conn.execute(store.tables["sessions"].insert(), [{
            "id": sid, "username": name, "address": address, "created_at": _to_db(store, now),
            "last_seen": _to_db(store, now), "ended_at": None, "end_reason": None}])
    principal = _principal(account, address=address, session_id=sid)
    store.audit_event("sign_in", principal=principal, obj=f"accounts/{name}",
                      detail=f"ended {replaced} earlier session(s)" if replaced else None)
    return SignIn(principal, token, _must_change(account, config, now),
                  _must_enrol(account, config))


def change_password(store, principal: Principal, old: str, new: str, *, config: AuthConfig) -> None:
    """Change the principal's own password (old one checked, new one strong and different)."""
    with store.begin() as conn:
        account = _account(conn, store, principal.username)
    if account is None or not passwords.verify_password(account["password_hash"], old, config=config):
        store.audit_event("password_change", principal=principal, obj=f"accounts/{principal.username}",
                          result="failed: wrong current password")
        msg = "当前密码不正确 / the current password is wrong"
        raise AuthError(msg)
    passwords.check_strength(new, username=principal.username, config=config)
    if new == old:
        msg = "新密码不能与当前密码相同 / the new password must differ from the current one"
        raise AuthError(msg)
    with store.begin(write=True) as conn:
        _update_account(conn, store, principal.username,
                        password_hash=passwords.hash_password(new, config=config),
                        must_change=False, password_changed_at=_to_db(store, _now()))
    store.audit_event("password_change", principal=principal, obj=f"accounts/{principal.username}")


# -- trusted header (PKI gateway) ------------------------------------------------------------


def normalise_address(address: str | None) -> str | None:
    """A client address as written in the audit trail (``::ffff:10.0.0.1`` → ``10.0.0.1``)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return str(address)[:64]
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def trusted_proxy(address: str | None, *, config: AuthConfig) -> bool:
    """True when ``address`` is one of ``[auth] trusted_proxies`` (addresses or networks)."""
    if not address or not config.trusted_header or not config.trusted_proxies:
        return False
    try:
        ip = ipaddress.ip_address(normalise_address(address))
    except ValueError:
        return False
    for entry in config.trusted_proxies:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def sign_in_trusted(store, username: str, *, address: str | None, config: AuthConfig) -> SignIn:
    """Open a session for the user the PKI gateway asserts (only from a trusted proxy).

    Raises
    ------
    AuthError
        The header is off, the request did not come from a trusted proxy, or the account
        does not exist or is disabled (audited).
    """
    name = str(username or "").strip()
    if not trusted_proxy(address, config=config):
        raise _fail(store, name, address, "trusted header from an untrusted address",
                    "身份头只接受来自受信任网关的请求 / the identity header is accepted from the trusted "
                    "gateway only")
    with store.begin() as conn:
        account = _account(conn, store, name) if USERNAME_RE.fullmatch(name) else None
    if account is None or account["disabled"]:
        raise _fail(store, name, address, "trusted header: no such active account",
                    "网关证书对应的账号不存在或已停用 / no active account for the gateway's user")
    token = secrets.token_urlsafe(32)
    sid = token_id(token)
    now = _now()
    with store.begin(write=True) as conn:
        _end_sessions(conn, store, name, reason="replaced by a new sign-in")
        conn.execute(store.tables["sessions"].insert(), [{
            "id": sid, "username": name, "address": address, "created_at": _to_db(store, now),
            "last_seen": _to_db(store, now), "ended_at": None, "end_reason": None}])
    principal = _principal(account, address=address, session_id=sid)
    store.audit_event("sign_in", principal=principal, obj=f"accounts/{name}", detail="trusted header")
    return SignIn(principal, token, False, False)
