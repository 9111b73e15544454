"""``python -m gis [--db URL] init`` — create or migrate the schema (idempotent)."""

from __future__ import annotations

import argparse

from gis.config import Settings
from gis.store import open_store


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
    finally:
        store.close()
    return 0
