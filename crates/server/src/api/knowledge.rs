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
