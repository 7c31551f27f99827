//! The `xiezhi` binary as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary in an empty folder, with none of the caller's `XIEZHI__*` settings.
fn xiezhi(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xiezhi"));
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("XIEZHI__")) {
        cmd.env_remove(name);
    }
    cmd.args(args).current_dir(dir.path()).output().expect("run xiezhi")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn deadline_prints_one_json_object() {
    let o = xiezhi(&["deadline", "criminal.prosecution_review", "--start", "2025-09-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["basis", "due", "extended", "in_custody", "provisional", "rolled_from", "rule", "start"]);
    assert_eq!((v["due"].as_str(), v["rolled_from"].as_str()), (Some("2025-10-09"), Some("2025-10-01")));

    let held = xiezhi(&["deadline", "criminal.prosecution_review", "--start", "2025-09-01", "--in-custody"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&held)).unwrap();
    assert_eq!((v["due"].as_str(), v["rolled_from"].is_null(), v["in_custody"].as_bool()), (Some("2025-10-01"), true, Some(true)));

    let ext = xiezhi(&["deadline", "criminal.summons", "--start", "2026-02-16T21:30", "--extended"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&ext)).unwrap();
    assert_eq!(v["due"], "2026-02-17T21:30");

    let list = xiezhi(&["deadline", "--list"]);
    let rules: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(rules.as_array().unwrap().len(), xiezhi_core::RULES.len());
}

#[test]
fn deadline_errors_exit_2_and_say_what_to_do() {
    for (args, says) in [
        (vec!["deadline", "criminal.nope", "--start", "2026-01-05"], "--list"),
        (vec!["deadline", "criminal.first_instance", "--start", "2026-13-01"], "YYYY-MM-DD"),
        (vec!["deadline", "criminal.first_instance", "--start", "2201-12-15"], "2201"),
        (vec!["deadline", "civil.small_claims", "--start", "2026-01-05", "--in-custody"], "custody"),
    ] {
        let o = xiezhi(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn custody_periods_run_into_any_year_and_others_are_provisional() {
    // Arrest approved 2026-11-29: two months of investigation custody, whatever calendars exist.
    let o = xiezhi(&["deadline", "criminal.investigation_custody", "--start", "2026-11-29", "--in-custody"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["due"].as_str(), v["provisional"].as_bool()), (Some("2027-01-29"), Some(false)));
    // 2199 will never be loaded: a handling period there is dated on the weekends-only reading.
    let o = xiezhi(&["deadline", "criminal.prosecution_review", "--start", "2199-01-02"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["due"].as_str(), v["provisional"].as_bool()), (Some("2199-02-04"), Some(true)), "1 month to Saturday 2199-02-02, rolled to Monday");
    assert!(v["basis"].to_string().contains("no holiday calendar is loaded for 2199"), "{v}");
}

#[test]
fn a_year_dropped_into_the_data_folder_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("calendars")).unwrap();
    let data = dir.path().to_str().unwrap();
    let before = xiezhi(&["deadline", "criminal.first_instance", "--start", "2198-12-05", "--data", data]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&before)).unwrap();
    assert_eq!(v["provisional"], true, "{v}");
    std::fs::write(
        dir.path().join("calendars/2199.json"),
        r#"{"year": 2199, "source": "test notice", "holidays": [{"name": "春节", "days_off": [["2199-02-05", "2199-02-15"]], "workdays": []}]}"#,
    )
    .unwrap();
    let after = xiezhi(&["deadline", "criminal.first_instance", "--start", "2198-12-05", "--data", data]);
    assert!(after.status.success(), "{}", stderr(&after));
    let v: serde_json::Value = serde_json::from_str(&stdout(&after)).unwrap();
    assert_eq!(
        (v["due"].as_str(), v["rolled_from"].as_str(), v["provisional"].as_bool()),
        (Some("2199-02-18"), Some("2199-02-05"), Some(false)),
        "off 02-05..02-15, then a weekend"
    );
    let show = xiezhi(&["calendar", "show", "2199", "--data", data]);
    assert!(stdout(&show).contains("test notice") && stdout(&show).contains("2199-02-05") && stdout(&show).contains("(file"), "{}", stdout(&show));
    let bad = xiezhi(&["calendar", "show", "2198", "--data", data]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn calendar_import_checks_the_file_records_it_and_shows_who_loaded_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let file = dir.path().join("2199.json");
    let file = file.to_str().unwrap();
    assert!(xiezhi(&["demo", "--data", data, "--cases", "20"]).status.success());
    std::fs::write(file, r#"{"year": 2199, "source": "test notice", "holidays": [{"name": "春节", "days_off": [], "workdays": ["2199-02-04"]}]}"#).unwrap();
    let bad = xiezhi(&["calendar", "import", file, "--data", data]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("2199-02-04") && stderr(&bad).contains("Saturday or Sunday"), "{}", stderr(&bad));
    assert_eq!(xiezhi(&["calendar", "show", "2199", "--data", data]).status.code(), Some(2), "nothing was stored");
    std::fs::write(
        file,
        r#"{"year": 2199, "source": "test notice", "holidays": [{"name": "春节", "days_off": [["2199-02-05", "2199-02-15"]], "workdays": []}]}"#,
    )
    .unwrap();
    let ok = xiezhi(&["calendar", "import", file, "--data", data]);
    assert!(ok.status.success() && stdout(&ok).starts_with("loaded 2199"), "{}{}", stdout(&ok), stderr(&ok));
    let show = xiezhi(&["calendar", "show", "2199", "--json", "--data", data]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&show)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&show), stderr(&show)));
    assert_eq!((v["origin"].as_str(), v["source"].as_str(), v["loaded_by"].is_null()), (Some("database"), Some("test notice"), true), "{v}");
    assert!(v["loaded_at"].is_string(), "{v}");
    let again = xiezhi(&["calendar", "import", file, "--data", data]);
    assert!(stdout(&again).starts_with("replaced 2199"), "{}", stdout(&again));
    let verify = xiezhi(&["audit", "verify", "--data", data]);
    assert!(verify.status.success(), "the loads are leaves of an intact log: {}{}", stdout(&verify), stderr(&verify));
    let check = xiezhi(&["rebuild", "--check", "--data", data]);
    assert!(check.status.success(), "{}{}", stdout(&check), stderr(&check));
}

#[test]
fn calendar_show_lists_rest_and_make_up_days() {
    let o = xiezhi(&["calendar", "show", "2026"]);
    let out = stdout(&o);
    assert!(out.contains("2026-02-14  make_up_workday  春节  (working day)"), "{out}");
    assert!(out.contains("2026-10-07  holiday"), "{out}");
}

#[test]
fn unusable_storage_is_one_line_and_a_failure() {
    let o = xiezhi(&["serve", "--data", "/proc/xiezhi-cannot-write", "--listen", "127.0.0.1:0"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("data directory /proc/xiezhi-cannot-write cannot be written"), "{err}");
    assert_eq!(err.trim().lines().filter(|l| l.starts_with("xiezhi:")).count(), 1, "{err}");

    let o = xiezhi(&["demo", "--database", "postgres://nobody:secret@127.0.0.1:1/none"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("cannot be reached") && !err.contains("secret"), "{err}");
}

#[test]
fn demo_databases_and_real_ones_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let seeded = xiezhi(&["demo", "--data", data, "--seed", "3", "--cases", "300"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    assert!(stdout(&seeded).contains("116 regions, 1611 units, 1625 users"), "{}", stdout(&seeded));
    assert!(stdout(&seeded).contains("generated 300 demo cases"), "{}", stdout(&seeded));
    let more = xiezhi(&["demo", "--data", data, "--cases", "50"]);
    assert!(more.status.success() && stdout(&more).contains("generated 50 demo cases"), "more cases go into a demo database: {}", stderr(&more));
    let check = xiezhi(&["rebuild", "--check", "--data", data]);
    assert!(check.status.success() && stdout(&check).contains("350 cases: every read model equals the replay"), "{}{}", stdout(&check), stderr(&check));
    let plain = xiezhi(&["serve", "--data", data, "--listen", "127.0.0.1:0"]);
    assert!(!plain.status.success() && stderr(&plain).contains("--demo"), "{}", stderr(&plain));

    let real = tempfile::tempdir().unwrap();
    let real_data = real.path().to_str().unwrap();
    let mut init = Command::new(env!("CARGO_BIN_EXE_xiezhi"))
        .args(["init", "--data", real_data, "--province-code", "37", "--province-name", "山东省", "--admin", "root.admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    init.stdin.take().unwrap().write_all(b"a-strong-password\n").unwrap();
    let out = init.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let demo_into_real = xiezhi(&["demo", "--data", real_data, "--cases", "5"]);
    assert!(!demo_into_real.status.success() && stderr(&demo_into_real).contains("already holds"), "{}", stderr(&demo_into_real));
    let demo_on_real = xiezhi(&["serve", "--demo", "--data", real_data, "--listen", "127.0.0.1:0"]);
    assert!(!demo_on_real.status.success() && stderr(&demo_on_real).contains("real organisation"), "{}", stderr(&demo_on_real));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["init", "--help"],
        vec!["user", "create-admin", "--help"],
        vec!["user", "reset-password", "--help"],
        vec!["deadline", "--help"],
        vec!["calendar", "show", "--help"],
        vec!["calendar", "import", "--help"],
        vec!["bench", "startup", "--help"],
    ] {
        let o = xiezhi(&args);
        assert!(o.status.success() && stdout(&o).contains("Usage:"), "{args:?}");
    }
}

/// What the hardening probe changed in the database unnoticed: a case moved to another city, a
/// unit renamed, a role granted, a password hash replaced, a token slipped in. `rebuild --check`
/// names each row and column, and exits 1.
#[test]
fn rebuild_check_names_every_tampered_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    assert!(xiezhi(&["demo", "--data", data, "--cases", "20"]).status.success());
    let clean = xiezhi(&["rebuild", "--check", "--data", data]);
    assert!(clean.status.success(), "{}{}", stdout(&clean), stderr(&clean));
    assert!(stdout(&clean).contains("units, users and tokens: every row equals the replay"), "{}", stdout(&clean));
    assert!(stdout(&clean).contains("300 disputes: every read model equals the replay"), "{}", stdout(&clean));
    assert!(stdout(&clean).contains("300 work orders: every read model equals the replay"), "{}", stdout(&clean));
    assert!(stdout(&clean).contains("docket: every item's row and every counter agree"), "{}", stdout(&clean));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{data}/xiezhi.db")).await.unwrap();
        for q in [
            "UPDATE cases SET region = '990201' WHERE id = 3",
            "UPDATE cases SET title = '改过的案由' WHERE id = 4",
            "UPDATE units SET name = '假法院' WHERE id = 5",
            "UPDATE users SET roles = 'judge' WHERE username = 'police.990102'",
            "UPDATE users SET password_hash = '$argon2id$forged' WHERE username = 'police.990101'",
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'backdoor', 'abc', 1)",
            "UPDATE disputes SET stage = 'lost' WHERE id = 7",
            "UPDATE disputes SET risk = 'purple' WHERE id = 8",
            "UPDATE tickets SET stage = 'lost' WHERE id = 9",
            // Written around the database's own upkeep of the docket and its counters.
            "UPDATE docket SET due_date = '2020-01-01' WHERE kind = 'dispute' AND item_id = 5",
            "UPDATE docket_counts SET items = items + 3 WHERE rowid = (SELECT min(rowid) FROM docket_counts)",
        ] {
            sqlx::query(q).execute(&pool).await.unwrap();
        }
        pool.close().await;
    });
    let check = xiezhi(&["rebuild", "--check", "--data", data]);
    let out = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{out}{}", stderr(&check));
    for line in [
        "case 3: region 990201 ≠ replayed",
        "case 4: title \"改过的案由\" ≠ replayed",
        "unit 5: name \"假法院\" ≠ replayed",
        "(police.990102): roles judge ≠ replayed police_officer",
        "(police.990101): password_hash is not the one recorded",
        "backdoor",
        "dispute 7: stage lost ≠ replayed",
        "dispute 8: risk Some(\"purple\") ≠ replayed",
        "work order 9: stage lost ≠ replayed",
        "docket row of dispute:5 differs from its item",
        "docket counter ",
    ] {
        assert!(out.contains(line) || (line == "backdoor" && out.contains("not in the log")), "missing {line:?}:\n{out}");
    }
}
