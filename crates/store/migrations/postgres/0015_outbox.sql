-- Webhook subscriptions of a unit's own system (a docked partner platform, a court's mediation
-- platform): where to deliver, and the secret each delivery is signed with.
CREATE TABLE webhooks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    disabled_at BIGINT
);
CREATE INDEX webhooks_unit ON webhooks (unit_id);

-- The outbox: one row per notice per subscriber, written in the same transaction as the event
-- it tells of, so nothing acknowledged goes untold. Rows stay as the delivery log.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    -- A worker holds the row until then (several server processes may deliver).
    claimed_until BIGINT,
    delivered_at BIGINT,
    last_status BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_webhook ON outbox (webhook_id, id);
