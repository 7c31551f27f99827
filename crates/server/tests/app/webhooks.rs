//! A partner's own system told of new referrals by signed webhooks from a durable outbox, on
//! both databases, against a real receiver on loopback.

use crate::common::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::TestApp::at(super::Backend::Sqlite, "2026-11-30 09:00").await).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::TestApp::at(super::Backend::Postgres, "2026-11-30 09:00").await).await; })*
        }
    };
}

both!(a_partner_system_is_told_of_a_referral_even_when_it_was_down);

/// What the receiver got: the headers that matter and the body.
type Received = Arc<Mutex<Vec<(String, String, String, String)>>>;

async fn receiver(listener: tokio::net::TcpListener, got: Received) {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let got = got.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                got.lock().unwrap().push((h("x-xiezhi-delivery"), h("x-xiezhi-timestamp"), h("x-xiezhi-signature"), body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    axum::serve(listener, app).await.unwrap();
}

async fn a_partner_system_is_told_of_a_referral_even_when_it_was_down(app: TestApp) {
    // The federation gets an administrator (asked by the city, approved by the province).
    let city = app.token("admin.990100").await;
    let women_unit = app.unit_id(&city, "990101", "womens_federation").await;
    let asked = app
        .post(
            "/api/v1/users",
            &city,
            json!({"unit_id": women_unit, "username": "women.it", "display_name": "信息员", "roles": ["admin"], "password": "a-long-password"}),
        )
        .await;
    let grant = asked.json()["admin_grant_pending"].as_i64().unwrap();
    let root = app.token("admin").await;
    assert_eq!(app.post(&format!("/api/v1/admin-grants/{grant}/approve"), &root, json!({})).await.status, StatusCode::OK);
    let r = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "women.it", "password": "a-long-password", "name": "it"}))).await;
    let it = r.json()["secret"].as_str().unwrap().to_string();

    // A port with nobody listening yet: the partner's system is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let r = app.post("/api/v1/webhooks", &it, json!({"url": "https://partner.example/hook"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("url")), "{}", r.text());
    let mediator = app.token("women.990101").await;
    assert_eq!(app.post("/api/v1/webhooks", &mediator, json!({"url": url})).await.status, StatusCode::FORBIDDEN, "administrators only");
    let r = app.post("/api/v1/webhooks", &it, json!({"url": url})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let hook = r.json();
    let (hook_id, secret) = (hook["id"].as_i64().unwrap(), hook["secret"].as_str().unwrap().to_string());
    assert!(app.get("/api/v1/webhooks", &it).await.json()[0].get("secret").is_none(), "the secret is shown once");

    let centre = app.token("governance.990101").await;
    let d = app
        .post(
            "/api/v1/disputes",
            &centre,
            json!({"title": "推送测试", "channel": "governance_centre", "category": "marriage_family", "parties": [{"name": "甲", "role": "applicant"}, {"name": "乙", "role": "respondent"}]}),
        )
        .await
        .json();
    let id = d["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/disputes/{id}/commands"), &centre, json!({"command": "refer", "kind": "partner", "to": women_unit})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(xiezhi_store::OutboxStore::undelivered(&app.store).await.unwrap(), 1, "written with the referral");

    let client = xiezhi_server::outbox::client();
    let pass = xiezhi_server::outbox::deliver_due(&app.state, &client, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed), (0, 1), "down: nothing delivered, nothing lost");
    let log = app.get(&format!("/api/v1/webhooks/{hook_id}/deliveries"), &it).await.json();
    assert_eq!((log[0]["attempts"].as_i64(), log[0]["delivered_at"].is_null()), (Some(1), true), "{log}");
    assert!(log[0]["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{log}");

    // The receiver comes up; the retry waits for its backoff, then goes through.
    let got: Received = Arc::default();
    tokio::spawn(receiver(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap(), got.clone()));
    let pass = xiezhi_server::outbox::deliver_due(&app.state, &client, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed), (0, 0), "not due before its backoff");
    app.set_time("2026-11-30 09:01");
    let pass = xiezhi_server::outbox::deliver_due(&app.state, &client, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed), (1, 0));
    let (delivery, timestamp, signature, body) = got.lock().unwrap()[0].clone();
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((v["kind"].as_str(), v["subject"].as_str()), (Some("dispute.referred"), Some(format!("dispute:{id}").as_str())), "{v}");
    assert_eq!(v["data"]["event"]["referral"]["to"]["id"].as_i64(), Some(women_unit), "{v}");
    assert_eq!(delivery, v["delivery"].to_string());
    // The receiver checks the signature with the secret it was given.
    assert_eq!(signature, xiezhi_server::outbox::signature(&secret, timestamp.parse().unwrap(), &body));
    assert_ne!(signature, xiezhi_server::outbox::signature("a guess", timestamp.parse().unwrap(), &body));
    // The README's receiver check, run as written: it takes this delivery and refuses a forgery.
    let readme = include_str!("../../../../README.md");
    let code = readme.split("```python\n").nth(1).and_then(|r| r.split("```").next()).expect("the README's receiver check");
    let check = format!(
        "{code}\nimport sys\ntime.time = lambda: int(sys.argv[2])\nbody = sys.stdin.buffer.read()\nprint(genuine(sys.argv[1], sys.argv[2], body, sys.argv[3]), genuine(sys.argv[1], sys.argv[2], body + b' ', sys.argv[3]))"
    );
    let mut py = std::process::Command::new("python3")
        .args(["-c", &check, &secret, &timestamp, &signature])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(py.stdin.as_mut().unwrap(), body.as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True False", "the README's check accepts the delivery and refuses a changed body");
    let log = app.get(&format!("/api/v1/webhooks/{hook_id}/deliveries"), &it).await.json();
    assert_eq!((log[0]["attempts"].as_i64(), log[0]["last_status"].as_i64()), (Some(2), Some(204)), "{log}");
    assert!(log[0]["delivered_at"].is_string());
    assert_eq!(xiezhi_store::OutboxStore::undelivered(&app.store).await.unwrap(), 0);
    // Delivered once: a second pass sends nothing again.
    assert_eq!(xiezhi_server::outbox::deliver_due(&app.state, &client, 100).await.unwrap(), xiezhi_server::outbox::Pass::default());
    // Stopped: the next referral is not queued for it.
    assert_eq!(app.api(Method::DELETE, &format!("/api/v1/webhooks/{hook_id}"), Some(&it), None).await.status, StatusCode::OK);
    let other = app.api(Method::DELETE, &format!("/api/v1/webhooks/{hook_id}"), Some(&centre), None).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "another unit's subscription: {}", other.text());
}
