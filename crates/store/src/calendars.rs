//! Holiday calendars loaded through the product.

use crate::audit::{append, NewEvent};
use crate::sql::corrupt;
use crate::{model::*, Result, SqlStore, StoreError};
use serde_json::json;
use std::future::Future;
use xiezhi_core::Subject;

/// Holiday calendars loaded through the product, each year recorded in the audit log.
pub trait CalendarStore {
    /// Store (or replace) a year's calendar and record it in the audit log, in one transaction.
    fn put_calendar(&self, calendar: StoredCalendar, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;
    /// Every stored year, oldest first.
    fn calendars(&self) -> impl Future<Output = Result<Vec<StoredCalendar>>> + Send;
}

impl CalendarStore for SqlStore {
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
        let event = NewEvent::new(Subject::Calendar(c.year), kind, json!({"year": c.year, "source": c.source, "file": file}));
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
}
