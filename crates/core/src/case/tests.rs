use super::*;
use crate::{Calendar, MakeUpDayPolicy, RegionCode};
use time::macros::{date, datetime};
use time::{Duration, PrimitiveDateTime};

fn unit(id: i64, kind: UnitKind, region: &str) -> UnitRef {
    UnitRef { id, kind, region: RegionCode::parse("r", region).unwrap() }
}

struct World {
    police: UnitRef,
    procuratorate: UnitRef,
    court: UnitRef,
    higher_court: UnitRef,
    justice: UnitRef,
    other_police: UnitRef,
    other_procuratorate: UnitRef,
}

fn world() -> World {
    World {
        police: unit(1, UnitKind::Police, "990101"),
        procuratorate: unit(2, UnitKind::Procuratorate, "990101"),
        court: unit(3, UnitKind::CourtBasic, "990101"),
        higher_court: unit(4, UnitKind::CourtIntermediate, "990100"),
        justice: unit(5, UnitKind::JusticeBureau, "990101"),
        other_police: unit(6, UnitKind::Police, "990102"),
        other_procuratorate: unit(7, UnitKind::Procuratorate, "990102"),
    }
}

/// A case driven command by command, keeping every event, as the store will.
struct Run {
    cal: Calendar,
    case: Option<Case>,
    log: Vec<Event>,
    now: PrimitiveDateTime,
}

impl Run {
    fn new(start: PrimitiveDateTime) -> Self {
        Self { cal: Calendar::bundled(MakeUpDayPolicy::WorkingDay), case: None, log: vec![], now: start }
    }
    fn at(&mut self, day: Date) -> &mut Self {
        self.now = day.with_hms(10, 0, 0).unwrap();
        self
    }
    fn try_do(&mut self, actor: UnitRef, cmd: Command) -> Result<Vec<Event>, Refusal> {
        let events = decide(self.case.as_ref(), &cmd, actor, self.now, &self.cal)?;
        for e in &events {
            self.case = apply(self.case.take(), e);
        }
        self.log.extend(events.clone());
        Ok(events)
    }
    fn ok(&mut self, actor: UnitRef, cmd: Command) -> &mut Self {
        let state = self.case.as_ref().map(|c| c.stage);
        self.try_do(actor, cmd.clone()).unwrap_or_else(|r| panic!("{cmd:?} in {state:?}: {r}"));
        self
    }
    fn refused(&mut self, actor: UnitRef, cmd: Command) -> Refusal {
        let r = self.try_do(actor, cmd.clone()).expect_err("refused");
        // Deciding is a pure function of its inputs: asked again, the same refusal.
        assert_eq!(decide(self.case.as_ref(), &cmd, actor, self.now, &self.cal), Err(r.clone()), "the same refusal twice");
        r
    }
    fn c(&self) -> &Case {
        self.case.as_ref().unwrap()
    }
    fn due(&self, who: i64) -> (String, Date) {
        let v = clocks(self.c(), &self.cal).into_iter().find(|k| k.unit.id == who).unwrap_or_else(|| panic!("no clock for unit {who}: {:?}", self.c()));
        (v.rule, v.due.unwrap().due.date())
    }
}

fn verdict(person: usize, punishment: Punishment, term_months: u16, probation_months: Option<u16>) -> Verdict {
    Verdict { person, finding: Finding::Guilty, punishment: Some(punishment), term_months: Some(term_months), probation_months, ..acquittal(person) }
}

fn acquittal(person: usize) -> Verdict {
    Verdict::not_guilty(person)
}

fn judge(verdicts: Vec<Verdict>) -> Command {
    Command::Judge { verdicts }
}

fn suspect(custody: Custody) -> Vec<Person> {
    vec![Person { name: "张某".into(), custody, id_number: None }]
}

#[test]
fn a_case_walks_from_registration_to_execution() {
    let w = world();
    let mut r = Run::new(datetime!(2025-09-25 09:00));
    r.ok(w.police, Command::Register { case_no: "青公刑立字〔2025〕101号".into(), title: "盗窃案".into(), persons: suspect(Custody::Detained), charge: None });
    // Detained on 09-25: three days to ask for arrest, a custody period: it ends on 09-28 (a make-up working day anyway).
    assert_eq!(r.due(w.police.id), ("criminal.arrest_request".into(), date!(2025 - 09 - 28)));

    r.at(date!(2025 - 09 - 27)).ok(w.police, Command::RequestArrestApproval { to: w.procuratorate });
    assert_eq!(r.c().handover.as_ref().unwrap().kind, HandoverKind::ArrestRequest);
    r.ok(w.procuratorate, Command::Receive);
    // Seven days from receipt for a detained suspect; custody: 10-04 stands although it is National Day.
    assert_eq!(r.due(w.procuratorate.id), ("criminal.arrest_approval".into(), date!(2025 - 10 - 04)));

    r.at(date!(2025 - 09 - 30)).ok(w.procuratorate, Command::ApproveArrest);
    assert_eq!(r.c().persons[0].custody, Custody::Arrested);
    assert_eq!(r.c().holder.id, w.police.id, "the police keep investigating after arrest");
    assert_eq!(r.due(w.police.id), ("criminal.investigation_custody".into(), date!(2025 - 11 - 30)));

    r.at(date!(2025 - 11 - 20)).ok(w.police, Command::Extend { approver: "市检察院".into(), reason: "案情复杂".into(), major: false });
    assert_eq!(r.due(w.police.id), ("criminal.investigation_extension".into(), date!(2025 - 12 - 31)), "one month from the previous expiry");

    r.at(date!(2025 - 12 - 22)).ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::ReturnHandover { reason: "缺少鉴定意见".into() });
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    assert_eq!(r.due(w.procuratorate.id), ("criminal.prosecution_review".into(), date!(2026 - 01 - 22)));
    r.ok(w.procuratorate, Command::AcceptForReview { plea: true, number: None });
    assert_eq!((r.c().stage, r.c().holder.id), (Stage::ProsecutionReview, w.procuratorate.id));
    assert_eq!(r.due(w.procuratorate.id), ("criminal.plea_review".into(), date!(2026 - 01 - 01)), "custody: New Year's Day stands");
    assert!(r.c().held_by.iter().any(|u| u.id == w.police.id), "the police held it and still see it");

    r.at(date!(2025 - 12 - 29)).ok(w.procuratorate, Command::ReturnForSupplementaryInvestigation { reason: "补充证人证言".into() });
    assert_eq!((r.c().stage, r.c().holder.id, r.c().returns), (Stage::SupplementaryInvestigation, w.police.id, 1));
    assert_eq!(r.due(w.police.id), ("criminal.supplementary_investigation".into(), date!(2026 - 01 - 29)));

    r.at(date!(2026 - 01 - 20)).ok(w.police, Command::TransferForProsecution { to: w.procuratorate });
    r.at(date!(2026 - 01 - 21)).ok(w.procuratorate, Command::Receive).ok(w.procuratorate, Command::AcceptForReview { plea: true, number: None });
    assert_eq!(r.due(w.procuratorate.id), ("criminal.plea_review".into(), date!(2026 - 01 - 31)), "the review clock restarts on the re-transfer (CPL 175 ¶3)");

    r.at(date!(2026 - 01 - 28)).ok(w.procuratorate, Command::Indict { to: w.court }).ok(w.court, Command::Receive);
    assert_eq!(r.due(w.court.id), ("criminal.court_acceptance".into(), date!(2026 - 02 - 04)));
    r.ok(w.court, Command::AcceptForTrial { procedure: Procedure::FastTrack, number: None });
    assert_eq!(r.due(w.court.id), ("criminal.fast_track_trial".into(), date!(2026 - 02 - 07)));
    r.at(date!(2026 - 02 - 03)).ok(w.court, Command::ConvertProcedure { to: Procedure::Summary });
    assert_eq!(
        r.due(w.court.id),
        ("criminal.summary_trial".into(), date!(2026 - 02 - 23)),
        "the trial clock restarts on conversion; custody: the Spring Festival day stands"
    );

    // Two years, suspended for three: community corrections (CL 72, 73; CPL 269).
    r.at(date!(2026 - 02 - 12)).ok(w.court, judge(vec![verdict(0, Punishment::FixedTerm, 24, Some(36))]));
    assert_eq!(r.c().stage, Stage::AppealWindow);
    // Ten days, a party's period: 02-22 is in the Spring Festival, so it moves to 02-24.
    assert_eq!(r.due(w.court.id), ("criminal.appeal_judgment".into(), date!(2026 - 02 - 24)));
    let early = r.at(date!(2026 - 02 - 24)).refused(w.court, Command::Finalize);
    assert_eq!(early.code, "window_open");
    r.at(date!(2026 - 02 - 25)).ok(w.court, Command::Finalize);
    assert_eq!((r.c().stage, r.c().in_force), (Stage::Final, Some(date!(2026 - 02 - 25))));
    // Ten days to deliver it for execution: 03-07 is a Saturday, a handling limit moves to Monday.
    assert_eq!(r.due(w.court.id), ("criminal.execution_delivery".into(), date!(2026 - 03 - 09)));

    let wrong = r.refused(w.court, Command::HandOverForExecution { to: unit(9, UnitKind::JusticeBureau, "990102") });
    assert_eq!(wrong.code, "wrong_receiver");
    let prison = r.refused(w.court, Command::HandOverForExecution { to: w.police });
    assert!(prison.message.contains("justice bureau"), "a suspended sentence goes to community corrections: {prison}");
    r.ok(w.court, Command::HandOverForExecution { to: w.justice }).ok(w.justice, Command::Receive);
    // The offender reports within 10 days of the judgment taking effect, a party's period.
    assert_eq!(r.due(w.justice.id), ("corrections.report".into(), date!(2026 - 03 - 09)));
    r.ok(w.justice, Command::AcceptExecution);
    assert_eq!(r.c().stage, Stage::Executed);
    assert_eq!(r.c().persons[0].custody, Custody::CommunityCorrections, "arrest ends as corrections begin (Crim Interp 172)");
    assert!(clocks(r.c(), &r.cal).is_empty());
    assert_eq!(r.refused(w.justice, judge(vec![])).code, "closed");

    // The record rebuilds the state.
    let rebuilt = r.log.iter().fold(None, apply);
    assert_eq!(rebuilt.as_ref(), r.case.as_ref());
    let json = serde_json::to_string(&r.log).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r.log, "events round-trip through their stored form");
}

#[test]
fn the_refusals_name_the_state_and_the_rule() {
    let w = world();
    let mut r = Run::new(datetime!(2026-03-02 09:00));
    assert_eq!(r.refused(w.procuratorate, Command::Register { case_no: "x".into(), title: "y".into(), persons: vec![], charge: None }).code, "wrong_unit");
    r.ok(w.police, Command::Register { case_no: "A-1".into(), title: "诈骗案".into(), persons: suspect(Custody::Bail), charge: None });

    let r1 = r.refused(w.procuratorate, Command::Indict { to: w.court });
    assert_eq!(r1.code, "no_review", "{r1}");
    assert!(r1.state.contains("investigation") && r1.rule.contains("CPL"), "{r1}");
    assert_eq!(r.refused(w.other_police, Command::TransferForProsecution { to: w.other_procuratorate }).code, "not_holder");
    assert_eq!(r.refused(w.police, Command::TransferForProsecution { to: w.other_procuratorate }).code, "wrong_receiver", "the same county's procuratorate");
    assert_eq!(r.refused(w.police, Command::TransferForProsecution { to: w.court }).code, "wrong_receiver", "a procuratorate, not a court");
    assert_eq!(r.refused(w.police, Command::SetCustody { person: 0, custody: Custody::Arrested }).code, "illegal_transition");

    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate });
    assert_eq!(r.refused(w.police, Command::Withdraw { reason: "x".into() }).code, "handover_pending");
    assert_eq!(r.refused(w.other_procuratorate, Command::Receive).code, "not_receiver");
    // What the doors answer with 403 (not yours) and 409 (not now) is the refusal's kind.
    assert_eq!(r.refused(w.other_procuratorate, Command::Receive).kind, RefusalKind::NotYours);
    assert_eq!(r.refused(w.other_police, Command::Withdraw { reason: "x".into() }).kind, RefusalKind::NotYours);
    assert_eq!(r.refused(w.police, Command::Withdraw { reason: "x".into() }).kind, RefusalKind::NotNow);
    assert_eq!(r.refused(w.procuratorate, Command::AcceptForReview { plea: false, number: None }).code, "not_received");
    r.ok(w.procuratorate, Command::Receive);
    // Not in custody: one month, moved off the weekend (04-02 is a Thursday, so no move here).
    assert_eq!(r.due(w.procuratorate.id), ("criminal.prosecution_review".into(), date!(2026 - 04 - 02)));
    r.ok(w.procuratorate, Command::ReturnHandover { reason: "材料不全".into() });
    assert_eq!(
        (r.c().stage, r.c().holder.id, r.c().handover.is_none()),
        (Stage::Investigation, w.police.id, true),
        "a returned hand-over leaves the case with the sender"
    );

    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate })
        .ok(w.procuratorate, Command::Receive)
        .ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None });
    for i in 0..2 {
        r.ok(w.procuratorate, Command::ReturnForSupplementaryInvestigation { reason: format!("第{}次", i + 1) });
        r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate })
            .ok(w.procuratorate, Command::Receive)
            .ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None });
    }
    let third = r.refused(w.procuratorate, Command::ReturnForSupplementaryInvestigation { reason: "第3次".into() });
    assert_eq!(third.code, "too_many_returns");
    assert!(third.rule.contains("CPL 175"), "{third}");

    r.ok(w.procuratorate, Command::Indict { to: w.court }).ok(w.court, Command::Receive);
    assert_eq!(
        r.refused(w.court, Command::AcceptForTrial { procedure: Procedure::FastTrack, number: None }).code,
        "illegal_transition",
        "fast-track needs a plea"
    );
    r.ok(w.court, Command::AcceptForTrial { procedure: Procedure::Summary, number: None });
    assert_eq!(r.refused(w.court, Command::ConvertProcedure { to: Procedure::FastTrack }).code, "illegal_transition");
    assert_eq!(r.refused(w.court, Command::Extend { approver: "院长".into(), reason: "".into(), major: false }).code, "invalid");
    r.ok(w.court, Command::Extend { approver: "院长".into(), reason: "可能判处三年以上".into(), major: false });
    assert!(r.c().clock.as_ref().unwrap().extended);
    assert_eq!(r.refused(w.court, Command::Extend { approver: "院长".into(), reason: "again".into(), major: false }).code, "no_extension");
}

#[test]
fn arrest_refused_releases_and_appeals_go_up_one_level() {
    let w = world();
    let mut r = Run::new(datetime!(2026-05-06 09:00));
    r.ok(w.police, Command::Register { case_no: "B-2".into(), title: "伤害案".into(), persons: suspect(Custody::Detained), charge: None });
    r.ok(w.police, Command::RequestArrestApproval { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    assert_eq!(r.refused(w.procuratorate, Command::RefuseArrest { reason: " ".into() }).code, "invalid");
    r.ok(w.procuratorate, Command::RefuseArrest { reason: "证据不足".into() });
    assert_eq!(r.c().persons[0].custody, Custody::Released, "released at once (CPL 91)");
    assert!(r.c().clock.is_none());
    r.ok(w.police, Command::SetCustody { person: 0, custody: Custody::Bail });
    // Reconsideration: the police may ask again.
    r.ok(w.police, Command::RequestArrestApproval { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    assert_eq!(r.due(w.procuratorate.id), ("criminal.arrest_approval".into(), date!(2026 - 05 - 21)), "fifteen days when not detained");
    r.ok(w.procuratorate, Command::ApproveArrest);
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate })
        .ok(w.procuratorate, Command::Receive)
        .ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None });
    r.ok(w.procuratorate, Command::Indict { to: w.court })
        .ok(w.court, Command::Receive)
        .ok(w.court, Command::AcceptForTrial { procedure: Procedure::Ordinary, number: None });
    r.ok(w.court, judge(vec![verdict(0, Punishment::FixedTerm, 36, None)]));
    assert_eq!(r.refused(w.court, Command::Appeal { to: unit(8, UnitKind::CourtIntermediate, "990200") }).code, "wrong_receiver");
    r.ok(w.court, Command::Appeal { to: w.higher_court }).ok(w.higher_court, Command::Receive).ok(w.higher_court, Command::AcceptAppeal { number: None });
    assert_eq!((r.c().stage, r.c().holder.id), (Stage::SecondInstance, w.higher_court.id));
    let (rule, due) = r.due(w.higher_court.id);
    assert_eq!(rule, "criminal.second_instance");
    assert!(due > r.now.date() + Duration::days(50));
    // Upheld (维持原判): no verdicts; the three years stand.
    r.ok(w.higher_court, judge(vec![]));
    assert_eq!(r.c().stage, Stage::Final, "the second instance is final");
    assert_eq!(r.c().judgment, vec![verdict(0, Punishment::FixedTerm, 36, None)]);
    // Imprisonment: to the police holding the offender, who deliver them to prison within a month.
    assert_eq!(r.refused(w.higher_court, Command::HandOverForExecution { to: w.justice }).code, "wrong_receiver");
    r.ok(w.higher_court, Command::HandOverForExecution { to: w.police }).ok(w.police, Command::Receive);
    assert_eq!(r.due(w.police.id), ("criminal.prison_delivery".into(), r.now.date() + Duration::days(31)));
    r.ok(w.police, Command::AcceptExecution);
    assert_eq!(r.c().stage, Stage::Executed);
    let late = {
        let mut r2 = Run::new(datetime!(2026-05-06 09:00));
        r2.ok(w.police, Command::Register { case_no: "C".into(), title: "t".into(), persons: vec![], charge: None });
        r2.refused(w.police, Command::RequestArrestApproval { to: w.procuratorate })
    };
    assert_eq!(late.code, "illegal_transition", "no suspect to arrest");
}

#[test]
fn each_unit_is_offered_only_what_it_can_do_now() {
    let w = world();
    let mut r = Run::new(datetime!(2026-03-02 09:00));
    r.ok(w.police, Command::Register { case_no: "D".into(), title: "t".into(), persons: suspect(Custody::Detained), charge: None });
    let now = r.now;
    let police = available(r.c(), w.police, now, &r.cal);
    assert!(police.contains(&"request_arrest_approval") && police.contains(&"transfer_for_prosecution") && police.contains(&"withdraw"), "{police:?}");
    assert!(!police.contains(&"indict") && !police.contains(&"judge"));
    assert!(available(r.c(), w.procuratorate, now, &r.cal).is_empty(), "not involved yet");
    assert!(available(r.c(), w.other_police, now, &r.cal).is_empty());
    r.ok(w.police, Command::RequestArrestApproval { to: w.procuratorate });
    assert_eq!(available(r.c(), w.procuratorate, now, &r.cal), ["receive", "return_handover", "collaborate"], "a unit sent the case is on it");
    r.ok(w.procuratorate, Command::Receive);
    assert_eq!(available(r.c(), w.procuratorate, now, &r.cal), ["return_handover", "approve_arrest", "refuse_arrest", "collaborate"]);
    assert_eq!(available(r.c(), w.police, now, &r.cal), ["collaborate"], "the police wait for the decision, and may consult meanwhile");
    r.ok(w.procuratorate, Command::ApproveArrest);
    assert!(r.c().involved.iter().any(|u| u.id == w.procuratorate.id), "the deciding procuratorate stays on the case after it goes back to the police");
}

#[test]
fn police_and_procuratorate_collaborate_on_a_case() {
    let w = world();
    let mut r = Run::new(datetime!(2026-03-02 09:00));
    r.ok(w.police, Command::Register { case_no: "E".into(), title: "t".into(), persons: suspect(Custody::Bail), charge: None });
    let msg = |to, text: &str| Command::Collaborate { kind: Collaboration::EarlyIntervention, to, text: text.into() };
    assert_eq!(r.refused(w.procuratorate, msg(w.police, "我院派员提前介入")).code, "not_holder", "not on the case until invited");
    assert_eq!(r.refused(w.police, msg(w.other_procuratorate, "x")).code, "wrong_receiver");
    assert_eq!(r.refused(w.police, msg(w.procuratorate, " ")).code, "invalid");
    r.ok(w.police, msg(w.procuratorate, "重大案件，商请提前介入"));
    assert!(r.c().involved.iter().any(|u| u.id == w.procuratorate.id));
    r.ok(w.procuratorate, Command::Collaborate { kind: Collaboration::Consultation, to: w.police, text: "建议补充调取银行流水".into() });
    assert_eq!(r.c().holder.id, w.police.id, "collaboration does not move the case");
    assert_eq!(r.refused(w.court, Command::Collaborate { kind: Collaboration::ClueTransfer, to: w.police, text: "x".into() }).code, "not_holder");
}

/// Judgment on 2026-12-24 with no 2027 calendar loaded (issue: the year boundary).
fn judged_on_christmas_eve(w: &World) -> Run {
    let mut r = Run::new(datetime!(2026-11-02 09:00));
    r.cal = Calendar::bundled_until(MakeUpDayPolicy::WorkingDay, 2026);
    r.ok(w.police, Command::Register { case_no: "Y-1".into(), title: "诈骗案".into(), persons: suspect(Custody::Detained), charge: None });
    r.ok(w.police, Command::RequestArrestApproval { to: w.procuratorate }).ok(w.procuratorate, Command::Receive).ok(w.procuratorate, Command::ApproveArrest);
    r.at(date!(2026 - 11 - 29));
    assert_eq!(r.due(w.police.id), ("criminal.investigation_custody".into(), date!(2027 - 01 - 02)), "a custody clock into 2027 has its date");
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None }).ok(w.procuratorate, Command::Indict { to: w.court });
    r.ok(w.court, Command::Receive).ok(w.court, Command::AcceptForTrial { procedure: Procedure::Ordinary, number: None });
    r.at(date!(2026 - 12 - 24)).ok(w.court, judge(vec![verdict(0, Punishment::CriminalDetention, 6, None)]));
    r
}

#[test]
fn a_party_is_never_refused_for_a_missing_calendar() {
    let w = world();
    let mut r = judged_on_christmas_eve(&w);
    let clock = clocks(r.c(), &r.cal).remove(0);
    let due = clock.due.unwrap();
    assert_eq!((due.due.to_string(), due.provisional), ("2027-01-04".into(), true));
    // Appeal on judgment day: accepted.
    let mut same_day = judged_on_christmas_eve(&w);
    same_day.ok(w.court, Command::Appeal { to: w.higher_court });
    // After the weekends-only date but within the most generous reading of 2027: still accepted.
    let mut late_but_maybe = judged_on_christmas_eve(&w);
    late_but_maybe.at(date!(2027 - 01 - 12)).ok(w.court, Command::Appeal { to: w.higher_court });
    // Late on every reading: refused, naming the year to load.
    let late = r.at(date!(2027 - 01 - 13)).refused(w.court, Command::Appeal { to: w.higher_court });
    assert_eq!(late.code, "window_closed");
    assert!(late.message.contains("2027") && late.message.contains("not loaded"), "{}", late.message);
    assert!(late.state.contains("appeal_window"), "the state is the case's, not 'not registered': {}", late.state);
    // The judgment takes effect only once the window closed on every reading.
    let early = r.at(date!(2027 - 01 - 05)).refused(w.court, Command::Finalize);
    assert_eq!(early.code, "window_open");
    assert!(early.message.contains("2027-01-12") && early.message.contains("2027"), "{}", early.message);
    r.at(date!(2027 - 01 - 13)).ok(w.court, Command::Finalize);
}

#[test]
fn dates_are_recorded_as_iso_and_old_records_still_read() {
    let w = world();
    let r = judged_on_christmas_eve(&w);
    let json = serde_json::to_value(&r.log).unwrap();
    let registered = &json[0];
    assert_eq!(registered["on"], "2026-11-02");
    let old = registered.to_string().replace("\"2026-11-02\"", "[2026,306]");
    assert_eq!(serde_json::from_str::<Event>(&old).unwrap(), r.log[0]);
}

#[test]
fn texts_are_bounded_and_free_of_control_characters() {
    let register = |case_no: &str, title: &str, name: &str| Command::Register {
        case_no: case_no.into(),
        title: title.into(),
        persons: vec![Person { name: name.into(), custody: Custody::Bail, id_number: None }],
        charge: None,
    };
    assert!(register("青公刑立字〔2026〕1号", "盗窃案", "张某").check_texts().is_ok());
    assert_eq!(register("A\0B", "t", "n").check_texts().unwrap_err().field, "case_no");
    assert_eq!(register("A", &"长".repeat(201), "n").check_texts().unwrap_err().field, "title");
    assert_eq!(register("A", "t", "张\u{1b}某").check_texts().unwrap_err().field, "persons");
    assert!(Command::ReturnHandover { reason: "材料不全：\n1. 缺少提请批准逮捕书".into() }.check_texts().is_ok(), "reasons run over lines");
    assert_eq!(Command::ReturnHandover { reason: "x\0".into() }.check_texts().unwrap_err().field, "reason");
    assert_eq!(Command::Withdraw { reason: "x".repeat(2001) }.check_texts().unwrap_err().field, "reason");
    assert_eq!(Command::AcceptForTrial { procedure: Procedure::Summary, number: Some("a\nb".into()) }.check_texts().unwrap_err().field, "number");
}

#[test]
fn closing_a_case_needs_a_reason_and_releases_everyone() {
    let w = world();
    let mut r = Run::new(datetime!(2026-05-06 09:00));
    r.ok(w.police, Command::Register { case_no: "D-1".into(), title: "伤害案".into(), persons: suspect(Custody::Detained), charge: None });
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None });
    let blank = r.refused(w.procuratorate, Command::DeclineProsecution { reason: "  ".into() });
    assert_eq!((blank.code, blank.rule.contains("CPL 177")), ("invalid", true), "{blank}");
    r.ok(w.procuratorate, Command::DeclineProsecution { reason: "犯罪情节轻微，依法不需要判处刑罚".into() });
    assert_eq!(r.c().stage, Stage::Declined);
    assert!(r.c().persons.iter().all(|p| p.custody == Custody::Released), "released on the decision");
    assert!(clocks(r.c(), &r.cal).is_empty());

    let mut r = Run::new(datetime!(2026-05-06 09:00));
    r.ok(w.police, Command::Register { case_no: "W-1".into(), title: "盗窃案".into(), persons: suspect(Custody::Detained), charge: None });
    assert_eq!(r.refused(w.police, Command::Withdraw { reason: "".into() }).code, "invalid");
    assert_eq!(r.refused(w.procuratorate, Command::Withdraw { reason: "x".into() }).code, "not_holder");
    r.ok(w.police, Command::Withdraw { reason: "不应追究刑事责任".into() });
    assert_eq!(r.c().stage, Stage::Withdrawn);
    assert!(r.c().persons.iter().all(|p| p.custody == Custody::Released));
    assert_eq!(r.refused(w.police, Command::TransferForProsecution { to: w.procuratorate }).code, "closed");
}

/// A slow receiver does not make the sender look late: sending is what the sender's clock asked
/// of it, so while the hand-over is pending only the receiver's clock runs; a return gives the
/// sender its clock back as it was.
#[test]
fn the_senders_clock_rests_while_the_receiver_has_the_case() {
    let w = world();
    let mut r = Run::new(datetime!(2025-09-25 09:00));
    r.ok(w.police, Command::Register { case_no: "A-9".into(), title: "盗窃案".into(), persons: suspect(Custody::Detained), charge: None });
    let police_due = r.due(w.police.id);
    r.at(date!(2025 - 09 - 27)).ok(w.police, Command::RequestArrestApproval { to: w.procuratorate });
    assert!(clocks(r.c(), &r.cal).iter().all(|k| k.unit.id != w.police.id), "sent: the police are not running late");
    r.ok(w.procuratorate, Command::Receive);
    let running: Vec<i64> = clocks(r.c(), &r.cal).iter().map(|k| k.unit.id).collect();
    assert_eq!(running, vec![w.procuratorate.id], "only the receiver's clock runs");
    r.ok(w.procuratorate, Command::ReturnHandover { reason: "材料不全".into() });
    assert_eq!(r.due(w.police.id), police_due, "returned: the police's clock is back, as it was");
}

/// A case with two defendants held, at trial before the county court.
fn two_on_trial(w: &World) -> Run {
    let mut r = Run::new(datetime!(2026-03-02 09:00));
    let persons =
        vec![Person { name: "甲".into(), custody: Custody::Detained, id_number: None }, Person { name: "乙".into(), custody: Custody::Bail, id_number: None }];
    r.ok(w.police, Command::Register { case_no: "J-2".into(), title: "抢劫案".into(), persons, charge: None });
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None }).ok(w.procuratorate, Command::Indict { to: w.court });
    r.ok(w.court, Command::Receive).ok(w.court, Command::AcceptForTrial { procedure: Procedure::Ordinary, number: None });
    r
}

#[test]
fn a_judgment_must_be_one_the_criminal_law_allows() {
    let w = world();
    let mut r = two_on_trial(&w);
    let refused = |r: &mut Run, vs: Vec<Verdict>| r.refused(w.court, judge(vs));
    let missing = refused(&mut r, vec![verdict(0, Punishment::FixedTerm, 36, None)]);
    assert_eq!(missing.code, "invalid");
    assert!(missing.message.contains("乙") && missing.rule.contains("CPL 200"), "{missing}");
    let twice = refused(&mut r, vec![acquittal(0), acquittal(0), acquittal(1)]);
    assert!(twice.message.contains("twice"), "{twice}");
    assert_eq!(refused(&mut r, vec![acquittal(0), acquittal(7)]).message, "no person 7");
    let five_years_suspended = refused(&mut r, vec![verdict(0, Punishment::FixedTerm, 60, Some(60)), acquittal(1)]);
    assert_eq!(five_years_suspended.code, "unlawful_sentence");
    assert!(five_years_suspended.rule.contains("CL 72"), "{five_years_suspended}");
    let short_probation = refused(&mut r, vec![verdict(0, Punishment::FixedTerm, 24, Some(12)), acquittal(1)]);
    assert!(short_probation.rule.contains("CL 73"), "probation at least the term: {short_probation}");
    let sixteen_years = refused(&mut r, vec![verdict(0, Punishment::CriminalDetention, 13, None), acquittal(1)]);
    assert!(sixteen_years.message.contains("1–12 months"), "{sixteen_years}");
    let no_term = refused(&mut r, vec![Verdict { term_months: None, ..verdict(0, Punishment::FixedTerm, 6, None) }, acquittal(1)]);
    assert!(no_term.message.contains("term"), "{no_term}");
    let punished_acquittal = refused(&mut r, vec![Verdict { fine_yuan: Some(1000), ..acquittal(0) }, acquittal(1)]);
    assert_eq!(punished_acquittal.code, "unlawful_sentence");
    let nothing = refused(&mut r, vec![Verdict { punishment: None, term_months: None, ..verdict(0, Punishment::FixedTerm, 6, None) }, acquittal(1)]);
    assert!(nothing.rule.contains("CL 37"), "guilty without punishment is an exemption: {nothing}");
    assert_eq!(r.c().stage, Stage::Trial, "nothing was judged");
    // A fine alone is a lawful sentence (CL 34, 52).
    let fine = Verdict { punishment: None, term_months: None, fine_yuan: Some(5000), ..verdict(0, Punishment::FixedTerm, 6, None) };
    r.ok(w.court, judge(vec![fine, acquittal(1)]));
    assert_eq!(r.c().persons[0].custody, Custody::Detained, "held until the judgment takes effect");
    r.at(date!(2026 - 04 - 20)).ok(w.court, Command::Finalize);
    assert_eq!((r.c().stage, r.c().persons[0].custody), (Stage::Executed, Custody::Released), "a fine alone: released when in force (Crim Interp 172)");
}

#[test]
fn an_acquittal_releases_at_once_and_leaves_nothing_to_execute() {
    let w = world();
    let mut r = two_on_trial(&w);
    let exempted = Verdict { finding: Finding::Exempted, ..acquittal(1) };
    r.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![acquittal(0), exempted]));
    assert!(r.c().persons.iter().all(|p| p.custody == Custody::Released), "released on the judgment (CPL 260)");
    assert!(r.c().measures.is_empty(), "the bail ends with it");
    r.at(date!(2026 - 04 - 20)).ok(w.court, Command::Finalize);
    assert_eq!(r.c().stage, Stage::Executed, "nothing to hand over: the case ends when the judgment takes effect");
}

#[test]
fn several_defendants_go_each_to_their_executing_organ() {
    let w = world();
    let mut r = two_on_trial(&w);
    r.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![verdict(0, Punishment::FixedTerm, 48, None), verdict(1, Punishment::PublicSurveillance, 12, None)]));
    r.at(date!(2026 - 04 - 20)).ok(w.court, Command::Finalize);
    r.ok(w.court, Command::HandOverForExecution { to: w.justice }).ok(w.justice, Command::Receive);
    assert!(r.c().handover.as_ref().unwrap().clock.is_some());
    r.ok(w.justice, Command::AcceptExecution);
    assert_eq!((r.c().stage, r.c().holder.id), (Stage::Final, w.court.id), "one still to hand over: the court keeps the case");
    assert_eq!(r.c().executed, vec![1]);
    assert_eq!(r.due(w.court.id).0, "criminal.execution_delivery", "the court's delivery clock still runs");
    assert_eq!(r.refused(w.court, Command::HandOverForExecution { to: w.justice }).code, "wrong_receiver", "乙 is already there");
    r.ok(w.court, Command::HandOverForExecution { to: w.police }).ok(w.police, Command::Receive);
    assert_eq!(r.due(w.police.id).0, "criminal.prison_delivery");
    r.ok(w.police, Command::AcceptExecution);
    assert_eq!(r.c().stage, Stage::Executed);
    assert_eq!((r.c().persons[0].custody, r.c().persons[1].custody), (Custody::Serving, Custody::CommunityCorrections));
    assert_eq!(r.log.iter().fold(None, apply).as_ref(), r.case.as_ref(), "the record rebuilds the state");
}

#[test]
fn the_procuratorate_protests_within_the_window_and_the_judgment_waits() {
    let w = world();
    let mut r = two_on_trial(&w);
    r.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![acquittal(0), acquittal(1)]));
    assert!(available(r.c(), w.procuratorate, r.now, &r.cal).contains(&"protest"));
    assert_eq!(r.refused(w.other_procuratorate, Command::Protest { reason: "量刑畸轻".into() }).code, "wrong_unit");
    assert_eq!(r.refused(w.procuratorate, Command::Protest { reason: " ".into() }).code, "invalid");
    r.at(date!(2026 - 04 - 08)).ok(w.procuratorate, Command::Protest { reason: "认定事实错误".into() });
    assert_eq!(r.refused(w.procuratorate, Command::Protest { reason: "再次".into() }).code, "illegal_transition");
    let fin = r.at(date!(2026 - 05 - 01)).refused(w.court, Command::Finalize);
    assert_eq!(fin.code, "protested");
    // Past the window, the protest lodged in time still goes up.
    r.ok(w.court, Command::Appeal { to: w.higher_court }).ok(w.higher_court, Command::Receive);
    assert_eq!(r.c().handover.as_ref().unwrap().kind, HandoverKind::Appeal);

    let mut late = two_on_trial(&w);
    late.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![acquittal(0), acquittal(1)]));
    assert_eq!(late.at(date!(2026 - 04 - 20)).refused(w.procuratorate, Command::Protest { reason: "迟".into() }).code, "window_closed");
}

#[test]
fn bail_and_surveillance_run_their_own_terms() {
    let w = world();
    let mut r = Run::new(datetime!(2026-01-30 09:00));
    let persons = vec![Person { name: "丙".into(), custody: Custody::Bail, id_number: None }];
    r.ok(w.police, Command::Register { case_no: "Q-1".into(), title: "非法经营案".into(), persons, charge: None });
    // Twelve months from the decision, ending on its date (CPL 79): 2027-01-30 is a Saturday.
    let bail = clocks(r.c(), &r.cal).into_iter().find(|k| k.person == Some(0)).expect("a bail clock");
    assert_eq!((bail.rule.as_str(), bail.unit.id, bail.due.unwrap().due.date()), ("criminal.bail", w.police.id, date!(2027 - 01 - 30)));
    assert_eq!(
        r.refused(w.police, Command::SetCustody { person: 0, custody: Custody::Bail }).code,
        "illegal_transition",
        "not renewed by the organ that decided it"
    );
    r.at(date!(2026 - 06 - 01)).ok(w.police, Command::SetCustody { person: 0, custody: Custody::ResidentialSurveillance });
    assert_eq!(r.due(w.police.id), ("criminal.residential_surveillance".into(), date!(2026 - 12 - 01)));
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None });
    // The procuratorate decides it anew at its stage, and the term restarts (SPP Rules 113).
    r.at(date!(2026 - 07 - 10)).ok(w.procuratorate, Command::SetCustody { person: 0, custody: Custody::ResidentialSurveillance });
    let rs = clocks(r.c(), &r.cal).into_iter().find(|k| k.person == Some(0)).unwrap();
    assert_eq!((rs.unit.id, rs.due.unwrap().due.date()), (w.procuratorate.id, date!(2027 - 01 - 10)));
    r.ok(w.procuratorate, Command::SetCustody { person: 0, custody: Custody::Released });
    assert!(clocks(r.c(), &r.cal).iter().all(|k| k.person.is_none()), "released: no term runs");
}

#[test]
fn a_reason_or_request_waits_for_its_addressee_until_it_acts() {
    let w = world();
    let mut r = Run::new(datetime!(2026-05-06 09:00));
    r.ok(w.police, Command::Register { case_no: "N-1".into(), title: "盗窃案".into(), persons: suspect(Custody::Detained), charge: None });
    r.ok(w.police, Command::RequestArrestApproval { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::RefuseArrest { reason: "证据不足".into() });
    let n = r.c().notice.clone().expect("a notice for the police");
    assert_eq!((n.kind, n.to.id, n.from.id, n.text.as_str()), (NoticeKind::ArrestRefused, w.police.id, w.procuratorate.id, "证据不足"));
    // The police ask the procuratorate in early; signing for their next hand-over is acting on it.
    r.ok(w.police, Command::Collaborate { kind: Collaboration::EarlyIntervention, to: w.procuratorate, text: "请提前介入".into() });
    assert_eq!(r.c().notice.as_ref().map(|n| n.to.id), Some(w.procuratorate.id));
    r.ok(w.police, Command::SetCustody { person: 0, custody: Custody::Detained });
    r.ok(w.police, Command::RequestArrestApproval { to: w.procuratorate });
    assert_eq!(r.c().notice.as_ref().map(|n| n.to.id), Some(w.procuratorate.id), "still unread");
    r.ok(w.procuratorate, Command::Receive);
    assert_eq!(r.c().notice, None);
    r.ok(w.procuratorate, Command::ApproveArrest);
    // The procuratorate asks a question; the newest notice is the message, to the police.
    r.ok(w.procuratorate, Command::Collaborate { kind: Collaboration::Consultation, to: w.police, text: "请补充监控录像".into() });
    assert_eq!(r.c().notice.as_ref().map(|n| (n.kind, n.to.id)), Some((NoticeKind::Message, w.police.id)));
    // The police answer: the message to the procuratorate is now the one waiting.
    r.ok(w.police, Command::Collaborate { kind: Collaboration::Consultation, to: w.procuratorate, text: "已调取".into() });
    assert_eq!(r.c().notice.as_ref().map(|n| n.to.id), Some(w.procuratorate.id));
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::ReturnHandover { reason: "缺少鉴定意见".into() });
    assert_eq!(r.c().notice.as_ref().map(|n| (n.kind, n.to.id)), Some((NoticeKind::Returned, w.police.id)));
    r.ok(w.police, Command::TransferForProsecution { to: w.procuratorate });
    assert_eq!(r.c().notice, None, "sending it again is acting on the return");
    r.ok(w.procuratorate, Command::Receive).ok(w.procuratorate, Command::AcceptForReview { plea: false, number: None });
    r.ok(w.procuratorate, Command::ReturnForSupplementaryInvestigation { reason: "补充证人证言".into() });
    assert_eq!(r.c().notice.as_ref().map(|n| (n.kind, n.to.id, n.from.id)), Some((NoticeKind::SupplementaryInvestigation, w.police.id, w.procuratorate.id)));
    r.ok(w.police, Command::Withdraw { reason: "不应追究刑事责任".into() });
    assert_eq!(r.c().notice, None, "a closed case leaves nothing to do");
}

#[test]
fn a_case_is_registered_with_a_charge_from_the_catalogue() {
    let w = world();
    let mut r = Run::new(datetime!(2026-05-06 09:00));
    let register =
        |charge: &str| Command::Register {
            case_no: "Z-1".into(), title: "张某盗窃案".into(), persons: suspect(Custody::Bail), charge: Some(charge.into())
        };
    let wrong = r.refused(w.police, register("盗窃"));
    assert_eq!(wrong.code, "invalid");
    assert!(wrong.message.contains("盗窃罪"), "suggests the charge: {wrong}");
    assert!(register("盗窃").check_texts().is_err_and(|e| e.field == "charge"), "refused where commands are parsed too");
    r.ok(w.police, register(" 盗窃罪 "));
    assert_eq!(r.c().charge.as_deref(), Some("盗窃罪"));
}

#[test]
fn custody_is_counted_from_its_first_day_until_nobody_is_held() {
    let w = world();
    let mut r = Run::new(datetime!(2026-01-05 09:00));
    r.ok(w.police, Command::Register { case_no: "H-1".into(), title: "抢劫案".into(), persons: suspect(Custody::Detained), charge: None });
    assert_eq!(r.c().held_since, Some(date!(2026 - 01 - 05)));
    r.at(date!(2026 - 01 - 07)).ok(w.police, Command::RequestArrestApproval { to: w.procuratorate }).ok(w.procuratorate, Command::Receive);
    r.ok(w.procuratorate, Command::ApproveArrest);
    assert_eq!(r.c().held_since, Some(date!(2026 - 01 - 05)), "arrest continues the same custody");
    r.at(date!(2026 - 02 - 01)).ok(w.police, Command::SetCustody { person: 0, custody: Custody::Bail });
    assert_eq!(r.c().held_since, None, "on bail: nobody is held");
    assert_eq!(r.log.iter().fold(None, apply).as_ref(), r.case.as_ref());
}

#[test]
fn accessory_punishments_follow_the_criminal_law() {
    let lawful = |v: Verdict| v.check().map_err(|u| u.rule).map(|_| v.executor());
    let with = |v: Verdict, f: fn(&mut Verdict)| {
        let mut v = v;
        f(&mut v);
        v
    };
    // Death and life imprisonment deprive for life, and only they do (CL 57 ¶1).
    assert!(lawful(verdict(0, Punishment::FixedTerm, 6, None)).is_ok());
    let life = Verdict { term_months: None, ..verdict(0, Punishment::Life, 6, None) };
    assert!(lawful(life.clone()).unwrap_err().contains("CL 57"), "life imprisonment without deprivation for life");
    assert_eq!(lawful(with(life.clone(), |v| v.political_rights = Some(Deprivation::Life))), Ok(Some(UnitKind::Police)));
    let for_life_with_a_term = with(verdict(0, Punishment::FixedTerm, 120, None), |v| v.political_rights = Some(Deprivation::Life));
    assert!(lawful(for_life_with_a_term).unwrap_err().contains("CL 57"));
    // A term of deprivation is 1 to 5 years, and with 管制 as long as it (CL 55).
    assert!(lawful(with(verdict(0, Punishment::FixedTerm, 120, None), |v| v.political_rights = Some(Deprivation::Months(6))))
        .unwrap_err()
        .contains("CL 55 ¶1"));
    assert!(lawful(with(verdict(0, Punishment::FixedTerm, 120, None), |v| v.political_rights = Some(Deprivation::Months(36)))).is_ok());
    assert!(lawful(with(verdict(0, Punishment::PublicSurveillance, 12, None), |v| v.political_rights = Some(Deprivation::Months(24))))
        .unwrap_err()
        .contains("CL 55 ¶2"));
    assert!(lawful(with(verdict(0, Punishment::PublicSurveillance, 12, None), |v| v.political_rights = Some(Deprivation::Months(12)))).is_ok());
    // An accessory punishment may stand alone (CL 34 ¶2, 35): the police execute a deprivation
    // or a deportation (CPL 270), the court itself a confiscation (CPL 272).
    let alone = |f: fn(&mut Verdict)| with(Verdict { finding: Finding::Guilty, ..acquittal(0) }, f);
    assert_eq!(lawful(alone(|v| v.political_rights = Some(Deprivation::Months(24)))), Ok(Some(UnitKind::Police)));
    assert_eq!(lawful(alone(|v| v.deportation = true)), Ok(Some(UnitKind::Police)));
    assert_eq!(lawful(alone(|v| v.confiscation = Some(Confiscation::Part))), Ok(None));
    assert!(lawful(alone(|v| v.political_rights = Some(Deprivation::Life))).unwrap_err().contains("CL 57"));
    assert!(lawful(alone(|_| {})).unwrap_err().contains("CL 37"), "guilty with nothing is an exemption");
    assert!(lawful(with(acquittal(0), |v| v.confiscation = Some(Confiscation::All))).unwrap_err().contains("CL 37"), "an acquittal punishes nothing");
    assert!(!alone(|v| v.political_rights = Some(Deprivation::Months(24))).to_prison(), "a deprivation alone is not prison");
}

#[test]
fn execution_outside_prison_goes_to_community_corrections() {
    let w = world();
    let outside = |v: Verdict, g: OutsidePrison| Verdict { outside_prison: Some(g), ..v };
    // For imprisonment or 拘役 not suspended; for life only a pregnant or nursing woman (CPL 265).
    let life = Verdict { term_months: None, political_rights: Some(Deprivation::Life), ..verdict(0, Punishment::Life, 6, None) };
    assert!(outside(life.clone(), OutsidePrison::MedicalParole).check().is_err());
    assert!(outside(life, OutsidePrison::PregnantOrNursing).check().is_ok());
    let suspended = outside(verdict(0, Punishment::FixedTerm, 24, Some(36)), OutsidePrison::MedicalParole);
    assert!(suspended.check().map_err(|u| u.rule).unwrap_err().contains("CPL 265"));
    let mut r = two_on_trial(&w);
    r.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![outside(verdict(0, Punishment::FixedTerm, 48, None), OutsidePrison::MedicalParole), acquittal(1)]));
    r.at(date!(2026 - 04 - 20)).ok(w.court, Command::Finalize);
    let prison = r.refused(w.court, Command::HandOverForExecution { to: w.police });
    assert!(prison.rule.contains("CPL 264, 265"), "not to the police for prison: {prison}");
    r.ok(w.court, Command::HandOverForExecution { to: w.justice }).at(date!(2026 - 04 - 22)).ok(w.justice, Command::Receive);
    // The offender is handed over within 10 days of receiving the decision (社区矫正法 21 ¶2).
    assert_eq!(r.due(w.justice.id), ("corrections.outside_prison_handover".into(), date!(2026 - 05 - 06)));
    r.ok(w.justice, Command::AcceptExecution);
    assert_eq!((r.c().stage, r.c().persons[0].custody), (Stage::Executed, Custody::CommunityCorrections));
    assert_eq!(r.log.iter().fold(None, apply).as_ref(), r.case.as_ref(), "the record rebuilds the state");
}

#[test]
fn the_procuratorate_withdraws_its_protest_within_the_window() {
    let w = world();
    let mut r = two_on_trial(&w);
    r.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![acquittal(0), acquittal(1)]));
    let withdraw = |reason: &str| Command::WithdrawProtest { reason: reason.into() };
    assert_eq!(r.refused(w.procuratorate, withdraw("不当")).code, "illegal_transition", "nothing protested");
    r.at(date!(2026 - 04 - 05)).ok(w.procuratorate, Command::Protest { reason: "认定事实错误".into() });
    assert_eq!(r.refused(w.other_procuratorate, withdraw("不当")).code, "wrong_unit");
    assert_eq!(r.refused(w.procuratorate, withdraw(" ")).code, "invalid");
    assert!(available(r.c(), w.procuratorate, r.now, &r.cal).contains(&"withdraw_protest"));
    r.at(date!(2026 - 04 - 08)).ok(w.procuratorate, withdraw("经复查，原判并无不当"));
    assert_eq!(r.c().protest, None);
    let notice = r.c().notice.clone().expect("the court is told");
    assert_eq!((notice.kind, notice.to.id, notice.text.as_str()), (NoticeKind::ProtestWithdrawn, w.court.id, "经复查，原判并无不当"));
    // Unprotested again: in force once the window closes.
    r.at(date!(2026 - 04 - 20)).ok(w.court, Command::Finalize);
    assert_eq!(r.c().stage, Stage::Executed);

    // After the window the court of second instance rules on a withdrawal (Crim Interp 385 ¶2).
    let mut late = two_on_trial(&w);
    late.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![acquittal(0), acquittal(1)]));
    late.at(date!(2026 - 04 - 05)).ok(w.procuratorate, Command::Protest { reason: "认定事实错误".into() });
    let too_late = late.at(date!(2026 - 04 - 20)).refused(w.procuratorate, withdraw("不当"));
    assert!(too_late.code == "window_closed" && too_late.rule.contains("385 ¶2"), "{too_late}");
    assert_eq!(late.log.iter().fold(None, apply).as_ref(), late.case.as_ref());
}

#[test]
fn hand_overs_go_to_the_units_the_law_names_and_are_offered_for_them() {
    let w = world();
    let mut r = two_on_trial(&w);
    assert_eq!(receivers(r.c(), w.court, "appeal"), vec![(UnitKind::CourtIntermediate, w.higher_court.region)]);
    assert_eq!(receivers(r.c(), w.police, "collaborate"), vec![(UnitKind::Procuratorate, w.police.region)]);
    assert!(receivers(r.c(), w.justice, "appeal").is_empty(), "a justice bureau forwards no appeal");
    // Imprisonment for both: execution goes to the police only, and the court is offered it.
    r.at(date!(2026 - 04 - 01)).ok(w.court, judge(vec![verdict(0, Punishment::FixedTerm, 48, None), verdict(1, Punishment::FixedTerm, 24, None)]));
    r.at(date!(2026 - 04 - 20)).ok(w.court, Command::Finalize);
    assert_eq!(receivers(r.c(), w.court, "hand_over_for_execution"), vec![(UnitKind::Police, w.court.region)]);
    assert!(available(r.c(), w.court, r.now, &r.cal).contains(&"hand_over_for_execution"), "offered when only the police execute");
    let refused = r.refused(w.court, Command::HandOverForExecution { to: w.justice });
    assert!(refused.code == "wrong_receiver" && refused.message.contains("the police of region"), "{refused}");
    r.ok(w.court, Command::HandOverForExecution { to: w.police });
}
