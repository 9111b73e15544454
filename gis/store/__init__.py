"""The layer store: the six layers in SQLite (embedded default) or PostGIS, one API.

>>> store = open_store(settings.database_url)    # sqlite:///… or postgresql+psycopg2://…
>>> store.init()                                 # apply sql/ (PostGIS) or sql/sqlite/ once each
>>> gdf = store.read_layer("schools")            # EPSG:4326, rows ordered by id
>>> result = store.write_layer("schools", gdf, source="学校.xlsx", actor="local")
>>> result.inserted, result.updated, result.unchanged, result.data_version
>>> store.delete_rows("schools", ["id1"], versions={"id1": 3}, actor="local")

Reading: columns are the schema fields (``gis.schema.LAYERS``) then ``source``,
``updated_at`` (UTC) and ``version``; the active geometry is the layer's first geometry
field, other geometry fields are GeoSeries holding ``None`` when empty. Integers are
pandas ``Int64`` and booleans ``boolean`` (nullable: use ``.fillna`` before ``if``);
``registered_at`` is a naive datetime. ``read_layers()`` gives all six.

Writing upserts by ``id`` in one transaction. Only the columns present are compared and
written; unchanged rows are not touched (no version bump), so re-writing the same data is
a no-op. A ``version`` column enables optimistic locking (an older version raises
``StaleVersionError`` and nothing is written); rows without a version are authoritative.
A frame whose geometry column is called ``geometry`` is taken as the layer's geometry;
other CRSs are re-projected to EPSG:4326. Bad values raise ``ValidationError`` naming the
row and field. Every insert, update and delete is written to ``audit_log`` (``read_audit``);
the ``note`` of risk sites is logged as ``(restricted)``.

``data_version()`` changes whenever a layer or meta value changes (a cache key);
``get_meta(key)``/``set_meta(key, value)`` hold JSON values (``demo_area``, ``osm_file``,
``bounds``, ``attribution`` …); ``layer_counts()``; ``url`` (usable with ``--db``) and
``display_url`` (password masked).
"""

from gis.store.rows import check_rows
from gis.store.store import Store, open_store
from gis.store.writes import WriteResult

__all__ = ["Store", "WriteResult", "check_rows", "open_store"]
