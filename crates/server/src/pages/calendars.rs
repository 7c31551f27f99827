//! The holiday calendars page: the loaded years with where each came from, and — for the
//! provincial committee's administrators — the form that loads a year.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::calendars;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_china, AppState, CalendarOrigin};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use xiezhi_core::Action;
use xiezhi_store::{Principal, Store};

pub struct YearRow {
    year: i32,
    source: String,
    origin: &'static str,
    loaded_by: String,
    loaded_at: String,
}

#[derive(Template)]
#[template(path = "calendars.html")]
struct CalendarsPage {
    chrome: Chrome,
    years: Vec<YearRow>,
    may_load: bool,
    notice: Option<String>,
    error: Option<String>,
    year: String,
    body: String,
}

#[derive(Deserialize)]
pub struct Shown {
    loaded: Option<i32>,
    recomputed: Option<usize>,
}

async fn years<S: Store>(st: &AppState<S>, lang: Lang) -> Vec<YearRow> {
    let cal = st.calendar();
    let origins = st.calendars.origins();
    let mut out = Vec::new();
    for year in cal.loaded_years().into_iter().rev() {
        let (origin, loaded_by, loaded_at) = match origins.get(&year) {
            Some(CalendarOrigin::Database { loaded_by, loaded_at }) => {
                let who = match loaded_by {
                    Some(id) => st.store.user(*id).await.map(|u| format!("{} ({})", u.display_name, u.username)).unwrap_or_else(|_| format!("#{id}")),
                    None => lang.pick("命令行", "Command line").to_string(),
                };
                ("database", who, format_china(*loaded_at))
            }
            Some(CalendarOrigin::File) => ("file", String::new(), String::new()),
            _ => ("bundled", String::new(), String::new()),
        };
        out.push(YearRow { year, source: cal.source(year).unwrap_or_default().to_string(), origin: lang.calendar_origin(origin), loaded_by, loaded_at });
    }
    out
}

async fn page<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    p: &Principal,
    notice: Option<String>,
    error: Option<String>,
    year: String,
    body: String,
) -> Result<Html<String>, PageError> {
    render(&CalendarsPage {
        years: years(st, lang).await,
        may_load: p.actor().authorize(Action::LoadCalendar).is_ok(),
        notice,
        error,
        year,
        body,
        chrome: Chrome::new(lang, "/calendars", Some(p), st),
    })
}

pub async fn page_get<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<Shown>) -> Result<Html<String>, PageError> {
    let notice = q.loaded.map(|y| lang.calendar_loaded(y, q.recomputed.unwrap_or(0)));
    let next = (st.clock.china().date().year() + 1).to_string();
    page(&st, lang, &p, notice, None, next, String::new()).await
}

#[derive(Deserialize)]
pub struct LoadForm {
    year: String,
    body: String,
}

/// Load a year from the form; a bad file comes back on the same page, in the person's language,
/// with what they typed.
pub async fn load<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, f): PageForm<LoadForm>) -> Result<Response, PageError> {
    let year = f.year.trim().parse::<i32>().ok();
    let result = match year {
        Some(y) => calendars::load_for(&st, &p, Some(y), &f.body).await,
        None => Err(AppError::field("year", "must be a year such as 2027")),
    };
    match result {
        Ok(done) => Ok(see_other(&format!("/calendars?loaded={}&recomputed={}", done.year, done.recomputed))),
        Err(AppError::Calendar(e)) => {
            let message = lang.calendar_error(&e);
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(&st, lang, &p, None, Some(message), f.year, f.body).await?).into_response())
        }
        Err(AppError::Invalid { message, .. }) => {
            let message = if lang == Lang::En { format!("year: {message}") } else { format!("年份有误：须为年份，如 2027（{message}）") };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(&st, lang, &p, None, Some(message), f.year, f.body).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
