//! Disputes over HTTP: register, give commands, read, list, the inbox, the ledger, the timeline.
//! What each does is in `app::disputes`; here are the wire forms.

use super::{ApiJson, ApiQuery};
use crate::app::disputes::{self as disputes, DisputeListing, Indicators, ListingParams};
use crate::app::input::path_id;
use crate::auth::Signed;
use crate::dto::disputes::{DisputeClockDto, DisputeCommandRequest, DisputeDto, DisputeRowDto, NewDisputeRequest};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xiezhi_core::case::UnitRef;
use xiezhi_core::dispute::{available, clocks, Dispute, Event};
use xiezhi_core::Calendar;
use xiezhi_store::{DisputeRecord, Principal, Store};

/// The dispute as the reader may see it.
pub fn dispute_dto(r: &DisputeRecord, d: &Dispute, p: &Principal, units: &[i64], now: time::PrimitiveDateTime, cal: &Calendar, leaves: Vec<i64>) -> DisputeDto {
    let involved = units.contains(&p.unit.id);
    let mut state = serde_json::to_value(d).unwrap_or_default();
    if !involved {
        state["parties"] = serde_json::to_value(disputes::mask(&d.parties)).unwrap_or_default();
    }
    let me = UnitRef { id: p.unit.id, kind: p.unit.kind, region: p.unit.region };
    DisputeDto {
        id: r.id,
        code: r.code.clone(),
        title: d.title.clone(),
        region: r.region.clone(),
        channel: d.channel,
        category: d.category,
        amount: d.amount,
        group: d.group,
        stage: r.stage.clone(),
        outcome: r.outcome.clone(),
        risk: d.risk.as_ref().map(|a| a.level),
        holder_unit_id: d.holder.id,
        intake_unit_id: d.intake.id,
        received: d.received.to_string(),
        parties: if involved { d.parties.clone() } else { disputes::mask(&d.parties) },
        refused: d.refused.clone(),
        masked: !involved,
        state,
        clocks: clocks(d, cal)
            .into_iter()
            .map(|k| DisputeClockDto {
                rule: k.rule,
                unit_id: k.unit.id,
                start: k.start.to_string(),
                due: k.due.as_ref().ok().map(|(d, _)| d.to_string()),
                provisional: k.due.as_ref().is_ok_and(|(_, p)| *p),
                agreed: k.agreed,
                party: k.party,
                local_basis: k.local.map(|l| l.basis),
            })
            .collect(),
        available: available(d, me, now, cal).into_iter().map(String::from).collect(),
        version: r.version,
        leaves,
    }
}

pub fn row_dto(r: &DisputeRecord) -> DisputeRowDto {
    DisputeRowDto {
        id: r.id,
        code: r.code.clone(),
        title: r.title.clone(),
        region: r.region.clone(),
        channel: r.channel.clone(),
        category: r.category.clone(),
        risk: r.risk.clone(),
        stage: r.stage.clone(),
        outcome: r.outcome.clone(),
        holder_unit_id: r.holder_unit_id,
        pending_unit_id: r.pending_unit_id,
        due_date: r.due_date.clone(),
        received_on: r.received_on.clone(),
    }
}

/// Register (登记受理) a dispute: governance centres, mediation committees, partner platforms,
/// the police, basic courts, justice bureaus and hotlines take disputes in.
#[utoipa::path(post, path = "/api/v1/disputes", request_body = NewDisputeRequest, responses((status = 201, body = DisputeDto), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn register<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewDisputeRequest>,
) -> ApiResult<(StatusCode, Json<DisputeDto>)> {
    let (r, d, units, leaves) = disputes::register(&st, &p, req).await?;
    Ok((StatusCode::CREATED, Json(dispute_dto(&r, &d, &p, &units, st.clock.china(), &st.calendar(), leaves))))
}

/// Give a command on a dispute: `{"command": "refer", "kind": "partner", "to": UNIT_ID}`,
/// `{"command": "receive"}`, `{"command": "sign", "signer": "party", "party": 0}`, ….
/// Refusals are 409 (403 when the command is not the unit's to give) with `code`, `state` and `rule`.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/commands", params(("id" = i64, Path)), request_body = DisputeCommandRequest, responses((status = 200, body = DisputeDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<DisputeDto>> {
    let id = path_id("id", &id)?;
    if body.get("command").and_then(|c| c.as_str()) == Some("register") {
        return Err(AppError::field("command", "register with POST /api/v1/disputes"));
    }
    let (r, d, units, leaves) = disputes::command(&st, &p, id, super::from_json::<DisputeCommandRequest>(body)?).await?;
    Ok(Json(dispute_dto(&r, &d, &p, &units, st.clock.china(), &st.calendar(), leaves)))
}

/// A dispute. Readers whose unit is not on it (a supervising committee) see personal data masked.
#[utoipa::path(get, path = "/api/v1/disputes/{id}", params(("id" = i64, Path)), responses((status = 200, body = DisputeDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "disputes")]
pub async fn get_dispute<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<DisputeDto>> {
    let (r, d, units, _) = disputes::visible(&st, &p, path_id("id", &id)?).await?;
    Ok(Json(dispute_dto(&r, &d, &p, &units, st.clock.china(), &st.calendar(), vec![])))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DisputeQuery {
    /// A region subtree a supervising committee oversees (default: all it may see).
    pub region: Option<String>,
    pub stage: Option<String>,
    /// Risk levels, comma-separated: `red,orange`.
    pub risk: Option<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    /// Only disputes not closed or withdrawn.
    pub open: Option<bool>,
    /// With a unit's clock due within this many days (0: today or overdue).
    pub due_within: Option<i64>,
    pub overdue: Option<bool>,
    /// Received on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Received on or before this day.
    pub to: Option<String>,
    /// The code, the title, or a party's name, telephone or number contains this.
    pub q: Option<String>,
    /// `due` (default), `received` (newest first) or `updated`.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl DisputeQuery {
    /// The listing this asks for, checked field by field.
    pub fn listing(&self, default_limit: i64) -> ApiResult<DisputeListing> {
        ListingParams {
            region: self.region.clone(),
            stage: self.stage.clone(),
            risk: self.risk.clone(),
            channel: self.channel.clone(),
            category: self.category.clone(),
            open: self.open.unwrap_or(false),
            overdue: self.overdue.unwrap_or(false),
            due_within: self.due_within,
            from: self.from.clone(),
            to: self.to.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            limit: self.limit,
            offset: self.offset,
        }
        .listing(default_limit)
    }
}

#[derive(Serialize, ToSchema)]
pub struct DisputePage {
    pub items: Vec<DisputeRowDto>,
    /// How many match in all.
    pub total: i64,
}

/// Disputes the caller may see (its unit's; for a supervising committee, its region subtree).
#[utoipa::path(get, path = "/api/v1/disputes", params(DisputeQuery), responses((status = 200, body = DisputePage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<DisputeQuery>) -> ApiResult<Json<DisputePage>> {
    let (rows, total) = disputes::list(&st, &p, &q.listing(100)?).await?;
    Ok(Json(DisputePage { items: rows.iter().map(row_dto).collect(), total }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Referrals and confirmation applications waiting for the caller's unit to sign for: what a
/// docked partner system polls (besides the webhook).
#[utoipa::path(get, path = "/api/v1/disputes/inbox", params(InboxQuery), responses((status = 200, body = [DisputeRowDto]), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn inbox<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<InboxQuery>) -> ApiResult<Json<Vec<DisputeRowDto>>> {
    let rows = disputes::inbox(&st, &p, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
    Ok(Json(rows.iter().map(row_dto).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct LedgerDto {
    pub items: Vec<DisputeRowDto>,
    pub total: i64,
    /// 排查, 化解, mediation success, confirmations, follow-ups, the prevention lines (件/人) and
    /// the breakdowns by channel, category, risk and stage; rates are per cent.
    #[schema(value_type = Object)]
    pub indicators: serde_json::Value,
}

fn indicators_json(i: &Indicators) -> serde_json::Value {
    let mut v = serde_json::to_value(i).unwrap_or_default();
    v["resolution_rate"] = serde_json::json!(disputes::rate(i.resolved, i.screened.disputes));
    v["mediation_success_rate"] = serde_json::json!(disputes::rate(i.mediations_agreed, i.mediations_concluded));
    v["diversion_rate"] = serde_json::json!(disputes::rate(i.diverted, i.screened.disputes));
    v["follow_up_rate"] = serde_json::json!(disputes::rate(i.followed_up, i.mediations_agreed));
    v["satisfaction_rate"] = serde_json::json!(disputes::rate(i.satisfied, i.followed_up));
    v
}

/// The ledger (台账): the disputes of a region and period, and their indicators.
#[utoipa::path(get, path = "/api/v1/disputes/ledger", params(DisputeQuery), responses((status = 200, body = LedgerDto), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn ledger<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<DisputeQuery>) -> ApiResult<Json<LedgerDto>> {
    let (rows, total, ind) = disputes::ledger(&st, &p, &q.listing(100)?).await?;
    Ok(Json(LedgerDto { items: rows.iter().map(row_dto).collect(), total, indicators: indicators_json(&ind) }))
}

/// The dispute's events, oldest first: its whole record.
#[utoipa::path(get, path = "/api/v1/disputes/{id}/timeline", params(("id" = i64, Path)), responses((status = 200, body = [super::cases::TimelineEntry]), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "disputes")]
pub async fn timeline<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<Vec<super::cases::TimelineEntry>>> {
    Ok(Json(super::cases::timeline_entries::<Event>(disputes::events(&st, &p, path_id("id", &id)?).await?)))
}

fn mediator_dto(m: &xiezhi_store::Mediator) -> crate::dto::disputes::MediatorDto {
    crate::dto::disputes::MediatorDto {
        id: m.id,
        unit_id: m.unit_id,
        name: m.name.clone(),
        specialties: m.specialties.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        court_roster: m.court_roster != 0,
        active: m.disabled_at.is_none(),
    }
}

/// Your organisation's roster of mediators.
#[utoipa::path(get, path = "/api/v1/mediators", responses((status = 200, body = [crate::dto::disputes::MediatorDto]), (status = 403, body = crate::error::Problem)), tag = "disputes")]
pub async fn mediators<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<crate::dto::disputes::MediatorDto>>> {
    Ok(Json(disputes::roster(&st, &p).await?.iter().map(mediator_dto).collect()))
}

/// Put a mediator on your organisation's roster (recorded).
#[utoipa::path(post, path = "/api/v1/mediators", request_body = crate::dto::disputes::NewMediatorRequest, responses((status = 201, body = crate::dto::disputes::MediatorDto), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn add_mediator<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<crate::dto::disputes::NewMediatorRequest>,
) -> ApiResult<(StatusCode, Json<crate::dto::disputes::MediatorDto>)> {
    Ok((StatusCode::CREATED, Json(mediator_dto(&disputes::add_mediator(&st, &p, req).await?))))
}

/// Take a mediator off your organisation's roster (recorded).
#[utoipa::path(delete, path = "/api/v1/mediators/{id}", params(("id" = i64, Path)), responses((status = 200, body = crate::dto::disputes::MediatorDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "disputes")]
pub async fn disable_mediator<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::dto::disputes::MediatorDto>> {
    Ok(Json(mediator_dto(&disputes::disable_mediator(&st, &p, path_id("id", &id)?).await?)))
}
