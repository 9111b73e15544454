-- 护校安园态势图 · SQLite schema, part 3: lookup indexes (no spatial index without SpatiaLite;
-- the app reads whole layers and filters in GeoPandas).
CREATE INDEX IF NOT EXISTS schools_jurisdiction_idx ON schools (jurisdiction_id);
CREATE INDEX IF NOT EXISTS crossings_school_idx ON crossings (school_id);
