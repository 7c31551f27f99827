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
use xiezhi_store::prelude::*;
use xiezhi_store::By;

#[tokio::test]
async fn sqlite_lists_page_past_their_first_page() {
    lists_page_past_their_first_page(TestApp::at(Backend::Sqlite, "2026-11-20 10:00").await).await;
}

#[tokio::test]
async fn postgres_lists_page_past_their_first_page() {
    lists_page_past_their_first_page(TestApp::at(Backend::Postgres, "2026-11-20 10:00").await).await;
}

/// `n` cases registered (suspect detained), sent to the procuratorate for arrest approval and
/// signed for by it at `at` (its seven days run from then), written in one import.
pub(crate) async fn hand_overs(store: &xiezhi_store::SqlStore, cal: &xiezhi_core::Calendar, n: usize, at: &str, police: UnitRef, procuratorate: UnitRef) {
    let when = beijing(at).to_offset(time::macros::offset!(+8));
    let when = time::PrimitiveDateTime::new(when.date(), when.time());
    let mut writes = Vec::new();
    for i in 0..n {
        let register = Command::Register {
            case_no: format!("列表{at}-{i}"),
            title: "盗窃案".into(),
            persons: vec![Person { name: "张某".into(), custody: Custody::Detained, id_number: None }],
            charge: Some("盗窃罪".into()),
        };
        let mut events = decide(None, &register, police, when, cal).unwrap();
        let case = events.iter().fold(None, apply);
        let sent = decide(case.as_ref(), &Command::RequestArrestApproval { to: procuratorate }, police, when, cal).unwrap();
        let case = sent.iter().fold(case, apply);
        let signed = decide(case.as_ref(), &Command::Receive, procuratorate, when, cal).unwrap();
        let case = signed.iter().fold(case, apply).unwrap();
        events.extend(sent);
        events.extend(signed);
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
    hand_overs(&app.store, &cal, 60, "2026-11-15 09:00", police, procuratorate).await;

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
    // Breadcrumbs back up to the committee's own region (not above it), open and overdue by
    // agency, days overdue and who is held, the window stated and asked for, and the export.
    let crumbs = html.split("id=\"breadcrumbs\"").nth(1).unwrap().split("</nav>").next().unwrap();
    assert!(crumbs.contains("href=\"/supervision?region=990100\"") && !crumbs.contains("region=990000"), "{crumbs}");
    let agencies = html.split("id=\"by-agency\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(agencies.contains("公安机关") && agencies.contains("<strong>1061</strong>") && agencies.contains("超期 1001"), "{agencies}");
    let overdue_list = html.split("id=\"overdue\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(overdue_list.contains("天</span>") && overdue_list.contains("class=\"badge late custody\""), "days overdue and custody: {overdue_list}");
    // 久押不决: nobody is held a year yet; held 30 days or more, the 1,001 detained since October,
    // longest first, a page of 50, each saying for how long.
    assert_eq!(rows_between(&html, "id=\"long-held\"", "</section>"), 0, "nobody held for a year");
    let held = app.page(axum::http::Method::GET, "/supervision?region=990101&held=30", Some(&committee), None).await.text();
    let long = held.split("id=\"long-held\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert_eq!(rows_between(&held, "id=\"long-held\"", "</section>"), 50);
    assert!(long.contains("在押 46天") && long.contains("held_page=2"), "{long}");
    let api = app.get("/api/v1/cases?held_over=30&sort=held&limit=1000&offset=1000", &app.token("committee.990100").await).await.json();
    assert_eq!(ids(&api).len(), 1, "1,001 held over 30 days through the API too");
    // Open cases by charge, each a link to its list; the same filter through the API.
    let by_charge = html.split("id=\"by-charge\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(by_charge.contains("盗窃罪") && by_charge.contains("第264条") && by_charge.contains("<td>1061</td>"), "{by_charge}");
    let supervisor = app.token("committee.990100").await;
    let thefts = app.get("/api/v1/cases?charge=%E7%9B%97%E7%AA%83%E7%BD%AA&limit=1000&offset=1000", &supervisor).await.json();
    assert_eq!(ids(&thefts).len(), 61);
    let frauds = app.get("/api/v1/cases?charge=%E8%AF%88%E9%AA%97%E7%BD%AA", &supervisor).await.json();
    assert!(frauds.as_array().unwrap().is_empty(), "no fraud here");
    let loose = app.get("/api/v1/cases?charge=%E7%9B%97%E7%AA%83", &supervisor).await;
    assert_eq!((loose.status.as_u16(), loose.json()["field"].as_str()), (422, Some("charge")));
    let week = app.page(axum::http::Method::GET, "/supervision?region=990101&within=30", Some(&committee), None).await.text();
    assert!(week.contains("30 日内"), "the window is stated");
    let bad = app.page(axum::http::Method::GET, "/supervision?region=990101&within=x", Some(&committee), None).await;
    assert_eq!(bad.status.as_u16(), 422);
    assert!(bad.text().contains("within"), "names the field");
    let export = app.page(axum::http::Method::GET, "/cases/export.xlsx?region=990101&overdue=true", Some(&committee), None).await;
    assert_eq!(export.status.as_u16(), 200);
    assert!(export.workbook_text().contains("region=990101"), "the workbook says what was asked");
    let police_session = app.browser_session("police.990101").await;
    let outside = app.page(axum::http::Method::GET, "/cases/export.xlsx?region=990100", Some(&police_session), None).await;
    assert_eq!(outside.status.as_u16(), 403, "a region's list is for its supervisors");
    let last = app.page(axum::http::Method::GET, "/supervision?region=990101&overdue_page=21&soon_page=2", Some(&committee), None).await.text();
    assert_eq!(rows_between(&last, "id=\"overdue\"", "</section>"), 1, "1,001 overdue: the 21st page has one");
    assert_eq!(rows_between(&last, "id=\"approaching\"", "</section>"), 10);

    // The same through the API, as a supervisor: overdue past the first 1,000.
    let supervisor = app.token("committee.990100").await;
    let rest = app.get("/api/v1/cases?overdue=true&limit=1000&offset=1000", &supervisor).await.json();
    assert_eq!(ids(&rest).len(), 1);
}

crate::on_both_backends!(lists_search_sort_and_export);

/// Search by the case number, any agency's number or a person's name (letters in either case,
/// `%` and `_` taken literally), three orders, and the same list as a CSV file.
async fn lists_search_sort_and_export(app: TestApp) {
    let police = app.token("police.990101").await;
    let prosecutor = app.token("procuratorate.990101").await;
    let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
    let mut ids = Vec::new();
    for (no, name) in [("P-1", "王某"), ("P-2", "李某"), ("Q-3", "赵某")] {
        let r = app.post("/api/v1/cases", &police, serde_json::json!({"case_no": no, "title": "盗窃案", "persons": [{"name": name, "custody": "bail"}]})).await;
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    // The procuratorate takes P-2 in and gives it its own number.
    let cmd = |id: i64, body: Value| {
        let app = &app;
        let token = if body["command"] == "transfer_for_prosecution" { police.clone() } else { prosecutor.clone() };
        async move { app.post(&format!("/api/v1/cases/{id}/commands"), &token, body).await }
    };
    cmd(ids[1], serde_json::json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
    cmd(ids[1], serde_json::json!({"command": "receive"})).await;
    let taken = cmd(ids[1], serde_json::json!({"command": "accept_for_review", "plea": false, "number": "金检刑诉〔2026〕77号"})).await;
    assert_eq!(taken.status.as_u16(), 200, "{}", taken.text());

    let found = |q: &'static str| {
        let app = &app;
        let police = police.clone();
        async move { ids_of(&app.get(&format!("/api/v1/cases?q={}", crate::common::urlenc(q)), &police).await.json()) }
    };
    assert_eq!(found("李某").await, vec![ids[1]], "a person's name");

    // Identity card numbers are checked digit by digit, written with X, and found.
    let bad = app
        .post(
            "/api/v1/cases",
            &police,
            serde_json::json!({"case_no": "R-1", "title": "盗窃案", "persons": [{"name": "钱某", "custody": "bail", "id_number": "110105194912310021"}]}),
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.json()["field"].as_str()), (422, Some("id_number")), "{}", bad.text());
    let good = app
        .post(
            "/api/v1/cases",
            &police,
            serde_json::json!({"case_no": "R-1", "title": "盗窃案", "persons": [{"name": "钱某", "custody": "bail", "id_number": "11010519491231002x"}]}),
        )
        .await;
    assert_eq!(good.status.as_u16(), 201, "{}", good.text());
    assert_eq!(good.json()["persons"][0]["id_number"], "11010519491231002X");
    assert_eq!(found("11010519491231002X").await, vec![good.json()["id"].as_i64().unwrap()], "found by ID number");
    ids.push(good.json()["id"].as_i64().unwrap());
    assert_eq!(found("检刑诉〔2026〕77").await, vec![ids[1]], "another agency's number");
    assert_eq!(found("p-").await.len(), 2, "letters in either case");
    assert!(found("%").await.is_empty() && found("_").await.is_empty(), "wildcards are taken literally");

    let order = |sort: &'static str| {
        let app = &app;
        let police = police.clone();
        async move { app.get(&format!("/api/v1/cases?sort={sort}"), &police).await }
    };
    let by_number: Vec<String> = order("case_no").await.json().as_array().unwrap().iter().map(|c| c["case_no"].as_str().unwrap().to_string()).collect();
    assert_eq!(by_number, ["P-1", "P-2", "Q-3", "R-1"]);
    assert_eq!(ids_of(&order("updated").await.json())[..2], [ids[3], ids[1]], "newest change first: R-1 registered, then P-2 taken in");
    let r = order("sideways").await;
    assert_eq!((r.status.as_u16(), r.json()["field"].as_str()), (422, Some("sort")));

    // The page finds the same, and exports what it shows.
    let session = app.browser_session("police.990101").await;
    let page = app.page(axum::http::Method::GET, "/cases?q=%E6%9D%8E%E6%9F%90", Some(&session), None).await.text();
    assert_eq!(rows_between(&page, "id=\"case-list\"", "</section>"), 1, "{page}");
    assert!(page.contains("href=\"/cases/export.csv?q=%E6%9D%8E%E6%9F%90\""), "the export keeps the search: {page}");
    assert!(page.contains("<a class=\"badge\" href=\"/cases?stage=investigation\">"), "the count by stage opens that stage's list: {page}");
    let csv = app.page(axum::http::Method::GET, "/cases/export.csv?sort=case_no", Some(&session), None).await;
    assert_eq!(csv.status.as_u16(), 200);
    let text = csv.text();
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for spreadsheet programs");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 5, "a header and four cases: {text}");
    let xlsx = app.page(axum::http::Method::GET, "/cases/export.xlsx?q=%E6%9D%8E%E6%9F%90", Some(&session), None).await;
    assert_eq!(xlsx.status.as_u16(), 200);
    assert!(xlsx.headers["content-type"].to_str().unwrap().contains("spreadsheetml"), "{:?}", xlsx.headers);
    let cells = xlsx.workbook_text();
    assert!(cells.contains("案件清单") && cells.contains("案号") && cells.contains("P-2"), "the workbook has the found case: {cells}");
    assert!(!cells.contains("P-1"), "and only what the search found: {cells}");
    assert!(page.contains("href=\"/cases/export.xlsx?q=%E6%9D%8E%E6%9F%90\""), "{page}");

    // The registration page names several suspects at once, each with an ID number.
    let form_page = app.page(axum::http::Method::GET, "/cases", Some(&session), None).await.text();
    let csrf = crate::common::csrf_of(&form_page);
    let form = format!(
        "csrf={csrf}&case_no=S-1&title={}&charge=%E6%8A%A2%E5%8A%AB%E7%BD%AA&person={}&id_number=440524199001010018&custody=detained&person2={}&id_number2=&custody2=bail&person3=&id_number3=&custody3=bail",
        crate::common::urlenc("抢劫案"),
        crate::common::urlenc("孙某"),
        crate::common::urlenc("周某")
    );
    // A mistyped identity number: refused inside the form, naming the field, with everything
    // typed still there; nothing is stored.
    let mistyped = form.replace("440524199001010018", "440524199001010019");
    let refused = app.page(axum::http::Method::POST, "/cases", Some(&session), Some(&mistyped)).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text());
    let again = refused.text();
    assert!(again.contains("id=\"form-error\"") && again.contains("<code>身份证号</code>"), "names the field as the form does: {again}");
    assert!(
        again.contains("value=\"S-1\"")
            && again.contains("value=\"抢劫罪\"")
            && again.contains("value=\"周某\"")
            && again.contains("value=\"440524199001010019\""),
        "what was typed is kept: {again}"
    );
    assert!(again.contains("<option value=\"bail\" selected>"), "the custody chosen is kept");
    assert!(app.get("/api/v1/cases?q=S-1", &police).await.json().as_array().unwrap().is_empty(), "nothing stored");
    let r = app.page(axum::http::Method::POST, "/cases", Some(&session), Some(&form)).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text());
    let shown = app.page(axum::http::Method::GET, &r.location(), Some(&session), None).await.text();
    let persons = shown.split("id=\"persons\"").nth(1).unwrap().split("</dd>").next().unwrap();
    assert!(
        persons.contains("孙某") && persons.contains("440524199001010018") && persons.contains("周某") && persons.matches("class=\"person\"").count() == 2,
        "{persons}"
    );
    assert!(lines[0].starts_with("案号,案件名称,阶段") && lines[1].starts_with("P-1,盗窃案,侦查"), "{text}");

    // The migrations that fill the search column for cases stored before them write exactly what
    // the projection writes: blank it, run their UPDATEs in order (0013, then 0023 adding the
    // charge), and the rebuild finds nothing.
    let migrations = match app.store.backend() {
        xiezhi_store::Backend::Sqlite => [
            include_str!("../../../store/migrations/sqlite/0013_case_search.sql"),
            include_str!("../../../store/migrations/sqlite/0023_case_search_charge.sql"),
        ],
        xiezhi_store::Backend::Postgres => [
            include_str!("../../../store/migrations/postgres/0013_case_search.sql"),
            include_str!("../../../store/migrations/postgres/0023_case_search_charge.sql"),
        ],
    };
    sqlx::query("UPDATE cases SET search = ''").execute(app.store.pool()).await.unwrap();
    assert!(!xiezhi_server::app::cases::rebuild(&app.store, &app.state.calendar(), false).await.unwrap().differing.is_empty(), "blanked");
    for migration in migrations {
        sqlx::raw_sql(&migration[migration.find("UPDATE").unwrap()..]).execute(app.store.pool()).await.unwrap();
    }
    let report = xiezhi_server::app::cases::rebuild(&app.store, &app.state.calendar(), false).await.unwrap();
    assert!(report.differing.is_empty(), "{:?}", report.details);

    // So does the one that fills the day of registration (0030) from the registration events.
    let migration = match app.store.backend() {
        xiezhi_store::Backend::Sqlite => include_str!("../../../store/migrations/sqlite/0030_case_registered_on.sql"),
        xiezhi_store::Backend::Postgres => include_str!("../../../store/migrations/postgres/0030_case_registered_on.sql"),
    };
    sqlx::query("UPDATE cases SET registered_on = NULL").execute(app.store.pool()).await.unwrap();
    let blanked = xiezhi_server::app::cases::rebuild(&app.store, &app.state.calendar(), false).await.unwrap();
    assert!(blanked.details.iter().any(|d| d.contains("registered_on None")), "the check sees it: {:?}", blanked.details);
    let update = &migration[migration.find("UPDATE").unwrap()..migration.find("CREATE INDEX").unwrap()];
    sqlx::raw_sql(update).execute(app.store.pool()).await.unwrap();
    let report = xiezhi_server::app::cases::rebuild(&app.store, &app.state.calendar(), false).await.unwrap();
    assert!(report.differing.is_empty(), "{:?}", report.details);
}

fn ids_of(v: &Value) -> Vec<i64> {
    ids(v)
}

#[tokio::test]
async fn sqlite_supervisors_count_cases_by_charge_over_a_period() {
    supervisors_count_cases_by_charge_over_a_period(TestApp::at(Backend::Sqlite, "2026-10-15 10:00").await).await;
}

#[tokio::test]
async fn postgres_supervisors_count_cases_by_charge_over_a_period() {
    supervisors_count_cases_by_charge_over_a_period(TestApp::at(Backend::Postgres, "2026-10-15 10:00").await).await;
}

/// Statistics by 案由: the cases registered in a period (China Standard Time days), by charge,
/// and where they stand — for the committees that supervise the region, on the API, the page and
/// in Excel; a case registered before the period or elsewhere is not counted.
async fn supervisors_count_cases_by_charge_over_a_period(app: TestApp) {
    use axum::http::{Method, StatusCode};
    use serde_json::json;
    let police = app.token("police.990101").await;
    let register = |charge: Option<&str>| {
        let body = json!({"case_no": " ", "title": "案", "charge": charge, "persons": [{"name": "甲某", "custody": "detained"}]});
        let (app, police) = (&app, police.clone());
        async move {
            let r = app.post("/api/v1/cases", &police, body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            r.json()["id"].as_i64().unwrap()
        }
    };
    register(Some("盗窃罪")).await; // 15 October: before the period
    app.set_time("2026-11-01 00:10"); // just after midnight in Beijing (31 October in UTC)
    register(Some("盗窃罪")).await;
    let dropped = register(Some("盗窃罪")).await;
    register(Some("诈骗罪")).await;
    register(None).await;
    app.set_time("2026-11-20 09:00");
    let r = app.post(&format!("/api/v1/cases/{dropped}/commands"), &police, json!({"command": "withdraw", "reason": "不构成犯罪"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let elsewhere = app.token("police.990102").await;
    app.post("/api/v1/cases", &elsewhere, json!({"case_no": " ", "title": "案", "charge": "诈骗罪", "persons": []})).await;

    let committee = app.token("committee.990101").await;
    let got = app.get("/api/v1/statistics/charges?region=990101&from=2026-11-01&to=2026-11-30", &committee).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    let got = got.json();
    let rows: Vec<(Value, i64, i64, i64, i64)> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (t["charge"].clone(), t["registered"].as_i64().unwrap(), t["open"].as_i64().unwrap(), t["dropped"].as_i64().unwrap(), t["held"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(rows, vec![(json!("盗窃罪"), 2, 1, 1, 1), (json!("诈骗罪"), 1, 1, 0, 1), (Value::Null, 1, 1, 0, 1)], "{got}");
    assert!(got[0]["articles"].as_str().is_some_and(|a| a.contains("264")), "{got}");
    let october = app.get("/api/v1/statistics/charges?region=990101&from=2026-10-01&to=2026-10-31", &committee).await.json();
    assert_eq!((october[0]["charge"].as_str(), october[0]["registered"].as_i64()), (Some("盗窃罪"), Some(1)), "{october}");
    let city = app.get("/api/v1/statistics/charges?region=990100&from=2026-11-01&to=2026-11-30", &app.token("committee.990100").await).await.json();
    assert_eq!(city.as_array().unwrap().iter().map(|t| t["registered"].as_i64().unwrap()).sum::<i64>(), 5, "the city counts both counties: {city}");
    let r = app.get("/api/v1/statistics/charges?region=990101", &police).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // A period ending before it starts names `from`, as every period check does.
    let r = app.get("/api/v1/statistics/charges?region=990101&from=2026-11-30&to=2026-11-01", &committee).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("from")), "{}", r.text());

    let cookie = app.browser_session("committee.990101").await;
    let page = app.page(Method::GET, "/supervision/charges?region=990101&from=2026-11-01&to=2026-11-30", Some(&cookie), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("盗窃罪") && html.contains("（未填案由）") && html.contains("<th>4</th>"), "the lines and the total of 4: {html}");
    let supervision = app.page(Method::GET, "/supervision?region=990101", Some(&cookie), None).await.text();
    assert!(supervision.contains(r#"href="/supervision/charges?region=990101""#), "reached from the supervision page");
    let book = app.page(Method::GET, "/supervision/charges.xlsx?region=990101&from=2026-11-01&to=2026-11-30", Some(&cookie), None).await;
    assert_eq!(book.status, StatusCode::OK);
    let text = book.workbook_text();
    assert!(text.contains("刑事案件按案由统计表") && text.contains("诈骗罪") && text.contains("2026-11-01 — 2026-11-30"), "{text}");
}
