//! One transaction, whichever backend holds it: what an aggregate's write is written against.
//! On PostgreSQL it is a pooled `sqlx` transaction; on SQLite the native writer's own connection
//! (`rusqlite`, on the writer's blocking thread), so a batch of writes runs without handing each
//! statement to another thread. The statements are the same text on both (`$1`, `$2`, … numbered
//! parameters; SQLite reads `$N` as a named parameter, bound here by that name).

use crate::audit::NewEvent;
use crate::sql::Backend;
use crate::{By, Result};
use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use sqlx::{Any, Transaction};
use std::future::Future;

/// A statement's argument. Nulls carry their type: PostgreSQL wants to know it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}
impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Arg::NullInt, Arg::from)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        v.as_ref().map_or(Arg::NullText, |s| Arg::Text(s.clone()))
    }
}

/// `args![a, b, …]`: a statement's arguments, each converted to an [`Arg`].
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::engine::db::Arg::from($v)),*] };
}
pub(crate) use args;

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            Arg::Text(s) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes())),
            Arg::NullInt | Arg::NullText => ToSqlOutput::Owned(SqlValue::Null),
        })
    }
}

/// A write transaction.
pub(crate) trait Db: Send {
    /// Run one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = Result<u64>> + Send;
    /// Run one statement that answers with at most one integer (`RETURNING id`, `SELECT id`).
    fn fetch_i64(&mut self, sql: &str, args: Vec<Arg>) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Append each write's events to the audit log; each group gets back its leaf indexes.
    fn append(&mut self, groups: Vec<(By, Vec<NewEvent>)>) -> impl Future<Output = Result<Vec<Vec<i64>>>> + Send;
}

/// A pooled `sqlx` transaction (PostgreSQL; SQLite when no native writer is open).
pub(crate) struct PoolTx<'t> {
    pub tx: &'t mut Transaction<'static, Any>,
    pub backend: Backend,
}

fn bind_args<'q>(mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>, args: Vec<Arg>) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::Int(i) => q.bind(i),
            Arg::Text(s) => q.bind(s),
            Arg::NullInt => q.bind(None::<i64>),
            Arg::NullText => q.bind(None::<String>),
        };
    }
    q
}

impl Db for PoolTx<'_> {
    async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(bind_args(sqlx::query(sql), args).execute(&mut **self.tx).await?.rows_affected())
    }

    async fn fetch_i64(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<i64>> {
        use sqlx::Row;
        let row = bind_args(sqlx::query(sql), args).fetch_optional(&mut **self.tx).await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?)
    }

    async fn append(&mut self, groups: Vec<(By, Vec<NewEvent>)>) -> Result<Vec<Vec<i64>>> {
        crate::audit::append_groups(self.tx, self.backend, groups).await
    }
}

/// The native SQLite writer's connection inside its open transaction. Its futures never wait:
/// each statement runs when polled, on the writer's thread.
pub(crate) struct NativeTx<'c> {
    pub conn: &'c mut rusqlite::Connection,
}

impl NativeTx<'_> {
    /// Prepare (cached) and bind by the parameters' names, `$1`, `$2`, ….
    fn statement<'a>(conn: &'a rusqlite::Connection, sql: &str, args: &[Arg]) -> Result<rusqlite::CachedStatement<'a>> {
        let mut stmt = conn.prepare_cached(sql)?;
        for (i, a) in args.iter().enumerate() {
            if let Some(at) = stmt.parameter_index(&format!("${}", i + 1))? {
                stmt.raw_bind_parameter(at, a)?;
            }
        }
        Ok(stmt)
    }
}

impl Db for NativeTx<'_> {
    async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        let mut stmt = Self::statement(self.conn, sql, &args)?;
        Ok(stmt.raw_execute()? as u64)
    }

    async fn fetch_i64(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<i64>> {
        let mut stmt = Self::statement(self.conn, sql, &args)?;
        let mut rows = stmt.raw_query();
        let first = match rows.next()? {
            Some(row) => Some(row.get::<_, i64>(0)?),
            None => None,
        };
        // Step to the end, so a `RETURNING` statement finishes its write.
        while rows.next()?.is_some() {}
        Ok(first)
    }

    async fn append(&mut self, groups: Vec<(By, Vec<NewEvent>)>) -> Result<Vec<Vec<i64>>> {
        super::native::append_groups(self.conn, groups)
    }
}
