//! Dossier content, addressed by SHA-256 (hex): storing the same content twice keeps one copy.

use crate::{Result, SqlStore};
use std::future::Future;

/// Dossier content, addressed by SHA-256 (hex). Storing the same content twice keeps one copy.
pub trait BlobStore {
    fn put_blob(&self, sha256: &str, content_type: &str, bytes: Vec<u8>, at: i64) -> impl Future<Output = Result<()>> + Send;
    /// Stored contents with address after `after`, in order, at most `limit`: (address, bytes),
    /// for re-hashing every document.
    fn blobs_after(&self, after: &str, limit: i64) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>>> + Send;
    /// Content type and bytes.
    fn blob(&self, sha256: &str) -> impl Future<Output = Result<Option<(String, Vec<u8>)>>> + Send;
}

impl BlobStore for SqlStore {
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
}
