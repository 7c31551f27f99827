-- Holiday calendars loaded through the product (the State Council notice for a year), so every
-- server on one database reads the same years. Loading or replacing a year is also an event
-- (subject 'calendar:YEAR'), a leaf of the audit log.
CREATE TABLE calendars (
    year BIGINT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_by BIGINT,
    loaded_at BIGINT NOT NULL
);

-- A case's earliest due date was counted on the weekends-only reading of a year whose calendar
-- is not loaded; such cases are recomputed when that year is loaded.
ALTER TABLE cases ADD COLUMN due_provisional BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_due_provisional ON cases (due_provisional, id);
