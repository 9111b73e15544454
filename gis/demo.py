"""The embedded demo area: real OSM roads and schools, generated protection layers.

``build_demo_layers(osm_path, area=…, seed=…)`` is pure: it reads one OSM extract and
returns the six layers as GeoDataFrames (EPSG:4326). Roads and the named schools and
kindergartens (and any named police station) come from OpenStreetMap and carry
``source='osm:<file>'``. Everything OSM lacks — school attributes, police posts, cameras,
peak-hour crossings (护学岗), risk sites, and about ten extra demo campuses for sparse
areas — is generated from a fixed seed with ``numpy.random.default_rng`` and marked
``source='demo-generated'``; generated campuses are named "演示·…" so nobody mistakes them
for real records. The same seed gives the same layers, bit for bit.

``load_demo(store, area=…)`` writes them: earlier demo rows (``osm:…`` or
``demo-generated``) are replaced, rows imported by users are never touched, and loading the
same area twice changes nothing. Map data © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS
from scipy.spatial import cKDTree
from shapely.geometry import MultiPoint, Point, Polygon, box
from shapely.ops import nearest_points

from gis.auth import demo as auth_demo
from gis.config import DATA_DIR
from gis.demo_checklist import add_checklist
from gis.errors import DataSourceError, ValidationError
from gis.io.osm import read_osm
from gis.network import build_road_graph
from gis.schema import LAYER_NAMES, LAYERS

DEMO_SOURCE = "demo-generated"
OSM_SOURCE_PREFIX = "osm:"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
DEFAULT_SEED = 20240901
DEFAULT_AREA = "guixi"
CRS_WGS84 = "EPSG:4326"
PROTECTED_KINDS = ("primary", "junior", "senior", "nine_year")
MAIN_ROADS = ("primary", "secondary", "trunk", "primary_link", "secondary_link")
STREET_ROADS = ("primary", "secondary", "tertiary", "unclassified", "residential")


@dataclass(frozen=True)
class DemoArea:
    """One embedded demo area."""

    key: str
    name_zh: str
    name_en: str
    osm_file: str
    station_names: tuple[str, ...]
    extra_campuses: int = 10
    stations: int = 3


AREAS: dict[str, DemoArea] = {
    "guixi": DemoArea("guixi", "江西省贵溪市城区", "Guixi city core, Jiangxi",
                      "cn_jiangxi_guixi_city_2024.osm.bz2",
                      ("雄石派出所", "东门派出所", "花园派出所")),
    "shenzhen-dayun": DemoArea("shenzhen-dayun", "深圳市龙岗区大运片区",
                               "Dayun area, Longgang, Shenzhen",
                               "cn_shenzhen_longgang_dayun_2019.osm.bz2",
                               ("龙城派出所", "爱联派出所", "回龙埔派出所"), extra_campuses=8),
    "beijing-haidian": DemoArea("beijing-haidian", "北京市海淀区清华园—中关村",
                                "Tsinghua / Zhongguancun, Haidian, Beijing",
                                "cn_beijing_haidian_tsinghua_2017.osm.bz2",
                                ("清华园派出所", "中关村派出所", "东升派出所"), extra_campuses=6),
}

# Bell windows per school kind (护学岗 arrival / noon / dismissal), HH:MM-HH:MM.
WINDOWS = {
    "kindergarten": ("07:50-08:30", None, "16:30-17:00"),
    "primary": ("07:20-07:50", "11:30-12:00", "16:30-17:10"),
    "junior": ("07:00-07:30", "11:50-12:20", "17:20-17:50"),
    "senior": ("06:50-07:20", "12:00-12:30", "17:40-18:10"),
    "nine_year": ("07:10-07:40", "11:40-12:10", "16:50-17:30"),
    "vocational": ("07:30-08:00", None, "17:30-18:00"),
    "special": ("07:40-08:10", None, "16:00-16:30"),
}
ENROLLMENT = {
    "kindergarten": (120, 380), "primary": (600, 2200), "junior": (900, 2400),
    "senior": (1500, 3200), "nine_year": (1200, 2800), "vocational": (1500, 4000),
    "special": (60, 200),
}

# (pattern, kind) in order: the first match wins.
KIND_RULES: tuple[tuple[str, str], ...] = (
    (r"幼儿园|幼稚园|托儿所", "kindergarten"),
    (r"特殊教育|特教|启智|培智|聋哑|盲校", "special"),
    (r"职业|职院|职校|技术学院|技工|技师|中专|卫校|体育运动学校", "vocational"),
    (r"九年|一贯制", "nine_year"),
    (r"小学|附小", "primary"),
    (r"高中|高级中学|附中", "senior"),
    (r"初中|初级中学|中学|[一二三四五六七八九十\d]中$", "junior"),
    (r"学校$", "nine_year"),
)


def guess_school_kind(name: str) -> str | None:
    """Guess the school kind from a Chinese name (幼儿园→kindergarten, 小学→primary …).

    Returns ``None`` when nothing matches (the record is then skipped by the demo).
    """
    for pattern, kind in KIND_RULES:
        if re.search(pattern, name):
            return kind
    return None


def clean_name(name: str | None) -> str | None:
    """Drop the English half of bilingual OSM names ("大运城派出所 Dayuncheng Police Station")."""
    if not name:
        return None
    match = re.match(r"^([^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+[A-Za-z].*$", name)
    return (match.group(1) if match else name).strip()


def area_osm_path(area: str) -> Path:
    """The OSM extract of an embedded area (``data/osm/<file>``)."""
    return DATA_DIR / "osm" / get_area(area).osm_file


def get_area(area: str) -> DemoArea:
    if area not in AREAS:
        msg = (f"未知演示区域 {area!r}，可选：{', '.join(AREAS)} / unknown demo area {area!r}; "
               f"choose one of {', '.join(AREAS)}")
        raise ValidationError(msg)
    return AREAS[area]


# -- geometry helpers (all in the local metric CRS) ----------------------------------------


class _Roads:
    """Roads projected to metres with a spatial index and their junctions."""

    def __init__(self, roads: gpd.GeoDataFrame, utm: ProjCRS) -> None:
        self.utm = utm
        self.frame = roads.reset_index(drop=True)
        self.lines = np.asarray(self.frame.geometry.to_crs(utm).values, dtype=object)
        self.tree = shapely.STRtree(self.lines)
        owners: dict[tuple[float, float], set[int]] = defaultdict(set)
        for i, line in enumerate(self.lines):
            for xy in line.coords:
                owners[xy].add(i)
        self.junctions = np.array(sorted(xy for xy, ids in owners.items() if len(ids) >= 2))
        self.junction_tree = cKDTree(self.junctions)
        # road length per neighbourhood: one sample every 20 m of road
        self.samples = shapely.get_coordinates(shapely.segmentize(self.lines, 20.0))
        self.sample_tree = cKDTree(self.samples)

    def density(self, points: list[Point], radius_m: float = 600.0) -> np.ndarray:
        """Metres of road within ``radius_m`` of each point (20 m per sample)."""
        xy = np.array([[p.x, p.y] for p in points]).reshape(-1, 2)
        counts = self.sample_tree.query_ball_point(xy, radius_m, return_length=True)
        return np.asarray(counts, dtype=float) * 20.0

    def town_centre(self, area) -> Point:
        """The road sample inside ``area`` with the most road around it (the built-up core)."""
        inside = [Point(xy) for xy in self.samples[::5] if area.contains(Point(xy))]
        if not inside:
            return area.centroid
        best = int(np.argmax(self.density(inside)))
        return Point(round(inside[best].x, 2), round(inside[best].y, 2))

    def nearest(self, geom, *, among: np.ndarray | None = None) -> int:
        if among is None:
            return int(self.tree.nearest(geom))
        distances = shapely.distance(self.lines[among], geom)
        return int(among[int(np.argmin(distances))])

    def nearest_junction(self, point: Point, limit_m: float = 300.0) -> Point | None:
        distance, index = self.junction_tree.query([point.x, point.y])
        return Point(self.junctions[index]) if distance <= limit_m else None

    def crosses(self, geom) -> bool:
        return len(self.tree.query(geom, predicate="intersects")) > 0


def _offset(point: Point, toward: Point, metres: float) -> Point:
    dx, dy = toward.x - point.x, toward.y - point.y
    length = math.hypot(dx, dy)
    if length < 1e-9:
        return point
    step = min(metres, length)
    return Point(point.x + dx / length * step, point.y + dy / length * step)


def _bearing(origin: Point, target: Point) -> float:
    """Degrees clockwise from north, rounded to 1 degree."""
    angle = math.degrees(math.atan2(target.x - origin.x, target.y - origin.y)) % 360.0
    return float(round(angle) % 360)


def _tangent(line, distance: float) -> tuple[float, float]:
    a = line.interpolate(max(distance - 5.0, 0.0))
    b = line.interpolate(min(distance + 5.0, line.length))
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    return dx / length, dy / length


def _beside_road(line, fraction: float, side: int, metres: float) -> Point:
    """A point ``metres`` to one side of a road at a fraction of its length."""
    distance = fraction * line.length
    at = line.interpolate(distance)
    tx, ty = _tangent(line, distance)
    return Point(at.x - ty * side * metres, at.y + tx * side * metres)


def _gates(campus_or_point, roads: _Roads, *, second: bool) -> list[Point]:
    """Main gate (and optionally a second one) of a campus polygon or a school point."""
    road = roads.nearest(campus_or_point)
    line = roads.lines[road]
    if campus_or_point.geom_type == "Point":
        on_road = nearest_points(line, campus_or_point)[0]
        return [_offset(on_road, campus_or_point, 6.0)]
    boundary = campus_or_point.boundary
    gates = [nearest_points(boundary, line)[0]]
    if second:
        nearby = roads.tree.query(campus_or_point.buffer(150.0))
        nearby = sorted((i for i in nearby if i != road),
                        key=lambda i: (roads.lines[i].distance(campus_or_point), i))
        for i in nearby:
            candidate = nearest_points(boundary, roads.lines[i])[0]
            if candidate.distance(gates[0]) > 60.0:
                gates.append(candidate)
                break
    return gates


def main_network_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The roads with at least one segment in the routable network (its largest strongly
    connected component), so generated posts, gates and crossings sit where cars can go."""
    graph = build_road_graph(roads)
    connected = set(graph.road_ids[np.unique(graph.seg_road)])
    return roads[roads["id"].isin(connected)].reset_index(drop=True)


# -- the layers ----------------------------------------------------------------------------


def build_demo_layers(osm_path: str | Path | None = None, *, area: str = DEFAULT_AREA,
                      seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """Build the six demo layers from an OSM extract (pure: reads the file, writes nothing).

    Parameters
    ----------
    osm_path : path, optional
        The extract; defaults to the area's file under ``data/osm/``.
    area : str
        ``guixi`` (default), ``shenzhen-dayun`` or ``beijing-haidian``: picks the names of
        generated stations and the number of extra demo campuses.
    seed : int
        Seed of ``numpy.random.default_rng`` for everything generated.

    Returns
    -------
    dict of str to GeoDataFrame
        One per layer of ``gis.schema.LAYER_NAMES``, EPSG:4326, with the schema fields and
        ``source`` (``osm:<file>`` or ``demo-generated``). Distances inside are metres.
    """
    spec = get_area(area)
    path = Path(osm_path) if osm_path is not None else area_osm_path(area)
    extract = read_osm(path)
    if extract.roads.empty:
        msg = f"OSM 文件中没有可通行道路 / no drivable roads in {path.name}"
        raise DataSourceError(msg)
    osm_source = f"{OSM_SOURCE_PREFIX}{path.name}"
    rng = np.random.default_rng(seed)
    roads_frame = extract.roads.sort_values("id").reset_index(drop=True)
    utm = roads_frame.geometry.estimate_utm_crs()
    roads = _Roads(main_network_roads(roads_frame), utm)
    to_utm = gpd.GeoSeries([box(*extract.bounds)], crs=CRS_WGS84).to_crs(utm)
    bounds_m = to_utm.iloc[0]
    centre = roads.town_centre(bounds_m)

    schools = _real_schools(extract.places, roads, utm, osm_source)
    schools += _extra_campuses(spec, roads, bounds_m, centre, schools, rng)
    _school_attributes(schools, roads, centre, rng)
    posts = _stations(spec, extract.places, roads, bounds_m, centre, rng, osm_source)
    _assign_jurisdictions(schools, posts, bounds_m)
    posts += _other_posts(schools, roads, centre, rng)
    cameras = _cameras(schools, roads, centre, rng)
    crossings = _crossings(schools, roads, rng)
    add_checklist(schools, crossings, seed=seed)  # the seeds' checklist (own random stream)
    risks = _risk_sites(schools, roads, centre, rng)

    layers = {
        "schools": _frame("schools", schools, utm),
        "police_posts": _frame("police_posts", posts, utm),
        "cameras": _frame("cameras", cameras, utm),
        "crossings": _frame("crossings", crossings, utm),
        "risk_sites": _frame("risk_sites", risks, utm),
    }
    road_layer = roads_frame[["id", "name", "highway", "oneway", "maxspeed", "geom"]].copy()
    road_layer["source"] = osm_source
    layers["roads"] = gpd.GeoDataFrame(road_layer, geometry="geom", crs=CRS_WGS84)
    layers["roads"].attrs["bounds"] = tuple(float(v) for v in extract.bounds)
    return {name: layers[name] for name in LAYER_NAMES}


def _frame(name: str, records: list[dict[str, Any]], utm: ProjCRS) -> gpd.GeoDataFrame:
    """Records with metric geometries → a layer GeoDataFrame in EPSG:4326."""
    layer = LAYERS[name]
    columns = [f.name for f in layer.fields] + ["source"]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=columns)
    for f in layer.geometry_fields:
        series = gpd.GeoSeries(list(frame[f.name]), crs=utm).to_crs(CRS_WGS84)
        frame[f.name] = gpd.GeoSeries(np.asarray(series.values, dtype=object), crs=CRS_WGS84)
    gdf = gpd.GeoDataFrame(frame, geometry=layer.geometry_column, crs=CRS_WGS84)
    return gdf.sort_values("id").reset_index(drop=True)


def _real_schools(places: gpd.GeoDataFrame, roads: _Roads, utm: ProjCRS,
                  osm_source: str) -> list[dict[str, Any]]:
    """Named OSM schools and kindergartens with a recognisable kind; gates on their boundary."""
    chosen = places[places["amenity"].isin(["school", "kindergarten"])
                    & places["name"].notna()].sort_values("id")
    if chosen.empty:
        return []
    shapes = chosen.geometry.to_crs(utm).values
    polygons = [g for g in shapes if g.geom_type != "Point"]
    schools = []
    for (_, row), shape in zip(chosen.iterrows(), shapes, strict=True):
        name = clean_name(row["name"])
        kind = guess_school_kind(name) if name else None
        if kind is None and row["amenity"] == "kindergarten":
            kind = "kindergarten"
        if kind is None:
            continue
        if shape.geom_type == "Point" and any(p.distance(shape) < 50.0 for p in polygons):
            continue  # the same campus mapped twice (node inside the area)
        is_area = shape.geom_type != "Point"
        schools.append({
            "id": f"osm-{row['id']}", "name": name, "kind": kind,
            "campus": shape if is_area else None, "_shape": shape,
            "gates": _gates(shape, roads, second=is_area and shape.area > 15000),
            "source": osm_source,
        })
    return schools


def _extra_campuses(spec: DemoArea, roads: _Roads, bounds_m, centre: Point,
                    existing: list[dict[str, Any]], rng: np.random.Generator) -> list[dict]:
    """About ten generated kindergartens and primary schools fronting residential streets."""
    inner = bounds_m.buffer(-0.08 * min(_extent(bounds_m)))
    street = np.flatnonzero(roads.frame["highway"].isin(
        ["residential", "living_street", "unclassified", "tertiary"]).to_numpy())
    street = street[[roads.lines[i].length > 80 and inner.contains(roads.lines[i].centroid)
                     for i in street]]
    occupied = [s["_shape"] for s in existing]
    campuses: list[dict[str, Any]] = []
    used_names: set[str] = {s["name"] for s in existing}
    for i in rng.permutation(street):
        if len(campuses) >= spec.extra_campuses:
            break
        kind = "kindergarten" if len(campuses) % 2 == 0 else "primary"
        along, depth = (70.0, 50.0) if kind == "kindergarten" else (120.0, 90.0)
        line = roads.lines[i]
        fraction = float(rng.uniform(0.3, 0.7))
        first = int(rng.choice([-1, 1]))
        for side in (first, -first):
            campus = _rectangle(line, fraction, side, along, depth, setback=10.0)
            if (not inner.contains(campus) or roads.crosses(campus)
                    or any(campus.distance(o) < 300.0 for o in occupied)):
                continue
            name = _campus_name(kind, roads.frame.at[i, "name"], campus.centroid, centre,
                                used_names)
            used_names.add(name)
            occupied.append(campus)
            campuses.append({
                "id": f"demo-school-{len(campuses) + 1:02d}", "name": name, "kind": kind,
                "campus": campus, "_shape": campus,
                "gates": _gates(campus, roads, second=kind == "primary" and rng.random() < 0.5),
                "source": DEMO_SOURCE,
            })
            break
    return campuses


def _extent(geom) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return maxx - minx, maxy - miny


def _rectangle(line, fraction: float, side: int, along: float, depth: float, *,
               setback: float) -> Polygon:
    distance = fraction * line.length
    at = line.interpolate(distance)
    tx, ty = _tangent(line, distance)
    nx, ny = -ty * side, tx * side
    corners = []
    for a, d in ((-along / 2, setback), (along / 2, setback), (along / 2, setback + depth),
                 (-along / 2, setback + depth)):
        corners.append((round(at.x + tx * a + nx * d, 2), round(at.y + ty * a + ny * d, 2)))
    return Polygon(corners)


def _campus_name(kind: str, road_name: Any, where: Point, centre: Point,
                 used: set[str]) -> str:
    suffix = "幼儿园" if kind == "kindergarten" else "小学"
    if isinstance(road_name, str) and road_name:
        base = re.sub(r"(大道|路|街|巷)$", "", road_name) or road_name
        candidate = f"演示·{base}{suffix}"
        if candidate not in used:
            return candidate
    dx, dy = where.x - centre.x, where.y - centre.y
    quarter = ("城东" if dx > 0 else "城西") if abs(dx) > abs(dy) else ("城北" if dy > 0 else "城南")
    for number in ("", "第二", "第三", "第四", "第五", "第六"):
        candidate = f"演示·{quarter}{number}{suffix}"
        if candidate not in used:
            return candidate
    return f"演示·{quarter}{len(used)}{suffix}"


def _school_attributes(schools: list[dict[str, Any]], roads: _Roads, centre: Point,
                       rng: np.random.Generator) -> None:
    """Enrollment, boarding, area type, guards and technical-defence flags; some weak."""
    order = sorted(range(len(schools)), key=lambda k: schools[k]["id"])
    weak = set(rng.choice(order, size=max(2, len(order) // 4), replace=False).tolist()) \
        if order else set()
    for k in order:
        school = schools[k]
        low, high = ENROLLMENT[school["kind"]]
        school["enrollment"] = int(rng.integers(low, high) // 10 * 10)
        school["boarding"] = school["kind"] in ("senior", "vocational") or (
            school["kind"] == "junior" and bool(rng.random() < 0.3))
        # urban where the road network is at least 40 % as dense as in the core, else town
        here, core = roads.density([school["gates"][0], centre])
        school["area_type"] = "urban" if here >= 0.4 * core else "town"
        school["_weak"] = k in weak
        if k in weak:
            school["guards"] = int(rng.integers(0, 2))
            school["equipment_complete"] = False
            school["video_networked"] = bool(rng.random() < 0.3)
            school["one_click_alarm"] = bool(rng.random() < 0.4)
            school["anti_ram_barrier"] = False
        else:
            school["guards"] = int(rng.integers(2, 5))
            school["equipment_complete"] = bool(rng.random() < 0.85)
            school["video_networked"] = bool(rng.random() < 0.9)
            school["one_click_alarm"] = True
            school["anti_ram_barrier"] = bool(rng.random() < 0.7)
    unknown = [k for k in order if schools[k]["kind"] == "kindergarten" and not schools[k]["_weak"]]
    if unknown:
        schools[unknown[0]]["guards"] = None  # unknown: a planner's table is rarely complete
    for school in schools:
        school["gates"] = MultiPoint([(round(g.x, 2), round(g.y, 2)) for g in school["gates"]])


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


# -- loading -------------------------------------------------------------------------------


def is_demo_source(source: Any) -> bool:
    """True for rows the demo owns (``osm:…`` or ``demo-generated``)."""
    return isinstance(source, str) and (source == DEMO_SOURCE
                                        or source.startswith(OSM_SOURCE_PREFIX))


def load_demo(store, *, area: str = DEFAULT_AREA, seed: int = DEFAULT_SEED,
              osm_path: str | Path | None = None, actor: str = "demo") -> dict[str, Any]:
    """Write the demo layers into a store (initialised first) and record the area in meta.

    Earlier demo rows no longer produced are deleted; rows from users are never touched
    (a demo row whose id a user row already holds is skipped). Idempotent.

    Returns
    -------
    dict
        Per layer: ``inserted``, ``updated``, ``unchanged``, ``deleted``, ``skipped`` counts.
    """
    if area == "county-sim":  # the generated county at county scale (gis/demo_county.py)
        from gis.demo_county import load_county
        return load_county(store, seed=seed, actor=actor)
    spec = get_area(area)
    path = Path(osm_path) if osm_path is not None else area_osm_path(area)
    layers = build_demo_layers(path, area=area, seed=seed)
    full_layers, layers = layers, {**layers, "risk_sites": auth_demo.without_register_rows(layers["risk_sites"])}
    store.init()
    summary: dict[str, Any] = {}
    for name in LAYER_NAMES:
        new = layers[name]
        existing = store.read_layer(name)
        demo_rows = existing["source"].map(is_demo_source).astype(bool)
        user_ids = set(existing.loc[~demo_rows, "id"])
        gone = sorted(set(existing.loc[demo_rows, "id"]) - set(new["id"]))
        deleted = store.delete_rows(name, gone, actor=actor) if gone else 0
        keep = new[~new["id"].isin(user_ids)]
        counts = {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": deleted,
                  "skipped": int(len(new) - len(keep))}
        for source in sorted(keep["source"].unique()):
            part = keep[keep["source"] == source].drop(columns=["source"])
            result = store.write_layer(name, part, source=source, actor=actor)
            counts["inserted"] += len(result.inserted)
            counts["updated"] += len(result.updated)
            counts["unchanged"] += len(result.unchanged)
        summary[name] = counts
    from gis.cycle.demo import load_cycle_demo  # issue 14: the campaign's records

    summary.update(load_cycle_demo(store, layers, seed=seed, actor=actor))
    summary["risk_persons"] = auth_demo.load_demo_auth(store, full_layers)  # register, 演示账号
    roads = layers["roads"]
    store.set_meta("demo_area", spec.key)
    store.set_meta("area_name_zh", spec.name_zh)
    store.set_meta("area_name_en", spec.name_en)
    store.set_meta("osm_file", path.name)
    store.set_meta("bounds", [round(float(v), 6) for v in roads.attrs.get("bounds", roads.total_bounds)])
    store.set_meta("attribution", OSM_ATTRIBUTION)
    store.set_meta("demo_seed", seed)
    return summary


DEMO_META_KEYS = ("demo_area", "area_name_zh", "area_name_en", "osm_file", "bounds",
                  "attribution", "demo_seed")


def clear_demo(store, *, actor: str = "demo") -> dict[str, int]:
    """Delete every demo row (``osm:…`` or ``demo-generated``), the demo register rows,
    the demo accounts (演示账号) and the demo meta values.

    Rows and accounts made by users stay. For a deployment that has loaded its own data.

    Returns
    -------
    dict
        Rows deleted per layer.
    """
    store.init()
    from gis.cycle.demo import clear_cycle_demo  # issue 14: the campaign's records

    deleted: dict[str, int] = clear_cycle_demo(store, actor=actor)
    for name in LAYER_NAMES:
        existing = store.read_layer(name)
        ids = sorted(existing.loc[existing["source"].map(is_demo_source).astype(bool), "id"])
        deleted[name] = store.delete_rows(name, ids, actor=actor) if ids else 0
    from gis.auth.demo import clear_demo_auth  # issue 13: demo register rows, 演示账号

    deleted.update(clear_demo_auth(store, actor=actor))
    for key in DEMO_META_KEYS:
        if store.get_meta(key) is not None:
            store.set_meta(key, None)
    return deleted
