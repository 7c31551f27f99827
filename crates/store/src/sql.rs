//! The SQL implementation of [`Store`], over sqlx's `Any` driver: one set of statements for
//! both backends, with the differences kept to the migrations and the few places marked here.

use crate::batch::CaseJob;
use crate::{model::*, OpenError, Result, Store, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

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
    pub(crate) native: Option<crate::engine::native::NativeWriter>,
    pub(crate) cache: std::sync::Arc<crate::cache::Cache>,
    /// The SQLite database file, for bulk reads that bypass the pool (`event_leaf_hashes`).
    pub(crate) sqlite_file: Option<std::path::PathBuf>,
    /// Plain read-only connections to it, kept between calls with their buffers.
    bulk_readers: std::sync::Arc<std::sync::Mutex<Vec<crate::engine::bulk::BulkReader>>>,
    /// The PostgreSQL URL, and a pool of native connections to it opened on first bulk read
    /// (`COPY … TO STDOUT`, which the `Any` driver does not offer).
    pub(crate) pg_url: Option<String>,
    pub(crate) bulk_pg: std::sync::Arc<tokio::sync::OnceCell<sqlx::PgPool>>,
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
    pub(crate) async fn submit(&self, job: CaseJob) -> Result<Recorded<crate::batch::CaseWritten>> {
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

impl SqlStore {
    /// Run `f` on a bulk reader (see [`crate::engine::bulk::BulkReader`]) on a blocking thread; the
    /// reader goes back to the idle ones afterwards.
    pub(crate) async fn on_bulk_reader<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::engine::bulk::BulkReader) -> Result<R> + Send + 'static,
    ) -> Result<R> {
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

/// The codes of a region subtree as a range (codes are six digits): an index can walk a range,
/// not a `LIKE`.
pub(crate) fn region_range(prefix: &str) -> (String, String) {
    (format!("{prefix:0<6}"), format!("{prefix:9<6}"))
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Invalid(format!("stored {what} {value:?} is not valid"))
}
