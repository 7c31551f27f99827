use super::*;
use crate::refusal::{Refusal, RefusalKind};
use crate::{Calendar, MakeUpDayPolicy, RegionCode};
use time::macros::date;
use time::PrimitiveDateTime;

fn unit(id: i64, kind: UnitKind, region: &str) -> UnitRef {
    UnitRef { id, kind, region: RegionCode::parse("r", region).unwrap() }
}
fn centre() -> UnitRef {
    unit(1, UnitKind::Hotline12345, "990100")
}
fn court() -> UnitRef {
    unit(2, UnitKind::CourtBasic, "990101")
}
fn police() -> UnitRef {
    unit(3, UnitKind::Police, "990101")
}
fn union() -> UnitRef {
    unit(4, UnitKind::TradeUnion, "990101")
}
fn far_police() -> UnitRef {
    unit(5, UnitKind::Police, "990201")
}

struct Run {
    cal: Calendar,
    t: Option<Ticket>,
    now: PrimitiveDateTime,
    log: Vec<Event>,
}

impl Run {
    fn new(day: Date) -> Self {
        Self { cal: Calendar::bundled(MakeUpDayPolicy::WorkingDay), t: None, now: day.with_hms(10, 0, 0).unwrap(), log: vec![] }
    }
    fn at(&mut self, day: Date) -> &mut Self {
        self.now = day.with_hms(10, 0, 0).unwrap();
        self
    }
    fn try_do(&mut self, actor: UnitRef, cmd: Command) -> Result<Vec<Event>, Refusal> {
        let events = decide(self.t.as_ref(), &cmd, actor, self.now, &self.cal)?;
        for e in &events {
            self.t = apply(self.t.take(), e);
        }
        self.log.extend(events.clone());
        Ok(events)
    }
    fn ok(&mut self, actor: UnitRef, cmd: Command) -> &mut Self {
        let stage = self.t.as_ref().map(|t| t.stage);
        self.try_do(actor, cmd.clone()).unwrap_or_else(|r| panic!("{cmd:?} in {stage:?}: {r}"));
        self
    }
    fn refused(&mut self, actor: UnitRef, cmd: Command) -> Refusal {
        let before = self.t.clone();
        let r = self.try_do(actor, cmd.clone()).expect_err(&format!("{cmd:?} should be refused"));
        assert_eq!(self.t, before, "a refusal changes nothing");
        r
    }
    fn t(&self) -> &Ticket {
        self.t.as_ref().unwrap()
    }
}

fn call(kind: TicketKind, concerns_law: bool) -> Command {
    call_by(
        kind,
        concerns_law,
        Caller { name: Some("赵敏".into()), phone: Some("13900001234".into()), anonymous: false, confidential: false, reply_wanted: true },
    )
}

fn call_by(kind: TicketKind, concerns_law: bool, caller: Caller) -> Command {
    Command::Register {
        channel: Channel::Phone,
        kind,
        urgency: Urgency::Normal,
        caller,
        title: "拖欠工资执行进度".into(),
        content: "判决生效半年未执行".into(),
        address: "甲一县".into(),
        concerns_law,
        repeat_of: None,
        limits: vec![],
    }
}

/// A city's own limits replace the catalogue's for the orders it takes from then on: 3 working
/// days to reply instead of 5, signing for the same day's next working day kept; each clock says
/// which local provision set it; a later order under no local limit counts 5 again; 12309 keeps
/// its own rules whatever 12345's city sets.
#[test]
fn a_citys_own_limits_apply_to_the_orders_taken_under_them() {
    let local = LocalLimit { rule: "hotline.12345".into(), length: 3, basis: "《甲市12345热线管理办法》第十二条".into() };
    assert_eq!(local.check(), Ok(()));
    assert_eq!(LocalLimit { rule: "hotline.12309_reply".into(), ..local.clone() }.check().unwrap_err().field, "rule");
    assert_eq!(LocalLimit { length: 0, ..local.clone() }.check().unwrap_err().field, "length");
    assert_eq!(LocalLimit { basis: "".into(), ..local.clone() }.check().unwrap_err().field, "basis");

    let mut r = Run::new(date!(2026 - 11 - 30)); // a Monday
    let Command::Register { channel, kind, urgency, caller, title, content, address, concerns_law, repeat_of, .. } = call(TicketKind::Complaint, true) else {
        unreachable!()
    };
    let cmd = Command::Register { channel, kind, urgency, caller, title, content, address, concerns_law, repeat_of, limits: vec![local.clone()] };
    r.ok(centre(), cmd).ok(centre(), Command::Dispatch { lead: court(), assists: vec![], designated: false }).ok(court(), Command::SignFor);
    let handling = clocks(r.t(), &r.cal).into_iter().find(|k| k.rule == "hotline.12345").unwrap();
    assert_eq!(handling.due, Ok((date!(2026 - 12 - 03), false)), "3 working days from Monday 30 November");
    assert_eq!(handling.local.as_ref().map(|l| l.basis.as_str()), Some("《甲市12345热线管理办法》第十二条"));
    r.at(date!(2026 - 12 - 04)).ok(court(), Command::Reply { resolution: Resolution::Solved, text: "已执行".into() });
    assert_eq!(on_time(r.t(), &r.cal).1, Some(false), "late by the city's limit, though within the catalogue's 5 days");

    let mut plain = Run::new(date!(2026 - 11 - 30));
    plain.ok(centre(), call(TicketKind::Complaint, true)).ok(centre(), Command::Dispatch { lead: court(), assists: vec![], designated: false });
    plain.ok(court(), Command::SignFor);
    let handling = clocks(plain.t(), &plain.cal).into_iter().find(|k| k.rule == "hotline.12345").unwrap();
    assert_eq!((handling.due, handling.local), (Ok((date!(2026 - 12 - 07), false)), None));
}

/// The issue's road: intake → dispatch → sign-for → reply → review → unsatisfied callback →
/// reopen → reply → satisfied callback → closed, with the clocks.
#[test]
fn the_closed_loop_with_a_reopen() {
    let mut r = Run::new(date!(2026 - 11 - 30)); // a Monday
    r.ok(centre(), call(TicketKind::Complaint, true));
    let e = r.refused(centre(), Command::Dispatch { lead: union(), assists: vec![], designated: false });
    assert_eq!(e.code, "not_political_legal", "{e}");
    r.ok(centre(), Command::Dispatch { lead: court(), assists: vec![police()], designated: false });
    let k = clocks(r.t(), &r.cal);
    assert_eq!(k.len(), 2, "each unit's sign-for");
    assert_eq!((k[0].rule.as_str(), k[0].due.clone()), ("hotline.12345_sign_for", Ok((date!(2026 - 12 - 01), false))));
    r.ok(court(), Command::SignFor);
    assert_eq!(r.t().stage, Stage::InProgress);
    let k = clocks(r.t(), &r.cal);
    let handling = k.iter().find(|k| k.rule == "hotline.12345").unwrap();
    assert_eq!(handling.due, Ok((date!(2026 - 12 - 07), false)), "5 working days from Monday 30 November");
    let e = r.refused(police(), Command::Reply { resolution: Resolution::Solved, text: "已执行".into() });
    assert_eq!((e.code, e.kind), ("not_lead", RefusalKind::NotYours));
    r.ok(police(), Command::SignFor).ok(police(), Command::AssistReport { text: "已协助查控财产".into() });
    let e =
        r.refused(centre(), Command::Callback { channel: CallbackChannel::Phone, reached: true, solved: true, satisfaction: Some(Satisfaction::Satisfied) });
    assert_eq!(e.code, "illegal_transition", "no callback before a reply");
    r.ok(court(), Command::FirstContact);
    r.at(date!(2026 - 12 - 03)).ok(court(), Command::Reply { resolution: Resolution::Partly, text: "已立案执行，正在查控".into() });
    r.ok(centre(), Command::Review { pass: true, note: "".into() });
    assert_eq!(r.t().stage, Stage::CallingBack);
    r.at(date!(2026 - 12 - 04))
        .ok(centre(), Command::Callback { channel: CallbackChannel::Phone, reached: true, solved: false, satisfaction: Some(Satisfaction::Unsatisfied) });
    assert_eq!((r.t().stage, r.t().reopened), (Stage::InProgress, 1), "发回重办");
    let handling = clocks(r.t(), &r.cal).into_iter().find(|k| k.rule == "hotline.12345").unwrap();
    assert_eq!((handling.start, handling.due), (date!(2026 - 12 - 04), Ok((date!(2026 - 12 - 11), false))), "a new limit from the reopening");
    r.at(date!(2026 - 12 - 09)).ok(court(), Command::Reply { resolution: Resolution::Solved, text: "款项已执行到位".into() });
    r.ok(centre(), Command::Review { pass: true, note: "".into() });
    r.ok(centre(), Command::Callback { channel: CallbackChannel::Phone, reached: true, solved: true, satisfaction: Some(Satisfaction::Satisfied) });
    assert_eq!((r.t().stage, r.t().outcome), (Stage::Closed, Some(Outcome::Handled)));
    let e = r.refused(centre(), Command::DecideTermination { approve: true });
    assert_eq!(e.code, "closed");
    assert_eq!(r.log.iter().fold(None, apply).as_ref(), r.t.as_ref());
}

#[test]
fn returns_designation_extension_and_termination() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), call(TicketKind::Help, false)).ok(centre(), Command::Dispatch { lead: police(), assists: vec![], designated: false });
    r.ok(police(), Command::RequestReturn { reason: "不属于公安职责".into() });
    r.ok(centre(), Command::DecideReturn { approve: false });
    assert!(r.t().designated);
    let e = r.refused(police(), Command::RequestReturn { reason: "again".into() });
    assert_eq!(e.code, "designated");
    assert!(e.rule.contains("H21"));
    r.ok(police(), Command::SignFor);
    r.ok(police(), Command::RequestExtension { days: 5, reason: "需调取监控".into() }).ok(centre(), Command::DecideExtension { approve: true });
    let k = clocks(r.t(), &r.cal).into_iter().find(|k| k.rule == "hotline.12345").unwrap();
    assert_eq!(k.due, Ok((date!(2026 - 12 - 12), false)), "7 December + 5 days");
    r.ok(police(), Command::RequestTermination { reason: "来电人拒不配合".into() }).ok(centre(), Command::DecideTermination { approve: true });
    assert_eq!(r.t().stage, Stage::Terminated);
    let e = r.refused(centre(), Command::Callback { channel: CallbackChannel::Phone, reached: true, solved: false, satisfaction: None });
    assert_eq!(e.code, "closed", "a terminated order is not reopened");
    // An approved return sends it back to the centre to dispatch again.
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), call(TicketKind::Help, false)).ok(centre(), Command::Dispatch { lead: police(), assists: vec![], designated: false });
    r.ok(police(), Command::RequestReturn { reason: "属法院职责".into() }).ok(centre(), Command::DecideReturn { approve: true });
    assert_eq!((r.t().stage, r.t().assignments.len()), (Stage::Received, 0));
    let e = r.refused(centre(), Command::Dispatch { lead: far_police(), assists: vec![], designated: true });
    assert_eq!(e.code, "wrong_target", "outside the centre's region");
}

#[test]
fn closed_on_the_call_and_who_may_take_calls() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), call(TicketKind::Complaint, false));
    let e = r.refused(centre(), Command::AnswerOnCall { answer: "…".into(), item: None });
    assert_eq!(e.code, "not_consultation");
    r.ok(centre(), Command::TransferEmergency { to: Emergency::Police });
    assert_eq!(r.t().outcome, Some(Outcome::Emergency));
    let mut r = Run::new(date!(2026 - 11 - 30));
    let e = r.refused(police(), call(TicketKind::Help, false));
    assert_eq!((e.code, e.kind), ("wrong_unit", RefusalKind::NotYours));
    let no_reply = call_by(TicketKind::Help, false, Caller { anonymous: true, reply_wanted: false, ..Caller::default() });
    r.ok(centre(), no_reply).ok(centre(), Command::Dispatch { lead: police(), assists: vec![], designated: false });
    r.ok(police(), Command::SignFor).ok(police(), Command::Reply { resolution: Resolution::Explained, text: "已说明".into() });
    r.ok(centre(), Command::Review { pass: true, note: "".into() });
    assert_eq!(r.t().stage, Stage::Closed, "no reply wanted: no callback");
}

#[test]
fn each_hotline_counts_its_own_limit() {
    let mut t = {
        let mut r = Run::new(date!(2026 - 11 - 30));
        r.ok(centre(), call(TicketKind::Help, false));
        r.t.unwrap()
    };
    assert_eq!(t.handling_rule(), "hotline.12345");
    t.urgency = Urgency::Complex;
    assert_eq!(t.handling_rule(), "hotline.12345_complex");
    t.urgency = Urgency::Urgent;
    assert_eq!(t.handling_rule(), "hotline.12345_urgent");
    t.kind = TicketKind::Petition;
    assert_eq!(t.handling_rule(), "petition.handling");
    t.hotline = Hotline::H12309;
    assert_eq!(t.handling_rule(), "hotline.12309_reply");
    t.channel = Channel::Letter;
    assert_eq!(t.handling_rule(), "hotline.12309_result");
    t.hotline = Hotline::H12348;
    t.kind = TicketKind::LegalAid;
    assert_eq!(t.handling_rule(), "legal_aid.decision");
}

#[test]
fn a_confidential_caller_is_hidden_from_handlers() {
    let c = Caller { name: Some("举报人".into()), phone: Some("13800000000".into()), anonymous: false, confidential: true, reply_wanted: true };
    let seen = c.for_handlers();
    assert_eq!((seen.name, seen.phone), (None, None));
    assert!(call_by(TicketKind::Help, false, Caller { anonymous: true, name: Some("x".into()), ..Caller::default() }).check_texts().is_err());
}

/// A consultation is answered on the call from a knowledge item only while the item holds: from
/// its first day to its last, inclusive; the answer records which item it cites.
#[test]
fn answered_from_a_knowledge_item_valid_that_day() {
    let item = |from: Date, until: Option<Date>| KnowledgeRef { id: 7, question: "怎样申请法律援助".into(), valid_from: from, valid_until: until };
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), call(TicketKind::Consultation, false));
    let e = r.refused(centre(), Command::AnswerOnCall { answer: "…".into(), item: Some(item(date!(2026 - 01 - 01), Some(date!(2026 - 11 - 29)))) });
    assert_eq!(e.code, "knowledge_not_valid");
    assert!(e.message.contains("2026-11-29") && e.message.contains("2026-11-30"), "{e}");
    let e = r.refused(centre(), Command::AnswerOnCall { answer: "…".into(), item: Some(item(date!(2026 - 12 - 01), None)) });
    assert_eq!(e.code, "knowledge_not_valid");
    let last_day = item(date!(2026 - 01 - 01), Some(date!(2026 - 11 - 30)));
    let events = r.try_do(centre(), Command::AnswerOnCall { answer: "向司法局申请".into(), item: Some(last_day.clone()) }).unwrap();
    assert_eq!(events, vec![Event::AnsweredOnCall { answer: "向司法局申请".into(), item: Some(last_day) }]);
    assert_eq!((r.t().stage, r.t().outcome), (Stage::Closed, Some(Outcome::AnsweredOnCall)));
}

/// 督办 (H14): the centre supervises an order its units still have — for being overdue only once
/// a limit has run out, for another reason only with a note; the lead sees each notice.
#[test]
fn the_centre_supervises_an_order_the_units_still_have() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), call(TicketKind::Complaint, false));
    let supervise = |reason, note: &str| Command::Supervise { reason, note: note.into() };
    assert_eq!(r.refused(centre(), supervise(SuperviseReason::Repeated, "")).code, "illegal_transition", "not dispatched yet");
    r.ok(centre(), Command::Dispatch { lead: police(), assists: vec![], designated: false });
    assert_eq!(r.refused(centre(), supervise(SuperviseReason::Overdue, "")).code, "not_overdue");
    assert_eq!(r.refused(centre(), supervise(SuperviseReason::Other, " ")).code, "no_note");
    assert_eq!(r.refused(police(), supervise(SuperviseReason::Repeated, "")).kind, RefusalKind::NotYours);
    // Not signed for within its working day: overdue on the 2nd of December.
    r.at(date!(2026 - 12 - 02)).ok(centre(), supervise(SuperviseReason::Overdue, "请立即签收办理"));
    r.ok(centre(), supervise(SuperviseReason::Repeated, "来电人第三次来电"));
    let s = &r.t().supervisions;
    assert_eq!((s.len(), s[0].reason, s[0].on), (2, SuperviseReason::Overdue, date!(2026 - 12 - 02)));
    assert!(available(r.t(), centre(), date!(2026 - 12 - 02).with_hms(9, 0, 0).unwrap(), &r.cal).contains(&"supervise"));
    assert_eq!(r.log.iter().fold(None, apply).as_ref(), Some(r.t()), "replays to the same");
}
