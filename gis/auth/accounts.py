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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyotp
from sqlalchemy import and_, func, select

from gis.auth import passwords, vault
from gis.auth.config import AuthConfig
from gis.auth.policy import ACCOUNT_ROLES, ROLES, require
from gis.auth.principal import SYSTEM, Principal
from gis.errors import AccessDeniedError, AuthError, ValidationError

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
BAD_CREDENTIALS = "用户名或密码错误 / wrong user name or password"


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the principal and the session token (give it to the browser)."""

    principal: Principal
    token: str
    must_change_password: bool
    must_enrol_totp: bool


@dataclass(frozen=True)
class SessionState:
    """A live session, checked again on every page view."""

    principal: Principal
    must_change_password: bool
    must_enrol_totp: bool
    demo: bool


# -- helpers ------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _to_db(store, moment: dt.datetime | None) -> Any:
    if moment is None:
        return None
    return moment if store.backend == "postgis" else moment.isoformat(timespec="microseconds")


def _from_db(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) \
        else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def token_id(token: str) -> str:
    """The stored id of a session or kiosk token (its SHA-256; the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_username(username: str) -> str:
    """A valid user name (letters, digits, ``_ . @ -``; 2–64), or a clear ``ValidationError``.

    SQL or HTML in a name is refused here (and everything is bound as a parameter anyway).
    """
    name = (username or "").strip()
    if not USERNAME_RE.fullmatch(name):
        msg = ("用户名只能由字母、数字和 _ . @ - 组成，2 至 64 个字符，并以字母或数字开头 / user names use "
               "letters, digits and _ . @ - (2-64 characters, starting with a letter or digit)")
        raise ValidationError(msg)
    return name


def check_role(role: str, jurisdiction_id: str | None) -> None:
    if role not in ACCOUNT_ROLES:
        msg = (f"未知角色 {role!r}；可选：{', '.join(ACCOUNT_ROLES)} / unknown role {role!r}; "
               f"choose one of {', '.join(ACCOUNT_ROLES)}")
        raise ValidationError(msg)
    if role == "station" and not jurisdiction_id:
        msg = ("派出所账号必须指定辖区（--jurisdiction 派出所编号） / a station account needs "
               "--jurisdiction (the police station's id)")
        raise ValidationError(msg)


def _account(conn, store, username: str, *, lock: bool = False) -> dict[str, Any] | None:
    table = store.tables["accounts"]
    query = select(table).where(table.c.username == username)
    if lock and store.backend == "postgis":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def _update_account(conn, store, username: str, **values: Any) -> None:
    table = store.tables["accounts"]
    values["updated_at"] = _to_db(store, _now())
    conn.execute(table.update().where(table.c.username == username).values(**values))


def _principal(account: dict[str, Any], *, address: str | None,
               session_id: str | None = None) -> Principal:
    return Principal(account["username"], account["role"], account.get("jurisdiction_id"),
                     address=address, session_id=session_id)


def _requester(username: str, address: str | None) -> Principal:
    """Who an anonymous sign-in attempt is audited as (the name typed, cut to 64 characters)."""
    return Principal(str(username)[:64], "anonymous", address=address)


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


# -- TOTP ---------------------------------------------------------------------------------


def new_totp_secret() -> str:
    """A fresh base32 secret for an authenticator app."""
    return pyotp.random_base32()


def totp_uri(secret: str, username: str, *, config: AuthConfig) -> str:
    """The ``otpauth://`` URI an authenticator app imports (or type the secret by hand)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=config.totp_issuer)


def has_totp(store, username: str) -> bool:
    """Whether the account has a TOTP secret bound (the secret itself never leaves this module)."""
    table = store.tables["accounts"]
    with store.begin() as conn:
        secret = conn.execute(select(table.c.totp_secret).where(table.c.username == username)).scalar()
    return bool(secret)


def enrol_totp(store, principal: Principal, secret: str, code: str, *,
               config: AuthConfig | None = None) -> None:
    """Bind a TOTP secret to the principal's account once a code from it verifies; the
    secret is stored sealed (``gis.auth.vault``, key from ``config.secret_key_file``)."""
    if not pyotp.TOTP(secret).verify(re.sub(r"\s", "", code or ""), valid_window=1):
        store.audit_event("totp_enrol", principal=principal, obj=f"accounts/{principal.username}",
                          result="failed: wrong code")
        msg = "动态口令不正确，请核对手机时间后重试 / the code does not match; check the phone's clock and retry"
        raise AuthError(msg)
    sealed = vault.seal(secret, key_file=(config or AuthConfig()).secret_key_file)
    with store.begin(write=True) as conn:
        _update_account(conn, store, principal.username, totp_secret=sealed)
    store.audit_event("totp_enrol", principal=principal, obj=f"accounts/{principal.username}")


def seal_plain_secrets(store, *, config: AuthConfig) -> int:
    """Seal every TOTP secret still stored in clear (from before ``gis.auth.vault``);
    return how many. Run by ``python -m gis init``; idempotent."""
    table = store.tables["accounts"]
    with store.begin(write=True) as conn:
        rows = conn.execute(select(table.c.username, table.c.totp_secret)
                            .where(table.c.totp_secret.is_not(None))).all()
        plain = [(name, secret) for name, secret in rows if secret and not vault.is_sealed(secret)]
        for name, secret in plain:
            conn.execute(table.update().where(table.c.username == name)
                         .values(totp_secret=vault.seal(secret, key_file=config.secret_key_file)))
    if plain:
        store.audit_event("totp_seal", principal=SYSTEM, obj="accounts", detail=f"{len(plain)} secret(s) sealed")
    return len(plain)


def totp_qr_svg(uri: str) -> str:
    """The ``otpauth://`` URI as an inline SVG QR code, made offline by ``segno`` (for the
    authenticator app's camera; nothing is fetched)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#1b2733", light="#ffffff")


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


def role_label(role: str, lang: str = "zh") -> str:
    zh, en = ROLES.get(role, (role, role))
    return en if lang == "en" else zh
