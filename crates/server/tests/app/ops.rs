use crate::common::{Backend, TestApp};

crate::on_both_backends!(security_headers_on_every_response, out_of_range_numbers_are_refused_not_panicked_on, query_errors_name_the_parameter);
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = TestApp::new(Backend::Sqlite).await;
    assert_eq!(app.api(Method::GET, "/healthz", None, None).await.status, StatusCode::OK);
    let ready = app.api(Method::GET, "/readyz", None, None).await;
    assert_eq!((ready.status, ready.text().as_str()), (StatusCode::OK, "ready"));
    assert!(ready.headers.get("x-request-id").is_some(), "every response carries a request id");
    app.api(Method::GET, "/api/v1/me", None, None).await;
    let metrics = app.api(Method::GET, "/metrics", None, None).await.text();
    assert!(metrics.contains("xiezhi_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"} 1"), "{metrics}");
    assert!(metrics.contains("xiezhi_http_request_duration_seconds_bucket"), "{metrics}");
    let missing = app.api(Method::GET, "/api/v1/nothing", None, None).await;
    assert_eq!((missing.status, missing.json()["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.store.close().await;
    assert_eq!(app.api(Method::GET, "/readyz", None, None).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.api(Method::GET, "/healthz", None, None).await.status, StatusCode::OK);
}

/// The committed `openapi.json` is the document the code generates. To refresh it:
/// `cargo run -- openapi > openapi.json`.
#[tokio::test]
async fn the_committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json")).unwrap_or_default();
    let generated = xiezhi_server::openapi::document();
    assert!(committed == generated, "openapi.json is stale: run `cargo run -- openapi > openapi.json` and commit it");
    let app = TestApp::new(Backend::Sqlite).await;
    let served = app.api(Method::GET, "/api/v1/openapi.json", None, None).await.json();
    assert_eq!(served, serde_json::from_str::<serde_json::Value>(&generated).unwrap());
    for path in ["/api/v1/units", "/api/v1/deadlines/{rule}", "/api/v1/units/import", "/api/v1/auth/token"] {
        assert!(served["paths"].get(path).is_some(), "{path} is documented");
    }
    // The case a client reads is typed all the way down: no field of it is a bare object.
    let case = served["components"]["schemas"]["CaseDto"]["properties"].as_object().expect("CaseDto is documented");
    for (name, schema) in case {
        let s = schema.to_string();
        assert!(!s.contains(r#""type":"object""#) || s.contains("properties") || s.contains("$ref"), "CaseDto.{name} is a bare object: {s}");
    }
    for typed in ["Handover", "UnitRef", "Document", "Person", "AgencyNumberDto", "OpenCommandDto"] {
        assert!(served["components"]["schemas"].get(typed).is_some(), "{typed} has a schema");
    }
}

/// Every response says how a browser may treat it: no inline script, no framing, no sniffing;
/// signed-in pages, API answers and downloads are never cached, the assets are.
async fn security_headers_on_every_response(app: TestApp) {
    let cookie = app.browser_session("police.990101").await;
    let token = app.token("police.990101").await;
    let page = app.page(Method::GET, "/", Some(&cookie), None).await;
    let api = app.get("/api/v1/me", &token).await;
    let problem = app.api(Method::GET, "/api/v1/me", None, None).await;
    let sign_in = app.page(Method::GET, "/sign-in", None, None).await;
    for (what, r) in [("page", &page), ("api", &api), ("problem", &problem), ("sign-in", &sign_in)] {
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{what}: {csp}");
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(r.headers["x-frame-options"], "DENY", "{what}");
        assert_eq!(r.headers["referrer-policy"], "same-origin", "{what}");
        assert_eq!(r.headers["cache-control"], "no-store", "{what}");
    }
    let asset = app.page(Method::GET, "/assets/app.css", None, None).await;
    assert_eq!(asset.headers["cache-control"], "public, max-age=3600");
}

/// Numbers from the query are range-checked: the value that overflowed a date and dropped the
/// connection is a 422 naming the parameter.
async fn out_of_range_numbers_are_refused_not_panicked_on(app: TestApp) {
    let token = app.token("police.990101").await;
    for q in ["due_within=2912111", "due_within=-1"] {
        let r = app.get(&format!("/api/v1/cases?{q}"), &token).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("due_within")), "{q}: {}", r.text());
    }
    let cookie = app.browser_session("police.990101").await;
    let r = app.page(Method::GET, "/cases?within=2912111", Some(&cookie), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Query parameters are parsed like bodies: a bad or unknown one is 422 problem+json naming it
/// (axum's own rejection was a plain-text 400), and errors made below the handlers — a method
/// the path does not take — are problem+json too.
async fn query_errors_name_the_parameter(app: TestApp) {
    let token = app.token("police.990101").await;
    for (q, field) in [("limit=many", "limit"), ("colour=red", "colour"), ("overdue=perhaps", "overdue"), ("stage=%FF", "stage")] {
        let r = app.get(&format!("/api/v1/cases?{q}"), &token).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", r.text());
        assert_eq!(r.headers["content-type"], "application/problem+json", "{q}");
        assert_eq!(r.json()["field"], field, "{q}: {}", r.text());
    }
    let r = app.api(Method::DELETE, "/api/v1/cases", Some(&token), None).await;
    assert_eq!((r.status, r.headers["content-type"].to_str().unwrap()), (StatusCode::METHOD_NOT_ALLOWED, "application/problem+json"));
    assert_eq!(r.json()["code"], "method_not_allowed");
}

/// SIGTERM while a request is half sent: the server stops taking connections but the request
/// in flight is answered, and only then does `serve` return.
#[tokio::test]
async fn shutdown_finishes_the_requests_in_flight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::new(Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xiezhi_server::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let body = format!(r#"{{"username": "police.990101", "password": "{}", "name": "x"}}"#, crate::common::PASSWORD);
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(!server.is_finished(), "the server waits for the request in flight");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "and takes no new connections");
    s.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    tokio::time::timeout(std::time::Duration::from_secs(10), server).await.expect("serve returns").unwrap().unwrap();
}
