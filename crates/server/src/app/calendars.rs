//! Holiday calendars as the product manages them: a year is loaded (or replaced) by the
//! province's administrators through the page, the API or the command line; it is validated
//! whole before anything is stored; it is kept in the database (every server on one database
//! reads the same years) and recorded in the audit log; and every open clock it moves —
//! above all the provisional ones counted on the weekends-only reading — is recomputed at once,
//! each change recorded on its case.

use crate::error::AppError;
use crate::state::{AppState, CalendarOrigin};
use time::{Date, Month};
use xiezhi_core::case::{apply, Case, Event};
use xiezhi_core::{Action, Calendar, CalendarError, YearFile};
use xiezhi_store::{By, Principal, StoreError, StoredCalendar};

/// What loading a year did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub year: i32,
    /// The year was loaded before (from the database, a file or the binary) and is replaced.
    pub replaced: bool,
    /// Open cases whose earliest due date moved or stopped being provisional.
    pub recomputed: usize,
    pub leaves: Vec<i64>,
}

/// Load a year for a person: only the provincial committee's administrators may (a refusal is
/// recorded). `year` is the year the caller meant (the URL's), checked against the file.
pub async fn load_for<S: xiezhi_store::Store>(st: &AppState<S>, p: &Principal, year: Option<i32>, text: &str) -> Result<Loaded, AppError> {
    crate::auth::authorize(st, p, Action::LoadCalendar).await?;
    load(st, st.by(p), year, text).await
}

/// Validate, store, install and recompute. Nothing is stored unless the whole file is valid.
pub async fn load<S: xiezhi_store::Store>(st: &AppState<S>, by: By, year: Option<i32>, text: &str) -> Result<Loaded, AppError> {
    let file = parse(year, text, st.calendar().policy())?;
    let replaced = st.calendar().has_year(file.year);
    let body = serde_json::to_string_pretty(&file).map_err(|e| AppError::Internal(e.to_string()))?;
    let stored = StoredCalendar { year: file.year, body, source: file.source.clone(), loaded_by: by.user_id, loaded_at: by.at };
    let recorded = st.store.put_calendar(stored, by).await?;
    refresh(st).await?;
    let recomputed = recompute(st, Some(file.year), by).await?;
    tracing::info!(year = file.year, replaced, recomputed, "holiday calendar loaded");
    Ok(Loaded { year: file.year, replaced, recomputed, leaves: recorded.leaves })
}

/// A calendar file checked whole: JSON of the right shape, for the year meant, valid.
pub fn parse(year: Option<i32>, text: &str, policy: xiezhi_core::MakeUpDayPolicy) -> Result<YearFile, AppError> {
    let file = YearFile::from_json(text)?;
    if let Some(expected) = year {
        if file.year != expected {
            return Err(CalendarError::Invalid {
                year: expected,
                date: None,
                problem: xiezhi_core::calendar::CalendarProblem::WrongYear { expected, found: file.year },
            }
            .into());
        }
    }
    Calendar::new(policy).add_year(&file)?;
    Ok(file)
}

/// Lay the stored years over the ones the server started with. Returns the years whose
/// content or origin changed since the last call.
pub async fn refresh<S: xiezhi_store::Store>(st: &AppState<S>) -> Result<Vec<i32>, AppError> {
    let stored = st.store.calendars().await?;
    let mut files = Vec::with_capacity(stored.len());
    for c in stored {
        let file = YearFile::from_json(&c.body).map_err(|e| AppError::Internal(format!("stored calendar {}: {e}", c.year)))?;
        files.push((file, CalendarOrigin::Database { loaded_by: c.loaded_by, loaded_at: c.loaded_at }));
    }
    st.calendars.install(&files).map_err(|e| AppError::Internal(format!("stored calendar: {e}")))
}

/// Recompute open cases' earliest due dates under the calendar in force: those that are
/// provisional, and (with `year`) those due from that year to the end of the next January.
/// Only a case whose due date or provisional mark changes is written, with a `due_recomputed`
/// event; a case changed meanwhile is read again. Returns how many cases changed.
pub async fn recompute<S: xiezhi_store::Store>(st: &AppState<S>, year: Option<i32>, by: By) -> Result<usize, AppError> {
    // Without a year, an empty range: only the provisional ones.
    let (from, to) = match year {
        Some(y) => (format!("{y:04}-01-01"), format!("{:04}-01-31", y + 1)),
        None => ("9999-12-31".to_string(), "0000-01-01".to_string()),
    };
    let mut changed = 0;
    let mut after = 0;
    loop {
        let ids = st.store.cases_to_recompute(&from, &to, after, 500).await?;
        let Some(last) = ids.last() else { break };
        after = *last;
        for id in ids {
            for attempt in 0.. {
                match recompute_case(st, id, year, by).await {
                    Ok(moved) => {
                        changed += usize::from(moved);
                        break;
                    }
                    Err(AppError::Conflict(_)) if attempt < 5 => continue,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(changed)
}

async fn recompute_case<S: xiezhi_store::Store>(st: &AppState<S>, id: i64, year: Option<i32>, by: By) -> Result<bool, AppError> {
    let Some(r) = st.store.case(id).await? else { return Ok(false) };
    let c: Case = serde_json::from_str(&r.state).map_err(|e| AppError::Internal(format!("case {id} state: {e}")))?;
    let cal = st.calendar();
    let now = crate::app::cases::projection(&c, &[], &cal)?;
    if (&now.due_date, now.due_provisional) == (&r.due_date, r.due_provisional) {
        return Ok(false);
    }
    let day = |d: &Option<String>| d.as_deref().and_then(|s| Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok());
    let (before, after) = (day(&r.due_date), day(&now.due_date));
    let year = year.or(before.map(|d| d.year())).unwrap_or_else(|| after.map_or(0, |d| d.year()));
    let event = Event::DueRecomputed { year, before, before_provisional: r.due_provisional, after, after_provisional: now.due_provisional };
    let next = apply(Some(c), &event).ok_or_else(|| AppError::Internal("case vanished".into()))?;
    let mut write = crate::app::cases::projection(&next, &[event], &cal)?;
    write.units.clear();
    match st.store.update_case(id, r.version, write, by).await {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}

/// Keep this server's calendars in step with the database (another server may load a year)
/// and recompute what a newly seen year moves. Runs until the server stops.
pub async fn follow<S: xiezhi_store::Store>(st: AppState<S>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        match refresh(&st).await {
            Ok(years) => {
                for year in years {
                    if let Err(e) = recompute(&st, Some(year), By::system(st.clock.now_us())).await {
                        tracing::warn!(year, error = %e, "recomputing clocks for a calendar loaded elsewhere");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading stored calendars"),
        }
    }
}

/// Whether next year's calendar is missing while it is time to load it (from 1 October).
pub fn next_year_missing(cal: &Calendar, today: Date) -> Option<i32> {
    let next = today.year() + 1;
    (today.month() >= Month::October && !cal.has_year(next)).then_some(next)
}
