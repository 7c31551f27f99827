use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use xiezhi_core::Calendar;
use xiezhi_store::{By, Principal};

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
    /// How long a webhook worker holds the deliveries it claimed: a worker that dies holding
    /// them (a crash) lets them go when it runs out, and they are sent again.
    pub webhook_lease_seconds: u64,
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
            webhook_lease_seconds: 60,
        }
    }
}

/// The one clock the server reads. Tests fix it at an instant (and move it); everything that
/// asks "when" — the case machine's today, sessions, event times — asks here.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<Mutex<OffsetDateTime>>>);

impl Clock {
    pub fn system() -> Self {
        Self(None)
    }
    pub fn fixed(at: OffsetDateTime) -> Self {
        Self(Some(Arc::new(Mutex::new(at))))
    }
    /// Move a fixed clock (no effect on the system clock).
    pub fn set(&self, at: OffsetDateTime) {
        if let Some(t) = &self.0 {
            *t.lock().expect("clock lock") = at;
        }
    }
    pub fn now(&self) -> OffsetDateTime {
        match &self.0 {
            Some(t) => *t.lock().expect("clock lock"),
            None => OffsetDateTime::now_utc(),
        }
    }
    /// Microseconds since the epoch. A fixed clock still moves on by one microsecond each time
    /// a moment is taken, as a real one would: two commands never share their instant (the
    /// done list tells commands apart by it).
    pub fn now_us(&self) -> i64 {
        match &self.0 {
            Some(t) => {
                let mut t = t.lock().expect("clock lock");
                *t += time::Duration::microseconds(1);
                (t.unix_timestamp_nanos() / 1000) as i64
            }
            None => (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64,
        }
    }
    /// The wall time in China Standard Time, in which deadlines count.
    pub fn china(&self) -> PrimitiveDateTime {
        let t = self.now().to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset"));
        PrimitiveDateTime::new(t.date(), t.time())
    }
}

/// Where a loaded calendar year came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarOrigin {
    /// Shipped in the binary.
    Bundled,
    /// `calendars/YEAR.json` in the data folder.
    File,
    /// Loaded through the product (page, API or `xiezhi calendar import`), kept in the database.
    Database { loaded_by: Option<i64>, loaded_at: i64 },
}

/// The holiday calendars in force: the ones the server started with (bundled and data-folder
/// files), overlaid by the years stored in the database. Swapped whole when a year is loaded,
/// so a request reads one consistent calendar.
pub struct Calendars {
    base: Calendar,
    base_origins: BTreeMap<i32, CalendarOrigin>,
    current: RwLock<(Arc<Calendar>, BTreeMap<i32, CalendarOrigin>)>,
}

impl Calendars {
    pub fn new(base: Calendar, base_origins: BTreeMap<i32, CalendarOrigin>) -> Self {
        let current = RwLock::new((Arc::new(base.clone()), base_origins.clone()));
        Self { base, base_origins, current }
    }
    pub fn get(&self) -> Arc<Calendar> {
        self.current.read().expect("calendar lock").0.clone()
    }
    pub fn origins(&self) -> BTreeMap<i32, CalendarOrigin> {
        self.current.read().expect("calendar lock").1.clone()
    }
    /// Rebuild from the starting calendars and the stored years (a stored year replaces a
    /// file or bundled one). Returns the years whose content changed.
    pub fn install(&self, stored: &[(xiezhi_core::YearFile, CalendarOrigin)]) -> Result<Vec<i32>, xiezhi_core::CalendarError> {
        let mut cal = self.base.clone();
        let mut origins = self.base_origins.clone();
        for (file, origin) in stored {
            cal.add_year(file)?;
            origins.insert(file.year, origin.clone());
        }
        let mut guard = self.current.write().expect("calendar lock");
        let changed = origins.iter().filter(|(y, o)| guard.1.get(y) != Some(o)).map(|(y, _)| *y).collect();
        *guard = (Arc::new(cal), origins);
        Ok(changed)
    }
}

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState<S> {
    pub store: S,
    pub config: Arc<ServerConfig>,
    pub calendars: Arc<Calendars>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub registry: Arc<Registry>,
    pub signer: Arc<crate::audit::LogSigner>,
    /// Failed public status lookups per client (µs of each), to make guessing query codes slow.
    pub failed_lookups: Arc<std::sync::Mutex<std::collections::HashMap<String, Vec<i64>>>>,
}

impl<S> AppState<S> {
    /// `calendars` are the ones the server starts with; the stored years are laid over them by
    /// [`crate::app::calendars::refresh`].
    pub fn new(store: S, config: ServerConfig, calendars: Calendars, signer: crate::audit::LogSigner) -> Self {
        let mut registry = Registry::default();
        let metrics = Metrics::register(&mut registry);
        Self {
            store,
            config: Arc::new(config),
            calendars: Arc::new(calendars),
            clock: Clock::system(),
            metrics: Arc::new(metrics),
            registry: Arc::new(registry),
            signer: Arc::new(signer),
            failed_lookups: Arc::default(),
        }
    }
}

impl<S> AppState<S> {
    /// The same state reading a fixed clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
    /// The calendar in force now.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendars.get()
    }
    /// Stamp a change with who makes it and when.
    pub fn by(&self, p: &Principal) -> By {
        By { at: self.clock.now_us(), user_id: Some(p.user.id), unit_id: Some(p.unit.id) }
    }
}

/// Microseconds since the epoch, for the command line (a server reads [`AppState::clock`]).
pub fn now_us() -> i64 {
    Clock::system().now_us()
}

/// Today's wall time in China Standard Time, for the command line.
pub fn china_now() -> PrimitiveDateTime {
    Clock::system().china()
}

/// A moment in µs as people read it: `YYYY-MM-DD HH:MM` in China Standard Time.
pub fn format_china(us: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH) + Duration::hours(8);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// A `YYYY-MM-DD` date in China Standard Time for a moment in µs.
pub fn china_date(us: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH) + Duration::hours(8);
    t.date().to_string()
}

/// A moment as people read it on a page: China Standard Time to the minute, `2026-11-20 09:05`.
pub fn format_local(us: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .map(|t| t.to_offset(time::macros::offset!(+8)))
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// A moment for the API: RFC 3339 in UTC.
pub fn format_time(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
