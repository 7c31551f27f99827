//! Case writes in batches: many creates and updates, their units and their events, in one
//! transaction. The group-commit writer and the bulk import both use it, so there is one write
//! path for cases on each backend: here for PostgreSQL (a handful of statements, each taking the
//! batch's rows as one JSON document), `native.rs` for SQLite.

use crate::audit::{append_groups, NewEvent};
use crate::sql::Backend;
use crate::{By, CaseWrite, Recorded, Result, StoreError};
use serde_json::{json, Value};
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};
use xiezhi_core::Subject;

/// One case write waiting to be committed.
pub enum CaseJob {
    Create { write: CaseWrite, by: By },
    Update { id: i64, version: i64, write: CaseWrite, by: By },
}

/// What a committed case write reports: the case and its new version (the leaves come beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWritten {
    pub id: i64,
    pub version: i64,
    /// The number the write claimed, with its serial drawn.
    pub number: Option<String>,
}

/// A JSON array of rows as a table (`value` is each row, an array).
fn rows_source(param: usize) -> String {
    format!("json_array_elements(${param}::json) AS value")
}

fn col(i: usize, ty: &str) -> String {
    match ty {
        "text" => format!("value->>{i}"),
        _ => format!("CAST(value->>{i} AS BIGINT)"),
    }
}

/// Write the jobs in the caller's transaction, in order. The outer error means the transaction
/// failed and nothing may be committed; an inner error refuses that job alone (it wrote nothing).
pub(crate) async fn write_cases(tx: &mut Transaction<'_, Any>, jobs: &[CaseJob]) -> Result<Vec<Result<Recorded<CaseWritten>>>> {
    // No lock here: version checks, the unique case number and the log's own sequencer (taken
    // last, in `append_groups`) keep concurrent writers from other processes apart.
    let mut outcomes: Vec<Option<Result<CaseWritten>>> = (0..jobs.len()).map(|_| None).collect();
    let numbered = numbered(tx, jobs).await?;
    fn pick<'a>(numbered: &'a [Option<(String, CaseWrite)>], i: usize, w: &'a CaseWrite) -> &'a CaseWrite {
        numbered[i].as_ref().map_or(w, |(_, f)| f)
    }
    let write_of = |i: usize, w| pick(&numbered, i, w);

    // Creates: refuse numbers already taken (stored, or earlier in this batch), insert the rest.
    // A number is taken for its issuing unit only.
    let wanted: Vec<(i64, &str)> = jobs
        .iter()
        .enumerate()
        .filter_map(
            |(i, j)| if let CaseJob::Create { write, .. } = j { Some(write_of(i, write)).map(|w| (w.issuer_unit_id, w.case_no.as_str())) } else { None },
        )
        .collect();
    let mut taken: HashSet<(i64, String)> = HashSet::new();
    if !wanted.is_empty() {
        let sql = format!(
            "SELECT issuer_unit_id, case_no FROM cases WHERE (issuer_unit_id, case_no) IN (SELECT {}, {} FROM {})",
            col(0, "int"),
            col(1, "text"),
            rows_source(1)
        );
        let rows: Vec<(i64, String)> =
            sqlx::query_as(&sql).bind(json!(wanted.iter().map(|(u, n)| json!([u, n])).collect::<Vec<_>>()).to_string()).fetch_all(&mut **tx).await?;
        taken.extend(rows);
    }
    let mut create_rows = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if let CaseJob::Create { write, by } = job {
            let w = write_of(i, write);
            if !taken.insert((w.issuer_unit_id, w.case_no.clone())) {
                outcomes[i] = Some(Err(StoreError::Duplicate { what: "a case with that number".into() }));
                continue;
            }
            create_rows.push(json!({
                "case_no": w.case_no,
                "issuer": w.issuer_unit_id,
                "title": w.title,
                "region": w.region.to_string(),
                "stage": w.stage,
                "holder": w.holder_unit_id,
                "pending": w.pending_unit_id,
                "notice": w.notice_unit_id,
                "held": w.held_since,
                "charge": w.charge,
                "registered": w.registered_on,
                "custody": i64::from(w.in_custody),
                "due": w.due_date,
                "provisional": i64::from(w.due_provisional),
                "search": w.search,
                "version": w.events.len(),
                "state": w.state,
                "at": w.event_times.last().copied().unwrap_or(by.at)
            }));
        }
    }
    let mut created: HashMap<(i64, String), i64> = HashMap::new();
    if !create_rows.is_empty() {
        // Typed records: each row's JSON is parsed once (`value->>i` would lex the row, and the
        // state text inside it, once per column).
        let sql = "INSERT INTO cases (case_no, issuer_unit_id, title, region, stage, holder_unit_id, pending_unit_id, notice_unit_id, held_since, charge, registered_on, \
                   in_custody, due_date, due_provisional, version, state, updated_at, search) \
                   SELECT case_no, issuer, title, region, stage, holder, pending, notice, held, charge, registered, custody, due, provisional, version, state, at, search \
                   FROM json_to_recordset($1::json) \
                   AS w(case_no TEXT, issuer BIGINT, title TEXT, region TEXT, stage TEXT, holder BIGINT, pending BIGINT, notice BIGINT, held TEXT, charge TEXT, registered TEXT, custody BIGINT, \
                   due TEXT, \
                   provisional BIGINT, version BIGINT, state TEXT, at BIGINT, search TEXT) \
                   RETURNING id, issuer_unit_id, case_no";
        for chunk in create_rows.chunks(2000) {
            let rows: Vec<(i64, i64, String)> = sqlx::query_as(sql).bind(Value::from(chunk.to_vec()).to_string()).fetch_all(&mut **tx).await?;
            created.extend(rows.into_iter().map(|(id, issuer, no)| ((issuer, no), id)));
        }
    }

    // Updates: each applies only if the case is still at the version its command was decided on.
    // Two commands on one case in one batch were decided on the same version: the second loses.
    let mut seen = HashSet::new();
    let mut update_rows = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if let CaseJob::Update { id, version, write, by } = job {
            let w = write_of(i, write);
            if !seen.insert(*id) {
                outcomes[i] = Some(Err(StoreError::Conflict("the case changed meanwhile; read it again and retry".into())));
                continue;
            }
            update_rows.push(json!({
                "id": id,
                "version": version,
                "stage": w.stage,
                "holder": w.holder_unit_id,
                "pending": w.pending_unit_id,
                "notice": w.notice_unit_id,
                "held": w.held_since,
                "custody": i64::from(w.in_custody),
                "due": w.due_date,
                "provisional": i64::from(w.due_provisional),
                "search": w.search,
                "next": version + w.events.len() as i64,
                "state": w.state,
                "at": by.at
            }));
        }
    }
    let mut updated: HashSet<i64> = HashSet::new();
    if !update_rows.is_empty() {
        let sql = "UPDATE cases SET stage = w.stage, holder_unit_id = w.holder, pending_unit_id = w.pending, notice_unit_id = w.notice, held_since = w.held, \
                   in_custody = w.custody, due_date = w.due, due_provisional = w.provisional, version = w.next, state = w.state, updated_at = w.at, search = w.search \
                   FROM json_to_recordset($1::json) AS w(id BIGINT, version BIGINT, stage TEXT, holder BIGINT, pending BIGINT, notice BIGINT, held TEXT, custody BIGINT, due TEXT, \
                   provisional BIGINT, next BIGINT, state TEXT, at BIGINT, search TEXT) \
                   WHERE cases.id = w.id AND cases.version = w.version RETURNING cases.id";
        let rows: Vec<(i64,)> = sqlx::query_as(sql).bind(Value::from(update_rows).to_string()).fetch_all(&mut **tx).await?;
        updated.extend(rows.into_iter().map(|r| r.0));
    }
    let missed: Vec<i64> =
        jobs.iter().filter_map(|j| if let CaseJob::Update { id, .. } = j { Some(*id) } else { None }).filter(|id| !updated.contains(id)).collect();
    let mut exists = HashSet::new();
    if !missed.is_empty() {
        let sql = format!("SELECT id FROM cases WHERE id IN (SELECT {} FROM {})", col(0, "int"), rows_source(1));
        let rows: Vec<(i64,)> = sqlx::query_as(&sql).bind(json!(missed.iter().map(|n| [n]).collect::<Vec<_>>()).to_string()).fetch_all(&mut **tx).await?;
        exists.extend(rows.into_iter().map(|r| r.0));
    }

    // Numbers claimed by updates that applied are drawn now, late: the register's row stays
    // locked only from here to the commit, which the log's sequencer serialises anyway. They are
    // drawn in the registers' order, so two transactions (two server processes) drawing from the
    // same registers wait on each other instead of deadlocking.
    let mut numbered = numbered;
    let mut claims: Vec<(usize, i64, &CaseWrite, &xiezhi_core::case::numbering::Claim)> = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| match job {
            CaseJob::Update { id, write, .. } => match (&write.claim, &outcomes[i], updated.contains(id)) {
                (Some(claim), None, true) => Some((i, *id, write, claim)),
                _ => None,
            },
            CaseJob::Create { .. } => None,
        })
        .collect();
    claims.sort_by_key(|(i, _, _, c)| (c.unit_id, c.register.code(), c.year, *i));
    for (i, id, write, claim) in claims {
        let number = crate::engine::serials::draw_pooled(tx, claim).await?;
        sqlx::query("UPDATE cases SET state = replace(state, $1, $2), search = replace(search, $3, $4) WHERE id = $5")
            .bind(&claim.pending)
            .bind(&number)
            .bind(claim.pending.to_lowercase())
            .bind(number.to_lowercase())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        numbered[i] = Some((number.clone(), write.filled(&number)));
    }
    let write_of = |i: usize, w| pick(&numbered, i, w);
    let number_of = |i: usize| numbered[i].as_ref().map(|(n, _)| n.clone());

    // Units and events of the jobs that applied.
    let mut unit_rows = Vec::new();
    let mut groups = Vec::new();
    let mut applied = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        let (id, version, w, by) = match job {
            CaseJob::Create { write, by } => {
                let write = write_of(i, write);
                let id = *created
                    .get(&(write.issuer_unit_id, write.case_no.clone()))
                    .ok_or_else(|| StoreError::Invalid(format!("case {} was not created", write.case_no)))?;
                (id, write.events.len() as i64, write, *by)
            }
            CaseJob::Update { id, version, write, by } => {
                let id = *id;
                if !updated.contains(&id) {
                    outcomes[i] = Some(Err(if exists.contains(&id) {
                        StoreError::Conflict("the case changed meanwhile; read it again and retry".into())
                    } else {
                        StoreError::NotFound("case")
                    }));
                    continue;
                }
                (id, version + write.events.len() as i64, write_of(i, write), *by)
            }
        };
        unit_rows.extend(w.units.iter().map(|u| json!([id, u])));
        groups.push((by, case_events(id, w)));
        applied.push((i, CaseWritten { id, version, number: number_of(i) }));
    }
    if !unit_rows.is_empty() {
        let sql = format!(
            "INSERT INTO case_units (case_id, unit_id) SELECT {}, {} FROM {} WHERE true ON CONFLICT (case_id, unit_id) DO NOTHING",
            col(0, "int"),
            col(1, "int"),
            rows_source(1)
        );
        for chunk in unit_rows.chunks(10_000) {
            sqlx::query(&sql).bind(Value::from(chunk.to_vec()).to_string()).execute(&mut **tx).await?;
        }
    }
    let mut leaves = append_groups(tx, Backend::Postgres, groups).await?.into_iter();
    let mut results: Vec<Result<Recorded<CaseWritten>>> = Vec::with_capacity(outcomes.len());
    let mut applied = applied.into_iter().peekable();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        results.push(match outcome {
            Some(refused) => refused.map(|value| Recorded { value, leaves: vec![] }),
            None => {
                let (j, value) = applied.next().filter(|(j, _)| *j == i).ok_or_else(|| StoreError::Invalid("batch bookkeeping".into()))?;
                debug_assert_eq!(j, i);
                Ok(Recorded { value, leaves: leaves.next().unwrap_or_default() })
            }
        });
    }
    Ok(results)
}

/// Each create's claimed number drawn, and the write filled with it (a create's number is its
/// row's key, needed before the insert; updates draw theirs once they have applied).
async fn numbered(tx: &mut Transaction<'_, Any>, jobs: &[CaseJob]) -> Result<Vec<Option<(String, CaseWrite)>>> {
    let mut out: Vec<Option<(String, CaseWrite)>> = (0..jobs.len()).map(|_| None).collect();
    let mut given: HashSet<(i64, String)> = HashSet::new();
    for job in jobs {
        if let CaseJob::Create { write, .. } = job {
            given.insert((write.issuer_unit_id, write.case_no.clone()));
        }
    }
    // In the registers' order, as for updates: no two transactions lock them in opposite orders.
    let mut claims: Vec<(usize, &CaseWrite, &xiezhi_core::case::numbering::Claim)> = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| match (job, job_claim(job)) {
            (CaseJob::Create { write, .. }, Some(claim)) => Some((i, write, claim)),
            _ => None,
        })
        .collect();
    claims.sort_by_key(|(i, _, c)| (c.unit_id, c.register.code(), c.year, *i));
    for (i, w, claim) in claims {
        let number = loop {
            let number = crate::engine::serials::draw_pooled(tx, claim).await?;
            if w.case_no != claim.pending {
                break number;
            }
            let stored: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM cases WHERE issuer_unit_id = $1 AND case_no = $2")
                .bind(w.issuer_unit_id)
                .bind(&number)
                .fetch_optional(&mut **tx)
                .await?;
            if stored.is_none() && given.insert((w.issuer_unit_id, number.clone())) {
                break number;
            }
        };
        out[i] = Some((number.clone(), w.filled(&number)));
    }
    Ok(out)
}

fn job_claim(job: &CaseJob) -> Option<&xiezhi_core::case::numbering::Claim> {
    match job {
        CaseJob::Create { write, .. } | CaseJob::Update { write, .. } => write.claim.as_ref(),
    }
}

/// The events a case write records, as the log stores them: about `case:ID`, kind `case.KIND`.
pub(crate) fn case_events(id: i64, w: &CaseWrite) -> Vec<NewEvent> {
    w.events
        .iter()
        .enumerate()
        .map(|(k, (kind, payload))| NewEvent { at: w.event_times.get(k).copied(), ..NewEvent::new(Subject::Case(id), format!("case.{kind}"), payload.clone()) })
        .collect()
}

/// Where a batch of case writes goes: PostgreSQL through the pool (a handful of statements for
/// the whole batch), SQLite through the native writer.
#[derive(Clone)]
pub(crate) enum CaseSink {
    Pool(sqlx::AnyPool),
    Native(crate::engine::native::NativeWriter),
}

impl crate::engine::Sink for CaseSink {
    type Job = CaseJob;
    type Out = CaseWritten;

    /// Decided on the same versions either way; a fixed order keeps concurrent batches from
    /// locking the same cases in opposite orders.
    fn order(job: &CaseJob) -> (u8, i64) {
        match job {
            CaseJob::Create { .. } => (0, 0),
            CaseJob::Update { id, .. } => (1, *id),
        }
    }

    async fn commit(&self, jobs: Vec<CaseJob>) -> (Vec<CaseJob>, Result<Vec<Result<Recorded<CaseWritten>>>>) {
        match self {
            CaseSink::Pool(pool) => {
                let result = async {
                    let mut tx = pool.begin().await?;
                    let results = write_cases(&mut tx, &jobs).await?;
                    tx.commit().await?;
                    Ok(results)
                }
                .await;
                (jobs, result)
            }
            CaseSink::Native(native) => native.run(jobs, |conn, jobs| crate::engine::native::write_cases(conn, jobs)).await,
        }
    }
}
