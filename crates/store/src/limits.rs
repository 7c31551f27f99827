//! Cities' own hotline time limits (`xiezhi_core::ticket::LocalLimit`): one row per city and
//! rule, each change an event about `limits:REGION`. And provinces' own risk scales
//! (`xiezhi_core::dispute::scale::RiskScale`): one row per province, each change an event about
//! `risk_scale:PROVINCE`.

use crate::audit::{append, NewEvent};
use crate::sql::SqlStore;
use crate::{By, Recorded, Result};
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;
use xiezhi_core::dispute::scale::RiskScale;
use xiezhi_core::local::LocalLimit;
use xiezhi_core::RegionCode;

/// A city's limit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct StoredLimit {
    pub region: String,
    pub rule: String,
    pub length: i64,
    pub basis: String,
    pub updated_at: i64,
}

impl StoredLimit {
    pub fn limit(&self) -> LocalLimit {
        LocalLimit { rule: self.rule.clone(), length: self.length.clamp(0, i64::from(u16::MAX)) as u16, basis: self.basis.clone() }
    }
}

/// What the application needs from storage for cities' own limits.
pub trait LimitStore {
    /// Set a city's limit for a rule, replacing its earlier one.
    fn set_limit(&self, region: RegionCode, limit: LocalLimit, by: By) -> impl Future<Output = Result<Recorded<StoredLimit>>> + Send;
    /// Go back to the catalogue's limit for a rule in a city; `NotFound` if it had none.
    fn clear_limit(&self, region: RegionCode, rule: &str, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;
    /// The limits set in a region subtree (code prefix), by region and rule.
    fn limits(&self, region_prefix: &str) -> impl Future<Output = Result<Vec<StoredLimit>>> + Send;
    /// Set a province's risk scale, replacing its earlier one.
    fn set_risk_scale(&self, province: RegionCode, scale: RiskScale, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;
    /// Go back to the four colours in a province; `NotFound` if it had set none.
    fn clear_risk_scale(&self, province: RegionCode, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;
    /// The scale a province has set, if any.
    fn risk_scale(&self, province: RegionCode) -> impl Future<Output = Result<Option<RiskScale>>> + Send;
}

impl LimitStore for SqlStore {
    async fn set_limit(&self, region: RegionCode, limit: LocalLimit, by: By) -> Result<Recorded<StoredLimit>> {
        let mut tx = self.pool.begin().await?;
        let row: StoredLimit = sqlx::query_as(
            "INSERT INTO local_limits (region, rule, length, basis, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (region, rule) DO UPDATE SET length = excluded.length, basis = excluded.basis, updated_at = excluded.updated_at \
             RETURNING region, rule, length, basis, updated_at",
        )
        .bind(region.to_string())
        .bind(&limit.rule)
        .bind(i64::from(limit.length))
        .bind(&limit.basis)
        .bind(by.at)
        .fetch_one(&mut *tx)
        .await?;
        let e = NewEvent::new(format!("limits:{region}"), "limits.set", serde_json::json!({"rule": limit.rule, "length": limit.length, "basis": limit.basis}));
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: row, leaves })
    }

    async fn clear_limit(&self, region: RegionCode, rule: &str, by: By) -> Result<Recorded<()>> {
        let mut tx = self.pool.begin().await?;
        let gone = sqlx::query("DELETE FROM local_limits WHERE region = $1 AND rule = $2").bind(region.to_string()).bind(rule).execute(&mut *tx).await?;
        if gone.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound("local limit"));
        }
        let e = NewEvent::new(format!("limits:{region}"), "limits.cleared", serde_json::json!({"rule": rule}));
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: (), leaves })
    }

    async fn limits(&self, region_prefix: &str) -> Result<Vec<StoredLimit>> {
        Ok(sqlx::query_as("SELECT region, rule, length, basis, updated_at FROM local_limits WHERE region LIKE $1 ORDER BY region, rule")
            .bind(format!("{region_prefix}%"))
            .fetch_all(&self.reader)
            .await?)
    }

    async fn set_risk_scale(&self, province: RegionCode, scale: RiskScale, by: By) -> Result<Recorded<()>> {
        let levels = serde_json::to_string(&scale.levels).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO risk_scales (province, levels, basis, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (province) DO UPDATE SET levels = excluded.levels, basis = excluded.basis, updated_at = excluded.updated_at",
        )
        .bind(province.to_string())
        .bind(&levels)
        .bind(&scale.basis)
        .bind(by.at)
        .execute(&mut *tx)
        .await?;
        let e = NewEvent::new(format!("risk_scale:{province}"), "risk_scale.set", serde_json::json!({"levels": scale.levels, "basis": scale.basis}));
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: (), leaves })
    }

    async fn clear_risk_scale(&self, province: RegionCode, by: By) -> Result<Recorded<()>> {
        let mut tx = self.pool.begin().await?;
        let gone = sqlx::query("DELETE FROM risk_scales WHERE province = $1").bind(province.to_string()).execute(&mut *tx).await?;
        if gone.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound("risk scale"));
        }
        let e = NewEvent::new(format!("risk_scale:{province}"), "risk_scale.cleared", serde_json::json!({}));
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: (), leaves })
    }

    async fn risk_scale(&self, province: RegionCode) -> Result<Option<RiskScale>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT levels, basis FROM risk_scales WHERE province = $1").bind(province.to_string()).fetch_optional(&self.reader).await?;
        row.map(|(levels, basis)| {
            let levels = serde_json::from_str(&levels).map_err(|e| crate::StoreError::Invalid(format!("the risk scale of {province}: {e}")))?;
            Ok(RiskScale { levels, basis })
        })
        .transpose()
    }
}
