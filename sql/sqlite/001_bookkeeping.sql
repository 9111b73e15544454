-- 护校安园态势图 · SQLite schema (embedded default), part 1: bookkeeping tables.
-- Same logical schema as the PostGIS files in sql/; no SpatiaLite: geometries are WKB blobs
-- (EPSG:4326), booleans 0/1, timestamps ISO-8601 text (updated_at in UTC).
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
INSERT INTO meta (key, value) VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING;

CREATE TABLE IF NOT EXISTS audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    layer  TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field  TEXT NOT NULL,
    old    TEXT,
    new    TEXT,
    actor  TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_layer_row_idx ON audit_log (layer, row_id);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
