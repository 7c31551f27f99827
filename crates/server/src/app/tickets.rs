//! Hotline work orders: take a call, command, read (a confidential caller hidden from the
//! handling units), list, the inbox, the caller's earlier orders, the public status lookup, the
//! conversion into a dispute and the indicators — whatever the door.

use crate::app::cases::unit_ref;
use crate::auth::authorize;
use crate::dto::tickets::{NewTicketRequest, TicketCommandRequest};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use serde::Serialize;
use sha2::Digest;
use time::Duration;
use xiezhi_core::case::UnitRef;
use xiezhi_core::ticket::{apply, clocks, decide, on_time, Command, Event, Stage, Ticket};
use xiezhi_core::Subject;
use xiezhi_core::{Action, Calendar, RegionCode, Scope};
use xiezhi_store::{Payload, Principal, Store, TicketFilter, TicketRecord, TicketTally, TicketWrite};

pub type Written = (TicketRecord, Ticket, Vec<i64>, Vec<i64>);

pub fn subject(id: i64) -> String {
    Subject::Ticket(id).to_string()
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Whose step is next: the centre's, or the lead's.
fn next_unit(t: &Ticket) -> Option<i64> {
    let lead = t.lead().map(|a| a.unit.id);
    match t.stage {
        Stage::Received | Stage::Replied | Stage::CallingBack => Some(t.centre.id),
        Stage::Dispatched => lead,
        Stage::InProgress if t.return_request.is_some() || t.extension_request.is_some() || t.termination_request.is_some() => Some(t.centre.id),
        Stage::InProgress => lead,
        Stage::Closed | Stage::Terminated => None,
    }
}

pub fn projection(t: &Ticket, events: &[Event], cal: &Calendar) -> Result<TicketWrite, AppError> {
    let due = clocks(t, cal).into_iter().filter_map(|k| k.due.ok()).min();
    let mut units: Vec<i64> = t.involved.iter().map(|u| u.id).collect();
    units.push(t.centre.id);
    let events = events
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).map_err(|err| AppError::Internal(err.to_string()))?;
            Ok((v["event"].as_str().unwrap_or("unknown").to_string(), Payload::new(&v)))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    // The search never holds a confidential caller's identity.
    let who = if t.caller.confidential { vec![] } else { [t.caller.name.as_deref(), t.caller.phone.as_deref()].into_iter().flatten().collect() };
    Ok(TicketWrite {
        hotline: t.hotline.as_str().into(),
        region: t.centre.region,
        channel: text(&t.channel),
        kind: text(&t.kind),
        urgency: text(&t.urgency),
        title: t.title.clone(),
        stage: t.stage.as_str().into(),
        outcome: t.outcome.map(|o| o.as_str().into()),
        centre_unit_id: t.centre.id,
        lead_unit_id: t.lead().map(|a| a.unit.id),
        pending_unit_id: next_unit(t),
        due_date: due.map(|(d, _)| d.to_string()),
        due_provisional: due.is_some_and(|(_, p)| p),
        concerns_law: t.concerns_law,
        reopened: i64::from(t.reopened),
        satisfaction: t.callbacks.iter().rev().find_map(|c| c.satisfaction).map(|s| text(&s)),
        caller_phone: t.caller.phone.clone(),
        received_on: t.received.to_string(),
        signed_on_time: on_time(t, cal).0,
        replied_on_time: on_time(t, cal).1,
        contacted: t.first_contact.is_some(),
        returns: i64::from(t.returns),
        extensions: i64::from(t.extensions),
        repeat_call: t.repeat_of.is_some(),
        supervised: t.supervisions.len() as i64,
        search: std::iter::once(t.title.as_str()).chain(who).collect::<Vec<_>>().join("\n").to_ascii_lowercase(),
        state: serde_json::to_string(t).map_err(|e| AppError::Internal(e.to_string()))?,
        units,
        events,
        event_times: vec![],
    })
}

pub fn state_of(r: &TicketRecord) -> Result<Ticket, AppError> {
    serde_json::from_str(&r.state).map_err(|e| AppError::Internal(format!("work order {} state: {e}", r.id)))
}

/// The order as this principal may see it: a confidential caller's identity only for the
/// hotline centre that took the call (H17).
pub fn as_seen_by(t: &Ticket, p: &Principal) -> Ticket {
    if p.unit.id == t.centre.id {
        t.clone()
    } else {
        Ticket { caller: t.caller.for_handlers(), ..t.clone() }
    }
}

pub async fn visible<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<(TicketRecord, Ticket, Vec<i64>)> {
    let (r, units) = st.store.ticket(id).await?.ok_or(AppError::NotFound("work order"))?;
    seen(st, p, r, units).await
}

/// The order as the principal may see it, from what was read.
async fn seen<S: Store>(st: &AppState<S>, p: &Principal, r: TicketRecord, units: Vec<i64>) -> ApiResult<(TicketRecord, Ticket, Vec<i64>)> {
    let region = RegionCode::parse("region", &r.region).map_err(|e| AppError::Internal(e.to_string()))?;
    authorize(st, p, Action::ViewTicket { region, involved: units.contains(&p.unit.id) }).await?;
    let t = state_of(&r)?;
    Ok((r, t, units))
}

/// A query code for the caller: eight digits, easy to read out on the phone.
fn query_code() -> String {
    let raw = crate::auth::secret(16);
    let n = sha2::Sha256::digest(raw.as_bytes()).iter().take(8).fold(0u64, |acc, b| acc * 256 + u64::from(*b));
    format!("{:08}", n % 100_000_000)
}

/// What is stored of a query code: a salt and the SHA-256 of salt and code (`salt:hex`).
pub fn query_hash(salt: &str, code: &str) -> String {
    format!("{salt}:{}", hex::encode(sha2::Sha256::digest(format!("{salt}:{code}").as_bytes())))
}

/// Take a call (受理): the order, and the query code to give the caller (shown once).
pub async fn register<S: Store>(st: &AppState<S>, p: &Principal, req: NewTicketRequest) -> ApiResult<(Written, String)> {
    authorize(st, p, Action::ActOnTickets).await?;
    let mut caller = req.caller;
    caller.name = caller.name.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    caller.phone = caller.phone.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let cmd = Command::Register {
        channel: req.channel,
        kind: req.kind,
        urgency: req.urgency,
        caller,
        title: req.title.trim().to_string(),
        content: req.content,
        address: req.address.trim().to_string(),
        concerns_law: req.concerns_law,
        repeat_of: req.repeat_of,
        limits: crate::app::limits::in_force(st, p.unit.region).await?,
    };
    cmd.check_texts()?;
    let cal = st.calendar();
    let events = decide(None, &cmd, unit_ref(&p.unit), st.clock.china(), &cal)?;
    let t = events.iter().fold(None, apply).ok_or_else(|| AppError::Internal("no order".into()))?;
    let write = projection(&t, &events, &cal)?;
    let code = query_code();
    let by = st.by(p);
    let units = crate::app::units_after(vec![], &write.units);
    let created = st.store.create_ticket(write.clone(), query_hash(&crate::auth::secret(12), &code), by).await?;
    let (id, no) = created.value;
    Ok(((TicketRecord::created(id, no, &write, &by), t, units, created.leaves), code))
}

/// Decide and record a command on an order.
pub async fn command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, req: TicketCommandRequest) -> ApiResult<Written> {
    authorize(st, p, Action::ActOnTickets).await?;
    let cmd = resolve(st, p, id, req).await?;
    cmd.check_texts()?;
    apply_command(st, p, id, cmd).await
}

async fn apply_command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, cmd: Command) -> ApiResult<Written> {
    crate::app::on_remembered(st.store.remembered_ticket(id), |remembered| {
        let cmd = &cmd;
        async move {
            let seen = match remembered {
                Some((r, units)) => seen(st, p, r, units).await?,
                None => visible(st, p, id).await?,
            };
            decide_and_write(st, p, id, seen, cmd).await
        }
    })
    .await
}

async fn decide_and_write<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    id: i64,
    (r, t, units): (TicketRecord, Ticket, Vec<i64>),
    cmd: &Command,
) -> ApiResult<Written> {
    let cal = st.calendar();
    let events = decide(Some(&t), cmd, unit_ref(&p.unit), st.clock.china(), &cal)?;
    let next = events.iter().fold(Some(t), apply).ok_or_else(|| AppError::Internal("order vanished".into()))?;
    let mut write = projection(&next, &events, &cal)?;
    write.units.retain(|u| !units.contains(u));
    // Answered from what was written, not read again.
    let by = st.by(p);
    let after = r.updated(&write, &by);
    let units = crate::app::units_after(units, &write.units);
    let written = st.store.update_ticket(id, r.version, write, by).await?;
    Ok((after, next, units, written.leaves))
}

async fn unit<S: Store>(st: &AppState<S>, field: &'static str, id: i64) -> ApiResult<UnitRef> {
    let u = st.store.unit(id).await.map_err(|_| AppError::field(field, format!("no unit {id}")))?;
    if u.disabled {
        return Err(AppError::field(field, format!("unit {id} is disabled")));
    }
    Ok(unit_ref(&u))
}

async fn resolve<S: Store>(st: &AppState<S>, p: &Principal, id: i64, req: TicketCommandRequest) -> ApiResult<Command> {
    use TicketCommandRequest as R;
    Ok(match req {
        R::AnswerOnCall { answer, item } => {
            let (answer, item) = match item {
                Some(id) => {
                    let (k, r) = crate::app::knowledge::citable(st, p, id).await?;
                    (if answer.trim().is_empty() { k.answer } else { answer }, Some(r))
                }
                None if answer.trim().is_empty() => return Err(AppError::field("answer", "give the answer, or cite a knowledge item")),
                None => (answer, None),
            };
            Command::AnswerOnCall { answer, item }
        }
        R::NotAccept { reason, route } => Command::NotAccept { reason, route },
        R::Supervise { reason, note } => Command::Supervise { reason, note },
        R::TransferEmergency { to } => Command::TransferEmergency { to },
        R::Dispatch { lead, assists, designated } => {
            let mut units = Vec::new();
            for a in assists {
                units.push(unit(st, "assists", a).await?);
            }
            Command::Dispatch { lead: unit(st, "lead", lead).await?, assists: units, designated }
        }
        R::SignFor => Command::SignFor,
        R::RequestReturn { reason } => Command::RequestReturn { reason },
        R::DecideReturn { approve } => Command::DecideReturn { approve },
        R::FirstContact => Command::FirstContact,
        R::RequestExtension { days, reason } => Command::RequestExtension { days, reason },
        R::DecideExtension { approve } => Command::DecideExtension { approve },
        R::AssistReport { text } => Command::AssistReport { text },
        R::Reply { resolution, text } => Command::Reply { resolution, text },
        R::Review { pass, note } => Command::Review { pass, note },
        R::Callback { channel, reached, solved, satisfaction } => Command::Callback { channel, reached, solved, satisfaction },
        R::RequestTermination { reason } => Command::RequestTermination { reason },
        R::DecideTermination { approve } => Command::DecideTermination { approve },
        R::BecomeDispute { category, respondent } => Command::BecomeDispute { dispute_id: become_dispute(st, p, id, category, respondent).await? },
    })
}

/// Register the dispute an order becomes: the caller its applicant, the hotline its channel.
/// Checked against the machine first, so a refused conversion registers nothing.
async fn become_dispute<S: Store>(st: &AppState<S>, p: &Principal, id: i64, category: xiezhi_core::dispute::Category, respondent: String) -> ApiResult<i64> {
    let (_, t, _) = visible(st, p, id).await?;
    decide(Some(&t), &Command::BecomeDispute { dispute_id: 1 }, unit_ref(&p.unit), st.clock.china(), &st.calendar())?;
    let applicant = xiezhi_core::dispute::Party {
        name: t.caller.name.clone().unwrap_or_else(|| "来电人".into()),
        role: xiezhi_core::dispute::PartyRole::Applicant,
        organisation: false,
        phone: t.caller.phone.clone(),
        id_number: None,
        vulnerable: vec![],
    };
    let other = xiezhi_core::dispute::Party {
        name: respondent.trim().to_string(),
        role: xiezhi_core::dispute::PartyRole::Respondent,
        organisation: false,
        phone: None,
        id_number: None,
        vulnerable: vec![],
    };
    let req = crate::dto::disputes::NewDisputeRequest {
        title: t.title.clone(),
        channel: xiezhi_core::dispute::Channel::Hotline,
        category,
        amount: None,
        group: false,
        parties: vec![applicant, other],
    };
    let (r, ..) = crate::app::disputes::register(st, p, req).await?;
    Ok(r.id)
}

/// One page of the orders the principal may see: a supervising committee's subtree, otherwise
/// those its unit took, handles or assists; and how many there are.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal, f: TicketFilter) -> ApiResult<(Vec<TicketRecord>, i64)> {
    if !(1..=1000).contains(&f.limit) {
        return Err(AppError::field("limit", "must be between 1 and 1000"));
    }
    if f.offset < 0 {
        return Err(AppError::field("offset", "must not be negative"));
    }
    if let Some(t) = &f.text {
        xiezhi_core::names::check_text("q", t, 100, false)?;
    }
    let f = scoped(p, f)?;
    let total = st.store.ticket_count(f.clone()).await?;
    Ok((st.store.tickets(f).await?, total))
}

/// Orders whose next step is the principal's unit's.
pub async fn inbox<S: Store>(st: &AppState<S>, p: &Principal, limit: i64, offset: i64) -> ApiResult<Vec<TicketRecord>> {
    Ok(list(st, p, TicketFilter { pending_for: Some(p.unit.id), limit, offset, ..Default::default() }).await?.0)
}

/// The caller's earlier orders at this centre (by telephone), newest first.
pub async fn earlier<S: Store>(st: &AppState<S>, p: &Principal, phone: &str) -> ApiResult<Vec<TicketRecord>> {
    authorize(st, p, Action::ActOnTickets).await?;
    if xiezhi_core::ticket::Hotline::of(p.unit.kind).is_none() {
        return Err(AppError::Forbidden("only a hotline centre looks callers up by telephone".into()));
    }
    let phone = phone.trim();
    if phone.is_empty() || phone.len() > 20 {
        return Err(AppError::field("phone", "a telephone number"));
    }
    Ok(st
        .store
        .tickets(TicketFilter { caller_phone: Some(phone.into()), unit_id: Some(p.unit.id), newest_first: true, limit: 20, ..Default::default() })
        .await?)
}

/// What a caller learns with the number and the query code: the stage, the unit handling it
/// and the reply. A wrong code answers exactly like an unknown number.
pub async fn public_status<S: Store>(st: &AppState<S>, client: &str, ticket_no: &str, code: &str) -> ApiResult<(TicketRecord, Ticket, Option<String>)> {
    let now = st.clock.now_us();
    if failed_lookups(st, client, now, false) >= MAX_FAILED_LOOKUPS {
        return Err(AppError::Throttled { minutes: LOOKUP_WINDOW_MINUTES });
    }
    let unknown = || {
        failed_lookups(st, client, now, true);
        AppError::NotFound("work order with that number and query code")
    };
    let Some((r, hash)) = st.store.ticket_by_no(ticket_no.trim()).await? else { return Err(unknown()) };
    let given = query_hash(hash.split(':').next().unwrap_or_default(), code.trim());
    if !constant_time_eq(given.as_bytes(), hash.as_bytes()) {
        return Err(unknown());
    }
    let t = state_of(&r)?;
    let handled_by = match t.lead() {
        Some(a) => Some(st.store.unit(a.unit.id).await?.name),
        None => None,
    };
    Ok((r, t, handled_by))
}

/// Wrong numbers or codes a client may try in a window before it must wait.
const MAX_FAILED_LOOKUPS: usize = 10;
const LOOKUP_WINDOW_MINUTES: i64 = 10;

/// A client's failed lookups within the window (recording one more when `add`). Kept in this
/// server's memory: enough to make guessing codes slow.
fn failed_lookups<S>(st: &AppState<S>, client: &str, now: i64, add: bool) -> usize {
    let mut map = st.failed_lookups.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 100_000 {
        map.clear();
    }
    let since = now - LOOKUP_WINDOW_MINUTES * 60_000_000;
    let times = map.entry(client.to_string()).or_default();
    times.retain(|t| *t > since);
    if add {
        times.push(now);
    }
    times.len()
}

/// The stage in Chinese, for the caller (and Open311's `status_notes`).
pub fn status_notes(t: &Ticket) -> String {
    match t.stage {
        Stage::Received => "已受理，正在分派",
        Stage::Dispatched => "已派单，等待承办单位签收",
        Stage::InProgress if t.reopened > 0 => "已发回重办，承办单位正在办理",
        Stage::InProgress => "承办单位正在办理",
        Stage::Replied => "承办单位已答复，热线正在审核",
        Stage::CallingBack => "已办理，等待回访",
        Stage::Closed => "已办结",
        Stage::Terminated => "已终止办理",
    }
    .to_string()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The hotline indicators (§2.4) over the orders a filter selects.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Indicators {
    pub received: i64,
    pub answered_on_call: i64,
    pub dispatched: i64,
    pub closed: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub reopened: i64,
    pub concerns_law: i64,
    pub became_dispute: i64,
    pub open: i64,
    /// Signed for (by the lead), and of them within the limit (按时签收).
    pub signed: i64,
    pub signed_on_time: i64,
    /// Replied to (last round), and of them within the limit (按时办结).
    pub replied: i64,
    pub replied_on_time: i64,
    /// The lead reached the caller (响应).
    pub contacted: i64,
    /// Orders with a return asked (退单), with an extension asked (延期), repeat calls.
    pub returned: i64,
    pub extended: i64,
    pub repeat_calls: i64,
    /// Orders the centre supervised (督办).
    pub supervised: i64,
    /// 12309: replies due in 7 days (calls, visits, online) and results due in 3 months
    /// (letters), and of each how many came within the limit.
    pub h12309_replied: i64,
    pub h12309_replied_on_time: i64,
    pub h12309_results: i64,
    pub h12309_results_on_time: i64,
    pub by_hotline: Vec<(String, i64)>,
    pub by_kind: Vec<(String, i64)>,
}

pub fn indicators(tallies: &[TicketTally]) -> Indicators {
    let mut i = Indicators::default();
    let by = |v: &mut Vec<(String, i64)>, k: &str, n: i64| match v.iter_mut().find(|(x, _)| x == k) {
        Some((_, c)) => *c += n,
        None => v.push((k.to_string(), n)),
    };
    for t in tallies {
        let n = t.tickets;
        i.received += n;
        match t.outcome.as_deref() {
            Some("answered_on_call") => i.answered_on_call += n,
            Some("became_dispute") => i.became_dispute += n,
            _ => {}
        }
        if !matches!(t.outcome.as_deref(), Some("answered_on_call" | "not_accepted" | "emergency" | "became_dispute")) && t.stage != "received" {
            i.dispatched += n;
        }
        if t.stage == "closed" || t.stage == "terminated" {
            i.closed += n;
        } else {
            i.open += n;
        }
        if t.satisfaction.is_some() {
            i.rated += n;
        }
        if matches!(t.satisfaction.as_deref(), Some("satisfied" | "basically_satisfied")) {
            i.satisfied += n;
        }
        if t.reopened != 0 {
            i.reopened += n;
        }
        if t.concerns_law != 0 {
            i.concerns_law += n;
        }
        if let Some(on) = t.signed_on_time {
            i.signed += n;
            i.signed_on_time += n * on;
        }
        if let Some(on) = t.replied_on_time {
            i.replied += n;
            i.replied_on_time += n * on;
            if t.hotline == "12309" && t.channel == "letter" {
                i.h12309_results += n;
                i.h12309_results_on_time += n * on;
            } else if t.hotline == "12309" {
                i.h12309_replied += n;
                i.h12309_replied_on_time += n * on;
            }
        }
        i.contacted += n * t.contacted;
        i.returned += n * t.returned;
        i.extended += n * t.extended;
        i.repeat_calls += n * t.repeat_call;
        i.supervised += n * t.supervised;
        by(&mut i.by_hotline, &t.hotline, n);
        by(&mut i.by_kind, &t.kind, n);
    }
    i
}

/// A value on the indicator sheet: a count, or a rate in per cent (none when nothing to rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    Count(i64),
    Rate(Option<f64>),
}

/// The indicator sheet in the order officials read it: (key, Chinese, English, value). The page,
/// the API and the workbook all show these lines.
pub fn lines(i: &Indicators) -> Vec<(&'static str, &'static str, &'static str, Figure)> {
    use Figure::{Count, Rate};
    let rate = |a: i64, b: i64| Rate(crate::app::disputes::rate(a, b));
    vec![
        ("received", "受理", "Received", Count(i.received)),
        ("answered_on_call", "当场解答", "Answered on the call", Count(i.answered_on_call)),
        ("dispatched", "派单", "Dispatched", Count(i.dispatched)),
        ("closed", "办结", "Closed", Count(i.closed)),
        ("on_time_sign_for_rate", "按时签收率", "Signed for on time", rate(i.signed_on_time, i.signed)),
        ("response_rate", "响应率", "Response rate", rate(i.contacted, i.dispatched)),
        ("on_time_reply_rate", "按时办结率", "Replied on time", rate(i.replied_on_time, i.replied)),
        ("satisfaction_rate", "满意率", "Satisfaction", rate(i.satisfied, i.rated)),
        ("reopen_rate", "重办率", "Reopened", rate(i.reopened, i.closed)),
        ("return_rate", "退单率", "Returns asked", rate(i.returned, i.dispatched)),
        ("extension_rate", "延期率", "Extensions asked", rate(i.extended, i.dispatched)),
        ("repeat_call_rate", "重复来电率", "Repeat calls", rate(i.repeat_calls, i.received)),
        ("h12309_reply_rate", "12309七日内答复率", "12309 replied within 7 days", rate(i.h12309_replied_on_time, i.h12309_replied)),
        ("h12309_result_rate", "12309三个月内答复办理结果率", "12309 results within 3 months", rate(i.h12309_results_on_time, i.h12309_results)),
        ("supervised", "督办", "Supervised", Count(i.supervised)),
        ("concerns_law", "涉法涉诉", "Concern the law", Count(i.concerns_law)),
        ("became_dispute", "转为矛盾纠纷", "Became disputes", Count(i.became_dispute)),
    ]
}

/// The scope of the principal's indicators: a supervising committee its subtree, anyone else
/// the orders its unit took, handles or assists.
/// A region asked for (`f.region_prefix`) narrows it; a committee may not look outside its own.
fn scoped(p: &Principal, f: TicketFilter) -> ApiResult<TicketFilter> {
    let mut f = f;
    match p.actor().scope() {
        Scope::Region(region) => {
            let own = region.subtree_prefix();
            match &f.region_prefix {
                Some(asked) if !asked.starts_with(&own) => {
                    return Err(AppError::field("region", format!("region {asked} is outside the region {region} you supervise")));
                }
                Some(_) => {}
                None => f.region_prefix = Some(own),
            }
        }
        Scope::Unit(unit) => f.unit_id = Some(unit),
    }
    Ok(f)
}

pub async fn ledger<S: Store>(st: &AppState<S>, p: &Principal, f: TicketFilter) -> ApiResult<Indicators> {
    Ok(indicators(&st.store.ticket_tallies(scoped(p, f)?).await?))
}

/// The indicators as a whole and for each lead unit (orders not dispatched under `None`), the
/// busiest unit first: one read.
pub async fn ledger_by_unit<S: Store>(st: &AppState<S>, p: &Principal, f: TicketFilter) -> ApiResult<(Indicators, Vec<(Option<i64>, Indicators)>)> {
    let tallies = st.store.ticket_tallies(scoped(p, f)?).await?;
    let mut leads: Vec<Option<i64>> = tallies.iter().map(|t| t.lead_unit_id).collect();
    leads.sort_unstable();
    leads.dedup();
    let mut units: Vec<(Option<i64>, Indicators)> = leads
        .into_iter()
        .map(|lead| {
            let mine: Vec<TicketTally> = tallies.iter().filter(|t| t.lead_unit_id == lead).cloned().collect();
            (lead, indicators(&mine))
        })
        .collect();
    units.sort_by_key(|(lead, i)| (std::cmp::Reverse(i.received), *lead));
    Ok((indicators(&tallies), units))
}

/// The day before today, `YYYY-MM-DD`: a clock due by then has run out.
pub fn overdue_by<S>(st: &AppState<S>) -> String {
    (st.clock.china().date() - Duration::days(1)).to_string()
}

/// Every work order replayed from its events and compared with its row (what `xiezhi rebuild
/// --check` reports; never repaired automatically).
pub async fn check_all<S: Store>(store: &S, cal: &Calendar) -> ApiResult<(usize, Vec<String>)> {
    let (mut checked, mut found, mut after) = (0, Vec::new(), 0);
    loop {
        let rows = store.tickets(TicketFilter { after_id: Some(after), limit: 1000, with_state: true, ..Default::default() }).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            checked += 1;
            let events = store.events_of(&subject(r.id), 100_000).await?;
            let parsed = events.iter().map(|e| serde_json::from_str::<Event>(&e.payload)).collect::<Result<Vec<_>, _>>();
            let Some(replayed) = parsed.ok().and_then(|p| p.iter().fold(None, apply)) else {
                found.push(format!("work order {}: its events do not replay", r.id));
                continue;
            };
            let want = projection(&replayed, &[], cal)?;
            let mut differs = Vec::new();
            for (what, stored, replayed) in [
                ("stage", r.stage.clone(), want.stage.clone()),
                ("outcome", format!("{:?}", r.outcome), format!("{:?}", want.outcome)),
                ("lead", format!("{:?}", r.lead_unit_id), format!("{:?}", want.lead_unit_id)),
                ("pending", format!("{:?}", r.pending_unit_id), format!("{:?}", want.pending_unit_id)),
                ("due_date", format!("{:?}", r.due_date), format!("{:?}", want.due_date)),
                ("version", r.version.to_string(), events.len().to_string()),
            ] {
                if stored != replayed {
                    differs.push(format!("{what} {stored} ≠ replayed {replayed}"));
                }
            }
            if serde_json::from_str::<Ticket>(&r.state).ok().as_ref() != Some(&replayed) {
                differs.push(format!("state snapshot ≠ replay of {} events", events.len()));
            }
            if !differs.is_empty() {
                found.push(format!("work order {}: {}", r.id, differs.join("; ")));
            }
        }
    }
    Ok((checked, found))
}
