"""``python -m gis coverage --out FILE [--peak am|pm] [--jurisdictions-out FILE]`` — score every
school, one row each; and the compliance rates, one row per 派出所 plus the county.

Reads the layers from the store, builds (or loads the cached) road graph, runs
:func:`gis.coverage.assess_campuses` and writes ``.csv`` (UTF-8 with BOM), ``.xlsx`` (meeting
workbook) or ``.geojson``. ``--map-layers FILE.geojson`` also writes the camera sectors,
blind spots, duty gaps and violations for a GIS desktop. ``--jurisdictions-out FILE.csv|.xlsx``
writes ``jurisdiction_id, schools, weak, critical, techdef_rate, networked_rate, guard_rate,
police_am_rate, police_pm_rate, alarm_rate`` (rates 0–1).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis.config import Settings
from gis.errors import ValidationError
from gis.io.paths import check_output_file

LAYERS = ("schools", "police_posts", "cameras", "crossings", "risk_sites", "roads")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path,
                        help="输出文件 .csv / .xlsx / .geojson（每校一行）")
    parser.add_argument("--peak", choices=("am", "pm"), default=None,
                        help="按早/晚高峰车速、只计该时段在岗的警务点计算到达时间（默认平峰、不限时段）")
    parser.add_argument("--jurisdictions-out", type=Path, default=None,
                        help="另存各派出所及全县达标率 .csv / .xlsx（每派出所一行，末行全县）")
    parser.add_argument("--map-layers", type=Path, default=None,
                        help="另存摄像机扇区、盲区、护学岗缺口、违规网吧为 GeoJSON")


def read_layers(settings: Settings) -> dict[str, gpd.GeoDataFrame]:
    """All six layers from the configured store."""
    from gis.store import open_store

    store = open_store(settings.database_url)
    return {name: store.read_layer(name) for name in LAYERS}


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gis.coverage import assess_campuses, coverage_map_layers, write_assessment
    from gis.network import load_road_graph

    out: Path = args.out
    if out.suffix.lower() not in (".csv", ".xlsx", ".geojson"):
        msg = (f"不支持的输出格式 {out.name}，请使用 .csv、.xlsx 或 .geojson / "
               f"unsupported output {out.name}: use .csv, .xlsx or .geojson")
        raise ValidationError(msg)
    jur_out: Path | None = args.jurisdictions_out
    if jur_out is not None and jur_out.suffix.lower() not in (".csv", ".xlsx"):
        msg = (f"不支持的输出格式 {jur_out.name}，--jurisdictions-out 请使用 .csv 或 .xlsx / "
               f"unsupported output {jur_out.name}: --jurisdictions-out takes .csv or .xlsx")
        raise ValidationError(msg)
    check_output_file(out, option="--out")
    if jur_out is not None:
        check_output_file(jur_out, suffixes=(".csv", ".xlsx"), option="--jurisdictions-out")
    if args.map_layers is not None:
        check_output_file(args.map_layers, suffixes=(".geojson", ".json"), option="--map-layers")
    layers = read_layers(settings)
    if len(layers["schools"]) == 0:
        msg = ("数据库中没有学校，请先运行 `python -m gis demo` 或导入 schools / "
               "no schools in the database: run `python -m gis demo` or import schools")
        raise ValidationError(msg)
    if len(layers["roads"]) == 0:
        msg = ("数据库中没有道路，无法计算到达时间；请先导入 roads / "
               "no roads in the database: import roads first")
        raise ValidationError(msg)
    graph = load_road_graph(layers["roads"], settings=settings)
    assessment = assess_campuses(layers, graph=graph, settings=settings, peak=args.peak)
    write_assessment(assessment, out, settings=settings)
    if jur_out is not None:
        from gis.coverage import compliance_rates, write_jurisdictions

        write_jurisdictions(compliance_rates(assessment, settings=settings), jur_out)
    if args.map_layers is not None:
        write_map_layers(coverage_map_layers(layers, settings=settings), args.map_layers)
    levels = assessment["level"].value_counts()
    print(f"已评估 {len(assessment)} 所学校：良好 {levels.get('good', 0)}，薄弱 {levels.get('weak', 0)}，"
          f"严重薄弱 {levels.get('critical', 0)} → {out}")
    print(f"assessed {len(assessment)} schools: good {levels.get('good', 0)}, weak "
          f"{levels.get('weak', 0)}, critical {levels.get('critical', 0)} -> {out}")
    for warning in graph.report.get("warnings", []):
        print(f"提示 / warning: {warning}")
    if "stranded" in assessment.columns and assessment["stranded"].fillna(False).astype(bool).any():
        names = assessment.loc[assessment["stranded"].fillna(False).astype(bool), "name"].astype(str)
        print(f"所在道路与主路网不连通的学校 {len(names)} 所 / schools on roads cut off the main network: "
              f"{'、'.join(names.head(10))}{' …' if len(names) > 10 else ''}")
    return 0


def write_map_layers(parts: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """One GeoJSON with a ``layer`` column (sectors, blind_spots, duty_gaps, violations)."""
    from gis.coverage.export import write_geojson

    frames = []
    for name, gdf in parts.items():
        if len(gdf):
            frame = gdf.copy()
            frame.insert(0, "layer", name)
            frames.append(frame)
    if not frames:
        msg = f"没有可写出的地图图层 / nothing to write to {path}"
        raise ValidationError(msg)
    write_geojson(gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326"), path)
