//! Hotline work orders: their rows, the units that may see them, their events — one domain of
//! the store in its own file, over both backends with the same statements.

use crate::audit::NewEvent;
use crate::engine::db::{args, Db};
use crate::engine::{Job, Written};
use crate::filters::{add_units, bind_all, placeholder, Where, P};
use crate::sql::SqlStore;
use crate::{By, Payload, Recorded, Result, StoreError};
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;
use xiezhi_core::RegionCode;
use xiezhi_core::Subject;

#[derive(Debug, Clone)]
pub struct TicketWrite {
    pub hotline: String,
    /// The centre's region.
    pub region: RegionCode,
    pub channel: String,
    pub kind: String,
    pub urgency: String,
    pub title: String,
    pub stage: String,
    pub outcome: Option<String>,
    pub centre_unit_id: i64,
    pub lead_unit_id: Option<i64>,
    pub pending_unit_id: Option<i64>,
    pub due_date: Option<String>,
    pub due_provisional: bool,
    pub concerns_law: bool,
    pub reopened: i64,
    pub satisfaction: Option<String>,
    pub caller_phone: Option<String>,
    pub received_on: String,
    /// Signed for / replied within the limit (`None` while not yet).
    pub signed_on_time: Option<bool>,
    pub replied_on_time: Option<bool>,
    pub contacted: bool,
    pub returns: i64,
    pub extensions: i64,
    pub repeat_call: bool,
    /// Supervision notices issued (督办).
    pub supervised: i64,
    pub search: String,
    pub state: String,
    pub units: Vec<i64>,
    pub events: Vec<(String, Payload)>,
    pub event_times: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct TicketRecord {
    pub id: i64,
    pub ticket_no: String,
    pub hotline: String,
    pub region: String,
    pub channel: String,
    pub kind: String,
    pub urgency: String,
    pub title: String,
    pub stage: String,
    pub outcome: Option<String>,
    pub centre_unit_id: i64,
    pub lead_unit_id: Option<i64>,
    pub pending_unit_id: Option<i64>,
    pub due_date: Option<String>,
    pub due_provisional: i64,
    pub concerns_law: i64,
    pub reopened: i64,
    pub satisfaction: Option<String>,
    pub received_on: String,
    pub version: i64,
    pub state: String,
    pub updated_at: i64,
    pub supervised: i64,
}

impl TicketRecord {
    /// The record [`TicketStore::create_ticket`] stores for `w` by `by`, given the id and number
    /// it answered with.
    pub fn created(id: i64, ticket_no: String, w: &TicketWrite, by: &By) -> TicketRecord {
        TicketRecord {
            id,
            ticket_no,
            hotline: w.hotline.clone(),
            region: w.region.to_string(),
            channel: w.channel.clone(),
            kind: w.kind.clone(),
            urgency: w.urgency.clone(),
            title: w.title.clone(),
            stage: w.stage.clone(),
            outcome: w.outcome.clone(),
            centre_unit_id: w.centre_unit_id,
            lead_unit_id: w.lead_unit_id,
            pending_unit_id: w.pending_unit_id,
            due_date: w.due_date.clone(),
            due_provisional: i64::from(w.due_provisional),
            concerns_law: i64::from(w.concerns_law),
            reopened: w.reopened,
            satisfaction: w.satisfaction.clone(),
            received_on: w.received_on.clone(),
            version: w.events.len() as i64,
            state: w.state.clone(),
            updated_at: w.event_times.last().copied().unwrap_or(by.at),
            supervised: w.supervised,
        }
    }

    /// This record as [`TicketStore::update_ticket`] leaves it after `w` by `by`: what a command
    /// answers with, without reading the row again.
    pub fn updated(&self, w: &TicketWrite, by: &By) -> TicketRecord {
        TicketRecord {
            stage: w.stage.clone(),
            outcome: w.outcome.clone(),
            lead_unit_id: w.lead_unit_id,
            pending_unit_id: w.pending_unit_id,
            due_date: w.due_date.clone(),
            due_provisional: i64::from(w.due_provisional),
            reopened: w.reopened,
            satisfaction: w.satisfaction.clone(),
            urgency: w.urgency.clone(),
            version: self.version + w.events.len() as i64,
            state: w.state.clone(),
            updated_at: w.event_times.last().copied().unwrap_or(by.at),
            supervised: w.supervised,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Orders this unit took, handles or assists.
    pub unit_id: Option<i64>,
    pub region_prefix: Option<String>,
    pub pending_for: Option<i64>,
    pub stage: Option<String>,
    pub hotline: Option<String>,
    pub open_only: bool,
    pub concerns_law: Option<bool>,
    pub due_by: Option<String>,
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    /// The caller's telephone, exactly: their earlier orders.
    pub caller_phone: Option<String>,
    pub text: Option<String>,
    /// Only orders the centre has supervised (督办).
    pub supervised_only: bool,
    /// Newest first when set; otherwise the earliest due date first.
    pub newest_first: bool,
    pub after_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
    pub with_state: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct TicketTally {
    pub hotline: String,
    pub channel: String,
    /// The lead unit (none before dispatch).
    pub lead_unit_id: Option<i64>,
    pub kind: String,
    pub stage: String,
    pub outcome: Option<String>,
    pub reopened: i64,
    pub satisfaction: Option<String>,
    pub concerns_law: i64,
    pub signed_on_time: Option<i64>,
    pub replied_on_time: Option<i64>,
    pub contacted: i64,
    pub returned: i64,
    pub extended: i64,
    pub repeat_call: i64,
    pub supervised: i64,
    pub tickets: i64,
}

pub trait TicketStore {
    /// Take an order: the row, its number, its units and events; `query_hash` is the SHA-256 of
    /// the code the caller is given. Returns the id and the number.
    fn create_ticket(&self, write: TicketWrite, query_hash: String, by: By) -> impl Future<Output = Result<Recorded<(i64, String)>>> + Send;
    fn update_ticket(&self, id: i64, version: i64, write: TicketWrite, by: By) -> impl Future<Output = Result<Recorded<i64>>> + Send;
    /// The order as this process last read or wrote it, for deciding a change without reading
    /// it again (see [`crate::Store::remembered_case`]).
    fn remembered_ticket(&self, id: i64) -> Option<(TicketRecord, Vec<i64>)>;
    fn ticket(&self, id: i64) -> impl Future<Output = Result<Option<(TicketRecord, Vec<i64>)>>> + Send;
    /// An order by its number, with the hash of its query code.
    fn ticket_by_no(&self, ticket_no: &str) -> impl Future<Output = Result<Option<(TicketRecord, String)>>> + Send;
    fn tickets(&self, filter: TicketFilter) -> impl Future<Output = Result<Vec<TicketRecord>>> + Send;
    fn ticket_count(&self, filter: TicketFilter) -> impl Future<Output = Result<i64>> + Send;
    fn ticket_tallies(&self, filter: TicketFilter) -> impl Future<Output = Result<Vec<TicketTally>>> + Send;
    /// Many orders with their history in one transaction (demo data), each with its query hash.
    fn import_tickets(&self, writes: Vec<(TicketWrite, String)>, by: By) -> impl Future<Output = Result<usize>> + Send;
}

const COLS: &str = "id, ticket_no, hotline, region, channel, kind, urgency, title, stage, outcome, centre_unit_id, lead_unit_id, pending_unit_id, due_date, \
                    due_provisional, concerns_law, reopened, satisfaction, received_on, version, state, updated_at, supervised";

fn events(id: i64, w: &TicketWrite) -> Vec<NewEvent> {
    w.events
        .iter()
        .enumerate()
        .map(|(i, (kind, payload))| NewEvent {
            at: w.event_times.get(i).copied(),
            ..NewEvent::new(Subject::Ticket(id), format!("ticket.{kind}"), payload.clone())
        })
        .collect()
}

/// Insert one work order in the caller's transaction: the row, its number, its units; returns its
/// id, its number and the events to record.
async fn insert<D: Db>(db: &mut D, w: &TicketWrite, query_hash: &str, by: &By) -> Result<(i64, String, Vec<NewEvent>)> {
    let at = w.event_times.last().copied().unwrap_or(by.at);
    let id = db
        .fetch_i64(
            "INSERT INTO tickets (ticket_no, query_hash, hotline, region, channel, kind, urgency, title, stage, outcome, centre_unit_id, lead_unit_id, pending_unit_id, \
             due_date, due_provisional, concerns_law, reopened, satisfaction, caller_phone, received_on, search, version, state, updated_at, \
             signed_on_time, replied_on_time, contacted, returns, extensions, repeat_call, supervised) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31) RETURNING id",
            args![
                placeholder(by),
                query_hash,
                &w.hotline,
                w.region.to_string(),
                &w.channel,
                &w.kind,
                &w.urgency,
                &w.title,
                &w.stage,
                &w.outcome,
                w.centre_unit_id,
                w.lead_unit_id,
                w.pending_unit_id,
                &w.due_date,
                w.due_provisional,
                w.concerns_law,
                w.reopened,
                &w.satisfaction,
                &w.caller_phone,
                &w.received_on,
                &w.search,
                w.events.len() as i64,
                &w.state,
                at,
                w.signed_on_time,
                w.replied_on_time,
                w.contacted,
                w.returns,
                w.extensions,
                w.repeat_call,
                w.supervised
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Invalid("the new work order has no id".into()))?;
    let ticket_no = format!("{}{}{}{id:06}", w.hotline, w.region, w.received_on.get(..4).unwrap_or("0000"));
    db.execute("UPDATE tickets SET ticket_no = $1, search = $2 WHERE id = $3", args![&ticket_no, format!("{ticket_no}\n{}", w.search), id]).await?;
    add_units(db, "ticket_units", "ticket_id", id, &w.units).await?;
    Ok((id, ticket_no, events(id, w)))
}

/// A work-order write for the group-commit engine.
pub(crate) enum TicketJob {
    Create { write: TicketWrite, query_hash: String, by: By },
    Update { id: i64, version: i64, write: TicketWrite, by: By },
}

/// What a committed work-order write answers: its id, its number (for a new one), its new version.
pub(crate) struct TicketWritten {
    id: i64,
    ticket_no: String,
    version: i64,
}

impl Job for TicketJob {
    type Out = TicketWritten;

    fn order(&self) -> (u8, i64) {
        match self {
            TicketJob::Create { .. } => (0, 0),
            TicketJob::Update { id, .. } => (1, *id),
        }
    }

    async fn write<D: Db>(&self, db: &mut D) -> Result<Result<Written<TicketWritten>>> {
        match self {
            TicketJob::Create { write, query_hash, by } => {
                let (id, ticket_no, events) = insert(db, write, query_hash, by).await?;
                Ok(Ok(Written { value: TicketWritten { id, ticket_no, version: write.events.len() as i64 }, by: *by, events }))
            }
            TicketJob::Update { id, version, write, by } => Ok(update(db, *id, *version, write, by).await?.map(|(version, events)| Written {
                value: TicketWritten { id: *id, ticket_no: String::new(), version },
                by: *by,
                events,
            })),
        }
    }
}

/// Apply a decided change in the caller's transaction if the work order is still at `version`;
/// returns the new version and the events to record.
async fn update<D: Db>(db: &mut D, id: i64, version: i64, w: &TicketWrite, by: &By) -> Result<Result<(i64, Vec<NewEvent>)>> {
    let new_version = version + w.events.len() as i64;
    let at = w.event_times.last().copied().unwrap_or(by.at);
    let done = db
        .execute(
            "UPDATE tickets SET stage = $1, outcome = $2, lead_unit_id = $3, pending_unit_id = $4, due_date = $5, due_provisional = $6, reopened = $7, \
             satisfaction = $8, urgency = $9, search = substr(search, 1, length(ticket_no) + 1) || $10, version = $11, state = $12, updated_at = $13, \
             signed_on_time = $16, replied_on_time = $17, contacted = $18, returns = $19, extensions = $20, supervised = $21 \
             WHERE id = $14 AND version = $15",
            args![
                &w.stage,
                &w.outcome,
                w.lead_unit_id,
                w.pending_unit_id,
                &w.due_date,
                w.due_provisional,
                w.reopened,
                &w.satisfaction,
                &w.urgency,
                &w.search,
                new_version,
                &w.state,
                at,
                id,
                version,
                w.signed_on_time,
                w.replied_on_time,
                w.contacted,
                w.returns,
                w.extensions,
                w.supervised
            ],
        )
        .await?;
    if done == 0 {
        // Refused before anything was written.
        return Ok(Err(match db.fetch_i64("SELECT id FROM tickets WHERE id = $1", args![id]).await? {
            Some(_) => StoreError::Conflict("the work order changed meanwhile; read it again and retry".into()),
            None => StoreError::NotFound("work order"),
        }));
    }
    add_units(db, "ticket_units", "ticket_id", id, &w.units).await?;
    Ok(Ok((new_version, events(id, w))))
}

fn conditions(f: &TicketFilter) -> Where {
    let mut w = Where::new();
    if let Some(unit) = f.unit_id {
        w.and(" AND t.id IN (SELECT ticket_id FROM ticket_units WHERE unit_id = ?)", P::I(unit));
    }
    if let Some(prefix) = &f.region_prefix {
        w.region("t.region", prefix);
    }
    if let Some(p) = f.pending_for {
        w.and(" AND t.pending_unit_id = ?", P::I(p));
    }
    if let Some(s) = &f.stage {
        w.and(" AND t.stage = ?", P::S(s.clone()));
    }
    if let Some(h) = &f.hotline {
        w.and(" AND t.hotline = ?", P::S(h.clone()));
    }
    if f.open_only {
        w.raw(" AND t.stage <> 'closed' AND t.stage <> 'terminated'");
    }
    if let Some(law) = f.concerns_law {
        w.and(" AND t.concerns_law = ?", P::I(i64::from(law)));
    }
    if let Some(due) = &f.due_by {
        w.and(" AND t.due_date <= ?", P::S(due.clone()));
    }
    if let Some(from) = &f.received_from {
        w.and(" AND t.received_on >= ?", P::S(from.clone()));
    }
    if let Some(to) = &f.received_to {
        w.and(" AND t.received_on <= ?", P::S(to.clone()));
    }
    if let Some(phone) = &f.caller_phone {
        w.and(" AND t.caller_phone = ?", P::S(phone.clone()));
    }
    if let Some(after) = f.after_id {
        w.and(" AND t.id > ?", P::I(after));
    }
    if f.supervised_only {
        w.raw(" AND t.supervised > 0");
    }
    if let Some(text) = f.text.as_ref().filter(|t| !t.is_empty()) {
        w.contains("t.search", text);
    }
    w
}

impl TicketStore for SqlStore {
    async fn create_ticket(&self, write: TicketWrite, query_hash: String, by: By) -> Result<Recorded<(i64, String)>> {
        let r = self.tickets.submit(TicketJob::Create { write, query_hash, by }).await?;
        Ok(Recorded { value: (r.value.id, r.value.ticket_no), leaves: r.leaves })
    }

    async fn import_tickets(&self, writes: Vec<(TicketWrite, String)>, by: By) -> Result<usize> {
        self.ticket_sink.write_all(writes.into_iter().map(|(write, query_hash)| TicketJob::Create { write, query_hash, by }).collect()).await
    }

    async fn update_ticket(&self, id: i64, version: i64, write: TicketWrite, by: By) -> Result<Recorded<i64>> {
        let after = self.cache.tickets.at(id, version).map(|(r, units)| (r.updated(&write, &by), crate::cache::units_after(units, &write.units)));
        let outcome = self.tickets.submit(TicketJob::Update { id, version, write, by }).await.map(|r| Recorded { value: r.value.version, leaves: r.leaves });
        self.cache.tickets.written(id, &outcome, after.map(|after| move |_: &Recorded<i64>| after));
        outcome
    }

    fn remembered_ticket(&self, id: i64) -> Option<(TicketRecord, Vec<i64>)> {
        self.cache.tickets.get(&id)
    }

    async fn ticket(&self, id: i64) -> Result<Option<(TicketRecord, Vec<i64>)>> {
        // The row and the units that may see it in one read.
        let sql = format!(
            "SELECT {COLS}, (SELECT {} FROM ticket_units WHERE ticket_id = $1) AS units FROM tickets WHERE id = $1",
            crate::filters::id_list(self.backend, "unit_id")
        );
        let row: Option<crate::filters::WithUnits<TicketRecord>> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.reader).await?;
        let found = row.map(|r| (r.record, crate::filters::parse_id_list(r.units.as_deref())));
        if let Some((r, units)) = &found {
            self.cache.tickets.remember(r.clone(), units.clone());
        }
        Ok(found)
    }

    async fn ticket_by_no(&self, ticket_no: &str) -> Result<Option<(TicketRecord, String)>> {
        let row: Option<TicketRecord> =
            sqlx::query_as(&format!("SELECT {COLS} FROM tickets WHERE ticket_no = $1")).bind(ticket_no).fetch_optional(&self.reader).await?;
        let Some(row) = row else { return Ok(None) };
        let (hash,): (String,) = sqlx::query_as("SELECT query_hash FROM tickets WHERE id = $1").bind(row.id).fetch_one(&self.reader).await?;
        Ok(Some((row, hash)))
    }

    async fn tickets(&self, f: TicketFilter) -> Result<Vec<TicketRecord>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
        let cols = if f.with_state { COLS.to_string() } else { COLS.replace("state", "'' AS state") };
        let mut w = conditions(&f);
        w.raw(if f.after_id.is_some() {
            " ORDER BY t.id"
        } else if f.newest_first {
            " ORDER BY t.received_on DESC, t.id DESC"
        } else {
            " ORDER BY t.due_date IS NULL, t.due_date, t.id"
        });
        w.page(limit, f.offset);
        let sql = format!("SELECT {cols} FROM tickets t{}", w.sql);
        Ok(bind_all(sqlx::query_as::<_, TicketRecord>(&sql), w.params).fetch_all(&self.reader).await?)
    }

    async fn ticket_count(&self, f: TicketFilter) -> Result<i64> {
        let w = conditions(&f);
        let (n,): (i64,) = bind_all(sqlx::query_as(&format!("SELECT COUNT(*) FROM tickets t{}", w.sql)), w.params).fetch_one(&self.reader).await?;
        Ok(n)
    }

    async fn ticket_tallies(&self, f: TicketFilter) -> Result<Vec<TicketTally>> {
        let Where { sql, params } = conditions(&f);
        let sql = format!(
            "SELECT t.hotline, t.channel, t.lead_unit_id, t.kind, t.stage, t.outcome, CASE WHEN t.reopened > 0 THEN 1 ELSE 0 END AS reopened, t.satisfaction, t.concerns_law, \
             t.signed_on_time, t.replied_on_time, t.contacted, CASE WHEN t.returns > 0 THEN 1 ELSE 0 END AS returned, \
             CASE WHEN t.extensions > 0 THEN 1 ELSE 0 END AS extended, t.repeat_call, CASE WHEN t.supervised > 0 THEN 1 ELSE 0 END AS supervised, COUNT(*) AS tickets \
             FROM tickets t{sql} GROUP BY t.hotline, t.channel, t.lead_unit_id, t.kind, t.stage, t.outcome, CASE WHEN t.reopened > 0 THEN 1 ELSE 0 END, t.satisfaction, t.concerns_law, \
             t.signed_on_time, t.replied_on_time, t.contacted, CASE WHEN t.returns > 0 THEN 1 ELSE 0 END, CASE WHEN t.extensions > 0 THEN 1 ELSE 0 END, t.repeat_call, CASE WHEN t.supervised > 0 THEN 1 ELSE 0 END"
        );
        Ok(bind_all(sqlx::query_as::<_, TicketTally>(&sql), params).fetch_all(&self.reader).await?)
    }
}
