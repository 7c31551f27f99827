//! The hotline knowledge base: each unit's answers to what callers ask, with the days they are
//! valid — one domain of the store in its own file, over both backends with the same statements.
//! Adding and retiring an item are recorded in the audit log in the same transaction.

use crate::audit::{append, NewEvent};
use crate::filters::{bind_all, Where, P};
use crate::sql::SqlStore;
use crate::{By, Recorded, Result, StoreError};
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;
use xiezhi_core::RegionCode;
use xiezhi_core::Subject;

/// An item to add.
#[derive(Debug, Clone)]
pub struct NewKnowledgeItem {
    pub unit_id: i64,
    pub region: RegionCode,
    pub question: String,
    pub answer: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_until: Option<String>,
    /// What a search looks in besides question and answer (the unit's name), lower-cased.
    pub search_extra: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct KnowledgeItem {
    pub id: i64,
    pub unit_id: i64,
    pub region: String,
    pub question: String,
    pub answer: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct KnowledgeFilter {
    /// Items of units in these regions exactly (a centre's region and those above it).
    pub regions: Vec<String>,
    /// And items of units in this region subtree.
    pub region_prefix: Option<String>,
    pub unit_id: Option<i64>,
    /// Only items valid on this day (`YYYY-MM-DD`) and not retired.
    pub valid_on: Option<String>,
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub trait KnowledgeStore {
    /// Add an item (recorded).
    fn add_knowledge(&self, item: NewKnowledgeItem, by: By) -> impl Future<Output = Result<Recorded<KnowledgeItem>>> + Send;
    /// Retire an item (recorded): it is no longer offered; answers already given keep citing it.
    fn retire_knowledge(&self, id: i64, by: By) -> impl Future<Output = Result<Recorded<KnowledgeItem>>> + Send;
    fn knowledge_item(&self, id: i64) -> impl Future<Output = Result<Option<KnowledgeItem>>> + Send;
    /// Items matching the filter, newest first.
    fn knowledge(&self, filter: KnowledgeFilter) -> impl Future<Output = Result<Vec<KnowledgeItem>>> + Send;
    fn knowledge_count(&self, filter: KnowledgeFilter) -> impl Future<Output = Result<i64>> + Send;
    /// Per unit with items not retired in a region subtree (code prefix): how many are past their
    /// last day on `today` (`YYYY-MM-DD`), how many are kept, when the newest was added.
    fn knowledge_upkeep(&self, region_prefix: &str, today: &str) -> impl Future<Output = Result<Vec<UnitUpkeep>>> + Send;
    /// Supervise a unit whose base is not kept up to date (recorded).
    fn supervise_knowledge(&self, s: NewKnowledgeSupervision, by: By) -> impl Future<Output = Result<Recorded<KnowledgeSupervision>>> + Send;
    /// Supervisions of a unit (`unit_id`) or of a region subtree, the open ones only if asked; newest first.
    fn knowledge_supervisions(
        &self,
        unit_id: Option<i64>,
        region_prefix: Option<&str>,
        open_only: bool,
    ) -> impl Future<Output = Result<Vec<KnowledgeSupervision>>> + Send;
}

/// A unit's items as counted for upkeep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct UnitUpkeep {
    pub unit_id: i64,
    pub expired: i64,
    pub kept: i64,
    /// µs.
    pub last_added_at: i64,
}

/// A supervision of a unit's knowledge base to record.
pub struct NewKnowledgeSupervision {
    pub unit_id: i64,
    pub region: RegionCode,
    /// JSON, as the upkeep check found it.
    pub reason: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct KnowledgeSupervision {
    pub id: i64,
    pub unit_id: i64,
    pub region: String,
    pub by_unit_id: i64,
    pub reason: String,
    pub note: String,
    pub at: i64,
    pub answered_at: Option<i64>,
}

const SUPERVISION_COLS: &str = "id, unit_id, region, by_unit_id, reason, note, at, answered_at";

/// A unit that adds or retires an item answers the supervisions open on its base.
async fn answer_supervisions(tx: &mut sqlx::Transaction<'_, sqlx::Any>, unit_id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE knowledge_supervisions SET answered_at = $1 WHERE unit_id = $2 AND answered_at IS NULL")
        .bind(at)
        .bind(unit_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const COLS: &str = "id, unit_id, region, question, answer, valid_from, valid_until, created_at, retired_at";

fn conditions(f: &KnowledgeFilter) -> Where {
    let mut w = Where::new();
    if !f.regions.is_empty() || f.region_prefix.is_some() {
        w.raw(" AND (1 = 0");
        for r in &f.regions {
            w.and(" OR k.region = ?", P::S(r.clone()));
        }
        if let Some(prefix) = &f.region_prefix {
            let (lo, hi) = crate::sql::region_range(prefix);
            w.and(" OR (k.region >= ?", P::S(lo));
            w.and(" AND k.region <= ?)", P::S(hi));
        }
        w.raw(")");
    }
    if let Some(u) = f.unit_id {
        w.and(" AND k.unit_id = ?", P::I(u));
    }
    if let Some(day) = &f.valid_on {
        w.raw(" AND k.retired_at IS NULL");
        w.and(" AND k.valid_from <= ?", P::S(day.clone()));
        w.and(" AND (k.valid_until IS NULL OR k.valid_until >= ?)", P::S(day.clone()));
    }
    if let Some(text) = f.text.as_ref().filter(|t| !t.is_empty()) {
        w.contains("k.search", text);
    }
    w
}

impl KnowledgeStore for SqlStore {
    async fn add_knowledge(&self, item: NewKnowledgeItem, by: By) -> Result<Recorded<KnowledgeItem>> {
        let search = [item.question.as_str(), item.answer.as_str(), item.search_extra.as_str()].join("\n").to_ascii_lowercase();
        let mut tx = self.pool.begin().await?;
        let k: KnowledgeItem = sqlx::query_as(&format!(
            "INSERT INTO knowledge_items (unit_id, region, question, answer, valid_from, valid_until, search, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLS}"
        ))
        .bind(item.unit_id)
        .bind(item.region.to_string())
        .bind(&item.question)
        .bind(&item.answer)
        .bind(&item.valid_from)
        .bind(&item.valid_until)
        .bind(&search)
        .bind(by.at)
        .fetch_one(&mut *tx)
        .await?;
        let e = NewEvent::new(
            Subject::Knowledge(k.id),
            "knowledge.added",
            serde_json::json!({"unit_id": k.unit_id, "question": k.question, "answer": k.answer, "valid_from": k.valid_from, "valid_until": k.valid_until}),
        );
        answer_supervisions(&mut tx, k.unit_id, by.at).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: k, leaves })
    }

    async fn retire_knowledge(&self, id: i64, by: By) -> Result<Recorded<KnowledgeItem>> {
        let mut tx = self.pool.begin().await?;
        let k: Option<KnowledgeItem> =
            sqlx::query_as(&format!("UPDATE knowledge_items SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL RETURNING {COLS}"))
                .bind(by.at)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let k = k.ok_or(StoreError::NotFound("knowledge item in use"))?;
        let e = NewEvent::new(Subject::Knowledge(id), "knowledge.retired", serde_json::json!({"unit_id": k.unit_id}));
        answer_supervisions(&mut tx, k.unit_id, by.at).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: k, leaves })
    }

    async fn knowledge_item(&self, id: i64) -> Result<Option<KnowledgeItem>> {
        Ok(sqlx::query_as(&format!("SELECT {COLS} FROM knowledge_items WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?)
    }

    async fn knowledge(&self, f: KnowledgeFilter) -> Result<Vec<KnowledgeItem>> {
        let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
        let mut w = conditions(&f);
        w.raw(" ORDER BY k.id DESC");
        w.page(limit, f.offset);
        let sql = format!("SELECT {COLS} FROM knowledge_items k{}", w.sql);
        Ok(bind_all(sqlx::query_as::<_, KnowledgeItem>(&sql), w.params).fetch_all(&self.reader).await?)
    }

    async fn knowledge_count(&self, f: KnowledgeFilter) -> Result<i64> {
        let w = conditions(&f);
        let (n,): (i64,) = bind_all(sqlx::query_as(&format!("SELECT COUNT(*) FROM knowledge_items k{}", w.sql)), w.params).fetch_one(&self.reader).await?;
        Ok(n)
    }

    async fn knowledge_upkeep(&self, region_prefix: &str, today: &str) -> Result<Vec<UnitUpkeep>> {
        let (lo, hi) = crate::sql::region_range(region_prefix);
        Ok(sqlx::query_as(
            "SELECT unit_id, SUM(CASE WHEN valid_until IS NOT NULL AND valid_until < $1 THEN 1 ELSE 0 END) AS expired, COUNT(*) AS kept, \
             MAX(created_at) AS last_added_at FROM knowledge_items WHERE retired_at IS NULL AND region >= $2 AND region <= $3 GROUP BY unit_id ORDER BY unit_id",
        )
        .bind(today)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.reader)
        .await?)
    }

    async fn supervise_knowledge(&self, n: NewKnowledgeSupervision, by: By) -> Result<Recorded<KnowledgeSupervision>> {
        let mut tx = self.pool.begin().await?;
        let row: KnowledgeSupervision = sqlx::query_as(&format!(
            "INSERT INTO knowledge_supervisions (unit_id, region, by_unit_id, reason, note, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {SUPERVISION_COLS}"
        ))
        .bind(n.unit_id)
        .bind(n.region.to_string())
        .bind(by.unit_id.unwrap_or_default())
        .bind(&n.reason)
        .bind(&n.note)
        .bind(by.at)
        .fetch_one(&mut *tx)
        .await?;
        let reason: serde_json::Value = serde_json::from_str(&n.reason).unwrap_or_default();
        let e = NewEvent::new(
            format!("knowledge-upkeep:{}", n.unit_id),
            "knowledge.supervised",
            serde_json::json!({"unit_id": n.unit_id, "stale": reason, "note": n.note}),
        );
        let leaves = append(&mut tx, self.backend, &by, vec![e]).await?;
        tx.commit().await?;
        Ok(Recorded { value: row, leaves })
    }

    async fn knowledge_supervisions(&self, unit_id: Option<i64>, region_prefix: Option<&str>, open_only: bool) -> Result<Vec<KnowledgeSupervision>> {
        let (lo, hi) = crate::sql::region_range(region_prefix.unwrap_or(""));
        Ok(sqlx::query_as(&format!(
            "SELECT {SUPERVISION_COLS} FROM knowledge_supervisions WHERE ($1 = 0 OR unit_id = $2) AND region >= $3 AND region <= $4 \
             AND ($5 = 0 OR answered_at IS NULL) ORDER BY id DESC LIMIT 500"
        ))
        .bind(i64::from(unit_id.is_some()))
        .bind(unit_id.unwrap_or_default())
        .bind(lo)
        .bind(hi)
        .bind(i64::from(open_only))
        .fetch_all(&self.reader)
        .await?)
    }
}
