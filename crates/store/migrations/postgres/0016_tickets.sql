-- Hotline work orders (工单). The events (subject 'ticket:ID') are the record; this row is their
-- projection, written in the same transaction.
CREATE TABLE tickets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The order's number, given to the caller: hotline, region, year, serial.
    ticket_no TEXT NOT NULL UNIQUE,
    -- SHA-256 of the query code given to the caller with the number (public status lookup).
    query_hash TEXT NOT NULL,
    hotline TEXT NOT NULL,
    region TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    urgency TEXT NOT NULL,
    title TEXT NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT,
    centre_unit_id BIGINT NOT NULL REFERENCES units (id),
    lead_unit_id BIGINT REFERENCES units (id),
    -- The unit whose step is next (the centre, or the lead until it signs for the order).
    pending_unit_id BIGINT REFERENCES units (id),
    due_date TEXT,
    due_provisional BIGINT NOT NULL,
    concerns_law BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    satisfaction TEXT,
    caller_phone TEXT,
    received_on TEXT NOT NULL,
    search TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tickets_region_received ON tickets (region, received_on);
CREATE INDEX tickets_pending ON tickets (pending_unit_id);
CREATE INDEX tickets_lead ON tickets (lead_unit_id, stage);
CREATE INDEX tickets_due ON tickets (region, due_date);
CREATE INDEX tickets_phone ON tickets (caller_phone);

CREATE TABLE ticket_units (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (ticket_id, unit_id)
);
CREATE INDEX ticket_units_unit ON ticket_units (unit_id, ticket_id);
