//! `TestApp`: the whole application on a fresh database with the demo province, driven
//! in-process through the router.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use xiezhi_core::{Calendar, MakeUpDayPolicy};
use xiezhi_server::state::{CalendarOrigin, Calendars, Clock};
use xiezhi_server::{app, AppState, ServerConfig};
use xiezhi_store::testing::{fresh_postgres, fresh_sqlite};
use xiezhi_store::SqlStore;

pub const PASSWORD: &str = xiezhi_server::demo::DEMO_PASSWORD;

pub struct TestApp {
    pub store: SqlStore,
    pub router: Router,
    pub state: AppState<SqlStore>,
    /// The server's clock: the system clock unless the test fixed it (`TestApp::at`).
    pub clock: Clock,
    _dir: Option<std::sync::Arc<tempfile::TempDir>>,
    /// How to open the same database again: the PostgreSQL URL (SQLite: the folder above).
    url: Option<String>,
}

/// The calendars a test server starts with: the shipped years up to 2026 only, so the tests
/// about a missing year read 2027 whatever years later builds ship.
pub fn test_calendars() -> Calendars {
    let cal = Calendar::bundled_until(MakeUpDayPolicy::WorkingDay, 2026);
    let origins = cal.loaded_years().into_iter().map(|y| (y, CalendarOrigin::Bundled)).collect();
    Calendars::new(cal, origins)
}

/// `YYYY-MM-DD HH:MM` in China Standard Time, as an instant.
pub fn beijing(at: &str) -> time::OffsetDateTime {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::PrimitiveDateTime::parse(at, &fmt).unwrap().assume_offset(time::macros::offset!(+8))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// An Excel workbook's text: its shared strings and its sheet names (what a reader sees).
    pub fn workbook_text(&self) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(self.body.clone())).expect("an xlsx is a zip");
        let mut text = String::new();
        for name in ["xl/sharedStrings.xml", "xl/workbook.xml"] {
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        }
        text
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap().to_string())
    }
    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    }
}

pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, ServerConfig { demo: true, ..Default::default() }).await
    }

    /// The demo province with the server's clock fixed at `at` (China Standard Time).
    pub async fn at(backend: Backend, at: &str) -> Self {
        Self::with(backend, ServerConfig { demo: true, ..Default::default() }, Clock::fixed(beijing(at))).await
    }

    pub async fn with_config(backend: Backend, config: ServerConfig) -> Self {
        Self::with(backend, config, Clock::system()).await
    }

    pub async fn with(backend: Backend, config: ServerConfig, clock: Clock) -> Self {
        let (store, dir, url) = match backend {
            Backend::Sqlite => {
                let (s, d) = fresh_sqlite().await;
                (s, Some(std::sync::Arc::new(d)), None)
            }
            Backend::Postgres => {
                let (s, url) = fresh_postgres().await;
                (s, None, Some(url))
            }
        };
        xiezhi_server::demo::seed(&store, 7, 1).await.expect("seed the demo province");
        let state = AppState::new(store.clone(), config, test_calendars(), xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap())
            .with_clock(clock.clone());
        xiezhi_server::app::calendars::refresh(&state).await.expect("stored calendars");
        Self { store, router: app(state.clone()), state, clock, _dir: dir, url }
    }

    /// A second server on the same database, as another process would be: its own store, its
    /// own memory of what it read, the same clock.
    pub async fn another_process(&self) -> Self {
        let store = match (&self.url, &self._dir) {
            (Some(url), _) => SqlStore::connect(url).await.expect("open the database again"),
            (None, Some(dir)) => SqlStore::open_data_dir(dir.path()).await.expect("open the database again"),
            (None, None) => unreachable!("a test database is a folder or a URL"),
        };
        let state =
            AppState::new(store.clone(), (*self.state.config).clone(), test_calendars(), xiezhi_server::audit::LogSigner::new("xiezhi-test", [7; 32]).unwrap())
                .with_clock(self.clock.clone());
        xiezhi_server::app::calendars::refresh(&state).await.expect("stored calendars");
        Self { store, router: app(state.clone()), state, clock: self.clock.clone(), _dir: self._dir.clone(), url: self.url.clone() }
    }

    /// Move the server's fixed clock to `at` (China Standard Time).
    pub fn set_time(&self, at: &str) {
        self.clock.set(beijing(at));
    }

    pub async fn call(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn api(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.call(req.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.api(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.api(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.api(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.api(Method::PATCH, path, Some(token), Some(body)).await
    }

    /// Sign in through the API and return a bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self.api(Method::POST, "/api/v1/auth/token", None, Some(serde_json::json!({"username": username, "password": PASSWORD, "name": "test"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["secret"].as_str().unwrap().to_string()
    }

    /// A page request with a cookie.
    pub async fn page(&self, method: Method, path: &str, cookie: Option<&str>, form: Option<&str>) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let req = match form {
            Some(f) => req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(f.to_string())),
            None => req.body(Body::empty()),
        };
        self.call(req.unwrap()).await
    }

    /// Sign in through the page; returns the session cookie (`name=value`).
    pub async fn browser_session(&self, username: &str) -> String {
        self.browser_session_with(username, PASSWORD).await
    }

    pub async fn browser_session_with(&self, username: &str, password: &str) -> String {
        let r = self.page(Method::POST, "/sign-in", None, Some(&format!("username={username}&password={password}&next=%2F"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        r.cookie("xiezhi_session").expect("session cookie")
    }

    pub async fn unit_id(&self, token: &str, region: &str, kind: &str) -> i64 {
        let r = self.get(&format!("/api/v1/units?region={region}&kind={kind}"), token).await;
        r.json()[0]["id"].as_i64().unwrap_or_else(|| panic!("no {kind} in {region}: {}", r.text()))
    }
}

/// Run each listed async test fn on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name($crate::common::TestApp::new($crate::common::Backend::Sqlite).await).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name($crate::common::TestApp::new($crate::common::Backend::Postgres).await).await; })*
        }
    };
}

/// The CSRF token on a rendered page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn urlenc(s: &str) -> String {
    xiezhi_server::pages::urlencode(s)
}
