"""``python -m gis report monthly --month YYYY-MM --out DIR`` and ``report meeting --out FILE.pdf``.

monthly: one A4 PDF per 派出所 and one for the county (CJK font embedded) and an XLSX with one
sheet per 派出所 (``gis.reports.monthly``); the month's snapshot is stored so next month's
report shows the change. meeting: the joint-meeting pack (``gis.reports.meeting``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from gis.config import Settings
from gis.errors import ValidationError
from gis.io.paths import check_output_dir, check_output_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=("monthly", "meeting"), help="monthly 月报 | meeting 联席会议材料")
    parser.add_argument("--month", help="月份 YYYY-MM（月报；默认本月）")
    parser.add_argument("--out", required=True, type=Path, help="月报输出目录 / 会议材料 PDF 文件")
    parser.add_argument("--jurisdiction", action="append", default=None, metavar="ID",
                        help="只出该派出所（可重复）/ only this 派出所 (repeatable)")
    parser.add_argument("--today", help="统计截止日 YYYY-MM-DD（默认今天）/ count up to this day")
    parser.add_argument("--no-snapshot", action="store_true", help="不保存月度快照 / do not store the snapshot")
    parser.add_argument("--actor", default="local", help="审计日志中的操作人 / audit actor")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gis.cycle import parse_month
    from gis.store import open_store

    store = open_store(settings.database_url)
    store.init()
    try:
        today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    except ValueError as exc:
        msg = f"--today 应写成 YYYY-MM-DD，收到 {args.today!r} / --today must be YYYY-MM-DD"
        raise ValidationError(msg) from exc
    if len(store.read_layer("schools")) == 0:
        msg = ("数据库中没有学校，请先运行 `python -m gis demo` 或导入 schools / "
               "no schools in the database: run `python -m gis demo` or import schools")
        raise ValidationError(msg)
    if args.kind == "monthly":
        from gis.reports.monthly import produce_monthly_report

        month = args.month or today.strftime("%Y-%m")
        parse_month(month)
        check_output_dir(args.out, option="--out")
        figures, files = produce_monthly_report(store, settings=settings, month=month, out_dir=args.out,
                                                today=today, jurisdictions=args.jurisdiction,
                                                actor=args.actor, save_snapshot=not args.no_snapshot,
                                                workers=max(1, min(os.cpu_count() or 1, 8)))
        county = figures.row("全县")
        print(f"月报 {month}：PDF {len(files['pdf'])} 份，XLSX {files['xlsx'][0].name} → {args.out}")
        print(f"monthly report {month}: {len(files['pdf'])} PDFs; county: inspections "
              f"{county['inspections_done']}/{county['inspections_required']}, notices opened "
              f"{county['notices_opened']}, closed {county['notices_closed']}, overdue {county['notices_overdue']}")
        return 0
    from gis.reports.meeting import produce_meeting_pack

    if args.out.suffix.lower() != ".pdf":
        msg = f"会议材料请输出为 .pdf 文件，收到 {args.out.name} / the meeting pack is a .pdf file"
        raise ValidationError(msg)
    check_output_file(args.out, option="--out")
    path = produce_meeting_pack(store, settings=settings, out=args.out, today=today,
                                jurisdictions=args.jurisdiction)
    print(f"联席会议材料 / meeting pack → {path}")
    return 0
