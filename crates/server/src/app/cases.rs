//! Criminal cases: register, command, read, list, the inbox, the dossier, rebuild — what a
//! signed-in person can do with cases, whatever the door.
//!
//! The core decides every command (`xiezhi_core::case::decide`); the store writes the events
//! and the case's projection in one transaction, if nobody changed the case meanwhile.

use crate::app::numbering::Numbering;
use crate::auth::authorize;
use crate::dto::{CommandRequest, NewCaseRequest};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use serde::Serialize;
use sha2::Digest;
use time::Duration;
use xiezhi_core::case::numbering::{Claim, Register};
use xiezhi_core::case::{apply, available, clocks, decide, receivers, Case, Command, Event, UnitRef};
use xiezhi_core::{Action, Calendar, Scope};
use xiezhi_core::{Subject, SubjectKind};
use xiezhi_store::{CaseFilter, CaseRecord, CaseWrite, Payload, Principal, Store};

/// A case as a command leaves it: its row, its state, the units on it, and the audit leaves of
/// the events just written.
pub type Written = (CaseRecord, Case, Vec<i64>, Vec<i64>);

/// What a list's search looks in: the case number, the title, every agency's own number and
/// every person's name, one per line, ASCII letters lower-cased (as SQL's `lower` does on both
/// databases, so the migration that fills it for old rows writes the same).
pub fn search_text(c: &Case) -> String {
    std::iter::once(c.case_no.as_str())
        .chain(std::iter::once(c.title.as_str()))
        .chain(c.numbers.iter().map(|(_, n)| n.as_str()))
        .chain(c.persons.iter().map(|p| p.name.as_str()))
        .chain(c.persons.iter().filter_map(|p| p.id_number.as_deref()))
        .chain(c.charge.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase()
}

/// The subject of a case's events in the log.
pub fn subject(id: i64) -> String {
    Subject::Case(id).to_string()
}

pub fn unit_ref(u: &xiezhi_store::Unit) -> UnitRef {
    UnitRef { id: u.id, kind: u.kind, region: u.region }
}

/// The commands the person's unit may give on the case now, each with whom it may be addressed
/// to (the kinds of unit and regions the law names; none for a command addressed to nobody).
/// Nothing for someone who does not act on cases (a committee, an auditor).
pub fn open_commands<S: Store>(st: &AppState<S>, p: &Principal, c: &Case) -> Vec<(&'static str, Vec<(xiezhi_core::UnitKind, xiezhi_core::RegionCode)>)> {
    if p.actor().authorize(Action::ActOnCases).is_err() {
        return vec![];
    }
    let actor = unit_ref(&p.unit);
    available(c, actor, st.clock.china(), &st.calendar()).into_iter().map(|name| (name, receivers(c, actor, name))).collect()
}

/// The projection of a case after its new events.
pub fn projection(c: &Case, events: &[Event], cal: &Calendar) -> Result<CaseWrite, AppError> {
    // The earliest due date; provisional when that date assumed a calendar year not loaded.
    let due = clocks(c, cal).into_iter().filter_map(|k| k.due.ok()).map(|d| (d.due.date(), d.provisional)).min();
    let mut units: Vec<i64> = c.held_by.iter().chain(&c.involved).map(|u| u.id).collect();
    if let Some(h) = &c.handover {
        units.push(h.to.id);
    }
    let registered_on = events.iter().find_map(|e| if let Event::Registered { on, .. } = e { Some(on.to_string()) } else { None });
    let events = events
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).map_err(|err| AppError::Internal(err.to_string()))?;
            let kind = v["event"].as_str().unwrap_or("unknown").to_string();
            Ok((kind, Payload::new(&v)))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(CaseWrite {
        case_no: c.case_no.clone(),
        issuer_unit_id: c.investigator.id,
        title: c.title.clone(),
        region: c.investigator.region,
        stage: c.stage.as_str().into(),
        holder_unit_id: c.holder.id,
        pending_unit_id: c.handover.as_ref().map(|h| h.to.id),
        notice_unit_id: c.notice.as_ref().map(|n| n.to.id),
        in_custody: c.in_custody(),
        held_since: c.held_since.map(|d| d.to_string()),
        charge: c.charge.clone(),
        registered_on,
        due_date: due.map(|(d, _)| d.to_string()),
        due_provisional: due.is_some_and(|(_, p)| p),
        state: serde_json::to_string(c).map_err(|e| AppError::Internal(e.to_string()))?,
        search: search_text(c),
        units,
        events,
        event_times: vec![],
        claim: None,
    })
}

pub fn state_of(r: &CaseRecord) -> Result<Case, AppError> {
    serde_json::from_str(&r.state).map_err(|e| AppError::Internal(format!("case {} state: {e}", r.id)))
}

/// Load a case the principal may see.
pub async fn visible<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<(CaseRecord, Case, Vec<i64>)> {
    let (r, units) = st.store.case_with_units(id).await?.ok_or(AppError::NotFound("case"))?;
    seen(st, p, r, units).await
}

/// The case as the principal may see it, from what was read.
async fn seen<S: Store>(st: &AppState<S>, p: &Principal, r: CaseRecord, units: Vec<i64>) -> ApiResult<(CaseRecord, Case, Vec<i64>)> {
    let region = xiezhi_core::RegionCode::parse("region", &r.region).map_err(|e| AppError::Internal(e.to_string()))?;
    authorize(st, p, Action::ViewCase { region, involved: units.contains(&p.unit.id) }).await?;
    let c = state_of(&r)?;
    Ok((r, c, units))
}

/// Register (立案) a case (police).
pub async fn register<S: Store>(st: &AppState<S>, p: &Principal, req: NewCaseRequest) -> ApiResult<Written> {
    authorize(st, p, Action::ActOnCases).await?;
    if req.persons.iter().any(|x| x.name.trim().is_empty()) {
        return Err(AppError::field("persons", "every person needs a name"));
    }
    let mut req = req;
    for person in &mut req.persons {
        if let Some(n) = &person.id_number {
            person.id_number = Some(xiezhi_core::id_number::check_id_number("id_number", n)?);
        }
    }
    // No number given: the police's next filing number.
    let mut numbering = Numbering::new(p, st.clock.china().year());
    let case_no = numbering.number("case_no", Some(req.case_no), Register::PoliceFiling)?;
    let claim = numbering.claim;
    let cmd = Command::Register { case_no, title: req.title, persons: req.persons, charge: req.charge };
    cmd.check_texts()?;
    let events = decide(None, &cmd, unit_ref(&p.unit), st.clock.china(), &st.calendar())?;
    let mut c = events.iter().fold(None, apply).ok_or_else(|| AppError::Internal("registration made no case".into()))?;
    let write = CaseWrite { claim, ..projection(&c, &events, &st.calendar())? };
    let by = st.by(p);
    let mut r = CaseRecord::written(0, write.events.len() as i64, &write, write.event_times.last().copied().unwrap_or(by.at));
    let (units, claim) = (crate::app::units_after(vec![], &write.units), write.claim.clone());
    let created = st.store.create_case(write, by).await?;
    r.id = created.value.id;
    settle_number(claim.as_ref(), created.value.number.as_deref(), &mut r, &mut c);
    Ok((r, c, units, created.leaves))
}

/// The answer of a write that drew a number: the number where the pending one stood.
fn settle_number(claim: Option<&Claim>, number: Option<&str>, r: &mut CaseRecord, c: &mut Case) {
    r.settle(claim, number);
    let (Some(claim), Some(number)) = (claim, number) else { return };
    let put = |s: &mut String| *s = s.replace(&claim.pending, number);
    put(&mut c.case_no);
    c.numbers.iter_mut().for_each(|(_, n)| put(n));
}

/// Decide and record one command on a case: the units it names are resolved, and an agency
/// taking the case in gets its own number unless it gives one.
pub async fn command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, req: CommandRequest) -> ApiResult<Written> {
    authorize(st, p, Action::ActOnCases).await?;
    let (cmd, claim) = resolve(st, p, req).await?;
    apply_command(st, p, id, cmd, claim, None).await
}

/// A command given on the case as it was at `version` (a page's form carries the version it
/// was shown at): refused, changing nothing, when the case has changed since — a form sent
/// twice applies once, and nobody acts on a page that no longer shows the case as it is.
pub async fn command_at<S: Store>(st: &AppState<S>, p: &Principal, id: i64, version: i64, req: CommandRequest) -> ApiResult<Written> {
    authorize(st, p, Action::ActOnCases).await?;
    let (cmd, claim) = resolve(st, p, req).await?;
    apply_command(st, p, id, cmd, claim, Some(version)).await
}

/// The machine's command for a client's: unit ids become units; a number not given is claimed
/// from the unit's register (drawn when the write commits).
async fn resolve<S: Store>(st: &AppState<S>, p: &Principal, req: CommandRequest) -> ApiResult<(Command, Option<Claim>)> {
    use CommandRequest as R;
    let mut numbering = Numbering::new(p, st.clock.china().year());
    let mut number = |given: Option<String>, register: Register| numbering.number("number", given, register).map(Some);
    let cmd = match req {
        R::SetCustody { person, custody } => Command::SetCustody { person, custody },
        R::Extend { approver, reason, major } => Command::Extend { approver, reason, major },
        R::RequestArrestApproval { to } => Command::RequestArrestApproval { to: unit(st, to).await? },
        R::TransferForProsecution { to } => Command::TransferForProsecution { to: unit(st, to).await? },
        R::Indict { to } => Command::Indict { to: unit(st, to).await? },
        R::Appeal { to } => Command::Appeal { to: unit(st, to).await? },
        R::HandOverForExecution { to } => Command::HandOverForExecution { to: unit(st, to).await? },
        R::Receive => Command::Receive,
        R::ReturnHandover { reason } => Command::ReturnHandover { reason },
        R::ApproveArrest => Command::ApproveArrest,
        R::RefuseArrest { reason } => Command::RefuseArrest { reason },
        R::AcceptForReview { plea, number: n } => Command::AcceptForReview { plea, number: number(n, Register::ProsecutionReview)? },
        R::ReturnForSupplementaryInvestigation { reason } => Command::ReturnForSupplementaryInvestigation { reason },
        R::DeclineProsecution { reason } => Command::DeclineProsecution { reason },
        R::AcceptForTrial { procedure, number: n } => Command::AcceptForTrial { procedure, number: number(n, Register::FirstInstance)? },
        R::ConvertProcedure { to } => Command::ConvertProcedure { to },
        R::Judge { verdicts } => Command::Judge { verdicts },
        R::Protest { reason } => Command::Protest { reason },
        R::WithdrawProtest { reason } => Command::WithdrawProtest { reason },
        R::Finalize => Command::Finalize,
        R::AcceptAppeal { number: n } => Command::AcceptAppeal { number: number(n, Register::SecondInstance)? },
        R::AcceptExecution => Command::AcceptExecution,
        R::Withdraw { reason } => Command::Withdraw { reason },
        R::Collaborate { kind, to, text } => Command::Collaborate { kind, to: unit(st, to).await?, text },
    };
    Ok((cmd, numbering.claim))
}

/// The unit a command names, as the machine needs it.
async fn unit<S: Store>(st: &AppState<S>, id: i64) -> ApiResult<UnitRef> {
    let u = st.store.unit(id).await.map_err(|_| AppError::field("to", format!("no unit {id}")))?;
    Ok(unit_ref(&u))
}

/// Decide and record a parsed command on a case the principal may see (as this process
/// remembers it, if it does: see [`crate::app::on_remembered`]).
async fn apply_command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, cmd: Command, claim: Option<Claim>, shown: Option<i64>) -> ApiResult<Written> {
    cmd.check_texts()?;
    crate::app::on_remembered(st.store.remembered_case(id), |remembered| {
        let (cmd, claim) = (&cmd, claim.clone());
        async move {
            let seen = match remembered {
                Some((r, units)) => seen(st, p, r, units).await?,
                None => visible(st, p, id).await?,
            };
            decide_and_write(st, p, id, seen, cmd, claim, shown).await
        }
    })
    .await
}

async fn decide_and_write<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    id: i64,
    (r, c, units): (CaseRecord, Case, Vec<i64>),
    cmd: &Command,
    claim: Option<Claim>,
    shown: Option<i64>,
) -> ApiResult<Written> {
    if let Some(v) = shown.filter(|v| *v != r.version) {
        return Err(AppError::Refused {
            forbidden: false,
            code: "stale",
            state: format!("version {}", r.version),
            rule: "a step is taken on the case as it is now".into(),
            message: format!("the case changed since the page showed it (version {v}, now {}): look at it again", r.version),
        });
    }
    let events = decide(Some(&c), cmd, unit_ref(&p.unit), st.clock.china(), &st.calendar())?;
    let mut next = events.iter().fold(Some(c), apply).ok_or_else(|| AppError::Internal("case vanished".into()))?;
    // A serial is drawn only for a number the case records (a unit numbers a case once).
    let claim = claim.filter(|k| events.iter().any(|e| matches!(e, Event::NumberAssigned { number, .. } if *number == k.pending)));
    let mut write = CaseWrite { claim, ..projection(&next, &events, &st.calendar())? };
    // Units are only ever added: the write carries the ones the case does not have yet.
    write.units.retain(|u| !units.contains(u));
    // What the store will hold once the write commits; the answer needs no second read.
    let by = st.by(p);
    let mut record = CaseRecord::written(id, r.version + write.events.len() as i64, &write, by.at);
    let (units, claim) = (crate::app::units_after(units, &write.units), write.claim.clone());
    let written = st.store.update_case(id, r.version, write, by).await?;
    debug_assert_eq!(written.value.version, record.version);
    settle_number(claim.as_ref(), written.value.number.as_deref(), &mut record, &mut next);
    Ok((record, next, units, written.leaves))
}

/// The furthest ahead a list looks for what is due: ten years.
pub const MAX_DUE_WITHIN: i64 = 3660;

/// Every stage a case can be in, in the order of the flow.
pub const STAGES: [&str; 10] = [
    "investigation",
    "prosecution_review",
    "supplementary_investigation",
    "trial",
    "appeal_window",
    "second_instance",
    "final",
    "executed",
    "declined",
    "withdrawn",
];

/// The cases a principal may list: a supervising committee's region subtree, otherwise the
/// cases its unit holds or held.
pub fn scope(p: &Principal) -> CaseFilter {
    match p.actor().scope() {
        Scope::Region(region) => CaseFilter { region_prefix: Some(region.subtree_prefix()), ..Default::default() },
        Scope::Unit(unit) => CaseFilter { unit_id: Some(unit), ..Default::default() },
    }
}

/// Which due dates a list keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Due {
    #[default]
    Any,
    /// Due within this many days of today (0: today or overdue).
    Within(i64),
    /// The clock has run out (due before today).
    Overdue,
    /// Not overdue, and due within this many days.
    Approaching(i64),
}

/// One page of a case list.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub stage: Option<String>,
    pub holder: Option<i64>,
    pub due: Due,
    /// Contained in the case number, the title, any agency's number or any person's name.
    pub text: Option<String>,
    /// Only cases with a return, refusal, protest or message waiting for this unit.
    pub notice_for: Option<i64>,
    /// A region subtree instead of the principal's own scope (supervisors drilling down).
    pub region: Option<xiezhi_core::RegionCode>,
    /// Only cases with someone held at least this many days without a break (久押).
    pub held_over: Option<i64>,
    /// Only cases of this charge (案由).
    pub charge: Option<String>,
    pub sort: xiezhi_store::CaseSort,
    pub limit: i64,
    pub offset: i64,
}

/// The largest page a list gives.
pub const MAX_PAGE: i64 = 1000;

/// What every list checks, naming the field at fault: the due window, the search text, the page.
pub fn check_page(due: Due, text: Option<&str>, limit: i64, offset: i64) -> ApiResult<()> {
    if let Due::Within(n) | Due::Approaching(n) = due {
        if !(0..=MAX_DUE_WITHIN).contains(&n) {
            return Err(AppError::field("due_within", format!("must be between 0 and {MAX_DUE_WITHIN} days")));
        }
    }
    if let Some(text) = text {
        xiezhi_core::names::check_text("q", text, 100, false)?;
    }
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::field("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    if offset < 0 {
        return Err(AppError::field("offset", "must not be negative"));
    }
    Ok(())
}

impl Listing {
    /// Check what a person asked for, naming the field at fault.
    pub fn check(&self) -> ApiResult<()> {
        if let Some(stage) = &self.stage {
            if !STAGES.contains(&stage.as_str()) {
                return Err(AppError::field("stage", format!("unknown stage; one of {}", STAGES.join(", "))));
            }
        }
        if let Some(c) = &self.charge {
            xiezhi_core::charges::check("charge", c)?;
        }
        if self.held_over.is_some_and(|n| !(0..=MAX_DUE_WITHIN).contains(&n)) {
            return Err(AppError::field("held_over", format!("must be between 0 and {MAX_DUE_WITHIN} days")));
        }
        check_page(self.due, self.text.as_deref(), self.limit, self.offset)
    }

    fn filter(&self, today: time::Date, scope: CaseFilter) -> CaseFilter {
        let (due_from, due_by) = match self.due {
            Due::Any => (None, None),
            Due::Within(n) => (None, Some(today + Duration::days(n))),
            Due::Overdue => (None, Some(today - Duration::days(1))),
            Due::Approaching(n) => (Some(today), Some(today + Duration::days(n))),
        };
        CaseFilter {
            stage: self.stage.clone(),
            holder_unit_id: self.holder,
            notice_for: self.notice_for,
            held_since_by: self.held_over.map(|n| (today - Duration::days(n)).to_string()),
            charge: self.charge.clone(),
            text: self.text.as_ref().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
            sort: self.sort,
            due_from: due_from.map(|d| d.to_string()),
            due_by: due_by.map(|d| d.to_string()),
            limit: self.limit,
            offset: self.offset,
            ..scope
        }
    }
}

/// The cases the principal may see, one page, ordered by the earliest due date: those its
/// unit holds or held; for a supervising committee, every case in its region subtree.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal, q: &Listing) -> ApiResult<Vec<CaseRecord>> {
    if let Some(region) = q.region {
        return in_region(st, p, region, q).await;
    }
    q.check()?;
    Ok(st.store.cases(q.filter(st.clock.china().date(), scope(p))).await?)
}

/// The cases of a region subtree, one page, for a committee supervising it.
pub async fn in_region<S: Store>(st: &AppState<S>, p: &Principal, region: xiezhi_core::RegionCode, q: &Listing) -> ApiResult<Vec<CaseRecord>> {
    authorize(st, p, Action::ViewCase { region, involved: false }).await?;
    q.check()?;
    let scope = CaseFilter { region_prefix: Some(region.subtree_prefix()), ..Default::default() };
    Ok(st.store.cases(q.filter(st.clock.china().date(), scope)).await?)
}

/// Cases registered in a region subtree in a period, by charge (案由), for those who supervise
/// the region. The period is at most ten years, `to` not before `from`.
pub async fn charge_tallies<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    region: xiezhi_core::RegionCode,
    from: time::Date,
    to: time::Date,
) -> ApiResult<Vec<xiezhi_store::ChargeTally>> {
    authorize(st, p, Action::ViewCase { region, involved: false }).await?;
    if to < from {
        return Err(AppError::field("from", format!("the period starts {from}, after it ends {to}")));
    }
    if (to - from).whole_days() > MAX_DUE_WITHIN {
        return Err(AppError::field("from", "a period of at most ten years"));
    }
    Ok(st.store.charge_tallies(&region.subtree_prefix(), &from.to_string(), &to.to_string()).await?)
}

/// Returns, refusals, protests and messages waiting for the principal's unit to read and act
/// on, newest first; one page.
pub async fn notices<S: Store>(st: &AppState<S>, p: &Principal, limit: i64, offset: i64) -> ApiResult<Vec<CaseRecord>> {
    Listing { limit, offset, ..Default::default() }.check()?;
    let f = CaseFilter { notice_for: Some(p.unit.id), limit, offset, with_state: true, sort: xiezhi_store::CaseSort::Updated, ..Default::default() };
    Ok(st.store.cases(f).await?)
}

/// One thing the unit did on a case (已办): the events one command recorded, by kind.
pub struct Done {
    pub case_id: i64,
    pub case_no: String,
    pub title: String,
    pub at: i64,
    /// Event kinds, in the order recorded (`case.handover_sent`, …).
    pub kinds: Vec<String>,
    /// What a hand-over sent was for.
    pub handover: Option<xiezhi_core::case::HandoverKind>,
}

/// What the principal's unit did on cases, newest first: one page of its events, each command's
/// events together (they share their case and their moment).
pub async fn done<S: Store>(st: &AppState<S>, p: &Principal, limit: i64, offset: i64) -> ApiResult<Vec<Done>> {
    authorize(st, p, Action::ActOnCases).await?;
    Listing { limit, offset, ..Default::default() }.check()?;
    let events = st.store.unit_events(p.unit.id, &SubjectKind::Case.prefix(), limit, offset).await?;
    let mut out: Vec<Done> = vec![];
    let mut titles: std::collections::HashMap<i64, (String, String)> = Default::default();
    for e in events {
        let Ok(Subject::Case(case_id)) = e.subject.parse::<Subject>() else { continue };
        let handover = match serde_json::from_str::<Event>(&e.payload) {
            Ok(Event::HandoverSent { handover }) => Some(handover.kind),
            _ => None,
        };
        match out.last_mut() {
            Some(d) if d.case_id == case_id && d.at == e.at => {
                d.kinds.insert(0, e.kind);
                d.handover = d.handover.or(handover);
            }
            _ => {
                if let std::collections::hash_map::Entry::Vacant(slot) = titles.entry(case_id) {
                    slot.insert(st.store.case(case_id).await?.map(|r| (r.case_no, r.title)).unwrap_or_default());
                }
                let (case_no, title) = titles[&case_id].clone();
                out.push(Done { case_id, case_no, title, at: e.at, kinds: vec![e.kind], handover });
            }
        }
    }
    Ok(out)
}

/// Hand-overs waiting for the principal's unit to sign for, accept or return; one page.
pub async fn inbox<S: Store>(st: &AppState<S>, p: &Principal, limit: i64, offset: i64) -> ApiResult<Vec<CaseRecord>> {
    Listing { limit, offset, ..Default::default() }.check()?;
    Ok(st.store.cases(CaseFilter { pending_for: Some(p.unit.id), limit, offset, with_state: true, ..Default::default() }).await?)
}

/// A visible case's events, oldest first: its whole record.
pub async fn events<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<Vec<xiezhi_store::Event>> {
    let (r, _, _) = visible(st, p, id).await?;
    Ok(st.store.events_of(&subject(r.id), 10_000).await?)
}

/// What a rebuild found.
#[derive(Debug, Default, Serialize)]
pub struct RebuildReport {
    pub cases: usize,
    /// Cases whose stored read model differed from the replay of their events.
    pub differing: Vec<i64>,
    /// For each of those, what differed: `case 7: stage "trial" ≠ replayed "judgment"`.
    pub details: Vec<String>,
}

/// Replay every case's events through the core and compare with the stored read model; with
/// `repair`, overwrite the read model with the replay.
pub async fn rebuild<S: Store>(store: &S, cal: &Calendar, repair: bool) -> ApiResult<RebuildReport> {
    let mut report = RebuildReport::default();
    let mut after = 0;
    loop {
        let ids = store.case_ids(after, 1000).await?;
        let Some(last) = ids.last() else { break };
        after = *last;
        for id in ids {
            let events = store.events_of(&subject(id), 100_000).await?;
            let parsed = events
                .iter()
                .map(|e| serde_json::from_str::<Event>(&e.payload))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AppError::Internal(format!("case {id}: {e}")))?;
            let Some(replayed) = parsed.iter().fold(None, apply) else {
                return Err(AppError::Internal(format!("case {id} has no registration event")));
            };
            let mut want = projection(&replayed, &[], cal)?;
            want.registered_on = parsed.iter().find_map(|e| if let Event::Registered { on, .. } = e { Some(on.to_string()) } else { None });
            let stored = store.case(id).await?.ok_or(AppError::NotFound("case"))?;
            let mut units = store.case_units(id).await?;
            units.sort();
            let mut want_units = want.units.clone();
            want_units.sort();
            want_units.dedup();
            let stored_state = serde_json::from_str::<Case>(&stored.state).ok();
            let mut differs = Vec::new();
            let mut check = |what: &str, stored: String, replayed: String| {
                if stored != replayed {
                    differs.push(format!("{what} {stored} ≠ replayed {replayed}"));
                }
            };
            check("case_no", format!("{:?}", stored.case_no), format!("{:?}", want.case_no));
            check("title", format!("{:?}", stored.title), format!("{:?}", want.title));
            check("region", stored.region.clone(), want.region.to_string());
            check("stage", format!("{:?}", stored.stage), format!("{:?}", want.stage));
            check("holder", stored.holder_unit_id.to_string(), want.holder_unit_id.to_string());
            check("pending", format!("{:?}", stored.pending_unit_id), format!("{:?}", want.pending_unit_id));
            check("notice", format!("{:?}", stored.notice_unit_id), format!("{:?}", want.notice_unit_id));
            check("held_since", format!("{:?}", stored.held_since), format!("{:?}", want.held_since));
            check("charge", format!("{:?}", stored.charge), format!("{:?}", want.charge));
            check("in_custody", stored.in_custody.to_string(), want.in_custody.to_string());
            check("due_date", format!("{:?}", stored.due_date), format!("{:?}", want.due_date));
            check("due_provisional", stored.due_provisional.to_string(), want.due_provisional.to_string());
            let (search, registered_on) = store.case_search(id).await?;
            check("search", format!("{search:?}"), format!("{:?}", want.search));
            check("registered_on", format!("{registered_on:?}"), format!("{:?}", want.registered_on));
            check("units", format!("{units:?}"), format!("{want_units:?}"));
            if stored_state.as_ref() != Some(&replayed) {
                differs.push(format!("state snapshot ≠ replay of {} events", events.len()));
            }
            let same = differs.is_empty();
            if !same {
                report.details.push(format!("case {id}: {}", differs.join("; ")));
            }
            report.cases += 1;
            if !same {
                report.differing.push(id);
                if repair {
                    store.restore_case(id, want).await?;
                }
            }
        }
    }
    Ok(report)
}

/// Largest document accepted into a dossier.
pub const MAX_DOCUMENT: usize = 8 * 1024 * 1024;
/// Content types a dossier takes.
pub const DOCUMENT_TYPES: [&str; 6] = ["application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain", "application/ofd"];

/// Store a document's bytes (once per content) and add it to the case's dossier.
pub async fn add_document<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    id: i64,
    name: &str,
    category: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> ApiResult<Written> {
    let content_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !DOCUMENT_TYPES.contains(&content_type.as_str()) {
        return Err(AppError::field("content-type", format!("{content_type:?} is not accepted; use one of {}", DOCUMENT_TYPES.join(", "))));
    }
    if bytes.is_empty() || bytes.len() > MAX_DOCUMENT {
        return Err(AppError::field("body", format!("a document is 1 byte to {} MiB", MAX_DOCUMENT / 1024 / 1024)));
    }
    if content_type == "application/pdf" && !bytes.starts_with(b"%PDF-") {
        return Err(AppError::field("body", "the content is not a PDF"));
    }
    let category: xiezhi_core::case::DocumentCategory = serde_json::from_value(serde_json::json!(category))
        .map_err(|_| AppError::field("category", "one of procedural_document, evidence, legal_instrument, other"))?;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let size = bytes.len() as u64;
    // Content first: if the case refuses the document, an unreferenced copy is harmless.
    authorize(st, p, Action::ActOnCases).await?;
    visible(st, p, id).await?;
    st.store.put_blob(&sha, &content_type, bytes, st.clock.now_us()).await?;
    let cmd = Command::AddDocument { sha256: sha, name: name.to_string(), category, content_type, size };
    apply_command(st, p, id, cmd, None, None).await
}

/// A dossier document of a visible case: its name, content type and bytes.
pub async fn document<S: Store>(st: &AppState<S>, p: &Principal, id: i64, sha: &str) -> ApiResult<(String, String, Vec<u8>)> {
    let (_, c, _) = visible(st, p, id).await?;
    let doc = c.documents.iter().find(|d| d.sha256 == sha).ok_or(AppError::NotFound("document"))?;
    let (content_type, bytes) = st.store.blob(sha).await?.ok_or(AppError::NotFound("document content"))?;
    Ok((doc.name.clone(), content_type, bytes))
}

/// How many returns, refusals, protests and messages wait for the unit (the workbench's count
/// beside [`notices`]).
pub async fn notice_count<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<i64> {
    let counts = st.store.case_counts(CaseFilter { notice_for: Some(p.unit.id), ..Default::default() }).await?;
    Ok(counts.iter().map(|c| c.cases).sum())
}

/// How a list is ordered, as people and clients name it.
pub fn parse_sort(raw: Option<&str>) -> ApiResult<xiezhi_store::CaseSort> {
    use xiezhi_store::CaseSort;
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("due") => Ok(CaseSort::Due),
        Some("updated") => Ok(CaseSort::Updated),
        Some("case_no") => Ok(CaseSort::Number),
        Some("held") => Ok(CaseSort::Held),
        Some(other) => Err(AppError::field("sort", format!("{other:?} is not an order; one of due, updated, case_no, held"))),
    }
}

/// The most rows an export gives.
pub const MAX_EXPORT: i64 = 10_000;

/// Every case of a listing (from its first row, at most [`MAX_EXPORT`]), for an export.
pub async fn export<S: Store>(st: &AppState<S>, p: &Principal, q: &Listing) -> ApiResult<Vec<CaseRecord>> {
    let mut out = Vec::new();
    loop {
        let page = list(st, p, &Listing { limit: MAX_PAGE, offset: out.len() as i64, ..q.clone() }).await?;
        let done = (page.len() as i64) < MAX_PAGE;
        out.extend(page);
        if done || out.len() as i64 >= MAX_EXPORT {
            out.truncate(MAX_EXPORT as usize);
            return Ok(out);
        }
    }
}
