"""``python -m gis import LAYER PATH [--crs …] [--strict] [--map 列名=字段] [--dry-run]``.

``LAYER`` is a layer or one of the campaign's records (``inspections``, ``notices``,
``visits``, ``drills``: Excel/CSV with Chinese headers, same quarantine contract), or the
restricted register ``risk_persons``: ``--actor NAME`` must then name an account allowed to
import it (a cleared officer); the core checks it and no message quotes a restricted value.

Also ``python -m gis import LAYER --template OUT.xlsx`` writes the layer's XLSX template.
Exit 0: everything imported; 3: some rows rejected (valid rows committed unless
``--strict``, rejected rows written to ``<name>.quarantine.<ext>`` next to the input).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from gis.config import Settings
from gis.errors import AccessDeniedError, DataSourceError, StaleVersionError, ValidationError
from gis.io.config import ImportConfig
from gis.io.headers import parse_mapping_args
from gis.io.importer import commit_import, prepare_import, read_extent, read_references, read_roads
from gis.io.paths import check_output_file
from gis.io.templates import write_template
from gis.schema import IMPORTABLE_RECORDS, LAYER_NAMES

EXIT_REJECTED = 3
REGISTER = "risk_persons"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("layer", choices=(*LAYER_NAMES, *IMPORTABLE_RECORDS, REGISTER),
                        help="图层、工作记录或高危人员名单 / layer, record (inspections|notices|visits|drills) "
                             "or the register (risk_persons, --actor a cleared account)")
    parser.add_argument("path", nargs="?", help="CSV / XLSX / GeoJSON / Shapefile(.zip/.shp) / GeoPackage / OSM")
    parser.add_argument("--crs", default="wgs84",
                        help="坐标系 wgs84|gcj02(高德/腾讯)|bd09(百度)|EPSG:n（默认 wgs84）")
    parser.add_argument("--strict", action="store_true", help="有任何错误行则全部不导入 / all or nothing")
    parser.add_argument("--map", action="append", metavar="列名=字段", default=[],
                        help="指定列对应的字段，可重复；字段写 - 表示不导入 / map a column to a field")
    parser.add_argument("--sheet", help="Excel 工作表名 / XLSX sheet name")
    parser.add_argument("--dry-run", action="store_true", help="只检查不写入 / validate only")
    parser.add_argument("--template", metavar="OUT.xlsx", help="写出该图层的导入模板 / write the XLSX template")
    parser.add_argument("--actor", default="local",
                        help="记录在审计日志中的操作人；risk_persons 须为授权民警账号 / audit actor; for "
                             "risk_persons an account allowed to import the register")
    parser.add_argument("--road-class", default=None, metavar="CLASS",
                        help="道路图层没有等级字段时全部按此等级（默认取配置 [network] default_road_class，"
                             "即 residential）/ class of every road when the layer has no class column")
    parser.add_argument("--max-mb", type=float, default=None,
                        help="输入文件大小上限 MB（默认同上传页 [import] max_upload_mb） / largest input file, MB")


def run(args: argparse.Namespace, settings: Settings) -> int:
    config = ImportConfig.from_settings(settings)
    if args.template:
        check_output_file(args.template, suffixes=(".xlsx",), option="--template")
        write_template(args.layer, args.template)
        print(f"模板已写出 / template written: {args.template}")
        return 0
    if not args.path:
        msg = "请给出要导入的文件路径（或 --template OUT.xlsx） / give the file to import (or --template)"
        raise ValidationError(msg)
    if args.max_mb is not None and not (math.isfinite(args.max_mb) and args.max_mb > 0):
        msg = f"--max-mb 必须是正数：{args.max_mb} / --max-mb must be a positive number of MB"
        raise ValidationError(msg)
    check_input_size(Path(args.path), max_mb=args.max_mb if args.max_mb is not None else config.max_upload_mb)
    from gis.store import open_store

    store = open_store(settings.database_url)
    store.init()
    if args.layer == REGISTER:
        return _import_register(args, store, config)
    existing = store.read_layer(args.layer)
    if args.layer in IMPORTABLE_RECORDS:
        from gis.cycle.importer import prepare_record_import

        preview = prepare_record_import(
            args.layer, args.path, school_ids=store.read_layer("schools")["id"].astype(str),
            risk_site_ids=store.read_layer("risk_sites")["id"].astype(str), existing=existing,
            mapping=parse_mapping_args(args.map), sheet=args.sheet, limits=config.zip_limits)
        return _finish(args, store, preview)
    roads = read_roads(store) if args.layer != "roads" else None
    preview = prepare_import(args.layer, args.path, crs=args.crs, mapping=parse_mapping_args(args.map),
                             existing=existing, roads=roads, extent_margin_m=config.extent_margin_m,
                             sheet=args.sheet, limits=config.zip_limits,
                             road_class=road_class(args, settings),
                             references=read_references(store, args.layer))
    return _finish(args, store, preview)


def _import_register(args: argparse.Namespace, store, config: ImportConfig) -> int:
    """``import risk_persons PATH --actor NAME``: as that account (the core refuses anyone
    who may not import the register, before the file is read)."""
    from gis.auth.accounts import principal_for
    from gis.auth.register_import import prepare_register_import, register_ids

    if args.actor == "local":
        msg = ("导入高危人员名单须以授权民警账号执行：--actor 账号名 / importing the register needs "
               "--actor NAME (an account allowed to import it, e.g. a cleared officer)")
        raise AccessDeniedError(msg)
    principal = principal_for(store, args.actor)
    preview = prepare_register_import(args.path, principal=principal, crs=args.crs,
                                      existing_ids=register_ids(store, principal=principal),
                                      mapping=parse_mapping_args(args.map), sheet=args.sheet,
                                      limits=config.zip_limits, extent=read_extent(store),
                                      extent_margin_m=config.extent_margin_m)
    return _finish(args, store, preview, principal=principal)


def _finish(args: argparse.Namespace, store, preview, *, principal=None) -> int:
    """Print the preview, commit (unless a dry run) and quarantine; return the exit status."""
    _print_preview(preview)
    if args.dry_run:
        print(f"检查完成（未写入） / dry run: {preview.accepted} 行可导入 / acceptable, "
              f"{preview.rejected} 行有误 / rejected")
        return EXIT_REJECTED if preview.rejected else 0
    try:
        outcome = commit_import(store, preview, strict=args.strict, actor=args.actor,
                                **({"principal": principal} if principal is not None else {}))
    except StaleVersionError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    if outcome.committed:
        print(f"已导入 / imported: 新增 {len(outcome.inserted)} / inserted, 更新 {len(outcome.updated)} / "
              f"updated, 未变 {len(outcome.unchanged)} / unchanged")
    elif args.strict and preview.rejected:
        print("--strict：存在错误行，未写入任何数据 / --strict: rows were rejected, nothing was written")
    if outcome.quarantine_note:
        print(f"提示 / warning: {outcome.quarantine_note}", file=sys.stderr)
    if outcome.quarantine:
        print(f"被拒绝的 {preview.rejected} 行已写入 / rejected rows written to: {outcome.quarantine}")
    return EXIT_REJECTED if preview.rejected else 0


def road_class(args: argparse.Namespace, settings: Settings) -> str:
    """``--road-class``, else ``[network] default_road_class``; must be a drivable OSM class."""
    from gis.io.osm import DRIVABLE_HIGHWAYS

    chosen = (args.road_class or settings.section("network").get("default_road_class")
              or "residential").strip().lower()
    if chosen not in DRIVABLE_HIGHWAYS:
        msg = (f"--road-class {chosen!r} 不是可通行的道路等级；可选 {', '.join(sorted(DRIVABLE_HIGHWAYS))} / "
               "not a drivable road class")
        raise ValidationError(msg)
    return chosen


def check_input_size(path: Path, *, max_mb: float) -> None:
    """Refuse an input file larger than ``max_mb`` (the upload page's limit) before reading it."""
    if not path.exists():
        msg = f"文件不存在 / file not found: {path}"
        raise DataSourceError(msg)
    size_mb = path.stat().st_size / 1048576
    if path.is_file() and size_mb > max_mb:
        msg = (f"文件 {path.name} 有 {size_mb:.1f} MB，超过 {max_mb:g} MB 的上限；确需导入请加 --max-mb N / "
               f"{path.name} is {size_mb:.1f} MB, above the {max_mb:g} MB limit: raise it with --max-mb N")
        raise DataSourceError(msg)


def _print_preview(preview) -> None:
    for note in preview.table.notes:
        print(f"  {note}")
    mapped = [f"{c} → {t}" for c, t in preview.mapping.items() if t]
    ignored = [c for c, t in preview.mapping.items() if not t]
    print("列映射 / mapping: " + "，".join(mapped))
    if ignored:
        print("未导入的列 / ignored columns: " + "，".join(ignored))
    if preview.layer not in IMPORTABLE_RECORDS:
        print(f"坐标系 / CRS: {preview.crs.label}")
    for warning in preview.warnings:
        print(f"提示 / warning: {warning}")
    dangling = getattr(preview, "dangling", [])
    for item in dangling[:50]:
        print(f"  ! {item.text()}")
    if len(dangling) > 50:
        print(f"  … 其余 {len(dangling) - 50} 处引用 / {len(dangling) - 50} more references")
    print(f"共 {preview.total} 行：可导入 {preview.accepted}（新增 {len(preview.new_ids)}，已存在 "
          f"{len(preview.existing_ids)}），有误 {preview.rejected} / {preview.total} rows: {preview.accepted} "
          f"accepted ({len(preview.new_ids)} new, {len(preview.existing_ids)} already stored), "
          f"{preview.rejected} rejected")
    for problems in list(preview.rejections.values())[:20]:
        for problem in problems:
            print(f"  ✗ {problem.text(preview.layer)}", file=sys.stderr)
    if preview.rejected > 20:
        print(f"  … 其余 {preview.rejected - 20} 行见隔离文件 / see the quarantine file for the rest", file=sys.stderr)
