//! Webhooks survive a kill: referrals keep a partner's system busy while the server is killed
//! (SIGKILL) in mid-delivery; after the restart every notice of an acknowledged referral reaches
//! the partner's receiver — at least once, signed — and none is left undelivered. On SQLite and
//! on PostgreSQL.

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xiezhi_store::{OutboxStore, SqlStore};

mod common;
use common::http::{call, client, token, unit, Http};
use common::serve;

/// Subject → delivery ids the receiver was given (a slow receiver: 20 ms an answer, so the kill
/// finds deliveries claimed but not yet recorded).
type Got = Arc<Mutex<HashMap<String, HashSet<String>>>>;

fn kill_while_delivering(data: &std::path::Path, url: Option<String>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let data = data.to_str().unwrap().to_string();
    let env = [("XIEZHI__WEBHOOK_LEASE_SECONDS", "2")];
    let mut server = serve(&data, &url, &env);
    let base = server.1.clone();
    let http: Http = client();
    let got: Got = Arc::default();
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let down = Arc::new(AtomicBool::new(false));

    rt.block_on(async {
        // The partner's system: records each delivery's subject and id, checks it is signed.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook = format!("http://{}/hook", listener.local_addr().unwrap());
        let g = got.clone();
        tokio::spawn(async move {
            let app = axum::Router::new().route(
                "/hook",
                axum::routing::post(move |headers: HeaderMap, body: String| {
                    let got = g.clone();
                    async move {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let v: Value = serde_json::from_str(&body).unwrap_or_default();
                        let id = headers.get("x-xiezhi-delivery").and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
                        assert!(headers.get("x-xiezhi-signature").is_some_and(|s| s.to_str().unwrap_or_default().starts_with("v1=")));
                        got.lock().unwrap().entry(v["subject"].as_str().unwrap_or_default().to_string()).or_default().insert(id);
                        StatusCode::NO_CONTENT
                    }
                }),
            );
            axum::serve(listener, app).await.unwrap();
        });

        // The federation's administrator (asked by the city, approved by the province) subscribes.
        let city = token(&http, &base, "admin.990100", "xiezhi-demo").await;
        let women = unit(&http, &base, &city, "990101", "womens_federation").await;
        let body = json!({"unit_id": women, "username": "women.it", "display_name": "信息员", "roles": ["admin"], "password": "a-long-password"});
        let (_, asked) = call(&http, &base, "/api/v1/users", Some(&city), body).await.unwrap();
        let grant = asked["admin_grant_pending"].as_i64().unwrap();
        let root = token(&http, &base, "admin", "xiezhi-demo").await;
        assert_eq!(call(&http, &base, &format!("/api/v1/admin-grants/{grant}/approve"), Some(&root), json!({})).await.unwrap().0, 200);
        let it = token(&http, &base, "women.it", "a-long-password").await;
        let (status, v) = call(&http, &base, "/api/v1/webhooks", Some(&it), json!({"url": hook})).await.unwrap();
        assert_eq!(status, 201, "{v}");

        // Window clerks register marriage disputes and refer them to the federation.
        let centre = token(&http, &base, "governance.990101", "xiezhi-demo").await;
        let mut clients = Vec::new();
        for k in 0..8 {
            let (http, base, centre, acked, down) = (http.clone(), base.clone(), centre.clone(), acked.clone(), down.clone());
            clients.push(tokio::spawn(async move {
                for i in 0.. {
                    let body = json!({"title": format!("推送 {k}-{i}"), "channel": "governance_centre", "category": "marriage_family",
                        "parties": [{"name": "甲", "role": "applicant"}, {"name": "乙", "role": "respondent"}]});
                    let id = match call(&http, &base, "/api/v1/disputes", Some(&centre), body).await {
                        Ok((201, d)) => d["id"].as_i64().unwrap(),
                        Ok(_) if down.load(Ordering::SeqCst) => return,
                        Ok((s, v)) => panic!("registration refused: {s} {v}"),
                        Err(_) => return,
                    };
                    let refer = json!({"command": "refer", "kind": "partner", "to": women});
                    match call(&http, &base, &format!("/api/v1/disputes/{id}/commands"), Some(&centre), refer).await {
                        Ok((200, _)) => acked.lock().unwrap().push(id),
                        Ok(_) if down.load(Ordering::SeqCst) => return,
                        Ok((s, v)) => panic!("referral refused: {s} {v}"),
                        Err(_) => return,
                    }
                }
            }));
        }
        // Kill it once referrals are acknowledged and deliveries are under way.
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.lock().unwrap().len() < 150 || got.lock().unwrap().len() < 20 {
            assert!(!clients.iter().any(|c| c.is_finished()), "a client stopped before the kill");
            assert!(Instant::now() < deadline, "only {} referrals in 60 s", acked.lock().unwrap().len());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        down.store(true, Ordering::SeqCst);
        server.0.kill().unwrap();
        server.0.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        let before = acked.iter().filter(|id| got.lock().unwrap().contains_key(&format!("dispute:{id}"))).count();
        assert!(before < acked.len(), "the kill came before every notice was delivered (else it proved nothing)");

        // Restarted, the server delivers the rest: every acknowledged referral's notice arrives.
        let server = serve(&data, &url, &env);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let missing: Vec<i64> = acked.iter().copied().filter(|id| !got.lock().unwrap().contains_key(&format!("dispute:{id}"))).collect();
            if missing.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {} acknowledged referrals never reached the partner: {:?}…",
                missing.len(),
                acked.len(),
                &missing[..missing.len().min(5)]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // And the outbox records them all as delivered.
        let store = SqlStore::connect(&url.clone().unwrap_or_else(|| format!("sqlite://{data}/xiezhi.db"))).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while store.undelivered().await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "deliveries left undelivered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sent_twice = got.lock().unwrap().values().filter(|ids| ids.len() > 1).count();
        eprintln!("{} referrals acknowledged, {before} delivered before the kill, all delivered after; {sent_twice} sent twice (at least once)", acked.len());
        store.close().await;
        drop(server);
    });
}

#[test]
fn sqlite_webhooks_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    kill_while_delivering(dir.path(), None);
}

#[test]
fn postgres_webhooks_survive_a_kill() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_durable_postgres());
    rt.block_on(store.close());
    let dir = tempfile::tempdir().unwrap();
    kill_while_delivering(dir.path(), Some(url));
}
