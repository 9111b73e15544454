"""gis.auth in the core, on SQLite and PostGIS: Argon2 hashing, strength, renewal, lock-out,
rate limits, idle sessions, one session per account, TOTP, the trusted header, kiosk tokens,
and the append-only audit trail (refused by database trigger)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from gis.auth import accounts, passwords
from gis.auth.accounts import authenticate, create_account, resume
from gis.auth.config import AuthConfig
from gis.errors import AuthError, ValidationError

FAST = AuthConfig(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)
GOOD = "Kx9-vault-Lamp"


def _set(store, table: str, key: str, value, **values) -> None:
    t = store.tables[table]
    column = "username" if table == "accounts" else "id"
    with store.begin(write=True) as conn:
        conn.execute(t.update().where(t.c[column] == key).values(**values))


def _stamp(store, moment: dt.datetime):
    return moment if store.backend == "postgis" else moment.isoformat(timespec="microseconds")


def _events(store, action: str) -> list[tuple]:
    t = store.tables["audit_log"]
    with store.begin() as conn:
        return [tuple(r) for r in conn.execute(select(t.c.username, t.c.address, t.c.result, t.c.object)
                                               .where(t.c.action == action).order_by(t.c.id))]


def test_argon2_hash_never_stores_the_password(store):
    config = AuthConfig()   # the configured (default) Argon2 parameters
    create_account(store, "zhang", role="planner", password=GOOD, config=config)
    with store.begin() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM accounts")) for v in row)
        audit = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)
    assert GOOD not in dump and GOOD not in audit
    (stored,) = [v for v in dump.split() if v.startswith("$argon2id$")]
    assert "m=65536,t=3,p=4" in stored
    assert passwords.verify_password(stored, GOOD, config=config)
    assert not passwords.verify_password(stored, GOOD + "x", config=config)


@pytest.mark.parametrize("weak,rule", [("Kx9-va", "至少 10 个字符"), ("alllowercaseletters", "至少包含"),
                                       ("zhang-Pass-2024", "不能包含用户名")])
def test_weak_passwords_are_refused_with_the_rule(store, weak, rule):
    with pytest.raises(AuthError, match=rule) as caught:
        create_account(store, "zhang", role="planner", password=weak, config=FAST)
    assert weak not in str(caught.value)
    assert accounts.count_accounts(store) == 0


def test_sql_or_html_in_a_username_is_refused_and_changes_nothing(store):
    for name in ("x'; DROP TABLE accounts; --", "<script>alert(1)</script>", "a", ""):
        with pytest.raises(ValidationError, match="用户名只能"):
            create_account(store, name, role="viewer", password=GOOD, config=FAST)
    with pytest.raises(AuthError, match="用户名或密码错误"):
        authenticate(store, "x' OR '1'='1", "whatever", address="10.0.0.9", config=FAST)
    assert accounts.count_accounts(store) == 0
    assert _events(store, "sign_in")[-1][2] == "failed: invalid user name"


def test_one_time_password_and_renewal(store):
    one_time = create_account(store, "li", role="viewer", config=FAST)
    signed = authenticate(store, "li", one_time, address="10.0.0.1", config=FAST)
    assert signed.must_change_password
    with pytest.raises(AuthError, match="当前密码不正确"):
        accounts.change_password(store, signed.principal, "wrong", GOOD, config=FAST)
    with pytest.raises(AuthError, match="密码强度不足"):
        accounts.change_password(store, signed.principal, one_time, "short", config=FAST)
    accounts.change_password(store, signed.principal, one_time, GOOD, config=FAST)
    assert not resume(store, signed.token, address="10.0.0.1", config=FAST).must_change_password
    # 91 days later the password has expired: the session says it must be renewed
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=FAST.password_max_age_days + 1)
    _set(store, "accounts", "li", None, password_changed_at=_stamp(store, old))
    assert resume(store, signed.token, address="10.0.0.1", config=FAST).must_change_password
    assert authenticate(store, "li", GOOD, address="10.0.0.1", config=FAST).must_change_password


def test_five_wrong_passwords_lock_the_account(store):
    create_account(store, "wang", role="planner", password=GOOD, config=FAST)
    for _ in range(4):
        with pytest.raises(AuthError, match="用户名或密码错误"):
            authenticate(store, "wang", "Wrong-pass-123", address="10.0.0.2", config=FAST)
    with pytest.raises(AuthError, match="账号已锁定 15 分钟"):
        authenticate(store, "wang", "Wrong-pass-123", address="10.0.0.2", config=FAST)
    with pytest.raises(AuthError, match="账号已锁定"):   # even the right password, while locked
        authenticate(store, "wang", GOOD, address="10.0.0.2", config=FAST)
    assert _events(store, "lock_out") == [("wang", "10.0.0.2", "locked", "accounts/wang")]
    results = [r[2] for r in _events(store, "sign_in")]
    assert results == ["failed: wrong password"] * 5 + ["failed: locked"]
    # the lock expires after lock_minutes
    _set(store, "accounts", "wang", None,
         locked_until=_stamp(store, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert authenticate(store, "wang", GOOD, address="10.0.0.2", config=FAST).principal.role == "planner"
    # the per-account rate limit (10 failures per 15 minutes, whatever the address) holds on
    for _ in range(4):
        with pytest.raises(AuthError):
            authenticate(store, "wang", "Wrong-pass-123", address="10.0.0.3", config=FAST)
    with pytest.raises(AuthError, match="该账号登录失败过于频繁"):
        authenticate(store, "wang", "Wrong-pass-123", address="10.0.0.3", config=FAST)


def test_rate_limits_per_address_and_per_account(store):
    config = AuthConfig(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1,
                        rate_limit_address=3, rate_limit_account=4, max_failures=100)
    for name in ("a1", "a2"):
        create_account(store, name, role="viewer", password=GOOD, config=config)
    for name in ("a1", "a2", "nobody"):
        with pytest.raises(AuthError):
            authenticate(store, name, "Wrong-pass-1", address="10.9.9.9", config=config)
    with pytest.raises(AuthError, match="此地址登录失败次数过多"):   # right password, refused address
        authenticate(store, "a2", GOOD, address="10.9.9.9", config=config)
    assert authenticate(store, "a2", GOOD, address="10.9.9.8", config=config)   # other address fine
    for k in range(3):   # spread over addresses: the account's own limit
        with pytest.raises(AuthError):
            authenticate(store, "a1", "Wrong-pass-1", address=f"10.1.0.{k}", config=config)
    with pytest.raises(AuthError, match="该账号登录失败过于频繁"):
        authenticate(store, "a1", GOOD, address="10.2.0.1", config=config)


def test_sessions_idle_out_and_one_live_session_per_account(store):
    create_account(store, "zhao", role="viewer", password=GOOD, config=FAST)
    first = authenticate(store, "zhao", GOOD, address="10.0.0.4", config=FAST)
    state = resume(store, first.token, address="10.0.0.4", config=FAST)
    assert state.principal.username == "zhao" and state.principal.role == "viewer"
    second = authenticate(store, "zhao", GOOD, address="10.0.0.5", config=FAST)
    assert resume(store, first.token, address="10.0.0.4", config=FAST) is None   # replaced
    assert resume(store, second.token, address="10.0.0.5", config=FAST) is not None
    assert resume(store, "forged-token", address="10.0.0.5", config=FAST) is None
    idle = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=FAST.idle_minutes + 1)
    _set(store, "sessions", accounts.token_id(second.token), None, last_seen=_stamp(store, idle))
    assert resume(store, second.token, address="10.0.0.5", config=FAST) is None
    assert _events(store, "session_expired")[0][:3] == ("zhao", "10.0.0.5", "idle")
    third = authenticate(store, "zhao", GOOD, address="10.0.0.5", config=FAST)
    accounts.sign_out(store, third.token, address="10.0.0.5")
    assert resume(store, third.token, address="10.0.0.5", config=FAST) is None
    assert _events(store, "sign_out") == [("zhao", "10.0.0.5", "ok", "accounts/zhao")]
    for _ in range(5):
        with pytest.raises(AuthError):
            authenticate(store, "zhao", "Wrong-pass-123", address="10.0.0.5", config=FAST)
    fresh = accounts.reset_password(store, "zhao", config=FAST)   # unlocks, one-time password
    assert authenticate(store, "zhao", fresh, address="10.0.0.5", config=FAST).must_change_password
    accounts.disable_account(store, "zhao")
    with pytest.raises(AuthError, match="账号已停用"):
        authenticate(store, "zhao", GOOD, address="10.0.0.5", config=FAST)


def test_totp_is_required_for_admin_roles_and_checked_at_sign_in(store):
    create_account(store, "admin1", role="account_admin", password=GOOD, config=FAST)
    signed = authenticate(store, "admin1", GOOD, address="10.0.0.6", config=FAST)
    assert signed.must_enrol_totp
    secret = accounts.new_totp_secret()
    assert accounts.totp_uri(secret, "admin1", config=FAST).startswith("otpauth://totp/")
    with pytest.raises(AuthError, match="动态口令不正确"):
        accounts.enrol_totp(store, signed.principal, secret, "000000")
    accounts.enrol_totp(store, signed.principal, secret, pyotp.TOTP(secret).now())
    assert not resume(store, signed.token, address="10.0.0.6", config=FAST).must_enrol_totp
    with pytest.raises(AuthError, match="需要正确的动态口令"):
        authenticate(store, "admin1", GOOD, address="10.0.0.6", config=FAST)
    with pytest.raises(AuthError, match="需要正确的动态口令"):
        authenticate(store, "admin1", GOOD, address="10.0.0.6", config=FAST, totp="123456")
    ok = authenticate(store, "admin1", GOOD, address="10.0.0.6", config=FAST,
                      totp=pyotp.TOTP(secret).now())
    assert not ok.must_enrol_totp
    create_account(store, "plain", role="viewer", password=GOOD, config=FAST)
    assert not authenticate(store, "plain", GOOD, address="10.0.0.6", config=FAST).must_enrol_totp


def test_trusted_header_only_from_trusted_proxies(store):
    create_account(store, "pki_user", role="viewer", password=GOOD, config=FAST)
    off = FAST
    on = AuthConfig(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1,
                    trusted_header="X-SSL-Client-User", trusted_proxies=("10.8.0.0/24",))
    with pytest.raises(AuthError, match="受信任网关"):
        accounts.sign_in_trusted(store, "pki_user", address="10.8.0.7", config=off)
    with pytest.raises(AuthError, match="受信任网关"):
        accounts.sign_in_trusted(store, "pki_user", address="10.9.0.7", config=on)
    with pytest.raises(AuthError, match="不存在或已停用"):
        accounts.sign_in_trusted(store, "ghost", address="10.8.0.7", config=on)
    signed = accounts.sign_in_trusted(store, "pki_user", address="10.8.0.7", config=on)
    assert resume(store, signed.token, address="10.8.0.7", config=on).principal.username == "pki_user"


def test_kiosk_tokens(store):
    token = accounts.issue_kiosk_token(store, "wall1")
    principal = accounts.kiosk_principal(store, token, address="10.0.0.7")
    assert principal.role == "kiosk" and principal.username == "kiosk:wall1"
    assert accounts.kiosk_principal(store, token + "x", address="10.0.0.7") is None
    assert accounts.revoke_kiosk_tokens(store, "wall1") == 1
    assert accounts.kiosk_principal(store, token, address="10.0.0.7") is None


def test_audit_log_is_append_only_by_trigger(store):
    create_account(store, "sun", role="viewer", password=GOOD, config=FAST)
    with store.begin() as conn:
        before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    assert before >= 1
    for statement in ("UPDATE audit_log SET result = 'tampered'", "DELETE FROM audit_log"):
        with pytest.raises(SQLAlchemyError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    if store.backend == "postgis":
        with pytest.raises(SQLAlchemyError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    with store.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE result = 'tampered'")).scalar_one() == 0


def test_config_keeps_audit_at_least_180_days_and_refuses_unknown_keys(settings):
    assert AuthConfig.from_settings(settings).audit_keep_days == 180
    with pytest.raises(ValidationError, match="至少 180|at least 180|不得少于 180"):
        AuthConfig.from_settings(settings, audit_keep_days=30)
    with pytest.raises(ValidationError, match="unknown"):
        AuthConfig.from_settings(settings, max_failure=3)


def test_addresses_are_normalised_and_trusted_proxies_match_networks():
    assert accounts.normalise_address("::ffff:127.0.0.1") == "127.0.0.1"
    assert accounts.normalise_address("10.0.0.1") == "10.0.0.1" and accounts.normalise_address(None) is None
    on = AuthConfig(trusted_header="X-User", trusted_proxies=("10.8.0.0/24", "192.168.1.5"))
    assert accounts.trusted_proxy("::ffff:10.8.0.9", config=on)
    assert accounts.trusted_proxy("192.168.1.5", config=on) and not accounts.trusted_proxy("192.168.1.6", config=on)
    assert not accounts.trusted_proxy("not-an-ip", config=on)
