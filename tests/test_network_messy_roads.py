"""Messy road files (issue 12): no class column, no ``.prj``, fragmented networks.

The road files are written here: lines with *no attributes at all* drawn in UTM 50N near
Guixi (metres, so lengths are exact), saved as a Shapefile with or without its ``.prj``.

    main network: a 1 000 m × 1 000 m square ring A(0,0) B(1000,0) C(1000,1000) D(0,1000)
    island:       a separate ring 600 m × 600 m at x 3000…3600 (never touches the main one)

The square keeps 4 000 m of the 6 400 m of road: 62.5 % < 80 % → fragmented.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from gis.cli import main
from gis.config import load_settings
from gis.coverage.config import scoring_config
from gis.coverage.score import deduct_response
from gis.errors import ValidationError
from gis.network import (
    NetworkConfig,
    build_road_graph,
    load_road_graph,
    response_field,
    snap_points,
)
from gis.store import open_store

X0, Y0 = 520000.0, 3130000.0
UTM = "EPSG:32650"
SQUARE = [(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)]
ISLAND = [(3000, 0), (3600, 0), (3600, 600), (3000, 600), (3000, 0)]


def local_lines(*rings) -> list[LineString]:
    """One line per side of each ring, in the local frame."""
    return [LineString([(X0 + x1, Y0 + y1), (X0 + x2, Y0 + y2)])
            for ring in rings for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True)]


def local_points(**coords) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": list(coords)}, geometry=[Point(X0 + x, Y0 + y) for x, y in coords.values()],
                            crs=UTM).to_crs("EPSG:4326")


def write_bare_lines(path, *, crs: str, prj: bool, rings=(SQUARE,)) -> None:
    """A shapefile whose features are lines and nothing else (no class, no id, no name)."""
    layer = gpd.GeoDataFrame(geometry=local_lines(*rings), crs=UTM).to_crs(crs)
    layer.to_file(path, engine="pyogrio")
    if not prj:
        path.with_suffix(".prj").unlink()
    cols = gpd.read_file(path, engine="pyogrio").columns
    assert [c for c in cols if c.lower() not in ("geometry", "fid")] == [], cols


@pytest.fixture
def config(tmp_path) -> NetworkConfig:
    return replace(NetworkConfig.from_settings(load_settings()), cache_dir=tmp_path / "cache")


# -- no class column -----------------------------------------------------------------------

def test_line_file_without_attributes_loads_with_the_default_class(tmp_path, config):
    path = tmp_path / "drawn.shp"
    write_bare_lines(path, crs="EPSG:4326", prj=True)
    graph = load_road_graph(path, config=config, use_cache=False)
    assert graph.classes == ("residential",)
    assert graph.n_nodes == 4 and graph.n_edges == 8
    assert graph.report["assumed_class"] == "residential"
    assert any("'residential'" in w and "no class column" in w for w in graph.report["warnings"])
    # 1 000 m at the residential speed (25 km/h), both ways
    assert np.allclose(graph.seg_time_fw_s, 1000 / (25 / 3.6), rtol=1e-3)


def test_the_stated_class_sets_the_speed(tmp_path, config):
    path = tmp_path / "drawn.shp"
    write_bare_lines(path, crs="EPSG:4326", prj=True)
    graph = load_road_graph(path, config=replace(config, default_road_class="tertiary"), use_cache=False)
    assert graph.classes == ("tertiary",)
    assert np.allclose(graph.seg_time_fw_s, 1000 / (35 / 3.6), rtol=1e-3)


def test_shapefile_without_prj_in_lonlat_is_read_as_wgs84(tmp_path, config):
    path = tmp_path / "noprj.shp"
    write_bare_lines(path, crs="EPSG:4326", prj=False)
    assert gpd.read_file(path, engine="pyogrio").crs is None
    graph = load_road_graph(path, config=config, use_cache=False)
    assert graph.n_nodes == 4 and graph.crs == UTM
    assert graph.report["length_km"] == pytest.approx(4.0, abs=0.01)
    assert any(".prj" in w and "WGS-84" in w for w in graph.report["warnings"])


def test_shapefile_without_prj_in_metres_is_refused_with_a_crs_hint(tmp_path, config):
    path = tmp_path / "metres.shp"
    write_bare_lines(path, crs=UTM, prj=False)
    with pytest.raises(ValidationError, match=r"--crs") as err:
        load_road_graph(path, config=config, use_cache=False)
    assert ".prj" in str(err.value) and "520000" in str(err.value)


def _import(tmp_path, path, *extra):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    rc = main(["--db", db, "import", "roads", str(path), *extra])
    return rc, open_store(db)


def test_cli_import_of_a_bare_line_file_states_the_class(tmp_path, capsys):
    path = tmp_path / "county_drawn.shp"
    write_bare_lines(path, crs="EPSG:4326", prj=False)
    rc, store = _import(tmp_path, path)
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "“residential”" in out and "--road-class" in out   # the assumption, named
    assert ".prj" in out and "WGS-84" in out
    roads = store.read_layer("roads")
    assert sorted(roads["id"]) == [f"county_drawn-{i}" for i in range(1, 5)]
    assert set(roads["highway"]) == {"residential"}
    assert roads.geometry.to_crs(UTM).length.sum() == pytest.approx(4000, abs=1)

    rc, store = _import(tmp_path, path, "--road-class", "tertiary")   # same ids: updated in place
    assert rc == 0
    roads = store.read_layer("roads")
    assert len(roads) == 4 and set(roads["highway"]) == {"tertiary"}


def test_cli_import_refuses_projected_coordinates_without_prj(tmp_path, capsys):
    path = tmp_path / "metres.shp"
    write_bare_lines(path, crs=UTM, prj=False)
    rc, store = _import(tmp_path, path)
    err = capsys.readouterr().err
    assert rc == 2
    assert "--crs" in err and ".prj" in err and "Traceback" not in err
    assert len(store.read_layer("roads")) == 0
    rc, _ = _import(tmp_path, path, "--road-class", "footway")
    assert rc == 2 and "not a drivable road class" in capsys.readouterr().err


def test_cli_import_with_crs_reads_a_prjless_projected_file(tmp_path, capsys):
    path = tmp_path / "metres.shp"
    write_bare_lines(path, crs=UTM, prj=False)
    rc, store = _import(tmp_path, path, "--crs", UTM)
    assert rc == 0, capsys.readouterr()
    roads = store.read_layer("roads")
    assert roads.geometry.to_crs(UTM).length.sum() == pytest.approx(4000, abs=1)


def test_cli_import_names_the_gauss_kruger_zone_of_prefixed_eastings(tmp_path, capsys):
    """Survey data write the zone number in front of the easting (CGCS2000 3° zone 39 near
    Guixi: x ≈ 39 520 000 m). Without a .prj the import is refused, naming that system; with it
    given the roads are where they were drawn."""
    path = tmp_path / "survey.shp"
    write_bare_lines(path, crs="EPSG:4527", prj=False)
    rc, store = _import(tmp_path, path)
    err = capsys.readouterr().err
    assert rc == 2 and "--crs EPSG:4527" in err and "带号 39" in err and "Traceback" not in err
    assert len(store.read_layer("roads")) == 0
    rc, store = _import(tmp_path, path, "--crs", "EPSG:4527")
    assert rc == 0, capsys.readouterr()
    roads = store.read_layer("roads").geometry.to_crs(UTM)
    assert roads.length.sum() == pytest.approx(4000, abs=1)
    assert roads.union_all().bounds[:2] == pytest.approx((X0, Y0), abs=0.01)


def test_cli_import_of_a_bare_geojson_needs_no_crs_warning(tmp_path, capsys):
    """A GeoJSON with ``"properties": null`` and 3-D lines is WGS-84 by its standard (RFC 7946):
    the class is stated, no ".prj" warning is given; in metres with no crs it is refused."""
    import json

    lines = gpd.GeoSeries(local_lines(SQUARE), crs=UTM)
    for crs, expect in (("EPSG:4326", 0), (UTM, 2)):
        features = [{"type": "Feature", "properties": None, "geometry": {
            "type": "MultiLineString", "coordinates": [[[x, y, 12.5] for x, y in line.coords]]}}
            for line in lines.to_crs(crs)]
        path = tmp_path / f"bare_{crs[-4:]}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        rc, store = _import(tmp_path, path)
        out = "".join(capsys.readouterr())
        assert rc == expect, out
        assert ".prj" not in out if expect == 0 else "--crs" in out
    roads = store.read_layer("roads").geometry.to_crs(UTM)
    assert len(roads) == 4 and roads.length.sum() == pytest.approx(4000, abs=1)


def write_kml_square(path) -> None:
    """The square as Google Earth or 奥维互动地图 save drawn roads: two folders, one placemark a
    side with a Chinese name, 3-D coordinates, and a stray marker point among the roads."""
    lines = gpd.GeoDataFrame(geometry=local_lines(SQUARE), crs=UTM).to_crs("EPSG:4326").geometry

    def placemark(k, line):
        coords = " ".join(f"{x:.7f},{y:.7f},0" for x, y in line.coords)
        return (f"<Placemark><name>新修道路{k}</name><LineString><tessellate>1</tessellate>"
                f"<coordinates>{coords}</coordinates></LineString></Placemark>")

    folders = [f"<Folder><name>{title}</name>{''.join(placemark(k, lines[k]) for k in ks)}</Folder>"
               for title, ks in (("镇区道路", (0, 1)), ("村道", (2, 3)))]
    stray = (f"<Placemark><name>标注</name><Point><coordinates>{lines[0].coords[0][0]:.7f},"
             f"{lines[0].coords[0][1]:.7f},0</coordinates></Point></Placemark>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                    f"<Document><name>雄石镇</name>{folders[0]}{folders[1].replace('</Folder>', stray + '</Folder>')}"
                    "</Document></kml>", encoding="utf-8")


@pytest.mark.parametrize("kind", ["kml", "kmz"])
def test_cli_import_of_drawn_roads_in_kml_or_kmz(tmp_path, capsys, kind):
    import zipfile

    path = tmp_path / "drawn.kml"
    write_kml_square(path)
    if kind == "kmz":   # a KMZ is a zip holding doc.kml
        kmz = tmp_path / "drawn.kmz"
        with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(path, "doc.kml")
        path.unlink()
        path = kmz
    rc, store = _import(tmp_path, path)
    out = "".join(capsys.readouterr())
    assert rc == 3, out                                   # the marker point is refused, the roads kept
    assert "“residential”" in out and "Point" in out and "Traceback" not in out
    roads = store.read_layer("roads")
    assert sorted(roads["name"]) == [f"新修道路{k}" for k in range(4)]
    assert set(roads["highway"]) == {"residential"} and not roads.geometry.has_z.any()
    assert roads.geometry.to_crs(UTM).length.sum() == pytest.approx(4000, abs=1)
    quarantine = next(tmp_path.glob("drawn.quarantine.*"))
    assert "标注" in quarantine.read_text(encoding="utf-8")


# -- fragmented road data ------------------------------------------------------------------

@pytest.fixture
def fragmented(config):
    roads = gpd.GeoDataFrame({"highway": ["residential"] * 8},
                             geometry=local_lines(SQUARE, ISLAND), crs=UTM).to_crs("EPSG:4326")
    return build_road_graph(roads, config=config), config


def test_fragmented_network_is_reported(fragmented):
    graph, config = fragmented
    r = graph.report
    assert r["main_share"] == pytest.approx(4000 / 6400, abs=1e-3)
    assert r["fragmented"] and r["dropped_parts"] == 1 and r["dropped_segments"] == 4
    assert any("62%" in w and "不连通" in w for w in r["warnings"])
    lines = graph.dropped_lines()
    assert len(lines) == 4 and lines["length_m"].sum() == pytest.approx(2400, abs=0.5)
    box = lines.to_crs(UTM).total_bounds - [X0, Y0, X0, Y0]
    assert box == pytest.approx([3000, 0, 3600, 600], abs=0.5)
    # the same network is not "fragmented" when the bar is lower
    relaxed = build_road_graph(gpd.GeoDataFrame({"highway": ["residential"] * 8},
                                                geometry=local_lines(SQUARE, ISLAND), crs=UTM),
                               config=replace(config, min_main_share=0.6))
    assert not relaxed.report["fragmented"] and relaxed.report["main_share"] == r["main_share"]


def test_schools_and_posts_on_a_cut_off_road_are_stranded(fragmented, tmp_path):
    graph, config = fragmented
    posts = local_points(main_post=(0, 500), island_post=(3000, 300))
    gates = local_points(on_main=(1000, 500), on_island=(3600, 300), near_island=(3300, 640))
    snapped = snap_points(graph, gates, config=config)
    assert snapped.attrs["stranded_points"] == ["on_island", "near_island"]
    field = response_field(graph, posts, gates, config=config)
    assert field.attrs["posts_stranded"] == ["island_post"]
    assert field.attrs["targets_stranded"] == ["on_island", "near_island"]
    assert list(field["stranded"]) == [False, True, True]
    # (0,500) → A or D → across → (1000,500): 500 + 1 000 + 500 m at 25 km/h
    assert field.loc[0, "response_s"] == pytest.approx(2000 / (25 / 3.6), rel=1e-3)
    assert np.isnan(field.loc[1, "response_s"]) and np.isnan(field.loc[2, "response_s"])

    frame = field.assign(school_id=["a", "b", "c"])
    _, reasons = deduct_response(frame, scoring_config(load_settings()))
    assert reasons[1][0].startswith("所在道路与主路网不连通")
    assert "does not connect to the main road network" in reasons[1][1]
    assert reasons[0] is None or "不连通" not in reasons[0][0]


def test_a_point_far_from_every_road_is_not_called_stranded(fragmented):
    graph, config = fragmented
    far = local_points(field=(2000, 2000))  # 1 000 m from both: off-network, not stranded
    snapped = snap_points(graph, far, config=config)
    assert snapped.attrs["far_points"] == ["field"] and snapped.attrs["stranded_points"] == []


def test_zipped_shapefile_without_prj_or_attributes_previews_with_both_warnings(tmp_path):
    """What a planner uploads on 数据管理: a .zip of .shp/.shx/.dbf, no .prj, no columns."""
    import zipfile

    from gis.io.importer import prepare_import

    shp = tmp_path / "lines.shp"
    write_bare_lines(shp, crs="EPSG:4326", prj=False)
    archive = tmp_path / "lines.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("lines.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    preview = prepare_import("roads", archive, road_class="unclassified")
    assert preview.rejected == 0 and preview.accepted == 4
    assert set(preview.records["highway"]) == {"unclassified"}
    assert sorted(preview.records["id"]) == [f"lines-{i}" for i in range(1, 5)]
    text = "\n".join(preview.warnings)
    assert "“unclassified”" in text and ".prj" in text
    with pytest.raises(ValidationError, match="highway"):
        prepare_import("roads", archive, road_class=None)  # no stated class: the column is required
