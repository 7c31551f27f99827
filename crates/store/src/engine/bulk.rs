//! Bulk reads of the audit log for verification: every event of a range with its leaf
//! recomputed, beside the leaves stored for it. On SQLite through a plain read-only connection
//! (the table's pages where `sqlite_dbpage` exists, see `pages.rs`), on PostgreSQL from binary
//! `COPY` data.

use crate::audit::EVENT_COLS;
use crate::{Result, StoreError};
use std::path::Path;
use std::time::Duration;
use xiezhi_audit::Hash;

/// Leaf hashes from the binary `COPY` of event rows (seq, at, actor, unit, subject, kind, payload).
pub(crate) fn copy_leaf_hashes(data: &[u8]) -> Result<Vec<(u64, Hash)>> {
    use crate::copy::{int8, text, Tuples};
    let missing = |what: &str| StoreError::Invalid(format!("malformed COPY data: {what} is NULL"));
    let mut tuples = Tuples::new(data)?;
    let mut f = Vec::with_capacity(7);
    let mut out = Vec::new();
    let mut input = Vec::with_capacity(256);
    while tuples.next_into(&mut f)? {
        if f.len() != 7 {
            return Err(StoreError::Invalid(format!("malformed COPY data: {} fields, not 7", f.len())));
        }
        let seq = int8(f[0])?.ok_or_else(|| missing("seq"))? as u64;
        let leaf = xiezhi_audit::EventLeaf {
            seq,
            at: int8(f[1])?.ok_or_else(|| missing("at"))?,
            actor: int8(f[2])?,
            unit: int8(f[3])?,
            subject: text(f[4])?.as_bytes(),
            kind: text(f[5])?.as_bytes(),
            payload_digest: xiezhi_audit::payload_digest(f[6].ok_or_else(|| missing("payload"))?),
        };
        out.push((seq, leaf.hash(&mut input)));
    }
    Ok(out)
}

/// A plain read-only SQLite connection for bulk reads, and buffers for what it reads.
pub(crate) struct BulkReader {
    conn: rusqlite::Connection,
    recomputed: Vec<(u64, Hash)>,
    stored: Vec<(u64, Hash)>,
}

impl BulkReader {
    pub(crate) fn open(file: &Path) -> rusqlite::Result<Self> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // As much of the file mapped as SQLite allows (it caps the size itself): no read() per page.
        conn.pragma_update(None, "mmap_size", i64::MAX)?;
        Ok(BulkReader { conn, recomputed: Vec::new(), stored: Vec::new() })
    }

    /// Events `start..end` with their leaves recomputed, and the stored leaves, from one snapshot.
    pub(crate) fn read(&mut self, start: u64, end: u64, stored: bool) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        read_leaf_hashes(&tx, start, end, &mut self.recomputed)?;
        self.stored.clear();
        if stored && start < end {
            let (first, last) = crate::audit::leaf_tile_span(start, end);
            let mut stmt = tx.prepare_cached(&crate::audit::LEAF_TILES_SQL.replace('$', "?"))?;
            let mut rows = stmt.query([first, last])?;
            while let Some(row) = rows.next()? {
                let blob = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                crate::audit::tile_leaves_into(row.get(0)?, blob, start, end, &mut self.stored)?;
            }
        }
        Ok(())
    }

    /// The leaves recomputed by the last [`read`](Self::read).
    pub(crate) fn recomputed(&self) -> &[(u64, Hash)] {
        &self.recomputed
    }

    /// The stored leaves read by the last [`read`](Self::read).
    pub(crate) fn stored(&self) -> &[(u64, Hash)] {
        &self.stored
    }
}

/// Read events `start..end` into `out` (cleared first) with their leaves recomputed: from the
/// table's pages where this SQLite can hand them out, otherwise through a SELECT (the pool's
/// per-row cost is several times the hashing verification has to do).
fn read_leaf_hashes(tx: &rusqlite::Transaction<'_>, start: u64, end: u64, out: &mut Vec<(u64, Hash)>) -> Result<()> {
    out.clear();
    out.reserve(end.saturating_sub(start).min(1 << 20) as usize);
    match crate::pages::TablePages::open(tx, "events")? {
        Some(mut pages) => {
            let mut input = Vec::with_capacity(256);
            pages.scan(start as i64, end as i64, &mut |seq, values| {
                let leaf = leaf_from_record(seq, values)?;
                out.push((seq as u64, leaf.hash(&mut input)));
                Ok(())
            })
        }
        None => select_leaf_hashes(tx, start, end, out),
    }
}

/// [`read_leaf_hashes`] through a SELECT, for an SQLite built without `sqlite_dbpage`.
fn select_leaf_hashes(tx: &rusqlite::Transaction<'_>, start: u64, end: u64, out: &mut Vec<(u64, Hash)>) -> Result<()> {
    let mut input = Vec::with_capacity(256);
    let mut stmt = tx.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE seq >= ?1 AND seq < ?2 ORDER BY seq"))?;
    let mut rows = stmt.query([start as i64, end as i64])?;
    while let Some(row) = rows.next()? {
        let seq = row.get::<_, i64>(0)? as u64;
        let leaf = xiezhi_audit::EventLeaf {
            seq,
            at: row.get(1)?,
            actor: row.get(2)?,
            unit: row.get(3)?,
            subject: text_bytes(row.get_ref(4)?).map_err(rusqlite::Error::from)?,
            kind: text_bytes(row.get_ref(5)?).map_err(rusqlite::Error::from)?,
            payload_digest: xiezhi_audit::payload_digest(row.get_ref(6)?.as_bytes().map_err(rusqlite::Error::from)?),
        };
        out.push((seq, leaf.hash(&mut input)));
    }
    Ok(())
}

/// A text value's bytes as stored, not decoded: the leaf binds bytes.
fn text_bytes(v: rusqlite::types::ValueRef<'_>) -> std::result::Result<&[u8], rusqlite::types::FromSqlError> {
    match v {
        rusqlite::types::ValueRef::Text(t) => Ok(t),
        _ => Err(rusqlite::types::FromSqlError::InvalidType),
    }
}

/// An event's leaf from its record as stored (`EVENT_COLS` order; `seq` is the rowid), with the
/// same demands on each column's type as the SELECT path. Inlined into the page walk: called for
/// every event, it would otherwise hand its answer back through memory.
#[inline]
fn leaf_from_record<'a>(seq: i64, values: &[crate::pages::Value<'a>]) -> Result<xiezhi_audit::EventLeaf<'a>> {
    use crate::pages::Value;
    let column = ["seq", "at", "actor_user_id", "unit_id", "subject", "kind", "payload"];
    let wrong = |i: usize, want: &str| StoreError::Invalid(format!("event {seq}: column {} is not {want}", column[i]));
    let int = |i: usize| match values.get(i) {
        Some(Value::Int(v)) => Ok(Some(*v)),
        Some(Value::Null) | None => Ok(None),
        _ => Err(wrong(i, "an integer")),
    };
    let text = |i: usize| match values.get(i) {
        Some(Value::Text(t)) => Ok(*t),
        _ => Err(wrong(i, "text")),
    };
    Ok(xiezhi_audit::EventLeaf {
        seq: seq as u64,
        at: int(1)?.ok_or_else(|| wrong(1, "an integer"))?,
        actor: int(2)?,
        unit: int(3)?,
        subject: text(4)?,
        kind: text(5)?,
        payload_digest: match values.get(6) {
            Some(Value::Text(b) | Value::Blob(b)) => xiezhi_audit::payload_digest(b),
            _ => return Err(wrong(6, "text")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::{By, NewEvent, SqlStore};
    use xiezhi_core::Subject;

    /// Both ways of reading the log for verification agree with the leaves the writer stored:
    /// big payloads that spill onto overflow pages, actors and units absent, text beyond ASCII.
    #[tokio::test]
    async fn page_and_select_reads_agree_with_the_stored_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_data_dir(dir.path()).await.unwrap();
        for round in 0..3i64 {
            let events = (0..700i64)
                .map(|i| {
                    let note = if i % 50 == 0 { "卷宗".repeat(3000) } else { format!("移送 {i}") };
                    NewEvent::new(Subject::Case(i / 7), "case.transition", serde_json::json!({"i": i, "note": note}))
                })
                .collect();
            let by = By { at: 1_790_000_000_000_000 + round, user_id: (round != 1).then_some(7), unit_id: (round != 2).then_some(3) };
            store.append_events(events, by).await.unwrap();
        }
        let size = store.audit_size().await.unwrap();
        let stored = store.leaf_hashes(0, size).await.unwrap();
        let mut reader = BulkReader::open(&dir.path().join("xiezhi.db")).unwrap();
        let tx = reader.conn.unchecked_transaction().unwrap();
        for (start, end) in [(0, size), (0, 1), (699, 1401), (size - 1, size), (size, size + 5), (5, 5)] {
            let (mut paged, mut selected) = (Vec::new(), Vec::new());
            read_leaf_hashes(&tx, start, end, &mut paged).unwrap();
            select_leaf_hashes(&tx, start, end, &mut selected).unwrap();
            let expected: Vec<_> = stored.iter().filter(|(i, _)| (start..end).contains(i)).copied().collect();
            assert_eq!(paged, expected, "pages, {start}..{end}");
            assert_eq!(selected, expected, "select, {start}..{end}");
        }
        drop(tx);
        reader.read(100, 300, true).unwrap();
        assert_eq!(reader.recomputed, stored[100..300]);
        assert_eq!(reader.stored, stored[100..300]);
    }
}
