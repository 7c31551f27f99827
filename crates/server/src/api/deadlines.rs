//! Statutory deadlines and the holiday calendar.

use super::ApiQuery;
use crate::app::deadlines::compute_deadline;
use crate::app::input::flag;
use crate::dto::*;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use std::collections::HashMap;
use xiezhi_core::rules::{Lengths, Rule};
use xiezhi_core::{Deadline, RULES};
use xiezhi_store::Store;

impl From<&Deadline> for DeadlineDto {
    fn from(d: &Deadline) -> Self {
        Self {
            rule: d.rule.into(),
            start: d.start.to_string(),
            due: d.due.to_string(),
            in_custody: d.in_custody,
            extended: d.extended,
            rolled_from: d.rolled_from.map(|d| d.to_string()),
            provisional: d.provisional,
            basis: d.basis_lines(),
        }
    }
}

impl From<&Rule> for RuleDto {
    fn from(r: &Rule) -> Self {
        let (period, extended) = match r.lengths {
            Lengths::Uniform { normal, extended } => (normal.to_string(), extended.map(|e| e.to_string())),
            Lengths::ByCustody { held, held_extended, free, free_extended } => (
                format!("{held} (in custody) / {free}"),
                match (held_extended, free_extended) {
                    (None, None) => None,
                    (h, f) => Some(format!(
                        "{} (in custody) / {}",
                        h.map(|p| p.to_string()).unwrap_or("none".into()),
                        f.map(|p| p.to_string()).unwrap_or("none".into())
                    )),
                },
            ),
        };
        let counting = serde_json::to_value(r.counting).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        Self { id: r.id.into(), title_zh: r.title_zh.into(), title_en: r.title_en.into(), period, extended, counting, basis: r.basis.into() }
    }
}

/// The catalogue of statutory periods.
#[utoipa::path(get, path = "/api/v1/deadlines", responses((status = 200, body = [RuleDto])), tag = "deadlines")]
pub async fn catalogue() -> Json<Vec<RuleDto>> {
    Json(RULES.iter().map(RuleDto::from).collect())
}

/// A charge of the Criminal Law in force (罪名): a case's 案由.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ChargeDto {
    pub name: String,
    /// The Criminal Law articles that define it, e.g. `第264条`.
    pub articles: String,
    /// The instrument that fixed its name.
    pub source: String,
}

/// The catalogue of charges (483, in the order of the Criminal Law), for a case's `charge`.
#[utoipa::path(get, path = "/api/v1/charges", responses((status = 200, body = [ChargeDto])), tag = "cases")]
pub async fn charges() -> Json<Vec<ChargeDto>> {
    Json(xiezhi_core::charges::all().iter().map(|c| ChargeDto { name: c.name.into(), articles: c.articles.into(), source: c.source.into() }).collect())
}

/// Compute one deadline: the same object as `xiezhi deadline RULE --start …`.
#[utoipa::path(
    get,
    path = "/api/v1/deadlines/{rule}",
    params(
        ("rule" = String, Path, description = "Rule id, e.g. criminal.prosecution_review"),
        ("start" = String, Query, description = "YYYY-MM-DD, or YYYY-MM-DDTHH:MM for hour periods"),
        ("in_custody" = Option<bool>, Query),
        ("extended" = Option<bool>, Query),
    ),
    responses((status = 200, body = DeadlineDto), (status = 422, body = crate::error::Problem)),
    tag = "deadlines"
)]
pub async fn compute<S: Store>(
    State(st): State<AppState<S>>,
    Path(rule): Path<String>,
    ApiQuery(q): ApiQuery<HashMap<String, String>>,
) -> ApiResult<Json<DeadlineDto>> {
    if let Some(unknown) = q.keys().find(|k| !["start", "in_custody", "extended"].contains(&k.as_str())) {
        return Err(AppError::field(unknown.clone(), "unknown parameter; use start, in_custody, extended"));
    }
    let start = q.get("start").ok_or_else(|| AppError::field("start", "is required (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"))?;
    let in_custody = flag("in_custody", q.get("in_custody").map(String::as_str))?;
    let extended = flag("extended", q.get("extended").map(String::as_str))?;
    Ok(Json((&compute_deadline(&st.calendar(), &rule, start, in_custody, extended)?).into()))
}
