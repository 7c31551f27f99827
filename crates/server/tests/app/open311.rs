//! Open311 GeoReport v2 with raw requests, in XML and JSON, on both databases: discovery,
//! services, a request posted with an api_key and read back, and the specification's errors.

use crate::common::{Backend, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

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

both!(a_client_submits_and_reads_in_xml_and_json);

async fn get(app: &TestApp, path: &str) -> crate::common::Reply {
    app.api(Method::GET, path, None, None).await
}

async fn post(app: &TestApp, path: &str, form: &str) -> crate::common::Reply {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8")
        .body(Body::from(form.to_string()))
        .unwrap();
    app.call(req).await
}

fn kind(r: &crate::common::Reply) -> String {
    r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn a_client_submits_and_reads_in_xml_and_json(app: TestApp) {
    let key = app.token("h12345.990101").await;
    let d = get(&app, "/open311/v2/discovery.json").await;
    assert_eq!((d.status, kind(&d).as_str()), (StatusCode::OK, "application/json; charset=utf-8"));
    assert_eq!(d.json()["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    let x = get(&app, "/open311/v2/discovery.xml").await;
    assert!(x.text().starts_with(r#"<?xml version="1.0" encoding="utf-8"?><discovery>"#), "{}", x.text());
    assert_eq!(kind(&x), "text/xml; charset=utf-8");

    let s = get(&app, "/open311/v2/services.json?jurisdiction_id=990101").await.json();
    assert_eq!(s.as_array().unwrap().len(), 6);
    assert_eq!((s[2]["service_code"].as_str(), s[2]["metadata"].as_str(), s[2]["type"].as_str()), (Some("complaint"), Some("false"), Some("realtime")));
    let s = get(&app, "/open311/v2/services.xml?jurisdiction_id=990101").await.text();
    assert!(s.contains("<services><service><service_code>consultation</service_code>"), "{s}");
    let def = get(&app, "/open311/v2/services/complaint.json?jurisdiction_id=990101").await.json();
    assert_eq!(def["attributes"], serde_json::json!([]));

    // POST in JSON, read back in XML.
    let form = format!("api_key={key}&jurisdiction_id=990101&service_code=complaint&address_string=%E7%94%B2%E4%B8%80%E5%8E%BF&first_name=%E6%95%8F&last_name=%E8%B5%B5&phone=13900001234&description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE%0A%E5%B7%B2%E4%B8%A4%E5%91%A8");
    let r = post(&app, "/open311/v2/requests.json", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let id = r.json()[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("123459901012026") && id.contains('-'), "number and query code: {id}");
    let one = get(&app, &format!("/open311/v2/requests/{id}.xml?jurisdiction_id=990101")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    let xml = one.text();
    for part in [
        "<service_requests><request>",
        "<status>open</status>",
        "<status_notes>已受理，正在分派</status_notes>",
        "<service_code>complaint</service_code>",
        "<description>路灯不亮\n已两周</description>",
    ] {
        assert!(xml.contains(part), "{part} in {xml}");
    }
    let listed = get(&app, &format!("/open311/v2/requests.json?jurisdiction_id=990101&service_request_id={id}")).await.json();
    assert_eq!(listed[0]["service_request_id"], id.as_str());
    assert!(listed[0]["requested_datetime"].as_str().unwrap().ends_with("+08:00"), "{listed}");
    // The centre's key lists its requests with the standard filters.
    let mine = get(&app, &format!("/open311/v2/requests.json?jurisdiction_id=990101&api_key={key}&status=open&service_code=complaint")).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");

    // The specification's errors, in the requested format.
    let e = post(&app, "/open311/v2/requests.xml", &format!("api_key={key}&jurisdiction_id=990101&address_string=x")).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.text().contains("<errors><error><code>400</code><description>service_code was not provided"), "{}", e.text());
    let e = post(&app, "/open311/v2/requests.json", &format!("api_key={key}&jurisdiction_id=990101&service_code=complaint")).await;
    assert_eq!((e.status, e.json()[0]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(400)), "a location is required: {}", e.text());
    let e = post(&app, "/open311/v2/requests.json", &format!("api_key={key}&jurisdiction_id=990101&service_code=potholes&lat=30&long=120")).await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    let e = post(&app, "/open311/v2/requests.xml", "api_key=wrong&jurisdiction_id=990101&service_code=complaint&lat=30&long=120").await;
    assert_eq!(e.status, StatusCode::FORBIDDEN);
    assert!(e.text().contains("<code>403</code>"), "{}", e.text());
    let police = app.token("police.990101").await;
    let e = post(&app, "/open311/v2/requests.json", &format!("api_key={police}&jurisdiction_id=990101&service_code=complaint&lat=30&long=120")).await;
    assert_eq!(e.status, StatusCode::FORBIDDEN, "not a key of that centre: {}", e.text());
    let e = get(&app, &format!("/open311/v2/requests.json?jurisdiction_id=990101&api_key={key}&start_date=2026-01-01T00:00:00Z&end_date=2026-11-30T00:00:00Z"))
        .await;
    assert_eq!((e.status, e.json()[0]["description"].as_str().map(|d| d.contains("90 days"))), (StatusCode::BAD_REQUEST, Some(true)));
    let e = get(&app, "/open311/v2/requests.json?jurisdiction_id=990101").await;
    assert_eq!(e.status, StatusCode::FORBIDDEN, "listing people's requests needs the centre's key");
    let e = get(&app, "/open311/v2/services.json").await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST, "jurisdiction not provided");
    let e = get(&app, "/open311/v2/services.json?jurisdiction_id=990999").await;
    assert_eq!(e.status, StatusCode::NOT_FOUND, "jurisdiction not found");
    let e = get(&app, &format!("/open311/v2/requests/{}-00000000.json?jurisdiction_id=990101", id.split('-').next().unwrap())).await;
    assert_eq!(e.status, StatusCode::NOT_FOUND, "a wrong code is an unknown request");
}
