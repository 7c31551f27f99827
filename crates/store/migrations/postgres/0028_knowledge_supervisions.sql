-- Supervision (督办) of a unit whose hotline knowledge base is not kept up to date (H14): by a
-- hotline centre or a supervising committee over the unit's region. Answered when the unit next
-- adds or retires an item. Each is an event about 'knowledge-upkeep:UNIT'.
CREATE TABLE knowledge_supervisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    -- The supervised unit's region, for a supervisor's subtree.
    region TEXT NOT NULL,
    by_unit_id BIGINT NOT NULL REFERENCES units (id),
    -- Why, as the upkeep check found it (JSON: {"reason": "expired", "items": 2}).
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    at BIGINT NOT NULL,
    answered_at BIGINT
);
CREATE INDEX knowledge_supervisions_unit ON knowledge_supervisions (unit_id, answered_at);
