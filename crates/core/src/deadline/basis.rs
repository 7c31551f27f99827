//! Why a deadline falls where it does, one reason per line: structured, so each door says it in
//! its reader's language (the English wording is `Display`; the pages render Chinese too).

use crate::calendar::DayKind;
use crate::deadline::Start;
use crate::rules::Period;
use serde::{Serialize, Serializer};
use std::fmt;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The articles that set the period, the row of the rules document, and the period.
    Rule { articles: &'static str, row: &'static str, period: Period },
    /// D13: an hour period counts from the exact start time.
    ExactTime { counting: &'static str },
    /// D5 for an hour period: not extended for rest days.
    HoursBoundCustody { article: &'static str },
    /// D2: the start day is not counted.
    StartDayNotCounted { counting: &'static str },
    /// D3: months run to the same date of the target month.
    MonthsToSameDate,
    /// D3: months first, then half a month as this many days.
    MonthsThenDays(u32),
    /// Working days from the day after the start; whether make-up working days count (D7).
    WorkingDays { make_up_counts: bool },
    /// D5: the person is held, so the period ends on its date (`rest`: what that date is, when
    /// it is a rest day).
    HeldEndsOnDate { raw: Date, rest: Option<DayKind>, article: &'static str },
    /// D4: the period's end is a rest day, so it moves to the next working day.
    Rolled { from: Date, kind: DayKind, to: Start },
    /// D7: the end is a make-up working day, which counts as a working day.
    MakeUpWorkday { raw: Date, kind: DayKind },
    /// D5 read narrowly: a party's period moves off rest days even in custody.
    PartyRolls,
    /// A handling limit that is not a custody limit: rest days still move it.
    HandlingRolls,
    /// The year has no holiday calendar: weekends only, recomputed when it is loaded.
    Provisional { year: i32 },
}

/// A day's kind in English words.
pub fn describe_day(kind: &DayKind) -> String {
    match kind {
        DayKind::Workday => "a working day".into(),
        DayKind::Weekend => "a weekend day".into(),
        DayKind::Holiday { name } => format!("a public holiday ({name})"),
        DayKind::MakeUpWorkday { name } => format!("a make-up working day for {name}"),
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::Rule { articles, row, period } => write!(f, "{articles} [{row}]: {period}"),
            Basis::ExactTime { counting } => write!(f, "D13: counted from the exact start time, the conservative reading of {counting}"),
            Basis::HoursBoundCustody { article } => write!(f, "D5: a period bounding custody is not extended for rest days ({article} ¶4)"),
            Basis::StartDayNotCounted { counting } => write!(f, "D2: the start day is not counted ({counting})"),
            Basis::MonthsToSameDate => {
                write!(f, "D3: months run to the same date of the target month, a month-end start or a missing date to its last day (Crim Interp 202; Civil Code 202)")
            }
            Basis::MonthsThenDays(d) => write!(f, "D3: months first, then half a month as {d} days (Crim Interp 202)"),
            Basis::WorkingDays { make_up_counts: true } => write!(f, "working days counted from the day after the start; make-up working days count (D7)"),
            Basis::WorkingDays { make_up_counts: false } => {
                write!(f, "working days counted from the day after the start; make-up working days do not count (D7, rest-day policy)")
            }
            Basis::HeldEndsOnDate { raw, rest, article } => {
                let on_rest = rest.as_ref().map(|k| format!(" although {raw} is {}", describe_day(k))).unwrap_or_default();
                write!(f, "D5: the suspect or defendant is held (在押), so the period ends on its date{on_rest}; a custody period needs no holiday calendar ({article} ¶4, CPL 98)")
            }
            Basis::Rolled { from, kind, to } => write!(f, "D4: {from} is {}, so the period ends on the next working day {to}", describe_day(kind)),
            Basis::MakeUpWorkday { raw, kind } => write!(f, "D7: {raw} is {}, which counts as a working day", describe_day(kind)),
            Basis::PartyRolls => write!(f, "D5 read narrowly: a party's period moves off rest days even for a person in custody"),
            Basis::HandlingRolls => write!(f, "not a custody limit under D5 as applied here, so rest days still move it (D4)"),
            Basis::Provisional { year } => write!(
                f,
                "provisional: no holiday calendar is loaded for {year}, so Saturdays and Sundays were taken as its only rest days (no public holidays, no make-up working days); the date is recomputed when {year} is loaded"
            ),
        }
    }
}

/// Serialized as its English line, as the API has always given it.
impl Serialize for Basis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
