-- The record: every change is an event, and every event is a leaf of the audit log's Merkle tree
-- (leaf index = seq). Rows are only ever appended.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    unit_id BIGINT,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject, seq);

-- Hashes of complete subtrees: (level, idx) covers leaves idx*2^level .. (idx+1)*2^level.
CREATE TABLE audit_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY NOT NULL,
    root BLOB NOT NULL,
    at BIGINT NOT NULL,
    note TEXT NOT NULL
);

CREATE TABLE audit_cosignatures (
    tree_size BIGINT NOT NULL REFERENCES audit_checkpoints (tree_size),
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
