-- 护校安园态势图 · PostGIS schema, part 8 (issue 14): records of the campaign's monthly cycle.
-- No geometry of their own: each row hangs on a school (or a post / risk site) by id.
-- Versioned, audited and written through the store like the layers (optimistic locking on
-- `version`). References are checked on import (unknown school → quarantine), not by foreign
-- keys, so a school re-imported with new rows never blocks on its history.

CREATE TABLE IF NOT EXISTS inspections (
    id           TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL,
    date         DATE NOT NULL,
    kind         TEXT NOT NULL,          -- station 派出所检查, joint 联合督导, comprehensive 综治清查, self 学校自查
    unit         TEXT,
    inspector    TEXT,
    findings     TEXT,
    failed_items TEXT,
    source       TEXT,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS notices (      -- 《治安隐患限期整改通知书》
    id           TEXT PRIMARY KEY,
    school_id    TEXT,
    risk_site_id TEXT,
    issued_on    DATE NOT NULL,
    deadline     DATE NOT NULL,
    items        TEXT NOT NULL,
    status       TEXT,                   -- open, rectifying, closed
    closed_on    DATE,
    reviewed_by  TEXT,
    escalated    BOOLEAN,                -- 挂牌督办
    origin       TEXT,                   -- the assessment reason or failed item it was issued from
    source       TEXT,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    version      INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT notices_deadline_after_issue CHECK (deadline >= issued_on)
);

CREATE TABLE IF NOT EXISTS visits (       -- an office (警务室) officer at a campus
    id         TEXT PRIMARY KEY,
    school_id  TEXT NOT NULL,
    post_id    TEXT,
    officer    TEXT,
    date       DATE NOT NULL,
    source     TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS drills (
    id               TEXT PRIMARY KEY,
    school_id        TEXT NOT NULL,
    date             DATE NOT NULL,
    kind             TEXT NOT NULL,      -- evacuation, alarm_test, joint
    alarm_time       TEXT,               -- HH:MM
    police_arrival_s DOUBLE PRECISION,   -- measured
    notes            TEXT,
    source           TEXT,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    version          INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS snapshots (    -- one month's figures per 派出所 (id = YYYY-MM/jurisdiction)
    id                   TEXT PRIMARY KEY,
    month                TEXT NOT NULL,
    jurisdiction_id      TEXT NOT NULL,
    schools              INTEGER,
    weak                 INTEGER,
    critical             INTEGER,
    share_within_3min    DOUBLE PRECISION,
    mean_score           DOUBLE PRECISION,
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
    figures              TEXT,           -- JSON of every indicator of the report
    produced_at          TIMESTAMP,
    source               TEXT,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    version              INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX IF NOT EXISTS inspections_school_date_idx ON inspections (school_id, date);
CREATE INDEX IF NOT EXISTS notices_school_idx ON notices (school_id);
CREATE INDEX IF NOT EXISTS notices_open_idx ON notices (deadline) WHERE status IS DISTINCT FROM 'closed';
CREATE INDEX IF NOT EXISTS visits_school_date_idx ON visits (school_id, date);
CREATE INDEX IF NOT EXISTS drills_school_idx ON drills (school_id);
CREATE INDEX IF NOT EXISTS snapshots_month_idx ON snapshots (month, jurisdiction_id);
