-- The admin role takes a second pair of eyes: a request to grant it is kept here until another
-- administrator approves or refuses it. Requests and decisions are events too.
CREATE TABLE admin_grants (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    requested_by BIGINT,
    requested_at BIGINT NOT NULL,
    decided_by BIGINT,
    decided_at BIGINT,
    approved BIGINT
);
CREATE INDEX admin_grants_pending ON admin_grants (decided_at, id);
