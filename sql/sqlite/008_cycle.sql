-- 护校安园态势图 · SQLite schema, part 8 (issue 14): records of the campaign's monthly cycle
-- (same logical schema as sql/008_cycle.sql). Dates are ISO text YYYY-MM-DD, booleans 0/1.

CREATE TABLE IF NOT EXISTS inspections (
    id           TEXT PRIMARY KEY NOT NULL,
    school_id    TEXT NOT NULL,
    date         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    unit         TEXT,
    inspector    TEXT,
    findings     TEXT,
    failed_items TEXT,
    source       TEXT,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS notices (
    id           TEXT PRIMARY KEY NOT NULL,
    school_id    TEXT,
    risk_site_id TEXT,
    issued_on    TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    items        TEXT NOT NULL,
    status       TEXT,
    closed_on    TEXT,
    reviewed_by  TEXT,
    escalated    INTEGER,
    origin       TEXT,
    source       TEXT,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    CHECK (deadline >= issued_on)
);

CREATE TABLE IF NOT EXISTS visits (
    id         TEXT PRIMARY KEY NOT NULL,
    school_id  TEXT NOT NULL,
    post_id    TEXT,
    officer    TEXT,
    date       TEXT NOT NULL,
    source     TEXT,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS drills (
    id               TEXT PRIMARY KEY NOT NULL,
    school_id        TEXT NOT NULL,
    date             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    alarm_time       TEXT,
    police_arrival_s REAL,
    notes            TEXT,
    source           TEXT,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS snapshots (
    id                   TEXT PRIMARY KEY NOT NULL,
    month                TEXT NOT NULL,
    jurisdiction_id      TEXT NOT NULL,
    schools              INTEGER,
    weak                 INTEGER,
    critical             INTEGER,
    share_within_3min    REAL,
    mean_score           REAL,
    inspections_required INTEGER,
    inspections_done     INTEGER,
    inspections_month    INTEGER,
    joint_month          INTEGER,
    notices_opened       INTEGER,
    notices_closed       INTEGER,
    notices_open         INTEGER,
    notices_overdue      INTEGER,
    notices_escalated    INTEGER,
    visits               INTEGER,
    visits_required      INTEGER,
    drills               INTEGER,
    figures              TEXT,
    produced_at          TEXT,
    source               TEXT,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX IF NOT EXISTS inspections_school_date_idx ON inspections (school_id, date);
CREATE INDEX IF NOT EXISTS notices_school_idx ON notices (school_id);
CREATE INDEX IF NOT EXISTS visits_school_date_idx ON visits (school_id, date);
CREATE INDEX IF NOT EXISTS drills_school_idx ON drills (school_id);
CREATE INDEX IF NOT EXISTS snapshots_month_idx ON snapshots (month, jurisdiction_id);
