"""``python -m gis patrol --window HH:MM-HH:MM|am|noon|pm --units N --out DIR`` — peak-hour
patrol routes and the route sheets (PDF per unit, GPX, KML, XLSX, GeoJSON, summary.json, zip).

The layers come from the store, travel times from the road engine at the shift's peak speeds,
weak and critical campuses from ``gis.coverage.assess_campuses`` (when scoring cannot run,
every school is an optional stop with the default priority, and the output says so).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from pathlib import Path

from gis.config import Settings
from gis.errors import DataSourceError, GisError, ValidationError
from gis.io.paths import check_output_dir

LAYERS = ("schools", "police_posts", "cameras", "crossings", "risk_sites", "roads")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--window", default="am",
                        help="巡逻时段 HH:MM-HH:MM，或 am / noon / pm（见 [routing.windows]）")
    parser.add_argument("--units", type=int, default=None,
                        help="巡逻单位数（默认每个有车辆的派出所/巡逻点一个）")
    parser.add_argument("--out", required=True, type=Path, help="输出目录")
    parser.add_argument("--time-limit", type=float, default=None, help="求解时限（秒）")
    parser.add_argument("--seed", type=int, default=None, help="随机种子（相同种子结果相同）")
    parser.add_argument("--solver", choices=("pyvrp", "ortools"), default=None, help="求解器")
    parser.add_argument("--dwell", type=float, default=None, help="每个校门停留分钟数")
    parser.add_argument("--mandatory-only", action="store_true",
                        help="只安排薄弱、严重薄弱校园（必到点）")
    parser.add_argument("--no-risk-sites", action="store_true", help="不把风险点位作为可选点")
    parser.add_argument("--date", default=None, help="执勤日期（印在路线单上，默认今天）")


def load_inputs(settings: Settings):
    """Layers, road graph, assessment (or ``None`` with the reason), data version, area name."""
    from gis.network import load_road_graph
    from gis.store import open_store

    store = open_store(settings.database_url)
    layers = {name: store.read_layer(name) for name in LAYERS}
    if len(layers["schools"]) == 0 or len(layers["police_posts"]) == 0:
        msg = ("数据库中没有学校或警务点，请先运行 `python -m gis demo` 或导入数据 / "
               "no schools or police posts: run `python -m gis demo` or import them")
        raise ValidationError(msg)
    if len(layers["roads"]) == 0:
        msg = "数据库中没有道路，请先导入 roads / no roads in the database: import roads first"
        raise ValidationError(msg)
    graph = load_road_graph(layers["roads"], settings=settings)
    assessment, why = None, ""
    try:
        from gis.coverage import assess_campuses

        assessment = assess_campuses(layers, graph=graph, settings=settings)
    except (GisError, ImportError) as exc:
        why = str(exc)
    area = store.get_meta("area_name_zh") or ""
    return layers, graph, assessment, why, str(store.data_version()), area


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse impossible options with one clear line, before any work."""
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        msg = "--time-limit 必须是大于 0 的秒数 / --time-limit must be a positive number of seconds"
        raise ValidationError(msg)
    if args.dwell is not None and not (math.isfinite(args.dwell) and 0 < args.dwell <= 240):
        msg = (f"--dwell 应为 0–240 之间的分钟数（不含 0），收到 {args.dwell:g} / --dwell must be minutes "
               f"between 0 and 240, got {args.dwell:g}")
        raise ValidationError(msg)
    if args.seed is not None and not 0 <= args.seed < 2 ** 31:
        msg = f"--seed 应为 0 到 2147483647 之间的整数，收到 {args.seed} / --seed must be 0 … 2147483647"
        raise ValidationError(msg)
    if args.units is not None and not 1 <= args.units <= 500:
        msg = f"--units 应为 1 到 500 之间的整数，收到 {args.units} / --units must be 1 … 500"
        raise ValidationError(msg)
    if args.date is not None:
        args.date = parse_duty_date(args.date)


def parse_duty_date(text: str) -> str:
    """``YYYY-MM-DD`` (a real calendar day) → the same text; anything else is refused."""
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        msg = (f"--date 不是有效日期：{text!r}，请写成 YYYY-MM-DD（如 2024-09-02） / --date {text!r} is not a "
               f"calendar date: use YYYY-MM-DD, e.g. 2024-09-02")
        raise ValidationError(msg) from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gis.reports import write_route_sheets
    from gis.routing.plan import plan_patrols

    check_arguments(args)
    check_output_dir(args.out, option="--out")
    layers, graph, assessment, why, version, area = load_inputs(settings)
    if assessment is None:
        print(f"提示：校园评分不可用（{why}），所有学校按默认优先级作为可选点 / scoring unavailable: "
              "every school is optional with the default priority", file=sys.stderr)
    plan = plan_patrols(layers, graph=graph, settings=settings, window=args.window,
                        units=args.units, solver=args.solver, time_limit=args.time_limit,
                        seed=args.seed, assessment=assessment, data_version=version,
                        duty_date=args.date, include_optional=not args.mandatory_only,
                        include_risk_sites=False if args.no_risk_sites else None,
                        dwell_min=args.dwell)
    try:
        files = write_route_sheets(plan, args.out, roads=layers["roads"], area_name=area)
    except OSError as exc:
        msg = f"无法写入输出目录 {args.out}：{exc.strerror or exc} / cannot write to {args.out}"
        raise DataSourceError(msg) from exc
    s = plan.summary()
    print(f"巡逻时段 {s['window']}：{len(s['units'])} 个单位，安排 {s['stops_served']}/{s['stops_total']} "
          f"个点位（必到 {s['mandatory_served']}/{s['mandatory_total']}），总行驶 {s['total_travel_min']} 分钟")
    print(f"window {s['window']}: {len(s['units'])} units, {s['stops_served']}/{s['stops_total']} stops "
          f"served (mandatory {s['mandatory_served']}/{s['mandatory_total']}), "
          f"{s['total_travel_min']} min driving")
    for item in s["unserved"]:
        flag = "必到" if item["mandatory"] else "可选"
        print(f"  未安排[{flag}] {item['name']}：{item['reason_zh']} / {item['reason_en']}")
    print(f"已写出 {sum(len(v) for v in files.values())} 个文件 → {args.out} "
          f"（{files['zip'][0].name}）")
    return 0
