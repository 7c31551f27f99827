//! The hotline knowledge base over HTTP: a unit adds and retires its answers; operators search
//! the items that hold today and cite one when they answer a consultation on the call
//! (`answer_on_call` with `item`).

use super::{ApiJson, ApiQuery};
use crate::app::input::path_id;
use crate::app::knowledge::{self, NewItem, Query};
use crate::auth::Signed;
use crate::error::ApiResult;
use crate::state::{format_time, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use xiezhi_store::{KnowledgeItem, Store};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKnowledgeRequest {
    /// What callers ask, at most 200 characters.
    pub question: String,
    /// What they are told, at most 4,000 characters.
    pub answer: String,
    /// First day it holds (default: today, China Standard Time).
    #[serde(default, with = "xiezhi_core::dates::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Date>,
    /// Last day it holds (none: until retired).
    #[serde(default, with = "xiezhi_core::dates::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
}

#[derive(Serialize, ToSchema)]
pub struct KnowledgeDto {
    pub id: i64,
    pub unit_id: i64,
    pub region: String,
    pub question: String,
    pub answer: String,
    #[schema(format = Date)]
    pub valid_from: String,
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub retired_at: Option<String>,
}

pub fn dto(k: &KnowledgeItem) -> KnowledgeDto {
    KnowledgeDto {
        id: k.id,
        unit_id: k.unit_id,
        region: k.region.clone(),
        question: k.question.clone(),
        answer: k.answer.clone(),
        valid_from: k.valid_from.clone(),
        valid_until: k.valid_until.clone(),
        created_at: format_time(k.created_at),
        retired_at: k.retired_at.map(format_time),
    }
}

#[derive(Serialize, ToSchema)]
pub struct KnowledgePage {
    pub items: Vec<KnowledgeDto>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeQuery {
    /// Words in the question, the answer or the unit's name.
    pub q: Option<String>,
    /// Only items that hold today and are not retired (default true).
    pub valid: Option<bool>,
    /// Only your unit's own items, retired and expired ones included.
    pub own: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Add an item to your unit's knowledge base.
#[utoipa::path(post, path = "/api/v1/knowledge", request_body = NewKnowledgeRequest, responses((status = 201, body = KnowledgeDto), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "tickets")]
pub async fn add<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewKnowledgeRequest>,
) -> ApiResult<(StatusCode, Json<KnowledgeDto>)> {
    let (k, _) =
        knowledge::add(&st, &p, NewItem { question: req.question, answer: req.answer, valid_from: req.valid_from, valid_until: req.valid_until }).await?;
    Ok((StatusCode::CREATED, Json(dto(&k))))
}

/// The items you may tell callers: those of units in your region, below it and above it.
#[utoipa::path(get, path = "/api/v1/knowledge", params(KnowledgeQuery), responses((status = 200, body = KnowledgePage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "tickets")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<KnowledgeQuery>) -> ApiResult<Json<KnowledgePage>> {
    let own = q.own.unwrap_or(false);
    let l =
        knowledge::list(&st, &p, Query { text: q.q, valid_today: q.valid.unwrap_or(!own), own, limit: q.limit.unwrap_or(50), offset: q.offset.unwrap_or(0) })
            .await?;
    Ok(Json(KnowledgePage { items: l.items.iter().map(dto).collect(), total: l.total }))
}

/// Retire an item of your unit: it is no longer offered; answers already given keep citing it.
#[utoipa::path(post, path = "/api/v1/knowledge/{id}/retire", params(("id" = i64, Path)), responses((status = 200, body = KnowledgeDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "tickets")]
pub async fn retire<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<KnowledgeDto>> {
    Ok(Json(dto(&knowledge::retire(&st, &p, path_id("id", &id)?).await?)))
}

/// A supervision (督办) of a unit's knowledge base.
#[derive(Serialize, ToSchema)]
pub struct KnowledgeSupervisionDto {
    pub id: i64,
    pub unit_id: i64,
    /// The unit that supervised.
    pub by_unit_id: i64,
    /// Why, as found then: `{"reason": "expired", "items": 2}` or `{"reason": "untouched", "days": 400}`.
    #[schema(value_type = Object)]
    pub stale: serde_json::Value,
    pub note: String,
    #[schema(format = DateTime)]
    pub at: String,
    /// When the unit answered by adding or retiring an item.
    #[schema(format = DateTime)]
    pub answered_at: Option<String>,
}

fn supervision_dto(s: &xiezhi_store::KnowledgeSupervision) -> KnowledgeSupervisionDto {
    KnowledgeSupervisionDto {
        id: s.id,
        unit_id: s.unit_id,
        by_unit_id: s.by_unit_id,
        stale: serde_json::from_str(&s.reason).unwrap_or_default(),
        note: s.note.clone(),
        at: format_time(s.at),
        answered_at: s.answered_at.map(format_time),
    }
}

/// A unit's knowledge base as its supervisor sees it.
#[derive(Serialize, ToSchema)]
pub struct UpkeepDto {
    pub unit_id: i64,
    pub unit_name: String,
    pub region: String,
    /// Items not retired and past their last day.
    pub expired: i64,
    /// Items not retired.
    pub kept: i64,
    #[schema(format = Date)]
    pub last_added: Option<String>,
    /// Why it is not kept up to date (`expired` items, or `untouched` for a year); none if it is.
    #[schema(value_type = Option<Object>)]
    pub stale: Option<serde_json::Value>,
    /// A supervision not answered yet.
    pub open: Option<KnowledgeSupervisionDto>,
}

/// The knowledge bases of the units in your region, those not kept up to date first (H14): for
/// the hotline centres and the committees' supervisors.
#[utoipa::path(get, path = "/api/v1/knowledge/upkeep", responses((status = 200, body = [UpkeepDto]), (status = 403, body = crate::error::Problem)), tag = "tickets")]
pub async fn upkeep<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<UpkeepDto>>> {
    let lines = knowledge::upkeep(&st, &p).await?;
    Ok(Json(
        lines
            .iter()
            .map(|l| UpkeepDto {
                unit_id: l.unit.id,
                unit_name: l.unit.name.clone(),
                region: l.unit.region.to_string(),
                expired: l.upkeep.expired,
                kept: l.upkeep.kept,
                last_added: l.upkeep.last_added.map(|d| d.to_string()),
                stale: l.stale.and_then(|s| serde_json::to_value(s).ok()),
                open: l.open.as_ref().map(supervision_dto),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperviseKnowledgeRequest {
    /// What the unit is asked to do, at most 1,000 characters.
    #[serde(default)]
    pub note: String,
}

/// Supervise a unit whose knowledge base is not kept up to date (409 if it is, or if an earlier
/// supervision is not answered yet). The unit answers by adding or retiring an item.
#[utoipa::path(post, path = "/api/v1/knowledge/upkeep/{unit_id}/supervise", params(("unit_id" = i64, Path)), request_body = SuperviseKnowledgeRequest,
    responses((status = 201, body = KnowledgeSupervisionDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "tickets")]
pub async fn supervise<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(unit_id): Path<String>,
    ApiJson(req): ApiJson<SuperviseKnowledgeRequest>,
) -> ApiResult<(StatusCode, Json<KnowledgeSupervisionDto>)> {
    let (s, _) = knowledge::supervise(&st, &p, path_id("unit_id", &unit_id)?, &req.note).await?;
    Ok((StatusCode::CREATED, Json(supervision_dto(&s))))
}

/// The supervisions not yet answered on your own unit's knowledge base.
#[utoipa::path(get, path = "/api/v1/knowledge/supervisions", responses((status = 200, body = [KnowledgeSupervisionDto])), tag = "tickets")]
pub async fn my_supervisions<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<KnowledgeSupervisionDto>>> {
    Ok(Json(knowledge::open_on_my_unit(&st, &p).await?.iter().map(supervision_dto).collect()))
}
