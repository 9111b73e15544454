"""What-if on the map: move a post or add a kiosk, and see the county's figures change at once.

``WhatIf.build`` runs the full assessment once (``gis.coverage.assess_campuses``) and keeps the
travel seconds of every post to every school gate (one compiled Dijkstra per post, at peak),
and each school's features that no post move can change (cameras, duty, risks, guards,
checklist, jurisdiction: ``gis.coverage.campus_features``). A move or an addition then costs
one Dijkstra from the new position; the response of each gate (fastest post, posts within
1/3/5 minutes) is recomputed from the kept matrix in numpy, and only the schools whose
response figures change are re-scored, through the public ``gis.coverage.score_with_response``
on their kept features. Everything else stands.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.config import Settings
from gis.coverage.geometry import WGS84, metric_crs
from gis.errors import ValidationError
from gis.network import NetworkConfig
from gis.network.graph import RoadGraph
from gis.network.matrix import origin_target_seconds
from gis.siting.compare import kpi_figures, level_changes
from gis.siting.config import SitingConfig
from gis.siting.posts import active_posts, answering_posts
from gis.siting.reach import snap_gates, snap_sites


@dataclass
class WhatIfUpdate:
    """One change: seconds it took, schools re-scored, level changes against the start, KPIs."""

    seconds: float
    rescored: list[str]
    changes: pd.DataFrame
    kpis: dict[str, Any]
    moved: str | None = None


@dataclass
class WhatIf:
    """An interactive session over fixed layers (see the module docstring)."""

    graph: RoadGraph
    settings: Settings | None
    peak: str
    minutes: float
    layers: dict[str, gpd.GeoDataFrame]
    posts: gpd.GeoDataFrame
    post_seconds: np.ndarray
    gate_owner: np.ndarray
    school_ids: np.ndarray
    base: pd.DataFrame
    current: pd.DataFrame
    crs: Any
    school_xy: np.ndarray
    gates: Any = None
    bands: tuple[float, ...] = (60.0, 180.0, 300.0)
    availability: pd.DataFrame | None = None
    features: Any = None
    log: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, layers: Mapping[str, gpd.GeoDataFrame], *, graph: RoadGraph, settings: Settings | None = None,
              peak: str | None = None, assessment: pd.DataFrame | None = None) -> WhatIf:
        """Assess once and keep the post × gate seconds (the expensive part, done once)."""
        from gis.coverage import assess_campuses, campus_features

        config = SitingConfig.from_settings(settings)
        network = NetworkConfig.from_settings(settings)
        peak = peak or config.peak
        layers = dict(layers)
        from gis.coverage.config import ScoringConfig

        posts = active_posts(layers.get("police_posts")).reset_index(drop=True)
        answering, availability = answering_posts(posts, peak=peak, settings=settings)
        if len(posts) == 0:
            msg = "没有警务点，无法推演 / no police posts to start from"
            raise ValidationError(msg)
        layers["police_posts"] = posts
        schools = layers["schools"]
        gates = snap_gates(graph, schools, config=network)
        snapped, ok = snap_sites(graph, posts, config=network)
        ok &= posts["id"].astype(str).isin(set(answering["id"].astype(str))).to_numpy()   # closed at peak: no row
        seconds = np.full((len(posts), len(gates.snapped)), np.inf)
        if ok.any():
            seconds[ok] = origin_target_seconds(graph, snapped.subset(ok), gates.snapped, peak=peak,
                                                direction="forward")
        crs = metric_crs(schools)
        features = campus_features(layers, settings=settings, crs=crs)
        if assessment is None:
            assessment = pd.DataFrame(assess_campuses(layers, graph=graph, settings=settings, peak=peak, crs=crs,
                                                      features=features))
        table = pd.DataFrame(assessment).drop(columns="geometry", errors="ignore").copy()
        table["school_id"] = table["school_id"].astype(str)
        table = table.set_index("school_id", drop=False).reindex(gates.school_ids)
        main = shapely.get_geometry(schools.geometry.to_crs(crs).to_numpy(), 0)
        xy = np.column_stack([shapely.get_x(main), shapely.get_y(main)])
        sc = ScoringConfig.from_settings(settings)
        bands = tuple(sorted({*(60.0 * m for m in network.bands_minutes), sc.response_good_s, sc.response_limit_s}))
        return cls(graph=graph, settings=settings, peak=peak, minutes=config.minutes, layers=layers, posts=posts,
                   post_seconds=seconds, gate_owner=gates.owner, school_ids=gates.school_ids, base=table.copy(),
                   current=table, crs=crs, school_xy=xy, gates=gates.snapped, bands=bands,
                   availability=availability, features=features)

    # -- response per school from the kept matrix ---------------------------------------

    def _per_school(self, seconds: np.ndarray) -> pd.DataFrame:
        """Fastest gate's seconds and post, posts within each band (max over gates), per school."""
        n_sch = len(self.school_ids)
        ids = self.posts["id"].astype(str).to_numpy()
        if seconds.shape[1] == 0:
            empty = pd.DataFrame(index=self.school_ids)
            empty["response_s"], empty["nearest_post_id"] = np.nan, None
            for b in self.bands:
                empty[f"posts_within_{b:g}s"] = 0
            return empty
        best = seconds.min(axis=0)
        arg = seconds.argmin(axis=0)
        counts = {b: (seconds <= b).sum(axis=0) for b in self.bands}
        frame = pd.DataFrame({"owner": self.gate_owner, "best": best, "arg": arg,
                              **{f"c{b:g}": c for b, c in counts.items()}})
        fastest = frame.sort_values("best", kind="stable").drop_duplicates("owner").set_index("owner")
        out = pd.DataFrame(index=pd.RangeIndex(n_sch))
        out["response_s"] = fastest["best"].reindex(out.index)
        out["nearest_post_id"] = [ids[int(a)] if np.isfinite(b) else None
                                  for a, b in zip(fastest["arg"].reindex(out.index).fillna(0),
                                                  out["response_s"].fillna(np.inf), strict=True)]
        out.loc[~np.isfinite(out["response_s"]), "response_s"] = np.nan
        for b in self.bands:
            out[f"posts_within_{b:g}s"] = frame.groupby("owner")[f"c{b:g}"].max().reindex(out.index)\
                .fillna(0).astype(int)
        out.index = self.school_ids
        return out

    def _row_for(self, lon: float, lat: float) -> np.ndarray:
        pt = gpd.GeoDataFrame({"id": ["p"]}, geometry=[shapely.Point(lon, lat)], crs=WGS84)
        network = NetworkConfig.from_settings(self.settings)
        snapped, ok = snap_sites(self.graph, pt, config=network)
        if not ok.all():
            msg = (f"({lon:.5f}, {lat:.5f}) 距道路超过 {network.max_snap_m:g} 米，请放在道路旁 / "
                   f"this place is more than {network.max_snap_m:g} m from any road: put the post by a road")
            raise ValidationError(msg)
        return origin_target_seconds(self.graph, snapped, self.gates, peak=self.peak, direction="forward")[0]

    # -- changes --------------------------------------------------------------------------

    def move(self, post_id: str, lon: float, lat: float) -> WhatIfUpdate:
        """Move an existing post to (``lon``, ``lat``)."""
        start = time.perf_counter()
        ids = self.posts["id"].astype(str)
        hit = np.flatnonzero(ids.to_numpy() == str(post_id))
        if len(hit) == 0:
            msg = f"没有编号为 {post_id} 的警务点 / no police post {post_id}"
            raise ValidationError(msg)
        i = int(hit[0])
        row = self._row_for(lon, lat)
        old = self._per_school(self.post_seconds)
        answers = self.availability is None or bool(self.availability["answers"].get(str(post_id), True))
        self.post_seconds[i] = row if answers else np.inf    # closed at this peak wherever it stands
        geo = self.posts.geometry.name
        self.posts.loc[i, geo] = shapely.Point(lon, lat)
        return self._apply(old, start, moved=str(post_id))

    def add(self, lon: float, lat: float, *, kind: str = "kiosk", name: str | None = None) -> WhatIfUpdate:
        """Add a post (a kiosk by default) at (``lon``, ``lat``)."""
        start = time.perf_counter()
        row = self._row_for(lon, lat)
        old = self._per_school(self.post_seconds)
        k = sum(1 for pid in self.posts["id"].astype(str) if pid.startswith("whatif-")) + 1
        pid = f"whatif-{k}"
        geo = self.posts.geometry.name
        extra = gpd.GeoDataFrame({"id": [pid], "name": [name or f"推演岗亭{k}"], "kind": [kind], "staff": [2],
                                  geo: [shapely.Point(lon, lat)]}, geometry=geo, crs=WGS84)
        self.posts = gpd.GeoDataFrame(pd.concat([self.posts, extra], ignore_index=True), geometry=geo, crs=WGS84)
        self.post_seconds = np.vstack([self.post_seconds, row[None, :]])
        return self._apply(old, start, moved=pid)

    def _apply(self, old: pd.DataFrame, start: float, *, moved: str) -> WhatIfUpdate:
        new = self._per_school(self.post_seconds)
        cols = ["response_s", *[f"posts_within_{b:g}s" for b in self.bands]]
        diff = ~np.isclose(new[cols].fillna(-1).to_numpy(float), old[cols].fillna(-1).to_numpy(float)).all(axis=1)
        diff |= (new["nearest_post_id"].fillna("") != old["nearest_post_id"].fillna("")).to_numpy()
        changed = self.school_ids[diff]
        if len(changed):
            self._rescore(changed, new.loc[changed])
        self.log.append({"moved": moved, "rescored": len(changed)})
        return WhatIfUpdate(seconds=time.perf_counter() - start, rescored=list(changed),
                            changes=self.changes(), kpis=self.kpis(), moved=moved)

    def _rescore(self, ids: np.ndarray, response: pd.DataFrame) -> None:
        """Re-score just these schools: their kept features with the new response figures."""
        from gis.coverage import score_with_response

        table = response.reset_index(names="school_id")
        for col in ("snap_m", "off_network", "stranded"):   # the gates' snapping does not move
            if col in self.base.columns:
                table[col] = self.base.loc[ids, col].to_numpy()
        fresh = pd.DataFrame(score_with_response(self.features.subset(ids), response=table, posts=self.posts,
                                                 settings=self.settings, peak=self.peak,
                                                 availability=self._availability()))
        fresh = fresh.drop(columns="geometry", errors="ignore")
        fresh["school_id"] = fresh["school_id"].astype(str)
        fresh = fresh.set_index("school_id", drop=False)
        cols = [c for c in fresh.columns if c in self.current.columns]
        self.current.loc[fresh.index, cols] = fresh[cols].to_numpy()

    def _availability(self) -> pd.DataFrame | None:
        """The start's availability table plus the posts added in the session (answering)."""
        if self.availability is None:
            return None
        extra = [pid for pid in self.posts["id"].astype(str) if pid not in self.availability.index]
        if not extra:
            return self.availability
        add = pd.DataFrame(False, index=pd.Index(extra), columns=self.availability.columns)
        add["answers"] = True
        return pd.concat([self.availability, add])

    # -- figures --------------------------------------------------------------------------

    def kpis(self) -> dict[str, Any]:
        """County KPIs now (same figures as the scenario tiles)."""
        return kpi_figures(self.current.reset_index(drop=True), minutes=self.minutes)

    def touched(self) -> list[str]:
        """Ids of the posts moved or added in the session, in order of first change."""
        return list(dict.fromkeys(str(entry["moved"]) for entry in self.log))

    def as_result(self) -> dict[str, Any]:
        """The session as a scenario result (``gis.siting.scenario.build_result``, kind ``whatif``):
        the posts moved or added are the proposals (at their new places), KPIs and level changes
        against the start; saved, exported and turned into planned posts like any scenario."""
        from gis.siting.compare import BeforeAfter
        from gis.siting.scenario import build_result

        touched = self.touched()
        ids = self.posts["id"].astype(str)
        picked = self.posts[ids.isin(touched)]
        geo = self.posts.geometry.name
        proposals = gpd.GeoDataFrame({
            "id": picked["id"].astype(str).to_numpy(),
            "name": picked["name"].astype(str).to_numpy(),
            "kind": [str(k) if k in ("office", "kiosk") else "kiosk" for k in picked["kind"]],
            "change": ["added" if pid.startswith("whatif-") else "moved" for pid in picked["id"].astype(str)],
        }, geometry=picked[geo].to_numpy(), crs=WGS84)
        before, after = self.base.reset_index(drop=True), self.current.reset_index(drop=True)
        ba = BeforeAfter(before=self.base_kpis(), after=self.kpis(), changes=self.changes(),
                         assessment_before=before, assessment_after=after)
        summary = {"kind": "whatif", "peak": self.peak, "minutes": self.minutes, "schools": int(len(before)),
                   "before_covered": ba.before["within"], "after_covered": ba.after["within"],
                   "sites": int(len(proposals)), "status": "what-if", "solver": "", "gap": None,
                   "params": {"peak": self.peak, "minutes": self.minutes, "changes": len(self.log)}}
        return build_result(kind="whatif", summary=summary, proposals=proposals, ba=ba)

    def base_kpis(self) -> dict[str, Any]:
        return kpi_figures(self.base.reset_index(drop=True), minutes=self.minutes)

    def changes(self) -> pd.DataFrame:
        """Schools whose level differs from the start of the session."""
        return level_changes(self.base.reset_index(drop=True), self.current.reset_index(drop=True))

