-- 护校安园态势图 · SQLite schema, part 9 (issue 15): saved siting / what-if scenarios, and the
-- status of police posts (planned posts are drawn dashed and do not respond until built).
CREATE TABLE IF NOT EXISTS scenarios (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    params     TEXT NOT NULL,
    result     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scenarios_created_at_idx ON scenarios (created_at);

ALTER TABLE police_posts ADD COLUMN status TEXT;
