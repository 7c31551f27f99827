//! The audit log end to end through the binary: a witness follows a live server on SQLite and
//! on PostgreSQL, accepts honest growth, and raises the alarm when history is rewritten under
//! it; `audit verify` finds altered and deleted events.

use xiezhi_store::{SqlStore, Store};

mod common;
use common::{db_args, serve, text, xiezhi};

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

    let verify = xiezhi(&[&["audit", "verify"][..], &db_args(&data, &url).iter().map(String::as_str).collect::<Vec<_>>()].concat(), None);
    assert!(verify.status.success(), "{}", text(&verify));

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

    let verify = xiezhi(&[&["audit", "verify"][..], &db_args(&data, &url).iter().map(String::as_str).collect::<Vec<_>>()].concat(), None);
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
    assert!(text(&verify).contains(&format!("checkpoint {}: the events do not hash to the signed root", size + 1)), "{}", text(&verify));

    // A plain alteration (the tree left alone) is pinpointed by its index.
    rt.block_on(sqlx::query("UPDATE events SET kind = 'unit.deleted' WHERE seq = 2000").execute(store.pool())).unwrap();
    let verify = xiezhi(&[&["audit", "verify"][..], &db_args(&data, &url).iter().map(String::as_str).collect::<Vec<_>>()].concat(), None);
    assert!(text(&verify).contains("TAMPERED: index 2000"), "{}", text(&verify));
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
