-- The event sequence becomes the table's rowid (INTEGER PRIMARY KEY): one b-tree instead of a
-- table plus a separate primary-key index, which halves the work of every append.
CREATE TABLE events_by_seq (
    seq INTEGER PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    unit_id BIGINT,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
INSERT INTO events_by_seq (seq, at, actor_user_id, unit_id, subject, kind, payload)
    SELECT seq, at, actor_user_id, unit_id, subject, kind, payload FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_by_seq RENAME TO events;
CREATE INDEX events_subject ON events (subject, seq);
