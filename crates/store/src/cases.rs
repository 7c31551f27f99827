//! Criminal cases: their rows, their SQL for both backends and [`CaseStore`]. Writes go through
//! the group-commit engine ([`crate::batch`]).

use crate::batch::{CaseJob, CaseWritten};
use crate::sql::{corrupt, region_range, Backend};
use crate::{model::*, Result, SqlStore, StoreError};
use sqlx::FromRow;
use std::future::Future;

const CASE_COLS: &str =
    "id, case_no, title, region, stage, holder_unit_id, pending_unit_id, notice_unit_id, held_since, charge, in_custody, due_date, due_provisional, version, state, updated_at";

#[derive(FromRow)]
struct CaseUnitsRow {
    #[sqlx(flatten)]
    case: CaseRow,
    units: Option<String>,
}

#[derive(FromRow)]
struct CaseRow {
    id: i64,
    case_no: String,
    title: String,
    region: String,
    stage: String,
    holder_unit_id: i64,
    pending_unit_id: Option<i64>,
    notice_unit_id: Option<i64>,
    held_since: Option<String>,
    charge: Option<String>,
    in_custody: i64,
    due_date: Option<String>,
    due_provisional: i64,
    version: i64,
    state: String,
    updated_at: i64,
}

impl From<CaseRow> for CaseRecord {
    fn from(r: CaseRow) -> Self {
        CaseRecord {
            id: r.id,
            case_no: r.case_no,
            title: r.title,
            region: r.region,
            stage: r.stage,
            holder_unit_id: r.holder_unit_id,
            pending_unit_id: r.pending_unit_id,
            notice_unit_id: r.notice_unit_id,
            held_since: r.held_since,
            charge: r.charge,
            in_custody: r.in_custody != 0,
            due_date: r.due_date,
            due_provisional: r.due_provisional != 0,
            version: r.version,
            state: r.state,
            updated_at: r.updated_at,
        }
    }
}

/// Criminal cases: written through the group-commit engine, read by id, listed and counted.
pub trait CaseStore {
    fn create_case(&self, write: CaseWrite, by: By) -> impl Future<Output = Result<Recorded<CaseWritten>>> + Send;
    /// Apply a decided change if the case is still at `version` (otherwise `Conflict`); returns the
    /// new version. Case writes are group-committed: acknowledged means durable.
    fn update_case(&self, id: i64, version: i64, write: CaseWrite, by: By) -> impl Future<Output = Result<Recorded<CaseWritten>>> + Send;
    /// The case as this process last read or wrote it (within the last minute), for deciding a
    /// change without reading it again. It may be behind a change made by another process: the
    /// write's version check refuses a decision made on it, and the caller reads afresh.
    fn remembered_case(&self, id: i64) -> Option<(CaseRecord, Vec<i64>)>;
    /// Insert whole cases with their history, many in one transaction (demo data, migrations).
    fn import_cases(&self, writes: Vec<CaseWrite>, by: By) -> impl Future<Output = Result<usize>> + Send;
    /// Continue every unit's registers for `year` after serial `last` at least: numbers given
    /// outside the registers (the demo's) are never given again.
    fn raise_serials(&self, year: i32, last: i64) -> impl Future<Output = Result<()>> + Send;
    /// Case ids after `after`, in order, for walking every case.
    fn case_ids(&self, after: i64, limit: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Overwrite a case's projection (not its events or version): for rebuilding read models.
    fn restore_case(&self, id: i64, write: CaseWrite) -> impl Future<Output = Result<()>> + Send;
    fn case(&self, id: i64) -> impl Future<Output = Result<Option<CaseRecord>>> + Send;
    /// A case and the units that hold or held it (those that may see it), in one read.
    fn case_with_units(&self, id: i64) -> impl Future<Output = Result<Option<(CaseRecord, Vec<i64>)>>> + Send;
    /// What a case's row holds beyond its record, for checking the read model: the text a list's
    /// search looks in, and the day of registration.
    fn case_search(&self, id: i64) -> impl Future<Output = Result<(String, Option<String>)>> + Send;
    fn case_units(&self, id: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Cases matching the filter, soonest due first. Lists carry no state snapshot (`state` is
    /// empty); read one case for that.
    fn cases(&self, filter: CaseFilter) -> impl Future<Output = Result<Vec<CaseRecord>>> + Send;
    /// Case counts by region and stage, for the filter's unit or region subtree; and, of those,
    /// how many have a clock due by `filter.due_by` (when given).
    fn case_counts(&self, filter: CaseFilter) -> impl Future<Output = Result<Vec<CaseCount>>> + Send;
    /// Open cases in a region subtree (code prefix) by charge, most first.
    fn charge_counts(&self, region_prefix: &str) -> impl Future<Output = Result<Vec<ChargeCount>>> + Send;
    /// Cases registered in a region subtree from `from` to `to` (`YYYY-MM-DD`, both included),
    /// by charge, most first.
    fn charge_tallies(&self, region_prefix: &str, from: &str, to: &str) -> impl Future<Output = Result<Vec<ChargeTally>>> + Send;
    /// Ids of cases whose earliest due date is provisional, or falls between `from` and `to`
    /// (`YYYY-MM-DD`, inclusive), after `after`, in order: what a newly loaded calendar year may move.
    fn cases_to_recompute(&self, from: &str, to: &str, after: i64, limit: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;
}

impl CaseStore for SqlStore {
    async fn create_case(&self, w: CaseWrite, by: By) -> Result<Recorded<crate::CaseWritten>> {
        let at = w.event_times.last().copied().unwrap_or(by.at);
        let (mut after, units, claim) = (CaseRecord::written(0, w.events.len() as i64, &w, at), crate::cache::units_after(vec![], &w.units), w.claim.clone());
        let outcome = self.submit(CaseJob::Create { write: w, by }).await;
        if let Ok(done) = &outcome {
            after.id = done.value.id;
            after.settle(claim.as_ref(), done.value.number.as_deref());
            self.cache.cases.remember(after, units);
        }
        outcome
    }

    async fn update_case(&self, id: i64, version: i64, w: CaseWrite, by: By) -> Result<Recorded<crate::CaseWritten>> {
        let before = self.cache.cases.at(id, version);
        let after = before.map(|(_, units)| {
            (CaseRecord::written(id, version + w.events.len() as i64, &w, by.at), crate::cache::units_after(units, &w.units), w.claim.clone())
        });
        let outcome = self.submit(CaseJob::Update { id, version, write: w, by }).await;
        let after = after.map(|(mut record, units, claim)| {
            move |done: &Recorded<crate::CaseWritten>| {
                record.settle(claim.as_ref(), done.value.number.as_deref());
                (record, units)
            }
        });
        self.cache.cases.written(id, &outcome, after);
        outcome
    }

    fn remembered_case(&self, id: i64) -> Option<(CaseRecord, Vec<i64>)> {
        self.cache.cases.get(&id)
    }

    async fn import_cases(&self, writes: Vec<CaseWrite>, by: By) -> Result<usize> {
        let n = writes.len();
        let jobs: Vec<CaseJob> = writes.into_iter().map(|write| CaseJob::Create { write, by }).collect();
        let all = |outcomes: Vec<Result<Recorded<crate::batch::CaseWritten>>>| outcomes.into_iter().try_for_each(|o| o.map(drop));
        if let Some(native) = &self.native {
            // Any refused case refuses the whole import: the closure's error rolls it back.
            return native.run(jobs, move |conn, jobs| all(crate::engine::native::write_cases(conn, jobs)?)).await.1.map(|()| n);
        }
        let mut tx = self.pool.begin().await?;
        all(crate::batch::write_cases(&mut tx, &jobs).await?)?;
        tx.commit().await?;
        Ok(n)
    }

    async fn raise_serials(&self, year: i32, last: i64) -> Result<()> {
        let registers =
            xiezhi_core::case::numbering::Register::ALL.iter().map(|r| format!("SELECT '{}' AS register", r.code())).collect::<Vec<_>>().join(" UNION ALL ");
        let sql = format!(
            "INSERT INTO serials (unit_id, register, year, last) SELECT u.id, r.register, $1, $2 FROM units u CROSS JOIN ({registers}) r WHERE true \
             ON CONFLICT (unit_id, register, year) DO UPDATE SET last = CASE WHEN excluded.last > serials.last THEN excluded.last ELSE serials.last END"
        );
        sqlx::query(&sql).bind(i64::from(year)).bind(last).execute(&self.pool).await?;
        Ok(())
    }

    async fn case_ids(&self, after: i64, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2").bind(after).bind(limit.clamp(1, 10_000)).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn restore_case(&self, id: i64, w: CaseWrite) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // The docket's counters move when this commits (deferred triggers); like every write
            // that appends to the log, hold the log's lock then, so writers never take counter
            // rows in opposite orders.
            sqlx::query("SELECT pg_advisory_xact_lock(6962)").execute(&mut *tx).await?;
        }
        let done = sqlx::query("UPDATE cases SET case_no = $1, title = $2, region = $3, stage = $4, holder_unit_id = $5, pending_unit_id = $6, in_custody = $7, due_date = $8, state = $9, due_provisional = $11, search = $12, notice_unit_id = $13, held_since = $14, charge = $15, registered_on = COALESCE($16, registered_on) WHERE id = $10")
            .bind(&w.case_no)
            .bind(&w.title)
            .bind(w.region.to_string())
            .bind(&w.stage)
            .bind(w.holder_unit_id)
            .bind(w.pending_unit_id)
            .bind(i64::from(w.in_custody))
            .bind(&w.due_date)
            .bind(&w.state)
            .bind(id)
            .bind(i64::from(w.due_provisional))
            .bind(&w.search)
            .bind(w.notice_unit_id)
            .bind(&w.held_since)
            .bind(&w.charge)
            .bind(&w.registered_on)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("case"));
        }
        sqlx::query("DELETE FROM case_units WHERE case_id = $1").bind(id).execute(&mut *tx).await?;
        for unit in &w.units {
            sqlx::query("INSERT INTO case_units (case_id, unit_id) VALUES ($1, $2) ON CONFLICT (case_id, unit_id) DO NOTHING")
                .bind(id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // Not remembered as it was before (a read meanwhile may have remembered the old row).
        self.cache.cases.remove(&id);
        Ok(())
    }

    async fn case(&self, id: i64) -> Result<Option<CaseRecord>> {
        let row: Option<CaseRow> = sqlx::query_as(&format!("SELECT {CASE_COLS} FROM cases WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        Ok(row.map(CaseRecord::from))
    }

    async fn case_with_units(&self, id: i64) -> Result<Option<(CaseRecord, Vec<i64>)>> {
        let units = match self.backend {
            Backend::Sqlite => "group_concat(unit_id)",
            Backend::Postgres => "string_agg(unit_id::text, ',')",
        };
        let row: Option<CaseUnitsRow> =
            sqlx::query_as(&format!("SELECT {CASE_COLS}, (SELECT {units} FROM case_units WHERE case_id = cases.id) AS units FROM cases WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let mut units = row
            .units
            .unwrap_or_default()
            .split(',')
            .filter(|u| !u.is_empty())
            .map(|u| u.parse().map_err(|_| corrupt("case unit", u)))
            .collect::<Result<Vec<i64>>>()?;
        units.sort();
        let record = CaseRecord::from(row.case);
        self.cache.cases.remember(record.clone(), units.clone());
        Ok(Some((record, units)))
    }

    async fn case_search(&self, id: i64) -> Result<(String, Option<String>)> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT search, registered_on FROM cases WHERE id = $1").bind(id).fetch_optional(&self.reader).await?;
        row.ok_or(StoreError::NotFound("case"))
    }

    async fn case_units(&self, id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT unit_id FROM case_units WHERE case_id = $1 ORDER BY unit_id").bind(id).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn cases(&self, f: CaseFilter) -> Result<Vec<CaseRecord>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
        // Only the conditions asked for, so each query can use its index. (sqlx's QueryBuilder
        // writes `?` placeholders for `Any`, which PostgreSQL does not take; number them here.)
        enum P {
            I(i64),
            S(String),
        }
        // Lists leave out the state snapshot (the bulk of a row): nothing shown in a list needs it.
        let cols = if f.with_state { CASE_COLS.to_string() } else { CASE_COLS.replace("state", "'' AS state") };
        let mut sql = format!("SELECT {cols} FROM cases c WHERE 1 = 1");
        let mut params = Vec::new();
        let mut cond = |sql: &mut String, text: &str, p: P| {
            params.push(p);
            sql.push_str(&text.replace('?', &format!("${}", params.len())));
        };
        if let Some(unit) = f.unit_id {
            cond(&mut sql, " AND c.id IN (SELECT case_id FROM case_units WHERE unit_id = ?)", P::I(unit));
        }
        match (&f.region_prefix, &f.due_by) {
            // What is due in a subtree: walk the due-date index in order and keep the subtree's
            // cases (an expression, so the planner does not pick the region index and sort).
            (Some(prefix), Some(_)) => cond(&mut sql, &format!(" AND substr(c.region, 1, {}) = ?", prefix.len()), P::S(prefix.clone())),
            (Some(prefix), None) => {
                let (lo, hi) = region_range(prefix);
                cond(&mut sql, " AND c.region >= ?", P::S(lo));
                cond(&mut sql, " AND c.region <= ?", P::S(hi));
            }
            (None, _) => {}
        }
        if let Some(stage) = f.stage {
            cond(&mut sql, " AND c.stage = ?", P::S(stage));
        }
        if let Some(holder) = f.holder_unit_id {
            cond(&mut sql, " AND c.holder_unit_id = ?", P::I(holder));
        }
        if let Some(pending) = f.pending_for {
            cond(&mut sql, " AND c.pending_unit_id = ?", P::I(pending));
        }
        if let Some(unit) = f.notice_for {
            cond(&mut sql, " AND c.notice_unit_id = ?", P::I(unit));
        }
        if let Some(day) = f.held_since_by {
            cond(&mut sql, " AND c.held_since <= ?", P::S(day));
        }
        if let Some(charge) = f.charge {
            cond(&mut sql, " AND c.charge = ?", P::S(charge));
        }
        if let Some(from) = f.due_from {
            cond(&mut sql, " AND c.due_date >= ?", P::S(from));
        }
        if let Some(text) = f.text.filter(|t| !t.is_empty()) {
            // A plain "contains" over the number, the title, every agency's number and every
            // person's name (the `search` column, lower-cased); `%`, `_` and `\` are taken literally.
            let pattern = format!("%{}%", text.to_ascii_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            cond(&mut sql, " AND c.search LIKE ? ESCAPE '\\'", P::S(pattern));
        }
        let due_filtered = f.due_by.is_some();
        if let Some(due) = f.due_by {
            cond(&mut sql, " AND c.due_date <= ?", P::S(due));
        }
        sql.push_str(match f.sort {
            // Due on or before a date: no clock-less cases, so the due-date index gives the order.
            CaseSort::Due if due_filtered => " ORDER BY c.due_date, c.id",
            CaseSort::Due => " ORDER BY c.due_date IS NULL, c.due_date, c.id",
            CaseSort::Updated => " ORDER BY c.updated_at DESC, c.id DESC",
            CaseSort::Number => " ORDER BY c.case_no, c.id",
            CaseSort::Held => " ORDER BY c.held_since IS NULL, c.held_since, c.id",
        });
        cond(&mut sql, " LIMIT ?", P::I(limit));
        cond(&mut sql, " OFFSET ?", P::I(f.offset.max(0)));
        let mut q = sqlx::query_as::<_, CaseRow>(&sql);
        for p in params {
            q = match p {
                P::I(i) => q.bind(i),
                P::S(s) => q.bind(s),
            };
        }
        let rows: Vec<CaseRow> = q.fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(CaseRecord::from).collect())
    }

    async fn case_counts(&self, f: CaseFilter) -> Result<Vec<CaseCount>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT c.region, c.stage, COUNT(*), SUM(CASE WHEN $3 IS NOT NULL AND c.due_date <= $3 THEN 1 ELSE 0 END) FROM cases c \
             WHERE ($1 IS NULL OR c.id IN (SELECT case_id FROM case_units WHERE unit_id = $1)) AND c.region >= $2 AND c.region <= $4 \
             AND ($5 IS NULL OR c.holder_unit_id = $5) AND ($6 IS NULL OR c.pending_unit_id = $6) AND ($7 = 0 OR c.pending_unit_id IS NULL) \
             AND ($8 IS NULL OR c.notice_unit_id = $8) \
             GROUP BY c.region, c.stage ORDER BY c.region, c.stage",
        )
        .bind(f.unit_id)
        .bind(region_range(f.region_prefix.as_deref().unwrap_or("")).0)
        .bind(f.due_by)
        .bind(region_range(f.region_prefix.as_deref().unwrap_or("")).1)
        .bind(f.holder_unit_id)
        .bind(f.pending_for)
        .bind(i64::from(f.not_pending))
        .bind(f.notice_for)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(region, stage, cases, due)| CaseCount { region, stage, cases, due }).collect())
    }

    async fn charge_counts(&self, region_prefix: &str) -> Result<Vec<ChargeCount>> {
        let (lo, hi) = region_range(region_prefix);
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT c.charge, COUNT(*), SUM(CASE WHEN c.in_custody <> 0 THEN 1 ELSE 0 END) FROM cases c WHERE c.region >= $1 AND c.region <= $2 AND c.charge IS NOT NULL \
             AND c.stage NOT IN ('executed', 'declined', 'withdrawn') GROUP BY c.charge ORDER BY COUNT(*) DESC, c.charge IS NULL, c.charge",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(charge, cases, held)| ChargeCount { charge, cases, held }).collect())
    }

    async fn charge_tallies(&self, region_prefix: &str, from: &str, to: &str) -> Result<Vec<ChargeTally>> {
        let (lo, hi) = region_range(region_prefix);
        let rows: Vec<(Option<String>, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.charge, COUNT(*), \
             SUM(CASE WHEN c.stage NOT IN ('final', 'executed', 'declined', 'withdrawn') THEN 1 ELSE 0 END), \
             SUM(CASE WHEN c.stage IN ('final', 'executed') THEN 1 ELSE 0 END), \
             SUM(CASE WHEN c.stage IN ('declined', 'withdrawn') THEN 1 ELSE 0 END), \
             SUM(CASE WHEN c.in_custody <> 0 THEN 1 ELSE 0 END) \
             FROM cases c WHERE c.registered_on >= $1 AND c.registered_on <= $2 AND c.region >= $3 AND c.region <= $4 \
             GROUP BY c.charge ORDER BY COUNT(*) DESC, c.charge IS NULL, c.charge",
        )
        .bind(from)
        .bind(to)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(charge, registered, open, judged, dropped, held)| ChargeTally { charge, registered, open, judged, dropped, held }).collect())
    }

    async fn cases_to_recompute(&self, from: &str, to: &str, after: i64, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM cases WHERE id > $1 AND (due_provisional <> 0 OR (due_date >= $2 AND due_date <= $3)) ORDER BY id LIMIT $4")
                .bind(after)
                .bind(from)
                .bind(to)
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
