-- 护校安园态势图 · PostGIS schema, part 3: spatial (GIST) and lookup indexes.
CREATE INDEX IF NOT EXISTS schools_gates_gix ON schools USING GIST (gates);
CREATE INDEX IF NOT EXISTS schools_campus_gix ON schools USING GIST (campus);
CREATE INDEX IF NOT EXISTS schools_jurisdiction_idx ON schools (jurisdiction_id);
CREATE INDEX IF NOT EXISTS police_posts_point_gix ON police_posts USING GIST (point);
CREATE INDEX IF NOT EXISTS police_posts_jurisdiction_gix ON police_posts USING GIST (jurisdiction);
CREATE INDEX IF NOT EXISTS cameras_point_gix ON cameras USING GIST (point);
CREATE INDEX IF NOT EXISTS cameras_coverage_gix ON cameras USING GIST (coverage);
CREATE INDEX IF NOT EXISTS crossings_point_gix ON crossings USING GIST (point);
CREATE INDEX IF NOT EXISTS crossings_school_idx ON crossings (school_id);
CREATE INDEX IF NOT EXISTS risk_sites_point_gix ON risk_sites USING GIST (point);
CREATE INDEX IF NOT EXISTS roads_geom_gix ON roads USING GIST (geom);
