//! SQLite case and event writes on a plain connection (`rusqlite`, the same SQLite that sqlx
//! links): a whole batch runs on one blocking thread with prepared statements, instead of two
//! thread hand-offs per statement through the pool and a JSON document per table to unpack.
//! This is the write path of the group commit, of bulk imports and of event appends on SQLite.
//!
//! The pooled writer connection (the pool holds exactly one) is held for as long as a native
//! write runs, so writes through the pool and native writes never interleave inside this
//! process; other processes are kept apart by `BEGIN IMMEDIATE` and the busy timeout.

use crate::audit::NewEvent;
use crate::batch::{CaseJob, CaseWritten};
use crate::{By, CaseWrite, Recorded, Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xiezhi_audit::TileEdge;

/// The native writer: its connection, the pool whose one connection it holds while writing, and
/// a nudge for the checkpointer.
#[derive(Clone)]
pub(crate) struct NativeWriter {
    conn: Arc<Mutex<Connection>>,
    gate: sqlx::AnyPool,
    checkpoint: std::sync::mpsc::SyncSender<()>,
}

/// Pages the writer may leave in the WAL before it copies them back itself; below that the
/// checkpointer thread does it, so the writer's commits do not wait on the copy and its sync.
const WAL_BACKSTOP_PAGES: i64 = 10_000;

/// Copy the WAL back into the database on a thread of its own, at most every 50 ms and only
/// when the writer has committed since (nudges that arrive meanwhile fold into one). Ends when
/// the writer is gone.
fn spawn_checkpointer(file: &Path) -> std::io::Result<std::sync::mpsc::SyncSender<()>> {
    let conn = Connection::open(file).map_err(std::io::Error::other)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(std::io::Error::other)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(std::io::Error::other)?;
    let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
        while nudged.recv().is_ok() {
            // PASSIVE: copies what no reader still needs and never blocks the writer. A failure
            // leaves the pages in the WAL, where they are just as durable.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!("WAL checkpoint failed (the next one retries): {e}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })?;
    Ok(nudge)
}

impl NativeWriter {
    /// The writer connection's `synchronous` level (2 = FULL: every commit synced).
    pub(crate) fn synchronous(&self) -> rusqlite::Result<i64> {
        self.conn.lock().expect("writer lock").query_row("PRAGMA synchronous", [], |r| r.get(0))
    }

    pub fn open(file: &Path, gate: sqlx::AnyPool) -> std::io::Result<Self> {
        let conn = Self::connect(file).map_err(std::io::Error::other)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), gate, checkpoint: spawn_checkpointer(file)? })
    }

    fn connect(file: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open(file)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // Durable before acknowledged: WAL with a sync on every commit, as on the pooled writer.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A statement that may fail a foreign-key check keeps the pages it changes in a
        // statement journal, to undo itself: in memory, not a temporary file written per page.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", -262_144)?;
        conn.pragma_update(None, "mmap_size", 1_073_741_824i64)?;
        conn.set_prepared_statement_cache_capacity(32);
        conn.pragma_update(None, "wal_autocheckpoint", WAL_BACKSTOP_PAGES)?;
        Ok(conn)
    }

    /// Run `write` in one immediate transaction on a blocking thread, committing if it returns
    /// `Ok` and rolling back otherwise. `write` gets the connection inside the transaction (what
    /// [`super::db::NativeTx`] runs on) and back whatever it was given, whether or not the write
    /// succeeded. The pool's writer connection is held meanwhile, so pooled and native writes
    /// never interleave.
    pub async fn run<I, T>(&self, input: I, write: impl FnOnce(&mut Connection, &mut I) -> Result<T> + Send + 'static) -> (I, Result<T>)
    where
        I: Send + 'static,
        T: Send + 'static,
    {
        let gate = match self.gate.acquire().await {
            Ok(gate) => gate,
            Err(e) => return (input, Err(e.into())),
        };
        let conn = self.conn.clone();
        let checkpoint = self.checkpoint.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut input = input;
            let _gate = gate;
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            let result = (|| {
                if !conn.is_autocommit() {
                    // A write that panicked left its transaction open: undo it first.
                    conn.execute_batch("ROLLBACK")?;
                }
                conn.execute_batch("BEGIN IMMEDIATE")?;
                match write(&mut conn, &mut input) {
                    Ok(out) => {
                        conn.execute_batch("COMMIT")?;
                        Ok(out)
                    }
                    Err(e) => Err(e),
                }
            })();
            if result.is_ok() {
                let _ = checkpoint.try_send(());
            } else if !conn.is_autocommit() {
                // Whatever failed, leave no transaction open on the writer.
                let _ = conn.execute_batch("ROLLBACK");
            }
            (input, result)
        });
        match task.await {
            Ok(done) => done,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Copy the whole WAL back into the database and empty it, for a clean stop: the database is
    /// one file again and the next start reads nothing from the WAL. Waits up to two seconds for
    /// readers in other processes; if they keep it busy the pages stay in the WAL, just as
    /// durable, and a later checkpoint copies them back.
    pub async fn checkpoint_all(&self) {
        let conn = self.conn.clone();
        let done = tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            // First copy back what no reader needs, blocking no one. Then empty the WAL, which
            // takes the write lock: without waiting under it (a server beside this process keeps
            // writing meanwhile), and again while the checkpointer thread is copying pages this
            // moment or a reader of another process is busy — for two seconds at most, so a stop
            // never hangs on a reader that stays.
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
            conn.busy_timeout(Duration::ZERO)?;
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            let busy = loop {
                let busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0))?;
                if busy == 0 || std::time::Instant::now() >= deadline {
                    break busy;
                }
                std::thread::sleep(Duration::from_millis(20));
            };
            conn.busy_timeout(Duration::from_secs(5))?;
            Ok::<_, rusqlite::Error>(busy)
        })
        .await;
        match done {
            Ok(Ok(0)) => {}
            Ok(Ok(_)) => tracing::warn!("the WAL was left in place: another connection is still reading it"),
            Ok(Err(e)) => tracing::warn!("final WAL checkpoint failed (the WAL keeps the pages): {e}"),
            Err(e) => tracing::warn!("final WAL checkpoint stopped: {e}"),
        }
    }
}

/// Write the case jobs in order inside `tx`. The outer error means the transaction failed and
/// must not be committed; an inner error refuses that job alone, found before it wrote anything.
/// (No savepoint per job: SQLite would copy every page a job touches into a sub-journal. A job
/// that fails halfway fails the batch, and the group commit retries each job on its own.)
pub(crate) fn write_cases(tx: &Connection, jobs: &[CaseJob]) -> Result<Vec<Result<Recorded<CaseWritten>>>> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut groups = Vec::new();
    for job in jobs {
        match write_case(tx, job)? {
            Ok((written, group)) => {
                groups.push(group);
                outcomes.push(Ok(written));
            }
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    let mut leaves = append_groups(tx, groups)?.into_iter();
    Ok(outcomes.into_iter().map(|o| o.map(|value| Recorded { value, leaves: leaves.next().unwrap_or_default() })).collect())
}

type Written = (CaseWritten, (By, Vec<NewEvent>));

/// One job's case row and units; its events come back to be appended with the batch's. A
/// refusal (inner error) comes before the job's first write.
fn write_case(tx: &Connection, job: &CaseJob) -> Result<Result<Written>> {
    let filled = numbered(tx, job)?;
    let number = filled.as_ref().map(|(n, _)| n.clone());
    let (written, w, by) = match job {
        CaseJob::Create { write, by } => {
            let w = filled.as_ref().map_or(write, |(_, w)| w);
            if tx.prepare_cached("SELECT 1 FROM cases WHERE issuer_unit_id = ?1 AND case_no = ?2")?.exists(params![w.issuer_unit_id, w.case_no])? {
                return Ok(Err(StoreError::Duplicate { what: "a case with that number".into() }));
            }
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO cases (case_no, title, region, stage, holder_unit_id, pending_unit_id, in_custody, due_date, version, state, updated_at, \
                     due_provisional, issuer_unit_id, search, notice_unit_id, held_since, charge, registered_on) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id",
                )?
                .query_row(
                    params![
                        w.case_no,
                        w.title,
                        w.region.to_string(),
                        w.stage,
                        w.holder_unit_id,
                        w.pending_unit_id,
                        i64::from(w.in_custody),
                        w.due_date,
                        w.events.len() as i64,
                        w.state,
                        w.event_times.last().copied().unwrap_or(by.at),
                        i64::from(w.due_provisional),
                        w.issuer_unit_id,
                        w.search,
                        w.notice_unit_id,
                        w.held_since,
                        w.charge,
                        w.registered_on
                    ],
                    |r| r.get(0),
                )?;
            (CaseWritten { id, version: w.events.len() as i64, number }, w, by)
        }
        CaseJob::Update { id, version, write, by } => {
            let w = filled.as_ref().map_or(write, |(_, w)| w);
            let next = version + w.events.len() as i64;
            let changed = tx
                .prepare_cached(
                    "UPDATE cases SET stage = ?3, holder_unit_id = ?4, pending_unit_id = ?5, in_custody = ?6, due_date = ?7, version = ?8, state = ?9, \
                     updated_at = ?10, due_provisional = ?11, search = ?12, notice_unit_id = ?13, held_since = ?14 WHERE id = ?1 AND version = ?2",
                )?
                .execute(params![
                    id,
                    version,
                    w.stage,
                    w.holder_unit_id,
                    w.pending_unit_id,
                    i64::from(w.in_custody),
                    w.due_date,
                    next,
                    w.state,
                    by.at,
                    i64::from(w.due_provisional),
                    w.search,
                    w.notice_unit_id,
                    w.held_since
                ])?;
            if changed == 0 {
                let exists = tx.prepare_cached("SELECT 1 FROM cases WHERE id = ?1")?.exists([id])?;
                return Ok(Err(if exists {
                    StoreError::Conflict("the case changed meanwhile; read it again and retry".into())
                } else {
                    StoreError::NotFound("case")
                }));
            }
            (CaseWritten { id: *id, version: next, number }, w, by)
        }
    };
    let mut unit = tx.prepare_cached("INSERT INTO case_units (case_id, unit_id) VALUES (?1, ?2) ON CONFLICT (case_id, unit_id) DO NOTHING")?;
    for u in &w.units {
        unit.execute([written.id, *u])?;
    }
    let events = crate::batch::case_events(written.id, w);
    Ok(Ok((written, (*by, events))))
}

/// A write that claims a number, with the number drawn — when the write will apply: a create, or
/// an update still at its version (the writer is alone on the database, so it stays so). A typed
/// number that happens to equal the next serial's is passed over. Nothing is drawn otherwise.
fn numbered(tx: &Connection, job: &CaseJob) -> Result<Option<(String, CaseWrite)>> {
    let (w, update) = match job {
        CaseJob::Create { write, .. } => (write, None),
        CaseJob::Update { id, version, write, .. } => (write, Some((*id, *version))),
    };
    let Some(claim) = &w.claim else { return Ok(None) };
    if let Some((id, version)) = update {
        let now: Option<i64> = tx.prepare_cached("SELECT version FROM cases WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
        if now != Some(version) {
            return Ok(None);
        }
    }
    loop {
        let number = crate::engine::serials::draw_native(tx, claim)?;
        let taken = update.is_none()
            && w.case_no == claim.pending
            && tx.prepare_cached("SELECT 1 FROM cases WHERE issuer_unit_id = ?1 AND case_no = ?2")?.exists(params![w.issuer_unit_id, number])?;
        if !taken {
            return Ok(Some((number.clone(), w.filled(&number))));
        }
    }
}

/// The last tile of each level; the log's size follows from the level-0 one.
fn edge(tx: &Connection) -> Result<TileEdge> {
    let mut last = tx.prepare_cached("SELECT level, idx, hashes FROM audit_tiles WHERE level = ?1 ORDER BY idx DESC LIMIT 1")?;
    let mut rows = Vec::with_capacity(6);
    // Six tile levels reach 2^48 leaves.
    for level in 0..6i64 {
        rows.extend(last.query_row([level], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?);
    }
    crate::audit::edge_from_tiles(rows)
}

/// Append several writes' events in order, with their leaves, inside `tx`; each group gets back
/// its leaf indexes.
pub(crate) fn append_groups(tx: &Connection, groups: Vec<(By, Vec<NewEvent>)>) -> Result<Vec<Vec<i64>>> {
    let mut out: Vec<Vec<i64>> = groups.iter().map(|(_, e)| Vec::with_capacity(e.len())).collect();
    if groups.iter().all(|(_, e)| e.is_empty()) {
        return Ok(out);
    }
    let mut edge = edge(tx)?;
    let mut insert = tx.prepare_cached("INSERT INTO events (seq, at, actor_user_id, unit_id, subject, kind, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    let mut scratch = Vec::with_capacity(256);
    for ((by, events), leaves) in groups.into_iter().zip(out.iter_mut()) {
        for e in events {
            let seq = edge.size();
            let at = e.at(&by);
            edge.push(e.leaf(seq, &by).hash(&mut scratch));
            insert.execute(params![seq as i64, at, by.user_id, by.unit_id, e.subject, e.kind, e.payload.text()])?;
            leaves.push(seq as i64);
        }
    }
    let mut put =
        tx.prepare_cached("INSERT INTO audit_tiles (level, idx, hashes) VALUES (?1, ?2, ?3) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes")?;
    for (addr, hashes) in edge.take_dirty() {
        put.execute(params![i64::from(addr.level), addr.index as i64, hashes.concat()])?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::{By, NewEvent, SqlStore};
    use xiezhi_core::Subject;

    /// A stopped store is one file: closing copies the WAL back into the database and empties it,
    /// and the database file alone holds every event.
    #[tokio::test]
    async fn a_closed_store_leaves_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_data_dir(dir.path()).await.unwrap();
        let events = (0..3000).map(|i| NewEvent::new(Subject::Case(i / 10), "case.transition", serde_json::json!({"i": i}))).collect();
        store.append_events(events, By { at: 1_790_000_000_000_000, user_id: Some(1), unit_id: Some(1) }).await.unwrap();
        let size = store.audit_size().await.unwrap();
        let wal = dir.path().join("xiezhi.db-wal");
        let wal_len = || wal.metadata().map_or(0, |m| m.len());
        assert!(wal_len() > 0, "commits go to the WAL first");
        store.close().await;
        assert_eq!(wal_len(), 0, "the WAL is copied back and emptied");

        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::copy(dir.path().join("xiezhi.db"), elsewhere.path().join("xiezhi.db")).unwrap();
        let copy = SqlStore::open_data_dir(elsewhere.path()).await.unwrap();
        assert_eq!(copy.audit_size().await.unwrap(), size, "the database file alone holds every event");
        assert_eq!(copy.leaf_hashes(0, size).await.unwrap().len() as u64, size);
    }

    /// A reader in another process that holds its snapshot does not hang the stop: the pages stay
    /// in the WAL, and nothing is lost.
    #[tokio::test]
    async fn a_reader_that_stays_keeps_the_wal_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_data_dir(dir.path()).await.unwrap();
        let events = (0..500).map(|i| NewEvent::new(Subject::Case(i), "case.transition", serde_json::json!({"i": i}))).collect();
        store.append_events(events, By { at: 1_790_000_000_000_000, user_id: None, unit_id: None }).await.unwrap();
        let size = store.audit_size().await.unwrap();
        let reader = rusqlite::Connection::open(dir.path().join("xiezhi.db")).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let seen: i64 = reader.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        let more = (0..500).map(|i| NewEvent::new(Subject::Case(i), "case.transition", serde_json::json!({"j": i}))).collect();
        store.append_events(more, By { at: 1_790_000_000_000_001, user_id: None, unit_id: None }).await.unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(60), store.close()).await.expect("close does not hang on a reader");
        assert!(std::fs::metadata(dir.path().join("xiezhi.db-wal")).unwrap().len() > 0, "the pages the reader may need stay in the WAL");
        reader.execute_batch("COMMIT").unwrap();
        drop(reader);
        assert_eq!(seen as u64, size);
        let again = SqlStore::open_data_dir(dir.path()).await.unwrap();
        assert_eq!(again.audit_size().await.unwrap(), size + 500, "every acknowledged event is there");
    }
}
