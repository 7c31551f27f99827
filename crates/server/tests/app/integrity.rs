//! The organisation's tables against the log, on both databases: changes made through the
//! platform replay to what is stored; changes made behind its back are named by row and column.

use crate::common::TestApp;
use serde_json::json;

crate::on_both_backends!(the_organisation_replays_from_the_log);

async fn the_organisation_replays_from_the_log(app: TestApp) {
    // Through the platform: a unit renamed, a token made and one revoked by a password reset.
    let root = app.token("admin").await;
    let unit = app.post("/api/v1/units", &root, json!({"region": "990101", "kind": "governance_centre", "name": "核查中心"})).await.json();
    let unit_id = unit["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/units/{unit_id}"), &root, json!({"name": "核查中心（新）"})).await;
    let head = app
        .post(
            "/api/v1/users",
            &root,
            json!({"unit_id": unit_id, "username": "centre.head", "display_name": "主任", "roles": ["admin"], "password": "a-long-password"}),
        )
        .await
        .json();
    crate::people::approve(&app, &app.token("admin.990100").await, &head).await;
    let head_token = app
        .api(axum::http::Method::POST, "/api/v1/auth/token", None, Some(json!({"username": "centre.head", "password": "a-long-password", "name": "x"})))
        .await
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(&format!("/api/v1/users/{}/password", head["id"]), &head_token, json!({"password": "another-long-one"})).await;
    let clean = xiezhi_server::app::integrity::check_organisation(&app.store).await.unwrap();
    assert!(clean.is_empty(), "{clean:?}");

    // Behind its back.
    let police = app.token("police.990101").await;
    let case = app.post("/api/v1/cases", &police, json!({"case_no": "T-1", "title": "盗窃案", "persons": []})).await.json()["id"].as_i64().unwrap();
    for q in [
        format!("UPDATE cases SET region = '990201', title = '别的案由' WHERE id = {case}"),
        format!("UPDATE units SET name_en = 'Fake' WHERE id = {unit_id}"),
        "UPDATE users SET roles = 'admin' WHERE username = 'police.990101'".to_string(),
        "UPDATE users SET password_hash = 'forged' WHERE username = 'centre.head'".to_string(),
        "UPDATE api_tokens SET revoked_at = NULL WHERE revoked_at IS NOT NULL".to_string(),
    ] {
        sqlx::query(&q).execute(app.store.pool()).await.unwrap();
    }
    let cases = xiezhi_server::app::cases::rebuild(&app.store, &app.state.calendar(), false).await.unwrap().details.join("\n");
    assert!(cases.contains(&format!("case {case}: title \"别的案由\" ≠ replayed \"盗窃案\"")) && cases.contains("region 990201 ≠ replayed 990101"), "{cases}");
    let found = xiezhi_server::app::integrity::check_organisation(&app.store).await.unwrap();
    let all = found.join("\n");
    for line in [
        format!("unit {unit_id}: name_en \"Fake\" ≠ replayed"),
        "(police.990101): roles admin ≠ replayed police_officer".to_string(),
        "(centre.head): password_hash is not the one recorded".to_string(),
        ": revoked false ≠ replayed true".to_string(),
    ] {
        assert!(all.contains(&line), "missing {line:?} in:\n{all}");
    }
}
