//! Users, the signed-in user, API tokens and the security record.

use super::{ApiJson, ApiQuery};
use crate::app::input::path_id;
use crate::app::people::*;
use crate::auth::{authorize, client_of, hash_password, sign_in, Signed};
use crate::dto::*;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{request::Parts, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use xiezhi_core::{AccountChange, Action, DisplayName, Password};
use xiezhi_store::{Store, UserChange};

/// The signed-in user and their unit.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeDto), (status = 401, body = crate::error::Problem)), tag = "people")]
pub async fn me<S: Store>(Signed(p): Signed) -> ApiResult<Json<MeDto>> {
    Ok(Json(MeDto { user: (&p.user).into(), unit: (&p.unit).into() }))
}

/// Members of a unit (the unit itself, or admins and supervisors over its region).
#[utoipa::path(get, path = "/api/v1/units/{id}/users", params(("id" = i64, Path)), responses((status = 200, body = [UserDto]), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "people")]
pub async fn unit_users<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<Vec<UserDto>>> {
    let unit = st.store.unit(path_id("id", &id)?).await?;
    authorize(&st, &p, Action::ViewMembers { unit_id: unit.id, region: unit.region }).await?;
    Ok(Json(st.store.users_of_unit(unit.id).await?.iter().map(UserDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = i64, Path)), responses((status = 200, body = UserDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "people")]
pub async fn get_user<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<UserDto>> {
    let user = st.store.user(path_id("id", &id)?).await?;
    let unit = st.store.unit(user.unit_id).await?;
    authorize(&st, &p, Action::ViewMembers { unit_id: unit.id, region: unit.region }).await?;
    Ok(Json((&user).into()))
}

/// Create a user in a unit (admins, within their region).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserRequest, responses((status = 201, body = UserDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "people")]
pub async fn create_user<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    let (user, grant) = add_user(&st, &p, req.parse()?).await?;
    Ok((StatusCode::CREATED, Json(UserDto { admin_grant_pending: grant, ..recorded(&user) })))
}

/// Change a user's name or roles, disable or enable them. Disabling ends their sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = i64, Path)), request_body = UserPatch, responses((status = 200, body = UserDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "people")]
pub async fn update_user<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UserPatch>,
) -> ApiResult<Json<UserDto>> {
    let user = st.store.user(path_id("id", &id)?).await?;
    let unit = st.store.unit(user.unit_id).await?;
    let change = UserChange {
        display_name: req.display_name.as_deref().map(|n| DisplayName::parse("display_name", n)).transpose()?.map(DisplayName::into_inner),
        roles: req.roles.as_deref().map(|r| parse_roles("roles", r)).transpose()?,
        disabled: req.disabled,
    };
    let notice = authorize_account(&st, &p, &unit, account_change(&change), &describe(&user, &change)).await?;
    if let Some(role) = change.roles.iter().flatten().find(|r| !unit.kind.allows_role(**r)) {
        return Err(AppError::field("roles", format!("role {role} is not held in a {} unit", unit.kind)));
    }
    if user.id == p.user.id && (change.disabled == Some(true) || change.roles.as_ref().is_some_and(|r| !r.contains(&xiezhi_core::Role::Admin))) {
        return Err(AppError::field("disabled", "you cannot disable yourself or drop your own admin role"));
    }
    let (updated, grant) = change_user(&st, &p, &user, change).await?;
    tell_the_unit(&st, notice).await?;
    Ok(Json(UserDto { admin_grant_pending: grant, ..recorded(&updated) }))
}

/// Set a new password for a user (admins). Ends the user's sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", params(("id" = i64, Path)), request_body = PasswordRequest, responses((status = 200, body = RecordedOnly), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "people")]
pub async fn reset_password<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> ApiResult<Json<RecordedOnly>> {
    let user = st.store.user(path_id("id", &id)?).await?;
    let unit = st.store.unit(user.unit_id).await?;
    let password = Password::parse("password", &req.password)?;
    let notice = authorize_account(&st, &p, &unit, AccountChange::Other, &format!("password of {} reset", user.username)).await?;
    let r = st.store.set_password(user.id, hash_password(&password)?, st.by(&p)).await?;
    tell_the_unit(&st, notice).await?;
    Ok(Json(RecordedOnly { audit_leaves: r.leaves }))
}

#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = [TokenDto])), tag = "people")]
pub async fn list_tokens<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<TokenDto>>> {
    Ok(Json(st.store.tokens_of_user(p.user.id).await?.iter().map(TokenDto::from).collect()))
}

/// Create an API token for yourself. The secret is in the response, once.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenRequest, responses((status = 201, body = CreatedToken), (status = 422, body = crate::error::Problem)), tag = "people")]
pub async fn create_token<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = token_name(&req.name)?;
    Ok((StatusCode::CREATED, Json(issue_token(&st, &p, name).await?)))
}

/// Revoke one of your tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)), responses((status = 200, body = TokenDto), (status = 404, body = crate::error::Problem)), tag = "people")]
pub async fn revoke_token<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<TokenDto>> {
    Ok(Json(recorded(&st.store.revoke_token(p.user.id, path_id("id", &id)?, st.by(&p)).await?)))
}

/// Exchange a username and password for an API token (for integrators' set-up scripts).
/// Throttled and recorded like the sign-in page.
#[utoipa::path(post, path = "/api/v1/auth/token", request_body = TokenSignIn, responses((status = 201, body = CreatedToken), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)), tag = "people")]
pub async fn sign_in_for_token<S: Store>(
    State(st): State<AppState<S>>,
    parts: Parts,
    ApiJson(req): ApiJson<TokenSignIn>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = token_name(&req.name)?;
    let p = sign_in(&st, &req.username, &req.password, &client_of(&parts)).await?;
    Ok((StatusCode::CREATED, Json(issue_token(&st, &p, name).await?)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SecurityQuery {
    /// At most 1000; default 200.
    pub limit: Option<i64>,
}

/// Sign-ins, failures, throttling and denied access in your region (admins and auditors).
#[utoipa::path(get, path = "/api/v1/security-events", params(SecurityQuery), responses((status = 200, body = [SecurityEventDto]), (status = 403, body = crate::error::Problem)), tag = "people")]
pub async fn security_events<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiQuery(q): ApiQuery<SecurityQuery>,
) -> ApiResult<Json<Vec<SecurityEventDto>>> {
    authorize(&st, &p, Action::ViewSecurityLog { region: p.unit.region }).await?;
    let events = st.store.security_events(&p.unit.region.subtree_prefix(), q.limit.unwrap_or(200)).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| SecurityEventDto {
                id: e.id,
                at: crate::state::format_time(e.at),
                kind: e.kind,
                username: e.username,
                region: e.region,
                client: e.client,
                detail: e.detail,
            })
            .collect(),
    ))
}
