use super::*;
use crate::calendar::MakeUpDayPolicy;
use crate::rules::{RuleId, RULES};
use proptest::prelude::*;
use time::macros::date;

/// 2025 and 2026 only: the tests about a missing year read 2027, whatever years later builds ship.
fn cal() -> Calendar {
    Calendar::bundled_until(MakeUpDayPolicy::WorkingDay, 2026)
}

fn due_with(cal: &Calendar, rule: &str, start: &str, in_custody: bool, extended: bool) -> Result<Deadline, DeadlineError> {
    let rule = RuleId::parse(rule).unwrap().rule();
    compute(DeadlineRequest { rule, start: Start::parse(start).unwrap(), in_custody, extended }, cal)
}

/// (rule, start, in custody, extended, due, rolled from)
type Example = (&'static str, &'static str, bool, bool, &'static str, Option<&'static str>);

const EXAMPLES: &[Example] = &[
    // National Day 2025: 10-01..10-08 off; Sun 09-28 and Sat 10-11 worked.
    ("criminal.arrest_approval", "2025-09-16", false, false, "2025-10-09", Some("2025-10-01")),
    ("criminal.arrest_approval", "2025-09-24", true, false, "2025-10-01", None),
    ("criminal.arrest_approval", "2025-09-13", false, true, "2025-10-09", Some("2025-10-03")),
    ("criminal.arrest_request", "2025-09-28", false, false, "2025-10-01", None),
    ("criminal.arrest_request", "2025-09-28", false, true, "2025-10-05", None),
    ("criminal.prosecution_review", "2025-09-01", false, false, "2025-10-09", Some("2025-10-01")),
    ("criminal.prosecution_review", "2025-09-01", true, false, "2025-10-01", None),
    ("criminal.prosecution_review", "2025-08-20", false, true, "2025-10-09", Some("2025-10-05")),
    ("criminal.prosecution_review", "2025-08-20", true, true, "2025-10-05", None),
    ("civil.filing_review", "2025-09-21", false, false, "2025-09-28", None),
    ("hotline.12309_reply", "2025-10-04", false, false, "2025-10-11", None),
    ("hotline.12345", "2025-09-26", false, false, "2025-10-10", None),
    // D5 as CPL 105 ¶4 reads: while the suspect is held, supplementary investigation ends on its date.
    ("criminal.supplementary_investigation", "2025-09-01", true, false, "2025-10-01", None),
    ("criminal.supplementary_investigation", "2025-09-01", false, false, "2025-10-09", Some("2025-10-01")),
    // New Year 2026: 01-01..01-03 off, Sun 01-04 worked.
    ("civil.appeal_judgment", "2025-12-17", false, false, "2026-01-04", Some("2026-01-01")),
    ("criminal.appeal_judgment", "2025-12-22", true, false, "2026-01-04", Some("2026-01-01")),
    ("criminal.appeal_ruling", "2025-12-29", false, false, "2026-01-04", Some("2026-01-03")),
    ("criminal.fast_track_trial", "2025-12-23", false, true, "2026-01-07", None),
    ("criminal.plea_review", "2025-12-22", true, false, "2026-01-01", None),
    // Spring Festival 2026: 02-15..02-23 off, Sat 02-14 and Sat 02-28 worked.
    ("criminal.first_instance", "2025-12-15", false, false, "2026-02-24", Some("2026-02-15")),
    ("criminal.first_instance", "2025-12-15", true, false, "2026-02-15", None),
    ("criminal.first_instance", "2025-11-15", false, true, "2026-02-24", Some("2026-02-15")),
    ("civil.small_claims", "2025-12-20", false, false, "2026-02-24", Some("2026-02-20")),
    ("hotline.12345", "2026-02-12", false, false, "2026-02-26", None),
    ("legal_aid.decision", "2026-02-07", false, false, "2026-02-14", None),
    ("criminal.summary_trial", "2026-01-10", false, true, "2026-02-25", None),
    ("criminal.court_acceptance", "2026-02-09", false, false, "2026-02-24", Some("2026-02-16")),
    // Month ends (D3).
    ("criminal.investigation_custody", "2025-12-31", true, false, "2026-02-28", None),
    ("criminal.investigation_extension", "2026-01-30", true, false, "2026-02-28", None),
    ("criminal.investigation_extension", "2026-02-28", true, false, "2026-03-31", None),
    ("criminal.investigation_extension_major", "2026-03-31", true, false, "2026-05-31", None),
    ("civil.simple_procedure", "2025-11-30", false, false, "2026-02-28", None),
    ("civil.ordinary_first_instance", "2025-08-31", false, false, "2026-02-28", None),
    ("civil.ordinary_first_instance", "2025-08-29", false, false, "2026-02-28", None),
    ("civil.ordinary_first_instance", "2025-09-01", false, false, "2026-03-02", Some("2026-03-01")),
    ("admin.first_instance", "2025-11-30", false, false, "2026-06-01", Some("2026-05-31")),
    ("civil.second_instance_judgment", "2026-05-31", false, false, "2026-08-31", None),
    ("criminal.second_instance", "2025-12-29", true, true, "2026-04-29", None),
    // Mid-autumn and National Day 2026.
    ("criminal.fast_track_trial", "2026-09-15", true, false, "2026-09-25", None),
    ("criminal.fast_track_trial", "2026-09-15", false, false, "2026-09-28", Some("2026-09-25")),
    ("mediation.pre_litigation", "2026-09-01", false, false, "2026-10-08", Some("2026-10-01")),
    ("legal_aid.decision", "2026-09-13", false, false, "2026-09-20", None),
    ("civil.judicial_confirmation_application", "2026-09-10", false, false, "2026-10-10", None),
    ("civil.judicial_confirmation_application", "2026-09-05", false, false, "2026-10-08", Some("2026-10-05")),
    ("civil.judicial_confirmation_decision", "2026-09-12", false, true, "2026-10-08", Some("2026-10-07")),
];

#[test]
fn worked_examples() {
    let cal = cal();
    for (rule, start, held, ext, due, rolled) in EXAMPLES {
        let d = due_with(&cal, rule, start, *held, *ext).unwrap_or_else(|e| panic!("{rule} {start}: {e}"));
        assert_eq!(d.due.to_string(), *due, "{rule} from {start} custody={held} extended={ext}: {:#?}", d.basis);
        assert_eq!(d.rolled_from.map(|d| d.to_string()).as_deref(), *rolled, "{rule} from {start}: rolled_from");
    }
}

#[test]
fn make_up_day_policy_can_be_switched() {
    let strict = Calendar::bundled(MakeUpDayPolicy::RestDay);
    let cases = [
        ("civil.filing_review", "2025-09-21", "2025-09-29"),
        ("civil.appeal_judgment", "2025-12-17", "2026-01-05"),
        ("civil.simple_procedure", "2025-11-30", "2026-03-02"),
        ("hotline.12345", "2025-09-26", "2025-10-13"),
    ];
    for (rule, start, due) in cases {
        assert_eq!(due_with(&strict, rule, start, false, false).unwrap().due.to_string(), due, "{rule} {start}");
    }
}

#[test]
fn hour_periods_count_from_the_exact_time_and_never_move() {
    let d = due_with(&cal(), "criminal.summons", "2026-02-16T21:30", false, true).unwrap();
    assert_eq!(d.due.to_string(), "2026-02-17T21:30");
    assert!(d.in_custody);
    assert_eq!(due_with(&cal(), "criminal.interrogation", "2025-12-31T23:05", false, false).unwrap().due.to_string(), "2026-01-01T23:05");
    let e = due_with(&cal(), "criminal.interrogation", "2026-02-16", false, false).unwrap_err();
    assert!(e.to_string().contains("YYYY-MM-DDTHH:MM"), "{e}");
}

#[test]
fn explicit_errors() {
    let e = due_with(&cal(), "criminal.prosecution_review", "2201-01-01", false, false).unwrap_err();
    assert!(e.to_string().contains("2201"), "{e}");
    let e = due_with(&cal(), "criminal.arrest_approval", "2026-03-02", true, true).unwrap_err();
    assert!(e.to_string().contains("in custody"), "{e}");
    let e = due_with(&cal(), "civil.small_claims", "2026-03-02", true, false).unwrap_err();
    assert!(e.to_string().contains("custody does not apply"), "{e}");
    let e = due_with(&cal(), "criminal.appeal_judgment", "2026-03-02", false, true).unwrap_err();
    assert!(e.to_string().contains("no extended period"), "{e}");
    assert!(Start::parse("2026-02-30").is_err());
    assert!(Start::parse("26-02-03").is_err());
}

#[test]
fn custody_periods_need_no_calendar_in_any_year() {
    // Arrest approved 2026-11-29: two months of investigation custody end 2027-01-29, with no 2027 calendar.
    let d = due_with(&cal(), "criminal.investigation_custody", "2026-11-29", true, false).unwrap();
    assert_eq!((d.due.to_string(), d.provisional, d.rolled_from), ("2027-01-29".into(), false, None));
    assert!(d.basis_lines().join(" ").contains("needs no holiday calendar"), "{:?}", d.basis);
    // 2199-01-05 is a Saturday: a custody period ends on it all the same.
    let d = due_with(&cal(), "criminal.arrest_request", "2199-01-02", true, false).unwrap();
    assert_eq!((d.due.to_string(), d.provisional), ("2199-01-05".into(), false));
    // D5 read as CPL 105 ¶4 says: while the person is held, supplementary investigation and
    // court acceptance end on their dates too (2027-01-16 is a Saturday).
    for (rule, start, due) in [("criminal.supplementary_investigation", "2026-12-16", "2027-01-16"), ("criminal.court_acceptance", "2027-01-09", "2027-01-16")]
    {
        let held = due_with(&cal(), rule, start, true, false).unwrap();
        assert_eq!((held.due.to_string(), held.provisional), (due.into(), false), "{rule}");
        let free = due_with(&cal(), rule, start, false, false).unwrap();
        assert_eq!((free.due.to_string(), free.provisional), ("2027-01-18".into(), true), "{rule} without custody rolls, provisionally");
    }
}

#[test]
fn a_missing_year_gives_a_provisional_date_that_says_what_it_assumed() {
    // Not in custody, review into 2027: weekends only. 2027-01-15 + … : one month from 2026-12-15.
    let d = due_with(&cal(), "criminal.prosecution_review", "2026-12-15", false, false).unwrap();
    assert_eq!((d.due.to_string(), d.provisional), ("2027-01-15".into(), true));
    let text = d.basis_lines().join(" | ");
    assert!(text.contains("provisional") && text.contains("2027") && text.contains("Saturdays and Sundays"), "{text}");
    assert_eq!(serde_json::to_value(&d).unwrap()["provisional"], true);
    // A party's period from judgment day 2026-12-24: ten days to Sunday 2027-01-03, Monday on the weekends-only reading.
    let rule = RuleId::parse("criminal.appeal_judgment").unwrap().rule();
    let r = resolve(DeadlineRequest { rule, start: Start::parse("2026-12-24").unwrap(), in_custody: true, extended: false }, &cal()).unwrap();
    assert_eq!((r.due.date(), r.provisional), (date!(2027 - 01 - 04), Some(2027)));
    // On the most generous reading the end falls on the first of nine days off: 2027-01-12 (a Tuesday).
    assert_eq!(crate::deadline::latest_reading(&r, &cal()), date!(2027 - 01 - 12));
    // With the year loaded, the same question is settled and nothing is provisional.
    let loaded = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
    let d = due_with(&loaded, "criminal.prosecution_review", "2026-03-02", false, false).unwrap();
    assert!(!d.provisional);
    let r = resolve(DeadlineRequest { rule, start: Start::parse("2026-03-02").unwrap(), in_custody: false, extended: false }, &loaded).unwrap();
    assert_eq!(crate::deadline::latest_reading(&r, &loaded), r.due.date());
}

#[test]
fn basis_names_the_articles_and_the_rules_applied() {
    let d = due_with(&cal(), "criminal.prosecution_review", "2025-09-01", false, false).unwrap();
    let text = d.basis_lines().join(" | ");
    assert!(text.contains("CPL 172"), "{text}");
    assert!(text.contains("D2") && text.contains("D3") && text.contains("D4"), "{text}");
    assert!(text.contains("国庆节"), "{text}");
    let held = due_with(&cal(), "criminal.prosecution_review", "2025-09-01", true, false).unwrap();
    assert!(held.basis_lines().join(" ").contains("D5"), "{:?}", held.basis);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["due"], "2025-10-09");
    assert_eq!(json["rolled_from"], "2025-10-01");
    assert_eq!(json["start"], "2025-09-01");
}

#[test]
fn sprc_month_examples() {
    assert_eq!(add_months(date!(2014 - 05 - 28), 3), date!(2014 - 08 - 28));
    assert_eq!(add_months(date!(2025 - 12 - 31), 2), date!(2026 - 02 - 28));
    assert_eq!(add_months(date!(2026 - 01 - 30), 1), date!(2026 - 02 - 28));
    assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
    assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
    assert_eq!(add_months(date!(2025 - 02 - 28), 1), date!(2025 - 03 - 31));
    assert_eq!(add_months(date!(2025 - 11 - 15), 2), date!(2026 - 01 - 15));
}

fn any_date() -> impl Strategy<Value = Date> {
    (0i64..(365 + 365 + 120)).prop_map(|n| date!(2025 - 01 - 01) + Duration::days(n))
}

fn day_rules() -> impl Strategy<Value = &'static Rule> {
    prop::sample::select(RULES.iter().filter(|r| !matches!(r.lengths, Lengths::Uniform { normal: Period::Hours(_), .. })).collect::<Vec<_>>())
}

proptest! {
    #[test]
    fn non_custody_due_dates_are_working_days(rule in day_rules(), start in any_date(), ext in any::<bool>()) {
        let cal = cal();
        if let Ok(d) = compute(DeadlineRequest { rule, start: Start::Date(start), in_custody: false, extended: ext }, &cal) {
            let Start::Date(due) = d.due else { unreachable!() };
            prop_assert!(d.in_custody || !cal.reading(due).rest, "{} {} -> {}", rule.id, start, due);
            // Provisional exactly when a day it had to read lies in a year not loaded.
            let custody_bound = rule.counting == Counting::Custody;
            prop_assert_eq!(d.provisional, !custody_bound && !cal.has_year(due.year()), "{} {} -> {}", rule.id, start, due);
            prop_assert!(due > start);
        }
    }

    #[test]
    fn custody_due_dates_never_move(rule in day_rules(), start in any_date(), ext in any::<bool>()) {
        let cal = cal();
        let custody = rule.custody_applies();
        if let Ok(d) = compute(DeadlineRequest { rule, start: Start::Date(start), in_custody: custody, extended: ext }, &cal) {
            if d.in_custody && !matches!(rule.counting, Counting::Party | Counting::Handling) {
                prop_assert_eq!(d.rolled_from, None);
            }
            prop_assert!(d.due > Start::Date(start));
        }
    }

    #[test]
    fn months_never_overflow_their_month(y in 1990i32..2100, m in 1u8..=12, day in 1u8..=31, n in 0u32..40) {
        let month = Month::try_from(m).unwrap();
        let day = day.min(last_day(y, month));
        let start = Date::from_calendar_date(y, month, day).unwrap();
        let end = add_months(start, n);
        let months_apart = (end.year() - y) * 12 + end.month() as i32 - m as i32;
        prop_assert_eq!(months_apart, n as i32);
        if day == last_day(y, month) {
            prop_assert_eq!(end.day(), last_day(end.year(), end.month()));
        } else {
            prop_assert_eq!(end.day(), day.min(last_day(end.year(), end.month())));
        }
    }
}
