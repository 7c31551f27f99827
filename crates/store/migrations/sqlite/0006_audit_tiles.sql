-- The Merkle tree as C2SP tlog tiles: tile (level, idx) holds up to 256 consecutive hashes of
-- tree level 8*level, concatenated; the partial tile at each level's right edge is rewritten as
-- it grows. Replaces audit_nodes (one row per node), which the store converts and drops on open.
CREATE TABLE audit_tiles (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);
