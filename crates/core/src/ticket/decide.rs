//! Deciding work-order commands and applying their events.

use super::*;
use crate::refusal::{Refusal, RefusalKind};
use crate::{resolve, Calendar, DeadlineRequest, RuleId, Start};
use time::{Duration, PrimitiveDateTime};

fn describe(t: &Ticket) -> String {
    let mut s = t.stage.as_str().to_string();
    if let Some(l) = t.lead() {
        s.push_str(&format!(", lead unit {}", l.unit.id));
    }
    if t.reopened > 0 {
        s.push_str(&format!(", reopened {} times", t.reopened));
    }
    s
}

fn refuse(code: &'static str, t: Option<&Ticket>, rule: &str, message: impl Into<String>) -> Refusal {
    Refusal { kind: RefusalKind::NotNow, code, state: t.map(describe).unwrap_or_else(|| "not registered".into()), rule: rule.into(), message: message.into() }
}

fn not_yours(code: &'static str, t: Option<&Ticket>, rule: &str, message: impl Into<String>) -> Refusal {
    Refusal { kind: RefusalKind::NotYours, ..refuse(code, t, rule, message) }
}

/// Units that take political-legal matters (涉法涉诉).
fn political_legal(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Police | UnitKind::Procuratorate | UnitKind::JusticeBureau) || kind.is_court()
}

/// A clock now running on the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueView {
    pub rule: String,
    pub unit: UnitRef,
    pub start: Date,
    /// The date and whether it is provisional, or why it cannot be computed.
    pub due: Result<(Date, bool), String>,
    /// Days added by approved extensions.
    pub extension_days: u32,
    /// The city's own limit that replaced the catalogue's, if one did.
    pub local: Option<LocalLimit>,
}

fn due_of(t: &Ticket, rule: &str, start: Date, extra: u32, cal: &Calendar) -> Result<(Date, bool), String> {
    let national = RuleId::parse(rule)?.rule();
    let local;
    let rule = match t.local_limit(national.id) {
        Some(l) => {
            local = national.with_length(u32::from(l.length));
            &local
        }
        None => national,
    };
    let r = resolve(DeadlineRequest { rule, start: Start::Date(start), in_custody: false, extended: false }, cal).map_err(|e| e.to_string())?;
    Ok((r.due.date() + Duration::days(i64::from(extra)), r.provisional.is_some()))
}

/// The clocks running: each unsigned assignment's sign-for, and the lead's handling.
pub fn clocks(t: &Ticket, cal: &Calendar) -> Vec<DueView> {
    let mut out = Vec::new();
    if t.stage.is_closed() {
        return out;
    }
    for a in t.assignments.iter().filter(|a| a.signed.is_none()) {
        let rule = "hotline.12345_sign_for";
        out.push(DueView {
            rule: rule.into(),
            unit: a.unit,
            start: a.dispatched,
            due: due_of(t, rule, a.dispatched, 0, cal),
            extension_days: 0,
            local: t.local_limit(rule).cloned(),
        });
    }
    if let (Stage::InProgress, Some(lead), Some(since)) = (t.stage, t.lead(), t.handling_since) {
        let rule = t.handling_rule();
        out.push(DueView {
            rule: rule.into(),
            unit: lead.unit,
            start: since,
            due: due_of(t, rule, since, t.extension_days, cal),
            extension_days: t.extension_days,
            local: t.local_limit(rule).cloned(),
        });
    }
    out
}

/// Whether the lead signed for the order within its limit, and replied within its limit on the
/// last round (with approved extensions): `None` while it has not yet.
pub fn on_time(t: &Ticket, cal: &Calendar) -> (Option<bool>, Option<bool>) {
    let signed = t.lead().and_then(|a| {
        let signed = a.signed?;
        due_of(t, "hotline.12345_sign_for", a.dispatched, 0, cal).ok().map(|(due, _)| signed <= due)
    });
    let replied = match (t.replied_on, t.handling_since) {
        (Some(on), Some(since)) => due_of(t, t.handling_rule(), since, t.extension_days, cal).ok().map(|(due, _)| on <= due),
        _ => None,
    };
    (signed, replied)
}

/// Decide a command. `actor` is the unit acting; roles are checked before this, by the policy.
pub fn decide(ticket: Option<&Ticket>, cmd: &Command, actor: UnitRef, now: PrimitiveDateTime, cal: &Calendar) -> Result<Vec<Event>, Refusal> {
    let today = now.date();
    let Some(t) = ticket else {
        let Command::Register { channel, kind, urgency, caller, title, content, address, concerns_law, repeat_of, limits } = cmd else {
            return Err(refuse("not_registered", None, "an order exists once it is taken (受理)", "the order is not registered"));
        };
        let Some(hotline) = Hotline::of(actor.kind) else {
            return Err(not_yours(
                "wrong_unit",
                None,
                "orders are taken by the hotline centres (12345, 12309, 12348)",
                format!("a {} unit does not take hotline calls", actor.kind),
            ));
        };
        return Ok(vec![Event::Registered {
            hotline,
            channel: *channel,
            kind: *kind,
            urgency: *urgency,
            caller: caller.clone(),
            title: title.clone(),
            content: content.clone(),
            address: address.clone(),
            concerns_law: *concerns_law,
            repeat_of: *repeat_of,
            by: actor,
            on: today,
            // The local limits are 12345's.
            limits: if hotline == Hotline::H12345 { limits.clone() } else { vec![] },
        }]);
    };
    let some = Some(t);
    if let Command::Register { .. } = cmd {
        return Err(refuse("already_registered", some, "one order per call", "the order is already registered"));
    }
    if t.stage.is_closed() {
        return Err(refuse(
            "closed",
            some,
            "a closed or terminated order is not reopened (发回重办 follows a callback, before closing)",
            format!("the order is {}", t.stage.as_str()),
        ));
    }
    let centre = || {
        if actor.id == t.centre.id {
            Ok(())
        } else {
            Err(not_yours(
                "not_centre",
                some,
                "the hotline centre that took the call decides this",
                format!("unit {} took this call, not unit {}", t.centre.id, actor.id),
            ))
        }
    };
    let lead = || match t.lead() {
        Some(a) if a.unit.id == actor.id => Ok(a),
        Some(a) if t.assignments.iter().any(|x| x.unit.id == actor.id) => Err(not_yours(
            "not_lead",
            some,
            "首接负责 (H5): the lead unit handles and replies; assisting units report to it",
            format!("unit {} leads this order; yours assists (assist_report)", a.unit.id),
        )),
        _ => {
            Err(not_yours("not_assigned", some, "派单 (H3): only the units the order was dispatched to act on it", "the order was not dispatched to your unit"))
        }
    };
    let at = |stages: &[Stage], rule: &str| {
        if stages.contains(&t.stage) {
            Ok(())
        } else {
            let names: Vec<_> = stages.iter().map(|s| s.as_str()).collect();
            Err(refuse("illegal_transition", some, rule, format!("this needs the order {}, not {}", names.join(" or "), t.stage.as_str())))
        }
    };
    let ev = match cmd {
        Command::Register { .. } => unreachable!("handled above"),
        Command::AnswerOnCall { answer, item } => {
            centre()?;
            at(&[Stage::Received], "H2: answered on the call")?;
            if let Some(k) = item.as_ref().filter(|k| !k.valid_on(today)) {
                let until = k.valid_until.map(|d| format!("until {d}")).unwrap_or_default();
                return Err(refuse(
                    "knowledge_not_valid",
                    some,
                    "H2, H14: a caller is answered from a knowledge item valid that day",
                    format!("knowledge item {} holds from {} {until}, not on {today}", k.id, k.valid_from),
                ));
            }
            if t.kind != TicketKind::Consultation {
                return Err(refuse(
                    "not_consultation",
                    some,
                    "H2: consultations are answered on the call; requests, complaints and reports are dispatched",
                    "only a consultation is answered on the call",
                ));
            }
            vec![Event::AnsweredOnCall { answer: answer.clone(), item: item.clone() }]
        }
        Command::NotAccept { reason, route } => {
            centre()?;
            at(&[Stage::Received], "H18 (潍坊条例 19)")?;
            vec![Event::NotAccepted { reason: reason.clone(), route: route.clone() }]
        }
        Command::TransferEmergency { to } => {
            centre()?;
            at(&[Stage::Received], "H2: emergencies go at once to 110, 119, 120 or 122")?;
            vec![Event::TransferredEmergency { to: *to }]
        }
        Command::Dispatch { lead: to, assists, designated } => {
            centre()?;
            at(&[Stage::Received], "H3: dispatched once, again only after an approved return")?;
            let mut seen = vec![to.id];
            for u in std::iter::once(to).chain(assists) {
                if matches!(u.kind, UnitKind::Committee | UnitKind::Hotline12345 | UnitKind::Hotline12309 | UnitKind::Hotline12348) {
                    return Err(refuse(
                        "wrong_target",
                        some,
                        "H3: orders go to the units that handle the matter",
                        format!("a {} unit does not handle orders", u.kind),
                    ));
                }
                if !t.centre.region.contains(u.region) {
                    return Err(refuse("wrong_target", some, "属地管理 (H3)", format!("unit {} is outside the centre's region {}", u.id, t.centre.region)));
                }
            }
            for a in assists {
                if seen.contains(&a.id) {
                    return Err(refuse("duplicate_unit", some, "H15: one lead, the others assist", format!("unit {} is named twice", a.id)));
                }
                seen.push(a.id);
            }
            if t.concerns_law && !political_legal(to.kind) {
                return Err(refuse(
                    "not_political_legal",
                    some,
                    "涉法涉诉 matters go to the political-legal units, not as ordinary tickets (潍坊条例 19; 信访工作条例 22)",
                    format!("a {} unit does not handle matters that concern the law", to.kind),
                ));
            }
            vec![Event::Dispatched { lead: *to, assists: assists.clone(), designated: *designated, on: today }]
        }
        Command::SignFor => {
            at(&[Stage::Dispatched, Stage::InProgress], "签收 (H3)")?;
            match t.assignments.iter().find(|a| a.unit.id == actor.id) {
                None => return Err(not_yours("not_assigned", some, "签收 (H3)", "the order was not dispatched to your unit")),
                Some(a) if a.signed.is_some() => return Err(refuse("already_signed", some, "签收 (H3)", "your unit signed for it already")),
                Some(_) => {}
            }
            vec![Event::SignedFor { unit: actor, on: today }]
        }
        Command::RequestReturn { reason } => {
            lead()?;
            at(&[Stage::Dispatched, Stage::InProgress], "H21: a unit returns an order clearly outside its duties")?;
            if t.designated {
                return Err(refuse(
                    "designated",
                    some,
                    "H21 (潍坊条例 22): a unit the centre designated may not return the order",
                    "the centre designated your unit",
                ));
            }
            if t.return_request.is_some() {
                return Err(refuse("return_pending", some, "H21", "a return request is waiting for the centre"));
            }
            vec![Event::ReturnRequested { reason: reason.clone() }]
        }
        Command::DecideReturn { approve } => {
            centre()?;
            if t.return_request.is_none() {
                return Err(refuse("no_return", some, "H21", "no return request is waiting"));
            }
            vec![Event::ReturnDecided { approve: *approve }]
        }
        Command::FirstContact => {
            lead()?;
            at(&[Stage::InProgress], "H6: the unit contacts the caller")?;
            if t.first_contact.is_some() {
                return Err(refuse("already_contacted", some, "H6", "first contact is recorded already"));
            }
            vec![Event::FirstContacted { on: today }]
        }
        Command::RequestExtension { days, reason } => {
            lead()?;
            at(&[Stage::InProgress], "H6: extended only with the centre's approval, the caller told")?;
            if t.extension_request.is_some() {
                return Err(refuse("extension_pending", some, "H6", "an extension request is waiting for the centre"));
            }
            vec![Event::ExtensionRequested { days: *days, reason: reason.clone() }]
        }
        Command::DecideExtension { approve } => {
            centre()?;
            if t.extension_request.is_none() {
                return Err(refuse("no_extension", some, "H6", "no extension request is waiting"));
            }
            vec![Event::ExtensionDecided { approve: *approve }]
        }
        Command::AssistReport { text } => {
            match t.assignments.iter().find(|a| a.unit.id == actor.id) {
                Some(a) if a.lead => return Err(refuse("is_lead", some, "H5", "the lead replies to the centre (reply); assisting units report to the lead")),
                Some(a) if a.signed.is_none() => return Err(refuse("not_signed", some, "H5", "sign for the order first")),
                Some(_) => {}
                None => return Err(not_yours("not_assigned", some, "H5", "the order was not dispatched to your unit")),
            }
            at(&[Stage::Dispatched, Stage::InProgress], "H5")?;
            vec![Event::AssistReported { unit: actor, text: text.clone() }]
        }
        Command::Reply { resolution, text } => {
            lead()?;
            at(&[Stage::InProgress], "H11: the lead replies within the limit")?;
            vec![Event::Replied { reply: Reply { resolution: *resolution, text: text.clone(), on: today } }]
        }
        Command::Review { pass, note } => {
            centre()?;
            at(&[Stage::Replied], "H13: the centre reviews every reply")?;
            let mut out = vec![Event::Reviewed { pass: *pass, note: note.clone() }];
            if *pass && !t.caller.reply_wanted {
                out.push(Event::Closed);
            }
            out
        }
        Command::Callback { channel, reached, solved, satisfaction } => {
            centre()?;
            at(&[Stage::CallingBack], "H7, H13: the caller is called back after the reply is reviewed")?;
            let callback = Callback { channel: *channel, reached: *reached, solved: *solved, satisfaction: *satisfaction, on: today };
            let mut out = vec![Event::CalledBack { callback }];
            if *reached {
                if *solved && *satisfaction != Some(Satisfaction::Unsatisfied) {
                    out.push(Event::Closed);
                } else {
                    out.push(Event::Reopened { on: today });
                }
            }
            out
        }
        Command::RequestTermination { reason } => {
            lead()?;
            at(&[Stage::InProgress], "H20: termination is asked of the centre in writing")?;
            if t.termination_request.is_some() {
                return Err(refuse("termination_pending", some, "H20", "a termination request is waiting for the centre"));
            }
            vec![Event::TerminationRequested { reason: reason.clone() }]
        }
        Command::Supervise { reason, note } => {
            centre()?;
            at(&[Stage::Dispatched, Stage::InProgress], "H14: an order the handling units still have is supervised")?;
            if *reason == SuperviseReason::Overdue && !clocks(t, cal).iter().any(|k| k.due.as_ref().is_ok_and(|(due, _)| *due < today)) {
                return Err(refuse("not_overdue", some, "H14 (济南条例 28): supervised for being overdue", "no limit of this order has run out"));
            }
            if *reason == SuperviseReason::Other && note.trim().is_empty() {
                return Err(refuse("no_note", some, "H14", "say why the order is supervised"));
            }
            vec![Event::Supervised { supervision: Supervision { reason: *reason, note: note.clone(), on: today } }]
        }
        Command::DecideTermination { approve } => {
            centre()?;
            if t.termination_request.is_none() {
                return Err(refuse("no_termination", some, "H20", "no termination request is waiting"));
            }
            vec![Event::TerminationDecided { approve: *approve }]
        }
        Command::BecomeDispute { dispute_id } => {
            centre()?;
            at(&[Stage::Received], "a civil dispute is diverted to mediation (多元解纷)")?;
            if *dispute_id <= 0 {
                return Err(refuse("no_dispute", some, "多元解纷", "no dispute was registered"));
            }
            vec![Event::BecameDispute { dispute_id: *dispute_id }]
        }
    };
    Ok(ev)
}

fn involve(t: &mut Ticket, u: UnitRef) {
    if !t.involved.iter().any(|x| x.id == u.id) {
        t.involved.push(u);
    }
}

pub fn apply(ticket: Option<Ticket>, event: &Event) -> Option<Ticket> {
    if let Event::Registered { hotline, channel, kind, urgency, caller, title, content, address, concerns_law, repeat_of, by, on, limits } = event {
        return Some(Ticket {
            limits: limits.clone(),
            hotline: *hotline,
            channel: *channel,
            kind: *kind,
            urgency: *urgency,
            caller: caller.clone(),
            title: title.clone(),
            content: content.clone(),
            address: address.clone(),
            concerns_law: *concerns_law,
            centre: *by,
            received: *on,
            stage: Stage::Received,
            assignments: vec![],
            designated: false,
            return_request: None,
            handling_since: None,
            extension_days: 0,
            extension_request: None,
            first_contact: None,
            reply: None,
            callbacks: vec![],
            reopened: 0,
            termination_request: None,
            supervisions: vec![],
            outcome: None,
            involved: vec![*by],
            dispute_id: None,
            repeat_of: *repeat_of,
            returns: 0,
            extensions: 0,
            replied_on: None,
            answer: None,
        });
    }
    let mut t = ticket?;
    match event {
        Event::Registered { .. } => unreachable!("handled above"),
        Event::AnsweredOnCall { answer, item } => {
            t.answer = Some((answer.clone(), item.clone()));
            t.stage = Stage::Closed;
            t.outcome = Some(Outcome::AnsweredOnCall);
        }
        Event::NotAccepted { .. } => {
            t.stage = Stage::Closed;
            t.outcome = Some(Outcome::NotAccepted);
        }
        Event::TransferredEmergency { .. } => {
            t.stage = Stage::Closed;
            t.outcome = Some(Outcome::Emergency);
        }
        Event::Dispatched { lead, assists, designated, on } => {
            t.stage = Stage::Dispatched;
            t.designated = *designated;
            t.assignments = std::iter::once(Assignment { unit: *lead, lead: true, dispatched: *on, signed: None, report: None })
                .chain(assists.iter().map(|u| Assignment { unit: *u, lead: false, dispatched: *on, signed: None, report: None }))
                .collect();
            for u in std::iter::once(lead).chain(assists) {
                involve(&mut t, *u);
            }
        }
        Event::SignedFor { unit, on } => {
            let mut lead_signed = false;
            if let Some(a) = t.assignments.iter_mut().find(|a| a.unit.id == unit.id) {
                a.signed = Some(*on);
                lead_signed = a.lead;
            }
            if lead_signed {
                t.stage = Stage::InProgress;
                t.handling_since = Some(*on);
            }
        }
        Event::ReturnRequested { reason } => {
            t.return_request = Some(reason.clone());
            t.returns += 1;
        }
        Event::ReturnDecided { approve } => {
            t.return_request = None;
            if *approve {
                t.assignments.clear();
                t.stage = Stage::Received;
                t.handling_since = None;
                t.first_contact = None;
            } else {
                t.designated = true;
            }
        }
        Event::FirstContacted { on } => t.first_contact = Some(*on),
        Event::ExtensionRequested { days, reason } => {
            t.extension_request = Some((*days, reason.clone()));
            t.extensions += 1;
        }
        Event::ExtensionDecided { approve } => {
            if let Some((days, _)) = t.extension_request.take() {
                if *approve {
                    t.extension_days += days;
                }
            }
        }
        Event::AssistReported { unit, text } => {
            if let Some(a) = t.assignments.iter_mut().find(|a| a.unit.id == unit.id) {
                a.report = Some(text.clone());
            }
        }
        Event::Replied { reply } => {
            t.reply = Some(reply.clone());
            t.replied_on = Some(reply.on);
            t.stage = Stage::Replied;
        }
        Event::Reviewed { pass, .. } => {
            if *pass {
                t.stage = Stage::CallingBack;
            } else {
                t.stage = Stage::InProgress;
                t.reply = None;
                t.replied_on = None;
            }
        }
        Event::CalledBack { callback } => t.callbacks.push(callback.clone()),
        Event::Reopened { on } => {
            t.reopened += 1;
            t.stage = Stage::InProgress;
            t.handling_since = Some(*on);
            t.reply = None;
            t.replied_on = None;
            t.extension_days = 0;
        }
        Event::Closed => {
            t.stage = Stage::Closed;
            t.outcome = Some(Outcome::Handled);
        }
        Event::TerminationRequested { reason } => t.termination_request = Some(reason.clone()),
        Event::Supervised { supervision } => t.supervisions.push(supervision.clone()),
        Event::TerminationDecided { approve } => {
            t.termination_request = None;
            if *approve {
                t.stage = Stage::Terminated;
                t.outcome = Some(Outcome::Terminated);
            }
        }
        Event::BecameDispute { dispute_id } => {
            t.dispute_id = Some(*dispute_id);
            t.stage = Stage::Closed;
            t.outcome = Some(Outcome::BecameDispute);
        }
    }
    Some(t)
}

/// The commands `actor` could give now, by name (the page asks for the arguments).
pub fn available(t: &Ticket, actor: UnitRef, now: PrimitiveDateTime, cal: &Calendar) -> Vec<&'static str> {
    let text = || "—".to_string();
    let some_unit = UnitRef { id: -1, kind: UnitKind::Police, region: t.centre.region };
    let candidates: Vec<(&'static str, Command)> = vec![
        ("answer_on_call", Command::AnswerOnCall { answer: text(), item: None }),
        ("not_accept", Command::NotAccept { reason: text(), route: text() }),
        ("transfer_emergency", Command::TransferEmergency { to: Emergency::Police }),
        ("dispatch", Command::Dispatch { lead: some_unit, assists: vec![], designated: false }),
        ("sign_for", Command::SignFor),
        ("request_return", Command::RequestReturn { reason: text() }),
        ("decide_return", Command::DecideReturn { approve: true }),
        ("first_contact", Command::FirstContact),
        ("request_extension", Command::RequestExtension { days: 1, reason: text() }),
        ("decide_extension", Command::DecideExtension { approve: true }),
        ("assist_report", Command::AssistReport { text: text() }),
        ("reply", Command::Reply { resolution: Resolution::Solved, text: text() }),
        ("review", Command::Review { pass: true, note: text() }),
        ("callback", Command::Callback { channel: CallbackChannel::Phone, reached: true, solved: true, satisfaction: Some(Satisfaction::Satisfied) }),
        ("request_termination", Command::RequestTermination { reason: text() }),
        ("decide_termination", Command::DecideTermination { approve: true }),
        ("supervise", Command::Supervise { reason: SuperviseReason::Repeated, note: text() }),
        ("become_dispute", Command::BecomeDispute { dispute_id: 1 }),
    ];
    candidates.into_iter().filter(|(_, c)| decide(Some(t), c, actor, now, cal).is_ok()).map(|(n, _)| n).collect()
}
