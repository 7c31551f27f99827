//! Criminal cases: register, give commands, read, list, inbox, timeline.
//!
//! The core decides every command (`xiezhi_core::case::decide`); the store writes the events
//! and the case's projection in one transaction, if nobody changed the case meanwhile.

use super::{path_id, ApiJson, ApiQuery};
use crate::auth::{authorize, Signed};
use crate::error::{ApiResult, AppError};
use crate::state::{format_time, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use time::Duration;
use utoipa::{IntoParams, ToSchema};
use xiezhi_core::case::{apply, clocks, decide, Case, Command, Event, UnitRef};
use xiezhi_core::{Action, Calendar};
use xiezhi_store::{CaseFilter, CaseRecord, CaseWrite, Payload, Principal, Store};

pub fn unit_ref(u: &xiezhi_store::Unit) -> UnitRef {
    UnitRef { id: u.id, kind: u.kind, region: u.region }
}

/// The projection of a case after its new events.
pub fn projection(c: &Case, events: &[Event], cal: &Calendar) -> Result<CaseWrite, AppError> {
    // The earliest due date; provisional when that date assumed a calendar year not loaded.
    let due = clocks(c, cal).into_iter().filter_map(|k| k.due.ok()).map(|d| (d.due.date(), d.provisional)).min();
    let mut units: Vec<i64> = c.held_by.iter().chain(&c.involved).map(|u| u.id).collect();
    if let Some(h) = &c.handover {
        units.push(h.to.id);
    }
    let events = events
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).map_err(|err| AppError::Internal(err.to_string()))?;
            let kind = v["event"].as_str().unwrap_or("unknown").to_string();
            Ok((kind, Payload::new(&v)))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(CaseWrite {
        case_no: c.case_no.clone(),
        issuer_unit_id: c.investigator.id,
        title: c.title.clone(),
        region: c.investigator.region,
        stage: c.stage.as_str().into(),
        holder_unit_id: c.holder.id,
        pending_unit_id: c.handover.as_ref().map(|h| h.to.id),
        in_custody: c.in_custody(),
        due_date: due.map(|(d, _)| d.to_string()),
        due_provisional: due.is_some_and(|(_, p)| p),
        state: serde_json::to_string(c).map_err(|e| AppError::Internal(e.to_string()))?,
        units,
        events,
        event_times: vec![],
    })
}

#[derive(Serialize, ToSchema)]
pub struct ClockDto {
    pub rule: String,
    /// The unit that must act by the due date.
    pub unit_id: i64,
    #[schema(format = Date)]
    pub start: String,
    #[schema(format = Date)]
    pub due: Option<String>,
    #[schema(format = Date)]
    pub rolled_from: Option<String>,
    /// The due date assumed weekends only in a year whose holiday calendar is not loaded; it is
    /// recomputed when that year is loaded. The basis names the year.
    pub provisional: bool,
    pub basis: Vec<String>,
    /// Why the due date cannot be computed (only for a clock whose rule is unknown).
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i64,
    pub case_no: String,
    pub title: String,
    pub region: String,
    pub stage: String,
    pub holder_unit_id: i64,
    /// The pending hand-over, if any: kind, from, to, `sent` and `received` (dates, `YYYY-MM-DD`), and the receiver's clock.
    #[schema(value_type = Option<Object>)]
    pub handover: Option<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub persons: Vec<serde_json::Value>,
    pub procedure: Option<String>,
    /// Each agency's own number: `[{"unit_id", "number"}]`.
    #[schema(value_type = Vec<Object>)]
    pub numbers: Vec<serde_json::Value>,
    pub returns: u8,
    pub in_custody: bool,
    pub clocks: Vec<ClockDto>,
    /// The dossier's catalogue: name, category, content type, size, sha256, added by, on.
    #[schema(value_type = Vec<Object>)]
    pub documents: Vec<serde_json::Value>,
    /// Units that hold or held the case.
    pub units: Vec<i64>,
    pub version: i64,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
}

fn case_dto(r: &CaseRecord, c: &Case, units: Vec<i64>, cal: &Calendar, leaves: Vec<i64>) -> CaseDto {
    CaseDto {
        id: r.id,
        case_no: r.case_no.clone(),
        title: r.title.clone(),
        region: r.region.clone(),
        stage: r.stage.clone(),
        holder_unit_id: r.holder_unit_id,
        handover: c.handover.as_ref().and_then(|h| serde_json::to_value(h).ok()),
        persons: c.persons.iter().filter_map(|p| serde_json::to_value(p).ok()).collect(),
        procedure: c.procedure.and_then(|p| serde_json::to_value(p).ok()).and_then(|v| v.as_str().map(str::to_owned)),
        numbers: c.numbers.iter().map(|(u, n)| serde_json::json!({"unit_id": u.id, "number": n})).collect(),
        returns: c.returns,
        in_custody: c.in_custody(),
        clocks: clocks(c, cal)
            .into_iter()
            .map(|k| match k.due {
                Ok(d) => ClockDto {
                    rule: k.rule,
                    unit_id: k.unit.id,
                    start: k.start.to_string(),
                    due: Some(d.due.to_string()),
                    rolled_from: d.rolled_from.map(|d| d.to_string()),
                    provisional: d.provisional,
                    basis: d.basis,
                    error: None,
                },
                Err(e) => ClockDto {
                    rule: k.rule,
                    unit_id: k.unit.id,
                    start: k.start.to_string(),
                    due: None,
                    rolled_from: None,
                    provisional: false,
                    basis: vec![],
                    error: Some(e),
                },
            })
            .collect(),
        documents: c.documents.iter().filter_map(|d| serde_json::to_value(d).ok()).collect(),
        units,
        version: r.version,
        updated_at: format_time(r.updated_at),
        audit_leaves: leaves,
    }
}

fn state_of(r: &CaseRecord) -> Result<Case, AppError> {
    serde_json::from_str(&r.state).map_err(|e| AppError::Internal(format!("case {} state: {e}", r.id)))
}

/// Load a case the principal may see.
pub async fn visible<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<(CaseRecord, Case, Vec<i64>)> {
    let (r, units) = st.store.case_with_units(id).await?.ok_or(AppError::NotFound("case"))?;
    let region = xiezhi_core::RegionCode::parse("region", &r.region).map_err(|e| AppError::Internal(e.to_string()))?;
    authorize(st, p, Action::ViewCase { region, involved: units.contains(&p.unit.id) }).await?;
    let c = state_of(&r)?;
    Ok((r, c, units))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    pub case_no: String,
    pub title: String,
    /// `[{"name": "张某", "custody": "detained"}]`; custody: detained, bail, residential_surveillance, released.
    #[schema(value_type = Vec<Object>)]
    pub persons: Vec<xiezhi_core::case::Person>,
}

/// Register (立案) a criminal case (police).
#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCaseRequest, responses((status = 201, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn register<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseDto>)> {
    let (r, c, units, leaves) = register_case(&st, &p, req).await?;
    Ok((StatusCode::CREATED, Json(case_dto(&r, &c, units, &st.calendar(), leaves))))
}

/// Register a case; shared by the API and the page.
pub async fn register_case<S: Store>(st: &AppState<S>, p: &Principal, req: NewCaseRequest) -> ApiResult<(CaseRecord, Case, Vec<i64>, Vec<i64>)> {
    authorize(st, p, Action::ActOnCases).await?;
    if req.persons.iter().any(|x| x.name.trim().is_empty()) {
        return Err(AppError::field("persons", "every person needs a name"));
    }
    let cmd = Command::Register { case_no: req.case_no, title: req.title, persons: req.persons };
    cmd.check_texts()?;
    let events = decide(None, &cmd, unit_ref(&p.unit), st.clock.china(), &st.calendar())?;
    let c = events.iter().fold(None, apply).ok_or_else(|| AppError::Internal("registration made no case".into()))?;
    let write = projection(&c, &events, &st.calendar())?;
    let by = st.by(p);
    let (mut r, mut units) = written_record(0, write.events.len() as i64, &write, write.event_times.last().copied().unwrap_or(by.at), vec![]);
    let created = st.store.create_case(write, by).await?;
    r.id = created.value;
    units.sort();
    Ok((r, c, units, created.leaves))
}

/// Give a command on a case. The body is the command: `{"command": "transfer_for_prosecution", "to": UNIT_ID}`,
/// `{"command": "receive"}`, `{"command": "return_for_supplementary_investigation", "reason": "…"}`, ….
/// Refusals are 409 (403 when the unit does not hold the case) with `code`, `state` and `rule`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/commands", params(("id" = i64, Path)), request_body(content = Object), responses((status = 200, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<CaseDto>> {
    let (r, c, units, leaves) = run_command(&st, &p, path_id("id", &id)?, body).await?;
    Ok(Json(case_dto(&r, &c, units, &st.calendar(), leaves)))
}

/// Decide and record one command on a case; shared by the API and the page.
pub async fn run_command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, mut body: serde_json::Value) -> ApiResult<(CaseRecord, Case, Vec<i64>, Vec<i64>)> {
    authorize(st, p, Action::ActOnCases).await?;
    // Units are named by id; the machine needs their kind and region.
    if let Some(to) = body.get("to").cloned() {
        let unit_id = to.as_i64().ok_or_else(|| AppError::field("to", "must be a unit id"))?;
        let unit = st.store.unit(unit_id).await.map_err(|_| AppError::field("to", format!("no unit {unit_id}")))?;
        body["to"] = serde_json::to_value(unit_ref(&unit)).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    // An agency taking the case in gets its own number unless it gives one.
    if let Some(name @ ("accept_for_review" | "accept_for_trial" | "accept_appeal")) =
        body.get("command").and_then(|c| c.as_str()).map(str::to_owned).as_deref()
    {
        if body.get("number").is_none_or(|n| n.is_null()) {
            body["number"] = serde_json::json!(crate::demo::agency_number(name, p.unit.region, id as usize));
        }
    }
    let cmd: Command = serde_json::from_value(body).map_err(|e| AppError::field("command", e.to_string()))?;
    match cmd {
        Command::Register { .. } => return Err(AppError::field("command", "register with POST /api/v1/cases")),
        // A dossier entry only ever names content uploaded to this case: a hash given by hand
        // could name another unit's evidence (and then be downloaded from here).
        Command::AddDocument { .. } => {
            return Err(AppError::field("command", format!("add a document by uploading its content: POST /api/v1/cases/{id}/documents")))
        }
        _ => {}
    }
    apply_command(st, p, id, cmd).await
}

/// Decide and record a parsed command on a case the principal may see.
async fn apply_command<S: Store>(st: &AppState<S>, p: &Principal, id: i64, cmd: Command) -> ApiResult<(CaseRecord, Case, Vec<i64>, Vec<i64>)> {
    cmd.check_texts()?;
    let (r, c, units) = visible(st, p, id).await?;
    let events = decide(Some(&c), &cmd, unit_ref(&p.unit), st.clock.china(), &st.calendar())?;
    let next = events.iter().fold(Some(c), apply).ok_or_else(|| AppError::Internal("case vanished".into()))?;
    let mut write = projection(&next, &events, &st.calendar())?;
    // Units are only ever added: the write carries the ones the case does not have yet.
    write.units.retain(|u| !units.contains(u));
    // What the store will hold once the write commits; the answer needs no second read.
    let by = st.by(p);
    let (record, units) = written_record(id, r.version + write.events.len() as i64, &write, by.at, units);
    let written = st.store.update_case(id, r.version, write, by).await?;
    debug_assert_eq!(written.value, record.version);
    Ok((record, next, units, written.leaves))
}

/// The case row and its units as a write leaves them.
fn written_record(id: i64, version: i64, w: &CaseWrite, at: i64, mut units: Vec<i64>) -> (CaseRecord, Vec<i64>) {
    units.extend(&w.units);
    units.sort();
    units.dedup();
    let record = CaseRecord {
        id,
        case_no: w.case_no.clone(),
        title: w.title.clone(),
        region: w.region.to_string(),
        stage: w.stage.clone(),
        holder_unit_id: w.holder_unit_id,
        pending_unit_id: w.pending_unit_id,
        in_custody: w.in_custody,
        due_date: w.due_date.clone(),
        due_provisional: w.due_provisional,
        version,
        state: w.state.clone(),
        updated_at: at,
    };
    (record, units)
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)), responses((status = 200, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "cases")]
pub async fn get_case<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<CaseDto>> {
    let (r, c, units) = visible(&st, &p, path_id("id", &id)?).await?;
    Ok(Json(case_dto(&r, &c, units, &st.calendar(), vec![])))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub stage: Option<String>,
    /// Cases held by this unit.
    pub holder: Option<i64>,
    /// Cases with a clock due within this many days (0: due today or overdue).
    pub due_within: Option<i64>,
    /// Only cases whose clock has run out.
    pub overdue: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub case_no: String,
    pub title: String,
    pub region: String,
    pub stage: String,
    pub holder_unit_id: i64,
    pub pending_unit_id: Option<i64>,
    pub in_custody: bool,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// The due date assumed weekends only in a year whose calendar is not loaded.
    pub due_provisional: bool,
}

fn summary(r: &CaseRecord) -> CaseSummary {
    CaseSummary {
        id: r.id,
        case_no: r.case_no.clone(),
        title: r.title.clone(),
        region: r.region.clone(),
        stage: r.stage.clone(),
        holder_unit_id: r.holder_unit_id,
        pending_unit_id: r.pending_unit_id,
        in_custody: r.in_custody,
        due_date: r.due_date.clone(),
        due_provisional: r.due_provisional,
    }
}

/// The furthest ahead a list looks for what is due: ten years.
pub const MAX_DUE_WITHIN: i64 = 3660;

/// Every stage a case can be in, in the order of the flow.
pub const STAGES: [&str; 10] = [
    "investigation",
    "prosecution_review",
    "supplementary_investigation",
    "trial",
    "appeal_window",
    "second_instance",
    "final",
    "executed",
    "declined",
    "withdrawn",
];

/// The cases a principal may list: a supervising committee's region subtree, otherwise the
/// cases its unit holds or held.
pub fn scope(p: &Principal) -> CaseFilter {
    if p.unit.kind == xiezhi_core::UnitKind::Committee && p.user.roles.contains(&xiezhi_core::Role::Supervisor) {
        CaseFilter { region_prefix: Some(p.unit.region.subtree_prefix()), ..Default::default() }
    } else {
        CaseFilter { unit_id: Some(p.unit.id), ..Default::default() }
    }
}

/// Cases the caller may see: those its unit holds or held; for a supervising committee, every
/// case in its region subtree. Ordered by the earliest due date.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), responses((status = 200, body = [CaseSummary]), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<CaseQuery>) -> ApiResult<Json<Vec<CaseSummary>>> {
    if let Some(stage) = &q.stage {
        if !STAGES.contains(&stage.as_str()) {
            return Err(AppError::field("stage", format!("unknown stage; one of {}", STAGES.join(", "))));
        }
    }
    let today = st.clock.china().date();
    let due_by = match (q.overdue, q.due_within) {
        (Some(true), _) => Some(today - Duration::days(1)),
        (_, Some(n)) if !(0..=MAX_DUE_WITHIN).contains(&n) => {
            return Err(AppError::field("due_within", format!("must be between 0 and {MAX_DUE_WITHIN} days")))
        }
        (_, Some(n)) => Some(today + Duration::days(n)),
        _ => None,
    };
    let filter = CaseFilter {
        stage: q.stage,
        holder_unit_id: q.holder,
        due_by: due_by.map(|d| d.to_string()),
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
        ..scope(&p)
    };
    Ok(Json(st.store.cases(filter).await?.iter().map(summary).collect()))
}

/// Hand-overs waiting for the caller's unit to sign for, accept or return.
#[utoipa::path(get, path = "/api/v1/inbox", responses((status = 200, body = [CaseSummary])), tag = "cases")]
pub async fn inbox<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<CaseSummary>>> {
    let cases = st.store.cases(CaseFilter { pending_for: Some(p.unit.id), limit: 1000, ..Default::default() }).await?;
    Ok(Json(cases.iter().map(summary).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    /// The audit leaf index of the event.
    pub index: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub kind: String,
    pub actor_user_id: Option<i64>,
    pub unit_id: Option<i64>,
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

/// The case's events, oldest first: its whole record.
#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", params(("id" = i64, Path)), responses((status = 200, body = [TimelineEntry]), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "cases")]
pub async fn timeline<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<Vec<TimelineEntry>>> {
    let (r, _, _) = visible(&st, &p, path_id("id", &id)?).await?;
    let events = st.store.events_of(&format!("case:{}", r.id), 10_000).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| TimelineEntry {
                index: e.seq,
                at: format_time(e.at),
                kind: e.kind,
                actor_user_id: e.actor_user_id,
                unit_id: e.unit_id,
                // Read through the machine's event type, so dates recorded in the older
                // `[year, day]` form come out as ISO dates like the rest.
                event: serde_json::from_str::<Event>(&e.payload)
                    .ok()
                    .and_then(|ev| serde_json::to_value(ev).ok())
                    .or_else(|| serde_json::from_str(&e.payload).ok())
                    .unwrap_or_default(),
            })
            .collect(),
    ))
}

/// What a rebuild found.
#[derive(Debug, Default, Serialize)]
pub struct RebuildReport {
    pub cases: usize,
    /// Cases whose stored read model differed from the replay of their events.
    pub differing: Vec<i64>,
    /// For each of those, what differed: `case 7: stage "trial" ≠ replayed "judgment"`.
    pub details: Vec<String>,
}

/// Replay every case's events through the core and compare with the stored read model; with
/// `repair`, overwrite the read model with the replay.
pub async fn rebuild<S: Store>(store: &S, cal: &Calendar, repair: bool) -> ApiResult<RebuildReport> {
    let mut report = RebuildReport::default();
    let mut after = 0;
    loop {
        let ids = store.case_ids(after, 1000).await?;
        let Some(last) = ids.last() else { break };
        after = *last;
        for id in ids {
            let events = store.events_of(&format!("case:{id}"), 100_000).await?;
            let parsed = events
                .iter()
                .map(|e| serde_json::from_str::<Event>(&e.payload))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AppError::Internal(format!("case {id}: {e}")))?;
            let Some(replayed) = parsed.iter().fold(None, apply) else {
                return Err(AppError::Internal(format!("case {id} has no registration event")));
            };
            let want = projection(&replayed, &[], cal)?;
            let stored = store.case(id).await?.ok_or(AppError::NotFound("case"))?;
            let mut units = store.case_units(id).await?;
            units.sort();
            let mut want_units = want.units.clone();
            want_units.sort();
            want_units.dedup();
            let stored_state = serde_json::from_str::<Case>(&stored.state).ok();
            let mut differs = Vec::new();
            let mut check = |what: &str, stored: String, replayed: String| {
                if stored != replayed {
                    differs.push(format!("{what} {stored} ≠ replayed {replayed}"));
                }
            };
            check("case_no", format!("{:?}", stored.case_no), format!("{:?}", want.case_no));
            check("title", format!("{:?}", stored.title), format!("{:?}", want.title));
            check("region", stored.region.clone(), want.region.to_string());
            check("stage", format!("{:?}", stored.stage), format!("{:?}", want.stage));
            check("holder", stored.holder_unit_id.to_string(), want.holder_unit_id.to_string());
            check("pending", format!("{:?}", stored.pending_unit_id), format!("{:?}", want.pending_unit_id));
            check("in_custody", stored.in_custody.to_string(), want.in_custody.to_string());
            check("due_date", format!("{:?}", stored.due_date), format!("{:?}", want.due_date));
            check("due_provisional", stored.due_provisional.to_string(), want.due_provisional.to_string());
            check("units", format!("{units:?}"), format!("{want_units:?}"));
            if stored_state.as_ref() != Some(&replayed) {
                differs.push(format!("state snapshot ≠ replay of {} events", events.len()));
            }
            let same = differs.is_empty();
            if !same {
                report.details.push(format!("case {id}: {}", differs.join("; ")));
            }
            report.cases += 1;
            if !same {
                report.differing.push(id);
                if repair {
                    store.restore_case(id, want).await?;
                }
            }
        }
    }
    Ok(report)
}

/// Largest document accepted into a dossier.
pub const MAX_DOCUMENT: usize = 8 * 1024 * 1024;
/// Content types a dossier takes.
pub const DOCUMENT_TYPES: [&str; 6] = ["application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain", "application/ofd"];

/// Store a document's bytes (once per content) and add it to the case's dossier.
pub async fn add_document<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    id: i64,
    name: &str,
    category: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> ApiResult<(CaseRecord, Case, Vec<i64>, Vec<i64>)> {
    let content_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !DOCUMENT_TYPES.contains(&content_type.as_str()) {
        return Err(AppError::field("content-type", format!("{content_type:?} is not accepted; use one of {}", DOCUMENT_TYPES.join(", "))));
    }
    if bytes.is_empty() || bytes.len() > MAX_DOCUMENT {
        return Err(AppError::field("body", format!("a document is 1 byte to {} MiB", MAX_DOCUMENT / 1024 / 1024)));
    }
    if content_type == "application/pdf" && !bytes.starts_with(b"%PDF-") {
        return Err(AppError::field("body", "the content is not a PDF"));
    }
    let category: xiezhi_core::case::DocumentCategory = serde_json::from_value(serde_json::json!(category))
        .map_err(|_| AppError::field("category", "one of procedural_document, evidence, legal_instrument, other"))?;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let size = bytes.len() as u64;
    // Content first: if the case refuses the document, an unreferenced copy is harmless.
    authorize(st, p, Action::ActOnCases).await?;
    visible(st, p, id).await?;
    st.store.put_blob(&sha, &content_type, bytes, st.clock.now_us()).await?;
    let cmd = Command::AddDocument { sha256: sha, name: name.to_string(), category, content_type, size };
    apply_command(st, p, id, cmd).await
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    pub name: String,
    /// procedural_document, evidence, legal_instrument or other
    pub category: String,
}

/// Upload a document (the request body, with its Content-Type) into the case's dossier.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", params(("id" = i64, Path), DocumentQuery), request_body(content = Vec<u8>, content_type = "application/pdf"), responses((status = 200, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn upload<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<CaseDto>> {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (r, c, units, leaves) = add_document(&st, &p, path_id("id", &id)?, &q.name, &q.category, &content_type, body.to_vec()).await?;
    Ok(Json(case_dto(&r, &c, units, &st.calendar(), leaves)))
}

/// Download a dossier document (units on the case, and supervising committees).
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{sha256}", params(("id" = i64, Path), ("sha256" = String, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "cases")]
pub async fn download<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path((id, sha)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    document_response(&st, &p, path_id("id", &id)?, &sha).await
}

pub async fn document_response<S: Store>(st: &AppState<S>, p: &Principal, id: i64, sha: &str) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (_, c, _) = visible(st, p, id).await?;
    let doc = c.documents.iter().find(|d| d.sha256 == sha).ok_or(AppError::NotFound("document"))?;
    let (content_type, bytes) = st.store.blob(sha).await?.ok_or(AppError::NotFound("document content"))?;
    let disposition = format!("attachment; filename*=UTF-8''{}", crate::pages::urlencode(&doc.name));
    Ok(([(axum::http::header::CONTENT_TYPE, content_type), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
