//! Reading the audit log: events, leaf hashes, tiles, checkpoints and cosignatures, and
//! [`AuditLog`]. Events are appended by each write in its own transaction ([`crate::audit`]).

use crate::audit::{append, NewEvent};
use crate::audit::{fetch_nodes, EventRow, EVENT_COLS};
use crate::org::UnitRow;
use crate::org::UNIT_COLS;
use crate::people::UserRow;
use crate::people::{TokenRow, USER_COLS};
use crate::sql::region_range;
use crate::{model::*, Result, SqlStore, StoreError};
use sqlx::FromRow;
use std::future::Future;

/// The audit log as stored: what verifiers, auditors and the integrity checks read.
pub trait AuditLog {
    /// Number of leaves (events).
    fn audit_size(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Events with index in `start..end`, as stored now.
    fn events(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Record events that stand on their own (imported history, load generation), in one transaction.
    fn append_events(&self, events: Vec<NewEvent>, by: By) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Events whose subject lies in `from..to` (e.g. `"unit:".."unit;"`, every unit), with index
    /// after `after`, oldest first, at most `limit` (≤ 10,000): for replaying a whole kind.
    fn events_in_subjects(&self, from: &str, to: &str, after: i64, limit: i64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Every unit, user (with the stored password hash) and API token (with the stored token
    /// hash) as stored now: what the organisation's integrity check compares with the log.
    fn organisation_rows(&self) -> impl Future<Output = Result<OrganisationRows>> + Send;
    /// The events about one subject (e.g. `unit:12`), oldest first.
    fn events_of(&self, subject: &str, limit: i64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// What a unit did: its events on subjects beginning with `subject_prefix` (`case:`), newest
    /// first, one page.
    fn unit_events(&self, unit_id: i64, subject_prefix: &str, limit: i64, offset: i64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Events for an auditor to browse, newest first: those of units in a region subtree (and,
    /// for the whole province, the system's own), narrowed by subject, kind family or actor.
    fn browse_events(&self, q: EventQuery) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// The leaf hash of each event with index in `start..end`, recomputed from the event as stored
    /// now, in order. Computed where the rows are read (on SQLite by a plain reader thread off the
    /// pool): verification streams millions of them.
    fn event_leaf_hashes(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<(u64, xiezhi_audit::Hash)>>> + Send;
    /// Stored leaf hashes for indexes `start..end`, in order.
    fn leaf_hashes(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<(u64, xiezhi_audit::Hash)>>> + Send;
    /// For each range `start..end` that `next` hands out, until it hands out `None`: both of the
    /// above — recomputed, then stored — handed to `f(start, end, recomputed, stored)` on the
    /// thread that read them, so a verifier's hashing runs there too; `f`'s answers in order.
    /// On SQLite one blocking thread reads every range, each from one snapshot, into buffers kept
    /// between ranges, without handing work to another thread in between: a verifier runs one
    /// call per core, sharing `next`.
    fn with_leaf_ranges<R, N, F>(&self, next: N, f: F) -> impl Future<Output = Result<Vec<R>>> + Send
    where
        R: Send + 'static,
        N: FnMut() -> Option<(u64, u64)> + Send + 'static,
        F: FnMut(u64, u64, &[(u64, xiezhi_audit::Hash)], &[(u64, xiezhi_audit::Hash)]) -> R + Send + 'static;
    /// Stored complete-subtree hashes (absent addresses are left out).
    fn audit_nodes(
        &self,
        nodes: &[xiezhi_audit::Node],
    ) -> impl Future<Output = Result<std::collections::HashMap<xiezhi_audit::Node, xiezhi_audit::Hash>>> + Send;
    /// Store a signed checkpoint (idempotent per tree size).
    fn add_checkpoint(&self, cp: StoredCheckpoint) -> impl Future<Output = Result<()>> + Send;
    fn checkpoint(&self, tree_size: Option<i64>) -> impl Future<Output = Result<Option<StoredCheckpoint>>> + Send;
    fn checkpoints(&self, limit: i64) -> impl Future<Output = Result<Vec<StoredCheckpoint>>> + Send;
    /// Signed checkpoints with tree size below `before`, newest first, at most `limit` (≤ 10,000):
    /// for walking every checkpoint ever signed.
    fn checkpoints_before(&self, before: i64, limit: i64) -> impl Future<Output = Result<Vec<StoredCheckpoint>>> + Send;
    fn add_cosignature(&self, c: StoredCosignature) -> impl Future<Output = Result<()>> + Send;
    fn cosignatures(&self, tree_sizes: &[i64]) -> impl Future<Output = Result<Vec<StoredCosignature>>> + Send;
}

impl AuditLog for SqlStore {
    async fn audit_size(&self) -> Result<u64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq) + 1, 0) FROM events").fetch_one(&self.reader).await?;
        Ok(n as u64)
    }

    async fn events(&self, start: u64, end: u64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq"))
            .bind(start as i64)
            .bind(end as i64)
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn append_events(&self, events: Vec<NewEvent>, by: By) -> Result<Vec<i64>> {
        if let Some(native) = &self.native {
            let (_, leaves) =
                native.run(Some(events), move |conn, events| crate::engine::native::append_groups(conn, vec![(by, events.take().unwrap_or_default())])).await;
            return Ok(leaves?.pop().unwrap_or_default());
        }
        let mut tx = self.pool.begin().await?;
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(leaves)
    }

    async fn events_in_subjects(&self, from: &str, to: &str, after: i64, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> =
            sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE subject >= $1 AND subject < $2 AND seq > $3 ORDER BY seq LIMIT $4"))
                .bind(from)
                .bind(to)
                .bind(after)
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn organisation_rows(&self) -> Result<OrganisationRows> {
        let units: Vec<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units ORDER BY id")).fetch_all(&self.reader).await?;
        #[derive(FromRow)]
        struct UserHash {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let users: Vec<UserHash> = sqlx::query_as(&format!("SELECT {USER_COLS}, password_hash FROM users ORDER BY id")).fetch_all(&self.reader).await?;
        #[derive(FromRow)]
        struct TokenHash {
            #[sqlx(flatten)]
            token: TokenRow,
            token_hash: String,
        }
        let tokens: Vec<TokenHash> = sqlx::query_as("SELECT id, user_id, name, created_at, last_used_at, revoked_at, token_hash FROM api_tokens ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        Ok(OrganisationRows {
            units: units.into_iter().map(Unit::try_from).collect::<Result<_>>()?,
            users: users.into_iter().map(|u| (User::from(u.user), u.password_hash)).collect(),
            tokens: tokens.into_iter().map(|t| (ApiToken::from(t.token), t.token_hash)).collect(),
        })
    }

    async fn events_of(&self, subject: &str, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE subject = $1 ORDER BY seq LIMIT $2"))
            .bind(subject)
            .bind(limit.clamp(1, 10_000))
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn unit_events(&self, unit_id: i64, subject_prefix: &str, limit: i64, offset: i64) -> Result<Vec<Event>> {
        // The prefix is ours (`case:`), never a reader's text: no LIKE escaping needed.
        let rows: Vec<EventRow> =
            sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE unit_id = $1 AND subject LIKE $2 ORDER BY seq DESC LIMIT $3 OFFSET $4"))
                .bind(unit_id)
                .bind(format!("{subject_prefix}%"))
                .bind(limit.clamp(1, 1000))
                .bind(offset.max(0))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn browse_events(&self, q: EventQuery) -> Result<Vec<Event>> {
        let (lo, hi) = region_range(&q.region_prefix);
        let cols = EVENT_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {cols} FROM events e LEFT JOIN units u ON u.id = e.unit_id \
             WHERE ((u.region >= $1 AND u.region <= $2) OR ($3 = 1 AND e.unit_id IS NULL)) \
             AND ($4 = '' OR e.subject = $4) AND ($5 = '' OR e.kind LIKE $6) AND ($7 = 0 OR e.actor_user_id = $8) AND e.seq < $9 \
             ORDER BY e.seq DESC LIMIT $10"
        ))
        .bind(lo)
        .bind(hi)
        .bind(i64::from(q.with_system))
        .bind(q.subject.clone().unwrap_or_default())
        .bind(q.family.clone().unwrap_or_default())
        .bind(format!("{}.%", q.family.unwrap_or_default()))
        .bind(i64::from(q.actor_user_id.is_some()))
        .bind(q.actor_user_id.unwrap_or_default())
        .bind(q.before.unwrap_or(i64::MAX))
        .bind(q.limit.clamp(1, 500))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn event_leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<(u64, xiezhi_audit::Hash)>> {
        if self.sqlite_file.is_some() {
            return self
                .on_bulk_reader(move |r| {
                    r.read(start, end, false)?;
                    Ok(r.recomputed().to_vec())
                })
                .await;
        }
        if let Some(url) = &self.pg_url {
            let pool = self.bulk_pg.get_or_try_init(|| sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(url)).await?;
            let sql = format!(
                "COPY (SELECT {EVENT_COLS} FROM events WHERE seq >= {start} AND seq < {end} ORDER BY seq) \
                 TO STDOUT (FORMAT binary)"
            );
            let mut stream = sqlx::postgres::PgPoolCopyExt::copy_out_raw(pool, &sql).await?;
            let mut data = Vec::new();
            while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
                data.extend_from_slice(&chunk?);
            }
            return tokio::task::spawn_blocking(move || crate::engine::bulk::copy_leaf_hashes(&data))
                .await
                .map_err(|e| StoreError::Invalid(format!("leaf reader stopped: {e}")))?;
        }
        let events = self.events(start, end).await?;
        Ok(events.iter().map(|e| (e.seq as u64, xiezhi_audit::leaf_hash(&e.leaf_input()))).collect())
    }

    async fn leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<(u64, xiezhi_audit::Hash)>> {
        let mut conn = self.reader.acquire().await?;
        crate::audit::leaf_hashes(&mut conn, start, end).await
    }

    async fn with_leaf_ranges<R, N, F>(&self, mut next: N, mut f: F) -> Result<Vec<R>>
    where
        R: Send + 'static,
        N: FnMut() -> Option<(u64, u64)> + Send + 'static,
        F: FnMut(u64, u64, &[(u64, xiezhi_audit::Hash)], &[(u64, xiezhi_audit::Hash)]) -> R + Send + 'static,
    {
        if self.sqlite_file.is_some() {
            return self
                .on_bulk_reader(move |r| {
                    let mut answers = Vec::new();
                    while let Some((start, end)) = next() {
                        r.read(start, end, true)?;
                        answers.push(f(start, end, r.recomputed(), r.stored()));
                    }
                    Ok(answers)
                })
                .await;
        }
        let mut answers = Vec::new();
        while let Some((start, end)) = next() {
            let (recomputed, stored) = tokio::try_join!(self.event_leaf_hashes(start, end), self.leaf_hashes(start, end))?;
            let (back, answer) = tokio::task::spawn_blocking(move || {
                let answer = f(start, end, &recomputed, &stored);
                (f, answer)
            })
            .await
            .map_err(|e| StoreError::Invalid(format!("leaf check stopped: {e}")))?;
            f = back;
            answers.push(answer);
        }
        Ok(answers)
    }

    async fn audit_nodes(&self, nodes: &[xiezhi_audit::Node]) -> Result<std::collections::HashMap<xiezhi_audit::Node, xiezhi_audit::Hash>> {
        let mut conn = self.reader.acquire().await?;
        fetch_nodes(&mut conn, nodes).await
    }

    async fn add_checkpoint(&self, cp: StoredCheckpoint) -> Result<()> {
        sqlx::query("INSERT INTO audit_checkpoints (tree_size, root, at, note) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING")
            .bind(cp.tree_size)
            .bind(cp.root.to_vec())
            .bind(cp.at)
            .bind(cp.note)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn checkpoint(&self, tree_size: Option<i64>) -> Result<Option<StoredCheckpoint>> {
        let row: Option<(i64, Vec<u8>, i64, String)> = match tree_size {
            Some(n) => {
                sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints WHERE tree_size = $1").bind(n).fetch_optional(&self.reader).await?
            }
            None => {
                sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1").fetch_optional(&self.reader).await?
            }
        };
        row.map(checkpoint_from_row).transpose()
    }

    async fn checkpoints(&self, limit: i64) -> Result<Vec<StoredCheckpoint>> {
        let rows: Vec<(i64, Vec<u8>, i64, String)> = sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT $1")
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(checkpoint_from_row).collect()
    }

    async fn checkpoints_before(&self, before: i64, limit: i64) -> Result<Vec<StoredCheckpoint>> {
        let rows: Vec<(i64, Vec<u8>, i64, String)> =
            sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints WHERE tree_size < $1 ORDER BY tree_size DESC LIMIT $2")
                .bind(before)
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.reader)
                .await?;
        rows.into_iter().map(checkpoint_from_row).collect()
    }

    async fn add_cosignature(&self, c: StoredCosignature) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_cosignatures (tree_size, witness, line, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tree_size, witness) DO UPDATE SET line = excluded.line, at = excluded.at",
        )
        .bind(c.tree_size)
        .bind(c.witness)
        .bind(c.line)
        .bind(c.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn cosignatures(&self, tree_sizes: &[i64]) -> Result<Vec<StoredCosignature>> {
        if tree_sizes.is_empty() {
            return Ok(vec![]);
        }
        let marks: Vec<String> = (1..=tree_sizes.len()).map(|i| format!("${i}")).collect();
        let sql =
            format!("SELECT tree_size, witness, line, at FROM audit_cosignatures WHERE tree_size IN ({}) ORDER BY tree_size DESC, witness", marks.join(", "));
        let mut q = sqlx::query_as::<_, (i64, String, String, i64)>(&sql);
        for n in tree_sizes {
            q = q.bind(*n);
        }
        Ok(q.fetch_all(&self.reader).await?.into_iter().map(|(tree_size, witness, line, at)| StoredCosignature { tree_size, witness, line, at }).collect())
    }
}

fn checkpoint_from_row((tree_size, root, at, note): (i64, Vec<u8>, i64, String)) -> Result<StoredCheckpoint> {
    let root: [u8; 32] = root.try_into().map_err(|_| StoreError::Invalid(format!("checkpoint {tree_size} root is not 32 bytes")))?;
    Ok(StoredCheckpoint { tree_size, root, at, note })
}
