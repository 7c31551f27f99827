//! Appending events and their Merkle nodes inside a write's own transaction, and reading the
//! log back for proofs.

use crate::{By, Event, Result, StoreError};
use sqlx::{Any, FromRow, Transaction};
use std::collections::HashMap;
use xiezhi_audit::{leaf_hash, nodes_completed_by, Hash, Node};

use crate::sql::Backend;

/// An event about to be recorded.
pub struct NewEvent {
    pub subject: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// When it happened, if not now (imported history).
    pub at: Option<i64>,
}

impl NewEvent {
    pub fn new(subject: impl Into<String>, kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { subject: subject.into(), kind: kind.into(), payload, at: None }
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

/// Fetch node hashes by address, in chunks.
pub(crate) async fn fetch_nodes(conn: &mut sqlx::AnyConnection, nodes: &[Node]) -> Result<HashMap<Node, Hash>> {
    let mut out = HashMap::with_capacity(nodes.len());
    for chunk in nodes.chunks(200) {
        let cond: Vec<String> = (0..chunk.len()).map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2)).collect();
        let sql = format!("SELECT level, idx, hash FROM audit_nodes WHERE {}", cond.join(" OR "));
        let mut q = sqlx::query_as::<_, (i64, i64, Vec<u8>)>(&sql);
        for n in chunk {
            q = q.bind(i64::from(n.level)).bind(n.index as i64);
        }
        for (level, idx, hash) in q.fetch_all(&mut *conn).await? {
            let hash: Hash = hash.try_into().map_err(|_| StoreError::Invalid(format!("audit node ({level}, {idx}) is not 32 bytes")))?;
            out.insert(Node { level: level as u8, index: idx as u64 }, hash);
        }
    }
    Ok(out)
}

/// Append events in order; returns their leaf indexes. Must run inside the write's transaction,
/// so the record and the log cannot drift.
pub(crate) async fn append(tx: &mut Transaction<'_, Any>, backend: Backend, by: &By, events: Vec<NewEvent>) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(vec![]);
    }
    if backend == Backend::Postgres {
        // One sequencer at a time, across every server process sharing the database.
        sqlx::query("SELECT pg_advisory_xact_lock(6962)").execute(&mut **tx).await?;
    }
    let (size,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq) + 1, 0) FROM events").fetch_one(&mut **tx).await?;
    let size = size as u64;
    let count = events.len() as u64;

    // Left siblings the new leaves will close, that already exist.
    let mut wanted = Vec::new();
    for seq in size..size + count {
        let (mut level, mut idx) = (0u8, seq);
        while idx % 2 == 1 {
            let left = Node { level, index: idx - 1 };
            if (left.index + 1) << level <= size {
                wanted.push(left);
            }
            level += 1;
            idx /= 2;
        }
    }
    wanted.sort();
    wanted.dedup();
    let mut known = fetch_nodes(tx, &wanted).await?;
    if known.len() != wanted.len() {
        return Err(StoreError::Invalid("the audit tree is missing nodes it needs; run `xiezhi audit verify`".into()));
    }

    let mut leaves = Vec::with_capacity(events.len());
    let mut rows = Vec::with_capacity(events.len());
    let mut new_nodes: Vec<(Node, Hash)> = Vec::with_capacity(events.len() * 2);
    for (i, e) in events.into_iter().enumerate() {
        let seq = size + i as u64;
        let payload = serde_json::to_string(&e.payload).map_err(|err| StoreError::Invalid(err.to_string()))?;
        let event =
            Event { seq: seq as i64, at: e.at.unwrap_or(by.at), actor_user_id: by.user_id, unit_id: by.unit_id, subject: e.subject, kind: e.kind, payload };
        let leaf = leaf_hash(&event.leaf_input());
        for (node, hash) in nodes_completed_by(seq, leaf, |n| known[&n]) {
            known.insert(node, hash);
            new_nodes.push((node, hash));
        }
        rows.push(event);
        leaves.push(seq as i64);
    }
    // Multi-row inserts: one statement per 100 events, 300 nodes.
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${}, ${}, ${}, ${}, ${})", 7 * i + 1, 7 * i + 2, 7 * i + 3, 7 * i + 4, 7 * i + 5, 7 * i + 6, 7 * i + 7))
            .collect();
        let sql = format!("INSERT INTO events ({EVENT_COLS}) VALUES {}", values.join(", "));
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q.bind(e.seq).bind(e.at).bind(e.actor_user_id).bind(e.unit_id).bind(&e.subject).bind(&e.kind).bind(&e.payload);
        }
        q.execute(&mut **tx).await?;
    }
    for chunk in new_nodes.chunks(300) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let sql = format!("INSERT INTO audit_nodes (level, idx, hash) VALUES {}", values.join(", "));
        let mut q = sqlx::query(&sql);
        for (n, h) in chunk {
            q = q.bind(i64::from(n.level)).bind(n.index as i64).bind(h.to_vec());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(leaves)
}
