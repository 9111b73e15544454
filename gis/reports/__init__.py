"""Route sheets and their companions, written from a ``gis.routing.PatrolPlan``.

``write_route_sheets(plan, out_dir, roads=…)`` writes, per unit, ``<unit>.pdf`` (A4, Chinese,
embedded CJK font), ``<unit>.gpx`` and ``<unit>.kml``; for all units ``patrol_plan.xlsx``,
``patrol_plan.geojson`` and ``summary.json``; and everything again in ``patrol_sheets.zip``.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis.io.spreadsheet import write_xlsx
from gis.reports.handsets import write_unit_gpx, write_unit_kml
from gis.reports.sheets import write_unit_pdf
from gis.routing.plan import PatrolPlan

ZIP_NAME = "patrol_sheets.zip"
MIME_TYPES = {".pdf": "application/pdf", ".gpx": "application/gpx+xml",
              ".kml": "application/vnd.google-earth.kml+xml", ".json": "application/json",
              ".geojson": "application/geo+json", ".zip": "application/zip",
              ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SCHEDULE_ZH = {"unit": "单位", "post": "出发点", "seq": "序号", "name": "地点", "kind": "类型",
               "level": "等级", "mandatory": "必到", "window": "到达时段", "arrival": "预计到达",
               "wait_min": "等候(分钟)", "dwell_min": "停留(分钟)", "departure": "离开",
               "travel_min": "行驶(分钟)", "task_zh": "任务", "lon": "经度", "lat": "纬度"}
UNITS_ZH = {"unit": "单位", "post": "出发点", "stops": "点位数", "leave": "出发", "back": "返回",
            "travel_min": "行驶(分钟)", "wait_min": "等候(分钟)", "dwell_min": "停留(分钟)",
            "total_min": "总时长(分钟)"}
UNSERVED_ZH = {"name": "地点", "kind": "类型", "mandatory": "必到", "window": "到达时段",
               "reason_zh": "原因", "reason_en": "reason"}


def write_plan_xlsx(plan: PatrolPlan, path: Path) -> Path:
    """One workbook: 排班表 (every visit), 单位汇总 (per unit), 未安排 (unserved with reasons)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = {
        "排班表": plan.schedule_frame()[list(SCHEDULE_ZH)].rename(columns=SCHEDULE_ZH),
        "单位汇总": plan.units_frame()[list(UNITS_ZH)].rename(columns=UNITS_ZH),
        "未安排": plan.unserved_frame()[list(UNSERVED_ZH)].rename(columns=UNSERVED_ZH),
    }
    write_xlsx(sheets, path)
    return path


def write_plan_geojson(plan: PatrolPlan, path: Path) -> Path:
    """Routes (one line per unit) and stops (points) in one FeatureCollection, ``layer`` column."""
    routes = plan.routes_gdf()
    routes = routes[routes.geometry.notna()].assign(layer="route")
    stops = plan.stops_gdf().assign(layer="stop")
    unserved = plan.unserved_frame()
    missed = gpd.GeoDataFrame(unserved.assign(layer="unserved"),
                              geometry=gpd.points_from_xy(unserved["lon"], unserved["lat"]),
                              crs="EPSG:4326")
    frames = [f for f in (routes, stops, missed) if len(f)]
    merged = pd.concat(frames, ignore_index=True) if frames else routes
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326").to_json(
        ensure_ascii=False, drop_id=True), encoding="utf-8")
    return path


def unit_file_stem(plan: PatrolPlan, k: int) -> str:
    """``U01`` …: file names stay ASCII so every handset and zip tool opens them."""
    return plan.problem.units[plan.solution.routes[k].unit].id


_UNIT_FILE = re.compile(r"^[A-Za-z0-9_-]{1,40}\.(pdf|gpx|kml)$")


def _earlier_unit_files(out: Path) -> set[str]:
    """Unit files (``U02.pdf/.gpx/.kml``) a previous run listed in ``summary.json`` of ``out``.

    Summaries written before the list existed: the folder's ``U<n>`` files. Nothing is taken
    from a folder without our ``summary.json``.
    """
    summary = out / "summary.json"
    if not summary.is_file():
        return set()
    try:
        listed = json.loads(summary.read_text(encoding="utf-8")).get("unit_files")
    except (OSError, ValueError, AttributeError):
        listed = None
    if isinstance(listed, list):
        return {n for n in listed if isinstance(n, str) and _UNIT_FILE.match(n)}
    return {p.name for p in out.iterdir() if re.match(r"^U\d+\.(pdf|gpx|kml)$", p.name)}


def write_route_sheets(plan: PatrolPlan, out_dir: Path | str, *,
                       roads: gpd.GeoDataFrame | None = None, area_name: str = "") -> dict[str, list[Path]]:
    """Write every file of a plan into ``out_dir``.

    Returns
    -------
    dict
        ``pdf``, ``gpx``, ``kml`` (one path per unit with stops), ``xlsx``, ``geojson``,
        ``summary`` and ``zip`` (one path each).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    earlier = _earlier_unit_files(out)
    files: dict[str, list[Path]] = {"pdf": [], "gpx": [], "kml": []}
    for k, route in enumerate(plan.solution.routes):
        if not route.visits:
            continue
        stem = unit_file_stem(plan, k)
        files["pdf"].append(write_unit_pdf(plan, k, out / f"{stem}.pdf", roads=roads,
                                           area_name=area_name))
        files["gpx"].append(write_unit_gpx(plan, k, out / f"{stem}.gpx"))
        files["kml"].append(write_unit_kml(plan, k, out / f"{stem}.kml"))
    files["xlsx"] = [write_plan_xlsx(plan, out / "patrol_plan.xlsx")]
    files["geojson"] = [write_plan_geojson(plan, out / "patrol_plan.geojson")]
    written = {p.name for kind in ("pdf", "gpx", "kml") for p in files[kind]}
    for name in sorted(earlier - written):       # the previous run's sheets of units now without stops
        (out / name).unlink(missing_ok=True)
    summary = out / "summary.json"
    figures = {**plan.summary(), "unit_files": sorted(written)}
    summary.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    files["summary"] = [summary]
    archive = out / ZIP_NAME
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for kind in ("pdf", "gpx", "kml", "xlsx", "geojson", "summary"):
            for item in files[kind]:
                zf.write(item, arcname=item.name)
    files["zip"] = [archive]
    return files


__all__ = ["MIME_TYPES", "ZIP_NAME", "write_plan_geojson", "write_plan_xlsx", "write_route_sheets",
           "write_unit_gpx", "write_unit_kml", "write_unit_pdf"]
