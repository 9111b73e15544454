"""`python -m gis coverage` — not implemented yet."""

from __future__ import annotations

import argparse

from gis.config import Settings
from gis.errors import GisError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, settings: Settings) -> int:
    msg = "此命令尚未实现 / not implemented yet"
    raise GisError(msg)
