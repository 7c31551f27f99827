//! An HTTP client for the end-to-end tests that drive a running server concurrently.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use serde_json::{json, Value};

pub type Http = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> Http {
    Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// `POST` JSON, with a bearer token when given: the status and the answer, or why there was none
/// (the server is gone).
pub async fn call(http: &Http, base: &str, path: &str, token: Option<&str>, body: Value) -> Result<(u16, Value), String> {
    let mut req = http::Request::builder().method("POST").uri(format!("{base}{path}")).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = http.request(req.body(Full::new(Bytes::from(body.to_string()))).unwrap()).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

/// `GET` with a bearer token: the status and the answer.
pub async fn get(http: &Http, base: &str, path: &str, token: &str) -> (u16, Value) {
    let req = http::Request::builder().uri(format!("{base}{path}")).header("authorization", format!("Bearer {token}")).body(Full::new(Bytes::new())).unwrap();
    let res = http.request(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A bearer token for an account.
pub async fn token(http: &Http, base: &str, user: &str, password: &str) -> String {
    let (status, v) = call(http, base, "/api/v1/auth/token", None, json!({"username": user, "password": password, "name": "test"})).await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["secret"].as_str().unwrap().to_string()
}

/// The id of the first unit of a kind in a region.
pub async fn unit(http: &Http, base: &str, token: &str, region: &str, kind: &str) -> i64 {
    get(http, base, &format!("/api/v1/units?region={region}&kind={kind}"), token).await.1[0]["id"].as_i64().unwrap()
}
