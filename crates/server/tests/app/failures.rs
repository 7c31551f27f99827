//! Every error a page gives is shown inside the layout (navigation, the signed-in person), with
//! a heading in the reader's language and the field at fault — including errors made below the
//! handlers: a query that cannot be read, an upload over the limit, a page that does not exist.

use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

crate::on_both_backends!(errors_are_shown_inside_the_layout);

fn failure(html: &str) -> &str {
    html.split("id=\"failure\"").nth(1).unwrap_or_else(|| panic!("no failure card: {html}")).split("</section>").next().unwrap()
}

async fn errors_are_shown_inside_the_layout(app: TestApp) {
    let police = app.browser_session("police.990101").await;
    let get = |path: &'static str, who: String| {
        let app = &app;
        async move { app.page(Method::GET, path, Some(&who), None).await }
    };

    // Not theirs: a police officer opening supervision.
    let r = get("/supervision", police.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let html = r.text();
    assert!(html.contains("id=\"current-user\"") && failure(&html).contains("无权办理此事项"), "{html}");

    // A field that is not right, named.
    let r = get("/cases?within=abc", police.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(failure(&html).contains("填写有误") && failure(&html).contains("id=\"error-field\">within<"), "{html}");
    let r = get("/inbox?page=0", police.clone()).await;
    assert!(failure(&r.text()).contains(">page<"), "{}", r.text());

    // A query the extractor cannot read at all (a parameter given twice).
    let r = get("/cases?stage=trial&stage=final", police.clone()).await;
    assert!(r.status.is_client_error());
    let html = r.text();
    assert!(html.contains("id=\"current-user\"") && failure(&html).contains("无法读取"), "{html}");

    // A page that does not exist, and the same in English.
    let r = get("/no-such-page", police.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(failure(&r.text()).contains("未找到") && r.text().contains("id=\"current-user\""), "{}", r.text());
    let english = app.call(Request::builder().uri("/no-such-page").header("cookie", format!("{police}; lang=en")).body(Body::empty()).unwrap()).await;
    assert!(failure(&english.text()).contains("Not found"), "{}", english.text());

    // An upload over the dossier's limit says so, in the layout.
    let token = app.token("police.990101").await;
    let id = app
        .post("/api/v1/cases", &token, serde_json::json!({"case_no": "F-1", "title": "盗窃案", "persons": [{"name": "张某", "custody": "bail"}]}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let page = app.page(Method::GET, &format!("/cases/{id}"), Some(&police), None).await.text();
    let csrf = crate::common::csrf_of(&page);
    let boundary = "XIEZHI";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-").into_bytes();
    body.extend(vec![b'x'; 10 * 1024 * 1024]);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let r = app
        .call(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/cases/{id}/documents"))
                .header("cookie", police.clone())
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let html = r.text();
    assert!(html.contains("id=\"current-user\"") && failure(&html).contains("8 MiB"), "{html}");
}
