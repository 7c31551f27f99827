//! Seeding the demo province into a store.

mod disputes;
mod tickets;
pub use disputes::seed_disputes;
pub use tickets::seed_tickets;

use crate::auth::hash_password;
use crate::error::AppError;
use time::{Date, PrimitiveDateTime};
use xiezhi_core::case::{apply, decide, Custody, UnitRef};
use xiezhi_core::demo::Rng;
use xiezhi_core::{demo, Calendar, Password, RegionCode, RegionLevel, UnitKind};
use xiezhi_store::{By, CaseWrite, NewUnit, NewUser, Region, SeedOrg, SeedReport, Store, UnitFilter};

/// The published password of every demo account.
pub const DEMO_PASSWORD: &str = "xiezhi-demo";

/// Marks a database that holds demo accounts with the published password.
pub const DEMO_META_KEY: &str = "demo_seed";

/// The demo province as rows to insert. Every demo user shares one password hash: the
/// password is published, so separate salts would protect nothing and cost a second each.
pub fn seed_org(seed: u64) -> Result<SeedOrg, AppError> {
    let hash = hash_password(&Password::parse("password", DEMO_PASSWORD).expect("demo password is valid"))?;
    let org = demo::province(seed);
    Ok(SeedOrg {
        regions: org.regions.into_iter().map(|r| Region { code: r.code, parent: r.parent, level: r.level, name: r.name, name_en: r.name_en }).collect(),
        units: org.units.into_iter().map(|u| NewUnit { region: u.region, kind: u.kind, name: u.name, name_en: u.name_en }).collect(),
        users: org
            .users
            .into_iter()
            .map(|u| (u.unit_name, NewUser { unit_id: 0, username: u.username, display_name: u.display_name, password_hash: hash.clone(), roles: u.roles }))
            .collect(),
        meta: vec![(DEMO_META_KEY.into(), seed.to_string())],
    })
}

/// Seed the demo province into an empty database.
pub async fn seed<S: Store>(store: &S, seed: u64, now: i64) -> Result<SeedReport, AppError> {
    if store.counts().await?.regions > 0 {
        return Err(AppError::Duplicate("this database already holds an organisation; the demo province goes into an empty database".into()));
    }
    Ok(store.seed(seed_org(seed)?, By::system(now)).await?)
}

/// Cases for the demo province, made through the case machine itself so that every case has
/// its whole history as events: spread over regions, stages and dates in 2026 up to `today`.
pub async fn seed_cases<S: Store>(store: &S, cal: &Calendar, n: usize, seed: u64, today: Date, mut progress: impl FnMut(usize)) -> Result<usize, AppError> {
    use std::collections::HashMap;
    let mut units: HashMap<(RegionCode, UnitKind), UnitRef> = HashMap::new();
    for kind in [UnitKind::Police, UnitKind::Procuratorate, UnitKind::CourtBasic, UnitKind::CourtIntermediate, UnitKind::JusticeBureau] {
        for u in store.list_units(UnitFilter { kind: Some(kind), limit: 5000, ..Default::default() }).await? {
            units.entry((u.region, kind)).or_insert(UnitRef { id: u.id, kind, region: u.region });
        }
    }
    let mut counties: Vec<RegionCode> = units.keys().filter(|(r, k)| *k == UnitKind::Police && r.level() == RegionLevel::County).map(|(r, _)| *r).collect();
    counties.sort();
    if counties.is_empty() {
        return Err(AppError::Invalid { field: None, message: "no county police units: seed the demo province first".into() });
    }
    let existing = store.counts().await?.cases as usize;
    // Cases are made through the machine on one core while the other writes the previous batch.
    // Large runs write large batches: every batch rewrites the index pages its cases land on,
    // scattered over each index, so fewer, larger batches write each such page fewer times.
    let batch_size = (n / 50).clamp(2000, 20_000);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<CaseWrite>, AppError>>(2);
    let cal = cal.clone();
    let maker = tokio::task::spawn_blocking(move || {
        let mut rng = Rng(seed ^ 0x5EED_CA5E);
        let mut batch = Vec::with_capacity(batch_size);
        for i in 0..n {
            let county = counties[rng.below(counties.len())];
            let city = county.parent().expect("a county has a city");
            let u = |r, k| units.get(&(r, k)).copied();
            let (Some(police), Some(proc_), Some(court), Some(higher), Some(justice)) = (
                u(county, UnitKind::Police),
                u(county, UnitKind::Procuratorate),
                u(county, UnitKind::CourtBasic),
                u(city, UnitKind::CourtIntermediate),
                u(county, UnitKind::JusticeBureau),
            ) else {
                continue;
            };
            match one_case(&mut rng, &cal, today, i + existing, [police, proc_, court, higher, justice]) {
                Ok(write) => batch.push(write),
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
            if batch.len() == batch_size && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err() {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
    });
    let mut done = 0;
    while let Some(batch) = rx.recv().await {
        done += store.import_cases(batch?, By::system(crate::state::now_us())).await?;
        progress(done);
    }
    maker.await.map_err(|e| AppError::Internal(format!("demo case maker: {e}")))?;
    // The demo numbers its cases 1, 2, 3 … across the province: new cases' numbers come after.
    store.raise_serials(today.year(), (existing + n) as i64).await?;
    Ok(done)
}

/// A demo item's history: each step of the plan (days after the previous step, who, what) is
/// decided by the machine at a working hour (`hours`: the first hour and how many follow) on its
/// day, from the first of `days` until the second (today), a refusal, or `done`. The state, its events and when each
/// happened (µs). Every demo module builds its items through this one loop.
fn run_plan<St, C, E, R>(
    plan: Vec<(i64, UnitRef, C)>,
    (start, today): (Date, Date),
    rng: &mut Rng,
    hours: (u8, usize),
    decide: impl Fn(Option<&St>, &C, UnitRef, PrimitiveDateTime) -> Result<Vec<E>, R>,
    apply: impl Fn(Option<St>, &E) -> Option<St>,
    done: impl Fn(&St) -> bool,
) -> (Option<St>, Vec<E>, Vec<i64>) {
    let (mut state, mut events, mut times) = (None, Vec::new(), Vec::new());
    let mut day = start;
    for (gap, actor, cmd) in plan {
        let next = day + time::Duration::days(gap);
        if next > today {
            break;
        }
        day = next;
        let now = PrimitiveDateTime::new(day, time::Time::from_hms(hours.0 + rng.below(hours.1) as u8, rng.below(60) as u8, 0).expect("a time"));
        let Ok(new) = decide(state.as_ref(), &cmd, actor, now) else { break };
        for e in &new {
            state = apply(state, e);
        }
        times.extend(std::iter::repeat_n((now.assume_offset(time::UtcOffset::from_hms(8, 0, 0).expect("+8")).unix_timestamp_nanos() / 1000) as i64, new.len()));
        events.extend(new);
        if state.as_ref().is_some_and(&done) {
            break;
        }
    }
    (state, events, times)
}

/// The 案由 of each of [`TITLES`], from the catalogue of charges.
const DEMO_CHARGES: &[&str] = &[
    "盗窃罪",
    "诈骗罪",
    "故意伤害罪",
    "危险驾驶罪",
    "寻衅滋事罪",
    "非法吸收公众存款罪",
    "帮助信息网络犯罪活动罪",
    "开设赌场罪",
    "交通肇事罪",
    "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
];

const TITLES: &[&str] = &[
    "盗窃案",
    "诈骗案",
    "故意伤害案",
    "危险驾驶案",
    "寻衅滋事案",
    "非法吸收公众存款案",
    "帮助信息网络犯罪活动案",
    "开设赌场案",
    "交通肇事案",
    "掩饰、隐瞒犯罪所得案",
];

fn one_case(
    rng: &mut Rng,
    cal: &Calendar,
    today: Date,
    n: usize,
    [police, proc_, court, higher, justice]: [UnitRef; 5],
) -> Result<xiezhi_store::CaseWrite, AppError> {
    use xiezhi_core::case::numbering::{agency_number, Register};
    use xiezhi_core::case::{Command as C, Deprivation, Finding, Procedure, Punishment, Verdict};
    // How far this case has got, weighted like a real caseload.
    let depth = [0, 0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 7, 8, 8, 8, 8][rng.below(16)];
    let detained = rng.below(10) < 6;
    let plea = rng.below(10) < 4;
    let person = || xiezhi_core::case::Person {
        name: format!("{}某", xiezhi_core::demo::SURNAMES[(n * 7 + 3) % xiezhi_core::demo::SURNAMES.len()]),
        custody: if detained { Custody::Detained } else { Custody::Bail },
        id_number: None,
    };
    let mut plan: Vec<(i64, UnitRef, C)> = vec![(
        0,
        police,
        C::Register {
            case_no: agency_number(Register::PoliceFiling, police.region, today.year(), n + 1),
            title: TITLES[n % TITLES.len()].into(),
            persons: vec![person()],
            charge: Some(DEMO_CHARGES[n % DEMO_CHARGES.len()].into()),
        },
    )];
    if detained {
        plan.extend([
            (1 + rng.below(2) as i64, police, C::RequestArrestApproval { to: proc_ }),
            (0, proc_, C::Receive),
            (2 + rng.below(4) as i64, proc_, C::ApproveArrest),
        ]);
    }
    // Sentences as a basic court gives them: many suspended, some imprisonment, some 拘役, a few
    // fines alone.
    let guilty = |punishment: Option<Punishment>, term: Option<u16>, probation: Option<u16>, fine: Option<u64>| Verdict {
        finding: Finding::Guilty,
        punishment,
        term_months: term,
        probation_months: probation,
        fine_yuan: fine,
        ..Verdict::not_guilty(0)
    };
    let sentence = match rng.below(10) {
        0..=3 => {
            let term = 6 + rng.below(31) as u16;
            guilty(Some(Punishment::FixedTerm), Some(term), Some(term.max(12) + rng.below(12) as u16), Some(2000))
        }
        4..=7 => {
            let term = 6 + rng.below(115) as u16;
            let mut v = guilty(Some(Punishment::FixedTerm), Some(term), None, Some(5000));
            // Longer sentences (robbery, say) often add deprivation of political rights (CL 56).
            if term > 84 {
                v.political_rights = Some(Deprivation::Months(12 * (1 + term % 5)));
            }
            v
        }
        8 => guilty(Some(Punishment::CriminalDetention), Some(1 + rng.below(6) as u16), None, None),
        _ => guilty(None, None, None, Some(3000 + 1000 * rng.below(10) as u64)),
    };
    let mut stages: Vec<Vec<(i64, UnitRef, C)>> = vec![
        vec![
            (10 + rng.below(40) as i64, police, C::TransferForProsecution { to: proc_ }),
            (rng.below(2) as i64, proc_, C::Receive),
            (0, proc_, C::AcceptForReview { plea, number: Some(agency_number(Register::ProsecutionReview, proc_.region, today.year(), n as u64 + 1)) }),
        ],
        vec![],
        vec![],
        vec![(5 + rng.below(20) as i64, proc_, C::Indict { to: court }), (rng.below(2) as i64, court, C::Receive)],
        vec![(
            1,
            court,
            C::AcceptForTrial {
                procedure: if plea && rng.below(2) == 0 {
                    Procedure::FastTrack
                } else if plea {
                    Procedure::Summary
                } else {
                    Procedure::Ordinary
                },
                number: Some(agency_number(Register::FirstInstance, court.region, today.year(), n as u64 + 1)),
            },
        )],
        vec![(5 + rng.below(30) as i64, court, C::Judge { verdicts: vec![sentence.clone()] })],
        vec![],
        vec![],
    ];
    if rng.below(10) == 0 {
        stages[1] = vec![
            (5 + rng.below(15) as i64, proc_, C::ReturnForSupplementaryInvestigation { reason: "补充证据".into() }),
            (10 + rng.below(15) as i64, police, C::TransferForProsecution { to: proc_ }),
            (1, proc_, C::Receive),
            (0, proc_, C::AcceptForReview { plea, number: Some(agency_number(Register::ProsecutionReview, proc_.region, today.year(), n as u64 + 1)) }),
        ];
    }
    if rng.below(20) == 0 {
        stages[2] = vec![(10, proc_, C::DeclineProsecution { reason: "犯罪情节轻微".into() })];
    }
    stages[6] = if rng.below(7) == 0 {
        vec![
            (3, court, C::Appeal { to: higher }),
            (2, higher, C::Receive),
            (0, higher, C::AcceptAppeal { number: Some(agency_number(Register::SecondInstance, higher.region, today.year(), n as u64 + 1)) }),
            (20 + rng.below(30) as i64, higher, C::Judge { verdicts: vec![] }),
        ]
    } else {
        vec![(12, court, C::Finalize)]
    };
    let last_court = if matches!(stages[6].first(), Some((_, _, C::Appeal { .. }))) { higher } else { court };
    stages[7] = match sentence.executor() {
        Some(UnitKind::JusticeBureau) => {
            vec![(3, last_court, C::HandOverForExecution { to: justice }), (2, justice, C::Receive), (1, justice, C::AcceptExecution)]
        }
        Some(_) => {
            vec![(3, last_court, C::HandOverForExecution { to: police }), (2, police, C::Receive), (10 + rng.below(20) as i64, police, C::AcceptExecution)]
        }
        // A fine alone: the court executes it, and the case ends when the judgment takes effect.
        None => vec![],
    };
    for s in stages.into_iter().take(depth) {
        plan.extend(s);
    }
    // Open cases reach their last planned step shortly before today, as in a live caseload;
    // closed ones may lie anywhere in the year.
    let span: i64 = plan.iter().map(|(gap, ..)| *gap).sum();
    let first = Date::from_calendar_date(2026, time::Month::January, 5).expect("a date");
    let latest_start = today - time::Duration::days(span);
    let start = if depth == 8 {
        first + time::Duration::days(rng.below(((latest_start - first).whole_days().max(1)) as usize) as i64)
    } else {
        latest_start - time::Duration::days(1 + rng.below(12) as i64)
    };
    let (case, events, times) =
        run_plan(plan, (start.max(first), today), rng, (9, 8), |c, cmd, actor, now| decide(c, cmd, actor, now, cal), apply, |c| c.stage.is_closed());
    let case = case.ok_or_else(|| AppError::Internal("a demo case was not registered".into()))?;
    let mut write = crate::app::cases::projection(&case, &events, cal)?;
    write.event_times = times;
    Ok(write)
}
