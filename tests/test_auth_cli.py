"""``python -m gis init`` creates the first admin; ``python -m gis user …`` manages accounts."""

from __future__ import annotations

import io
import re

import pytest

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.cli import main
from gis.store import open_store


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_creates_the_first_admin_once_with_a_one_time_password(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    code, out, _ = run(capsys, "--db", db, "init")
    assert code == 0 and "first administrator created: admin" in out
    password = re.search(r"one-time password .*: (\S+)", out).group(1)
    code, out, _ = run(capsys, "--db", db, "init")
    assert code == 0 and "admin" not in out
    store = open_store(db)
    try:
        signed = accounts.authenticate(store, "admin", password, address="local", config=AuthConfig())
        assert signed.must_change_password and signed.must_enrol_totp
        assert signed.principal.role == "account_admin"
    finally:
        store.close()


def test_user_commands(tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{tmp_path / 'u.db'}"
    code, out, _ = run(capsys, "--db", db, "user", "add", "zhang", "--role", "planner", "--password-stdin",
                       stdin="Kx9-vault-Lamp\n", monkeypatch=monkeypatch)
    assert code == 0 and "zhang (planner)" in out and "Kx9-vault-Lamp" not in out
    code, out, _ = run(capsys, "--db", db, "user", "add", "li", "--role", "station", "--jurisdiction", "PS-1")
    assert code == 0 and "one-time password" in out
    code, out, err = run(capsys, "--db", db, "user", "add", "<b>x</b>", "--role", "viewer")
    assert code == 2 and "用户名只能" in err and "Traceback" not in err
    code, out, err = run(capsys, "--db", db, "user", "add", "weak", "--role", "viewer", "--password-stdin",
                         stdin="short\n", monkeypatch=monkeypatch)
    assert code == 2 and "密码强度不足" in err and "short" not in err
    code, out, _ = run(capsys, "--db", db, "user", "role", "zhang", "cleared")
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "user", "disable", "li")
    code, out, _ = run(capsys, "--db", db, "user", "list")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "cleared" in lines["zhang"] and "PS-1" in lines["li"] and "disabled" in lines["li"]
    code, out, _ = run(capsys, "--db", db, "user", "reset", "zhang")
    assert code == 0 and "one-time password" in out
    code, out, _ = run(capsys, "--db", db, "user", "kiosk", "--name", "hall")
    token = re.search(r"kiosk=(\S+)", out).group(1)
    store = open_store(db)
    try:
        assert accounts.kiosk_principal(store, token, address="x").role == "kiosk"
        actions = list(store.read_audit()["action"])
        assert {"account_create", "account_role", "account_disable", "account_reset", "kiosk_issue"} <= set(actions)
        assert set(store.read_audit().query("action == 'account_create'")["username"]) == {
            u for u in store.read_audit()["username"] if u.startswith("cli:")}
    finally:
        store.close()
    code, out, err = run(capsys, "--db", db, "user", "role", "nobody", "viewer")
    assert code == 2 and "no account nobody" in err


@pytest.mark.parametrize("command", ["add", "list", "disable", "reset", "role", "kiosk"])
def test_user_help(command, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["user", command, "--help"])
    assert caught.value.code == 0
