"""``python -m gis [--db URL] COMMAND …`` — the stable command-line contract of DESIGN.md §6.

Each command lives in ``gis/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args, settings) -> int``. Errors raised as ``gis.errors.GisError`` become one clear
line on stderr and exit status 2; a partly rejected import returns 3 itself.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from gis.config import load_settings
from gis.errors import GisError

COMMANDS = {
    "init": ("init", "创建或升级数据库结构 / create or migrate the schema"),
    "demo": ("demo", "载入内置演示区域 / load the embedded demo area"),
    "import": ("import_layer", "导入图层数据 / import a layer from a file"),
    "coverage": ("coverage", "校园防护评估 / score every school"),
    "isochrones": ("isochrones", "1/3/5 分钟响应圈 / reach polygons per post"),
    "patrol": ("patrol", "高峰巡逻路线 / peak-hour patrol routes"),
    "siting": ("siting", "选址与部署推演 / where new posts, cameras, officers help most"),
    "user": ("user", "账号管理 / manage accounts (add|list|disable|reset|role|kiosk)"),
    "report": ("report", "月报与联席会议材料 / monthly report and joint-meeting pack"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gis", description="护校安园态势图 命令行")
    parser.add_argument("--db", help="数据库 URL（默认 data/app.db 或 $DATABASE_URL）")
    parser.add_argument("--config", help="覆盖默认设置的 TOML 文件 / settings TOML")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(f"gis.commands.{module_name}")
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(command_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(database_url=args.db, config=args.config)
        return int(args.command_module.run(args, settings) or 0)
    except GisError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `… | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
