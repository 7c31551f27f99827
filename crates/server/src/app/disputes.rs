//! Disputes (多元解纷): register, command, read, list, the inbox, the ledger and its indicators
//! — what a signed-in person can do with disputes, whatever the door.
//!
//! The core decides every command (`xiezhi_core::dispute::decide`); the store writes the events
//! and the dispute's projection in one transaction, if nobody changed the dispute meanwhile.

use crate::app::cases::{unit_ref, Due, MAX_DUE_WITHIN, MAX_PAGE};
use crate::auth::authorize;
use crate::dto::disputes::{DisputeCommandRequest, NewDisputeRequest};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use serde::Serialize;
use time::Duration;
use xiezhi_core::case::numbering::{Claim, Register};
use xiezhi_core::case::UnitRef;
use xiezhi_core::dispute::{apply, clocks, decide, Command, Dispute, Event, Party, Stage};
use xiezhi_core::Subject;
use xiezhi_core::{Action, Calendar, RegionCode, Scope, UnitKind};
use xiezhi_store::{DisputeFilter, DisputeRecord, DisputeSort, DisputeTally, DisputeWrite, Notice, Payload, Principal, Store};

/// A dispute as a command leaves it: its row, its state, the units on it, the audit leaves.
pub type Written = (DisputeRecord, Dispute, Vec<i64>, Vec<i64>);

/// The subject of a dispute's events in the log.
pub fn subject(id: i64) -> String {
    Subject::Dispute(id).to_string()
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// What a list's search looks in (besides the code): the title and every party's name,
/// telephone and number, ASCII lower-cased.
pub fn search_text(d: &Dispute) -> String {
    std::iter::once(d.title.as_str())
        .chain(d.parties.iter().map(|p| p.name.as_str()))
        .chain(d.parties.iter().filter_map(|p| p.phone.as_deref()))
        .chain(d.parties.iter().filter_map(|p| p.id_number.as_deref()))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase()
}

/// The projection of a dispute after its new events.
pub fn projection(d: &Dispute, events: &[Event], cal: &Calendar) -> Result<DisputeWrite, AppError> {
    let due = clocks(d, cal).into_iter().filter(|k| !k.party).filter_map(|k| k.due.ok()).min();
    let mut units: Vec<i64> = d.involved.iter().map(|u| u.id).collect();
    units.push(d.holder.id);
    let told = notices(d, events);
    let events = events
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).map_err(|err| AppError::Internal(err.to_string()))?;
            let kind = v["event"].as_str().unwrap_or("unknown").to_string();
            Ok((kind, Payload::new(&v)))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(DisputeWrite {
        title: d.title.clone(),
        region: d.intake.region,
        channel: text(&d.channel),
        category: text(&d.category),
        risk: d.risk.as_ref().map(|a| text(&a.level)),
        stage: d.stage.as_str().into(),
        outcome: d.outcome.map(|o| o.as_str().into()),
        holder_unit_id: d.holder.id,
        // A referral waits for its receiver; otherwise a report the police have not signed for.
        pending_unit_id: d.referral.as_ref().map(|r| r.to.id).or_else(|| d.reports.iter().find(|r| r.received.is_none()).map(|r| r.to.id)),
        due_date: due.map(|(d, _)| d.to_string()),
        due_provisional: due.is_some_and(|(_, p)| p),
        is_group: d.group,
        party_count: d.parties.len() as i64,
        amount: d.amount.map(|a| a as i64),
        reported: !d.reports.is_empty(),
        linked_cases: d.linked_cases.len() as i64,
        followed_up: d.follow_up.is_some(),
        satisfaction: d.follow_up.map(|s| text(&s)),
        received_on: d.received.to_string(),
        search: search_text(d),
        state: serde_json::to_string(d).map_err(|e| AppError::Internal(e.to_string()))?,
        units,
        notices: told,
        events,
        event_times: vec![],
        claim: None,
    })
}

/// What the units' own systems are told of (by webhook): a referral or a confirmation
/// application sent to them, a report to the police. The store adds the subject.
fn notices(d: &Dispute, events: &[Event]) -> Vec<Notice> {
    let notice = |unit: &UnitRef, kind: &str, e: &Event| Notice {
        unit_id: unit.id,
        kind: format!("dispute.{kind}"),
        subject: String::new(),
        body: serde_json::json!({"title": d.title, "category": d.category, "stage": d.stage.as_str(), "event": e}).to_string(),
    };
    events
        .iter()
        .filter_map(|e| match e {
            Event::Referred { referral } => Some(notice(&referral.to, "referred", e)),
            Event::ConfirmationApplied { court, .. } => Some(notice(court, "confirmation_applied", e)),
            Event::Reported { report } => Some(notice(&report.to, "reported", e)),
            _ => None,
        })
        .collect()
}

pub fn state_of(r: &DisputeRecord) -> Result<Dispute, AppError> {
    serde_json::from_str(&r.state).map_err(|e| AppError::Internal(format!("dispute {} state: {e}", r.id)))
}

fn region_of(r: &DisputeRecord) -> Result<RegionCode, AppError> {
    RegionCode::parse("region", &r.region).map_err(|e| AppError::Internal(e.to_string()))
}

/// Load a dispute the principal may see; `true` when the principal's unit is on it (it sees
/// personal data unmasked).
pub async fn visible<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<(DisputeRecord, Dispute, Vec<i64>, bool)> {
    let (r, units) = st.store.dispute(id).await?.ok_or(AppError::NotFound("dispute"))?;
    seen(st, p, r, units).await
}

/// The dispute as the principal may see it, from what was read.
async fn seen<S: Store>(st: &AppState<S>, p: &Principal, r: DisputeRecord, units: Vec<i64>) -> ApiResult<(DisputeRecord, Dispute, Vec<i64>, bool)> {
    let involved = units.contains(&p.unit.id);
    authorize(st, p, Action::ViewDispute { region: region_of(&r)?, involved }).await?;
    let d = state_of(&r)?;
    Ok((r, d, units, involved))
}

/// Telephone numbers and identity numbers cut to their ends, names to the surname: what a
/// supervising committee sees of people whose dispute it does not handle.
pub fn mask(parties: &[Party]) -> Vec<Party> {
    let cut = |s: &str, head: usize, tail: usize| {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() <= head + tail {
            return "*".repeat(chars.len());
        }
        let mut out: String = chars[..head].iter().collect();
        out.push_str(&"*".repeat(chars.len() - head - tail));
        out.extend(&chars[chars.len() - tail..]);
        out
    };
    parties
        .iter()
        .map(|p| Party {
            name: if p.organisation { p.name.clone() } else { cut(&p.name, 1, 0) },
            phone: p.phone.as_deref().map(|s| cut(s, 3, 4)),
            id_number: p.id_number.as_deref().map(|s| cut(s, 6, 4)),
            ..p.clone()
        })
        .collect()
}

/// Register (登记受理) a dispute.
pub async fn register<S: Store>(st: &AppState<S>, p: &Principal, req: NewDisputeRequest) -> ApiResult<Written> {
    authorize(st, p, Action::ActOnDisputes).await?;
    let mut parties = req.parties;
    for party in &mut parties {
        party.name = party.name.trim().to_string();
        if party.name.is_empty() {
            return Err(AppError::field("parties", "every party needs a name"));
        }
        party.phone = party.phone.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        party.id_number = party.id_number.take().map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
    }
    let cmd = Command::Register {
        title: req.title.trim().to_string(),
        channel: req.channel,
        category: req.category,
        amount: req.amount,
        group: req.group,
        parties,
        limits: crate::app::limits::in_force_for_disputes(st, p.unit.region).await?,
    };
    cmd.check_texts()?;
    let cal = st.calendar();
    let events = decide(None, &cmd, unit_ref(&p.unit), st.clock.china(), &cal)?;
    let d = events.iter().fold(None, apply).ok_or_else(|| AppError::Internal("registration made no dispute".into()))?;
    let write = projection(&d, &events, &cal)?;
    let by = st.by(p);
    let units = crate::app::units_after(vec![], &write.units);
    let created = st.store.create_dispute(write.clone(), by).await?;
    let (id, code) = created.value;
    Ok((DisputeRecord::created(id, code, &write, &by), d, units, created.leaves))
}

/// Decide and record one command on a dispute: the units it names are resolved, and a court
/// taking it in gets its own number unless it gives one.
pub async fn command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, req: DisputeCommandRequest) -> ApiResult<Written> {
    authorize(st, p, Action::ActOnDisputes).await?;
    let (cmd, claim) = resolve(st, p, req).await?;
    cmd.check_texts()?;
    crate::app::on_remembered(st.store.remembered_dispute(id), |remembered| {
        let (cmd, claim) = (&cmd, claim.clone());
        async move {
            let seen = match remembered {
                Some((r, units)) => seen(st, p, r, units).await?,
                None => visible(st, p, id).await?,
            };
            decide_and_write(st, p, id, seen, cmd, claim).await
        }
    })
    .await
}

async fn decide_and_write<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    id: i64,
    (r, d, units, _): (DisputeRecord, Dispute, Vec<i64>, bool),
    cmd: &Command,
    claim: Option<Claim>,
) -> ApiResult<Written> {
    if let Command::Assess { level, .. } = cmd {
        let scale = crate::app::limits::risk_scale(st, region_of(&r)?).await?;
        if !scale.allows(*level) {
            let names: Vec<String> = scale.levels.iter().map(|l| format!("{} ({})", l.name_en, l.name)).collect();
            return Err(AppError::field("level", format!("not a level of this province's risk scale: {}", names.join(", "))));
        }
    }
    let cal = st.calendar();
    let events = decide(Some(&d), cmd, unit_ref(&p.unit), st.clock.china(), &cal)?;
    let mut next = events.iter().fold(Some(d), apply).ok_or_else(|| AppError::Internal("dispute vanished".into()))?;
    let mut write = projection(&next, &events, &cal)?;
    // A serial is drawn only for a number the dispute records.
    write.claim = claim.filter(|k| write.events.iter().any(|(_, e)| e.text().contains(&k.pending)));
    write.units.retain(|u| !units.contains(u));
    // Answered from what was written, not read again.
    let by = st.by(p);
    let mut after = r.updated(&write, &by);
    let units = crate::app::units_after(units, &write.units);
    let pending = write.claim.as_ref().map(|k| k.pending.clone());
    let written = st.store.update_dispute(id, r.version, write, by).await?;
    if let (Some(pending), (_, Some(number))) = (pending, &written.value) {
        after.state = after.state.replace(&pending, number);
        next = state_of(&after)?;
    }
    Ok((after, next, units, written.leaves))
}

/// The machine's command for a client's: unit ids become units; a court number not given is
/// claimed from the court's register (drawn when the write commits).
async fn resolve<S: Store>(st: &AppState<S>, p: &Principal, req: DisputeCommandRequest) -> ApiResult<(Command, Option<Claim>)> {
    use DisputeCommandRequest as R;
    let mut numbering = crate::app::numbering::Numbering::new(p, st.clock.china().year());
    let mut number = |given: Option<String>, register: Register| numbering.number("number", given, register).map(Some);
    let cmd = match req {
        R::Assess { level, factors, next_review } => Command::Assess { level, factors, next_review },
        R::ReportToPolice { to } => Command::ReportToPolice { to: unit(st, "to", to).await? },
        R::AcknowledgeReport => Command::AcknowledgeReport,
        R::Refer { kind, to, consent } => Command::Refer { kind, to: unit(st, "to", to).await?, consent },
        R::Receive => Command::Receive,
        R::Decline { reason } => Command::Decline { reason },
        R::RecordRefusal { party } => Command::RecordRefusal { party },
        R::AssignMediator { mediator } => {
            let m = st
                .store
                .mediator(mediator)
                .await?
                .filter(|m| m.disabled_at.is_none())
                .ok_or_else(|| AppError::field("mediator", format!("no active mediator {mediator}")))?;
            Command::AssignMediator { mediator: xiezhi_core::dispute::MediatorRef { id: m.id, name: m.name, unit_id: m.unit_id } }
        }
        R::Recuse { ground } => Command::Recuse { ground },
        R::RecordSession { note } => Command::RecordSession { note },
        R::ExtendMediation { until, consents } => Command::ExtendMediation { until, consents },
        R::Agree { terms, partial, facts } => Command::Agree { terms, partial, facts },
        R::Sign { signer } => Command::Sign { signer },
        R::EndMediation { failure, reason, undisputed_facts } => Command::EndMediation { failure, reason, undisputed_facts },
        R::ApplyForConfirmation { court, applicants } => Command::ApplyForConfirmation { court: unit(st, "court", court).await?, applicants },
        R::AcceptConfirmation { number: n } => Command::AcceptConfirmation { number: number(n, Register::CivilSpecial)? },
        R::NotAcceptConfirmation { ground } => Command::NotAcceptConfirmation { ground },
        R::ExtendConfirmation { approver, reason } => Command::ExtendConfirmation { approver, reason },
        R::Rule { ruling } => Command::Rule { ruling },
        R::FileCase { track, number: n } => Command::FileCase { track, number: number(n, Register::CivilFirstInstance)? },
        R::ConvertTrack { to } => Command::ConvertTrack { to },
        R::ConcludeLitigation { outcome } => Command::ConcludeLitigation { outcome },
        R::RecordPerformance { term, performance } => Command::RecordPerformance { term, performance },
        R::FollowUp { satisfaction, note } => Command::FollowUp { satisfaction, note },
        R::Close => Command::Close,
        R::Withdraw { reason } => Command::Withdraw { reason },
        R::LinkCase { case_id } => Command::LinkCase { case_id },
    };
    Ok((cmd, numbering.claim))
}

async fn unit<S: Store>(st: &AppState<S>, field: &'static str, id: i64) -> ApiResult<UnitRef> {
    let u = st.store.unit(id).await.map_err(|_| AppError::field(field, format!("no unit {id}")))?;
    if u.disabled {
        return Err(AppError::field(field, format!("unit {id} is disabled")));
    }
    Ok(unit_ref(&u))
}

/// Units that keep a roster of mediators: mediation organisations, and basic courts (their
/// invited mediators).
pub fn keeps_a_roster(kind: UnitKind) -> bool {
    kind.is_partner_platform() || matches!(kind, UnitKind::MediationCommittee | UnitKind::GovernanceCentre | UnitKind::JusticeBureau | UnitKind::CourtBasic)
}

/// The principal's organisation's roster.
pub async fn roster<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<xiezhi_store::Mediator>> {
    authorize(st, p, Action::ActOnDisputes).await?;
    Ok(st.store.mediators_of_unit(p.unit.id).await?)
}

/// Put a mediator on the principal's organisation's roster.
pub async fn add_mediator<S: Store>(st: &AppState<S>, p: &Principal, req: crate::dto::disputes::NewMediatorRequest) -> ApiResult<xiezhi_store::Mediator> {
    authorize(st, p, Action::ActOnDisputes).await?;
    if !keeps_a_roster(p.unit.kind) {
        return Err(AppError::Forbidden(format!("a {} unit keeps no roster of mediators", p.unit.kind)));
    }
    let name = req.name.trim().to_string();
    xiezhi_core::names::check_text("name", &name, 64, false)?;
    let specialties = req.specialties.iter().map(text).collect::<Vec<_>>().join(",");
    Ok(st.store.add_mediator(p.unit.id, name, specialties, req.court_roster, st.by(p)).await?.value)
}

/// Take a mediator off the principal's organisation's roster.
pub async fn disable_mediator<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<xiezhi_store::Mediator> {
    authorize(st, p, Action::ActOnDisputes).await?;
    let m = st.store.mediator(id).await?.ok_or(AppError::NotFound("mediator"))?;
    if m.unit_id != p.unit.id {
        return Err(AppError::Forbidden(format!("mediator {id} is on another organisation's roster")));
    }
    Ok(st.store.disable_mediator(id, st.by(p)).await?.value)
}

/// Every stage a dispute can be in, in the order of the flow.
pub fn stages() -> Vec<&'static str> {
    Stage::ALL.iter().map(|s| s.as_str()).collect()
}

/// Every risk level, highest first.
pub const RISKS: [&str; 4] = ["red", "orange", "yellow", "blue"];

/// One page of a dispute list or the ledger.
#[derive(Debug, Clone, Default)]
pub struct DisputeListing {
    /// A region subtree (a committee's view; defaults to what the principal may see).
    pub region: Option<RegionCode>,
    pub stage: Option<String>,
    pub risks: Vec<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    pub open_only: bool,
    pub due: Due,
    /// Received from / to (`YYYY-MM-DD`, inclusive).
    pub received_from: Option<time::Date>,
    pub received_to: Option<time::Date>,
    pub text: Option<String>,
    pub sort: DisputeSort,
    pub limit: i64,
    pub offset: i64,
}

fn one_of(field: &'static str, value: &Option<String>, allowed: &[String]) -> ApiResult<()> {
    match value {
        Some(v) if !allowed.contains(v) => Err(AppError::field(field, format!("{v:?} is not one of {}", allowed.join(", ")))),
        _ => Ok(()),
    }
}

fn names<T: Serialize + Copy>(all: &[T]) -> Vec<String> {
    all.iter().map(text).collect()
}

impl DisputeListing {
    pub fn check(&self) -> ApiResult<()> {
        one_of("stage", &self.stage, &stages().iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
        one_of("channel", &self.channel, &names(&xiezhi_core::dispute::Channel::ALL))?;
        one_of("category", &self.category, &names(&xiezhi_core::dispute::Category::ALL))?;
        for r in &self.risks {
            one_of("risk", &Some(r.clone()), &RISKS.map(String::from))?;
        }
        if let Due::Within(n) | Due::Approaching(n) = self.due {
            if !(0..=MAX_DUE_WITHIN).contains(&n) {
                return Err(AppError::field("due_within", format!("must be between 0 and {MAX_DUE_WITHIN} days")));
            }
        }
        if let (Some(a), Some(b)) = (self.received_from, self.received_to) {
            if a > b {
                return Err(AppError::field("from", format!("the period starts {a}, after it ends {b}")));
            }
        }
        if let Some(t) = &self.text {
            xiezhi_core::names::check_text("q", t, 100, false)?;
        }
        if !(1..=MAX_PAGE).contains(&self.limit) {
            return Err(AppError::field("limit", format!("must be between 1 and {MAX_PAGE}")));
        }
        if self.offset < 0 {
            return Err(AppError::field("offset", "must not be negative"));
        }
        Ok(())
    }

    fn filter(&self, today: time::Date, scope: DisputeFilter) -> DisputeFilter {
        let due_by = match self.due {
            Due::Any => None,
            Due::Within(n) | Due::Approaching(n) => Some(today + Duration::days(n)),
            Due::Overdue => Some(today - Duration::days(1)),
        };
        DisputeFilter {
            stage: self.stage.clone(),
            risks: self.risks.clone(),
            channel: self.channel.clone(),
            category: self.category.clone(),
            open_only: self.open_only || self.due != Due::Any,
            due_by: due_by.map(|d| d.to_string()),
            received_from: self.received_from.map(|d| d.to_string()),
            received_to: self.received_to.map(|d| d.to_string()),
            text: self.text.as_ref().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
            sort: self.sort,
            limit: self.limit,
            offset: self.offset,
            ..scope
        }
    }
}

/// A listing as a door receives it, every value still text: checked into a [`DisputeListing`]
/// naming the parameter at fault.
#[derive(Debug, Clone, Default)]
pub struct ListingParams {
    pub region: Option<String>,
    pub stage: Option<String>,
    /// Comma-separated risk levels.
    pub risk: Option<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    pub open: bool,
    pub overdue: bool,
    pub due_within: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl ListingParams {
    pub fn listing(&self, default_limit: i64) -> ApiResult<DisputeListing> {
        let due = match (self.overdue, self.due_within) {
            (true, _) => Due::Overdue,
            (_, Some(n)) => Due::Within(n),
            _ => Due::Any,
        };
        let sort = match self.sort.as_deref().unwrap_or("due") {
            "due" | "" => DisputeSort::Due,
            "received" => DisputeSort::Received,
            "updated" => DisputeSort::Updated,
            other => return Err(AppError::field("sort", format!("unknown order {other:?}; one of due, received, updated"))),
        };
        let nonempty = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(DisputeListing {
            region: nonempty(&self.region).map(|r| RegionCode::parse("region", &r)).transpose()?,
            stage: nonempty(&self.stage),
            risks: self.risk.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
            channel: nonempty(&self.channel),
            category: nonempty(&self.category),
            open_only: self.open,
            due,
            received_from: crate::app::input::date("from", self.from.as_deref())?,
            received_to: crate::app::input::date("to", self.to.as_deref())?,
            text: nonempty(&self.q),
            sort,
            limit: self.limit.unwrap_or(default_limit),
            offset: self.offset.unwrap_or(0),
        })
    }
}

/// What the principal may list: a supervising committee's region subtree (or a region inside
/// it), otherwise the disputes its unit is on.
async fn scope<S: Store>(st: &AppState<S>, p: &Principal, region: Option<RegionCode>) -> ApiResult<DisputeFilter> {
    match region {
        Some(region) => {
            authorize(st, p, Action::ViewDispute { region, involved: false }).await?;
            Ok(DisputeFilter { region_prefix: Some(region.subtree_prefix()), ..Default::default() })
        }
        None => Ok(match p.actor().scope() {
            Scope::Region(region) => DisputeFilter { region_prefix: Some(region.subtree_prefix()), ..Default::default() },
            Scope::Unit(unit) => DisputeFilter { unit_id: Some(unit), ..Default::default() },
        }),
    }
}

/// One page of the disputes the principal may see, and how many there are in all.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal, q: &DisputeListing) -> ApiResult<(Vec<DisputeRecord>, i64)> {
    q.check()?;
    let f = q.filter(st.clock.china().date(), scope(st, p, q.region).await?);
    let total = st.store.dispute_count(f.clone()).await?;
    Ok((st.store.disputes(f).await?, total))
}

/// Referrals and applications waiting for the principal's unit to sign for; one page.
pub async fn inbox<S: Store>(st: &AppState<S>, p: &Principal, limit: i64, offset: i64) -> ApiResult<Vec<DisputeRecord>> {
    DisputeListing { limit, offset, ..Default::default() }.check()?;
    Ok(st
        .store
        .disputes(DisputeFilter { pending_for: Some(p.unit.id), sort: DisputeSort::Received, limit, offset, with_state: true, ..Default::default() })
        .await?)
}

/// How many open disputes the unit handles (a supervising committee: open in its subtree) are
/// graded in the two highest tiers, red and orange.
pub async fn high_risk<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<i64> {
    let mine = match p.actor().scope() {
        Scope::Region(region) => DisputeFilter { region_prefix: Some(region.subtree_prefix()), open_only: true, ..Default::default() },
        Scope::Unit(unit) => DisputeFilter { holder_unit_id: Some(unit), open_only: true, ..Default::default() },
    };
    Ok(st.store.dispute_count(DisputeFilter { risks: vec!["red".into(), "orange".into()], ..mine }).await?)
}

/// A dispute's events, oldest first.
pub async fn events<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<Vec<xiezhi_store::Event>> {
    visible(st, p, id).await?;
    Ok(st.store.events_of(&subject(id), 10_000).await?)
}

/// Every dispute replayed from its events and compared with its row, column by column: what
/// `xiezhi rebuild --check` reports (never repaired automatically). Returns how many were
/// checked and the differences found.
pub async fn check_all<S: Store>(store: &S, cal: &Calendar) -> ApiResult<(usize, Vec<String>)> {
    let (mut checked, mut found, mut after) = (0, Vec::new(), 0);
    loop {
        let rows = store.disputes(DisputeFilter { after_id: Some(after), sort: DisputeSort::Id, limit: 1000, with_state: true, ..Default::default() }).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            checked += 1;
            let events = store.events_of(&subject(r.id), 100_000).await?;
            let parsed = events.iter().map(|e| serde_json::from_str::<Event>(&e.payload)).collect::<Result<Vec<_>, _>>();
            let Some(replayed) = parsed.ok().and_then(|p| p.iter().fold(None, apply)) else {
                found.push(format!("dispute {}: its events do not replay", r.id));
                continue;
            };
            let want = projection(&replayed, &[], cal)?;
            let mut differs = Vec::new();
            let mut check = |what: &str, stored: String, replayed: String| {
                if stored != replayed {
                    differs.push(format!("{what} {stored} ≠ replayed {replayed}"));
                }
            };
            check("title", format!("{:?}", r.title), format!("{:?}", want.title));
            check("region", r.region.clone(), want.region.to_string());
            check("stage", r.stage.clone(), want.stage.clone());
            check("risk", format!("{:?}", r.risk), format!("{:?}", want.risk));
            check("outcome", format!("{:?}", r.outcome), format!("{:?}", want.outcome));
            check("holder", r.holder_unit_id.to_string(), want.holder_unit_id.to_string());
            check("pending", format!("{:?}", r.pending_unit_id), format!("{:?}", want.pending_unit_id));
            check("due_date", format!("{:?}", r.due_date), format!("{:?}", want.due_date));
            check("version", r.version.to_string(), events.len().to_string());
            if serde_json::from_str::<Dispute>(&r.state).ok().as_ref() != Some(&replayed) {
                differs.push(format!("state snapshot ≠ replay of {} events", events.len()));
            }
            if !differs.is_empty() {
                found.push(format!("dispute {}: {}", r.id, differs.join("; ")));
            }
        }
    }
    Ok((checked, found))
}

/// A count and the people in it (件/人).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub disputes: i64,
    pub persons: i64,
}

impl Count {
    fn add(&mut self, t: &DisputeTally) {
        self.disputes += t.disputes;
        self.persons += t.parties;
    }
}

/// The standard indicators of a ledger (`disputes-hotlines-credit.md` §1.3); each rate with its
/// numerator and denominator.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Indicators {
    /// 排查数: registered in the period.
    pub screened: Count,
    /// Diverted out of intake (to mediation, a partner or the court).
    pub diverted: i64,
    /// 化解数: resolved by agreement, confirmation or in court.
    pub resolved: i64,
    /// Closed or withdrawn.
    pub finished: i64,
    /// Mediations concluded (agreed or failed) and, of them, agreed.
    pub mediations_concluded: i64,
    pub mediations_agreed: i64,
    pub confirmed: i64,
    pub followed_up: i64,
    pub satisfied: i64,
    /// Red or orange, or reported to the police.
    pub escalated: Count,
    /// 防止民转刑: escalated disputes resolved with no criminal case linked.
    pub prevented_criminal: Count,
    /// 民转刑: disputes a criminal case came from (a negative indicator).
    pub turned_criminal: Count,
    /// 制止群体性上访/械斗: group disputes resolved.
    pub group_resolved: Count,
    pub by_channel: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
    pub by_risk: Vec<(String, i64)>,
    pub by_stage: Vec<(String, i64)>,
}

/// A rate in per cent with one decimal, or none for an empty denominator.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

pub fn indicators(tallies: &[DisputeTally]) -> Indicators {
    let mut i = Indicators::default();
    let by = |v: &mut Vec<(String, i64)>, key: &str, n: i64| match v.iter_mut().find(|(k, _)| k == key) {
        Some((_, c)) => *c += n,
        None => v.push((key.to_string(), n)),
    };
    for t in tallies {
        let n = t.disputes;
        i.screened.add(t);
        let outcome = t.outcome.as_deref();
        let resolved = matches!(outcome, Some("agreed" | "confirmed" | "litigated"));
        if t.stage != "registered" || outcome.is_some() {
            i.diverted += n;
        }
        if resolved {
            i.resolved += n;
        }
        if t.stage == "closed" || t.stage == "withdrawn" {
            i.finished += n;
        }
        if matches!(outcome, Some("agreed" | "confirmed" | "failed")) {
            i.mediations_concluded += n;
        }
        if matches!(outcome, Some("agreed" | "confirmed")) {
            i.mediations_agreed += n;
        }
        if outcome == Some("confirmed") {
            i.confirmed += n;
        }
        if t.followed_up != 0 {
            i.followed_up += n;
        }
        if matches!(t.satisfaction.as_deref(), Some("satisfied" | "basically_satisfied")) {
            i.satisfied += n;
        }
        let escalated = matches!(t.risk.as_deref(), Some("red" | "orange")) || t.reported != 0;
        if escalated {
            i.escalated.add(t);
            if resolved && t.linked == 0 {
                i.prevented_criminal.add(t);
            }
        }
        if t.linked != 0 {
            i.turned_criminal.add(t);
        }
        if t.is_group != 0 && resolved {
            i.group_resolved.add(t);
        }
        by(&mut i.by_channel, &t.channel, n);
        by(&mut i.by_category, &t.category, n);
        by(&mut i.by_risk, t.risk.as_deref().unwrap_or("none"), n);
        by(&mut i.by_stage, &t.stage, n);
    }
    for v in [&mut i.by_channel, &mut i.by_category, &mut i.by_risk, &mut i.by_stage] {
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    i
}

/// The ledger (台账): one page of the disputes the listing selects, how many there are, and
/// the indicators over all of them.
pub async fn ledger<S: Store>(st: &AppState<S>, p: &Principal, q: &DisputeListing) -> ApiResult<(Vec<DisputeRecord>, i64, Indicators)> {
    q.check()?;
    let f = q.filter(st.clock.china().date(), scope(st, p, q.region).await?);
    let tallies = st.store.dispute_tallies(f.clone()).await?;
    let ind = indicators(&tallies);
    Ok((st.store.disputes(f).await?, ind.screened.disputes, ind))
}

/// Every dispute the listing selects, for export (at most `cap` rows).
pub async fn export<S: Store>(st: &AppState<S>, p: &Principal, q: &DisputeListing, cap: i64) -> ApiResult<Vec<DisputeRecord>> {
    let mut out = Vec::new();
    let mut q = DisputeListing { limit: MAX_PAGE, offset: 0, ..q.clone() };
    loop {
        let (page, _) = list(st, p, &q).await?;
        let n = page.len() as i64;
        out.extend(page);
        if n < MAX_PAGE || out.len() as i64 >= cap {
            break;
        }
        q.offset += MAX_PAGE;
    }
    out.truncate(cap as usize);
    Ok(out)
}
