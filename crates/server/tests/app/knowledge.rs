//! The hotline knowledge base through the API: a court keeps its answers, the county's 12345
//! operators find those valid today and answer a consultation on the call citing one; an expired,
//! retired or out-of-reach item cannot be cited. On both databases.

use crate::common::{csrf_of, Backend, TestApp};
use axum::http::{Method, StatusCode};
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

both!(a_consultation_is_answered_from_an_item_valid_today, knowledge_bases_not_kept_up_to_date_are_supervised_until_answered);

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

/// H14: a hotline centre (or a committee's supervisor) sees which units in its region do not keep
/// their knowledge base up to date — an expired item not retired, or nothing added for a year —
/// and supervises one; the unit sees the supervision until it adds or retires an item. Only over
/// its own region, only a base that is not kept, once until answered; all on record.
async fn knowledge_bases_not_kept_up_to_date_are_supervised_until_answered(app: TestApp) {
    let court = app.token("court.990101").await;
    let police = app.token("police.990101").await;
    let centre = app.token("h12345.990101").await;
    let committee = app.token("committee.990101").await;
    let court_unit = app.unit_id(&centre, "990101", "court_basic").await;
    let police_unit = app.unit_id(&centre, "990101", "police").await;
    let expired = app
        .post("/api/v1/knowledge", &court, json!({"question": "旧版诉前调解口径", "answer": "已废止", "valid_from": "2025-01-01", "valid_until": "2026-11-29"}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.post("/api/v1/knowledge", &court, json!({"question": "怎样申请诉前调解", "answer": "到诉讼服务中心申请。"})).await;
    app.post("/api/v1/knowledge", &police, json!({"question": "怎样办理户口迁移", "answer": "到户籍窗口办理。"})).await;

    let upkeep = app.get("/api/v1/knowledge/upkeep", &centre).await.json();
    assert_eq!(upkeep[0]["unit_id"], court_unit, "the stale one first: {upkeep}");
    assert_eq!((upkeep[0]["stale"]["reason"].as_str(), upkeep[0]["stale"]["items"].as_i64(), upkeep[0]["kept"].as_i64()), (Some("expired"), Some(1), Some(2)));
    let police_line = upkeep.as_array().unwrap().iter().find(|l| l["unit_id"] == police_unit).unwrap().clone();
    assert!(police_line["stale"].is_null(), "{police_line}");

    assert_eq!(app.get("/api/v1/knowledge/upkeep", &police).await.status, StatusCode::FORBIDDEN);
    let supervise = |token: String, unit: i64| {
        let app = &app;
        async move { app.post(&format!("/api/v1/knowledge/upkeep/{unit}/supervise"), &token, json!({"note": "请及时更新答复口径"})).await }
    };
    assert_eq!(supervise(police.clone(), court_unit).await.status, StatusCode::FORBIDDEN, "a police station does not supervise");
    assert_eq!(supervise(app.token("h12345.990102").await, court_unit).await.status, StatusCode::FORBIDDEN, "another county's centre");
    let kept = supervise(centre.clone(), police_unit).await;
    assert_eq!(kept.status, StatusCode::CONFLICT, "a base kept up to date: {}", kept.text());
    let done = supervise(centre.clone(), court_unit).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text());
    assert_eq!(done.json()["stale"]["reason"], "expired");
    assert_eq!(supervise(centre.clone(), court_unit).await.status, StatusCode::CONFLICT, "once until answered");
    let record = xiezhi_store::AuditLog::events_of(&app.store, &format!("knowledge-upkeep:{court_unit}"), 10).await.unwrap();
    assert_eq!(record.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), vec!["knowledge.supervised"]);
    let seen = app.get("/api/v1/knowledge/upkeep", &committee).await.json();
    assert_eq!(seen[0]["open"]["note"], "请及时更新答复口径", "the committee sees it too: {seen}");

    // The court sees it, on its knowledge page too, until it retires the expired item.
    assert_eq!(app.get("/api/v1/knowledge/supervisions", &court).await.json().as_array().unwrap().len(), 1);
    let page = app.page(Method::GET, "/knowledge", Some(&app.browser_session("court.990101").await), None).await.text();
    assert!(page.contains(r#"id="knowledge-supervised""#) && page.contains("1条已过期未撤下") && page.contains("请及时更新答复口径"), "{page}");
    let home = app.page(Method::GET, "/", Some(&app.browser_session("court.990101").await), None).await.text();
    assert!(home.contains(r#"id="home-knowledge-supervised""#), "on the workbench too");
    assert_eq!(app.post(&format!("/api/v1/knowledge/{expired}/retire"), &court, json!({})).await.status, StatusCode::OK);
    assert!(app.get("/api/v1/knowledge/supervisions", &court).await.json().as_array().unwrap().is_empty(), "answered by retiring the item");
    let upkeep = app.get("/api/v1/knowledge/upkeep", &centre).await.json();
    assert!(upkeep.as_array().unwrap().iter().all(|l| l["stale"].is_null() && l["open"].is_null()), "{upkeep}");

    // A year without an addition makes a base stale too; the page supervises it from a form.
    app.set_time("2027-12-01 09:00");
    let upkeep = app.get("/api/v1/knowledge/upkeep", &centre).await.json();
    assert!(upkeep.as_array().unwrap().iter().all(|l| l["stale"]["reason"] == "untouched"), "{upkeep}");
    let cookie = app.browser_session("h12345.990101").await;
    let page = app.page(Method::GET, "/knowledge/upkeep", Some(&cookie), None).await.text();
    assert!(page.contains(r#"id="upkeep-count""#) && page.contains("天未新增条目"), "{page}");
    let csrf = csrf_of(&page);
    let form = format!("csrf={csrf}&note=");
    let ok = app.page(Method::POST, &format!("/knowledge/upkeep/{police_unit}/supervise"), Some(&cookie), Some(&form)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let again = app.page(Method::POST, &format!("/knowledge/upkeep/{police_unit}/supervise"), Some(&cookie), Some(&form)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains(r#"id="upkeep-error""#) && again.text().contains("未督办"), "the refusal inside the page");
}
