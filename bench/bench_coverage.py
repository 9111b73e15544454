"""Campus assessment at county scale: our vectorised code vs a naive per-school loop.

A generated county (seeded): 1,000 schools (1–3 gates, 60 % with a campus polygon, the seeds'
checklist filled in with some blanks), 5,000 cameras (most aimed near gates, some with missing
fields, some broken), 60 police posts (hours, staff), 1,500 crossings (police, auxiliary, guards,
volunteers, some armed), 800 risk sites, on a 30 km × 30 km grid road network. Both
implementations get the same EPSG:4326 layers and the same per-school response table (from the
road engine, only the posts open in the AM peak) and compute gate-camera coverage (share and
gates unseen), campus-boundary coverage, peak duty with police presence (见警察) and armed
police, risk counts and violations; both are then scored by ``score_campuses``, which also
judges the mandatory rules. The naive peer is what one writes without spatial indexes: a
Python loop over schools, testing every camera sector (built once per camera with shapely),
every crossing and every risk site.

Usage: ``.venv/bin/python bench/bench_coverage.py [--schools 1000 --cameras 5000 --posts 60]``
Ends with one line ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.config import load_settings  # noqa: E402
from gis.coverage.assess import assess_with_response, campus_response  # noqa: E402
from gis.coverage.config import coverage_config, scoring_config  # noqa: E402
from gis.coverage.geometry import metric_crs  # noqa: E402
from gis.coverage.posts import post_availability  # noqa: E402
from gis.coverage.score import score_campuses  # noqa: E402
from gis.network import build_road_graph  # noqa: E402
from gis.timewindows import PeakWindows  # noqa: E402

LON0, LAT0 = 117.05, 28.10          # south-west corner (贵溪 area), UTM 50N
SIZE_M = 30_000.0
GRID_M = 400.0


def county(n_schools: int, n_cameras: int, n_posts: int, seed: int) -> tuple[dict, object]:
    """Generated layers (EPSG:4326) and the metric CRS they were drawn in."""
    rng = np.random.default_rng(seed)
    crs = metric_crs(gpd.GeoSeries([Point(LON0 + 0.15, LAT0 + 0.13)], crs=4326))
    x0, y0 = gpd.GeoSeries([Point(LON0, LAT0)], crs=4326).to_crs(crs).iloc[0].coords[0]

    def to_wgs(xs, ys):
        return gpd.GeoSeries(shapely.points(np.asarray(xs) + x0, np.asarray(ys) + y0),
                             crs=crs).to_crs(4326)

    # Roads: a grid of secondary/residential streets, split at every crossing.
    lines, klass = [], []
    ticks = np.arange(0.0, SIZE_M + 1, GRID_M)
    for k, t in enumerate(ticks):
        cls = "secondary" if k % 10 == 0 else "residential"
        for a, b in zip(ticks[:-1], ticks[1:], strict=True):
            lines.append(shapely.LineString([(a + x0, t + y0), (b + x0, t + y0)]))
            lines.append(shapely.LineString([(t + x0, a + y0), (t + x0, b + y0)]))
            klass += [cls, cls]
    roads = gpd.GeoDataFrame({"id": [f"r{i}" for i in range(len(lines))], "highway": klass,
                              "oneway": "no", "maxspeed": None},
                             geometry=gpd.GeoSeries(lines, crs=crs).to_crs(4326))

    # Schools: main gate 5–40 m off a street, 0–2 side gates within 150 m.
    sx = rng.uniform(500, SIZE_M - 500, n_schools)
    sy = np.round(rng.uniform(500, SIZE_M - 500, n_schools) / GRID_M) * GRID_M + rng.uniform(5, 40, n_schools)
    n_gates = rng.integers(1, 4, n_schools)
    gate_xy = [[(sx[i], sy[i])] + [(sx[i] + rng.uniform(-150, 150), sy[i] + rng.uniform(-150, 150))
                                   for _ in range(n_gates[i] - 1)] for i in range(n_schools)]
    gates_m = [MultiPoint([(x + x0, y + y0) for x, y in g]) for g in gate_xy]
    kinds = rng.choice(["kindergarten", "primary", "junior", "senior", "nine_year", "vocational"],
                       n_schools, p=[0.3, 0.35, 0.15, 0.08, 0.07, 0.05])
    area = rng.choice(["urban", "town", "rural"], n_schools, p=[0.3, 0.3, 0.4])
    flag = lambda p: pd.array(rng.random(n_schools) < p, dtype="boolean")  # noqa: E731
    schools = gpd.GeoDataFrame({
        "id": [f"S{i:04d}" for i in range(n_schools)], "name": [f"学校{i}" for i in range(n_schools)],
        "kind": kinds, "enrollment": pd.array(rng.integers(30, 3000, n_schools), dtype="Int64"),
        "boarding": flag(0.15), "area_type": area, "jurisdiction_id": None,
        "guards": pd.array(rng.integers(0, 5, n_schools), dtype="Int64"),
        "equipment_complete": flag(0.7), "video_networked": flag(0.6),
        "one_click_alarm": flag(0.7), "anti_ram_barrier": flag(0.5),
        # the seeds' checklist, with blanks (未填报)
        "complex_area": flag(0.15), "high_risk": flag(0.05),
        "gatekeepers": pd.array(np.where(rng.random(n_schools) < 0.05, None, rng.integers(0, 3, n_schools)),
                                dtype="Int64"),
        "equipment_items": pd.array(np.where(rng.random(n_schools) < 0.1, None, rng.integers(3, 9, n_schools)),
                                    dtype="Int64"),
        "intrusion_alarm": flag(0.7), "electronic_patrol": flag(0.6), "monitor_room_24h": flag(0.7),
        "night_duty_24h": flag(0.8), "enclosed": flag(0.9),
    }, geometry=gpd.GeoSeries(gates_m, crs=crs).to_crs(4326))
    for name in ("one_click_alarm", "intrusion_alarm", "night_duty_24h"):
        schools.loc[rng.random(n_schools) < 0.05, name] = pd.NA
    # Campus polygons (60 %): a 120–260 m rectangle behind the main gate.
    w, h = rng.uniform(120, 260, n_schools), rng.uniform(100, 220, n_schools)
    campus = [shapely.box(sx[i] - w[i] / 2 + x0, sy[i] + y0, sx[i] + w[i] / 2 + x0, sy[i] + h[i] + y0)
              if rng.random() < 0.6 else None for i in range(n_schools)]
    schools["campus"] = gpd.GeoSeries(campus, crs=crs).to_crs(4326)

    # Posts: 60 spread over the county, the first ones stations with jurisdiction squares.
    px, py = rng.uniform(0, SIZE_M, n_posts), np.round(rng.uniform(0, SIZE_M, n_posts) / GRID_M) * GRID_M
    posts = gpd.GeoDataFrame({"id": [f"P{i:02d}" for i in range(n_posts)],
                              "name": [f"警务点{i}" for i in range(n_posts)],
                              "kind": rng.choice(["station", "office", "kiosk"], n_posts),
                              "staff": rng.choice([0, 2, 5, 30], n_posts, p=[0.05, 0.4, 0.3, 0.25]),
                              "hours": rng.choice(["24小时", "08:00-20:00", "工作日 7-18", None], n_posts,
                                                  p=[0.5, 0.2, 0.2, 0.1])},
                             geometry=to_wgs(px, py))
    schools["jurisdiction_id"] = [f"P{int(j):02d}" for j in rng.integers(0, min(n_posts, 12), n_schools)]

    # Cameras: 75 % within 60 m of a random gate, aimed roughly at it; the rest anywhere.
    near = rng.random(n_cameras) < 0.75
    owner_gate = rng.integers(0, n_schools, n_cameras)
    gx = np.array([gate_xy[i][0][0] for i in owner_gate])
    gy = np.array([gate_xy[i][0][1] for i in owner_gate])
    ang = rng.uniform(0, 2 * np.pi, n_cameras)
    dist = rng.uniform(3, 60, n_cameras)
    cx = np.where(near, gx + dist * np.sin(ang), rng.uniform(0, SIZE_M, n_cameras))
    cy = np.where(near, gy + dist * np.cos(ang), rng.uniform(0, SIZE_M, n_cameras))
    toward_gate = (np.degrees(np.arctan2(gx - cx, gy - cy)) + rng.normal(0, 30, n_cameras)) % 360
    direction = np.where(near, toward_gate, rng.uniform(0, 360, n_cameras))
    direction[rng.random(n_cameras) < 0.08] = np.nan
    fov = rng.choice([60.0, 90.0, 110.0, 360.0], n_cameras, p=[0.3, 0.45, 0.2, 0.05])
    fov[rng.random(n_cameras) < 0.05] = np.nan
    rng_m = rng.uniform(20, 80, n_cameras)
    rng_m[rng.random(n_cameras) < 0.05] = np.nan
    cameras = gpd.GeoDataFrame({
        "id": [f"C{i:05d}" for i in range(n_cameras)], "direction_deg": direction, "fov_deg": fov,
        "range_m": rng_m, "networked": pd.array(rng.random(n_cameras) < 0.6, dtype="boolean"),
        "status": np.where(rng.random(n_cameras) < 0.05, "broken", "ok"),
        "owner": rng.choice(["school", "police", "shop"], n_cameras, p=[0.6, 0.25, 0.15]),
    }, geometry=to_wgs(cx, cy))

    # Crossings: 1.5 per school on average, some without school_id, some unstaffed.
    n_cross = int(n_schools * 1.5)
    owner = rng.integers(0, n_schools, n_cross)
    kx = sx[owner] + rng.uniform(-250, 250, n_cross)
    ky = sy[owner] + rng.uniform(-250, 250, n_cross)
    crossings = gpd.GeoDataFrame({
        "id": [f"X{i:05d}" for i in range(n_cross)],
        "school_id": [f"S{o:04d}" if r < 0.7 else None for o, r in zip(owner, rng.random(n_cross), strict=True)],
        "am_window": np.where(rng.random(n_cross) < 0.85, "07:10-08:00", None),
        "noon_window": np.where(rng.random(n_cross) < 0.3, "11:30-12:10", None),
        "pm_window": np.where(rng.random(n_cross) < 0.8, "16:30-17:20", None),
        "staffed_by": rng.choice(["police", "auxiliary", "guard", "volunteer", "none"], n_cross,
                                 p=[0.25, 0.25, 0.2, 0.15, 0.15]),
        "staff": pd.array(np.where(rng.random(n_cross) < 0.05, None, rng.integers(0, 4, n_cross)), dtype="Int64"),
        "armed": rng.random(n_cross) < 0.2,
    }, geometry=to_wgs(kx, ky))

    # Risk sites: 800, a quarter internet cafés, clustered near schools.
    n_risk = 800
    owner = rng.integers(0, n_schools, n_risk)
    d = rng.uniform(0, 700, n_risk)
    a = rng.uniform(0, 2 * np.pi, n_risk)
    risk_sites = gpd.GeoDataFrame({
        "id": [f"R{i:04d}" for i in range(n_risk)],
        "category": rng.choice(["internet_cafe", "entertainment", "stall", "person", "dispute", "drugs"],
                               n_risk, p=[0.25, 0.2, 0.2, 0.15, 0.1, 0.1]),
        "level": rng.integers(1, 4, n_risk), "note": "…", "sensitive": rng.random(n_risk) < 0.1,
    }, geometry=to_wgs(sx[owner] + d * np.sin(a), sy[owner] + d * np.cos(a)))
    layers = {"schools": schools, "police_posts": posts, "cameras": cameras,
              "crossings": crossings, "risk_sites": risk_sites, "roads": roads}
    return layers, crs


# --- the naive peer -----------------------------------------------------------------------

def naive_sector(x, y, direction, fov, radius, segments):
    if fov >= 360:
        return Point(x, y).buffer(radius, quad_segs=max(segments // 4, 4))
    chords = max(math.ceil(segments * fov / 360), 2)
    pts = [(x, y)]
    for k in range(chords + 1):
        t = math.radians(direction - fov / 2 + fov * k / chords)
        pts.append((x + radius * math.sin(t), y + radius * math.cos(t)))
    pts.append((x, y))
    return Polygon(pts)


def naive_features(layers: dict, crs, cfg) -> pd.DataFrame:
    """Per-school features with plain loops (no spatial index, no vectorisation)."""
    sch = layers["schools"].to_crs(crs)
    cams = layers["cameras"].to_crs(crs)
    cross = layers["crossings"].to_crs(crs)
    risks = layers["risk_sites"].to_crs(crs)
    campus = gpd.GeoSeries(sch["campus"], crs=layers["schools"].crs).to_crs(crs)
    sectors = []
    for row in cams.itertuples():
        owner = row.owner
        d = row.direction_deg if not pd.isna(row.direction_deg) else cfg.camera_default(owner, "direction_deg")
        f = row.fov_deg if not pd.isna(row.fov_deg) else cfg.camera_default(owner, "fov_deg")
        r = row.range_m if not pd.isna(row.range_m) else cfg.camera_default(owner, "range_m")
        sectors.append((naive_sector(row.geometry.x, row.geometry.y, d, f, r, cfg.sector_segments),
                        row.status != "broken", bool(row.networked)))
    ids = sch["id"].tolist()
    gates = {sid: list(g.geoms) for sid, g in zip(ids, sch.geometry, strict=True)}
    # crossings -> school
    served = []
    for row in cross.itertuples():
        sid = row.school_id if row.school_id in gates else None
        if sid is None:
            best, best_d = None, cfg.duty_search_m
            for s, pts in gates.items():
                for p in pts:
                    dd = row.geometry.distance(p)
                    if dd <= best_d:
                        best, best_d = s, dd
            sid = best
        who = row.staffed_by
        staffed = who in ("police", "auxiliary", "guard", "volunteer") and not (not pd.isna(row.staff)
                                                                                 and row.staff <= 0)
        police = staffed and who in ("police", "auxiliary")
        served.append((sid, staffed, police, police and bool(row.armed), row.am_window is not None,
                       row.pm_window is not None))
    rows = []
    kinds = dict(zip(ids, sch["kind"], strict=True))
    for k, sid in enumerate(ids):
        zone = MultiPoint(gates[sid]).buffer(cfg.gate_zone_m, quad_segs=12)
        edge = campus.iloc[k].boundary if campus.iloc[k] is not None else None
        seen, seen_edge, n_cam, n_net = [], [], 0, 0
        for geom, working, networked in sectors:
            if not working:
                continue
            if geom.intersects(zone):
                seen.append(geom.intersection(zone))
                n_cam += 1
                n_net += networked
            if edge is not None and geom.intersects(edge):
                seen_edge.append(geom)
        union = shapely.union_all(seen) if seen else shapely.Polygon()
        covered = union.area
        unseen = sum(1 for g in gates[sid] if not union.covers(g))
        edge_share = (min(edge.intersection(shapely.union_all(seen_edge)).length / edge.length, 1.0)
                      if edge is not None and seen_edge else (0.0 if edge is not None else np.nan))
        mine = [t for t in served if t[0] == sid]
        in200 = in500 = viol = 0
        listed = []
        foot = MultiPoint(gates[sid]) if campus.iloc[k] is None else MultiPoint(gates[sid]).union(campus.iloc[k])
        for row in risks.itertuples():
            dd = row.geometry.distance(foot)
            in200 += dd <= 200
            in500 += dd <= 500
            if (row.category == "internet_cafe" and dd <= cfg.internet_cafe_min_distance_m
                    and kinds[sid] in cfg.internet_cafe_protected_kinds):
                viol += 1
                listed.append((row.id, dd))
        rows.append({"school_id": sid, "gate_camera_share": min(covered / zone.area, 1.0),
                     "gate_zone_m2": zone.area, "covered_m2": covered, "gates_unseen": unseen,
                     "gate_cameras": n_cam, "networked_cameras": n_net,
                     "networked_share": n_net / n_cam if n_cam else np.nan,
                     "boundary_camera_share": edge_share,
                     "am_staffed": any(t[1] and t[4] for t in mine), "pm_staffed": any(t[1] and t[5] for t in mine),
                     "police_am": any(t[2] and t[4] for t in mine), "police_pm": any(t[2] and t[5] for t in mine),
                     "other_am": sum(1 for t in mine if t[1] and not t[2] and t[4]),
                     "other_pm": sum(1 for t in mine if t[1] and not t[2] and t[5]),
                     "armed_am": any(t[3] and t[4] for t in mine), "armed_pm": any(t[3] and t[5] for t in mine),
                     "risk_sites_200m": in200, "risk_sites_500m": in500, "violations": viol,
                     "violation_list": sorted(listed, key=lambda t: t[1])})
    return pd.DataFrame(rows).set_index("school_id")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--schools", type=int, default=1000)
    ap.add_argument("--cameras", type=int, default=5000)
    ap.add_argument("--posts", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--repeat", type=int, default=3, help="runs of our code (best taken); the naive peer runs once")
    args = ap.parse_args()
    settings = load_settings()
    cfg = coverage_config(settings)

    t = time.perf_counter()
    layers, crs = county(args.schools, args.cameras, args.posts, args.seed)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    graph = build_road_graph(layers["roads"])
    t_graph = time.perf_counter() - t
    t = time.perf_counter()
    posts = layers["police_posts"]
    open_am = post_availability(posts, window=PeakWindows.from_settings(settings).window("am"))
    response = campus_response(graph, posts[open_am["answers"].to_numpy()], layers["schools"],
                               peak="am", settings=settings)
    t_response = time.perf_counter() - t
    print(f"county: {args.schools} schools, {args.cameras} cameras, {args.posts} posts, "
          f"{len(layers['crossings'])} crossings, {len(layers['risk_sites'])} risk sites, "
          f"{len(layers['roads'])} road segments (generated in {t_gen:.1f} s)")
    print(f"road graph build {t_graph:.2f} s; response field for {len(response)} gates {t_response:.2f} s")

    times = []
    for _ in range(max(args.repeat, 1)):
        t = time.perf_counter()
        ours = assess_with_response(layers, response=response, settings=settings)
        times.append(time.perf_counter() - t)
    ours = ours.set_index("school_id")
    t_ours = min(times)
    print(f"ours  (vectorised assess + score): {t_ours:.2f} s (best of {len(times)}: "
          f"{', '.join(f'{x:.2f}' for x in times)})")

    t = time.perf_counter()
    naive = naive_features(layers, crs, cfg)
    checklist = ["response_s", "posts_within_5min", "guards", "guards_required", "area_type", "enrollment",
                 "boarding", "complex_area", "high_risk", "gatekeepers", "night_duty_24h", "video_networked",
                 "one_click_alarm", "intrusion_alarm", "electronic_patrol", "monitor_room_24h",
                 "anti_ram_barrier", "enclosed", "equipment_complete"]
    features = naive.join(ours[checklist])
    naive_scored = score_campuses(features, config=scoring_config(settings), coverage=cfg)
    t_naive = time.perf_counter() - t
    print(f"naive (per-school loop, same scoring): {t_naive:.2f} s")

    o = ours.loc[naive.index]
    share_diff = float((o["gate_camera_share"] - naive["gate_camera_share"]).abs().max())
    same = {c: int((o[c].astype(int) == naive[c].astype(int)).sum())
            for c in ("gate_cameras", "gates_unseen", "am_staffed", "pm_staffed", "police_am", "police_pm",
                      "armed_am", "armed_pm", "risk_sites_200m", "risk_sites_500m", "violations")}
    edge_diff = float((o["boundary_camera_share"] - naive["boundary_camera_share"]).abs().max())
    n = naive_scored.loc[naive.index]
    same["mandatory_breaches"] = int((o["mandatory_breaches"] == n["mandatory_breaches"]).sum())
    same["level"] = int((o["level"] == n["level"]).sum())
    print(f"agreement: max |Δ gate share| = {share_diff:.2e}, max |Δ boundary share| = {edge_diff:.2e}; "
          f"equal rows per column (of {len(naive)}): {same}")
    breaches = ours["mandatory_breaches"].str.split(";").explode()
    breach_counts = breaches[breaches != ""].value_counts().to_dict()
    print(f"mandatory breaches: {breach_counts}; posts open at the AM peak {int(open_am['answers'].sum())}"
          f"/{len(open_am)}")
    levels = ours["level"].value_counts().to_dict()
    print(f"levels: {levels}; interactive total (response + assess) {t_response + t_ours:.2f} s")
    ratio = t_naive / t_ours if t_ours else float("inf")
    print(f"speed-up vs naive loop: {ratio:.1f}x")
    result = {
        "schools": args.schools, "cameras": args.cameras, "posts": args.posts,
        "gates": len(response), "ours_s": round(t_ours, 3), "naive_s": round(t_naive, 3),
        "ratio_naive_over_ours": round(ratio, 1), "response_field_s": round(t_response, 3),
        "graph_build_s": round(t_graph, 3), "interactive_total_s": round(t_response + t_ours, 3),
        "max_share_diff": share_diff, "max_boundary_share_diff": edge_diff, "rows_equal": same,
        "levels": levels, "breaches": breach_counts,
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
