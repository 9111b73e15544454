"""Demo protection layers: police stations and posts, cameras, crossings (护学岗), risk sites.

Generated from the seeded generator around the demo schools and marked
``source='demo-generated'`` (named OSM police stations keep ``source='osm:<file>'``).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.ops import nearest_points

from gis.demo_areas import (
    DEMO_SOURCE,
    MAIN_ROADS,
    PROTECTED_KINDS,
    STREET_ROADS,
    WINDOWS,
    DemoArea,
    clean_name,
)
from gis.demo_roads import _bearing, _beside_road, _extent, _gates, _offset, _Roads, _tangent


def _stations(spec: DemoArea, places: gpd.GeoDataFrame, roads: _Roads, bounds_m,
              centre: Point, rng: np.random.Generator, osm_source: str) -> list[dict[str, Any]]:
    """派出所: the named OSM stations, then generated ones on main roads, spread apart."""
    stations: list[dict[str, Any]] = []
    police = places[(places["amenity"] == "police") & places["name"].notna()].sort_values("id")
    if not police.empty:
        for (_, row), shape in zip(police.iterrows(), police.geometry.to_crs(roads.utm),
                                   strict=True):
            name = clean_name(row["name"])
            if not name or "派出所" not in name:
                continue
            point = _gates(shape, roads, second=False)[0]
            stations.append(_station(f"osm-{row['id']}", name, point, rng, osm_source))
    inner = bounds_m.buffer(-0.15 * min(_extent(bounds_m)))
    main = np.flatnonzero(roads.frame["highway"].isin(MAIN_ROADS).to_numpy())
    if len(main) == 0:
        main = np.arange(len(roads.lines))
    candidates = []
    for i in main:
        line = roads.lines[i]
        for step in np.arange(0.0, line.length, 100.0):
            for side in (-1, 1):
                point = _beside_road(line, step / line.length if line.length else 0, side, 15.0)
                if inner.contains(point):
                    candidates.append(point)
    if candidates:   # 派出所 sit in the built-up area: keep the denser half of the places
        density = roads.density(candidates)
        candidates = [p for p, d in zip(candidates, density, strict=True)
                      if d >= np.median(density)]
    else:
        candidates = [centre]
    names = [n for n in spec.station_names if n not in {s["name"] for s in stations}]
    chosen = [s["point"] for s in stations]
    while len(stations) < spec.stations and names:
        if not chosen:
            near = sorted(candidates, key=lambda p: (p.distance(centre), p.x, p.y))[:10]
            point = near[int(rng.integers(len(near)))]
        else:
            point = max(candidates, key=lambda p: min(p.distance(c) for c in chosen))
        point = Point(round(point.x, 2), round(point.y, 2))
        chosen.append(point)
        stations.append(_station(f"demo-post-{len(stations) + 1:02d}", names.pop(0), point,
                                 rng, DEMO_SOURCE))
    return stations


def _station(post_id: str, name: str, point: Point, rng: np.random.Generator,
             source: str) -> dict[str, Any]:
    return {"id": post_id, "name": name, "kind": "station", "point": point,
            "staff": int(rng.integers(18, 46)), "vehicles": int(rng.integers(3, 9)),
            "hours": "24小时", "source": source}


def _assign_jurisdictions(schools: list[dict[str, Any]], stations: list[dict[str, Any]],
                          bounds_m) -> None:
    """Station jurisdictions = Voronoi cells clipped to the extract; schools get their station."""
    if not stations:
        return
    if len(stations) == 1:
        cells = [bounds_m]
    else:
        points = MultiPoint([s["point"] for s in stations])
        regions = shapely.voronoi_polygons(points, extend_to=bounds_m.buffer(1000.0))
        cells = []
        for station in stations:
            cell = next(r for r in regions.geoms if r.contains(station["point"]))
            cells.append(cell.intersection(bounds_m))
    for station, cell in zip(stations, cells, strict=True):
        station["jurisdiction"] = shapely.set_precision(cell, 0.01)
    for school in schools:
        gate = school["gates"].geoms[0]
        holder = min(stations, key=lambda s: (0 if s["jurisdiction"].covers(gate) else 1,
                                             s["point"].distance(gate), s["id"]))
        school["jurisdiction_id"] = holder["id"]


def _other_posts(schools: list[dict[str, Any]], roads: _Roads, centre: Point,
                 rng: np.random.Generator) -> list[dict[str, Any]]:
    """警务室 beside a few schools, 治安岗亭 at central junctions, one patrol base."""
    posts: list[dict[str, Any]] = []
    by_size = sorted(schools, key=lambda s: (-(s.get("enrollment") or 0), s["id"]))
    for school in by_size[:3]:
        gate = school["gates"].geoms[0]
        line = roads.lines[roads.nearest(gate)]
        distance = line.project(gate)
        tx, ty = _tangent(line, distance)
        on_road = line.interpolate(distance)
        point = Point(round(on_road.x + tx * 25.0 + (gate.x - on_road.x), 2),
                      round(on_road.y + ty * 25.0 + (gate.y - on_road.y), 2))
        posts.append({"id": f"demo-post-{len(posts) + 11:02d}",
                      "name": f"{school['name']}警务室", "kind": "office",
                      "point": point, "staff": int(rng.integers(1, 3)), "vehicles": 0,
                      "hours": "07:00-18:00", "source": DEMO_SOURCE})
    named_main = [i for i in np.flatnonzero(roads.frame["highway"].isin(MAIN_ROADS).to_numpy())
                  if isinstance(roads.frame.at[i, "name"], str)]
    junctions = sorted(
        (Point(xy) for xy in roads.junctions),
        key=lambda p: (p.distance(centre), p.x, p.y))
    kiosks = 0
    used_roads: set[str] = set()
    for junction in junctions:
        if kiosks >= 2 or not named_main:
            break
        road = roads.nearest(junction, among=np.asarray(named_main))
        road_name = roads.frame.at[road, "name"]
        if road_name in used_roads or roads.lines[road].distance(junction) > 1.0:
            continue
        used_roads.add(road_name)
        kiosks += 1
        point = Point(round(junction.x + 8.0, 2), round(junction.y + 8.0, 2))
        posts.append({"id": f"demo-post-{20 + kiosks:02d}", "name": f"{road_name}治安岗亭",
                      "kind": "kiosk", "point": point, "staff": 2, "vehicles": 0,
                      "hours": "07:00-22:00", "source": DEMO_SOURCE})
    base_road = roads.nearest(centre, among=np.asarray(named_main)) if named_main \
        else roads.nearest(centre)
    line = roads.lines[base_road]
    point = _beside_road(line, 0.5, 1, 20.0)
    posts.append({"id": "demo-post-31", "name": "巡特警城区巡逻中队", "kind": "patrol_base",
                  "point": Point(round(point.x, 2), round(point.y, 2)),
                  "staff": int(rng.integers(8, 16)), "vehicles": int(rng.integers(3, 6)),
                  "hours": "24小时", "source": DEMO_SOURCE})
    return posts


def _cameras(schools: list[dict[str, Any]], roads: _Roads, centre: Point,
             rng: np.random.Generator) -> list[dict[str, Any]]:
    """Gate cameras facing the road (school and police owned; weak schools few or broken)
    and shop cameras along central streets."""
    cameras: list[dict[str, Any]] = []

    def add(point: Point, target: Point, owner: str, *, status: str = "ok",
            networked: bool = True, fov: float = 90.0, reach: float = 40.0) -> None:
        cameras.append({"id": f"demo-cam-{len(cameras) + 1:03d}",
                        "point": Point(round(point.x, 2), round(point.y, 2)),
                        "direction_deg": _bearing(point, target), "fov_deg": fov,
                        "range_m": reach, "networked": networked, "status": status,
                        "owner": owner, "source": DEMO_SOURCE})

    for school in sorted(schools, key=lambda s: s["id"]):
        inside = school["_shape"].centroid
        for g, gate in enumerate(school["gates"].geoms):
            line = roads.lines[roads.nearest(gate)]
            on_road = nearest_points(line, gate)[0]
            mount = _offset(gate, inside, 5.0)
            if school["_weak"]:
                if g == 0 and rng.random() < 0.6:
                    add(mount, on_road, "school", status="broken",
                        networked=bool(rng.random() < 0.3), fov=60.0, reach=30.0)
                continue
            add(mount, on_road, "school", networked=bool(school["video_networked"]),
                fov=float(rng.choice([80.0, 90.0, 100.0])), reach=float(rng.choice([35.0, 45.0])))
            if g == 0:
                tx, ty = _tangent(line, line.project(on_road))
                pole = Point(on_road.x + tx * 20.0, on_road.y + ty * 20.0)
                add(pole, gate, "police", status="broken" if rng.random() < 0.15 else "ok",
                    fov=70.0, reach=60.0)
    streets = [i for i in np.flatnonzero(roads.frame["highway"].isin(STREET_ROADS).to_numpy())
               if isinstance(roads.frame.at[i, "name"], str)
               and roads.lines[i].distance(centre) < 1200.0]
    for i in rng.permutation(streets)[:8] if streets else []:
        line = roads.lines[i]
        fraction = float(rng.uniform(0.2, 0.8))
        point = _beside_road(line, fraction, int(rng.choice([-1, 1])), 8.0)
        tx, ty = _tangent(line, fraction * line.length)
        target = Point(point.x + tx * 10.0, point.y + ty * 10.0)
        add(point, target, "shop", networked=bool(rng.random() < 0.2),
            status="broken" if rng.random() < 0.2 else "ok", fov=90.0, reach=25.0)
    return cameras


def _crossings(schools: list[dict[str, Any]], roads: _Roads,
               rng: np.random.Generator) -> list[dict[str, Any]]:
    """护学岗 at the road junction nearest each gate, with the school's bell windows."""
    crossings: list[dict[str, Any]] = []
    for school in sorted(schools, key=lambda s: s["id"]):
        am, noon, pm = WINDOWS[school["kind"]]
        for g, gate in enumerate(school["gates"].geoms):
            if g > 0 and rng.random() < 0.5:
                continue
            if school["_weak"] and g == 0 and rng.random() < 0.35:
                continue  # no 护学岗 at all at this campus
            junction = roads.nearest_junction(gate)
            if junction is None:
                junction = nearest_points(roads.lines[roads.nearest(gate)], gate)[0]
            if school["_weak"]:
                staffed = str(rng.choice(["none", "volunteer", "none"]))
            else:
                staffed = str(rng.choice(["police", "auxiliary", "guard", "volunteer", "police",
                                          "auxiliary"]))
            staff = 0 if staffed == "none" else int(rng.integers(1, 4))
            crossings.append({
                "id": f"demo-crossing-{len(crossings) + 1:02d}", "school_id": school["id"],
                "am_window": am, "noon_window": noon, "pm_window": pm, "staffed_by": staffed,
                "staff": staff, "point": Point(round(junction.x, 2), round(junction.y, 2)),
                "source": DEMO_SOURCE})
    return crossings


RISK_NOTES = {
    "internet_cafe": "网吧，距学校不足 200 米，已通报文化执法部门",
    "internet_cafe_far": "网吧，证照齐全，节假日接待未成年人需重点检查",
    "entertainment": "KTV，夜间营业，周边偶有聚集",
    "stall": "放学时段流动摊点占道经营",
    "person": "【演示数据】涉校高危人员：有过激言行记录，社区民警每周走访，严禁外传",
    "dispute": "学校周边商铺与家长停车纠纷，已调解",
    "drugs": "曾查处涉毒案件的出租屋，列为重点关注",
    "other": "废弃厂房，夜间无照明",
}


def _risk_sites(schools: list[dict[str, Any]], roads: _Roads, centre: Point,
                rng: np.random.Generator) -> list[dict[str, Any]]:
    """Registered risk sites on the shop streets near the centre, with the two statutory
    internet-café cases: one within 200 m of a protected school, one beyond."""
    streets = [i for i in np.flatnonzero(roads.frame["highway"].isin(STREET_ROADS).to_numpy())
               if roads.lines[i].distance(centre) < 1800.0]
    streets = streets or list(range(len(roads.lines)))
    spots = []
    for i in streets:
        line = roads.lines[i]
        for step in np.arange(10.0, max(line.length - 10.0, 10.0), 40.0):
            for side in (-1, 1):
                spots.append(_beside_road(line, step / line.length, side, 10.0))
    spots_arr = np.asarray(spots, dtype=object)
    # distance (m) from every spot to every school: campus or gates, whichever is nearer
    to_school = np.array([np.minimum(shapely.distance(spots_arr, s["_shape"]),
                                     shapely.distance(spots_arr, s["gates"])) for s in schools])
    to_centre = shapely.distance(spots_arr, centre)

    def nearest(kinds: tuple[str, ...] | None) -> np.ndarray:
        rows = [k for k, s in enumerate(schools) if kinds is None or s["kind"] in kinds]
        if not rows:
            rows = list(range(len(schools)))
        return to_school[rows].min(axis=0) if rows else np.full(len(spots), np.inf)

    any_school = nearest(None)
    protected = nearest(PROTECTED_KINDS)
    young = nearest(("primary", "kindergarten"))
    sites: list[dict[str, Any]] = []

    def pick(mask: np.ndarray) -> Point | None:
        pool = np.flatnonzero(mask)
        if len(pool) == 0:
            return None
        chosen = spots[int(pool[int(rng.integers(len(pool)))])]
        return Point(round(chosen.x, 2), round(chosen.y, 2))

    def add(category: str, point: Point | None, level: int, note_key: str,
            sensitive: bool = False) -> None:
        if point is None:
            return
        day = pd.Timestamp("2024-03-01") + pd.Timedelta(days=int(rng.integers(0, 540)),
                                                        hours=int(rng.integers(8, 18)))
        sites.append({"id": f"demo-risk-{len(sites) + 1:02d}", "category": category,
                      "level": level, "note": RISK_NOTES[note_key], "sensitive": sensitive,
                      "registered_at": day.to_pydatetime(), "point": point,
                      "source": DEMO_SOURCE})

    guarded = [s for s in schools if s["kind"] in PROTECTED_KINDS] or schools
    central = sorted(guarded, key=lambda s: (s["gates"].geoms[0].distance(centre), s["id"]))
    if central:
        to_gate = shapely.distance(spots_arr, central[0]["gates"].geoms[0])
        add("internet_cafe", pick((to_gate >= 110.0) & (to_gate <= 170.0) & (protected > 40.0)),
            2, "internet_cafe")
    add("internet_cafe", pick((protected > 400.0) & (to_centre < 1800.0)), 1, "internet_cafe_far")
    add("entertainment", pick((any_school > 200.0) & (any_school < 600.0)), 2, "entertainment")
    add("entertainment", pick(any_school > 300.0), 1, "entertainment")
    add("stall", pick((young > 30.0) & (young < 90.0)), 1, "stall")
    add("stall", pick((any_school > 30.0) & (any_school < 120.0)), 1, "stall")
    add("person", pick((any_school > 250.0) & (any_school < 500.0)), 3, "person", sensitive=True)
    add("dispute", pick((any_school > 50.0) & (any_school < 250.0)), 2, "dispute")
    add("drugs", pick(any_school > 350.0), 3, "drugs")
    add("other", pick((any_school > 150.0) & (any_school < 400.0)), 1, "other")
    return sites

