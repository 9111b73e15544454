"""``python -m gis [--db URL] demo [--area NAME] [--seed N] [--schools N] [--clear]`` — the demo area.

``--area county-sim`` builds the generated county (``gis/demo_county.py``, ``--schools``
campuses, 1,000 by default) instead of an embedded OSM extract.

Idempotent: loading the same area twice changes nothing; earlier demo rows are replaced
and rows imported by users are never touched. ``--clear`` removes every demo row (and
nothing else) once a deployment has its own data.
"""

from __future__ import annotations

import argparse

from gis.auth.demo import DEMO_PASSWORD
from gis.config import Settings
from gis.demo import clear_demo, load_demo
from gis.demo_areas import AREAS, DEFAULT_AREA, DEFAULT_SEED, OSM_ATTRIBUTION
from gis.demo_county import COUNTY_AREA, DEFAULT_SCHOOLS, load_county
from gis.errors import ValidationError
from gis.store import open_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--area", default=DEFAULT_AREA, choices=sorted([*AREAS, COUNTY_AREA]),
                        help=f"演示区域 / demo area (default {DEFAULT_AREA})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="生成数据的随机种子 / seed of the generated layers")
    parser.add_argument("--schools", type=int, default=DEFAULT_SCHOOLS,
                        help="county-sim 的学校数 / schools of the generated county (default 1000)")
    parser.add_argument("--clear", action="store_true",
                        help="删除全部演示数据（保留用户数据）/ remove all demo rows, keep user rows")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 <= args.seed < 2 ** 32:
        msg = f"--seed 应为 0 到 4294967295 之间的整数，收到 {args.seed} / --seed must be 0 … 4294967295"
        raise ValidationError(msg)
    store = open_store(settings.database_url)
    try:
        if args.clear:
            deleted = clear_demo(store)
            print(f"已删除演示数据 / demo rows removed ({store.display_url}): "
                  + ", ".join(f"{layer} {count}" for layer, count in deleted.items()))
            return 0
        if args.area == COUNTY_AREA:
            summary = load_county(store, schools=args.schools, seed=args.seed)
            print(f"演示区域 / demo area: {store.get_meta('area_name_zh')} "
                  f"({store.get_meta('area_name_en')}) → {store.display_url}")
        else:
            summary = load_demo(store, area=args.area, seed=args.seed)
            area = AREAS[args.area]
            print(f"演示区域 / demo area: {area.name_zh} ({area.name_en}) → {store.display_url}")
        for layer, counts in summary.items():
            print(f"  {layer:<13} 新增 inserted {counts['inserted']:>4}  更新 updated "
                  f"{counts['updated']:>4}  未变 unchanged {counts['unchanged']:>4}  删除 deleted "
                  f"{counts['deleted']:>4}" + (f"  跳过(用户数据) skipped {counts['skipped']}"
                                               if counts["skipped"] else ""))
        if args.area == COUNTY_AREA:
            print("道路、学校、警务点、监控、护学岗与风险点位全部为演示生成数据 / every row is generated "
                  "(source='demo-generated')")
        else:
            print(f"地图数据 / map data {OSM_ATTRIBUTION} (ODbL); 警务点、监控、护学岗、风险点位与学校"
                  f"属性为演示生成数据 / posts, cameras, crossings, risk sites and school attributes "
                  f"are generated (source='demo-generated')")
        print(f"演示账号 / demo accounts: demo_planner, demo_station, demo_viewer, demo_cleared, "
              f"demo_education, demo_governance, demo_accounts, demo_auditor — 密码 / password "
              f"{DEMO_PASSWORD}（仅供演示，正式部署请停用 / demo only: disable them in production）")
    finally:
        store.close()
    return 0
