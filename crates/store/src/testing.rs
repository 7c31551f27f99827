//! Real databases for tests: a fresh SQLite file, or a fresh database on a throwaway
//! PostgreSQL cluster that this process starts (initdb + pg_ctl on a free port in a temporary
//! folder) and that a watchdog stops and removes when the process ends. Nothing here assumes a
//! server is already running, and a missing PostgreSQL is a failure that says what to install.

use crate::SqlStore;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A running throwaway cluster.
pub struct PgCluster {
    pub port: u16,
    pub dir: PathBuf,
}

impl PgCluster {
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

fn bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if p.join("initdb").exists() {
            return p;
        }
    }
    let mut found: Vec<PathBuf> =
        std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|e| e.path().join("bin")).filter(|p| p.join("initdb").exists()).collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries (initdb, pg_ctl) not found: install them, e.g. `apt-get install postgresql` on Debian; the tests start their own throwaway cluster")
    })
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(out.status.success(), "{what} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// `cmd args…`, as the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn pg_command(bin: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin).args(args);
        c
    } else {
        let mut c = Command::new(bin);
        c.args(args);
        c
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Start a cluster that lives until this process ends (`fsync=off`: a test's data need not
/// outlive a power cut).
pub fn start_cluster() -> PgCluster {
    start_cluster_with(false)
}

/// `initdb` a new cluster into `data` (its parent must exist), as `postgres` when we are root.
pub fn init_cluster(data: &Path) {
    let bin = bindir();
    let parent = data.parent().expect("the data folder has a parent");
    if is_root() {
        run(Command::new("chown").args(["postgres:postgres"]).arg(parent), "chown the cluster folder to postgres");
    }
    let data_s = data.to_string_lossy().to_string();
    run(&mut pg_command(&bin.join("initdb"), &["-D", &data_s, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]), "initdb");
}

/// `pg_ctl start` the cluster in `data` on `port`, its socket and log in `dir`; waits until it
/// accepts connections.
fn pg_start(data: &Path, dir: &Path, port: u16, fsync: bool) {
    let opts = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=200", dir.display(), if fsync { "on" } else { "off" });
    let log = dir.join("log");
    let data_s = data.to_string_lossy().to_string();
    let out = pg_command(&bindir().join("pg_ctl"), &["-D", &data_s, "-o", &opts, "-l", &log.to_string_lossy(), "-w", "start"]).output().expect("run pg_ctl");
    assert!(out.status.success(), "pg_ctl start failed: {}\n{}", String::from_utf8_lossy(&out.stdout), std::fs::read_to_string(&log).unwrap_or_default());
}

/// Start a cluster with or without `fsync`, for the tests that prove durability.
pub fn start_cluster_with(fsync: bool) -> PgCluster {
    let bin = bindir();
    let dir = std::env::temp_dir().join(format!("xiezhi-pg-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let data = dir.join("data");
    init_cluster(&data);
    let port = free_port();
    pg_start(&data, &dir, port, fsync);
    // The watchdog outlives us: when this process is gone it stops the cluster and removes it.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {runas}{pg_ctl} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        runas = if is_root() { "runuser -u postgres -- " } else { "" },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    // `setsid --fork` returns at once, leaving the watchdog in its own session.
    let started = Command::new("setsid").args(["--fork", "sh", "-c", &stop]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(started.is_ok_and(|s| s.success()), "start the cluster watchdog (setsid, from util-linux)");
    PgCluster { port, dir }
}

/// A cluster with `fsync=on` on a data folder of the caller's (made with [`init_cluster`]),
/// for the power-loss test: it can lose power — every one of its processes killed at once,
/// nothing shut down — and be started again on what its disk kept. Killed when dropped.
pub struct PoweredCluster {
    pub port: u16,
    data: PathBuf,
    /// Socket and log.
    dir: tempfile::TempDir,
    postmaster: Option<u32>,
    powered_off: bool,
}

impl PoweredCluster {
    pub fn start(data: &Path) -> PoweredCluster {
        let dir = tempfile::tempdir().expect("temporary folder");
        if is_root() {
            run(Command::new("chown").args(["postgres:postgres"]).arg(dir.path()), "chown the socket folder to postgres");
        }
        let mut c = PoweredCluster { port: free_port(), data: data.to_path_buf(), dir, postmaster: None, powered_off: false };
        c.start_again();
        c
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Start the cluster on what its data folder holds (after a power cut: crash recovery).
    pub fn start_again(&mut self) {
        if self.powered_off {
            // After a real power cut no process has the old postmaster's pid; here its zombie may
            // (nothing reaps it in a container), which PostgreSQL would take for a live server, in its
            // lock files.
            let _ = std::fs::remove_file(self.data.join("postmaster.pid"));
            let _ = std::fs::remove_file(self.dir.path().join(format!(".s.PGSQL.{}.lock", self.port)));
            self.powered_off = false;
        }
        pg_start(&self.data, self.dir.path(), self.port, true);
        let pid = std::fs::read_to_string(self.data.join("postmaster.pid")).expect("postmaster.pid");
        self.postmaster = Some(pid.lines().next().and_then(|l| l.trim().parse().ok()).expect("the postmaster's pid"));
    }

    /// Every process of the cluster killed at once, the postmaster first stopped so it starts no
    /// new one; returns when they are all gone.
    pub fn power_off(&mut self) {
        let Some(pid) = self.postmaster.take() else { return };
        self.powered_off = true;
        let pid = pid.to_string();
        let _ = Command::new("kill").args(["-STOP", &pid]).status();
        let children = Command::new("pgrep").args(["-P", &pid]).output().map(|o| String::from_utf8_lossy(&o.stdout).to_string()).unwrap_or_default();
        let mut all: Vec<&str> = children.split_whitespace().collect();
        all.push(&pid);
        let _ = Command::new("kill").arg("-KILL").args(&all).status();
        // Gone, or a zombie that holds nothing.
        let alive = |p: &str| {
            std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while all.iter().any(|p| alive(p)) {
            assert!(std::time::Instant::now() < deadline, "the cluster's processes did not die");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The server's log, for a failure message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for PoweredCluster {
    fn drop(&mut self) {
        self.power_off();
    }
}

static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// This process's cluster, started on first use.
pub fn cluster() -> &'static PgCluster {
    CLUSTER.get_or_init(start_cluster)
}

static DURABLE: OnceLock<PgCluster> = OnceLock::new();

/// A fresh, migrated database on a cluster that syncs every commit (`fsync=on`), started on
/// first use.
pub async fn fresh_durable_postgres() -> (SqlStore, String) {
    fresh_on(DURABLE.get_or_init(|| start_cluster_with(true))).await
}

/// A fresh, migrated database on the throwaway cluster.
pub async fn fresh_postgres() -> (SqlStore, String) {
    fresh_on(cluster()).await
}

async fn fresh_on(c: &PgCluster) -> (SqlStore, String) {
    let name = format!("t_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = sqlx::PgPool::connect(&c.admin_url()).await.expect("connect to the throwaway cluster");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create database");
    admin.close().await;
    let url = c.url(&name);
    (SqlStore::connect(&url).await.expect("open fresh postgres database"), url)
}

/// A fresh SQLite database in its own temporary folder (kept alive by the returned guard).
pub async fn fresh_sqlite() -> (SqlStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    (SqlStore::open_data_dir(dir.path()).await.expect("open fresh sqlite database"), dir)
}
