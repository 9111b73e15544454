"""The layer store: six tables in SQLite (embedded default) or PostGIS, one API.

``open_store(url)`` gives a :class:`Store`; ``init()`` applies ``sql/``; ``read_layer``
returns a GeoDataFrame in EPSG:4326; ``write_layer`` upserts by ``id`` in one transaction
with optimistic locking and an audit trail. See ``docs/INTERFACES.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from gis.auth.principal import SYSTEM, Principal
from gis.errors import DataSourceError
from gis.schema import LAYER_NAMES, RESTRICTED_LAYERS, get_layer
from gis.store import codec
from gis.store.audit import AuditMixin, _event
from gis.store.migrate import apply_migrations
from gis.store.rows import _to_frame
from gis.store.writes import WritesMixin


def open_store(url: str | None = None) -> Store:
    """Open the store at a SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg2://…``).

    Parameters
    ----------
    url : str, optional
        Defaults to ``gis.config.load_settings().database_url`` (``data/app.db``).
    """
    if url is None:
        from gis.config import load_settings

        url = load_settings().database_url
    return Store(url)


class Store(WritesMixin, AuditMixin):
    """Read and write the six layers; see the module docstring."""

    # -- schema ---------------------------------------------------------------------------

    def check_integrity(self) -> None:
        """Raise when the database file is damaged (SQLite ``PRAGMA quick_check``).

        A page-corrupted SQLite file can still answer simple queries, so it would look
        empty or "up to date"; this says plainly that it is damaged and how to restore it.
        PostGIS checks its own pages; nothing is done there.

        Raises
        ------
        DataSourceError
            The file is damaged or not a database.
        """
        if self.backend != "sqlite":
            return
        try:
            with self.engine.connect() as conn:
                rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(20)").fetchall()]
        except SQLAlchemyError as exc:
            rows = [str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]]
        if rows == ["ok"]:
            return
        path = make_url(self.url).database
        detail = "; ".join(rows[:3])[:200]
        msg = (f"数据库文件已损坏：{path}（{detail}）。请停止应用，用最近的备份替换该文件后重启；没有备份时可用 "
               f"`sqlite3 {path} .recover | sqlite3 recovered.db` 抢救数据，再用 "
               f"`python -m gis --db sqlite:///recovered.db init` 检查 / the database file {path} is damaged "
               f"({detail}): stop the app and restore it from your latest backup; without a backup, salvage it "
               f"with sqlite3's .recover into a new file and check that with `python -m gis init`")
        raise DataSourceError(msg)

    def init(self) -> list[str]:
        """Create or migrate the schema (idempotent). Returns the schema files applied now.

        A damaged SQLite file is refused first (``check_integrity``), never reported "up to date".
        """
        self.check_integrity()
        with self._begin(write=True) as conn:
            return apply_migrations(conn, self.backend)

    def is_initialized(self) -> bool:
        """True when every layer table exists."""
        with self._connect() as conn:
            names = set(inspect(conn).get_table_names())
        return set(LAYER_NAMES) <= names

    # -- reading --------------------------------------------------------------------------

    def read_layer(self, name: str, *, ids: Iterable[str] | None = None,
                   principal: Principal = SYSTEM) -> gpd.GeoDataFrame:
        """Read a layer as a GeoDataFrame in EPSG:4326, rows ordered by ``id``.

        Columns: the schema fields (``gis.schema.LAYERS[name]``) then ``source``,
        ``updated_at`` (UTC) and ``version``. The active geometry is the layer's first
        geometry field; other geometry fields are GeoSeries holding ``None`` when empty.
        Integers are ``Int64``, booleans ``boolean`` (both nullable), datetimes naive.

        Parameters
        ----------
        name : str
            One of ``gis.schema.LAYER_NAMES``.
        ids : iterable of str, optional
            Only these rows.
        principal : Principal
            Who reads (``gis.auth.policy.require(principal, "read", name)``); every record of
            a restricted layer (``risk_persons``) read by an account is audited.

        Raises
        ------
        AccessDeniedError
            The principal's role may not read this layer (the refusal is audited).
        """
        layer = get_layer(name)
        self._require(principal, "read", name)
        restricted = name in RESTRICTED_LAYERS and not principal.is_system
        with self._begin(write=restricted) as conn:
            rows = self._fetch(conn, layer, None if ids is None else list(ids))
            if restricted:
                stamp = codec.stamp_to_db(dt.datetime.now(dt.UTC), self.backend)
                audits = [_event(name, rid, "read_restricted", principal, "ok", stamp)
                          for rid in rows] or [
                    _event(name, "*", "read_restricted", principal, "ok: 0 rows", stamp)]
                conn.execute(self.tables["audit_log"].insert(), audits)
        return _to_frame(layer, list(rows.values()))

    def read_layers(self, names: Iterable[str] = LAYER_NAMES, *,
                    principal: Principal = SYSTEM) -> dict[str, gpd.GeoDataFrame]:
        """Read several layers (all six by default) as a dict name → GeoDataFrame."""
        return {name: self.read_layer(name, principal=principal) for name in names}

    def layer_counts(self) -> dict[str, int]:
        """Number of rows per layer."""
        with self._begin() as conn:
            return {name: int(conn.execute(select(func.count()).select_from(self.tables[name]))
                              .scalar_one()) for name in LAYER_NAMES}

    # -- meta and data version ------------------------------------------------------------

    def data_version(self) -> int:
        """A counter that changes whenever any layer or meta value changes (a cache key)."""
        with self._begin() as conn:
            return self._data_version(conn)

    def get_meta(self, key: str, default: Any = None) -> Any:
        """A meta value (decoded from JSON), or ``default`` when unset."""
        table = self.tables["meta"]
        with self._begin() as conn:
            value = conn.execute(select(table.c.value).where(table.c.key == key)).scalar()
        return default if value is None else json.loads(value)

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable meta value; bumps the data version when it changed."""
        table = self.tables["meta"]
        text_value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        with self._begin(write=True) as conn:
            old = conn.execute(select(table.c.value).where(table.c.key == key)
                               .with_for_update()).scalar()
            if old == text_value:
                return
            if old is None:
                conn.execute(table.insert().values(key=key, value=text_value))
            else:
                conn.execute(table.update().where(table.c.key == key).values(value=text_value))
            self._bump(conn)
