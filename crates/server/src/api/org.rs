//! Regions and units.

use super::{ApiJson, ApiQuery};
use crate::app::input::path_id;
use crate::app::org::*;
use crate::auth::{authorize, Signed};
use crate::dto::*;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use xiezhi_core::{Action, RegionCode, UnitKind, UnitName};
use xiezhi_store::{Region, Store, StoreError, UnitChange, UnitFilter};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RegionQuery {
    /// Children of this region; the top of the tree when absent.
    pub parent: Option<String>,
}

/// Child regions of a region (or the top-level regions).
#[utoipa::path(get, path = "/api/v1/regions", params(RegionQuery), responses((status = 200, body = [RegionDto]), (status = 404, body = crate::error::Problem)), tag = "organisation")]
pub async fn list_regions<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<RegionQuery>) -> ApiResult<Json<Vec<RegionDto>>> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    let parent = q.parent.as_deref().map(|c| RegionCode::parse("parent", c)).transpose()?;
    if let Some(parent) = parent {
        st.store.region(parent).await?;
    }
    Ok(Json(st.store.child_regions(parent).await?.iter().map(RegionDto::from).collect()))
}

/// A region with its path, children and units.
#[utoipa::path(get, path = "/api/v1/regions/{code}", params(("code" = String, Path, description = "6-digit region code")), responses((status = 200, body = RegionDetail), (status = 404, body = crate::error::Problem)), tag = "organisation")]
pub async fn get_region<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(code): Path<String>) -> ApiResult<Json<RegionDetail>> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    let code = RegionCode::parse("code", &code)?;
    let region = st.store.region(code).await?;
    let path = region_path(&st.store, &region).await?;
    let children = st.store.child_regions(Some(code)).await?;
    let units = st.store.list_units(UnitFilter { region: Some(code), include_disabled: true, ..Default::default() }).await?;
    Ok(Json(RegionDetail {
        region: (&region).into(),
        path: path.iter().map(RegionDto::from).collect(),
        children: children.iter().map(RegionDto::from).collect(),
        units: units.iter().map(UnitDto::from).collect(),
    }))
}

/// Create a region under an existing parent (admins of the parent's region).
#[utoipa::path(post, path = "/api/v1/regions", request_body = NewRegionRequest, responses((status = 201, body = RegionDto), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "organisation")]
pub async fn create_region<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewRegionRequest>,
) -> ApiResult<(StatusCode, Json<RegionDto>)> {
    let code = RegionCode::parse("code", &req.code)?;
    let parent = code.parent().ok_or_else(|| AppError::field("code", "a province is created with `xiezhi init`, not through the API"))?;
    authorize(&st, &p, Action::ManageUnit { region: parent }).await?;
    let name = UnitName::parse("name", &req.name)?.into_inner();
    let name_en = req
        .name_en
        .filter(|s| !s.trim().is_empty())
        .map(|s| UnitName::parse("name_en", &s).map(|n| n.into_inner()))
        .transpose()?
        .unwrap_or_else(|| name.clone());
    st.store.region(parent).await.map_err(|_| AppError::field("code", format!("parent region {parent} does not exist")))?;
    let r = st.store.create_region(Region { code, parent: Some(parent), level: code.level(), name, name_en }, st.by(&p)).await?;
    Ok((StatusCode::CREATED, Json(recorded(&r))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    /// Units standing exactly in this region.
    pub region: Option<String>,
    /// Units anywhere in this region's subtree.
    pub within: Option<String>,
    pub kind: Option<String>,
    pub include_disabled: Option<bool>,
    /// At most 5000; default 500.
    pub limit: Option<i64>,
}

/// Units, filtered by region, subtree and kind.
#[utoipa::path(get, path = "/api/v1/units", params(UnitQuery), responses((status = 200, body = [UnitDto]), (status = 422, body = crate::error::Problem)), tag = "organisation")]
pub async fn list_units<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<UnitQuery>) -> ApiResult<Json<Vec<UnitDto>>> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    let filter = UnitFilter {
        region: q.region.as_deref().map(|c| RegionCode::parse("region", c)).transpose()?,
        subtree: q.within.as_deref().map(|c| RegionCode::parse("within", c)).transpose()?.map(|c| c.subtree_prefix()),
        kind: q.kind.as_deref().map(|k| k.parse::<UnitKind>().map_err(|e| AppError::field("kind", e))).transpose()?,
        include_disabled: q.include_disabled.unwrap_or(false),
        limit: q.limit.unwrap_or(500),
    };
    Ok(Json(st.store.list_units(filter).await?.iter().map(UnitDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path)), responses((status = 200, body = UnitDto), (status = 404, body = crate::error::Problem)), tag = "organisation")]
pub async fn get_unit<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(id): Path<String>) -> ApiResult<Json<UnitDto>> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    Ok(Json((&st.store.unit(path_id("id", &id)?).await?).into()))
}

/// Create a unit (admins, within their region).
#[utoipa::path(post, path = "/api/v1/units", request_body = NewUnitRequest, responses((status = 201, body = UnitDto), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "organisation")]
pub async fn create_unit<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiJson(req): ApiJson<NewUnitRequest>,
) -> ApiResult<(StatusCode, Json<UnitDto>)> {
    let new = req.parse()?;
    authorize(&st, &p, Action::ManageUnit { region: new.region }).await?;
    let unit = st.store.create_unit(new, st.by(&p)).await.map_err(|e| match e {
        StoreError::Invalid(m) if m.contains("region") => AppError::field("region", m),
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(recorded(&unit))))
}

/// Rename, disable or enable a unit.
#[utoipa::path(patch, path = "/api/v1/units/{id}", params(("id" = i64, Path)), request_body = UnitPatch, responses((status = 200, body = UnitDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "organisation")]
pub async fn update_unit<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UnitPatch>,
) -> ApiResult<Json<UnitDto>> {
    let unit = st.store.unit(path_id("id", &id)?).await?;
    let change = UnitChange {
        name: req.name.as_deref().map(|n| UnitName::parse("name", n)).transpose()?.map(UnitName::into_inner),
        name_en: req.name_en.as_deref().map(|n| UnitName::parse("name_en", n)).transpose()?.map(UnitName::into_inner),
        disabled: req.disabled,
    };
    authorize(&st, &p, Action::ManageUnit { region: unit.region }).await?;
    if change.disabled == Some(true) && unit.id == p.unit.id {
        return Err(AppError::field("disabled", "you cannot disable your own unit"));
    }
    Ok(Json(recorded(&st.store.update_unit(unit.id, change, st.by(&p)).await?)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check every row and report, writing nothing.
    pub dry_run: Option<bool>,
}

/// Import units from CSV (`region,region_name,kind,name,name_en`). Valid rows are written in
/// one transaction; rejected rows are reported with their line and reason.
#[utoipa::path(post, path = "/api/v1/units/import", params(ImportQuery), request_body(content = String, content_type = "text/csv"), responses((status = 200, body = ImportReport), (status = 422, body = crate::error::Problem)), tag = "organisation")]
pub async fn import_units<S: Store>(
    State(st): State<AppState<S>>,
    Signed(p): Signed,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: String,
) -> ApiResult<Json<ImportReport>> {
    Ok(Json(run_import(&st, &p, &body, q.dry_run.unwrap_or(false)).await?))
}
