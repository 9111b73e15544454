-- 护校安园态势图 · PostGIS schema, part 6: the seeds' checklist on schools, armed duty on crossings
-- (DESIGN.md §3). Columns are added, never rewritten: every existing row is kept, the new
-- fields are NULL (未填报, reported as missing) until a planner fills them in.
ALTER TABLE schools ADD COLUMN IF NOT EXISTS complex_area         BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS high_risk            BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS gatekeepers          INTEGER;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS guards_certified     BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS equipment_items      INTEGER;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS intrusion_alarm      BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS electronic_patrol    BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS monitor_room_24h     BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS night_duty_24h       BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS enclosed             BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS parent_waiting_zone  BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS legal_vice_principal BOOLEAN;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS officer_name         TEXT;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS officer_phone        TEXT;
ALTER TABLE crossings ADD COLUMN IF NOT EXISTS armed              BOOLEAN;

ALTER TABLE schools DROP CONSTRAINT IF EXISTS schools_gatekeepers_range;
ALTER TABLE schools ADD CONSTRAINT schools_gatekeepers_range
    CHECK (gatekeepers IS NULL OR gatekeepers BETWEEN 0 AND 100);
ALTER TABLE schools DROP CONSTRAINT IF EXISTS schools_equipment_items_range;
ALTER TABLE schools ADD CONSTRAINT schools_equipment_items_range
    CHECK (equipment_items IS NULL OR equipment_items BETWEEN 0 AND 8);
