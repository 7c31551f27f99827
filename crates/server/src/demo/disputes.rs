//! Disputes for the demo province, made through the dispute machine so that each has its whole
//! history as events: every channel, category, risk level and stage, received in the three
//! months up to the day the demo is seeded, with open ones active in the last days.

use crate::error::AppError;
use std::collections::HashMap;
use time::{Date, Duration};
use xiezhi_core::case::UnitRef;
use xiezhi_core::demo::{Rng, GIVEN, SURNAMES};
use xiezhi_core::dispute::{
    apply, decide, Category, Channel, Command as C, Failure, LitigationOutcome, Party, PartyRole, Performance, ReferralKind, Risk, RiskFactor, Ruling,
    Satisfaction, Signer, Term, TermKind, Track,
};
use xiezhi_core::{Calendar, RegionCode, RegionLevel, UnitKind};
use xiezhi_store::{By, DisputeWrite, Store, UnitFilter};

const MATTERS: &[(&str, Category)] = &[
    ("婚后财产分割与抚养费纠纷", Category::MarriageFamily),
    ("赡养费纠纷", Category::MarriageFamily),
    ("邻里噪音纠纷", Category::Neighbour),
    ("相邻通行纠纷", Category::Neighbour),
    ("宅基地界址纠纷", Category::HouseSite),
    ("承包地边界纠纷", Category::LandForest),
    ("征地补偿款分配纠纷", Category::LandRequisition),
    ("民间借贷纠纷", Category::Contract),
    ("买卖合同货款纠纷", Category::Contract),
    ("合伙经营纠纷", Category::Business),
    ("人身损害赔偿纠纷", Category::Damages),
    ("拖欠农民工工资纠纷", Category::Labour),
    ("物业费纠纷", Category::PropertyManagement),
    ("医疗损害纠纷", Category::Medical),
    ("交通事故赔偿纠纷", Category::Traffic),
    ("网购商品质量纠纷", Category::Consumer),
    ("养殖场异味污染纠纷", Category::Environment),
    ("其他民间纠纷", Category::Other),
];

struct County {
    centre: UnitRef,
    police: UnitRef,
    court: UnitRef,
    committee: UnitRef,
    partners: Vec<UnitRef>,
}

/// `n` disputes over the demo province's counties, through the machine; written in batches.
pub async fn seed_disputes<S: Store>(store: &S, cal: &Calendar, n: usize, seed: u64, today: Date) -> Result<usize, AppError> {
    let mut units: HashMap<(RegionCode, UnitKind), UnitRef> = HashMap::new();
    for u in store.list_units(UnitFilter { limit: 100_000, ..Default::default() }).await? {
        units.entry((u.region, u.kind)).or_insert(UnitRef { id: u.id, kind: u.kind, region: u.region });
    }
    let mut counties: Vec<County> = units
        .keys()
        .filter(|(r, k)| *k == UnitKind::GovernanceCentre && r.level() == RegionLevel::County)
        .filter_map(|(r, _)| {
            let u = |k| units.get(&(*r, k)).copied();
            Some(County {
                centre: u(UnitKind::GovernanceCentre)?,
                police: u(UnitKind::Police)?,
                court: u(UnitKind::CourtBasic)?,
                committee: u(UnitKind::MediationCommittee)?,
                partners: [UnitKind::TradeUnion, UnitKind::WomensFederation, UnitKind::YouthLeague, UnitKind::FederationOfIndustryAndCommerce]
                    .into_iter()
                    .filter_map(u)
                    .collect(),
            })
        })
        .collect();
    counties.sort_by_key(|c| c.centre.region);
    if counties.is_empty() {
        return Ok(0);
    }
    let mut rng = Rng(seed ^ 0xD15_9E7E);
    // Each mediation committee's roster: two mediators, one of them invited by the court.
    let mut rosters: HashMap<i64, Vec<xiezhi_core::dispute::MediatorRef>> = HashMap::new();
    for c in &counties {
        for (i, skills) in ["marriage_family,neighbour", "contract,labour,damages"].iter().enumerate() {
            let name = format!("{}{}", SURNAMES[rng.below(SURNAMES.len())], GIVEN[rng.below(GIVEN.len())]);
            let m = store.add_mediator(c.committee.id, name.clone(), skills.to_string(), i == 1, By::system(crate::state::now_us())).await?.value;
            rosters.entry(c.committee.id).or_default().push(xiezhi_core::dispute::MediatorRef { id: m.id, name, unit_id: m.unit_id });
        }
    }
    let mut batch = Vec::new();
    let mut done = 0;
    for i in 0..n {
        let county = &counties[rng.below(counties.len())];
        batch.push(one_dispute(&mut rng, cal, today, i, county, rosters.get(&county.committee.id).map(Vec::as_slice).unwrap_or(&[]))?);
        if batch.len() == 500 {
            done += store.import_disputes(std::mem::take(&mut batch), By::system(crate::state::now_us())).await?;
        }
    }
    if !batch.is_empty() {
        done += store.import_disputes(batch, By::system(crate::state::now_us())).await?;
    }
    // The demo numbers the courts' civil cases 1, 2, 3 …: new numbers come after.
    store.raise_serials(today.year(), n as i64).await?;
    Ok(done)
}

fn person(rng: &mut Rng, role: PartyRole) -> Party {
    Party {
        name: format!("{}{}", SURNAMES[rng.below(SURNAMES.len())], GIVEN[rng.below(GIVEN.len())]),
        role,
        organisation: false,
        phone: Some(format!("13{}{:08}", rng.below(10), rng.below(100_000_000))),
        id_number: None,
        vulnerable: vec![],
    }
}

fn one_dispute(
    rng: &mut Rng,
    cal: &Calendar,
    today: Date,
    n: usize,
    c: &County,
    roster: &[xiezhi_core::dispute::MediatorRef],
) -> Result<DisputeWrite, AppError> {
    let (matter, category) = MATTERS[rng.below(MATTERS.len())];
    // Who takes it in, and by which channel.
    let (intake, channel) = match rng.below(10) {
        0..=3 => (c.centre, [Channel::GovernanceCentre, Channel::GridPatrol, Channel::VillagePoint, Channel::Petition, Channel::Hotline][rng.below(5)]),
        4 | 5 => (c.police, Channel::Police110),
        6 => (c.court, Channel::CourtFiling),
        7 => (c.committee, [Channel::VillagePoint, Channel::Online][rng.below(2)]),
        _ if !c.partners.is_empty() => (c.partners[rng.below(c.partners.len())], Channel::PartnerPlatform),
        _ => (c.centre, Channel::Online),
    };
    // A partner platform only for its own sector's disputes.
    let partner = category.partner().and_then(|kind| c.partners.iter().find(|u| u.kind == kind).copied());
    let mediator = match (rng.below(3), partner) {
        (0, Some(p)) if p.id != intake.id => p,
        _ if c.committee.id != intake.id => c.committee,
        _ => partner.unwrap_or(c.committee),
    };
    let group = rng.below(25) == 0;
    let mut parties = vec![person(rng, PartyRole::Applicant), person(rng, PartyRole::Respondent)];
    if group {
        parties.push(person(rng, PartyRole::Applicant));
    }
    let risk = [Risk::Blue, Risk::Blue, Risk::Yellow, Risk::Yellow, Risk::Yellow, Risk::Orange, Risk::Orange, Risk::Red][rng.below(8)];
    let all: Vec<usize> = (0..parties.len()).collect();
    let mut plan: Vec<(i64, UnitRef, C)> = vec![(
        0,
        intake,
        C::Register {
            title: matter.into(),
            channel,
            category,
            amount: Some(1000 * (1 + rng.below(80) as u64)),
            group,
            parties: parties.clone(),
            limits: vec![],
        },
    )];
    // How far it has got, weighted like a real ledger: most resolved, some open at each stage.
    let depth = [0, 1, 2, 3, 3, 4, 5, 5, 6, 6, 6, 7, 7, 7, 7, 7][rng.below(16)];
    let factors = if risk >= Risk::Orange { vec![RiskFactor::ThreatsOrViolence, RiskFactor::RepeatPoliceCalls] } else { vec![] };
    plan.push((rng.below(2) as i64, intake, C::Assess { level: risk, factors, next_review: today + Duration::days(7 + rng.below(20) as i64) }));
    if risk >= Risk::Orange && intake.kind != UnitKind::Police {
        plan.push((0, intake, C::ReportToPolice { to: c.police }));
        plan.push((rng.below(2) as i64, c.police, C::AcknowledgeReport));
    }
    if depth >= 2 {
        let kind = if mediator.kind == UnitKind::MediationCommittee { ReferralKind::PeoplesMediation } else { ReferralKind::Partner };
        plan.push((1 + rng.below(3) as i64, intake, C::Refer { kind, to: mediator, consent: true }));
    }
    if depth >= 3 {
        plan.push((rng.below(3) as i64, mediator, C::Receive));
        if let Some(m) = roster.get(rng.below(roster.len().max(1))).filter(|m| m.unit_id == mediator.id) {
            plan.push((0, mediator, C::AssignMediator { mediator: m.clone() }));
        }
        plan.push((2 + rng.below(5) as i64, mediator, C::RecordSession { note: "召集双方当面调解，释法说理".into() }));
    }
    let failed = depth >= 4 && rng.below(6) == 0;
    if failed {
        plan.push((
            3 + rng.below(10) as i64,
            mediator,
            C::EndMediation { failure: Failure::NoAgreement, reason: "双方分歧较大".into(), undisputed_facts: "借款事实双方无异议".into() },
        ));
        if depth >= 5 {
            plan.push((2, intake, C::Refer { kind: ReferralKind::Litigation, to: c.court, consent: false }));
            plan.push((1, c.court, C::Receive));
            plan.push((
                3,
                c.court,
                C::FileCase { track: [Track::SmallClaims, Track::Simple, Track::Ordinary][rng.below(3)], number: Some(civil_number(c.court, today, n)) },
            ));
            if depth >= 7 {
                plan.push((
                    20 + rng.below(40) as i64,
                    c.court,
                    C::ConcludeLitigation { outcome: [LitigationOutcome::Mediated, LitigationOutcome::Judged][rng.below(2)] },
                ));
            }
        }
    } else if depth >= 4 {
        let term = Term {
            kind: TermKind::Payment,
            text: "分期给付款项".into(),
            amount: Some(500 * (1 + rng.below(40) as u64)),
            due: Some(today + Duration::days(30)),
            performance: None,
        };
        plan.push((3 + rng.below(10) as i64, mediator, C::Agree { terms: vec![term], partial: false, facts: "双方确认基本事实".into() }));
        if depth >= 5 {
            for i in &all {
                plan.push((0, mediator, C::Sign { signer: Signer::Party(*i) }));
            }
            plan.push((0, mediator, C::Sign { signer: Signer::Mediator }));
            plan.push((0, mediator, C::Sign { signer: Signer::Seal }));
        }
        let confirm = rng.below(3) == 0;
        if depth >= 6 && confirm {
            plan.push((2 + rng.below(10) as i64, mediator, C::ApplyForConfirmation { court: c.court, applicants: all.clone() }));
            plan.push((rng.below(2) as i64, c.court, C::Receive));
            plan.push((rng.below(3) as i64, c.court, C::AcceptConfirmation { number: Some(special_number(c.court, today, n)) }));
            if depth >= 7 || rng.below(2) == 0 {
                plan.push((3 + rng.below(10) as i64, c.court, C::Rule { ruling: Ruling::Valid }));
            }
        }
        if depth >= 7 {
            let performance =
                [Performance::Performed, Performance::Performed, Performance::Performed, Performance::Partly, Performance::Defaulted][rng.below(5)];
            plan.push((10 + rng.below(20) as i64, mediator, C::RecordPerformance { term: 0, performance }));
            let satisfaction = [Satisfaction::Satisfied, Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Unsatisfied][rng.below(4)];
            plan.push((1 + rng.below(5) as i64, mediator, C::FollowUp { satisfaction, note: "电话回访".into() }));
            plan.push((0, mediator, C::Close));
        }
    }
    if depth == 1 && rng.below(4) == 0 {
        plan.push((2, intake, C::Withdraw { reason: "当事人自行和解".into() }));
    }
    // Open disputes reach their last step in the last days; closed ones lie anywhere in the
    // three months.
    let span: i64 = plan.iter().map(|(gap, ..)| *gap).sum();
    let closed = depth >= 7;
    // Some open ones have lingered past their clock: the overdue a committee must see.
    let back = if closed {
        span + rng.below(60) as i64
    } else if rng.below(6) == 0 {
        span + 25 + rng.below(30) as i64
    } else {
        span + rng.below(4) as i64
    };
    let (d, events, times) = super::run_plan(
        plan,
        (today - Duration::days(back.min(90)), today),
        rng,
        (9, 8),
        |d, cmd, actor, now| decide(d, cmd, actor, now, cal),
        apply,
        |_| false,
    );
    let d = d.ok_or_else(|| AppError::Internal("a demo dispute was not registered".into()))?;
    let mut write = crate::app::disputes::projection(&d, &events, cal)?;
    write.event_times = times;
    Ok(write)
}

fn special_number(court: UnitRef, today: Date, n: usize) -> String {
    xiezhi_core::case::numbering::agency_number(xiezhi_core::case::numbering::Register::CivilSpecial, court.region, today.year(), n as u64 + 1)
}

fn civil_number(court: UnitRef, today: Date, n: usize) -> String {
    xiezhi_core::case::numbering::agency_number(xiezhi_core::case::numbering::Register::CivilFirstInstance, court.region, today.year(), n as u64 + 1)
}
