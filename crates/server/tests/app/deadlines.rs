use crate::common::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use xiezhi_core::{Calendar, MakeUpDayPolicy, RULES};

async fn get(app: &TestApp, path: &str) -> crate::common::Reply {
    app.api(Method::GET, path, None, None).await
}

/// Every rule, through the API, equals the core computation (and so the CLI, which prints the same object).
#[tokio::test]
async fn the_api_agrees_with_the_engine_on_every_rule() {
    let app = TestApp::new(Backend::Sqlite).await;
    let cal = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
    let catalogue = get(&app, "/api/v1/deadlines").await.json();
    assert_eq!(catalogue.as_array().unwrap().len(), RULES.len());
    let mut compared = 0;
    for rule in RULES {
        for start in ["2025-09-16", "2025-12-17T10:30", "2026-02-09", "2026-09-13"] {
            for (custody, extended) in [(false, false), (true, false), (false, true), (true, true)] {
                let expected = xiezhi_server::app::deadlines::compute_deadline(&cal, rule.id, start, custody, extended);
                let r = get(&app, &format!("/api/v1/deadlines/{}?start={start}&in_custody={custody}&extended={extended}", rule.id)).await;
                match expected {
                    Ok(d) => {
                        assert_eq!(r.status, StatusCode::OK, "{} {start}: {}", rule.id, r.text());
                        assert_eq!(r.json(), serde_json::to_value(xiezhi_server::dto::DeadlineDto::from(&d)).unwrap());
                        compared += 1;
                    }
                    Err(e) => {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{} {start}", rule.id);
                        assert_eq!(r.json()["code"], e.code());
                    }
                }
            }
        }
    }
    assert!(compared > 150, "{compared}");
}

#[tokio::test]
async fn bad_deadline_requests_name_the_problem() {
    let app = TestApp::new(Backend::Sqlite).await;
    let cases = [
        ("/api/v1/deadlines/criminal.nope?start=2026-01-05", "unknown_rule", None),
        ("/api/v1/deadlines/criminal.first_instance?start=2026-02-30", "invalid_field", Some("start")),
        ("/api/v1/deadlines/criminal.first_instance", "invalid_field", Some("start")),
        ("/api/v1/deadlines/criminal.first_instance?start=2201-01-05", "invalid_start", None),
        ("/api/v1/deadlines/criminal.first_instance?start=2026-01-05&in_custody=perhaps", "invalid_field", Some("in_custody")),
        ("/api/v1/deadlines/criminal.first_instance?start=2026-01-05&custody=true", "invalid_field", Some("custody")),
        ("/api/v1/deadlines/civil.small_claims?start=2026-01-05&in_custody=true", "not_applicable", None),
        ("/api/v1/deadlines/criminal.interrogation?start=2026-01-05", "invalid_start", None),
    ];
    for (path, code, field) in cases {
        let r = get(&app, path).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let body = r.json();
        assert_eq!(body["code"], code, "{path}: {body}");
        if let Some(f) = field {
            assert_eq!(body["field"], f, "{path}: {body}");
        }
    }
    // The test server loads 2025 and 2026 only: 2027 is missing, named, and counted provisionally.
    let year = get(&app, "/api/v1/calendars/2027").await;
    assert_eq!(year.json()["code"], "calendar_year_missing");
    assert!(year.json()["detail"].as_str().unwrap().contains("2027"));
    let provisional = get(&app, "/api/v1/deadlines/criminal.prosecution_review?start=2026-12-15").await;
    assert_eq!(provisional.status, StatusCode::OK, "{}", provisional.text());
    let v = provisional.json();
    assert_eq!((v["due"].as_str(), v["provisional"].as_bool()), (Some("2027-01-15"), Some(true)), "{v}");
    let y2026 = get(&app, "/api/v1/calendars/2026").await.json();
    assert_eq!(y2026["days"].as_array().unwrap().iter().filter(|d| d["kind"] == "make_up_workday").count(), 6);
}

/// Dates worked out by hand from the statutes and the State Council notices, checked over HTTP:
/// not the engine against itself.
#[tokio::test]
async fn the_api_gives_the_dates_worked_out_by_hand() {
    let app = TestApp::new(Backend::Sqlite).await;
    // (rule, start, in custody, due, rolled from)
    let rows: &[(&str, &str, bool, &str, Option<&str>)] = &[
        // One month from 09-01 is 10-01, National Day; off until 10-08, so 10-09.
        ("criminal.prosecution_review", "2025-09-01", false, "2025-10-09", Some("2025-10-01")),
        // Held in custody: it ends on 10-01 all the same (CPL 105 ¶4).
        ("criminal.prosecution_review", "2025-09-01", true, "2025-10-01", None),
        // Fifteen days (not detained) from 09-16 is 10-01 → 10-09.
        ("criminal.arrest_approval", "2025-09-16", false, "2025-10-09", Some("2025-10-01")),
        // Ten days from 09-15 is 09-25, the Mid-Autumn holiday (to 09-27); Monday 09-28.
        ("criminal.fast_track_trial", "2026-09-15", false, "2026-09-28", Some("2026-09-25")),
        ("criminal.fast_track_trial", "2026-09-15", true, "2026-09-25", None),
        // Ten days of appeal from 2026-02-12 is 02-22, inside the Spring Festival (to 02-23): 02-24.
        ("criminal.appeal_judgment", "2026-02-12", true, "2026-02-24", Some("2026-02-22")),
        // Six months from 2025-12-31, the last day of its month, end on the last day of June (D3).
        ("civil.ordinary_first_instance", "2025-12-31", false, "2026-06-30", None),
    ];
    for (rule, start, held, due, rolled) in rows {
        let r = get(&app, &format!("/api/v1/deadlines/{rule}?start={start}&in_custody={held}")).await;
        assert_eq!(r.status, StatusCode::OK, "{rule} {start}: {}", r.text());
        let v = r.json();
        assert_eq!((v["due"].as_str(), v["rolled_from"].as_str()), (Some(*due), *rolled), "{rule} from {start}, custody {held}: {v}");
    }
}
