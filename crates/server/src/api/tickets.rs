//! Hotline work orders over HTTP: take a call, give commands, read, list, the inbox, a
//! caller's earlier orders, the indicators, and the caller's public status lookup.

use super::{ApiJson, ApiQuery};
use crate::app::input::path_id;
use crate::app::tickets;
use crate::auth::Signed;
use crate::dto::tickets::{NewTicketRequest, PublicStatusDto, TicketClockDto, TicketCommandRequest, TicketDto, TicketRowDto};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xiezhi_core::case::UnitRef;
use xiezhi_core::ticket::{available, clocks, Ticket};
use xiezhi_core::RegionCode;
use xiezhi_store::{Principal, Store, TicketFilter, TicketRecord};

pub fn ticket_dto<S>(st: &AppState<S>, r: &TicketRecord, t: &Ticket, p: &Principal, leaves: Vec<i64>, query_code: Option<String>) -> TicketDto {
    let cal = st.calendar();
    let seen = tickets::as_seen_by(t, p);
    let me = UnitRef { id: p.unit.id, kind: p.unit.kind, region: p.unit.region };
    TicketDto {
        id: r.id,
        ticket_no: r.ticket_no.clone(),
        hotline: r.hotline.clone(),
        stage: r.stage.clone(),
        outcome: r.outcome.clone(),
        title: t.title.clone(),
        centre_unit_id: t.centre.id,
        lead_unit_id: t.lead().map(|a| a.unit.id),
        caller: seen.caller.clone(),
        state: serde_json::to_value(&seen).unwrap_or_default(),
        clocks: clocks(t, &cal)
            .into_iter()
            .map(|k| TicketClockDto {
                rule: k.rule,
                unit_id: k.unit.id,
                start: k.start.to_string(),
                due: k.due.as_ref().ok().map(|(d, _)| d.to_string()),
                provisional: k.due.as_ref().is_ok_and(|(_, p)| *p),
                extension_days: k.extension_days,
                local_basis: k.local.map(|l| l.basis),
            })
            .collect(),
        available: available(t, me, st.clock.china(), &cal).into_iter().map(String::from).collect(),
        version: r.version,
        query_code,
        leaves,
    }
}

pub fn row_dto(r: &TicketRecord) -> TicketRowDto {
    TicketRowDto {
        id: r.id,
        ticket_no: r.ticket_no.clone(),
        hotline: r.hotline.clone(),
        kind: r.kind.clone(),
        title: r.title.clone(),
        stage: r.stage.clone(),
        outcome: r.outcome.clone(),
        lead_unit_id: r.lead_unit_id,
        pending_unit_id: r.pending_unit_id,
        due_date: r.due_date.clone(),
        received_on: r.received_on.clone(),
        reopened: r.reopened,
    }
}

/// Take a call (受理): hotline centres only. The answer carries the query code for the caller,
/// shown once.
#[utoipa::path(post, path = "/api/v1/tickets", request_body = NewTicketRequest, responses((status = 201, body = TicketDto), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "hotlines")]
pub async fn register<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewTicketRequest>,
) -> ApiResult<(StatusCode, Json<TicketDto>)> {
    let ((r, t, _, leaves), code) = tickets::register(&st, &p, req).await?;
    Ok((StatusCode::CREATED, Json(ticket_dto(&st, &r, &t, &p, leaves, Some(code)))))
}

/// Give a command on an order: `{"command": "dispatch", "lead": UNIT_ID, "assists": [UNIT_ID]}`,
/// `{"command": "sign_for"}`, `{"command": "callback", "channel": "phone", "reached": true, "solved": false, "satisfaction": "unsatisfied"}`, ….
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commands", params(("id" = i64, Path)), request_body = TicketCommandRequest, responses((status = 200, body = TicketDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "hotlines")]
pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<TicketDto>> {
    let id = path_id("id", &id)?;
    if body.get("command").and_then(|c| c.as_str()) == Some("register") {
        return Err(AppError::field("command", "take a call with POST /api/v1/tickets"));
    }
    let (r, t, _, leaves) = tickets::command(&st, &p, id, super::from_json::<TicketCommandRequest>(body)?).await?;
    Ok(Json(ticket_dto(&st, &r, &t, &p, leaves, None)))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", params(("id" = i64, Path)), responses((status = 200, body = TicketDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "hotlines")]
pub async fn get_ticket<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<TicketDto>> {
    let (r, t, _) = tickets::visible(&st, &p, path_id("id", &id)?).await?;
    Ok(Json(ticket_dto(&st, &r, &t, &p, vec![], None)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    pub stage: Option<String>,
    /// `12345`, `12309` or `12348`.
    pub hotline: Option<String>,
    pub open: Option<bool>,
    /// Only matters that concern the law (涉法涉诉).
    pub concerns_law: Option<bool>,
    /// Orders whose next step is your unit's.
    pub mine: Option<bool>,
    /// Open orders whose clock has run out.
    pub overdue: Option<bool>,
    /// Orders the centre supervised (督办).
    pub supervised: Option<bool>,
    /// The number, the matter, or the caller's name or telephone contains this.
    pub q: Option<String>,
    /// Received from this day (`YYYY-MM-DD`, China Standard Time), inclusive.
    pub from: Option<String>,
    /// Received up to this day, inclusive.
    pub to: Option<String>,
    /// A region subtree (a committee: inside its own).
    pub region: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketRowDto>,
    pub total: i64,
}

const STAGES: [&str; 7] = ["received", "dispatched", "in_progress", "replied", "calling_back", "closed", "terminated"];

impl TicketQuery {
    fn filter(&self, p: &Principal, overdue: &str) -> ApiResult<TicketFilter> {
        if let Some(s) = self.stage.as_deref().filter(|s| !STAGES.contains(s)) {
            return Err(AppError::field("stage", format!("unknown stage {s:?}; one of {}", STAGES.join(", "))));
        }
        if let Some(h) = self.hotline.as_deref().filter(|h| !["12345", "12309", "12348"].contains(h)) {
            return Err(AppError::field("hotline", format!("unknown hotline {h:?}; one of 12345, 12309, 12348")));
        }
        let (from, to) = crate::app::input::period(self.from.as_deref(), self.to.as_deref())?;
        let region = self.region.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(|r| RegionCode::parse("region", r)).transpose()?;
        Ok(TicketFilter {
            received_from: from.map(|d| d.to_string()),
            received_to: to.map(|d| d.to_string()),
            region_prefix: region.map(|r| r.subtree_prefix()),
            stage: self.stage.clone(),
            hotline: self.hotline.clone(),
            open_only: self.open.unwrap_or(false) || self.overdue.unwrap_or(false),
            concerns_law: self.concerns_law,
            pending_for: self.mine.unwrap_or(false).then_some(p.unit.id),
            due_by: self.overdue.unwrap_or(false).then(|| overdue.to_string()),
            text: self.q.clone().filter(|q| !q.trim().is_empty()),
            supervised_only: self.supervised.unwrap_or(false),
            limit: self.limit.unwrap_or(100),
            offset: self.offset.unwrap_or(0),
            ..Default::default()
        })
    }
}

/// Orders the caller may see: its unit's, or a supervising committee's subtree.
#[utoipa::path(get, path = "/api/v1/tickets", params(TicketQuery), responses((status = 200, body = TicketPage), (status = 422, body = crate::error::Problem)), tag = "hotlines")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<TicketQuery>) -> ApiResult<Json<TicketPage>> {
    let (rows, total) = tickets::list(&st, &p, q.filter(&p, &tickets::overdue_by(&st))?).await?;
    Ok(Json(TicketPage { items: rows.iter().map(row_dto).collect(), total }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PhoneQuery {
    pub phone: String,
}

/// A caller's earlier orders at your centre, by telephone (hotline centres).
#[utoipa::path(get, path = "/api/v1/tickets/earlier", params(PhoneQuery), responses((status = 200, body = [TicketRowDto]), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "hotlines")]
pub async fn earlier<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<PhoneQuery>) -> ApiResult<Json<Vec<TicketRowDto>>> {
    Ok(Json(tickets::earlier(&st, &p, &q.phone).await?.iter().map(row_dto).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct TicketIndicatorsDto {
    /// Counts, and the rates in per cent (`null` when there is nothing to rate), by key.
    #[schema(value_type = Object)]
    pub indicators: serde_json::Value,
    /// The same for each lead unit, the busiest first (`unit_id` null: not dispatched).
    pub units: Vec<UnitIndicatorsDto>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitIndicatorsDto {
    pub unit_id: Option<i64>,
    pub name: String,
    #[schema(value_type = Object)]
    pub indicators: serde_json::Value,
}

fn indicator_value(i: &tickets::Indicators) -> serde_json::Value {
    let mut v = serde_json::to_value(i).unwrap_or_default();
    for (key, _, _, figure) in tickets::lines(i) {
        if let tickets::Figure::Rate(r) = figure {
            v[key] = serde_json::json!(r);
        }
    }
    v
}

/// The indicators over your unit's orders (a committee: its subtree), as a whole and for each lead
/// unit: received, answered on the call, dispatched, closed, rated and satisfied, reopened,
/// 涉法涉诉, turned into disputes; and the rates: satisfaction, reopen, on-time sign-for and reply
/// (按时签收、按时办结), response, return, extension, repeat calls, and 12309's replies within 7 days
/// and results within 3 months.
#[utoipa::path(get, path = "/api/v1/tickets/indicators", params(TicketQuery), responses((status = 200, body = TicketIndicatorsDto), (status = 422, body = crate::error::Problem)), tag = "hotlines")]
pub async fn indicators<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> ApiResult<Json<TicketIndicatorsDto>> {
    let (all, by_unit) = tickets::ledger_by_unit(&st, &p, q.filter(&p, &tickets::overdue_by(&st))?).await?;
    let mut units = Vec::with_capacity(by_unit.len());
    for (unit_id, i) in &by_unit {
        let name = match unit_id {
            Some(id) => st.store.unit(*id).await.map(|u| u.name).unwrap_or_default(),
            None => String::new(),
        };
        units.push(UnitIndicatorsDto { unit_id: *unit_id, name, indicators: indicator_value(i) });
    }
    Ok(Json(TicketIndicatorsDto { indicators: indicator_value(&all), units }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// The order's number.
    pub no: String,
    /// The query code given on the call.
    pub code: String,
}

/// The caller follows their order without signing in: the stage, the unit handling it and the
/// reply — nothing else. A wrong code answers like an unknown number; lookups are throttled.
#[utoipa::path(get, path = "/api/v1/public/ticket-status", params(StatusQuery), security(()), responses((status = 200, body = PublicStatusDto), (status = 404, body = crate::error::Problem), (status = 429, body = crate::error::Problem)), tag = "hotlines")]
pub async fn public_status<S: Store>(State(st): State<AppState<S>>, parts: axum::http::request::Parts) -> ApiResult<Json<PublicStatusDto>> {
    let ApiQuery(q) = <ApiQuery<StatusQuery> as axum::extract::FromRequestParts<AppState<S>>>::from_request_parts(&mut parts.clone(), &st).await?;
    let (r, t, handled_by) = tickets::public_status(&st, &crate::auth::client_of(&parts), &q.no, &q.code).await?;
    Ok(Json(PublicStatusDto {
        ticket_no: r.ticket_no,
        stage: r.stage.clone(),
        status_notes: tickets::status_notes(&t),
        handled_by,
        reply: t.reply.map(|r| r.text).or_else(|| t.answer.map(|(text, _)| text)),
    }))
}
