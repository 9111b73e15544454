"""``python -m gis [--db URL] init`` — create or migrate the schema (idempotent)."""

from __future__ import annotations

import argparse

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.commands.user import cli_principal
from gis.config import Settings
from gis.store import open_store

FIRST_ADMIN = "admin"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults()


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.database_url)
    try:
        applied = store.init()
        if applied:
            print(f"数据库结构已更新 / schema applied: {', '.join(applied)} → {store.display_url}")
        else:
            print(f"数据库结构已是最新 / schema up to date: {store.display_url}")
        config = AuthConfig.from_settings(settings)
        sealed = accounts.seal_plain_secrets(store, config=config)
        if sealed:
            print(f"已加密保存 {sealed} 个动态口令密钥 / sealed {sealed} TOTP secret(s) stored in clear")
        if accounts.count_accounts(store) == 0:
            password = accounts.create_account(store, FIRST_ADMIN, role="account_admin",
                                               config=config,
                                               display_name="账号管理员", by=cli_principal())
            print(f"已创建首个管理员账号 / first administrator created: {FIRST_ADMIN}")
            print(f"一次性密码（首次登录须修改并绑定动态口令） / one-time password (change it and enrol "
                  f"TOTP at the first sign-in): {password}")
    finally:
        store.close()
    return 0
