//! Hotline work orders through the API, as the hotline centre, the handling units, the caller
//! and the committee meet them, on both databases.

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

both!(
    a_call_goes_round_the_loop_twice_and_closes,
    refusals_change_nothing_and_the_caller_is_protected,
    indicators_by_unit_with_12309_lines_and_in_excel,
    the_centre_supervises_an_overdue_order,
    a_citys_own_limits_count_for_the_orders_taken_after_them,
    the_page_asks_again_before_not_accepting_a_call
);

async fn cmd(app: &TestApp, token: &str, id: i64, body: Value) -> crate::common::Reply {
    app.post(&format!("/api/v1/tickets/{id}/commands"), token, body).await
}

async fn ok(app: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let r = cmd(app, token, id, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{body}: {}", r.text());
    r.json()
}

fn call(title: &str, concerns_law: bool, confidential: bool) -> Value {
    json!({
        "channel": "phone", "kind": "complaint", "title": title, "content": "判决生效半年未执行", "address": "甲一县",
        "concerns_law": concerns_law,
        "caller": {"name": "赵敏", "phone": "13900001234", "confidential": confidential}
    })
}

async fn a_call_goes_round_the_loop_twice_and_closes(app: TestApp) {
    let centre = app.token("h12345.990101").await;
    let judge = app.token("court.990101").await;
    let committee = app.token("committee.990101").await;
    let court = app.unit_id(&centre, "990101", "court_basic").await;
    let police = app.unit_id(&centre, "990101", "police").await;
    let union = app.unit_id(&centre, "990101", "trade_union").await;

    let r = app.post("/api/v1/tickets", &centre, call("执行款迟迟未到位", true, false)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let t = r.json();
    let id = t["id"].as_i64().unwrap();
    let (no, code) = (t["ticket_no"].as_str().unwrap().to_string(), t["query_code"].as_str().unwrap().to_string());
    assert!(no.starts_with("123459901012026"), "{no}");
    assert_eq!(code.len(), 8);
    // 涉法涉诉 goes to the political-legal units: not to the trade union.
    let r = cmd(&app, &centre, id, json!({"command": "dispatch", "lead": union})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("not_political_legal")), "{}", r.text());
    let t = ok(&app, &centre, id, json!({"command": "dispatch", "lead": court, "assists": [police]})).await;
    assert_eq!(t["clocks"][0]["rule"], "hotline.12345_sign_for");
    let inbox = app.get("/api/v1/tickets?mine=true", &judge).await.json();
    assert!(inbox["items"].as_array().unwrap().iter().any(|x| x["id"] == id), "the county court has it: {inbox}");
    let t = ok(&app, &judge, id, json!({"command": "sign_for"})).await;
    let remembered = xiezhi_store::TicketStore::remembered_ticket(&app.store, id);
    assert_eq!(remembered, xiezhi_store::TicketStore::ticket(&app.store, id).await.unwrap(), "what the server remembers of a write is what it stored");
    let handling = t["clocks"].as_array().unwrap().iter().find(|k| k["rule"] == "hotline.12345").unwrap().clone();
    assert_eq!(handling["due"], "2026-12-07", "5 working days");
    ok(&app, &judge, id, json!({"command": "first_contact"})).await;
    ok(&app, &judge, id, json!({"command": "reply", "resolution": "partly", "text": "已立案执行"})).await;
    ok(&app, &centre, id, json!({"command": "review", "pass": true})).await;
    app.set_time("2026-12-02 10:00");
    let t = ok(&app, &centre, id, json!({"command": "callback", "channel": "phone", "reached": true, "solved": false, "satisfaction": "unsatisfied"})).await;
    assert_eq!((t["stage"].as_str(), t["state"]["reopened"].as_i64()), (Some("in_progress"), Some(1)), "发回重办");
    let handling = t["clocks"].as_array().unwrap().iter().find(|k| k["rule"] == "hotline.12345").unwrap().clone();
    assert_eq!((handling["start"].as_str(), handling["due"].as_str()), (Some("2026-12-02"), Some("2026-12-09")), "a new limit");
    // The caller follows it without signing in.
    let s = app.api(Method::GET, &format!("/api/v1/public/ticket-status?no={no}&code={code}"), None, None).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let s = s.json();
    assert_eq!(s["status_notes"], "已发回重办，承办单位正在办理");
    assert!(s["handled_by"].as_str().unwrap().contains("法院"), "{s}");
    assert!(s.get("caller").is_none() && s.get("state").is_none(), "nothing else: {s}");
    ok(&app, &judge, id, json!({"command": "reply", "resolution": "solved", "text": "执行款已发放"})).await;
    ok(&app, &centre, id, json!({"command": "review", "pass": true})).await;
    let t = ok(&app, &centre, id, json!({"command": "callback", "channel": "sms", "reached": true, "solved": true, "satisfaction": "satisfied"})).await;
    assert_eq!((t["stage"].as_str(), t["outcome"].as_str()), (Some("closed"), Some("handled")));
    let s = app.api(Method::GET, &format!("/api/v1/public/ticket-status?no={no}&code={code}"), None, None).await.json();
    assert_eq!((s["status_notes"].as_str(), s["reply"].as_str()), (Some("已办结"), Some("执行款已发放")));
    // The committee sees it in its subtree, and counts it.
    let seen = app.get("/api/v1/tickets?concerns_law=true", &committee).await.json();
    assert!(seen["items"].as_array().unwrap().iter().any(|x| x["id"] == id), "{seen}");
    let i = app.get("/api/v1/tickets/indicators", &committee).await.json()["indicators"].clone();
    assert_eq!(
        (i["received"].as_i64(), i["reopened"].as_i64(), i["satisfied"].as_i64(), i["concerns_law"].as_i64()),
        (Some(1), Some(1), Some(1), Some(1)),
        "{i}"
    );
    // An order left past its clock is flagged for the committee.
    let late = app.post("/api/v1/tickets", &centre, call("超期未签收", false, false)).await.json();
    ok(&app, &centre, late["id"].as_i64().unwrap(), json!({"command": "dispatch", "lead": police})).await;
    app.set_time("2026-12-20 10:00");
    let flagged = app.get("/api/v1/tickets?overdue=true", &committee).await.json();
    assert_eq!(flagged["items"].as_array().unwrap().iter().map(|x| x["id"].clone()).collect::<Vec<_>>(), vec![late["id"].clone()], "{flagged}");
    let cookie = app.browser_session("committee.990101").await;
    let home = app.page(Method::GET, "/", Some(&cookie), None).await.text();
    let tickets = home.split(r#"id="load-ticket""#).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(home.contains("辖区在办事项") && tickets.contains(r#"class="badge late""#), "the committee's workbench counts them overdue: {tickets}");
    let list = app.page(Method::GET, "/tickets", Some(&cookie), None).await.text();
    assert!(list.contains("按时签收率") && list.contains("重办率"), "the committee's order list shows the indicators");
    // The caller's telephone brings the order up at the centre.
    let earlier = app.get("/api/v1/tickets/earlier?phone=13900001234", &centre).await.json();
    assert_eq!(earlier.as_array().unwrap().len(), 2, "both orders from that number, newest first: {earlier}");
    assert_eq!(earlier[1]["id"], id);
    assert_eq!(app.get("/api/v1/tickets/earlier?phone=13900001234", &judge).await.status, StatusCode::FORBIDDEN);

    // A civil dispute becomes a dispute in one step, keeping the caller.
    let t = app
        .post(
            "/api/v1/tickets",
            &centre,
            json!({"channel": "phone", "kind": "help", "title": "邻居装修噪音", "caller": {"name": "钱多", "phone": "13700000001"}}),
        )
        .await
        .json();
    let t = ok(&app, &centre, t["id"].as_i64().unwrap(), json!({"command": "become_dispute", "category": "neighbour", "respondent": "孙某"})).await;
    let dispute = t["state"]["dispute_id"].as_i64().unwrap();
    let d = app.get(&format!("/api/v1/disputes/{dispute}"), &centre).await.json();
    assert_eq!(
        (d["channel"].as_str(), d["parties"][0]["name"].as_str(), d["parties"][0]["phone"].as_str()),
        (Some("hotline"), Some("钱多"), Some("13700000001")),
        "{d}"
    );
}

async fn refusals_change_nothing_and_the_caller_is_protected(app: TestApp) {
    let centre = app.token("h12345.990101").await;
    let police_t = app.token("police.990101").await;
    let judge = app.token("court.990101").await;
    let police = app.unit_id(&centre, "990101", "police").await;
    let court = app.unit_id(&centre, "990101", "court_basic").await;
    let r = app.post("/api/v1/tickets", &police_t, call("x", false, false)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only hotline centres take calls: {}", r.text());
    let mut bad = call("x", false, false);
    bad["caller"]["phone"] = json!("call me");
    let r = app.post("/api/v1/tickets", &centre, bad).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("phone")), "{}", r.text());
    let r = app.post("/api/v1/tickets", &centre, json!({"channel": "pigeon", "kind": "help", "title": "x"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("channel")));

    let t = app.post("/api/v1/tickets", &centre, call("举报非法采砂", false, true)).await.json();
    let (id, no) = (t["id"].as_i64().unwrap(), t["ticket_no"].as_str().unwrap().to_string());
    assert_eq!(t["caller"]["name"], "赵敏", "the centre sees its caller");
    ok(&app, &centre, id, json!({"command": "dispatch", "lead": police, "assists": [court], "designated": true})).await;
    let seen = app.get(&format!("/api/v1/tickets/{id}"), &police_t).await.json();
    assert!(seen["caller"].get("name").is_none() && seen["state"]["caller"].get("phone").is_none(), "a confidential caller is hidden: {seen}");
    let version = seen["version"].as_i64().unwrap();
    for (token, body, code) in [
        (&police_t, json!({"command": "request_return", "reason": "不归我管"}), "designated"),
        (&judge, json!({"command": "reply", "resolution": "solved", "text": "x"}), "not_lead"),
        (&centre, json!({"command": "callback", "channel": "phone", "reached": true, "solved": true, "satisfaction": "satisfied"}), "illegal_transition"),
    ] {
        let r = cmd(&app, token, id, body).await;
        assert_eq!(r.json()["code"].as_str(), Some(code), "{}", r.text());
    }
    assert_eq!(app.get(&format!("/api/v1/tickets/{id}"), &police_t).await.json()["version"].as_i64(), Some(version), "nothing written");
    // A wrong code answers like an unknown number, and guessing is throttled.
    let wrong = app.api(Method::GET, &format!("/api/v1/public/ticket-status?no={no}&code=00000000"), None, None).await;
    let unknown = app.api(Method::GET, "/api/v1/public/ticket-status?no=nonesuch&code=00000000", None, None).await;
    assert_eq!((wrong.status, wrong.json()["detail"].clone()), (unknown.status, unknown.json()["detail"].clone()));
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = app.api(Method::GET, &format!("/api/v1/public/ticket-status?no={no}&code=12345678"), None, None).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

/// The demo province seeds work orders of every hotline and stage, each exactly its events; a
/// demo caller follows one with the published code.
#[tokio::test]
async fn the_demo_province_has_work_orders_of_every_kind() {
    use xiezhi_store::prelude::*;
    use xiezhi_store::TicketFilter;
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let cal = crate::common::test_calendars().get();
    let made = xiezhi_server::demo::seed_tickets(&store, &cal, 500, 7, time::macros::date!(2026 - 11 - 30)).await.unwrap();
    assert_eq!(made, 500);
    let tallies = store.ticket_tallies(TicketFilter::default()).await.unwrap();
    for stage in ["received", "dispatched", "in_progress", "replied", "calling_back", "closed"] {
        assert!(tallies.iter().any(|t| t.stage == stage), "no demo order is {stage}");
    }
    for hotline in ["12345", "12309", "12348"] {
        assert!(tallies.iter().any(|t| t.hotline == hotline), "no {hotline} order");
    }
    assert!(tallies.iter().any(|t| t.reopened != 0), "some were reopened");
    let rows = store.tickets(TicketFilter { limit: 200, with_state: true, ..Default::default() }).await.unwrap();
    for r in &rows {
        let events = store.events_of(&format!("ticket:{}", r.id), 1000).await.unwrap();
        let replayed =
            events.iter().map(|e| serde_json::from_str::<xiezhi_core::ticket::Event>(&e.payload).unwrap()).fold(None, |t, e| xiezhi_core::ticket::apply(t, &e));
        assert_eq!(serde_json::to_string(&replayed.unwrap()).unwrap(), r.state, "order {} is its events", r.id);
    }
    let state = xiezhi_server::AppState::new(
        store.clone(),
        Default::default(),
        crate::common::test_calendars(),
        xiezhi_server::audit::LogSigner::new("t", [7; 32]).unwrap(),
    );
    let (found, ..) = xiezhi_server::app::tickets::public_status(&state, "local", &rows[0].ticket_no, "00000000").await.unwrap();
    assert_eq!(found.id, rows[0].id);
    // The police stations' bases each keep an expired answer: the upkeep page has work to show.
    let upkeep = xiezhi_store::KnowledgeStore::knowledge_upkeep(&store, "99", "2026-11-30").await.unwrap();
    let stale: Vec<_> = upkeep.iter().filter(|u| u.expired == 1).collect();
    assert!(!stale.is_empty() && stale.len() < upkeep.len(), "{upkeep:?}");
    for u in stale {
        assert_eq!(store.unit(u.unit_id).await.unwrap().kind, xiezhi_core::UnitKind::Police);
    }
}

/// The indicators as a whole and per lead unit, with 12309's two lines: a call replied within its
/// 7 days, a letter replied after its 3 months; and the same in an Excel workbook.
async fn indicators_by_unit_with_12309_lines_and_in_excel(app: TestApp) {
    let centre = app.token("h12309.990101").await;
    let procuratorate = app.token("procuratorate.990101").await;
    let committee = app.token("committee.990101").await;
    let pro = app.unit_id(&centre, "990101", "procuratorate").await;
    let take = |channel: &'static str, title: &'static str| {
        let (app, centre) = (&app, centre.clone());
        async move {
            let body = json!({"channel": channel, "kind": "accusation", "title": title, "content": "控告", "concerns_law": true, "caller": {"name": "钱某", "phone": "13900005678"}});
            let r = app.post("/api/v1/tickets", &centre, body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let id = r.json()["id"].as_i64().unwrap();
            ok(app, &centre, id, json!({"command": "dispatch", "lead": pro})).await;
            id
        }
    };
    let call = take("phone", "控告某派出所").await;
    let letter = take("letter", "来信控告").await;
    ok(&app, &procuratorate, call, json!({"command": "sign_for"})).await;
    ok(&app, &procuratorate, letter, json!({"command": "sign_for"})).await;
    ok(&app, &procuratorate, call, json!({"command": "reply", "resolution": "explained", "text": "已答复"})).await;
    app.set_time("2027-03-15 09:00");
    ok(&app, &procuratorate, letter, json!({"command": "reply", "resolution": "solved", "text": "已办理"})).await;
    let r = app.get("/api/v1/tickets/indicators", &committee).await.json();
    let i = &r["indicators"];
    assert_eq!((i["h12309_reply_rate"].as_f64(), i["h12309_result_rate"].as_f64()), (Some(100.0), Some(0.0)), "{i}");
    assert_eq!((i["h12309_replied"].as_i64(), i["h12309_results"].as_i64()), (Some(1), Some(1)), "{i}");
    let units = r["units"].as_array().unwrap();
    let mine = units.iter().find(|u| u["unit_id"] == pro).unwrap_or_else(|| panic!("{r}"));
    assert_eq!((mine["indicators"]["received"].as_i64(), mine["indicators"]["on_time_reply_rate"].as_f64()), (Some(2), Some(50.0)), "{mine}");
    assert!(mine["name"].as_str().unwrap().contains("检察院"), "{mine}");

    // By the period received, and by region inside the committee's own.
    let count = |q: &'static str| {
        let (app, committee) = (&app, committee.clone());
        async move { app.get(&format!("/api/v1/tickets/indicators?{q}"), &committee).await }
    };
    assert_eq!(count("from=2026-11-30&to=2026-11-30").await.json()["indicators"]["received"], 2);
    assert_eq!(count("from=2026-12-01").await.json()["indicators"]["received"], 0);
    assert_eq!(count("region=990101").await.json()["indicators"]["received"], 2);
    for (q, field) in [("from=2026-12-01&to=2026-11-01", "from"), ("to=2026-02-30", "to"), ("region=990102", "region")] {
        let r = count(q).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{q}: {}", r.text());
    }

    let cookie = app.browser_session("h12309.990101").await;
    let x = app.page(Method::GET, "/tickets/indicators.xlsx?from=2026-11-30&to=2026-12-31", Some(&cookie), None).await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(x.headers.get("content-type").unwrap(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let text = x.workbook_text();
    for part in ["热线工单办理情况统计表", "12309七日内答复率", "12309三个月内答复办理结果率", "name=\"分单位\"", "检察院", "2026-11-30 — 2026-12-31"]
    {
        assert!(text.contains(part), "{part} missing from the workbook");
    }
    let page = app.page(Method::GET, "/tickets", Some(&cookie), None).await;
    let html = String::from_utf8_lossy(&page.body).to_string();
    assert!(html.contains("unit-indicators") && html.contains("12309七日内答复率"), "the list page shows them");
    let page = app.page(Method::GET, "/tickets?from=2027-01-01", Some(&cookie), None).await;
    let html = String::from_utf8_lossy(&page.body).to_string();
    assert!(html.contains("/tickets/indicators.xlsx?from=2027-01-01") && !html.contains("unit-indicators"), "the period narrows the page and its workbook");
}

/// 督办 (H14): an order not signed for within its working day is supervised by the centre; the
/// notice is on the order's record, the order is found among the supervised, and counted.
async fn the_centre_supervises_an_overdue_order(app: TestApp) {
    let centre = app.token("h12345.990101").await;
    let police_t = app.token("police.990101").await;
    let police = app.unit_id(&centre, "990101", "police").await;
    let id = app.post("/api/v1/tickets", &centre, call("夜间噪音", false, false)).await.json()["id"].as_i64().unwrap();
    ok(&app, &centre, id, json!({"command": "dispatch", "lead": police})).await;
    let r = cmd(&app, &centre, id, json!({"command": "supervise", "reason": "overdue"})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("not_overdue")), "{}", r.text());
    let r = cmd(&app, &police_t, id, json!({"command": "supervise", "reason": "repeated"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only the centre supervises: {}", r.text());
    let r = cmd(&app, &centre, id, json!({"command": "supervise", "reason": "late"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")), "{}", r.text());
    app.set_time("2026-12-02 09:00");
    let t = ok(&app, &centre, id, json!({"command": "supervise", "reason": "overdue", "note": "请立即签收"})).await;
    assert_eq!(t["state"]["supervisions"][0]["reason"], "overdue", "{t}");
    let found = app.get("/api/v1/tickets?supervised=true", &police_t).await.json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(app.get("/api/v1/tickets/indicators", &centre).await.json()["indicators"]["supervised"], 1);
    let cookie = app.browser_session("police.990101").await;
    let page = app.page(Method::GET, &format!("/tickets/{id}"), Some(&cookie), None).await;
    let html = String::from_utf8_lossy(&page.body).to_string();
    assert!(html.contains("督办") && html.contains("请立即签收"), "the lead sees the notice on the order's record");
}

/// A city whose hotline regulations give 3 working days to reply sets that limit: orders its
/// centres take from then on count by it (their clock names the local provision), an order taken
/// before keeps the catalogue's 5, and going back to the catalogue moves no running clock. Only the
/// city's committee administrators (or the province's) may; a bad limit is refused naming the
/// field, changing nothing; every change is on record.
async fn a_citys_own_limits_count_for_the_orders_taken_after_them(app: TestApp) {
    let centre = app.token("h12345.990101").await;
    let judge = app.token("court.990101").await;
    let city_admin = app.token("admin.990100").await;
    let court = app.unit_id(&centre, "990101", "court_basic").await;
    let handling_of = |t: &Value| t["clocks"].as_array().unwrap().iter().find(|k| k["rule"] == "hotline.12345").unwrap().clone();
    let taken = |title: &'static str| {
        let (app, centre) = (&app, centre.clone());
        async move {
            let id = app.post("/api/v1/tickets", &centre, call(title, true, false)).await.json()["id"].as_i64().unwrap();
            ok(app, &centre, id, json!({"command": "dispatch", "lead": court})).await;
            id
        }
    };
    let sign = |id: i64| {
        let (app, judge) = (&app, judge.clone());
        async move { ok(app, &judge, id, json!({"command": "sign_for"})).await }
    };
    let earlier = taken("设定前受理").await;

    let body = json!({"length": 3, "basis": "《甲市12345热线管理办法》第十二条"});
    for who in ["h12345.990101", "admin.990200", "committee.990100"] {
        let t = app.token(who).await;
        let r = app.put("/api/v1/limits/990100/hotline.12345", &t, body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }
    for (path, body, field) in [
        ("/api/v1/limits/990100/hotline.12309_reply", body.clone(), "rule"),
        ("/api/v1/limits/990100/hotline.12345", json!({"length": 0, "basis": "x"}), "length"),
        ("/api/v1/limits/990100/hotline.12345", json!({"length": 3, "basis": "  "}), "basis"),
        ("/api/v1/limits/990101/hotline.12345", body.clone(), "region"),
    ] {
        let r = app.put(path, &city_admin, body).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{path}: {}", r.text());
    }
    assert!(app.get("/api/v1/limits", &centre).await.json().as_array().unwrap().is_empty(), "nothing set by the refusals");
    let set = app.put("/api/v1/limits/990100/hotline.12345", &city_admin, body.clone()).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let listed = app.get("/api/v1/limits", &centre).await.json();
    assert_eq!((listed[0]["region"].as_str(), listed[0]["length"].as_i64()), (Some("990100"), Some(3)), "{listed}");
    let record = xiezhi_store::AuditLog::events_of(&app.store, "limits:990100", 10).await.unwrap();
    assert_eq!(record.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), vec!["limits.set"]);

    let later = taken("设定后受理").await;
    let t = sign(later).await;
    assert_eq!(
        (handling_of(&t)["due"].as_str(), handling_of(&t)["local_basis"].as_str()),
        (Some("2026-12-03"), Some("《甲市12345热线管理办法》第十二条")),
        "3 working days from Monday 30 November, by the city's provision"
    );
    let t = sign(earlier).await;
    assert_eq!((handling_of(&t)["due"].as_str(), handling_of(&t)["local_basis"].as_str()), (Some("2026-12-07"), None), "taken before: the catalogue's 5");

    // Back to the catalogue: new orders count 5 again, the running one keeps its 3.
    let cleared = app.api(Method::DELETE, "/api/v1/limits/990100/hotline.12345", Some(&city_admin), None).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{}", cleared.text());
    assert_eq!(app.api(Method::DELETE, "/api/v1/limits/990100/hotline.12345", Some(&city_admin), None).await.status, StatusCode::NOT_FOUND);
    let t = sign(taken("恢复后受理").await).await;
    assert_eq!(handling_of(&t)["due"], "2026-12-07");
    let t = app.get(&format!("/api/v1/tickets/{later}"), &judge).await.json();
    assert_eq!(handling_of(&t)["due"], "2026-12-03", "a running clock does not move");

    // The page: the city's administrator sets a limit through the form; a bad one comes back
    // inside the page, in words, with what was typed.
    let cookie = app.browser_session("admin.990100").await;
    let page = app.page(Method::GET, "/limits", Some(&cookie), None).await.text();
    assert!(page.contains(r#"id="set-limit""#) && page.contains("尚无地方规定"), "the form, nothing set");
    let csrf = csrf_of(&page);
    let bad = app.page(Method::POST, "/limits", Some(&cookie), Some(&format!("csrf={csrf}&region=990100&rule=hotline.12345_sign_for&length=99&basis=x"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains(r#"id="limit-error""#) && bad.text().contains("时限长度"), "{}", bad.text());
    assert!(bad.text().contains(r#"value="99""#), "what was typed is kept");
    let basis = "%E3%80%8A%E7%94%B2%E5%B8%8212345%E7%83%AD%E7%BA%BF%E7%AE%A1%E7%90%86%E5%8A%9E%E6%B3%95%E3%80%8B%E7%AC%AC%E5%8D%81%E6%9D%A1";
    let done =
        app.page(Method::POST, "/limits", Some(&cookie), Some(&format!("csrf={csrf}&region=990100&rule=hotline.12345_sign_for&length=2&basis={basis}"))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = app.page(Method::GET, "/limits", Some(&cookie), None).await.text();
    assert!(
        page.contains("《甲市12345热线管理办法》第十条") && page.contains("2个工作日") && page.contains("1个工作日"),
        "the city's limit beside the catalogue's"
    );
    let court_page = app.page(Method::GET, "/limits", Some(&app.browser_session("court.990101").await), None).await.text();
    assert!(court_page.contains("第十条") && !court_page.contains(r#"id="set-limit""#), "others read the limits, without the form");
}

/// Not accepting a call cannot be undone: the order's page shows it back first, nothing changes
/// until it is confirmed, and then it is done once.
async fn the_page_asks_again_before_not_accepting_a_call(app: TestApp) {
    let centre = app.token("h12345.990101").await;
    let id = app.post("/api/v1/tickets", &centre, call("咨询房屋买卖", false, false)).await.json()["id"].as_i64().unwrap();
    let cookie = app.browser_session("h12345.990101").await;
    let page = app.page(Method::GET, &format!("/tickets/{id}"), Some(&cookie), None).await.text();
    let csrf = csrf_of(&page);
    let form = format!("csrf={csrf}&command=not_accept&reason=%E4%B8%8D%E5%B1%9E%E4%BA%8E%E5%8F%97%E7%90%86%E8%8C%83%E5%9B%B4&route=%E4%B8%8D%E5%8A%A8%E4%BA%A7%E7%99%BB%E8%AE%B0%E4%B8%AD%E5%BF%83");
    let asked = app.page(Method::POST, &format!("/tickets/{id}/commands"), Some(&cookie), Some(&form)).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
    assert!(
        asked.text().contains(r#"id="confirm-submit""#) && asked.text().contains("不予受理") && asked.text().contains("不属于受理范围"),
        "{}",
        asked.text()
    );
    assert_eq!(app.get(&format!("/api/v1/tickets/{id}"), &centre).await.json()["stage"], "received", "nothing done yet");
    let done = app.page(Method::POST, &format!("/tickets/{id}/commands"), Some(&cookie), Some(&format!("{form}&confirmed=yes"))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let t = app.get(&format!("/api/v1/tickets/{id}"), &centre).await.json();
    assert_ne!(t["stage"], "received", "{t}");
    assert_eq!(t["version"], 2, "done once");
}
