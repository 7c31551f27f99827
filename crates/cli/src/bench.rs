//! `xiezhi bench`: figures for the closing notes, measured on this machine in one run.

use clap::Subcommand;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use xiezhi_store::SqlStore;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Cold start of `serve` to ready on an empty SQLite database, demo seeding time, idle memory.
    Startup {
        /// Repetitions for each figure (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Also time seeding the demo province into this (empty) PostgreSQL database.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.ok()?;
    String::from_utf8_lossy(&buf).split_whitespace().nth(1)?.parse().ok()
}

/// Start `xiezhi serve` on a fresh data folder; returns the child, its address and the time to ready.
async fn start_server(extra: &[&str]) -> anyhow::Result<(tokio::process::Child, String, Duration, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let addr = loop {
        let line = lines.next_line().await?.ok_or_else(|| anyhow::anyhow!("serve exited before listening"))?;
        if let Some(a) = line.strip_prefix("xiezhi listening on http://") {
            break a.to_string();
        }
    };
    while http_status(&addr, "/readyz").await != Some(200) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok((child, addr, started.elapsed(), dir))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Startup { runs, database } => {
            let runs = runs.max(1);
            let mut starts = Vec::new();
            for _ in 0..runs {
                let (mut child, _, took, _dir) = start_server(&[]).await?;
                starts.push(took);
                child.kill().await?;
            }
            println!(
                "cold start to ready, empty SQLite:   median {:>8.1?} over {runs} runs (min {:.1?}, max {:.1?})",
                median(starts.clone()),
                starts.iter().min().unwrap(),
                starts.iter().max().unwrap()
            );

            let mut seeds = Vec::new();
            for _ in 0..runs {
                let dir = tempfile::tempdir()?;
                let store = SqlStore::open_data_dir(dir.path()).await?;
                let t = Instant::now();
                xiezhi_server::demo::seed(&store, 2026, 0).await?;
                seeds.push(t.elapsed());
                store.close().await;
            }
            println!("seed demo province, SQLite:          median {:>8.1?} over {runs} runs", median(seeds));
            if let Some(url) = database {
                let store = SqlStore::connect(&url).await?;
                let t = Instant::now();
                xiezhi_server::demo::seed(&store, 2026, 0).await?;
                println!("seed demo province, PostgreSQL:      {:>8.1?} (one run)", t.elapsed());
            }

            let (mut child, addr, _, _dir) = start_server(&["--demo"]).await?;
            let pid = child.id().ok_or_else(|| anyhow::anyhow!("no pid"))?;
            for path in ["/sign-in", "/api/v1/deadlines", "/healthz"] {
                http_status(&addr, path).await;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            let rss = rss_kib(pid).ok_or_else(|| anyhow::anyhow!("cannot read /proc/{pid}/status"))?;
            println!("idle resident memory, demo province: {:>8.1} MiB", rss as f64 / 1024.0);
            child.kill().await?;
        }
    }
    Ok(())
}
