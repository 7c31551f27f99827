//! The docket as its users meet it: one list of every case, dispute and work order whose move is
//! the unit's, soonest due first, through the API and the pages, on both databases; a hand-over
//! moves the item to the receiver's list; a supervisor sees the region's work and its counts;
//! the list pages past 1,000 and exports; bad input names the field.

use crate::common::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use xiezhi_core::case::UnitRef;
use xiezhi_core::{RegionCode, UnitKind};

#[tokio::test]
async fn sqlite_one_list_holds_every_kind_of_work() {
    one_list_holds_every_kind_of_work(TestApp::at(Backend::Sqlite, "2026-11-20 10:00").await).await;
}

#[tokio::test]
async fn postgres_one_list_holds_every_kind_of_work() {
    one_list_holds_every_kind_of_work(TestApp::at(Backend::Postgres, "2026-11-20 10:00").await).await;
}

fn kinds_and_numbers(v: &Value) -> Vec<(String, String, bool)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap().to_string(), i["number"].as_str().unwrap().to_string(), i["awaiting_receipt"].as_bool().unwrap()))
        .collect()
}

async fn one_list_holds_every_kind_of_work(app: TestApp) {
    let police = app.token("police.990101").await;
    let centre = app.token("h12345.990101").await;
    let window = app.token("governance.990101").await;
    let prosecutor = app.token("procuratorate.990101").await;
    let police_id = app.unit_id(&centre, "990101", "police").await;
    let procuratorate_id = app.unit_id(&centre, "990101", "procuratorate").await;

    // The police register a case: theirs to act on.
    let r = app
        .post(
            "/api/v1/cases",
            &police,
            json!({"case_no": "甲公刑立〔2026〕7号", "title": "盗窃案", "charge": "盗窃罪", "persons": [{"name": "张某", "custody": "detained"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let case_id = r.json()["id"].as_i64().unwrap();
    // The 12345 centre dispatches a call to them: theirs to sign for.
    let t = app
        .post(
            "/api/v1/tickets",
            &centre,
            json!({"channel": "phone", "kind": "complaint", "title": "夜间噪声扰民", "content": "楼下商铺夜间施工", "concerns_law": false, "caller": {"name": "赵敏", "phone": "13900001234", "confidential": false}}),
        )
        .await
        .json();
    let ticket_id = t["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/tickets/{ticket_id}/commands"), &centre, json!({"command": "dispatch", "lead": police_id})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The governance centre reports a red dispute to them: theirs to sign for.
    let d = app
        .post(
            "/api/v1/disputes",
            &window,
            json!({"title": "宅基地纠纷", "channel": "governance_centre", "category": "neighbour", "parties": [{"name": "王芳", "role": "applicant"}, {"name": "李强", "role": "respondent"}]}),
        )
        .await
        .json();
    let dispute_id = d["id"].as_i64().unwrap();
    for body in [
        json!({"command": "assess", "level": "red", "factors": ["threats_or_violence"], "next_review": "2026-11-27"}),
        json!({"command": "report_to_police", "to": police_id}),
    ] {
        let r = app.post(&format!("/api/v1/disputes/{dispute_id}/commands"), &window, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }

    // One list, soonest due first, the report (no clock runs for its receipt) last.
    let mine = app.get("/api/v1/work", &police).await.json();
    assert_eq!(mine["total"], 3, "{mine}");
    let listed = kinds_and_numbers(&mine);
    let kinds: BTreeSet<&str> = listed.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["case", "dispute", "ticket"]));
    assert!(listed.iter().any(|(k, n, awaiting)| k == "case" && n == "甲公刑立〔2026〕7号" && !awaiting), "{listed:?}");
    assert!(listed.iter().filter(|(k, _, _)| k != "case").all(|(_, _, awaiting)| *awaiting), "the call and the report wait to be signed for: {listed:?}");
    let dues: Vec<Option<&str>> = mine["items"].as_array().unwrap().iter().map(|i| i["due_date"].as_str()).collect();
    assert_eq!(dues, vec![Some("2026-11-23"), Some("2026-11-23"), None], "{mine}");
    assert_eq!(mine["items"][2]["kind"], "dispute");
    let awaiting = app.get("/api/v1/work?awaiting=true&kind=ticket", &police).await.json();
    assert_eq!((awaiting["total"].as_i64(), awaiting["items"][0]["id"].as_i64()), (Some(1), Some(ticket_id)));

    // The arrest request hands the case over: the procuratorate's move now, not the police's.
    let r = app.post(&format!("/api/v1/cases/{case_id}/commands"), &police, json!({"command": "request_arrest_approval", "to": procuratorate_id})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mine = app.get("/api/v1/work?kind=case", &police).await.json();
    assert_eq!(mine["total"], 0, "{mine}");
    let theirs = app.get("/api/v1/work", &prosecutor).await.json();
    assert_eq!(kinds_and_numbers(&theirs), vec![("case".into(), "甲公刑立〔2026〕7号".into(), true)]);

    // Days later the call has not been signed for: on the overdue list, and on no list of what is
    // due soon.
    app.set_time("2026-11-25 10:00");
    let overdue = app.get("/api/v1/work?overdue=true", &police).await.json();
    assert_eq!(kinds_and_numbers(&overdue), vec![("ticket".into(), "123459901012026000001".into(), true)]);
    assert_eq!(app.get("/api/v1/work?approaching=3", &police).await.json()["total"], 0);

    // Bad input names the field and is refused whole.
    for (query, field) in [
        ("kind=bogus", "kind"),
        ("approaching=99999", "due_within"),
        ("sort=x", "sort"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("region=12", "region"),
    ] {
        let r = app.get(&format!("/api/v1/work?{query}"), &police).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{query}: {}", r.text());
    }
    // A region's work and counts are its supervisors'.
    for path in ["/api/v1/work?region=990101", "/api/v1/work/counts?region=990101"] {
        assert_eq!(app.get(path, &police).await.status, StatusCode::FORBIDDEN, "{path}");
    }

    // Many hand-overs: the list pages past 1,000 without losing or repeating one.
    let region = RegionCode::parse("region", "990101").unwrap();
    let police_ref = UnitRef { id: police_id, kind: UnitKind::Police, region };
    let procuratorate_ref = UnitRef { id: procuratorate_id, kind: UnitKind::Procuratorate, region };
    crate::lists::hand_overs(&app.store, &app.state.calendar(), 1_005, "2026-11-02 09:00", police_ref, procuratorate_ref).await;
    let first = app.get("/api/v1/work?limit=1000", &prosecutor).await.json();
    let second = app.get("/api/v1/work?limit=1000&offset=1000", &prosecutor).await.json();
    assert_eq!((first["total"].as_i64(), first["items"].as_array().unwrap().len(), second["items"].as_array().unwrap().len()), (Some(1_006), 1_000, 6));
    let ids: BTreeSet<i64> = first["items"].as_array().unwrap().iter().chain(second["items"].as_array().unwrap()).map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 1_006, "none twice");

    // The committee: the region's open work of every kind, and the counts kept with each write.
    let committee = app.token("committee.990101").await;
    let region_work = app.get("/api/v1/work?region=990101&limit=1", &committee).await.json();
    assert_eq!(region_work["total"], 1_008, "1,006 cases, the dispute and the call: {region_work}");
    let counts = app.get("/api/v1/work/counts?region=990101", &committee).await.json();
    let of =
        |kind: &str| counts.as_array().unwrap().iter().filter(|c| c["kind"] == kind && c["closed"] == false).map(|c| c["items"].as_i64().unwrap()).sum::<i64>();
    assert_eq!((of("case"), of("dispute"), of("ticket")), (1_006, 1, 1), "{counts}");

    // The pages: the prosecutor's 待办 in pages of 100, the eleventh with the rest; home shows the
    // counts by kind; the list exports to Excel.
    let session = app.browser_session("procuratorate.990101").await;
    let count_rows =
        |html: &str| html.split("id=\"work-list\"").nth(1).unwrap_or("").split("</table>").next().unwrap_or("").matches("<td><a href=\"/cases/").count();
    let page1 = app.page(Method::GET, "/work", Some(&session), None).await.text();
    assert_eq!(count_rows(&page1), 100);
    assert!(page1.contains("刑事案件") && page1.contains("待签收") && page1.contains("href=\"/work?page=2\""), "kinds, receipts and the next page");
    let page11 = app.page(Method::GET, "/work?page=11", Some(&session), None).await.text();
    assert_eq!(count_rows(&page11), 6);
    let home = app.page(Method::GET, "/", Some(&session), None).await.text();
    let docket = home.split("id=\"docket\"").nth(1).expect("the workbench has the docket").split("</section>").next().unwrap();
    assert!(docket.contains("href=\"/work?kind=case&amp;awaiting=true\">1</a>") && docket.contains(">1006</a>"), "{docket}");
    let export = app.page(Method::GET, "/work.xlsx?kind=case", Some(&session), None).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.workbook_text().contains("甲公刑立〔2026〕7号"), "the workbook lists the work");
    let police_session = app.browser_session("police.990101").await;
    let police_page = app.page(Method::GET, "/work", Some(&police_session), None).await.text();
    assert!(police_page.contains("热线工单") && police_page.contains("矛盾纠纷") && police_page.contains("夜间噪声扰民"), "other kinds on the same list");
    // The navigation's 待办 fetches the count of open items, marked when any is overdue.
    assert!(police_page.contains("hx-get=\"/work/count\""), "the navigation asks for the count");
    let count = app.page(Method::GET, "/work/count", Some(&police_session), None).await.text();
    assert!(count.contains("id=\"nav-work-count\">2</span>") && count.contains("badge late"), "the call and the report, one overdue: {count}");
    let bad = app.page(Method::GET, "/work?due=soon", Some(&police_session), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("due") && bad.text().contains("<nav"), "the error names the field, inside the layout");
}
