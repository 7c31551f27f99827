//! Statutory deadlines and the holiday calendar's days, for every door (API, pages, CLI).

use crate::dto::{CalendarDay, CalendarYear};
use crate::error::AppError;
use xiezhi_core::calendar::DayKind;
use xiezhi_core::{Calendar, Deadline, DeadlineRequest, RuleId, Start};

/// The one entry point for a deadline, shared by the API, the page and the CLI.
pub fn compute_deadline(calendar: &Calendar, rule: &str, start: &str, in_custody: bool, extended: bool) -> Result<Deadline, AppError> {
    let rule = RuleId::parse(rule).map_err(|m| AppError::Rule { code: "unknown_rule", message: m })?.rule();
    let start = Start::parse(start).map_err(|e| AppError::field("start", e.to_string()))?;
    Ok(xiezhi_core::compute(DeadlineRequest { rule, start, in_custody, extended }, calendar)?)
}

/// A year of the calendar as the API and the CLI show it.
pub fn calendar_year(cal: &Calendar, year: i32) -> Result<CalendarYear, AppError> {
    let missing = |e: xiezhi_core::CalendarError| AppError::Rule { code: "calendar_year_missing", message: e.to_string() };
    let days = cal
        .special_days(year)
        .map_err(missing)?
        .into_iter()
        .map(|(date, kind, rest)| {
            let (kind, name) = match kind {
                DayKind::Weekend => ("weekend", None),
                DayKind::Holiday { name } => ("holiday", Some(name)),
                DayKind::MakeUpWorkday { name } => ("make_up_workday", Some(name)),
                DayKind::Workday => ("workday", None),
            };
            CalendarDay { date: date.to_string(), kind: kind.into(), name, rest }
        })
        .collect();
    let policy = serde_json::to_value(cal.policy()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    Ok(CalendarYear { year, source: cal.source(year).map_err(missing)?.to_string(), origin: String::new(), loaded_by: None, loaded_at: None, policy, days })
}
