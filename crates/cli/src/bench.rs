//! `xiezhi bench`: figures for the closing notes, measured on this machine in one run.

use clap::Subcommand;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use xiezhi_core::Subject;
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
    /// Complete lifecycles through the HTTP API of a real server on loopback — cases, disputes,
    /// hotline calls and Open311 requests, one scenario after another: transitions per second and
    /// latency, beside the raw fsync rate and a bare HTTP rate. A size of 0 skips that scenario.
    Flow {
        /// Case lifecycles to run (18 transitions each).
        #[arg(long, default_value_t = 2000)]
        cases: usize,
        /// Dispute lifecycles (18 transitions each).
        #[arg(long, default_value_t = 2000)]
        disputes: usize,
        /// Hotline calls (10 transitions each).
        #[arg(long, default_value_t = 3000)]
        calls: usize,
        /// Open311 service requests (one POST each).
        #[arg(long, default_value_t = 20000)]
        open311: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// An empty PostgreSQL database to use instead of a temporary SQLite one.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Read paths on an existing database (e.g. after `xiezhi demo --cases 1000000`): the province
    /// committee's overdue list, a unit's inbox, a unit's case list, the committee's counts.
    Queries {
        /// Data folder of the SQLite database.
        #[arg(long, value_name = "DIR")]
        data: Option<std::path::PathBuf>,
        /// A PostgreSQL database instead.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Repetitions (the median is reported).
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    /// The outbox: N notices waiting for one subscriber (a receiver on loopback that answers
    /// 204), delivered by the server's worker — deliveries per second, beside the raw fsync rate.
    Outbox {
        #[arg(long, default_value_t = 20_000)]
        notices: usize,
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Disputes: seed N through the dispute machine into a fresh SQLite database (or an empty
    /// PostgreSQL one), then time the ledger (its first page and its indicators over the whole
    /// province), the high-risk list, the busiest inbox and a province-wide search; and the
    /// rate of dispute commands (register, then grade) through the application layer.
    Disputes {
        #[arg(long, default_value_t = 100_000)]
        disputes: usize,
        /// Repetitions of each read (the median is reported).
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Concurrent writers for the command rate.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Audit log: batched appends, inclusion and consistency proofs from the database at the
    /// final size, and `audit verify` throughput beside this machine's raw SHA-256 rate.
    Audit {
        /// Leaves to append.
        #[arg(long, default_value_t = 1_000_000)]
        leaves: u64,
        /// Events per transaction.
        #[arg(long, default_value_t = 2000)]
        batch: u64,
        /// An empty PostgreSQL database to use instead of a temporary SQLite one.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Keep the SQLite database here (reused if it already holds at least --leaves events).
        #[arg(long, value_name = "DIR")]
        data: Option<std::path::PathBuf>,
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
pub async fn start_server(extra: &[&str]) -> anyhow::Result<(tokio::process::Child, String, Duration, tempfile::TempDir)> {
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

/// User + system CPU time of this process so far, from /proc (Linux), in seconds.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) end with ")"; utime and stime are
    // fields 14 and 15, in clock ticks (100 per second on Linux).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let (user, system): (f64, f64) = (fields.next()?.parse().ok()?, fields.next()?.parse().ok()?);
    Some((user + system) / 100.0)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn audit(leaves: u64, batch: u64, database: Option<String>, data: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    use rand::Rng;
    use xiezhi_audit::{consistency_ranges, hash_ranges, inclusion_ranges, leaf_hash, node_hash, nodes_for};
    use xiezhi_store::prelude::*;
    use xiezhi_store::{By, NewEvent};
    let _dir;
    let (store, sqlite_dir) = match (&database, &data) {
        (Some(url), _) => (SqlStore::connect(url).await?, None),
        (None, Some(dir)) => (SqlStore::open_data_dir(dir).await?, Some(dir.clone())),
        (None, None) => {
            _dir = tempfile::tempdir()?;
            (SqlStore::open_data_dir(_dir.path()).await?, Some(_dir.path().to_path_buf()))
        }
    };
    let payload = |i: u64| serde_json::json!({"case": format!("CASE-2026-{i:08}"), "stage": "prosecution_review", "unit": i % 1611, "note": "移送审查起诉"});
    let have = store.audit_size().await?;
    if have < leaves {
        // Two appenders, as two request handlers would be: one prepares its events (payload text
        // and digest) while the other's batch is in the database.
        let t = Instant::now();
        let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(have));
        let appenders: Vec<_> = (0..2)
            .map(|_| {
                let (store, next) = (store.clone(), next.clone());
                tokio::spawn(async move {
                    loop {
                        let start = next.fetch_add(batch, std::sync::atomic::Ordering::Relaxed);
                        if start >= leaves {
                            return anyhow::Ok(());
                        }
                        let n = batch.min(leaves - start);
                        let events = (start..start + n).map(|i| NewEvent::new(Subject::Case((i / 12) as i64), "case.transition", payload(i))).collect();
                        store.append_events(events, By { at: 1_790_000_000_000_000 + start as i64, user_id: Some(1), unit_id: Some(1) }).await?;
                    }
                })
            })
            .collect();
        for a in appenders {
            a.await??;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "append, batches of {batch}, 2 appenders, durable commits: {:>8.0} leaves/s ({} leaves in {secs:.1} s)",
            (leaves - have) as f64 / secs,
            leaves - have
        );
    }
    let size = store.audit_size().await?;
    let mut rng = rand::rng();
    let mut incl = Vec::new();
    let mut cons = Vec::new();
    for _ in 0..1000 {
        let i = rng.random_range(0..size);
        let t = Instant::now();
        let ranges = inclusion_ranges(i, size);
        let nodes = store.audit_nodes(&nodes_for(&ranges)).await?;
        hash_ranges(&ranges, &nodes).ok_or_else(|| anyhow::anyhow!("missing nodes"))?;
        incl.push(t.elapsed());
        let m = rng.random_range(1..size);
        let t = Instant::now();
        let ranges = consistency_ranges(m, size);
        let nodes = store.audit_nodes(&nodes_for(&ranges)).await?;
        hash_ranges(&ranges, &nodes).ok_or_else(|| anyhow::anyhow!("missing nodes"))?;
        cons.push(t.elapsed());
    }
    incl.sort();
    cons.sort();
    println!("inclusion proof at {size} leaves:   median {:>8.3?}  p99 {:>8.3?}", percentile(&incl, 0.5), percentile(&incl, 0.99));
    println!("consistency proof at {size} leaves: median {:>8.3?}  p99 {:>8.3?}", percentile(&cons, 0.5), percentile(&cons, 0.99));

    // The hashing verify must do per event (payload digest, leaf, one node on average), alone, on
    // one core and on every core, each for at least half a second; then verify itself. Five
    // rounds, interleaved, so a slow or a fast phase of the machine falls on all three measures of
    // a round; each round's ratios, and their medians.
    let sample = store.events(0, size.min(200_000)).await?;
    let hash_all = |events: &[xiezhi_store::Event]| {
        let mut acc = [0u8; 32];
        for e in events {
            acc = node_hash(&acc, &leaf_hash(&e.leaf_input()));
        }
        std::hint::black_box(acc);
        events.len() as u64
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let raw_rate = |threads: usize| {
        let t = Instant::now();
        let hashed: u64 = std::thread::scope(|s| {
            let workers: Vec<_> = sample
                .chunks(sample.len().div_ceil(threads).max(1))
                .map(|part| {
                    s.spawn(move || {
                        let mut n = 0;
                        while t.elapsed() < Duration::from_millis(500) {
                            n += hash_all(part);
                        }
                        n
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("hashing thread")).sum()
        });
        hashed as f64 / t.elapsed().as_secs_f64()
    };
    println!("raw SHA-256 work of verify = payload digest + leaf + node per event; verify reads and hashes on every core");
    let mut of_one = Vec::new();
    let mut of_all = Vec::new();
    if let Some(dir) = &sqlite_dir {
        // Pages still in the WAL are read with a system call each, not from the memory map.
        let mb = |name: &str| std::fs::metadata(dir.join(name)).map_or(0.0, |m| m.len() as f64 / 1e6);
        println!("verify reads {:.1} MB of database and {:.1} MB of WAL", mb("xiezhi.db"), mb("xiezhi.db-wal"));
    }
    for round in 1..=5 {
        let (raw, raw_all) = (raw_rate(1), raw_rate(cores));
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let (problems, checked, _) = crate::audit::check(&store, None).await?;
        let secs = t.elapsed().as_secs_f64();
        anyhow::ensure!(problems.is_empty(), "verify found problems: {problems:?}");
        let rate = checked as f64 / secs;
        let busy = cpu_seconds().zip(cpu).map_or("?".to_string(), |(after, before)| format!("{:.2}", (after - before) / secs));
        of_one.push(100.0 * rate / raw);
        of_all.push(100.0 * rate / raw_all);
        println!(
            "  round {round}: raw {raw:>9.0}/s on one core, {raw_all:>9.0}/s on {cores}; verify {rate:>9.0}/s = {:>3.0}% of one core, {:>3.0}% of {cores} ({busy} cores busy)",
            of_one[round - 1],
            of_all[round - 1]
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "audit verify from the database, median of the rounds: {:.0}% of the one-core raw rate, {:.0}% of the {cores}-core one",
        median(&mut of_one),
        median(&mut of_all)
    );
    store.close().await;
    Ok(())
}

async fn queries(data: Option<std::path::PathBuf>, database: Option<String>, runs: usize) -> anyhow::Result<()> {
    use xiezhi_store::prelude::*;
    use xiezhi_store::CaseFilter;
    let store = match (&database, &data) {
        (Some(url), _) => SqlStore::connect(url).await?,
        (None, Some(dir)) => SqlStore::open_data_dir(dir).await?,
        (None, None) => anyhow::bail!("give --data DIR or --database URL of a database with demo cases"),
    };
    let cases = store.counts().await?.cases;
    let today = xiezhi_server::state::china_now().date();
    let overdue = (today - time::Duration::days(1)).to_string();
    let (busiest,): (i64,) =
        sqlx::query_as("SELECT pending_unit_id FROM cases WHERE pending_unit_id IS NOT NULL GROUP BY pending_unit_id ORDER BY COUNT(*) DESC LIMIT 1")
            .fetch_one(store.pool())
            .await?;
    let (police,): (i64,) =
        sqlx::query_as("SELECT holder_unit_id FROM cases GROUP BY holder_unit_id ORDER BY COUNT(*) DESC LIMIT 1").fetch_one(store.pool()).await?;
    println!("{cases} cases; today {today}");
    let province = CaseFilter { region_prefix: Some("99".into()), due_by: Some(overdue.clone()), limit: 50, ..Default::default() };
    let checks: Vec<(&str, CaseFilter)> = vec![
        ("province committee: overdue, first page of 50", province.clone()),
        ("inbox of the unit with most hand-overs waiting", CaseFilter { pending_for: Some(busiest), limit: 1000, ..Default::default() }),
        ("case list of the busiest unit, first page of 50", CaseFilter { unit_id: Some(police), limit: 50, ..Default::default() }),
        ("inbox page as shown (100, with state)", CaseFilter { pending_for: Some(busiest), limit: 100, with_state: true, ..Default::default() }),
        ("search a name in the busiest unit's cases (50)", CaseFilter { unit_id: Some(police), text: Some("王".into()), limit: 50, ..Default::default() }),
        (
            "search the province for a number no case has",
            CaseFilter { region_prefix: Some("99".into()), text: Some("无此号".into()), limit: 50, ..Default::default() },
        ),
    ];
    for (name, filter) in checks {
        let mut took = Vec::with_capacity(runs);
        let mut n = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            n = store.cases(filter.clone()).await?.len();
            took.push(t.elapsed());
        }
        took.sort();
        println!("{name:<50} {n:>5} rows  median {:>9.2?}  p99 {:>9.2?}", percentile(&took, 0.5), percentile(&took, 0.99));
    }
    let mut took = Vec::new();
    for _ in 0..runs.clamp(1, 10) {
        let t = Instant::now();
        store.case_counts(province.clone()).await?;
        took.push(t.elapsed());
    }
    took.sort();
    println!("{:<50} {:>5}       median {:>9.2?}", "province committee: counts by region and stage", "", percentile(&took, 0.5));

    // The same questions of the docket (every kind of work) and its counters.
    use xiezhi_store::{DocketFilter, DocketStore};
    let docket_checks: Vec<(&str, DocketFilter)> = vec![
        (
            "docket: province overdue, first page of 50",
            DocketFilter { region_prefix: Some("99".into()), active_only: true, due_by: Some(overdue.clone()), limit: 50, ..Default::default() },
        ),
        (
            "docket: a county's overdue, first page of 50",
            DocketFilter { region_prefix: Some("990101".into()), active_only: true, due_by: Some(overdue.clone()), limit: 50, ..Default::default() },
        ),
        (
            "docket: the busiest unit's work, first page of 100",
            DocketFilter { next_unit_id: Some(busiest), active_only: true, limit: 100, ..Default::default() },
        ),
        (
            "docket: the busiest unit's work, a page of 1,000",
            DocketFilter { next_unit_id: Some(busiest), active_only: true, limit: 1000, ..Default::default() },
        ),
    ];
    for (name, filter) in docket_checks {
        let mut took = Vec::with_capacity(runs);
        let mut n = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            n = store.docket(filter.clone()).await?.len();
            took.push(t.elapsed());
        }
        took.sort();
        println!("{name:<50} {n:>5} rows  median {:>9.2?}  p99 {:>9.2?}", percentile(&took, 0.5), percentile(&took, 0.99));
    }
    let mut took = Vec::new();
    let mut n = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        n = store.docket_counts("99").await?.len();
        took.push(t.elapsed());
    }
    took.sort();
    println!("{:<50} {n:>5} rows  median {:>9.2?}", "docket: province counts by region, kind and stage", percentile(&took, 0.5));
    let overdue_in = |prefix: &str| DocketFilter { region_prefix: Some(prefix.into()), active_only: true, due_by: Some(overdue.clone()), ..Default::default() };
    for (name, filter) in
        [("docket: province overdue by region, kind and stage", overdue_in("99")), ("docket: a county's overdue by kind and stage", overdue_in("990101"))]
    {
        let mut took = Vec::new();
        for _ in 0..runs.clamp(1, 10) {
            let t = Instant::now();
            n = store.docket_tally(filter.clone()).await?.len();
            took.push(t.elapsed());
        }
        took.sort();
        println!("{name:<50} {n:>5} rows  median {:>9.2?}", percentile(&took, 0.5));
    }
    Ok(())
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Queries { data, database, runs } => queries(data, database, runs).await?,
        BenchCommand::Disputes { disputes, runs, concurrency, database } => disputes_bench(disputes, runs, concurrency, database).await?,
        BenchCommand::Outbox { notices, database } => outbox_bench(notices, database).await?,
        BenchCommand::Flow { cases, disputes, calls, open311, concurrency, database } => {
            crate::flow::run(crate::flow::Sizes { cases, disputes, calls, open311 }, concurrency, database).await?
        }
        BenchCommand::Audit { leaves, batch, database, data } => audit(leaves, batch, database, data).await?,
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

async fn outbox_bench(n: usize, database: Option<String>) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use xiezhi_store::{DisputeStore, OutboxStore};
    let dir = tempfile::tempdir()?;
    let store = match &database {
        Some(url) => SqlStore::connect(url).await?,
        None => SqlStore::open_data_dir(dir.path()).await?,
    };
    xiezhi_server::demo::seed(&store, 2026, xiezhi_server::state::now_us()).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
    let women = xiezhi_store::OrgStore::list_units(
        &store,
        xiezhi_store::UnitFilter { kind: Some(xiezhi_core::UnitKind::WomensFederation), limit: 1, ..Default::default() },
    )
    .await?[0]
        .clone();
    // The subscriber: counts what it is given, once per delivery id.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::<String>::new()));
    let calls = std::sync::Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let (s2, c2) = (seen.clone(), calls.clone());
    tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap| {
                let (seen, calls) = (s2.clone(), c2.clone());
                async move {
                    calls.fetch_add(1, Ordering::Relaxed);
                    let id = headers.get("x-xiezhi-delivery").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                    seen.lock().unwrap().insert(id);
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        );
        let _ = axum::serve(listener, app).await;
    });
    store.create_webhook(women.id, url, "bench-secret".into(), xiezhi_store::By::system(xiezhi_server::state::now_us())).await?;
    // N referrals' notices, written as imported disputes (one notice each).
    let t = Instant::now();
    let write = |i: usize| xiezhi_store::DisputeWrite {
        title: format!("推送压测 {i}"),
        region: women.region,
        channel: "governance_centre".into(),
        category: "marriage_family".into(),
        risk: None,
        stage: "registered".into(),
        outcome: None,
        holder_unit_id: women.id,
        pending_unit_id: Some(women.id),
        due_date: None,
        due_provisional: false,
        is_group: false,
        party_count: 2,
        amount: None,
        reported: false,
        linked_cases: 0,
        followed_up: false,
        satisfaction: None,
        received_on: "2026-11-30".into(),
        search: String::new(),
        state: "{}".into(),
        units: vec![women.id],
        events: vec![("referred".into(), xiezhi_store::Payload::from(serde_json::json!({"event": "referred"})))],
        event_times: vec![],
        claim: None,
        notices: vec![xiezhi_store::Notice {
            unit_id: women.id,
            kind: "dispute.referred".into(),
            subject: String::new(),
            body: serde_json::json!({"title": format!("推送压测 {i}"), "category": "marriage_family"}).to_string(),
        }],
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        store.import_disputes(chunk.iter().map(|&i| write(i)).collect(), xiezhi_store::By::system(xiezhi_server::state::now_us())).await?;
    }
    println!("{n} notices written with their disputes in {:.1?}", t.elapsed());
    let fsync = crate::flow::fsync_rate(dir.path())?;
    let base = xiezhi_core::Calendar::bundled(xiezhi_core::MakeUpDayPolicy::WorkingDay);
    let state = xiezhi_server::AppState::new(
        store.clone(),
        Default::default(),
        xiezhi_server::state::Calendars::new(base, Default::default()),
        xiezhi_server::audit::LogSigner::new("bench", [1; 32]).map_err(|e| anyhow::anyhow!(e))?,
    );
    let t = Instant::now();
    let worker = tokio::spawn(xiezhi_server::outbox::run(state));
    // Done when every notice is received and recorded as delivered.
    while seen.lock().unwrap().len() < n || store.undelivered().await? > 0 {
        anyhow::ensure!(t.elapsed() < std::time::Duration::from_secs(600), "only {} of {n} delivered in 10 minutes", seen.lock().unwrap().len());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let took = t.elapsed();
    worker.abort();
    let backend = if database.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "{backend}: {n} webhooks delivered in {took:.2?} = {:.0}/s ({} requests: each signed, answered 204, recorded as delivered)",
        n as f64 / took.as_secs_f64(),
        calls.load(Ordering::Relaxed)
    );
    println!("  raw fsync (8 KiB write + fdatasync, one at a time): {fsync:>9.0} /s");
    store.close().await;
    Ok(())
}

async fn disputes_bench(n: usize, runs: usize, concurrency: usize, database: Option<String>) -> anyhow::Result<()> {
    use xiezhi_store::{DisputeFilter, DisputeStore};
    let dir = tempfile::tempdir()?;
    let store = match &database {
        Some(url) => SqlStore::connect(url).await?,
        None => SqlStore::open_data_dir(dir.path()).await?,
    };
    let base = xiezhi_core::Calendar::bundled(xiezhi_core::MakeUpDayPolicy::WorkingDay);
    let calendars = xiezhi_server::state::Calendars::new(base, Default::default());
    let cal = calendars.get();
    xiezhi_server::demo::seed(&store, 2026, xiezhi_server::state::now_us()).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
    let today = xiezhi_server::state::china_now().date();
    let t = Instant::now();
    let made = xiezhi_server::demo::seed_disputes(&store, &cal, n, 2026, today).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
    println!("{made} disputes seeded through the machine in {:.1?} ({:.0}/s, batches of 500)", t.elapsed(), made as f64 / t.elapsed().as_secs_f64());
    let (busiest,): (i64,) =
        sqlx::query_as("SELECT pending_unit_id FROM disputes WHERE pending_unit_id IS NOT NULL GROUP BY pending_unit_id ORDER BY COUNT(*) DESC LIMIT 1")
            .fetch_one(store.pool())
            .await?;
    let province = DisputeFilter { region_prefix: Some("99".into()), limit: 50, ..Default::default() };
    let reads: Vec<(&str, DisputeFilter)> = vec![
        ("ledger: province, first page of 50", province.clone()),
        ("red and orange, open, province, 50", DisputeFilter { risks: vec!["red".into(), "orange".into()], open_only: true, ..province.clone() }),
        ("inbox of the busiest unit (100, with state)", DisputeFilter { pending_for: Some(busiest), limit: 100, with_state: true, ..Default::default() }),
        ("province search for a name no party has", DisputeFilter { text: Some("无此人".into()), ..province.clone() }),
    ];
    for (name, f) in reads {
        let mut took = Vec::new();
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            store.disputes(f.clone()).await?;
            took.push(t.elapsed());
        }
        took.sort();
        println!("{name:<50} median {:>9.2?}  p99 {:>9.2?}", percentile(&took, 0.5), percentile(&took, 0.99));
    }
    for (name, f) in [("ledger indicators: province (tallies)", province.clone()), ("ledger total: province (count)", province.clone())] {
        let mut took = Vec::new();
        for _ in 0..runs.clamp(1, 10) {
            let t = Instant::now();
            if name.contains("tallies") {
                store.dispute_tallies(f.clone()).await?;
            } else {
                store.dispute_count(f.clone()).await?;
            }
            took.push(t.elapsed());
        }
        took.sort();
        println!("{name:<50} median {:>9.2?}", percentile(&took, 0.5));
    }
    // Commands through the application layer: each worker registers disputes and grades them.
    let state = xiezhi_server::AppState::new(
        store.clone(),
        Default::default(),
        calendars,
        xiezhi_server::audit::LogSigner::new("bench", [1; 32]).map_err(|e| anyhow::anyhow!(e))?,
    );
    let centre = xiezhi_store::OrgStore::list_units(
        &store,
        xiezhi_store::UnitFilter { kind: Some(xiezhi_core::UnitKind::GovernanceCentre), limit: 1, ..Default::default() },
    )
    .await?[0]
        .clone();
    let principal = xiezhi_store::PeopleStore::credentials(&store, &format!("governance.{}", centre.region))
        .await?
        .map(|(u, _)| u)
        .ok_or_else(|| anyhow::anyhow!("no demo user"))?;
    let p = xiezhi_store::Principal { user: principal, unit: centre, csrf_token: String::new() };
    let per = 100;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (state, p) = (state.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for i in 0..per {
                use xiezhi_core::dispute::{Category, Channel, Party, PartyRole, Risk};
                let party = |name: &str, role| Party { name: name.into(), role, organisation: false, phone: None, id_number: None, vulnerable: vec![] };
                let req = xiezhi_server::dto::disputes::NewDisputeRequest {
                    title: format!("压测纠纷 {w}-{i}"),
                    channel: Channel::GovernanceCentre,
                    category: Category::Neighbour,
                    amount: None,
                    group: false,
                    parties: vec![party("甲", PartyRole::Applicant), party("乙", PartyRole::Respondent)],
                };
                let s = Instant::now();
                let (r, ..) = xiezhi_server::app::disputes::register(&state, &p, req).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
                lat.push(s.elapsed());
                let cmd = xiezhi_server::dto::disputes::DisputeCommandRequest::Assess {
                    level: Risk::Yellow,
                    factors: vec![],
                    next_review: time::macros::date!(2099 - 01 - 01),
                };
                let s = Instant::now();
                xiezhi_server::app::disputes::command(&state, &p, r.id, cmd).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
                lat.push(s.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for task in tasks {
        lat.extend(task.await??);
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "dispute commands, {concurrency} writers: {} in {secs:.2} s = {:.0}/s; latency median {:.2?}, p99 {:.2?} (group-committed, durable before each answer)",
        lat.len(),
        lat.len() as f64 / secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    store.close().await;
    Ok(())
}
