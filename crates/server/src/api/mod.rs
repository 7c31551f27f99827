//! The JSON API under `/api/v1`.

pub mod audit;
pub mod calendars;
pub mod cases;
pub mod deadlines;
pub mod disputes;
pub mod grants;
pub mod knowledge;
pub mod limits;
pub mod org;
pub mod people;
pub mod tickets;
pub mod webhooks;
pub mod work;

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::routing::{get, post, put};
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
        serde_path_to_error::deserialize(de).map(ApiJson).map_err(field_error)
    }
}

use crate::dto::field_error;
pub use crate::dto::from_json;

/// Query parameters whose errors name the parameter: 422 problem+json, like a body's, instead
/// of axum's 400 in plain text. Invalid UTF-8 (after percent-decoding) is refused, not stored
/// with replacement characters.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, AppError> {
        let raw = parts.uri.query().unwrap_or("");
        for (name, _) in form_urlencoded::parse(raw.as_bytes()) {
            if name.contains('\u{FFFD}') {
                return Err(AppError::field("query", "a parameter name is not valid UTF-8"));
            }
        }
        for pair in raw.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded: Vec<u8> = percent_decode(value);
            if std::str::from_utf8(&decoded).is_err() {
                let name = form_urlencoded::parse(name.as_bytes()).next().map(|(k, _)| k.into_owned()).unwrap_or_default();
                return Err(AppError::field(name, "is not valid UTF-8"));
            }
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let inner = e.inner().to_string();
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() { inner.split('`').nth(1).map(str::to_owned).unwrap_or_else(|| "query".into()) } else { path };
            AppError::field(field, inner)
        })
    }
}

/// `%XX` and `+` decoded to bytes, as a query value carries them.
fn percent_decode(s: &str) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Every error the API answers is problem+json: the ones made below the handlers (a method not
/// allowed, a body over the limit, a rejected extractor) are rewritten into the same shape.
pub async fn problems_only(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    if !api {
        return res;
    }
    let is_problem = res.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res;
    }
    let (code, message) = match status.as_u16() {
        405 => ("method_not_allowed", "this path does not take that method"),
        413 => ("payload_too_large", "the body is larger than the server takes"),
        415 => ("unsupported_media_type", "the body's content type is not one this operation takes"),
        _ => ("bad_request", "the request could not be read"),
    };
    let mut out = AppError::Rule { code, message: message.into() }.into_response();
    *out.status_mut() = status;
    out
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
        .route("/admin-grants", get(grants::list::<S>))
        .route("/admin-grants/{id}/approve", post(grants::approve::<S>))
        .route("/admin-grants/{id}/refuse", post(grants::refuse::<S>))
        .route("/me", get(people::me::<S>))
        .route("/tokens", get(people::list_tokens::<S>).post(people::create_token::<S>))
        .route("/tokens/{id}", axum::routing::delete(people::revoke_token::<S>))
        .route("/auth/token", post(people::sign_in_for_token::<S>))
        .route("/security-events", get(people::security_events::<S>))
        .route("/deadlines", get(deadlines::catalogue))
        .route("/charges", get(deadlines::charges))
        .route("/deadlines/{rule}", get(deadlines::compute::<S>))
        .route("/calendars", get(calendars::list::<S>))
        .route("/calendars/{year}", get(calendars::get_year::<S>).put(calendars::put_year::<S>))
        .route("/cases", get(cases::list::<S>).post(cases::register::<S>))
        .route("/statistics/charges", get(cases::charge_tallies::<S>))
        .route("/cases/{id}", get(cases::get_case::<S>))
        .route("/cases/{id}/commands", post(cases::command::<S>))
        .route("/cases/{id}/timeline", get(cases::timeline::<S>))
        .route("/cases/{id}/documents", post(cases::upload::<S>))
        .route("/cases/{id}/documents/{sha256}", get(cases::download::<S>))
        .route("/inbox", get(cases::inbox::<S>))
        .route("/work", get(work::list::<S>))
        .route("/work/counts", get(work::counts::<S>))
        .route("/disputes", get(disputes::list::<S>).post(disputes::register::<S>))
        .route("/disputes/inbox", get(disputes::inbox::<S>))
        .route("/disputes/ledger", get(disputes::ledger::<S>))
        .route("/disputes/{id}", get(disputes::get_dispute::<S>))
        .route("/disputes/{id}/commands", post(disputes::command::<S>))
        .route("/disputes/{id}/timeline", get(disputes::timeline::<S>))
        .route("/mediators", get(disputes::mediators::<S>).post(disputes::add_mediator::<S>))
        .route("/mediators/{id}", axum::routing::delete(disputes::disable_mediator::<S>))
        .route("/tickets", get(tickets::list::<S>).post(tickets::register::<S>))
        .route("/tickets/earlier", get(tickets::earlier::<S>))
        .route("/tickets/indicators", get(tickets::indicators::<S>))
        .route("/tickets/{id}", get(tickets::get_ticket::<S>))
        .route("/tickets/{id}/commands", post(tickets::command::<S>))
        .route("/public/ticket-status", get(tickets::public_status::<S>))
        .route("/knowledge", get(knowledge::list::<S>).post(knowledge::add::<S>))
        .route("/knowledge/{id}/retire", post(knowledge::retire::<S>))
        .route("/knowledge/upkeep", get(knowledge::upkeep::<S>))
        .route("/knowledge/upkeep/{unit_id}/supervise", post(knowledge::supervise::<S>))
        .route("/knowledge/supervisions", get(knowledge::my_supervisions::<S>))
        .route("/limits", get(limits::list::<S>))
        .route("/limits/{region}/{rule}", put(limits::set::<S>).delete(limits::clear::<S>))
        .route("/risk-scale", get(limits::risk_scale::<S>))
        .route("/risk-scales/{region}", put(limits::set_risk_scale::<S>).delete(limits::clear_risk_scale::<S>))
        .route("/webhooks", get(webhooks::list::<S>).post(webhooks::create::<S>))
        .route("/webhooks/{id}", axum::routing::delete(webhooks::disable::<S>))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries::<S>))
        .route("/audit/checkpoint", get(audit::latest::<S>).post(audit::sign_now::<S>))
        .route("/audit/entries", get(audit::entries::<S>))
        .route("/audit/proof/inclusion", get(audit::inclusion::<S>))
        .route("/audit/proof/consistency", get(audit::consistency::<S>))
        .route("/audit/public-key", get(audit::public_key::<S>))
        .route("/audit/cosignatures", post(audit::cosign::<S>))
        .route("/openapi.json", get(crate::openapi::serve))
}
