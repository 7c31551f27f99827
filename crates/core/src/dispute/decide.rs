//! Deciding dispute commands and applying their events.

use super::*;
use crate::deadline::latest_reading;
use crate::refusal::{Refusal, RefusalKind};
use crate::{resolve, Calendar, DeadlineRequest, RegionCode, RuleId, Start, UnitKind};
use time::PrimitiveDateTime;

fn describe(d: &Dispute) -> String {
    let mut s = d.stage.as_str().to_string();
    if let Some(r) = &d.referral {
        s.push_str(&format!(", referral {:?} to unit {} waiting", r.kind, r.to.id));
    }
    s
}

fn refuse(code: &'static str, d: Option<&Dispute>, rule: &str, message: impl Into<String>) -> Refusal {
    Refusal { kind: RefusalKind::NotNow, code, state: d.map(describe).unwrap_or_else(|| "not registered".into()), rule: rule.into(), message: message.into() }
}

fn not_yours(code: &'static str, d: Option<&Dispute>, rule: &str, message: impl Into<String>) -> Refusal {
    Refusal { kind: RefusalKind::NotYours, ..refuse(code, d, rule, message) }
}

/// One region inside the other: a county's units, or the city's above it.
fn near(a: RegionCode, b: RegionCode) -> bool {
    a.contains(b) || b.contains(a)
}

/// Units that take disputes in.
fn takes_in(kind: UnitKind) -> bool {
    kind.is_partner_platform()
        || matches!(
            kind,
            UnitKind::GovernanceCentre
                | UnitKind::MediationCommittee
                | UnitKind::Police
                | UnitKind::CourtBasic
                | UnitKind::JusticeBureau
                | UnitKind::Hotline12345
                | UnitKind::Hotline12309
                | UnitKind::Hotline12348
        )
}

/// A deadline for a rule from a start day: the date and whether it is provisional.
fn due_of(d: &Dispute, rule: &str, start: Date, extended: bool, cal: &Calendar) -> Result<(Date, bool), String> {
    let (rule, _) = crate::local::applied(RuleId::parse(rule)?.rule(), &d.limits);
    let r = resolve(DeadlineRequest { rule: &rule, start: Start::Date(start), in_custody: false, extended }, cal).map_err(|e| e.to_string())?;
    Ok((r.due.date(), r.provisional.is_some()))
}

/// The last day a party's period could end on any reading of a year whose calendar is missing:
/// a party is never refused for a day the law may still give them.
fn party_window_end(rule: &str, start: Date, cal: &Calendar) -> Result<Date, String> {
    let rule = RuleId::parse(rule)?.rule();
    let r = resolve(DeadlineRequest { rule, start: Start::Date(start), in_custody: false, extended: false }, cal).map_err(|e| e.to_string())?;
    Ok(latest_reading(&r, cal))
}

/// A clock now running on the dispute, or a party's period (which blames no unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueView {
    pub rule: String,
    pub unit: UnitRef,
    pub start: Date,
    /// The date and whether it is provisional, or why it cannot be computed.
    pub due: Result<(Date, bool), String>,
    /// A date every party agreed to (an extended mediation), not the rule's.
    pub agreed: bool,
    /// A party's period (to apply, to object): shown, never counted against a unit.
    pub party: bool,
    /// The province's own limit that replaced the catalogue's, if one did.
    pub local: Option<crate::local::LocalLimit>,
}

/// The clocks and party periods running now.
pub fn clocks(d: &Dispute, cal: &Calendar) -> Vec<DueView> {
    let mut out = Vec::new();
    if d.stage.is_closed() {
        return out;
    }
    let view = |rule: &str, unit: UnitRef, start: Date, extended: bool, party: bool| DueView {
        rule: rule.into(),
        unit,
        start,
        due: due_of(d, rule, start, extended, cal),
        agreed: false,
        party,
        local: d.limits.iter().find(|l| l.rule == rule).cloned(),
    };
    if let Some(a) = d.risk.as_ref().filter(|a| a.level == Risk::Red) {
        if !d.reports.iter().any(|r| r.sent >= a.on) {
            out.push(view("dispute.red_report", d.holder, a.on, false, false));
        }
    }
    if let (Stage::Mediating, Some(m)) = (d.stage, &d.mediation) {
        let mut v = view(&m.rule, m.unit, m.start, false, false);
        if let Some(until) = m.agreed_until {
            v.due = Ok((until, false));
            v.agreed = true;
        }
        out.push(v);
    }
    if let (Stage::Confirming, Some(c)) = (d.stage, &d.confirmation) {
        match (c.accepted, c.received) {
            (Some(on), _) => out.push(view("civil.judicial_confirmation_decision", c.court, on, c.extended, false)),
            (None, Some(on)) => out.push(view("civil.judicial_confirmation_acceptance", c.court, on, false, false)),
            _ => {}
        }
    }
    if let (Stage::Litigating, Some(l)) = (d.stage, &d.litigation) {
        if let (Some(track), Some(filed)) = (l.track, l.filed) {
            out.push(view(track.rule(), l.court, filed + time::Duration::days(l.paused_days), false, false));
        }
    }
    if d.stage == Stage::Performing {
        if let Some(on) = d.agreement.as_ref().and_then(|a| a.effective) {
            match &d.confirmation {
                None => out.push(view("civil.judicial_confirmation_application", d.holder, on, false, true)),
                Some(Confirmation { ruled: Some(ruled), .. }) => out.push(view("civil.judicial_confirmation_objection", d.holder, *ruled, false, true)),
                _ => {}
            }
        }
    }
    out
}

/// An entrusted mediation is over: the case is the court's again, at the litigation stage, its
/// period longer by the days it waited on the mediation (特邀调解规定 27).
fn back_to_court(d: &mut Dispute, m: &Mediation, on: Date) {
    d.holder = m.referrer;
    d.stage = Stage::Litigating;
    if let Some(l) = &mut d.litigation {
        l.paused_days += (on - m.start).whole_days().max(0);
    }
}

fn mediation_due(d: &Dispute, cal: &Calendar) -> Option<Date> {
    clocks(d, cal).into_iter().find(|v| v.rule.starts_with("mediation.")).and_then(|v| v.due.ok()).map(|(due, _)| due)
}

/// Decide a command. `actor` is the unit acting; roles are checked before this, by the policy.
pub fn decide(dispute: Option<&Dispute>, cmd: &Command, actor: UnitRef, now: PrimitiveDateTime, cal: &Calendar) -> Result<Vec<Event>, Refusal> {
    let today = now.date();
    let Some(d) = dispute else {
        let Command::Register { title, channel, category, amount, group, parties, limits } = cmd else {
            return Err(refuse("not_registered", None, "a dispute exists once it is registered (登记受理)", "the dispute is not registered"));
        };
        if !takes_in(actor.kind) {
            return Err(not_yours(
                "wrong_unit",
                None,
                "disputes are taken in by governance centres, mediation committees, partner platforms, the police, basic courts, justice bureaus and hotlines",
                format!("a {} unit does not take disputes in", actor.kind),
            ));
        }
        return Ok(vec![Event::Registered {
            title: title.clone(),
            channel: *channel,
            category: *category,
            amount: *amount,
            group: *group,
            parties: parties.clone(),
            by: actor,
            on: today,
            limits: limits.clone(),
        }]);
    };
    let some = Some(d);
    if let Command::Register { .. } = cmd {
        return Err(refuse("already_registered", some, "one dispute, one code (一案一码)", "the dispute is already registered"));
    }
    if d.stage.is_closed() && !matches!(cmd, Command::LinkCase { .. }) {
        return Err(refuse("closed", some, "a closed dispute takes no more commands", format!("the dispute is {}", d.stage.as_str())));
    }
    let holder = || {
        if actor.id == d.holder.id {
            Ok(())
        } else {
            Err(not_yours(
                "not_holder",
                some,
                "only the unit handling the dispute acts on it",
                format!("unit {} handles this dispute, not unit {}", d.holder.id, actor.id),
            ))
        }
    };
    let at = |stages: &[Stage], rule: &str| {
        if stages.contains(&d.stage) {
            Ok(())
        } else {
            let names: Vec<_> = stages.iter().map(|s| s.as_str()).collect();
            Err(refuse("illegal_transition", some, rule, format!("this needs the dispute {}, not {}", names.join(" or "), d.stage.as_str())))
        }
    };
    let no_referral = || match &d.referral {
        Some(r) => Err(refuse("referral_pending", some, "one hand-over at a time", format!("a referral to unit {} is waiting to be signed for", r.to.id))),
        None => Ok(()),
    };
    let party = |i: usize| {
        if i < d.parties.len() {
            Ok(())
        } else {
            Err(refuse("no_such_party", some, "parties are numbered from 0", format!("there is no party {i}; the dispute has {}", d.parties.len())))
        }
    };
    let every_party = |given: &[usize], rule: &str, what: &str| match (0..d.parties.len()).find(|i| !given.contains(i)) {
        Some(i) => Err(refuse("not_every_party", some, rule, format!("{what}: party {i} ({}) is missing", d.parties[i].name))),
        None => Ok(()),
    };
    let ev = match cmd {
        Command::Register { .. } => unreachable!("handled above"),
        Command::Assess { level, factors, next_review } => {
            holder()?;
            if *next_review <= today {
                return Err(refuse(
                    "next_review",
                    some,
                    "a graded dispute is looked at again (研判)",
                    format!("the next review {next_review} must be after today {today}"),
                ));
            }
            vec![Event::Assessed { assessment: Assessment { level: *level, factors: factors.clone(), on: today, next_review: *next_review, by: actor } }]
        }
        Command::ReportToPolice { to } => {
            holder()?;
            if d.risk.as_ref().is_none_or(|a| a.level < Risk::Orange) {
                return Err(refuse(
                    "not_risky",
                    some,
                    "人民调解法 25: a dispute that may turn into a criminal case is reported",
                    "grade the dispute red or orange before reporting it",
                ));
            }
            if to.kind != UnitKind::Police || !near(to.region, d.intake.region) {
                return Err(refuse(
                    "wrong_target",
                    some,
                    "人民调解法 25: reported to the local police",
                    format!("unit {} is not the police of region {}", to.id, d.intake.region),
                ));
            }
            if d.reports.iter().any(|r| r.to.id == to.id && r.received.is_none()) {
                return Err(refuse("already_reported", some, "one report at a time", format!("unit {} has not yet signed for the last report", to.id)));
            }
            vec![Event::Reported { report: Report { to: *to, sent: today, received: None } }]
        }
        Command::AcknowledgeReport => {
            let Some(index) = d.reports.iter().position(|r| r.to.id == actor.id && r.received.is_none()) else {
                return Err(not_yours("not_receiver", some, "the police sign for a report sent to them", "no report to your unit is waiting"));
            };
            vec![Event::ReportAcknowledged { index, on: today }]
        }
        Command::Refer { kind, to, consent } => {
            holder()?;
            if *kind == ReferralKind::EntrustedAfterFiling {
                at(&[Stage::Litigating], "民诉法 98; 特邀调解规定 27: the court entrusts mediation of a filed case")?;
                if d.litigation.as_ref().is_none_or(|l| l.filed.is_none()) {
                    return Err(refuse("not_filed", some, "特邀调解规定 27", "file the case before entrusting its mediation"));
                }
            } else {
                at(&[Stage::Registered], "a dispute is diverted from intake, or onwards after a failed stream")?;
            }
            no_referral()?;
            let fits = match kind {
                ReferralKind::PeoplesMediation => to.kind == UnitKind::MediationCommittee,
                ReferralKind::Partner => to.kind.is_partner_platform(),
                ReferralKind::EntrustedPreFiling | ReferralKind::EntrustedAfterFiling => {
                    to.kind == UnitKind::MediationCommittee || to.kind.is_partner_platform()
                }
                ReferralKind::Litigation => to.kind == UnitKind::CourtBasic,
                ReferralKind::Confirmation => {
                    return Err(refuse("wrong_command", some, "CivPL 205", "judicial confirmation is applied for with apply_for_confirmation"));
                }
            };
            if !fits {
                return Err(refuse("wrong_target", some, "特邀调解规定 5-9; 人民调解法 18", format!("a {} unit does not take a {kind:?} referral", to.kind)));
            }
            if to.kind.is_partner_platform() && !d.partner_may_take(to.kind) {
                return Err(refuse(
                    "outside_sector",
                    some,
                    "深圳多元化解条例 14 (M21): 工会, 共青团, 妇联, 工商联 mediate the disputes of their own sector",
                    format!(
                        "a {} unit does not mediate a {} dispute{}",
                        to.kind,
                        d.category.as_str(),
                        if to.kind == UnitKind::YouthLeague { " without a minor party" } else { "" }
                    ),
                ));
            }
            if matches!(kind, ReferralKind::EntrustedPreFiling | ReferralKind::EntrustedAfterFiling) {
                if actor.kind != UnitKind::CourtBasic {
                    return Err(not_yours("wrong_unit", some, "特邀调解规定 1: 委派 and 委托 are the court's", "only a basic court entrusts mediation"));
                }
                if !consent {
                    return Err(refuse(
                        "no_consent",
                        some,
                        "特邀调解规定 11 (C5), 民诉法 98: entrusted mediation needs the parties' consent",
                        "record every party's consent before entrusting mediation",
                    ));
                }
            }
            if !near(to.region, d.intake.region) || to.id == actor.id {
                return Err(refuse(
                    "wrong_target",
                    some,
                    "属地管理: diverted within its region",
                    format!("unit {} is not a unit of region {} other than yours", to.id, d.intake.region),
                ));
            }
            if kind.is_mediation() {
                if let Some(&i) = d.refused.first() {
                    return Err(refuse(
                        "party_refused",
                        some,
                        "人民调解法 17: no mediation once a party clearly refuses",
                        format!("party {i} ({}) refused mediation", d.parties[i].name),
                    ));
                }
            }
            vec![Event::Referred { referral: Referral { kind: *kind, from: actor, to: *to, sent: today, consent: *consent } }]
        }
        Command::Receive => {
            let Some(r) = d.referral.as_ref().filter(|r| r.to.id == actor.id) else {
                return Err(not_yours("not_receiver", some, "the receiver signs for a referral", "nothing is waiting for your unit on this dispute"));
            };
            if r.kind.is_mediation() {
                if let Some(&i) = d.refused.first() {
                    return Err(refuse(
                        "party_refused",
                        some,
                        "人民调解法 17",
                        format!("party {i} ({}) refused mediation; decline the referral", d.parties[i].name),
                    ));
                }
            }
            vec![Event::Received { on: today }]
        }
        Command::Decline { reason } => {
            let Some(r) = d.referral.as_ref().filter(|r| r.to.id == actor.id) else {
                return Err(not_yours("not_receiver", some, "the receiver declines a referral", "nothing is waiting for your unit on this dispute"));
            };
            if r.kind == ReferralKind::Confirmation {
                return Err(refuse(
                    "wrong_command",
                    some,
                    "Civ Interp 355",
                    "a court answers a confirmation application by accepting it or not (not_accept_confirmation)",
                ));
            }
            vec![Event::Declined { reason: reason.clone(), on: today }]
        }
        Command::RecordRefusal { party: i } => {
            holder()?;
            party(*i)?;
            if d.refused.contains(i) {
                return Err(refuse("already_refused", some, "人民调解法 17", format!("party {i}'s refusal is already recorded")));
            }
            let mut out = vec![Event::RefusalRecorded { party: *i }];
            if matches!(d.stage, Stage::Mediating | Stage::Agreed) {
                out.push(Event::MediationEnded {
                    on: Some(today),
                    failure: Failure::PartyRefused,
                    reason: format!("{} refused mediation", d.parties[*i].name),
                    undisputed_facts: String::new(),
                });
            }
            out
        }
        Command::AssignMediator { mediator } => {
            holder()?;
            at(&[Stage::Mediating], "人民调解法 19: the organisation assigns its mediators")?;
            if mediator.unit_id != actor.id {
                return Err(refuse("not_on_roster", some, "人民调解法 19", format!("{} is not on your organisation's roster", mediator.name)));
            }
            if d.mediation.as_ref().and_then(|m| m.mediator.as_ref()).is_some_and(|m| m.id == mediator.id) {
                return Err(refuse("already_assigned", some, "人民调解法 19", format!("{} is assigned already", mediator.name)));
            }
            vec![Event::MediatorAssigned { mediator: mediator.clone() }]
        }
        Command::Recuse { ground } => {
            holder()?;
            at(&[Stage::Mediating, Stage::Agreed], "特邀调解规定 15-16")?;
            if d.mediation.as_ref().and_then(|m| m.mediator.as_ref()).is_none() {
                return Err(refuse("no_mediator", some, "特邀调解规定 15", "no mediator is assigned"));
            }
            vec![Event::MediatorRecused { ground: *ground }]
        }
        Command::RecordSession { note } => {
            holder()?;
            at(&[Stage::Mediating], "人民调解法 27: sessions are recorded during mediation")?;
            vec![Event::SessionRecorded { note: note.clone(), on: today }]
        }
        Command::ExtendMediation { until, consents } => {
            holder()?;
            at(&[Stage::Mediating], "特邀调解规定 27")?;
            every_party(consents, "特邀调解规定 27 (C13): extended only if the parties agree", "every party must consent")?;
            let due = mediation_due(d, cal);
            if due.is_some_and(|due| *until <= due) {
                return Err(refuse(
                    "not_later",
                    some,
                    "特邀调解规定 27",
                    format!("the mediation already runs until {}; extend to a later date", due.unwrap_or(today)),
                ));
            }
            let mut consents = consents.clone();
            consents.sort_unstable();
            consents.dedup();
            vec![Event::MediationExtended { until: *until, consents }]
        }
        Command::Agree { terms, partial, facts } => {
            holder()?;
            at(&[Stage::Mediating], "人民调解法 28-29: an agreement ends a mediation")?;
            vec![Event::Agreed { terms: terms.clone(), partial: *partial, facts: facts.clone() }]
        }
        Command::Sign { signer } => {
            holder()?;
            at(&[Stage::Agreed], "人民调解法 29")?;
            let a = d.agreement.as_ref().ok_or_else(|| refuse("no_agreement", some, "人民调解法 29", "no agreement to sign"))?;
            let twice = || Err(refuse("already_signed", some, "人民调解法 29", "already signed"));
            let (mut parties, mut mediator, mut seal) = (a.signed.clone(), a.mediator_signed, a.sealed);
            match signer {
                Signer::Party(i) => {
                    party(*i)?;
                    if parties.contains(i) {
                        return twice();
                    }
                    parties.push(*i);
                }
                Signer::Mediator if mediator => return twice(),
                Signer::Mediator => mediator = true,
                Signer::Seal if seal => return twice(),
                Signer::Seal => seal = true,
            }
            let mut out = vec![Event::Signed { signer: *signer, on: today }];
            if mediator && seal && (0..d.parties.len()).all(|i| parties.contains(&i)) {
                out.push(Event::AgreementEffective { on: today });
            }
            out
        }
        Command::EndMediation { failure, reason, undisputed_facts } => {
            holder()?;
            at(&[Stage::Mediating, Stage::Agreed], "特邀调解规定 26; 人民调解法 26")?;
            if *failure == Failure::TimedOut {
                if let Some(due) = mediation_due(d, cal).filter(|due| today <= *due) {
                    return Err(refuse("not_timed_out", some, "特邀调解规定 27", format!("the mediation period runs until {due}")));
                }
            }
            vec![Event::MediationEnded { failure: *failure, reason: reason.clone(), undisputed_facts: undisputed_facts.clone(), on: Some(today) }]
        }
        Command::ApplyForConfirmation { court, applicants } => {
            holder()?;
            at(&[Stage::Performing], "CivPL 205: an agreement in effect is confirmed")?;
            if d.confirmation.is_some() {
                return Err(refuse("already_applied", some, "CivPL 205", "a confirmation was already applied for"));
            }
            let a = d.agreement.as_ref().ok_or_else(|| refuse("no_agreement", some, "CivPL 205", "no agreement"))?;
            let effective =
                a.effective.ok_or_else(|| refuse("not_effective", some, "人民调解法 29", "the agreement is not yet signed by everyone and sealed"))?;
            every_party(applicants, "CivPL 205; Civ Interp 351 (J1): both parties apply jointly", "a confirmation is applied for jointly")?;
            if let Some(t) = a.terms.iter().find(|t| !t.kind.confirmable()) {
                return Err(refuse(
                    "not_confirmable",
                    some,
                    "Civ Interp 355 (J5): status relations and the ownership of property or IP rights are not confirmed",
                    format!("the term {:?} concerns {:?}", t.text, t.kind),
                ));
            }
            if court.kind != UnitKind::CourtBasic || !court.region.contains(d.intake.region) {
                return Err(refuse(
                    "no_jurisdiction",
                    some,
                    "CivPL 205; Civ Interp 352 (J3): the basic court where the dispute is",
                    format!("unit {} is not the basic court of region {}", court.id, d.intake.region),
                ));
            }
            let last = party_window_end("civil.judicial_confirmation_application", effective, cal).map_err(|m| refuse("clock", some, "CivPL 205", m))?;
            if today > last {
                return Err(refuse(
                    "too_late",
                    some,
                    "CivPL 205; 人民调解法 33 (J2): within 30 days of the agreement taking effect",
                    format!("the agreement took effect on {effective}; the last day to apply was {last}"),
                ));
            }
            let mut applicants = applicants.clone();
            applicants.sort_unstable();
            applicants.dedup();
            vec![Event::ConfirmationApplied { court: *court, applicants, on: today }]
        }
        Command::AcceptConfirmation { number } => {
            holder()?;
            at(&[Stage::Confirming], "SPC 2011 司法确认 Art. 4")?;
            if d.confirmation.as_ref().is_some_and(|c| c.accepted.is_some()) {
                return Err(refuse("already_accepted", some, "SPC 2011 司法确认 Art. 4", "the application is already accepted"));
            }
            let number = number.clone().ok_or_else(|| refuse("number", some, "SPC 2011 司法确认 Art. 4", "the court's number (民特) is missing"))?;
            vec![Event::ConfirmationAccepted { number, on: today }]
        }
        Command::NotAcceptConfirmation { ground } => {
            holder()?;
            at(&[Stage::Confirming], "Civ Interp 355")?;
            vec![Event::ConfirmationNotAccepted { ground: *ground }]
        }
        Command::ExtendConfirmation { approver, reason } => {
            holder()?;
            at(&[Stage::Confirming], "SPC 2011 司法确认 Art. 5")?;
            match &d.confirmation {
                Some(c) if c.accepted.is_some() && !c.extended => {}
                _ => {
                    return Err(refuse(
                        "not_extendable",
                        some,
                        "SPC 2011 司法确认 Art. 5: 10 more days, once, after acceptance",
                        "the decision cannot be extended now",
                    ))
                }
            }
            vec![Event::ConfirmationExtended { approver: approver.clone(), reason: reason.clone() }]
        }
        Command::Rule { ruling } => {
            holder()?;
            at(&[Stage::Confirming], "Civ Interp 358")?;
            if d.confirmation.as_ref().is_none_or(|c| c.accepted.is_none()) {
                return Err(refuse("not_accepted", some, "SPC 2011 司法确认 Art. 4", "accept the application before ruling on it"));
            }
            vec![Event::Ruled { ruling: *ruling, on: today }]
        }
        Command::FileCase { track, number } => {
            holder()?;
            at(&[Stage::Litigating], "CivPL 126: the court files the case")?;
            if d.litigation.as_ref().is_some_and(|l| l.filed.is_some()) {
                return Err(refuse("already_filed", some, "CivPL 126", "the case is already filed"));
            }
            let number = number.clone().ok_or_else(|| refuse("number", some, "CivPL 126", "the court's case number is missing"))?;
            vec![Event::CaseFiled { track: *track, number, on: today }]
        }
        Command::ConvertTrack { to } => {
            holder()?;
            at(&[Stage::Litigating], "CivPL 170; Civ Interp 269")?;
            match d.litigation.as_ref().and_then(|l| l.track) {
                Some(t) if *to > t => {}
                Some(t) => return Err(refuse("not_fuller", some, "CivPL 170: a case converts to a fuller procedure", format!("the case is on {t:?} already"))),
                None => return Err(refuse("not_filed", some, "CivPL 126", "file the case first")),
            }
            vec![Event::TrackConverted { to: *to, on: today }]
        }
        Command::ConcludeLitigation { outcome } => {
            holder()?;
            at(&[Stage::Litigating], "CivPL 126")?;
            if d.litigation.as_ref().is_none_or(|l| l.filed.is_none()) {
                return Err(refuse("not_filed", some, "CivPL 126", "file the case first"));
            }
            vec![Event::LitigationConcluded { outcome: *outcome }]
        }
        Command::RecordPerformance { term, performance } => {
            holder()?;
            at(&[Stage::Performing], "人民调解法 31; M18: performance is followed")?;
            let n = d.agreement.as_ref().map_or(0, |a| a.terms.len());
            if *term >= n {
                return Err(refuse("no_such_term", some, "terms are numbered from 0", format!("there is no term {term}; the agreement has {n}")));
            }
            vec![Event::PerformanceRecorded { term: *term, performance: *performance }]
        }
        Command::FollowUp { satisfaction, note } => {
            holder()?;
            at(&[Stage::Performing], "M18: the committee follows up on performance (回访)")?;
            if let Some(i) = d.agreement.as_ref().and_then(|a| a.terms.iter().position(|t| t.performance.is_none())) {
                return Err(refuse("performance_unknown", some, "M18", format!("record how term {i} was performed before the follow-up")));
            }
            vec![Event::FollowedUp { satisfaction: *satisfaction, note: note.clone() }]
        }
        Command::Close => {
            holder()?;
            at(&[Stage::Performing], "案结事了")?;
            if d.follow_up.is_none() {
                return Err(refuse("no_follow_up", some, "案结事了: a dispute closes only after the follow-up (回访)", "follow up with the parties first"));
            }
            vec![Event::Closed]
        }
        Command::Withdraw { reason } => {
            holder()?;
            at(&[Stage::Registered, Stage::Mediating, Stage::Agreed], "人民调解法 23: a party may ask to end it")?;
            no_referral()?;
            vec![Event::Withdrawn { reason: reason.clone() }]
        }
        Command::LinkCase { case_id } => {
            let reported = d.reports.iter().any(|r| r.to.id == actor.id);
            if actor.id != d.holder.id && !reported {
                return Err(not_yours(
                    "not_holder",
                    some,
                    "the handling unit or the police it reported to link a case",
                    "your unit neither handles nor was told of this dispute",
                ));
            }
            if *case_id <= 0 || d.linked_cases.contains(case_id) {
                return Err(refuse("bad_case", some, "one link per case", format!("case {case_id} is linked already or is not a case id")));
            }
            vec![Event::CaseLinked { case_id: *case_id }]
        }
    };
    Ok(ev)
}

fn involve(d: &mut Dispute, u: UnitRef) {
    if !d.involved.iter().any(|x| x.id == u.id) {
        d.involved.push(u);
    }
}

/// Fold an event into the state.
pub fn apply(dispute: Option<Dispute>, event: &Event) -> Option<Dispute> {
    if let Event::Registered { title, channel, category, amount, group, parties, by, on, limits } = event {
        return Some(Dispute {
            limits: limits.clone(),
            title: title.clone(),
            channel: *channel,
            category: *category,
            amount: *amount,
            group: *group,
            parties: parties.clone(),
            refused: vec![],
            stage: Stage::Registered,
            intake: *by,
            received: *on,
            holder: *by,
            involved: vec![*by],
            risk: None,
            reports: vec![],
            referral: None,
            mediation: None,
            streams: vec![],
            agreement: None,
            confirmation: None,
            litigation: None,
            follow_up: None,
            outcome: None,
            linked_cases: vec![],
        });
    }
    let mut d = dispute?;
    match event {
        Event::Registered { .. } => unreachable!("handled above"),
        Event::Assessed { assessment } => d.risk = Some(assessment.clone()),
        Event::Reported { report } => {
            involve(&mut d, report.to);
            d.reports.push(report.clone());
        }
        Event::ReportAcknowledged { index, on } => {
            if let Some(r) = d.reports.get_mut(*index) {
                r.received = Some(*on);
            }
        }
        Event::Referred { referral } => {
            involve(&mut d, referral.to);
            d.referral = Some(referral.clone());
        }
        Event::Received { on } => {
            if let Some(r) = d.referral.take() {
                d.holder = r.to;
                match r.kind {
                    k if k.is_mediation() => {
                        d.stage = Stage::Mediating;
                        d.mediation = Some(Mediation {
                            kind: k,
                            unit: r.to,
                            referrer: r.from,
                            rule: match (k, d.litigation.as_ref().and_then(|l| l.track)) {
                                (ReferralKind::EntrustedAfterFiling, Some(track)) => track.entrusted_rule().into(),
                                _ => k.mediation_rule().into(),
                            },
                            start: *on,
                            agreed_until: None,
                            sessions: 0,
                            mediator: None,
                        });
                    }
                    ReferralKind::Litigation => {
                        d.stage = Stage::Litigating;
                        d.litigation = Some(Litigation { court: r.to, track: None, filed: None, number: None, paused_days: 0 });
                    }
                    _ => {
                        d.stage = Stage::Confirming;
                        if let Some(c) = &mut d.confirmation {
                            c.received = Some(*on);
                        }
                    }
                }
            }
        }
        Event::Declined { .. } => {
            if d.referral.take().is_some_and(|r| r.kind == ReferralKind::Confirmation) {
                d.confirmation = None;
            }
        }
        Event::RefusalRecorded { party } => d.refused.push(*party),
        Event::MediatorAssigned { mediator } => {
            if let Some(m) = &mut d.mediation {
                m.mediator = Some(mediator.clone());
            }
        }
        Event::MediatorRecused { .. } => {
            if let Some(m) = &mut d.mediation {
                m.mediator = None;
            }
        }
        Event::SessionRecorded { .. } => {
            if let Some(m) = &mut d.mediation {
                m.sessions += 1;
            }
        }
        Event::MediationExtended { until, .. } => {
            if let Some(m) = &mut d.mediation {
                m.agreed_until = Some(*until);
            }
        }
        Event::Agreed { terms, partial, facts } => {
            d.stage = Stage::Agreed;
            d.agreement = Some(Agreement {
                terms: terms.clone(),
                partial: *partial,
                facts: facts.clone(),
                signed: vec![],
                mediator_signed: false,
                sealed: false,
                effective: None,
                mediator_unit: d.holder,
            });
        }
        Event::Signed { signer, .. } => {
            if let Some(a) = &mut d.agreement {
                match signer {
                    Signer::Party(i) => a.signed.push(*i),
                    Signer::Mediator => a.mediator_signed = true,
                    Signer::Seal => a.sealed = true,
                }
            }
        }
        Event::AgreementEffective { on } => {
            d.stage = Stage::Performing;
            d.outcome = Some(Outcome::Agreed);
            if let Some(a) = &mut d.agreement {
                a.effective = Some(*on);
            }
            // Entrusted by the court after filing: the agreement goes back to the case, which the
            // court concludes (调解书) — its period resumes, the mediation days not counted.
            if let Some(m) = d.mediation.take().filter(|m| m.kind == ReferralKind::EntrustedAfterFiling) {
                back_to_court(&mut d, &m, *on);
                d.outcome = None;
            }
        }
        Event::MediationEnded { failure, reason, undisputed_facts, on } => {
            d.agreement = None;
            d.stage = Stage::Registered;
            d.outcome = Some(Outcome::Failed);
            if let Some(m) = d.mediation.take() {
                d.streams.push(Stream { kind: m.kind, unit: m.unit, failure: *failure, reason: reason.clone(), undisputed_facts: undisputed_facts.clone() });
                d.holder = m.referrer;
                if m.kind == ReferralKind::EntrustedAfterFiling {
                    // The case goes on in court; the days it waited are not counted.
                    back_to_court(&mut d, &m, on.unwrap_or(m.start));
                    d.outcome = None;
                }
            }
        }
        Event::ConfirmationApplied { court, on, .. } => {
            involve(&mut d, *court);
            d.confirmation = Some(Confirmation {
                court: *court,
                applied: *on,
                received: None,
                accepted: None,
                extended: false,
                number: None,
                not_accepted: None,
                ruling: None,
                ruled: None,
            });
            d.referral = Some(Referral { kind: ReferralKind::Confirmation, from: d.holder, to: *court, sent: *on, consent: true });
        }
        Event::ConfirmationAccepted { number, on } => {
            if let Some(c) = &mut d.confirmation {
                c.accepted = Some(*on);
                c.number = Some(number.clone());
            }
        }
        Event::ConfirmationNotAccepted { ground } => {
            if let Some(c) = &mut d.confirmation {
                c.not_accepted = Some(*ground);
            }
            back_to_mediator(&mut d);
        }
        Event::ConfirmationExtended { .. } => {
            if let Some(c) = &mut d.confirmation {
                c.extended = true;
            }
        }
        Event::Ruled { ruling, on } => {
            if let Some(c) = &mut d.confirmation {
                c.ruling = Some(*ruling);
                c.ruled = Some(*on);
            }
            if *ruling == Ruling::Valid {
                d.outcome = Some(Outcome::Confirmed);
            }
            back_to_mediator(&mut d);
        }
        Event::CaseFiled { track, number, on } => {
            if let Some(l) = &mut d.litigation {
                l.track = Some(*track);
                l.number = Some(number.clone());
                l.filed = Some(*on);
            }
        }
        Event::TrackConverted { to, on } => {
            if let Some(l) = &mut d.litigation {
                l.track = Some(*to);
                l.filed = Some(*on);
            }
        }
        Event::LitigationConcluded { .. } => {
            d.stage = Stage::Closed;
            d.outcome = Some(Outcome::Litigated);
        }
        Event::PerformanceRecorded { term, performance } => {
            if let Some(t) = d.agreement.as_mut().and_then(|a| a.terms.get_mut(*term)) {
                t.performance = Some(*performance);
            }
        }
        Event::FollowedUp { satisfaction, .. } => d.follow_up = Some(*satisfaction),
        Event::Closed => d.stage = Stage::Closed,
        Event::Withdrawn { .. } => {
            d.stage = Stage::Withdrawn;
            d.outcome = Some(Outcome::Withdrawn);
            d.mediation = None;
        }
        Event::CaseLinked { case_id } => d.linked_cases.push(*case_id),
    }
    Some(d)
}

/// After the court's answer, the agreement's follow-up is with the unit that mediated it.
fn back_to_mediator(d: &mut Dispute) {
    if let Some(a) = &d.agreement {
        d.holder = a.mediator_unit;
    }
    d.stage = Stage::Performing;
}

/// The commands `actor` could give now, by name: each tried with stand-in arguments (the page
/// asks for the real ones).
pub fn available(d: &Dispute, actor: UnitRef, now: PrimitiveDateTime, cal: &Calendar) -> Vec<&'static str> {
    let region = d.intake.region;
    let unit = |kind| UnitRef { id: -1, kind, region };
    let text = || "—".to_string();
    let all: Vec<usize> = (0..d.parties.len()).collect();
    let later = now.date() + time::Duration::days(400);
    let refer = |kind, to| Command::Refer { kind, to: unit(to), consent: true };
    let candidates: Vec<(&'static str, Command)> = vec![
        ("assess", Command::Assess { level: Risk::Blue, factors: vec![], next_review: later }),
        ("report_to_police", Command::ReportToPolice { to: unit(UnitKind::Police) }),
        ("acknowledge_report", Command::AcknowledgeReport),
        ("refer_mediation", refer(ReferralKind::PeoplesMediation, UnitKind::MediationCommittee)),
        ("refer_partner", refer(ReferralKind::Partner, UnitKind::WomensFederation)),
        ("refer_entrusted", refer(ReferralKind::EntrustedPreFiling, UnitKind::MediationCommittee)),
        ("refer_entrusted_after_filing", refer(ReferralKind::EntrustedAfterFiling, UnitKind::MediationCommittee)),
        ("refer_litigation", refer(ReferralKind::Litigation, UnitKind::CourtBasic)),
        ("receive", Command::Receive),
        ("decline", Command::Decline { reason: text() }),
        ("record_refusal", Command::RecordRefusal { party: d.parties.len().saturating_sub(1) }),
        ("assign_mediator", Command::AssignMediator { mediator: MediatorRef { id: -1, name: text(), unit_id: actor.id } }),
        ("recuse", Command::Recuse { ground: RecusalGround::Interest }),
        ("record_session", Command::RecordSession { note: text() }),
        ("extend_mediation", Command::ExtendMediation { until: later, consents: all.clone() }),
        ("agree", Command::Agree { terms: vec![], partial: false, facts: text() }),
        ("sign", Command::Sign { signer: Signer::Seal }),
        ("end_mediation", Command::EndMediation { failure: Failure::NoAgreement, reason: text(), undisputed_facts: text() }),
        ("apply_for_confirmation", Command::ApplyForConfirmation { court: unit(UnitKind::CourtBasic), applicants: all }),
        ("accept_confirmation", Command::AcceptConfirmation { number: Some(text()) }),
        ("not_accept_confirmation", Command::NotAcceptConfirmation { ground: NotAcceptedGround::NotThisCourt }),
        ("extend_confirmation", Command::ExtendConfirmation { approver: text(), reason: text() }),
        ("rule", Command::Rule { ruling: Ruling::Valid }),
        ("file_case", Command::FileCase { track: Track::Simple, number: Some(text()) }),
        ("convert_track", Command::ConvertTrack { to: Track::Ordinary }),
        ("conclude_litigation", Command::ConcludeLitigation { outcome: LitigationOutcome::Judged }),
        ("record_performance", Command::RecordPerformance { term: 0, performance: Performance::Performed }),
        ("follow_up", Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: text() }),
        ("close", Command::Close),
        ("withdraw", Command::Withdraw { reason: text() }),
    ];
    let mut names: Vec<&'static str> = candidates.into_iter().filter(|(_, cmd)| decide(Some(d), cmd, actor, now, cal).is_ok()).map(|(n, _)| n).collect();
    // `agree` with no terms passes the machine (the texts are checked at the door); `sign`
    // is offered while any signature is missing.
    if d.stage == Stage::Agreed && actor.id == d.holder.id && !names.contains(&"sign") {
        names.push("sign");
    }
    names
}
