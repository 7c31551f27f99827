//! Webhook subscriptions over HTTP: what a unit's own system (a partner platform's mediation
//! system, a court's) registers to be told of new referrals. Deliveries are in `crate::outbox`.

use super::{ApiJson, ApiQuery};
use crate::app::input::path_id;
use crate::app::webhooks;
use crate::auth::Signed;
use crate::error::ApiResult;
use crate::state::{format_time, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xiezhi_store::{DeliveryLog, Store, Webhook};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `http://host[:port]/path` of the receiver.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: i64,
    pub unit_id: i64,
    pub url: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub active: bool,
    /// Only in the answer to its creation: the HMAC-SHA256 key of `X-Xiezhi-Signature`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn dto(w: &Webhook, secret: Option<String>) -> WebhookDto {
    WebhookDto { id: w.id, unit_id: w.unit_id, url: w.url.clone(), created_at: format_time(w.created_at), active: w.disabled_at.is_none(), secret }
}

/// Subscribe your unit's system to its notices (`dispute.referred`, `dispute.confirmation_applied`,
/// `dispute.reported`). Each delivery is a signed `POST`; see the README for checking the signature.
#[utoipa::path(post, path = "/api/v1/webhooks", request_body = NewWebhook, responses((status = 201, body = WebhookDto), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "webhooks")]
pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookDto>)> {
    let c = webhooks::create(&st, &p, &req.url).await?;
    Ok((StatusCode::CREATED, Json(dto(&c.webhook, Some(c.secret)))))
}

#[utoipa::path(get, path = "/api/v1/webhooks", responses((status = 200, body = [WebhookDto]), (status = 403, body = crate::error::Problem)), tag = "webhooks")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<WebhookDto>>> {
    Ok(Json(webhooks::list(&st, &p).await?.iter().map(|w| dto(w, None)).collect()))
}

/// Stop a subscription.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", params(("id" = i64, Path)), responses((status = 200, body = WebhookDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "webhooks")]
pub async fn disable<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<WebhookDto>> {
    Ok(Json(dto(&webhooks::disable(&st, &p, path_id("id", &id)?).await?, None)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub attempts: i64,
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub delivered_at: Option<String>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

fn log_dto(d: &DeliveryLog) -> DeliveryDto {
    DeliveryDto {
        id: d.id,
        kind: d.kind.clone(),
        subject: d.subject.clone(),
        created_at: format_time(d.created_at),
        attempts: d.attempts,
        next_attempt_at: d.delivered_at.is_none().then(|| format_time(d.next_at)),
        delivered_at: d.delivered_at.map(format_time),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
    }
}

/// The delivery log of a subscription, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", params(("id" = i64, Path), LogQuery), responses((status = 200, body = [DeliveryDto]), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "webhooks")]
pub async fn deliveries<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<Vec<DeliveryDto>>> {
    let log = webhooks::deliveries(&st, &p, path_id("id", &id)?, q.limit.unwrap_or(100)).await?;
    Ok(Json(log.iter().map(log_dto).collect()))
}
