//! Deciding commands and applying events.

use super::*;
use crate::{compute, deadline::latest_reading, resolve, Calendar, DeadlineRequest, Resolved, RuleId, Start};
use time::PrimitiveDateTime;

fn describe(c: &Case) -> String {
    let mut s = c.stage.as_str().to_string();
    if let Some(h) = &c.handover {
        s.push_str(&format!(", hand-over {:?} to unit {} {}", h.kind, h.to.id, if h.received.is_some() { "received" } else { "sent" }));
    }
    s
}

fn refuse(code: &'static str, case: Option<&Case>, rule: &str, message: impl Into<String>) -> Refusal {
    Refusal {
        kind: RefusalKind::NotNow,
        code,
        state: case.map(describe).unwrap_or_else(|| "not registered".into()),
        rule: rule.into(),
        message: message.into(),
    }
}

/// A refusal because the command is not this unit's to give (the doors answer it as access).
fn not_yours(code: &'static str, case: Option<&Case>, rule: &str, message: impl Into<String>) -> Refusal {
    Refusal { kind: RefusalKind::NotYours, ..refuse(code, case, rule, message) }
}

fn clock(rule: &str, start: Date) -> Clock {
    Clock { rule: rule.into(), start, extended: false }
}

/// A clock's deadline. Never refused for a missing calendar year: custody periods need none,
/// others come back provisional.
fn resolved(case: &Case, k: &Clock, in_custody: bool, cal: &Calendar) -> Result<Resolved, Refusal> {
    let rule = RuleId::parse(&k.rule).map_err(|m| refuse("clock", Some(case), &k.rule, m))?.rule();
    let held = in_custody && rule.custody_applies();
    resolve(DeadlineRequest { rule, start: Start::Date(k.start), in_custody: held, extended: k.extended }, cal)
        .map_err(|e| refuse("clock", Some(case), rule.id, e.to_string()))
}

fn due(case: &Case, k: &Clock, in_custody: bool, cal: &Calendar) -> Result<Date, Refusal> {
    resolved(case, k, in_custody, cal).map(|r| r.due.date())
}

/// What a provisional window's refusal adds: the year to load, and the reading used.
fn missing_year_note(r: &Resolved) -> String {
    match r.provisional {
        Some(year) => format!(
            " on every reading of {year}, whose holiday calendar is not loaded (weekends only, it ends {}); the province administrator loads the State Council notice for {year}",
            r.due.date()
        ),
        None => String::new(),
    }
}

/// The court a procuratorate at `region` indicts to (jurisdiction by level, CPL 20–22).
fn court_for(region: RegionCode) -> UnitKind {
    match region.level() {
        crate::RegionLevel::County => UnitKind::CourtBasic,
        crate::RegionLevel::City => UnitKind::CourtIntermediate,
        crate::RegionLevel::Province => UnitKind::CourtHigh,
    }
}

/// Whom a hand-over or a collaboration message from `actor` may be addressed to, as the law names
/// them: the kinds of unit and their region (none for another command, or for a unit that does
/// not give it). Pages list the units that match; [`decide`] refuses any other, naming the rule.
pub fn receivers(c: &Case, actor: UnitRef, command: &str) -> Vec<(UnitKind, RegionCode)> {
    match command {
        // The procuratorate at the same level (CPL 87, 162).
        "request_arrest_approval" | "transfer_for_prosecution" => vec![(UnitKind::Procuratorate, actor.region)],
        // The court with jurisdiction at the procuratorate's level (CPL 20–22, 176).
        "indict" => vec![(court_for(actor.region), actor.region)],
        // The court one level up (CPL 227).
        "appeal" => {
            let higher = match actor.kind {
                UnitKind::CourtBasic => UnitKind::CourtIntermediate,
                UnitKind::CourtIntermediate => UnitKind::CourtHigh,
                _ => return vec![],
            };
            actor.region.parent().map(|r| vec![(higher, r)]).unwrap_or_default()
        }
        // Where the verdicts send each defendant still to hand over (CPL 264, 265, 269, 270); a
        // judgment recorded before verdicts were goes to community corrections, as it did then.
        "hand_over_for_execution" => {
            let mut kinds: Vec<UnitKind> =
                if c.judgment.is_empty() { vec![UnitKind::JusticeBureau] } else { c.to_execute().into_iter().map(|(_, k)| k).collect() };
            kinds.sort_by_key(|k| k.as_str());
            kinds.dedup();
            kinds.into_iter().map(|k| (k, c.investigator.region)).collect()
        }
        // The police and procuratorate of the same region work together (SPP Rules 256).
        "collaborate" => match actor.kind {
            UnitKind::Police => vec![(UnitKind::Procuratorate, actor.region)],
            UnitKind::Procuratorate => vec![(UnitKind::Police, actor.region)],
            _ => vec![],
        },
        _ => vec![],
    }
}

/// Decide a command. `actor` is the unit acting; roles are checked before this, by the policy.
pub fn decide(case: Option<&Case>, cmd: &Command, actor: UnitRef, now: PrimitiveDateTime, cal: &Calendar) -> Result<Vec<Event>, Refusal> {
    let today = now.date();
    let Some(c) = case else {
        let Command::Register { case_no, title, persons, charge } = cmd else {
            return Err(refuse("not_registered", None, "a case exists once it is registered (立案)", "the case is not registered"));
        };
        if actor.kind != UnitKind::Police {
            return Err(not_yours(
                "wrong_unit",
                None,
                "criminal cases are registered by the police (CPL 109–112)",
                format!("a {} unit cannot register a criminal case", actor.kind),
            ));
        }
        if case_no.trim().is_empty() || title.trim().is_empty() {
            return Err(refuse("invalid", None, "a case needs a number and a title", "case_no and title must not be empty"));
        }
        let charge = match charge {
            Some(c) => Some(
                crate::charges::check("charge", c)
                    .map_err(|e| refuse("invalid", None, "案由 is a charge of the Criminal Law in force", e.message))?
                    .name
                    .to_string(),
            ),
            None => None,
        };
        let mut events =
            vec![Event::Registered { case_no: case_no.trim().into(), title: title.trim().into(), by: actor, persons: persons.clone(), charge, on: today }];
        if persons.iter().any(|p| p.custody == Custody::Detained) {
            events.push(Event::ClockStarted { clock: clock("criminal.arrest_request", today) });
        }
        if persons.iter().any(|p| p.custody == Custody::Arrested) {
            return Err(refuse(
                "illegal_transition",
                None,
                "arrest needs the procuratorate's approval (CPL 81, 87)",
                "a person cannot be registered as arrested",
            ));
        }
        return Ok(events);
    };
    if c.stage.is_closed() {
        return Err(refuse("closed", Some(c), "a closed case takes no further steps", format!("the case is closed ({})", c.stage.as_str())));
    }
    let holder_only = || {
        if actor.id != c.holder.id {
            return Err(not_yours(
                "not_holder",
                Some(c),
                "a unit acts only on the cases it holds",
                format!("unit {} does not hold this case; unit {} does", actor.id, c.holder.id),
            ));
        }
        if let Some(h) = &c.handover {
            return Err(refuse(
                "handover_pending",
                Some(c),
                "a case with a pending hand-over waits for the receiver",
                format!("waiting for unit {} to accept or return the hand-over", h.to.id),
            ));
        }
        Ok(())
    };
    let in_stage = |stages: &[Stage], rule: &str| {
        if stages.contains(&c.stage) {
            Ok(())
        } else {
            Err(refuse("illegal_transition", Some(c), rule, format!("not allowed in stage {}", c.stage.as_str())))
        }
    };
    let send = |kind: HandoverKind, to: UnitRef| Event::HandoverSent { handover: Handover { kind, from: actor, to, sent: today, received: None, clock: None } };
    let receiver = |command: &str, to: &UnitRef| receivers(c, actor, command).iter().any(|&(kind, region)| kind == to.kind && region == to.region);
    let target = |ok: bool, rule: &str, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(refuse("wrong_receiver", Some(c), rule, format!("the receiving unit must be {what}")))
        }
    };
    // A pending hand-over, which only its receiver may act on.
    let addressed = |kind: Option<HandoverKind>| -> Result<&Handover, Refusal> {
        let h = c.handover.as_ref().filter(|h| kind.is_none_or(|k| h.kind == k)).ok_or_else(|| {
            let what = kind.map_or("no pending hand-over".to_string(), |k| format!("no pending {k:?} hand-over"));
            refuse("illegal_transition", Some(c), "only a pending hand-over is signed for, returned or decided", what)
        })?;
        if h.to.id != actor.id {
            return Err(not_yours(
                "not_receiver",
                Some(c),
                "only the receiving unit acts on a hand-over",
                format!("the hand-over is addressed to unit {}", h.to.id),
            ));
        }
        Ok(h)
    };
    let receiving = |kind: HandoverKind| -> Result<&Handover, Refusal> {
        let h = addressed(Some(kind))?;
        if h.received.is_none() {
            return Err(refuse("not_received", Some(c), "a hand-over is signed for (签收) before it is decided", "sign for the hand-over first"));
        }
        Ok(h)
    };
    let held = c.in_custody();

    Ok(match cmd {
        Command::Register { .. } => return Err(refuse("duplicate", Some(c), "a case is registered once", "the case is already registered")),
        Command::SetCustody { person, custody } => {
            if actor.id != c.holder.id {
                return Err(not_yours(
                    "not_holder",
                    Some(c),
                    "custody is decided by the unit holding the case",
                    format!("unit {} does not hold this case", actor.id),
                ));
            }
            let p = c.persons.get(*person).ok_or_else(|| refuse("invalid", Some(c), "persons are numbered from 0", format!("no person {person}")))?;
            if *custody == Custody::Arrested {
                return Err(refuse("illegal_transition", Some(c), "arrest needs the procuratorate's approval (CPL 81, 87)", "request arrest approval instead"));
            }
            if matches!(custody, Custody::Serving | Custody::CommunityCorrections) || matches!(p.custody, Custody::Serving | Custody::CommunityCorrections) {
                return Err(refuse(
                    "illegal_transition",
                    Some(c),
                    "a sentence starts when the executing organ takes the offender in (CPL 264, 269; Crim Interp 172)",
                    "hand the case over for execution instead",
                ));
            }
            if *custody == Custody::Detained && (c.stage != Stage::Investigation || actor.kind != UnitKind::Police) {
                return Err(refuse(
                    "illegal_transition",
                    Some(c),
                    "detention (拘留) is a police measure during investigation (CPL 82)",
                    "only the investigating police can detain",
                ));
            }
            // The organ of a later stage decides bail or surveillance anew, and its term restarts
            // (SPP Rules 103, 113; Crim Interp 162); the organ that decided it cannot renew it.
            let renewal = c.measures.iter().any(|m| m.person == *person && m.custody == *custody && m.by.id != actor.id);
            if p.custody == *custody && !renewal {
                let rule = if matches!(custody, Custody::Bail | Custody::ResidentialSurveillance) {
                    "a measure's term is not renewed by the organ that decided it (CPL 79)"
                } else {
                    "a change must change something"
                };
                return Err(refuse("illegal_transition", Some(c), rule, format!("person {person} is already {custody:?}")));
            }
            let mut events = vec![Event::CustodyChanged { person: *person, custody: *custody, on: today }];
            let still_held = c.persons.iter().enumerate().any(|(i, p)| if i == *person { custody.held() } else { p.custody.held() });
            let custody_clock =
                c.clock.as_ref().is_some_and(|k| k.rule.starts_with("criminal.arrest_request") || k.rule.starts_with("criminal.investigation_"));
            if *custody == Custody::Detained && c.clock.is_none() {
                events.push(Event::ClockStarted { clock: clock("criminal.arrest_request", today) });
            } else if !still_held && custody_clock {
                events.push(Event::ClockStopped);
            }
            events
        }
        Command::Extend { approver, reason, major } => {
            holder_only()?;
            if approver.trim().is_empty() || reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "an extension names its approver and reason", "approver and reason must not be empty"));
            }
            let k = c.clock.as_ref().ok_or_else(|| refuse("illegal_transition", Some(c), "only a running clock is extended", "no clock runs"))?;
            let next = if k.rule.starts_with("criminal.investigation_") {
                // Each extension runs from the previous expiry (CPL 156, 158, 159).
                let rule = if *major { "criminal.investigation_extension_major" } else { "criminal.investigation_extension" };
                Clock { rule: rule.into(), start: due(c, k, held, cal)?, extended: false }
            } else {
                let rule = RuleId::parse(&k.rule).map_err(|m| refuse("clock", Some(c), &k.rule, m))?.rule();
                let has_extension = match rule.lengths {
                    crate::rules::Lengths::Uniform { extended, .. } => extended.is_some(),
                    crate::rules::Lengths::ByCustody { held_extended, free_extended, .. } => {
                        if held {
                            held_extended.is_some()
                        } else {
                            free_extended.is_some()
                        }
                    }
                };
                if k.extended || !has_extension {
                    return Err(refuse("no_extension", Some(c), rule.basis, format!("{} has no (further) extension", rule.id)));
                }
                Clock { extended: true, ..k.clone() }
            };
            vec![Event::ClockExtended { clock: next, approver: approver.trim().into(), reason: reason.trim().into() }]
        }
        Command::RequestArrestApproval { to } => {
            holder_only()?;
            in_stage(&[Stage::Investigation], "arrest approval is requested during investigation (CPL 87)")?;
            if !c.persons.iter().any(|p| matches!(p.custody, Custody::Detained | Custody::Bail | Custody::ResidentialSurveillance)) {
                return Err(refuse("illegal_transition", Some(c), "arrest is requested for a suspect (CPL 87)", "no suspect to arrest"));
            }
            target(
                receiver("request_arrest_approval", to),
                "the police ask the procuratorate at the same level (CPL 87)",
                &format!("the procuratorate of region {}", actor.region),
            )?;
            vec![send(HandoverKind::ArrestRequest, *to)]
        }
        Command::TransferForProsecution { to } => {
            holder_only()?;
            in_stage(&[Stage::Investigation, Stage::SupplementaryInvestigation], "a case is transferred for prosecution when investigation ends (CPL 162)")?;
            target(
                receiver("transfer_for_prosecution", to),
                "the case goes to the procuratorate at the same level (CPL 162)",
                &format!("the procuratorate of region {}", actor.region),
            )?;
            vec![send(HandoverKind::Prosecution, *to)]
        }
        Command::Indict { to } => {
            if c.stage != Stage::ProsecutionReview {
                return Err(refuse(
                    "no_review",
                    Some(c),
                    "an indictment follows prosecution review (CPL 171, 176)",
                    "the case has not been reviewed for prosecution",
                ));
            }
            holder_only()?;
            let court = court_for(actor.region);
            target(
                receiver("indict", to),
                "the court with jurisdiction at the procuratorate's level (CPL 20–22, 176)",
                &format!("a {court} in region {}", actor.region),
            )?;
            vec![send(HandoverKind::Indictment, *to)]
        }
        Command::Appeal { to } => {
            holder_only()?;
            in_stage(&[Stage::AppealWindow], "an appeal lies against a first-instance judgment (CPL 227)")?;
            // A protest lodged in time is forwarded whenever the court gets to it (CPL 232).
            if c.protest.is_none() {
                window_open(c, held, cal, today, "appeal within 10 days of the judgment (CPL 230)")?;
            }
            let higher = match actor.kind {
                UnitKind::CourtBasic => UnitKind::CourtIntermediate,
                UnitKind::CourtIntermediate => UnitKind::CourtHigh,
                _ => return Err(not_yours("wrong_unit", Some(c), "CPL 227", "only a court forwards an appeal")),
            };
            target(receiver("appeal", to), "the appeal goes to the court one level up (CPL 227)", &format!("the {higher} above region {}", actor.region))?;
            vec![send(HandoverKind::Appeal, *to)]
        }
        Command::Protest { reason } => {
            if actor.kind != UnitKind::Procuratorate || !c.held_by.iter().any(|u| u.id == actor.id) {
                return Err(not_yours(
                    "wrong_unit",
                    Some(c),
                    "the procuratorate that prosecuted protests the judgment of the court at its level (CPL 228)",
                    format!("unit {} did not prosecute this case", actor.id),
                ));
            }
            in_stage(&[Stage::AppealWindow], "a protest lies against a first-instance judgment not yet in force (CPL 228)")?;
            if let Some(p) = &c.protest {
                return Err(refuse("illegal_transition", Some(c), "a judgment is protested once (CPL 228)", format!("protested on {}", p.on)));
            }
            window_open(c, held, cal, today, "protest within 10 days of the judgment (CPL 230)")?;
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a protest is made in writing, with its grounds (CPL 232)", "reason must not be empty"));
            }
            vec![Event::Protested { protest: Protest { by: actor, reason: reason.trim().into(), on: today } }]
        }
        Command::WithdrawProtest { reason } => {
            let rule = "within the protest period the court allows a withdrawal (Crim Interp 385 ¶1)";
            let Some(p) = &c.protest else {
                return Err(refuse("illegal_transition", Some(c), rule, "the judgment is not protested"));
            };
            if actor.id != p.by.id {
                return Err(not_yours(
                    "wrong_unit",
                    Some(c),
                    "the procuratorate that protested withdraws its protest (CPL 232; Crim Interp 385)",
                    "your unit did not protest",
                ));
            }
            in_stage(&[Stage::AppealWindow], "after the protest went up, the court of second instance rules on a withdrawal (Crim Interp 385 ¶2)")?;
            window_open(c, held, cal, today, "after the protest period the court of second instance rules on a withdrawal (Crim Interp 385 ¶2)")?;
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a withdrawal gives its reason", "reason must not be empty"));
            }
            vec![Event::ProtestWithdrawn { by: actor, reason: reason.trim().into(), on: today }]
        }
        Command::HandOverForExecution { to } => {
            holder_only()?;
            in_stage(&[Stage::Final], "only a judgment in force is executed (CPL 259, 264)")?;
            let what = receivers(c, actor, "hand_over_for_execution")
                .iter()
                .map(|(k, region)| match k {
                    UnitKind::JusticeBureau => format!("the justice bureau of region {region} (community corrections, CPL 269)"),
                    _ => format!("the police of region {region} holding the offender (CPL 264; 监狱法 15)"),
                })
                .collect::<Vec<_>>()
                .join(" or ");
            target(
                receiver("hand_over_for_execution", to),
                "the verdicts decide the executing organ: community corrections for 管制, probation and 暂予监外执行, the public security organ for imprisonment, 拘役 and deprivation of political rights (CPL 264, 265, 269, 270)",
                &what,
            )?;
            vec![send(HandoverKind::Execution, *to)]
        }
        Command::Receive => {
            let h = addressed(None)?;
            if h.received.is_some() {
                return Err(refuse("illegal_transition", Some(c), "a hand-over is signed for once", "already signed for"));
            }
            let k = match h.kind {
                HandoverKind::ArrestRequest => Some(clock("criminal.arrest_approval", today)),
                HandoverKind::Prosecution => Some(clock("criminal.prosecution_review", today)),
                HandoverKind::Indictment => Some(clock("criminal.court_acceptance", today)),
                HandoverKind::Appeal => None,
                // Executed outside prison by the court's decision: the police who hold the offender
                // hand them over within 10 days of receiving it (社区矫正法 21 ¶2; Crim Interp 515).
                HandoverKind::Execution
                    if h.to.kind == UnitKind::JusticeBureau && c.judgment.iter().any(|v| v.outside_prison.is_some() && !c.executed.contains(&v.person)) =>
                {
                    Some(clock("corrections.outside_prison_handover", today))
                }
                // The offender reports within 10 days of the judgment taking effect (社区矫正法 21).
                HandoverKind::Execution if h.to.kind == UnitKind::JusticeBureau && c.in_force.is_some() => {
                    Some(clock("corrections.report", c.in_force.unwrap_or(today)))
                }
                // The police deliver the offender to prison within a month of receipt (监狱法 15).
                HandoverKind::Execution => c
                    .judgment
                    .iter()
                    .any(|v| v.to_prison() && !c.executed.contains(&v.person) && h.to.kind == UnitKind::Police)
                    .then(|| clock("criminal.prison_delivery", today)),
            };
            vec![Event::HandoverReceived { on: today, clock: k }]
        }
        Command::ReturnHandover { reason } => {
            addressed(None)?;
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a return gives a written reason", "reason must not be empty"));
            }
            vec![Event::HandoverReturned { reason: reason.trim().into(), on: today }]
        }
        Command::ApproveArrest => {
            receiving(HandoverKind::ArrestRequest)?;
            let mut events = vec![Event::HandoverAccepted { on: today }];
            for (i, p) in c.persons.iter().enumerate() {
                if p.custody != Custody::Released && p.custody != Custody::Arrested {
                    events.push(Event::CustodyChanged { person: i, custody: Custody::Arrested, on: today });
                }
            }
            events.push(Event::ClockStarted { clock: clock("criminal.investigation_custody", today) });
            events
        }
        Command::RefuseArrest { reason } => {
            receiving(HandoverKind::ArrestRequest)?;
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a refusal gives its reasons (CPL 90)", "reason must not be empty"));
            }
            let mut events = vec![Event::ArrestRefused { reason: reason.trim().into() }];
            // Not approved: a detained suspect is released at once (CPL 91 ¶3).
            for (i, p) in c.persons.iter().enumerate() {
                if p.custody == Custody::Detained {
                    events.push(Event::CustodyChanged { person: i, custody: Custody::Released, on: today });
                }
            }
            events.push(Event::ClockStopped);
            events
        }
        Command::AcceptForReview { plea, number } => {
            let h = receiving(HandoverKind::Prosecution)?;
            let mut events = vec![Event::HandoverAccepted { on: today }];
            events.extend(number_event(c, actor, number));
            if *plea {
                events.push(Event::ClockStarted { clock: clock("criminal.plea_review", h.received.unwrap_or(today)) });
            }
            events
        }
        Command::ReturnForSupplementaryInvestigation { reason } => {
            holder_only()?;
            in_stage(&[Stage::ProsecutionReview], "a case is returned for supplementary investigation during review (CPL 175)")?;
            if c.returns >= 2 {
                return Err(refuse(
                    "too_many_returns",
                    Some(c),
                    "at most two returns for supplementary investigation (CPL 175 ¶3)",
                    "the case has been returned twice already; decide to indict or not to prosecute",
                ));
            }
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a return gives a written reason", "reason must not be empty"));
            }
            vec![
                Event::ReturnedForSupplementaryInvestigation { reason: reason.trim().into() },
                Event::ClockStarted { clock: clock("criminal.supplementary_investigation", today) },
            ]
        }
        Command::DeclineProsecution { reason } => {
            holder_only()?;
            in_stage(&[Stage::ProsecutionReview], "the decision not to prosecute ends review (CPL 177)")?;
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a decision not to prosecute states its grounds (CPL 177, 178)", "reason must not be empty"));
            }
            close_releasing(c, Stage::Declined, reason, today)
        }
        Command::AcceptForTrial { procedure, number } => {
            receiving(HandoverKind::Indictment)?;
            if *procedure == Procedure::FastTrack && !c.plea {
                return Err(refuse("illegal_transition", Some(c), "fast-track needs a guilty plea (认罪认罚, CPL 222)", "no plea agreement on this case"));
            }
            let mut events = vec![Event::HandoverAccepted { on: today }];
            events.extend(number_event(c, actor, number));
            events.extend([Event::ProcedureChosen { procedure: *procedure, plea: c.plea }, Event::ClockStarted { clock: clock(procedure.rule(), today) }]);
            events
        }
        Command::ConvertProcedure { to } => {
            holder_only()?;
            in_stage(&[Stage::Trial], "a procedure is converted during trial (CPL 226)")?;
            if c.procedure.is_some_and(|p| *to <= p) {
                return Err(refuse(
                    "illegal_transition",
                    Some(c),
                    "conversion goes to a fuller procedure (Crim Interp 368, 376)",
                    format!("cannot convert {:?} to {to:?}", c.procedure.unwrap_or(*to)),
                ));
            }
            // The trial clock restarts from the conversion decision.
            vec![Event::ProcedureChosen { procedure: *to, plea: c.plea }, Event::ClockStarted { clock: clock(to.rule(), today) }]
        }
        Command::Judge { verdicts } => {
            holder_only()?;
            in_stage(&[Stage::Trial, Stage::SecondInstance], "judgment ends a trial")?;
            check_verdicts(c, verdicts, c.stage == Stage::Trial)?;
            let mut events = vec![Event::Judged { verdicts: verdicts.clone() }];
            // Acquitted or exempted: released at once (CPL 260), and no measure stays on them.
            for v in verdicts.iter().filter(|v| v.releases()) {
                if c.persons[v.person].custody != Custody::Released {
                    events.push(Event::CustodyChanged { person: v.person, custody: Custody::Released, on: today });
                }
            }
            if c.stage == Stage::Trial {
                events.extend([Event::StageChanged { stage: Stage::AppealWindow }, Event::ClockStarted { clock: clock("criminal.appeal_judgment", today) }]);
            } else {
                // The second instance is final (两审终审, CPL 244).
                let judged = events.iter().fold(Some(c.clone()), apply).expect("a judged case");
                events.extend(took_effect(&judged, today));
            }
            events
        }
        Command::Finalize => {
            holder_only()?;
            in_stage(&[Stage::AppealWindow], "a first-instance judgment takes effect when the appeal window passes (CPL 259)")?;
            if let Some(p) = &c.protest {
                return Err(refuse(
                    "protested",
                    Some(c),
                    "a protested judgment goes to the court one level up and does not take effect (CPL 232, 259)",
                    format!("the procuratorate protested on {}: forward the protest (上诉/抗诉) to the court above", p.on),
                ));
            }
            let k = c.clock.as_ref().ok_or_else(|| refuse("illegal_transition", Some(c), "CPL 230", "no appeal window runs"))?;
            // In force only once the window has closed on every reading of a missing calendar year.
            let r = resolved(c, k, held, cal)?;
            let last = latest_reading(&r, cal);
            if today <= last {
                let note = match r.provisional {
                    Some(year) => format!(
                        " on the most generous reading of {year}, whose holiday calendar is not loaded (weekends only, it ends {}); load {year} to settle it",
                        r.due.date()
                    ),
                    None => String::new(),
                };
                return Err(refuse(
                    "window_open",
                    Some(c),
                    "the judgment takes effect after the appeal window (CPL 230, 259)",
                    format!("the appeal window may run until {last}{note}"),
                ));
            }
            took_effect(c, today)
        }
        Command::AcceptAppeal { number } => {
            receiving(HandoverKind::Appeal)?;
            let mut events = vec![Event::HandoverAccepted { on: today }];
            events.extend(number_event(c, actor, number));
            events.push(Event::ClockStarted { clock: clock("criminal.second_instance", today) });
            events
        }
        Command::AcceptExecution => {
            let h = receiving(HandoverKind::Execution)?;
            let mut events = vec![Event::HandoverAccepted { on: today }];
            // The sentence starts, and any measure on them ends with it (Crim Interp 172).
            let serving = if h.to.kind == UnitKind::JusticeBureau { Custody::CommunityCorrections } else { Custody::Serving };
            for (person, _) in c.to_execute().iter().filter(|(_, k)| *k == h.to.kind) {
                events.push(Event::CustodyChanged { person: *person, custody: serving, on: today });
            }
            // Everyone handed over to an organ: closed; otherwise the court hands over the rest.
            if c.to_execute().iter().all(|(_, k)| *k == h.to.kind) {
                events.push(Event::Closed { stage: Stage::Executed, reason: "handed over for execution".into() });
            }
            events
        }
        Command::Collaborate { kind, to, text } => {
            let involved = c.holder.id == actor.id || c.held_by.iter().chain(&c.involved).any(|u| u.id == actor.id);
            if !involved {
                return Err(not_yours("not_holder", Some(c), "collaboration is between units on the case", format!("unit {} is not on this case", actor.id)));
            }
            let counterpart = match actor.kind {
                UnitKind::Police => UnitKind::Procuratorate,
                UnitKind::Procuratorate => UnitKind::Police,
                _ => {
                    return Err(not_yours(
                        "wrong_unit",
                        Some(c),
                        "collaboration is between police and procuratorate (CPL 7, SPP Rules 256)",
                        format!("a {} unit does not take part", actor.kind),
                    ))
                }
            };
            target(
                receiver("collaborate", to),
                "the police and procuratorate of the same region work together (SPP Rules 256)",
                &format!("the {counterpart} of region {}", actor.region),
            )?;
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 2000 {
                return Err(refuse("invalid", Some(c), "a message says something, in at most 2000 characters", "text must be 1 to 2000 characters"));
            }
            vec![Event::Collaborated { kind: *kind, from: actor, to: *to, text: text.into(), on: today }]
        }
        Command::AddDocument { sha256, name, category, content_type, size } => {
            if actor.id != c.holder.id {
                return Err(not_yours(
                    "not_holder",
                    Some(c),
                    "documents are added by the unit holding the case",
                    format!("unit {} does not hold this case", actor.id),
                ));
            }
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) || name.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a document has a name and a SHA-256", "name and sha256 are required"));
            }
            if c.documents.iter().any(|d| d.sha256 == *sha256) {
                return Err(refuse(
                    "duplicate",
                    Some(c),
                    "a document is in the dossier once",
                    format!(
                        "this content is already in the dossier as {:?}",
                        c.documents.iter().find(|d| d.sha256 == *sha256).map(|d| d.name.as_str()).unwrap_or("")
                    ),
                ));
            }
            vec![Event::DocumentAdded {
                document: Document {
                    sha256: sha256.to_ascii_lowercase(),
                    name: name.trim().into(),
                    category: *category,
                    content_type: content_type.clone(),
                    size: *size,
                    added_by: actor,
                    on: today,
                },
            }]
        }
        Command::Withdraw { reason } => {
            holder_only()?;
            in_stage(&[Stage::Investigation, Stage::SupplementaryInvestigation], "the police withdraw a case during investigation (CPL 163)")?;
            if reason.trim().is_empty() {
                return Err(refuse("invalid", Some(c), "a withdrawal gives its reason", "reason must not be empty"));
            }
            close_releasing(c, Stage::Withdrawn, reason, today)
        }
    })
}

/// Close the case, releasing everyone still under a measure.
fn close_releasing(c: &Case, stage: Stage, reason: &str, today: Date) -> Vec<Event> {
    let mut events: Vec<Event> = c
        .persons
        .iter()
        .enumerate()
        .filter(|(_, p)| p.custody != Custody::Released)
        .map(|(i, _)| Event::CustodyChanged { person: i, custody: Custody::Released, on: today })
        .collect();
    events.push(Event::Closed { stage, reason: reason.trim().into() });
    events
}

/// The judgment takes effect: the court delivers it for execution within 10 days (CPL 264),
/// or, with nobody for another organ to execute, the case ends here.
fn took_effect(c: &Case, today: Date) -> Vec<Event> {
    let mut events = vec![Event::StageChanged { stage: Stage::Final }, Event::TookEffect { on: today }];
    // An accessory punishment alone (a fine, say): measures end when the judgment takes effect
    // (Crim Interp 172).
    for v in c.judgment.iter().filter(|v| v.finding == Finding::Guilty && v.punishment.is_none()) {
        if c.persons.get(v.person).is_some_and(|p| p.custody != Custody::Released) {
            events.push(Event::CustodyChanged { person: v.person, custody: Custody::Released, on: today });
        }
    }
    if !c.judgment.is_empty() && c.to_execute().is_empty() {
        events.push(Event::Closed { stage: Stage::Executed, reason: "judgment in force; nothing for another organ to execute".into() });
    } else {
        events.push(Event::ClockStarted { clock: clock("criminal.execution_delivery", today) });
    }
    events
}

/// The appeal (or protest) window has not closed on any reading of a missing calendar year.
fn window_open(c: &Case, held: bool, cal: &Calendar, today: Date, rule: &str) -> Result<(), Refusal> {
    let k = c.clock.as_ref().ok_or_else(|| refuse("illegal_transition", Some(c), "CPL 230", "no appeal window runs"))?;
    // A party's right is never lost to a missing calendar: refused only when late on every reading.
    let r = resolved(c, k, held, cal)?;
    let last = latest_reading(&r, cal);
    if today > last {
        let note = missing_year_note(&r);
        return Err(refuse("window_closed", Some(c), rule, format!("the appeal window ended on {last}{note}")));
    }
    Ok(())
}

/// Verdicts name real defendants once each and are lawful; a first-instance judgment judges
/// every defendant (CPL 200).
fn check_verdicts(c: &Case, verdicts: &[Verdict], first_instance: bool) -> Result<(), Refusal> {
    let mut seen = vec![false; c.persons.len()];
    for v in verdicts {
        match seen.get_mut(v.person) {
            None => return Err(refuse("invalid", Some(c), "verdicts name the case's defendants by number", format!("no person {}", v.person))),
            Some(true) => return Err(refuse("invalid", Some(c), "one verdict per defendant", format!("person {} is judged twice", v.person))),
            Some(s) => *s = true,
        }
        v.check().map_err(|u| refuse("unlawful_sentence", Some(c), u.rule, u.message))?;
    }
    if first_instance {
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(refuse(
                "invalid",
                Some(c),
                "a first-instance judgment decides for every defendant (CPL 200)",
                format!("no verdict for person {missing} ({})", c.persons[missing].name),
            ));
        }
    }
    Ok(())
}

/// An agency's own number, recorded once per unit.
fn number_event(c: &Case, actor: UnitRef, number: &Option<String>) -> Option<Event> {
    let n = number.as_deref().map(str::trim).filter(|n| !n.is_empty())?;
    (!c.numbers.iter().any(|(u, _)| u.id == actor.id)).then(|| Event::NumberAssigned { unit: actor, number: n.to_string() })
}

/// Fold one event into the state.
pub fn apply(case: Option<Case>, event: &Event) -> Option<Case> {
    if let Event::Registered { case_no, title, by, persons, charge, on } = event {
        return Some(Case {
            case_no: case_no.clone(),
            title: title.clone(),
            charge: charge.clone(),
            stage: Stage::Investigation,
            holder: *by,
            held_by: vec![*by],
            investigator: *by,
            persons: persons.clone(),
            handover: None,
            clock: None,
            returns: 0,
            procedure: None,
            plea: false,
            involved: vec![],
            documents: vec![],
            numbers: vec![],
            judgment: vec![],
            in_force: None,
            executed: vec![],
            protest: None,
            notice: None,
            held_since: persons.iter().any(|p| p.custody.held()).then_some(*on),
            measures: persons
                .iter()
                .enumerate()
                .filter(|(_, p)| matches!(p.custody, Custody::Bail | Custody::ResidentialSurveillance))
                .map(|(i, p)| Measure { person: i, custody: p.custody, since: *on, by: *by })
                .collect(),
        });
    }
    let mut c = case?;
    notice(&mut c, event);
    match event {
        Event::Registered { .. } => unreachable!("handled above"),
        Event::CustodyChanged { person, custody, on } => {
            if let Some(p) = c.persons.get_mut(*person) {
                p.custody = *custody;
            }
            c.measures.retain(|m| m.person != *person);
            if !c.in_custody() {
                c.held_since = None;
            } else if c.held_since.is_none() {
                c.held_since = Some(*on);
            }
            if matches!(custody, Custody::Bail | Custody::ResidentialSurveillance) {
                c.measures.push(Measure { person: *person, custody: *custody, since: *on, by: c.holder });
            }
        }
        Event::ClockStarted { clock } => {
            c.plea |= clock.rule == "criminal.plea_review";
            c.clock = Some(clock.clone());
        }
        Event::ClockExtended { clock, .. } => c.clock = Some(clock.clone()),
        Event::ClockStopped => c.clock = None,
        Event::HandoverSent { handover } => {
            // A unit sent the case keeps seeing it, whatever it then does (it has had the
            // dossier): the projection's units follow from the state alone.
            if !c.held_by.iter().chain(&c.involved).any(|u| u.id == handover.to.id) {
                c.involved.push(handover.to);
            }
            c.handover = Some(handover.clone());
        }
        Event::HandoverReceived { on, clock } => {
            if let Some(h) = c.handover.as_mut() {
                h.received = Some(*on);
                h.clock = clock.clone();
            }
        }
        Event::HandoverReturned { .. } | Event::ArrestRefused { .. } => c.handover = None,
        Event::HandoverAccepted { .. } => {
            if let Some(h) = c.handover.take() {
                let mut rest = vec![];
                if h.kind == HandoverKind::Execution {
                    let (done, left): (Vec<_>, Vec<_>) = c.to_execute().into_iter().partition(|(_, k)| *k == h.to.kind);
                    c.executed.extend(done.into_iter().map(|(p, _)| p));
                    rest = left;
                }
                if !rest.is_empty() {
                    // Others still go to another organ: the court keeps the case, and the organ
                    // that took its offenders keeps seeing it.
                    if !c.held_by.iter().any(|u| u.id == h.to.id) {
                        c.held_by.push(h.to);
                    }
                } else if h.kind != HandoverKind::ArrestRequest {
                    c.holder = h.to;
                    if !c.held_by.iter().any(|u| u.id == h.to.id) {
                        c.held_by.push(h.to);
                    }
                    c.clock = h.clock;
                    c.stage = match h.kind {
                        HandoverKind::Prosecution => Stage::ProsecutionReview,
                        HandoverKind::Indictment => Stage::Trial,
                        HandoverKind::Appeal => Stage::SecondInstance,
                        HandoverKind::Execution | HandoverKind::ArrestRequest => c.stage,
                    };
                }
            }
        }
        Event::StageChanged { stage } => c.stage = *stage,
        Event::ReturnedForSupplementaryInvestigation { .. } => {
            c.returns += 1;
            c.stage = Stage::SupplementaryInvestigation;
            c.holder = c.investigator;
        }
        Event::ProcedureChosen { procedure, .. } => c.procedure = Some(*procedure),
        Event::Closed { stage, .. } => {
            c.stage = *stage;
            c.clock = None;
            c.handover = None;
            c.measures.clear();
        }
        Event::Judged { verdicts } => {
            for v in verdicts {
                c.judgment.retain(|x| x.person != v.person);
                c.judgment.push(v.clone());
            }
            c.judgment.sort_by_key(|v| v.person);
        }
        Event::TookEffect { on } => c.in_force = Some(*on),
        Event::Protested { protest } => c.protest = Some(protest.clone()),
        Event::ProtestWithdrawn { .. } => c.protest = None,
        Event::DocumentAdded { document } => c.documents.push(document.clone()),
        Event::NumberAssigned { unit, number } => c.numbers.push((*unit, number.clone())),
        Event::DueRecomputed { .. } => {}
        Event::Collaborated { from, to, .. } => {
            for u in [from, to] {
                if !c.held_by.iter().chain(&c.involved).any(|x| x.id == u.id) {
                    c.involved.push(*u);
                }
            }
        }
    }
    Some(c)
}

/// The notice an event leaves for a unit, or takes away once its addressee acts.
fn notice(c: &mut Case, event: &Event) {
    let mut leave = |kind, to: UnitRef, from: UnitRef, text: &str| c.notice = Some(Notice { kind, to, from, text: text.to_string() });
    match event {
        Event::HandoverReturned { reason, .. } | Event::ArrestRefused { reason } => {
            if let Some(h) = c.handover.clone() {
                let kind = if matches!(event, Event::ArrestRefused { .. }) { NoticeKind::ArrestRefused } else { NoticeKind::Returned };
                leave(kind, h.from, h.to, reason);
            }
        }
        Event::ReturnedForSupplementaryInvestigation { reason } => {
            let (to, from) = (c.investigator, c.holder);
            leave(NoticeKind::SupplementaryInvestigation, to, from, reason);
        }
        Event::Protested { protest } => {
            let to = c.holder;
            leave(NoticeKind::Protested, to, protest.by, &protest.reason);
        }
        Event::ProtestWithdrawn { by, reason, .. } => {
            let to = c.holder;
            leave(NoticeKind::ProtestWithdrawn, to, *by, reason);
        }
        Event::Collaborated { from, to, text, .. } => leave(NoticeKind::Message, *to, *from, text),
        Event::HandoverSent { handover } if c.notice.as_ref().is_some_and(|n| n.to.id == handover.from.id) => c.notice = None,
        // Signing for or taking in a hand-over is acting on the case too.
        Event::HandoverReceived { .. } | Event::HandoverAccepted { .. }
            if c.notice.as_ref().zip(c.handover.as_ref()).is_some_and(|(n, h)| n.to.id == h.to.id) =>
        {
            c.notice = None
        }
        Event::Closed { .. } => c.notice = None,
        _ => {}
    }
}

/// A clock running on the case, for whom, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockView {
    pub rule: String,
    /// The unit that must act before it runs out.
    pub unit: UnitRef,
    pub start: Date,
    /// The deadline, or why it cannot be computed (e.g. a year's calendar not yet loaded).
    pub due: Result<crate::Deadline, String>,
    /// The person a measure's term is about (bail, residential surveillance).
    pub person: Option<usize>,
}

/// The clocks now running: the holder's, and a pending hand-over's receiver's.
pub fn clocks(c: &Case, cal: &Calendar) -> Vec<ClockView> {
    let held = c.in_custody();
    let mut out = Vec::new();
    let mut push = |k: &Clock, unit: UnitRef, person: Option<usize>| {
        let due = RuleId::parse(&k.rule).and_then(|rid| {
            let rule = rid.rule();
            let req = DeadlineRequest { rule, start: Start::Date(k.start), in_custody: held && rule.custody_applies(), extended: k.extended };
            compute(req, cal).map_err(|e| e.to_string())
        });
        out.push(ClockView { rule: k.rule.clone(), unit, start: k.start, due, person });
    };
    // Sending a hand-over is what the holder's clock asked of it (request arrest, transfer,
    // indict, forward the appeal…): while the receiver has it, the sender is not running late.
    // A return gives the case back with the clock as it was.
    if let Some(k) = c.clock.as_ref().filter(|_| c.handover.is_none()) {
        push(k, c.holder, None);
    }
    if let Some(h) = &c.handover {
        if let Some(k) = &h.clock {
            push(k, h.to, None);
        }
    }
    // A measure's term ends whoever has the case: the organ holding it must end or renew it.
    for m in &c.measures {
        push(&clock(m.rule(), m.since), c.holder, Some(m.person));
    }
    out
}

/// The commands `actor` could give now, by name: each is tried against the machine with
/// stand-in arguments that pass its target checks (the page then asks for the real ones).
pub fn available(c: &Case, actor: UnitRef, now: PrimitiveDateTime, cal: &Calendar) -> Vec<&'static str> {
    // A stand-in for the first unit the law names; a unit the command cannot go to otherwise.
    let to = |command: &str| {
        let (kind, region) = receivers(c, actor, command).first().copied().unwrap_or((actor.kind, actor.region));
        UnitRef { id: -1, kind, region }
    };
    let text = || "—".to_string();
    let candidates: Vec<(&'static str, Command)> = vec![
        ("request_arrest_approval", Command::RequestArrestApproval { to: to("request_arrest_approval") }),
        ("transfer_for_prosecution", Command::TransferForProsecution { to: to("transfer_for_prosecution") }),
        ("indict", Command::Indict { to: to("indict") }),
        ("appeal", Command::Appeal { to: to("appeal") }),
        ("hand_over_for_execution", Command::HandOverForExecution { to: to("hand_over_for_execution") }),
        ("receive", Command::Receive),
        ("return_handover", Command::ReturnHandover { reason: text() }),
        ("approve_arrest", Command::ApproveArrest),
        ("refuse_arrest", Command::RefuseArrest { reason: text() }),
        ("accept_for_review", Command::AcceptForReview { plea: false, number: None }),
        ("return_for_supplementary_investigation", Command::ReturnForSupplementaryInvestigation { reason: text() }),
        ("decline_prosecution", Command::DeclineProsecution { reason: text() }),
        ("accept_for_trial", Command::AcceptForTrial { procedure: Procedure::Ordinary, number: None }),
        ("convert_procedure", Command::ConvertProcedure { to: Procedure::Ordinary }),
        ("judge", Command::Judge { verdicts: (0..c.persons.len()).map(Verdict::not_guilty).collect() }),
        ("protest", Command::Protest { reason: text() }),
        ("withdraw_protest", Command::WithdrawProtest { reason: text() }),
        ("finalize", Command::Finalize),
        ("accept_appeal", Command::AcceptAppeal { number: None }),
        ("accept_execution", Command::AcceptExecution),
        ("extend", Command::Extend { approver: text(), reason: text(), major: false }),
        ("withdraw", Command::Withdraw { reason: text() }),
        ("collaborate", Command::Collaborate { kind: Collaboration::Consultation, to: to("collaborate"), text: text() }),
    ];
    candidates.into_iter().filter(|(_, cmd)| decide(Some(c), cmd, actor, now, cal).is_ok()).map(|(name, _)| name).collect()
}
