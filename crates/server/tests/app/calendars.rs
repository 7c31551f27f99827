//! The year boundary, at fixed instants: custody clocks into a year with no calendar, a party's
//! appeal on judgment day, provisional dates, and loading the year through the API — with every
//! provisional clock recomputed — on SQLite and PostgreSQL.

use crate::common::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use xiezhi_store::prelude::*;

/// A 2027 calendar for the tests. Not the State Council notice (not published when this was
/// written): a fixture with a day off on Friday 15 January, so a provisional date moves.
pub fn fixture_2027() -> Value {
    json!({
        "year": 2027,
        "source": "test fixture (not the State Council notice)",
        "holidays": [
            {"name": "元旦", "days_off": [["2027-01-01", "2027-01-03"]], "workdays": []},
            {"name": "测试休息日", "days_off": [["2027-01-15", "2027-01-15"]], "workdays": []}
        ]
    })
}

async fn ok(app: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let r = app.post(&format!("/api/v1/cases/{id}/commands"), token, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{body}: {}", r.text());
    r.json()
}

async fn register(app: &TestApp, token: &str, no: &str, custody: &str) -> i64 {
    let r = app.post("/api/v1/cases", token, json!({"case_no": no, "title": "诈骗案", "persons": [{"name": "李某", "custody": custody}]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

fn clock<'a>(case: &'a Value, rule: &str) -> &'a Value {
    case["clocks"].as_array().unwrap().iter().find(|k| k["rule"] == rule).unwrap_or_else(|| panic!("no {rule} clock: {case}"))
}

async fn listed(app: &TestApp, token: &str, id: i64, query: &str) -> Value {
    let list = app.get(&format!("/api/v1/cases?{query}"), token).await.json();
    list.as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap_or_else(|| panic!("case {id} not listed by ?{query}: {list}"))
}

async fn metric(app: &TestApp) -> String {
    let r = app.api(Method::GET, "/metrics", None, None).await;
    r.text().lines().find(|l| l.starts_with("xiezhi_calendar_next_year_loaded ")).unwrap_or_default().to_string()
}

async fn the_year_boundary(backend: Backend) {
    let app = TestApp::at(backend, "2026-11-29 10:00").await;
    let police = app.token("police.990101").await;
    let prosecutor = app.token("procuratorate.990101").await;
    let judge = app.token("court.990101").await;
    let admin = app.token("admin").await;
    let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
    let court = app.unit_id(&police, "990101", "court_basic").await;
    let higher = app.unit_id(&police, "990100", "court_intermediate").await;

    // Arrest approved on 2026-11-29: investigation custody runs two months into 2027 and has its
    // date, though no 2027 calendar is loaded (a custody period needs none).
    let held = register(&app, &police, "年界〔2026〕1号", "detained").await;
    ok(&app, &police, held, json!({"command": "request_arrest_approval", "to": procuratorate})).await;
    ok(&app, &prosecutor, held, json!({"command": "receive"})).await;
    let arrested = ok(&app, &prosecutor, held, json!({"command": "approve_arrest"})).await;
    let k = clock(&arrested, "criminal.investigation_custody");
    assert_eq!((k["due"].as_str(), k["provisional"].as_bool()), (Some("2027-01-29"), Some(false)), "{k}");
    assert!(k["basis"].to_string().contains("needs no holiday calendar"), "{k}");
    let row = listed(&app, &police, held, "due_within=90").await;
    assert_eq!((row["due_date"].as_str(), row["due_provisional"].as_bool()), (Some("2027-01-29"), Some(false)));

    // A suspect on bail, transferred for prosecution and received on 2026-12-15: one month of
    // review runs into 2027 and is provisional (weekends only) — dated, listed and counted.
    app.set_time("2026-12-15 09:00");
    let free = register(&app, &police, "年界〔2026〕2号", "bail").await;
    ok(&app, &police, free, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
    let received = ok(&app, &prosecutor, free, json!({"command": "receive"})).await;
    let k = clock(&received, "criminal.prosecution_review");
    assert_eq!((k["due"].as_str(), k["provisional"].as_bool()), (Some("2027-01-15"), Some(true)), "{k}");
    assert!(k["basis"].to_string().contains("no holiday calendar is loaded for 2027"), "{k}");
    let row = listed(&app, &prosecutor, free, "due_within=31").await;
    assert_eq!((row["due_date"].as_str(), row["due_provisional"].as_bool()), (Some("2027-01-15"), Some(true)));
    let inbox = app.get("/api/v1/inbox", &prosecutor).await.json();
    assert!(inbox.as_array().unwrap().iter().any(|c| c["id"] == free && c["due_date"] == "2027-01-15"), "{inbox}");
    // Dates in the API are dates: the hand-over was sent on 2026-12-15.
    assert_eq!(received["handover"]["sent"], "2026-12-15", "{received}");
    let timeline = app.get(&format!("/api/v1/cases/{free}/timeline"), &prosecutor).await.json();
    assert!(timeline.as_array().unwrap().iter().any(|e| e["event"]["handover"]["sent"] == "2026-12-15"), "{timeline}");

    // Judgment on 2026-12-24 with 2027 missing: the defendant's appeal that day is accepted.
    ok(&app, &police, held, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
    ok(&app, &prosecutor, held, json!({"command": "receive"})).await;
    ok(&app, &prosecutor, held, json!({"command": "accept_for_review", "plea": false})).await;
    ok(&app, &prosecutor, held, json!({"command": "indict", "to": court})).await;
    ok(&app, &judge, held, json!({"command": "receive"})).await;
    ok(&app, &judge, held, json!({"command": "accept_for_trial", "procedure": "ordinary"})).await;
    app.set_time("2026-12-24 15:00");
    let judged =
        ok(&app, &judge, held, json!({"command": "judge", "verdicts": [{"person": 0, "finding": "guilty", "punishment": "fixed_term", "term_months": 36}]}))
            .await;
    let k = clock(&judged, "criminal.appeal_judgment");
    assert_eq!((k["due"].as_str(), k["provisional"].as_bool()), (Some("2027-01-04"), Some(true)), "{k}");
    let finalize = app.post(&format!("/api/v1/cases/{held}/commands"), &judge, json!({"command": "finalize"})).await;
    assert_eq!(finalize.status, StatusCode::CONFLICT, "not in force while the window may be open: {}", finalize.text());
    let appealed = ok(&app, &judge, held, json!({"command": "appeal", "to": higher})).await;
    assert_eq!(appealed["handover"]["kind"], "appeal");

    // Next year's calendar is missing from October: the metric says so.
    assert_eq!(metric(&app).await, "xiezhi_calendar_next_year_loaded 0");

    // Bad calendars change nothing and say what is wrong.
    let mut wrong_year = fixture_2027();
    wrong_year["year"] = json!(2028);
    let bad_weekday = {
        let mut f = fixture_2027();
        f["holidays"][0]["workdays"] = json!(["2027-01-06"]);
        f
    };
    for (path, body, field) in [
        ("/api/v1/calendars/2027", wrong_year, None),
        ("/api/v1/calendars/2027", bad_weekday, Some("2027-01-06")),
        ("/api/v1/calendars/2027", json!({"year": 2027}), None),
    ] {
        let r = app.put(path, &admin, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text());
        let p = r.json();
        assert_eq!(p["code"], "calendar_invalid", "{p}");
        assert_eq!(p["field"].as_str(), field, "{p}");
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let not_json = app
        .call(
            axum::http::Request::builder()
                .method(Method::PUT)
                .uri("/api/v1/calendars/2027")
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!((not_json.status, not_json.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("calendar_invalid")));
    // Only the provincial committee's administrators load a calendar; a refusal is recorded.
    for who in ["admin.990100", "police.990101"] {
        let token = app.token(who).await;
        let r = app.put("/api/v1/calendars/2027", &token, fixture_2027()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }
    let log = app.get("/api/v1/security-events", &admin).await.json();
    assert!(
        log.as_array().unwrap().iter().any(|e| e["kind"] == "access_denied" && e["detail"].as_str().unwrap_or("").starts_with("load a holiday calendar: ")),
        "{log}"
    );
    assert_eq!(app.get("/api/v1/calendars/2027", &admin).await.status, StatusCode::UNPROCESSABLE_ENTITY, "nothing was stored");
    assert!(app.store.calendars().await.unwrap().is_empty());

    // Loading 2027 through the API recomputes every provisional clock, at once.
    let r = app.put("/api/v1/calendars/2027", &admin, fixture_2027()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let loaded = r.json();
    assert_eq!((loaded["year"].as_i64(), loaded["replaced"].as_bool()), (Some(2027), Some(false)));
    assert!(loaded["recomputed"].as_u64().unwrap() >= 1, "{loaded}");
    assert_eq!(loaded["audit_leaves"].as_array().unwrap().len(), 1);
    let case = app.get(&format!("/api/v1/cases/{free}"), &prosecutor).await.json();
    let k = clock(&case, "criminal.prosecution_review");
    assert_eq!((k["due"].as_str(), k["provisional"].as_bool(), k["rolled_from"].as_str()), (Some("2027-01-18"), Some(false), Some("2027-01-15")), "{k}");
    let row = listed(&app, &prosecutor, free, "due_within=40").await;
    assert_eq!((row["due_date"].as_str(), row["due_provisional"].as_bool()), (Some("2027-01-18"), Some(false)));
    let timeline = app.get(&format!("/api/v1/cases/{free}/timeline"), &prosecutor).await.json();
    let recomputed = timeline.as_array().unwrap().iter().find(|e| e["kind"] == "case.due_recomputed").unwrap_or_else(|| panic!("{timeline}"));
    assert_eq!(
        (&recomputed["event"]["before"], &recomputed["event"]["after"], &recomputed["event"]["year"]),
        (&json!("2027-01-15"), &json!("2027-01-18"), &json!(2027))
    );
    let shown = app.get("/api/v1/calendars/2027", &police).await.json();
    assert_eq!((shown["origin"].as_str(), shown["source"].as_str()), (Some("database"), Some("test fixture (not the State Council notice)")));
    let admin_id = app.get("/api/v1/me", &admin).await.json()["user"]["id"].as_i64();
    assert_eq!(shown["loaded_by"].as_i64(), admin_id, "{shown}");
    let events = app.store.events_of("calendar:2027", 10).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["calendar.loaded"]);
    assert_eq!(metric(&app).await, "xiezhi_calendar_next_year_loaded 1");
    // Every read model still equals the replay of its events under the calendar in force.
    let report = xiezhi_server::app::cases::rebuild(&app.store, &app.state.calendar(), false).await.unwrap();
    assert!(report.differing.is_empty(), "{:?}", report.details);

    // Another server on the same database reads the stored year (its follower does this every
    // 15 seconds): no restart, no file.
    let other = xiezhi_server::AppState::new(
        app.store.clone(),
        Default::default(),
        crate::common::test_calendars(),
        xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap(),
    );
    assert!(!other.calendar().has_year(2027));
    assert_eq!(xiezhi_server::app::calendars::refresh(&other).await.unwrap(), vec![2027]);
    assert!(other.calendar().has_year(2027));
    assert!(matches!(other.calendars.origins().get(&2027), Some(xiezhi_server::state::CalendarOrigin::Database { .. })));

    // Replacing the year is recorded as such; the same content moves nothing.
    let again = app.put("/api/v1/calendars/2027", &admin, fixture_2027()).await.json();
    assert_eq!((again["replaced"].as_bool(), again["recomputed"].as_u64()), (Some(true), Some(0)), "{again}");
}

async fn the_banner_warns_from_october(backend: Backend) {
    let app = TestApp::at(backend, "2026-09-30 21:00").await;
    let admin = app.browser_session("admin").await;
    let page = |cookie: String| {
        let app = &app;
        async move { app.page(Method::GET, "/", Some(&cookie), None).await.text() }
    };
    assert!(!page(admin.clone()).await.contains("calendar-banner"), "not before October");
    app.set_time("2026-10-01 07:00");
    let home = page(admin.clone()).await;
    assert!(home.contains("id=\"calendar-banner\"") && home.contains("尚未载入2027年节假日安排") && home.contains(">载入节假日安排</a>"), "{home}");
    let supervisor = app.browser_session("committee.990100").await;
    let shown = page(supervisor).await;
    assert!(shown.contains("calendar-banner") && !shown.contains(">载入节假日安排</a>"), "supervisors are told, not offered the form");
    let officer = app.browser_session("police.990101").await;
    assert!(!page(officer).await.contains("calendar-banner"), "officers are not the ones to act");

    // The page refuses a bad file inside the layout, in Chinese, keeping what was typed.
    let calendars = app.page(Method::GET, "/calendars", Some(&admin), None).await.text();
    let csrf = crate::common::csrf_of(&calendars);
    let mut bad = fixture_2027();
    bad["holidays"][0]["workdays"] = json!(["2027-01-06"]);
    let form = |body: &Value| format!("csrf={csrf}&year=2027&body={}", crate::common::urlenc(&body.to_string()));
    let r = app.page(Method::POST, "/calendars", Some(&admin), Some(&form(&bad))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("id=\"calendar-error\"") && text.contains("2027-01-06") && text.contains("调休上班日须为周六或周日"), "{text}");
    assert!(text.contains("id=\"current-user\""), "the error is inside the layout");
    let r = app.page(Method::POST, "/calendars", Some(&admin), Some(&form(&fixture_2027()))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!page(admin).await.contains("calendar-banner"), "loaded: the banner is gone");
}

mod sqlite {
    #[tokio::test]
    async fn the_year_boundary() {
        super::the_year_boundary(super::Backend::Sqlite).await;
    }
    #[tokio::test]
    async fn the_banner_warns_from_october() {
        super::the_banner_warns_from_october(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test]
    async fn the_year_boundary() {
        super::the_year_boundary(super::Backend::Postgres).await;
    }
    #[tokio::test]
    async fn the_banner_warns_from_october() {
        super::the_banner_warns_from_october(super::Backend::Postgres).await;
    }
}
