//! Idempotency keys: a request retried with the same key gets the first answer.

use crate::{model::*, Result, SqlStore};
use std::future::Future;

/// Idempotency keys.
pub trait IdempotencyStore {
    fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str, at: i64) -> impl Future<Output = Result<Idempotent>> + Send;
    /// Record the answer (`Some`) or release the key after a refusal that changed nothing (`None`).
    fn idempotency_finish(&self, scope: &str, key: &str, answer: Option<(u16, String)>) -> impl Future<Output = Result<()>> + Send;
}

impl IdempotencyStore for SqlStore {
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
}
