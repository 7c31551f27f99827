//! Cities' own hotline time limits (H-rules "configurable per city where local regulations
//! differ"): a city's committee (or the province's) sets, for one of the 12345 rules, a length and
//! the local provision that sets it; an order taken by a 12345 centre in that city keeps the
//! limits in force that day. Whatever the door.

use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use xiezhi_core::ticket::LocalLimit;
use xiezhi_core::{Action, RegionCode, RegionLevel};
use xiezhi_store::{Principal, Store, StoredLimit};

/// The city a region lies in (a county's city, a city itself); none for the province.
pub fn city_of(region: RegionCode) -> Option<RegionCode> {
    match region.level() {
        RegionLevel::County => region.parent(),
        RegionLevel::City => Some(region),
        RegionLevel::Province => None,
    }
}

/// The limits in force today for an order taken by a centre standing in `region`.
pub async fn in_force<S: Store>(st: &AppState<S>, region: RegionCode) -> ApiResult<Vec<LocalLimit>> {
    let Some(city) = city_of(region) else { return Ok(vec![]) };
    let city = city.to_string();
    Ok(st.store.limits(&city).await?.iter().filter(|l| l.region == city).map(StoredLimit::limit).collect())
}

/// The limits set in the principal's province, by city and rule.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<StoredLimit>> {
    let province = p.unit.region.to_string();
    Ok(st.store.limits(&province[..2]).await?)
}

/// The city a limit is set for: a city of the directory.
async fn city<S: Store>(st: &AppState<S>, raw: &str) -> ApiResult<RegionCode> {
    let code = RegionCode::parse("region", raw)?;
    if code.level() != RegionLevel::City {
        return Err(AppError::field("region", format!("{code} is not a city: limits are set per city")));
    }
    st.store.region(code).await.map_err(|_| AppError::field("region", format!("no region {code}")))?;
    Ok(code)
}

/// Set a city's own limit for a rule.
pub async fn set<S: Store>(st: &AppState<S>, p: &Principal, region: &str, limit: LocalLimit) -> ApiResult<StoredLimit> {
    let region = city(st, region).await?;
    authorize(st, p, Action::SetLocalLimits { region }).await?;
    let limit = LocalLimit { basis: limit.basis.trim().to_string(), ..limit };
    limit.check()?;
    Ok(st.store.set_limit(region, limit, st.by(p)).await?.value)
}

/// Go back to the catalogue's limit for a rule in a city.
pub async fn clear<S: Store>(st: &AppState<S>, p: &Principal, region: &str, rule: &str) -> ApiResult<()> {
    let region = city(st, region).await?;
    authorize(st, p, Action::SetLocalLimits { region }).await?;
    st.store.clear_limit(region, rule, st.by(p)).await?;
    Ok(())
}
