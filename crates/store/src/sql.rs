//! The SQL implementation of [`Store`], over sqlx's `Any` driver: one set of statements for
//! both backends, with the differences kept to the migrations and the few places marked here.

use crate::audit::{append, fetch_nodes, EventRow, NewEvent, EVENT_COLS};
use crate::batch::CaseJob;
use crate::{model::*, roles_from_text, roles_to_text, OpenError, Result, Store, StoreError};
use serde_json::json;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, FromRow};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use xiezhi_core::RegionCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct SqlStore {
    /// Writes (and, on PostgreSQL, everything).
    pub(crate) pool: AnyPool,
    /// Reads. On SQLite a separate pool of read-only connections (WAL lets them run beside the
    /// one writer); on PostgreSQL the same pool.
    pub(crate) reader: AnyPool,
    pub(crate) backend: Backend,
    /// The group-commit writer for case writes.
    writer: crate::engine::Committer<crate::batch::CaseSink>,
    /// The group-commit writers of disputes and work orders.
    pub(crate) disputes: crate::engine::Committer<crate::engine::Batches<crate::disputes::DisputeJob>>,
    pub(crate) tickets: crate::engine::Committer<crate::engine::Batches<crate::tickets::TicketJob>>,
    /// The same sinks, for imports written all or nothing.
    pub(crate) dispute_sink: crate::engine::Batches<crate::disputes::DisputeJob>,
    pub(crate) ticket_sink: crate::engine::Batches<crate::tickets::TicketJob>,
    /// SQLite: the plain connection that writes cases and events (`native.rs`).
    native: Option<crate::engine::native::NativeWriter>,
    pub(crate) cache: std::sync::Arc<crate::cache::Cache>,
    /// The SQLite database file, for bulk reads that bypass the pool (`event_leaf_hashes`).
    sqlite_file: Option<std::path::PathBuf>,
    /// Plain read-only connections to it, kept between calls with their buffers.
    bulk_readers: std::sync::Arc<std::sync::Mutex<Vec<crate::engine::bulk::BulkReader>>>,
    /// The PostgreSQL URL, and a pool of native connections to it opened on first bulk read
    /// (`COPY … TO STDOUT`, which the `Any` driver does not offer).
    pg_url: Option<String>,
    bulk_pg: std::sync::Arc<tokio::sync::OnceCell<sqlx::PgPool>>,
}

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Migrated, with a writer: the platform.
    ReadWrite,
    /// As found, reads only: verification of a database that may be evidence.
    ReadOnly,
}

/// Refuse, with the reason, a database this build would have to migrate (or could not read).
async fn check_schema(pool: &AnyPool, migrator: &sqlx::migrate::Migrator, backend: Backend) -> std::result::Result<(), String> {
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
        .map_err(|_| "it is not a xiezhi database (it has no migration table)".to_string())?;
    let applied: Vec<i64> = applied.into_iter().map(|(v,)| v).collect();
    let expected: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    if applied != expected {
        return Err(format!(
            "its schema is at migration {} and this xiezhi's at {}; use the xiezhi that wrote it, or let `xiezhi serve` migrate it first",
            applied.last().copied().unwrap_or(0),
            expected.last().copied().unwrap_or(0)
        ));
    }
    if crate::audit::has_node_table(pool, backend).await.map_err(|e| e.to_string())? {
        return Err("its audit log is still in the old node table; let `xiezhi serve` convert it first".into());
    }
    Ok(())
}

/// The file behind a `sqlite:` URL, if it names one that exists.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = std::path::PathBuf::from(rest.split('?').next()?);
    path.is_file().then_some(path)
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A URL safe to print: the password replaced.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

impl SqlStore {
    /// Open (creating if needed) the embedded database in a data directory.
    pub async fn open_data_dir(dir: &Path) -> Result<Self, OpenError> {
        let fail = |reason: String| OpenError::DataDir { dir: dir.display().to_string(), reason };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok").map_err(|e| fail(e.to_string()))?;
        let _ = std::fs::remove_file(&probe);
        let path = dir.canonicalize().map_err(|e| fail(e.to_string()))?.join("xiezhi.db");
        Self::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Connect by URL (`sqlite://PATH` or `postgres://…`) and apply the migrations.
    pub async fn connect(url: &str) -> Result<Self, OpenError> {
        Self::open(url, Access::ReadWrite).await
    }

    /// Open the existing embedded database in a data directory for reading only.
    pub async fn open_data_dir_read_only(dir: &Path) -> Result<Self, OpenError> {
        let file = dir.join("xiezhi.db");
        let file = file.canonicalize().ok().filter(|f| f.is_file()).ok_or_else(|| OpenError::Missing(file.display().to_string()))?;
        Self::connect_read_only(&format!("sqlite://{}", file.display())).await
    }

    /// Open an existing database by URL for reading only, as verification does: nothing is
    /// created, migrated or written (SQLite opens the file read-only, PostgreSQL sessions are
    /// read-only), and a database whose schema is not exactly this build's is refused, naming
    /// both versions.
    pub async fn connect_read_only(url: &str) -> Result<Self, OpenError> {
        if url.starts_with("sqlite:") {
            let file = sqlite_file(url).ok_or_else(|| OpenError::Missing(redact_url(url)))?;
            return Self::open(&format!("sqlite://{}?mode=ro", file.display()), Access::ReadOnly).await;
        }
        Self::open(url, Access::ReadOnly).await
    }

    async fn open(url: &str, access: Access) -> Result<Self, OpenError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(OpenError::Scheme(redact_url(url)));
        };
        let unreachable = |e: sqlx::Error| OpenError::Unreachable { url: redact_url(url), reason: e.to_string() };
        let options = AnyConnectOptions::from_str(url).map_err(unreachable)?;
        let pool = match backend {
            // One connection serialises writers: SQLite allows one at a time anyway, and
            // this way no request waits on a lock it cannot see.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                // A local file: nothing to probe, and the native writer takes this connection
                // for every batch.
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        // A larger page cache and memory-mapped reads: index inserts and lookups at
                        // millions of events stay off the read() path.
                        let writes = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"];
                        let all = ["PRAGMA busy_timeout = 5000", "PRAGMA cache_size = -65536", "PRAGMA mmap_size = 1073741824"];
                        let only = match access {
                            Access::ReadWrite => &writes[..],
                            Access::ReadOnly => &["PRAGMA query_only = ON"][..],
                        };
                        for pragma in only.iter().chain(&all) {
                            conn.execute(*pragma).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(unreachable)?,
            // No ping before each use (it costs a round trip per request): connections idle
            // for a minute are closed instead, and one the server dropped fails its request
            // once and is discarded.
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .idle_timeout(Duration::from_secs(60))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if access == Access::ReadOnly {
                            conn.execute("SET default_transaction_read_only = on").await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(unreachable)?,
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        match access {
            Access::ReadWrite => {
                migrator.run(&pool).await.map_err(|e| OpenError::Migrate { url: redact_url(url), reason: e.to_string() })?;
                crate::audit::convert_node_table(&pool, backend).await.map_err(|e| OpenError::Migrate { url: redact_url(url), reason: e.to_string() })?;
            }
            Access::ReadOnly => check_schema(&pool, migrator, backend).await.map_err(|reason| OpenError::Schema { url: redact_url(url), reason })?,
        }
        let reader = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        for pragma in ["PRAGMA busy_timeout = 5000", "PRAGMA query_only = ON", "PRAGMA mmap_size = 1073741824"] {
                            conn.execute(pragma).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(AnyConnectOptions::from_str(url).map_err(unreachable)?)
                .await
                .map_err(unreachable)?,
            Backend::Postgres => pool.clone(),
        };
        let sqlite_file = match backend {
            Backend::Sqlite => Some(
                sqlite_file(url)
                    .ok_or_else(|| OpenError::Unreachable { url: redact_url(url), reason: "SQLite needs a database file: sqlite://PATH".into() })?,
            ),
            Backend::Postgres => None,
        };
        let native = sqlite_file
            .as_deref()
            .filter(|_| access == Access::ReadWrite)
            .map(|file| crate::engine::native::NativeWriter::open(file, pool.clone()))
            .transpose()
            .map_err(|e| OpenError::Unreachable { url: redact_url(url), reason: e.to_string() })?;
        let sink = match &native {
            Some(native) => crate::batch::CaseSink::Native(native.clone()),
            None => crate::batch::CaseSink::Pool(pool.clone()),
        };
        let writer = crate::engine::Committer::start(sink);
        let target = match &native {
            Some(native) => crate::engine::Target::Native(native.clone()),
            None => crate::engine::Target::Pool(pool.clone(), backend),
        };
        let dispute_sink = crate::engine::Batches::new(target.clone());
        let ticket_sink = crate::engine::Batches::new(target);
        let disputes = crate::engine::Committer::start(dispute_sink.clone());
        let tickets = crate::engine::Committer::start(ticket_sink.clone());
        let pg_url = (backend == Backend::Postgres).then(|| url.to_string());
        Ok(Self {
            pool,
            reader,
            backend,
            writer,
            disputes,
            tickets,
            dispute_sink,
            ticket_sink,
            native,
            cache: std::sync::Arc::new(crate::cache::Cache::new()),
            sqlite_file,
            bulk_readers: Default::default(),
            pg_url,
            bulk_pg: Default::default(),
        })
    }

    /// On SQLite, the `synchronous` level of each connection that writes (the pool's writer and
    /// the native writer): 2 is FULL, a sync on every commit — what "acknowledged means durable"
    /// rests on. Empty on PostgreSQL.
    pub async fn sqlite_synchronous(&self) -> Result<Vec<i64>> {
        if self.backend != Backend::Sqlite {
            return Ok(vec![]);
        }
        let (pooled,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&self.pool).await?;
        let mut levels = vec![pooled];
        if let Some(native) = &self.native {
            levels.push(native.synchronous()?);
        }
        Ok(levels)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Hand a case write to the group-commit writer and wait for its commit.
    async fn submit(&self, job: CaseJob) -> Result<Recorded<crate::batch::CaseWritten>> {
        self.writer.submit(job).await
    }

    /// Close the pools; on SQLite also the bulk readers, and copy the WAL back into the
    /// database, so a stopped store leaves one file behind.
    pub async fn close(&self) {
        self.reader.close().await;
        self.pool.close().await;
        self.bulk_readers.lock().unwrap_or_else(|e| e.into_inner()).clear();
        if let Some(native) = &self.native {
            native.checkpoint_all().await;
        }
    }
}

#[derive(FromRow)]
struct RegionRow {
    code: String,
    parent: Option<String>,
    level: String,
    name: String,
    name_en: String,
}

/// The codes of a region subtree as a range (codes are six digits): an index can walk a range,
/// not a `LIKE`.
pub(crate) fn region_range(prefix: &str) -> (String, String) {
    (format!("{prefix:0<6}"), format!("{prefix:9<6}"))
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Invalid(format!("stored {what} {value:?} is not valid"))
}

impl TryFrom<RegionRow> for Region {
    type Error = StoreError;
    fn try_from(r: RegionRow) -> Result<Self> {
        Ok(Region {
            code: RegionCode::parse("code", &r.code).map_err(|_| corrupt("region code", &r.code))?,
            parent: r.parent.map(|p| RegionCode::parse("parent", &p).map_err(|_| corrupt("region code", &p))).transpose()?,
            level: r.level.parse().map_err(|_| corrupt("region level", &r.level))?,
            name: r.name,
            name_en: r.name_en,
        })
    }
}

#[derive(FromRow)]
struct UnitRow {
    id: i64,
    region: String,
    kind: String,
    name: String,
    name_en: String,
    disabled_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;
    fn try_from(r: UnitRow) -> Result<Self> {
        Ok(Unit {
            id: r.id,
            region: RegionCode::parse("region", &r.region).map_err(|_| corrupt("region code", &r.region))?,
            kind: r.kind.parse().map_err(|_| corrupt("unit kind", &r.kind))?,
            name: r.name,
            name_en: r.name_en,
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    unit_id: i64,
    username: String,
    display_name: String,
    roles: String,
    disabled_at: Option<i64>,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            unit_id: r.unit_id,
            username: r.username,
            display_name: r.display_name,
            roles: roles_from_text(&r.roles),
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken { id: r.id, user_id: r.user_id, name: r.name, created_at: r.created_at, last_used_at: r.last_used_at, revoked_at: r.revoked_at }
    }
}

#[derive(FromRow)]
struct SecurityRow {
    id: i64,
    at: i64,
    kind: String,
    username: Option<String>,
    user_id: Option<i64>,
    region: Option<String>,
    client: Option<String>,
    detail: String,
}

/// `disabled_at` after a change: `$3` is NULL (unchanged), 1 (disable, keeping the first time) or 0 (enable); `$4` is now.
const DISABLED_AT: &str = "CASE WHEN $3 IS NULL THEN disabled_at WHEN $3 = 1 THEN COALESCE(disabled_at, $4) ELSE NULL END";

fn flag(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

const UNIT_COLS: &str = "id, region, kind, name, name_en, disabled_at, created_at";
const USER_COLS: &str = "id, unit_id, username, display_name, roles, disabled_at, created_at";
const PRINCIPAL_SELECT: &str = "SELECT u.id, u.unit_id, u.username, u.display_name, u.roles, u.disabled_at, u.created_at, \
     n.id AS n_id, n.region AS n_region, n.kind AS n_kind, n.name AS n_name, n.name_en AS n_name_en, n.disabled_at AS n_disabled_at, n.created_at AS n_created_at";

#[derive(FromRow)]
struct PrincipalRow {
    #[sqlx(flatten)]
    user: UserRow,
    n_id: i64,
    n_region: String,
    n_kind: String,
    n_name: String,
    n_name_en: String,
    n_disabled_at: Option<i64>,
    n_created_at: i64,
}

impl PrincipalRow {
    /// A principal, unless the user or their unit is disabled.
    fn into_active(self, csrf_token: String) -> Result<Option<Principal>> {
        let unit = Unit::try_from(UnitRow {
            id: self.n_id,
            region: self.n_region,
            kind: self.n_kind,
            name: self.n_name,
            name_en: self.n_name_en,
            disabled_at: self.n_disabled_at,
            created_at: self.n_created_at,
        })?;
        let user = User::from(self.user);
        if user.disabled || unit.disabled {
            return Ok(None);
        }
        Ok(Some(Principal { user, unit, csrf_token }))
    }
}

impl SqlStore {
    async fn insert_unit<'e, E: Executor<'e, Database = sqlx::Any>>(exec: E, u: &NewUnit, now: i64) -> Result<Unit> {
        crate::unit_kind_allowed(u.kind, u.region).map_err(StoreError::Invalid)?;
        let row: UnitRow = sqlx::query_as(&format!(
            "INSERT INTO units (region, kind, name, name_en, disabled_at, created_at) VALUES ($1, $2, $3, $4, NULL, $5) RETURNING {UNIT_COLS}"
        ))
        .bind(u.region.to_string())
        .bind(u.kind.as_str())
        .bind(&u.name)
        .bind(&u.name_en)
        .bind(now)
        .fetch_one(exec)
        .await?;
        row.try_into()
    }

    async fn insert_user<'e, E: Executor<'e, Database = sqlx::Any>>(exec: E, u: &NewUser, now: i64) -> Result<User> {
        let row: UserRow = sqlx::query_as(&format!("INSERT INTO users (unit_id, username, display_name, password_hash, roles, disabled_at, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6) RETURNING {USER_COLS}"))
            .bind(u.unit_id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(roles_to_text(&u.roles))
            .bind(now)
            .fetch_one(exec)
            .await?;
        Ok(row.into())
    }
}

impl SqlStore {
    async fn insert_region(tx: &mut sqlx::Transaction<'_, sqlx::Any>, r: &Region) -> Result<()> {
        sqlx::query("INSERT INTO regions (code, parent, level, name, name_en) VALUES ($1, $2, $3, $4, $5)")
            .bind(r.code.to_string())
            .bind(r.parent.map(|p| p.to_string()))
            .bind(r.level.as_str())
            .bind(&r.name)
            .bind(&r.name_en)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

const GRANT_COLS: &str = "id, user_id, unit_id, requested_by, requested_at, decided_by, decided_at, approved";

#[derive(FromRow)]
struct GrantRow {
    id: i64,
    user_id: i64,
    unit_id: i64,
    requested_by: Option<i64>,
    requested_at: i64,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    approved: Option<i64>,
}

impl From<GrantRow> for AdminGrant {
    fn from(r: GrantRow) -> Self {
        AdminGrant {
            id: r.id,
            user_id: r.user_id,
            unit_id: r.unit_id,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            approved: r.approved.map(|a| a != 0),
        }
    }
}

const CASE_COLS: &str =
    "id, case_no, title, region, stage, holder_unit_id, pending_unit_id, notice_unit_id, held_since, charge, in_custody, due_date, due_provisional, version, state, updated_at";

#[derive(FromRow)]
struct CaseUnitsRow {
    #[sqlx(flatten)]
    case: CaseRow,
    units: Option<String>,
}

#[derive(FromRow)]
struct CaseRow {
    id: i64,
    case_no: String,
    title: String,
    region: String,
    stage: String,
    holder_unit_id: i64,
    pending_unit_id: Option<i64>,
    notice_unit_id: Option<i64>,
    held_since: Option<String>,
    charge: Option<String>,
    in_custody: i64,
    due_date: Option<String>,
    due_provisional: i64,
    version: i64,
    state: String,
    updated_at: i64,
}

impl From<CaseRow> for CaseRecord {
    fn from(r: CaseRow) -> Self {
        CaseRecord {
            id: r.id,
            case_no: r.case_no,
            title: r.title,
            region: r.region,
            stage: r.stage,
            holder_unit_id: r.holder_unit_id,
            pending_unit_id: r.pending_unit_id,
            notice_unit_id: r.notice_unit_id,
            held_since: r.held_since,
            charge: r.charge,
            in_custody: r.in_custody != 0,
            due_date: r.due_date,
            due_provisional: r.due_provisional != 0,
            version: r.version,
            state: r.state,
            updated_at: r.updated_at,
        }
    }
}

fn region_created(r: &Region) -> NewEvent {
    NewEvent::new(
        format!("region:{}", r.code),
        "region.created",
        json!({"code": r.code, "parent": r.parent, "level": r.level, "name": r.name, "name_en": r.name_en}),
    )
}

fn unit_created(u: &Unit) -> NewEvent {
    NewEvent::new(format!("unit:{}", u.id), "unit.created", json!({"id": u.id, "region": u.region, "kind": u.kind, "name": u.name, "name_en": u.name_en}))
}

/// A secret's stored form, fingerprinted for the record: the log can then tell whether a stored
/// password hash or token hash was changed outside the platform, without holding either.
pub fn fingerprint(stored_secret: &str) -> String {
    xiezhi_audit::payload_digest(stored_secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn user_created(u: &User, password_hash: &str) -> NewEvent {
    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
    NewEvent::new(
        format!("user:{}", u.id),
        "user.created",
        json!({"id": u.id, "unit_id": u.unit_id, "username": u.username, "display_name": u.display_name, "roles": roles, "password_hash_sha256": fingerprint(password_hash)}),
    )
}

/// The events recording that these tokens of `user_id` were revoked.
fn tokens_revoked(user_id: i64, ids: &[(i64,)]) -> Vec<NewEvent> {
    ids.iter().map(|(id,)| NewEvent::new(format!("user:{user_id}"), "token.revoked", json!({"id": id, "user_id": user_id}))).collect()
}

impl SqlStore {
    /// Run `f` on a bulk reader (see [`crate::engine::bulk::BulkReader`]) on a blocking thread; the
    /// reader goes back to the idle ones afterwards.
    async fn on_bulk_reader<R: Send + 'static>(&self, f: impl FnOnce(&mut crate::engine::bulk::BulkReader) -> Result<R> + Send + 'static) -> Result<R> {
        let file = self.sqlite_file.clone().ok_or_else(|| StoreError::Invalid("bulk reads need the SQLite file".into()))?;
        let readers = self.bulk_readers.clone();
        let read = move || {
            let idle = readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut reader = match idle {
                Some(reader) => reader,
                None => crate::engine::bulk::BulkReader::open(&file)?,
            };
            let answer = f(&mut reader);
            readers.lock().unwrap_or_else(|e| e.into_inner()).push(reader);
            answer
        };
        tokio::task::spawn_blocking(read).await.map_err(|e| StoreError::Invalid(format!("leaf reader stopped: {e}")))?
    }
}

impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn region(&self, code: RegionCode) -> Result<Region> {
        let row: Option<RegionRow> = sqlx::query_as("SELECT code, parent, level, name, name_en FROM regions WHERE code = $1")
            .bind(code.to_string())
            .fetch_optional(&self.reader)
            .await?;
        row.ok_or(StoreError::NotFound("region"))?.try_into()
    }

    async fn child_regions(&self, parent: Option<RegionCode>) -> Result<Vec<Region>> {
        let rows: Vec<RegionRow> = match parent {
            Some(p) => {
                sqlx::query_as("SELECT code, parent, level, name, name_en FROM regions WHERE parent = $1 ORDER BY code")
                    .bind(p.to_string())
                    .fetch_all(&self.reader)
                    .await?
            }
            None => sqlx::query_as("SELECT code, parent, level, name, name_en FROM regions WHERE parent IS NULL ORDER BY code").fetch_all(&self.reader).await?,
        };
        rows.into_iter().map(Region::try_from).collect()
    }

    async fn create_unit(&self, unit: NewUnit, by: By) -> Result<Recorded<Unit>> {
        let mut tx = self.pool.begin().await?;
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT code FROM regions WHERE code = $1").bind(unit.region.to_string()).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Err(StoreError::Invalid(format!("region {} does not exist", unit.region)));
        }
        let u = Self::insert_unit(&mut *tx, &unit, by.at).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![unit_created(&u)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: u, leaves })
    }

    async fn unit(&self, id: i64) -> Result<Unit> {
        if let Some(u) = self.cache.units.get(&id) {
            return Ok(u);
        }
        let row: Option<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        let unit: Unit = row.ok_or(StoreError::NotFound("unit"))?.try_into()?;
        self.cache.units.put(id, unit.clone());
        Ok(unit)
    }

    async fn update_unit(&self, id: i64, c: UnitChange, by: By) -> Result<Recorded<Unit>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        let row: Option<UnitRow> = sqlx::query_as(&format!(
            "UPDATE units SET name = COALESCE($1, name), name_en = COALESCE($2, name_en), disabled_at = {DISABLED_AT} WHERE id = $5 RETURNING {UNIT_COLS}"
        ))
        .bind(c.name.clone())
        .bind(c.name_en.clone())
        .bind(flag(c.disabled))
        .bind(by.at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let unit = Unit::try_from(row.ok_or(StoreError::NotFound("unit"))?)?;
        let payload = json!({"id": id, "name": c.name, "name_en": c.name_en, "disabled": c.disabled});
        let leaves = append(&mut tx, self.backend, &by, vec![NewEvent::new(format!("unit:{id}"), "unit.changed", payload)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: unit, leaves })
    }

    async fn existing_unit_names(&self, names: &[String]) -> Result<Vec<String>> {
        let mut taken = Vec::new();
        for chunk in names.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT name FROM units WHERE name IN ({})", marks.join(", "));
            let mut q = sqlx::query_as::<_, (String,)>(&sql);
            for n in chunk {
                q = q.bind(n);
            }
            taken.extend(q.fetch_all(&self.reader).await?.into_iter().map(|r| r.0));
        }
        Ok(taken)
    }

    async fn list_units(&self, f: UnitFilter) -> Result<Vec<Unit>> {
        let limit = if f.limit <= 0 { 500 } else { f.limit.min(5000) };
        let rows: Vec<UnitRow> = sqlx::query_as(&format!(
            "SELECT {UNIT_COLS} FROM units WHERE ($1 IS NULL OR region = $1) AND ($2 IS NULL OR region LIKE $2) \
             AND ($3 IS NULL OR kind = $3) AND ($4 = 1 OR disabled_at IS NULL) ORDER BY region, id LIMIT $5"
        ))
        .bind(f.region.map(|r| r.to_string()))
        .bind(f.subtree.map(|p| format!("{p}%")))
        .bind(f.kind.map(|k| k.as_str()))
        .bind(i64::from(f.include_disabled))
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(Unit::try_from).collect()
    }

    async fn seed(&self, org: SeedOrg, by: By) -> Result<SeedReport> {
        let mut tx = self.pool.begin().await?;
        let mut events = Vec::with_capacity(org.regions.len() + org.units.len() + org.users.len());
        for r in &org.regions {
            Self::insert_region(&mut tx, r).await?;
            events.push(region_created(r));
        }
        let mut ids = std::collections::HashMap::new();
        for u in &org.units {
            let unit = Self::insert_unit(&mut *tx, u, by.at).await?;
            events.push(unit_created(&unit));
            ids.insert(unit.name.clone(), unit.id);
        }
        for (unit_name, u) in &org.users {
            let unit_id = *ids.get(unit_name).ok_or_else(|| StoreError::Invalid(format!("user {} names unknown unit {unit_name}", u.username)))?;
            let user = Self::insert_user(&mut *tx, &NewUser { unit_id, ..u.clone() }, by.at).await?;
            events.push(user_created(&user, &u.password_hash));
        }
        for (k, v) in &org.meta {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)").bind(k).bind(v).execute(&mut *tx).await?;
        }
        append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(SeedReport { regions: org.regions.len(), units: org.units.len(), users: org.users.len() })
    }

    async fn create_region(&self, r: Region, by: By) -> Result<Recorded<Region>> {
        let mut tx = self.pool.begin().await?;
        if let Some(parent) = r.parent {
            let exists: Option<(String,)> =
                sqlx::query_as("SELECT code FROM regions WHERE code = $1").bind(parent.to_string()).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::Invalid(format!("parent region {parent} does not exist")));
            }
        }
        Self::insert_region(&mut tx, &r).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![region_created(&r)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: r, leaves })
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&self.reader).await?;
        Ok(row.map(|r| r.0))
    }

    async fn counts(&self) -> Result<Counts> {
        let (regions, units, users, cases): (i64, i64, i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM cases)")
                .fetch_one(&self.reader)
                .await?;
        Ok(Counts { regions, units, users, cases })
    }

    async fn create_user(&self, user: NewUser, by: By) -> Result<Recorded<User>> {
        let mut tx = self.pool.begin().await?;
        let unit: Option<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1")).bind(user.unit_id).fetch_optional(&mut *tx).await?;
        let unit = Unit::try_from(unit.ok_or(StoreError::NotFound("unit"))?)?;
        if let Some(role) = user.roles.iter().find(|r| !unit.kind.allows_role(**r)) {
            return Err(StoreError::Invalid(format!("role {role} is not held in a {} unit", unit.kind)));
        }
        let u = Self::insert_user(&mut *tx, &user, by.at).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![user_created(&u, &user.password_hash)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: u, leaves })
    }

    async fn user(&self, id: i64) -> Result<User> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        Ok(row.ok_or(StoreError::NotFound("user"))?.into())
    }

    async fn update_user(&self, id: i64, c: UserChange, by: By) -> Result<Recorded<User>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        if let Some(roles) = &c.roles {
            let kind: Option<(String,)> =
                sqlx::query_as("SELECT n.kind FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1").bind(id).fetch_optional(&mut *tx).await?;
            let kind: xiezhi_core::UnitKind = kind.ok_or(StoreError::NotFound("user"))?.0.parse().map_err(StoreError::Invalid)?;
            if let Some(role) = roles.iter().find(|r| !kind.allows_role(**r)) {
                return Err(StoreError::Invalid(format!("role {role} is not held in a {kind} unit")));
            }
        }
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "UPDATE users SET display_name = COALESCE($1, display_name), roles = COALESCE($2, roles), disabled_at = {DISABLED_AT} WHERE id = $5 RETURNING {USER_COLS}"
        ))
        .bind(c.display_name.clone())
        .bind(c.roles.as_deref().map(roles_to_text))
        .bind(flag(c.disabled))
        .bind(by.at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let user = User::from(row.ok_or(StoreError::NotFound("user"))?);
        // A disabled account stays shut when enabled again: its sessions end, its tokens are revoked.
        let mut revoked: Vec<(i64,)> = Vec::new();
        if c.disabled == Some(true) {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            revoked = sqlx::query_as("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING id")
                .bind(by.at)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        }
        let roles: Option<Vec<&str>> = c.roles.as_ref().map(|r| r.iter().map(|x| x.as_str()).collect());
        let payload = json!({"id": id, "display_name": c.display_name, "roles": roles, "disabled": c.disabled});
        let mut events = vec![NewEvent::new(format!("user:{id}"), "user.changed", payload)];
        events.extend(tokens_revoked(id, &revoked));
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(Recorded { value: user, leaves })
    }

    async fn users_of_unit(&self, unit_id: i64) -> Result<Vec<User>> {
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE unit_id = $1 ORDER BY username")).bind(unit_id).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = $1")).bind(username).fetch_optional(&self.reader).await?;
        Ok(row.map(|r| (r.user.into(), r.password_hash)))
    }

    async fn set_password(&self, user_id: i64, password_hash: String, by: By) -> Result<Recorded<()>> {
        let _forget = self.cache.forget_now_and_after();
        let hash_for_record = password_hash.clone();
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(user_id).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        // Whoever knew the old password may have made tokens with it: they go with it.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        let revoked: Vec<(i64,)> = sqlx::query_as("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING id")
            .bind(by.at)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
        // The record says that the password changed, never what it is: the stored hash's fingerprint.
        let mut events =
            vec![NewEvent::new(format!("user:{user_id}"), "user.password_set", json!({"id": user_id, "password_hash_sha256": fingerprint(&hash_for_record)}))];
        events.extend(tokens_revoked(user_id, &revoked));
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(Recorded { value: (), leaves })
    }

    async fn request_admin_grant(&self, user_id: i64, by: By) -> Result<Recorded<AdminGrant>> {
        let mut tx = self.pool.begin().await?;
        let unit: Option<(i64,)> = sqlx::query_as("SELECT unit_id FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut *tx).await?;
        let (unit_id,) = unit.ok_or(StoreError::NotFound("user"))?;
        let row: GrantRow =
            sqlx::query_as(&format!("INSERT INTO admin_grants (user_id, unit_id, requested_by, requested_at) VALUES ($1, $2, $3, $4) RETURNING {GRANT_COLS}"))
                .bind(user_id)
                .bind(unit_id)
                .bind(by.user_id)
                .bind(by.at)
                .fetch_one(&mut *tx)
                .await?;
        let grant = AdminGrant::from(row);
        let event = NewEvent::new(format!("user:{user_id}"), "user.admin_requested", json!({"id": user_id, "grant": grant.id}));
        let leaves = append(&mut tx, self.backend, &by, vec![event]).await?;
        tx.commit().await?;
        Ok(Recorded { value: grant, leaves })
    }

    async fn admin_grant(&self, id: i64) -> Result<AdminGrant> {
        let row: Option<GrantRow> =
            sqlx::query_as(&format!("SELECT {GRANT_COLS} FROM admin_grants WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        Ok(row.ok_or(StoreError::NotFound("admin grant"))?.into())
    }

    async fn pending_admin_grants(&self) -> Result<Vec<AdminGrant>> {
        let rows: Vec<GrantRow> =
            sqlx::query_as(&format!("SELECT {GRANT_COLS} FROM admin_grants WHERE decided_at IS NULL ORDER BY id")).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(AdminGrant::from).collect())
    }

    async fn decide_admin_grant(&self, id: i64, approve: bool, by: By) -> Result<Recorded<AdminGrant>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        let row: Option<GrantRow> = sqlx::query_as(&format!(
            "UPDATE admin_grants SET decided_by = $1, decided_at = $2, approved = $3 WHERE id = $4 AND decided_at IS NULL RETURNING {GRANT_COLS}"
        ))
        .bind(by.user_id)
        .bind(by.at)
        .bind(i64::from(approve))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM admin_grants WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            return Err(if exists.is_some() { StoreError::Conflict("this request was decided already".into()) } else { StoreError::NotFound("admin grant") });
        };
        let grant = AdminGrant::from(row);
        let mut events = vec![NewEvent::new(
            format!("user:{}", grant.user_id),
            if approve { "user.admin_granted" } else { "user.admin_refused" },
            json!({"id": grant.user_id, "grant": grant.id}),
        )];
        if approve {
            let (roles,): (String,) = sqlx::query_as("SELECT roles FROM users WHERE id = $1").bind(grant.user_id).fetch_one(&mut *tx).await?;
            let mut roles = roles_from_text(&roles);
            if !roles.contains(&xiezhi_core::Role::Admin) {
                roles.push(xiezhi_core::Role::Admin);
            }
            sqlx::query("UPDATE users SET roles = $1 WHERE id = $2").bind(roles_to_text(&roles)).bind(grant.user_id).execute(&mut *tx).await?;
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            events.push(NewEvent::new(
                format!("user:{}", grant.user_id),
                "user.changed",
                json!({"id": grant.user_id, "roles": names, "admin_grant": grant.id}),
            ));
        }
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(Recorded { value: grant, leaves })
    }

    async fn create_session(&self, s: NewSession) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.token_hash)
            .bind(s.user_id)
            .bind(s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Principal>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            p: PrincipalRow,
            csrf_token: String,
        }
        let row: Option<Row> = sqlx::query_as(&format!(
            "{PRINCIPAL_SELECT}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id JOIN units n ON n.id = u.unit_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        match row {
            Some(r) => r.p.into_active(r.csrf_token),
            None => Ok(None),
        }
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn create_token(&self, user_id: i64, name: String, token_hash: String, by: By) -> Result<Recorded<ApiToken>> {
        let mut tx = self.pool.begin().await?;
        let token_hash_for_record = token_hash.clone();
        let row: TokenRow = sqlx::query_as("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id, user_id, name, created_at, last_used_at, revoked_at")
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(by.at)
            .fetch_one(&mut *tx)
            .await?;
        let t = ApiToken::from(row);
        let leaves = append(
            &mut tx,
            self.backend,
            &by,
            vec![NewEvent::new(
                format!("user:{user_id}"),
                "token.created",
                json!({"id": t.id, "user_id": user_id, "name": t.name, "token_hash_sha256": fingerprint(&token_hash_for_record)}),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(Recorded { value: t, leaves })
    }

    async fn tokens_of_user(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> =
            sqlx::query_as("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id")
                .bind(user_id)
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    async fn revoke_token(&self, user_id: i64, token_id: i64, by: By) -> Result<Recorded<ApiToken>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        let row: Option<TokenRow> = sqlx::query_as(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3 RETURNING id, user_id, name, created_at, last_used_at, revoked_at",
        )
        .bind(by.at)
        .bind(token_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let t = ApiToken::from(row.ok_or(StoreError::NotFound("token"))?);
        let leaves =
            append(&mut tx, self.backend, &by, vec![NewEvent::new(format!("user:{user_id}"), "token.revoked", json!({"id": t.id, "user_id": user_id}))])
                .await?;
        tx.commit().await?;
        Ok(Recorded { value: t, leaves })
    }

    async fn token(&self, token_hash: &str, now: i64) -> Result<Option<Principal>> {
        if let Some(p) = self.cache.tokens.get(&token_hash.to_string()) {
            return Ok(Some(p));
        }
        let row: Option<PrincipalRow> = sqlx::query_as(&format!(
            "{PRINCIPAL_SELECT} FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN units n ON n.id = u.unit_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // Coarse last-use stamp: at most one write a minute per token.
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(now)
            .bind(token_hash)
            .bind(now - 60_000_000)
            .execute(&self.pool)
            .await?;
        let principal = row.into_active(String::new())?;
        if let Some(p) = &principal {
            self.cache.tokens.put(token_hash.to_string(), p.clone());
        }
        Ok(principal)
    }

    async fn record(&self, e: NewSecurityEvent) -> Result<()> {
        sqlx::query("INSERT INTO security_events (at, kind, username, user_id, region, client, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(e.at)
            .bind(e.kind)
            .bind(e.username)
            .bind(e.user_id)
            .bind(e.region.map(|r| r.to_string()))
            .bind(e.client)
            .bind(e.detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn failed_sign_ins_since(&self, username: &str, client: &str, since: i64) -> Result<(i64, i64)> {
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM security_events WHERE kind = 'sign_in_failed' AND at >= $1 AND username = $2), \
                    (SELECT COUNT(*) FROM security_events WHERE kind = 'sign_in_failed' AND at >= $1 AND client = $3)",
        )
        .bind(since)
        .bind(username)
        .bind(client)
        .fetch_one(&self.reader)
        .await?;
        Ok(counts)
    }

    async fn security_events(&self, region_prefix: &str, limit: i64) -> Result<Vec<SecurityEvent>> {
        let rows: Vec<SecurityRow> = sqlx::query_as(
            "SELECT id, at, kind, username, user_id, region, client, detail FROM security_events WHERE region LIKE $1 OR ($2 = 1 AND region IS NULL) ORDER BY id DESC LIMIT $3",
        )
        .bind(format!("{region_prefix}%"))
        .bind(i64::from(region_prefix.len() <= 2))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SecurityEvent {
                id: r.id,
                at: r.at,
                kind: r.kind,
                username: r.username,
                user_id: r.user_id,
                region: r.region,
                client: r.client,
                detail: r.detail,
            })
            .collect())
    }

    async fn create_case(&self, w: CaseWrite, by: By) -> Result<Recorded<crate::CaseWritten>> {
        let at = w.event_times.last().copied().unwrap_or(by.at);
        let (mut after, units, claim) = (CaseRecord::written(0, w.events.len() as i64, &w, at), crate::cache::units_after(vec![], &w.units), w.claim.clone());
        let outcome = self.submit(CaseJob::Create { write: w, by }).await;
        if let Ok(done) = &outcome {
            after.id = done.value.id;
            after.settle(claim.as_ref(), done.value.number.as_deref());
            self.cache.cases.remember(after, units);
        }
        outcome
    }

    async fn update_case(&self, id: i64, version: i64, w: CaseWrite, by: By) -> Result<Recorded<crate::CaseWritten>> {
        let before = self.cache.cases.at(id, version);
        let after = before.map(|(_, units)| {
            (CaseRecord::written(id, version + w.events.len() as i64, &w, by.at), crate::cache::units_after(units, &w.units), w.claim.clone())
        });
        let outcome = self.submit(CaseJob::Update { id, version, write: w, by }).await;
        let after = after.map(|(mut record, units, claim)| {
            move |done: &Recorded<crate::CaseWritten>| {
                record.settle(claim.as_ref(), done.value.number.as_deref());
                (record, units)
            }
        });
        self.cache.cases.written(id, &outcome, after);
        outcome
    }

    fn remembered_case(&self, id: i64) -> Option<(CaseRecord, Vec<i64>)> {
        self.cache.cases.get(&id)
    }

    async fn import_cases(&self, writes: Vec<CaseWrite>, by: By) -> Result<usize> {
        let n = writes.len();
        let jobs: Vec<CaseJob> = writes.into_iter().map(|write| CaseJob::Create { write, by }).collect();
        let all = |outcomes: Vec<Result<Recorded<crate::batch::CaseWritten>>>| outcomes.into_iter().try_for_each(|o| o.map(drop));
        if let Some(native) = &self.native {
            // Any refused case refuses the whole import: the closure's error rolls it back.
            return native.run(jobs, move |conn, jobs| all(crate::engine::native::write_cases(conn, jobs)?)).await.1.map(|()| n);
        }
        let mut tx = self.pool.begin().await?;
        all(crate::batch::write_cases(&mut tx, &jobs).await?)?;
        tx.commit().await?;
        Ok(n)
    }

    async fn raise_serials(&self, year: i32, last: i64) -> Result<()> {
        let registers =
            xiezhi_core::case::numbering::Register::ALL.iter().map(|r| format!("SELECT '{}' AS register", r.code())).collect::<Vec<_>>().join(" UNION ALL ");
        let sql = format!(
            "INSERT INTO serials (unit_id, register, year, last) SELECT u.id, r.register, $1, $2 FROM units u CROSS JOIN ({registers}) r WHERE true \
             ON CONFLICT (unit_id, register, year) DO UPDATE SET last = CASE WHEN excluded.last > serials.last THEN excluded.last ELSE serials.last END"
        );
        sqlx::query(&sql).bind(i64::from(year)).bind(last).execute(&self.pool).await?;
        Ok(())
    }

    async fn case_ids(&self, after: i64, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2").bind(after).bind(limit.clamp(1, 10_000)).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn restore_case(&self, id: i64, w: CaseWrite) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // The docket's counters move when this commits (deferred triggers); like every write
            // that appends to the log, hold the log's lock then, so writers never take counter
            // rows in opposite orders.
            sqlx::query("SELECT pg_advisory_xact_lock(6962)").execute(&mut *tx).await?;
        }
        let done = sqlx::query("UPDATE cases SET case_no = $1, title = $2, region = $3, stage = $4, holder_unit_id = $5, pending_unit_id = $6, in_custody = $7, due_date = $8, state = $9, due_provisional = $11, search = $12, notice_unit_id = $13, held_since = $14, charge = $15, registered_on = COALESCE($16, registered_on) WHERE id = $10")
            .bind(&w.case_no)
            .bind(&w.title)
            .bind(w.region.to_string())
            .bind(&w.stage)
            .bind(w.holder_unit_id)
            .bind(w.pending_unit_id)
            .bind(i64::from(w.in_custody))
            .bind(&w.due_date)
            .bind(&w.state)
            .bind(id)
            .bind(i64::from(w.due_provisional))
            .bind(&w.search)
            .bind(w.notice_unit_id)
            .bind(&w.held_since)
            .bind(&w.charge)
            .bind(&w.registered_on)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("case"));
        }
        sqlx::query("DELETE FROM case_units WHERE case_id = $1").bind(id).execute(&mut *tx).await?;
        for unit in &w.units {
            sqlx::query("INSERT INTO case_units (case_id, unit_id) VALUES ($1, $2) ON CONFLICT (case_id, unit_id) DO NOTHING")
                .bind(id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // Not remembered as it was before (a read meanwhile may have remembered the old row).
        self.cache.cases.remove(&id);
        Ok(())
    }

    async fn case(&self, id: i64) -> Result<Option<CaseRecord>> {
        let row: Option<CaseRow> = sqlx::query_as(&format!("SELECT {CASE_COLS} FROM cases WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        Ok(row.map(CaseRecord::from))
    }

    async fn case_with_units(&self, id: i64) -> Result<Option<(CaseRecord, Vec<i64>)>> {
        let units = match self.backend {
            Backend::Sqlite => "group_concat(unit_id)",
            Backend::Postgres => "string_agg(unit_id::text, ',')",
        };
        let row: Option<CaseUnitsRow> =
            sqlx::query_as(&format!("SELECT {CASE_COLS}, (SELECT {units} FROM case_units WHERE case_id = cases.id) AS units FROM cases WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let mut units = row
            .units
            .unwrap_or_default()
            .split(',')
            .filter(|u| !u.is_empty())
            .map(|u| u.parse().map_err(|_| corrupt("case unit", u)))
            .collect::<Result<Vec<i64>>>()?;
        units.sort();
        let record = CaseRecord::from(row.case);
        self.cache.cases.remember(record.clone(), units.clone());
        Ok(Some((record, units)))
    }

    async fn case_search(&self, id: i64) -> Result<(String, Option<String>)> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT search, registered_on FROM cases WHERE id = $1").bind(id).fetch_optional(&self.reader).await?;
        row.ok_or(StoreError::NotFound("case"))
    }

    async fn case_units(&self, id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT unit_id FROM case_units WHERE case_id = $1 ORDER BY unit_id").bind(id).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn cases(&self, f: CaseFilter) -> Result<Vec<CaseRecord>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
        // Only the conditions asked for, so each query can use its index. (sqlx's QueryBuilder
        // writes `?` placeholders for `Any`, which PostgreSQL does not take; number them here.)
        enum P {
            I(i64),
            S(String),
        }
        // Lists leave out the state snapshot (the bulk of a row): nothing shown in a list needs it.
        let cols = if f.with_state { CASE_COLS.to_string() } else { CASE_COLS.replace("state", "'' AS state") };
        let mut sql = format!("SELECT {cols} FROM cases c WHERE 1 = 1");
        let mut params = Vec::new();
        let mut cond = |sql: &mut String, text: &str, p: P| {
            params.push(p);
            sql.push_str(&text.replace('?', &format!("${}", params.len())));
        };
        if let Some(unit) = f.unit_id {
            cond(&mut sql, " AND c.id IN (SELECT case_id FROM case_units WHERE unit_id = ?)", P::I(unit));
        }
        match (&f.region_prefix, &f.due_by) {
            // What is due in a subtree: walk the due-date index in order and keep the subtree's
            // cases (an expression, so the planner does not pick the region index and sort).
            (Some(prefix), Some(_)) => cond(&mut sql, &format!(" AND substr(c.region, 1, {}) = ?", prefix.len()), P::S(prefix.clone())),
            (Some(prefix), None) => {
                let (lo, hi) = region_range(prefix);
                cond(&mut sql, " AND c.region >= ?", P::S(lo));
                cond(&mut sql, " AND c.region <= ?", P::S(hi));
            }
            (None, _) => {}
        }
        if let Some(stage) = f.stage {
            cond(&mut sql, " AND c.stage = ?", P::S(stage));
        }
        if let Some(holder) = f.holder_unit_id {
            cond(&mut sql, " AND c.holder_unit_id = ?", P::I(holder));
        }
        if let Some(pending) = f.pending_for {
            cond(&mut sql, " AND c.pending_unit_id = ?", P::I(pending));
        }
        if let Some(unit) = f.notice_for {
            cond(&mut sql, " AND c.notice_unit_id = ?", P::I(unit));
        }
        if let Some(day) = f.held_since_by {
            cond(&mut sql, " AND c.held_since <= ?", P::S(day));
        }
        if let Some(charge) = f.charge {
            cond(&mut sql, " AND c.charge = ?", P::S(charge));
        }
        if let Some(from) = f.due_from {
            cond(&mut sql, " AND c.due_date >= ?", P::S(from));
        }
        if let Some(text) = f.text.filter(|t| !t.is_empty()) {
            // A plain "contains" over the number, the title, every agency's number and every
            // person's name (the `search` column, lower-cased); `%`, `_` and `\` are taken literally.
            let pattern = format!("%{}%", text.to_ascii_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            cond(&mut sql, " AND c.search LIKE ? ESCAPE '\\'", P::S(pattern));
        }
        let due_filtered = f.due_by.is_some();
        if let Some(due) = f.due_by {
            cond(&mut sql, " AND c.due_date <= ?", P::S(due));
        }
        sql.push_str(match f.sort {
            // Due on or before a date: no clock-less cases, so the due-date index gives the order.
            CaseSort::Due if due_filtered => " ORDER BY c.due_date, c.id",
            CaseSort::Due => " ORDER BY c.due_date IS NULL, c.due_date, c.id",
            CaseSort::Updated => " ORDER BY c.updated_at DESC, c.id DESC",
            CaseSort::Number => " ORDER BY c.case_no, c.id",
            CaseSort::Held => " ORDER BY c.held_since IS NULL, c.held_since, c.id",
        });
        cond(&mut sql, " LIMIT ?", P::I(limit));
        cond(&mut sql, " OFFSET ?", P::I(f.offset.max(0)));
        let mut q = sqlx::query_as::<_, CaseRow>(&sql);
        for p in params {
            q = match p {
                P::I(i) => q.bind(i),
                P::S(s) => q.bind(s),
            };
        }
        let rows: Vec<CaseRow> = q.fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(CaseRecord::from).collect())
    }

    async fn case_counts(&self, f: CaseFilter) -> Result<Vec<CaseCount>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT c.region, c.stage, COUNT(*), SUM(CASE WHEN $3 IS NOT NULL AND c.due_date <= $3 THEN 1 ELSE 0 END) FROM cases c \
             WHERE ($1 IS NULL OR c.id IN (SELECT case_id FROM case_units WHERE unit_id = $1)) AND c.region >= $2 AND c.region <= $4 \
             AND ($5 IS NULL OR c.holder_unit_id = $5) AND ($6 IS NULL OR c.pending_unit_id = $6) AND ($7 = 0 OR c.pending_unit_id IS NULL) \
             AND ($8 IS NULL OR c.notice_unit_id = $8) \
             GROUP BY c.region, c.stage ORDER BY c.region, c.stage",
        )
        .bind(f.unit_id)
        .bind(region_range(f.region_prefix.as_deref().unwrap_or("")).0)
        .bind(f.due_by)
        .bind(region_range(f.region_prefix.as_deref().unwrap_or("")).1)
        .bind(f.holder_unit_id)
        .bind(f.pending_for)
        .bind(i64::from(f.not_pending))
        .bind(f.notice_for)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(region, stage, cases, due)| CaseCount { region, stage, cases, due }).collect())
    }

    async fn charge_counts(&self, region_prefix: &str) -> Result<Vec<ChargeCount>> {
        let (lo, hi) = region_range(region_prefix);
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT c.charge, COUNT(*), SUM(CASE WHEN c.in_custody <> 0 THEN 1 ELSE 0 END) FROM cases c WHERE c.region >= $1 AND c.region <= $2 AND c.charge IS NOT NULL \
             AND c.stage NOT IN ('executed', 'declined', 'withdrawn') GROUP BY c.charge ORDER BY COUNT(*) DESC, c.charge IS NULL, c.charge",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(charge, cases, held)| ChargeCount { charge, cases, held }).collect())
    }

    async fn charge_tallies(&self, region_prefix: &str, from: &str, to: &str) -> Result<Vec<ChargeTally>> {
        let (lo, hi) = region_range(region_prefix);
        let rows: Vec<(Option<String>, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.charge, COUNT(*), \
             SUM(CASE WHEN c.stage NOT IN ('final', 'executed', 'declined', 'withdrawn') THEN 1 ELSE 0 END), \
             SUM(CASE WHEN c.stage IN ('final', 'executed') THEN 1 ELSE 0 END), \
             SUM(CASE WHEN c.stage IN ('declined', 'withdrawn') THEN 1 ELSE 0 END), \
             SUM(CASE WHEN c.in_custody <> 0 THEN 1 ELSE 0 END) \
             FROM cases c WHERE c.registered_on >= $1 AND c.registered_on <= $2 AND c.region >= $3 AND c.region <= $4 \
             GROUP BY c.charge ORDER BY COUNT(*) DESC, c.charge IS NULL, c.charge",
        )
        .bind(from)
        .bind(to)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(charge, registered, open, judged, dropped, held)| ChargeTally { charge, registered, open, judged, dropped, held }).collect())
    }

    async fn cases_to_recompute(&self, from: &str, to: &str, after: i64, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM cases WHERE id > $1 AND (due_provisional <> 0 OR (due_date >= $2 AND due_date <= $3)) ORDER BY id LIMIT $4")
                .bind(after)
                .bind(from)
                .bind(to)
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn put_calendar(&self, c: StoredCalendar, by: By) -> Result<Recorded<()>> {
        let file: serde_json::Value = serde_json::from_str(&c.body).map_err(|e| StoreError::Invalid(format!("calendar body is not JSON: {e}")))?;
        let mut tx = self.pool.begin().await?;
        let before: Option<(String,)> = sqlx::query_as("SELECT source FROM calendars WHERE year = $1").bind(i64::from(c.year)).fetch_optional(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO calendars (year, body, source, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (year) DO UPDATE SET body = excluded.body, source = excluded.source, loaded_by = excluded.loaded_by, loaded_at = excluded.loaded_at",
        )
        .bind(i64::from(c.year))
        .bind(&c.body)
        .bind(&c.source)
        .bind(c.loaded_by)
        .bind(c.loaded_at)
        .execute(&mut *tx)
        .await?;
        let kind = if before.is_some() { "calendar.replaced" } else { "calendar.loaded" };
        let event = NewEvent::new(format!("calendar:{}", c.year), kind, json!({"year": c.year, "source": c.source, "file": file}));
        let leaves = append(&mut tx, self.backend, &by, vec![event]).await?;
        tx.commit().await?;
        Ok(Recorded { value: (), leaves })
    }

    async fn calendars(&self) -> Result<Vec<StoredCalendar>> {
        let rows: Vec<(i64, String, String, Option<i64>, i64)> =
            sqlx::query_as("SELECT year, body, source, loaded_by, loaded_at FROM calendars ORDER BY year").fetch_all(&self.reader).await?;
        rows.into_iter()
            .map(|(year, body, source, loaded_by, loaded_at)| {
                let year = i32::try_from(year).map_err(|_| corrupt("calendar year", &year.to_string()))?;
                Ok(StoredCalendar { year, body, source, loaded_by, loaded_at })
            })
            .collect()
    }

    async fn put_blob(&self, sha256: &str, content_type: &str, bytes: Vec<u8>, at: i64) -> Result<()> {
        sqlx::query("INSERT INTO blobs (sha256, size, content_type, bytes, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING")
            .bind(sha256)
            .bind(bytes.len() as i64)
            .bind(content_type)
            .bind(bytes)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn blobs_after(&self, after: &str, limit: i64) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(sqlx::query_as("SELECT sha256, bytes FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2")
            .bind(after)
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.reader)
            .await?)
    }

    async fn blob(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as("SELECT content_type, bytes FROM blobs WHERE sha256 = $1").bind(sha256).fetch_optional(&self.reader).await?)
    }

    async fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str, at: i64) -> Result<Idempotent> {
        let claimed = sqlx::query("INSERT INTO idempotency (scope, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (scope, key) DO NOTHING")
            .bind(scope)
            .bind(key)
            .bind(request_hash)
            .bind(at)
            .execute(&self.pool)
            .await?;
        if claimed.rows_affected() == 1 {
            return Ok(Idempotent::Fresh);
        }
        let (hash, status, body): (String, Option<i64>, Option<String>) =
            sqlx::query_as("SELECT request_hash, status, body FROM idempotency WHERE scope = $1 AND key = $2")
                .bind(scope)
                .bind(key)
                .fetch_one(&self.pool)
                .await?;
        Ok(match (hash == request_hash, status) {
            (false, _) => Idempotent::Mismatch,
            (true, None) => Idempotent::InFlight,
            (true, Some(status)) => Idempotent::Done { status: status as u16, body: body.unwrap_or_default() },
        })
    }

    async fn idempotency_finish(&self, scope: &str, key: &str, answer: Option<(u16, String)>) -> Result<()> {
        match answer {
            Some((status, body)) => {
                sqlx::query("UPDATE idempotency SET status = $1, body = $2 WHERE scope = $3 AND key = $4")
                    .bind(i64::from(status))
                    .bind(body)
                    .bind(scope)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND status IS NULL").bind(scope).bind(key).execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    async fn audit_size(&self) -> Result<u64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq) + 1, 0) FROM events").fetch_one(&self.reader).await?;
        Ok(n as u64)
    }

    async fn events(&self, start: u64, end: u64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq"))
            .bind(start as i64)
            .bind(end as i64)
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn append_events(&self, events: Vec<NewEvent>, by: By) -> Result<Vec<i64>> {
        if let Some(native) = &self.native {
            let (_, leaves) =
                native.run(Some(events), move |conn, events| crate::engine::native::append_groups(conn, vec![(by, events.take().unwrap_or_default())])).await;
            return Ok(leaves?.pop().unwrap_or_default());
        }
        let mut tx = self.pool.begin().await?;
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(leaves)
    }

    async fn events_in_subjects(&self, from: &str, to: &str, after: i64, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> =
            sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE subject >= $1 AND subject < $2 AND seq > $3 ORDER BY seq LIMIT $4"))
                .bind(from)
                .bind(to)
                .bind(after)
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn organisation_rows(&self) -> Result<OrganisationRows> {
        let units: Vec<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units ORDER BY id")).fetch_all(&self.reader).await?;
        #[derive(FromRow)]
        struct UserHash {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let users: Vec<UserHash> = sqlx::query_as(&format!("SELECT {USER_COLS}, password_hash FROM users ORDER BY id")).fetch_all(&self.reader).await?;
        #[derive(FromRow)]
        struct TokenHash {
            #[sqlx(flatten)]
            token: TokenRow,
            token_hash: String,
        }
        let tokens: Vec<TokenHash> = sqlx::query_as("SELECT id, user_id, name, created_at, last_used_at, revoked_at, token_hash FROM api_tokens ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        Ok(OrganisationRows {
            units: units.into_iter().map(Unit::try_from).collect::<Result<_>>()?,
            users: users.into_iter().map(|u| (User::from(u.user), u.password_hash)).collect(),
            tokens: tokens.into_iter().map(|t| (ApiToken::from(t.token), t.token_hash)).collect(),
        })
    }

    async fn events_of(&self, subject: &str, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE subject = $1 ORDER BY seq LIMIT $2"))
            .bind(subject)
            .bind(limit.clamp(1, 10_000))
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn unit_events(&self, unit_id: i64, subject_prefix: &str, limit: i64, offset: i64) -> Result<Vec<Event>> {
        // The prefix is ours (`case:`), never a reader's text: no LIKE escaping needed.
        let rows: Vec<EventRow> =
            sqlx::query_as(&format!("SELECT {EVENT_COLS} FROM events WHERE unit_id = $1 AND subject LIKE $2 ORDER BY seq DESC LIMIT $3 OFFSET $4"))
                .bind(unit_id)
                .bind(format!("{subject_prefix}%"))
                .bind(limit.clamp(1, 1000))
                .bind(offset.max(0))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn browse_events(&self, q: EventQuery) -> Result<Vec<Event>> {
        let (lo, hi) = region_range(&q.region_prefix);
        let cols = EVENT_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {cols} FROM events e LEFT JOIN units u ON u.id = e.unit_id \
             WHERE ((u.region >= $1 AND u.region <= $2) OR ($3 = 1 AND e.unit_id IS NULL)) \
             AND ($4 = '' OR e.subject = $4) AND ($5 = '' OR e.kind LIKE $6) AND ($7 = 0 OR e.actor_user_id = $8) AND e.seq < $9 \
             ORDER BY e.seq DESC LIMIT $10"
        ))
        .bind(lo)
        .bind(hi)
        .bind(i64::from(q.with_system))
        .bind(q.subject.clone().unwrap_or_default())
        .bind(q.family.clone().unwrap_or_default())
        .bind(format!("{}.%", q.family.unwrap_or_default()))
        .bind(i64::from(q.actor_user_id.is_some()))
        .bind(q.actor_user_id.unwrap_or_default())
        .bind(q.before.unwrap_or(i64::MAX))
        .bind(q.limit.clamp(1, 500))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(Event::from).collect())
    }

    async fn event_leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<(u64, xiezhi_audit::Hash)>> {
        if self.sqlite_file.is_some() {
            return self
                .on_bulk_reader(move |r| {
                    r.read(start, end, false)?;
                    Ok(r.recomputed().to_vec())
                })
                .await;
        }
        if let Some(url) = &self.pg_url {
            let pool = self.bulk_pg.get_or_try_init(|| sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(url)).await?;
            let sql = format!(
                "COPY (SELECT {EVENT_COLS} FROM events WHERE seq >= {start} AND seq < {end} ORDER BY seq) \
                 TO STDOUT (FORMAT binary)"
            );
            let mut stream = sqlx::postgres::PgPoolCopyExt::copy_out_raw(pool, &sql).await?;
            let mut data = Vec::new();
            while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
                data.extend_from_slice(&chunk?);
            }
            return tokio::task::spawn_blocking(move || crate::engine::bulk::copy_leaf_hashes(&data))
                .await
                .map_err(|e| StoreError::Invalid(format!("leaf reader stopped: {e}")))?;
        }
        let events = self.events(start, end).await?;
        Ok(events.iter().map(|e| (e.seq as u64, xiezhi_audit::leaf_hash(&e.leaf_input()))).collect())
    }

    async fn leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<(u64, xiezhi_audit::Hash)>> {
        let mut conn = self.reader.acquire().await?;
        crate::audit::leaf_hashes(&mut conn, start, end).await
    }

    async fn with_leaf_ranges<R, N, F>(&self, mut next: N, mut f: F) -> Result<Vec<R>>
    where
        R: Send + 'static,
        N: FnMut() -> Option<(u64, u64)> + Send + 'static,
        F: FnMut(u64, u64, &[(u64, xiezhi_audit::Hash)], &[(u64, xiezhi_audit::Hash)]) -> R + Send + 'static,
    {
        if self.sqlite_file.is_some() {
            return self
                .on_bulk_reader(move |r| {
                    let mut answers = Vec::new();
                    while let Some((start, end)) = next() {
                        r.read(start, end, true)?;
                        answers.push(f(start, end, r.recomputed(), r.stored()));
                    }
                    Ok(answers)
                })
                .await;
        }
        let mut answers = Vec::new();
        while let Some((start, end)) = next() {
            let (recomputed, stored) = tokio::try_join!(self.event_leaf_hashes(start, end), self.leaf_hashes(start, end))?;
            let (back, answer) = tokio::task::spawn_blocking(move || {
                let answer = f(start, end, &recomputed, &stored);
                (f, answer)
            })
            .await
            .map_err(|e| StoreError::Invalid(format!("leaf check stopped: {e}")))?;
            f = back;
            answers.push(answer);
        }
        Ok(answers)
    }

    async fn audit_nodes(&self, nodes: &[xiezhi_audit::Node]) -> Result<std::collections::HashMap<xiezhi_audit::Node, xiezhi_audit::Hash>> {
        let mut conn = self.reader.acquire().await?;
        fetch_nodes(&mut conn, nodes).await
    }

    async fn add_checkpoint(&self, cp: StoredCheckpoint) -> Result<()> {
        sqlx::query("INSERT INTO audit_checkpoints (tree_size, root, at, note) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING")
            .bind(cp.tree_size)
            .bind(cp.root.to_vec())
            .bind(cp.at)
            .bind(cp.note)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn checkpoint(&self, tree_size: Option<i64>) -> Result<Option<StoredCheckpoint>> {
        let row: Option<(i64, Vec<u8>, i64, String)> = match tree_size {
            Some(n) => {
                sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints WHERE tree_size = $1").bind(n).fetch_optional(&self.reader).await?
            }
            None => {
                sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1").fetch_optional(&self.reader).await?
            }
        };
        row.map(checkpoint_from_row).transpose()
    }

    async fn checkpoints(&self, limit: i64) -> Result<Vec<StoredCheckpoint>> {
        let rows: Vec<(i64, Vec<u8>, i64, String)> = sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT $1")
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(checkpoint_from_row).collect()
    }

    async fn checkpoints_before(&self, before: i64, limit: i64) -> Result<Vec<StoredCheckpoint>> {
        let rows: Vec<(i64, Vec<u8>, i64, String)> =
            sqlx::query_as("SELECT tree_size, root, at, note FROM audit_checkpoints WHERE tree_size < $1 ORDER BY tree_size DESC LIMIT $2")
                .bind(before)
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.reader)
                .await?;
        rows.into_iter().map(checkpoint_from_row).collect()
    }

    async fn add_cosignature(&self, c: StoredCosignature) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_cosignatures (tree_size, witness, line, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tree_size, witness) DO UPDATE SET line = excluded.line, at = excluded.at",
        )
        .bind(c.tree_size)
        .bind(c.witness)
        .bind(c.line)
        .bind(c.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn cosignatures(&self, tree_sizes: &[i64]) -> Result<Vec<StoredCosignature>> {
        if tree_sizes.is_empty() {
            return Ok(vec![]);
        }
        let marks: Vec<String> = (1..=tree_sizes.len()).map(|i| format!("${i}")).collect();
        let sql =
            format!("SELECT tree_size, witness, line, at FROM audit_cosignatures WHERE tree_size IN ({}) ORDER BY tree_size DESC, witness", marks.join(", "));
        let mut q = sqlx::query_as::<_, (i64, String, String, i64)>(&sql);
        for n in tree_sizes {
            q = q.bind(*n);
        }
        Ok(q.fetch_all(&self.reader).await?.into_iter().map(|(tree_size, witness, line, at)| StoredCosignature { tree_size, witness, line, at }).collect())
    }

    async fn logical_schema(&self) -> Result<Vec<String>> {
        let (columns, indexes, triggers) = match self.backend {
            Backend::Sqlite => (
                "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" <> 0 OR p.pk <> 0 THEN 1 ELSE 0 END FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
                "SELECT name FROM sqlite_master WHERE type = 'trigger'",
            ),
            Backend::Postgres => (
                "SELECT table_name::text, column_name::text, data_type::text, (CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END)::bigint FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
                "SELECT DISTINCT trigger_name::text FROM information_schema.triggers WHERE trigger_schema = 'public'",
            ),
        };
        let cols: Vec<(String, String, String, i64)> = sqlx::query_as(columns).fetch_all(&self.reader).await?;
        let idx: Vec<(String,)> = sqlx::query_as(indexes).fetch_all(&self.reader).await?;
        let trig: Vec<(String,)> = sqlx::query_as(triggers).fetch_all(&self.reader).await?;
        let mut out: Vec<String> = cols
            .into_iter()
            .map(|(t, c, ty, not_null)| format!("column {t}.{c} {} {}", type_class(&ty), if not_null == 1 { "not null" } else { "null" }))
            .chain(idx.into_iter().map(|(i,)| format!("index {i}")))
            .chain(trig.into_iter().map(|(t,)| format!("trigger {t}")))
            .collect();
        out.sort();
        Ok(out)
    }
}

fn checkpoint_from_row((tree_size, root, at, note): (i64, Vec<u8>, i64, String)) -> Result<StoredCheckpoint> {
    let root: [u8; 32] = root.try_into().map_err(|_| StoreError::Invalid(format!("checkpoint {tree_size} root is not 32 bytes")))?;
    Ok(StoredCheckpoint { tree_size, root, at, note })
}

/// Map a backend's type name to the class both backends agree on.
fn type_class(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int8" => "integer",
        "text" | "character varying" => "text",
        "boolean" | "bool" => "boolean",
        "blob" | "bytea" => "bytes",
        _ => "other",
    }
}
