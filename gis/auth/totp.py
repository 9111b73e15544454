"""TOTP (authenticator app codes): secrets, the ``otpauth://`` URI and QR code, enrolment.

Secrets are stored sealed (``gis.auth.vault``); ``seal_plain_secrets`` seals ones stored in
clear before the vault existed.
"""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from gis.auth import vault
from gis.auth.account_rows import _update_account
from gis.auth.config import AuthConfig
from gis.auth.principal import SYSTEM, Principal
from gis.errors import AuthError


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
