//! The agencies' registers: a serial per unit, register and year, drawn inside the transaction
//! that records the number, so a number is used exactly when the write that gives it commits.

use super::db::{args, Db};
use crate::Result;
use xiezhi_core::case::numbering::Claim;

/// Take the next serial of the claim's register (1 for the first of a year).
const DRAW: &str = "INSERT INTO serials (unit_id, register, year, last) VALUES ($1, $2, $3, 1) \
                    ON CONFLICT (unit_id, register, year) DO UPDATE SET last = serials.last + 1 RETURNING last";

/// The claimed number with its serial drawn.
pub(crate) async fn draw(db: &mut impl Db, claim: &Claim) -> Result<String> {
    let serial = db.fetch_i64(DRAW, args![claim.unit_id, claim.register.code(), i64::from(claim.year)]).await?.unwrap_or(1);
    Ok(claim.number(serial as u64))
}

/// The same on the native SQLite writer's connection.
pub(crate) fn draw_native(conn: &rusqlite::Connection, claim: &Claim) -> Result<String> {
    let serial: i64 = conn
        .prepare_cached(DRAW)?
        .query_row(rusqlite::named_params! {"$1": claim.unit_id, "$2": claim.register.code(), "$3": i64::from(claim.year)}, |r| r.get(0))?;
    Ok(claim.number(serial as u64))
}

/// On PostgreSQL through the pool's transaction.
pub(crate) async fn draw_pooled(tx: &mut sqlx::Transaction<'_, sqlx::Any>, claim: &Claim) -> Result<String> {
    let (serial,): (i64,) = sqlx::query_as(DRAW).bind(claim.unit_id).bind(claim.register.code()).bind(i64::from(claim.year)).fetch_one(&mut **tx).await?;
    Ok(claim.number(serial as u64))
}
