"""``python -m gis [--db URL] user add|list|disable|reset|role|kiosk`` — manage accounts.

The command line acts as the local system administrator (audited as ``cli:<os user>``).
Passwords are read from stdin with ``--password-stdin`` or generated as a one-time password
that must be changed at the first sign-in; they are never taken as an argument.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.auth.policy import ACCOUNT_ROLES
from gis.auth.principal import Principal
from gis.config import Settings
from gis.errors import ValidationError
from gis.store import open_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="新建账号 / create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ACCOUNT_ROLES)
    add.add_argument("--jurisdiction", help="派出所编号（station 角色必填） / police station id")
    add.add_argument("--display-name", help="显示名 / display name")
    add.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取密码（否则生成一次性密码） / read the password from stdin")
    sub.add_parser("list", help="列出账号 / list accounts")
    disable = sub.add_parser("disable", help="停用账号 / disable an account")
    disable.add_argument("name")
    disable.add_argument("--enable", action="store_true", help="重新启用 / enable again")
    reset = sub.add_parser("reset", help="重置为一次性密码并解锁 / one-time password, unlock")
    reset.add_argument("name")
    reset.add_argument("--clear-totp", action="store_true", help="同时解绑动态口令 / also remove TOTP")
    role = sub.add_parser("role", help="修改角色 / change the role")
    role.add_argument("name")
    role.add_argument("role", choices=ACCOUNT_ROLES)
    role.add_argument("--jurisdiction", help="派出所编号 / police station id")
    kiosk = sub.add_parser("kiosk", help="签发大屏令牌 / issue a wall-display kiosk token")
    kiosk.add_argument("--name", default="wall", help="大屏名称 / display name (default wall)")
    kiosk.add_argument("--revoke", action="store_true", help="吊销该名称的全部令牌 / revoke its tokens")


def cli_principal() -> Principal:
    """The local administrator at the console."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Principal(f"cli:{who}"[:64], "system", address="local")


def run(args: argparse.Namespace, settings: Settings) -> int:
    config = AuthConfig.from_settings(settings)
    by = cli_principal()
    store = open_store(settings.database_url)
    try:
        store.init()
        command = args.user_command
        if command == "add":
            password = None
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
                if not password:
                    msg = "标准输入中没有密码 / no password on stdin"
                    raise ValidationError(msg)
            made = accounts.create_account(store, args.name, role=args.role, config=config,
                                           jurisdiction_id=args.jurisdiction, password=password,
                                           display_name=args.display_name, by=by)
            print(f"已创建账号 / account created: {args.name} ({args.role})")
            if password is None:
                print(f"一次性密码（首次登录须修改） / one-time password (change at first sign-in): {made}")
        elif command == "list":
            frame = accounts.list_accounts(store, by=by)
            if frame.empty:
                print("尚无账号 / no accounts; run `python -m gis init`")
            for row in frame.itertuples():
                flags = [f for f, on in (("停用/disabled", row.disabled), ("演示账号", row.demo),
                                         ("TOTP", row.totp), ("须改密码/must change", row.must_change),
                                         ("锁定/locked", row.locked_until is not None)) if on]
                print(f"{row.username:<20} {row.role:<14} {row.jurisdiction_id or '-':<16} {' '.join(flags)}")
        elif command == "disable":
            accounts.disable_account(store, args.name, by=by, enable=args.enable)
            print(f"{'已启用' if args.enable else '已停用'} / {'enabled' if args.enable else 'disabled'}: {args.name}")
        elif command == "reset":
            password = accounts.reset_password(store, args.name, config=config, by=by,
                                               clear_totp=args.clear_totp)
            print(f"一次性密码（登录后须修改） / one-time password (change at sign-in): {password}")
        elif command == "role":
            accounts.set_role(store, args.name, args.role, jurisdiction_id=args.jurisdiction, by=by)
            print(f"已修改角色 / role changed: {args.name} → {args.role}")
        elif command == "kiosk":
            if args.revoke:
                count = accounts.revoke_kiosk_tokens(store, args.name, by=by)
                print(f"已吊销 / revoked {count} token(s) of {args.name}")
            else:
                token = accounts.issue_kiosk_token(store, args.name, by=by)
                print(f"大屏令牌 / kiosk token ({args.name}): {token}")
                print(f"大屏地址 / wall URL: http://HOST:8501/?view=wall&kiosk={token}")
    finally:
        store.close()
    return 0
