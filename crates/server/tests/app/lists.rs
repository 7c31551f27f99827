//! Lists page past their first page, through the API and the pages, on both databases: the
//! inbox past 1,000 hand-overs, the supervision lists past 50 overdue cases — and the
//! "approaching" list is not emptied by the overdue ones (it once took the first 50 rows due by
//! a date and then dropped the overdue among them).

use crate::common::{beijing, Backend, TestApp};
use serde_json::Value;
use std::collections::BTreeSet;
use xiezhi_core::case::{apply, decide, Command, Custody, Person, UnitRef};
use xiezhi_core::{RegionCode, UnitKind};
use xiezhi_server::app::cases::projection;
use xiezhi_store::{By, Store};

#[tokio::test]
async fn sqlite_lists_page_past_their_first_page() {
    lists_page_past_their_first_page(TestApp::at(Backend::Sqlite, "2026-11-20 10:00").await).await;
}

#[tokio::test]
async fn postgres_lists_page_past_their_first_page() {
    lists_page_past_their_first_page(TestApp::at(Backend::Postgres, "2026-11-20 10:00").await).await;
}

/// `n` cases registered (suspect detained) and sent to the procuratorate for arrest approval at
/// `at`, written in one import.
pub(crate) async fn hand_overs(store: &xiezhi_store::SqlStore, cal: &xiezhi_core::Calendar, n: usize, at: &str, police: UnitRef, procuratorate: UnitRef) {
    let when = beijing(at).to_offset(time::macros::offset!(+8));
    let when = time::PrimitiveDateTime::new(when.date(), when.time());
    let mut writes = Vec::new();
    for i in 0..n {
        let register = Command::Register {
            case_no: format!("列表{at}-{i}"),
            title: "盗窃案".into(),
            persons: vec![Person { name: "张某".into(), custody: Custody::Detained }],
        };
        let mut events = decide(None, &register, police, when, cal).unwrap();
        let case = events.iter().fold(None, apply);
        let sent = decide(case.as_ref(), &Command::RequestArrestApproval { to: procuratorate }, police, when, cal).unwrap();
        let case = sent.iter().fold(case, apply).unwrap();
        events.extend(sent);
        writes.push(projection(&case, &events, cal).unwrap());
    }
    store.import_cases(writes, By::system(beijing(at).unix_timestamp() * 1_000_000)).await.unwrap();
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// The case links in the part of a page after `from` and before `to`.
fn rows_between(html: &str, from: &str, to: &str) -> usize {
    let part = html.split(from).nth(1).unwrap_or("");
    part.split(to).next().unwrap_or("").matches("<td><a href=\"/cases/").count()
}

async fn lists_page_past_their_first_page(app: TestApp) {
    let police_token = app.token("police.990101").await;
    let region = RegionCode::parse("region", "990101").unwrap();
    let police = UnitRef { id: app.unit_id(&police_token, "990101", "police").await, kind: UnitKind::Police, region };
    let procuratorate = UnitRef { id: app.unit_id(&police_token, "990101", "procuratorate").await, kind: UnitKind::Procuratorate, region };
    // Long overdue (the arrest decision was due in October), and due within days.
    let cal = app.state.calendar();
    hand_overs(&app.store, &cal, 1_001, "2026-10-05 09:00", police, procuratorate).await;
    hand_overs(&app.store, &cal, 60, "2026-11-19 09:00", police, procuratorate).await;

    // The API inbox: two pages of at most 1,000, together every hand-over, none twice.
    let prosecutor = app.token("procuratorate.990101").await;
    let first = ids(&app.get("/api/v1/inbox?limit=1000", &prosecutor).await.json());
    let second = ids(&app.get("/api/v1/inbox?limit=1000&offset=1000", &prosecutor).await.json());
    assert_eq!((first.len(), second.len()), (1_000, 61));
    let all: BTreeSet<i64> = first.iter().chain(&second).copied().collect();
    assert_eq!(all.len(), 1_061, "no case on both pages");
    let r = app.get("/api/v1/inbox?limit=5000", &prosecutor).await;
    assert_eq!((r.status.as_u16(), r.json()["field"].as_str()), (422, Some("limit")), "{}", r.text());

    // The inbox page: 100 a page, the eleventh has the rest and no next link.
    let session = app.browser_session("procuratorate.990101").await;
    let page1 = app.page(axum::http::Method::GET, "/inbox", Some(&session), None).await.text();
    assert_eq!(rows_between(&page1, "id=\"case-list\"", "</section>"), 100);
    assert!(page1.contains("href=\"/inbox?page=2\""), "a link to the next page");
    let page11 = app.page(axum::http::Method::GET, "/inbox?page=11", Some(&session), None).await.text();
    assert_eq!(rows_between(&page11, "id=\"case-list\"", "</section>"), 61);
    assert!(!page11.contains("rel=\"next\"") && page11.contains("href=\"/inbox?page=10\""), "the last page links back only");

    // The committee's supervision: the overdue list pages by 50; the approaching list shows the
    // 60 cases due within days although more than 50 are overdue.
    let committee = app.browser_session("committee.990100").await;
    let html = app.page(axum::http::Method::GET, "/supervision?region=990101", Some(&committee), None).await.text();
    assert_eq!(rows_between(&html, "id=\"overdue\"", "</section>"), 50);
    assert_eq!(rows_between(&html, "id=\"approaching\"", "</section>"), 50, "approaching is not emptied by the overdue");
    assert!(
        html.contains("overdue_page=2&#38;soon_page=1"),
        "the overdue list links to its next page: {}",
        html.split("id=\"overdue\"").nth(1).unwrap_or("").split("</section>").next().unwrap_or("").rsplit("<nav").next().unwrap_or("")
    );
    let last = app.page(axum::http::Method::GET, "/supervision?region=990101&overdue_page=21&soon_page=2", Some(&committee), None).await.text();
    assert_eq!(rows_between(&last, "id=\"overdue\"", "</section>"), 1, "1,001 overdue: the 21st page has one");
    assert_eq!(rows_between(&last, "id=\"approaching\"", "</section>"), 10);

    // The same through the API, as a supervisor: overdue past the first 1,000.
    let supervisor = app.token("committee.990100").await;
    let rest = app.get("/api/v1/cases?overdue=true&limit=1000&offset=1000", &supervisor).await.json();
    assert_eq!(ids(&rest).len(), 1);
}
