"""A route map drawn offline with matplotlib from our own road data: roads in grey, the unit's
road path in colour, the post as a square, numbered stops. No tiles, no network access."""

from __future__ import annotations

import io
import math

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from shapely.geometry import LineString, Point, box  # noqa: E402

UNIT_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22")


def unit_colour(k: int) -> str:
    """Colour of the ``k``-th unit (shared by sheets and the web map)."""
    return UNIT_COLOURS[k % len(UNIT_COLOURS)]


def map_frame(bounds: tuple[float, float, float, float], *, width_px: int, height_px: int,
              pad: float, min_deg: float) -> tuple[float, float, float, float]:
    """The lon/lat window of a static map: ``bounds`` (minx, miny, maxx, maxy, degrees) padded by
    the factor ``pad``, at least ``min_deg`` degrees across, widened to the picture's aspect so
    metres look square. Returns (minx, maxx, miny, maxy) in degrees."""
    minx, miny, maxx, maxy = bounds
    kx = max(0.2, math.cos(math.radians((miny + maxy) / 2)))  # degrees of longitude → of latitude
    w, h = max((maxx - minx) * kx, min_deg) * pad, max(maxy - miny, min_deg) * pad
    ratio = width_px / height_px
    w, h = max(w, h * ratio), max(h, w / ratio)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - w / 2 / kx, cx + w / 2 / kx, cy - h / 2, cy + h / 2


def draw_route_png(*, legs: list[LineString], stops: list[Point], post: Point,
                   roads: gpd.GeoDataFrame | None = None, colour: str = "#d62728",
                   width_px: int = 1600, height_px: int = 1000, dpi: int = 200) -> bytes:
    """PNG bytes of one unit's route.

    Parameters
    ----------
    legs : list of LineString
        Road path of each leg, EPSG:4326.
    stops : list of Point
        Stops in visiting order (numbered 1, 2, …), EPSG:4326.
    post : Point
        The unit's post.
    roads : GeoDataFrame, optional
        Road lines (EPSG:4326) drawn as the base map, clipped to the route's extent.
    """
    parts = [*legs, *stops, post]
    minx, miny, maxx, maxy = gpd.GeoSeries(parts, crs="EPSG:4326").total_bounds
    minx, maxx, miny, maxy = map_frame((minx, miny, maxx, maxy), width_px=width_px,
                                       height_px=height_px, pad=1.15, min_deg=0.003)
    fig, ax = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    if roads is not None and len(roads):
        clip = roads[roads.geometry.intersects(box(minx, miny, maxx, maxy))]
        if len(clip):
            clip.plot(ax=ax, color="#c8c8c8", linewidth=0.6, zorder=1, aspect=None)
    for line in legs:
        xs, ys = line.xy
        ax.plot(xs, ys, color=colour, linewidth=2.2, alpha=0.85, zorder=2, solid_capstyle="round")
    ax.scatter([post.x], [post.y], marker="s", s=90, color="#1a1a1a", zorder=4)
    ax.annotate("P", (post.x, post.y), color="white", fontsize=6, ha="center", va="center",
                zorder=5, fontweight="bold")
    for k, stop in enumerate(stops, start=1):
        ax.scatter([stop.x], [stop.y], s=150, color="white", edgecolors=colour, linewidths=1.6,
                   zorder=4)
        ax.annotate(str(k), (stop.x, stop.y), fontsize=6.5, ha="center", va="center", zorder=5,
                    fontweight="bold", color="#1a1a1a")
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#888888")
    fig.subplots_adjust(left=0.005, right=0.995, bottom=0.005, top=0.995)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
