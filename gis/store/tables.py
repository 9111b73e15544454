"""SQLAlchemy Core tables mirroring ``sql/`` for one back-end (``sqlite`` or ``postgis``).

The DDL itself lives in ``sql/`` (PostGIS) and ``sql/sqlite/`` (SQLite); these ``Table``
objects only describe the columns so reads and writes are built with bound parameters.
Geometry columns are GeoAlchemy2 ``Geometry`` (SRID 4326) on PostGIS and WKB blobs on SQLite.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

from gis.schema import GEOMETRY_KINDS, LAYERS, RECORDS, RESTRICTED_LAYERS

SRID = 4326
POSTGIS_GEOMETRY_TYPES = {
    "point": "POINT", "multipoint": "MULTIPOINT", "polygon": "GEOMETRY", "line": "GEOMETRY",
}


def column_type(kind: str, backend: str):
    """The SQLAlchemy type of a schema field kind on a back-end."""
    if kind in GEOMETRY_KINDS:
        if backend == "postgis":
            return Geometry(POSTGIS_GEOMETRY_TYPES[kind], srid=SRID, spatial_index=False)
        return LargeBinary()
    if kind in ("int",):
        return Integer()
    if kind == "float":
        return Float(precision=53)
    if kind == "bool":
        return Boolean(create_constraint=False)
    if kind == "datetime":
        return DateTime() if backend == "postgis" else Text()
    if kind == "date":
        return Date() if backend == "postgis" else Text()
    return Text()


def build_tables(backend: str) -> tuple[MetaData, dict[str, Table]]:
    """Return the metadata and the tables (six layers, the records, ``risk_persons``, ``meta``,
    ``audit_log``, ``accounts``, ``sessions``, ``kiosk_tokens``)."""
    metadata = MetaData()
    tables: dict[str, Table] = {}
    stamp = DateTime(timezone=True) if backend == "postgis" else Text()
    for name, layer in {**LAYERS, **RECORDS, **RESTRICTED_LAYERS}.items():
        columns = [Column(f.name, column_type(f.kind, backend), primary_key=f.name == "id")
                   for f in layer.fields]
        columns += [Column("source", Text()), Column("updated_at", stamp),
                    Column("version", Integer())]
        tables[name] = Table(name, metadata, *columns)
    tables["meta"] = Table("meta", metadata, Column("key", Text(), primary_key=True),
                           Column("value", Text()))
    tables["audit_log"] = Table(
        "audit_log", metadata,
        Column("id", BigInteger() if backend == "postgis" else Integer(), primary_key=True),
        Column("at", stamp), Column("layer", Text()), Column("row_id", Text()),
        Column("field", Text()), Column("old", Text()), Column("new", Text()),
        Column("actor", Text()), Column("username", Text()), Column("address", Text()),
        Column("action", Text()), Column("object", Text()), Column("result", Text()))
    tables["accounts"] = Table(
        "accounts", metadata, Column("username", Text(), primary_key=True),
        Column("display_name", Text()), Column("role", Text()), Column("jurisdiction_id", Text()),
        Column("password_hash", Text()), Column("totp_secret", Text()),
        Column("failed_logins", Integer()), Column("locked_until", stamp),
        Column("password_changed_at", stamp), Column("must_change", Boolean()),
        Column("disabled", Boolean()), Column("demo", Boolean()), Column("created_at", stamp),
        Column("updated_at", stamp))
    tables["sessions"] = Table(
        "sessions", metadata, Column("id", Text(), primary_key=True), Column("username", Text()),
        Column("address", Text()), Column("created_at", stamp), Column("last_seen", stamp),
        Column("ended_at", stamp), Column("end_reason", Text()))
    tables["kiosk_tokens"] = Table(
        "kiosk_tokens", metadata, Column("id", Text(), primary_key=True), Column("name", Text()),
        Column("created_by", Text()), Column("created_at", stamp), Column("revoked", Boolean()))
    tables["schema_migrations"] = Table(
        "schema_migrations", metadata, Column("version", Text(), primary_key=True),
        Column("applied_at", stamp))
    return metadata, tables
