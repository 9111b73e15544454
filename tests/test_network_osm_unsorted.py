"""OSM files whose objects are not sorted (JOSM, some Overpass exports) load like sorted ones.

A shared extract is parsed, its nodes, ways and relations shuffled and written back as
``.osm``, ``.osm.bz2`` and ``.osm.pbf``; each must give the same roads, places, water,
bounds and the same road graph (node for node, segment for segment) as the sorted file.
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
from gis.io.tables import read_osm_table
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
