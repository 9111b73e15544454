"""TOTP secrets are sealed at rest (Fernet, ``gis.auth.vault``) and enrolment offers an
offline QR code (segno), on both back-ends."""

from __future__ import annotations

import re

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from gis.auth import accounts, vault
from gis.auth.config import AuthConfig
from gis.cli import main
from gis.errors import AuthError

FAST = AuthConfig(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)
GOOD = "Kx9-vault-Lamp"


@pytest.fixture(autouse=True)
def own_key(monkeypatch):
    monkeypatch.setenv(vault.KEY_ENV, Fernet.generate_key().decode())


def _stored(store, username: str) -> str | None:
    table = store.tables["accounts"]
    with store.begin() as conn:
        return conn.execute(select(table.c.totp_secret).where(table.c.username == username)).scalar()


def _set_plain(store, username: str, secret: str) -> None:
    table = store.tables["accounts"]
    with store.begin(write=True) as conn:
        conn.execute(table.update().where(table.c.username == username).values(totp_secret=secret))


def test_enrolled_secret_is_sealed_and_sign_in_still_checks_the_code(store):
    accounts.create_account(store, "adm", role="account_admin", password=GOOD, config=FAST)
    signed = accounts.authenticate(store, "adm", GOOD, address="10.0.0.1", config=FAST)
    secret = accounts.new_totp_secret()
    accounts.enrol_totp(store, signed.principal, secret, pyotp.TOTP(secret).now(), config=FAST)
    stored = _stored(store, "adm")
    assert stored.startswith("fernet:") and secret not in stored
    assert vault.unseal(stored) == secret
    with pytest.raises(AuthError, match="动态口令"):
        accounts.authenticate(store, "adm", GOOD, address="10.0.0.1", config=FAST, totp="000000")
    ok = accounts.authenticate(store, "adm", GOOD, address="10.0.0.1", config=FAST, totp=pyotp.TOTP(secret).now())
    assert not ok.must_enrol_totp
    assert accounts.has_totp(store, "adm") and bool(accounts.list_accounts(store).set_index("username").at["adm", "totp"])


def test_plaintext_secrets_are_sealed_by_init_and_at_the_next_sign_in(store, capsys):
    for name in ("old1", "old2"):
        accounts.create_account(store, name, role="viewer", password=GOOD, config=FAST)
    s1, s2 = accounts.new_totp_secret(), accounts.new_totp_secret()
    _set_plain(store, "old1", s1)   # as stored before sealing existed
    _set_plain(store, "old2", s2)
    accounts.authenticate(store, "old1", GOOD, address="10.0.0.2", config=FAST, totp=pyotp.TOTP(s1).now())
    assert vault.is_sealed(_stored(store, "old1")) and vault.unseal(_stored(store, "old1")) == s1
    assert _stored(store, "old2") == s2
    assert main(["--db", store.url, "init"]) == 0
    assert "sealed 1 TOTP secret" in capsys.readouterr().out
    assert vault.unseal(_stored(store, "old2")) == s2 and s2 not in _stored(store, "old2")
    assert accounts.seal_plain_secrets(store, config=FAST) == 0   # idempotent
    accounts.authenticate(store, "old2", GOOD, address="10.0.0.2", config=FAST, totp=pyotp.TOTP(s2).now())


def test_another_key_cannot_check_codes_and_says_why(store, monkeypatch):
    accounts.create_account(store, "adm2", role="auditor", password=GOOD, config=FAST)
    signed = accounts.authenticate(store, "adm2", GOOD, address="10.0.0.3", config=FAST)
    secret = accounts.new_totp_secret()
    accounts.enrol_totp(store, signed.principal, secret, pyotp.TOTP(secret).now(), config=FAST)
    monkeypatch.setenv(vault.KEY_ENV, Fernet.generate_key().decode())
    with pytest.raises(AuthError, match="secret_key_file"):
        accounts.authenticate(store, "adm2", GOOD, address="10.0.0.3", config=FAST, totp=pyotp.TOTP(secret).now())


def test_key_file_is_made_once_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv(vault.KEY_ENV)
    path = tmp_path / "keys" / "totp.key"
    sealed = vault.seal("JBSWY3DPEHPK3PXP", key_file=str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    assert vault.unseal(sealed, key_file=str(path)) == "JBSWY3DPEHPK3PXP"
    key = path.read_bytes()
    vault.seal("JBSWY3DPEHPK3PXP", key_file=str(path))
    assert path.read_bytes() == key
    path.write_text("not a key\n")
    with pytest.raises(Exception, match="Fernet"):
        vault.seal("JBSWY3DPEHPK3PXP", key_file=str(path))


def test_qr_code_is_an_offline_svg_of_the_otpauth_uri():
    secret = accounts.new_totp_secret()
    uri = accounts.totp_uri(secret, "zhang", config=FAST)
    svg = accounts.totp_qr_svg(uri)
    assert svg.startswith("<svg") and "<path" in svg
    assert not re.search(r"(href|src)=", svg) and secret not in svg   # no link, the secret not as text
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    assert 100 <= size <= 400   # modules at scale 4: an authenticator's camera reads it on screen
