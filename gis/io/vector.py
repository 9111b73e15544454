"""Read the geographic files planners send: GeoJSON, Shapefile (.zip or loose), GeoPackage,
KML/KMZ, OSM, as a ``gis.io.tables.RawTable`` (attributes as read, one row per feature, the
geometries beside them). Nothing is converted here; ``gis.io.importer`` maps and validates.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gis.errors import DataSourceError
from gis.io.roads import looks_like_lonlat
from gis.io.safe_zip import ZipLimits, extract_zip
from gis.io.tables import RawTable, unique_headers

# what GDAL's LIBKML driver adds to every placemark: display settings, not data
KML_DISPLAY_FIELDS = ("tessellate", "extrude", "visibility", "drawOrder", "icon", "altitudeMode", "snippet",
                      "begin", "end", "timestamp")


def _dbf_encoding(shp: Path) -> str | None:
    """GB18030 for a shapefile without ``.cpg`` whose DBF text is not UTF-8 (PGIS exports)."""
    if shp.suffix.lower() != ".shp":
        return None
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        data[32:].decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return None


def read_vector_table(path: str | Path, *, limits: ZipLimits | None = None, layer: str | None = None) -> RawTable:
    """Read GeoJSON, Shapefile (loose ``.shp`` or ``.zip``), GeoPackage or KML/KMZ with pyogrio."""
    path = Path(path)
    if path.suffix.lower() in (".zip", ".kmz"):   # a KMZ is a zip holding doc.kml (and icons)
        with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
            files = extract_zip(path, tmp, limits=limits)
            inner = [f for f in files if f.suffix.lower() in (".shp", ".geojson", ".json", ".gpkg", ".kml")]
            if not inner:
                msg = f"{path.name} 中没有 .shp/.geojson/.gpkg/.kml 文件 / no vector file inside the zip"
                raise DataSourceError(msg)
            table = read_vector_table(inner[0], limits=limits, layer=layer)
            table.path = path
            table.notes.insert(0, f"压缩包内文件 / file in zip: {inner[0].name}")
            return table
    if path.suffix.lower() in (".geojson", ".json"):
        return _read_geojson(path)
    if path.suffix.lower() == ".kml":
        return _read_kml(path)
    encoding = _dbf_encoding(path)
    try:
        kwargs = {"encoding": encoding} if encoding else {}
        gdf = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except Exception as exc:  # pyogrio raises several DataSourceError/OSError types
        msg = f"无法读取 {path.name}：{exc} / cannot read the vector file"
        raise DataSourceError(msg) from exc
    notes = [f"要素数 / features: {len(gdf)}", f"坐标系 / CRS: {gdf.crs.to_string() if gdf.crs else '未声明 / none'}"]
    if encoding:
        notes.append("属性表编码 / DBF encoding: GB18030")
    return _raw_table(gdf, path, notes)


def _raw_table(gdf: gpd.GeoDataFrame, path: Path, notes: list[str]) -> RawTable:
    """A GeoDataFrame read by GDAL as a ``RawTable``: rows numbered from 1, attributes as read."""
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name), dtype=object)
    attrs.columns = unique_headers(list(attrs.columns))
    return RawTable(frame=attrs, family="vector", path=path, header_row=0, geometry=gdf.geometry,
                    crs=gdf.crs, notes=notes)


def _read_kml(path: Path) -> RawTable:
    """KML as Google Earth, 奥维互动地图 or 91 卫图 save it: every folder's placemarks (GDAL's
    LIBKML driver reads a folder as a layer), the folder's name in a ``folder`` column, the
    points flattened to 2-D. KML coordinates are WGS-84 by definition (an app that wrote
    GCJ-02 into it needs ``--crs gcj02``)."""
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
        parts = [pyogrio.read_dataframe(path, layer=name).assign(folder=name) for name in names]
    except Exception as exc:  # pyogrio raises several DataSourceError/OSError types
        msg = f"无法读取 {path.name}：{exc} / cannot read the KML file"
        raise DataSourceError(msg) from exc
    parts = [p for p in parts if len(p)]
    if not parts:
        msg = f"{path.name} 中没有地标（Placemark） / no placemarks in the KML file"
        raise DataSourceError(msg)
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry=parts[0].geometry.name, crs="EPSG:4326")
    gdf = gdf.drop(columns=[c for c in KML_DISPLAY_FIELDS if c in gdf.columns])
    gdf = gdf.drop(columns=[c for c in gdf.columns if c != gdf.geometry.name and gdf[c].isna().all()])
    gdf[gdf.geometry.name] = shapely.force_2d(gdf.geometry.values)
    notes = [f"地标数 / placemarks: {len(gdf)}（{len(parts)} 个文件夹 / folders）", "坐标系 / CRS: EPSG:4326（KML）"]
    return _raw_table(gdf, path, notes)


def _read_geojson(path: Path) -> RawTable:
    """GeoJSON read as written: each feature's properties exactly as in the file.

    GDAL would give a whole column one type, so one feature whose ``id`` is a list turns
    every id into a list; reading the JSON ourselves keeps every other row as it was and
    lets the importer reject the odd one. A feature-level ``id`` fills the ``id`` column
    when the properties have none. The geometry of each feature is built with shapely; a
    missing or malformed geometry is ``None`` (the importer rejects that row).
    """
    import json

    import shapely.geometry

    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        msg = f"{path.name} 不是有效的 GeoJSON：{str(exc)[:120]} / not valid GeoJSON"
        raise DataSourceError(msg) from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    else:
        features = None
    if not isinstance(features, list):
        msg = f"{path.name} 不是 GeoJSON 要素集合（FeatureCollection） / not a GeoJSON FeatureCollection"
        raise DataSourceError(msg)
    records, geoms = [], []
    for feature in features:
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        record = dict(props) if isinstance(props, dict) else {}
        if "id" in feature and "id" not in record:
            record = {"id": feature["id"], **record}
        records.append(record)
        try:
            geom = shapely.geometry.shape(feature["geometry"]) if feature.get("geometry") else None
        except Exception:  # noqa: BLE001 - any malformed geometry object: the row is rejected later
            geom = None
        geoms.append(geom)
    crs = _geojson_crs(data, path)
    if crs is None and looks_like_lonlat([g for g in geoms if g is not None]):
        crs = "EPSG:4326"   # RFC 7946: a GeoJSON is WGS-84 (projected metres with no crs stay undeclared)
    index = pd.RangeIndex(1, len(records) + 1, name="row")
    columns = list(dict.fromkeys(k for r in records for k in r))
    frame = pd.DataFrame([[r.get(c) for c in columns] for r in records], columns=unique_headers(columns),
                         index=index, dtype=object)
    geometry = gpd.GeoSeries(geoms, index=index, crs=crs)
    notes = [f"要素数 / features: {len(records)}",
             f"坐标系 / CRS: {'WGS-84 (GeoJSON)' if crs == 'EPSG:4326' else crs or '未声明 / none'}"]
    return RawTable(frame=frame, family="vector", path=path, header_row=0, geometry=geometry, crs=crs,
                    notes=notes)


def _geojson_crs(data: dict, path: Path):
    """The legacy ``crs`` member of a GeoJSON (RFC 7946 files are WGS-84: ``None``)."""
    member = data.get("crs") if isinstance(data, dict) else None
    if not member:
        return None
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        return None
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError as exc:
        msg = f"{path.name} 声明的坐标系 {name!r} 无法识别 / unknown CRS {name!r} in the GeoJSON"
        raise DataSourceError(msg) from exc
    return None if crs.to_epsg() in (4326, 4490) or crs.equals("OGC:CRS84") else crs


def read_osm_table(path: str | Path) -> RawTable:
    """Drivable roads of an OSM extract as a vector ``RawTable`` (roads layer only)."""
    from gis.io.osm import read_osm

    path = Path(path)
    extract = read_osm(path)
    roads = extract.roads.reset_index(drop=True)
    roads.index = pd.RangeIndex(1, len(roads) + 1, name="row")
    geom = roads.geometry
    attrs = pd.DataFrame(roads.drop(columns=[roads.geometry.name]), dtype=object)
    notes = [f"OSM 道路 / OSM ways: {len(roads)}", "© OpenStreetMap contributors (ODbL)"]
    if extract.sorted_on_the_fly:
        notes.append("文件中的对象未按类型和编号排序，已在读取时排序 / the file's objects were not sorted by "
                     "type and id: sorted while reading")
    if extract.new_objects:
        notes.append(f"JOSM 新建（尚未上传、编号为负）的对象 {extract.new_objects} 个已读入，编号保留为负数 / "
                     f"{extract.new_objects} new objects drawn in JOSM (negative ids, not uploaded) were read")
    if extract.deleted_skipped:
        notes.append(f"JOSM 标记为删除的对象 {extract.deleted_skipped} 个未读入 / {extract.deleted_skipped} objects "
                     "JOSM marked deleted were left out")
    return RawTable(frame=attrs, family="osm", path=path, header_row=0, geometry=geom,
                    crs=roads.crs or "EPSG:4326", notes=notes)
