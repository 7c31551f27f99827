//! Appending events and their Merkle nodes inside a write's own transaction, and reading the
//! log back for proofs.

use crate::{By, Event, Result, StoreError};
use sqlx::{Any, FromRow, Transaction};
use std::collections::HashMap;
use xiezhi_audit::{locate, node_from_tile, EventLeaf, Hash, Node, TileAddr, TileEdge, TILE_WIDTH};

use crate::sql::Backend;

/// An event's payload as it will be stored: its JSON text and the SHA-256 of that text, which the
/// leaf binds. Made by whoever records the event, before the write, so the writer only stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    text: String,
    digest: Hash,
}

impl Payload {
    pub fn new(value: &serde_json::Value) -> Self {
        let text = value.to_string();
        let digest = xiezhi_audit::payload_digest(text.as_bytes());
        Payload { text, digest }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The payload with one text put for another (a number whose serial was drawn at the write),
    /// and its digest for the new text.
    pub(crate) fn replaced(&self, from: &str, to: &str) -> Self {
        if !self.text.contains(from) {
            return self.clone();
        }
        let text = self.text.replace(from, to);
        let digest = xiezhi_audit::payload_digest(text.as_bytes());
        Payload { text, digest }
    }
}

impl From<serde_json::Value> for Payload {
    fn from(value: serde_json::Value) -> Self {
        Payload::new(&value)
    }
}

/// An event about to be recorded.
pub struct NewEvent {
    pub subject: String,
    pub kind: String,
    pub payload: Payload,
    /// When it happened, if not now (imported history).
    pub at: Option<i64>,
}

impl NewEvent {
    pub fn new(subject: impl Into<String>, kind: impl Into<String>, payload: impl Into<Payload>) -> Self {
        Self { subject: subject.into(), kind: kind.into(), payload: payload.into(), at: None }
    }

    /// When it happened: its own time if it carries one, else the write's.
    pub(crate) fn at(&self, by: &By) -> i64 {
        self.at.unwrap_or(by.at)
    }

    /// Its audit leaf as event `seq` of a write by `by`.
    pub(crate) fn leaf(&self, seq: u64, by: &By) -> EventLeaf<'_> {
        EventLeaf {
            seq,
            at: self.at(by),
            actor: by.user_id,
            unit: by.unit_id,
            subject: self.subject.as_bytes(),
            kind: self.kind.as_bytes(),
            payload_digest: self.payload.digest,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct EventRow {
    seq: i64,
    at: i64,
    actor_user_id: Option<i64>,
    unit_id: Option<i64>,
    subject: String,
    kind: String,
    payload: String,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event { seq: r.seq, at: r.at, actor_user_id: r.actor_user_id, unit_id: r.unit_id, subject: r.subject, kind: r.kind, payload: r.payload }
    }
}

pub(crate) const EVENT_COLS: &str = "seq, at, actor_user_id, unit_id, subject, kind, payload";

fn tile_hashes(level: i64, idx: i64, blob: Vec<u8>) -> Result<Vec<Hash>> {
    if !blob.len().is_multiple_of(32) || blob.len() as u64 > 32 * TILE_WIDTH {
        return Err(StoreError::Invalid(format!("audit tile ({level}, {idx}) is {} bytes, not a whole number of hashes", blob.len())));
    }
    Ok(blob.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect())
}

/// Fetch tiles by address, in chunks; absent tiles are simply not in the answer.
pub(crate) async fn fetch_tiles(conn: &mut sqlx::AnyConnection, addrs: &[TileAddr]) -> Result<HashMap<TileAddr, Vec<Hash>>> {
    let mut out = HashMap::with_capacity(addrs.len());
    for chunk in addrs.chunks(200) {
        let cond: Vec<String> = (0..chunk.len()).map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2)).collect();
        let sql = format!("SELECT level, idx, hashes FROM audit_tiles WHERE {}", cond.join(" OR "));
        let mut q = sqlx::query_as::<_, (i64, i64, Vec<u8>)>(&sql);
        for a in chunk {
            q = q.bind(i64::from(a.level)).bind(a.index as i64);
        }
        for (level, idx, blob) in q.fetch_all(&mut *conn).await? {
            out.insert(TileAddr { level: level as u8, index: idx as u64 }, tile_hashes(level, idx, blob)?);
        }
    }
    Ok(out)
}

/// Node hashes by address, computed from the tiles that hold them; nodes not (yet) complete
/// are left out of the answer.
pub(crate) async fn fetch_nodes(conn: &mut sqlx::AnyConnection, nodes: &[Node]) -> Result<HashMap<Node, Hash>> {
    let mut addrs: Vec<TileAddr> = nodes.iter().map(|n| locate(*n).0).collect();
    addrs.sort();
    addrs.dedup();
    let tiles = fetch_tiles(conn, &addrs).await?;
    Ok(nodes.iter().filter_map(|n| Some((*n, node_from_tile(*n, tiles.get(&locate(*n).0)?)?))).collect())
}

/// The SQL that reads the level-0 tiles holding leaves `start..end` (bind the first and last
/// tile index).
pub(crate) const LEAF_TILES_SQL: &str = "SELECT idx, hashes FROM audit_tiles WHERE level = 0 AND idx >= $1 AND idx <= $2 ORDER BY idx";

/// The tile indexes that hold leaves `start..end` (non-empty), first and last.
pub(crate) fn leaf_tile_span(start: u64, end: u64) -> (i64, i64) {
    ((start / TILE_WIDTH) as i64, ((end - 1) / TILE_WIDTH) as i64)
}

/// Append the leaves of level-0 tile `idx` that fall in `start..end` to `out`.
pub(crate) fn tile_leaves_into(idx: i64, blob: &[u8], start: u64, end: u64, out: &mut Vec<(u64, Hash)>) -> Result<()> {
    if !blob.len().is_multiple_of(32) || blob.len() as u64 > 32 * TILE_WIDTH {
        return Err(StoreError::Invalid(format!("audit tile (0, {idx}) is {} bytes, not a whole number of hashes", blob.len())));
    }
    let first = idx as u64 * TILE_WIDTH;
    for (i, h) in blob.chunks_exact(32).enumerate() {
        let seq = first + i as u64;
        if (start..end).contains(&seq) {
            out.push((seq, h.try_into().expect("32 bytes")));
        }
    }
    Ok(())
}

/// Leaf hashes of `start..end` as stored, from the level-0 tiles.
pub(crate) async fn leaf_hashes(conn: &mut sqlx::AnyConnection, start: u64, end: u64) -> Result<Vec<(u64, Hash)>> {
    if start >= end {
        return Ok(vec![]);
    }
    let (first, last) = leaf_tile_span(start, end);
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(LEAF_TILES_SQL).bind(first).bind(last).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity((end - start) as usize);
    for (idx, blob) in rows {
        tile_leaves_into(idx, &blob, start, end, &mut out)?;
    }
    Ok(out)
}

/// The SQL that inserts a JSON array of events in one statement: per-row parameter binding is
/// what bounds bulk writes through the driver, and the database parses JSON in C. SQLite reads
/// each event as an array (positional lookups are its cheapest), PostgreSQL as records.
fn insert_events_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "INSERT INTO events (seq, at, actor_user_id, unit_id, subject, kind, payload) \
             SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each($1)"
        }
        Backend::Postgres => {
            "INSERT INTO events (seq, at, actor_user_id, unit_id, subject, kind, payload) \
             SELECT * FROM json_to_recordset($1::json) AS x(seq BIGINT, at BIGINT, actor_user_id BIGINT, unit_id BIGINT, subject TEXT, kind TEXT, payload TEXT)"
        }
    }
}

fn events_json(backend: Backend, events: &[Event]) -> Result<String> {
    let json = match backend {
        Backend::Sqlite => {
            serde_json::to_string(&events.iter().map(|e| (e.seq, e.at, e.actor_user_id, e.unit_id, &e.subject, &e.kind, &e.payload)).collect::<Vec<_>>())
        }
        Backend::Postgres => serde_json::to_string(events),
    };
    json.map_err(|err| StoreError::Invalid(err.to_string()))
}

/// The tree's right edge from the last tile of each level, as stored (level, idx, hashes); the
/// log's size follows from the level-0 one. Both write paths resume from it.
pub(crate) fn edge_from_tiles(rows: impl IntoIterator<Item = (i64, i64, Vec<u8>)>) -> Result<TileEdge> {
    let mut tiles = HashMap::new();
    let mut size = 0;
    for (level, idx, blob) in rows {
        let hashes = tile_hashes(level, idx, blob)?;
        if level == 0 {
            size = idx as u64 * TILE_WIDTH + hashes.len() as u64;
        }
        tiles.insert(TileAddr { level: level as u8, index: idx as u64 }, hashes);
    }
    TileEdge::resume(size, &|a| tiles.get(&a).cloned())
        .map_err(|a| StoreError::Invalid(format!("audit tile ({}, {}) is missing or short; run `xiezhi audit verify`", a.level, a.index)))
}

/// The tree's right edge, read in one round trip.
async fn fetch_edge(tx: &mut Transaction<'_, Any>) -> Result<TileEdge> {
    // Six tile levels reach 2^48 leaves.
    let sql = (0..6)
        .map(|level| format!("SELECT * FROM (SELECT level, idx, hashes FROM audit_tiles WHERE level = {level} ORDER BY idx DESC LIMIT 1) AS l{level}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows: Vec<(i64, i64, Vec<u8>)> = sqlx::query_as(&sql).fetch_all(&mut **tx).await?;
    edge_from_tiles(rows)
}

/// Write tiles, replacing earlier versions of partial ones.
async fn put_tiles(tx: &mut Transaction<'_, Any>, tiles: Vec<(TileAddr, Vec<Hash>)>) -> Result<()> {
    for chunk in tiles.chunks(100) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let sql = format!(
            "INSERT INTO audit_tiles (level, idx, hashes) VALUES {} ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (a, hashes) in chunk {
            q = q.bind(i64::from(a.level)).bind(a.index as i64).bind(hashes.concat());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Append events in order; returns their leaf indexes. Must run inside the write's transaction,
/// so the record and the log cannot drift.
pub(crate) async fn append(tx: &mut Transaction<'_, Any>, backend: Backend, by: &By, events: Vec<NewEvent>) -> Result<Vec<i64>> {
    Ok(append_groups(tx, backend, vec![(*by, events)]).await?.pop().unwrap_or_default())
}

/// Append several writes' events in one go (a group commit): each group has its own author and
/// gets back its own leaf indexes.
pub(crate) async fn append_groups(tx: &mut Transaction<'_, Any>, backend: Backend, groups: Vec<(By, Vec<NewEvent>)>) -> Result<Vec<Vec<i64>>> {
    let total: usize = groups.iter().map(|(_, e)| e.len()).sum();
    let mut out: Vec<Vec<i64>> = groups.iter().map(|(_, e)| Vec::with_capacity(e.len())).collect();
    if total == 0 {
        return Ok(out);
    }
    if backend == Backend::Postgres {
        // One sequencer at a time, across every server process sharing the database.
        sqlx::query("SELECT pg_advisory_xact_lock(6962)").execute(&mut **tx).await?;
    }
    let mut edge = fetch_edge(tx).await?;
    let size = edge.size();

    // Hash and encode the next chunk while the database inserts the previous one: the driver
    // runs SQLite on its own thread, and PostgreSQL in its own process.
    const CHUNK: usize = 1000;
    let mut next_seq = size;
    let mut events = groups.into_iter().enumerate().flat_map(|(g, (by, events))| events.into_iter().map(move |e| (g, by, e))).peekable();
    let mut input = Vec::with_capacity(256);
    let mut encode = || -> Result<Option<String>> {
        if events.peek().is_none() {
            return Ok(None);
        }
        let mut rows = Vec::with_capacity(CHUNK);
        for (g, by, e) in events.by_ref().take(CHUNK) {
            let seq = next_seq;
            next_seq += 1;
            let at = e.at(&by);
            edge.push(e.leaf(seq, &by).hash(&mut input));
            let event =
                Event { seq: seq as i64, at, actor_user_id: by.user_id, unit_id: by.unit_id, subject: e.subject, kind: e.kind, payload: e.payload.text };
            rows.push(event);
            out[g].push(seq as i64);
        }
        events_json(backend, &rows).map(Some)
    };
    let mut next = encode()?;
    while let Some(json) = next {
        let insert = sqlx::query(insert_events_sql(backend)).bind(json).execute(&mut **tx);
        let (inserted, encoded) = tokio::join!(insert, async { encode() });
        inserted?;
        next = encoded?;
    }
    put_tiles(tx, edge.take_dirty()).await?;
    Ok(out)
}

/// Whether the database still keeps the tree in the node table of before tiles.
pub(crate) async fn has_node_table(pool: &sqlx::AnyPool, backend: Backend) -> Result<bool> {
    let exists = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_nodes'",
        Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'audit_nodes' AND table_schema = current_schema()",
    };
    let (n,): (i64,) = sqlx::query_as(exists).fetch_one(pool).await?;
    Ok(n > 0)
}

/// Databases made before tiles kept one row per node in `audit_nodes`: carry their stored leaf
/// hashes (not recomputed, so earlier tampering stays detectable) into tiles, then drop the table.
pub(crate) async fn convert_node_table(pool: &sqlx::AnyPool, backend: Backend) -> Result<()> {
    if !has_node_table(pool, backend).await? {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let mut edge = TileEdge::new();
    loop {
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, hash FROM audit_nodes WHERE level = 0 AND idx >= $1 ORDER BY idx LIMIT 100000")
            .bind(edge.size() as i64)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        for (idx, hash) in rows {
            if idx as u64 != edge.size() {
                return Err(StoreError::Invalid(format!("audit_nodes lacks leaf {}; cannot convert to tiles", edge.size())));
            }
            edge.push(hash.try_into().map_err(|_| StoreError::Invalid(format!("leaf hash {idx} is not 32 bytes")))?);
        }
        put_tiles(&mut tx, edge.take_dirty()).await?;
    }
    sqlx::query("DROP TABLE audit_nodes").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
