//! The admin role's second pair of eyes: requests waiting for a decision, and the decision.

use crate::app::grants::*;
use crate::app::input::path_id;
use crate::auth::Signed;
use crate::error::ApiResult;
use crate::state::{format_time, AppState};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use xiezhi_store::{AdminGrant, Store};

#[derive(Serialize, ToSchema)]
pub struct AdminGrantDto {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub unit_id: i64,
    pub requested_by: Option<i64>,
    #[schema(format = DateTime)]
    pub requested_at: String,
    pub decided_by: Option<i64>,
    /// `true` granted, `false` refused, `null` waiting.
    pub approved: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
}

async fn dto<S: Store>(st: &AppState<S>, g: &AdminGrant, leaves: Vec<i64>) -> ApiResult<AdminGrantDto> {
    let user = st.store.user(g.user_id).await?;
    Ok(AdminGrantDto {
        id: g.id,
        user_id: g.user_id,
        username: user.username,
        unit_id: g.unit_id,
        requested_by: g.requested_by,
        requested_at: format_time(g.requested_at),
        decided_by: g.decided_by,
        approved: g.approved,
        audit_leaves: leaves,
    })
}

/// Requests for the admin role waiting for you: of your unit's accounts, or in your
/// committee's region — not the ones you asked for yourself.
#[utoipa::path(get, path = "/api/v1/admin-grants", responses((status = 200, body = [AdminGrantDto])), tag = "people")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<AdminGrantDto>>> {
    let mut out = Vec::new();
    for g in decidable(&st, &p).await? {
        out.push(dto(&st, &g, vec![]).await?);
    }
    Ok(Json(out))
}

/// Grant the admin role asked for (a second administrator: not the one who asked).
#[utoipa::path(post, path = "/api/v1/admin-grants/{id}/approve", params(("id" = i64, Path)), responses((status = 200, body = AdminGrantDto)), tag = "people")]
pub async fn approve<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<AdminGrantDto>> {
    let r = decide(&st, &p, path_id("id", &id)?, true).await?;
    Ok(Json(dto(&st, &r.value, r.leaves).await?))
}

/// Refuse the admin role asked for.
#[utoipa::path(post, path = "/api/v1/admin-grants/{id}/refuse", params(("id" = i64, Path)), responses((status = 200, body = AdminGrantDto)), tag = "people")]
pub async fn refuse<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<AdminGrantDto>> {
    let r = decide(&st, &p, path_id("id", &id)?, false).await?;
    Ok(Json(dto(&st, &r.value, r.leaves).await?))
}
