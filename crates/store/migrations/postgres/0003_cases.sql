-- Criminal cases. The events (subject 'case:ID') are the record; this row is their projection,
-- kept in the same transaction: the state snapshot, and what lists, inboxes and the committee
-- view filter on.
CREATE TABLE cases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_no TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    region TEXT NOT NULL,
    stage TEXT NOT NULL,
    holder_unit_id BIGINT NOT NULL REFERENCES units (id),
    pending_unit_id BIGINT REFERENCES units (id),
    in_custody BIGINT NOT NULL,
    due_date TEXT,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_holder ON cases (holder_unit_id, stage);
CREATE INDEX cases_pending ON cases (pending_unit_id);
CREATE INDEX cases_region_due ON cases (region, due_date);

-- Every unit that holds or held a case (it may see the case).
CREATE TABLE case_units (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (case_id, unit_id)
);
CREATE INDEX case_units_unit ON case_units (unit_id, case_id);
