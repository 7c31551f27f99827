//! Local time limits (`xiezhi_core::local`): a city's committee (or the province's) sets the
//! length of a 12345 rule where the city's hotline regulations differ from the catalogue's; the
//! province's committee sets the time to report a red-risk dispute. Each with the local provision
//! that sets it. An order or a dispute keeps the limits in force on the day it was taken in.
//! Whatever the door.

use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use xiezhi_core::dispute::scale::RiskScale;
use xiezhi_core::local::{scope_of, LocalLimit, Scope};
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

/// The province a region lies in.
pub fn province_of(region: RegionCode) -> RegionCode {
    let mut r = region;
    while let Some(up) = r.parent() {
        r = up;
    }
    r
}

/// The limits of one scope in force today where a unit stands in `region`.
async fn in_force_at<S: Store>(st: &AppState<S>, region: Option<RegionCode>, scope: Scope) -> ApiResult<Vec<LocalLimit>> {
    let Some(region) = region else { return Ok(vec![]) };
    let code = region.to_string();
    Ok(st.store.limits(&code).await?.iter().filter(|l| l.region == code && scope_of(&l.rule) == Some(scope)).map(StoredLimit::limit).collect())
}

/// The city's limits in force today for an order taken by a centre standing in `region`.
pub async fn in_force<S: Store>(st: &AppState<S>, region: RegionCode) -> ApiResult<Vec<LocalLimit>> {
    in_force_at(st, city_of(region), Scope::City).await
}

/// The province's limits in force today for a dispute taken in by a unit standing in `region`.
pub async fn in_force_for_disputes<S: Store>(st: &AppState<S>, region: RegionCode) -> ApiResult<Vec<LocalLimit>> {
    in_force_at(st, Some(province_of(region)), Scope::Province).await
}

/// The limits set in the principal's province, by region and rule.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<StoredLimit>> {
    let province = province_of(p.unit.region).to_string();
    Ok(st.store.limits(&province[..2]).await?)
}

/// The region a limit is set for: a city for the hotline rules, the province for the dispute
/// rules; one of the directory.
async fn region_for<S: Store>(st: &AppState<S>, raw: &str, rule: &str) -> ApiResult<RegionCode> {
    let code = RegionCode::parse("region", raw)?;
    let want = match scope_of(rule) {
        Some(Scope::City) => RegionLevel::City,
        Some(Scope::Province) => RegionLevel::Province,
        None => return Err(LocalLimit { rule: rule.to_string(), length: 1, basis: "-".into() }.check().unwrap_err().into()),
    };
    if code.level() != want {
        return Err(if want == RegionLevel::City {
            AppError::field("region", format!("{code} is not a city: the hotline limits are set per city"))
        } else {
            AppError::field("region", format!("{code} is not the province: the dispute limits are set per province"))
        });
    }
    st.store.region(code).await.map_err(|_| AppError::field("region", format!("no region {code}")))?;
    Ok(code)
}

/// Set a local limit for a rule.
pub async fn set<S: Store>(st: &AppState<S>, p: &Principal, region: &str, limit: LocalLimit) -> ApiResult<StoredLimit> {
    let region = region_for(st, region, &limit.rule).await?;
    authorize(st, p, Action::SetLocalLimits { region }).await?;
    let limit = LocalLimit { basis: limit.basis.trim().to_string(), ..limit };
    limit.check()?;
    Ok(st.store.set_limit(region, limit, st.by(p)).await?.value)
}

/// Go back to the catalogue's limit for a rule in a region.
pub async fn clear<S: Store>(st: &AppState<S>, p: &Principal, region: &str, rule: &str) -> ApiResult<()> {
    let region = region_for(st, region, rule).await?;
    authorize(st, p, Action::SetLocalLimits { region }).await?;
    st.store.clear_limit(region, rule, st.by(p)).await?;
    Ok(())
}

/// The risk scale disputes are graded in where a unit stands in `region`: its province's, or the
/// four colours.
pub async fn risk_scale<S: Store>(st: &AppState<S>, region: RegionCode) -> ApiResult<RiskScale> {
    Ok(st.store.risk_scale(province_of(region)).await?.unwrap_or_default())
}

/// Whether a province has set a scale of its own.
pub async fn own_risk_scale<S: Store>(st: &AppState<S>, region: RegionCode) -> ApiResult<Option<RiskScale>> {
    Ok(st.store.risk_scale(province_of(region)).await?)
}

/// The province a scale is set for: one of the directory.
async fn province_for<S: Store>(st: &AppState<S>, raw: &str) -> ApiResult<RegionCode> {
    let code = RegionCode::parse("region", raw)?;
    if code.level() != RegionLevel::Province {
        return Err(AppError::field("region", format!("{code} is not a province: the risk scale is set per province")));
    }
    st.store.region(code).await.map_err(|_| AppError::field("region", format!("no region {code}")))?;
    Ok(code)
}

/// Set a province's risk scale (its committee's administrators). Gradings already made keep
/// their tier; a tier the new scale lacks is shown as the four colours name it.
pub async fn set_risk_scale<S: Store>(st: &AppState<S>, p: &Principal, region: &str, scale: RiskScale) -> ApiResult<RiskScale> {
    let province = province_for(st, region).await?;
    authorize(st, p, Action::SetLocalLimits { region: province }).await?;
    let scale = RiskScale {
        levels: scale
            .levels
            .into_iter()
            .map(|l| xiezhi_core::dispute::scale::RiskLevel { name: l.name.trim().into(), name_en: l.name_en.trim().into(), ..l })
            .collect(),
        basis: scale.basis.trim().to_string(),
    }
    .sorted();
    scale.check()?;
    st.store.set_risk_scale(province, scale.clone(), st.by(p)).await?;
    Ok(scale)
}

/// Go back to the four colours in a province.
pub async fn clear_risk_scale<S: Store>(st: &AppState<S>, p: &Principal, region: &str) -> ApiResult<()> {
    let province = province_for(st, region).await?;
    authorize(st, p, Action::SetLocalLimits { region: province }).await?;
    st.store.clear_risk_scale(province, st.by(p)).await?;
    Ok(())
}
