//! The official calendar: weekends, public holidays and make-up working days (调休上班).
//!
//! Calendars are data, one year at a time (the State Council General Office notice), loaded by
//! the province's administrators. A year that is not loaded is never a silent guess: strict
//! questions ([`Calendar::is_rest_day`]) fail naming the year, and [`Calendar::reading`] answers
//! with the weekends-only assumption *and says so*, so a deadline can be marked provisional.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Month, Weekday};

/// How make-up working days (调休上班, a weekend day worked in exchange for a holiday) count.
///
/// Rule D7 of the procedure rules: no statute or interpretation says; the default reads them
/// as working days, so a period ending on one is not extended. The other reading, that every
/// Saturday and Sunday is a rest day, is kept as a named policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MakeUpDayPolicy {
    #[default]
    WorkingDay,
    RestDay,
}

/// One year's notice, as shipped in `calendars/YEAR.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    pub year: i32,
    /// Which official notice the data comes from.
    pub source: String,
    pub holidays: Vec<HolidayEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayEntry {
    pub name: String,
    /// Inclusive ranges of days off, `["YYYY-MM-DD", "YYYY-MM-DD"]`.
    pub days_off: Vec<[String; 2]>,
    /// Make-up working days that belong to this holiday.
    pub workdays: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("no holiday calendar is loaded for {year} (loaded: {loaded}); the province administrator loads the State Council notice for {year}")]
    YearNotLoaded { year: i32, loaded: String },
    #[error("calendar for {year} is invalid: {}{problem}", date.as_ref().map(|d| format!("{d}: ")).unwrap_or_default())]
    Invalid { year: i32, date: Option<String>, problem: CalendarProblem },
}

/// What is wrong with a calendar file, so each door can say it in its user's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarProblem {
    #[error("not valid calendar JSON: {0}")]
    NotJson(String),
    #[error("the year must be between 1949 and 2200")]
    YearOutOfRange,
    #[error("the file is for {found}, not {expected}")]
    WrongYear { expected: i32, found: i32 },
    #[error("the source (which notice the data comes from) is missing")]
    SourceMissing,
    #[error("a holiday has no name")]
    NameMissing,
    #[error("not a date YYYY-MM-DD")]
    NotADate,
    #[error("not in the calendar's year")]
    OutsideYear,
    #[error("the range ends before it starts")]
    RangeReversed,
    #[error("a day off of two holidays, or listed twice")]
    DayOffTwice,
    #[error("a make-up working day must be a Saturday or Sunday")]
    MakeUpNotWeekend,
    #[error("both a day off and a make-up working day")]
    BothOffAndWorking,
}

impl CalendarError {
    fn invalid(year: i32, date: impl Into<Option<String>>, problem: CalendarProblem) -> Self {
        CalendarError::Invalid { year, date: date.into(), problem }
    }
}

/// How a day reads: from a loaded year, or assumed (weekends only) for a year not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayReading {
    pub rest: bool,
    /// The year is not loaded: Saturdays and Sundays were taken as the only rest days.
    pub assumed: bool,
}

/// Why a day is a rest day or a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    Workday,
    Weekend,
    Holiday { name: String },
    MakeUpWorkday { name: String },
}

/// Bit per day of the year (ordinal 1..=366).
type YearBits = [u64; 6];

fn bit(bits: &YearBits, ordinal: u16) -> bool {
    bits[(ordinal / 64) as usize] & (1 << (ordinal % 64)) != 0
}
fn set(bits: &mut YearBits, ordinal: u16) {
    bits[(ordinal / 64) as usize] |= 1 << (ordinal % 64);
}

#[derive(Debug, Clone)]
struct LoadedYear {
    source: String,
    rest: YearBits,
    named: BTreeMap<Date, DayKind>,
}

/// The loaded years, with a rest-day bitmap per year built once at load.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    policy: MakeUpDayPolicy,
    years: BTreeMap<i32, LoadedYear>,
}

fn parse_date(year: i32, s: &str) -> Result<Date, CalendarError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = Date::parse(s, &fmt).map_err(|_| CalendarError::invalid(year, s.to_string(), CalendarProblem::NotADate))?;
    if d.year() != year {
        return Err(CalendarError::invalid(year, s.to_string(), CalendarProblem::OutsideYear));
    }
    Ok(d)
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl YearFile {
    pub fn from_json(text: &str) -> Result<Self, CalendarError> {
        serde_json::from_str(text).map_err(|e| CalendarError::invalid(0, None, CalendarProblem::NotJson(e.to_string())))
    }
}

impl Calendar {
    pub fn new(policy: MakeUpDayPolicy) -> Self {
        Self { policy, years: BTreeMap::new() }
    }

    /// The calendars shipped with xiezhi (2025 and 2026).
    pub fn bundled(policy: MakeUpDayPolicy) -> Self {
        Self::bundled_until(policy, i32::MAX)
    }

    /// The shipped calendars up to `last`: what tests use when they need the next year missing
    /// whatever years a later build ships.
    pub fn bundled_until(policy: MakeUpDayPolicy, last: i32) -> Self {
        let mut cal = Self::new(policy);
        for file in bundled_files().into_iter().filter(|f| f.year <= last) {
            cal.add_year(&file).expect("bundled calendar is valid");
        }
        cal
    }

    pub fn policy(&self) -> MakeUpDayPolicy {
        self.policy
    }

    pub fn loaded_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Load (or replace) one year. Refuses a missing source or holiday name, dates that do not
    /// exist or lie outside the year, reversed or overlapping ranges, make-up days that are not
    /// weekend days, and a day that is both off and worked; each refusal names the date.
    pub fn add_year(&mut self, file: &YearFile) -> Result<(), CalendarError> {
        let year = file.year;
        if !(1949..=2200).contains(&year) {
            return Err(CalendarError::invalid(year, None, CalendarProblem::YearOutOfRange));
        }
        if file.source.trim().is_empty() {
            return Err(CalendarError::invalid(year, None, CalendarProblem::SourceMissing));
        }
        let mut named = BTreeMap::new();
        for h in &file.holidays {
            if h.name.trim().is_empty() {
                return Err(CalendarError::invalid(year, None, CalendarProblem::NameMissing));
            }
            for [from, to] in &h.days_off {
                let (first, last) = (parse_date(year, from)?, parse_date(year, to)?);
                if last < first {
                    return Err(CalendarError::invalid(year, format!("{from}..{to}"), CalendarProblem::RangeReversed));
                }
                let mut d = first;
                while d <= last {
                    if named.insert(d, DayKind::Holiday { name: h.name.clone() }).is_some() {
                        return Err(CalendarError::invalid(year, d.to_string(), CalendarProblem::DayOffTwice));
                    }
                    d = d.next_day().expect("in range");
                }
            }
        }
        for h in &file.holidays {
            for w in &h.workdays {
                let d = parse_date(year, w)?;
                if !is_weekend(d) {
                    return Err(CalendarError::invalid(year, d.to_string(), CalendarProblem::MakeUpNotWeekend));
                }
                if named.insert(d, DayKind::MakeUpWorkday { name: h.name.clone() }).is_some() {
                    return Err(CalendarError::invalid(year, d.to_string(), CalendarProblem::BothOffAndWorking));
                }
            }
        }
        let mut rest = [0u64; 6];
        let mut d = Date::from_calendar_date(year, Month::January, 1).expect("valid");
        while d.year() == year {
            let is_rest = match named.get(&d) {
                Some(DayKind::Holiday { .. }) => true,
                Some(DayKind::MakeUpWorkday { .. }) => self.policy == MakeUpDayPolicy::RestDay,
                _ => is_weekend(d),
            };
            if is_rest {
                set(&mut rest, d.ordinal());
            }
            d = d.next_day().expect("in range");
        }
        self.years.insert(year, LoadedYear { source: file.source.clone(), rest, named });
        Ok(())
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `d` is a rest day, from its year's calendar; for a year not loaded, Saturdays and
    /// Sundays are taken as the only rest days and the answer says it was assumed.
    pub fn reading(&self, d: Date) -> DayReading {
        match self.years.get(&d.year()) {
            Some(y) => DayReading { rest: bit(&y.rest, d.ordinal()), assumed: false },
            None => DayReading { rest: is_weekend(d), assumed: true },
        }
    }

    /// The day's kind as far as it is known: for a year not loaded, only weekend or workday.
    pub fn day_kind_or_weekday(&self, d: Date) -> DayKind {
        self.day_kind(d).unwrap_or(if is_weekend(d) { DayKind::Weekend } else { DayKind::Workday })
    }

    fn year(&self, year: i32) -> Result<&LoadedYear, CalendarError> {
        self.years
            .get(&year)
            .ok_or_else(|| CalendarError::YearNotLoaded { year, loaded: self.loaded_years().iter().map(i32::to_string).collect::<Vec<_>>().join(", ") })
    }

    /// Fails with the year's name when that year is not loaded.
    pub fn require_year(&self, year: i32) -> Result<(), CalendarError> {
        self.year(year).map(|_| ())
    }

    pub fn is_rest_day(&self, d: Date) -> Result<bool, CalendarError> {
        Ok(bit(&self.year(d.year())?.rest, d.ordinal()))
    }

    pub fn day_kind(&self, d: Date) -> Result<DayKind, CalendarError> {
        let y = self.year(d.year())?;
        Ok(match y.named.get(&d) {
            Some(k) => k.clone(),
            None if is_weekend(d) => DayKind::Weekend,
            None => DayKind::Workday,
        })
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: Date) -> Result<Date, CalendarError> {
        let mut d = d;
        loop {
            d = d.next_day().ok_or(CalendarError::invalid(d.year(), d.to_string(), CalendarProblem::OutsideYear))?;
            if !self.is_rest_day(d)? {
                return Ok(d);
            }
        }
    }

    pub fn source(&self, year: i32) -> Result<&str, CalendarError> {
        Ok(&self.year(year)?.source)
    }

    /// Every rest day of a year, and every make-up working day, with why.
    pub fn special_days(&self, year: i32) -> Result<Vec<(Date, DayKind, bool)>, CalendarError> {
        let y = self.year(year)?;
        let mut out = Vec::new();
        let mut d = Date::from_calendar_date(year, Month::January, 1).expect("valid");
        while d.year() == year {
            let rest = bit(&y.rest, d.ordinal());
            let kind = self.day_kind(d)?;
            if rest || kind != DayKind::Workday {
                out.push((d, kind, rest));
            }
            d = d.next_day().expect("in range");
        }
        Ok(out)
    }
}

const BUNDLED: &[&str] = &[include_str!("../../../calendars/2025.json"), include_str!("../../../calendars/2026.json")];

/// The shipped years' files, as loaded.
pub fn bundled_files() -> Vec<YearFile> {
    BUNDLED.iter().map(|text| YearFile::from_json(text).expect("bundled calendar parses")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn national_day_2025_and_its_make_up_days() {
        let cal = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
        assert!(cal.is_rest_day(date!(2025 - 10 - 08)).unwrap());
        assert!(!cal.is_rest_day(date!(2025 - 09 - 28)).unwrap(), "Sunday 09-28 is a make-up working day");
        assert!(!cal.is_rest_day(date!(2025 - 10 - 11)).unwrap(), "Saturday 10-11 is a make-up working day");
        assert!(cal.is_rest_day(date!(2025 - 10 - 12)).unwrap(), "an ordinary Sunday");
        assert!(!cal.is_rest_day(date!(2025 - 10 - 09)).unwrap());
        let strict = Calendar::bundled(MakeUpDayPolicy::RestDay);
        assert!(strict.is_rest_day(date!(2025 - 09 - 28)).unwrap());
    }

    #[test]
    fn spring_festival_2026() {
        let cal = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
        for d in 15..=23 {
            assert!(cal.is_rest_day(Date::from_calendar_date(2026, Month::February, d).unwrap()).unwrap(), "02-{d}");
        }
        assert!(!cal.is_rest_day(date!(2026 - 02 - 14)).unwrap());
        assert!(!cal.is_rest_day(date!(2026 - 02 - 28)).unwrap());
        assert_eq!(cal.next_working_day(date!(2026 - 02 - 15)).unwrap(), date!(2026 - 02 - 24));
    }

    #[test]
    fn a_year_not_loaded_is_named_or_read_as_weekends_only() {
        // 2199 will never be loaded; the bundled years may grow.
        let cal = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
        let e = cal.is_rest_day(date!(2199 - 01 - 05)).unwrap_err();
        assert!(e.to_string().contains("2199"), "{e}");
        assert!(e.to_string().contains("2025, 2026"), "{e}");
        assert_eq!(cal.reading(date!(2199 - 01 - 05)), DayReading { rest: true, assumed: true }, "a Saturday");
        assert_eq!(cal.reading(date!(2199 - 01 - 07)), DayReading { rest: false, assumed: true }, "a Monday");
        assert_eq!(cal.reading(date!(2026 - 10 - 01)), DayReading { rest: true, assumed: false });
        assert_eq!(cal.day_kind_or_weekday(date!(2199 - 01 - 05)), DayKind::Weekend);
    }

    #[test]
    fn bad_files_are_refused_naming_the_date() {
        let refused = |json: &str| {
            let mut cal = Calendar::default();
            let e = YearFile::from_json(json).and_then(|f| cal.add_year(&f)).unwrap_err();
            assert!(cal.loaded_years().is_empty(), "nothing loaded after {e}");
            e
        };
        let file = |holidays: &str| format!(r#"{{"year": 2031, "source": "notice", "holidays": [{holidays}]}}"#);
        let cases: &[(&str, Option<&str>, CalendarProblem)] = &[
            (r#"{"name": "x", "days_off": [], "workdays": ["2031-01-06"]}"#, Some("2031-01-06"), CalendarProblem::MakeUpNotWeekend),
            (r#"{"name": "x", "days_off": [["2030-12-31", "2031-01-01"]], "workdays": []}"#, Some("2030-12-31"), CalendarProblem::OutsideYear),
            (r#"{"name": "x", "days_off": [["2031-02-30", "2031-03-01"]], "workdays": []}"#, Some("2031-02-30"), CalendarProblem::NotADate),
            (r#"{"name": "x", "days_off": [["2031-03-05", "2031-03-01"]], "workdays": []}"#, Some("2031-03-05..2031-03-01"), CalendarProblem::RangeReversed),
            (
                r#"{"name": "a", "days_off": [["2031-05-01", "2031-05-05"]], "workdays": []}, {"name": "b", "days_off": [["2031-05-04", "2031-05-06"]], "workdays": []}"#,
                Some("2031-05-04"),
                CalendarProblem::DayOffTwice,
            ),
            (
                r#"{"name": "x", "days_off": [["2031-05-03", "2031-05-04"]], "workdays": ["2031-05-04"]}"#,
                Some("2031-05-04"),
                CalendarProblem::BothOffAndWorking,
            ),
            (r#"{"name": " ", "days_off": [], "workdays": []}"#, None, CalendarProblem::NameMissing),
        ];
        for (holiday, date, problem) in cases {
            let e = refused(&file(holiday));
            assert_eq!(e, CalendarError::Invalid { year: 2031, date: date.map(str::to_string), problem: problem.clone() }, "{holiday}");
        }
        assert!(matches!(refused(r#"{"year": 2031}"#), CalendarError::Invalid { problem: CalendarProblem::NotJson(_), .. }));
        assert!(matches!(refused("not json"), CalendarError::Invalid { problem: CalendarProblem::NotJson(_), .. }));
        assert!(matches!(refused(r#"{"year": 2031, "source": "", "holidays": []}"#), CalendarError::Invalid { problem: CalendarProblem::SourceMissing, .. }));
        assert!(matches!(refused(r#"{"year": 3031, "source": "x", "holidays": []}"#), CalendarError::Invalid { problem: CalendarProblem::YearOutOfRange, .. }));
    }
}
