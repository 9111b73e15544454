"""Offline matplotlib drawings of the monthly cycle: the jurisdiction map and the trend chart.

Both render with the vendored CJK font (registered with matplotlib once), no tiles, no network.
The map: our roads in grey, the 派出所 jurisdiction outline, schools coloured by cycle status
(all done / due soon / missing / overdue notice) with weak campuses ringed and overdue ones
marked "!", and risk sites with open rectification notices as triangles (overdue ones red).
The trend: weak campuses, overdue notices and inspections done per month.
"""

from __future__ import annotations

import functools
import io

import geopandas as gpd
import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from shapely.geometry import Point, box  # noqa: E402

from gis.reports.routemap import map_frame  # noqa: E402
from gis.reports.sheets import FAST_FONT_PATH as FONT_PATH  # noqa: E402  (our labels: GBK)
from gis.schema import main_gate  # noqa: E402

STATUS_COLOURS = {"ok": "#2e9d4f", "due_soon": "#e6a700", "missing": "#e8590c", "overdue": "#c92a2a"}
STATUS_LABELS = {"ok": ("均已完成", "all done"), "due_soon": ("即将到期", "due soon"),
                 "missing": ("检查缺项", "missing"), "overdue": ("整改逾期", "overdue notice")}
TREND_SERIES = (("weak", "薄弱校园", "weak campuses", "#c92a2a"),
                ("notices_overdue", "逾期通知书", "overdue notices", "#e8590c"),
                ("inspections_month", "本月检查", "inspections", "#1c7ed6"))


@functools.lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    """The vendored CJK font, registered with matplotlib."""
    font_manager.fontManager.addfont(str(FONT_PATH))
    return font_manager.FontProperties(fname=str(FONT_PATH))


def _png(fig) -> bytes:
    """The figure as PNG bytes, fast zlib level 1: the PDF writer decodes and recompresses the
    image anyway (same PDF size), and level 6 took about three times as long."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    plt.close(fig)
    return buf.getvalue()


def jurisdiction_map_png(*, schools: gpd.GeoDataFrame, status: pd.Series, weak: set[str] | None = None,
                         roads: gpd.GeoDataFrame | None = None, area=None, lang: str = "zh",
                         sites: pd.DataFrame | None = None,
                         width_px: int = 1600, height_px: int = 900, dpi: int = 200) -> bytes:
    """PNG of a jurisdiction (or the county) with its schools by cycle status.

    Parameters
    ----------
    schools : GeoDataFrame
        The schools to draw (EPSG:4326, ``id``, ``gates``).
    status : Series
        School id → status (``ok, due_soon, missing, overdue``).
    weak : set of str, optional
        Ids of weak or critical campuses (ringed).
    roads : GeoDataFrame, optional
        Road lines for the base map (clipped to the frame).
    area : shapely geometry, optional
        The jurisdiction polygon (outlined).
    sites : DataFrame, optional
        Risk sites with open notices: ``lon``, ``lat``, ``overdue`` (bool) — triangles, the
        overdue ones red and larger (restricted sites have no point and are not drawn).
    """
    font = cjk_font()
    pts = gpd.GeoSeries([main_gate(g) for g in schools.geometry], crs="EPSG:4326")
    parts = [g for g in pts if g is not None]
    site_pts = [] if sites is None or not len(sites) else \
        [(float(x), float(y), bool(o)) for x, y, o in zip(sites["lon"], sites["lat"], sites["overdue"], strict=True)
         if x is not None and not pd.isna(x)]
    if site_pts and area is None:
        parts += [Point(x, y) for x, y, _ in site_pts]
    if area is not None and not area.is_empty:
        parts.append(area)
    if parts:
        minx, miny, maxx, maxy = gpd.GeoSeries(parts, crs="EPSG:4326").total_bounds
    else:
        minx, miny, maxx, maxy = (0, 0, 0.01, 0.01)
    minx, maxx, miny, maxy = map_frame((minx, miny, maxx, maxy), width_px=width_px,
                                       height_px=height_px, pad=1.12, min_deg=0.004)
    fig, ax = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    if roads is not None and len(roads):
        clip = roads[roads.geometry.intersects(box(minx, miny, maxx, maxy))]
        if len(clip):
            clip.plot(ax=ax, color="#cfcfcf", linewidth=0.5, zorder=1, aspect=None)
    if area is not None and not area.is_empty:
        gpd.GeoSeries([area]).boundary.plot(ax=ax, color="#1f4e79", linewidth=1.2, linestyle="--",
                                            zorder=2, aspect=None)
    weak = weak or set()
    ids = schools["id"].astype(str).tolist()
    for key, colour in STATUS_COLOURS.items():
        xs, ys = [], []
        for sid, g in zip(ids, pts, strict=True):
            if g is not None and status.get(sid, "ok") == key:
                xs.append(g.x)
                ys.append(g.y)
        if xs:
            ax.scatter(xs, ys, s=42, color=colour, edgecolors="white", linewidths=0.6, zorder=4,
                       label=STATUS_LABELS[key][0 if lang == "zh" else 1])
    ringed = [g for sid, g in zip(ids, pts, strict=True) if g is not None and sid in weak]
    if ringed:      # one scatter for all rings (one call per school cost ~10 ms each)
        ax.scatter([g.x for g in ringed], [g.y for g in ringed], s=150, facecolors="none", edgecolors="#7b2cbf",
                   linewidths=1.2, zorder=3)
    for sid, g in zip(ids, pts, strict=True):
        if g is not None and status.get(sid) == "overdue":
            ax.annotate("!", (g.x, g.y), xytext=(4, 3), textcoords="offset points", color="#c92a2a",
                        fontsize=8, fontweight="bold", zorder=5)
    for overdue in (False, True):
        xy = [(x, y) for x, y, o in site_pts if o == overdue]
        if xy:
            ax.scatter([p[0] for p in xy], [p[1] for p in xy], marker="^", s=90 if overdue else 48,
                       color="#c92a2a" if overdue else "#f08c00", edgecolors="black", linewidths=0.6, zorder=5,
                       label=("风险点位：整改逾期" if overdue else "风险点位：整改中") if lang == "zh"
                       else ("risk site: notice overdue" if overdue else "risk site: open notice"))
    handles, labels = ax.get_legend_handles_labels()
    if weak:
        handles.append(plt.Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                                  markeredgecolor="#7b2cbf", markersize=8))
        labels.append("薄弱校园" if lang == "zh" else "weak campus")
    if handles:
        ax.legend(handles, labels, loc="lower right", prop=font.copy(), fontsize=6, framealpha=0.85)
        for text in ax.get_legend().get_texts():
            text.set_fontproperties(font)
            text.set_fontsize(6)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#888888")
    fig.subplots_adjust(left=0.005, right=0.995, bottom=0.005, top=0.995)
    return _png(fig)


def trend_png(trend: pd.DataFrame, *, lang: str = "zh", width_px: int = 1600, height_px: int = 520,
              dpi: int = 200, title: str = "") -> bytes:
    """PNG line chart of weak campuses, overdue notices and inspections per month.

    Parameters
    ----------
    trend : DataFrame
        From :func:`gis.cycle.monthly.trend` (index month ``YYYY-MM``).
    """
    font = cjk_font()
    fig, ax = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    months = list(trend.index)
    x = range(len(months))
    for key, zh, en, colour in TREND_SERIES:
        if key in trend.columns and trend[key].notna().any():
            ax.plot(list(x), trend[key].tolist(), marker="o", markersize=3, linewidth=1.4, color=colour,
                    label=zh if lang == "zh" else en)
    ax.set_xticks(list(x))
    ax.set_xticklabels([m[2:] if len(m) == 7 else m for m in months], fontsize=6)
    ax.tick_params(axis="y", labelsize=6)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontproperties=font, fontsize=8)
    if ax.get_legend_handles_labels()[0]:
        legend = ax.legend(loc="upper left", fontsize=6, frameon=False, ncols=3)
        for text in legend.get_texts():
            text.set_fontproperties(font)
            text.set_fontsize(6)
    else:
        ax.text(0.5, 0.5, "暂无月度快照" if lang == "zh" else "no monthly snapshots yet",
                transform=ax.transAxes, ha="center", fontproperties=font, fontsize=8, color="#888888")
    fig.tight_layout(pad=0.4)
    return _png(fig)
