use prometheus_client::registry::Registry;
use std::sync::Arc;
use xiezhi_core::Calendar;

use crate::metrics::Metrics;

/// Settings the HTTP layer needs. Secrets never appear here.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Demo mode: the sign-in page lists demo accounts.
    pub demo: bool,
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    pub session_hours: i64,
    /// Failed sign-ins within the window that lock a username, and a client address.
    pub max_failures_per_user: i64,
    pub max_failures_per_client: i64,
    pub failure_window_minutes: i64,
    /// How often to sign a checkpoint while the audit log grows.
    pub checkpoint_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            demo: false,
            secure_cookies: false,
            session_hours: 12,
            max_failures_per_user: 5,
            max_failures_per_client: 30,
            failure_window_minutes: 15,
            checkpoint_seconds: 60,
        }
    }
}

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState<S> {
    pub store: S,
    pub config: Arc<ServerConfig>,
    pub calendar: Arc<Calendar>,
    pub metrics: Arc<Metrics>,
    pub registry: Arc<Registry>,
    pub signer: Arc<crate::audit::LogSigner>,
}

impl<S> AppState<S> {
    pub fn new(store: S, config: ServerConfig, calendar: Calendar, signer: crate::audit::LogSigner) -> Self {
        let mut registry = Registry::default();
        let metrics = Metrics::register(&mut registry);
        Self {
            store,
            config: Arc::new(config),
            calendar: Arc::new(calendar),
            metrics: Arc::new(metrics),
            registry: Arc::new(registry),
            signer: Arc::new(signer),
        }
    }
}

/// Microseconds since the epoch: the one place the HTTP layer reads the clock.
pub fn now_us() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

pub fn format_time(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
