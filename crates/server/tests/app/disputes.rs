//! Disputes through the API, as each unit meets them, on both databases.

use crate::common::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// Each on SQLite and PostgreSQL, the server's clock fixed at 2026-11-30 09:00 (Beijing).
macro_rules! at_the_end_of_november {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::TestApp::at(super::Backend::Sqlite, "2026-11-30 09:00").await).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::TestApp::at(super::Backend::Postgres, "2026-11-30 09:00").await).await; })*
        }
    };
}

at_the_end_of_november!(
    a_dispute_goes_from_the_window_to_closed,
    bad_input_and_strangers_change_nothing,
    the_committee_sees_its_subtree_masked_with_a_ledger,
    the_court_entrusts_mediation_of_a_filed_case,
    the_provinces_own_report_limit_counts_for_disputes_registered_after_it,
    a_province_grades_disputes_in_its_own_risk_scale
);

async fn cmd(app: &TestApp, token: &str, id: i64, body: Value) -> crate::common::Reply {
    app.post(&format!("/api/v1/disputes/{id}/commands"), token, body).await
}

async fn ok(app: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let r = cmd(app, token, id, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{body}: {}", r.text());
    let v = r.json();
    assert!(v["leaves"].as_array().is_some_and(|l| !l.is_empty()), "every command is on record: {v}");
    v
}

fn new_dispute(title: &str) -> Value {
    json!({
        "title": title,
        "channel": "governance_centre",
        "category": "marriage_family",
        "amount": 30000,
        "parties": [
            {"name": "王芳", "role": "applicant", "phone": "13800001111", "id_number": "11010519491231002X"},
            {"name": "李强", "role": "respondent", "phone": "13900002222"}
        ]
    })
}

async fn register(app: &TestApp, token: &str, title: &str) -> Value {
    let r = app.post("/api/v1/disputes", token, new_dispute(title)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

/// The issue's road: window intake → red risk reported to the police → diversion to the
/// women's federation → mediation → agreement → joint application → court confirmation →
/// follow-up → closed, each step by the unit whose step it is.
async fn a_dispute_goes_from_the_window_to_closed(app: TestApp) {
    let centre = app.token("governance.990101").await;
    let police = app.token("police.990101").await;
    let women = app.token("women.990101").await;
    let judge = app.token("court.990101").await;
    let police_id = app.unit_id(&centre, "990101", "police").await;
    let women_id = app.unit_id(&centre, "990101", "womens_federation").await;
    let court_id = app.unit_id(&centre, "990101", "court_basic").await;

    let d = register(&app, &centre, "抚养费纠纷（窗口）").await;
    let id = d["id"].as_i64().unwrap();
    let code = d["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("MD9901012026"), "{code}");
    assert_eq!((d["stage"].as_str(), d["masked"].as_bool()), (Some("registered"), Some(false)));
    assert_eq!(d["parties"][0]["phone"], "13800001111", "the handling unit sees the telephone");

    let d = ok(&app, &centre, id, json!({"command": "assess", "level": "red", "factors": ["threats_or_violence"], "next_review": "2026-12-07"})).await;
    assert_eq!(d["clocks"][0]["rule"], "dispute.red_report");
    assert_eq!(d["clocks"][0]["due"], "2026-12-01");
    ok(&app, &centre, id, json!({"command": "report_to_police", "to": police_id})).await;
    // The police find it in their list and sign for the report.
    let listed = app.get("/api/v1/disputes?risk=red", &police).await.json();
    assert!(listed["items"].as_array().unwrap().iter().any(|x| x["id"] == id), "{listed}");
    let d = ok(&app, &police, id, json!({"command": "acknowledge_report"})).await;
    assert_eq!(d["state"]["reports"][0]["received"], "2026-11-30");

    ok(&app, &centre, id, json!({"command": "refer", "kind": "partner", "to": women_id})).await;
    let inbox = app.get("/api/v1/disputes/inbox", &women).await.json();
    assert_eq!(inbox.as_array().unwrap().iter().filter(|x| x["id"] == id).count(), 1, "{inbox}");
    app.set_time("2026-12-01 10:00");
    // The federation's roster: a mediator is added, assigned, steps aside, and another is assigned.
    let add = |name: &'static str| app.post("/api/v1/mediators", &women, json!({"name": name, "specialties": ["marriage_family"], "court_roster": true}));
    let first = add("刘调解").await.json()["id"].as_i64().unwrap();
    let second = add("陈调解").await.json()["id"].as_i64().unwrap();
    assert_eq!(app.post("/api/v1/mediators", &police, json!({"name": "x"})).await.status, StatusCode::FORBIDDEN, "the police keep no roster");
    let d = ok(&app, &women, id, json!({"command": "receive"})).await;
    ok(&app, &women, id, json!({"command": "assign_mediator", "mediator": first})).await;
    let d2 = ok(&app, &women, id, json!({"command": "recuse", "ground": "relative"})).await;
    assert!(d2["state"]["mediation"]["mediator"].is_null(), "{d2}");
    let d2 = ok(&app, &women, id, json!({"command": "assign_mediator", "mediator": second})).await;
    assert_eq!(d2["state"]["mediation"]["mediator"]["name"], "陈调解");
    assert_eq!(
        (d["stage"].as_str(), d["clocks"][0]["rule"].as_str(), d["clocks"][0]["due"].as_str()),
        (Some("mediating"), Some("mediation.people"), Some("2027-01-01"))
    );
    assert!(app.get("/api/v1/disputes/inbox", &women).await.json().as_array().unwrap().iter().all(|x| x["id"] != id), "signed for: out of the inbox");
    ok(&app, &women, id, json!({"command": "record_session", "note": "双方到场"})).await;
    ok(
        &app,
        &women,
        id,
        json!({"command": "agree", "terms": [{"kind": "payment", "text": "李强每月支付抚养费1500元", "amount": 1500, "due": "2026-12-31"}], "facts": "婚生子随母生活"}),
    )
    .await;
    for signer in [json!({"signer": "party", "party": 0}), json!({"signer": "party", "party": 1}), json!({"signer": "mediator"})] {
        ok(&app, &women, id, json!({"command": "sign", "signer": signer})).await;
    }
    app.set_time("2026-12-03 10:00");
    let d = ok(&app, &women, id, json!({"command": "sign", "signer": {"signer": "seal"}})).await;
    assert_eq!((d["stage"].as_str(), d["outcome"].as_str()), (Some("performing"), Some("agreed")));
    assert_eq!((d["clocks"][0]["rule"].as_str(), d["clocks"][0]["party"].as_bool()), (Some("civil.judicial_confirmation_application"), Some(true)));

    ok(&app, &women, id, json!({"command": "apply_for_confirmation", "court": court_id, "applicants": [0, 1]})).await;
    ok(&app, &judge, id, json!({"command": "receive"})).await;
    let d = ok(&app, &judge, id, json!({"command": "accept_confirmation"})).await;
    let remembered = xiezhi_store::DisputeStore::remembered_dispute(&app.store, id);
    assert_eq!(
        remembered,
        xiezhi_store::DisputeStore::dispute(&app.store, id).await.unwrap(),
        "what the server remembers of a write (its number drawn) is what it stored"
    );
    assert_eq!(d["state"]["confirmation"]["number"], "（2026）990101民特1号", "the court's first 民特 number of the year");
    let shown = app.get(&format!("/api/v1/disputes/{id}"), &judge).await.json();
    assert_eq!(shown["state"]["confirmation"]["number"], "（2026）990101民特1号", "stored as answered");
    assert_eq!(d["clocks"][0]["rule"], "civil.judicial_confirmation_decision");
    let d = ok(&app, &judge, id, json!({"command": "rule", "ruling": {"ruling": "valid"}})).await;
    assert_eq!((d["holder_unit_id"].as_i64(), d["outcome"].as_str()), (Some(women_id), Some("confirmed")));

    let r = cmd(&app, &women, id, json!({"command": "close"})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("no_follow_up")), "{}", r.text());
    ok(&app, &women, id, json!({"command": "record_performance", "term": 0, "performance": "performed"})).await;
    ok(&app, &women, id, json!({"command": "follow_up", "satisfaction": "satisfied", "note": "已按月支付"})).await;
    let d = ok(&app, &women, id, json!({"command": "close"})).await;
    assert_eq!(d["stage"], "closed");

    let timeline = app.get(&format!("/api/v1/disputes/{id}/timeline"), &centre).await.json();
    let kinds: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"dispute.registered"));
    assert_eq!(kinds.last(), Some(&"dispute.closed"));
    assert!(kinds.contains(&"dispute.ruled") && kinds.contains(&"dispute.agreement_effective"), "{kinds:?}");
    // Found by its code and by a party's telephone.
    for q in [code.clone(), "13900002222".into()] {
        let page = app.get(&format!("/api/v1/disputes?q={q}"), &centre).await.json();
        assert_eq!(page["items"][0]["id"], id, "{q}: {page}");
    }
}

async fn bad_input_and_strangers_change_nothing(app: TestApp) {
    let centre = app.token("governance.990101").await;
    let union_other = app.token("union.990102").await;
    let prosecutor = app.token("procuratorate.990101").await;
    let women_id = app.unit_id(&centre, "990101", "womens_federation").await;
    let committee_id = app.unit_id(&centre, "990101", "mediation_committee").await;

    // Malformed: the field is named, nothing is stored.
    let mut bad = new_dispute("坏电话");
    bad["parties"][0]["phone"] = json!("call me");
    let r = app.post("/api/v1/disputes", &centre, bad).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("phone")), "{}", r.text());
    let mut bad = new_dispute("坏身份证");
    bad["parties"][0]["id_number"] = json!("110105194912310021");
    let r = app.post("/api/v1/disputes", &centre, bad).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("id_number")), "{}", r.text());
    let r = app
        .post("/api/v1/disputes", &centre, json!({"title": "x", "channel": "by_pigeon", "category": "other", "parties": [{"name": "a", "role": "applicant"}]}))
        .await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("channel")), "{}", r.text());
    let r = app.post("/api/v1/disputes", &prosecutor, new_dispute("检察院登记")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a prosecutor has no dispute role: {}", r.text());
    assert_eq!(app.get("/api/v1/disputes?q=坏", &centre).await.json()["total"], 0);

    let id = register(&app, &centre, "邻里噪音纠纷").await["id"].as_i64().unwrap();
    let version = app.get(&format!("/api/v1/disputes/{id}"), &centre).await.json()["version"].as_i64().unwrap();
    // A partner acting on a dispute not routed to it: 403, and it may not even read it.
    let r = cmd(&app, &union_other, id, json!({"command": "receive"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(app.get(&format!("/api/v1/disputes/{id}"), &union_other).await.status, StatusCode::FORBIDDEN);
    // Mediation for a party who refused.
    ok(&app, &centre, id, json!({"command": "record_refusal", "party": 1})).await;
    let r = cmd(&app, &centre, id, json!({"command": "refer", "kind": "peoples_mediation", "to": committee_id})).await;
    let p = r.json();
    assert_eq!((r.status, p["code"].as_str()), (StatusCode::CONFLICT, Some("party_refused")), "{p}");
    assert!(p["rule"].as_str().unwrap().contains("人民调解法 17"), "{p}");
    // Entrusted mediation by a non-court, a partner of the wrong kind, a missing field.
    let r = cmd(&app, &centre, id, json!({"command": "refer", "kind": "entrusted_pre_filing", "to": women_id, "consent": true})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = cmd(&app, &centre, id, json!({"command": "refer", "kind": "partner", "to": committee_id})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("wrong_target")));
    let r = cmd(&app, &centre, id, json!({"command": "refer", "kind": "partner"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = cmd(&app, &centre, id, json!({"command": "refer", "kind": "partner", "to": 999999})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")));
    let after = app.get(&format!("/api/v1/disputes/{id}"), &centre).await.json();
    assert_eq!(after["version"].as_i64(), Some(version + 1), "only the refusal was written");

    // A labour dispute goes to the trade union, not to the women's federation.
    let mut labour = new_dispute("拖欠工资纠纷");
    labour["category"] = json!("labour");
    let r = app.post("/api/v1/disputes", &centre, labour).await;
    let id = r.json()["id"].as_i64().unwrap();
    let r = cmd(&app, &centre, id, json!({"command": "refer", "kind": "partner", "to": women_id})).await;
    let p = r.json();
    assert_eq!((r.status, p["code"].as_str()), (StatusCode::CONFLICT, Some("outside_sector")), "{p}");
    assert!(p["detail"].as_str().unwrap_or_default().contains("labour") || p.to_string().contains("labour"), "names the category: {p}");
    let union = app.unit_id(&centre, "990101", "trade_union").await;
    ok(&app, &centre, id, json!({"command": "refer", "kind": "partner", "to": union})).await;
}

async fn the_committee_sees_its_subtree_masked_with_a_ledger(app: TestApp) {
    let centre = app.token("governance.990101").await;
    let other_centre = app.token("governance.990102").await;
    let county_committee = app.token("committee.990101").await;
    let a = register(&app, &centre, "台账甲").await["id"].as_i64().unwrap();
    ok(&app, &centre, a, json!({"command": "assess", "level": "orange", "next_review": "2026-12-10"})).await;
    let b = register(&app, &other_centre, "台账乙").await["id"].as_i64().unwrap();
    let d = app.get(&format!("/api/v1/disputes/{a}"), &county_committee).await.json();
    assert_eq!(d["masked"], true, "{d}");
    assert_eq!(d["parties"][0]["phone"], "138****1111");
    assert_eq!(d["parties"][0]["id_number"], "110105********002X");
    assert_eq!(d["parties"][0]["name"], "王*");
    assert_eq!(d["state"]["parties"][0]["phone"], "138****1111", "the state is masked too");
    assert_eq!(app.get(&format!("/api/v1/disputes/{b}"), &county_committee).await.status, StatusCode::FORBIDDEN, "another county");
    let r = cmd(&app, &county_committee, a, json!({"command": "close"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "supervision reads, it does not act");

    let ledger = app.get("/api/v1/disputes/ledger?q=台账&from=2026-11-01&to=2026-11-30", &county_committee).await.json();
    assert_eq!(ledger["total"], 1, "{ledger}");
    let i = &ledger["indicators"];
    assert_eq!(
        (i["screened"]["disputes"].as_i64(), i["screened"]["persons"].as_i64(), i["escalated"]["disputes"].as_i64()),
        (Some(1), Some(2), Some(1)),
        "{i}"
    );
    // The ledger in Excel: the indicators sheet and a row per dispute, in Chinese.
    let cookie = app.browser_session("committee.990101").await;
    let x = app.page(Method::GET, "/disputes/ledger.xlsx?q=%E5%8F%B0%E8%B4%A6", Some(&cookie), None).await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(x.headers.get("content-type").unwrap(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let text = x.workbook_text();
    for part in ["矛盾纠纷排查化解统计表", "防止民间纠纷转化为刑事案件", "台账甲", "橙色（关注）", "name=\"指标\"", "name=\"台账\""]
    {
        assert!(text.contains(part), "{part} missing from the workbook");
    }
    assert!(!text.contains("台账乙"), "only the committee's own county");
    let orange = app.get("/api/v1/disputes?risk=orange,red&q=台账", &county_committee).await.json();
    assert_eq!(orange["items"][0]["id"], a);
    for (q, field) in
        [("risk=purple", "risk"), ("from=2026-13-01", "from"), ("stage=lost", "stage"), ("from=2026-12-01&to=2026-11-01", "from"), ("sort=name", "sort")]
    {
        let r = app.get(&format!("/api/v1/disputes/ledger?{q}"), &county_committee).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{q}: {}", r.text());
    }
}

/// The demo province seeds disputes of every channel, risk level and stage, received in the
/// three months before the day it is seeded, each rebuilt exactly from its own events.
#[tokio::test]
async fn the_demo_province_has_disputes_of_every_kind() {
    use xiezhi_store::prelude::*;
    use xiezhi_store::DisputeFilter;
    let (store, _dir) = xiezhi_store::testing::fresh_sqlite().await;
    xiezhi_server::demo::seed(&store, 7, 1).await.unwrap();
    let cal = crate::common::test_calendars().get();
    let today = time::macros::date!(2026 - 11 - 30);
    let made = xiezhi_server::demo::seed_disputes(&store, &cal, 600, 7, today).await.unwrap();
    assert_eq!(made, 600);
    let tallies = store.dispute_tallies(DisputeFilter::default()).await.unwrap();
    let has = |f: &dyn Fn(&xiezhi_store::DisputeTally) -> bool| tallies.iter().any(f);
    for stage in xiezhi_server::app::disputes::stages() {
        assert!(has(&|t| t.stage == stage), "no demo dispute is {stage}");
    }
    for risk in xiezhi_server::app::disputes::RISKS {
        assert!(has(&|t| t.risk.as_deref() == Some(risk)), "no demo dispute is {risk}");
    }
    for channel in xiezhi_core::dispute::Channel::ALL {
        let code = serde_json::to_value(channel).unwrap().as_str().unwrap().to_string();
        assert!(has(&|t| t.channel == code), "no demo dispute came by {code}");
    }
    let overdue = store.dispute_count(DisputeFilter { due_by: Some("2026-11-29".into()), open_only: true, ..Default::default() }).await.unwrap();
    assert!(overdue > 0, "some have lingered past their clock");
    let rows = store.disputes(DisputeFilter { limit: 1000, with_state: true, ..Default::default() }).await.unwrap();
    for r in rows.iter().take(200) {
        assert!(r.received_on.as_str() >= "2026-09-01" && r.received_on.as_str() <= "2026-11-30", "{}", r.received_on);
        let events = store.events_of(&format!("dispute:{}", r.id), 1000).await.unwrap();
        let replayed = events
            .iter()
            .map(|e| serde_json::from_str::<xiezhi_core::dispute::Event>(&e.payload).unwrap())
            .fold(None, |d, e| xiezhi_core::dispute::apply(d, &e))
            .unwrap();
        assert_eq!(serde_json::to_string(&replayed).unwrap(), r.state, "dispute {} is its events", r.id);
        assert_eq!(r.version as usize, events.len());
    }
}

/// 委托: the county court files a diverted dispute, entrusts its mediation to the mediation
/// committee with the parties' consent; the committee mediates on the simple procedure's 7 days;
/// a failure returns the case to the court with its period resumed.
async fn the_court_entrusts_mediation_of_a_filed_case(app: TestApp) {
    let centre = app.token("governance.990101").await;
    let judge = app.token("court.990101").await;
    let mediation = app.token("mediation.990101").await;
    let court_id = app.unit_id(&centre, "990101", "court_basic").await;
    let committee_id = app.unit_id(&centre, "990101", "mediation_committee").await;
    let id = register(&app, &centre, "借款纠纷（委托调解）").await["id"].as_i64().unwrap();
    ok(&app, &centre, id, json!({"command": "refer", "kind": "litigation", "to": court_id})).await;
    ok(&app, &judge, id, json!({"command": "receive"})).await;
    let entrust = json!({"command": "refer", "kind": "entrusted_after_filing", "to": committee_id, "consent": true});
    let r = cmd(&app, &judge, id, entrust.clone()).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("not_filed")), "{}", r.text());
    let d = ok(&app, &judge, id, json!({"command": "file_case", "track": "simple"})).await;
    assert!(d["available"].as_array().unwrap().iter().any(|a| a == "refer_entrusted_after_filing"), "{}", d["available"]);
    let r = cmd(&app, &judge, id, json!({"command": "refer", "kind": "entrusted_after_filing", "to": committee_id})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("no_consent")), "{}", r.text());
    ok(&app, &judge, id, entrust).await;
    app.set_time("2026-12-01 10:00");
    let d = ok(&app, &mediation, id, json!({"command": "receive"})).await;
    assert_eq!(
        (d["stage"].as_str(), d["clocks"][0]["rule"].as_str(), d["clocks"][0]["due"].as_str()),
        (Some("mediating"), Some("mediation.entrusted_simple"), Some("2026-12-08")),
        "{d}"
    );
    app.set_time("2026-12-04 10:00");
    let d =
        ok(&app, &mediation, id, json!({"command": "end_mediation", "failure": "no_agreement", "reason": "分歧过大", "undisputed_facts": "借款属实"})).await;
    assert_eq!(
        (d["stage"].as_str(), d["clocks"][0]["rule"].as_str(), d["clocks"][0]["start"].as_str()),
        (Some("litigating"), Some("civil.simple_procedure"), Some("2026-12-03")),
        "the 3 days waited are not counted: {d}"
    );
    let d = ok(&app, &judge, id, json!({"command": "conclude_litigation", "outcome": "judged"})).await;
    assert_eq!(d["stage"], "closed");
}

/// The province's rules give three days to report a red-risk dispute: its committee's
/// administrator sets that (a city's may not; it is set for the province, not a city); disputes
/// registered from then on count three days, naming the provision; one registered before keeps
/// the catalogue's next day.
async fn the_provinces_own_report_limit_counts_for_disputes_registered_after_it(app: TestApp) {
    let centre = app.token("governance.990101").await;
    let province_admin = app.token("admin").await;
    let earlier = register(&app, &centre, "设定前登记").await["id"].as_i64().unwrap();
    let body = json!({"length": 3, "basis": "《示范省矛盾纠纷多元化解条例》第二十条"});
    let city = app.put("/api/v1/limits/990000/dispute.red_report", &app.token("admin.990100").await, body.clone()).await;
    assert_eq!(city.status, StatusCode::FORBIDDEN, "{}", city.text());
    let wrong_level = app.put("/api/v1/limits/990100/dispute.red_report", &province_admin, body.clone()).await;
    assert_eq!((wrong_level.status, wrong_level.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("region")), "{}", wrong_level.text());
    let set = app.put("/api/v1/limits/990000/dispute.red_report", &province_admin, body).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());

    let red = |id: i64| {
        let (app, centre) = (&app, centre.clone());
        async move { ok(app, &centre, id, json!({"command": "assess", "level": "red", "next_review": "2026-12-07"})).await }
    };
    let later = register(&app, &centre, "设定后登记").await["id"].as_i64().unwrap();
    let d = red(later).await;
    assert_eq!((d["clocks"][0]["rule"].as_str(), d["clocks"][0]["due"].as_str()), (Some("dispute.red_report"), Some("2026-12-03")), "{d}");
    assert_eq!(d["clocks"][0]["local_basis"], "《示范省矛盾纠纷多元化解条例》第二十条");
    let d = red(earlier).await;
    assert_eq!((d["clocks"][0]["due"].as_str(), d["clocks"][0]["local_basis"].as_str()), (Some("2026-12-01"), None), "registered before: the catalogue's");
    let page = app.page(axum::http::Method::GET, &format!("/disputes/{later}"), Some(&app.browser_session("governance.990101").await), None).await.text();
    assert!(page.contains("本省规定：《示范省矛盾纠纷多元化解条例》第二十条"), "the clock names the provision on the page");
}

/// 永平's high, medium and low instead of the four colours: the province's committee's
/// administrator sets the scale (a city's may not, nor a scale without a red tier); gradings
/// then take its levels only, and the pages call them by its names — the dispute, the list, the
/// form; going back to the four colours is one click, on record.
async fn a_province_grades_disputes_in_its_own_risk_scale(app: TestApp) {
    let centre = app.token("governance.990101").await;
    let province_admin = app.token("admin").await;
    let scale = app.get("/api/v1/risk-scale", &centre).await.json();
    assert_eq!((scale["own"].as_bool(), scale["levels"].as_array().map(Vec::len)), (Some(false), Some(4)), "{scale}");

    let level = |tier: &str, name: &str, en: &str, colour: &str| json!({"tier": tier, "name": name, "name_en": en, "colour": colour});
    let basis = "《示范省矛盾纠纷风险分级管理办法》第五条";
    let three = json!({"levels": [level("yellow", "低风险", "Low", "yellow"), level("red", "高风险", "High", "red"), level("orange", "中风险", "Medium", "orange")], "basis": basis});
    let city = app.put("/api/v1/risk-scales/990000", &app.token("admin.990100").await, three.clone()).await;
    assert_eq!(city.status, StatusCode::FORBIDDEN, "{}", city.text());
    let no_red = json!({"levels": [level("orange", "中风险", "Medium", "orange"), level("yellow", "低风险", "Low", "yellow")], "basis": basis});
    let r = app.put("/api/v1/risk-scales/990000", &province_admin, no_red).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("levels")), "{}", r.text());
    let r = app.put("/api/v1/risk-scales/990100", &province_admin, three.clone()).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("region")), "a city has no scale of its own: {}", r.text());
    assert_eq!(app.get("/api/v1/risk-scale", &centre).await.json()["own"], false, "nothing refused was stored");
    let set = app.put("/api/v1/risk-scales/990000", &province_admin, three).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let scale = app.get("/api/v1/risk-scale", &centre).await.json();
    let names: Vec<&str> = scale["levels"].as_array().unwrap().iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!((scale["own"].as_bool(), names), (Some(true), vec!["高风险", "中风险", "低风险"]), "most serious first: {scale}");

    let id = register(&app, &centre, "按本省等级研判").await["id"].as_i64().unwrap();
    let blue = cmd(&app, &centre, id, json!({"command": "assess", "level": "blue", "next_review": "2026-12-07"})).await;
    assert_eq!((blue.status, blue.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("level")), "{}", blue.text());
    assert!(blue.text().contains("高风险"), "the refusal names the levels there are: {}", blue.text());
    let d = ok(&app, &centre, id, json!({"command": "assess", "level": "red", "next_review": "2026-12-07"})).await;
    assert_eq!(d["clocks"][0]["rule"], "dispute.red_report", "the red tier is reported whatever its name: {d}");

    let cookie = app.browser_session("governance.990101").await;
    let page = app.page(Method::GET, &format!("/disputes/{id}"), Some(&cookie), None).await.text();
    assert!(page.contains(r#"<span class="risk risk-red">高风险</span>"#), "the dispute is graded 高风险");
    let list = app.page(Method::GET, "/disputes", Some(&cookie), None).await.text();
    assert!(list.contains(r#"<span class="risk risk-red">高风险</span>"#) && list.contains(">高风险、中风险</option>"), "the list names the scale's levels");
    let other = register(&app, &centre, "待研判").await["id"].as_i64().unwrap();
    let form = app.page(Method::GET, &format!("/disputes/{other}"), Some(&cookie), None).await.text();
    assert!(
        form.contains(r#"<option value="orange">中风险</option>"#) && !form.contains(r#"<option value="blue">"#),
        "the form offers the scale's levels only"
    );

    // The page: the four colours again from the preset, then back to them by clearing.
    let admin = app.browser_session("admin").await;
    let limits = app.page(Method::GET, "/limits", Some(&admin), None).await.text();
    assert!(limits.contains("高风险") && limits.contains(basis) && limits.contains(r#"id="scale-clear""#), "the scale in force, and the way back");
    let csrf = crate::common::csrf_of(&limits);
    let r = app.page(Method::POST, "/limits/risk-scale", Some(&admin), Some(&format!("csrf={csrf}&preset=red_yellow_green&basis="))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no provision named: {}", r.text());
    assert!(
        r.text().contains(r#"id="scale-error""#) && r.text().contains(r#"value="red_yellow_green" checked"#),
        "the refusal inside the page, the choice kept"
    );
    let basis2 = crate::common::urlenc("《示范省矛盾纠纷风险分级管理办法》第六条");
    let r = app.page(Method::POST, "/limits/risk-scale", Some(&admin), Some(&format!("csrf={csrf}&preset=red_yellow_green&basis={basis2}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.page(Method::GET, &format!("/disputes/{id}"), Some(&cookie), None).await.text();
    assert!(page.contains(r#"<span class="risk risk-red">红色</span>"#), "the grading keeps its tier, named as the new scale names it");
    let r = app.page(Method::POST, "/limits/risk-scale", Some(&admin), Some(&format!("csrf={csrf}&action=clear"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.get("/api/v1/risk-scale", &centre).await.json()["own"], false);
    let gone = app.api(Method::DELETE, "/api/v1/risk-scales/990000", Some(&province_admin), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text());
    let kinds: Vec<String> = xiezhi_store::AuditLog::events_of(&app.store, "risk_scale:990000", 10).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["risk_scale.set", "risk_scale.set", "risk_scale.cleared"], "every change on record");
}
