//! `xiezhi`: the one binary.

mod audit;
mod bench;
mod config;
mod flow;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use config::{Config, Overrides};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use xiezhi_core::{Calendar, Password, RegionCode, Role, UnitKind, UnitName, Username, YearFile};
use xiezhi_server::state::now_us;
use xiezhi_server::state::{CalendarOrigin, Calendars};
use xiezhi_server::{AppState, ServerConfig};
use xiezhi_store::prelude::*;
use xiezhi_store::{By, NewUnit, NewUser, Region, SeedOrg, SqlStore};

#[derive(Parser)]
#[command(name = "xiezhi", version, about = "xiezhi (獬豸): cross-agency justice collaboration platform", long_about = None)]
struct Cli {
    /// Configuration file (default: ./xiezhi.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Default)]
pub struct DbArgs {
    /// Data folder for the embedded SQLite database [default: ./xiezhi-data].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user:password@host/db) instead of the embedded database.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform: pages, JSON API, operations endpoints.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Demo mode: seed the fictional demo province into an empty database and show the demo accounts.
        #[arg(long)]
        demo: bool,
        /// Seed for the demo province [default: 2026].
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Seed the demo province into an empty database, and demo cases through the case machine.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        seed: Option<u64>,
        /// Criminal cases to generate (spread over regions, stages and dates).
        #[arg(long, default_value_t = 2000)]
        cases: usize,
    },
    /// Start a real deployment: the province, its political-legal committee and the first administrator.
    Init {
        #[command(flatten)]
        db: DbArgs,
        /// Two-digit province code, e.g. 37.
        #[arg(long)]
        province_code: u32,
        /// e.g. 山东省
        #[arg(long)]
        province_name: String,
        #[arg(long)]
        province_name_en: Option<String>,
        /// The administrator's username; the password is read from standard input.
        #[arg(long)]
        admin: String,
    },
    /// Manage users from the command line.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Compute a statutory deadline; prints one JSON object.
    Deadline(DeadlineArgs),
    /// Show the loaded holiday calendars.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Rebuild read models (case lists, inboxes, clocks) from the events; `--check` only compares.
    /// Units, users and API tokens are compared with their events too (never repaired).
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
        /// Report differences and exit 1 if there are any; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// The tamper-evident audit log: verify a database, or follow a server as a witness.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an administrator in a unit; the password is read from standard input.
    CreateAdmin {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        unit_id: i64,
        #[arg(long, default_value = "管理员")]
        display_name: String,
    },
    /// Set a new password for a user (read from standard input); ends their sessions.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
}

#[derive(Args)]
struct DeadlineArgs {
    /// Rule id, e.g. criminal.prosecution_review (see --list).
    #[arg(required_unless_present = "list")]
    rule: Option<String>,
    /// YYYY-MM-DD, or YYYY-MM-DDTHH:MM for periods in hours.
    #[arg(long, required_unless_present = "list")]
    start: Option<String>,
    /// The suspect or defendant is held in custody.
    #[arg(long)]
    in_custody: bool,
    /// Use the extended period.
    #[arg(long)]
    extended: bool,
    /// Print the rule catalogue instead.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print a year's rest days and make-up working days, where it came from and who loaded it.
    Show {
        year: i32,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load (or replace) a year from a file like calendars/2026.json into the database: checked
    /// whole first (exit 2 naming the date and the problem, nothing stored), recorded in the
    /// audit log, and every open clock it moves recomputed.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xiezhi: {e:#}");
            ExitCode::from(1)
        }
    }
}

pub fn load(cli_config: Option<&PathBuf>, db: &DbArgs, extra: Overrides) -> anyhow::Result<Config> {
    let flags = Overrides { data: db.data.clone(), database: db.database.clone(), ..extra };
    config::load(cli_config, &flags).map_err(anyhow::Error::msg)
}

pub async fn open(cfg: &Config) -> anyhow::Result<SqlStore> {
    Ok(match &cfg.database {
        Some(url) => SqlStore::connect(url).await?,
        None => SqlStore::open_data_dir(&cfg.data).await?,
    })
}

/// The configured database, as found and for reading only (verification).
pub async fn open_read_only(cfg: &Config) -> anyhow::Result<SqlStore> {
    Ok(match &cfg.database {
        Some(url) => SqlStore::connect_read_only(url).await?,
        None => SqlStore::open_data_dir_read_only(&cfg.data).await?,
    })
}

/// The bundled calendars, plus any `calendars/YEAR.json` in the data folder (which win): what
/// a server starts with before the years stored in the database are laid over them.
pub fn starting_calendars(cfg: &Config) -> anyhow::Result<Calendars> {
    let mut cal = Calendar::bundled(cfg.make_up_days);
    let mut origins: BTreeMap<i32, CalendarOrigin> = cal.loaded_years().into_iter().map(|y| (y, CalendarOrigin::Bundled)).collect();
    let dir = cfg.data.join("calendars");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let file = YearFile::from_json(&text).with_context(|| format!("calendar {}", path.display()))?;
            cal.add_year(&file).with_context(|| format!("calendar {}", path.display()))?;
            origins.insert(file.year, CalendarOrigin::File);
        }
    }
    Ok(Calendars::new(cal, origins))
}

/// The calendar without a database (the calculator): bundled and data-folder years.
pub fn calendar(cfg: &Config) -> anyhow::Result<Calendar> {
    Ok(starting_calendars(cfg)?.get().as_ref().clone())
}

/// The application over a store, as a server would have it, for commands that act through it.
async fn app_state(cfg: &Config, store: SqlStore) -> anyhow::Result<AppState<SqlStore>> {
    let state = AppState::new(store, ServerConfig::default(), starting_calendars(cfg)?, log_signer(cfg)?);
    xiezhi_server::app::calendars::refresh(&state).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
    Ok(state)
}

fn init_tracing(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if cfg.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn read_password(what: &str) -> anyhow::Result<Password> {
    let mut line = String::new();
    std::io::stdin().read_to_string(&mut line).context("reading the password from standard input")?;
    let line = line.lines().next().unwrap_or("").to_string();
    Password::parse("password", &line).map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let cfg_path = cli.config.clone();
    match cli.command {
        Command::Serve { db, listen, demo, seed } => {
            let cfg = load(cfg_path.as_ref(), &db, Overrides { listen, demo: demo.then_some(true), seed, ..Default::default() })?;
            init_tracing(&cfg);
            serve(cfg).await?;
        }
        Command::Demo { db, seed, cases } => {
            let cfg = load(cfg_path.as_ref(), &db, Overrides { seed, ..Default::default() })?;
            let store = open(&cfg).await?;
            let started = std::time::Instant::now();
            if store.counts().await?.regions == 0 {
                let r = xiezhi_server::demo::seed(&store, cfg.seed, now_us()).await?;
                println!(
                    "seeded the demo province (seed {}): {} regions, {} units, {} users in {:.2?}",
                    cfg.seed,
                    r.regions,
                    r.units,
                    r.users,
                    started.elapsed()
                );
            } else if store.meta(xiezhi_server::demo::DEMO_META_KEY).await?.is_none() {
                anyhow::bail!("this database already holds an organisation; the demo province goes into an empty database");
            }
            let started = std::time::Instant::now();
            let made = xiezhi_server::demo::seed_cases(&store, &calendar(&cfg)?, cases, cfg.seed, xiezhi_server::state::china_now().date(), |done| {
                eprint!("\rdemo cases: {done}/{cases} ({:.0}%, {:.0?})", 100.0 * done as f64 / cases.max(1) as f64, started.elapsed());
            })
            .await?;
            eprintln!();
            println!("generated {made} demo cases through the case machine in {:.2?}", started.elapsed());
            let started = std::time::Instant::now();
            let disputes =
                xiezhi_server::demo::seed_disputes(&store, &calendar(&cfg)?, (cases / 3).max(300), cfg.seed, xiezhi_server::state::china_now().date()).await?;
            println!("generated {disputes} demo disputes through the dispute machine in {:.2?}", started.elapsed());
            let started = std::time::Instant::now();
            let tickets =
                xiezhi_server::demo::seed_tickets(&store, &calendar(&cfg)?, (cases / 3).max(300), cfg.seed, xiezhi_server::state::china_now().date()).await?;
            println!("generated {tickets} demo work orders through the ticket machine in {:.2?}", started.elapsed());
            store.close().await;
        }
        Command::Init { db, province_code, province_name, province_name_en, admin } => {
            let cfg = load(cfg_path.as_ref(), &db, Overrides::default())?;
            let store = open(&cfg).await?;
            if !(11..=99).contains(&province_code) {
                anyhow::bail!("--province-code must be two digits, e.g. 37");
            }
            let username = Username::parse("--admin", &admin)?;
            let name = UnitName::parse("--province-name", &province_name)?.into_inner();
            let name_en = province_name_en.unwrap_or_else(|| name.clone());
            let password = read_password("administrator password")?;
            if store.counts().await?.regions > 0 {
                anyhow::bail!("this database already holds an organisation");
            }
            let code = RegionCode::province(province_code);
            let committee = format!("{name}委政法委");
            let hash = xiezhi_server::auth::hash_password(&password)?;
            store
                .seed(
                    SeedOrg {
                        regions: vec![Region { code, parent: None, level: code.level(), name: name.clone(), name_en: name_en.clone() }],
                        units: vec![NewUnit {
                            region: code,
                            kind: UnitKind::Committee,
                            name: committee.clone(),
                            name_en: format!("{name_en} Political-Legal Committee"),
                        }],
                        users: vec![(
                            committee.clone(),
                            NewUser {
                                unit_id: 0,
                                username: username.to_string(),
                                display_name: "管理员".into(),
                                password_hash: hash,
                                roles: vec![Role::Admin, Role::Supervisor],
                            },
                        )],
                        meta: vec![],
                    },
                    By::system(now_us()),
                )
                .await?;
            println!("created {name} ({code}), {committee}, and administrator {username}");
            store.close().await;
        }
        Command::User { command } => match command {
            UserCommand::CreateAdmin { db, username, unit_id, display_name } => {
                let cfg = load(cfg_path.as_ref(), &db, Overrides::default())?;
                let store = open(&cfg).await?;
                let username = Username::parse("--username", &username)?;
                let display_name = xiezhi_core::DisplayName::parse("--display-name", &display_name)?;
                let password = read_password("password")?;
                let hash = xiezhi_server::auth::hash_password(&password)?;
                let user = store
                    .create_user(
                        NewUser {
                            unit_id,
                            username: username.to_string(),
                            display_name: display_name.into_inner(),
                            password_hash: hash,
                            roles: vec![Role::Admin],
                        },
                        By::system(now_us()),
                    )
                    .await?;
                println!("created administrator {} (id {}) in unit {unit_id}", user.value.username, user.value.id);
                store.close().await;
            }
            UserCommand::ResetPassword { db, username } => {
                let cfg = load(cfg_path.as_ref(), &db, Overrides::default())?;
                let store = open(&cfg).await?;
                let (user, _) = store.credentials(&username.to_ascii_lowercase()).await?.ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
                let password = read_password("password")?;
                store.set_password(user.id, xiezhi_server::auth::hash_password(&password)?, By::system(now_us())).await?;
                println!("password of {} reset; their sessions have ended", user.username);
                store.close().await;
            }
        },
        Command::Deadline(args) => return deadline(cfg_path.as_ref(), args),
        Command::Calendar { command: CalendarCommand::Import { file, db } } => {
            let cfg = load(cfg_path.as_ref(), &db, Overrides::default())?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            if let Err(e) = xiezhi_server::app::calendars::parse(None, &text, cfg.make_up_days) {
                eprintln!("xiezhi calendar import: {}: {}", file.display(), e.public_message());
                return Ok(ExitCode::from(2));
            }
            let store = open(&cfg).await?;
            let state = app_state(&cfg, store.clone()).await?;
            let loaded = xiezhi_server::app::calendars::load(&state, By::system(now_us()), None, &text).await;
            store.close().await;
            match loaded {
                Ok(l) => println!(
                    "{} {}: {} open cases recomputed (audit leaves {:?})",
                    if l.replaced { "replaced" } else { "loaded" },
                    l.year,
                    l.recomputed,
                    l.leaves
                ),
                Err(e) => {
                    eprintln!("xiezhi calendar import: {}", e.public_message());
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Calendar { command: CalendarCommand::Show { year, json, db } } => {
            let cfg = load(cfg_path.as_ref(), &db, Overrides::default())?;
            // The years stored in the database when there is one; the files alone otherwise.
            let calendars = starting_calendars(&cfg)?;
            let has_db = cfg.database.is_some() || cfg.data.join("xiezhi.db").exists();
            let mut loader = None;
            if has_db {
                let store = open_read_only(&cfg).await?;
                let stored = store.calendars().await?;
                let files: Vec<_> = stored
                    .iter()
                    .map(|c| Ok((YearFile::from_json(&c.body)?, CalendarOrigin::Database { loaded_by: c.loaded_by, loaded_at: c.loaded_at })))
                    .collect::<Result<_, xiezhi_core::CalendarError>>()?;
                calendars.install(&files)?;
                if let Some(id) = stored.iter().find(|c| c.year == year).and_then(|c| c.loaded_by) {
                    loader = store.user(id).await.ok().map(|u| format!("{} ({})", u.display_name, u.username));
                }
                store.close().await;
            }
            let cal = calendars.get();
            let mut year = match xiezhi_server::app::deadlines::calendar_year(&cal, year) {
                Ok(y) => y,
                Err(e) => {
                    eprintln!("xiezhi: {}", e.public_message());
                    return Ok(ExitCode::from(2));
                }
            };
            match calendars.origins().get(&year.year) {
                Some(CalendarOrigin::Database { loaded_by, loaded_at }) => {
                    year.origin = "database".into();
                    year.loaded_by = *loaded_by;
                    year.loaded_at = Some(xiezhi_server::state::format_time(*loaded_at));
                }
                Some(CalendarOrigin::File) => year.origin = "file".into(),
                _ => year.origin = "bundled".into(),
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&year)?);
            } else {
                let at = match calendars.origins().get(&year.year) {
                    Some(CalendarOrigin::Database { loaded_at, .. }) => format!("{} China Standard Time", xiezhi_server::state::format_china(*loaded_at)),
                    _ => String::new(),
                };
                let who = match (&year.loaded_by, loader) {
                    (Some(_), Some(name)) => format!(", loaded by {name} at {at}"),
                    (Some(u), None) => format!(", loaded by user {u} at {at}"),
                    (None, _) if !at.is_empty() => format!(", loaded from the command line at {at}"),
                    _ => String::new(),
                };
                println!("{} — {} ({}{who}; make-up days: {})", year.year, year.source, year.origin, year.policy);
                for d in year.days.iter().filter(|d| d.kind != "weekend" || !d.rest) {
                    println!("{}  {:<16} {}{}", d.date, d.kind, d.name.as_deref().unwrap_or(""), if d.rest { "" } else { "  (working day)" });
                }
                println!("rest days in all: {} (weekends included)", year.days.iter().filter(|d| d.rest).count());
            }
        }
        Command::Rebuild { db, check } => {
            let cfg = load(cfg_path.as_ref(), &db, Overrides::default())?;
            let store = open(&cfg).await?;
            let cal = app_state(&cfg, store.clone()).await?.calendar();
            let report = xiezhi_server::app::cases::rebuild(&store, &cal, !check).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
            let organisation = xiezhi_server::app::integrity::check_organisation(&store).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
            let (disputes, dispute_differences) =
                xiezhi_server::app::disputes::check_all(&store, &cal).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
            let (tickets, ticket_differences) = xiezhi_server::app::tickets::check_all(&store, &cal).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
            // After the cases' read models are rebuilt: the database moves their docket rows with them.
            let docket = xiezhi_server::app::docket::check(&store).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
            store.close().await;
            if docket.is_empty() {
                println!("docket: every item's row and every counter agree with the cases, disputes and work orders");
            } else {
                println!("docket: {} differences (not repaired):", docket.len());
                for d in &docket {
                    println!("  {d}");
                }
            }
            if ticket_differences.is_empty() {
                println!("{tickets} work orders: every read model equals the replay of its events");
            } else {
                println!("{tickets} work orders: {} differ from their events (not repaired):", ticket_differences.len());
                for d in &ticket_differences {
                    println!("  {d}");
                }
            }
            let tickets_differ = !ticket_differences.is_empty();
            if dispute_differences.is_empty() {
                println!("{disputes} disputes: every read model equals the replay of its events");
            } else {
                println!("{disputes} disputes: {} differ from their events (not repaired):", dispute_differences.len());
                for d in &dispute_differences {
                    println!("  {d}");
                }
            }
            if organisation.is_empty() {
                println!("units, users and tokens: every row equals the replay of its events");
            } else {
                // Never repaired automatically: which side is right is for a person to decide.
                println!("units, users and tokens: {} differences from their events (not repaired):", organisation.len());
                for d in &organisation {
                    println!("  {d}");
                }
            }
            let org_differs = !organisation.is_empty() || !dispute_differences.is_empty() || tickets_differ || !docket.is_empty();
            if report.differing.is_empty() {
                println!("{} cases: every read model equals the replay of its events", report.cases);
            } else if check {
                println!("{} cases: {} read models differ from their events: {:?}", report.cases, report.differing.len(), report.differing);
                for d in &report.details {
                    println!("  {d}");
                }
                return Ok(ExitCode::from(1));
            } else {
                println!("{} cases: rebuilt {} read models from their events: {:?}", report.cases, report.differing.len(), report.differing);
            }
            if org_differs {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Openapi => print!("{}", xiezhi_server::openapi::document()),
        Command::Audit { command } => return audit::run(command, cfg_path.as_ref()).await,
        Command::Bench { command } => bench::run(command).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `xiezhi deadline`: exit 0 with the JSON object, or exit 2 with what is wrong.
fn deadline(cfg_path: Option<&PathBuf>, args: DeadlineArgs) -> anyhow::Result<ExitCode> {
    let cfg = load(cfg_path, &args.db, Overrides::default())?;
    let cal = calendar(&cfg)?;
    if args.list {
        let rules: Vec<xiezhi_server::dto::RuleDto> = xiezhi_core::RULES.iter().map(Into::into).collect();
        println!("{}", serde_json::to_string_pretty(&rules)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (rule, start) = (args.rule.unwrap_or_default(), args.start.unwrap_or_default());
    match xiezhi_server::app::deadlines::compute_deadline(&cal, &rule, &start, args.in_custody, args.extended) {
        Ok(d) => {
            println!("{}", serde_json::to_string_pretty(&xiezhi_server::dto::DeadlineDto::from(&d))?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("xiezhi deadline: {}", e.public_message());
            Ok(ExitCode::from(2))
        }
    }
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    tracing::info!(config = ?cfg, "starting");
    let store = open(&cfg).await?;
    let demo_seed = store.meta(xiezhi_server::demo::DEMO_META_KEY).await?;
    let counts = store.counts().await?;
    if cfg.demo {
        if counts.regions == 0 {
            let r = xiezhi_server::demo::seed(&store, cfg.seed, now_us()).await?;
            tracing::info!(regions = r.regions, units = r.units, users = r.users, seed = cfg.seed, "seeded the demo province");
            let cases = xiezhi_server::demo::seed_cases(&store, &calendar(&cfg)?, 2000, cfg.seed, xiezhi_server::state::china_now().date(), |_| {}).await?;
            tracing::info!(cases, "generated demo cases");
            let disputes = xiezhi_server::demo::seed_disputes(&store, &calendar(&cfg)?, 800, cfg.seed, xiezhi_server::state::china_now().date()).await?;
            tracing::info!(disputes, "generated demo disputes");
            let tickets = xiezhi_server::demo::seed_tickets(&store, &calendar(&cfg)?, 800, cfg.seed, xiezhi_server::state::china_now().date()).await?;
            tracing::info!(tickets, "generated demo work orders");
        } else if demo_seed.is_none() {
            anyhow::bail!("--demo refused: this database holds a real organisation, and demo mode would publish demo passwords on its sign-in page");
        }
    } else if demo_seed.is_some() {
        anyhow::bail!("this database holds the demo province, whose passwords are published; start it with --demo, or use another data folder or database");
    }
    let calendars = starting_calendars(&cfg)?;
    let config = ServerConfig {
        demo: cfg.demo,
        secure_cookies: cfg.secure_cookies,
        session_hours: cfg.session_hours,
        checkpoint_seconds: cfg.checkpoint_seconds,
        webhook_lease_seconds: cfg.webhook_lease_seconds,
        ..Default::default()
    };
    let signer = log_signer(&cfg)?;
    xiezhi_server::audit::check_log_key(&store, &signer).await.map_err(anyhow::Error::msg)?;
    tracing::info!(verifier = %signer.verifier(), "audit log key");
    let listener = tokio::net::TcpListener::bind(&cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    println!("xiezhi listening on http://{addr}");
    tracing::info!(%addr, backend = ?store.backend(), "ready");
    xiezhi_server::serve(listener, AppState::new(store.clone(), config, calendars, signer), shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn log_signer(cfg: &Config) -> anyhow::Result<xiezhi_server::audit::LogSigner> {
    if cfg.audit_key_file.is_none() {
        std::fs::create_dir_all(&cfg.data).with_context(|| format!("data directory {} cannot be written", cfg.data.display()))?;
    }
    let seed = xiezhi_server::audit::load_or_create_seed(&cfg.audit_key_path()).map_err(anyhow::Error::msg)?;
    xiezhi_server::audit::LogSigner::new(&cfg.audit_origin, seed).map_err(anyhow::Error::msg)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
