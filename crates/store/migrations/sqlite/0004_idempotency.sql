-- Idempotency keys of POST requests: a retry gets the first answer instead of applying twice.
-- `status` is NULL while the first attempt is in flight.
CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
