//! Work orders for the demo province, made through the ticket machine: every hotline, kind and
//! stage, answered, dispatched, reopened and closed, taken in the two months up to the day the
//! demo is seeded.

use crate::error::AppError;
use std::collections::HashMap;
use time::{Date, Duration};
use xiezhi_core::case::UnitRef;
use xiezhi_core::demo::{Rng, GIVEN, SURNAMES};
use xiezhi_core::dispute::Satisfaction;
use xiezhi_core::ticket::{apply, decide, CallbackChannel, Caller, Channel, Command as C, Emergency, Resolution, TicketKind, Urgency};
use xiezhi_core::{Calendar, RegionCode, RegionLevel, UnitKind};
use xiezhi_store::{By, Store, TicketWrite, UnitFilter};

const MATTERS: &[(&str, TicketKind, bool)] = &[
    ("执行款迟迟未到位", TicketKind::Complaint, true),
    ("派出所出警不及时", TicketKind::Complaint, true),
    ("咨询离婚诉讼流程", TicketKind::Consultation, false),
    ("小区噪音扰民", TicketKind::Help, false),
    ("拖欠农民工工资", TicketKind::Help, false),
    ("举报非法采砂", TicketKind::Report, true),
    ("建议增设法律服务站", TicketKind::Suggestion, false),
    ("表扬调解员耐心细致", TicketKind::Praise, false),
    ("申请法律援助", TicketKind::LegalAid, true),
    ("对不起诉决定申诉", TicketKind::Petition, true),
];

/// What the county's units keep in the knowledge base: (unit kind, question, answer).
const KNOWLEDGE: &[(UnitKind, &str, &str)] = &[
    (
        UnitKind::CourtBasic,
        "咨询离婚诉讼流程",
        "向被告住所地基层人民法院起诉，提交起诉状、结婚证和身份证明；可先申请诉前调解。诉讼费按件交纳，经济困难的可申请缓减免。",
    ),
    (UnitKind::CourtBasic, "怎样查询案件进度", "凭案号和当事人身份信息在诉讼服务中心、12368热线或人民法院在线服务查询。"),
    (UnitKind::JusticeBureau, "怎样申请法律援助", "向司法局法律援助中心提出申请，提交身份证明、经济困难状况说明和案件材料；符合条件的7日内作出决定。"),
    (UnitKind::JusticeBureau, "人民调解收费吗", "人民调解委员会调解民间纠纷不收取任何费用。"),
    (UnitKind::Police, "身份证丢失怎么补办", "携带户口簿到户籍所在地派出所或就近办证点申请补领，可同时办理临时身份证。"),
];

struct County {
    /// Knowledge items of the county's units a consultation is answered from.
    knowledge: Vec<xiezhi_core::ticket::KnowledgeRef>,
    centres: Vec<UnitRef>,
    handlers: Vec<UnitRef>,
    political_legal: Vec<UnitRef>,
}

pub async fn seed_tickets<S: Store>(store: &S, cal: &Calendar, n: usize, seed: u64, today: Date) -> Result<usize, AppError> {
    let mut by_region: HashMap<RegionCode, Vec<UnitRef>> = HashMap::new();
    for u in store.list_units(UnitFilter { limit: 100_000, ..Default::default() }).await? {
        by_region.entry(u.region).or_default().push(UnitRef { id: u.id, kind: u.kind, region: u.region });
    }
    let mut counties: Vec<County> = by_region
        .iter()
        .filter(|(r, _)| r.level() == RegionLevel::County)
        .map(|(_, units)| County {
            knowledge: vec![],
            centres: units.iter().filter(|u| xiezhi_core::ticket::Hotline::of(u.kind).is_some()).copied().collect(),
            handlers: units.iter().filter(|u| !matches!(u.kind, UnitKind::Committee) && xiezhi_core::ticket::Hotline::of(u.kind).is_none()).copied().collect(),
            political_legal: units
                .iter()
                .filter(|u| matches!(u.kind, UnitKind::Police | UnitKind::CourtBasic | UnitKind::Procuratorate | UnitKind::JusticeBureau))
                .copied()
                .collect(),
        })
        .filter(|c| !c.centres.is_empty() && !c.political_legal.is_empty())
        .collect();
    counties.sort_by_key(|c| c.centres[0].region);
    if counties.is_empty() {
        return Ok(0);
    }
    // Each county's court, justice bureau and police keep their answers, valid since before the
    // earliest call the demo makes.
    let since = today - Duration::days(400);
    for c in &mut counties {
        for (kind, question, answer) in KNOWLEDGE {
            let Some(unit) = c.political_legal.iter().find(|u| u.kind == *kind) else { continue };
            let item = xiezhi_store::NewKnowledgeItem {
                unit_id: unit.id,
                region: unit.region,
                question: (*question).into(),
                answer: (*answer).into(),
                valid_from: since.to_string(),
                valid_until: None,
                search_extra: String::new(),
            };
            let k = store.add_knowledge(item, By::system(crate::state::now_us())).await?.value;
            c.knowledge.push(crate::app::knowledge::reference(&k)?);
        }
        // Each police station also still keeps last year's answer on residence transfers, past its
        // last day and not retired: its knowledge base is not kept up to date (H14), which the
        // hotline centre and the committee see on the upkeep page.
        if let Some(police) = c.political_legal.iter().find(|u| u.kind == UnitKind::Police) {
            let old = xiezhi_store::NewKnowledgeItem {
                unit_id: police.id,
                region: police.region,
                question: "户口迁移怎么办理（旧口径）".into(),
                answer: "凭准迁证到迁出地派出所办理迁出（已改为跨省通办，本口径已过期）。".into(),
                valid_from: since.to_string(),
                valid_until: Some((today - Duration::days(30)).to_string()),
                search_extra: String::new(),
            };
            store.add_knowledge(old, By::system(crate::state::now_us())).await?;
        }
    }
    let mut rng = Rng(seed ^ 0x7_1C4E7);
    let mut batch = Vec::new();
    let mut done = 0;
    for _ in 0..n {
        let c = &counties[rng.below(counties.len())];
        batch.push(one(&mut rng, cal, today, c)?);
        if batch.len() == 500 {
            done += store.import_tickets(std::mem::take(&mut batch), By::system(crate::state::now_us())).await?;
        }
    }
    if !batch.is_empty() {
        done += store.import_tickets(batch, By::system(crate::state::now_us())).await?;
    }
    Ok(done)
}

fn one(rng: &mut Rng, cal: &Calendar, today: Date, c: &County) -> Result<(TicketWrite, String), AppError> {
    let centre = c.centres[rng.below(c.centres.len())];
    let (title, kind, law) = MATTERS[rng.below(MATTERS.len())];
    let phone = format!("13{}{:08}", rng.below(10), rng.below(100_000_000));
    let caller = Caller {
        name: Some(format!("{}{}", SURNAMES[rng.below(SURNAMES.len())], GIVEN[rng.below(GIVEN.len())])),
        phone: Some(phone),
        anonymous: false,
        confidential: kind == TicketKind::Report,
        reply_wanted: rng.below(10) != 0,
    };
    let channel = [Channel::Phone, Channel::Phone, Channel::Phone, Channel::Web, Channel::Wechat, Channel::App, Channel::Letter][rng.below(7)];
    let urgency = [Urgency::Normal, Urgency::Normal, Urgency::Normal, Urgency::Urgent, Urgency::Complex][rng.below(5)];
    let lead = if law { c.political_legal[rng.below(c.political_legal.len())] } else { c.handlers[rng.below(c.handlers.len())] };
    let mut plan: Vec<(i64, UnitRef, C)> = vec![(
        0,
        centre,
        C::Register {
            channel,
            kind,
            urgency,
            caller,
            title: title.into(),
            content: "来电人反映情况如题".into(),
            address: String::new(),
            concerns_law: law,
            repeat_of: None,
            limits: vec![],
        },
    )];
    let depth = [0, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6][rng.below(12)];
    if kind == TicketKind::Consultation && rng.below(2) == 0 {
        let item = (!c.knowledge.is_empty()).then(|| c.knowledge[rng.below(c.knowledge.len())].clone());
        plan.push((0, centre, C::AnswerOnCall { answer: "已按知识库口径当场解答".into(), item }));
    } else if rng.below(40) == 0 {
        plan.push((0, centre, C::TransferEmergency { to: Emergency::Police }));
    } else if depth >= 1 {
        plan.push((rng.below(2) as i64, centre, C::Dispatch { lead, assists: vec![], designated: false }));
        if depth >= 2 {
            plan.push((rng.below(2) as i64, lead, C::SignFor));
            plan.push((rng.below(2) as i64, lead, C::FirstContact));
        }
        if depth >= 3 {
            plan.push((
                1 + rng.below(5) as i64,
                lead,
                C::Reply {
                    resolution: [Resolution::Solved, Resolution::Solved, Resolution::Partly, Resolution::Explained][rng.below(4)],
                    text: "已核实处理并答复来电人".into(),
                },
            ));
        }
        if depth >= 4 {
            plan.push((rng.below(2) as i64, centre, C::Review { pass: true, note: String::new() }));
        }
        if depth >= 5 {
            let unhappy = rng.below(6) == 0;
            let satisfaction = if unhappy {
                Satisfaction::Unsatisfied
            } else {
                [Satisfaction::Satisfied, Satisfaction::Satisfied, Satisfaction::BasicallySatisfied][rng.below(3)]
            };
            plan.push((1, centre, C::Callback { channel: CallbackChannel::Phone, reached: true, solved: !unhappy, satisfaction: Some(satisfaction) }));
            if unhappy && depth >= 6 {
                plan.push((3 + rng.below(5) as i64, lead, C::Reply { resolution: Resolution::Solved, text: "重新办理，问题已解决".into() }));
                plan.push((1, centre, C::Review { pass: true, note: String::new() }));
                plan.push((
                    1,
                    centre,
                    C::Callback { channel: CallbackChannel::Phone, reached: true, solved: true, satisfaction: Some(Satisfaction::BasicallySatisfied) },
                ));
            }
        }
    }
    let span: i64 = plan.iter().map(|(g, ..)| *g).sum();
    let closed = depth >= 5;
    let back = if closed {
        span + rng.below(50) as i64
    } else if rng.below(5) == 0 {
        span + 8 + rng.below(10) as i64
    } else {
        span + rng.below(3) as i64
    };
    let (t, events, times) = super::run_plan(
        plan,
        (today - Duration::days(back.min(60)), today),
        rng,
        (8, 12),
        |t, cmd, actor, now| decide(t, cmd, actor, now, cal),
        apply,
        |_| false,
    );
    let t = t.ok_or_else(|| AppError::Internal("a demo order was not taken".into()))?;
    let mut write = crate::app::tickets::projection(&t, &events, cal)?;
    write.event_times = times;
    // Demo callers' query code is 00000000.
    Ok((write, crate::app::tickets::query_hash("demo", "00000000")))
}
