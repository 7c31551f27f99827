-- A case number is unique for the unit that issued it (the registering police unit), not across
-- the province: a refusal must not tell one unit that another unit's number exists. SQLite
-- cannot drop a column's UNIQUE constraint, so the table is rebuilt; case_units, which refers to
-- it (and whose reference a rename rewrites while foreign keys are on), is rebuilt with it.
ALTER TABLE cases RENAME TO cases_old;
CREATE TABLE cases (
    id INTEGER PRIMARY KEY NOT NULL,
    case_no TEXT NOT NULL,
    title TEXT NOT NULL,
    region TEXT NOT NULL,
    stage TEXT NOT NULL,
    holder_unit_id BIGINT NOT NULL REFERENCES units (id),
    pending_unit_id BIGINT REFERENCES units (id),
    in_custody BIGINT NOT NULL,
    due_date TEXT,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    due_provisional BIGINT NOT NULL DEFAULT 0,
    issuer_unit_id BIGINT NOT NULL
);
INSERT INTO cases (id, case_no, title, region, stage, holder_unit_id, pending_unit_id, in_custody, due_date, version, state, updated_at, due_provisional, issuer_unit_id)
    SELECT id, case_no, title, region, stage, holder_unit_id, pending_unit_id, in_custody, due_date, version, state, updated_at, due_provisional,
           CAST(json_extract(state, '$.investigator.id') AS INTEGER)
    FROM cases_old;
ALTER TABLE case_units RENAME TO case_units_old;
CREATE TABLE case_units (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (case_id, unit_id)
);
INSERT INTO case_units (case_id, unit_id) SELECT case_id, unit_id FROM case_units_old;
DROP TABLE case_units_old;
DROP TABLE cases_old;
CREATE INDEX case_units_unit ON case_units (unit_id, case_id);
CREATE INDEX cases_holder ON cases (holder_unit_id, stage);
CREATE INDEX cases_pending ON cases (pending_unit_id);
CREATE INDEX cases_due ON cases (due_date, id);
CREATE INDEX cases_region_stage ON cases (region, stage, due_date);
CREATE INDEX cases_due_provisional ON cases (due_provisional, id);
CREATE UNIQUE INDEX cases_issuer_number ON cases (issuer_unit_id, case_no);
