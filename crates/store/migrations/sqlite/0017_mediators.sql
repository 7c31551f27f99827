-- The roster of a mediation organisation's mediators (人民调解员, 特邀调解员): who may be
-- assigned to a dispute the organisation mediates.
CREATE TABLE mediators (
    id INTEGER PRIMARY KEY NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    name TEXT NOT NULL,
    -- Dispute categories the mediator is strong in, comma-separated.
    specialties TEXT NOT NULL,
    -- On a court's roster of invited mediators (特邀调解).
    court_roster BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE INDEX mediators_unit ON mediators (unit_id);
