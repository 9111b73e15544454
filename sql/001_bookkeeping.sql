-- 护校安园态势图 · PostGIS schema, part 1: extensions and bookkeeping tables.
-- Every file in sql/ is idempotent: applying the whole folder twice is clean.
-- `python -m gis init` applies the files in order and records each in schema_migrations.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE IF NOT EXISTS schema_migrations (
    version    TEXT PRIMARY KEY,                 -- file name, e.g. 002_layers.sql
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Key/value settings of the loaded data: demo area, OSM file, bounds, attribution,
-- and the data-version counter (JSON text values).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
INSERT INTO meta (key, value) VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING;

-- One record per changed field of every update and delete (one per insert, field '*').
-- Sensitive fields (risk_sites.note) are logged as '(restricted)', never verbatim.
CREATE TABLE IF NOT EXISTS audit_log (
    id     BIGSERIAL PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    layer  TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field  TEXT NOT NULL,
    old    TEXT,
    new    TEXT,
    actor  TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_layer_row_idx ON audit_log (layer, row_id);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
