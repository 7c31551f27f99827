use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

crate::on_both_backends!(a_case_crosses_four_agencies, refusals_and_access, texts_are_refused_alike_on_both_databases, two_processes_act_on_one_case);

/// A NUL gave 500 on PostgreSQL and was stored by SQLite; a 5 MB title was stored. Now both
/// databases refuse the same things at the parse layer, naming the field, and store nothing.
async fn texts_are_refused_alike_on_both_databases(app: TestApp) {
    let police = app.token("police.990101").await;
    let mk = |no: &str, title: &str, name: &str| json!({"case_no": no, "title": title, "persons": [{"name": name, "custody": "bail"}]});
    for (body, field) in [
        (mk("N\u{0}1", "t", "n"), "case_no"),
        (mk("N1", "t\u{0}", "n"), "title"),
        (mk("N1", &"长".repeat(5_000_000 / 3), "n"), "title"),
        (mk("N1", "t", "李\u{0}某"), "persons"),
    ] {
        let r = app.post("/api/v1/cases", &police, body).await;
        assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{}", r.text());
    }
    assert!(app.get("/api/v1/cases", &police).await.json().as_array().unwrap().is_empty(), "nothing stored");
    let id = app.post("/api/v1/cases", &police, mk("N1", "t", "n")).await.json()["id"].as_i64().unwrap();
    let r = cmd(&app, &police, id, json!({"command": "withdraw", "reason": "撤案\u{0}"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")), "{}", r.text());
    let r = cmd(&app, &police, id, json!({"command": "withdraw", "reason": "经查：\n不构成犯罪"})).await;
    assert_eq!(r.status, StatusCode::OK, "a reason may run over lines: {}", r.text());
    let r = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "police\u{0}.990101", "password": "x", "name": "x"}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
}

/// A server decides a command on the case as it last saw it (no read); when another server
/// sharing the database has changed the case meanwhile, the answer is still the one the case as
/// it is now gives — accepted if it allows the command, refused with the machine's reason if not.
async fn two_processes_act_on_one_case(a: TestApp) {
    let b = a.another_process().await;
    let police = a.token("police.990101").await;
    let prosecutor = a.token("procuratorate.990101").await;
    let procuratorate = a.unit_id(&police, "990101", "procuratorate").await;
    let id = a.post("/api/v1/cases", &police, json!({"case_no": "P-1", "title": "盗窃案", "persons": [{"name": "赵某", "custody": "detained"}]})).await.json()
        ["id"]
        .as_i64()
        .unwrap();
    ok(&a, &police, id, json!({"command": "request_arrest_approval", "to": procuratorate})).await;

    // The other server signs for it: this one still remembers the request unsigned.
    let signed = ok(&b, &prosecutor, id, json!({"command": "receive"})).await["version"].as_i64().unwrap();
    assert_eq!(a.get(&format!("/api/v1/cases/{id}"), &prosecutor).await.json()["pending"], Value::Null, "a case is shown as it is, never as remembered");
    let approved = ok(&a, &prosecutor, id, json!({"command": "approve_arrest"})).await;
    assert!(approved["version"].as_i64().unwrap() > signed, "decided on the case as signed for: {approved}");

    // The other server's police transfer the case; here the same transfer is refused for what the
    // case is now (a hand-over already under way), not as a lost race.
    let sent = ok(&b, &police, id, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await["version"].clone();
    let again = cmd(&a, &police, id, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert_ne!(again.json()["code"], "conflict", "the machine's refusal: {}", again.text());
    let shown = a.get(&format!("/api/v1/cases/{id}"), &police).await.json();
    assert_eq!(shown["version"], sent, "nothing written by the refused transfer: {shown}");
}

async fn cmd(app: &TestApp, token: &str, id: i64, body: Value) -> crate::common::Reply {
    app.post(&format!("/api/v1/cases/{id}/commands"), token, body).await
}

async fn ok(app: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let r = cmd(app, token, id, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{body}: {}", r.text());
    let v = r.json();
    assert!(v["audit_leaves"].as_array().is_some_and(|l| !l.is_empty()), "every command is on record: {v}");
    v
}

async fn a_case_crosses_four_agencies(app: TestApp) {
    let police = app.token("police.990101").await;
    let prosecutor = app.token("procuratorate.990101").await;
    let judge = app.token("court.990101").await;
    let appeal_judge = app.token("court.990100").await;
    let justice = app.token("justice.990101").await;
    let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
    let court = app.unit_id(&police, "990101", "court_basic").await;
    let higher = app.unit_id(&police, "990100", "court_intermediate").await;
    let bureau = app.unit_id(&police, "990101", "justice_bureau").await;
    let police_unit = app.unit_id(&police, "990101", "police").await;

    let unknown = app
        .post(
            "/api/v1/cases",
            &police,
            json!({"case_no": "和公刑立字〔2026〕1号", "title": "盗窃案", "charge": "盗窃", "persons": [{"name": "张某", "custody": "detained"}]}),
        )
        .await;
    assert_eq!((unknown.status, unknown.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("charge")), "{}", unknown.text());
    assert!(unknown.text().contains("盗窃罪"), "suggests the charge: {}", unknown.text());
    let catalogue = app.get("/api/v1/charges", &police).await.json();
    assert_eq!(catalogue.as_array().unwrap().len(), 483);
    let r = app
        .post(
            "/api/v1/cases",
            &police,
            json!({"case_no": "和公刑立字〔2026〕1号", "title": "盗窃案", "charge": "盗窃罪", "persons": [{"name": "张某", "custody": "detained"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let case = r.json();
    let id = case["id"].as_i64().unwrap();
    assert_eq!((case["stage"].as_str(), case["in_custody"].as_bool()), (Some("investigation"), Some(true)));
    assert_eq!((case["charge"].as_str(), case["charge_articles"].as_str()), (Some("盗窃罪"), Some("第264条")), "{case}");
    let by_charge = app.get("/api/v1/cases?q=%E7%9B%97%E7%AA%83%E7%BD%AA", &police).await.json();
    assert!(by_charge.as_array().unwrap().iter().any(|c| c["id"] == case["id"]), "found by its charge: {by_charge}");
    assert_eq!(case["clocks"][0]["rule"], "criminal.arrest_request");
    assert!(case["clocks"][0]["due"].is_string() && case["clocks"][0]["basis"].to_string().contains("CPL 91"), "{case}");
    assert_eq!(app.post("/api/v1/cases", &police, json!({"case_no": "和公刑立字〔2026〕1号", "title": "x", "persons": []})).await.status, StatusCode::CONFLICT);
    // Another police unit's numbers are its own: the same number is no conflict, and says nothing.
    let other_police = app.token("police.990102").await;
    let theirs = app.post("/api/v1/cases", &other_police, json!({"case_no": "和公刑立字〔2026〕1号", "title": "y", "persons": []})).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
    // No number given: the unit's next filing number of the year, 1, 2, … per unit.
    for k in 1..=2 {
        let numbered = app.post("/api/v1/cases", &other_police, json!({"case_no": " ", "title": "z", "persons": []})).await;
        assert_eq!(numbered.status, StatusCode::CREATED, "{}", numbered.text());
        assert_eq!(numbered.json()["case_no"], format!("990102公刑立〔2026〕{k}号"));
    }
    let marked = app.post("/api/v1/cases", &other_police, json!({"case_no": "x⟨序号⟩", "title": "z", "persons": []})).await;
    assert_eq!((marked.status, marked.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("case_no")), "{}", marked.text());

    ok(&app, &police, id, json!({"command": "request_arrest_approval", "to": procuratorate})).await;
    let inbox = app.get("/api/v1/inbox", &prosecutor).await.json();
    assert_eq!(inbox[0]["id"], id, "the hand-over waits in the procuratorate's inbox");
    let received = ok(&app, &prosecutor, id, json!({"command": "receive"})).await;
    assert!(received["clocks"].as_array().unwrap().iter().any(|k| k["rule"] == "criminal.arrest_approval" && k["unit_id"] == procuratorate), "{received}");
    let arrested = ok(&app, &prosecutor, id, json!({"command": "approve_arrest"})).await;
    assert_eq!(arrested["persons"][0]["custody"], "arrested");
    assert_eq!(arrested["clocks"][0]["rule"], "criminal.investigation_custody");

    ok(&app, &police, id, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
    ok(&app, &prosecutor, id, json!({"command": "receive"})).await;
    // A return waits on the police's list, with its reason, until they send the case again.
    let returned = ok(&app, &prosecutor, id, json!({"command": "return_handover", "reason": "缺少鉴定意见"})).await;
    assert_eq!(returned["notice"]["kind"], "returned", "{returned}");
    let noticed = app.get("/api/v1/cases?notice=true", &police).await.json();
    assert_eq!(noticed.as_array().unwrap().iter().map(|c| c["id"].as_i64()).collect::<Vec<_>>(), vec![Some(id)], "{noticed}");
    assert!(app.get("/api/v1/cases?notice=true", &prosecutor).await.json().as_array().unwrap().is_empty(), "the notice is the police's");
    ok(&app, &police, id, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
    assert!(app.get("/api/v1/cases?notice=true", &police).await.json().as_array().unwrap().is_empty(), "sending it again acts on it");
    ok(&app, &prosecutor, id, json!({"command": "receive"})).await;
    let review = ok(&app, &prosecutor, id, json!({"command": "accept_for_review", "plea": true})).await;
    assert_eq!((review["stage"].as_str(), review["holder_unit_id"].as_i64()), (Some("prosecution_review"), Some(procuratorate)));
    assert_eq!(review["numbers"][0]["number"], "990101检刑诉〔2026〕1号", "the procuratorate's first number of the year: {review}");
    ok(&app, &prosecutor, id, json!({"command": "indict", "to": court})).await;
    // A court clerk (书记员) signs for the indictment: the court acts through any of its case roles.
    let password = xiezhi_core::Password::parse("password", "a-clerks-password").unwrap();
    let clerk_user = xiezhi_store::NewUser {
        unit_id: court,
        username: "clerk.990101".into(),
        display_name: "书记员".into(),
        password_hash: xiezhi_server::auth::hash_password(&password).unwrap(),
        roles: vec![xiezhi_core::Role::Clerk],
    };
    xiezhi_store::PeopleStore::create_user(&app.store, clerk_user, xiezhi_store::By::system(1)).await.unwrap();
    let clerk =
        app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "clerk.990101", "password": "a-clerks-password", "name": "x"}))).await.json()
            ["secret"]
            .as_str()
            .unwrap()
            .to_string();
    ok(&app, &clerk, id, json!({"command": "receive"})).await;
    let trial = ok(&app, &judge, id, json!({"command": "accept_for_trial", "procedure": "fast_track"})).await;
    let remembered = xiezhi_store::CaseStore::remembered_case(&app.store, id);
    assert_eq!(
        remembered,
        xiezhi_store::CaseStore::case_with_units(&app.store, id).await.unwrap(),
        "what the server remembers of a write (its number drawn) is what it stored"
    );
    assert_eq!((trial["stage"].as_str(), trial["procedure"].as_str()), (Some("trial"), Some("fast_track")));
    assert_eq!(trial["numbers"][1]["number"], "（2026）990101刑初1号", "the court's first number of the year: {trial}");
    let shown = app.get(&format!("/api/v1/cases/{id}"), &judge).await.json();
    assert_eq!(shown["numbers"], trial["numbers"], "the answer is what was stored");
    // A judgment decides for every defendant, lawfully, or nothing is recorded.
    let none = cmd(&app, &judge, id, json!({"command": "judge"})).await;
    assert_eq!((none.status, none.json()["code"].as_str()), (StatusCode::CONFLICT, Some("invalid")), "{}", none.text());
    assert!(none.json()["rule"].as_str().unwrap().contains("CPL 200"), "{}", none.text());
    let five_years_suspended = json!({"person": 0, "finding": "guilty", "punishment": "fixed_term", "term_months": 60, "probation_months": 60});
    let unlawful = cmd(&app, &judge, id, json!({"command": "judge", "verdicts": [five_years_suspended]})).await;
    assert_eq!((unlawful.status, unlawful.json()["code"].as_str()), (StatusCode::CONFLICT, Some("unlawful_sentence")), "{}", unlawful.text());
    let caning = cmd(&app, &judge, id, json!({"command": "judge", "verdicts": [{"person": 0, "finding": "guilty", "punishment": "caning"}]})).await;
    assert_eq!(caning.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", caning.text());
    assert_eq!(caning.json()["field"], "verdicts[0].punishment", "names the field: {}", caning.text());
    let two_years_suspended =
        json!({"person": 0, "finding": "guilty", "punishment": "fixed_term", "term_months": 24, "probation_months": 36, "fine_yuan": 2000});
    let judged = ok(&app, &judge, id, json!({"command": "judge", "verdicts": [two_years_suspended]})).await;
    assert_eq!(judged["judgment"][0]["probation_months"], 36, "{judged}");
    let early = cmd(&app, &judge, id, json!({"command": "finalize"})).await;
    assert_eq!((early.status, early.json()["code"].as_str()), (StatusCode::CONFLICT, Some("window_open")));
    // The procuratorate protests (抗诉); the judgment waits for the court above.
    assert_eq!(cmd(&app, &police, id, json!({"command": "protest", "reason": "量刑畸轻"})).await.status, StatusCode::FORBIDDEN);
    let protested = ok(&app, &prosecutor, id, json!({"command": "protest", "reason": "量刑畸轻"})).await;
    assert_eq!(protested["protest"]["reason"], "量刑畸轻", "{protested}");
    ok(&app, &judge, id, json!({"command": "appeal", "to": higher})).await;
    ok(&app, &appeal_judge, id, json!({"command": "receive"})).await;
    ok(&app, &appeal_judge, id, json!({"command": "accept_appeal"})).await;
    // Upheld: the suspended sentence stands, and goes to community corrections.
    let fin = ok(&app, &appeal_judge, id, json!({"command": "judge", "verdicts": []})).await;
    assert_eq!(fin["stage"], "final");
    assert!(fin["clocks"].as_array().unwrap().iter().any(|k| k["rule"] == "criminal.execution_delivery"), "{fin}");
    let to_police = cmd(&app, &appeal_judge, id, json!({"command": "hand_over_for_execution", "to": police_unit})).await;
    assert_eq!((to_police.status, to_police.json()["code"].as_str()), (StatusCode::CONFLICT, Some("wrong_receiver")));
    ok(&app, &appeal_judge, id, json!({"command": "hand_over_for_execution", "to": bureau})).await;
    let signed = ok(&app, &justice, id, json!({"command": "receive"})).await;
    assert!(signed["clocks"].as_array().unwrap().iter().any(|k| k["rule"] == "corrections.report" && k["unit_id"] == bureau), "{signed}");
    let done = ok(&app, &justice, id, json!({"command": "accept_execution"})).await;
    assert_eq!(done["stage"], "executed");
    assert_eq!(done["units"].as_array().unwrap().len(), 5, "police, procuratorate, two courts, justice bureau held it");

    // Every agency that held it still sees it; the city committee supervises it.
    for t in [&police, &prosecutor, &judge, &justice] {
        assert_eq!(app.get(&format!("/api/v1/cases/{id}"), t).await.status, StatusCode::OK);
    }
    let committee = app.token("committee.990100").await;
    let seen = app.get("/api/v1/cases", &committee).await.json();
    assert!(seen.as_array().unwrap().iter().any(|c| c["id"] == id), "{seen}");
    let timeline = app.get(&format!("/api/v1/cases/{id}/timeline"), &committee).await.json();
    let kinds: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"case.registered"));
    assert!(kinds.contains(&"case.handover_received") && kinds.contains(&"case.closed"), "{kinds:?}");
    let leaf = timeline[0]["index"].as_u64().unwrap();
    let entry = app.api(Method::GET, &format!("/api/v1/audit/entries?start={leaf}&end={}", leaf + 1), None, None).await.json();
    assert_eq!(entry["entries"][0]["event_id"], leaf, "case events are audit leaves");
    for command in [
        json!({"command": "judge"}),
        json!({"command": "finalize"}),
        json!({"command": "withdraw", "reason": "x"}),
        json!({"command": "collaborate", "kind": "consultation", "to": procuratorate, "text": "x"}),
        json!({"command": "receive"}),
    ] {
        assert_eq!(cmd(&app, &committee, id, command.clone()).await.status, StatusCode::FORBIDDEN, "committees watch, they do not act: {command}");
    }
    // Mediators and hotline operators have no part in a criminal case: they cannot register one.
    for who in ["mediation.990101", "h12345.990101", "h12309.990101"] {
        let t = app.token(who).await;
        let r = app.post("/api/v1/cases", &t, json!({"case_no": "M-1", "title": "t", "persons": []})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }

    // The read model is a projection of the events: replaying them gives it back.
    let cal = app.state.calendar();
    let clean = xiezhi_server::app::cases::rebuild(&app.store, &cal, false).await.unwrap();
    assert_eq!((clean.cases, clean.differing.len()), (4, 0), "this case and the other unit's three (two of them numbered by the register): nothing differs");
    sqlx::query("UPDATE cases SET stage = 'trial', holder_unit_id = $1 WHERE id = $2").bind(court).bind(id).execute(app.store.pool()).await.unwrap();
    sqlx::query("DELETE FROM case_units WHERE case_id = $1 AND unit_id = $2").bind(id).bind(bureau).execute(app.store.pool()).await.unwrap();
    let found = xiezhi_server::app::cases::rebuild(&app.store, &cal, true).await.unwrap();
    assert_eq!(found.differing, vec![id]);
    let repaired = xiezhi_server::app::cases::rebuild(&app.store, &cal, false).await.unwrap();
    assert!(repaired.differing.is_empty());
    assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &justice).await.json()["stage"], "executed");
}

async fn refusals_and_access(app: TestApp) {
    let police = app.token("police.990101").await;
    let other_police = app.token("police.990102").await;
    let prosecutor = app.token("procuratorate.990101").await;
    let court = app.unit_id(&police, "990101", "court_basic").await;
    let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
    let far_procuratorate = app.unit_id(&police, "990102", "procuratorate").await;
    let r = app.post("/api/v1/cases", &police, json!({"case_no": "X-1", "title": "诈骗案", "persons": [{"name": "李某", "custody": "bail"}]})).await.json();
    let id = r["id"].as_i64().unwrap();
    let before = app.get(&format!("/api/v1/cases/{id}"), &police).await.json()["version"].clone();

    let wrong = cmd(&app, &police, id, json!({"command": "transfer_for_prosecution", "to": far_procuratorate})).await;
    assert_eq!(wrong.status, StatusCode::CONFLICT);
    let body = wrong.json();
    assert_eq!(body["code"], "wrong_receiver");
    assert!(body["state"].as_str().unwrap().contains("investigation") && body["rule"].as_str().unwrap().contains("CPL"), "{body}");
    let indict = cmd(&app, &police, id, json!({"command": "indict", "to": court})).await.json();
    assert_eq!(indict["code"], "no_review");
    assert_eq!(cmd(&app, &police, id, json!({"command": "fly"})).await.json()["field"], "command");
    assert_eq!(cmd(&app, &police, id, json!({"command": "transfer_for_prosecution", "to": 999999})).await.json()["field"], "to");
    assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &police).await.json()["version"], before, "refused commands write nothing");

    assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &other_police).await.status, StatusCode::FORBIDDEN, "another county's police cannot see it");
    assert_eq!(cmd(&app, &other_police, id, json!({"command": "withdraw", "reason": "x"})).await.status, StatusCode::FORBIDDEN);
    assert!(app.get("/api/v1/cases", &other_police).await.json().as_array().unwrap().is_empty());
    assert_eq!(cmd(&app, &prosecutor, id, json!({"command": "receive"})).await.status, StatusCode::FORBIDDEN, "not involved yet");
    let supervisor_far = app.token("committee.990200").await;
    assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &supervisor_far).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/cases/424242", &police).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/cases?stage=limbo", &police).await.json()["field"], "stage");
    let due = app.get("/api/v1/cases?due_within=30", &police).await.json();
    assert!(due.as_array().unwrap().iter().all(|c| c["id"] != id), "a bailed suspect's case in investigation runs no clock yet: {due}");
    // …while a detained suspect's runs three days to the arrest request, and is listed as due.
    let held =
        app.post("/api/v1/cases", &police, json!({"case_no": "R-HELD", "title": "t", "persons": [{"name": "钱某", "custody": "detained"}]})).await.json();
    let due = app.get("/api/v1/cases?due_within=30", &police).await.json();
    assert_eq!(due.as_array().unwrap().iter().map(|c| c["id"].clone()).collect::<Vec<_>>(), vec![held["id"].clone()], "{due}");
    assert_eq!(due[0]["due_date"], held["clocks"][0]["due"]);
    let admin = app.token("admin").await;
    assert_eq!(app.post("/api/v1/cases", &admin, json!({"case_no": "Y", "title": "t", "persons": []})).await.status, StatusCode::FORBIDDEN);

    // Early intervention brings the procuratorate onto the case; both see the conversation.
    let invited = cmd(&app, &police, id, json!({"command": "collaborate", "kind": "early_intervention", "to": procuratorate, "text": "商请提前介入"})).await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.text());
    assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &prosecutor).await.status, StatusCode::OK);
    let reply =
        cmd(&app, &prosecutor, id, json!({"command": "collaborate", "kind": "consultation", "to": r["holder_unit_id"], "text": "建议调取银行流水"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let timeline = app.get(&format!("/api/v1/cases/{id}/timeline"), &police).await.json();
    let texts: Vec<&str> =
        timeline.as_array().unwrap().iter().filter(|e| e["kind"] == "case.collaborated").map(|e| e["event"]["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["商请提前介入", "建议调取银行流水"]);
}

mod pages {
    use crate::common::{csrf_of, TestApp};
    use axum::http::{Method, StatusCode};

    crate::on_both_backends!(a_case_through_the_pages);

    async fn post(app: &TestApp, cookie: &str, path: &str, form: &str) -> crate::common::Reply {
        let page = app.page(Method::GET, "/cases", Some(cookie), None).await.text();
        let csrf = csrf_of(&page);
        app.page(Method::POST, path, Some(cookie), Some(&format!("csrf={csrf}&{form}"))).await
    }

    async fn a_case_through_the_pages(app: TestApp) {
        let police = app.browser_session("police.990101").await;
        let r = post(
            &app,
            &police,
            "/cases",
            "case_no=P-1&title=%E7%9B%97%E7%AA%83%E6%A1%88&charge=%E7%9B%97%E7%AA%83%E7%BD%AA&person=%E7%8E%8B%E6%9F%90&custody=detained",
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let case_path = r.location();
        let page = app.page(Method::GET, &case_path, Some(&police), None).await.text();
        assert!(
            page.contains("id=\"clocks\"") && page.contains("<td>提请批准逮捕</td>") && page.contains("《刑事诉讼法》第九十一条第一款"),
            "clocks by name: {page}"
        );
        let clocks = page.split("id=\"clocks\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(!clocks.contains("criminal."), "no rule ids in the Chinese page: {clocks}");
        assert!(page.contains("data-command=\"set_custody\""), "the holder can change custody");
        let id0 = case_path.rsplit('/').next().unwrap();
        let bailed = post(&app, &police, &format!("/cases/{id0}/commands"), "command=set_custody&person=0&custody=bail").await;
        assert_eq!(bailed.status, StatusCode::SEE_OTHER, "{}", bailed.text());
        let page = app.page(Method::GET, &case_path, Some(&police), None).await.text();
        assert!(page.contains("取保候审"), "{page}");
        assert!(page.contains("data-command=\"transfer_for_prosecution\"") && !page.contains("data-command=\"indict\""), "{page}");
        let token = app.token("police.990101").await;
        let procuratorate = app.unit_id(&token, "990101", "procuratorate").await;
        let id = case_path.rsplit('/').next().unwrap();
        let sent = post(&app, &police, &format!("/cases/{id}/commands"), &format!("command=transfer_for_prosecution&to={procuratorate}")).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());

        let prosecutor = app.browser_session("procuratorate.990101").await;
        let inbox = app.page(Method::GET, "/inbox", Some(&prosecutor), None).await.text();
        assert!(inbox.contains("P-1") && inbox.contains("class=\"pending\""), "{inbox}");
        // What is handed over, by whom, when: not the sender's clock but the receiver's.
        assert!(inbox.contains("<strong class=\"purpose\">移送审查起诉</strong>") && inbox.contains("金溪区公安局"), "{inbox}");
        let home = app.page(Method::GET, "/", Some(&prosecutor), None).await.text();
        let docket = home.split("id=\"docket\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(
            docket.contains("P-1") && docket.contains("<strong class=\"purpose\">移送审查起诉</strong>"),
            "the workbench shows what waits and what it asks: {docket}"
        );
        let cases = docket.split("id=\"load-case\"").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(cases.contains("awaiting=true\">1</a>"), "one to sign for: {cases}");
        let mine = app.page(Method::GET, &case_path, Some(&prosecutor), None).await.text();
        assert!(mine.contains("data-command=\"receive\"") && mine.contains("data-command=\"return_handover\""), "{mine}");
        assert!(post(&app, &prosecutor, &format!("/cases/{id}/commands"), "command=receive").await.status == StatusCode::SEE_OTHER);
        let taken = post(&app, &prosecutor, &format!("/cases/{id}/commands"), "command=accept_for_review&plea=true").await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.text());
        let review = app.page(Method::GET, &case_path, Some(&prosecutor), None).await.text();
        assert!(review.contains("审查起诉") && review.contains("认罪认罚速裁案件审查起诉") && review.contains("id=\"timeline\""), "{review}");
        let timeline = review.split("id=\"timeline\"").nth(1).unwrap();
        assert!(timeline.contains(">签收<") && timeline.contains(">受理<") && !timeline.contains("<code>case."), "events by name: {timeline}");
        assert!(review.contains("class=\"agency-number\""), "{review}");
        // A command that cannot be undone asks again first, and nothing is done until confirmed.
        let version = |page: &str| page.split(r#"name="version" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
        let asked = post(&app, &prosecutor, &format!("/cases/{id}/commands"), "command=decline_prosecution&reason=%E6%83%85%E8%8A%82%E8%BD%BB%E5%BE%AE").await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
        let asked = asked.text();
        assert!(
            asked.contains(r#"id="confirm-submit""#)
                && asked.contains("不起诉")
                && asked.contains("情节轻微")
                && asked.contains(r#"name="confirmed" value="yes""#),
            "{asked}"
        );
        let still = app.page(Method::GET, &case_path, Some(&prosecutor), None).await.text();
        assert_eq!(version(&still), version(&review), "nothing was done");
        assert!(still.contains("审查起诉"));
        let police_view = app.page(Method::GET, &case_path, Some(&police), None).await.text();
        assert_eq!(police_view.matches("data-command=").count(), 1, "the police held it and see it; they can only consult now");
        assert!(police_view.contains("data-command=\"collaborate\""));
        let sent = post(
            &app,
            &police,
            &format!("/cases/{id}/commands"),
            &format!("command=collaborate&to={procuratorate}&kind=consultation&text=%E8%AF%B7%E6%8C%87%E5%AF%BC"),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let both = app.page(Method::GET, &case_path, Some(&prosecutor), None).await.text();
        assert!(both.contains("id=\"messages\"") && both.contains("请指导"), "{both}");
        // A form sent twice (a double click, a reload) applies once: it carries the version the
        // page showed, and the second finds the case changed.
        let now = app.page(Method::GET, &case_path, Some(&police), None).await.text();
        let version = now.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let form = format!("command=collaborate&to={procuratorate}&kind=consultation&text=%E5%86%8D%E6%AC%A1%E8%AF%B7%E7%A4%BA&version={version}");
        let first = post(&app, &police, &format!("/cases/{id}/commands"), &form).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
        let second = post(&app, &police, &format!("/cases/{id}/commands"), &form).await;
        assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text());
        assert!(second.text().contains("案件在页面打开后已有变化"), "{}", second.text());
        let once = app.page(Method::GET, &case_path, Some(&prosecutor), None).await.text();
        let messages = once.split("id=\"messages\"").nth(1).unwrap().split("</ul>").next().unwrap();
        assert_eq!(messages.matches("再次请示").count(), 1, "recorded once: {messages}");

        let refused = post(&app, &prosecutor, &format!("/cases/{id}/commands"), "command=judge").await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.text().contains("not allowed in stage prosecution_review"), "{}", refused.text());

        // A refusal's reason reaches the police on the case page.
        let r = post(
            &app,
            &police,
            "/cases",
            "case_no=P-2&title=%E7%9B%97%E7%AA%83%E6%A1%88&charge=%E7%9B%97%E7%AA%83%E7%BD%AA&person=%E6%9D%8E%E6%9F%90&custody=detained",
        )
        .await;
        let second = r.location();
        let id2 = second.rsplit('/').next().unwrap();
        assert_eq!(
            post(&app, &police, &format!("/cases/{id2}/commands"), &format!("command=request_arrest_approval&to={procuratorate}")).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(post(&app, &prosecutor, &format!("/cases/{id2}/commands"), "command=receive").await.status, StatusCode::SEE_OTHER);
        let no =
            post(&app, &prosecutor, &format!("/cases/{id2}/commands"), "command=refuse_arrest&reason=%E8%AF%81%E6%8D%AE%E4%B8%8D%E8%B6%B3&confirmed=yes").await;
        assert_eq!(no.status, StatusCode::SEE_OTHER, "{}", no.text());
        let told = app.page(Method::GET, &second, Some(&police), None).await.text();
        let note = told.split("id=\"latest-reason\"").nth(1).expect("the reason is shown").split("</section>").next().unwrap();
        assert!(note.contains("不批准逮捕") && note.contains("证据不足") && note.contains("金溪区人民检察院"), "{note}");

        let committee = app.browser_session("committee.990100").await;
        let view = app.page(Method::GET, "/supervision", Some(&committee), None).await.text();
        assert!(view.contains("id=\"region-counts\"") && view.contains("990101"), "{view}");
        let city = app.page(Method::GET, "/supervision?region=990000", Some(&committee), None).await;
        assert_eq!(city.status, StatusCode::FORBIDDEN, "a city committee does not supervise the province");
        let other = app.browser_session("police.990102").await;
        assert_eq!(app.page(Method::GET, &case_path, Some(&other), None).await.status, StatusCode::FORBIDDEN);
        // The security record says it in words, in the reader's language.
        let admin = app.browser_session("admin.990100").await;
        let log = app.page(Method::GET, "/security", Some(&admin), None).await.text();
        assert!(log.contains("越权访问被拒绝") && log.contains("view a case of region 990101") && !log.contains("ViewCase {"), "{log}");
        // Forms offer their choices in one language.
        let page = app.page(Method::GET, &case_path, Some(&police), None).await.text();
        assert!(!page.contains(" / Bail") && !page.contains(" / Consultation") && !page.contains(" / Evidence"), "{page}");
    }
}

mod idempotency {
    use crate::common::TestApp;
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use serde_json::json;

    crate::on_both_backends!(retries_apply_once);

    async fn post(app: &TestApp, token: &str, path: &str, key: &str, body: serde_json::Value) -> crate::common::Reply {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_string()))
            .unwrap();
        app.call(req).await
    }

    async fn retries_apply_once(app: TestApp) {
        let police = app.token("police.990101").await;
        let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
        let new = json!({"case_no": "I-1", "title": "t", "persons": [{"name": "赵某", "custody": "bail"}]});
        let first = post(&app, &police, "/api/v1/cases", "k-1", new.clone()).await;
        let again = post(&app, &police, "/api/v1/cases", "k-1", new.clone()).await;
        assert_eq!((first.status, again.status), (StatusCode::CREATED, StatusCode::CREATED), "{}", again.text());
        assert_eq!(first.json(), again.json(), "the retry gets the first answer");
        assert_eq!(again.headers["idempotent-replay"], "true");
        assert_eq!(app.get("/api/v1/cases", &police).await.json().as_array().unwrap().len(), 1, "one case, not two");
        let other = post(&app, &police, "/api/v1/cases", "k-1", json!({"case_no": "I-2", "title": "t", "persons": []})).await;
        assert_eq!((other.status, other.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));

        let id = first.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/cases/{id}/commands");
        let send = json!({"command": "transfer_for_prosecution", "to": procuratorate});
        let a = post(&app, &police, &path, "k-2", send.clone()).await;
        let b = post(&app, &police, &path, "k-2", send.clone()).await;
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
        assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &police).await.json()["version"], a.json()["version"], "applied once");
        // A refusal changes nothing and does not use up the key.
        let refused = post(&app, &police, &path, "k-3", json!({"command": "judge"})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        let again = post(&app, &police, &path, "k-3", json!({"command": "judge"})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "re-decided, not replayed");
        assert!(again.headers.get("idempotent-replay").is_none());
        // Another caller's identical key is theirs alone.
        let other_police = app.token("police.990102").await;
        let theirs = post(&app, &other_police, "/api/v1/cases", "k-1", json!({"case_no": "I-3", "title": "t", "persons": []})).await;
        assert_eq!(theirs.status, StatusCode::CREATED);

        // The key is bound to the query string: a dry run is never replayed as the import.
        let admin = app.token("admin").await;
        let csv = "region,region_name,kind,name,name_en\n990101,,governance_centre,幂等测试中心,Idempotency Centre\n";
        let import = |query: &'static str| {
            let (app, admin) = (&app, admin.clone());
            async move {
                let req = Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/units/import{query}"))
                    .header("authorization", format!("Bearer {admin}"))
                    .header("content-type", "text/csv")
                    .header("idempotency-key", "k-import")
                    .body(Body::from(csv))
                    .unwrap();
                app.call(req).await
            }
        };
        let dry = import("?dry_run=true").await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.text());
        let real = import("?dry_run=false").await;
        assert_eq!((real.status, real.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")), "{}", real.text());
        assert_eq!(real.headers["content-type"], "application/problem+json");

        // An answer with a secret is never stored: its retry is told, not given the secret again.
        let token = |key: &'static str| {
            let (app, police) = (&app, police.clone());
            async move { post(app, &police, "/api/v1/tokens", key, json!({"name": "sync"})).await }
        };
        let created = token("k-token").await;
        assert_eq!(created.status, StatusCode::CREATED);
        let secret = created.json()["secret"].as_str().unwrap().to_string();
        let retry = token("k-token").await;
        assert_eq!((retry.status, retry.json()["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_secret_not_replayed")), "{}", retry.text());
        let (stored,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM idempotency WHERE body LIKE '%{secret}%'")).fetch_one(app.store.pool()).await.unwrap();
        assert_eq!(stored, 0, "the secret is not in the database");

        // A retry while the first attempt is still running (or was cut off) is told so, and
        // applies nothing: the key is claimed as the first attempt would have claimed it.
        let body = json!({"case_no": "I-9", "title": "t", "persons": []});
        let scope = xiezhi_server::idempotency::scope_of(format!("Bearer {police}").as_bytes());
        let hash = xiezhi_server::idempotency::request_hash("POST", "/api/v1/cases", b"application/json", body.to_string().as_bytes());
        let claimed = xiezhi_store::IdempotencyStore::idempotency_begin(&app.store, &scope, "k-flight", &hash, 1).await.unwrap();
        assert_eq!(claimed, xiezhi_store::Idempotent::Fresh);
        let retry = post(&app, &police, "/api/v1/cases", "k-flight", body).await;
        assert_eq!((retry.status, retry.json()["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_in_flight")), "{}", retry.text());
        assert!(app.get("/api/v1/cases", &police).await.json().as_array().unwrap().iter().all(|c| c["case_no"] != "I-9"), "nothing applied");
    }
}

mod dossier {
    use crate::common::{csrf_of, TestApp};
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use serde_json::json;

    crate::on_both_backends!(documents_are_stored_once_and_seen_by_the_units_on_the_case, another_units_evidence_cannot_be_attached_by_its_hash);

    /// The attack of the hardening probe: police.990102 names police.990101's evidence by its
    /// hash in a raw `add_document` on a case of its own, to download it from there. Refused,
    /// and nothing is written; a made-up hash with a forged size is refused the same way.
    async fn another_units_evidence_cannot_be_attached_by_its_hash(app: TestApp) {
        let owner = app.token("police.990101").await;
        let thief = app.token("police.990102").await;
        let mk = |no: &str| json!({"case_no": no, "title": "t", "persons": [{"name": "钱某", "custody": "bail"}]});
        let a = app.post("/api/v1/cases", &owner, mk("E-1")).await.json()["id"].as_i64().unwrap();
        let b = app.post("/api/v1/cases", &thief, mk("E-2")).await.json()["id"].as_i64().unwrap();
        let evidence = b"%PDF-1.4\n% confidential evidence of 990101\n%%EOF\n".to_vec();
        let sha = upload(&app, &owner, a, "鉴定意见.pdf", "application/pdf", evidence).await.json()["documents"][0]["sha256"].as_str().unwrap().to_string();
        let before = app.get(&format!("/api/v1/cases/{b}"), &thief).await.json();
        for hash in [sha.clone(), "ab".repeat(32)] {
            let raw =
                json!({"command": "add_document", "sha256": hash, "name": "x.pdf", "category": "evidence", "content_type": "application/pdf", "size": 999});
            let r = app.post(&format!("/api/v1/cases/{b}/commands"), &thief, raw).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
            assert_eq!((r.json()["field"].as_str(), r.json()["code"].as_str()), (Some("command"), Some("invalid_field")));
            assert!(r.json()["detail"].as_str().unwrap().contains("/documents"), "says how to add a document: {}", r.text());
        }
        let after = app.get(&format!("/api/v1/cases/{b}"), &thief).await.json();
        assert_eq!((after["version"].clone(), after["documents"].clone()), (before["version"].clone(), json!([])), "nothing written");
        let steal = |case: i64| {
            let (app, thief, sha) = (&app, thief.clone(), sha.clone());
            async move {
                app.call(
                    Request::builder()
                        .uri(format!("/api/v1/cases/{case}/documents/{sha}"))
                        .header("authorization", format!("Bearer {thief}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .status
            }
        };
        assert_eq!(steal(b).await, StatusCode::NOT_FOUND, "not in this case's dossier");
        assert_eq!(steal(a).await, StatusCode::FORBIDDEN, "not this unit's case");
    }

    async fn upload(app: &TestApp, token: &str, id: i64, name: &str, content_type: &str, bytes: Vec<u8>) -> crate::common::Reply {
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/cases/{id}/documents?name={}&category=evidence", crate::common::urlenc(name)))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(bytes))
            .unwrap();
        app.call(req).await
    }

    async fn documents_are_stored_once_and_seen_by_the_units_on_the_case(app: TestApp) {
        let police = app.token("police.990101").await;
        let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
        let mk = |no: &str| json!({"case_no": no, "title": "t", "persons": [{"name": "钱某", "custody": "bail"}]});
        let a = app.post("/api/v1/cases", &police, mk("D-1")).await.json()["id"].as_i64().unwrap();
        let b = app.post("/api/v1/cases", &police, mk("D-2")).await.json()["id"].as_i64().unwrap();
        let pdf = b"%PDF-1.4\n% xiezhi test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let r = upload(&app, &police, a, "询问笔录.pdf", "application/pdf", pdf.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let doc = r.json()["documents"][0].clone();
        assert_eq!((doc["name"].as_str(), doc["size"].as_u64()), (Some("询问笔录.pdf"), Some(pdf.len() as u64)));
        assert!(r.json()["audit_leaves"][0].is_i64(), "adding a document is on record");
        let sha = doc["sha256"].as_str().unwrap().to_string();
        assert_eq!(upload(&app, &police, a, "again.pdf", "application/pdf", pdf.clone()).await.json()["code"], "duplicate");
        assert_eq!(upload(&app, &police, b, "same content.pdf", "application/pdf", pdf.clone()).await.status, StatusCode::OK);
        let (copies,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blobs").fetch_one(app.store.pool()).await.unwrap();
        assert_eq!(copies, 1, "the same content is stored once");
        assert_eq!(upload(&app, &police, a, "x.exe", "application/x-msdownload", vec![1, 2]).await.json()["field"], "content-type");
        assert_eq!(upload(&app, &police, a, "fake.pdf", "application/pdf", b"MZ not a pdf".to_vec()).await.json()["field"], "body");
        assert_eq!(upload(&app, &police, a, "big.pdf", "application/pdf", [&b"%PDF-"[..], &vec![0u8; 8 * 1024 * 1024]].concat()).await.json()["field"], "body");

        let get = |token: String, sha: String| {
            let app = &app;
            async move {
                app.call(
                    Request::builder()
                        .uri(format!("/api/v1/cases/{a}/documents/{sha}"))
                        .header("authorization", format!("Bearer {token}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
            }
        };
        let mine = get(police.clone(), sha.clone()).await;
        assert_eq!((mine.status, mine.body.clone()), (StatusCode::OK, pdf.clone()));
        assert!(mine.headers["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
        let other = app.token("police.990102").await;
        assert_eq!(get(other, sha.clone()).await.status, StatusCode::FORBIDDEN);
        let prosecutor = app.token("procuratorate.990101").await;
        assert_eq!(get(prosecutor.clone(), sha.clone()).await.status, StatusCode::FORBIDDEN, "not yet on the case");
        app.post(&format!("/api/v1/cases/{a}/commands"), &police, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
        assert_eq!(get(prosecutor, sha.clone()).await.body, pdf, "the receiving procuratorate reads the dossier");
        assert_eq!(get(police.clone(), "0".repeat(64)).await.status, StatusCode::NOT_FOUND);

        // From the page: a multipart form with the session's CSRF token.
        let cookie = app.browser_session("police.990101").await;
        let page = app.page(Method::GET, &format!("/cases/{b}"), Some(&cookie), None).await.text();
        assert!(page.contains("id=\"dossier\"") && page.contains("same content.pdf"), "{page}");
        let csrf = csrf_of(&page);
        let boundary = "XIEZHI";
        let text = b"witness statement".to_vec();
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nevidence\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"note.txt\"\r\nContent-Type: text/plain\r\n\r\n").into_bytes();
        body.extend_from_slice(&text);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/cases/{b}/documents"))
            .header("cookie", &cookie)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        let up = app.call(req).await;
        assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.text());
        let page = app.page(Method::GET, &format!("/cases/{b}"), Some(&cookie), None).await.text();
        assert!(page.contains("note.txt"), "{page}");
    }
}

/// A judgment with its substance through the API and the pages, on both databases: accessory
/// punishments and 暂予监外执行 per defendant decide where each goes; a protest withdrawn in the
/// window tells the court and lets the judgment take effect.
mod a_judgment_with_its_substance {
    use super::{cmd, ok};
    use crate::common::{csrf_of, Backend, TestApp};
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    #[tokio::test]
    async fn sqlite() {
        run(TestApp::at(Backend::Sqlite, "2026-12-01 09:00").await).await;
    }

    #[tokio::test]
    async fn postgres() {
        run(TestApp::at(Backend::Postgres, "2026-12-01 09:00").await).await;
    }

    async fn run(app: TestApp) {
        let police = app.token("police.990101").await;
        let prosecutor = app.token("procuratorate.990101").await;
        let judge = app.token("court.990101").await;
        let justice = app.token("justice.990101").await;
        let procuratorate = app.unit_id(&police, "990101", "procuratorate").await;
        let court = app.unit_id(&police, "990101", "court_basic").await;
        let bureau = app.unit_id(&police, "990101", "justice_bureau").await;
        let police_unit = app.unit_id(&police, "990101", "police").await;
        let persons = json!([{"name": "甲某", "custody": "detained"}, {"name": "Smith", "custody": "bail"}]);
        let case = app.post("/api/v1/cases", &police, json!({"case_no": " ", "title": "抢劫案", "charge": "抢劫罪", "persons": persons})).await.json();
        let id = case["id"].as_i64().unwrap();
        // The case says what the requesting unit may do now, and to whom.
        let open = &case["open_commands"];
        assert!(
            open.as_array()
                .unwrap()
                .iter()
                .any(|o| o["command"] == "transfer_for_prosecution" && o["to"] == json!([{"kind": "procuratorate", "region": "990101"}])),
            "{open}"
        );
        let committee = app.token("committee.990101").await;
        assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &committee).await.json()["open_commands"], json!([]), "committees watch");
        ok(&app, &police, id, json!({"command": "transfer_for_prosecution", "to": procuratorate})).await;
        ok(&app, &prosecutor, id, json!({"command": "receive"})).await;
        ok(&app, &prosecutor, id, json!({"command": "accept_for_review", "plea": false})).await;
        ok(&app, &prosecutor, id, json!({"command": "indict", "to": court})).await;
        ok(&app, &judge, id, json!({"command": "receive"})).await;
        ok(&app, &judge, id, json!({"command": "accept_for_trial", "procedure": "ordinary"})).await;

        // Life imprisonment deprives of political rights for life, or it is not lawful (CL 57).
        let life = json!({"person": 0, "finding": "guilty", "punishment": "life"});
        let r = cmd(&app, &judge, id, json!({"command": "judge", "verdicts": [life, {"person": 1, "finding": "not_guilty"}]})).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("unlawful_sentence")), "{}", r.text());
        assert!(r.json()["rule"].as_str().unwrap().contains("CL 57"), "{}", r.text());

        // Through the judgment form: four years, two years' deprivation, part of the property,
        // executed outside prison on medical parole; the other defendant deported, alone.
        let cookie = app.browser_session("court.990101").await;
        let page = app.page(Method::GET, &format!("/cases/{id}"), Some(&cookie), None).await.text();
        assert!(page.contains("name=\"rights_0\"") && page.contains("没收个人全部财产") && page.contains("保外就医"), "the form asks for them");
        let version = page.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let form = format!(
            "csrf={}&command=judge&version={version}&confirmed=yes&finding_0=guilty&punishment_0=fixed_term&term_0=48&rights_0=24&confiscation_0=part&outside_0=medical_parole&finding_1=guilty&punishment_1=none&deport_1=true",
            csrf_of(&page)
        );
        let judged = app.page(Method::POST, &format!("/cases/{id}/commands"), Some(&cookie), Some(&form)).await;
        assert_eq!(judged.status, StatusCode::SEE_OTHER, "{}", judged.text());
        let shown = app.get(&format!("/api/v1/cases/{id}"), &judge).await.json();
        assert_eq!(shown["judgment"][0]["political_rights"], json!({"months": 24}), "{shown}");
        assert_eq!((shown["judgment"][0]["confiscation"].as_str(), shown["judgment"][0]["outside_prison"].as_str()), (Some("part"), Some("medical_parole")));
        assert_eq!(shown["judgment"][1]["deportation"], true, "{shown}");
        let page = app.page(Method::GET, &format!("/cases/{id}"), Some(&cookie), None).await.text();
        assert!(page.contains("有期徒刑4年，剥夺政治权利2年，没收个人部分财产，暂予监外执行：保外就医"), "{page}");
        assert!(page.contains("单处驱逐出境"), "an accessory punishment alone");

        // The procuratorate protests, then withdraws it within the window: the court is told why.
        ok(&app, &prosecutor, id, json!({"command": "protest", "reason": "量刑畸轻"})).await;
        let not_theirs = cmd(&app, &police, id, json!({"command": "withdraw_protest", "reason": "x"})).await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN, "{}", not_theirs.text());
        let withdrawn = ok(&app, &prosecutor, id, json!({"command": "withdraw_protest", "reason": "经复查，量刑适当"})).await;
        assert_eq!((withdrawn["protest"].clone(), withdrawn["notice"]["kind"].as_str()), (serde_json::Value::Null, Some("protest_withdrawn")), "{withdrawn}");
        let told = app.get("/api/v1/cases?notice=true", &judge).await.json();
        assert!(told.as_array().unwrap().iter().any(|c| c["id"] == id), "on the court's list of notices: {told}");
        let page = app.page(Method::GET, &format!("/cases/{id}"), Some(&cookie), None).await.text();
        assert!(page.contains("撤回抗诉") && page.contains("经复查，量刑适当"), "the timeline and the reason say it");

        // Past the window: in force; each defendant goes to their own organ.
        app.set_time("2026-12-20 09:00");
        let in_force = ok(&app, &judge, id, json!({"command": "finalize"})).await;
        let to: Vec<&serde_json::Value> =
            in_force["open_commands"].as_array().unwrap().iter().filter(|o| o["command"] == "hand_over_for_execution").map(|o| &o["to"]).collect();
        assert_eq!(to, [&json!([{"kind": "justice_bureau", "region": "990101"}, {"kind": "police", "region": "990101"}])], "each defendant's organ");
        ok(&app, &judge, id, json!({"command": "hand_over_for_execution", "to": bureau})).await;
        let signed = ok(&app, &justice, id, json!({"command": "receive"})).await;
        let clock = signed["clocks"].as_array().unwrap().iter().find(|k| k["unit_id"] == bureau).cloned().expect("the bureau's clock");
        assert_eq!(
            (clock["rule"].as_str(), clock["due"].as_str().map(|d| &d[..10])),
            (Some("corrections.outside_prison_handover"), Some("2026-12-30")),
            "{signed}"
        );
        ok(&app, &justice, id, json!({"command": "accept_execution"})).await;
        ok(&app, &judge, id, json!({"command": "hand_over_for_execution", "to": police_unit})).await;
        let to_police = ok(&app, &police, id, json!({"command": "receive"})).await;
        assert!(!to_police["clocks"].as_array().unwrap().iter().any(|k| k["rule"] == "criminal.prison_delivery"), "a deportation is not prison: {to_police}");
        let done = ok(&app, &police, id, json!({"command": "accept_execution"})).await;
        assert_eq!(done["stage"], "executed", "{done}");
        let cal = app.state.calendar();
        let rebuilt = xiezhi_server::app::cases::rebuild(&app.store, &cal, true).await.unwrap();
        assert!(rebuilt.differing.is_empty(), "the record rebuilds the case");
    }
}
