//! `Idempotency-Key` on POST requests to the API: a retried request never applies twice.
//!
//! The key is claimed before the handler runs and scoped to the caller's credentials, and bound
//! to the request: method, path with its query string, content type and body. The same key on
//! anything else is 422 `idempotency_key_reused` (a dry run replayed as the real import would be
//! a silent loss). A success is stored and replayed to retries — except an answer that carries a
//! secret (a new API token), which is never stored: its retry gets 409
//! `idempotency_secret_not_replayed`. A refusal (4xx/5xx, which changes nothing) releases the key. If the first attempt is still running, or was cut off by a crash after
//! the key was claimed, a retry gets 409 `idempotency_in_flight`: check the resource instead of
//! risking a second application.

use crate::error::AppError;
use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use xiezhi_store::{Idempotent, Store};

pub const HEADER: &str = "idempotency-key";
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The scope a key lives in: the caller's credentials (the Authorization or Cookie header), hashed.
pub fn scope_of(credentials: &[u8]) -> String {
    hex::encode(Sha256::digest(credentials))
}

/// What a key is bound to: method, path with query, content type and body, each length-prefixed.
pub fn request_hash(method: &str, path_and_query: &str, content_type: &[u8], body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes(), content_type] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(body);
    hex::encode(h.finalize())
}

pub async fn guard<S: Store>(State(st): State<AppState<S>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER).map(|v| v.to_str().map(str::to_owned)) else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 200 => k,
        _ => return AppError::field("idempotency-key", "must be 1 to 200 visible characters").into_response(),
    };
    // Scope keys to the credentials, so one caller's keys never answer another's requests.
    let credentials = req.headers().get(header::AUTHORIZATION).or_else(|| req.headers().get(header::COOKIE)).map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    let scope = scope_of(&credentials);
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return AppError::field("body", e.to_string()).into_response(),
    };
    // The path as the client sent it (inside the nested API router the prefix is stripped).
    let uri = parts.extensions.get::<axum::extract::OriginalUri>().map_or(&parts.uri, |o| &o.0);
    let request_hash = request_hash(
        parts.method.as_str(),
        uri.path_and_query().map(|p| p.as_str()).unwrap_or(""),
        parts.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()).unwrap_or_default(),
        &bytes,
    );
    match st.store.idempotency_begin(&scope, &key, &request_hash, st.clock.now_us()).await {
        Err(e) => return AppError::from(e).into_response(),
        Ok(Idempotent::Mismatch) => {
            return AppError::Rule {
                code: "idempotency_key_reused",
                message: "idempotency-key: this key was used for a different request (method, path and query, content type or body); use a new key".into(),
            }
            .into_response()
        }
        Ok(Idempotent::InFlight) => {
            return AppError::Refused {
                forbidden: false,
                code: "idempotency_in_flight",
                state: "the first request with this key has not finished".into(),
                rule: "a retried request never applies twice".into(),
                message: "a request with this key is in progress or was interrupted; check the resource before retrying with a new key".into(),
            }
            .into_response()
        }
        Ok(Idempotent::Done { status, body }) => {
            let problem = !(200..300).contains(&status);
            let mut res = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            let kind = if problem { "application/problem+json" } else { "application/json" };
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            res.headers_mut().insert("idempotent-replay", HeaderValue::from_static("true"));
            return res;
        }
        Ok(Idempotent::Fresh) => {}
    }
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = res.status();
    if !status.is_success() {
        let _ = st.store.idempotency_finish(&scope, &key, None).await;
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return AppError::Internal(e.to_string()).into_response(),
    };
    let carries_secret = serde_json::from_slice::<serde_json::Value>(&bytes).ok().is_some_and(|v| v.get("secret").is_some());
    let answer = if carries_secret { withheld() } else { (status.as_u16(), String::from_utf8_lossy(&bytes).into_owned()) };
    if let Err(e) = st.store.idempotency_finish(&scope, &key, Some(answer)).await {
        tracing::error!(error = %e, "could not record the idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// What is stored in place of an answer that carried a secret: the secret is never written to
/// the database, so a retry is told what happened instead of getting it again.
fn withheld() -> (u16, String) {
    let problem = crate::error::Problem {
        kind: "urn:xiezhi:problem:idempotency_secret_not_replayed".into(),
        title: "Conflict".into(),
        status: 409,
        detail: "the first request with this key succeeded and its answer carried a secret, which is never stored; list your tokens (GET /api/v1/tokens) and revoke the one you did not receive".into(),
        code: "idempotency_secret_not_replayed".into(),
        field: None,
        state: None,
        rule: None,
    };
    (409, serde_json::to_string(&problem).unwrap_or_default())
}
