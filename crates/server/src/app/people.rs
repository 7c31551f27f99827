//! People: accounts, their roles and tokens, and the notices of changes made from outside a
//! unit — whatever the door.

use crate::auth::{authorize, digest, hash_password, secret};
use crate::dto::*;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use xiezhi_core::{AccountChange, Action, Role};
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
pub fn describe(user: &User, change: &UserChange) -> String {
    match account_change(change) {
        AccountChange::Disable => format!("account {} disabled", user.username),
        _ => format!("account {} changed", user.username),
    }
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

pub fn token_name(raw: &str) -> Result<String, AppError> {
    Ok(xiezhi_core::UnitName::parse("name", raw)?.into_inner())
}

pub async fn issue_token<S: Store>(st: &AppState<S>, p: &xiezhi_store::Principal, name: String) -> ApiResult<CreatedToken> {
    let secret = format!("xz_{}", secret(32));
    let t = st.store.create_token(p.user.id, name, digest(&secret), st.by(p)).await?;
    Ok(CreatedToken { token: recorded(&t), secret })
}
