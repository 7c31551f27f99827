//! Four eyes on the admin role: a second administrator grants it, whatever the door.

use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use xiezhi_core::Action;
use xiezhi_store::{AdminGrant, Principal, Store};

pub fn decide_action(g: &AdminGrant, region: xiezhi_core::RegionCode) -> Action {
    Action::DecideAdminGrant { unit_id: g.unit_id, region, requested_by: g.requested_by.unwrap_or(-1) }
}

/// Requests for the admin role that `p` may decide, oldest first.
pub async fn decidable<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<AdminGrant>> {
    let mut out = Vec::new();
    for g in st.store.pending_admin_grants().await? {
        let unit = st.store.unit(g.unit_id).await?;
        if p.actor().authorize(decide_action(&g, unit.region)).is_ok() {
            out.push(g);
        }
    }
    Ok(out)
}

/// Approve or refuse a request; refused to the one who asked (recorded). A decision from
/// outside the unit is written into its region's security log.
pub async fn decide<S: Store>(st: &AppState<S>, p: &Principal, id: i64, approve: bool) -> ApiResult<xiezhi_store::Recorded<AdminGrant>> {
    let g = st.store.admin_grant(id).await?;
    let unit = st.store.unit(g.unit_id).await?;
    authorize(st, p, decide_action(&g, unit.region)).await?;
    let decided = st.store.decide_admin_grant(id, approve, st.by(p)).await.map_err(|e| match e {
        xiezhi_store::StoreError::Conflict(m) => AppError::Rule { code: "already_decided", message: m },
        other => other.into(),
    })?;
    let what = format!("admin role for user {} {}", g.user_id, if approve { "granted" } else { "refused" });
    crate::app::people::tell_the_unit(st, crate::app::people::outside_notice(st, p, &unit, &what)).await?;
    Ok(decided)
}
