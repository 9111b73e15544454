"""The generated county (``python -m gis demo --area county-sim``): the product at county scale.

A plausible county of about 44 km × 44 km drawn in UTM zone 50N near Guixi, Jiangxi — a
county seat (县城) with a dense street grid, 14 township seats (乡镇) with small grids,
county and provincial roads between them that wander a little, and about 260 villages,
each a few lanes joined to the nearest road by a rural road. On it, ``schools`` campuses
(1,000 by default: about 40 % in the seat, 35 % in the townships, 25 % in villages),
40 police posts (one 派出所 per township, four in the seat, with Voronoi jurisdictions;
警务室, 岗亭 and patrol bases), 5 cameras and 1.5 护学岗 per school, and 0.8 risk sites per
school. Everything is generated from ``numpy.random.default_rng(seed)``, marked
``source='demo-generated'`` and named "演示·…": the same seed and size give the same rows,
bit for bit, and loading them twice changes nothing.

``build_county_layers(schools=, seed=)`` is pure; ``load_county(store, schools=, seed=)``
writes the layers the way :func:`gis.demo.load_demo` does (earlier demo rows no longer
produced are deleted, user rows never touched) and records the area in meta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from gis.demo_areas import WINDOWS  # one table of bell windows per school kind
from gis.demo_checklist import add_checklist_frames
from gis.errors import ValidationError
from gis.schema import LAYER_NAMES, LAYERS

COUNTY_AREA = "county-sim"
DEMO_SOURCE = "demo-generated"
DEFAULT_SCHOOLS = 1000
DEFAULT_SEED = 20240901
UTM = "EPSG:32650"
X0, Y0 = 520_000.0, 3_125_000.0     # the county seat's centre (UTM 50N, near Guixi)
HALF_M = 22_000.0                   # the county is a 44 km square around the seat
MAX_SCHOOLS = 5000

TOWN_NAMES = ("东湖镇", "西山镇", "南岭乡", "北塘镇", "青石乡", "白沙镇", "桃源乡", "柳溪镇",
              "金竹乡", "石门镇", "龙潭乡", "松林镇", "枫树乡", "河口镇")
SURNAMES = "李王张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
VILLAGE_SUFFIXES = ("家村", "家坊", "家垄", "源村", "坑村", "家湾")
KIND_ZH = {"kindergarten": "幼儿园", "primary": "小学", "junior": "中学", "senior": "高级中学",
           "nine_year": "学校", "vocational": "职业学校", "special": "特殊教育学校"}
KIND_MIX = {  # setting -> (kinds, probabilities)
    "seat": (("kindergarten", "primary", "junior", "senior", "nine_year", "vocational", "special"),
             (0.34, 0.30, 0.15, 0.08, 0.06, 0.05, 0.02)),
    "town": (("kindergarten", "primary", "junior", "nine_year", "senior"),
             (0.38, 0.34, 0.15, 0.10, 0.03)),
    "village": (("kindergarten", "primary", "nine_year"), (0.40, 0.52, 0.08)),
}
SETTING_AREA = {"seat": "urban", "town": "town", "village": "rural"}
ENROLLMENT = {"kindergarten": (90, 420), "primary": (300, 2200), "junior": (600, 2400),
              "senior": (1200, 3200), "nine_year": (400, 2600), "vocational": (1200, 4000),
              "special": (60, 200)}
RISK_NOTES = {
    "internet_cafe": "【演示数据】网吧，节假日接待未成年人需重点检查",
    "entertainment": "【演示数据】KTV，夜间营业，周边偶有聚集",
    "stall": "【演示数据】放学时段流动摊点占道经营",
    "person": "【演示数据】涉校高危人员：社区民警每周走访，严禁外传",
    "dispute": "【演示数据】学校周边停车纠纷，已调解",
    "drugs": "【演示数据】曾查处涉毒案件的出租屋，列为重点关注",
    "other": "【演示数据】废弃厂房，夜间无照明",
}


@dataclass
class _Net:
    """Road nodes (metres, UTM) and edges as node pairs, with class and name per edge."""

    xy: list[tuple[float, float]]
    edges: list[tuple[int, int, str, str | None, str | None]]
    setting: list[str]          # per node: seat / town / village / road
    place: list[str]            # per node: the place name it belongs to

    def add_node(self, x: float, y: float, setting: str, place: str) -> int:
        self.xy.append((round(float(x), 2), round(float(y), 2)))
        self.setting.append(setting)
        self.place.append(place)
        return len(self.xy) - 1


def _grid(net: _Net, rng: np.random.Generator, cx: float, cy: float, radius: float,
          spacing: float, setting: str, place: str, *, main_every: int, main_class: str,
          street_names: tuple[str, ...] = ()) -> int:
    """A jittered street grid clipped to a disc; returns the node nearest the centre."""
    n = int(radius // spacing)
    ids: dict[tuple[int, int], int] = {}
    for i in range(-n, n + 1):
        for j in range(-n, n + 1):
            if (i * spacing) ** 2 + (j * spacing) ** 2 > radius ** 2:
                continue
            jitter = rng.uniform(-0.12, 0.12, 2) * spacing
            ids[(i, j)] = net.add_node(cx + i * spacing + jitter[0], cy + j * spacing + jitter[1],
                                       setting, place)
    for (i, j), a in ids.items():
        for di, dj, line in ((1, 0, j), (0, 1, i)):
            b = ids.get((i + di, j + dj))
            if b is None:
                continue
            main = line % main_every == 0
            if not main and rng.random() < 0.10:
                continue  # a block without a through street
            klass = main_class if main else "residential"
            name = None
            if main and street_names:
                name = street_names[(abs(line) // main_every + (0 if di else 3)) % len(street_names)]
            oneway = "yes" if (not main and rng.random() < 0.05) else None
            net.edges.append((a, b, klass, name, oneway))
    return ids[(0, 0)]


def _road(net: _Net, rng: np.random.Generator, a: int, b: int, klass: str, name: str | None, *,
          step_m: float = 400.0, wobble_m: float = 600.0) -> None:
    """A road from node ``a`` to node ``b`` that wanders sideways (waypoints every ``step_m``)."""
    (x1, y1), (x2, y2) = net.xy[a], net.xy[b]
    length = float(np.hypot(x2 - x1, y2 - y1))
    steps = max(1, int(length // step_m))
    nx, ny = (-(y2 - y1) / length, (x2 - x1) / length) if length else (0.0, 0.0)
    phase, waves = rng.uniform(0, 2 * np.pi), rng.integers(1, 3)
    amp = min(wobble_m, 0.08 * length) * rng.uniform(0.3, 1.0)
    prev = a
    for k in range(1, steps):
        t = k / steps
        off = amp * np.sin(np.pi * t) * np.sin(waves * np.pi * t + phase)
        node = net.add_node(x1 + t * (x2 - x1) + off * nx, y1 + t * (y2 - y1) + off * ny,
                            "road", name or "")
        net.edges.append((prev, node, klass, name, None))
        prev = node
    net.edges.append((prev, b, klass, name, None))


def _spread(rng: np.random.Generator, n: int, *, keep_away: list[tuple[float, float, float]],
            min_gap: float, half: float) -> list[tuple[float, float]]:
    """Up to ``n`` points in the square at least ``min_gap`` apart and outside ``keep_away`` discs."""
    points: list[tuple[float, float]] = []
    for _ in range(n * 40):
        if len(points) == n:
            break
        x, y = rng.uniform(-half, half, 2)
        if any((x - cx) ** 2 + (y - cy) ** 2 < r ** 2 for cx, cy, r in keep_away):
            continue
        if any((x - px) ** 2 + (y - py) ** 2 < min_gap ** 2 for px, py in points):
            continue
        points.append((float(x), float(y)))
    return points


def _roads(rng: np.random.Generator) -> tuple[_Net, list[dict[str, Any]], list[dict[str, Any]]]:
    """The road network, the towns (seat first) and the villages."""
    net = _Net([], [], [], [])
    seat_names = ("人民路", "建设路", "解放路", "胜利路", "新华路", "滨江大道", "站前路", "环城路")
    seat = {"name": "城关", "x": X0, "y": Y0, "radius": 3600.0, "setting": "seat"}
    seat["node"] = _grid(net, rng, X0, Y0, seat["radius"], 240.0, "seat", "城关", main_every=4,
                         main_class="secondary", street_names=seat_names)
    towns = [seat]
    spots = _spread(rng, len(TOWN_NAMES), keep_away=[(X0, Y0, 9000.0)], min_gap=8000.0,
                    half=HALF_M - 2500.0)
    for name, (dx, dy) in zip(TOWN_NAMES, spots, strict=False):
        radius = float(rng.uniform(900.0, 1600.0))
        town = {"name": name, "x": X0 + dx, "y": Y0 + dy, "radius": radius, "setting": "town"}
        town["node"] = _grid(net, rng, town["x"], town["y"], radius, 220.0, "town", name,
                             main_every=3, main_class="tertiary",
                             street_names=(f"{name[:-1]}街", f"{name[:-1]}大道"))
        towns.append(town)
    # county and provincial roads: seat to every township; township to its two nearest
    for k, town in enumerate(towns[1:], start=1):
        klass = "primary" if k <= 3 else "secondary"
        name = f"S{200 + k}省道" if klass == "primary" else f"X{k:03d}县道"
        _road(net, rng, seat["node"], town["node"], klass, name)
    centres = np.array([[t["x"], t["y"]] for t in towns[1:]])
    linked: set[tuple[int, int]] = set()
    for k in range(len(centres)):
        order = np.argsort(np.hypot(*(centres - centres[k]).T))[1:3]
        for m in order:
            pair = (min(k, int(m)), max(k, int(m)))
            if pair in linked:
                continue
            linked.add(pair)
            _road(net, rng, towns[pair[0] + 1]["node"], towns[pair[1] + 1]["node"], "tertiary",
                  f"Y{len(linked):03d}乡道")
    # villages: a few lanes, joined by a rural road to the nearest road node
    away = [(t["x"], t["y"], t["radius"] + 1500.0) for t in towns]
    villages = []
    for k, (dx, dy) in enumerate(_spread(rng, 260, keep_away=[(x - X0, y - Y0, r) for x, y, r in away],
                                         min_gap=1500.0, half=HALF_M - 500.0)):
        name = SURNAMES[k % len(SURNAMES)] + VILLAGE_SUFFIXES[(k // len(SURNAMES)) % len(VILLAGE_SUFFIXES)]
        if k >= len(SURNAMES) * len(VILLAGE_SUFFIXES):
            name = f"{name}{k}"
        x, y = X0 + dx, Y0 + dy
        existing = np.array(net.xy)
        tree = cKDTree(existing)
        centre = _grid(net, rng, x, y, 260.0, 130.0, "village", name, main_every=2,
                       main_class="unclassified")
        _, nearest = tree.query([x, y])
        _road(net, rng, centre, int(nearest), "unclassified", None, step_m=350.0, wobble_m=300.0)
        villages.append({"name": name, "x": x, "y": y, "node": centre, "setting": "village"})
    return net, towns, villages


def _to_wgs84(xs, ys) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(np.asarray(xs, float), np.asarray(ys, float)),
                         crs=UTM).to_crs("EPSG:4326")


def _frame(name: str, columns: dict[str, Any], geometry: dict[str, gpd.GeoSeries]) -> gpd.GeoDataFrame:
    """A layer GeoDataFrame (EPSG:4326) with every schema field, ``source`` and the geometries."""
    layer = LAYERS[name]
    n = len(next(iter(geometry.values())))
    data = {}
    for f in layer.fields:
        if f.name in geometry:
            continue
        data[f.name] = columns.get(f.name, [None] * n)
    frame = pd.DataFrame(data)
    for col, series in geometry.items():
        frame[col] = gpd.GeoSeries(np.asarray(series.values, dtype=object), crs="EPSG:4326")
    frame["source"] = DEMO_SOURCE
    return gpd.GeoDataFrame(frame, geometry=layer.geometry_column, crs="EPSG:4326")


def build_county_layers(*, schools: int = DEFAULT_SCHOOLS, seed: int = DEFAULT_SEED,
                        posts: int = 40) -> dict[str, gpd.GeoDataFrame]:
    """Build the six layers of the generated county (pure: writes nothing).

    Parameters
    ----------
    schools : int
        Number of campuses (1–5,000). Cameras are 5 per school, 护学岗 1.5, risk sites 0.8.
    seed : int
        Seed of ``numpy.random.default_rng`` for everything.
    posts : int
        Police posts in all (at least one 派出所 per township plus four in the seat).

    Returns
    -------
    dict of str to GeoDataFrame
        One per layer of ``gis.schema.LAYER_NAMES``, EPSG:4326, ``source='demo-generated'``.
        ``roads.attrs['bounds']`` holds the county's (minlon, minlat, maxlon, maxlat).
    """
    if not 1 <= int(schools) <= MAX_SCHOOLS:
        msg = f"--schools 应在 1–{MAX_SCHOOLS} 之间 / --schools must be 1–{MAX_SCHOOLS}, got {schools}"
        raise ValidationError(msg)
    rng = np.random.default_rng(seed)
    net, towns, villages = _roads(rng)
    xy = np.asarray(net.xy)
    setting = np.asarray(net.setting)
    place = np.asarray(net.place, dtype=object)

    # -- roads: one row per edge, junctions shared
    a = np.array([e[0] for e in net.edges])
    b = np.array([e[1] for e in net.edges])
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    roads = gpd.GeoDataFrame({
        "id": [f"demo-road-{i:05d}" for i in range(len(a))],
        "name": [e[3] for e in net.edges], "highway": [e[2] for e in net.edges],
        "oneway": [e[4] for e in net.edges], "maxspeed": None, "source": DEMO_SOURCE,
    }, geometry=gpd.GeoSeries(lines, crs=UTM).to_crs("EPSG:4326").values, crs="EPSG:4326")
    roads = roads.rename_geometry("geom")

    # -- schools: a setting, then a node of that setting, the gate 8–35 m off the street
    n = int(schools)
    settings_ = rng.choice(["seat", "town", "village"], n, p=[0.40, 0.35, 0.25])
    pools = {s: np.flatnonzero(setting == s) for s in ("seat", "town", "village")}
    node = np.array([pools[s][int(rng.integers(len(pools[s])))] for s in settings_])
    angle = rng.uniform(0, 2 * np.pi, n)
    dist = rng.uniform(8.0, 35.0, n)
    gx, gy = xy[node, 0] + dist * np.cos(angle), xy[node, 1] + dist * np.sin(angle)
    kinds = np.array([rng.choice(KIND_MIX[s][0], p=KIND_MIX[s][1]) for s in settings_])
    second = rng.random(n) < np.where(settings_ == "village", 0.1, 0.35)
    gates = [shapely.MultiPoint([(gx[i], gy[i])] + ([(gx[i] + rng.uniform(-120, 120),
                                                       gy[i] + rng.uniform(-120, 120))]
                                                     if second[i] else []))
             for i in range(n)]
    weak = rng.random(n) < 0.25
    lo = np.array([ENROLLMENT[k][0] for k in kinds])
    hi = np.array([ENROLLMENT[k][1] for k in kinds])
    enrol = (rng.uniform(lo, hi) * np.where(settings_ == "village", 0.45, 1.0)) // 10 * 10
    counters: dict[str, int] = {}
    names = []
    for i in range(n):
        key = f"{place[node[i]]}{KIND_ZH[kinds[i]]}"
        counters[key] = counters.get(key, 0) + 1
        ordinal = "" if counters[key] == 1 else f"第{counters[key]}"
        names.append(f"演示·{place[node[i]]}{ordinal}{KIND_ZH[kinds[i]]}")
    flag = lambda p_ok, p_weak: pd.array(rng.random(n) < np.where(weak, p_weak, p_ok),  # noqa: E731
                                         dtype="boolean")
    guards = np.where(weak, rng.integers(0, 2, n), rng.integers(2, 5, n))
    school_cols = {
        "id": [f"demo-county-school-{i + 1:04d}" for i in range(n)], "name": names,
        "kind": kinds.tolist(), "enrollment": pd.array(enrol.astype(int), dtype="Int64"),
        "boarding": pd.array((kinds == "senior") | ((settings_ == "village") & (kinds == "nine_year"))
                             | ((kinds == "junior") & (rng.random(n) < 0.3)), dtype="boolean"),
        "area_type": [SETTING_AREA[s] for s in settings_],
        "guards": pd.array(guards, dtype="Int64"), "equipment_complete": flag(0.85, 0.0),
        "video_networked": flag(0.9, 0.3), "one_click_alarm": flag(0.97, 0.4),
        "anti_ram_barrier": flag(0.7, 0.0),
    }

    # -- posts: a 派出所 per township and four in the seat, then 警务室, 岗亭, patrol bases
    tree = cKDTree(xy)
    stations: list[tuple[str, float, float]] = []
    for k, (dx, dy) in enumerate(((-1, -1), (1, -1), (-1, 1), (1, 1))):
        _, i = tree.query([X0 + dx * 1300.0, Y0 + dy * 1300.0])
        stations.append((f"演示·城关{'东南西北'[k]}派出所", *xy[i]))
    for town in towns[1:]:
        stations.append((f"演示·{town['name']}派出所", *xy[town["node"]]))
    others = max(0, int(posts) - len(stations))
    post_rows = [{"name": nm, "kind": "station", "x": x, "y": y, "staff": int(rng.integers(18, 46)),
                  "vehicles": int(rng.integers(3, 9)), "hours": "24小时"} for nm, x, y in stations]
    busy = np.argsort(-enrol)[: max(others, 1)]
    for k in range(others):
        kind = ("office", "office", "kiosk", "office", "patrol_base")[k % 5]
        j = int(busy[k % len(busy)])
        _, i = tree.query([gx[j] + rng.uniform(-150, 150), gy[j] + rng.uniform(-150, 150)])
        label = {"office": "警务室", "kiosk": "治安岗亭", "patrol_base": "巡逻点"}[kind]
        post_rows.append({"name": f"演示·{place[node[j]]}{label}{k + 1}", "kind": kind, "x": xy[i][0],
                          "y": xy[i][1], "staff": int(rng.integers(2, 8)),
                          "vehicles": int(rng.integers(0, 3)),
                          "hours": "07:00-19:00" if kind == "kiosk" else "24小时"})
    px = np.array([p["x"] for p in post_rows])
    py = np.array([p["y"] for p in post_rows])
    county = shapely.box(X0 - HALF_M, Y0 - HALF_M, X0 + HALF_M, Y0 + HALF_M)
    st_points = shapely.MultiPoint([(x, y) for _, x, y in stations])
    cells = shapely.voronoi_polygons(st_points, extend_to=county.buffer(1000.0))
    jur = []
    for _, x, y in stations:
        cell = next(c for c in cells.geoms if c.contains(shapely.Point(x, y)))
        jur.append(shapely.set_precision(cell.intersection(county), 1.0))
    jur_series = gpd.GeoSeries(jur + [None] * others, crs=UTM).to_crs("EPSG:4326")
    post_ids = [f"demo-county-post-{i + 1:02d}" for i in range(len(post_rows))]
    gate_points = shapely.points(gx, gy)
    holder = np.array([next((k for k, c in enumerate(jur) if c.covers(p)), 0) for p in gate_points])
    school_cols["jurisdiction_id"] = [post_ids[k] for k in holder]

    # -- cameras: five per school, most near the main gate aimed at it
    m = 5 * n
    owner_school = np.repeat(np.arange(n), 5)
    near = rng.random(m) < 0.85
    ang = rng.uniform(0, 2 * np.pi, m)
    d = rng.uniform(4.0, 45.0, m)
    cx = np.where(near, gx[owner_school] + d * np.sin(ang), gx[owner_school] + rng.uniform(-400, 400, m))
    cy = np.where(near, gy[owner_school] + d * np.cos(ang), gy[owner_school] + rng.uniform(-400, 400, m))
    toward = (np.degrees(np.arctan2(gx[owner_school] - cx, gy[owner_school] - cy))
              + rng.normal(0, 25, m)) % 360
    camera_cols = {
        "id": [f"demo-county-camera-{i + 1:05d}" for i in range(m)],
        "direction_deg": np.round(np.where(near, toward, rng.uniform(0, 360, m)), 1),
        "fov_deg": rng.choice([60.0, 90.0, 110.0, 360.0], m, p=[0.3, 0.45, 0.2, 0.05]),
        "range_m": np.round(rng.uniform(20, 70, m), 0),
        "networked": pd.array(rng.random(m) < np.where(weak[owner_school], 0.3, 0.8), dtype="boolean"),
        "status": np.where(rng.random(m) < 0.05, "broken", "ok"),
        "owner": rng.choice(["school", "police", "shop"], m, p=[0.7, 0.2, 0.1]),
    }

    # -- 护学岗: 1.5 per school at street nodes near the gates, the school's bell windows
    k_cross = int(round(1.5 * n))
    cs = np.concatenate([np.arange(n), rng.integers(0, n, k_cross - n)]) if k_cross > n \
        else np.arange(k_cross)
    cs = np.sort(cs)
    _, cnode = tree.query(np.column_stack([gx[cs] + rng.uniform(-60, 60, len(cs)),
                                           gy[cs] + rng.uniform(-60, 60, len(cs))]))
    staffed = np.where(weak[cs], rng.choice(["none", "volunteer", "none"], len(cs)),
                       rng.choice(["police", "auxiliary", "guard", "volunteer", "police"], len(cs)))
    cross_cols = {
        "id": [f"demo-county-crossing-{i + 1:04d}" for i in range(len(cs))],
        "school_id": [school_cols["id"][i] for i in cs],
        "am_window": [WINDOWS[kinds[i]][0] for i in cs], "noon_window": [WINDOWS[kinds[i]][1] for i in cs],
        "pm_window": [WINDOWS[kinds[i]][2] for i in cs], "staffed_by": staffed.tolist(),
        "staff": pd.array(np.where(staffed == "none", 0, rng.integers(1, 4, len(cs))), dtype="Int64"),
    }

    # -- risk sites: 0.8 per school, 60–700 m from a school, more of them in the seat
    r = int(round(0.8 * n))
    rs = rng.integers(0, n, r)
    ra, rd = rng.uniform(0, 2 * np.pi, r), rng.uniform(60, 700, r)
    cats = rng.choice(["internet_cafe", "entertainment", "stall", "person", "dispute", "drugs", "other"],
                      r, p=[0.22, 0.18, 0.2, 0.12, 0.12, 0.08, 0.08])
    days = rng.integers(0, 540, r)
    risk_cols = {
        "id": [f"demo-county-risk-{i + 1:04d}" for i in range(r)], "category": cats.tolist(),
        "level": rng.integers(1, 4, r), "note": [RISK_NOTES[c] for c in cats],
        "sensitive": cats == "person",
        "registered_at": [(pd.Timestamp("2024-03-01") + pd.Timedelta(days=int(t), hours=9)).to_pydatetime()
                          for t in days],
    }

    layers = {
        "schools": _frame("schools", school_cols,
                          {"gates": gpd.GeoSeries(gates, crs=UTM).to_crs("EPSG:4326"),
                           "campus": gpd.GeoSeries([None] * n, crs="EPSG:4326")}),
        "police_posts": _frame("police_posts", {"id": post_ids, "name": [p["name"] for p in post_rows],
                                                "kind": [p["kind"] for p in post_rows],
                                                "staff": [p["staff"] for p in post_rows],
                                                "vehicles": [p["vehicles"] for p in post_rows],
                                                "hours": [p["hours"] for p in post_rows]},
                               {"point": _to_wgs84(px, py), "jurisdiction": jur_series}),
        "cameras": _frame("cameras", camera_cols, {"point": _to_wgs84(cx, cy),
                                                   "coverage": gpd.GeoSeries([None] * m, crs="EPSG:4326")}),
        "crossings": _frame("crossings", cross_cols, {"point": _to_wgs84(xy[cnode, 0], xy[cnode, 1])}),
        "risk_sites": _frame("risk_sites", risk_cols,
                             {"point": _to_wgs84(gx[rs] + rd * np.sin(ra), gy[rs] + rd * np.cos(ra))}),
    }
    add_checklist_frames(layers["schools"], layers["crossings"], seed=seed, weak=weak)  # issue 11: checklist
    for layer in layers.values():
        geom = layer.geometry.name
        layer[geom] = shapely.set_precision(layer[geom].values, 1e-7)
    layers["roads"] = roads
    bounds = gpd.GeoSeries([county], crs=UTM).to_crs("EPSG:4326").total_bounds
    roads.attrs["bounds"] = tuple(round(float(v), 6) for v in bounds)
    return {name: layers[name] for name in LAYER_NAMES}


def load_county(store, *, schools: int = DEFAULT_SCHOOLS, seed: int = DEFAULT_SEED,
                actor: str = "demo", records: bool = True) -> dict[str, Any]:
    """Write the generated county into ``store`` (initialised first); idempotent.

    Earlier demo rows (``osm:…`` or ``demo-generated``) that the county does not produce are
    deleted; rows imported by users are never touched (a county row whose id a user row
    holds is skipped). Person records among the risk sites go to the restricted register.
    ``records=False`` leaves out the campaign's records (inspections, visits …), the
    register and the demo accounts: the map layers alone, for tests of the map (seconds
    instead of half a minute at 1,000 schools).

    Returns
    -------
    dict
        Per layer: ``inserted``, ``updated``, ``unchanged``, ``deleted``, ``skipped`` counts.
    """
    from gis.auth import demo as auth_demo
    from gis.cycle.demo import load_cycle_demo
    from gis.demo_areas import DEMO_META_KEYS, is_demo_source

    full_layers = build_county_layers(schools=schools, seed=seed)
    # person records go to the restricted register (risk_persons), as in every demo area
    layers = {**full_layers, "risk_sites": auth_demo.without_register_rows(full_layers["risk_sites"])}
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
        result = store.write_layer(name, keep.drop(columns=["source"]), source=DEMO_SOURCE, actor=actor)
        summary[name] = {"inserted": len(result.inserted), "updated": len(result.updated),
                         "unchanged": len(result.unchanged), "deleted": deleted,
                         "skipped": int(len(new) - len(keep))}
    if records:
        summary.update(load_cycle_demo(store, layers, seed=seed, actor=actor))  # the campaign's records
        summary["risk_persons"] = auth_demo.load_demo_auth(store, full_layers)  # register, 演示账号
    meta = {"demo_area": COUNTY_AREA, "area_name_zh": f"演示县（生成数据，{int(schools)} 所学校）",
            "area_name_en": f"Generated county ({int(schools)} schools, simulated)",
            "osm_file": None, "bounds": list(layers["roads"].attrs["bounds"]),
            "attribution": "演示生成数据 / generated demo data", "demo_seed": seed}
    for key in DEMO_META_KEYS:
        if key in meta and store.get_meta(key) != meta[key]:
            store.set_meta(key, meta[key])
    return summary
