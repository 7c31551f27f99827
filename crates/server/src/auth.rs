//! Who is asking: passwords (argon2id), browser sessions (cookie + CSRF token), API bearer
//! tokens, sign-in throttling, and the single access check every route goes through.

use crate::error::AppError;
use crate::state::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts, Method};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::OnceLock;
use xiezhi_core::{Action, Password, Username};
use xiezhi_store::{NewSecurityEvent, NewSession, Principal, Store};

pub const SESSION_COOKIE: &str = "xiezhi_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn hash_password(password: &Password) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AppError::Internal(format!("hashing: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A hash of a password nobody has, so an unknown username costs as much as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&Password::parse("p", "decoy-password-never-used").expect("valid")).expect("hash"))
}

/// A fresh random secret, URL-safe.
pub fn secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Secrets are stored only as their SHA-256.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn client_of(parts: &Parts) -> String {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "local".into())
}

/// Check a username and password, with throttling; every outcome is recorded.
pub async fn sign_in<S: Store>(state: &AppState<S>, username: &str, password: &str, client: &str) -> Result<Principal, AppError> {
    let now = state.clock.now_us();
    let cfg = &state.config;
    // What was typed is recorded and throttled on, without control characters (a NUL would be
    // refused by PostgreSQL and stored by SQLite), at most 64 characters.
    let name: String = username.trim().to_ascii_lowercase().chars().filter(|c| !c.is_control()).take(64).collect();
    let name = if name.chars().count() == username.trim().chars().count() { name } else { format!("{name}…") };
    let since = now - cfg.failure_window_minutes * 60_000_000;
    let (by_user, by_client) = state.store.failed_sign_ins_since(&name, client, since).await?;
    let event = |kind, user_id, detail: &str| NewSecurityEvent {
        at: now,
        kind,
        username: Some(name.clone()),
        user_id,
        region: None,
        client: Some(client.to_string()),
        detail: detail.to_string(),
    };
    if by_user >= cfg.max_failures_per_user || by_client >= cfg.max_failures_per_client {
        state.store.record(event("sign_in_throttled", None, "too many failed sign-ins")).await?;
        return Err(AppError::Throttled { minutes: cfg.failure_window_minutes });
    }
    let found = match Username::parse("username", &name) {
        Ok(u) => state.store.credentials(u.as_ref()).await?,
        Err(_) => None,
    };
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| decoy_hash().to_string());
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash)).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let Some((user, _)) = found.filter(|_| ok) else {
        state.store.record(event("sign_in_failed", None, "wrong username or password")).await?;
        return Err(AppError::Unauthenticated);
    };
    let unit = state.store.unit(user.unit_id).await?;
    if user.disabled || unit.disabled {
        state.store.record(event("sign_in_failed", Some(user.id), "account or unit disabled")).await?;
        return Err(AppError::Unauthenticated);
    }
    state.store.record(NewSecurityEvent { region: Some(unit.region), ..event("sign_in", Some(user.id), "signed in") }).await?;
    Ok(Principal { user, unit, csrf_token: String::new() })
}

/// Start a browser session; returns the cookie to set.
pub async fn start_session<S: Store>(state: &AppState<S>, principal: &Principal) -> Result<Cookie<'static>, AppError> {
    let token = secret(32);
    let now = state.clock.now_us();
    state
        .store
        .create_session(NewSession {
            token_hash: digest(&token),
            user_id: principal.user.id,
            csrf_token: secret(18),
            created_at: now,
            expires_at: now + state.config.session_hours * 3_600_000_000,
        })
        .await?;
    Ok(session_cookie(token, state.config.secure_cookies))
}

fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value)).http_only(true).same_site(SameSite::Lax).secure(secure).path("/").build()
}

pub fn removal_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").build()
}

/// How the principal proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// Find the principal from a bearer token or the session cookie.
pub async fn authenticate<S: Store>(parts: &Parts, state: &AppState<S>) -> Result<Option<(Principal, Via)>, AppError> {
    let now = state.clock.now_us();
    if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
        let value = h.to_str().unwrap_or_default();
        let token = value.strip_prefix("Bearer ").ok_or(AppError::Unauthenticated)?;
        return match state.store.token(&digest(token.trim()), now).await? {
            Some(p) => Ok(Some((p, Via::Token))),
            None => Err(AppError::Unauthenticated),
        };
    }
    let jar = CookieJar::from_headers(&parts.headers);
    match jar.get(SESSION_COOKIE) {
        Some(c) if !c.value().is_empty() => Ok(state.store.session(&digest(c.value()), now).await?.map(|p| (p, Via::Session))),
        _ => Ok(None),
    }
}

/// An API caller: a bearer token, or a browser session that sends its CSRF token in the
/// `X-CSRF-Token` header on anything but reads.
pub struct Signed(pub Principal);

impl<S: Store> FromRequestParts<AppState<S>> for Signed {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, AppError> {
        let (p, via) = authenticate(parts, state).await?.ok_or(AppError::Unauthenticated)?;
        if via == Via::Session && !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if sent != p.csrf_token {
                return Err(AppError::Csrf);
            }
        }
        Ok(Signed(p))
    }
}

/// Record a refused attempt in the security log.
pub async fn record_denial<S: Store>(state: &AppState<S>, p: &Principal, detail: String) -> Result<(), AppError> {
    tracing::warn!(user = %p.user.username, %detail, "access denied");
    state
        .store
        .record(NewSecurityEvent {
            at: state.clock.now_us(),
            kind: "access_denied",
            username: Some(p.user.username.clone()),
            user_id: Some(p.user.id),
            region: Some(p.unit.region),
            client: None,
            detail,
        })
        .await?;
    Ok(())
}

/// The one access check: the core policy decides; a refusal is recorded and becomes a 403.
pub async fn authorize<S: Store>(state: &AppState<S>, p: &Principal, action: Action) -> Result<(), AppError> {
    match p.actor().authorize(action) {
        Ok(()) => Ok(()),
        Err(denied) => {
            record_denial(state, p, format!("{action}: {}", denied.reason)).await?;
            Err(AppError::Forbidden(denied.reason))
        }
    }
}
