"""The whole campus assessment: one row per school with score, level and reasons.

``assess_campuses(layers, graph=…, settings=…)`` runs the road response field (via
:mod:`gis.network`) and then :func:`assess_with_response`, which is pure and takes the
response per gate or per school as a table. Per 派出所 summaries are in
:mod:`gis.coverage.jurisdictions`, the map's coverage layers in :mod:`gis.coverage.map_layers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.config import Settings
from gis.coverage.cameras import camera_sectors
from gis.coverage.config import CoverageConfig, ScoringConfig
from gis.coverage.duty import peak_duty
from gis.coverage.gates import (
    boundary_camera_coverage,
    campus_boundaries,
    gate_camera_coverage,
    gate_zones,
    school_gates,
)
from gis.coverage.geometry import WGS84, metric_crs, to_metric
from gis.coverage.mandatory import gate_video_ok
from gis.coverage.posts import post_availability
from gis.coverage.risks import risk_exposure, risk_pairs, school_footprints
from gis.coverage.rules import TECH_FLAGS, guard_requirements, tech_defence
from gis.coverage.score import score_campuses
from gis.coverage.values import as_flags, known_flags
from gis.errors import ValidationError
from gis.timewindows import SCORED_PEAKS, PeakWindows

OUTPUT_COLUMNS = (
    "school_id", "name", "kind", "jurisdiction_id", "response_s", "nearest_post_id",
    "posts_within_1min", "posts_within_3min", "posts_within_5min", "gate_camera_share",
    "am_staffed", "pm_staffed", "guards", "guards_required", "risk_sites_200m", "risk_sites_500m",
    "violations", "score", "level", "reasons_zh", "reasons_en",
    # issue 11: mandatory rules, police presence (见警察), peak, blanks
    "mandatory_breaches", "police_am", "police_pm", "unreported", "peak",
)
CHECKLIST_COLUMNS = ("complex_area", "high_risk", "gatekeepers", "guards_certified", "equipment_items",
                     "night_duty_24h", "parent_waiting_zone", "legal_vice_principal", "officer_assigned")
EXTRA_COLUMNS = (
    "jurisdiction_name", "nearest_post_name", "noon_staffed", "police_noon", "other_am", "other_pm",
    "armed_am", "armed_pm", "staff_unknown", "networked_share", "gate_cameras",
    "broken_gate_cameras", "assumed_gate_cameras", "gates_unseen", "gate_zone_m2", "covered_m2", "gate_blind_m2",
    "campus_boundary_m", "boundary_camera_share", "boundary_blind_m", "duty_gaps", "risk_index",
    "risk_high", "violation_sites", *TECH_FLAGS, *CHECKLIST_COLUMNS, "techdef_ok", "networked_ok",
    "guards_ok", "alarm_ok", "enrollment", "boarding", "area_type", "snap_m", "off_network", "stranded",
    "posts_answering", "posts_closed", "posts_hours_assumed", "deduct_response", "deduct_redundancy", "deduct_camera",
    "deduct_peak_duty", "deduct_guards", "deduct_tech_defence", "deduct_risks", "deduct_violations",
    "reason_count",
)
RESPONSE_BANDS = {"posts_within_60s": "posts_within_1min", "posts_within_180s": "posts_within_3min",
                  "posts_within_300s": "posts_within_5min"}


@dataclass
class CampusParts:
    """Intermediate results of the assessment, all in the metric ``crs``."""

    crs: CRS
    gates: gpd.GeoSeries
    sectors: gpd.GeoDataFrame
    coverage: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame
    duty: pd.DataFrame
    duty_gaps: gpd.GeoDataFrame
    risks: pd.DataFrame
    violations: pd.DataFrame
    guards: pd.DataFrame
    tech: pd.DataFrame


def layer_of(layers: Mapping[str, Any], name: str) -> gpd.GeoDataFrame | None:
    """The layer ``name`` of ``layers``, or None when it is missing or empty."""
    frame = layers.get(name)
    return frame if frame is not None and len(frame) else None


def _check_schools(layers: Mapping[str, Any]) -> gpd.GeoDataFrame:
    schools = layer_of(layers, "schools")
    if schools is None:
        msg = "没有学校数据，请先导入 schools 图层 / no schools: import the schools layer first"
        raise ValidationError(msg)
    dup = schools["id"].astype(str).duplicated()
    if dup.any():
        first = schools["id"].astype(str)[dup].iloc[0]
        msg = f"学校编号重复：{first}，请修正 id 字段 / duplicate school id {first}: fix the id field"
        raise ValidationError(msg)
    return schools


def campus_parts(layers: Mapping[str, Any], *, coverage: CoverageConfig,
                 scoring: ScoringConfig, crs: CRS | None = None, blind: bool = False
                 ) -> CampusParts:
    """Compute cameras, duty, risks, guards and technical flags for every school.

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame
        ``schools`` is required; ``cameras``, ``crossings``, ``risk_sites`` may be absent.
    coverage, scoring : config objects
    crs : pyproj.CRS, optional
        Metric CRS; the local UTM zone of the schools when omitted.
    blind : bool
        Also compute the blind-spot polygons (``coverage.geometry``), for the map.
    """
    schools = _check_schools(layers)
    crs = crs or metric_crs(schools)
    schools = to_metric(schools, crs)  # once: gates, campus outline and footprints read it
    gates = school_gates(schools, crs=crs)
    cameras = layer_of(layers, "cameras")
    sectors = (camera_sectors(cameras, config=coverage, crs=crs) if cameras is not None
               else camera_sectors(gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84),
                                   config=coverage, crs=crs))
    cov = gate_camera_coverage(gate_zones(gates, gate_zone_m=coverage.gate_zone_m), sectors,
                               blind=blind, gates=gates)
    edge = boundary_camera_coverage(campus_boundaries(schools, crs=crs), sectors)
    duty, gaps = peak_duty(layer_of(layers, "crossings"), gates, config=coverage, crs=crs)
    foot = school_footprints(schools, gates, crs=crs)
    pairs = risk_pairs(layer_of(layers, "risk_sites"), foot,
                       max_m=max([*coverage.risk_bands_m, coverage.internet_cafe_min_distance_m]),
                       crs=crs)
    risks, violations = risk_exposure(pairs, schools, config=coverage,
                                      level_weights=scoring.risk_level_weights)
    return CampusParts(crs=crs, gates=gates, sectors=sectors, coverage=cov, boundary=edge, duty=duty,
                       duty_gaps=gaps, risks=risks, violations=violations,
                       guards=guard_requirements(schools, rules=coverage.guards),
                       tech=tech_defence(schools))


def school_response(response: pd.DataFrame, school_ids: pd.Index) -> pd.DataFrame:
    """Per-school response from a per-gate (or per-school) response table.

    Parameters
    ----------
    response : DataFrame
        ``school_id``, ``response_s`` (seconds, NaN when unreachable), ``nearest_post_id`` and
        ``posts_within_60s/180s/300s``; several rows per school (one per gate) are allowed.
    school_ids : Index
        The schools to report, in order.

    Returns
    -------
    DataFrame
        Indexed by school id: ``response_s`` and ``nearest_post_id`` of the fastest gate,
        ``posts_within_1min/3min/5min`` (the largest over the gates).
    """
    if "school_id" not in response.columns:
        msg = "响应时间表缺少 school_id 列 / the response table needs a school_id column"
        raise ValidationError(msg)
    r = response[response["school_id"].notna()].copy()
    r["school_id"] = r["school_id"].astype(str)
    r["response_s"] = (pd.to_numeric(r["response_s"], errors="coerce") if "response_s" in r.columns
                       else np.nan)
    if "nearest_post_id" not in r.columns:
        r["nearest_post_id"] = None
    fastest = r.sort_values("response_s", na_position="last").drop_duplicates("school_id")
    out = fastest.set_index("school_id")[["response_s", "nearest_post_id"]]
    if "snap_m" in r.columns:
        out["snap_m"] = pd.to_numeric(r["snap_m"], errors="coerce").groupby(r["school_id"]).min()
    if "off_network" in r.columns:
        out["off_network"] = pd.Series(as_flags(r, "off_network"), index=r.index)\
            .groupby(r["school_id"]).all()
    if "stranded" in r.columns:  # a gate on a road piece cut off the main network
        out["stranded"] = pd.Series(as_flags(r, "stranded"), index=r.index).groupby(r["school_id"]).any()
    bands = {c: band_column(c) for c in r.columns if BAND_SOURCE.match(str(c))}
    for src, dst in {**RESPONSE_BANDS, **bands}.items():
        if src in r.columns:
            out[dst] = pd.to_numeric(r[src], errors="coerce").groupby(r["school_id"]).max()
        else:
            out[dst] = np.nan
    out = out.reindex(school_ids.astype(str))
    for dst in {*RESPONSE_BANDS.values(), *bands.values()}:
        out[dst] = out[dst].fillna(0).astype(int)
    return out


BAND_SOURCE = re.compile(r"^posts_within_(\d+(?:\.\d+)?)s$")


def band_column(source: str) -> str:
    """``posts_within_300s`` → ``posts_within_5min`` (bands in whole or decimal minutes)."""
    seconds = float(BAND_SOURCE.match(source).group(1))
    minutes = seconds / 60
    return f"posts_within_{minutes:.0f}min" if minutes.is_integer() else f"posts_within_{minutes:g}min"


def fill_jurisdictions(schools: gpd.GeoDataFrame, posts: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """``jurisdiction_id`` (filled from station polygons when missing) and its name, per school."""
    ids = schools["id"].astype(str).to_numpy()
    jid = (schools["jurisdiction_id"] if "jurisdiction_id" in schools.columns
           else pd.Series(None, index=schools.index, dtype=object))
    out = pd.DataFrame({"jurisdiction_id": [None if pd.isna(v) or v == "" else str(v) for v in jid]},
                       index=pd.Index(ids, name="school_id"))
    out["jurisdiction_name"] = None
    if posts is None:
        return out
    names = dict(zip(posts["id"].astype(str), posts["name"].astype(str), strict=True))
    missing = out["jurisdiction_id"].isna().to_numpy()
    if missing.any() and "jurisdiction" in posts.columns:
        poly = gpd.GeoSeries(posts["jurisdiction"], index=posts.index)
        if poly.crs is None:
            poly = poly.set_crs(WGS84)
        has = ~(poly.isna() | poly.is_empty)
        stations = gpd.GeoDataFrame({"station_id": posts.loc[has, "id"].astype(str).to_numpy()},
                                    geometry=poly[has].to_crs(WGS84).to_numpy(), crs=WGS84)
        main = schools.geometry.to_crs(WGS84) if schools.crs else schools.geometry
        first = gpd.GeoDataFrame({"school_id": ids},
                                 geometry=shapely.get_geometry(main.to_numpy(), 0), crs=WGS84)
        hit = gpd.sjoin(first[missing], stations, predicate="within")
        hit = hit.drop_duplicates("school_id").set_index("school_id")["station_id"]
        out.loc[hit.index, "jurisdiction_id"] = hit.to_numpy()
    out["jurisdiction_name"] = [names.get(j) if j else None for j in out["jurisdiction_id"]]
    return out


def school_checklist(schools: pd.DataFrame) -> pd.DataFrame:
    """The seeds' checklist fields per school id, blanks kept (未填报); the 民警 name and phone
    are reduced to ``officer_assigned`` (no personal data in the assessment)."""
    ids = pd.Index(schools["id"].astype(str).to_numpy(), name="school_id")
    out = pd.DataFrame(index=ids)
    for name in CHECKLIST_COLUMNS[:-1]:
        values = schools[name].to_numpy(dtype=object) if name in schools.columns else [None] * len(ids)
        out[name] = [None if pd.isna(v) else v for v in values]
    out["gatekeepers"] = pd.array(pd.to_numeric(out["gatekeepers"], errors="coerce"), dtype="Int64")
    out = out.drop(columns=["equipment_items"])  # read (with the 8-item rule) by tech_defence
    officer = schools["officer_name"] if "officer_name" in schools.columns else pd.Series(None, index=schools.index)
    out["officer_assigned"] = [None if pd.isna(v) or not str(v).strip() else True for v in officer]
    return out


def compliance_flags(scored: pd.DataFrame, *, scoring: ScoringConfig,
                     coverage: CoverageConfig) -> pd.DataFrame:
    """Per school: ``techdef_ok`` (入侵报警 + 视频监控 + 一键报警 + 电子巡查, GB/T 29315),
    ``networked_ok`` (video networked to the police platform), ``guards_ok`` (guards by the rule),
    ``alarm_ok`` (one-click alarm). True, False, or None when a needed field is blank."""

    def tri(values: np.ndarray, known: np.ndarray) -> list[bool | None]:
        return [bool(v) if k else None for v, k in zip(values, known, strict=True)]

    video = gate_video_ok(scored, scoring)
    parts = [known_flags(scored, f) for f in ("intrusion_alarm", "one_click_alarm", "electronic_patrol")]
    all_true = video & np.all([v for v, _ in parts], axis=0)
    any_false = ~video | np.any([~v & k for v, k in parts], axis=0)
    techdef_known = any_false | np.all([k for _, k in parts], axis=0)
    net, net_known = known_flags(scored, "video_networked")
    share = pd.to_numeric(scored.get("networked_share"), errors="coerce").to_numpy(dtype=float)
    net = net & ~(~np.isnan(share) & (share < coverage.networked_required_share - 1e-9))
    guards = pd.to_numeric(scored["guards"], errors="coerce").to_numpy(dtype=float)
    required = pd.to_numeric(scored["guards_required"], errors="coerce").fillna(0).to_numpy(dtype=float)
    guards_known = ~np.isnan(guards) | (required <= 0)
    alarm, alarm_known = known_flags(scored, "one_click_alarm")
    return pd.DataFrame({
        "techdef_ok": tri(all_true, techdef_known), "networked_ok": tri(net, net_known),
        "guards_ok": tri(np.nan_to_num(guards, nan=0.0) >= required, guards_known),
        "alarm_ok": tri(alarm, alarm_known),
    }, index=scored.index)


@dataclass(frozen=True)
class CampusFeatures:
    """What the score reads about each school apart from the police response.

    Cameras, boundary, peak-hour duty, risks, guards, technical defence, checklist and the
    jurisdiction: none of them depends on where the posts stand, so a what-if that moves or
    adds posts keeps them and re-scores with new response figures only
    (:func:`score_with_response`).

    Attributes
    ----------
    frame : DataFrame
        One row per school, indexed by school id (``school_id``).
    main_gate : GeoSeries
        The main gate of each school (EPSG:4326), same order.
    """

    frame: pd.DataFrame
    main_gate: gpd.GeoSeries

    def subset(self, school_ids) -> CampusFeatures:
        """The rows of these schools (in the given order)."""
        pos = self.frame.index.get_indexer(pd.Index([str(i) for i in school_ids]))
        if (pos < 0).any():
            msg = "学校编号不在评估范围内 / school id not among the assessed schools"
            raise ValidationError(msg)
        return CampusFeatures(self.frame.iloc[pos], self.main_gate.iloc[pos])


def campus_features(layers: Mapping[str, Any], *, settings: Settings | None = None,
                    crs: CRS | None = None) -> CampusFeatures:
    """Every school's features except the response (see :class:`CampusFeatures`)."""
    cov_cfg = CoverageConfig.from_settings(settings)
    sc_cfg = ScoringConfig.from_settings(settings)
    parts = campus_parts(layers, coverage=cov_cfg, scoring=sc_cfg, crs=crs)
    schools = _check_schools(layers)
    ids = pd.Index(schools["id"].astype(str).to_numpy(), name="school_id")
    base = pd.DataFrame({
        "name": schools["name"].to_numpy(), "kind": schools["kind"].astype(str).to_numpy(),
    }, index=ids)
    coverage = pd.DataFrame(parts.coverage.drop(columns="geometry"))
    coverage["gate_blind_m2"] = coverage["gate_zone_m2"] - coverage["covered_m2"]
    frame = pd.concat([
        base, fill_jurisdictions(schools, layer_of(layers, "police_posts")), coverage,
        pd.DataFrame(parts.boundary.drop(columns="geometry")), parts.duty, parts.risks,
        parts.guards, parts.tech, school_checklist(schools),
    ], axis=1)
    main_gate = shapely.get_geometry(parts.gates.to_numpy(), 0)
    geo = gpd.GeoSeries(main_gate, crs=parts.crs).to_crs(WGS84)
    geo.index = ids
    return CampusFeatures(frame, geo)


def score_with_response(features: CampusFeatures, *, response: pd.DataFrame | None,
                        posts: gpd.GeoDataFrame | None = None, settings: Settings | None = None,
                        peak: str | None = None, availability: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Score the schools of ``features`` with these response figures (see :func:`assess_with_response`).

    ``posts`` name the nearest post; ``response`` is as for :func:`school_response`.
    """
    cov_cfg = CoverageConfig.from_settings(settings)
    sc_cfg = ScoringConfig.from_settings(settings)
    ids = features.frame.index
    resp = (school_response(response, ids) if response is not None
            else school_response(pd.DataFrame({"school_id": [], "response_s": [],
                                               "nearest_post_id": []}), ids))
    if posts is not None:
        names = dict(zip(posts["id"].astype(str), posts["name"].astype(str), strict=True))
        resp["nearest_post_name"] = [names.get(str(p)) if pd.notna(p) else None
                                     for p in resp["nearest_post_id"]]
    scored = score_campuses(pd.concat([features.frame, resp], axis=1), config=sc_cfg, coverage=cov_cfg)
    scored = pd.concat([scored, compliance_flags(scored, scoring=sc_cfg, coverage=cov_cfg)], axis=1)
    scored["peak"] = peak or ""
    if availability is not None:
        scored["posts_answering"] = int(availability["answers"].sum())
        scored["posts_closed"] = ",".join(availability.index[~availability["answers"]].astype(str))
        scored["posts_hours_assumed"] = ",".join(availability.index[availability["hours_assumed"]].astype(str))
    scored.index.name = "school_id"
    scored = scored.reset_index()
    for col in ("risk_sites_200m", "risk_sites_500m"):
        if col not in scored.columns:
            scored[col] = 0
    cols = [c for c in (*OUTPUT_COLUMNS, *EXTRA_COLUMNS) if c in scored.columns]
    out = gpd.GeoDataFrame(scored[cols], geometry=features.main_gate.to_numpy(), crs=WGS84)
    return out.sort_values(["score", "school_id"], kind="stable").reset_index(drop=True)


def assess_with_response(layers: Mapping[str, Any], *, response: pd.DataFrame | None,
                         settings: Settings | None = None, crs: CRS | None = None,
                         peak: str | None = None,
                         availability: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Assess and score every school given the response times (pure, no road graph).

    :func:`campus_features` then :func:`score_with_response`.

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame
        The store's layers (EPSG:4326); ``schools`` is required.
    response : DataFrame or None
        See :func:`school_response`; ``None`` scores every school as unreachable.
    settings : Settings, optional
        ``[coverage]`` and ``[scoring]`` sections.
    crs : pyproj.CRS, optional
        Metric CRS for distances (local UTM of the schools by default).
    peak : {"am", "pm"}, optional
        The peak the response was computed at (reported in the ``peak`` column).
    availability : DataFrame, optional
        From :func:`gis.coverage.posts.post_availability` (posts answering, closed), reported.

    Returns
    -------
    GeoDataFrame
        One row per school, the columns of :data:`OUTPUT_COLUMNS` first, then
        :data:`EXTRA_COLUMNS`; geometry is the main gate (EPSG:4326). Sorted by score, weakest
        first.
    """
    features = campus_features(layers, settings=settings, crs=crs)
    return score_with_response(features, response=response, posts=layer_of(layers, "police_posts"),
                               settings=settings, peak=peak, availability=availability)


def campus_response(graph: Any, posts: gpd.GeoDataFrame, schools: gpd.GeoDataFrame, *,
                    peak: str | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Response per gate from the road engine: fastest post, seconds, posts per band.

    The bands are ``[network] bands_minutes`` plus the score's two targets
    (``response_good_s``, ``response_limit_s``).

    Returns
    -------
    DataFrame
        ``school_id, gate_index, nearest_post_id, response_s, posts_within_<band>s``.
    """
    from gis.network import NetworkConfig, response_field, school_gate_points

    net = NetworkConfig.from_settings(settings)
    sc = ScoringConfig.from_settings(settings)
    bands = sorted({*(60.0 * m for m in net.bands_minutes), sc.response_good_s, sc.response_limit_s})
    targets = school_gate_points(schools)
    if posts is None or len(posts) == 0:
        return pd.DataFrame({"school_id": targets["school_id"].to_numpy(), "response_s": np.nan,
                             "nearest_post_id": None})
    field = response_field(graph, posts, targets, peak=peak, bands_s=tuple(bands), config=net)
    field = pd.DataFrame(field)
    if "school_id" not in field.columns:
        if len(field) == len(targets) and field.index.equals(targets.index):
            field["school_id"] = targets["school_id"].to_numpy()
        else:
            key = next(c for c in ("target_id", "point_id", "id") if c in field.columns)
            sid = dict(zip(targets["id"], targets["school_id"], strict=True))
            field["school_id"] = field[key].map(sid)
    return field


def assess_campuses(layers: Mapping[str, Any], *, graph: Any, settings: Settings | None = None,
                    peak: str | None = None, crs: CRS | None = None,
                    features: CampusFeatures | None = None) -> gpd.GeoDataFrame:
    """Assess every school: road response at ``peak``, cameras, duty, risks, guards, technical
    defence and the mandatory rules, scored 0–100 with reasons.

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame
        ``schools`` and ``police_posts`` at least (EPSG:4326).
    graph : gis.network RoadGraph
        From :func:`gis.network.load_road_graph`.
    settings : Settings, optional
    peak : {"am", "pm"}, optional
        Peak-hour speeds, and only the posts open for the whole peak window (``[routing.windows]``)
        answer. ``None``: free-flow speeds at no particular time (every post with staff answers).
        A post with ``staff`` 0 never answers.
    features : CampusFeatures, optional
        :func:`campus_features` of these layers when the caller has them already.

    Returns
    -------
    GeoDataFrame
        See :func:`assess_with_response`.
    """
    schools = _check_schools(layers)
    posts = layer_of(layers, "police_posts")
    if posts is not None and "status" in posts.columns:  # planned posts (gis.siting) do not respond yet
        posts = layer_of({"p": posts[posts["status"].fillna("").astype(str) != "planned"]}, "p")
    if posts is None:
        msg = "没有警务点数据，无法计算到达时间；请导入 police_posts 图层 / no police posts: import police_posts"
        raise ValidationError(msg)
    if peak not in (None, *SCORED_PEAKS):
        msg = f"高峰时段只能是 am 或 pm，收到 {peak!r} / peak must be am or pm, got {peak!r}"
        raise ValidationError(msg)
    window = PeakWindows.from_settings(settings).window(peak) if peak else None
    availability = post_availability(posts, window=window)
    answering = posts[availability["answers"].to_numpy()]
    response = campus_response(graph, answering, schools, peak=peak, settings=settings)
    if features is None:
        features = campus_features(layers, settings=settings, crs=crs)
    return score_with_response(features, response=response, posts=layer_of(layers, "police_posts"),
                               settings=settings, peak=peak, availability=availability)
