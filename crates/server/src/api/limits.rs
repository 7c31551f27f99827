//! Cities' own hotline time limits and provinces' own risk scales: which are set, and setting or
//! clearing one.

use crate::app::limits;
use crate::auth::Signed;
use crate::error::ApiResult;
use crate::state::{format_time, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xiezhi_core::dispute::scale::{RiskLevel, RiskScale};
use xiezhi_core::local::LocalLimit;
use xiezhi_store::{Store, StoredLimit};

/// A city's own limit for a 12345 rule, in the rule's own unit (working days; days for urgent
/// matters), with the local provision that sets it.
#[derive(Serialize, ToSchema)]
pub struct LocalLimitDto {
    /// The city's region code.
    pub region: String,
    /// One of `hotline.12345`, `hotline.12345_sign_for`, `hotline.12345_complex`, `hotline.12345_urgent`.
    pub rule: String,
    pub length: i64,
    pub basis: String,
    /// RFC 3339, with its offset.
    pub updated_at: String,
}

impl From<&StoredLimit> for LocalLimitDto {
    fn from(l: &StoredLimit) -> Self {
        LocalLimitDto { region: l.region.clone(), rule: l.rule.clone(), length: l.length, basis: l.basis.clone(), updated_at: format_time(l.updated_at) }
    }
}

/// What a city sets for a rule.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLocalLimit {
    /// 1 to 60, in the rule's own unit.
    pub length: u16,
    /// The local provision, e.g. `《甲市12345热线管理办法》第十二条`.
    pub basis: String,
}

/// The cities' own limits in the caller's province. Orders keep the limits in force the day
/// they were taken.
#[utoipa::path(get, path = "/api/v1/limits", responses((status = 200, body = [LocalLimitDto]), (status = 401, body = crate::error::Problem)), tag = "tickets")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<Vec<LocalLimitDto>>> {
    Ok(Json(limits::list(&st, &p).await?.iter().map(LocalLimitDto::from).collect()))
}

/// Set a city's own limit for a rule (administrators of the city's committee or the
/// province's). Orders taken from now on count by it; running clocks do not move.
#[utoipa::path(put, path = "/api/v1/limits/{region}/{rule}", params(("region" = String, Path), ("rule" = String, Path)), request_body = SetLocalLimit,
    responses((status = 200, body = LocalLimitDto), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "tickets")]
pub async fn set<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path((region, rule)): Path<(String, String)>,
    crate::api::ApiJson(body): crate::api::ApiJson<SetLocalLimit>,
) -> ApiResult<Json<LocalLimitDto>> {
    let set = limits::set(&st, &p, &region, LocalLimit { rule, length: body.length, basis: body.basis }).await?;
    Ok(Json(LocalLimitDto::from(&set)))
}

/// Go back to the catalogue's limit for a rule in a city.
#[utoipa::path(delete, path = "/api/v1/limits/{region}/{rule}", params(("region" = String, Path), ("rule" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "tickets")]
pub async fn clear<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path((region, rule)): Path<(String, String)>) -> ApiResult<StatusCode> {
    limits::clear(&st, &p, &region, &rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The risk scale disputes are graded in in a province: its own (`own`), or the four colours.
#[derive(Serialize, ToSchema)]
pub struct RiskScaleDto {
    /// The province's region code.
    pub province: String,
    /// Whether the province has set a scale of its own.
    pub own: bool,
    /// Most serious first; each stands for one of the tiers `red`, `orange`, `yellow`, `blue`
    /// that `assess` takes as its `level`.
    pub levels: Vec<RiskLevel>,
    /// The local provision that sets it (empty for the four colours).
    pub basis: String,
}

/// What a province sets.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRiskScale {
    /// Two to four levels, each tier once, the red tier among them.
    pub levels: Vec<RiskLevel>,
    /// The local provision, e.g. `《甲省矛盾纠纷风险分级管理办法》第五条`.
    pub basis: String,
}

/// The risk scale of the caller's province.
#[utoipa::path(get, path = "/api/v1/risk-scale", responses((status = 200, body = RiskScaleDto), (status = 401, body = crate::error::Problem)), tag = "disputes")]
pub async fn risk_scale<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed) -> ApiResult<Json<RiskScaleDto>> {
    let own = limits::own_risk_scale(&st, p.unit.region).await?;
    let province = limits::province_of(p.unit.region).to_string();
    let (own, scale) = (own.is_some(), own.unwrap_or_default());
    Ok(Json(RiskScaleDto { province, own, levels: scale.levels, basis: scale.basis }))
}

/// Set a province's risk scale (administrators of the province's committee). Gradings made
/// from now on take one of its levels; earlier ones keep their tier.
#[utoipa::path(put, path = "/api/v1/risk-scales/{region}", params(("region" = String, Path)), request_body = SetRiskScale,
    responses((status = 200, body = RiskScaleDto), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn set_risk_scale<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(region): Path<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<SetRiskScale>,
) -> ApiResult<Json<RiskScaleDto>> {
    let scale = limits::set_risk_scale(&st, &p, &region, RiskScale { levels: body.levels, basis: body.basis }).await?;
    Ok(Json(RiskScaleDto { province: region, own: true, levels: scale.levels, basis: scale.basis }))
}

/// Go back to the four colours in a province.
#[utoipa::path(delete, path = "/api/v1/risk-scales/{region}", params(("region" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "disputes")]
pub async fn clear_risk_scale<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(region): Path<String>) -> ApiResult<StatusCode> {
    limits::clear_risk_scale(&st, &p, &region).await?;
    Ok(StatusCode::NO_CONTENT)
}
