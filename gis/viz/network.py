"""Fragmented road data on the map and in words (no Streamlit).

When the largest connected part of the road network keeps less than ``[network]
min_main_share`` of the road length, the pieces cut off from it are drawn grey and dashed
(they take no part in response times) and the page says so in one sentence.
"""

from __future__ import annotations

import html
from typing import Any

import geopandas as gpd
import shapely

from gis.viz.features import FeatureCollection, collect, empty_collection

DROPPED_STYLE = {"color": "#7d848c", "weight": 3, "opacity": 0.9, "dashArray": "6 6",
                 "lineCap": "butt", "lineJoin": "round"}


def dropped_road_features(lines: gpd.GeoDataFrame | None, *, lang: str = "zh") -> FeatureCollection:
    """The dropped road pieces, joined into as few lines as possible, grey and dashed.

    Parameters
    ----------
    lines : GeoDataFrame or None
        ``RoadGraph.dropped_lines()`` (segments, EPSG:4326).
    lang : {"zh", "en"}

    Returns
    -------
    FeatureCollection
        One feature per connected run of dropped segments, with a tooltip.
    """
    if lines is None or len(lines) == 0:
        return empty_collection()
    merged = shapely.line_merge(shapely.union_all(lines.geometry.to_numpy()))
    parts = shapely.get_parts(merged)
    tip = html.escape("与主路网不连通的道路（不参与到达时间计算）" if lang == "zh"
                      else "Road not connected to the main network (left out of response times)")
    frame = gpd.GeoDataFrame(geometry=parts, crs=lines.crs)
    return collect(frame, lambda row: {"_style": dict(DROPPED_STYLE), "_tooltip": tip})


def stranded_posts_notice(report: dict[str, Any] | None, *, lang: str = "zh") -> str | None:
    """Posts whose road does not connect to the main network (they reach nothing), or ``None``."""
    names = list((report or {}).get("stranded_posts") or [])
    if not names:
        return None
    if lang == "en":
        return (f"{len(names)} police post(s) sit on roads not connected to the main road network and take no "
                f"part in response times: {', '.join(names)}. Join the road or check the post's position.")
    return (f"{len(names)} 个警务点所在道路与主路网不连通，未参与到达时间计算：{'、'.join(names)}。"
            "请补全道路连接或核实警务点位置。")


def fragmented_notice(report: dict[str, Any] | None, *, lang: str = "zh") -> str | None:
    """The one-sentence summary for fragmented road data, ``None`` when it is not fragmented."""
    if not report or not report.get("fragmented"):
        return None
    share = 100 * float(report.get("main_share", 0.0))
    parts = int(report.get("dropped_parts", 0))
    km = float(report.get("dropped_length_km", 0.0))
    floor = 100 * float(report.get("min_main_share", 0.8))
    if lang == "en":
        return (f"The road data is fragmented: the largest connected network holds only {share:.0f}% of the "
                f"road length (below {floor:.0f}%). {parts} other parts ({km:.1f} km) do not connect to it; "
                "they are drawn grey and dashed and left out of response times, and schools or posts on them "
                "are reported as 'road not connected to the main network'. Join the roads in the data.")
    return (f"道路数据不连通：最大连通路网只包含 {share:.0f}% 的道路长度（低于 {floor:.0f}%），其余 {parts} 片"
            f"（{km:.1f} 公里）与主路网不连通，已在地图上以灰色虚线标出、不参与到达时间计算；位于其上的学校和警务点"
            "标注为「所在道路与主路网不连通」。请补全道路数据中的连接。")
