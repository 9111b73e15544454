-- 护校安园态势图 · SQLite schema, part 7 (same logical schema as sql/007_auth.sql):
-- accounts, sessions, kiosk tokens, the high-risk persons register and the append-only
-- audit trail. Booleans 0/1, timestamps ISO-8601 text in UTC.

CREATE TABLE IF NOT EXISTS accounts (
    username            TEXT PRIMARY KEY NOT NULL,
    display_name        TEXT,
    role                TEXT NOT NULL,
    jurisdiction_id     TEXT,
    password_hash       TEXT,
    totp_secret         TEXT,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    password_changed_at TEXT,
    must_change         INTEGER NOT NULL DEFAULT 1,
    disabled            INTEGER NOT NULL DEFAULT 0,
    demo                INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    username   TEXT NOT NULL REFERENCES accounts (username),
    address    TEXT,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    ended_at   TEXT,
    end_reason TEXT
);
CREATE INDEX IF NOT EXISTS sessions_username_idx ON sessions (username);

CREATE TABLE IF NOT EXISTS kiosk_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS risk_persons (
    id           TEXT PRIMARY KEY NOT NULL,
    category     TEXT NOT NULL,
    level        INTEGER,
    measure      TEXT,
    officer      TEXT,
    last_contact TEXT,
    next_review  TEXT,
    status       TEXT,
    note         TEXT,
    point        BLOB NOT NULL,
    source       TEXT,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
WHERE key = 'data_version' AND EXISTS (SELECT 1 FROM risk_sites WHERE category = 'person' OR sensitive = 1);
INSERT INTO risk_persons (id, category, level, status, note, point, source, updated_at, version)
SELECT id, 'unclassified', level, 'active', note, point,
       COALESCE(source, 'risk_sites'), updated_at, 1
FROM risk_sites
WHERE category = 'person' OR sensitive = 1
ON CONFLICT (id) DO NOTHING;
DELETE FROM risk_sites WHERE category = 'person' OR sensitive = 1;

ALTER TABLE audit_log ADD COLUMN username TEXT;
ALTER TABLE audit_log ADD COLUMN address TEXT;
ALTER TABLE audit_log ADD COLUMN action TEXT;
ALTER TABLE audit_log ADD COLUMN object TEXT;
ALTER TABLE audit_log ADD COLUMN result TEXT;
CREATE INDEX IF NOT EXISTS audit_log_action_at_idx ON audit_log (action, at);
CREATE INDEX IF NOT EXISTS audit_log_username_at_idx ON audit_log (username, at);

CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
