//! Case pages: list and inbox, one case with its timeline and actions, registration, and the
//! committee's supervision view.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::api::cases::{register_case, run_command, scope, unit_ref, visible, NewCaseRequest, STAGES};
use crate::auth::authorize;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_time, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::Duration;
use xiezhi_core::case::{available, clocks, Custody, Person};
use xiezhi_core::{Action, RegionCode, UnitKind};
use xiezhi_store::{CaseFilter, CaseRecord, Principal, Store, UnitFilter};

pub struct CaseRow {
    id: i64,
    case_no: String,
    title: String,
    stage: &'static str,
    holder: String,
    due: String,
    provisional: bool,
    overdue: bool,
    approaching: bool,
    pending_for_me: bool,
}

async fn unit_name<S: Store>(st: &AppState<S>, lang: Lang, id: i64, cache: &mut BTreeMap<i64, String>) -> String {
    if let Some(n) = cache.get(&id) {
        return n.clone();
    }
    let name = match st.store.unit(id).await {
        Ok(u) if lang == Lang::En => u.name_en,
        Ok(u) => u.name,
        Err(_) => format!("#{id}"),
    };
    cache.insert(id, name.clone());
    name
}

async fn rows<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, cases: &[CaseRecord]) -> Vec<CaseRow> {
    let today = st.clock.china().date().to_string();
    let soon = (st.clock.china().date() + Duration::days(3)).to_string();
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for c in cases {
        let due = c.due_date.clone().unwrap_or_default();
        out.push(CaseRow {
            id: c.id,
            case_no: c.case_no.clone(),
            title: c.title.clone(),
            stage: lang.stage(&c.stage),
            holder: unit_name(st, lang, c.holder_unit_id, &mut names).await,
            provisional: c.due_provisional,
            overdue: !due.is_empty() && due < today,
            approaching: !due.is_empty() && due >= today && due <= soon,
            due,
            pending_for_me: c.pending_unit_id == Some(p.unit.id),
        });
    }
    out
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    title: &'static str,
    cases: Vec<CaseRow>,
    counts: Vec<(&'static str, i64)>,
    stages: Vec<(&'static str, &'static str, bool)>,
    within: String,
    overdue_only: bool,
    can_register: bool,
    inbox: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    stage: Option<String>,
    within: Option<String>,
    overdue: Option<String>,
}

pub async fn list<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Html<String>, PageError> {
    let stage = q.stage.filter(|s| STAGES.contains(&s.as_str()));
    let within = q.within.unwrap_or_default();
    let overdue_only = crate::api::deadlines::parse_flag("overdue", q.overdue.as_deref())?;
    let today = st.clock.china().date();
    let due_by = if overdue_only {
        Some(today - Duration::days(1))
    } else if within.trim().is_empty() {
        None
    } else {
        let n: i64 = within
            .trim()
            .parse()
            .ok()
            .filter(|n| (0..=crate::api::cases::MAX_DUE_WITHIN).contains(n))
            .ok_or_else(|| AppError::field("within", format!("must be a number of days from 0 to {}", crate::api::cases::MAX_DUE_WITHIN)))?;
        Some(today + Duration::days(n))
    };
    let filter = CaseFilter { stage: stage.clone(), due_by: due_by.map(|d| d.to_string()), limit: 200, ..scope(&p) };
    let cases = st.store.cases(filter).await?;
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for c in st.store.case_counts(scope(&p)).await? {
        if let Some(s) = STAGES.iter().find(|s| **s == c.stage) {
            *counts.entry(s).or_default() += c.cases;
        }
    }
    render(&CasesPage {
        title: lang.texts().nav_cases,
        cases: rows(&st, lang, &p, &cases).await,
        counts: STAGES.iter().filter_map(|s| counts.get(s).map(|n| (lang.stage(s), *n))).collect(),
        stages: STAGES.iter().map(|s| (*s, lang.stage(s), stage.as_deref() == Some(*s))).collect(),
        within,
        overdue_only,
        can_register: p.unit.kind == UnitKind::Police && p.actor().authorize(Action::ActOnCases).is_ok(),
        inbox: false,
        chrome: Chrome::new(lang, "/cases", Some(&p), &st),
    })
}

pub async fn inbox<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    let cases: Vec<CaseRecord> = st
        .store
        .cases(CaseFilter { unit_id: Some(p.unit.id), limit: 1000, ..Default::default() })
        .await?
        .into_iter()
        .filter(|c| c.pending_unit_id == Some(p.unit.id))
        .collect();
    render(&CasesPage {
        title: lang.texts().nav_inbox,
        cases: rows(&st, lang, &p, &cases).await,
        counts: vec![],
        stages: vec![],
        within: String::new(),
        overdue_only: false,
        can_register: false,
        inbox: true,
        chrome: Chrome::new(lang, "/inbox", Some(&p), &st),
    })
}

#[derive(Deserialize)]
pub struct RegisterForm {
    case_no: String,
    title: String,
    person: String,
    custody: String,
}

pub async fn register<S: Store>(State(st): State<AppState<S>>, PageForm(p, f): PageForm<RegisterForm>) -> Result<Response, PageError> {
    let custody: Custody = serde_json::from_value(json!(f.custody)).map_err(|_| AppError::field("custody", "unknown custody"))?;
    let persons = if f.person.trim().is_empty() { vec![] } else { vec![Person { name: f.person.trim().into(), custody }] };
    let (r, ..) = register_case(&st, &p, NewCaseRequest { case_no: f.case_no, title: f.title, persons }).await?;
    Ok(see_other(&format!("/cases/{}", r.id)))
}

pub struct ClockRow {
    rule: String,
    unit: String,
    due: String,
    provisional: bool,
    rolled_from: String,
    basis: String,
    overdue: bool,
}

pub struct TimelineRow {
    index: i64,
    at: String,
    kind: String,
    unit: String,
}

pub struct ActionForm {
    command: &'static str,
    label: &'static str,
    /// Units the command may go to (for hand-overs).
    targets: Vec<(i64, String)>,
    reason: bool,
    plea: bool,
    procedure: bool,
    extension: bool,
    collaboration: bool,
}

pub struct DocumentRow {
    name: String,
    category: &'static str,
    size: String,
    href: String,
    sha: String,
}

pub struct MessageRow {
    at: String,
    kind: &'static str,
    from: String,
    text: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
    case_no: String,
    title: String,
    stage: &'static str,
    holder: String,
    procedure: String,
    returns: u8,
    handover: String,
    persons: Vec<(String, &'static str)>,
    clocks: Vec<ClockRow>,
    timeline: Vec<TimelineRow>,
    actions: Vec<ActionForm>,
    messages: Vec<MessageRow>,
    documents: Vec<DocumentRow>,
    can_upload: bool,
    numbers: Vec<(String, String)>,
    /// People whose custody the holder may change, for the custody form.
    custody_people: Vec<(usize, String)>,
}

/// Units a hand-over command may be addressed to.
async fn targets<S: Store>(st: &AppState<S>, lang: Lang, kind: UnitKind, region: RegionCode) -> Result<Vec<(i64, String)>, PageError> {
    let units = st.store.list_units(UnitFilter { region: Some(region), kind: Some(kind), ..Default::default() }).await?;
    Ok(units.into_iter().map(|u| (u.id, if lang == Lang::En { u.name_en } else { u.name })).collect())
}

pub async fn show<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = crate::api::path_id("id", &id)?;
    let (r, c, _) = visible(&st, &p, id).await?;
    let mut names = BTreeMap::new();
    let today = st.clock.china().date();
    let mut clock_rows = Vec::new();
    for k in clocks(&c, &st.calendar()) {
        let unit = unit_name(&st, lang, k.unit.id, &mut names).await;
        clock_rows.push(match k.due {
            Ok(d) => ClockRow {
                overdue: d.due.date() < today,
                rule: k.rule,
                unit,
                due: d.due.to_string(),
                provisional: d.provisional,
                rolled_from: d.rolled_from.map(|x| x.to_string()).unwrap_or_default(),
                basis: d.basis.join("；"),
            },
            Err(e) => ClockRow { rule: k.rule, unit, due: "—".into(), provisional: false, rolled_from: String::new(), basis: e, overdue: false },
        });
    }
    let mut timeline = Vec::new();
    let mut messages = Vec::new();
    for e in st.store.events_of(&format!("case:{id}"), 1000).await? {
        if e.kind == "case.collaborated" {
            let v: Value = serde_json::from_str(&e.payload).unwrap_or_default();
            let from = v["from"]["id"].as_i64().unwrap_or_default();
            messages.push(MessageRow {
                at: format_time(e.at),
                kind: match v["kind"].as_str() {
                    Some("early_intervention") => lang.pick("提前介入", "Early intervention"),
                    Some("clue_transfer") => lang.pick("线索移交", "Clue transfer"),
                    _ => lang.pick("案件会商", "Consultation"),
                },
                from: unit_name(&st, lang, from, &mut names).await,
                text: v["text"].as_str().unwrap_or_default().to_string(),
            });
        }
        let unit = match e.unit_id {
            Some(u) => unit_name(&st, lang, u, &mut names).await,
            None => "—".into(),
        };
        timeline.push(TimelineRow { index: e.seq, at: format_time(e.at), kind: e.kind, unit });
    }
    let mut actions = Vec::new();
    if p.actor().authorize(Action::ActOnCases).is_ok() {
        let actor = unit_ref(&p.unit);
        for name in available(&c, actor, st.clock.china(), &st.calendar()) {
            let targets = match name {
                "request_arrest_approval" | "transfer_for_prosecution" => targets(&st, lang, UnitKind::Procuratorate, actor.region).await?,
                "indict" => {
                    let court = match actor.region.level() {
                        xiezhi_core::RegionLevel::County => UnitKind::CourtBasic,
                        xiezhi_core::RegionLevel::City => UnitKind::CourtIntermediate,
                        xiezhi_core::RegionLevel::Province => UnitKind::CourtHigh,
                    };
                    targets(&st, lang, court, actor.region).await?
                }
                "appeal" => {
                    let higher = if actor.kind == UnitKind::CourtBasic { UnitKind::CourtIntermediate } else { UnitKind::CourtHigh };
                    targets(&st, lang, higher, actor.region.parent().unwrap_or(actor.region)).await?
                }
                "hand_over_for_execution" => targets(&st, lang, UnitKind::JusticeBureau, c.investigator.region).await?,
                "collaborate" => {
                    let other = if actor.kind == UnitKind::Police { UnitKind::Procuratorate } else { UnitKind::Police };
                    targets(&st, lang, other, actor.region).await?
                }
                _ => vec![],
            };
            actions.push(ActionForm {
                command: name,
                label: lang.command(name),
                targets,
                reason: matches!(
                    name,
                    "return_handover" | "refuse_arrest" | "return_for_supplementary_investigation" | "decline_prosecution" | "withdraw" | "extend"
                ),
                plea: name == "accept_for_review",
                procedure: matches!(name, "accept_for_trial" | "convert_procedure"),
                extension: name == "extend",
                collaboration: name == "collaborate",
            });
        }
    }
    let handover = match &c.handover {
        Some(h) => format!(
            "{} → {}（{}{}）",
            unit_name(&st, lang, h.from.id, &mut names).await,
            unit_name(&st, lang, h.to.id, &mut names).await,
            h.sent,
            h.received.map(|d| format!(" · {} {d}", lang.pick("已签收", "received"))).unwrap_or_default()
        ),
        None => String::new(),
    };
    render(&CasePage {
        id,
        case_no: r.case_no.clone(),
        title: r.title.clone(),
        stage: lang.stage(&r.stage),
        holder: unit_name(&st, lang, r.holder_unit_id, &mut names).await,
        procedure: c.procedure.and_then(|x| serde_json::to_value(x).ok()).and_then(|v| v.as_str().map(|s| lang.procedure(s).to_string())).unwrap_or_default(),
        returns: c.returns,
        handover,
        persons: c
            .persons
            .iter()
            .map(|x| {
                (x.name.clone(), lang.custody(serde_json::to_value(x.custody).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default().as_str()))
            })
            .collect(),
        clocks: clock_rows,
        timeline,
        actions,
        messages,
        documents: c
            .documents
            .iter()
            .map(|d| DocumentRow {
                name: d.name.clone(),
                category: match serde_json::to_value(d.category).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref() {
                    Some("procedural_document") => lang.pick("诉讼文书", "Procedural document"),
                    Some("evidence") => lang.pick("证据材料", "Evidence"),
                    Some("legal_instrument") => lang.pick("法律文书", "Legal instrument"),
                    _ => lang.pick("其他", "Other"),
                },
                size: format!("{:.1} KiB", d.size as f64 / 1024.0),
                href: format!("/cases/{id}/documents/{}", d.sha256),
                sha: d.sha256[..12].to_string(),
            })
            .collect(),
        can_upload: c.holder.id == p.unit.id && p.actor().authorize(Action::ActOnCases).is_ok(),
        numbers: {
            let mut v = Vec::new();
            for (u, n) in &c.numbers {
                v.push((unit_name(&st, lang, u.id, &mut names).await, n.clone()));
            }
            v
        },
        custody_people: if c.holder.id == p.unit.id && !c.stage.is_closed() && p.actor().authorize(Action::ActOnCases).is_ok() {
            c.persons.iter().enumerate().map(|(i, x)| (i, x.name.clone())).collect()
        } else {
            vec![]
        },
        chrome: Chrome::new(lang, &format!("/cases/{id}"), Some(&p), &st),
    })
}

#[derive(Deserialize)]
pub struct CommandForm {
    command: String,
    to: Option<String>,
    reason: Option<String>,
    plea: Option<String>,
    procedure: Option<String>,
    approver: Option<String>,
    major: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    person: Option<String>,
    custody: Option<String>,
}

pub async fn command<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<CommandForm>) -> Result<Response, PageError> {
    let id = crate::api::path_id("id", &id)?;
    let mut body = json!({"command": f.command});
    if let Some(to) = f.to.filter(|s| !s.is_empty()) {
        body["to"] = json!(to.parse::<i64>().map_err(|_| AppError::field("to", "choose a receiving unit"))?);
    }
    match f.command.as_str() {
        "accept_for_review" => body["plea"] = json!(crate::api::deadlines::parse_flag("plea", f.plea.as_deref())?),
        "accept_for_trial" => body["procedure"] = json!(f.procedure.unwrap_or_else(|| "ordinary".into())),
        "convert_procedure" => body["to"] = json!(f.procedure.unwrap_or_else(|| "ordinary".into())),
        "extend" => {
            body["approver"] = json!(f.approver.unwrap_or_default());
            body["reason"] = json!(f.reason.clone().unwrap_or_default());
            body["major"] = json!(crate::api::deadlines::parse_flag("major", f.major.as_deref())?);
        }
        "collaborate" => {
            body["kind"] = json!(f.kind.unwrap_or_else(|| "consultation".into()));
            body["text"] = json!(f.text.unwrap_or_default());
        }
        "set_custody" => {
            body["person"] = json!(f.person.unwrap_or_default().parse::<usize>().map_err(|_| AppError::field("person", "choose a person"))?);
            body["custody"] = json!(f.custody.unwrap_or_default());
        }
        _ => {}
    }
    if let Some(reason) = f.reason {
        body.as_object_mut().map(|o| o.entry("reason").or_insert(Value::String(reason)));
    }
    run_command(&st, &p, id, body).await?;
    Ok(see_other(&format!("/cases/{id}")))
}

pub struct RegionRow {
    code: String,
    name: String,
    href: String,
    counts: Vec<i64>,
    total: i64,
    overdue: i64,
}

#[derive(Template)]
#[template(path = "committee.html")]
struct CommitteePage {
    chrome: Chrome,
    name: String,
    stages: Vec<&'static str>,
    regions: Vec<RegionRow>,
    overdue: Vec<CaseRow>,
    approaching: Vec<CaseRow>,
}

#[derive(Deserialize)]
pub struct RegionQuery {
    region: Option<String>,
}

/// Counts by stage for each child region, and the overdue and approaching cases.
pub async fn committee<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<RegionQuery>,
) -> Result<Html<String>, PageError> {
    let region = match q.region {
        Some(r) => RegionCode::parse("region", &r)?,
        None => p.unit.region,
    };
    authorize(&st, &p, Action::ViewCase { region, involved: false }).await?;
    let here = st.store.region(region).await?;
    let children = st.store.child_regions(Some(region)).await?;
    let today = st.clock.china().date();
    let counts = st
        .store
        .case_counts(CaseFilter { region_prefix: Some(region.subtree_prefix()), due_by: Some((today - Duration::days(1)).to_string()), ..Default::default() })
        .await?;
    let open: Vec<&str> = STAGES[..7].to_vec();
    let mut regions = Vec::new();
    for child in children
        .iter()
        .map(|c| (c.code, if lang == Lang::En { c.name_en.clone() } else { c.name.clone() }))
        .chain(std::iter::once((region, here.name.clone())).filter(|_| children.is_empty()))
    {
        let prefix = child.0.subtree_prefix();
        let mine: Vec<_> = counts.iter().filter(|c| c.region.starts_with(&prefix)).collect();
        let by_stage: Vec<i64> = open.iter().map(|s| mine.iter().filter(|c| c.stage == *s).map(|c| c.cases).sum()).collect();
        regions.push(RegionRow {
            code: child.0.to_string(),
            name: child.1,
            href: format!("/supervision?region={}", child.0),
            total: by_stage.iter().sum(),
            overdue: mine.iter().filter(|c| open.contains(&c.stage.as_str())).map(|c| c.due).sum(),
            counts: by_stage,
        });
    }
    let scope = CaseFilter { region_prefix: Some(region.subtree_prefix()), limit: 50, ..Default::default() };
    let overdue = st.store.cases(CaseFilter { due_by: Some((today - Duration::days(1)).to_string()), ..scope.clone() }).await?;
    let soon: Vec<CaseRecord> = st
        .store
        .cases(CaseFilter { due_by: Some((today + Duration::days(3)).to_string()), ..scope })
        .await?
        .into_iter()
        .filter(|c| c.due_date.as_deref().is_some_and(|d| d >= today.to_string().as_str()))
        .collect();
    render(&CommitteePage {
        name: if lang == Lang::En { here.name_en.clone() } else { here.name.clone() },
        stages: open.iter().map(|s| lang.stage(s)).collect(),
        regions,
        overdue: rows(&st, lang, &p, &overdue).await,
        approaching: rows(&st, lang, &p, &soon).await,
        chrome: Chrome::new(lang, "/supervision", Some(&p), &st),
    })
}

/// Upload a document from the page (multipart form with the session's CSRF token).
pub async fn upload<S: Store>(
    State(st): State<AppState<S>>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let id = crate::api::path_id("id", &id)?;
    let (mut csrf, mut name, mut category, mut file) = (String::new(), String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|e| AppError::field("form", e.to_string()))? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(|e| AppError::field("csrf", e.to_string()))?,
            "name" => name = field.text().await.map_err(|e| AppError::field("name", e.to_string()))?,
            "category" => category = field.text().await.map_err(|e| AppError::field("category", e.to_string()))?,
            "file" => {
                let file_name = field.file_name().unwrap_or("").to_string();
                let content_type = field.content_type().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| AppError::field("file", e.to_string()))?;
                file = Some((file_name, content_type, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if csrf.is_empty() || csrf != p.csrf_token {
        return Err(AppError::Csrf.into());
    }
    let (file_name, content_type, bytes) = file.ok_or_else(|| AppError::field("file", "choose a file"))?;
    let name = if name.trim().is_empty() { file_name } else { name };
    crate::api::cases::add_document(&st, &p, id, &name, &category, &content_type, bytes).await?;
    Ok(see_other(&format!("/cases/{id}")))
}

pub async fn download<S: Store>(State(st): State<AppState<S>>, PageUser(p): PageUser, Path((id, sha)): Path<(String, String)>) -> Result<Response, PageError> {
    Ok(crate::api::cases::document_response(&st, &p, crate::api::path_id("id", &id)?, &sha).await?)
}
