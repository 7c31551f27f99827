//! Holiday calendars: which years are loaded, one year's days, and loading a year.

use crate::app::calendars;
use crate::app::deadlines::calendar_year;
use crate::auth::Signed;
use crate::dto::{CalendarLoaded, CalendarSummary, CalendarYear};
use crate::error::{ApiResult, AppError};
use crate::state::{format_time, AppState, CalendarOrigin};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use xiezhi_store::Store;

fn origin_fields(o: Option<&CalendarOrigin>) -> (String, Option<i64>, Option<String>) {
    match o {
        Some(CalendarOrigin::Database { loaded_by, loaded_at }) => ("database".into(), *loaded_by, Some(format_time(*loaded_at))),
        Some(CalendarOrigin::File) => ("file".into(), None, None),
        _ => ("bundled".into(), None, None),
    }
}

fn year_of(raw: &str) -> Result<i32, AppError> {
    raw.parse().ok().filter(|y| (1949..=2200).contains(y)).ok_or_else(|| AppError::field("year", format!("{raw:?} is not a year from 1949 to 2200")))
}

/// The loaded years, oldest first, with where each came from.
#[utoipa::path(get, path = "/api/v1/calendars", responses((status = 200, body = [CalendarSummary])), tag = "deadlines")]
pub async fn list<S: Store>(State(st): State<AppState<S>>) -> ApiResult<Json<Vec<CalendarSummary>>> {
    let cal = st.calendar();
    let origins = st.calendars.origins();
    let out = cal
        .loaded_years()
        .into_iter()
        .map(|year| {
            let (origin, loaded_by, loaded_at) = origin_fields(origins.get(&year));
            CalendarSummary { year, source: cal.source(year).unwrap_or_default().to_string(), origin, loaded_by, loaded_at }
        })
        .collect();
    Ok(Json(out))
}

/// One year's rest days and make-up working days, as loaded, and who loaded it.
#[utoipa::path(get, path = "/api/v1/calendars/{year}", params(("year" = i32, Path)), responses((status = 200, body = CalendarYear), (status = 422, body = crate::error::Problem)), tag = "deadlines")]
pub async fn get_year<S: Store>(State(st): State<AppState<S>>, Path(year): Path<String>) -> ApiResult<Json<CalendarYear>> {
    let year = year_of(&year)?;
    let mut out = calendar_year(&st.calendar(), year)?;
    (out.origin, out.loaded_by, out.loaded_at) = origin_fields(st.calendars.origins().get(&year));
    Ok(Json(out))
}

/// Load or replace a year: the same JSON as `calendars/2026.json` (the State Council notice).
/// Only the provincial committee's administrators may. The whole file is checked first — the
/// year, dates inside it, ranges, make-up days on weekends, no day both off and worked, names —
/// and a bad file is 422 naming the date and the problem, changing nothing. Open clocks the
/// year moves, provisional ones above all, are recomputed at once.
#[utoipa::path(put, path = "/api/v1/calendars/{year}", params(("year" = i32, Path)), request_body(content = Object, content_type = "application/json"), responses((status = 200, body = CalendarLoaded), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "deadlines")]
pub async fn put_year<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, Path(year): Path<String>, body: Bytes) -> ApiResult<Json<CalendarLoaded>> {
    let year = year_of(&year)?;
    let text = std::str::from_utf8(&body).map_err(|_| AppError::field("body", "must be UTF-8 JSON"))?;
    let loaded = calendars::load_for(&st, &p, Some(year), text).await?;
    Ok(Json(CalendarLoaded { year: loaded.year, replaced: loaded.replaced, recomputed: loaded.recomputed, audit_leaves: loaded.leaves }))
}
