//! Delivering the outbox: webhooks to the units' own systems, signed, retried with backoff.
//!
//! Every delivery is a `POST` of JSON to the subscriber's URL with
//!
//! - `X-Xiezhi-Delivery`: the delivery's id (the same on every retry: a receiver that has seen
//!   it already answers 2xx and does nothing),
//! - `X-Xiezhi-Event`: the kind, e.g. `dispute.referred`,
//! - `X-Xiezhi-Timestamp`: seconds since the epoch at sending,
//! - `X-Xiezhi-Signature`: `v1=` and the hex HMAC-SHA256, under the subscription's secret, of
//!   the timestamp, a full stop and the body exactly as received.
//!
//! A 2xx answer is delivered; anything else (or no answer within 10 s) is tried again after
//! 1 s, 2 s, 4 s … up to an hour between attempts, without end: a receiver that is down loses
//! nothing. Delivery is at least once.

use crate::state::AppState;
use axum::body::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;
use std::time::Duration;
use xiezhi_store::{Attempt, Delivery, Store};

/// The signature of a delivery: `v1=` + hex HMAC-SHA256(secret, "{timestamp}.{body}").
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// How long to wait before attempt `attempts + 1`: 1 s doubling, at most an hour.
pub fn backoff_us(attempts: i64) -> i64 {
    1_000_000 * (1i64 << attempts.clamp(0, 12)).min(3600)
}

/// The JSON delivered: the delivery, its kind and subject, and the notice itself.
pub fn envelope(d: &Delivery) -> String {
    let data: serde_json::Value = serde_json::from_str(&d.body).unwrap_or(serde_json::Value::Null);
    serde_json::json!({"delivery": d.id, "kind": d.kind, "subject": d.subject, "data": data}).to_string()
}

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(Duration::from_secs(5)));
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(32).build(connector)
}

/// One attempt: the status, or why there was none.
async fn send(client: &HttpClient, d: &Delivery, now_s: i64) -> Result<u16, String> {
    let body = envelope(d);
    let req = axum::http::Request::post(&d.url)
        .header("content-type", "application/json")
        .header("user-agent", "xiezhi-webhooks")
        .header("x-xiezhi-delivery", d.id.to_string())
        .header("x-xiezhi-event", &d.kind)
        .header("x-xiezhi-timestamp", now_s.to_string())
        .header("x-xiezhi-signature", signature(&d.secret, now_s, &body))
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("bad request: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), client.request(req)).await {
        Ok(Ok(res)) => Ok(res.status().as_u16()),
        Ok(Err(e)) => Err(format!("{e}: {}", std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default())),
        Err(_) => Err("no answer within 10 s".into()),
    }
}

/// What one pass delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub delivered: usize,
    pub failed: usize,
}

/// Claim what is due now and deliver it, up to `limit`, concurrently.
pub async fn deliver_due<S: Store>(st: &AppState<S>, client: &HttpClient, limit: i64) -> Result<Pass, xiezhi_store::StoreError> {
    let now = st.clock.now_us();
    let lease = 1_000_000 * st.config.webhook_lease_seconds.clamp(1, 3600) as i64;
    let due = st.store.claim_deliveries(now, limit, lease).await?;
    let mut pass = Pass::default();
    let tries = due.into_iter().map(|d| async move {
        let outcome = send(client, &d, now / 1_000_000).await;
        (d, outcome)
    });
    let mut attempts = Vec::new();
    for (d, outcome) in futures_util::future::join_all(tries).await {
        let (ok, status, error) = match outcome {
            Ok(s) if (200..300).contains(&s) => (true, Some(i64::from(s)), None),
            Ok(s) => (false, Some(i64::from(s)), Some(format!("answered {s}"))),
            Err(e) => (false, None, Some(e)),
        };
        let after = st.clock.now_us();
        attempts.push(Attempt { id: d.id, delivered: ok, status, error, at: after, next_at: after + backoff_us(d.attempts) });
        if ok {
            pass.delivered += 1;
        } else {
            pass.failed += 1;
        }
    }
    // Recorded together: a crash before this leaves them claimed, and they are sent again when
    // the lease runs out (at least once).
    st.store.finish_deliveries(attempts).await?;
    Ok(pass)
}

/// The worker a server runs: deliver what is due, then look again (at once while there was
/// work, after half a second when there was none).
pub async fn run<S: Store>(st: AppState<S>) {
    let client = client();
    loop {
        match deliver_due(&st, &client, 200).await {
            Ok(p) if p.delivered + p.failed > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook delivery"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature a receiver recomputes: HMAC-SHA256 over "timestamp.body" (RFC 4231 test
    /// case 2's key and message give its published digest).
    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_and_body() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac.finalize().into_bytes()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let s = signature("secret", 1_764_380_000, "{\"a\":1}");
        assert!(s.starts_with("v1=") && s.len() == 3 + 64, "{s}");
        assert_ne!(s, signature("secret", 1_764_380_001, "{\"a\":1}"), "the timestamp is signed");
        assert_ne!(s, signature("other", 1_764_380_000, "{\"a\":1}"));
    }

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff_us(0), 1_000_000);
        assert_eq!(backoff_us(3), 8_000_000);
        assert_eq!(backoff_us(20), 3_600_000_000);
    }
}
