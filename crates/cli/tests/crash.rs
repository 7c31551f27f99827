//! Take the server down while clients walk cases through it, on SQLite and on PostgreSQL — by
//! killing it (SIGKILL), and by cutting the power under it (the data folders on lossyfs, which
//! drops every write not yet synced, then every process killed): every command it acknowledged
//! is in the record afterwards, nothing is half-applied (every read model equals the replay of
//! its events, the audit log verifies), and the restarted server carries on from there.

use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xiezhi_lossyfs::LossyFs;
use xiezhi_store::prelude::*;
use xiezhi_store::testing::{init_cluster, PoweredCluster};
use xiezhi_store::SqlStore;

mod common;
use common::http::{call, client, token, unit, Http};
use common::{db_args, serve, text, xiezhi, Server};

/// What the server acknowledged: case, version after the command, the command's leaves.
type Acks = Arc<Mutex<Vec<(i64, i64, Vec<i64>)>>>;

/// Run clients against a server on `data` (and `url`) until it has acknowledged 400 commands,
/// take it down with `fail` (which also brings the database back when it went down with it),
/// then check that the record holds every acknowledged command.
fn crash_and_recover(data: &Path, url: Option<String>, fail: impl FnOnce(&mut Server)) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let data = data.to_str().unwrap().to_string();
    let mut server = serve(&data, &url, &[]);
    let base = server.1.clone();
    let acks: Acks = Arc::default();
    // Set before the failure: from then on a refusal or an error ends a client instead of failing it.
    let down = Arc::new(AtomicBool::new(false));
    let http: Http = client();

    rt.block_on(async {
        let police = token(&http, &base, "police.990101", "xiezhi-demo").await;
        let prosecutor = token(&http, &base, "procuratorate.990101", "xiezhi-demo").await;
        let judge = token(&http, &base, "court.990101", "xiezhi-demo").await;
        let procuratorate = unit(&http, &base, &police, "990101", "procuratorate").await;
        let court = unit(&http, &base, &police, "990101", "court_basic").await;
        let steps = Arc::new(vec![
            (police.clone(), json!({"command": "request_arrest_approval", "to": procuratorate})),
            (prosecutor.clone(), json!({"command": "receive"})),
            (prosecutor.clone(), json!({"command": "approve_arrest"})),
            (police.clone(), json!({"command": "transfer_for_prosecution", "to": procuratorate})),
            (prosecutor.clone(), json!({"command": "receive"})),
            (prosecutor.clone(), json!({"command": "accept_for_review", "plea": true})),
            (prosecutor.clone(), json!({"command": "indict", "to": court})),
            (judge.clone(), json!({"command": "receive"})),
        ]);
        let mut clients = Vec::new();
        for k in 0..12 {
            let (http, base, acks, steps, police, down) = (http.clone(), base.clone(), acks.clone(), steps.clone(), police.clone(), down.clone());
            clients.push(tokio::spawn(async move {
                for i in 0.. {
                    let body = json!({"case_no": format!("CRASH-{k}-{i}"), "title": "盗窃案", "persons": [{"name": "张某", "custody": "detained"}]});
                    let case = match call(&http, &base, "/api/v1/cases", Some(&police), body).await {
                        Ok((201, case)) => case,
                        Ok(_) if down.load(Ordering::SeqCst) => return,
                        Ok((status, v)) => panic!("registration refused: {status} {v}"),
                        Err(_) => return, // the server is gone
                    };
                    let id = case["id"].as_i64().unwrap();
                    acks.lock().unwrap().push((id, case["version"].as_i64().unwrap(), serde_json::from_value(case["audit_leaves"].clone()).unwrap()));
                    for (token, command) in steps.iter() {
                        match call(&http, &base, &format!("/api/v1/cases/{id}/commands"), Some(token), command.clone()).await {
                            Ok((200, c)) => {
                                acks.lock().unwrap().push((id, c["version"].as_i64().unwrap(), serde_json::from_value(c["audit_leaves"].clone()).unwrap()))
                            }
                            Ok(_) if down.load(Ordering::SeqCst) => return,
                            Ok((status, v)) => panic!("{command}: {status} {v}"),
                            Err(_) => return, // the server is gone
                        }
                    }
                }
            }));
        }
        // Let the load build up, then pull the plug without warning — within a minute, and
        // failing loudly if the clients stopped (one that panics stops the run, not hangs it).
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while acks.lock().unwrap().len() < 400 {
            assert!(!clients.iter().any(|c| c.is_finished()), "a client stopped before the crash, after {} acknowledgements", acks.lock().unwrap().len());
            assert!(std::time::Instant::now() < deadline, "only {} acknowledgements in 60 s", acks.lock().unwrap().len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        down.store(true, Ordering::SeqCst);
        fail(&mut server);
        for c in clients {
            c.await.unwrap();
        }
    });
    drop(server);
    let acks = acks.lock().unwrap().clone();
    assert!(acks.len() >= 400);

    // Every acknowledged command is in the record, at or beyond the acknowledged version.
    let store = rt.block_on(SqlStore::connect(&url.clone().unwrap_or_else(|| format!("sqlite://{data}/xiezhi.db")))).unwrap();
    for (id, version, leaves) in &acks {
        let case = rt.block_on(store.case(*id)).unwrap().unwrap_or_else(|| panic!("acknowledged case {id} lost"));
        assert!(case.version >= *version, "case {id}: version {} < acknowledged {version}", case.version);
        let events = rt.block_on(store.events_of(&format!("case:{id}"), 1000)).unwrap();
        for leaf in leaves {
            assert!(events.iter().any(|e| e.seq == *leaf), "case {id}: acknowledged leaf {leaf} lost");
        }
    }
    rt.block_on(store.close());

    // Nothing half-applied: every read model equals its replay; the audit log verifies.
    let db = db_args(&data, &url);
    let db: Vec<&str> = db.iter().map(String::as_str).collect();
    let check = xiezhi(&[&["rebuild", "--check"][..], &db].concat(), None);
    assert!(check.status.success() && text(&check).contains("every read model equals the replay"), "{}", text(&check));
    let verify = xiezhi(&[&["audit", "verify"][..], &db].concat(), None);
    assert!(verify.status.success(), "{}", text(&verify));

    // The restarted server answers for an acknowledged case as the record has it.
    let server = serve(&data, &url, &[]);
    let (id, version, _) = acks[acks.len() / 2];
    rt.block_on(async {
        let police = token(&http, &server.1, "police.990101", "xiezhi-demo").await;
        let (status, case) = common::http::get(&http, &server.1, &format!("/api/v1/cases/{id}"), &police).await;
        assert_eq!(status, 200);
        assert!(case["version"].as_i64().unwrap() >= version, "{case}");
    });
}

fn kill(server: &mut Server) {
    server.0.kill().unwrap();
    server.0.wait().unwrap();
}

#[test]
fn sqlite_acknowledged_commands_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_recover(dir.path(), None, kill);
}

/// With the database's own durability on: the other tests' cluster runs with `fsync=off` for
/// speed; this one runs on a cluster with `fsync=on` and `synchronous_commit=on`, and checks it.
#[test]
fn postgres_acknowledged_commands_survive_a_kill() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, url) = rt.block_on(xiezhi_store::testing::fresh_durable_postgres());
    rt.block_on(async {
        for (setting, want) in [("fsync", "on"), ("synchronous_commit", "on")] {
            let (value,): (String,) = sqlx::query_as(&format!("SHOW {setting}")).fetch_one(store.pool()).await.unwrap();
            assert_eq!(value, want, "{setting}");
        }
        store.close().await;
    });
    let dir = tempfile::tempdir().unwrap();
    crash_and_recover(dir.path(), Some(url), kill);
}

/// A disk behind lossyfs: `backing` holds what survives a power cut; processes use `mount`.
struct Disk {
    // Dropped in this order: the layer stops before its folders are removed.
    fs: Option<LossyFs>,
    root: tempfile::TempDir,
}

impl Disk {
    fn new() -> Disk {
        let root = tempfile::tempdir().unwrap();
        for d in ["backing", "mount"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        // PostgreSQL runs as its own user and must reach its folder through ours.
        std::fs::set_permissions(root.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let mut disk = Disk { fs: None, root };
        disk.power_on();
        disk
    }
    fn backing(&self) -> std::path::PathBuf {
        self.root.path().join("backing")
    }
    fn mount(&self) -> std::path::PathBuf {
        self.root.path().join("mount")
    }
    /// Mount a fresh layer (after a cut, on what the disk kept).
    fn power_on(&mut self) {
        if let Some(old) = self.fs.take() {
            old.unmount();
        }
        let fs = LossyFs::mount(&self.backing(), &self.mount()).expect("mount lossyfs: the power-loss tests need /dev/fuse and root (or CAP_SYS_ADMIN)");
        self.fs = Some(fs);
    }
    /// The power fails: what was not synced is gone, every operation fails from now on; says
    /// how many pages were lost.
    fn cut(&mut self) -> usize {
        let cut = self.fs.as_ref().expect("the disk is on").cut().expect("put back the synced state");
        eprintln!("power cut: {} unsynced pages of {} files dropped", cut.pages, cut.files);
        cut.pages
    }
}

/// The power fails under a server on SQLite whose data folder (database, WAL, audit key) is on
/// lossyfs: everything it acknowledged had been synced, so it is all there when the power is back.
#[test]
fn sqlite_acknowledged_commands_survive_a_power_cut() {
    let mut disk = Disk::new();
    let data = disk.mount().join("xiezhi");
    std::fs::create_dir(&data).unwrap();
    let mut lost = 0;
    crash_and_recover(&data, None, |server| {
        lost = disk.cut();
        kill(server);
        disk.power_on();
    });
    assert!(lost > 0, "the cut dropped unsynced writes (else it proved nothing)");
}

/// The power fails under PostgreSQL (`fsync=on`) and the server: the cluster's data folder and
/// the server's data folder are on lossyfs; after the cut PostgreSQL recovers from its WAL and
/// every acknowledged command is there.
#[test]
fn postgres_acknowledged_commands_survive_a_power_cut() {
    let mut disk = Disk::new();
    init_cluster(&disk.backing().join("pg"));
    let mut pg = PoweredCluster::start(&disk.mount().join("pg"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let admin = sqlx::PgPool::connect(&pg.url("postgres")).await.unwrap();
        sqlx::query("CREATE DATABASE xiezhi").execute(&admin).await.unwrap();
        admin.close().await;
    });
    let data = disk.mount().join("xiezhi");
    std::fs::create_dir(&data).unwrap();
    let mut lost = 0;
    crash_and_recover(&data, Some(pg.url("xiezhi")), |server| {
        lost = disk.cut();
        kill(server);
        pg.power_off();
        disk.power_on();
        pg.start_again();
    });
    assert!(lost > 0, "the cut dropped unsynced writes (else it proved nothing): {}", pg.log());
}
