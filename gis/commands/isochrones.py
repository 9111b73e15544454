"""``python -m gis isochrones --minutes 1,3,5 --out FILE.geojson [--peak am|pm]``.

Reads ``roads`` and ``police_posts`` from the store (or ``--roads`` / ``--posts`` files)
and writes one GeoJSON feature per post and band: ``post_id, minutes, area_km2,
circle_radius_m, circle_reach_share`` (plus ``circle_area_km2``, ``peak``), EPSG:4326.
``--circles FILE`` also writes the naive circles.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import geopandas as gpd

from gis import OSM_ATTRIBUTION
from gis.config import Settings
from gis.errors import DataSourceError, ValidationError
from gis.io.paths import check_output_file
from gis.network import NetworkConfig, load_road_graph, reach_polygons

OUTPUT_COLUMNS = ["post_id", "minutes", "area_km2", "circle_radius_m", "circle_reach_share",
                  "circle_area_km2", "peak"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", default=None,
                        help="时间圈（分钟，逗号分隔），默认 1,3,5 / bands in minutes, e.g. 1,3,5")
    parser.add_argument("--out", required=True, help="输出 GeoJSON 文件 / output .geojson")
    parser.add_argument("--peak", choices=("am", "pm"), default=None,
                        help="早/晚高峰系数 / apply the AM or PM peak factors")
    parser.add_argument("--roads", default=None,
                        help="道路文件（OSM 或线图层），默认读数据库 / road file instead of the store")
    parser.add_argument("--posts", default=None,
                        help="警务点文件（GeoJSON 等），默认读数据库 / posts file instead of the store")
    parser.add_argument("--circles", default=None,
                        help="另存朴素圆形为 GeoJSON / also write the naive circles to this file")


def parse_minutes(text: str | None, default: tuple[float, ...]) -> tuple[float, ...]:
    """``"1,3,5"`` → ``(1.0, 3.0, 5.0)``; a clear error for anything else."""
    if not text:
        return default
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or any(not math.isfinite(v) or v <= 0 or v > 120 for v in values):
        msg = (f"--minutes 参数无效：{text!r}，应为逗号分隔的正数分钟，如 1,3,5 / invalid --minutes "
               f"{text!r}: give positive minutes separated by commas, e.g. 1,3,5")
        raise ValidationError(msg)
    return values


def load_inputs(args: argparse.Namespace, settings: Settings):
    """Roads source and posts GeoDataFrame, from files or the store."""
    store = None
    if args.roads is None or args.posts is None:
        from gis.store import open_store

        store = open_store(settings.database_url)
    roads = Path(args.roads) if args.roads else store.read_layer("roads")
    if args.posts:
        try:
            posts = gpd.read_file(args.posts, engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types for unreadable files
            msg = f"无法读取警务点文件 / cannot read posts file {args.posts}: {exc}"
            raise DataSourceError(msg) from exc
    else:
        posts = store.read_layer("police_posts")
    if not isinstance(roads, Path) and len(roads) == 0:
        msg = ("数据库中没有道路，请先运行 python -m gis demo 或导入 roads / no roads in the "
               "database: run `python -m gis demo` or import a roads layer first")
        raise ValidationError(msg)
    if len(posts) == 0:
        msg = ("没有警务点，请先导入 police_posts / no police posts: import the police_posts layer "
               "first")
        raise ValidationError(msg)
    return roads, posts


def run(args: argparse.Namespace, settings: Settings) -> int:
    config = NetworkConfig.from_settings(settings)
    minutes = parse_minutes(args.minutes, config.bands_minutes)
    out = Path(args.out)
    if out.suffix.lower() not in (".geojson", ".json"):
        msg = f"输出文件须为 .geojson / --out must end in .geojson: {out}"
        raise ValidationError(msg)
    out.parent.mkdir(parents=True, exist_ok=True)
    check_output_file(out, option="--out")
    if args.circles:
        check_output_file(args.circles, suffixes=(".geojson", ".json"), option="--circles")
    roads, posts = load_inputs(args, settings)
    graph = load_road_graph(roads, config=config)
    reach = reach_polygons(graph, posts, minutes=minutes, peak=args.peak, config=config)
    reach["peak"] = args.peak or "free"
    out.parent.mkdir(parents=True, exist_ok=True)
    reach[OUTPUT_COLUMNS + ["geometry"]].to_file(out, driver="GeoJSON", engine="pyogrio")
    if args.circles:
        circles = reach[OUTPUT_COLUMNS].copy()
        gpd.GeoDataFrame(circles, geometry=reach["circle"].to_numpy(), crs=reach.crs).to_file(
            args.circles, driver="GeoJSON", engine="pyogrio")
    report = graph.report
    off = reach.attrs.get("posts_off_network", [])
    print(f"已写出 {len(reach)} 个响应圈（{reach['post_id'].nunique()} 个警务点 × {len(minutes)} 档）"
          f" → {out} / wrote {len(reach)} reach polygons")
    print(f"路网：{report['nodes']} 节点，{report['edges']} 有向边；舍弃不连通部分 "
          f"{report['dropped_segments']} 段 {report['dropped_length_km']:.1f} km / graph: kept the "
          "largest strongly connected component")
    for warning in report.get("warnings", []):
        print(f"提示 / warning: {warning}")
    stranded = reach.attrs.get("posts_stranded", [])
    if stranded:
        print(f"所在道路与主路网不连通、未计算的警务点 / posts on roads cut off the main network: "
              f"{', '.join(stranded)}")
    off = [p for p in off if p not in set(stranded)]
    if off:
        print(f"距连通路网超过 {config.max_snap_m:g} 米、未计算的警务点 / posts farther than "
              f"{config.max_snap_m:g} m from the connected road network: {', '.join(off)}")
    print(f"道路数据 {OSM_ATTRIBUTION}（如来自 OSM）/ road data {OSM_ATTRIBUTION} when from OSM")
    return 0
