//! Disputes: their rows, the units that may see them, their events — one domain of the store in
//! its own file, over both backends with the same statements.
//!
//! Each write is one transaction: the version check, the projection, the units and the events
//! with their audit leaves. Acknowledged means committed (`synchronous = FULL` on SQLite).

use crate::audit::{append, NewEvent};
use crate::engine::db::{args, Db};
use crate::engine::{Job, Written};
use crate::filters::{add_units, bind_all, placeholder, Where, P};
use crate::sql::{Backend, SqlStore};
use crate::{By, Payload, Recorded, Result, StoreError};
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;
use xiezhi_core::RegionCode;
use xiezhi_core::Subject;

/// A dispute's projection after its new events, and those events.
#[derive(Debug, Clone)]
pub struct DisputeWrite {
    pub title: String,
    pub region: RegionCode,
    pub channel: String,
    pub category: String,
    pub risk: Option<String>,
    pub stage: String,
    pub outcome: Option<String>,
    pub holder_unit_id: i64,
    pub pending_unit_id: Option<i64>,
    /// The earliest running clock of a unit (not a party's period), `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub due_provisional: bool,
    pub is_group: bool,
    pub party_count: i64,
    pub amount: Option<i64>,
    pub reported: bool,
    pub linked_cases: i64,
    pub followed_up: bool,
    pub satisfaction: Option<String>,
    /// `YYYY-MM-DD`, China Standard Time.
    pub received_on: String,
    /// What a list's search looks in, lower-cased, one item per line (the code is added).
    pub search: String,
    pub state: String,
    /// Units that may see it (an update adds these to the ones stored).
    pub units: Vec<i64>,
    /// Events to record: kind (without the `dispute.` prefix) and payload.
    pub events: Vec<(String, Payload)>,
    /// When each event happened (µs), for seeded history; empty means now.
    pub event_times: Vec<i64>,
    /// Notices for the units' own systems (webhooks), written to the outbox in the same
    /// transaction.
    pub notices: Vec<crate::Notice>,
    /// A court's number this write gives with its serial still to be drawn (see
    /// [`crate::CaseWrite::claim`]); drawn once the write has applied.
    pub claim: Option<xiezhi_core::case::numbering::Claim>,
}

impl DisputeWrite {
    /// The write's events and notices with its claimed number filled in.
    fn filled(&self, number: &str) -> DisputeWrite {
        let Some(claim) = &self.claim else { return self.clone() };
        DisputeWrite {
            events: self.events.iter().map(|(k, p)| (k.clone(), p.replaced(&claim.pending, number))).collect(),
            notices: self.notices.iter().map(|n| crate::Notice { body: n.body.replace(&claim.pending, number), ..n.clone() }).collect(),
            claim: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct DisputeRecord {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub region: String,
    pub channel: String,
    pub category: String,
    pub risk: Option<String>,
    pub stage: String,
    pub outcome: Option<String>,
    pub holder_unit_id: i64,
    pub pending_unit_id: Option<i64>,
    pub due_date: Option<String>,
    pub due_provisional: i64,
    pub is_group: i64,
    pub party_count: i64,
    pub amount: Option<i64>,
    pub reported: i64,
    pub linked_cases: i64,
    pub followed_up: i64,
    pub satisfaction: Option<String>,
    pub received_on: String,
    pub version: i64,
    pub state: String,
    pub updated_at: i64,
}

impl DisputeRecord {
    /// The record [`DisputeStore::create_dispute`] stores for `w` by `by`, given the id and code
    /// it answered with.
    pub fn created(id: i64, code: String, w: &DisputeWrite, by: &By) -> DisputeRecord {
        DisputeRecord {
            id,
            code,
            title: w.title.clone(),
            region: w.region.to_string(),
            channel: w.channel.clone(),
            category: w.category.clone(),
            risk: w.risk.clone(),
            stage: w.stage.clone(),
            outcome: w.outcome.clone(),
            holder_unit_id: w.holder_unit_id,
            pending_unit_id: w.pending_unit_id,
            due_date: w.due_date.clone(),
            due_provisional: i64::from(w.due_provisional),
            is_group: i64::from(w.is_group),
            party_count: w.party_count,
            amount: w.amount,
            reported: i64::from(w.reported),
            linked_cases: w.linked_cases,
            followed_up: i64::from(w.followed_up),
            satisfaction: w.satisfaction.clone(),
            received_on: w.received_on.clone(),
            version: w.events.len() as i64,
            state: w.state.clone(),
            updated_at: w.event_times.last().copied().unwrap_or(by.at),
        }
    }

    /// This record as [`DisputeStore::update_dispute`] leaves it after `w` by `by`: what a
    /// command answers with, without reading the row again.
    pub fn updated(&self, w: &DisputeWrite, by: &By) -> DisputeRecord {
        DisputeRecord {
            title: w.title.clone(),
            risk: w.risk.clone(),
            stage: w.stage.clone(),
            outcome: w.outcome.clone(),
            holder_unit_id: w.holder_unit_id,
            pending_unit_id: w.pending_unit_id,
            due_date: w.due_date.clone(),
            due_provisional: i64::from(w.due_provisional),
            party_count: w.party_count,
            reported: i64::from(w.reported),
            linked_cases: w.linked_cases,
            followed_up: i64::from(w.followed_up),
            satisfaction: w.satisfaction.clone(),
            version: self.version + w.events.len() as i64,
            state: w.state.clone(),
            updated_at: w.event_times.last().copied().unwrap_or(by.at),
            ..self.clone()
        }
    }
}

/// The order of a dispute list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DisputeSort {
    /// The earliest due date first (disputes without a clock last).
    #[default]
    Due,
    /// The most recently received first.
    Received,
    /// The most recently changed first.
    Updated,
    /// By id, oldest first: for walking every dispute.
    Id,
}

#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    /// Disputes this unit handles, handled, referred or was told of.
    pub unit_id: Option<i64>,
    /// Disputes in this region subtree (code prefix).
    pub region_prefix: Option<String>,
    pub holder_unit_id: Option<i64>,
    /// With a referral or confirmation application waiting for this unit.
    pub pending_for: Option<i64>,
    pub stage: Option<String>,
    /// Any of these risk levels.
    pub risks: Vec<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    /// Only disputes not closed or withdrawn.
    pub open_only: bool,
    pub due_by: Option<String>,
    /// Received on or after / on or before (`YYYY-MM-DD`).
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    /// Disputes with an id above this (walking them all, with `DisputeSort::Id`).
    pub after_id: Option<i64>,
    /// Code, title or any party's name or number contains this.
    pub text: Option<String>,
    pub sort: DisputeSort,
    pub limit: i64,
    pub offset: i64,
    /// Read each dispute's state too (lists leave it out: it is the bulk of a row).
    pub with_state: bool,
}

/// Disputes counted by everything the ledger's indicators need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct DisputeTally {
    pub channel: String,
    pub category: String,
    pub risk: Option<String>,
    pub stage: String,
    pub outcome: Option<String>,
    pub reported: i64,
    pub linked: i64,
    pub followed_up: i64,
    pub satisfaction: Option<String>,
    pub is_group: i64,
    pub disputes: i64,
    pub parties: i64,
}

/// A mediator on an organisation's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Mediator {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    /// Dispute categories, comma-separated.
    pub specialties: String,
    pub court_roster: i64,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

/// What the application needs from storage for disputes.
pub trait DisputeStore {
    /// Register: the row, its units and its events; returns the id and the code (一案一码).
    fn create_dispute(&self, write: DisputeWrite, by: By) -> impl Future<Output = Result<Recorded<(i64, String)>>> + Send;
    /// Insert whole disputes with their history, many in one transaction (demo data).
    fn import_disputes(&self, writes: Vec<DisputeWrite>, by: By) -> impl Future<Output = Result<usize>> + Send;
    /// Apply a decided change if the dispute is still at `version` (otherwise `Conflict`).
    fn update_dispute(&self, id: i64, version: i64, write: DisputeWrite, by: By) -> impl Future<Output = Result<Recorded<(i64, Option<String>)>>> + Send;
    /// A dispute (with its state) and the units that may see it.
    /// The dispute as this process last read or wrote it, for deciding a change without reading
    /// it again (see [`crate::Store::remembered_case`]).
    fn remembered_dispute(&self, id: i64) -> Option<(DisputeRecord, Vec<i64>)>;
    fn dispute(&self, id: i64) -> impl Future<Output = Result<Option<(DisputeRecord, Vec<i64>)>>> + Send;
    /// Disputes matching the filter (without their state), in its order, one page.
    fn disputes(&self, filter: DisputeFilter) -> impl Future<Output = Result<Vec<DisputeRecord>>> + Send;
    /// How many disputes match (the limit and offset are ignored).
    fn dispute_count(&self, filter: DisputeFilter) -> impl Future<Output = Result<i64>> + Send;
    /// Put a mediator on a unit's roster (recorded).
    fn add_mediator(
        &self,
        unit_id: i64,
        name: String,
        specialties: String,
        court_roster: bool,
        by: By,
    ) -> impl Future<Output = Result<Recorded<Mediator>>> + Send;
    /// Take a mediator off the roster (recorded); assignments already made stay on record.
    fn disable_mediator(&self, id: i64, by: By) -> impl Future<Output = Result<Recorded<Mediator>>> + Send;
    fn mediator(&self, id: i64) -> impl Future<Output = Result<Option<Mediator>>> + Send;
    /// A unit's roster, active ones first.
    fn mediators_of_unit(&self, unit_id: i64) -> impl Future<Output = Result<Vec<Mediator>>> + Send;
    /// The matching disputes counted by channel, category, risk, stage, outcome and flags.
    fn dispute_tallies(&self, filter: DisputeFilter) -> impl Future<Output = Result<Vec<DisputeTally>>> + Send;
}

const COLS: &str = "id, code, title, region, channel, category, risk, stage, outcome, holder_unit_id, pending_unit_id, due_date, due_provisional, is_group, \
                    party_count, amount, reported, linked_cases, followed_up, satisfaction, received_on, version, state, updated_at";

/// The code of a dispute: MD, the region, the year received and the id.
fn code(region: RegionCode, received_on: &str, id: i64) -> String {
    format!("MD{region}{}{id:06}", received_on.get(..4).unwrap_or("0000"))
}

fn events(id: i64, w: &DisputeWrite) -> Vec<NewEvent> {
    w.events
        .iter()
        .enumerate()
        .map(|(i, (kind, payload))| NewEvent {
            at: w.event_times.get(i).copied(),
            ..NewEvent::new(Subject::Dispute(id), format!("dispute.{kind}"), payload.clone())
        })
        .collect()
}

/// Notices about a dispute whose id was not known when they were made.
fn with_subject(notices: &[crate::Notice], id: i64) -> Vec<crate::Notice> {
    notices.iter().map(|n| crate::Notice { subject: Subject::Dispute(id).to_string(), ..n.clone() }).collect()
}

/// The WHERE clause of a filter, with its numbered parameters.
fn conditions(f: &DisputeFilter) -> Where {
    let mut w = Where::new();
    if let Some(unit) = f.unit_id {
        w.and(" AND d.id IN (SELECT dispute_id FROM dispute_units WHERE unit_id = ?)", P::I(unit));
    }
    if let Some(prefix) = &f.region_prefix {
        w.region("d.region", prefix);
    }
    if let Some(h) = f.holder_unit_id {
        w.and(" AND d.holder_unit_id = ?", P::I(h));
    }
    if let Some(p) = f.pending_for {
        w.and(" AND d.pending_unit_id = ?", P::I(p));
    }
    if let Some(s) = &f.stage {
        w.and(" AND d.stage = ?", P::S(s.clone()));
    }
    if !f.risks.is_empty() {
        w.raw(" AND (1 = 0");
        for r in &f.risks {
            w.and(" OR d.risk = ?", P::S(r.clone()));
        }
        w.raw(")");
    }
    if let Some(c) = &f.channel {
        w.and(" AND d.channel = ?", P::S(c.clone()));
    }
    if let Some(c) = &f.category {
        w.and(" AND d.category = ?", P::S(c.clone()));
    }
    if f.open_only {
        w.raw(" AND d.stage <> 'closed' AND d.stage <> 'withdrawn'");
    }
    if let Some(due) = &f.due_by {
        w.and(" AND d.due_date <= ?", P::S(due.clone()));
    }
    if let Some(from) = &f.received_from {
        w.and(" AND d.received_on >= ?", P::S(from.clone()));
    }
    if let Some(to) = &f.received_to {
        w.and(" AND d.received_on <= ?", P::S(to.clone()));
    }
    if let Some(after) = f.after_id {
        w.and(" AND d.id > ?", P::I(after));
    }
    if let Some(text) = f.text.as_ref().filter(|t| !t.is_empty()) {
        w.contains("d.search", text);
    }
    w
}

/// Insert one dispute in the caller's transaction: the row, its code, its units, its notices;
/// returns its id, its code and the events to record.
async fn insert<D: Db>(db: &mut D, w: &DisputeWrite, by: &By) -> Result<(i64, String, Vec<NewEvent>)> {
    // The code needs the id: the row goes in with a placeholder unique to this transaction's
    // moment, and gets its code before anyone else can see it.
    let at = w.event_times.last().copied().unwrap_or(by.at);
    let id = db
        .fetch_i64(
            "INSERT INTO disputes (code, title, region, channel, category, risk, stage, outcome, holder_unit_id, pending_unit_id, due_date, due_provisional, \
             is_group, party_count, amount, reported, linked_cases, followed_up, satisfaction, received_on, search, version, state, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) RETURNING id",
            args![
                placeholder(by),
                &w.title,
                w.region.to_string(),
                &w.channel,
                &w.category,
                &w.risk,
                &w.stage,
                &w.outcome,
                w.holder_unit_id,
                w.pending_unit_id,
                &w.due_date,
                w.due_provisional,
                w.is_group,
                w.party_count,
                w.amount,
                w.reported,
                w.linked_cases,
                w.followed_up,
                &w.satisfaction,
                &w.received_on,
                &w.search,
                w.events.len() as i64,
                &w.state,
                at
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Invalid("the new dispute has no id".into()))?;
    let code = code(w.region, &w.received_on, id);
    db.execute("UPDATE disputes SET code = $1, search = $2 WHERE id = $3", args![&code, format!("{}\n{}", code.to_ascii_lowercase(), w.search), id]).await?;
    add_units(db, "dispute_units", "dispute_id", id, &w.units).await?;
    crate::outbox::enqueue(db, &with_subject(&w.notices, id), at).await?;
    Ok((id, code, events(id, w)))
}

/// Apply a decided change in the caller's transaction if the dispute is still at `version`;
/// returns the new version and the events to record.
async fn update<D: Db>(db: &mut D, id: i64, version: i64, w: &DisputeWrite, by: &By) -> Result<Result<(i64, Option<String>, Vec<NewEvent>)>> {
    let new_version = version + w.events.len() as i64;
    let at = w.event_times.last().copied().unwrap_or(by.at);
    let done = db
        .execute(
            "UPDATE disputes SET title = $1, risk = $2, stage = $3, outcome = $4, holder_unit_id = $5, pending_unit_id = $6, due_date = $7, due_provisional = $8, \
             party_count = $9, reported = $10, linked_cases = $11, followed_up = $12, satisfaction = $13, \
             search = substr(search, 1, length(code) + 1) || $14, version = $15, state = $16, updated_at = $17 WHERE id = $18 AND version = $19",
            args![
                &w.title,
                &w.risk,
                &w.stage,
                &w.outcome,
                w.holder_unit_id,
                w.pending_unit_id,
                &w.due_date,
                w.due_provisional,
                w.party_count,
                w.reported,
                w.linked_cases,
                w.followed_up,
                &w.satisfaction,
                &w.search,
                new_version,
                &w.state,
                at,
                id,
                version
            ],
        )
        .await?;
    if done == 0 {
        // Refused before anything was written.
        return Ok(Err(match db.fetch_i64("SELECT id FROM disputes WHERE id = $1", args![id]).await? {
            Some(_) => StoreError::Conflict("the dispute changed meanwhile; read it again and retry".into()),
            None => StoreError::NotFound("dispute"),
        }));
    }
    // A number is drawn only now that the write has applied, and put where it stands pending.
    let (number, w) = match &w.claim {
        Some(claim) => {
            let number = crate::engine::serials::draw(db, claim).await?;
            db.execute(
                "UPDATE disputes SET state = replace(state, $1, $2), search = replace(search, $3, $4) WHERE id = $5",
                args![&claim.pending, &number, claim.pending.to_lowercase(), number.to_lowercase(), id],
            )
            .await?;
            (Some(number.clone()), std::borrow::Cow::Owned(w.filled(&number)))
        }
        None => (None, std::borrow::Cow::Borrowed(w)),
    };
    add_units(db, "dispute_units", "dispute_id", id, &w.units).await?;
    crate::outbox::enqueue(db, &with_subject(&w.notices, id), at).await?;
    Ok(Ok((new_version, number, events(id, &w))))
}

/// A dispute write for the group-commit engine.
pub(crate) enum DisputeJob {
    Create { write: DisputeWrite, by: By },
    Update { id: i64, version: i64, write: DisputeWrite, by: By },
}

/// What a committed dispute write answers: its id, its code (for a new one) and its new version.
pub(crate) struct DisputeWritten {
    id: i64,
    code: String,
    version: i64,
    number: Option<String>,
}

impl Job for DisputeJob {
    type Out = DisputeWritten;

    fn order(&self) -> (u8, i64) {
        match self {
            DisputeJob::Create { .. } => (0, 0),
            DisputeJob::Update { id, .. } => (1, *id),
        }
    }

    async fn write<D: Db>(&self, db: &mut D) -> Result<Result<Written<DisputeWritten>>> {
        match self {
            DisputeJob::Create { write, by } => {
                let (id, code, events) = insert(db, write, by).await?;
                Ok(Ok(Written { value: DisputeWritten { id, code, version: write.events.len() as i64, number: None }, by: *by, events }))
            }
            DisputeJob::Update { id, version, write, by } => Ok(update(db, *id, *version, write, by).await?.map(|(version, number, events)| Written {
                value: DisputeWritten { id: *id, code: String::new(), version, number },
                by: *by,
                events,
            })),
        }
    }
}

const MEDIATOR_COLS: &str = "id, unit_id, name, specialties, court_roster, created_at, disabled_at";

impl DisputeStore for SqlStore {
    async fn add_mediator(&self, unit_id: i64, name: String, specialties: String, court_roster: bool, by: By) -> Result<Recorded<Mediator>> {
        let mut tx = self.pool.begin().await?;
        let m: Mediator = sqlx::query_as(&format!(
            "INSERT INTO mediators (unit_id, name, specialties, court_roster, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {MEDIATOR_COLS}"
        ))
        .bind(unit_id)
        .bind(&name)
        .bind(&specialties)
        .bind(i64::from(court_roster))
        .bind(by.at)
        .fetch_one(&mut *tx)
        .await?;
        let e = NewEvent::new(
            Subject::Mediator(m.id),
            "mediator.added",
            serde_json::json!({"unit_id": unit_id, "name": name, "specialties": specialties, "court_roster": court_roster}),
        );
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: m, leaves })
    }

    async fn disable_mediator(&self, id: i64, by: By) -> Result<Recorded<Mediator>> {
        let mut tx = self.pool.begin().await?;
        let m: Option<Mediator> =
            sqlx::query_as(&format!("UPDATE mediators SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL RETURNING {MEDIATOR_COLS}"))
                .bind(by.at)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let m = m.ok_or(StoreError::NotFound("active mediator"))?;
        let leaves =
            append(&mut tx, self.backend, &by, vec![NewEvent::new(Subject::Mediator(id), "mediator.disabled", serde_json::json!({"unit_id": m.unit_id}))])
                .await?;
        tx.commit().await?;
        Ok(Recorded { value: m, leaves })
    }

    async fn mediator(&self, id: i64) -> Result<Option<Mediator>> {
        Ok(sqlx::query_as(&format!("SELECT {MEDIATOR_COLS} FROM mediators WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?)
    }

    async fn mediators_of_unit(&self, unit_id: i64) -> Result<Vec<Mediator>> {
        Ok(sqlx::query_as(&format!("SELECT {MEDIATOR_COLS} FROM mediators WHERE unit_id = $1 ORDER BY disabled_at IS NOT NULL, name, id"))
            .bind(unit_id)
            .fetch_all(&self.reader)
            .await?)
    }

    async fn create_dispute(&self, write: DisputeWrite, by: By) -> Result<Recorded<(i64, String)>> {
        let r = self.disputes.submit(DisputeJob::Create { write, by }).await?;
        Ok(Recorded { value: (r.value.id, r.value.code), leaves: r.leaves })
    }

    async fn import_disputes(&self, writes: Vec<DisputeWrite>, by: By) -> Result<usize> {
        self.dispute_sink.write_all(writes.into_iter().map(|write| DisputeJob::Create { write, by }).collect()).await
    }

    async fn update_dispute(&self, id: i64, version: i64, write: DisputeWrite, by: By) -> Result<Recorded<(i64, Option<String>)>> {
        let after = self
            .cache
            .disputes
            .at(id, version)
            .map(|(r, units)| (r.updated(&write, &by), crate::cache::units_after(units, &write.units), write.claim.as_ref().map(|k| k.pending.clone())));
        let outcome = self
            .disputes
            .submit(DisputeJob::Update { id, version, write, by })
            .await
            .map(|r| Recorded { value: (r.value.version, r.value.number), leaves: r.leaves });
        let after = after.map(|(mut record, units, pending)| {
            move |done: &Recorded<(i64, Option<String>)>| {
                if let (Some(pending), Some(number)) = (pending, &done.value.1) {
                    record.state = record.state.replace(&pending, number);
                }
                (record, units)
            }
        });
        self.cache.disputes.written(id, &outcome, after);
        outcome
    }

    fn remembered_dispute(&self, id: i64) -> Option<(DisputeRecord, Vec<i64>)> {
        self.cache.disputes.get(&id)
    }

    async fn dispute(&self, id: i64) -> Result<Option<(DisputeRecord, Vec<i64>)>> {
        // The row and the units that may see it in one read.
        let sql = format!(
            "SELECT {COLS}, (SELECT {} FROM dispute_units WHERE dispute_id = $1) AS units FROM disputes WHERE id = $1",
            crate::filters::id_list(self.backend, "unit_id")
        );
        let row: Option<crate::filters::WithUnits<DisputeRecord>> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.reader).await?;
        let found = row.map(|r| (r.record, crate::filters::parse_id_list(r.units.as_deref())));
        if let Some((r, units)) = &found {
            self.cache.disputes.remember(r.clone(), units.clone());
        }
        Ok(found)
    }

    async fn disputes(&self, f: DisputeFilter) -> Result<Vec<DisputeRecord>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
        let cols = if f.with_state { COLS.to_string() } else { COLS.replace("state", "'' AS state") };
        let mut w = conditions(&f);
        w.raw(match f.sort {
            DisputeSort::Due => " ORDER BY d.due_date IS NULL, d.due_date, d.id",
            DisputeSort::Received => " ORDER BY d.received_on DESC, d.id DESC",
            DisputeSort::Updated => " ORDER BY d.updated_at DESC, d.id DESC",
            DisputeSort::Id => " ORDER BY d.id",
        });
        w.page(limit, f.offset);
        let sql = format!("SELECT {cols} FROM disputes d{}", w.sql);
        Ok(bind_all(sqlx::query_as::<_, DisputeRecord>(&sql), w.params).fetch_all(&self.reader).await?)
    }

    async fn dispute_count(&self, f: DisputeFilter) -> Result<i64> {
        let w = conditions(&f);
        let (n,): (i64,) = bind_all(sqlx::query_as(&format!("SELECT COUNT(*) FROM disputes d{}", w.sql)), w.params).fetch_one(&self.reader).await?;
        Ok(n)
    }

    async fn dispute_tallies(&self, f: DisputeFilter) -> Result<Vec<DisputeTally>> {
        let Where { sql, params } = conditions(&f);
        let sum = match self.backend {
            Backend::Sqlite => "SUM(d.party_count)",
            Backend::Postgres => "SUM(d.party_count)::BIGINT",
        };
        let sql = format!(
            "SELECT d.channel, d.category, d.risk, d.stage, d.outcome, d.reported, CASE WHEN d.linked_cases > 0 THEN 1 ELSE 0 END AS linked, d.followed_up, \
             d.satisfaction, d.is_group, COUNT(*) AS disputes, {sum} AS parties FROM disputes d{sql} \
             GROUP BY d.channel, d.category, d.risk, d.stage, d.outcome, d.reported, CASE WHEN d.linked_cases > 0 THEN 1 ELSE 0 END, d.followed_up, d.satisfaction, d.is_group"
        );
        Ok(bind_all(sqlx::query_as::<_, DisputeTally>(&sql), params).fetch_all(&self.reader).await?)
    }
}
