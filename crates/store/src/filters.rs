//! What the per-domain store parts share: a WHERE clause built from the conditions a filter asks
//! for (numbered parameters, which the `Any` driver needs on PostgreSQL), the link table of the
//! units that may see a row, and the placeholder a new row carries until its number is known.

use crate::engine::db::{Arg, Db};
use crate::sql::region_range;
use crate::{By, Result};

pub(crate) enum P {
    I(i64),
    S(String),
}

/// ` WHERE 1 = 1` and the conditions added to it, with their parameters in order.
pub(crate) struct Where {
    pub sql: String,
    pub params: Vec<P>,
}

impl Where {
    pub fn new() -> Self {
        Where { sql: String::from(" WHERE 1 = 1"), params: Vec::new() }
    }
    /// ` AND …` with one `?` for the parameter.
    pub fn and(&mut self, text: &str, p: P) {
        self.params.push(p);
        self.sql.push_str(&text.replace('?', &format!("${}", self.params.len())));
    }
    /// A condition without parameters.
    pub fn raw(&mut self, text: &str) {
        self.sql.push_str(text);
    }
    /// The rows of a region subtree (by code prefix).
    pub fn region(&mut self, column: &str, prefix: &str) {
        let (lo, hi) = region_range(prefix);
        self.and(&format!(" AND {column} >= ?"), P::S(lo));
        self.and(&format!(" AND {column} <= ?"), P::S(hi));
    }
    /// `column` contains `text` (lower-cased ASCII; `%`, `_` and `\` taken literally).
    pub fn contains(&mut self, column: &str, text: &str) {
        self.contains_any(&[column], text);
    }
    /// Any of `columns` contains `text`, as [`Where::contains`].
    pub fn contains_any(&mut self, columns: &[&str], text: &str) {
        let pattern = format!("%{}%", text.to_ascii_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        self.raw(" AND (");
        for (i, column) in columns.iter().enumerate() {
            self.and(&format!("{}{column} LIKE ? ESCAPE '\\'", if i == 0 { "" } else { " OR " }), P::S(pattern.clone()));
        }
        self.raw(")");
    }
    /// `LIMIT` and `OFFSET` as the last two parameters.
    pub fn page(&mut self, limit: i64, offset: i64) {
        self.params.push(P::I(limit));
        self.sql.push_str(&format!(" LIMIT ${}", self.params.len()));
        self.params.push(P::I(offset.max(0)));
        self.sql.push_str(&format!(" OFFSET ${}", self.params.len()));
    }
}

pub(crate) fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    params: Vec<P>,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for p in params {
        q = match p {
            P::I(i) => q.bind(i),
            P::S(s) => q.bind(s),
        };
    }
    q
}

/// Add units to a row's link table (`dispute_units (dispute_id, unit_id)`, …); ones it has stay.
pub(crate) async fn add_units<D: Db>(db: &mut D, table: &str, key: &str, id: i64, units: &[i64]) -> Result<()> {
    let mut units = units.to_vec();
    units.sort_unstable();
    units.dedup();
    if units.is_empty() {
        return Ok(());
    }
    // One statement for them all: `($1, $2), ($1, $3), …`.
    let rows: Vec<String> = (0..units.len()).map(|i| format!("($1, ${})", i + 2)).collect();
    let sql = format!("INSERT INTO {table} ({key}, unit_id) VALUES {} ON CONFLICT ({key}, unit_id) DO NOTHING", rows.join(", "));
    db.execute(&sql, std::iter::once(id).chain(units).map(Arg::Int).collect()).await?;
    Ok(())
}

/// A unique stand-in for a new row's number, replaced in the same transaction once its id is
/// known (the number is made from the id).
pub(crate) fn placeholder(by: &By) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("new:{}:{}:{n}", by.at, std::process::id())
}

/// A record read together with the units that may see it (an id list, see [`id_list`]).
#[derive(sqlx::FromRow)]
pub(crate) struct WithUnits<T> {
    #[sqlx(flatten)]
    pub record: T,
    pub units: Option<String>,
}

/// An aggregate of `column`'s ids as one comma-separated text, in either dialect.
pub(crate) fn id_list(backend: crate::sql::Backend, column: &str) -> String {
    match backend {
        crate::sql::Backend::Sqlite => format!("group_concat({column}, ',')"),
        crate::sql::Backend::Postgres => format!("string_agg({column}::text, ',')"),
    }
}

/// The ids of an [`id_list`], in order.
pub(crate) fn parse_id_list(list: Option<&str>) -> Vec<i64> {
    let mut ids: Vec<i64> = list.unwrap_or_default().split(',').filter_map(|s| s.trim().parse().ok()).collect();
    ids.sort_unstable();
    ids
}
