use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{what} already exists")]
    Duplicate { what: String },
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed the record first; read it again and retry.
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// From the plain SQLite connections (bulk reads, the native writer).
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Duplicate { what: duplicate_subject(db.message()) };
            }
            if db.is_foreign_key_violation() {
                return StoreError::Invalid(format!("refers to something that does not exist ({})", db.message()));
            }
        }
        StoreError::Database(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(f, message) = &e {
            let message = message.as_deref().unwrap_or_default();
            match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return StoreError::Duplicate { what: duplicate_subject(message) };
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::Invalid(format!("refers to something that does not exist ({message})")),
                _ => {}
            }
        }
        StoreError::Sqlite(e)
    }
}

/// Name the thing that clashed from either backend's unique-violation message.
fn duplicate_subject(message: &str) -> String {
    for (needle, what) in [
        ("case_no", "a case with that number"),
        ("username", "a user with that username"),
        ("name", "a unit with that name"),
        ("token_hash", "that token"),
        ("code", "a region with that code"),
    ] {
        if message.contains(needle) {
            return what.into();
        }
    }
    "a record with that key".into()
}

/// Why the store could not be opened. One line each, naming what to fix.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error("data directory {dir} cannot be written: {reason}")]
    DataDir { dir: String, reason: String },
    #[error("database {url} cannot be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("database URL {0:?} is not supported: use sqlite://PATH or postgres://…")]
    Scheme(String),
    #[error("database {url}: migrations failed: {reason}")]
    Migrate { url: String, reason: String },
    #[error("no xiezhi database at {0}")]
    Missing(String),
    #[error("database {url} cannot be read by this xiezhi: {reason}")]
    Schema { url: String, reason: String },
}
