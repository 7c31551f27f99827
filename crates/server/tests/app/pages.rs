use crate::common::{csrf_of, Backend, TestApp};
use axum::http::{Method, StatusCode};
use xiezhi_server::ServerConfig;

crate::on_both_backends!(
    sign_in_home_language_and_sign_out,
    forms_need_the_csrf_token,
    admins_see_admin_forms_and_others_do_not,
    the_audit_page_checks_inclusion,
    the_auditor_browses_the_log_with_names
);

async fn sign_in_home_language_and_sign_out(app: TestApp) {
    let r = app.page(Method::GET, "/", None, None).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/sign-in?next=%2F".to_string()));
    let page = app.page(Method::GET, "/sign-in", None, None).await.text();
    assert!(page.contains("lang=\"zh-CN\"") && page.contains("登录") && page.contains("xiezhi-demo"), "{page}");

    let wrong = app.page(Method::POST, "/sign-in", None, Some("username=police.990101&password=nope-nope-nope")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("用户名或密码不正确"));

    let cookie = app.browser_session("police.990101").await;
    let home = app.page(Method::GET, "/", Some(&cookie), None).await.text();
    assert!(home.contains("公安机关") && home.contains("民警") && home.contains("本单位"), "{home}");
    assert!(!home.contains("/security"), "officers get no security-log link");

    let switch = app.page(Method::GET, "/lang/en?back=%2Fdirectory", Some(&cookie), None).await;
    assert_eq!((switch.status, switch.location()), (StatusCode::SEE_OTHER, "/directory".to_string()));
    let lang = switch.cookie("lang").unwrap();
    let english = app.page(Method::GET, "/", Some(&format!("{cookie}; {lang}")), None).await.text();
    assert!(english.contains("lang=\"en\"") && english.contains("My unit") && english.contains("Police officer"), "{english}");
    let evil = app.page(Method::GET, "/lang/en?back=%2F%2Fevil.example", Some(&cookie), None).await;
    assert_eq!(evil.location(), "/", "no open redirect");

    let csrf = csrf_of(&home);
    let out = app.page(Method::POST, "/sign-out", Some(&cookie), Some(&format!("csrf={csrf}"))).await;
    assert_eq!((out.status, out.location()), (StatusCode::SEE_OTHER, "/sign-in".to_string()));
    assert_eq!(app.page(Method::GET, "/", Some(&cookie), None).await.status, StatusCode::SEE_OTHER, "the session is gone");
}

async fn forms_need_the_csrf_token(app: TestApp) {
    let cookie = app.browser_session("admin").await;
    let dir = app.page(Method::GET, "/directory?region=990101", Some(&cookie), None).await;
    assert_eq!(dir.status, StatusCode::OK);
    let csrf = csrf_of(&dir.text());
    let form = "region=990101&kind=governance_centre&name=%E7%BD%91%E6%A0%BC%E4%B8%AD%E5%BF%83";
    let forged = app.page(Method::POST, "/units", Some(&cookie), Some(form)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let wrong = app.page(Method::POST, "/units", Some(&cookie), Some(&format!("{form}&csrf=guess"))).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let ok = app.page(Method::POST, "/units", Some(&cookie), Some(&format!("{form}&csrf={csrf}"))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let unit = app.page(Method::GET, &ok.location(), Some(&cookie), None).await.text();
    assert!(unit.contains("网格中心"), "{unit}");
    // The JSON API with a session cookie needs the token in a header.
    let api = app.page(Method::POST, "/api/v1/tokens", Some(&cookie), None).await;
    assert_eq!((api.status, api.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));
    // …and with it, as htmx sends it from the page's hx-headers, the call goes through.
    let with_header = app
        .call(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/tokens")
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"name": "from the page"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(with_header.status, StatusCode::CREATED, "{}", with_header.text());
    let dup = app.page(Method::POST, "/units", Some(&cookie), Some(&format!("{form}&csrf={csrf}"))).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.text().contains("already exists"));
}

async fn admins_see_admin_forms_and_others_do_not(app: TestApp) {
    let admin = app.browser_session("admin.990100").await;
    let page = app.page(Method::GET, "/directory?region=990101", Some(&admin), None).await.text();
    assert!(page.contains("action=\"/units\"") && page.contains("action=\"/units/import\""));
    let t = app.token("admin.990100").await;
    let court = app.unit_id(&t, "990101", "court_basic").await;
    let court_page = app.page(Method::GET, &format!("/units/{court}"), Some(&admin), None).await.text();
    let csrf = csrf_of(&court_page);
    // The committee sees the court's people, may disable them and appoint its first
    // administrator; it does not edit them.
    assert!(court_page.contains("设立本单位首位管理员") && court_page.contains("<option value=\"admin\">"), "{court_page}");
    assert!(!court_page.contains("<option value=\"judge\""), "a committee offers no case-handling role");
    assert!(!court_page.contains("name=\"password\" type=\"password\" minlength=\"10\" placeholder"), "no password reset for another unit's people");
    let judge = app.get(&format!("/api/v1/units/{court}/users"), &t).await.json()[0]["id"].as_i64().unwrap();
    let edit = app.page(Method::POST, &format!("/users/{judge}"), Some(&admin), Some(&format!("csrf={csrf}&display_name=%E7%8E%8B%E4%BA%94&role=clerk"))).await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", edit.text());
    let appoint = app
        .page(
            Method::POST,
            &format!("/units/{court}/users"),
            Some(&admin),
            Some(&format!("csrf={csrf}&username=court.head&display_name=%E9%99%A2%E7%AE%A1&role=admin&password=a-long-password")),
        )
        .await;
    assert_eq!(appoint.status, StatusCode::SEE_OTHER, "{}", appoint.text());
    // The province's administrator grants it, from the court's page: the second pair of eyes.
    let root = app.browser_session("admin").await;
    let court_page = app.page(Method::GET, &format!("/units/{court}"), Some(&root), None).await.text();
    assert!(court_page.contains("id=\"admin-grants\"") && court_page.contains("court.head"), "{court_page}");
    let grant = court_page.split("action=\"/admin-grants/").nth(1).and_then(|r| r.split('/').next()).unwrap().to_string();
    let decided =
        app.page(Method::POST, &format!("/admin-grants/{grant}/decide"), Some(&root), Some(&format!("csrf={}&decision=approve", csrf_of(&court_page)))).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
    let court_page = app.page(Method::GET, &format!("/units/{court}"), Some(&admin), None).await.text();
    assert!(!court_page.contains("action=\"/units/{court}/users\""), "the court has its administrator now");
    // The court's administrator edits its people; a role the court does not hold is refused.
    let head = app.browser_session_with("court.head", "a-long-password").await;
    let own_page = app.page(Method::GET, &format!("/units/{court}"), Some(&head), None).await.text();
    let csrf = csrf_of(&own_page);
    let edit = app.page(Method::POST, &format!("/users/{judge}"), Some(&head), Some(&format!("csrf={csrf}&display_name=%E7%8E%8B%E4%BA%94&role=clerk"))).await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.text());
    let after = app.get(&format!("/api/v1/users/{judge}"), &t).await.json();
    assert_eq!((after["display_name"].as_str(), after["roles"][0].as_str()), (Some("王五"), Some("clerk")));
    let bad_role = app.page(Method::POST, &format!("/users/{judge}"), Some(&head), Some(&format!("csrf={csrf}&display_name=x&role=police_officer"))).await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    let far = app.page(Method::GET, "/directory?region=990201", Some(&admin), None).await.text();
    assert!(!far.contains("action=\"/units\""), "no admin forms outside the admin's region");

    let officer = app.browser_session("police.990101").await;
    let page = app.page(Method::GET, "/directory?region=990101", Some(&officer), None).await.text();
    assert!(!page.contains("action=\"/units\""));
    let t = app.token("police.990101").await;
    let own = app.unit_id(&t, "990101", "police").await;
    let other = app.unit_id(&t, "990102", "police").await;
    let mine = app.page(Method::GET, &format!("/units/{own}"), Some(&officer), None).await.text();
    assert!(mine.contains("id=\"members\"") && mine.contains("police.990101"));
    let theirs = app.page(Method::GET, &format!("/units/{other}"), Some(&officer), None).await.text();
    assert!(!theirs.contains("id=\"members\""), "members of another unit are not shown");
    let security = app.page(Method::GET, "/security", Some(&officer), None).await;
    assert_eq!(security.status, StatusCode::FORBIDDEN);
    let missing = app.page(Method::GET, "/units/999999", Some(&officer), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("unit not found"));
}

#[tokio::test]
async fn demo_accounts_are_shown_only_in_demo_mode() {
    let app = TestApp::with_config(Backend::Sqlite, ServerConfig::default()).await;
    let page = app.page(Method::GET, "/sign-in", None, None).await.text();
    assert!(!page.contains("xiezhi-demo") && !page.contains("演示"), "{page}");
}

/// Open redirects found by the hardening probe: a backslash or an encoded one after the slash
/// took Chromium to another origin.
#[tokio::test]
async fn redirects_never_leave_the_site() {
    let app = TestApp::new(Backend::Sqlite).await;
    for next in ["/%5Cevil.example/", "//evil.example/", "/%5C%5Cevil.example", "https://evil.example/"] {
        let r = app.page(Method::POST, "/sign-in", None, Some(&format!("username=police.990101&password={}&next={next}", crate::common::PASSWORD))).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/".to_string()), "sign-in next={next}");
        let r = app.page(Method::GET, &format!("/lang/en?back={next}"), None, None).await;
        assert_eq!(r.location(), "/", "lang back={next}");
    }
    let r = app.page(Method::GET, "/lang/en?back=%2Fcases%3Fstage%3Dtrial", None, None).await;
    assert_eq!(r.location(), "/cases?stage=trial", "a page of this site is kept");
}

#[tokio::test]
async fn the_deadline_calculator_page() {
    let app = TestApp::new(Backend::Sqlite).await;
    let cookie = app.browser_session("procuratorate.990101").await;
    let page = app.page(Method::GET, "/deadlines?rule=criminal.prosecution_review&start=2025-09-01", Some(&cookie), None).await.text();
    assert!(page.contains("id=\"due\">2025-10-09<") && page.contains("国庆节"), "{page}");
    let provisional = app.page(Method::GET, "/deadlines?rule=criminal.prosecution_review&start=2026-12-15", Some(&cookie), None).await.text();
    assert!(provisional.contains("id=\"due\">2027-01-15<") && provisional.contains("id=\"provisional\""), "{provisional}");
    let bad = app.page(Method::GET, "/deadlines?rule=criminal.prosecution_review&start=2201-12-15", Some(&cookie), None).await.text();
    assert!(bad.contains("2201") && bad.contains("class=\"error\""), "{bad}");
}

async fn the_audit_page_checks_inclusion(app: TestApp) {
    let cookie = app.browser_session("court.990101").await;
    let admin = app.token("admin").await;
    let unit = app.post("/api/v1/units", &admin, serde_json::json!({"region": "990101", "kind": "governance_centre", "name": "核验中心"})).await.json();
    let leaf = unit["audit_leaves"][0].as_i64().unwrap();
    let before = app.page(Method::GET, &format!("/audit?index={leaf}"), Some(&cookie), None).await.text();
    assert!(before.contains("id=\"inclusion\"") && before.contains("✗"), "not yet in a signed checkpoint: {before}");
    app.api(Method::POST, "/api/v1/audit/checkpoint", Some(&admin), None).await;
    let after = app.page(Method::GET, &format!("/audit?index={leaf}"), Some(&cookie), None).await.text();
    assert!(after.contains("✓") && after.contains("新建单位") && after.contains("id=\"checkpoints\""), "{after}");
    let unit_page = app.page(Method::GET, &format!("/units/{}", unit["id"]), Some(&cookie), None).await.text();
    assert!(unit_page.contains("id=\"history\"") && unit_page.contains(&format!("/audit?index={leaf}")) && unit_page.contains("✓"), "{unit_page}");

    // Alter the event under the log: the page no longer vouches for it.
    sqlx::query("UPDATE events SET payload = '{}' WHERE seq = $1").bind(leaf).execute(app.store.pool()).await.unwrap();
    let tampered = app.page(Method::GET, &format!("/audit?index={leaf}"), Some(&cookie), None).await.text();
    assert!(tampered.contains("✗"), "{tampered}");
    let bad = app.page(Method::GET, "/audit?index=abc", Some(&cookie), None).await.text();
    assert!(bad.contains("role=\"alert\""), "{bad}");
}

/// The session cookie cannot be read by scripts, is not sent on cross-site requests, and is
/// marked Secure when the server is behind HTTPS.
#[tokio::test]
async fn session_cookies_carry_their_flags() {
    for (secure, app) in [
        (false, TestApp::new(Backend::Sqlite).await),
        (true, TestApp::with_config(Backend::Sqlite, ServerConfig { demo: true, secure_cookies: true, ..Default::default() }).await),
    ] {
        let r = app.page(Method::POST, "/sign-in", None, Some(&format!("username=police.990101&password={}&next=%2F", crate::common::PASSWORD))).await;
        let cookie = r
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("xiezhi_session="))
            .expect("a session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
        assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
    }
}

/// The auditor reads the log as people do: who by name and account, which unit, what in words,
/// which item (linked), newest first, a page at a time; narrowed by item, kind or account; a
/// region's administrator sees only what units of the region did; others see no log at all.
async fn the_auditor_browses_the_log_with_names(app: TestApp) {
    let police = app.token("police.990101").await;
    let case = app.post("/api/v1/cases", &police, serde_json::json!({"title": "盗窃案", "persons": [{"name": "张某", "custody": "detained"}]})).await.json();
    let id = case["id"].as_i64().unwrap();
    let auditor = app.browser_session("auditor").await;
    let page = app.page(Method::GET, "/audit", Some(&auditor), None).await.text();
    assert!(page.contains(r#"id="log-rows""#), "{page}");
    assert!(
        page.contains("（police.990101）") && page.contains("案件：立案") && page.contains(&format!(r#"href="/cases/{id}""#)),
        "names, words, links: {page}"
    );
    assert!(!page.contains(">user:"), "no bare account ids");
    let link = &page[..page.find(r#"id="log-next""#).expect("more than a page: the seeded organisation's events")];
    let next = link[link.rfind(r#"href=""#).unwrap() + 6..].split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
    let next = next.split('#').next().unwrap().to_string();
    let older = app.page(Method::GET, &next, Some(&auditor), None).await.text();
    assert!(older.contains(r#"id="log-rows""#) && !older.contains("案件：立案"), "the next page holds older events: {next}");

    let only_case = app.page(Method::GET, &format!("/audit?subject=case%3A{id}"), Some(&auditor), None).await.text();
    let of_case = xiezhi_store::AuditLog::events_of(&app.store, &format!("case:{id}"), 100).await.unwrap().len();
    assert_eq!(only_case.matches("<tr><td><a href=\"/audit?index=").count(), of_case, "the case's events, no other: {only_case}");
    let by_police = app.page(Method::GET, "/audit?username=police.990101&family=case", Some(&auditor), None).await.text();
    assert!(by_police.contains("案件：立案") && !by_police.contains("新建单位"), "{by_police}");
    let nobody = app.page(Method::GET, "/audit?username=nobody", Some(&auditor), None).await.text();
    assert!(nobody.contains(r#"id="log-error""#) && nobody.contains("账号："), "{nobody}");
    let bad_kind = app.page(Method::GET, "/audit?family=payroll", Some(&auditor), None).await.text();
    assert!(bad_kind.contains(r#"id="log-error""#) && bad_kind.contains("类别："), "{bad_kind}");

    // Another city's administrator does not see what the county's police did; a court clerk sees no log.
    let other_city = app.page(Method::GET, "/audit?family=case", Some(&app.browser_session("admin.990200").await), None).await.text();
    assert!(other_city.contains(r#"id="log""#) && !other_city.contains("案件：立案"), "{other_city}");
    let court = app.page(Method::GET, "/audit", Some(&app.browser_session("court.990101").await), None).await.text();
    assert!(!court.contains(r#"id="log""#), "only administrators and auditors browse");
}
