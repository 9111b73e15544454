-- 护校安园态势图 · SQLite schema, part 6: the seeds' checklist on schools, armed duty on crossings
-- (same columns as sql/006_school_checklist.sql). Columns are added: every existing row is kept
-- and reads NULL (未填报) in them. SQLite has no ADD COLUMN IF NOT EXISTS; the migration runner
-- skips an ADD COLUMN whose column already exists, so the file stays safe to re-apply.
ALTER TABLE schools ADD COLUMN complex_area INTEGER;
ALTER TABLE schools ADD COLUMN high_risk INTEGER;
ALTER TABLE schools ADD COLUMN gatekeepers INTEGER;
ALTER TABLE schools ADD COLUMN guards_certified INTEGER;
ALTER TABLE schools ADD COLUMN equipment_items INTEGER;
ALTER TABLE schools ADD COLUMN intrusion_alarm INTEGER;
ALTER TABLE schools ADD COLUMN electronic_patrol INTEGER;
ALTER TABLE schools ADD COLUMN monitor_room_24h INTEGER;
ALTER TABLE schools ADD COLUMN night_duty_24h INTEGER;
ALTER TABLE schools ADD COLUMN enclosed INTEGER;
ALTER TABLE schools ADD COLUMN parent_waiting_zone INTEGER;
ALTER TABLE schools ADD COLUMN legal_vice_principal INTEGER;
ALTER TABLE schools ADD COLUMN officer_name TEXT;
ALTER TABLE schools ADD COLUMN officer_phone TEXT;
ALTER TABLE crossings ADD COLUMN armed INTEGER;
