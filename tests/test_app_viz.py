"""The map layers, popups, KPIs and tables of the app (gis.viz), on the guixi demo and on
small hand-made frames."""

from __future__ import annotations

import io
import json
import math
import re
from datetime import datetime

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPoint, Point, box

from gis.errors import NoPathError
from gis.schema import main_gate
from gis.viz import features, focus, kpis, maps, tables
from gis.viz.assets import STATIC_DIR, external_links, missing_asset_files
from gis.viz.elements import FocusRotator, StyledGeoJson

CDN = re.compile(r"(cdn\.jsdelivr|cdnjs|code\.jquery|bootstrapcdn|unpkg|googleapis|openstreetmap\.org/\{)")


def demo_map(layers, lang="zh"):
    bm = maps.build_basemap(roads=layers["roads"], water=None, schools=layers["schools"],
                            posts=layers["police_posts"])
    m = maps.new_map(bm.bounds)
    maps.add_basemap(m, bm)
    maps.add_legend(m, lang)
    for coll in (features.school_features(layers["schools"], lang=lang),
                 features.post_features(layers["police_posts"], lang=lang),
                 features.crossing_features(layers["crossings"], lang=lang),
                 features.risk_features(layers["risk_sites"], lang=lang)):
        StyledGeoJson(coll).add_to(m)
    return m


def test_vendored_assets_are_in_the_repository():
    assert missing_asset_files() == []
    leaflet = (STATIC_DIR / "vendor/leaflet-1.9.4/leaflet.js").read_text(encoding="utf-8")
    assert 'version = "1.9.4"' in leaflet or "1.9.4" in leaflet[:400]
    assert (STATIC_DIR / "vendor/leaflet-1.9.4/images/layers.png").is_file()
    # the project's ./static (served by Streamlit at /app/static) is that folder
    from gis.config import PROJECT_ROOT
    assert (PROJECT_ROOT / "static").resolve() == STATIC_DIR.resolve()


def test_map_of_the_demo_loads_only_app_served_files(demo_layers):
    m = demo_map(demo_layers)
    assert external_links(m) == []
    page = m.get_root().render()
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links and all(u.startswith("/app/static/") for u in links), links
    assert not CDN.search(page)
    assert "OpenStreetMap contributors" in page
    # no tile layer unless configured
    assert "L.tileLayer" not in page


def test_folium_defaults_would_have_gone_to_cdns():
    """The check above can fail: a stock folium map points at CDNs."""
    import folium

    stock = folium.Map(tiles=None)
    assert any("cdn" in u for u in external_links(stock))


def test_static_url_follows_base_path(demo_layers):
    m = maps.new_map((117.19, 28.28, 117.25, 28.32), static_url="/gis/app/static")
    assert external_links(m, static_url="/gis/app/static") == []
    assert "/gis/app/static/vendor/leaflet-1.9.4/leaflet.js" in m.get_root().render()


def test_optional_tile_layer_local_folder_and_gcj02_shift():
    from gis.io.china_crs import wgs84_to_gcj02

    m = maps.new_map((117.19, 28.28, 117.25, 28.32),
                     tiles=maps.TileOptions("tiles/{z}/{x}/{y}.png", gcj02=True, attribution="本地瓦片"))
    page = m.get_root().render()
    assert '"/app/static/tiles/{z}/{x}/{y}.png"' in page
    lat, lon = m.location
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift = re.search(r"L\.latLng\(c\.lat \+ (-?[\d.e-]+), c\.lng \+ (-?[\d.e-]+)\)", page)
    assert shift, "GCJ-02 shift missing"
    assert float(shift.group(1)) == pytest.approx(float(glat) - lat, abs=1e-12)
    assert float(shift.group(2)) == pytest.approx(float(glon) - lon, abs=1e-12)
    # the offset in Jiangxi is a few hundred metres, not zero and not kilometres
    metres = math.hypot((float(glat) - lat) * 111_000, (float(glon) - lon) * 111_000 * math.cos(math.radians(lat)))
    assert 200 < metres < 1000


def test_school_names_and_reasons_are_escaped():
    schools = gpd.GeoDataFrame({
        "id": ["s1"], "name": ['<script>alert("x")</script>'], "kind": ["primary"], "enrollment": [600],
    }, geometry=[MultiPoint([(117.2, 28.3)])], crs="EPSG:4326")
    assessment = pd.DataFrame({"school_id": ["s1"], "score": [40.0], "level": ["critical"],
                               "reasons_zh": ["<img src=x onerror=alert(1)>；无护学岗"], "response_s": [400.0]})
    coll = features.school_features(schools, assessment)
    props = coll["features"][0]["properties"]
    assert "<script>" not in props["_popup"] and "&lt;script&gt;" in props["_popup"]
    assert "<img" not in props["_popup"] and "&lt;img src=x" in props["_popup"]
    assert "<li>无护学岗</li>" in props["_popup"]
    assert "6.7 分钟" in props["_popup"]  # 400 s
    assert props["_style"]["fillColor"] == "#d7263d"  # critical
    # and the rendered map keeps them out of any raw <script> context
    m = maps.new_map((117.1, 28.2, 117.3, 28.4))
    StyledGeoJson(coll).add_to(m)
    assert '<script>alert("x")' not in m.get_root().render()


def test_unassessed_schools_are_grey(demo_layers):
    coll = features.school_features(demo_layers["schools"], None)
    assert len(coll["features"]) == len(demo_layers["schools"])
    assert {f["properties"]["_style"]["fillColor"] for f in coll["features"]} == {"#9e9e9e"}
    assert "未评估" in coll["features"][0]["properties"]["_popup"]


def test_sensitive_risk_sites_show_category_only(demo_layers):
    # the demo keeps persons in the restricted register; a site flagged sensitive by an import
    risks = demo_layers["risk_sites"].copy()
    risks.loc[risks.index[0], "sensitive"] = True
    sensitive = risks[(risks["category"] == "person") | risks["sensitive"].fillna(False).astype(bool)]
    normal = risks.drop(sensitive.index)
    assert len(sensitive) and len(normal)
    coll = features.risk_features(risks)
    blob = json.dumps(coll, ensure_ascii=False)
    for note in sensitive["note"].dropna():
        assert note not in blob
    for note in normal["note"].dropna():
        assert features.popups.esc(note) in blob
    for f in coll["features"]:
        assert set(f["properties"]) <= {"_icon", "_tooltip", "_popup", "_style", "_rank"}
    # a cluster's colour says nothing about a restricted site's level (rank 0)
    assert len(coll["features"]) == len(risks)
    for f, (idx, row) in zip(coll["features"], risks.iterrows(), strict=True):
        assert f["properties"]["_rank"] == (0 if idx in sensitive.index else int(row["level"]))


def test_wall_stops_cover_every_jurisdiction_without_personal_data(demo_layers):
    schools = demo_layers["schools"]
    stops = kpis.jurisdiction_stops(schools, None, demo_layers["police_posts"], whole_name="贵溪")
    jur = set(schools["jurisdiction_id"].dropna().astype(str))
    assert [s["id"] for s in stops] == ["all", *sorted(jur)]
    assert "贵溪" in stops[0]["html"] and f"<b class=\"\">{len(schools)}</b>" in stops[0]["html"]
    notes = demo_layers["risk_sites"]["note"].dropna()
    blob = json.dumps(stops, ensure_ascii=False)
    assert not any(n in blob for n in notes)
    # every school of a jurisdiction lies inside its stop's bounds
    for stop in stops[1:]:
        (s, w), (n, e) = stop["bounds"]
        mine = schools[schools["jurisdiction_id"].astype(str) == stop["id"]]
        for g in mine.geometry:
            gate = main_gate(g)
            assert s <= gate.y <= n and w <= gate.x <= e
    # posts in use (drawn under the schools' clusters on the wall) as a count per stop: every one
    # for the whole area, each 派出所 area its own (itself at least), none counted twice
    posts = demo_layers["police_posts"]
    in_use = posts[posts["status"].fillna("active") != "planned"]
    counts = {s["id"]: int(re.search(r"警务点（在用）</span><b[^>]*>(\d+)</b>", s["html"]).group(1)) for s in stops}
    assert counts["all"] == len(in_use) > 0
    assert all(counts[s["id"]] >= 1 for s in stops[1:]) and sum(counts.values()) - counts["all"] <= len(in_use)
    m = maps.new_map((117.19, 28.28, 117.25, 28.32), theme="dark")
    FocusRotator(stops, seconds=7).add_to(m)
    assert "window.setInterval(show, 7000)" in m.get_root().render()


def test_kpis_by_hand():
    schools = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[Point(0, 0)] * 3, crs="EPSG:4326")
    assessment = pd.DataFrame({"school_id": ["a", "b", "c"], "response_s": [100.0, 200.0, None],
                               "level": ["good", "weak", "critical"]})
    crossings = pd.DataFrame({
        "am_window": ["07:00-08:00", "07:10-07:50", None, "07:00-08:00"],
        "pm_window": [None, "16:30-17:00", "16:30-17:00", "16:30-17:00"],
        "staffed_by": ["police", "none", "guard", "volunteer"],
        "staff": [2, 3, 1, 0],
    })
    k = kpis.compute_kpis(schools, assessment, crossings, now=datetime(2026, 3, 2, 7, 30))
    assert (k.schools, k.assessed, k.within_3min, k.weak, k.critical) == (3, 3, 1, 2, 1)
    assert k.share_within_3min == pytest.approx(1 / 3)
    assert k.peak == "am" and (k.crossings_staffed, k.crossings_total) == (1, 4)
    k = kpis.compute_kpis(schools, assessment, crossings, now=datetime(2026, 3, 2, 16, 45))
    assert k.peak == "pm" and k.crossings_staffed == 1  # the guard; volunteer has staff 0
    assert kpis.current_peak(datetime(2026, 3, 2, 10, 0)) == "noon"  # next one today
    assert kpis.current_peak(datetime(2026, 3, 2, 21, 0)) == "am"  # tomorrow morning
    assert kpis.window_or_none("07:00–08:10") == (25200, 29400) and kpis.window_or_none("7点") is None
    empty = kpis.compute_kpis(schools, None, None, now=datetime(2026, 3, 2, 7, 30))
    assert empty.share_within_3min is None and empty.crossings_total == 0


def test_ranked_table_filters_and_downloads():
    a = pd.DataFrame({
        "school_id": ["a", "b", "c", "d"], "name": ["甲小学", "乙幼儿园", "丙中学", "丁小学"],
        "kind": ["primary", "kindergarten", "junior", "primary"],
        "jurisdiction_id": ["p1", "p1", "p2", "p2"], "jurisdiction_name": ["东门派出所"] * 2 + ["花园派出所"] * 2,
        "score": [80.0, 45.5, 60.0, 70.0], "level": ["good", "critical", "weak", "weak"],
        "response_s": [120.0, 400.0, 200.0, 100.0], "reasons_zh": ["", "派出所最快 6.7 分钟到达", "x", "y"],
        "reasons_en": ["", "slow", "x", "y"], "posts_within_5min": [2, 0, 1, 1],
        "gate_camera_share": [1.0, 0.0, 0.5, 0.9],
    })
    ranked = tables.ranked_schools(a)
    assert list(ranked["school_id"]) == ["b", "c", "d", "a"]
    assert list(ranked["排名"]) == [1, 2, 3, 4]
    assert ranked.loc[0, "最快到达（分钟）"] == pytest.approx(6.7)
    assert list(tables.ranked_schools(a, jurisdictions=["p2"])["school_id"]) == ["c", "d"]
    assert list(tables.ranked_schools(a, levels=["weak"], kinds=["primary"])["school_id"]) == ["d"]
    assert "School" in tables.ranked_schools(a, lang="en").columns
    csv = tables.to_csv_bytes(ranked)
    assert csv.startswith(b"\xef\xbb\xbf") and "乙幼儿园".encode() in csv
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(ranked.drop(columns="school_id"))))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "排名" and rows[1][1] == "乙幼儿园" and len(rows) == 5


def test_gate_zone_is_a_30_m_circle_and_routes_skip_unreachable_posts():
    school = gpd.GeoDataFrame({"id": ["s"]}, geometry=[MultiPoint([(117.2, 28.3), (117.201, 28.3)])],
                              crs="EPSG:4326")
    zones = focus.gate_zones(school, gate_zone_m=30)
    assert len(zones) == 2
    area = zones.to_crs(zones.estimate_utm_crs()).area
    assert area.iloc[0] == pytest.approx(math.pi * 30 ** 2, rel=0.01)
    posts = gpd.GeoDataFrame({"id": ["p1", "p2", "p3"], "name": ["近", "中", "远"],
                              "point": [Point(117.2005, 28.3), Point(117.21, 28.3), Point(117.3, 28.3)]},
                             geometry="point", crs="EPSG:4326")  # the store's posts: geometry "point"
    near = focus.nearest_posts(posts, Point(117.2, 28.3), n=2)
    assert list(near["id"]) == ["p1", "p2"]
    assert near["distance_m"].iloc[0] == pytest.approx(49, abs=2)  # 0.0005° of longitude at 28.3°N

    def route(a, b):
        if a.x > 117.205:
            raise NoPathError("one-way")
        return LineString([a, b]), 42.0

    routes = focus.post_routes(near, Point(117.2, 28.3), route)
    assert list(routes["post_id"]) == ["p1"] and routes["seconds"].iloc[0] == 42.0


def test_basemap_draws_roads_by_class(demo_layers):
    bm = maps.build_basemap(roads=demo_layers["roads"], water=None, schools=demo_layers["schools"],
                            posts=demo_layers["police_posts"])
    assert len(bm.roads["features"]) == len(demo_layers["roads"])
    widths = {}
    for f, hw in zip(bm.roads["features"],
                     demo_layers["roads"].assign(_r=demo_layers["roads"]["highway"].map(
                         features.style.ROAD_CLASSES).fillna(4)).sort_values("_r", ascending=False)["highway"],
                     strict=True):
        widths.setdefault(hw, f["properties"]["_style"]["weight"])
    assert widths["primary"] > widths["secondary"] > widths["residential"]
    minlon, minlat, maxlon, maxlat = bm.bounds
    assert box(minlon, minlat, maxlon, maxlat).contains(demo_layers["schools"].geometry.union_all().centroid)
    assert len(bm.jurisdictions["features"]) == demo_layers["police_posts"]["jurisdiction"].notna().sum()


def test_zoom_for_bounds_by_hand():
    # the whole world (360° × ±85°) in one 256-pixel tile is zoom 0; twice the pixels, zoom 1
    world = (-180.0, -85.0, 180.0, 85.0)
    assert maps.zoom_for_bounds(world, width_px=256, height_px=256, padding_px=0) == pytest.approx(0, abs=0.25)
    assert maps.zoom_for_bounds(world, width_px=512, height_px=512, padding_px=0) == pytest.approx(1, abs=0.25)


def test_reach_comparison_table_smallest_share_first():
    reach = pd.DataFrame({"post_id": ["p1", "p1", "p2"], "minutes": [1.0, 3.0, 1.0],
                          "area_km2": [0.2, 1.1, 0.05], "circle_area_km2": [0.785, 7.07, 0.785],
                          "circle_reach_share": [0.25, 0.15, 0.06]})
    posts = pd.DataFrame({"id": ["p1", "p2"], "name": ["东门派出所", "岗亭"]})
    t = tables.reach_comparison(reach, posts)
    assert list(t["警务点"]) == ["岗亭", "东门派出所", "东门派出所"]
    assert list(t["圆内实际可达"]) == [6, 15, 25] and list(t["时间圈（分钟）"]) == [1, 3, 1]


def test_county_scale_basemap_leaves_minor_roads_off_but_keeps_main_roads(demo_layers):
    roads = demo_layers["roads"]
    kept = features.basemap_roads(roads, max_roads=len(roads) - 1)
    assert len(kept) < len(roads)
    ranks = kept["highway"].map(features.style.ROAD_CLASSES).fillna(4)
    assert ranks.max() < 5  # service roads and living streets went first
    assert set(roads.loc[roads["highway"] == "primary", "id"]) <= set(kept["id"])
    assert len(features.basemap_roads(roads)) == len(roads)  # demo scale: every road drawn
    many = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {}}] * 5001}
    assert StyledGeoJson(many).canvas and not StyledGeoJson(features.empty_collection()).canvas
