//! The official calendar: weekends, public holidays and make-up working days (调休上班).
//!
//! Calendars are data, one file a year (the State Council General Office notice), so a new
//! year is added by dropping a file in place. A date in a year that is not loaded is an error
//! naming that year, never a guess.

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
    #[error("no holiday calendar is loaded for {year} (loaded: {loaded}); add calendars/{year}.json from the State Council notice for {year}")]
    YearNotLoaded { year: i32, loaded: String },
    #[error("calendar for {year} is invalid: {message}")]
    Invalid { year: i32, message: String },
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
    let d = Date::parse(s, &fmt).map_err(|e| CalendarError::Invalid { year, message: format!("{s:?} is not a date YYYY-MM-DD: {e}") })?;
    if d.year() != year {
        return Err(CalendarError::Invalid { year, message: format!("{s} is not in {year}") });
    }
    Ok(d)
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl YearFile {
    pub fn from_json(text: &str) -> Result<Self, CalendarError> {
        serde_json::from_str(text).map_err(|e| CalendarError::Invalid { year: 0, message: e.to_string() })
    }
}

impl Calendar {
    pub fn new(policy: MakeUpDayPolicy) -> Self {
        Self { policy, years: BTreeMap::new() }
    }

    /// The calendars shipped with xiezhi (2025 and 2026).
    pub fn bundled(policy: MakeUpDayPolicy) -> Self {
        let mut cal = Self::new(policy);
        for text in BUNDLED {
            let file = YearFile::from_json(text).expect("bundled calendar parses");
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

    /// Load (or replace) one year. Refuses overlapping holidays and make-up days, dates outside
    /// the year, and make-up days that are not weekend days.
    pub fn add_year(&mut self, file: &YearFile) -> Result<(), CalendarError> {
        let year = file.year;
        if !(1949..=2200).contains(&year) {
            return Err(CalendarError::Invalid { year, message: "year out of range".into() });
        }
        let mut named = BTreeMap::new();
        for h in &file.holidays {
            for [from, to] in &h.days_off {
                let (from, to) = (parse_date(year, from)?, parse_date(year, to)?);
                if to < from {
                    return Err(CalendarError::Invalid { year, message: format!("{} range ends before it starts", h.name) });
                }
                let mut d = from;
                while d <= to {
                    named.insert(d, DayKind::Holiday { name: h.name.clone() });
                    d = d.next_day().expect("in range");
                }
            }
        }
        for h in &file.holidays {
            for w in &h.workdays {
                let d = parse_date(year, w)?;
                if !is_weekend(d) {
                    return Err(CalendarError::Invalid { year, message: format!("make-up working day {d} is not a weekend day") });
                }
                if named.insert(d, DayKind::MakeUpWorkday { name: h.name.clone() }).is_some() {
                    return Err(CalendarError::Invalid { year, message: format!("{d} is both a day off and a make-up working day") });
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
            d = d.next_day().ok_or(CalendarError::Invalid { year: d.year(), message: "date overflow".into() })?;
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
    fn a_year_not_loaded_is_named() {
        let cal = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
        let e = cal.is_rest_day(date!(2027 - 01 - 04)).unwrap_err();
        assert!(e.to_string().contains("2027"), "{e}");
        assert!(e.to_string().contains("2025, 2026"), "{e}");
    }

    #[test]
    fn bad_files_are_refused() {
        let mut cal = Calendar::default();
        let mut f = YearFile { year: 2026, source: "x".into(), holidays: vec![] };
        f.holidays.push(HolidayEntry { name: "x".into(), days_off: vec![], workdays: vec!["2026-01-05".into()] });
        assert!(cal.add_year(&f).unwrap_err().to_string().contains("not a weekend"));
        f.holidays[0].workdays = vec!["2025-01-04".into()];
        assert!(cal.add_year(&f).unwrap_err().to_string().contains("not in 2026"));
        assert!(YearFile::from_json("{\"year\": 2026}").is_err());
    }
}
