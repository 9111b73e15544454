-- 护校安园态势图 · PostGIS schema, part 7: accounts, sessions, kiosk tokens, the high-risk
-- persons register and the append-only audit trail (DESIGN.md §3, §9; gis/auth).
-- Idempotent like every file here. Passwords are Argon2 hashes (never clear text); session
-- and kiosk ids are SHA-256 hashes of the tokens the browser holds.

CREATE TABLE IF NOT EXISTS accounts (
    username            TEXT PRIMARY KEY,
    display_name        TEXT,
    role                TEXT NOT NULL,
    jurisdiction_id     TEXT,              -- the 派出所 a station account is scoped to
    password_hash       TEXT,              -- Argon2id (argon2-cffi); NULL: trusted header only
    totp_secret         TEXT,              -- base32 TOTP secret once enrolled
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ,
    must_change         BOOLEAN NOT NULL DEFAULT TRUE,   -- one-time password: change at first sign-in
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    demo                BOOLEAN NOT NULL DEFAULT FALSE,  -- 演示账号
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY,                 -- sha256 of the session token
    username   TEXT NOT NULL REFERENCES accounts (username),
    address    TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at   TIMESTAMPTZ,
    end_reason TEXT
);
CREATE INDEX IF NOT EXISTS sessions_username_idx ON sessions (username);

CREATE TABLE IF NOT EXISTS kiosk_tokens (
    id         TEXT PRIMARY KEY,                 -- sha256 of the kiosk token
    name       TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

-- 涉校高危人员 register: restricted, read by cleared accounts only (gis/auth/policy.py).
CREATE TABLE IF NOT EXISTS risk_persons (
    id           TEXT PRIMARY KEY,
    category     TEXT NOT NULL,
    level        INTEGER,
    measure      TEXT,
    officer      TEXT,
    last_contact TIMESTAMP,
    next_review  TIMESTAMP,
    status       TEXT,
    note         TEXT,
    point        geometry(Point, 4326) NOT NULL,   -- area of activity
    source       TEXT,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS risk_persons_point_gist ON risk_persons USING GIST (point);

-- Person records held in risk_sites move into the register (and out of the map layer).
UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
WHERE key = 'data_version' AND EXISTS (SELECT 1 FROM risk_sites WHERE category = 'person' OR sensitive IS TRUE);
INSERT INTO risk_persons (id, category, level, status, note, point, source, updated_at, version)
SELECT id, 'unclassified', level, 'active', note, point,
       COALESCE(source, 'risk_sites'), updated_at, 1
FROM risk_sites
WHERE category = 'person' OR sensitive IS TRUE
ON CONFLICT (id) DO NOTHING;
DELETE FROM risk_sites WHERE category = 'person' OR sensitive IS TRUE;

-- The audit trail: who (user, address), what (action, object), how it ended (result).
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS username TEXT;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS address TEXT;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS action TEXT;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS object TEXT;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS result TEXT;
CREATE INDEX IF NOT EXISTS audit_log_action_at_idx ON audit_log (action, at);
CREATE INDEX IF NOT EXISTS audit_log_username_at_idx ON audit_log (username, at);

-- Append-only: the database itself refuses UPDATE, DELETE and TRUNCATE of audit records.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
END
$$;
DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
