//! The JSON API under `/api/v1`.

pub mod audit;
pub mod calendars;
pub mod cases;
pub mod deadlines;
pub mod org;
pub mod people;

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use xiezhi_store::Store;

/// A JSON body whose errors name the field at fault.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::field("content-type", "must be application/json"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| AppError::field("body", e.to_string()))?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map(ApiJson).map_err(|e| {
            let inner = e.inner().to_string();
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                // "missing field `name`" / "unknown field `x`": the name is in backticks.
                inner.split('`').nth(1).map(str::to_owned).unwrap_or_else(|| "body".into())
            } else {
                path
            };
            let message = inner.split(" at line ").next().unwrap_or(&inner).to_string();
            AppError::field(field, message)
        })
    }
}

pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/regions", get(org::list_regions::<S>).post(org::create_region::<S>))
        .route("/regions/{code}", get(org::get_region::<S>))
        .route("/units", get(org::list_units::<S>).post(org::create_unit::<S>))
        .route("/units/import", post(org::import_units::<S>))
        .route("/units/{id}", get(org::get_unit::<S>).patch(org::update_unit::<S>))
        .route("/units/{id}/users", get(people::unit_users::<S>))
        .route("/users", post(people::create_user::<S>))
        .route("/users/{id}", get(people::get_user::<S>).patch(people::update_user::<S>))
        .route("/users/{id}/password", post(people::reset_password::<S>))
        .route("/me", get(people::me::<S>))
        .route("/tokens", get(people::list_tokens::<S>).post(people::create_token::<S>))
        .route("/tokens/{id}", axum::routing::delete(people::revoke_token::<S>))
        .route("/auth/token", post(people::sign_in_for_token::<S>))
        .route("/security-events", get(people::security_events::<S>))
        .route("/deadlines", get(deadlines::catalogue))
        .route("/deadlines/{rule}", get(deadlines::compute::<S>))
        .route("/calendars", get(calendars::list::<S>))
        .route("/calendars/{year}", get(calendars::get_year::<S>).put(calendars::put_year::<S>))
        .route("/cases", get(cases::list::<S>).post(cases::register::<S>))
        .route("/cases/{id}", get(cases::get_case::<S>))
        .route("/cases/{id}/commands", post(cases::command::<S>))
        .route("/cases/{id}/timeline", get(cases::timeline::<S>))
        .route("/cases/{id}/documents", post(cases::upload::<S>))
        .route("/cases/{id}/documents/{sha256}", get(cases::download::<S>))
        .route("/inbox", get(cases::inbox::<S>))
        .route("/audit/checkpoint", get(audit::latest::<S>).post(audit::sign_now::<S>))
        .route("/audit/entries", get(audit::entries::<S>))
        .route("/audit/proof/inclusion", get(audit::inclusion::<S>))
        .route("/audit/proof/consistency", get(audit::consistency::<S>))
        .route("/audit/public-key", get(audit::public_key::<S>))
        .route("/audit/cosignatures", post(audit::cosign::<S>))
        .route("/openapi.json", get(crate::openapi::serve))
}

/// Parse an id from a path segment, naming it when it is not a number.
pub fn path_id(field: &'static str, raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().map_err(|_| AppError::field(field, format!("{raw:?} is not a numeric id")))
}
