//! Kill the server (SIGKILL) while clients walk cases through it, on SQLite and on PostgreSQL:
//! every command it acknowledged is in the record afterwards, nothing is half-applied (every read
//! model equals the replay of its events, the audit log verifies), and the restarted server
//! carries on from there.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xiezhi_store::{SqlStore, Store};

mod common;
use common::{db_args, serve, text, xiezhi};

type Http = Client<HttpConnector, Full<Bytes>>;

async fn call(http: &Http, base: &str, path: &str, token: Option<&str>, body: Value) -> Result<(u16, Value), String> {
    let mut req = http::Request::builder().method("POST").uri(format!("{base}{path}")).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = http.request(req.body(Full::new(Bytes::from(body.to_string()))).unwrap()).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

async fn token(http: &Http, base: &str, user: &str) -> String {
    let (status, v) = call(http, base, "/api/v1/auth/token", None, json!({"username": user, "password": "xiezhi-demo", "name": "crash"})).await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["secret"].as_str().unwrap().to_string()
}

async fn unit(http: &Http, base: &str, token: &str, region: &str, kind: &str) -> i64 {
    let req = http::Request::builder()
        .uri(format!("{base}/api/v1/units?region={region}&kind={kind}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let bytes = http.request(req).await.unwrap().into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice::<Value>(&bytes).unwrap()[0]["id"].as_i64().unwrap()
}

/// What the server acknowledged: case, version after the command, the command's leaves.
type Acks = Arc<Mutex<Vec<(i64, i64, Vec<i64>)>>>;

fn crash_and_recover(url: Option<String>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let mut server = serve(&data, &url, &[]);
    let base = server.1.clone();
    let acks: Acks = Arc::default();
    let http: Http = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();

    rt.block_on(async {
        let police = token(&http, &base, "police.990101").await;
        let prosecutor = token(&http, &base, "procuratorate.990101").await;
        let judge = token(&http, &base, "court.990101").await;
        let procuratorate = unit(&http, &base, &police, "990101", "procuratorate").await;
        let court = unit(&http, &base, &police, "990101", "court_basic").await;
        let steps = Arc::new(vec![
            (police.clone(), json!({"command": "request_arrest_approval", "to": procuratorate})),
            (prosecutor.clone(), json!({"command": "receive"})),
            (prosecutor.clone(), json!({"command": "approve_arrest"})),
            (police.clone(), json!({"command": "transfer_for_prosecution", "to": procuratorate})),
            (prosecutor.clone(), json!({"command": "receive"})),
            (prosecutor.clone(), json!({"command": "accept_for_review", "plea": true})),
            (prosecutor.clone(), json!({"command": "indict", "to": court})),
            (judge.clone(), json!({"command": "receive"})),
        ]);
        let mut clients = Vec::new();
        for k in 0..12 {
            let (http, base, acks, steps, police) = (http.clone(), base.clone(), acks.clone(), steps.clone(), police.clone());
            clients.push(tokio::spawn(async move {
                for i in 0.. {
                    let body = json!({"case_no": format!("CRASH-{k}-{i}"), "title": "盗窃案", "persons": [{"name": "张某", "custody": "detained"}]});
                    let case = match call(&http, &base, "/api/v1/cases", Some(&police), body).await {
                        Ok((201, case)) => case,
                        Ok((status, v)) => panic!("registration refused: {status} {v}"),
                        Err(_) => return, // the server is gone
                    };
                    let id = case["id"].as_i64().unwrap();
                    acks.lock().unwrap().push((id, case["version"].as_i64().unwrap(), serde_json::from_value(case["audit_leaves"].clone()).unwrap()));
                    for (token, command) in steps.iter() {
                        match call(&http, &base, &format!("/api/v1/cases/{id}/commands"), Some(token), command.clone()).await {
                            Ok((200, c)) => {
                                acks.lock().unwrap().push((id, c["version"].as_i64().unwrap(), serde_json::from_value(c["audit_leaves"].clone()).unwrap()))
                            }
                            Ok((status, v)) => panic!("{command}: {status} {v}"),
                            Err(_) => return, // the server is gone
                        }
                    }
                }
            }));
        }
        // Let the load build up, then pull the plug without warning — within a minute, and
        // failing loudly if the clients stopped (one that panics stops the run, not hangs it).
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while acks.lock().unwrap().len() < 400 {
            assert!(!clients.iter().any(|c| c.is_finished()), "a client stopped before the crash, after {} acknowledgements", acks.lock().unwrap().len());
            assert!(std::time::Instant::now() < deadline, "only {} acknowledgements in 60 s", acks.lock().unwrap().len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.0.kill().unwrap();
        server.0.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
    });
    drop(server);
    let acks = acks.lock().unwrap().clone();
    assert!(acks.len() >= 400);

    // Every acknowledged command is in the record, at or beyond the acknowledged version.
    let store = rt.block_on(SqlStore::connect(&url.clone().unwrap_or_else(|| format!("sqlite://{data}/xiezhi.db")))).unwrap();
    for (id, version, leaves) in &acks {
        let case = rt.block_on(store.case(*id)).unwrap().unwrap_or_else(|| panic!("acknowledged case {id} lost"));
        assert!(case.version >= *version, "case {id}: version {} < acknowledged {version}", case.version);
        let events = rt.block_on(store.events_of(&format!("case:{id}"), 1000)).unwrap();
        for leaf in leaves {
            assert!(events.iter().any(|e| e.seq == *leaf), "case {id}: acknowledged leaf {leaf} lost");
        }
    }
    rt.block_on(store.close());

    // Nothing half-applied: every read model equals its replay; the audit log verifies.
    let db = db_args(&data, &url);
    let db: Vec<&str> = db.iter().map(String::as_str).collect();
    let check = xiezhi(&[&["rebuild", "--check"][..], &db].concat(), None);
    assert!(check.status.success() && text(&check).contains("every read model equals the replay"), "{}", text(&check));
    let verify = xiezhi(&[&["audit", "verify"][..], &db].concat(), None);
    assert!(verify.status.success(), "{}", text(&verify));

    // The restarted server answers for an acknowledged case as the record has it.
    let server = serve(&data, &url, &[]);
    let (id, version, _) = acks[acks.len() / 2];
    rt.block_on(async {
        let police = token(&http, &server.1, "police.990101").await;
        let req = http::Request::builder()
            .uri(format!("{}/api/v1/cases/{id}", server.1))
            .header("authorization", format!("Bearer {police}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let res = http.request(req).await.unwrap();
        assert_eq!(res.status(), 200);
        let case: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert!(case["version"].as_i64().unwrap() >= version, "{case}");
    });
}

#[test]
fn sqlite_acknowledged_commands_survive_a_kill() {
    crash_and_recover(None);
}

/// With the database's own durability on: the other tests' cluster runs with `fsync=off` for
/// speed; this one runs on a cluster with `fsync=on` and `synchronous_commit=on`, and checks it.
#[test]
fn postgres_acknowledged_commands_survive_a_kill() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_durable_postgres());
    rt.block_on(async {
        for (setting, want) in [("fsync", "on"), ("synchronous_commit", "on")] {
            let (value,): (String,) = sqlx::query_as(&format!("SHOW {setting}")).fetch_one(store.pool()).await.unwrap();
            assert_eq!(value, want, "{setting}");
        }
        store.close().await;
    });
    crash_and_recover(Some(url));
}
