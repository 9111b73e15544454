"""The figures on the KPI tiles and the wall display's per-jurisdiction panels.

Pure functions over the stored layers and the campus assessment (no Streamlit):
schools, share reached within 3 minutes, weak campuses, staffed 护学岗 at this peak, the
data-as-of time, and the rotation stops of the wall display.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import mapping

from gis.coverage.config import ScoringConfig
from gis.coverage.duty import crossing_presence
from gis.errors import ValidationError
from gis.schema import main_gate
from gis.timewindows import parse_window
from gis.viz.features import to_wgs84
from gis.viz.popups import pick

PEAKS = ("am", "noon", "pm")
PEAK_LABELS = {"am": ("早高峰", "morning peak"), "noon": ("午间", "noon"), "pm": ("晚高峰", "evening peak")}
DEFAULT_WINDOWS = {"am": "07:00-08:10", "noon": "11:20-12:20", "pm": "16:10-17:30"}


@dataclass(frozen=True)
class Kpis:
    """The KPI tiles.

    Attributes
    ----------
    schools : int
    assessed : int
        Schools with a network response time.
    within_3min : int
    share_within_3min : float or None
        0–1; None when no assessment is available.
    weak : int
        Schools assessed weak or critical.
    critical : int
    peak : str
        ``am``, ``noon`` or ``pm``: the peak now or next.
    crossings_staffed : int
        Crossings with anyone on duty (police, auxiliary, guard or volunteer; staff not 0) and a
        window in ``peak`` — :func:`gis.coverage.duty.crossing_presence`, the score's own rule.
    crossings_total : int
    crossings_police : int
        Of those, with police or auxiliary police on duty (见警察).
    within_minutes : float
        The response target of the "reached within" tile, minutes (``response_good_s``).
    """

    schools: int
    assessed: int
    within_3min: int
    share_within_3min: float | None
    weak: int
    critical: int
    peak: str
    crossings_staffed: int
    crossings_total: int
    crossings_police: int = 0
    within_minutes: float = 3.0
    notices_open: int | None = None        # issue 14: rectification notices not closed
    notices_overdue: int | None = None
    notices_escalated: int | None = None


def window_or_none(text: Any) -> tuple[int, int] | None:
    """``(start_s, end_s)`` of a window like ``"07:00-08:10"``; None when blank or malformed."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return None
    try:
        return parse_window(str(text))
    except ValidationError:
        return None


def current_peak(now: datetime, windows: Mapping[str, str] | None = None) -> str:
    """The peak whose window holds ``now``, else the next one today, else tomorrow's ``am``."""
    windows = {**DEFAULT_WINDOWS, **(windows or {})}
    t = now.hour * 3600 + now.minute * 60 + now.second
    parsed = {k: window_or_none(windows.get(k)) for k in PEAKS}
    for key in PEAKS:
        w = parsed[key]
        if w and w[0] <= t <= w[1]:
            return key
    for key in PEAKS:
        w = parsed[key]
        if w and t < w[0]:
            return key
    return "am"


def staffed_crossings(crossings: gpd.GeoDataFrame | None, peak: str, *,
                      police_only: bool = False) -> tuple[int, int]:
    """(crossings on duty with a window in ``peak``, all crossings); ``police_only`` counts only
    police or auxiliary presence (见警察). The rule is the score's (``crossing_presence``)."""
    if crossings is None or len(crossings) == 0:
        return 0, 0
    col = f"{peak}_window"
    has_window = (crossings[col].map(window_or_none).notna() if col in crossings
                  else pd.Series(False, index=crossings.index))
    presence = crossing_presence(crossings)
    on_duty = presence["police"] if police_only else presence["staffed"]
    return int((has_window & on_duty).sum()), int(len(crossings))


def compute_kpis(schools: gpd.GeoDataFrame | None, assessment: pd.DataFrame | None,
                 crossings: gpd.GeoDataFrame | None, *, now: datetime,
                 windows: Mapping[str, str] | None = None, within_s: float | None = None) -> Kpis:
    """The KPI tiles of the overview and the wall display.

    Parameters
    ----------
    within_s : float, optional
        The response-time limit of the "reached within" tile, seconds; ``[scoring.thresholds]
        response_good_s`` (3 min) when omitted.
    """
    if within_s is None:
        within_s = ScoringConfig.from_settings().response_good_s
    n_schools = 0 if schools is None else int(len(schools))
    assessed = within = weak = critical = 0
    share = None
    if assessment is not None and len(assessment):
        response = pd.to_numeric(assessment.get("response_s"), errors="coerce")
        assessed = int(len(assessment))
        within = int((response <= within_s).sum())
        share = within / assessed if assessed else None
        level = assessment.get("level", pd.Series(dtype=str)).astype(str)
        weak = int(level.isin(["weak", "critical"]).sum())
        critical = int((level == "critical").sum())
    peak = current_peak(now, windows)
    staffed, total = staffed_crossings(crossings, peak)
    police, _ = staffed_crossings(crossings, peak, police_only=True)
    return Kpis(n_schools, assessed, within, share, weak, critical, peak, staffed, total, police,
                within_s / 60.0)


def data_as_of(layers: Mapping[str, pd.DataFrame | None]) -> datetime | None:
    """The latest ``updated_at`` over all layers (when the data last changed)."""
    stamps = []
    for frame in layers.values():
        if frame is not None and len(frame) and "updated_at" in frame:
            s = pd.to_datetime(frame["updated_at"], errors="coerce", utc=True).max()
            if pd.notna(s):
                stamps.append(s)
    if not stamps:
        return None
    return max(stamps).to_pydatetime()


def jurisdiction_stops(schools: gpd.GeoDataFrame, assessment: pd.DataFrame | None,
                       posts: gpd.GeoDataFrame | None, *, lang: str = "zh",
                       whole_name: str | None = None, within_s: float | None = None) -> list[dict[str, Any]]:
    """Rotation stops for the wall: the whole area first, then each 派出所 jurisdiction.

    ``within_s`` is the response target of the "reached within" line (``[scoring.thresholds]
    response_good_s`` when omitted).

    Each stop is ``{"id", "bounds": [[south, west], [north, east]], "html"}``; the HTML
    is built here from escaped names and counts only (no personal data).
    """
    if schools is None or len(schools) == 0:
        return []
    schools = to_wgs84(schools)
    gates = gpd.GeoSeries([main_gate(g) for g in schools.geometry], crs="EPSG:4326")
    table = pd.DataFrame({"id": schools["id"].astype(str).to_numpy(),
                          "jurisdiction_id": schools.get("jurisdiction_id", pd.Series(None, index=schools.index))
                          .astype(object).to_numpy()})
    if assessment is not None and len(assessment):
        a = pd.DataFrame(assessment)
        key = "school_id" if "school_id" in a else "id"
        a = a.assign(_key=a[key].astype(str)).set_index("_key")
        for col in ("level", "response_s", "jurisdiction_id", "jurisdiction_name"):
            if col in a:
                mapped = table["id"].map(a[col])
                table[col] = mapped.where(mapped.notna(), table.get(col)) if col in table else mapped
    if within_s is None:
        within_s = ScoringConfig.from_settings().response_good_s
    names = _jurisdiction_names(posts, table)
    jur_geoms = _jurisdiction_geoms(posts)
    active = _active_posts(posts)
    stops = [_stop("all", whole_name or pick(lang, "全域", "Whole area"), table, gates, None, lang, within_s,
                   n_posts=len(active))]
    for jid, idx in table.groupby(table["jurisdiction_id"].fillna("").astype(str)).groups.items():
        if not jid:
            continue
        sub = table.loc[idx]
        area = jur_geoms.get(jid)
        n_posts = int(active.within(area).sum()) if area is not None else int((active.index == jid).sum())
        stops.append(_stop(jid, names.get(jid, jid), sub, gates.loc[idx], area, lang, within_s, n_posts=n_posts))
    return stops


def _active_posts(posts: gpd.GeoDataFrame | None) -> gpd.GeoSeries:
    """Where the posts in use stand (planned ones left out), in WGS-84, indexed by post id.

    The wall draws posts under the schools' clusters (a count is never covered), so at
    county zoom the panel says how many posts each 派出所's area holds."""
    if posts is None or len(posts) == 0:
        return gpd.GeoSeries([], crs="EPSG:4326")
    status = posts["status"] if "status" in posts else pd.Series("active", index=posts.index)
    active = to_wgs84(posts[status.fillna("active").astype(str) != "planned"])
    return gpd.GeoSeries(active.geometry.to_numpy(), index=active["id"].astype(str).to_numpy(), crs="EPSG:4326")


def _jurisdiction_names(posts: gpd.GeoDataFrame | None, table: pd.DataFrame) -> dict[str, str]:
    names: dict[str, str] = {}
    if "jurisdiction_name" in table:
        for jid, name in zip(table["jurisdiction_id"], table["jurisdiction_name"], strict=False):
            if isinstance(name, str) and name and jid is not None:
                names.setdefault(str(jid), name)
    if posts is not None and len(posts):
        for pid, name in zip(posts["id"].astype(str), posts["name"], strict=False):
            if isinstance(name, str) and name:
                names.setdefault(pid, name)
    return names


def _jurisdiction_geoms(posts: gpd.GeoDataFrame | None) -> dict[str, Any]:
    if posts is None or len(posts) == 0 or "jurisdiction" not in posts:
        return {}
    out = {}
    series = gpd.GeoSeries(posts["jurisdiction"], crs=posts.crs or "EPSG:4326").to_crs("EPSG:4326")
    for pid, geom in zip(posts["id"].astype(str), series, strict=False):
        if geom is not None and not geom.is_empty:
            out[pid] = geom
    return out


def _stop(jid: str, name: str, table: pd.DataFrame, gates: gpd.GeoSeries, area: Any,
          lang: str, within_s: float = 180.0, *, n_posts: int | None = None) -> dict[str, Any]:
    valid = gates[gates.notna() & ~gates.is_empty] if len(gates) else gates
    if len(valid):  # frame the schools: a jurisdiction polygon often spans empty country
        minx, miny, maxx, maxy = valid.total_bounds
    elif area is not None:
        minx, miny, maxx, maxy = area.bounds
    else:
        minx = miny = maxx = maxy = 0.0
    pad = 0.003  # ~300 m, so a one-school jurisdiction is not zoomed to the street
    bounds = [[miny - pad, minx - pad], [maxy + pad, maxx + pad]]
    n = len(table)
    response = pd.to_numeric(table.get("response_s", pd.Series(dtype=float)), errors="coerce")
    level = table.get("level", pd.Series(dtype=object)).astype(str)
    weak = int(level.isin(["weak", "critical"]).sum())
    assessed = int(level.isin(["good", "weak", "critical"]).sum())
    share = "—" if not assessed else f"{100 * int((response <= within_s).sum()) / n:.0f}%"
    mins = f"{within_s / 60:g}"
    rows = [
        (pick(lang, "学校", "Schools"), str(n), False),
        (pick(lang, f"{mins}分钟可达", f"Within {mins} min"), share, False),
        (pick(lang, "薄弱校园", "Weak campuses"), str(weak), weak > 0),
    ]
    if n_posts is not None:
        rows.append((pick(lang, "警务点（在用）", "Police posts in use"), str(n_posts), n_posts == 0))
    body = "".join(
        f'<div class="hx-focus-row"><span>{html.escape(label)}</span>'
        f'<b class="{"hx-bad" if bad else ""}">{html.escape(value)}</b></div>' for label, value, bad in rows)
    panel = f'<div class="hx-focus-title">{html.escape(name)}</div>{body}'
    return {"id": jid, "bounds": bounds, "html": panel,
            "area": None if area is None else mapping(area)}
