"""Read OpenStreetMap extracts (``.osm``, ``.osm.bz2``, ``.osm.pbf``) with pyosmium.

One pass over the file gives the drivable roads, the named places we care about
(schools, kindergartens, police) and the water used by the offline basemap. Files whose
objects are not sorted (JOSM, some Overpass exports) are sorted on the fly first. A file
saved by JOSM also holds the planner's edits: objects drawn but not uploaded have negative
ids (kept, renumbered while reading and shown with their own negative id), objects deleted
are still in the file marked ``action="delete"`` (skipped). Ways that carry their own points
and no nodes (Overpass ``out geom``) keep those points.
Coordinates stay WGS-84 (EPSG:4326), as OSM stores them. The data is
© OpenStreetMap contributors (ODbL); keep ``gis.OSM_ATTRIBUTION`` wherever it shows.
"""

from __future__ import annotations

import bz2
import gzip
import tempfile
import xml.parsers.expat
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import osmium
import shapely
from shapely.geometry import LineString, Point

from gis.errors import DataSourceError

DRIVABLE_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service", "road",
})
PLACE_AMENITIES = frozenset({"school", "kindergarten", "police"})
CRS_WGS84 = "EPSG:4326"
# JOSM's new objects (negative ids) are renumbered above every real OSM id while reading
# (node ids are about 1.3e10 in 2026; this is 4.4e12) and given back their own id after.
NEW_ID_BASE = 1 << 42
_XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".osm.gz", ".xml.bz2", ".xml.gz")


@dataclass(frozen=True)
class OsmExtract:
    """What one OSM file holds for us.

    Attributes
    ----------
    roads : GeoDataFrame
        Drivable ways: ``id`` (``w<osm id>``), ``osm_id``, ``name``, ``highway``, ``oneway``
        (the tag, or ``yes`` implied by roundabouts and motorways), ``maxspeed``, ``geom``.
    places : GeoDataFrame
        Schools, kindergartens and police: ``id`` (``n…``/``w…``/``r…``), ``amenity``, ``name``,
        ``geometry`` (Point for nodes, (Multi)Polygon for areas).
    water : GeoDataFrame
        Water areas and waterway lines for the basemap: ``kind``, ``name``, ``geometry``.
    bounds : tuple of float
        ``(minlon, minlat, maxlon, maxlat)`` of the export box, or of the data when absent.
    sorted_on_the_fly : bool
        The file's objects were not sorted by type and id; they were sorted while reading.
    new_objects : int
        Objects with a negative id (drawn in JOSM, not uploaded): kept, ids like ``w-12``.
    deleted_skipped : int
        Objects JOSM marked ``action="delete"``: left out.
    """

    roads: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    water: gpd.GeoDataFrame
    bounds: tuple[float, float, float, float]
    sorted_on_the_fly: bool = False
    new_objects: int = 0
    deleted_skipped: int = 0


def implied_oneway(tags: osmium.osm.TagList) -> str | None:
    """The ``oneway`` value of a way, with the implications OSM defines for it."""
    oneway = tags.get("oneway")
    if oneway:
        return oneway
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return "yes"
    return None


def display_name(tags: osmium.osm.TagList) -> str | None:
    """Prefer the Chinese name tag, fall back to ``name``."""
    return tags.get("name:zh") or tags.get("name")


def read_osm(path: str | Path) -> OsmExtract:
    """Read an OSM file in one pass (more when its objects are not sorted or JOSM edited it).

    Area assembly and node locations need the objects sorted by type (nodes, ways,
    relations) and id, as osmium and Geofabrik write them. JOSM and some Overpass exports
    do not sort; such a file is detected during the pass (or by the area assembler's "out
    of order" error), sorted on the fly with pyosmium's ``MergeInputReader`` into a
    temporary ``.osm.pbf`` and read again. ``OsmExtract.sorted_on_the_fly`` says so. Objects
    with negative ids (JOSM's new ones) take the same way, renumbered on the copy; objects a
    JOSM file marks ``action="delete"`` are left out of it.

    Parameters
    ----------
    path : path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``.

    Returns
    -------
    OsmExtract
    """
    path = Path(path)
    if not path.exists():
        msg = f"找不到 OSM 文件 / OSM file not found: {path}"
        raise DataSourceError(msg)
    deleted = deleted_in_josm_file(path)
    extract = None
    if not deleted:
        try:
            extract = _read_sorted(path, check_order=True)
        except RuntimeError as exc:
            if "order" not in str(exc).lower():
                msg = f"无法读取 OSM 文件 / cannot read OSM file {path.name}: {exc}"
                raise DataSourceError(msg) from exc
    if extract is not None:
        return extract
    with tempfile.TemporaryDirectory(prefix="gis-osm-sort-") as tmp:
        clean, new, skipped = _clean_copy(path, Path(tmp) / "clean.osm.pbf", deleted=deleted)
        sorted_path = sort_osm_file(clean, Path(tmp) / "sorted.osm.pbf")
        try:
            extract = _read_sorted(sorted_path, check_order=False)
        except RuntimeError as exc:
            msg = f"无法读取 OSM 文件（已排序后仍失败）/ cannot read OSM file {path.name} even sorted: {exc}"
            raise DataSourceError(msg) from exc
    return replace(extract, sorted_on_the_fly=True, new_objects=new, deleted_skipped=skipped)


def deleted_in_josm_file(path: str | Path) -> set[tuple[str, int]]:
    """The objects an OSM XML file marks ``action="delete"`` (JOSM keeps them in the file
    until they are uploaded; osmium reads them as live), as ``(type letter, id)``.

    Only an XML file whose first MiB (the ``generator='JOSM'`` header and the first objects)
    names an editor that writes such marks or says ``action=`` is parsed (expat, streamed, no
    DOCTYPE allowed), so other files cost one read of that MiB. ``.pbf`` files carry no such
    mark: empty set.
    """
    path = Path(path)
    name = path.name.lower()
    if not name.endswith(_XML_SUFFIXES):
        return set()
    opener = bz2.open if name.endswith(".bz2") else gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(1 << 20)
        if not any(mark in head for mark in (b"action=", b"JOSM", b"Merkaartor")):
            return set()
        deleted: set[tuple[str, int]] = set()

        def start(tag: str, attrs: dict[str, str]) -> None:
            ident = attrs.get("id", "")
            if tag in ("node", "way", "relation") and attrs.get("action") == "delete" \
                    and ident.lstrip("-").isdigit():
                deleted.add((tag[0], int(ident)))

        def no_doctype(*_args) -> None:
            msg = f"OSM 文件含 DOCTYPE 声明，拒绝读取 / {path.name}: an OSM file may not declare a DOCTYPE"
            raise DataSourceError(msg)

        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = no_doctype
        with opener(path, "rb") as f:
            parser.ParseFile(f)
    except (OSError, EOFError, xml.parsers.expat.ExpatError) as exc:
        msg = f"无法读取 OSM 文件 / cannot read OSM file {path.name}: {exc}"
        raise DataSourceError(msg) from exc
    return deleted


def _clean_copy(path: Path, out: Path, *, deleted: set[tuple[str, int]]) -> tuple[Path, int, int]:
    """Copy ``path`` to ``out`` (in the file's order) without the ``deleted`` objects and with
    negative ids renumbered to ``NEW_ID_BASE + |id|`` (references too): (out, new, skipped)."""
    def renumber(i: int) -> int:
        return NEW_ID_BASE - i if i < 0 else i

    new = skipped = 0
    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        writer = osmium.SimpleWriter(str(out), header=header)
        try:
            for obj in osmium.FileProcessor(str(path)):
                kind = obj.type_str()
                if (kind, obj.id) in deleted:
                    skipped += 1
                    continue
                new += obj.id < 0
                if kind == "w" and (obj.id < 0 or any(n.ref < 0 for n in obj.nodes)):
                    obj = obj.replace(id=renumber(obj.id), nodes=[renumber(n.ref) for n in obj.nodes])
                elif kind == "r" and (obj.id < 0 or any(m.ref < 0 for m in obj.members)):
                    obj = obj.replace(id=renumber(obj.id),
                                      members=[(m.type, renumber(m.ref), m.role) for m in obj.members])
                elif obj.id < 0:
                    obj = obj.replace(id=renumber(obj.id))
                writer.add(obj)
        finally:
            writer.close()
    except RuntimeError as exc:
        msg = f"无法读取 OSM 文件 / cannot read OSM file {path.name}: {exc}"
        raise DataSourceError(msg) from exc
    return out, new, skipped


def _own_id(i: int) -> int:
    """The id an object had in its file (JOSM's new objects: negative)."""
    return NEW_ID_BASE - i if i > NEW_ID_BASE else i


class _Copy:
    """Handler that writes every object it is given to a ``SimpleWriter``."""

    def __init__(self, writer: osmium.SimpleWriter) -> None:
        self.writer = writer

    def node(self, n) -> None:
        self.writer.add_node(n)

    def way(self, w) -> None:
        self.writer.add_way(w)

    def relation(self, r) -> None:
        self.writer.add_relation(r)


def sort_osm_file(path: str | Path, out: str | Path) -> Path:
    """Write the objects of ``path`` sorted by type and id (duplicates merged) to ``out``.

    pyosmium's ``MergeInputReader`` holds the file in osmium's compact buffers (about the
    size of the uncompressed ``.pbf``), sorts and de-duplicates them; ``SimpleWriter``
    writes the result (the format follows ``out``'s suffix) with the input's header (its
    bounding box).

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    reader = osmium.MergeInputReader()
    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        reader.add_file(str(path))
        writer = osmium.SimpleWriter(str(out), header=header)
        try:
            reader.apply(_Copy(writer), simplify=True)
        finally:
            writer.close()
    except RuntimeError as exc:
        msg = f"无法读取 OSM 文件 / cannot read OSM file {Path(path).name}: {exc}"
        raise DataSourceError(msg) from exc
    return out


_TYPE_RANK = {"n": 0, "w": 1, "r": 2}


def _read_sorted(path: Path, *, check_order: bool) -> OsmExtract | None:
    """One pass over a sorted file; ``None`` when ``check_order`` finds it is not sorted.

    A way whose nodes are not all in the file (an Overpass ``out geom`` export writes each
    way's points on the way itself, and no nodes) takes those points from the way, in a
    second pass over the ways alone."""
    roads: list[dict] = []
    places: list[dict] = []
    water: list[dict] = []
    lines: dict[int, tuple[list, dict, list]] = {}   # way id → (roads or water, row, points)
    incomplete: set[int] = set()
    wkb = osmium.geom.WKBFactory()
    last = (-1, 0)
    processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
    header_box = processor.header.box()
    for obj in processor:
        if check_order and not obj.is_area():
            key = (_TYPE_RANK[obj.type_str()], obj.id)
            if key < last or obj.id < 0:   # unsorted, or JOSM's new objects: renumber and sort
                return None
            last = key
        tags = obj.tags
        if obj.is_way():
            highway, waterway = tags.get("highway"), tags.get("waterway")
            if highway in DRIVABLE_HIGHWAYS and tags.get("area") != "yes":
                row = {"id": f"w{_own_id(obj.id)}", "osm_id": _own_id(obj.id), "name": display_name(tags),
                       "highway": highway, "oneway": implied_oneway(tags), "maxspeed": tags.get("maxspeed")}
                lines[obj.id] = (roads, row, _points(obj))
            elif waterway in ("river", "stream", "canal") and not obj.is_closed():
                lines[obj.id] = (water, {"kind": waterway, "name": display_name(tags)}, _points(obj))
            if obj.id in lines and len(lines[obj.id][2]) < len(obj.nodes):
                incomplete.add(obj.id)
        elif obj.is_node() and tags.get("amenity") in PLACE_AMENITIES:
            places.append({"id": f"n{_own_id(obj.id)}", "amenity": tags.get("amenity"),
                           "name": display_name(tags),
                           "geometry": Point(obj.location.lon, obj.location.lat)})
        elif obj.is_area():
            prefix = "w" if obj.from_way() else "r"
            if tags.get("amenity") in PLACE_AMENITIES:
                places.append({"id": f"{prefix}{_own_id(obj.orig_id())}", "amenity": tags.get("amenity"),
                               "name": display_name(tags),
                               "geometry": shapely.from_wkb(wkb.create_multipolygon(obj))})
            elif tags.get("natural") == "water" or tags.get("waterway") == "riverbank" \
                    or tags.get("landuse") == "reservoir":
                water.append({"kind": "water", "name": display_name(tags),
                              "geometry": shapely.from_wkb(wkb.create_multipolygon(obj))})
    if incomplete:
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
            if way.id in incomplete and len(own := _points(way)) > len(lines[way.id][2]):
                lines[way.id] = (*lines[way.id][:2], own)
    for into, row, points in lines.values():
        if len(points) >= 2:
            into.append({**row, "geom" if into is roads else "geometry": LineString(points)})

    roads_gdf = gpd.GeoDataFrame(
        roads, columns=["id", "osm_id", "name", "highway", "oneway", "maxspeed", "geom"],
        geometry="geom", crs=CRS_WGS84)
    places_gdf = gpd.GeoDataFrame(places, columns=["id", "amenity", "name", "geometry"],
                                  geometry="geometry", crs=CRS_WGS84)
    places_gdf["geometry"] = places_gdf.geometry.map(_single_polygon)
    water_gdf = gpd.GeoDataFrame(water, columns=["kind", "name", "geometry"],
                                 geometry="geometry", crs=CRS_WGS84)
    if header_box.valid():
        bounds = (header_box.bottom_left.lon, header_box.bottom_left.lat,
                  header_box.top_right.lon, header_box.top_right.lat)
    else:
        bounds = tuple(float(v) for v in roads_gdf.total_bounds)
    return OsmExtract(roads_gdf, places_gdf, water_gdf, bounds)


def _points(way) -> list[tuple[float, float]]:
    """The way's points that have a location (from the node index, or carried on the way)."""
    return [(n.lon, n.lat) for n in way.nodes if n.location.valid()]


def _single_polygon(geom):
    """A one-part MultiPolygon becomes a Polygon; anything else is kept."""
    if geom is not None and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom
