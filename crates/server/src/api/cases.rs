//! Criminal cases over HTTP: register, give commands, read, list, inbox, timeline, documents.
//! What each does is in `app::cases`; here are the wire forms.

use super::{ApiJson, ApiQuery};
use crate::app::cases::{self as cases, Due, Listing};
use crate::app::input::path_id;
use crate::auth::Signed;
use crate::dto::{CommandRequest, NewCaseRequest};
use crate::error::{ApiResult, AppError};
use crate::state::{format_time, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xiezhi_core::case::{clocks, Case, Event};
use xiezhi_store::{CaseRecord, Principal, Store};

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
    /// For a measure's term (bail, residential surveillance): the person, by index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<usize>,
}

/// What waits for a unit: `returned`, `arrest_refused`, `supplementary_investigation`,
/// `message` or `protested`, from whom, with its text.
#[derive(Serialize, ToSchema)]
pub struct NoticeDto {
    pub kind: String,
    pub unit_id: i64,
    pub from_unit_id: i64,
    pub text: String,
}

/// The procuratorate's protest (抗诉) against the first-instance judgment.
#[derive(Serialize, ToSchema)]
pub struct ProtestDto {
    pub unit_id: i64,
    pub reason: String,
    #[schema(format = Date)]
    pub on: String,
}

/// An agency's own number for the case (the police's filing number, the court's 案号, …).
#[derive(Serialize, ToSchema)]
pub struct AgencyNumberDto {
    pub unit_id: i64,
    pub number: String,
}

/// A command the requesting unit may give on the case now.
#[derive(Serialize, ToSchema)]
pub struct OpenCommandDto {
    /// The command's name, as `POST /api/v1/cases/{id}/commands` takes it.
    pub command: String,
    /// Whom it may be addressed to (`to`): the kinds of unit and their regions the law names
    /// (`GET /api/v1/units?kind=&region=` lists those units); empty for a command addressed to
    /// nobody.
    pub to: Vec<ReceiverDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiverDto {
    pub kind: String,
    pub region: String,
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
    pub handover: Option<xiezhi_core::case::Handover>,
    pub persons: Vec<xiezhi_core::case::Person>,
    pub procedure: Option<String>,
    /// Each agency's own number.
    pub numbers: Vec<AgencyNumberDto>,
    pub returns: u8,
    pub in_custody: bool,
    /// 案由: the charge, and the Criminal Law articles that define it.
    pub charge: Option<String>,
    pub charge_articles: Option<String>,
    /// The verdicts pronounced, one per defendant judged (revised ones as revised).
    pub judgment: Vec<xiezhi_core::case::Verdict>,
    /// The day the judgment took effect.
    #[schema(format = Date)]
    pub in_force: Option<String>,
    /// Defendants an executing organ has taken in, by index.
    pub executed: Vec<usize>,
    pub protest: Option<ProtestDto>,
    /// A return, refusal, protest or message waiting for a unit to act on it.
    pub notice: Option<NoticeDto>,
    pub clocks: Vec<ClockDto>,
    /// The dossier's catalogue: name, category, content type, size, sha256, added by, on.
    pub documents: Vec<xiezhi_core::case::Document>,
    /// Units that hold or held the case.
    pub units: Vec<i64>,
    pub version: i64,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
    /// What the requesting unit may do on the case now, and to whom.
    pub open_commands: Vec<OpenCommandDto>,
}

fn case_dto<S: Store>(st: &AppState<S>, p: &Principal, r: &CaseRecord, c: &Case, units: Vec<i64>, leaves: Vec<i64>) -> CaseDto {
    let cal = &st.calendar();
    CaseDto {
        open_commands: cases::open_commands(st, p, c)
            .into_iter()
            .map(|(name, to)| OpenCommandDto {
                command: name.to_string(),
                to: to.into_iter().map(|(kind, region)| ReceiverDto { kind: kind.as_str().to_string(), region: region.to_string() }).collect(),
            })
            .collect(),
        id: r.id,
        case_no: r.case_no.clone(),
        title: r.title.clone(),
        region: r.region.clone(),
        stage: r.stage.clone(),
        holder_unit_id: r.holder_unit_id,
        handover: c.handover.clone(),
        persons: c.persons.clone(),
        procedure: c.procedure.and_then(|p| serde_json::to_value(p).ok()).and_then(|v| v.as_str().map(str::to_owned)),
        numbers: c.numbers.iter().map(|(u, n)| AgencyNumberDto { unit_id: u.id, number: n.clone() }).collect(),
        returns: c.returns,
        in_custody: c.in_custody(),
        charge: c.charge.clone(),
        charge_articles: c.charge.as_deref().and_then(xiezhi_core::charges::find).map(|x| x.articles.to_string()),
        judgment: c.judgment.clone(),
        in_force: c.in_force.map(|d| d.to_string()),
        executed: c.executed.clone(),
        protest: c.protest.as_ref().map(|p| ProtestDto { unit_id: p.by.id, reason: p.reason.clone(), on: p.on.to_string() }),
        notice: c.notice.as_ref().map(|n| NoticeDto {
            kind: serde_json::to_value(n.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            unit_id: n.to.id,
            from_unit_id: n.from.id,
            text: n.text.clone(),
        }),
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
                    basis: d.basis_lines(),
                    error: None,
                    person: k.person,
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
                    person: k.person,
                },
            })
            .collect(),
        documents: c.documents.clone(),
        units,
        version: r.version,
        updated_at: format_time(r.updated_at),
        audit_leaves: leaves,
    }
}

/// Register (立案) a criminal case (police).
#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCaseRequest, responses((status = 201, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn register<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseDto>)> {
    let (r, c, units, leaves) = cases::register(&st, &p, req).await?;
    Ok((StatusCode::CREATED, Json(case_dto(&st, &p, &r, &c, units, leaves))))
}

/// Give a command on a case. The body is the command: `{"command": "transfer_for_prosecution", "to": UNIT_ID}`,
/// `{"command": "receive"}`, `{"command": "return_for_supplementary_investigation", "reason": "…"}`, ….
/// Refusals are 409 (403 when the unit does not hold the case) with `code`, `state` and `rule`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/commands", params(("id" = i64, Path)), request_body = CommandRequest, responses((status = 200, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<CaseDto>> {
    let id = path_id("id", &id)?;
    // Two things that are not commands here, and where they are.
    match body.get("command").and_then(|c| c.as_str()) {
        Some("register") => return Err(AppError::field("command", "register with POST /api/v1/cases")),
        Some("add_document") => return Err(AppError::field("command", format!("add a document by uploading its content: POST /api/v1/cases/{id}/documents"))),
        _ => {}
    }
    let (r, c, units, leaves) = cases::command(&st, &p, id, super::from_json::<CommandRequest>(body)?).await?;
    Ok(Json(case_dto(&st, &p, &r, &c, units, leaves)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)), responses((status = 200, body = CaseDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "cases")]
pub async fn get_case<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<CaseDto>> {
    let (r, c, units) = cases::visible(&st, &p, path_id("id", &id)?).await?;
    Ok(Json(case_dto(&st, &p, &r, &c, units, vec![])))
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
    /// Cases whose number, title, any agency's number or any person's name contains this.
    pub q: Option<String>,
    /// Only cases with a return, refusal, protest or message waiting for your unit (the
    /// case's `notice` says which).
    pub notice: Option<bool>,
    /// A supervisor's drill-down: the cases of this region subtree (code, e.g. `990101`).
    pub region: Option<String>,
    /// Only cases with someone held at least this many days without a break (久押不决); with
    /// `sort=held` the longest held first.
    pub held_over: Option<i64>,
    /// Only cases of this charge (案由, by its name in `GET /api/v1/charges`).
    pub charge: Option<String>,
    /// `due` (the earliest due date first; the default), `updated` (newest first) or `case_no`.
    pub sort: Option<String>,
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

/// Cases the caller may see: those its unit holds or held; for a supervising committee, every
/// case in its region subtree. Ordered by the earliest due date.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), responses((status = 200, body = [CaseSummary]), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<CaseQuery>) -> ApiResult<Json<Vec<CaseSummary>>> {
    let due = match (q.overdue, q.due_within) {
        (Some(true), _) => Due::Overdue,
        (_, Some(n)) => Due::Within(n),
        _ => Due::Any,
    };
    let sort = cases::parse_sort(q.sort.as_deref())?;
    let notice_for = q.notice.unwrap_or(false).then_some(p.unit.id);
    let region = q.region.as_deref().map(|r| xiezhi_core::RegionCode::parse("region", r)).transpose()?;
    let listing = Listing {
        stage: q.stage,
        holder: q.holder,
        due,
        text: q.q,
        notice_for,
        region,
        held_over: q.held_over,
        charge: q.charge,
        sort,
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(cases::list(&st, &p, &listing).await?.iter().map(summary).collect()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// At most this many (1 to 1,000; 100 when not given).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Hand-overs waiting for the caller's unit to sign for, accept or return, by due date.
#[utoipa::path(get, path = "/api/v1/inbox", params(PageQuery), responses((status = 200, body = [CaseSummary]), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn inbox<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<PageQuery>) -> ApiResult<Json<Vec<CaseSummary>>> {
    let cases = cases::inbox(&st, &p, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
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

/// Stored events as timeline entries, each read through its machine's event type `E`, so
/// dates recorded in an older form come out as ISO dates like the rest (the payload as stored
/// when it does not read).
pub fn timeline_entries<E: serde::de::DeserializeOwned + Serialize>(events: Vec<xiezhi_store::Event>) -> Vec<TimelineEntry> {
    events
        .into_iter()
        .map(|e| TimelineEntry {
            index: e.seq,
            at: format_time(e.at),
            event: serde_json::from_str::<E>(&e.payload)
                .ok()
                .and_then(|ev| serde_json::to_value(ev).ok())
                .or_else(|| serde_json::from_str(&e.payload).ok())
                .unwrap_or_default(),
            kind: e.kind,
            actor_user_id: e.actor_user_id,
            unit_id: e.unit_id,
        })
        .collect()
}

/// The case's events, oldest first: its whole record.
#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", params(("id" = i64, Path)), responses((status = 200, body = [TimelineEntry]), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "cases")]
pub async fn timeline<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<Vec<TimelineEntry>>> {
    Ok(Json(timeline_entries::<Event>(cases::events(&st, &p, path_id("id", &id)?).await?)))
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
    let (r, c, units, leaves) = cases::add_document(&st, &p, path_id("id", &id)?, &q.name, &q.category, &content_type, body.to_vec()).await?;
    Ok(Json(case_dto(&st, &p, &r, &c, units, leaves)))
}

/// Download a dossier document (units on the case, and supervising committees).
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{sha256}", params(("id" = i64, Path), ("sha256" = String, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "cases")]
pub async fn download<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path((id, sha)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (name, content_type, bytes) = cases::document(&st, &p, path_id("id", &id)?, &sha).await?;
    Ok(crate::download::attachment(&name, content_type, bytes))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChargeQuery {
    /// A region the caller supervises (default: the caller's own).
    pub region: Option<String>,
    /// First day of registration, `YYYY-MM-DD` (default: 1 January this year, China Standard Time).
    pub from: Option<String>,
    /// Last day, included (default: today).
    pub to: Option<String>,
}

/// Cases of one charge registered in the period, and where they stand now.
#[derive(Serialize, ToSchema)]
pub struct ChargeTallyDto {
    /// The charge's name (案由); null for cases registered without one.
    pub charge: Option<String>,
    /// The articles of the Criminal Law it is charged under.
    pub articles: Option<String>,
    pub registered: i64,
    /// Still being handled.
    pub open: i64,
    /// Judged with force of law (final or executed).
    pub judged: i64,
    /// Not prosecuted, or withdrawn.
    pub dropped: i64,
    /// With someone held now.
    pub held: i64,
}

/// Statistics by 案由: cases registered in a region subtree in a period, by charge, most first
/// (supervisors of the region's committee or one above it).
#[utoipa::path(get, path = "/api/v1/statistics/charges", params(ChargeQuery),
    responses((status = 200, body = [ChargeTallyDto]), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "cases")]
pub async fn charge_tallies<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiQuery(q): ApiQuery<ChargeQuery>,
) -> ApiResult<Json<Vec<ChargeTallyDto>>> {
    let region = match q.region.as_deref() {
        Some(r) => xiezhi_core::RegionCode::parse("region", r)?,
        None => p.unit.region,
    };
    let today = st.clock.china().date();
    let from = crate::app::input::date("from", q.from.as_deref())?.unwrap_or_else(|| today.replace_ordinal(1).unwrap_or(today));
    let to = crate::app::input::date("to", q.to.as_deref())?.unwrap_or(today);
    let found = cases::charge_tallies(&st, &p, region, from, to).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|t| ChargeTallyDto {
                articles: t.charge.as_deref().and_then(xiezhi_core::charges::find).map(|c| c.articles.to_string()),
                charge: t.charge,
                registered: t.registered,
                open: t.open,
                judged: t.judged,
                dropped: t.dropped,
                held: t.held,
            })
            .collect(),
    ))
}
