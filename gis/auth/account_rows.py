"""Account rows and tokens: time stamps for either back-end, ids, checks and lookups.

Shared by ``gis.auth.accounts`` (administration), ``gis.auth.signin``,
``gis.auth.sessions`` and ``gis.auth.totp``; nothing here writes the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from sqlalchemy import select

from gis.auth.policy import ACCOUNT_ROLES
from gis.auth.principal import Principal
from gis.errors import ValidationError

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")


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

