-- 护校安园态势图 · PostGIS schema, part 4: views for other tools (QGIS, reports, the wall).
-- risk_sites_public: the risk sites without the restricted note of sensitive records
-- (category person, or sensitive = true). Give display-only database roles this view,
-- never the table.
CREATE OR REPLACE VIEW risk_sites_public AS
SELECT id, category, level,
       CASE WHEN category = 'person' OR sensitive IS TRUE THEN NULL ELSE note END AS note,
       sensitive, registered_at, point, source, updated_at, version
FROM risk_sites;

-- school_main_gates: one point per school, its main gate (the first point of `gates`).
CREATE OR REPLACE VIEW school_main_gates AS
SELECT id, name, kind, jurisdiction_id,
       ST_GeometryN(gates, 1)::geometry(Point, 4326) AS gate
FROM schools;
