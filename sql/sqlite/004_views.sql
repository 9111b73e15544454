-- 护校安园态势图 · SQLite schema, part 4: views (same names as sql/004_views.sql).
-- risk_sites_public: the risk sites without the restricted note of sensitive records.
-- (school_main_gates needs spatial SQL and exists on PostGIS only.)
CREATE VIEW IF NOT EXISTS risk_sites_public AS
SELECT id, category, level,
       CASE WHEN category = 'person' OR sensitive = 1 THEN NULL ELSE note END AS note,
       sensitive, registered_at, point, source, updated_at, version
FROM risk_sites;
