"""Our response times agree with pgRouting's ``pgr_drivingDistance`` on the same edges.

Runs on a fresh PostGIS database from ``tests/conftest.py`` (with pgRouting); skips on a
laptop without PostGIS, fails under ``CI=true``.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import psycopg2
import pytest
import shapely
from sqlalchemy.engine import make_url

from gis.config import DATA_DIR, load_settings
from gis.io.osm import read_osm
from gis.network import NetworkConfig, build_road_graph, nearest_post_field
from gis.network.pgrouting import driving_distance, write_edges

pytestmark = pytest.mark.postgis
OSM_FILES = sorted((DATA_DIR / "osm").glob("*.osm.bz2"))


@pytest.fixture
def pg(postgis_url, postgis_has_pgrouting):
    if not postgis_has_pgrouting:
        msg = "the pgrouting extension is not installed on the test server"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"CI=true: {msg}", pytrace=False)
        pytest.skip(msg)
    url = make_url(postgis_url)
    conn = psycopg2.connect(host=url.host, port=url.port or 5432, user=url.username,
                            password=url.password, dbname=url.database)
    yield conn
    conn.close()


@pytest.mark.parametrize("path", OSM_FILES, ids=lambda p: p.name.split("_")[2])
def test_times_agree_with_pgr_driving_distance(pg, path):
    config = NetworkConfig.from_settings(load_settings())
    graph = build_road_graph(read_osm(path).roads, config=config)
    rng = np.random.default_rng(21)
    roots = rng.choice(graph.n_nodes, 4, replace=False)
    lon, lat = graph.to_wgs84().transform(*graph.node_xy[roots].T)
    posts = gpd.GeoDataFrame({"id": [f"P{i}" for i in range(4)]}, geometry=shapely.points(lon, lat),
                             crs="EPSG:4326")
    for peak in (None, "am"):
        assert write_edges(pg, graph, peak=peak) == graph.n_segments
        theirs = driving_distance(pg, roots, 1e7, n_nodes=graph.n_nodes)
        ours = nearest_post_field(graph, posts, peak=peak, config=config)["response_s"].to_numpy()
        assert np.isfinite(theirs).all()                # one strongly connected component
        np.testing.assert_allclose(ours, theirs, atol=1e-3)
        # Within a 3-minute band both engines reach exactly the same nodes.
        band = driving_distance(pg, roots, 180.0, n_nodes=graph.n_nodes)
        np.testing.assert_array_equal(np.isfinite(band), ours <= 180.0 + 1e-6)
