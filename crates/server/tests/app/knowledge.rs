//! The hotline knowledge base through the API: a court keeps its answers, the county's 12345
//! operators find those valid today and answer a consultation on the call citing one; an expired,
//! retired or out-of-reach item cannot be cited. On both databases.

use crate::common::{Backend, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

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

both!(a_consultation_is_answered_from_an_item_valid_today);

fn consultation(title: &str) -> Value {
    json!({"channel": "phone", "kind": "consultation", "title": title, "content": "来电咨询", "caller": {"name": "赵敏", "phone": "13900001234"}})
}

async fn a_consultation_is_answered_from_an_item_valid_today(app: TestApp) {
    let court = app.token("court.990101").await;
    let police = app.token("police.990101").await;
    let centre = app.token("h12345.990101").await;
    let other_centre = app.token("h12345.990102").await;
    let add = |token: String, body: Value| {
        let app = &app;
        async move { app.post("/api/v1/knowledge", &token, body).await }
    };
    let r = add(court.clone(), json!({"question": "怎样申请诉前调解", "answer": "到诉讼服务中心申请，或在线提交。", "valid_from": "2026-01-01"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let item = r.json()["id"].as_i64().unwrap();
    let old =
        add(court.clone(), json!({"question": "旧版诉前调解口径", "answer": "已废止", "valid_from": "2025-01-01", "valid_until": "2026-11-29"})).await.json();
    let old = old["id"].as_i64().unwrap();
    // Bad input names the field and stores nothing.
    let r = add(court.clone(), json!({"question": "x", "answer": "y", "valid_from": "2026-12-01", "valid_until": "2026-11-01"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("valid_until")), "{}", r.text());
    let r = add(court.clone(), json!({"question": "", "answer": "y"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("question")), "{}", r.text());
    assert_eq!(app.get("/api/v1/knowledge?own=true", &court).await.json()["total"], 2, "the court's own: both, the expired one too");

    // The county's centre finds what holds today; the expired item is not offered.
    let found = app.get("/api/v1/knowledge?q=诉前调解", &centre).await.json();
    let ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|k| k["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![item], "{found}");
    // Another county's centre does not reach the county court's items.
    assert_eq!(app.get("/api/v1/knowledge?q=诉前调解", &other_centre).await.json()["total"], 0);

    let call = |token: String, title: &'static str| {
        let app = &app;
        async move { app.post("/api/v1/tickets", &token, consultation(title)).await.json()["id"].as_i64().unwrap() }
    };
    let cmd = |token: String, id: i64, body: Value| {
        let app = &app;
        async move { app.post(&format!("/api/v1/tickets/{id}/commands"), &token, body).await }
    };
    let id = call(centre.clone(), "咨询诉前调解").await;
    let r = cmd(centre.clone(), id, json!({"command": "answer_on_call", "item": old})).await;
    let p = r.json();
    assert_eq!((r.status, p["code"].as_str()), (StatusCode::CONFLICT, Some("knowledge_not_valid")), "{p}");
    let r = cmd(centre.clone(), id, json!({"command": "answer_on_call"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("answer")), "{}", r.text());
    let other = call(other_centre.clone(), "咨询诉前调解").await;
    let r = cmd(other_centre.clone(), other, json!({"command": "answer_on_call", "item": item})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("item")), "out of reach: {}", r.text());
    // Cited with no answer typed: the item's answer is given, and the record names the item.
    let r = cmd(centre.clone(), id, json!({"command": "answer_on_call", "item": item})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let t = r.json();
    assert_eq!((t["stage"].as_str(), t["outcome"].as_str()), (Some("closed"), Some("answered_on_call")));
    let timeline = app.get(&format!("/api/v1/tickets/{id}"), &centre).await.json();
    let record = timeline.to_string();
    assert!(record.contains("到诉讼服务中心申请") && record.contains("怎样申请诉前调解"), "{record}");

    // Only the court's own members retire its items; a retired item is no longer offered or cited.
    let r = app.post(&format!("/api/v1/knowledge/{item}/retire"), &police, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = app.post(&format!("/api/v1/knowledge/{item}/retire"), &court, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["retired_at"].is_string());
    assert_eq!(app.post(&format!("/api/v1/knowledge/{item}/retire"), &court, json!({})).await.status, StatusCode::CONFLICT);
    assert_eq!(app.get("/api/v1/knowledge?q=诉前调解", &centre).await.json()["total"], 0);
    let again = call(centre.clone(), "再问诉前调解").await;
    let r = cmd(centre.clone(), again, json!({"command": "answer_on_call", "item": item})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("item")), "{}", r.text());
}
