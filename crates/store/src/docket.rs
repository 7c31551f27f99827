//! The docket: every piece of work, whatever its kind, in one table the database keeps in the
//! transaction that writes the item (triggers on `cases`, `disputes` and `tickets`, migration
//! 0031), with counters by region, kind and stage kept the same way. Lists of work across kinds
//! and the counts supervisors read come from here.

use crate::filters::{bind_all, Where, P};
use crate::sql::{region_range, Backend, SqlStore};
use crate::Result;
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;

/// The kinds of work the docket holds, as stored.
pub const KINDS: [&str; 3] = ["case", "dispute", "ticket"];

/// One piece of work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct DocketItem {
    /// `case`, `dispute` or `ticket`.
    pub kind: String,
    pub item_id: i64,
    /// The case number, the dispute's code or the work order's number.
    pub number: String,
    pub title: String,
    pub region: String,
    pub stage: String,
    /// 1 until the item is closed.
    pub active: i64,
    /// The unit whose move it is (the receiver while a hand-over waits to be signed for).
    pub next_unit_id: i64,
    pub holder_unit_id: i64,
    /// 1 while a hand-over waits to be signed for by `next_unit_id` (a case's stays with the
    /// receiver after it signs for it, until it decides).
    pub awaiting_receipt: i64,
    pub due_date: Option<String>,
    pub due_provisional: i64,
    /// When the item last moved (its stage, whose move, its holder or its due date changed).
    pub updated_at: i64,
    /// What the hand-over waiting with `next_unit_id` asks of it, in its kind's words: a case's
    /// hand-over kind (`arrest_request`, `prosecution`, …), a dispute's referral kind or `report`;
    /// none while nothing is handed over.
    pub task: Option<String>,
}

/// How many items a region has of one kind in one stage (from the counters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct DocketCount {
    pub region: String,
    pub kind: String,
    pub stage: String,
    pub items: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DocketSort {
    /// The earliest due date first (items without a clock last).
    #[default]
    Due,
    /// The most recently changed first.
    Updated,
}

#[derive(Debug, Clone, Default)]
pub struct DocketFilter {
    /// Items whose move is this unit's.
    pub next_unit_id: Option<i64>,
    /// Items in this region subtree (code prefix).
    pub region_prefix: Option<String>,
    /// Of these kinds only (every kind when empty).
    pub kinds: Vec<String>,
    /// Only items not closed.
    pub active_only: bool,
    /// Only items waiting to be signed for (`Some(true)`), or only those not (`Some(false)`).
    pub awaiting_receipt: Option<bool>,
    /// With a due date on or before (`YYYY-MM-DD`).
    pub due_by: Option<String>,
    /// With a due date on or after.
    pub due_from: Option<String>,
    /// Number or title contains this (ASCII case-insensitive).
    pub text: Option<String>,
    pub sort: DocketSort,
    /// 1–1,000 (100 when not set).
    pub limit: i64,
    pub offset: i64,
}

/// The docket's part of the store.
pub trait DocketStore {
    /// Items matching the filter, in its order, one page.
    fn docket(&self, filter: DocketFilter) -> impl Future<Output = Result<Vec<DocketItem>>> + Send;
    /// How many items match the filter (its page ignored).
    fn docket_count(&self, filter: DocketFilter) -> impl Future<Output = Result<i64>> + Send;
    /// Items matching the filter by kind: (kind, items).
    fn docket_count_by_kind(&self, filter: DocketFilter) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
    /// Items matching the filter by region, kind and stage (counted, not from the counters: for
    /// what the counters cannot keep, such as how many are overdue today).
    fn docket_tally(&self, filter: DocketFilter) -> impl Future<Output = Result<Vec<DocketCount>>> + Send;
    /// The counters of a region subtree (code prefix): items by region, kind and stage, none at
    /// zero. Read from the counters the database keeps with every write, not by counting items.
    fn docket_counts(&self, region_prefix: &str) -> impl Future<Output = Result<Vec<DocketCount>>> + Send;
    /// The counters counted afresh from the docket, for checking them (`xiezhi rebuild --check`).
    fn docket_counts_recounted(&self) -> impl Future<Output = Result<Vec<DocketCount>>> + Send;
    /// Docket rows that differ from what their items' rows say (or are missing, or have no item),
    /// as `kind:id`, at most `limit`: for checking the docket (`xiezhi rebuild --check`).
    fn docket_mismatches(&self, limit: i64) -> impl Future<Output = Result<Vec<String>>> + Send;
}

const COLS: &str = "d.kind, d.item_id, d.number, d.title, d.region, d.stage, d.active, d.next_unit_id, d.holder_unit_id, d.awaiting_receipt, \
                    d.due_date, d.due_provisional, d.updated_at, d.task";

fn conditions(f: &DocketFilter) -> Where {
    let mut w = Where::new();
    if let Some(u) = f.next_unit_id {
        w.and(" AND d.next_unit_id = ?", P::I(u));
    }
    match f.region_prefix.as_deref() {
        // A whole province is most of the docket: said so that no index is used for it, and the
        // planner takes the due date's (SQLite would otherwise take the region's and sort).
        Some(prefix) if prefix.len() <= 2 && !prefix.is_empty() => w.and(&format!(" AND substr(d.region, 1, {}) = ?", prefix.len()), P::S(prefix.to_string())),
        Some("") | None => {}
        Some(prefix) => w.region("d.region", prefix),
    }
    if !f.kinds.is_empty() {
        w.raw(" AND (");
        for (i, k) in f.kinds.iter().enumerate() {
            w.and(if i == 0 { "d.kind = ?" } else { " OR d.kind = ?" }, P::S(k.clone()));
        }
        w.raw(")");
    }
    if f.active_only {
        w.raw(" AND d.active = 1");
    }
    match f.awaiting_receipt {
        Some(true) => w.raw(" AND d.awaiting_receipt = 1"),
        Some(false) => w.raw(" AND d.awaiting_receipt = 0"),
        None => {}
    }
    if let Some(due) = &f.due_by {
        // As the indexes have it (an item without a due date is never due by a date).
        w.and(" AND COALESCE(d.due_date, '~') <= ?", P::S(due.clone()));
    }
    if let Some(due) = &f.due_from {
        w.and(" AND d.due_date >= ?", P::S(due.clone()));
    }
    if let Some(text) = f.text.as_ref().filter(|t| !t.is_empty()) {
        w.contains_any(&["lower(d.number)", "lower(d.title)"], text);
    }
    w
}

/// A value from an item's state, in a backend's dialect: `path` as `handover.received`.
fn state_at(backend: Backend, path: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_extract(state, '$.{path}')"),
        Backend::Postgres => format!("(state::json #>> '{{{}}}')", path.replace('.', ",")),
    }
}

/// What each kind's row says its docket row is, one SELECT per kind: the triggers' rules, in the
/// form the check compares with.
fn expected(backend: Backend) -> String {
    EXPECTED
        .replace("⟨unreceived⟩", &format!("{} IS NULL", state_at(backend, "handover.received")))
        .replace("⟨handover⟩", &state_at(backend, "handover.kind"))
        .replace("⟨referral⟩", &state_at(backend, "referral.kind"))
}

const EXPECTED: &str = "SELECT 'case' AS kind, id AS item_id, case_no AS number, title, region, stage, \
            CASE WHEN stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END AS active, \
            COALESCE(pending_unit_id, holder_unit_id) AS next_unit_id, holder_unit_id, \
            CASE WHEN pending_unit_id IS NOT NULL AND ⟨unreceived⟩ THEN 1 ELSE 0 END AS awaiting_receipt, \
            due_date, due_provisional, CASE WHEN pending_unit_id IS NULL THEN NULL ELSE ⟨handover⟩ END AS task FROM cases \
     UNION ALL SELECT 'dispute', id, code, title, region, stage, CASE WHEN stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END, \
            COALESCE(pending_unit_id, holder_unit_id), holder_unit_id, CASE WHEN pending_unit_id IS NULL THEN 0 ELSE 1 END, \
            due_date, due_provisional, CASE WHEN pending_unit_id IS NULL THEN NULL ELSE COALESCE(⟨referral⟩, 'report') END FROM disputes \
     UNION ALL SELECT 'ticket', id, ticket_no, title, region, stage, CASE WHEN stage IN ('closed', 'terminated') THEN 0 ELSE 1 END, \
            COALESCE(pending_unit_id, lead_unit_id, centre_unit_id), COALESCE(lead_unit_id, centre_unit_id), CASE WHEN stage = 'dispatched' THEN 1 ELSE 0 END, \
            due_date, due_provisional, NULL FROM tickets";

impl DocketStore for SqlStore {
    async fn docket(&self, f: DocketFilter) -> Result<Vec<DocketItem>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
        let mut w = conditions(&f);
        w.raw(match f.sort {
            DocketSort::Due => " ORDER BY COALESCE(d.due_date, '~'), d.kind, d.item_id",
            DocketSort::Updated => " ORDER BY d.updated_at DESC, d.kind, d.item_id DESC",
        });
        w.page(limit, f.offset);
        let sql = format!("SELECT {COLS} FROM docket d{}", w.sql);
        Ok(bind_all(sqlx::query_as::<_, DocketItem>(&sql), w.params).fetch_all(&self.reader).await?)
    }

    async fn docket_count(&self, f: DocketFilter) -> Result<i64> {
        let w = conditions(&f);
        let (n,): (i64,) = bind_all(sqlx::query_as(&format!("SELECT COUNT(*) FROM docket d{}", w.sql)), w.params).fetch_one(&self.reader).await?;
        Ok(n)
    }

    async fn docket_count_by_kind(&self, f: DocketFilter) -> Result<Vec<(String, i64)>> {
        let w = conditions(&f);
        let sql = format!("SELECT d.kind, COUNT(*) FROM docket d{} GROUP BY d.kind ORDER BY d.kind", w.sql);
        Ok(bind_all(sqlx::query_as(&sql), w.params).fetch_all(&self.reader).await?)
    }

    async fn docket_tally(&self, f: DocketFilter) -> Result<Vec<DocketCount>> {
        let w = conditions(&f);
        let sql = format!(
            "SELECT d.region, d.kind, d.stage, COUNT(*) AS items FROM docket d{} GROUP BY d.region, d.kind, d.stage ORDER BY d.region, d.kind, d.stage",
            w.sql
        );
        Ok(bind_all(sqlx::query_as(&sql), w.params).fetch_all(&self.reader).await?)
    }

    async fn docket_counts(&self, region_prefix: &str) -> Result<Vec<DocketCount>> {
        let (lo, hi) = region_range(region_prefix);
        Ok(sqlx::query_as(
            "SELECT region, kind, stage, items FROM docket_counts WHERE region >= $1 AND region <= $2 AND items <> 0 ORDER BY region, kind, stage",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.reader)
        .await?)
    }

    async fn docket_counts_recounted(&self) -> Result<Vec<DocketCount>> {
        Ok(sqlx::query_as("SELECT region, kind, stage, COUNT(*) AS items FROM docket GROUP BY region, kind, stage ORDER BY region, kind, stage")
            .fetch_all(&self.reader)
            .await?)
    }

    async fn docket_mismatches(&self, limit: i64) -> Result<Vec<String>> {
        // Rows in one and not the other, either way round: a missing docket row, a stale one, one
        // whose item is gone. (Not `updated_at`: the docket's is when the item last moved.)
        let cols = COLS.replace(", d.updated_at", "");
        let sql = format!(
            "SELECT kind, item_id FROM (SELECT * FROM ({e}) x EXCEPT SELECT {cols} FROM docket d) a \
             UNION SELECT kind, item_id FROM (SELECT {cols} FROM docket d EXCEPT SELECT * FROM ({e}) y) b \
             ORDER BY 1, 2 LIMIT $1",
            e = expected(self.backend),
        );
        let rows: Vec<(String, i64)> = sqlx::query_as(&sql).bind(limit.clamp(1, 10_000)).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(|(k, id)| format!("{k}:{id}")).collect())
    }
}

#[cfg(test)]
mod tests {
    /// The triggers and the check say which stages are closed in SQL; they must say what the
    /// machines say.
    #[test]
    fn closed_stages_in_sql_are_the_machines_closed_stages() {
        use xiezhi_core::{case, dispute, ticket};
        let closed = |names: Vec<&str>| format!("stage IN ({})", names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "));
        let kinds = [
            closed(case::Stage::ALL.iter().filter(|s| s.is_closed()).map(|s| s.as_str()).collect()),
            closed(dispute::Stage::ALL.iter().filter(|s| s.is_closed()).map(|s| s.as_str()).collect()),
            closed(ticket::Stage::ALL.iter().filter(|s| s.is_closed()).map(|s| s.as_str()).collect()),
        ];
        // The check and 0031 hold every kind's rules; 0032 rewrote those of cases and disputes.
        let files = [
            (super::EXPECTED, 3),
            (include_str!("../migrations/sqlite/0031_docket.sql"), 3),
            (include_str!("../migrations/postgres/0031_docket.sql"), 3),
            (include_str!("../migrations/sqlite/0032_docket_task.sql"), 2),
            (include_str!("../migrations/postgres/0032_docket_task.sql"), 2),
        ];
        for (text, n) in files {
            for k in &kinds[..n] {
                assert!(text.contains(k.as_str()), "{k} is not in {}", &text[..60]);
            }
        }
    }
}
