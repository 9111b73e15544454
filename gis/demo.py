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
The parts: ``gis.demo_areas`` (the areas, constants, ``is_demo_source``),
``gis.demo_roads`` (metric geometry helpers), ``gis.demo_schools`` and
``gis.demo_protection`` (the generators).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS as ProjCRS
from shapely.geometry import box

from gis.auth import demo as auth_demo
from gis.demo_areas import (
    CRS_WGS84,
    DEFAULT_AREA,
    DEFAULT_SEED,
    DEMO_META_KEYS,
    OSM_ATTRIBUTION,
    OSM_SOURCE_PREFIX,
    area_osm_path,
    get_area,
    is_demo_source,
)
from gis.demo_checklist import add_checklist
from gis.demo_protection import (
    _assign_jurisdictions,
    _cameras,
    _crossings,
    _other_posts,
    _risk_sites,
    _stations,
)
from gis.demo_roads import _Roads, main_network_roads
from gis.demo_schools import _extra_campuses, _real_schools, _school_attributes
from gis.errors import DataSourceError
from gis.io.osm import read_osm
from gis.schema import LAYER_NAMES, LAYERS

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


# -- loading -------------------------------------------------------------------------------


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
