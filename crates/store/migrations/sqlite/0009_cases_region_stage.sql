-- The committee's counts by region and stage read this index alone (no row visits); lists by
-- region use its leading column.
DROP INDEX IF EXISTS cases_region_due;
CREATE INDEX IF NOT EXISTS cases_region_stage ON cases (region, stage, due_date);
