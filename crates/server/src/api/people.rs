//! Users, the signed-in user, API tokens and the security record.

use super::{path_id, ApiJson, ApiQuery};
use crate::auth::{authorize, client_of, digest, hash_password, secret, sign_in, Signed};
use crate::dto::*;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{request::Parts, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use xiezhi_core::{AccountChange, Action, DisplayName, Password, Role};
use xiezhi_store::{NewSecurityEvent, NewUser, Principal, Store, Unit, User, UserChange};

/// Whether the unit has an administrator who can act (an active account with the admin role).
async fn has_active_admin<S: Store>(st: &AppState<S>, unit: &Unit) -> ApiResult<bool> {
    Ok(st.store.users_of_unit(unit.id).await?.iter().any(|u| !u.disabled && u.roles.contains(&Role::Admin)))
}

/// Decide whether `p` may make `change` to an account of `unit`. A change made from outside the
/// unit (a committee appointing its first administrator, or disabling an account) comes back as
/// a notice for the unit's region's security record, for [`tell_the_unit`] once the change is
/// made, so the unit's own administrators see it.
pub async fn authorize_account<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    unit: &Unit,
    change: AccountChange,
    what: &str,
) -> ApiResult<Option<NewSecurityEvent>> {
    authorize(st, p, Action::ManageUser { unit_id: unit.id, region: unit.region, change }).await?;
    Ok(outside_notice(st, p, unit, what))
}

/// The security-record entry for a change `p` makes to `unit`'s accounts from outside it (none
/// when `p` belongs to the unit): written into the unit's region, where its administrators see it.
pub fn outside_notice<S>(st: &AppState<S>, p: &Principal, unit: &Unit, what: &str) -> Option<NewSecurityEvent> {
    (unit.id != p.unit.id).then(|| NewSecurityEvent {
        at: st.clock.now_us(),
        kind: "account_changed_from_outside",
        username: Some(p.user.username.clone()),
        user_id: Some(p.user.id),
        region: Some(unit.region),
        client: None,
        detail: format!("{what} in unit {} ({}) by {} of unit {}", unit.id, unit.name, p.user.username, p.unit.name),
    })
}

/// Record a change made from outside the unit, after it is made.
pub async fn tell_the_unit<S: Store>(st: &AppState<S>, notice: Option<NewSecurityEvent>) -> ApiResult<()> {
    if let Some(n) = notice {
        st.store.record(n).await?;
    }
    Ok(())
}

/// The kind of change a patch to an account is.
pub fn account_change(change: &UserChange) -> AccountChange {
    match change {
        UserChange { display_name: None, roles: None, disabled: Some(true) } => AccountChange::Disable,
        _ => AccountChange::Other,
    }
}

/// What a patch does, for the record.
fn describe(user: &User, change: &UserChange) -> String {
    match account_change(change) {
        AccountChange::Disable => format!("account {} disabled", user.username),
        _ => format!("account {} changed", user.username),
    }
}

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

/// Shared by the API and the page.
pub async fn add_user<S: Store>(
    st: &AppState<S>,
    p: &xiezhi_store::Principal,
    new: ParsedNewUser,
) -> ApiResult<(xiezhi_store::Recorded<xiezhi_store::User>, Option<i64>)> {
    let unit = st.store.unit(new.unit_id).await?;
    let first_admin = new.roles.contains(&Role::Admin) && !has_active_admin(st, &unit).await?;
    let what = format!("account {} created with roles {}", new.username.as_ref(), xiezhi_store::roles_to_text(&new.roles));
    let notice = authorize_account(st, p, &unit, AccountChange::Create { first_admin }, &what).await?;
    if let Some(role) = new.roles.iter().find(|r| !unit.kind.allows_role(**r)) {
        return Err(AppError::field("roles", format!("role {role} is not held in a {} unit", unit.kind)));
    }
    let hash = hash_password(&new.password)?;
    // The admin role waits for a second administrator: the account starts without it.
    let mut roles = new.roles;
    let wants_admin = roles.contains(&Role::Admin);
    roles.retain(|r| *r != Role::Admin);
    let created = st
        .store
        .create_user(
            NewUser { unit_id: unit.id, username: new.username.into_inner(), display_name: new.display_name.into_inner(), password_hash: hash, roles },
            st.by(p),
        )
        .await?;
    let grant = if wants_admin { Some(st.store.request_admin_grant(created.value.id, st.by(p)).await?.value.id) } else { None };
    tell_the_unit(st, notice).await?;
    Ok((created, grant))
}

/// Change an account; a change that adds the admin role is made without it and the role is
/// requested for a second administrator to grant. Returns the change and the request's id.
pub async fn change_user<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    user: &User,
    mut change: UserChange,
) -> ApiResult<(xiezhi_store::Recorded<User>, Option<i64>)> {
    let mut wants_admin = false;
    if let Some(roles) = change.roles.as_mut() {
        if roles.contains(&Role::Admin) && !user.roles.contains(&Role::Admin) {
            wants_admin = true;
            roles.retain(|r| *r != Role::Admin);
        }
    }
    let updated = st.store.update_user(user.id, change, st.by(p)).await?;
    let grant = if wants_admin { Some(st.store.request_admin_grant(user.id, st.by(p)).await?.value.id) } else { None };
    Ok((updated, grant))
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

pub fn token_name(raw: &str) -> Result<String, AppError> {
    Ok(xiezhi_core::UnitName::parse("name", raw)?.into_inner())
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

pub async fn issue_token<S: Store>(st: &AppState<S>, p: &xiezhi_store::Principal, name: String) -> ApiResult<CreatedToken> {
    let secret = format!("xz_{}", secret(32));
    let t = st.store.create_token(p.user.id, name, digest(&secret), st.by(p)).await?;
    Ok(CreatedToken { token: recorded(&t), secret })
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
