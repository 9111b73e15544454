-- 护校安园态势图 · PostGIS schema, part 9 (issue 15): saved siting / what-if scenarios, and the
-- status of police posts (a scenario's sites turned into planned posts are drawn dashed and do
-- not respond until they are built).
CREATE TABLE IF NOT EXISTS scenarios (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,            -- office, kiosk, camera, crossing, whatif
    params     TEXT NOT NULL,            -- JSON: the run's parameters
    result     TEXT NOT NULL,            -- JSON: summary, proposals, KPIs before/after, changes
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS scenarios_created_at_idx ON scenarios (created_at);

ALTER TABLE police_posts ADD COLUMN IF NOT EXISTS status TEXT;   -- NULL/active, or planned
