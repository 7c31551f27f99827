use crate::common::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both_backends!(
    browse_the_tree,
    admins_create_rename_disable_units,
    refusals_write_nothing,
    csv_import_reports_rejected_rows,
    regions_are_created_under_their_parent
);

async fn browse_the_tree(app: TestApp) {
    let t = app.token("police.990101").await;
    let top = app.get("/api/v1/regions", &t).await.json();
    assert_eq!(top[0]["code"], "990000");
    let cities = app.get("/api/v1/regions?parent=990000", &t).await.json();
    assert_eq!(cities.as_array().unwrap().len(), 12);
    let mut counties = 0;
    for c in cities.as_array().unwrap() {
        counties += app.get(&format!("/api/v1/regions?parent={}", c["code"].as_str().unwrap()), &t).await.json().as_array().unwrap().len();
    }
    assert_eq!(counties, 103);
    let county = app.get("/api/v1/regions/990101", &t).await.json();
    assert_eq!(county["path"].as_array().unwrap().len(), 2);
    assert_eq!(county["units"].as_array().unwrap().len(), 14);
    let courts = app.get("/api/v1/units?within=990100&kind=court_basic", &t).await.json();
    assert!(courts.as_array().unwrap().len() >= 8);
    assert_eq!(app.get("/api/v1/regions/990999", &t).await.status, StatusCode::NOT_FOUND);
    let bad = app.get("/api/v1/regions/99", &t).await;
    assert_eq!((bad.status, bad.json()["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("code")));
    assert_eq!(app.get("/api/v1/units?kind=castle", &t).await.json()["field"], "kind");
}

async fn admins_create_rename_disable_units(app: TestApp) {
    let admin = app.token("admin.990100").await;
    let r = app.post("/api/v1/units", &admin, json!({"region": "990101", "kind": "mediation_committee", "name": "和泽区物业纠纷人民调解委员会"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.post("/api/v1/units", &admin, json!({"region": "990101", "kind": "mediation_committee", "name": "和泽区物业纠纷人民调解委员会"})).await.status,
        StatusCode::CONFLICT
    );
    let renamed = app.patch(&format!("/api/v1/units/{id}"), &admin, json!({"name": "物业纠纷调委会", "name_en": "Property Mediation"})).await.json();
    assert_eq!((renamed["name"].as_str(), renamed["name_en"].as_str()), (Some("物业纠纷调委会"), Some("Property Mediation")));
    let disabled = app.patch(&format!("/api/v1/units/{id}"), &admin, json!({"disabled": true})).await.json();
    assert_eq!(disabled["disabled"], true);
    let listed = app.get("/api/v1/units?region=990101", &admin).await.json();
    assert!(!listed.as_array().unwrap().iter().any(|u| u["id"] == id), "disabled units leave the default list");
    assert_eq!(app.patch("/api/v1/units/424242", &admin, json!({"name": "x"})).await.status, StatusCode::NOT_FOUND);
    let unknown = app.patch(&format!("/api/v1/units/{id}"), &admin, json!({"colour": "red"})).await;
    assert_eq!(unknown.json()["field"], "colour");

    // A city admin cannot act in another city, and a supervisor cannot act at all.
    let far = app.post("/api/v1/units", &admin, json!({"region": "990201", "kind": "governance_centre", "name": "远方综治中心"})).await;
    assert_eq!(far.status, StatusCode::FORBIDDEN);
    let supervisor = app.token("committee.990100").await;
    assert_eq!(app.patch(&format!("/api/v1/units/{id}"), &supervisor, json!({"disabled": false})).await.status, StatusCode::FORBIDDEN);
}

async fn refusals_write_nothing(app: TestApp) {
    let admin = app.token("admin").await;
    let before = xiezhi_store::OrgStore::counts(&app.store).await.unwrap();
    for (body, field) in [
        (json!({"region": "990101", "kind": "court_high", "name": "错层高院"}), "kind"),
        (json!({"region": "990101", "kind": "police", "name": ""}), "name"),
        (json!({"region": "991301", "kind": "police", "name": "无此县公安局"}), "region"),
        (json!({"region": "990101", "kind": "police"}), "name"),
    ] {
        let r = app.post("/api/v1/units", &admin, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {}", r.text());
        assert_eq!(r.json()["field"], field, "{body} → {}", r.text());
    }
    let r = app.api(Method::POST, "/api/v1/units", Some(&admin), None).await;
    assert_eq!(r.json()["field"], "content-type");
    assert_eq!(xiezhi_store::OrgStore::counts(&app.store).await.unwrap(), before);
}

async fn csv_import_reports_rejected_rows(app: TestApp) {
    let admin = app.token("admin.990100").await;
    let existing = app.get("/api/v1/units?region=990101&kind=police", &admin).await.json()[0]["name"].as_str().unwrap().to_string();
    let csv = format!(
        "region,region_name,kind,name,name_en\n\
               990101,,trade_union,和泽区建筑业工会,Heze Builders Union\n\
               990101,,castle,和泽区城堡,\n\
               990101,,police,{existing},\n\
               990201,,police,远方公安分局,\n\
               990150,新开发区,police,新开发区公安分局,New Zone Police\n\
               990151,,police,无名区公安分局,\n\
               990101,,trade_union,和泽区建筑业工会,\n"
    );
    let post = |dry: bool| {
        let app = &app;
        let admin = admin.clone();
        let csv = csv.clone();
        async move {
            let req = axum::http::Request::builder()
                .method(Method::POST)
                .uri(format!("/api/v1/units/import?dry_run={dry}"))
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "text/csv")
                .body(axum::body::Body::from(csv))
                .unwrap();
            app.call(req).await
        }
    };
    let before = xiezhi_store::OrgStore::counts(&app.store).await.unwrap();
    let dry = post(true).await.json();
    assert_eq!((dry["created_units"].as_i64(), dry["created_regions"].as_i64()), (Some(2), Some(1)), "{dry}");
    assert_eq!(xiezhi_store::OrgStore::counts(&app.store).await.unwrap(), before, "a dry run writes nothing");
    let report = post(false).await.json();
    let lines: Vec<i64> = report["rejected"].as_array().unwrap().iter().map(|r| r["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5, 7, 8], "{report}");
    let reasons = report["rejected"].to_string();
    assert!(
        reasons.contains("castle") && reasons.contains("already exists") && reasons.contains("990201") && reasons.contains("earlier in the file"),
        "{reasons}"
    );
    let after = xiezhi_store::OrgStore::counts(&app.store).await.unwrap();
    assert_eq!((after.units - before.units, after.regions - before.regions), (2, 1));
    let zone = app.get("/api/v1/regions/990150", &admin).await.json();
    assert_eq!(zone["region"]["name"], "新开发区");
    let bad_header = app
        .call(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/units/import")
                .header("authorization", format!("Bearer {admin}"))
                .body(axum::body::Body::from("a,b\n1,2\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(bad_header.json()["field"], "header");
}

async fn regions_are_created_under_their_parent(app: TestApp) {
    let admin = app.token("admin.990100").await;
    let r = app.post("/api/v1/regions", &admin, json!({"code": "990160", "name": "高新区", "name_en": "Hi-Tech Zone"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["level"], "county");
    assert_eq!(app.post("/api/v1/regions", &admin, json!({"code": "990160", "name": "高新区"})).await.status, StatusCode::CONFLICT);
    assert_eq!(app.post("/api/v1/regions", &admin, json!({"code": "990261", "name": "远区"})).await.status, StatusCode::FORBIDDEN);
    let root = app.token("admin").await;
    let r = app.post("/api/v1/regions", &root, json!({"code": "991501", "name": "无市之县"})).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("code")));
}
