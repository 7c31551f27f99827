//! Deadlines as pure functions of (rule, start, custody, calendar).

use crate::calendar::{Calendar, CalendarError, DayKind, MakeUpDayPolicy};
use crate::rules::{Counting, Lengths, Period, Rule};
use serde::{Serialize, Serializer};
use std::fmt;
use time::{Date, Duration, Month, PrimitiveDateTime};

mod basis;
pub use basis::{describe_day, Basis};

/// When the clock starts: a day, or a moment for periods counted in hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Start {
    Date(Date),
    DateTime(PrimitiveDateTime),
}

impl Start {
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`.
    pub fn parse(raw: &str) -> Result<Self, DeadlineError> {
        let d = time::macros::format_description!("[year]-[month]-[day]");
        let dt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let s = raw.trim();
        if let Ok(v) = PrimitiveDateTime::parse(s, &dt) {
            return Ok(Start::DateTime(v));
        }
        Date::parse(s, &d).map(Start::Date).map_err(|_| DeadlineError::BadStart(format!("start {raw:?} is not a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM")))
    }
    pub fn date(self) -> Date {
        match self {
            Start::Date(d) => d,
            Start::DateTime(t) => t.date(),
        }
    }
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Start::Date(d) => write!(f, "{d}"),
            Start::DateTime(t) => write!(f, "{}T{:02}:{:02}", t.date(), t.hour(), t.minute()),
        }
    }
}

impl Serialize for Start {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("{0}")]
    BadStart(String),
    #[error("{0}")]
    NotApplicable(String),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

#[derive(Debug, Clone, Copy)]
pub struct DeadlineRequest<'a> {
    pub rule: &'a Rule,
    pub start: Start,
    pub in_custody: bool,
    pub extended: bool,
}

/// A computed deadline and why it falls where it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub rule: &'static str,
    pub start: Start,
    /// A day (`YYYY-MM-DD`), or a moment (`YYYY-MM-DDTHH:MM`) for hour periods.
    pub due: Start,
    pub in_custody: bool,
    pub extended: bool,
    /// The date the period ran to before it was moved off a rest day.
    #[serde(serialize_with = "ser_opt_date")]
    pub rolled_from: Option<Date>,
    /// A year this date depends on has no holiday calendar loaded: it was counted with
    /// Saturdays and Sundays as the only rest days, and is recomputed when the year is loaded.
    pub provisional: bool,
    #[serde(skip)]
    pub period: Period,
    pub basis: Vec<Basis>,
}

impl Deadline {
    /// The basis in English, one line per reason.
    pub fn basis_lines(&self) -> Vec<String> {
        self.basis.iter().map(ToString::to_string).collect()
    }
}

fn ser_opt_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

fn last_day(year: i32, month: Month) -> u8 {
    time::util::days_in_month(month, year)
}

/// D3: a month runs to the same date of the target month; a start on the last day of its
/// month, or a date missing from the target month, ends on the target month's last day.
pub fn add_months(d: Date, n: u32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + n as i32;
    let (year, month) = (total.div_euclid(12), Month::try_from((total.rem_euclid(12) + 1) as u8).expect("1..=12"));
    let target_last = last_day(year, month);
    let day = if d.day() == last_day(d.year(), d.month()) { target_last } else { d.day().min(target_last) };
    Date::from_calendar_date(year, month, day).expect("clamped to the month")
}

fn pick_period(rule: &Rule, held: bool, extended: bool) -> Result<Period, DeadlineError> {
    let none = |what: &str| DeadlineError::NotApplicable(format!("{} has no extended period {what}", rule.id));
    match (rule.lengths, extended) {
        (Lengths::Uniform { normal, .. }, false) => Ok(normal),
        (Lengths::Uniform { extended: Some(p), .. }, true) => Ok(p),
        (Lengths::Uniform { extended: None, .. }, true) => Err(none("")),
        (Lengths::ByCustody { held: p, .. }, false) if held => Ok(p),
        (Lengths::ByCustody { free: p, .. }, false) => Ok(p),
        (Lengths::ByCustody { held_extended, .. }, true) if held => held_extended.ok_or_else(|| none("while the suspect is in custody")),
        (Lengths::ByCustody { free_extended, .. }, true) => free_extended.ok_or_else(|| none("")),
    }
}

/// The arithmetic of a deadline without its explanation: what case clocks call in bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub period: Period,
    /// Whether the person counts as held (always, for periods that bound custody by nature).
    pub in_custody: bool,
    /// The period ends on its date whatever the day (D5).
    pub custody_bound: bool,
    /// Where the period runs to before any move off a rest day.
    pub raw_due: Start,
    pub due: Start,
    pub rolled_from: Option<Date>,
    /// The first year the answer needed whose calendar is not loaded: the answer assumed
    /// weekends only there, so it is provisional.
    pub provisional: Option<i32>,
}

/// The longest run of consecutive days off in any State Council notice so far (Spring Festival
/// 2026: 15–23 February). A party's period that ends in a year not yet loaded could, on the
/// most generous reading, end after such a run.
pub const LONGEST_DAYS_OFF: i64 = 9;

/// Reads days off the calendar, noting the first year it had to assume.
struct Reader<'a> {
    cal: &'a Calendar,
    assumed: Option<i32>,
}

impl Reader<'_> {
    fn rest(&mut self, d: Date) -> bool {
        let r = self.cal.reading(d);
        if r.assumed && self.assumed.is_none() {
            self.assumed = Some(d.year());
        }
        r.rest
    }
    fn next_working_day(&mut self, d: Date) -> Date {
        let mut d = d;
        loop {
            d = d.next_day().expect("dates stay far from the end of time");
            if !self.rest(d) {
                return d;
            }
        }
    }
}

/// Resolve a deadline's dates. A period that bounds custody is pure date arithmetic and reads
/// no calendar (D5); any other period that needs a year not loaded is answered on the
/// weekends-only reading and marked provisional. Does not allocate.
pub fn resolve(req: DeadlineRequest<'_>, cal: &Calendar) -> Result<Resolved, DeadlineError> {
    let rule = req.rule;
    if req.in_custody && !rule.custody_applies() {
        return Err(DeadlineError::NotApplicable(format!("{} is not a criminal period; custody does not apply to it", rule.id)));
    }
    let held = rule.counting == Counting::Custody || req.in_custody;
    let custody_bound = held && matches!(rule.counting, Counting::Custody | Counting::CustodyIfHeld);
    let period = pick_period(rule, held, req.extended)?;
    let start_year = req.start.date().year();
    if !(MIN_YEAR..=MAX_YEAR).contains(&start_year) {
        return Err(DeadlineError::BadStart(format!("start year {start_year} is outside {MIN_YEAR}–{MAX_YEAR}")));
    }
    let mut days = Reader { cal, assumed: None };
    if let Period::Hours(h) = period {
        let Start::DateTime(t) = req.start else {
            return Err(DeadlineError::BadStart(format!("{} counts hours; give the start as YYYY-MM-DDTHH:MM", rule.id)));
        };
        let due = Start::DateTime(t + Duration::hours(i64::from(h)));
        return Ok(Resolved { period, in_custody: held, custody_bound, raw_due: due, due, rolled_from: None, provisional: None });
    }
    let start = req.start.date();
    let raw = match period {
        Period::Days(n) => start + Duration::days(i64::from(n)),
        Period::Months(m) => add_months(start, m),
        Period::MonthsAndDays(m, d) => add_months(start, m) + Duration::days(i64::from(d)),
        Period::WorkingDays(n) => {
            let mut d = start;
            for _ in 0..n {
                d = days.next_working_day(d);
            }
            d
        }
        Period::Hours(_) => unreachable!("handled above"),
    };
    let (due, rolled_from) = if !custody_bound && days.rest(raw) { (days.next_working_day(raw), Some(raw)) } else { (raw, None) };
    Ok(Resolved { period, in_custody: held, custody_bound, raw_due: Start::Date(raw), due: Start::Date(due), rolled_from, provisional: days.assumed })
}

/// Years a start may fall in: wide enough for any case, narrow enough that no arithmetic overflows.
pub const MIN_YEAR: i32 = 1949;
pub const MAX_YEAR: i32 = 2200;

/// The last day a party's act is in time on *any* reading of the calendar years not loaded:
/// the period's end could fall on the first of [`LONGEST_DAYS_OFF`] days off, followed by a
/// weekend. For a deadline that is not provisional, its due date.
pub fn latest_reading(r: &Resolved, cal: &Calendar) -> Date {
    let due = r.due.date();
    if r.provisional.is_none() || r.custody_bound {
        return due;
    }
    let mut days = Reader { cal, assumed: None };
    let mut d = r.raw_due.date() + Duration::days(LONGEST_DAYS_OFF);
    while days.rest(d) {
        d = d.next_day().expect("in range");
    }
    d.max(due)
}

/// Compute a deadline with the articles and counting rules that put it where it is.
pub fn compute(req: DeadlineRequest<'_>, cal: &Calendar) -> Result<Deadline, DeadlineError> {
    let r = resolve(req, cal)?;
    let rule = req.rule;
    let period = r.period;
    let mut basis = vec![Basis::Rule { articles: rule.basis, row: rule.row, period }];
    let article = rule.counting_basis.split(';').next().unwrap_or(rule.counting_basis);
    if let Period::Hours(_) = period {
        basis.push(Basis::ExactTime { counting: rule.counting_basis });
        basis.push(Basis::HoursBoundCustody { article });
    } else {
        basis.push(Basis::StartDayNotCounted { counting: rule.counting_basis });
        match period {
            Period::Months(_) => basis.push(Basis::MonthsToSameDate),
            Period::MonthsAndDays(_, d) => basis.push(Basis::MonthsThenDays(d)),
            Period::WorkingDays(_) => basis.push(Basis::WorkingDays { make_up_counts: cal.policy() == MakeUpDayPolicy::WorkingDay }),
            _ => {}
        }
        let raw = r.raw_due.date();
        let kind = cal.day_kind_or_weekday(raw);
        if r.custody_bound {
            basis.push(Basis::HeldEndsOnDate { raw, rest: cal.reading(raw).rest.then_some(kind), article });
        } else if let Some(from) = r.rolled_from {
            basis.push(Basis::Rolled { from, kind, to: r.due });
        } else if let DayKind::MakeUpWorkday { .. } = kind {
            basis.push(Basis::MakeUpWorkday { raw, kind });
        }
        if req.in_custody && rule.counting == Counting::Party {
            basis.push(Basis::PartyRolls);
        }
        if req.in_custody && rule.counting == Counting::Handling {
            basis.push(Basis::HandlingRolls);
        }
    }
    if let Some(year) = r.provisional {
        basis.push(Basis::Provisional { year });
    }
    Ok(Deadline {
        rule: rule.id,
        start: req.start,
        due: r.due,
        in_custody: r.in_custody,
        extended: req.extended,
        rolled_from: r.rolled_from,
        provisional: r.provisional.is_some(),
        period,
        basis,
    })
}

#[cfg(test)]
mod tests;
