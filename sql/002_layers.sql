-- 护校安园态势图 · PostGIS schema, part 2: the six layers of DESIGN.md §3 (gis/schema.py).
-- Coordinates are EPSG:4326 longitude/latitude. Every table keeps source, updated_at and
-- version (optimistic locking: a write carrying an older version is refused).

CREATE TABLE IF NOT EXISTS schools (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL,
    enrollment         INTEGER,
    boarding           BOOLEAN,
    area_type          TEXT,
    jurisdiction_id    TEXT,
    guards             INTEGER,
    equipment_complete BOOLEAN,
    video_networked    BOOLEAN,
    one_click_alarm    BOOLEAN,
    anti_ram_barrier   BOOLEAN,
    gates              geometry(MultiPoint, 4326) NOT NULL,   -- main gate first
    campus             geometry(Geometry, 4326)
        CONSTRAINT schools_campus_polygonal
        CHECK (campus IS NULL OR GeometryType(campus) IN ('POLYGON', 'MULTIPOLYGON')),
    source             TEXT,
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS police_posts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    staff        INTEGER,
    vehicles     INTEGER,
    hours        TEXT,
    point        geometry(Point, 4326) NOT NULL,
    jurisdiction geometry(Geometry, 4326)
        CONSTRAINT police_posts_jurisdiction_polygonal
        CHECK (jurisdiction IS NULL OR GeometryType(jurisdiction) IN ('POLYGON', 'MULTIPOLYGON')),
    source       TEXT,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS cameras (
    id            TEXT PRIMARY KEY,
    direction_deg DOUBLE PRECISION,   -- clockwise from north
    fov_deg       DOUBLE PRECISION,
    range_m       DOUBLE PRECISION,
    networked     BOOLEAN,
    status        TEXT,
    owner         TEXT,
    point         geometry(Point, 4326) NOT NULL,
    coverage      geometry(Geometry, 4326)
        CONSTRAINT cameras_coverage_polygonal
        CHECK (coverage IS NULL OR GeometryType(coverage) IN ('POLYGON', 'MULTIPOLYGON')),
    source        TEXT,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS crossings (
    id          TEXT PRIMARY KEY,
    school_id   TEXT,
    am_window   TEXT,                 -- HH:MM-HH:MM
    noon_window TEXT,
    pm_window   TEXT,
    staffed_by  TEXT,
    staff       INTEGER,
    point       geometry(Point, 4326) NOT NULL,
    source      TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS risk_sites (
    id            TEXT PRIMARY KEY,
    category      TEXT NOT NULL,
    level         INTEGER NOT NULL,
    note          TEXT,               -- sensitive: never shown on the wall, never logged
    sensitive     BOOLEAN,
    registered_at TIMESTAMP,
    point         geometry(Point, 4326) NOT NULL,
    source        TEXT,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS roads (
    id         TEXT PRIMARY KEY,
    name       TEXT,
    highway    TEXT NOT NULL,
    oneway     TEXT,
    maxspeed   TEXT,
    geom       geometry(Geometry, 4326) NOT NULL
        CONSTRAINT roads_geom_lineal
        CHECK (GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING')),
    source     TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    version    INTEGER NOT NULL DEFAULT 1
);
