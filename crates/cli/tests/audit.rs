//! The audit log end to end through the binary: a witness follows a live server on SQLite and
//! on PostgreSQL, accepts honest growth, and raises the alarm when history is rewritten under
//! it; `audit verify` names every altered, deleted, inserted and reordered event.

use xiezhi_store::prelude::*;
use xiezhi_store::{By, NewEvent, SqlStore};

mod common;
use common::{db_args, serve, text, xiezhi};

/// `xiezhi audit verify` on a database, with extra flags.
fn verify(data: &str, url: &Option<String>, extra: &[&str]) -> std::process::Output {
    let db = db_args(data, url);
    let args: Vec<&str> = ["audit", "verify"].into_iter().chain(db.iter().map(String::as_str)).chain(extra.iter().copied()).collect();
    xiezhi(&args, None)
}

/// A tampering scenario on a fresh SQLite database and on a fresh PostgreSQL one.
type Scenario = fn(&tokio::runtime::Runtime, SqlStore, &str, Option<String>);

fn on_sqlite(scenario: Scenario) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt.block_on(SqlStore::open_data_dir(dir.path())).unwrap();
    scenario(&rt, store, dir.path().to_str().unwrap(), None);
}

fn on_postgres(scenario: Scenario) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_postgres());
    scenario(&rt, store, dir.path().to_str().unwrap(), Some(url));
}

/// A change through the command line: one more event.
fn change(data: &str, url: &Option<String>, password: &str) {
    let mut args = vec!["user", "reset-password", "--username", "police.990101"];
    let extra = db_args(data, url);
    args.extend(extra.iter().map(String::as_str));
    let o = xiezhi(&args, Some(password));
    assert!(o.status.success(), "{}", text(&o));
}

fn wait_for_checkpoint(store: &SqlStore, rt: &tokio::runtime::Runtime, size: u64) {
    for _ in 0..100 {
        if rt.block_on(store.checkpoint(None)).unwrap().is_some_and(|c| c.tree_size as u64 >= size) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no checkpoint of size {size} was signed");
}

fn scenario(url: Option<String>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let server = serve(&data, &url, &[("XIEZHI__CHECKPOINT_SECONDS", "1")]);
    let store = rt.block_on(SqlStore::connect(&url.clone().unwrap_or_else(|| format!("sqlite://{data}/xiezhi.db")))).unwrap();
    let seed: [u8; 32] = hex::decode(std::fs::read_to_string(dir.path().join("audit-key")).unwrap().trim()).unwrap().try_into().unwrap();
    let key = xiezhi_server::audit::LogSigner::new("xiezhi", seed).unwrap().verifier();
    let state = dir.path().join("witness.json");
    let state = state.to_str().unwrap();
    let witness = || xiezhi(&["audit", "witness", "--url", &server.1, "--key", &key, "--state", state], None);

    let first = witness();
    assert!(first.status.success(), "{}", text(&first));
    // The demo province and its cases: every event seen and checked.
    let size: u64 = text(&first).split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("checkpoint N verified");
    assert!(size > 3352 && text(&first).contains(&format!("({size} new entries")), "{}", text(&first));

    change(&data, &url, "a-new-password-1\n");
    wait_for_checkpoint(&store, &rt, size + 1);
    let second = witness();
    assert!(second.status.success() && text(&second).contains(&format!("checkpoint {} verified (1 new entries", size + 1)), "{}", text(&second));

    let verified = verify(&data, &url, &[]);
    assert!(verified.status.success(), "{}", text(&verified));

    // The operator alters an event and recomputes the whole tree to hide it, then the log grows.
    rt.block_on(async {
        sqlx::query("UPDATE events SET payload = $1 WHERE seq = 100").bind("{\"forged\":true}").execute(store.pool()).await.unwrap();
        let size = store.audit_size().await.unwrap();
        let mut edge = xiezhi_audit::TileEdge::new();
        for e in store.events(0, size).await.unwrap() {
            edge.push(xiezhi_audit::leaf_hash(&e.leaf_input()));
        }
        sqlx::query("DELETE FROM audit_tiles").execute(store.pool()).await.unwrap();
        for (a, hashes) in edge.take_dirty() {
            sqlx::query("INSERT INTO audit_tiles (level, idx, hashes) VALUES ($1, $2, $3)")
                .bind(i64::from(a.level))
                .bind(a.index as i64)
                .bind(hashes.concat())
                .execute(store.pool())
                .await
                .unwrap();
        }
    });
    change(&data, &url, "a-new-password-2\n");
    wait_for_checkpoint(&store, &rt, size + 2);
    let third = witness();
    assert_eq!(third.status.code(), Some(3), "{}", text(&third));
    assert!(text(&third).contains("ALARM: REWRITE"), "{}", text(&third));

    let verified = verify(&data, &url, &[]);
    assert_eq!(verified.status.code(), Some(1), "{}", text(&verified));
    assert!(text(&verified).contains(&format!("checkpoint {}: the events do not hash to the signed root", size + 1)), "{}", text(&verified));

    // A plain alteration (the tree left alone) is pinpointed by its index.
    rt.block_on(sqlx::query("UPDATE events SET kind = 'unit.deleted' WHERE seq = 2000").execute(store.pool())).unwrap();
    let verified = verify(&data, &url, &[]);
    assert!(text(&verified).contains("TAMPERED: index 2000"), "{}", text(&verified));
    drop(server);
}

#[test]
fn witness_and_verify_on_sqlite() {
    scenario(None);
}

#[test]
fn witness_and_verify_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_postgres());
    rt.block_on(store.close());
    scenario(Some(url));
}

/// Tamper with a log of 600 events in each way an operator could and check that `audit verify`
/// names each one by its index and fails.
fn every_kind_of_tampering(rt: &tokio::runtime::Runtime, store: SqlStore, data: &str, url: Option<String>) {
    let events = (0..600).map(|i| NewEvent::new(format!("load:{i}"), "load.test", serde_json::json!({ "i": i }))).collect();
    rt.block_on(store.append_events(events, By { at: 5, user_id: None, unit_id: None })).unwrap();
    let clean = verify(data, &url, &[]);
    assert!(clean.status.success() && text(&clean).contains("audit log verified: 600 events"), "{}", text(&clean));
    let sql = |q: &str| rt.block_on(sqlx::query(q).execute(store.pool())).unwrap();
    // Reordered: two events trade places (each keeps the other's index).
    sql("UPDATE events SET seq = -1 WHERE seq = 10");
    sql("UPDATE events SET seq = 10 WHERE seq = 11");
    sql("UPDATE events SET seq = 11 WHERE seq = -1");
    // Deleted.
    sql("DELETE FROM events WHERE seq = 20");
    // Altered: one field of one event.
    sql("UPDATE events SET at = 6 WHERE seq = 25");
    // Inserted: a forged event slipped in at 500, the later ones pushed up by one (the last drops off).
    sql("DELETE FROM events WHERE seq = 599");
    sql("UPDATE events SET seq = seq + 1000000 WHERE seq >= 500");
    sql("UPDATE events SET seq = seq - 999999 WHERE seq >= 1000000");
    sql("INSERT INTO events (seq, at, actor_user_id, unit_id, subject, kind, payload) VALUES (500, 5, NULL, NULL, 'load:500', 'load.test', '{\"i\":\"forged\"}')");
    let out = verify(data, &url, &[]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for line in [
        "TAMPERED: index 10: event load.test (load:11) does not match its leaf",
        "TAMPERED: index 11: event load.test (load:10) does not match its leaf",
        "TAMPERED: index 20: event missing (deleted?)",
        "TAMPERED: index 25: event load.test (load:25) does not match its leaf",
        "TAMPERED: index 500: event load.test (load:500) does not match its leaf",
        "TAMPERED: index 501: event load.test (load:500) does not match its leaf",
        "TAMPERED: index 599: event load.test (load:598) does not match its leaf",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
    let flagged = report.lines().filter(|l| l.starts_with("TAMPERED")).count();
    assert_eq!(flagged, 2 + 1 + 1 + 100, "exactly the tampered indexes, each once:\n{report}");
    assert!(report.contains("FAILED: 104 problems in 600 events"), "{report}");
}

#[test]
fn verify_names_every_kind_of_tampering_on_sqlite() {
    on_sqlite(every_kind_of_tampering);
}

#[test]
fn verify_names_every_kind_of_tampering_on_postgres() {
    on_postgres(every_kind_of_tampering);
}

/// A log longer than one page of the check (pages are hashed on different threads and their
/// subtrees joined): the root is the whole tree's, signed sizes at a page boundary, inside a page
/// and at the end are checked against the roots they were signed with, and a forged one or an
/// altered event in a later page is found.
fn pages_joined(rt: &tokio::runtime::Runtime, store: SqlStore, data: &str, url: Option<String>) {
    use base64::Engine;
    for batch in 0..4 {
        let events = (0..10_000).map(|i| NewEvent::new(format!("load:{batch}.{i}"), "load.test", serde_json::json!({ "i": i }))).collect();
        rt.block_on(store.append_events(events, By { at: 5 + batch, user_id: Some(1), unit_id: None })).unwrap();
    }
    let leaves = rt.block_on(store.leaf_hashes(0, 40_000)).unwrap();
    let root_at = |size: usize| {
        let mut tree = xiezhi_audit::CompactRange::new();
        leaves[..size].iter().for_each(|(_, h)| tree.push(*h));
        tree.root()
    };
    let sign = |size: usize, root: [u8; 32]| {
        let cp = xiezhi_store::StoredCheckpoint { tree_size: size as i64, root, at: 1, note: String::new() };
        rt.block_on(store.add_checkpoint(cp)).unwrap();
    };
    for size in [16_384, 20_000, 40_000] {
        sign(size, root_at(size));
    }
    let clean = verify(data, &url, &[]);
    let expected = format!("audit log verified: 40000 events, root {}", base64::engine::general_purpose::STANDARD.encode(root_at(40_000)));
    assert!(clean.status.success() && text(&clean).contains(&expected), "{}\nexpected {expected}", text(&clean));

    sign(33_000, root_at(32_999));
    rt.block_on(sqlx::query("UPDATE events SET subject = 'load:forged' WHERE seq = 35000").execute(store.pool())).unwrap();
    let out = verify(data, &url, &[]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("TAMPERED: checkpoint 33000: the events do not hash to the signed root"), "{report}");
    assert!(report.contains("TAMPERED: index 35000: event load.test (load:forged) does not match its leaf"), "{report}");
    assert!(report.contains("TAMPERED: checkpoint 40000: the events do not hash to the signed root"), "the altered event changes the later root:\n{report}");
    assert!(report.contains("FAILED: 3 problems in 40000 events"), "{report}");
}

#[test]
fn verify_joins_pages_on_sqlite() {
    on_sqlite(pages_joined);
}

#[test]
fn verify_joins_pages_on_postgres() {
    on_postgres(pages_joined);
}

/// `audit verify` checks the database it is given, as found: it creates none where there is none,
/// and migrates nothing — a database at another schema version is refused, naming both, and left
/// as it was.
fn verify_reads_only(rt: &tokio::runtime::Runtime, store: SqlStore, data: &str, url: Option<String>) {
    let events = (0..100).map(|i| NewEvent::new(format!("load:{i}"), "load.test", serde_json::json!({ "i": i }))).collect();
    rt.block_on(store.append_events(events, By { at: 5, user_id: None, unit_id: None })).unwrap();
    let latest: i64 = rt.block_on(sqlx::query_scalar::<_, i64>("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(store.pool())).unwrap();
    let migrations = || rt.block_on(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(store.pool())).unwrap();
    let before = migrations();
    let clean = verify(data, &url, &[]);
    assert!(clean.status.success() && text(&clean).contains("audit log verified: 100 events"), "{}", text(&clean));
    rt.block_on(sqlx::query(&format!("DELETE FROM _sqlx_migrations WHERE version = {latest}")).execute(store.pool())).unwrap();
    let refused = verify(data, &url, &[]);
    assert!(!refused.status.success(), "{}", text(&refused));
    let expected = format!("its schema is at migration {} and this xiezhi's at {latest}", latest - 1);
    assert!(text(&refused).contains("cannot be read by this xiezhi") && text(&refused).contains(&expected), "{}", text(&refused));
    assert_eq!(migrations(), before - 1, "verify migrated nothing");
    if url.is_none() {
        let nowhere = std::path::Path::new(data).join("no-such-folder");
        let missing = verify(nowhere.to_str().unwrap(), &url, &[]);
        assert!(!missing.status.success() && text(&missing).contains("no xiezhi database at"), "{}", text(&missing));
        assert!(!nowhere.exists(), "verify created nothing");
    }
}

#[test]
fn verify_reads_only_on_sqlite() {
    on_sqlite(verify_reads_only);
}

#[test]
fn verify_reads_only_on_postgres() {
    on_postgres(verify_reads_only);
}

/// `audit verify --deep` checks what the default pass cannot see: the signature of every stored
/// checkpoint (the default checks the latest's, and every root), and every document's content
/// against the address it is served under.
fn deep_checks(rt: &tokio::runtime::Runtime, store: SqlStore, data: &str, url: Option<String>) {
    use sha2::Digest;
    let seed = [9u8; 32];
    std::fs::write(format!("{data}/audit-key"), hex::encode(seed)).unwrap();
    let signer = xiezhi_server::audit::LogSigner::new("xiezhi", seed).unwrap();
    let events = (0..300).map(|i| NewEvent::new(format!("load:{i}"), "load.test", serde_json::json!({ "i": i }))).collect();
    rt.block_on(store.append_events(events, By { at: 5, user_id: None, unit_id: None })).unwrap();
    for size in [100u64, 200, 300] {
        let root = rt.block_on(xiezhi_server::audit::root_at(&store, size)).unwrap();
        let note = signer.sign(&xiezhi_audit::Checkpoint { origin: "xiezhi".into(), size, root });
        rt.block_on(store.add_checkpoint(xiezhi_store::StoredCheckpoint { tree_size: size as i64, root, at: 7, note })).unwrap();
    }
    let evidence = b"%PDF-1.4 evidence".to_vec();
    let address = hex::encode(sha2::Sha256::digest(&evidence));
    rt.block_on(store.put_blob(&address, "application/pdf", evidence, 8)).unwrap();
    let run = |deep: bool| verify(data, &url, if deep { &["--deep"] } else { &[] });
    let clean = run(true);
    assert!(clean.status.success(), "{}", text(&clean));

    let sql = |q: String| rt.block_on(sqlx::query(&q).execute(store.pool())).unwrap();
    // The oldest checkpoint's signature forged (its size and root kept), and the document's bytes changed.
    let old = rt.block_on(store.checkpoint(Some(100))).unwrap().unwrap();
    let forged = old.note.replace(&old.note.lines().last().unwrap()[40..48], "AAAAAAAA");
    sql(format!("UPDATE audit_checkpoints SET note = '{forged}' WHERE tree_size = 100"));
    match url {
        Some(_) => sql(format!("UPDATE blobs SET bytes = '\\x{}'::bytea WHERE sha256 = '{address}'", hex::encode(b"%PDF-1.4 forged"))),
        None => sql(format!("UPDATE blobs SET bytes = X'{}' WHERE sha256 = '{address}'", hex::encode(b"%PDF-1.4 forged"))),
    };
    let shallow = run(false);
    assert!(shallow.status.success(), "the default pass checks the latest signature and the roots only: {}", text(&shallow));
    let deep = run(true);
    let report = text(&deep);
    assert_eq!(deep.status.code(), Some(1), "{report}");
    assert!(report.contains("TAMPERED: checkpoint 100:"), "{report}");
    assert!(report.contains(&format!("TAMPERED: document {address}: its stored content hashes to")), "{report}");
    assert_eq!(report.lines().filter(|l| l.starts_with("TAMPERED")).count(), 2, "{report}");

    // An event slipped in past the end of the log has no leaf; a log cut short of a signed size
    // is named by that checkpoint.
    sql("INSERT INTO events (seq, at, actor_user_id, unit_id, subject, kind, payload) VALUES (300, 5, NULL, NULL, 'load:300', 'load.test', '{}')".into());
    let inserted = text(&run(false));
    assert!(inserted.contains("TAMPERED: index 300: no leaf stored for this event (inserted?)"), "{inserted}");
    sql("DELETE FROM events WHERE seq >= 250".into());
    let truncated = text(&run(false));
    assert!(truncated.contains("TAMPERED: checkpoint 300: the log has only 250 events (truncated?)"), "{truncated}");
}

#[test]
fn verify_deep_on_sqlite() {
    on_sqlite(deep_checks);
}

#[test]
fn verify_deep_on_postgres() {
    on_postgres(deep_checks);
}

/// Two servers share one PostgreSQL but not a data folder: the second would create a key of its
/// own and sign on, after which the older checkpoints would look forged. It refuses to start,
/// naming both keys; given the first server's key it starts.
#[test]
fn a_server_with_another_key_refuses_a_signed_log() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_postgres());
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let url = Some(url);
    let server = serve(first.path().to_str().unwrap(), &url, &[("XIEZHI__CHECKPOINT_SECONDS", "1")]);
    let size = rt.block_on(store.audit_size()).unwrap();
    wait_for_checkpoint(&store, &rt, size);
    drop(server);
    let mut args = vec!["serve", "--demo", "--listen", "127.0.0.1:0"];
    let db = db_args(second.path().to_str().unwrap(), &url);
    args.extend(db.iter().map(String::as_str));
    let refused = xiezhi(&args, None);
    let out = text(&refused);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains("is signed by key") && out.contains("audit_key_file"), "{out}");
    let signed_by = rt.block_on(store.checkpoint(None)).unwrap().unwrap();
    let id = &xiezhi_server::audit::note_key_ids(&signed_by.note)[0];
    assert!(out.contains(id.as_str()), "names the log's key {id}: {out}");
    let shared = serve(second.path().to_str().unwrap(), &url, &[("XIEZHI__AUDIT_KEY_FILE", first.path().join("audit-key").to_str().unwrap())]);
    drop(shared);
    rt.block_on(store.close());
}

/// Every alarm of the witness, through the binary, against a live server whose database is
/// changed under it as a dishonest operator would: a checkpoint whose signature is not the
/// log's, entries that do not hash to the signed root, a second root for a size already signed
/// (split view, signed with the real key), and a log cut back below what was seen (rollback).
/// Honest checkpoints are co-signed and the cosignature is stored.
fn witness_alarms(url: Option<String>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let server = serve(&data, &url, &[("XIEZHI__CHECKPOINT_SECONDS", "1")]);
    let store = rt.block_on(SqlStore::connect(&url.clone().unwrap_or_else(|| format!("sqlite://{data}/xiezhi.db")))).unwrap();
    let seed: [u8; 32] = hex::decode(std::fs::read_to_string(dir.path().join("audit-key")).unwrap().trim()).unwrap().try_into().unwrap();
    let signer = xiezhi_server::audit::LogSigner::new("xiezhi", seed).unwrap();
    let key = signer.verifier();
    let size = rt.block_on(store.audit_size()).unwrap();
    wait_for_checkpoint(&store, &rt, size);
    let state_a = dir.path().join("a.json");
    let witness = |state: &std::path::Path, cosign: bool| {
        let mut args = vec![
            "audit".to_string(),
            "witness".into(),
            "--url".into(),
            server.1.clone(),
            "--key".into(),
            key.clone(),
            "--state".into(),
            state.display().to_string(),
        ];
        if cosign {
            let admin = common::token(&server.1, "admin");
            args.extend([
                "--cosign-key".into(),
                dir.path().join("witness.key").display().to_string(),
                "--name".into(),
                "witness.court.990101".into(),
                "--token".into(),
                admin,
            ]);
        }
        xiezhi(&args.iter().map(String::as_str).collect::<Vec<_>>(), None)
    };
    let copy = |name: &str| {
        let p = dir.path().join(name);
        std::fs::copy(&state_a, &p).unwrap();
        p
    };
    let sql = |q: &str| rt.block_on(sqlx::query(q).execute(store.pool())).unwrap();

    // Honest: verified and co-signed.
    let first = witness(&state_a, true);
    assert!(first.status.success() && text(&first).contains("cosigned as witness.court.990101"), "{}", text(&first));
    let cosigs = rt.block_on(store.cosignatures(&[size as i64])).unwrap();
    assert_eq!(cosigs.iter().map(|c| c.witness.as_str()).collect::<Vec<_>>(), ["witness.court.990101"]);
    // Signing in to post the cosignature was itself recorded: let the log settle and witness it.
    let size = rt.block_on(store.audit_size()).unwrap();
    wait_for_checkpoint(&store, &rt, size);
    let settled = witness(&state_a, false);
    assert!(settled.status.success(), "{}", text(&settled));

    // A checkpoint whose signature is not the log's.
    let honest = rt.block_on(store.checkpoint(Some(size as i64))).unwrap().unwrap();
    let last = honest.note.lines().last().unwrap();
    let forged = honest.note.replace(last, &format!("{}AAAA{}", &last[..last.len() - 8], &last[last.len() - 4..]));
    rt.block_on(sqlx::query("UPDATE audit_checkpoints SET note = $1 WHERE tree_size = $2").bind(&forged).bind(size as i64).execute(store.pool())).unwrap();
    let bad_sig = witness(&copy("b.json"), false);
    assert_eq!(bad_sig.status.code(), Some(3), "{}", text(&bad_sig));
    assert!(text(&bad_sig).contains("ALARM: the checkpoint's signature is not valid"), "{}", text(&bad_sig));
    rt.block_on(sqlx::query("UPDATE audit_checkpoints SET note = $1 WHERE tree_size = $2").bind(&honest.note).bind(size as i64).execute(store.pool())).unwrap();

    // Entries that do not hash to the signed root (an event altered, the tree left alone).
    let (payload,): (String,) = rt.block_on(sqlx::query_as("SELECT payload FROM events WHERE seq = 5").fetch_one(store.pool())).unwrap();
    sql("UPDATE events SET payload = '{\"forged\":1}' WHERE seq = 5");
    let bad_entries = witness(&dir.path().join("fresh.json"), false);
    assert_eq!(bad_entries.status.code(), Some(3), "{}", text(&bad_entries));
    assert!(text(&bad_entries).contains("do not hash to the signed root"), "{}", text(&bad_entries));
    rt.block_on(sqlx::query("UPDATE events SET payload = $1 WHERE seq = 5").bind(&payload).execute(store.pool())).unwrap();

    // A split view: another root for the same size, signed with the log's own key.
    let other_root = [7u8; 32];
    let split_note = signer.sign(&xiezhi_audit::Checkpoint { origin: "xiezhi".into(), size, root: other_root });
    rt.block_on(
        sqlx::query("UPDATE audit_checkpoints SET note = $1, root = $2 WHERE tree_size = $3")
            .bind(&split_note)
            .bind(other_root.to_vec())
            .bind(size as i64)
            .execute(store.pool()),
    )
    .unwrap();
    let split = witness(&copy("c.json"), false);
    assert_eq!(split.status.code(), Some(3), "{}", text(&split));
    assert!(text(&split).contains("ALARM: SPLIT VIEW"), "{}", text(&split));
    rt.block_on(
        sqlx::query("UPDATE audit_checkpoints SET note = $1, root = $2 WHERE tree_size = $3")
            .bind(&honest.note)
            .bind(honest.root.to_vec())
            .bind(size as i64)
            .execute(store.pool()),
    )
    .unwrap();

    // A rollback: the log grows and is witnessed, then is cut back to what it was.
    change(&data, &url, "a-new-password-1\n");
    wait_for_checkpoint(&store, &rt, size + 1);
    let state_b = copy("d.json");
    let grown = witness(&state_b, false);
    assert!(grown.status.success(), "{}", text(&grown));
    sql(&format!("DELETE FROM events WHERE seq >= {size}"));
    sql(&format!("DELETE FROM audit_checkpoints WHERE tree_size > {size}"));
    let rolled = witness(&state_b, false);
    assert_eq!(rolled.status.code(), Some(3), "{}", text(&rolled));
    assert!(text(&rolled).contains(&format!("ALARM: ROLLBACK: the log now claims {size} entries, but {} were seen", size + 1)), "{}", text(&rolled));
    drop(server);
    rt.block_on(store.close());
}

#[test]
fn witness_alarms_on_sqlite() {
    witness_alarms(None);
}

#[test]
fn witness_alarms_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_postgres());
    rt.block_on(store.close());
    witness_alarms(Some(url));
}
