use crate::common::{TestApp, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both_backends!(
    sign_in_and_me,
    wrong_credentials_say_nothing_more,
    failed_sign_ins_are_throttled_and_recorded,
    tokens_are_revoked,
    users_are_managed_within_the_region,
    one_agency_cannot_act_as_another,
    the_admin_role_takes_a_second_administrator
);

/// A second administrator grants the admin role asked for on `user` (the API's answer to its
/// creation or change).
pub async fn approve(app: &TestApp, token: &str, user: &serde_json::Value) {
    let grant = user["admin_grant_pending"].as_i64().unwrap_or_else(|| panic!("no admin grant pending: {user}"));
    let r = app.post(&format!("/api/v1/admin-grants/{grant}/approve"), token, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// Four eyes: the admin role asked for is held back until a second administrator — of the
/// unit, or of the committee above — grants it; the one who asked cannot; a refusal leaves the
/// account as it was; each step is on record.
async fn the_admin_role_takes_a_second_administrator(app: TestApp) {
    let city = app.token("admin.990100").await;
    let root = app.token("admin").await;
    let court = app.unit_id(&city, "990101", "court_basic").await;
    let asked = app
        .post(
            "/api/v1/users",
            &city,
            json!({"unit_id": court, "username": "court.four", "display_name": "院管", "roles": ["admin"], "password": "a-long-password"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
    let user = asked.json();
    assert_eq!(user["roles"], json!([]), "not an administrator yet");
    let grant = user["admin_grant_pending"].as_i64().unwrap();
    let own = app.post(&format!("/api/v1/admin-grants/{grant}/approve"), &city, json!({})).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "not by the one who asked: {}", own.text());
    let far = app.token("admin.990200").await;
    assert_eq!(app.post(&format!("/api/v1/admin-grants/{grant}/approve"), &far, json!({})).await.status, StatusCode::FORBIDDEN);
    assert!(app.get("/api/v1/admin-grants", &city).await.json().as_array().unwrap().is_empty(), "nothing for the asker to decide");
    let waiting = app.get("/api/v1/admin-grants", &root).await.json();
    assert_eq!(waiting[0]["username"], "court.four", "{waiting}");
    let approved = app.post(&format!("/api/v1/admin-grants/{grant}/approve"), &root, json!({})).await;
    assert_eq!((approved.status, approved.json()["approved"].clone()), (StatusCode::OK, json!(true)), "{}", approved.text());
    assert!(approved.json()["audit_leaves"].as_array().is_some_and(|l| l.len() == 2), "the grant and the role change are on record");
    let now = app.get(&format!("/api/v1/users/{}", user["id"]), &root).await.json();
    assert_eq!(now["roles"], json!(["admin"]));
    let again = app.post(&format!("/api/v1/admin-grants/{grant}/approve"), &root, json!({})).await;
    assert_eq!((again.status, again.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("already_decided")));
    let log = app.get("/api/v1/security-events?limit=200", &root).await.json();
    assert!(
        log.as_array().unwrap().iter().any(|e| e["kind"] == "account_changed_from_outside" && e["detail"].as_str().unwrap().contains("admin role for user")),
        "{log}"
    );

    // The court's administrator asks to make a judge an administrator too; refused above.
    let head =
        app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "court.four", "password": "a-long-password", "name": "x"}))).await.json()
            ["secret"]
            .as_str()
            .unwrap()
            .to_string();
    let judge = app
        .post(
            "/api/v1/users",
            &head,
            json!({"unit_id": court, "username": "judge.wu", "display_name": "吴法官", "roles": ["judge"], "password": "a-long-password"}),
        )
        .await
        .json();
    let promoted = app.patch(&format!("/api/v1/users/{}", judge["id"]), &head, json!({"roles": ["judge", "admin"]})).await.json();
    assert_eq!(promoted["roles"], json!(["judge"]), "{promoted}");
    let grant = promoted["admin_grant_pending"].as_i64().unwrap();
    assert_eq!(app.post(&format!("/api/v1/admin-grants/{grant}/approve"), &head, json!({})).await.status, StatusCode::FORBIDDEN);
    let refused = app.post(&format!("/api/v1/admin-grants/{grant}/refuse"), &root, json!({})).await;
    assert_eq!(refused.json()["approved"], json!(false), "{}", refused.text());
    assert_eq!(app.get(&format!("/api/v1/users/{}", judge["id"]), &root).await.json()["roles"], json!(["judge"]));
    let clean = xiezhi_server::app::integrity::check_organisation(&app.store).await.unwrap();
    assert!(clean.is_empty(), "{clean:?}");
}

async fn sign_in_and_me(app: TestApp) {
    let t = app.token("police.990101").await;
    let me = app.get("/api/v1/me", &t).await.json();
    assert_eq!(me["user"]["username"], "police.990101");
    assert_eq!(me["user"]["roles"], json!(["police_officer"]));
    assert_eq!(me["unit"]["kind"], "police");
    assert_eq!(me["unit"]["region"], "990101");
    let r = app.api(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.json()["code"], "unauthenticated");
    assert_eq!(app.get("/api/v1/me", "xz_forged").await.status, StatusCode::UNAUTHORIZED);
}

async fn wrong_credentials_say_nothing_more(app: TestApp) {
    let attempt = |user: &'static str, pw: &'static str| {
        let app = &app;
        async move { app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": user, "password": pw, "name": "x"}))).await }
    };
    let unknown = attempt("nobody.here", PASSWORD).await;
    let wrong = attempt("police.990101", "not-the-password").await;
    assert_eq!((unknown.status, wrong.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(unknown.json()["detail"], wrong.json()["detail"], "an unknown user and a wrong password look the same");
}

async fn failed_sign_ins_are_throttled_and_recorded(app: TestApp) {
    for _ in 0..5 {
        let r = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "court.990101", "password": "wrong-password", "name": "x"}))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "court.990101", "password": PASSWORD, "name": "x"}))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits: {}", r.text());
    assert_eq!(r.json()["code"], "too_many_attempts");
    assert!(r.headers.contains_key("retry-after"));
    // Another user from the same address is not locked out by someone else's mistakes.
    app.token("court.990102").await;
    let admin = app.token("admin").await;
    let events = app.get("/api/v1/security-events?limit=100", &admin).await.json();
    let kinds: Vec<&str> = events.as_array().unwrap().iter().filter(|e| e["username"] == "court.990101").map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "sign_in_failed").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "sign_in_throttled").count(), 1);
    let officer = app.token("police.990101").await;
    assert_eq!(app.get("/api/v1/security-events", &officer).await.status, StatusCode::FORBIDDEN);
}

async fn tokens_are_revoked(app: TestApp) {
    let t = app.token("justice.990101").await;
    let created = app.post("/api/v1/tokens", &t, json!({"name": "sync job"})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let second = created.json()["secret"].as_str().unwrap().to_string();
    assert!(second.starts_with("xz_"));
    assert_eq!(app.get("/api/v1/me", &second).await.status, StatusCode::OK);
    let list = app.get("/api/v1/tokens", &t).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let id = created.json()["token"]["id"].as_i64().unwrap();
    let other = app.token("justice.990102").await;
    assert_eq!(app.api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&other), None).await.status, StatusCode::NOT_FOUND, "only the owner can revoke");
    let revoked = app.api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&t), None).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.json()["revoked_at"].is_string());
    assert_eq!(app.get("/api/v1/me", &second).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/me", &t).await.status, StatusCode::OK);
}

async fn users_are_managed_within_the_region(app: TestApp) {
    let admin = app.token("admin.990100").await;
    let court = app.unit_id(&admin, "990101", "court_basic").await;
    let new = |username: &str, roles: serde_json::Value| json!({"unit_id": court, "username": username, "display_name": "李法官", "roles": roles, "password": "a-long-password"});

    // Bad input is named before anything is decided.
    let r = app
        .post("/api/v1/users", &admin, json!({"unit_id": court, "username": "judge.li", "display_name": "李", "roles": ["judge"], "password": "short"}))
        .await;
    assert_eq!(r.json()["field"], "password");
    let r = app.post("/api/v1/users", &admin, new("x", json!(["judge"]))).await;
    assert_eq!(r.json()["field"], "username");
    let r = app.post("/api/v1/users", &admin, json!({"unit_id": court, "username": "judge.li"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The city committee appoints the court's first administrator, and nothing else there.
    let r = app.post("/api/v1/users", &admin, new("judge.li", json!(["judge"]))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a committee does not make judges: {}", r.text());
    let r = app.post("/api/v1/users", &admin, new("court.it", json!(["admin", "police_officer"]))).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("roles")), "no police role in a court: {}", r.text());
    let first = app.post("/api/v1/users", &admin, new("court.it", json!(["admin"]))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let root = app.token("admin").await;
    approve(&app, &root, &first.json()).await;
    let r = app.post("/api/v1/users", &admin, new("court.it2", json!(["admin"]))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the court has an administrator now: {}", r.text());
    let log = app.get("/api/v1/security-events?limit=200", &root).await.json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "account_changed_from_outside" && e["region"] == "990101" && e["detail"].as_str().unwrap().contains("court.it")),
        "the court is told: {log}"
    );

    // The court's own administrator manages its people.
    let court_admin =
        app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "court.it", "password": "a-long-password", "name": "x"}))).await.json()
            ["secret"]
            .as_str()
            .unwrap()
            .to_string();
    let created = app.post("/api/v1/users", &court_admin, new("judge.li", json!(["judge"]))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(app.post("/api/v1/users", &court_admin, new("judge.li", json!(["judge"]))).await.status, StatusCode::CONFLICT);
    let demo_pw = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "judge.li", "password": PASSWORD, "name": "x"}))).await;
    assert_eq!(demo_pw.status, StatusCode::UNAUTHORIZED, "the demo password is not this user's");
    let r = app.patch(&format!("/api/v1/users/{id}"), &court_admin, json!({"roles": ["judge", "clerk"], "display_name": "李四"})).await;
    assert_eq!(r.json()["roles"], json!(["judge", "clerk"]));
    let r = app.post(&format!("/api/v1/users/{id}/password"), &court_admin, json!({"password": "another-long-one"})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["audit_leaves"][0].is_i64(), "the reset is on record: {}", r.text());
    let ok = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "judge.li", "password": "another-long-one", "name": "x"}))).await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let judge_token = ok.json()["secret"].as_str().unwrap().to_string();

    // The committee may not re-role or re-password the court's people, but may disable them.
    assert_eq!(app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"roles": ["clerk"]})).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post(&format!("/api/v1/users/{id}/password"), &admin, json!({"password": "committee-knows-it"})).await.status, StatusCode::FORBIDDEN);
    let r = app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"disabled": true})).await;
    assert_eq!(r.json()["disabled"], true, "{}", r.text());
    assert_eq!(app.get("/api/v1/me", &judge_token).await.status, StatusCode::UNAUTHORIZED, "a disabled user's tokens stop working");
    assert_eq!(app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"disabled": false})).await.status, StatusCode::FORBIDDEN, "re-enabling is the court's");
    let r = app.patch(&format!("/api/v1/users/{id}"), &court_admin, json!({"disabled": false})).await;
    assert_eq!(r.json()["disabled"], false, "{}", r.text());
    assert_eq!(app.get("/api/v1/me", &judge_token).await.status, StatusCode::UNAUTHORIZED, "enabled again, the old token stays revoked");
    // A password reset revokes the tokens made with the old password, not only the sessions.
    let fresh =
        app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "judge.li", "password": "another-long-one", "name": "x"}))).await.json()
            ["secret"]
            .as_str()
            .unwrap()
            .to_string();
    assert_eq!(app.get("/api/v1/me", &fresh).await.status, StatusCode::OK);
    app.post(&format!("/api/v1/users/{id}/password"), &court_admin, json!({"password": "a-third-long-one"})).await;
    assert_eq!(app.get("/api/v1/me", &fresh).await.status, StatusCode::UNAUTHORIZED, "the reset revoked it");

    // Outside the region: refused and recorded.
    let far_court = app.unit_id(&admin, "990201", "court_basic").await;
    let r = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"unit_id": far_court, "username": "judge.far", "display_name": "远", "roles": ["admin"], "password": "a-long-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/units/{far_court}/users"), &admin).await.status, StatusCode::FORBIDDEN);
    let denied = app.get("/api/v1/security-events", &root).await.json();
    assert!(denied.as_array().unwrap().iter().any(|e| e["kind"] == "access_denied" && e["username"] == "admin.990100"), "{denied}");
    assert_eq!(app.get("/api/v1/users/999999", &admin).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/users/abc", &admin).await.json()["field"], "id");
}

/// The impersonation the probe found: the province appoints an IT administrator for a county
/// police unit, who then makes a judge in the county court to try the police's own cases.
async fn one_agency_cannot_act_as_another(app: TestApp) {
    let root = app.token("admin").await;
    let police = app.unit_id(&root, "990101", "police").await;
    let court = app.unit_id(&root, "990101", "court_basic").await;
    let user = |unit: i64, username: &str, roles: serde_json::Value| json!({"unit_id": unit, "username": username, "display_name": "某", "roles": roles, "password": "a-long-password"});
    let r = app.post("/api/v1/users", &root, user(police, "police.it", json!(["admin"]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "the police unit's first administrator: {}", r.text());
    approve(&app, &app.token("admin.990100").await, &r.json()).await;
    let it = app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "police.it", "password": "a-long-password", "name": "x"}))).await.json()
        ["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.post("/api/v1/users", &it, user(court, "fake.judge", json!(["judge"]))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/api/v1/users", &it, user(court, "fake.admin", json!(["admin"]))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/units/{court}/users"), &it).await.status, StatusCode::FORBIDDEN, "the court's members are not the police's business");
    let judge = app.token("court.990101").await;
    let judge_id = app.get("/api/v1/me", &judge).await.json()["user"]["id"].as_i64().unwrap();
    assert_eq!(app.post(&format!("/api/v1/users/{judge_id}/password"), &it, json!({"password": "police-knows-it"})).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.patch(&format!("/api/v1/units/{court}"), &it, json!({"disabled": true})).await.status,
        StatusCode::FORBIDDEN,
        "nor can it disable the court"
    );
    let log = app.get("/api/v1/security-events?limit=200", &root).await.json();
    let denials = log.as_array().unwrap().iter().filter(|e| e["kind"] == "access_denied" && e["username"] == "police.it").count();
    assert_eq!(denials, 5, "every attempt is recorded: {log}");
    // At home the police administrator administers.
    assert_eq!(app.post("/api/v1/users", &it, user(police, "officer.new", json!(["police_officer"]))).await.status, StatusCode::CREATED);
}

/// Thirty failed sign-ins from one address lock that address for the window, whatever names
/// they tried; when the window has passed, sign-in works again. (In-process requests all come
/// from the address "local".)
#[tokio::test]
async fn an_address_is_throttled_and_the_window_expires() {
    let app = TestApp::at(crate::common::Backend::Sqlite, "2026-11-29 10:00").await;
    let attempt = |user: String, pw: &'static str| {
        let app = &app;
        async move { app.api(Method::POST, "/api/v1/auth/token", None, Some(json!({"username": user, "password": pw, "name": "x"}))).await.status }
    };
    for i in 0..30 {
        assert_eq!(attempt(format!("guess.{i}"), "wrong-password").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("police.990101".into(), PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "the address is locked, even for a right password");
    app.set_time("2026-11-29 10:14");
    assert_eq!(attempt("police.990101".into(), PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "still inside the 15 minutes");
    app.set_time("2026-11-29 10:16");
    assert_eq!(attempt("police.990101".into(), PASSWORD).await, StatusCode::CREATED, "the window has passed");
}
