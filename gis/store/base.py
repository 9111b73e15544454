"""The store's core: the engine for SQLite or PostGIS, transactions and the row fetch.

:class:`StoreBase` opens the engine for a URL and holds ``_begin`` (one transaction, SQLite
``BEGIN IMMEDIATE`` for writes), ``_fetch`` (stored rows as canonical values) and the data
version counter. :class:`gis.store.store.Store` adds reads, writes and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Text, cast, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from gis.errors import DataSourceError
from gis.schema import GEOMETRY_KINDS, Layer
from gis.store import codec
from gis.store.tables import build_tables

CHUNK = 500
DATA_VERSION_KEY = "data_version"


class StoreBase:
    """The engine, transactions and row fetch shared by every part of :class:`Store`."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            msg = f"数据库地址格式错误 / not a database URL: {url!r}"
            raise DataSourceError(msg) from exc
        if parsed.get_backend_name() == "sqlite":
            self.backend = "sqlite"
            self.engine = _sqlite_engine(parsed)
        elif parsed.get_backend_name() == "postgresql":
            self.backend = "postgis"
            self.engine = create_engine(parsed, pool_pre_ping=True,
                                        executemany_mode="values_plus_batch")
        else:
            msg = (f"不支持的数据库 {parsed.get_backend_name()}，请使用 sqlite:/// 或 "
                   f"postgresql+psycopg2:// / unsupported database; use SQLite or PostGIS")
            raise DataSourceError(msg)
        self.url = parsed.render_as_string(hide_password=False)   # usable with --db
        self.display_url = parsed.render_as_string(hide_password=True)  # for messages
        self.metadata, self.tables = build_tables(self.backend)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # -- internals ------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise _database_error(self.display_url, exc) from exc

    @contextmanager
    def _begin(self, *, write: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                if write and self.backend == "sqlite":
                    conn = conn.execution_options(sqlite_immediate=True)
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise _database_error(self.display_url, exc) from exc

    def _fetch(self, conn: Connection, layer: Layer, ids: list[str] | None, *,
               lock: bool = False) -> dict[str, dict[str, Any]]:
        """Stored rows as canonical values, keyed by id in code-point order (the same on
        both back-ends, whatever the database collation); all rows when ``ids`` is None."""
        table = self.tables[layer.name]
        queries = []
        if ids is None:
            queries.append(select(table))
        else:
            for start in range(0, len(ids), CHUNK):
                query = select(table).where(table.c.id.in_(ids[start:start + CHUNK]))
                queries.append(query.with_for_update() if lock and self.backend == "postgis"
                               else query)
        records = [record._mapping for query in queries for record in conn.execute(query)]
        records.sort(key=lambda m: m["id"])
        columns: dict[str, list[Any]] = {}
        for f in layer.fields:
            raw = [m[f.name] for m in records]
            if f.kind in GEOMETRY_KINDS:
                columns[f.name] = codec.geometries_from_db(raw)
            else:
                columns[f.name] = [codec.from_db(f.kind, v) for v in raw]
        columns["source"] = [m["source"] for m in records]
        columns["updated_at"] = [codec.stamp_from_db(m["updated_at"]) for m in records]
        columns["version"] = [int(m["version"]) for m in records]
        names = list(columns)
        return {row[0]: dict(zip(names, row, strict=True))
                for row in zip(*columns.values(), strict=True)} if records else {}

    def _bump(self, conn: Connection) -> None:
        table = self.tables["meta"]
        conn.execute(table.update().where(table.c.key == DATA_VERSION_KEY)
                     .values(value=cast(cast(table.c.value, Integer) + 1, Text)))

    def _data_version(self, conn: Connection) -> int:
        table = self.tables["meta"]
        value = conn.execute(select(table.c.value).where(table.c.key == DATA_VERSION_KEY)).scalar()
        return int(value or 0)

    def begin(self, *, write: bool = False):
        """A transaction on the store's engine (for ``gis.auth``'s account tables)."""
        return self._begin(write=write)


def _sqlite_engine(url) -> Engine:
    database = url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None   # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - driver hook
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _database_error(url: str, exc: SQLAlchemyError) -> DataSourceError:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if "no such table" in detail or ("does not exist" in detail and "relation" in detail):
        msg = (f"数据库尚未初始化，请先运行 python -m gis init / the database {url} has no schema "
               f"yet; run `python -m gis init` first ({detail})")
    elif "duplicate key" in detail or "UNIQUE constraint" in detail:
        msg = (f"同一编号的记录刚被他人同时新增，请刷新后重试 / a row with the same id was just "
               f"added by someone else; reload and retry ({detail})")
    else:
        msg = f"数据库操作失败 / database error at {url}: {detail}"
    return DataSourceError(msg)
