//! Webhook subscriptions of a unit's own system: create (the secret is shown once), list,
//! stop, and the delivery log. Delivering is `crate::outbox`.

use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use xiezhi_core::Action;
use xiezhi_store::{DeliveryLog, Principal, Store, Webhook};

/// A subscription as just created, with the secret its deliveries are signed with (shown once).
pub struct Created {
    pub webhook: Webhook,
    pub secret: String,
    pub leaves: Vec<i64>,
}

/// The URL a delivery goes to: `http://host[:port]/path`, at most 500 characters.
pub fn check_url(raw: &str) -> ApiResult<String> {
    let url = raw.trim();
    xiezhi_core::names::check_text("url", url, 500, false)?;
    if url.starts_with("https://") {
        return Err(AppError::field(
            "url",
            "this build delivers over plain http only: point the subscription at a TLS-terminating gateway inside your network (https delivery is not built yet)",
        ));
    }
    let rest = url.strip_prefix("http://").ok_or_else(|| AppError::field("url", "must start with http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || host.contains(char::is_whitespace) {
        return Err(AppError::field("url", "must name a host: http://host[:port]/path"));
    }
    if url.contains(char::is_whitespace) {
        return Err(AppError::field("url", "must not contain spaces"));
    }
    Ok(url.to_string())
}

pub async fn create<S: Store>(st: &AppState<S>, p: &Principal, url: &str) -> ApiResult<Created> {
    authorize(st, p, Action::ManageWebhooks { unit_id: p.unit.id }).await?;
    let url = check_url(url)?;
    let secret = crate::auth::secret(32);
    let r = st.store.create_webhook(p.unit.id, url, secret.clone(), st.by(p)).await?;
    Ok(Created { webhook: r.value, secret, leaves: r.leaves })
}

pub async fn list<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<Webhook>> {
    authorize(st, p, Action::ManageWebhooks { unit_id: p.unit.id }).await?;
    Ok(st.store.webhooks_of_unit(p.unit.id).await?)
}

async fn own<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<Webhook> {
    let w = st.store.webhook(id).await?.ok_or(AppError::NotFound("webhook"))?;
    authorize(st, p, Action::ManageWebhooks { unit_id: w.unit_id }).await?;
    Ok(w)
}

pub async fn disable<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<Webhook> {
    own(st, p, id).await?;
    Ok(st.store.disable_webhook(id, st.by(p)).await?.value)
}

pub async fn deliveries<S: Store>(st: &AppState<S>, p: &Principal, id: i64, limit: i64) -> ApiResult<Vec<DeliveryLog>> {
    own(st, p, id).await?;
    if !(1..=1000).contains(&limit) {
        return Err(AppError::field("limit", "must be between 1 and 1000"));
    }
    Ok(st.store.deliveries(id, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn urls_are_plain_http_with_a_host() {
        assert_eq!(check_url(" http://10.1.2.3:8080/xiezhi/hook ").unwrap(), "http://10.1.2.3:8080/xiezhi/hook");
        for bad in ["https://partner.example/hook", "ftp://x/", "http:///nohost", "http://user@host/", "javascript:alert(1)", ""] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
