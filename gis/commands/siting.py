"""``python -m gis siting --kind office|kiosk|camera|crossing …`` — where new posts, cameras or
护学岗 officers help most, solved exactly (HiGHS), with before/after.

Writes into ``--out``: ``proposals.geojson`` (the sites, each with ``newly_reached``),
``summary.json`` (``before_covered``, ``after_covered``, ``objective``, ``gap``, ``solver``,
``seconds``, ``uncoverable`` …), ``scenario.xlsx`` and the one-page ``scenario.pdf``.
``--save NAME`` also stores the scenario in the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from gis.config import Settings
from gis.errors import DataSourceError, ValidationError
from gis.io.paths import check_output_dir

LAYERS = ("schools", "police_posts", "cameras", "crossings", "risk_sites", "roads")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=("office", "kiosk", "camera", "crossing"),
                        help="警务室 office / 岗亭 kiosk / 视频监控 camera / 护学岗警力 crossing")
    parser.add_argument("--add", type=int, default=1, help="新增点位数 K（摄像机台数；迁移时为迁移数 M）")
    parser.add_argument("--minutes", type=float, default=None, help="到达标准 T（分钟，默认 [siting] minutes）")
    parser.add_argument("--peak", choices=("am", "pm"), default=None, help="高峰时段车速（默认 [siting] peak）")
    parser.add_argument("--candidates", type=Path, default=None,
                        help="候选点文件（CSV/XLSX/GeoJSON，编号/名称/经度/纬度）；默认取路网交叉口和沿路点")
    parser.add_argument("--model", choices=("mclp", "setcover", "relocate"), default="mclp",
                        help="mclp 最大覆盖 / setcover 最少点位全覆盖 / relocate 迁移现有岗亭")
    parser.add_argument("--time-limit", type=float, default=None, help="求解时限（秒）")
    parser.add_argument("--officers", type=int, default=None, help="护学岗可用警力（民警+辅警）人数 N")
    parser.add_argument("--solver", choices=("highs", "scipy"), default=None, help="HiGHS 接口")
    parser.add_argument("--save", default=None, metavar="NAME", help="同时以此名称保存方案到数据库")
    parser.add_argument("--actor", default=None,
                        help="保存方案时记录的操作人（默认当前系统用户 cli:<user>） / who saves (audit, created_by)")
    parser.add_argument("--out", required=True, type=Path, help="输出目录")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gis.network import load_road_graph
    from gis.reports.scenario import write_scenario_files
    from gis.siting.candidates import file_candidates
    from gis.siting.config import SitingConfig
    from gis.siting.scenario import run_post_scenario
    from gis.store import open_store

    if args.time_limit is not None and args.time_limit <= 0:
        msg = "--time-limit 必须大于 0 秒 / --time-limit must be positive"
        raise ValidationError(msg)
    if args.add < 0:
        msg = "--add 不能为负数 / --add must be >= 0"
        raise ValidationError(msg)
    config = SitingConfig.from_settings(settings)
    store = open_store(settings.database_url)
    check_output_dir(args.out, option="--out")        # before the solve, not after it
    layers = {name: store.read_layer(name) for name in LAYERS}
    if len(layers["schools"]) == 0 or len(layers["roads"]) == 0:
        msg = ("数据库中没有学校或道路，请先运行 `python -m gis demo` 或导入数据 / "
               "no schools or roads: run `python -m gis demo` or import them")
        raise ValidationError(msg)
    graph = load_road_graph(layers["roads"], settings=settings)
    peak = args.peak or config.peak
    if args.kind in ("office", "kiosk"):
        cands = file_candidates(args.candidates, graph, max_snap_m=config.max_snap_m) if args.candidates else None
        _, result = run_post_scenario(layers, graph=graph, settings=settings, kind=args.kind, model=args.model,
                                      add=args.add, minutes=args.minutes, peak=peak, candidates=cands,
                                      time_limit=args.time_limit, solver=args.solver)
    elif args.kind == "camera":
        from gis.siting.scenario import run_camera_scenario

        _, result = run_camera_scenario(layers, graph=graph, settings=settings, add=args.add, peak=peak,
                                        time_limit=args.time_limit, solver=args.solver)
    else:
        from gis.siting.scenario import run_crossing_scenario

        if args.officers is None:
            msg = "--kind crossing 需要 --officers N（可用民警/辅警人数） / --kind crossing needs --officers N"
            raise ValidationError(msg)
        _, result = run_crossing_scenario(layers, graph=graph, settings=settings, officers=args.officers,
                                          peak=peak, time_limit=args.time_limit, solver=args.solver)
    schools = layers["schools"]
    try:
        files = write_scenario_files(result, args.out, name=args.save or "", roads=layers["roads"],
                                     schools=schools, posts=layers["police_posts"],
                                     area_name=store.get_meta("area_name_zh") or "",
                                     generated_at=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    except OSError as exc:
        msg = f"无法写入输出目录 {args.out}：{exc.strerror or exc} / cannot write to {args.out}"
        raise DataSourceError(msg) from exc
    if args.save:
        from gis.commands.user import cli_principal
        from gis.store.scenarios import save_scenario

        save_scenario(store, name=args.save, kind=args.kind, params=result["summary"].get("params", {}),
                      result=result, overwrite=True, principal=cli_principal(), actor=args.actor)
    s = result["summary"]
    gap = s.get("gap")
    if args.kind == "camera":
        print(f"camera: 盲区 {s['blind_before_m2']} → {s['blind_after_m2']} 平方米（覆盖代码复算） / blind area "
              f"{s['blind_before_m2']} → {s['blind_after_m2']} m² as recomputed by the coverage code")
        print(f"camera: 围墙盲段 {s['boundary_blind_before_m']} → {s['boundary_blind_after_m']} 米 / blind campus "
              f"boundary {s['boundary_blind_before_m']} → {s['boundary_blind_after_m']} m")
    print(f"{args.kind}: 现状 {s.get('before_covered')} → 方案 {s.get('after_covered')}（共 {s.get('schools')} 所学校），"
          f"新增 {s.get('sites', 0)} 处，目标值 {s.get('objective')}，差距 {gap}，{s.get('solver')} {s.get('seconds')} 秒")
    print(f"{args.kind}: before {s.get('before_covered')} → after {s.get('after_covered')} of {s.get('schools')}, "
          f"{s.get('sites', 0)} new, objective {s.get('objective')}, gap {gap}, status {s.get('status')}")
    for item in s.get("uncoverable") or []:
        print(f"  无法覆盖 {item.get('name')}：{item.get('reason_zh')} / {item.get('reason_en')}")
    if result.get("rejected"):
        print(f"  候选点文件中 {len(result['rejected'])} 行被拒绝，原因见 scenario.xlsx / "
              f"{len(result['rejected'])} candidate rows rejected (see scenario.xlsx)")
    print(f"已写出 / written: {', '.join(p.name for p in files.values())} → {args.out}")
    return 0
