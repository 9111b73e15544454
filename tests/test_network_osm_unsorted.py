"""OSM files whose objects are not sorted (JOSM, some Overpass exports) load like sorted ones.

A shared extract is parsed, its nodes, ways and relations shuffled and written back as
``.osm``, ``.osm.bz2`` and ``.osm.pbf``; each must give the same roads, places, water,
bounds and the same road graph (node for node, segment for segment) as the sorted file.
A file as JOSM saves it after edits (new objects with negative ids, deleted ones still in the
file, marked) gives the extract with those edits applied.
"""

from __future__ import annotations

import bz2
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import osmium
import pytest

from gis.io.osm import read_osm
from gis.io.vector import read_osm_table
from gis.network import NetworkConfig, load_road_graph

OSM_DIR = Path(__file__).resolve().parent.parent / "data" / "osm"
EXTRACTS = ["cn_jiangxi_guixi_city_2024.osm.bz2", "cn_shenzhen_longgang_dayun_2019.osm.bz2"]


def shuffled_copy(src: Path, out_dir: Path, *, seed: int = 7) -> dict[str, Path]:
    """The extract with its objects in random order, as .osm, .osm.bz2 and .osm.pbf."""
    root = ET.fromstring(bz2.decompress(src.read_bytes()))
    objects = [e for e in root if e.tag in ("node", "way", "relation")]
    for e in objects:
        root.remove(e)
    random.Random(seed).shuffle(objects)
    root.extend(objects)
    xml_path = out_dir / "shuffled.osm"
    ET.ElementTree(root).write(xml_path, encoding="utf-8", xml_declaration=True)
    bz2_path = out_dir / "shuffled.osm.bz2"
    bz2_path.write_bytes(bz2.compress(xml_path.read_bytes()))
    pbf_path = out_dir / "shuffled.osm.pbf"
    header = osmium.io.Reader(str(xml_path), osmium.osm.osm_entity_bits.NOTHING).header()  # the bbox
    writer = osmium.SimpleWriter(str(pbf_path), header=header)
    try:
        for obj in osmium.FileProcessor(str(xml_path)):  # keeps the file's (shuffled) order
            writer.add(obj)
    finally:
        writer.close()
    order = [(o.type_str(), o.id) for o in osmium.FileProcessor(str(pbf_path))]
    assert order != sorted(order, key=lambda k: ("nwr".index(k[0]), k[1])), "the copy is not shuffled"
    return {"osm": xml_path, "bz2": bz2_path, "pbf": pbf_path}


def _frame(gdf, geom: str):
    out = gdf.sort_values("id").reset_index(drop=True)
    return out.drop(columns=[geom]), out[geom].to_wkb()


@pytest.fixture(scope="module", params=EXTRACTS)
def extract_pair(request, tmp_path_factory):
    src = OSM_DIR / request.param
    return src, shuffled_copy(src, tmp_path_factory.mktemp("unsorted"))


@pytest.mark.parametrize("kind", ["osm", "bz2", "pbf"])
def test_unsorted_file_gives_the_same_layers(extract_pair, kind):
    src, copies = extract_pair
    ref, got = read_osm(src), read_osm(copies[kind])
    assert not ref.sorted_on_the_fly and got.sorted_on_the_fly
    assert len(ref.roads) > 100 and len(ref.places) >= 1
    for name, geom in (("roads", "geom"), ("places", "geometry")):
        a_attrs, a_geom = _frame(getattr(ref, name), geom)
        b_attrs, b_geom = _frame(getattr(got, name), geom)
        assert a_attrs.astype(str).equals(b_attrs.astype(str)), name
        assert list(a_geom) == list(b_geom), name
    assert len(got.water) == len(ref.water)
    assert got.bounds == pytest.approx(ref.bounds)


def test_unsorted_file_gives_the_same_graph(extract_pair, tmp_path):
    src, copies = extract_pair
    config = NetworkConfig(cache_dir=tmp_path)
    ref = load_road_graph(src, config=config, use_cache=False)
    got = load_road_graph(copies["bz2"], config=config, use_cache=False)
    assert ref.n_nodes > 500
    assert got.report == ref.report
    for name in ("node_xy", "seg_a", "seg_b", "seg_length_m", "seg_time_fw_s", "seg_time_bw_s", "road_ids"):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name), err_msg=name)


def test_import_preview_says_the_file_was_sorted(extract_pair):
    _, copies = extract_pair
    table = read_osm_table(copies["pbf"])
    assert any("sorted while reading" in note for note in table.notes)
    assert len(table.frame) > 100


def josm_copy(src: Path, out_dir: Path) -> tuple[dict[str, Path], str]:
    """The extract as JOSM saves it after a planner's edits: a new road (negative ids) joined to
    an existing junction, a new kindergarten, a road deleted (still in the file, marked), a road
    modified. Returns the copies (.osm, .osm.bz2) and the deleted road's id.
    (Two-way new road, so it stays in the main network, which keeps strongly connected parts.)"""
    root = ET.fromstring(bz2.decompress(src.read_bytes()))
    root.set("generator", "JOSM")
    root.set("upload", "never")
    ways = [e for e in root if e.tag == "way" and any(t.get("k") == "highway" and t.get("v") in
                                                         ("primary", "secondary", "tertiary", "residential")
                                                         for t in e.iter("tag"))]
    gone, changed = ways[3], ways[4]
    gone.set("action", "delete")
    changed.set("action", "modify")
    junction = ways[5].findall("nd")[0].get("ref")
    node = next(e for e in root if e.tag == "node" and e.get("id") == junction)
    lat, lon = float(node.get("lat")), float(node.get("lon"))
    new = [ET.Element("node", id="-1", action="modify", visible="true", lat=f"{lat + 0.002:.7f}", lon=f"{lon:.7f}"),
           ET.Element("node", id="-2", action="modify", visible="true", lat=f"{lat + 0.004:.7f}", lon=f"{lon:.7f}")]
    road = ET.Element("way", id="-3", action="modify", visible="true")
    for ref in (junction, "-1", "-2"):
        ET.SubElement(road, "nd", ref=ref)
    ET.SubElement(road, "tag", k="highway", v="residential")
    ET.SubElement(road, "tag", k="name", v="新建道路")
    kindergarten = ET.Element("node", id="-4", action="modify", visible="true", lat=f"{lat + 0.003:.7f}",
                              lon=f"{lon + 0.0005:.7f}")
    ET.SubElement(kindergarten, "tag", k="amenity", v="kindergarten")
    ET.SubElement(kindergarten, "tag", k="name", v="新建幼儿园")
    for k, element in enumerate([*new, road, kindergarten]):   # JOSM puts new objects anywhere
        root.insert(1 + 7 * k, element)
    xml_path = out_dir / "josm.osm"
    ET.ElementTree(root).write(xml_path, encoding="utf-8", xml_declaration=True)
    bz2_path = out_dir / "josm.osm.bz2"
    bz2_path.write_bytes(bz2.compress(xml_path.read_bytes()))
    return {"osm": xml_path, "bz2": bz2_path}, f"w{gone.get('id')}"


@pytest.mark.parametrize("kind", ["osm", "bz2"])
def test_a_josm_file_keeps_new_objects_and_leaves_deleted_ones_out(kind, tmp_path):
    src = OSM_DIR / EXTRACTS[0]
    copies, gone = josm_copy(src, tmp_path)
    ref, got = read_osm(src), read_osm(copies[kind])
    assert got.new_objects == 4 and got.deleted_skipped == 1
    # every road of the extract but the deleted one, unchanged, and the new one
    assert gone in set(ref.roads["id"]) and gone not in set(got.roads["id"])
    kept = ref.roads[ref.roads["id"] != gone]
    a_attrs, a_geom = _frame(kept, "geom")
    b_attrs, b_geom = _frame(got.roads[got.roads["id"] != "w-3"], "geom")
    assert a_attrs.astype(str).equals(b_attrs.astype(str)) and list(a_geom) == list(b_geom)
    new_road = got.roads.set_index("id").loc["w-3"]
    assert new_road["name"] == "新建道路" and new_road["osm_id"] == -3 and len(new_road["geom"].coords) == 3
    new_place = got.places.set_index("id").loc["n-4"]
    assert new_place["amenity"] == "kindergarten" and new_place["name"] == "新建幼儿园"
    # the new road is part of the graph, joined at the junction it was drawn from
    graph = load_road_graph(copies[kind], config=NetworkConfig(cache_dir=tmp_path), use_cache=False)
    assert gone not in set(graph.road_ids)
    assert np.count_nonzero(graph.seg_road == list(graph.road_ids).index("w-3")) == 2   # both pieces kept
    notes = " ".join(read_osm_table(copies[kind]).notes)
    assert "4 new objects drawn in JOSM" in notes and "1 objects JOSM marked deleted" in notes


def test_an_osm_file_declaring_a_doctype_is_refused(tmp_path):
    from gis.errors import DataSourceError

    path = tmp_path / "entities.osm"
    path.write_text('<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                    '<osm version="0.6" generator="JOSM"><node id="1" action="delete" lat="28" lon="117"/>'
                    '</osm>', encoding="utf-8")
    with pytest.raises(DataSourceError, match="DOCTYPE"):
        read_osm(path)


def test_an_overpass_out_geom_export_gives_the_same_roads(tmp_path):
    """Overpass ``out geom`` writes each way's points on the way (``<nd ref lat lon>``) and no
    untagged nodes: the roads and the road graph are those of the full extract."""
    src = OSM_DIR / EXTRACTS[0]
    root = ET.fromstring(bz2.decompress(src.read_bytes()))
    where = {e.get("id"): (e.get("lat"), e.get("lon")) for e in root if e.tag == "node"}
    for e in [e for e in root if e.tag == "node" and e.find("tag") is None]:
        root.remove(e)
    for nd in root.iter("nd"):
        nd.set("lat", where[nd.get("ref")][0])
        nd.set("lon", where[nd.get("ref")][1])
    path = tmp_path / "overpass_geom.osm"
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    ref, got = read_osm(src), read_osm(path)
    a_attrs, a_geom = _frame(ref.roads, "geom")
    b_attrs, b_geom = _frame(got.roads, "geom")
    assert len(a_attrs) > 100 and a_attrs.astype(str).equals(b_attrs.astype(str))
    assert list(a_geom) == list(b_geom)
    config = NetworkConfig(cache_dir=tmp_path)
    a = load_road_graph(src, config=config, use_cache=False)
    b = load_road_graph(path, config=config, use_cache=False)
    for name in ("node_xy", "seg_a", "seg_b", "seg_length_m", "road_ids"):
        np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
