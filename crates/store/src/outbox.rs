//! The outbox and webhook subscriptions: a shared engine piece. A module writes notices in the
//! transaction of the events they tell of ([`enqueue`]); workers in any number of server
//! processes claim due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL), deliver them and record the
//! answer; a failed delivery waits and is tried again, so a receiver that is down loses nothing.

use crate::audit::{append, NewEvent};
use crate::engine::db::{args, Db};
use crate::sql::{Backend, SqlStore};
use crate::{By, Recorded, Result, StoreError};
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;
use xiezhi_core::Subject;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Webhook {
    pub id: i64,
    pub unit_id: i64,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
    pub disabled_at: Option<i64>,
}

/// A notice for the subscribers of a unit, to be written with the events it tells of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub unit_id: i64,
    /// e.g. `dispute.referred`.
    pub kind: String,
    /// e.g. `dispute:12`.
    pub subject: String,
    /// The JSON delivered.
    pub body: String,
}

/// A delivery claimed by a worker.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// A row of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct DeliveryLog {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_at: i64,
    pub delivered_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// The outcome of one attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub delivered: bool,
    /// The receiver's status, if it answered.
    pub status: Option<i64>,
    pub error: Option<String>,
    /// When the attempt ended; a failed one is due again at `next_at`.
    pub at: i64,
    pub next_at: i64,
}

pub trait OutboxStore {
    /// A new subscription for a unit's system, recorded (its secret's SHA-256 fingerprint, never
    /// the secret).
    fn create_webhook(&self, unit_id: i64, url: String, secret: String, by: By) -> impl Future<Output = Result<Recorded<Webhook>>> + Send;
    fn webhook(&self, id: i64) -> impl Future<Output = Result<Option<Webhook>>> + Send;
    fn webhooks_of_unit(&self, unit_id: i64) -> impl Future<Output = Result<Vec<Webhook>>> + Send;
    /// Stop a subscription; its waiting deliveries stay in the log undelivered.
    fn disable_webhook(&self, id: i64, by: By) -> impl Future<Output = Result<Recorded<Webhook>>> + Send;
    /// Claim up to `limit` deliveries due at `now` for `lease_us`: no other worker takes them
    /// meanwhile; one that dies holding them lets them go when the lease runs out.
    fn claim_deliveries(&self, now: i64, limit: i64, lease_us: i64) -> impl Future<Output = Result<Vec<Delivery>>> + Send;
    /// Record attempts, all in one transaction: each delivered, or failed and due again.
    fn finish_deliveries(&self, attempts: Vec<Attempt>) -> impl Future<Output = Result<()>> + Send;
    /// A subscription's deliveries, newest first.
    fn deliveries(&self, webhook_id: i64, limit: i64) -> impl Future<Output = Result<Vec<DeliveryLog>>> + Send;
    /// Deliveries not yet made (for operations and tests).
    fn undelivered(&self) -> impl Future<Output = Result<i64>> + Send;
}

/// Write notices for every active subscriber of each notice's unit, in the caller's transaction.
pub(crate) async fn enqueue<D: Db>(db: &mut D, notices: &[Notice], at: i64) -> Result<()> {
    for n in notices {
        db.execute(
            "INSERT INTO outbox (webhook_id, kind, subject, body, created_at, attempts, next_at) \
             SELECT id, $1, $2, $3, $4, 0, $4 FROM webhooks WHERE unit_id = $5 AND disabled_at IS NULL",
            args![&n.kind, &n.subject, &n.body, at, n.unit_id],
        )
        .await?;
    }
    Ok(())
}

const COLS: &str = "id, unit_id, url, secret, created_at, created_by, disabled_at";

fn fingerprint(secret: &str) -> String {
    crate::people::fingerprint(secret)
}

impl OutboxStore for SqlStore {
    async fn create_webhook(&self, unit_id: i64, url: String, secret: String, by: By) -> Result<Recorded<Webhook>> {
        let mut tx = self.pool.begin().await?;
        let w: Webhook =
            sqlx::query_as(&format!("INSERT INTO webhooks (unit_id, url, secret, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING {COLS}"))
                .bind(unit_id)
                .bind(&url)
                .bind(&secret)
                .bind(by.at)
                .bind(by.user_id)
                .fetch_one(&mut *tx)
                .await?;
        let event = NewEvent::new(
            Subject::Webhook(w.id),
            "webhook.created",
            serde_json::json!({"unit_id": unit_id, "url": url, "secret_sha256": fingerprint(&secret)}),
        );
        let leaves = append(&mut tx, self.backend, &by, vec![event]).await?;
        tx.commit().await?;
        Ok(Recorded { value: w, leaves })
    }

    async fn webhook(&self, id: i64) -> Result<Option<Webhook>> {
        Ok(sqlx::query_as(&format!("SELECT {COLS} FROM webhooks WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?)
    }

    async fn webhooks_of_unit(&self, unit_id: i64) -> Result<Vec<Webhook>> {
        Ok(sqlx::query_as(&format!("SELECT {COLS} FROM webhooks WHERE unit_id = $1 ORDER BY id")).bind(unit_id).fetch_all(&self.reader).await?)
    }

    async fn disable_webhook(&self, id: i64, by: By) -> Result<Recorded<Webhook>> {
        let mut tx = self.pool.begin().await?;
        let w: Option<Webhook> = sqlx::query_as(&format!("UPDATE webhooks SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL RETURNING {COLS}"))
            .bind(by.at)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(w) = w else {
            return Err(StoreError::NotFound("active webhook"));
        };
        let leaves =
            append(&mut tx, self.backend, &by, vec![NewEvent::new(Subject::Webhook(id), "webhook.disabled", serde_json::json!({"unit_id": w.unit_id}))])
                .await?;
        tx.commit().await?;
        Ok(Recorded { value: w, leaves })
    }

    async fn claim_deliveries(&self, now: i64, limit: i64, lease_us: i64) -> Result<Vec<Delivery>> {
        let mut tx = self.pool.begin().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            // One writer at a time: the transaction itself keeps other workers out.
            Backend::Sqlite => "",
        };
        // Take the due rows in one statement, then read them with their subscriptions in one more.
        let ids: Vec<(i64,)> = sqlx::query_as(&format!(
            "UPDATE outbox SET claimed_until = $1 WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_at <= $2 \
             AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY next_at, id LIMIT $3{lock}) RETURNING id"
        ))
        .bind(now + lease_us)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(vec![]);
        }
        let list: Vec<String> = ids.iter().map(|(id,)| id.to_string()).collect();
        let mut out: Vec<Delivery> = sqlx::query_as(&format!(
            "SELECT o.id, o.webhook_id, w.url, w.secret, o.kind, o.subject, o.body, o.attempts FROM outbox o JOIN webhooks w ON w.id = o.webhook_id \
             WHERE o.id IN ({})",
            list.join(", ")
        ))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    async fn finish_deliveries(&self, attempts: Vec<Attempt>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for a in attempts {
            let (sql, at) = if a.delivered {
                ("UPDATE outbox SET attempts = attempts + 1, delivered_at = $1, last_status = $2, last_error = $3, claimed_until = NULL WHERE id = $4", a.at)
            } else {
                ("UPDATE outbox SET attempts = attempts + 1, next_at = $1, last_status = $2, last_error = $3, claimed_until = NULL WHERE id = $4", a.next_at)
            };
            sqlx::query(sql).bind(at).bind(a.status).bind(a.error).bind(a.id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn deliveries(&self, webhook_id: i64, limit: i64) -> Result<Vec<DeliveryLog>> {
        Ok(sqlx::query_as(
            "SELECT id, kind, subject, created_at, attempts, next_at, delivered_at, last_status, last_error FROM outbox WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(webhook_id)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.reader)
        .await?)
    }

    async fn undelivered(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetch_one(&self.reader).await?;
        Ok(n)
    }
}
