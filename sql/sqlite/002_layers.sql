-- 护校安园态势图 · SQLite schema, part 2: the six layers (gis/schema.py).
-- Geometry columns hold 2-D WKB in EPSG:4326 longitude/latitude.

CREATE TABLE IF NOT EXISTS schools (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL,
    enrollment         INTEGER,
    boarding           INTEGER,
    area_type          TEXT,
    jurisdiction_id    TEXT,
    guards             INTEGER,
    equipment_complete INTEGER,
    video_networked    INTEGER,
    one_click_alarm    INTEGER,
    anti_ram_barrier   INTEGER,
    gates              BLOB NOT NULL,   -- MultiPoint, main gate first
    campus             BLOB,            -- Polygon or MultiPolygon
    source             TEXT,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS police_posts (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    staff        INTEGER,
    vehicles     INTEGER,
    hours        TEXT,
    point        BLOB NOT NULL,
    jurisdiction BLOB,
    source       TEXT,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS cameras (
    id            TEXT PRIMARY KEY NOT NULL,
    direction_deg REAL,
    fov_deg       REAL,
    range_m       REAL,
    networked     INTEGER,
    status        TEXT,
    owner         TEXT,
    point         BLOB NOT NULL,
    coverage      BLOB,
    source        TEXT,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS crossings (
    id          TEXT PRIMARY KEY NOT NULL,
    school_id   TEXT,
    am_window   TEXT,
    noon_window TEXT,
    pm_window   TEXT,
    staffed_by  TEXT,
    staff       INTEGER,
    point       BLOB NOT NULL,
    source      TEXT,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS risk_sites (
    id            TEXT PRIMARY KEY NOT NULL,
    category      TEXT NOT NULL,
    level         INTEGER NOT NULL,
    note          TEXT,
    sensitive     INTEGER,
    registered_at TEXT,
    point         BLOB NOT NULL,
    source        TEXT,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS roads (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT,
    highway    TEXT NOT NULL,
    oneway     TEXT,
    maxspeed   TEXT,
    geom       BLOB NOT NULL,
    source     TEXT,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
