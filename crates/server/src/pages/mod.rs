//! Server-rendered pages (askama + htmx), in Chinese by default and English on request.

mod account;
mod audit;
mod calendars;
mod cases;
mod confirm;
mod disputes;
mod knowledge;
mod limits;
mod org;
mod statistics;
mod tickets;
mod tools;
mod work;

use crate::auth::{authenticate, Via};
use crate::error::AppError;
use crate::i18n::{Lang, Texts, LANG_COOKIE};
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use xiezhi_core::Role;
use xiezhi_store::{Principal, Store};

pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(account::home::<S>))
        .route("/sign-in", get(account::sign_in_page::<S>).post(account::sign_in_submit::<S>))
        .route("/sign-out", post(account::sign_out::<S>))
        .route("/tokens", get(account::tokens_page::<S>).post(account::create_token::<S>))
        .route("/tokens/{id}/revoke", post(account::revoke_token::<S>))
        .route("/security", get(account::security_page::<S>))
        .route("/directory", get(org::directory::<S>))
        .route("/directory/children", get(org::children::<S>))
        .route("/units", post(org::create_unit::<S>))
        .route("/units/import", post(org::import::<S>))
        .route("/units/{id}", get(org::unit_page::<S>))
        .route("/units/{id}/rename", post(org::rename_unit::<S>))
        .route("/units/{id}/status", post(org::unit_status::<S>))
        .route("/units/{id}/users", post(org::add_user::<S>))
        .route("/users/{id}", post(org::edit_user::<S>))
        .route("/users/{id}/status", post(org::user_status::<S>))
        .route("/users/{id}/password", post(org::user_password::<S>))
        .route("/admin-grants/{id}/decide", post(org::decide_grant::<S>))
        .route("/deadlines", get(tools::deadlines::<S>))
        .route("/calendars", get(calendars::page_get::<S>).post(calendars::load::<S>))
        .route("/limits", get(limits::page_get::<S>).post(limits::set::<S>))
        .route("/limits/risk-scale", post(limits::set_scale::<S>))
        .route("/audit", get(audit::audit_page::<S>))
        .route("/cases", get(cases::list::<S>).post(cases::register::<S>))
        .route("/cases/export.csv", get(cases::export::<S>))
        .route("/cases/export.xlsx", get(cases::export_xlsx::<S>))
        .route("/cases/{id}", get(cases::show::<S>))
        .route("/cases/{id}/commands", post(cases::command::<S>))
        .route("/cases/{id}/documents", post(cases::upload::<S>))
        .route("/cases/{id}/documents/{sha256}", get(cases::download::<S>))
        .route("/inbox", get(cases::inbox::<S>))
        .route("/work", get(work::page::<S>))
        .route("/work.xlsx", get(work::export::<S>))
        .route("/work/count", get(work::count::<S>))
        .route("/done", get(cases::done::<S>))
        .route("/supervision", get(cases::committee::<S>))
        .route("/supervision/charges", get(statistics::page::<S>))
        .route("/supervision/charges.xlsx", get(statistics::export::<S>))
        .route("/disputes", get(disputes::list::<S>).post(disputes::register::<S>))
        .route("/disputes/new", get(disputes::new_page::<S>))
        .route("/disputes/ledger", get(disputes::ledger::<S>))
        .route("/disputes/export.csv", get(disputes::export::<S>))
        .route("/disputes/ledger.xlsx", get(disputes::export_xlsx::<S>))
        .route("/disputes/{id}", get(disputes::show::<S>))
        .route("/mediators", get(disputes::roster::<S>).post(disputes::add_mediator::<S>))
        .route("/knowledge", get(knowledge::list::<S>).post(knowledge::add::<S>))
        .route("/knowledge/{id}/retire", post(knowledge::retire::<S>))
        .route("/knowledge/upkeep", get(knowledge::upkeep::<S>))
        .route("/knowledge/upkeep/{unit_id}/supervise", post(knowledge::supervise::<S>))
        .route("/mediators/{id}/disable", post(disputes::disable_mediator::<S>))
        .route("/disputes/{id}/commands", post(disputes::command::<S>))
        .route("/tickets", get(tickets::list::<S>).post(tickets::register::<S>))
        .route("/tickets/new", get(tickets::new_page::<S>))
        .route("/tickets/indicators.xlsx", get(tickets::indicators_xlsx::<S>))
        .route("/tickets/{id}", get(tickets::show::<S>))
        .route("/tickets/{id}/commands", post(tickets::command::<S>))
        .route("/track", get(tickets::track::<S>))
        .route("/lang/{code}", get(switch_lang))
        .route("/assets/{*file}", get(asset))
}

/// What every page shows around its content.
pub struct Chrome {
    pub t: &'static Texts,
    pub lang: Lang,
    pub lang_code: &'static str,
    pub other_lang: &'static str,
    pub path: String,
    pub user: Option<ChromeUser>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub demo: bool,
    /// From 1 October, to administrators and supervisors: next year's holiday calendar is not
    /// loaded yet, so deadlines in it are provisional.
    pub calendar_warning: Option<CalendarWarning>,
}

pub struct CalendarWarning {
    pub text: String,
    /// Where to load it, for those who may.
    pub load_href: Option<&'static str>,
}

pub struct ChromeUser {
    pub display_name: String,
    pub unit_name: String,
}

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
    /// Where the page fetches a count to show beside the label (after the page has loaded).
    pub count_from: Option<&'static str>,
}

impl Chrome {
    pub fn new<S>(lang: Lang, path: &str, p: Option<&Principal>, st: &AppState<S>) -> Self {
        let t = lang.texts();
        let calendar_warning = p.filter(|p| p.user.roles.contains(&Role::Admin) || (p.actor().supervises())).and_then(|p| {
            let year = crate::app::calendars::next_year_missing(&st.calendar(), st.clock.china().date())?;
            let may_load = p.actor().authorize(xiezhi_core::Action::LoadCalendar).is_ok();
            Some(CalendarWarning { text: lang.calendar_missing(year), load_href: may_load.then_some("/calendars") })
        });
        let mut nav = Vec::new();
        if let Some(p) = p {
            let mut item = |href: String, label| {
                let active = if href == "/" { path == "/" } else { path.starts_with(href.split('?').next().unwrap_or(&href)) };
                let count_from = (href == "/work").then_some("/work/count");
                nav.push(NavItem { href, label, active, count_from });
            };
            item("/".into(), t.nav_home);
            let acts = [xiezhi_core::Action::ActOnCases, xiezhi_core::Action::ActOnDisputes, xiezhi_core::Action::ActOnTickets];
            if acts.iter().any(|a| p.actor().authorize(*a).is_ok()) {
                item("/work".into(), lang.pick("待办", "My work"));
            }
            if p.actor().authorize(xiezhi_core::Action::ActOnCases).is_ok() {
                item("/inbox".into(), t.nav_inbox);
                item("/done".into(), lang.pick("已办", "Done"));
                item("/cases".into(), t.nav_cases);
            }
            if p.actor().supervises() {
                item("/supervision".into(), t.nav_supervision);
                item("/cases".into(), t.nav_cases);
            }
            let supervises = p.actor().supervises();
            let handles_disputes = p.actor().authorize(xiezhi_core::Action::ActOnDisputes).is_ok() && p.unit.kind != xiezhi_core::UnitKind::Procuratorate;
            if handles_disputes || supervises {
                item("/disputes".into(), lang.pick("矛盾纠纷", "Disputes"));
            }
            if handles_disputes && crate::app::disputes::keeps_a_roster(p.unit.kind) {
                item("/mediators".into(), lang.pick("调解员", "Mediators"));
            }
            if supervises || matches!(p.unit.kind, xiezhi_core::UnitKind::GovernanceCentre | xiezhi_core::UnitKind::JusticeBureau) {
                item("/disputes/ledger".into(), lang.pick("台账", "Ledger"));
            }
            if p.actor().authorize(xiezhi_core::Action::ActOnTickets).is_ok() || supervises {
                item("/tickets".into(), lang.pick("热线工单", "Hotline"));
                item("/knowledge".into(), lang.pick("知识库", "Knowledge"));
            }
            if p.actor().authorize(xiezhi_core::Action::ActOnTickets).is_ok()
                || supervises
                || (p.unit.kind == xiezhi_core::UnitKind::Committee && p.user.roles.contains(&Role::Admin))
            {
                item("/limits".into(), lang.pick("地方时限", "Local limits"));
            }
            item(format!("/units/{}", p.unit.id), t.nav_my_unit);
            item(format!("/directory?region={}", p.unit.region), t.nav_directory);
            item("/deadlines".into(), t.nav_deadlines);
            item("/calendars".into(), t.nav_calendars);
            item("/audit".into(), t.nav_audit);
            if p.user.roles.iter().any(|r| matches!(r, Role::Admin | Role::Auditor)) {
                item("/security".into(), t.nav_security);
            }
            item("/tokens".into(), t.nav_tokens);
        }
        Self {
            t,
            lang,
            lang_code: lang.code(),
            other_lang: match lang.other() {
                Lang::Zh => "zh",
                Lang::En => "en",
            },
            path: path.to_string(),
            user: p.map(|p| ChromeUser {
                display_name: p.user.display_name.clone(),
                unit_name: if lang == Lang::En { p.unit.name_en.clone() } else { p.unit.name.clone() },
            }),
            nav,
            csrf: p.map(|p| p.csrf_token.clone()).unwrap_or_default(),
            demo: st.config.demo,
            calendar_warning,
        }
    }
}

/// Render a template, or fail as an internal error.
pub fn render(t: &impl Template) -> Result<Html<String>, PageError> {
    t.render().map(Html).map_err(|e| PageError(AppError::Internal(format!("template: {e}"))))
}

/// An error shown as a page.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    code: String,
    message: String,
}

/// What went wrong on a page, kept on the response so [`errors_in_layout`] can show it inside
/// the page's layout, for the person and in the language of the request.
#[derive(Clone)]
struct Failure {
    code: String,
    field: Option<String>,
    message: String,
    /// The rule a refused command broke, with its article.
    rule: Option<String>,
}

/// A form's error in the reader's language: the field as the forms label it, and what is wrong
/// (a field's message in the reader's words, a refusal by its words).
pub(super) fn form_error(lang: Lang, e: &AppError) -> (String, String) {
    match e {
        AppError::Invalid { field, message } => {
            let field = field.clone().unwrap_or_default();
            (lang.field_label(&field).map(str::to_string).unwrap_or(field), lang.field_message(message))
        }
        AppError::Refused { code, .. } => (String::new(), lang.refusal(code).map(str::to_string).unwrap_or_else(|| e.public_message())),
        _ => (String::new(), e.public_message()),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self.0 {
            tracing::error!(%cause, "page failed");
        }
        let status = self.0.status();
        let field = match &self.0 {
            AppError::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let page = ErrorPage { status: status.as_u16(), code: self.0.code().to_string(), message: self.0.public_message() };
        let mut res = (status, Html(page.render().unwrap_or_else(|_| "error".into()))).into_response();
        let rule = match &self.0 {
            AppError::Refused { rule, .. } => Some(rule.clone()),
            _ => None,
        };
        // A field's message as the domain gave it, to be said in the reader's language.
        let message = match &self.0 {
            AppError::Invalid { message, .. } => message.clone(),
            other => other.public_message(),
        };
        res.extensions_mut().insert(Failure { code: self.0.code().to_string(), field, message, rule });
        res
    }
}

#[derive(Template)]
#[template(path = "failure.html")]
struct FailurePage {
    chrome: Chrome,
    status: u16,
    heading: &'static str,
    back: String,
    code: String,
    field: String,
    message: String,
    rule: String,
    /// A refusal's own words and rule, as the machine gave them.
    detail: String,
}

/// Every error a page gives is shown inside the layout — the navigation, the signed-in person,
/// their language — with a heading in that language: the handlers' own errors, and the ones
/// made below them (a query or form that cannot be read, an upload over the limit).
pub async fn errors_in_layout<S: Store>(axum::extract::State(st): axum::extract::State<AppState<S>>, req: Request, next: axum::middleware::Next) -> Response {
    let (uri, headers) = (req.uri().clone(), req.headers().clone());
    // Back to the page the person came from, when it was one of ours (the Referer's path).
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<Uri>().ok())
        .filter(|r| r.host().is_none() || r.host() == headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(|h| h.split(':').next().unwrap_or(h)))
        .and_then(|r| r.path_and_query().map(|p| p.to_string()));
    let back = same_origin_path(back);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || status == StatusCode::UNAUTHORIZED || uri.path().starts_with("/api/") {
        return res;
    }
    let failure = res.extensions().get::<Failure>().cloned();
    let is_html = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if failure.is_none() && is_html {
        return res; // a page that shows its own error in its layout (keeping what was typed)
    }
    let mut parts = {
        let mut b = axum::http::Request::builder().uri(uri.clone());
        if let Some(h) = b.headers_mut() {
            *h = headers;
        }
        b.body(()).expect("a request").into_parts().0
    };
    let lang = Lang::from_request_parts(&mut parts, &st).await.unwrap_or_default();
    let who = match authenticate(&parts, &st).await {
        Ok(Some((p, Via::Session))) => Some(p),
        _ => None,
    };
    let t = lang.texts();
    let heading = match status.as_u16() {
        403 => t.error_forbidden,
        404 => t.error_not_found,
        409 => t.error_conflict,
        413 => t.error_too_large,
        422 | 400 | 415 => t.error_invalid,
        429 => t.error_throttled,
        _ => t.error,
    };
    let (code, field, message, rule, detail) = match failure {
        // A refusal leads with what it means in the reader's language and the articles it
        // rests on; the machine's own words stay below, folded.
        Some(Failure { code, field, message, rule: Some(rule) }) => {
            let said = lang.refusal(&code).map(str::to_string).unwrap_or_else(|| message.clone());
            let basis = lang.rule_citation(&rule).unwrap_or_default();
            (code, field.unwrap_or_default(), said, basis, format!("{message} — {rule}"))
        }
        Some(f) => {
            let message = if f.field.is_some() { lang.field_message(&f.message) } else { f.message };
            (f.code, f.field.unwrap_or_default(), message, String::new(), String::new())
        }
        None if status == StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large".into(), String::new(), t.error_too_large.into(), String::new(), String::new()),
        None => ("bad_request".into(), String::new(), t.error_unreadable.into(), String::new(), String::new()),
    };
    let page =
        FailurePage { chrome: Chrome::new(lang, uri.path(), who.as_ref(), &st), status: status.as_u16(), heading, back, code, field, message, rule, detail };
    let mut out = (status, Html(page.render().unwrap_or_else(|_| "error".into()))).into_response();
    for (name, value) in res.headers() {
        if name == header::RETRY_AFTER {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}

pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return AppError::NotFound("route").into_response();
    }
    PageError(AppError::NotFound("page")).into_response()
}

fn sign_in_redirect(parts: &Parts) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    Redirect::to(&format!("/sign-in?next={}", urlencode(next))).into_response()
}

pub use crate::download::urlencode;

/// A signed-in person on a page; anyone else is sent to the sign-in page.
pub struct PageUser(pub Principal);

impl<S: Store> FromRequestParts<AppState<S>> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Response> {
        match authenticate(parts, state).await {
            Ok(Some((p, Via::Session))) => Ok(PageUser(p)),
            Ok(_) => Err(sign_in_redirect(parts)),
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// A form posted from a page by a signed-in person, carrying the session's CSRF token.
pub struct PageForm<T>(pub Principal, pub T);

impl<T: DeserializeOwned, S: Store> FromRequest<AppState<S>> for PageForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState<S>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let PageUser(p) = PageUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        #[derive(Deserialize)]
        struct Csrf {
            csrf: Option<String>,
        }
        let sent = serde_urlencoded::from_bytes::<Csrf>(&bytes).ok().and_then(|c| c.csrf).unwrap_or_default();
        if sent.is_empty() || sent != p.csrf_token {
            return Err(PageError(AppError::Csrf).into_response());
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| PageError(AppError::field("form", e.to_string())).into_response())?;
        Ok(PageForm(p, form))
    }
}

/// After a successful form: back to a page.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// A redirect target that stays on this site: one leading `/`, then no `/` or `\\` (which
/// browsers read as another host), no backslash anywhere and no control characters. Anything
/// else is the home page.
pub fn same_origin_path(target: Option<String>) -> String {
    target
        .filter(|t| {
            let rest = t.strip_prefix('/');
            rest.is_some_and(|r| !r.starts_with('/')) && !t.contains('\\') && !t.chars().any(|c| c.is_control())
        })
        .unwrap_or_else(|| "/".into())
}

/// Switch the language and return to the page the person was on.
async fn switch_lang(Path(code): Path<String>, Query(q): Query<Back>, jar: CookieJar) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let back = same_origin_path(q.back);
    let cookie =
        Cookie::build((LANG_COOKIE, if lang == Lang::En { "en" } else { "zh" })).path("/").same_site(SameSite::Lax).max_age(time::Duration::days(365)).build();
    (jar.add(cookie), see_other(&back)).into_response()
}

/// Front-end assets, compiled into the binary (pinned npm packages, with their licences).
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (include_bytes!("../../assets/app.css"), "text/css; charset=utf-8"),
        "vendor/htmx/htmx.min.js" => (include_bytes!("../../assets/vendor/htmx/htmx.min.js"), "text/javascript; charset=utf-8"),
        "vendor/htmx/LICENSE" => (include_bytes!("../../assets/vendor/htmx/LICENSE"), "text/plain; charset=utf-8"),
        _ => return PageError(AppError::NotFound("asset")).into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn redirects_stay_on_this_site() {
        for ok in ["/", "/cases/7", "/cases?stage=trial&within=3", "/units/1#members"] {
            assert_eq!(same_origin_path(Some(ok.into())), ok);
        }
        for bad in ["//evil.example/", "/\\evil.example/", "\\\\evil.example", "https://evil.example/", "evil", "/x\r\nSet-Cookie: a=b", "/\tx", ""] {
            assert_eq!(same_origin_path(Some(bad.into())), "/", "{bad:?}");
        }
        assert_eq!(same_origin_path(None), "/");
    }
}
