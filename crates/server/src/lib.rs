//! HTTP for xiezhi: the JSON API under `/api/v1`, the pages, and operations endpoints.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod demo;
pub mod download;
pub mod dto;
pub mod error;
pub mod i18n;
pub mod idempotency;
pub mod metrics;
pub mod open311;
pub mod openapi;
pub mod outbox;
pub mod pages;
pub mod state;

pub use state::{AppState, ServerConfig};

use axum::extract::State;
use axum::http::{header, HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use xiezhi_store::Store;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application.
pub fn app<S: Store>(state: AppState<S>) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
    });
    Router::new()
        .merge(pages::router::<S>().fallback(pages::not_found).layer(axum::middleware::from_fn_with_state(state.clone(), pages::errors_in_layout::<S>)))
        .nest("/open311/v2", open311::router::<S>())
        .nest("/api/v1", api::router::<S>().layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::guard::<S>)))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz::<S>))
        .route("/metrics", get(metrics_text::<S>))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(16 * 1024 * 1024))
        .layer(axum::middleware::from_fn(api::problems_only))
        // Multipart uploads read up to the dossier's limit themselves.
        .layer(axum::extract::DefaultBodyLimit::max(app::cases::MAX_DOCUMENT + 64 * 1024))
        .layer(axum::middleware::from_fn(security_headers))
        // A panic in a handler is a 500 problem, logged — never a dropped connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let cause = cause.downcast_ref::<String>().cloned().or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
    error::AppError::Internal(format!("handler panicked: {cause}")).into_response()
}

/// Headers every response carries: a content security policy with no inline script, no
/// framing, no type sniffing, no referrer to other sites; and, unless a response says it may be
/// cached (the assets), nothing signed-in is kept by a browser or proxy.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::HeaderValue;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: header::HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    res
}

async fn readyz<S: Store>(State(st): State<AppState<S>>) -> impl IntoResponse {
    match st.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn metrics_text<S: Store>(State(st): State<AppState<S>>) -> impl IntoResponse {
    let next = st.clock.china().date().year() + 1;
    st.metrics.calendar_next_year_loaded.set(i64::from(st.calendar().has_year(next)));
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &st.registry) {
        return (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain")], e.to_string());
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], out)
}

/// Serve until `shutdown` completes, then finish the requests in flight. Meanwhile sign audit
/// checkpoints in the background while the log grows.
pub async fn serve<S: Store>(
    listener: tokio::net::TcpListener,
    state: AppState<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let every = std::time::Duration::from_secs(state.config.checkpoint_seconds.max(1));
    let checkpointer = tokio::spawn(audit::run_checkpointer(state.clone(), every));
    // The stored calendar years, before the first request; then the clocks that were counted
    // provisionally and whose year is loaded now (a file added, another server's load).
    if let Err(e) = app::calendars::refresh(&state).await {
        tracing::error!(error = %e, "reading stored holiday calendars");
    }
    let recompute = {
        let st = state.clone();
        tokio::spawn(async move {
            if let Err(e) = app::calendars::recompute(&st, None, xiezhi_store::By::system(st.clock.now_us())).await {
                tracing::warn!(error = %e, "recomputing provisional clocks");
            }
        })
    };
    let follower = tokio::spawn(app::calendars::follow(state.clone(), std::time::Duration::from_secs(15)));
    let webhooks = tokio::spawn(outbox::run(state.clone()));
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await;
    checkpointer.abort();
    follower.abort();
    recompute.abort();
    webhooks.abort();
    served
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_problem_json() {
        let app: axum::Router = axum::Router::new()
            .route("/boom", get(|| async { panic!("kaboom") as &'static str }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(super::panicked));
        let res = app.oneshot(axum::http::Request::builder().uri("/boom").body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), 500);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}
