-- The hotline knowledge base (H2, H14): each unit's answers to the questions callers ask, valid
-- from one day to another; a hotline operator answers a consultation on the call from an item
-- valid that day.
CREATE TABLE knowledge_items (
    id INTEGER PRIMARY KEY NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    -- The unit's region, for finding the items a centre's callers may be told.
    region TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    -- YYYY-MM-DD, China Standard Time; no end date: valid until retired.
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    -- Question, answer and unit name, lower-cased: what a search looks in.
    search TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX knowledge_items_region ON knowledge_items (region, id);
CREATE INDEX knowledge_items_unit ON knowledge_items (unit_id, id);
