-- Disputes (多元解纷). The events (subject 'dispute:ID') are the record; this row is their
-- projection, written in the same transaction: the state snapshot, and what the ledger, the
-- inboxes and the committee's lists filter and count on.
CREATE TABLE disputes (
    id INTEGER PRIMARY KEY NOT NULL,
    -- One dispute, one code (一案一码): MD + region + year + serial.
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    region TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    risk TEXT,
    stage TEXT NOT NULL,
    outcome TEXT,
    holder_unit_id BIGINT NOT NULL REFERENCES units (id),
    pending_unit_id BIGINT REFERENCES units (id),
    due_date TEXT,
    due_provisional BIGINT NOT NULL,
    is_group BIGINT NOT NULL,
    party_count BIGINT NOT NULL,
    amount BIGINT,
    -- Reported to the police at least once (人民调解法 25).
    reported BIGINT NOT NULL,
    linked_cases BIGINT NOT NULL,
    followed_up BIGINT NOT NULL,
    satisfaction TEXT,
    received_on TEXT NOT NULL,
    search TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX disputes_region_received ON disputes (region, received_on);
CREATE INDEX disputes_holder ON disputes (holder_unit_id, stage);
CREATE INDEX disputes_pending ON disputes (pending_unit_id);
CREATE INDEX disputes_region_due ON disputes (region, due_date);
CREATE INDEX disputes_risk ON disputes (risk, region);

-- Every unit that handles, handled, referred or was told of a dispute (it may see it).
CREATE TABLE dispute_units (
    dispute_id BIGINT NOT NULL REFERENCES disputes (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (dispute_id, unit_id)
);
CREATE INDEX dispute_units_unit ON dispute_units (unit_id, dispute_id);
