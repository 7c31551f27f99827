use super::*;
use crate::refusal::{Refusal, RefusalKind};
use crate::{Calendar, MakeUpDayPolicy, RegionCode, UnitKind};
use time::macros::date;
use time::PrimitiveDateTime;

fn unit(id: i64, kind: UnitKind, region: &str) -> UnitRef {
    UnitRef { id, kind, region: RegionCode::parse("r", region).unwrap() }
}

fn centre() -> UnitRef {
    unit(1, UnitKind::GovernanceCentre, "990101")
}
fn police() -> UnitRef {
    unit(2, UnitKind::Police, "990101")
}
fn women() -> UnitRef {
    unit(3, UnitKind::WomensFederation, "990101")
}
fn court() -> UnitRef {
    unit(4, UnitKind::CourtBasic, "990101")
}
fn committee() -> UnitRef {
    unit(5, UnitKind::MediationCommittee, "990101")
}
fn other_court() -> UnitRef {
    unit(6, UnitKind::CourtBasic, "990102")
}

fn parties() -> Vec<Party> {
    vec![
        Party {
            name: "王芳".into(), role: PartyRole::Applicant, organisation: false, phone: Some("13800000000".into()), id_number: None, vulnerable: vec![]
        },
        Party { name: "李强".into(), role: PartyRole::Respondent, organisation: false, phone: None, id_number: None, vulnerable: vec![] },
    ]
}

struct Run {
    cal: Calendar,
    d: Option<Dispute>,
    now: PrimitiveDateTime,
    log: Vec<Event>,
}

impl Run {
    fn new(day: Date) -> Self {
        Self { cal: Calendar::bundled(MakeUpDayPolicy::WorkingDay), d: None, now: day.with_hms(10, 0, 0).unwrap(), log: vec![] }
    }
    fn at(&mut self, day: Date) -> &mut Self {
        self.now = day.with_hms(10, 0, 0).unwrap();
        self
    }
    fn try_do(&mut self, actor: UnitRef, cmd: Command) -> Result<Vec<Event>, Refusal> {
        let events = decide(self.d.as_ref(), &cmd, actor, self.now, &self.cal)?;
        for e in &events {
            self.d = apply(self.d.take(), e);
        }
        self.log.extend(events.clone());
        Ok(events)
    }
    fn ok(&mut self, actor: UnitRef, cmd: Command) -> &mut Self {
        let stage = self.d.as_ref().map(|d| d.stage);
        self.try_do(actor, cmd.clone()).unwrap_or_else(|r| panic!("{cmd:?} in {stage:?}: {r}"));
        self
    }
    fn refused(&mut self, actor: UnitRef, cmd: Command) -> Refusal {
        let before = self.d.clone();
        let r = self.try_do(actor, cmd.clone()).expect_err(&format!("{cmd:?} should be refused"));
        assert_eq!(self.d, before, "a refusal changes nothing");
        r
    }
    fn d(&self) -> &Dispute {
        self.d.as_ref().unwrap()
    }
    fn replayed(&self) -> Option<Dispute> {
        self.log.iter().fold(None, apply)
    }
}

fn register() -> Command {
    register_with(Channel::GovernanceCentre, parties())
}

fn register_with(channel: Channel, parties: Vec<Party>) -> Command {
    Command::Register {
        title: "婚后财产与抚养费纠纷".into(),
        channel,
        category: Category::MarriageFamily,
        amount: Some(30000),
        group: false,
        parties,
        limits: vec![],
    }
}

/// A province whose rules give three days to report a red-risk dispute: a dispute registered
/// under them counts three, naming the provision; its clock is the catalogue's otherwise.
#[test]
fn a_provinces_own_report_limit_counts_for_the_disputes_registered_under_it() {
    let local =
        crate::local::LocalLimit { rule: "dispute.red_report".into(), length: 3, basis: "《示范省矛盾纠纷多元化解条例》第二十条".into() };
    let mut r = Run::new(date!(2026 - 11 - 30));
    let Command::Register { title, channel, category, amount, group, parties, .. } = register() else { unreachable!() };
    r.ok(centre(), Command::Register { title, channel, category, amount, group, parties, limits: vec![local.clone()] });
    r.ok(centre(), Command::Assess { level: Risk::Red, factors: vec![RiskFactor::ThreatsOrViolence], next_review: date!(2026 - 12 - 07) });
    let red = clocks(r.d(), &r.cal);
    assert_eq!((red[0].due.clone(), red[0].local.as_ref()), (Ok((date!(2026 - 12 - 03), false)), Some(&local)));
}

fn agreement_terms() -> Vec<Term> {
    vec![
        Term {
            kind: TermKind::Payment, text: "李强每月支付抚养费1500元".into(), amount: Some(1500), due: Some(date!(2026 - 12 - 31)), performance: None
        },
        Term { kind: TermKind::Performance, text: "双方互不干扰对方生活".into(), amount: None, due: None, performance: None },
    ]
}

/// Window intake → red risk reported to the police → diverted to the women's federation →
/// mediated → agreement signed → joint application → confirmed → followed up → closed.
#[test]
fn the_whole_road_from_window_to_closed() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register());
    assert_eq!(r.d().stage, Stage::Registered);
    r.ok(centre(), Command::Assess { level: Risk::Red, factors: vec![RiskFactor::ThreatsOrViolence], next_review: date!(2026 - 12 - 07) });
    let red = clocks(r.d(), &r.cal);
    assert_eq!(red.len(), 1);
    assert_eq!(red[0].rule, "dispute.red_report");
    assert_eq!(red[0].due, Ok((date!(2026 - 12 - 01), false)), "reported by the next day");
    r.ok(centre(), Command::ReportToPolice { to: police() });
    assert!(clocks(r.d(), &r.cal).is_empty(), "the report stops the red clock");
    r.ok(police(), Command::AcknowledgeReport);
    assert_eq!(r.d().reports[0].received, Some(date!(2026 - 11 - 30)));

    r.ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false });
    assert!(clocks(r.d(), &r.cal).is_empty(), "no mediation clock before the materials are signed for");
    r.at(date!(2026 - 12 - 01)).ok(women(), Command::Receive);
    assert_eq!(r.d().stage, Stage::Mediating);
    assert_eq!(r.d().holder, women());
    let k = clocks(r.d(), &r.cal);
    assert_eq!(k[0].rule, "mediation.people");
    assert_eq!(k[0].due, Ok((date!(2027 - 01 - 01), true)), "one month from the signing-for; provisional: 2027's calendar is not loaded");
    r.ok(women(), Command::RecordSession { note: "双方到场，初步沟通".into() });
    r.ok(women(), Command::Agree { terms: agreement_terms(), partial: false, facts: "双方于2020年登记结婚".into() });
    assert_eq!(r.d().stage, Stage::Agreed);
    r.ok(women(), Command::Sign { signer: Signer::Party(0) }).ok(women(), Command::Sign { signer: Signer::Mediator });
    assert_eq!(r.d().stage, Stage::Agreed, "one party has not signed");
    r.ok(women(), Command::Sign { signer: Signer::Party(1) });
    assert_eq!(r.d().stage, Stage::Agreed, "no seal yet");
    r.at(date!(2026 - 12 - 03)).ok(women(), Command::Sign { signer: Signer::Seal });
    assert_eq!(r.d().stage, Stage::Performing);
    assert_eq!(r.d().agreement.as_ref().unwrap().effective, Some(date!(2026 - 12 - 03)));
    let window = clocks(r.d(), &r.cal);
    assert_eq!((window[0].rule.as_str(), window[0].party), ("civil.judicial_confirmation_application", true));

    r.at(date!(2026 - 12 - 10)).ok(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![1, 0] });
    r.ok(court(), Command::Receive);
    assert_eq!((r.d().stage, r.d().holder), (Stage::Confirming, court()));
    assert_eq!(clocks(r.d(), &r.cal)[0].rule, "civil.judicial_confirmation_acceptance");
    r.ok(court(), Command::AcceptConfirmation { number: Some("（2026）990101民特1号".into()) });
    let k = clocks(r.d(), &r.cal);
    assert_eq!((k[0].rule.as_str(), k[0].due.clone()), ("civil.judicial_confirmation_decision", Ok((date!(2026 - 12 - 25), false))));
    r.ok(court(), Command::Rule { ruling: Ruling::Valid });
    assert_eq!((r.d().stage, r.d().holder, r.d().outcome), (Stage::Performing, women(), Some(Outcome::Confirmed)), "back to the mediator to follow up");

    let e = r.refused(women(), Command::Close);
    assert_eq!(e.code, "no_follow_up");
    let e = r.refused(women(), Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: "".into() });
    assert_eq!(e.code, "performance_unknown");
    r.ok(women(), Command::RecordPerformance { term: 0, performance: Performance::Performed });
    r.ok(women(), Command::RecordPerformance { term: 1, performance: Performance::Performed });
    r.ok(women(), Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: "履行到位".into() });
    r.ok(women(), Command::Close);
    assert_eq!(r.d().stage, Stage::Closed);
    assert!(clocks(r.d(), &r.cal).is_empty());
    assert_eq!(r.replayed().as_ref(), r.d.as_ref(), "the events rebuild the state");
    let ids: Vec<i64> = r.d().involved.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4], "intake, police, federation and court may all see it");
}

#[test]
fn a_failed_mediation_returns_with_its_facts_and_goes_on_to_court() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::PeoplesMediation, to: committee(), consent: false });
    r.ok(committee(), Command::Receive);
    let e = r.refused(committee(), Command::EndMediation { failure: Failure::TimedOut, reason: "超期".into(), undisputed_facts: "".into() });
    assert_eq!(e.code, "not_timed_out");
    r.ok(committee(), Command::EndMediation { failure: Failure::NoAgreement, reason: "分歧过大".into(), undisputed_facts: "借款2万元属实".into() });
    assert_eq!((r.d().stage, r.d().holder, r.d().outcome), (Stage::Registered, centre(), Some(Outcome::Failed)));
    assert_eq!(r.d().streams[0].undisputed_facts, "借款2万元属实");
    r.ok(centre(), Command::Refer { kind: ReferralKind::Litigation, to: court(), consent: false });
    r.ok(court(), Command::Receive);
    assert!(clocks(r.d(), &r.cal).is_empty(), "no trial clock before filing");
    r.ok(court(), Command::FileCase { track: Track::SmallClaims, number: Some("（2026）990101民初1号".into()) });
    assert_eq!(clocks(r.d(), &r.cal)[0].rule, "civil.small_claims");
    let e = r.refused(court(), Command::ConvertTrack { to: Track::SmallClaims });
    assert_eq!(e.code, "not_fuller");
    r.ok(court(), Command::ConvertTrack { to: Track::Ordinary });
    assert_eq!(clocks(r.d(), &r.cal)[0].rule, "civil.ordinary_first_instance");
    r.ok(court(), Command::ConcludeLitigation { outcome: LitigationOutcome::Judged });
    assert_eq!((r.d().stage, r.d().outcome), (Stage::Closed, Some(Outcome::Litigated)));
}

#[test]
fn no_mediation_for_a_party_who_refused() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::RecordRefusal { party: 1 });
    let e = r.refused(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false });
    assert_eq!((e.code, e.kind), ("party_refused", RefusalKind::NotNow));
    assert!(e.rule.contains("人民调解法 17"), "{e}");
    // A refusal during mediation ends it.
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false }).ok(women(), Command::Receive);
    r.ok(women(), Command::RecordRefusal { party: 0 });
    assert_eq!((r.d().stage, r.d().holder), (Stage::Registered, centre()));
    assert_eq!(r.d().streams[0].failure, Failure::PartyRefused);
}

#[test]
fn entrusted_mediation_needs_the_court_and_the_parties_consent() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    let filing = register_with(Channel::CourtFiling, parties());
    r.ok(court(), filing);
    let e = r.refused(court(), Command::Refer { kind: ReferralKind::EntrustedPreFiling, to: committee(), consent: false });
    assert_eq!(e.code, "no_consent");
    assert!(e.rule.contains("特邀调解规定 11"));
    r.ok(court(), Command::Refer { kind: ReferralKind::EntrustedPreFiling, to: committee(), consent: true }).ok(committee(), Command::Receive);
    let k = clocks(r.d(), &r.cal);
    assert_eq!((k[0].rule.as_str(), k[0].due.clone()), ("mediation.entrusted_pre_filing", Ok((date!(2026 - 12 - 30), false))));
    // Not a court: refused as a matter of access.
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register());
    let e = r.refused(centre(), Command::Refer { kind: ReferralKind::EntrustedPreFiling, to: committee(), consent: true });
    assert_eq!((e.code, e.kind), ("wrong_unit", RefusalKind::NotYours));
}

#[test]
fn extensions_need_every_partys_consent() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false }).ok(women(), Command::Receive);
    let e = r.refused(women(), Command::ExtendMediation { until: date!(2027 - 02 - 01), consents: vec![0] });
    assert_eq!(e.code, "not_every_party");
    assert!(e.message.contains("李强"), "{e}");
    let e = r.refused(women(), Command::ExtendMediation { until: date!(2026 - 12 - 15), consents: vec![0, 1] });
    assert_eq!(e.code, "not_later");
    r.ok(women(), Command::ExtendMediation { until: date!(2027 - 02 - 01), consents: vec![1, 0] });
    let k = clocks(r.d(), &r.cal);
    assert_eq!((k[0].due.clone(), k[0].agreed), (Ok((date!(2027 - 02 - 01), false)), true));
}

fn performing() -> Run {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false }).ok(women(), Command::Receive);
    r.ok(women(), Command::Agree { terms: agreement_terms(), partial: false, facts: "".into() });
    for s in [Signer::Party(0), Signer::Party(1), Signer::Mediator, Signer::Seal] {
        r.ok(women(), Command::Sign { signer: s });
    }
    r
}

#[test]
fn confirmation_is_joint_timely_confirmable_and_at_the_right_court() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false }).ok(women(), Command::Receive);
    r.ok(women(), Command::Agree { terms: agreement_terms(), partial: false, facts: "".into() });
    r.ok(women(), Command::Sign { signer: Signer::Party(0) });
    let e = r.refused(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![0, 1] });
    assert_eq!(e.code, "illegal_transition", "an agreement without every signature is not confirmed: {e}");
    let e = r.refused(women(), Command::Sign { signer: Signer::Party(0) });
    assert_eq!(e.code, "already_signed");

    let mut r = performing();
    let e = r.refused(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![0] });
    assert_eq!(e.code, "not_every_party");
    assert!(e.rule.contains("jointly"), "{e}");
    let e = r.refused(women(), Command::ApplyForConfirmation { court: other_court(), applicants: vec![0, 1] });
    assert_eq!(e.code, "no_jurisdiction");
    // 30 days from 2026-11-30 is 2026-12-30, a Wednesday: the 31st is too late.
    r.at(date!(2026 - 12 - 31));
    let e = r.refused(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![0, 1] });
    assert_eq!(e.code, "too_late");
    assert!(e.message.contains("2026-12-30"), "{e}");
    r.at(date!(2026 - 12 - 30)).ok(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![0, 1] });

    // A status relation is not confirmed.
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false }).ok(women(), Command::Receive);
    let divorce = vec![Term { kind: TermKind::StatusRelation, text: "双方自愿离婚".into(), amount: None, due: None, performance: None }];
    r.ok(women(), Command::Agree { terms: divorce, partial: false, facts: "".into() });
    for s in [Signer::Party(0), Signer::Party(1), Signer::Mediator, Signer::Seal] {
        r.ok(women(), Command::Sign { signer: s });
    }
    let e = r.refused(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![0, 1] });
    assert_eq!(e.code, "not_confirmable");
    assert!(e.rule.contains("Civ Interp 355"));
}

#[test]
fn the_court_decides_in_fifteen_days_or_twenty_five_with_approval_and_may_refuse() {
    let mut r = performing();
    r.ok(women(), Command::ApplyForConfirmation { court: court(), applicants: vec![0, 1] }).ok(court(), Command::Receive);
    let e = r.refused(court(), Command::Rule { ruling: Ruling::Valid });
    assert_eq!(e.code, "not_accepted");
    let e = r.refused(court(), Command::AcceptConfirmation { number: None });
    assert_eq!(e.code, "number");
    r.ok(court(), Command::AcceptConfirmation { number: Some("（2026）990101民特2号".into()) });
    r.ok(court(), Command::ExtendConfirmation { approver: "院长".into(), reason: "需补充材料".into() });
    assert_eq!(clocks(r.d(), &r.cal)[0].due, Ok((date!(2026 - 12 - 25), false)), "25 days from 2026-11-30");
    let e = r.refused(court(), Command::ExtendConfirmation { approver: "院长".into(), reason: "again".into() });
    assert_eq!(e.code, "not_extendable");
    r.ok(court(), Command::Rule { ruling: Ruling::Rejected(RejectedGround::NotVoluntary) });
    assert_eq!((r.d().stage, r.d().outcome), (Stage::Performing, Some(Outcome::Agreed)), "rejected: the agreement stays, unconfirmed");
    let k = clocks(r.d(), &r.cal);
    assert_eq!((k[0].rule.as_str(), k[0].party), ("civil.judicial_confirmation_objection", true));
}

#[test]
fn only_the_handling_unit_and_the_receiver_act() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register());
    let e = r.refused(women(), Command::Assess { level: Risk::Red, factors: vec![], next_review: date!(2026 - 12 - 10) });
    assert_eq!((e.code, e.kind), ("not_holder", RefusalKind::NotYours));
    let e = r.refused(centre(), Command::ReportToPolice { to: police() });
    assert_eq!(e.code, "not_risky");
    r.ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false });
    let e = r.refused(committee(), Command::Receive);
    assert_eq!((e.code, e.kind), ("not_receiver", RefusalKind::NotYours));
    let e = r.refused(centre(), Command::Refer { kind: ReferralKind::PeoplesMediation, to: committee(), consent: false });
    assert_eq!(e.code, "referral_pending");
    r.ok(women(), Command::Decline { reason: "不属于婚姻家庭纠纷".into() });
    assert_eq!((r.d().holder, r.d().referral.clone()), (centre(), None));
    // A procuratorate does not take disputes in.
    let mut r = Run::new(date!(2026 - 11 - 30));
    let e = r.refused(unit(9, UnitKind::Procuratorate, "990101"), register());
    assert_eq!((e.code, e.kind), ("wrong_unit", RefusalKind::NotYours));
}

#[test]
fn available_offers_what_the_machine_allows() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register());
    let now = r.now;
    let names = available(r.d(), centre(), now, &r.cal);
    for n in ["assess", "refer_mediation", "refer_partner", "refer_litigation", "withdraw"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    assert!(!names.contains(&"refer_entrusted"), "only a court entrusts");
    assert!(available(r.d(), women(), now, &r.cal).is_empty());
    let r = performing();
    let names = available(r.d(), women(), now, &r.cal);
    assert!(names.contains(&"apply_for_confirmation") && names.contains(&"record_performance"), "{names:?}");
}

#[test]
fn texts_are_checked_naming_the_field() {
    let mut bad = parties();
    bad[0].phone = Some("call me".into());
    let e = register_with(Channel::Online, bad).check_texts().unwrap_err();
    assert_eq!(e.field, "phone");
    let e = register_with(Channel::Online, vec![]).check_texts().unwrap_err();
    assert_eq!(e.field, "parties");
    let e = Command::Agree { terms: vec![], partial: false, facts: "".into() }.check_texts().unwrap_err();
    assert_eq!(e.field, "terms");
}

#[test]
fn a_mediator_from_the_roster_is_assigned_and_may_step_aside() {
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Partner, to: women(), consent: false }).ok(women(), Command::Receive);
    let other = MediatorRef { id: 9, name: "外单位调解员".into(), unit_id: committee().id };
    let e = r.refused(women(), Command::AssignMediator { mediator: other });
    assert_eq!(e.code, "not_on_roster");
    let e = r.refused(women(), Command::Recuse { ground: RecusalGround::Relative });
    assert_eq!(e.code, "no_mediator");
    let m = MediatorRef { id: 7, name: "刘调解".into(), unit_id: women().id };
    r.ok(women(), Command::AssignMediator { mediator: m.clone() });
    assert_eq!(r.d().mediation.as_ref().unwrap().mediator.as_ref(), Some(&m));
    r.ok(women(), Command::Recuse { ground: RecusalGround::Relative });
    assert_eq!(r.d().mediation.as_ref().unwrap().mediator, None, "steps aside; another is assigned");
    assert_eq!(r.replayed().as_ref(), r.d.as_ref());
}

/// Partner platforms mediate their own sector's disputes (M21): the women's federation marriage
/// and family, the trade union labour, the federation of industry and commerce business and
/// contracts, the youth league any dispute with a minor party; anything else is refused naming
/// the unit and the category, and nothing changes.
#[test]
fn partners_take_only_their_own_sector() {
    let union = unit(7, UnitKind::TradeUnion, "990101");
    let youth = unit(8, UnitKind::YouthLeague, "990101");
    let commerce = unit(9, UnitKind::FederationOfIndustryAndCommerce, "990101");
    let refer = |to: UnitRef| Command::Refer { kind: ReferralKind::Partner, to, consent: false };
    let registered = |category: Category, minor: bool| {
        let mut p = parties();
        if minor {
            p[1].vulnerable.push(Vulnerability::Minor);
        }
        let mut r = Run::new(date!(2026 - 11 - 30));
        r.ok(
            centre(),
            Command::Register { title: "纠纷".into(), channel: Channel::GovernanceCentre, category, amount: None, group: false, parties: p, limits: vec![] },
        );
        r
    };
    let e = registered(Category::Labour, false).refused(centre(), refer(women()));
    assert_eq!((e.code, e.kind), ("outside_sector", RefusalKind::NotNow), "{e}");
    assert!(e.message.contains("labour"), "{e}");
    registered(Category::Labour, false).ok(centre(), refer(union));
    registered(Category::Contract, false).ok(centre(), refer(commerce));
    registered(Category::Business, false).ok(centre(), refer(commerce));
    assert_eq!(registered(Category::Neighbour, false).refused(centre(), refer(youth)).code, "outside_sector");
    registered(Category::Neighbour, true).ok(centre(), refer(youth));
    assert_eq!(registered(Category::Neighbour, false).refused(centre(), refer(union)).code, "outside_sector");
    // A people's mediation committee takes every category.
    registered(Category::Neighbour, false).ok(centre(), Command::Refer { kind: ReferralKind::PeoplesMediation, to: committee(), consent: false });
    for c in Category::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str(), "the wire name");
    }
}

/// 委托 (民诉法 98; 特邀调解规定 27): after filing, the court entrusts mediation of the case to a
/// mediation organisation with the parties' consent; the organisation mediates on 7 days (simple
/// procedure) or 15 (ordinary); an agreement or a failure returns the case to the court, whose
/// period resumes without the days it waited; the court concludes it.
#[test]
fn the_court_entrusts_mediation_after_filing() {
    let entrust = |consent| Command::Refer { kind: ReferralKind::EntrustedAfterFiling, to: committee(), consent };
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Litigation, to: court(), consent: false });
    r.ok(court(), Command::Receive);
    assert_eq!(r.refused(court(), entrust(true)).code, "not_filed");
    r.ok(court(), Command::FileCase { track: Track::Simple, number: Some("（2026）990101民初7号".into()) });
    let trial = clocks(r.d(), &r.cal)[0].clone();
    assert_eq!((trial.rule.as_str(), trial.start), ("civil.simple_procedure", date!(2026 - 11 - 30)));
    assert_eq!(r.refused(court(), entrust(false)).code, "no_consent");
    assert_eq!(r.refused(centre(), entrust(true)).code, "not_holder");
    r.ok(court(), entrust(true));
    r.at(date!(2026 - 12 - 01)).ok(committee(), Command::Receive);
    let k = clocks(r.d(), &r.cal);
    assert_eq!((r.d().stage, k.len(), k[0].rule.as_str(), k[0].start), (Stage::Mediating, 1, "mediation.entrusted_simple", date!(2026 - 12 - 01)));
    assert_eq!(k[0].due.as_ref().unwrap().0, date!(2026 - 12 - 08), "7 days");
    assert!(r.d().litigation.is_some(), "the case is still the court's case");
    // Agreement: back to the court, its period 9 days longer (mediated 1st–10th of December).
    r.ok(committee(), Command::Agree { terms: agreement_terms(), partial: false, facts: "借款属实".into() });
    for s in [Signer::Party(0), Signer::Party(1), Signer::Mediator] {
        r.ok(committee(), Command::Sign { signer: s });
    }
    r.at(date!(2026 - 12 - 10)).ok(committee(), Command::Sign { signer: Signer::Seal });
    assert_eq!((r.d().stage, r.d().holder, r.d().outcome), (Stage::Litigating, court(), None));
    let back = clocks(r.d(), &r.cal)[0].clone();
    assert_eq!((back.rule.as_str(), back.start), ("civil.simple_procedure", date!(2026 - 12 - 09)), "filed the 30th, 9 days not counted");
    r.ok(court(), Command::ConcludeLitigation { outcome: LitigationOutcome::Mediated });
    assert_eq!(r.d().stage, Stage::Closed);
    assert_eq!(r.replayed().as_ref(), Some(r.d()), "replays to the same");

    // On the ordinary procedure 15 days; a failure too returns the case to the court.
    let mut r = Run::new(date!(2026 - 11 - 30));
    r.ok(centre(), register()).ok(centre(), Command::Refer { kind: ReferralKind::Litigation, to: court(), consent: false });
    r.ok(court(), Command::Receive).ok(court(), Command::FileCase { track: Track::Ordinary, number: Some("（2026）990101民初8号".into()) });
    r.ok(court(), entrust(true)).ok(committee(), Command::Receive);
    assert_eq!(clocks(r.d(), &r.cal)[0].rule, "mediation.entrusted_ordinary");
    r.at(date!(2026 - 12 - 05))
        .ok(committee(), Command::EndMediation { failure: Failure::NoAgreement, reason: "分歧过大".into(), undisputed_facts: "借款属实".into() });
    assert_eq!((r.d().stage, r.d().holder), (Stage::Litigating, court()));
    assert_eq!(clocks(r.d(), &r.cal)[0].start, date!(2026 - 12 - 05), "5 days not counted");
    assert_eq!(r.d().streams[0].kind, ReferralKind::EntrustedAfterFiling);
}
