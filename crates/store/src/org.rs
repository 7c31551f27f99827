//! The organisation: regions and units — their rows, their SQL for both backends, and
//! [`OrgStore`].

use crate::audit::{append, NewEvent};
use crate::people::user_created;
use crate::sql::corrupt;
use crate::{model::*, Result, SqlStore, StoreError};
use serde_json::json;
use sqlx::{Executor, FromRow};
use std::future::Future;
use xiezhi_core::RegionCode;
use xiezhi_core::Subject;

#[derive(FromRow)]
struct RegionRow {
    code: String,
    parent: Option<String>,
    level: String,
    name: String,
    name_en: String,
}

impl TryFrom<RegionRow> for Region {
    type Error = StoreError;
    fn try_from(r: RegionRow) -> Result<Self> {
        Ok(Region {
            code: RegionCode::parse("code", &r.code).map_err(|_| corrupt("region code", &r.code))?,
            parent: r.parent.map(|p| RegionCode::parse("parent", &p).map_err(|_| corrupt("region code", &p))).transpose()?,
            level: r.level.parse().map_err(|_| corrupt("region level", &r.level))?,
            name: r.name,
            name_en: r.name_en,
        })
    }
}

#[derive(FromRow)]
pub(crate) struct UnitRow {
    pub(crate) id: i64,
    pub(crate) region: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) name_en: String,
    pub(crate) disabled_at: Option<i64>,
    pub(crate) created_at: i64,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;
    fn try_from(r: UnitRow) -> Result<Self> {
        Ok(Unit {
            id: r.id,
            region: RegionCode::parse("region", &r.region).map_err(|_| corrupt("region code", &r.region))?,
            kind: r.kind.parse().map_err(|_| corrupt("unit kind", &r.kind))?,
            name: r.name,
            name_en: r.name_en,
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
        })
    }
}

/// `disabled_at` after a change: `$3` is NULL (unchanged), 1 (disable, keeping the first time) or 0 (enable); `$4` is now.
pub(crate) const DISABLED_AT: &str = "CASE WHEN $3 IS NULL THEN disabled_at WHEN $3 = 1 THEN COALESCE(disabled_at, $4) ELSE NULL END";

pub(crate) fn flag(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

pub(crate) const UNIT_COLS: &str = "id, region, kind, name, name_en, disabled_at, created_at";

impl SqlStore {
    pub(crate) async fn insert_unit<'e, E: Executor<'e, Database = sqlx::Any>>(exec: E, u: &NewUnit, now: i64) -> Result<Unit> {
        crate::unit_kind_allowed(u.kind, u.region).map_err(StoreError::Invalid)?;
        let row: UnitRow = sqlx::query_as(&format!(
            "INSERT INTO units (region, kind, name, name_en, disabled_at, created_at) VALUES ($1, $2, $3, $4, NULL, $5) RETURNING {UNIT_COLS}"
        ))
        .bind(u.region.to_string())
        .bind(u.kind.as_str())
        .bind(&u.name)
        .bind(&u.name_en)
        .bind(now)
        .fetch_one(exec)
        .await?;
        row.try_into()
    }
}

impl SqlStore {
    pub(crate) async fn insert_region(tx: &mut sqlx::Transaction<'_, sqlx::Any>, r: &Region) -> Result<()> {
        sqlx::query("INSERT INTO regions (code, parent, level, name, name_en) VALUES ($1, $2, $3, $4, $5)")
            .bind(r.code.to_string())
            .bind(r.parent.map(|p| p.to_string()))
            .bind(r.level.as_str())
            .bind(&r.name)
            .bind(&r.name_en)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

pub(crate) fn region_created(r: &Region) -> NewEvent {
    NewEvent::new(
        Subject::Region(r.code),
        "region.created",
        json!({"code": r.code, "parent": r.parent, "level": r.level, "name": r.name, "name_en": r.name_en}),
    )
}

pub(crate) fn unit_created(u: &Unit) -> NewEvent {
    NewEvent::new(Subject::Unit(u.id), "unit.created", json!({"id": u.id, "region": u.region, "kind": u.kind, "name": u.name, "name_en": u.name_en}))
}

/// Regions and units: the organisation every other domain refers to.
pub trait OrgStore {
    fn region(&self, code: RegionCode) -> impl Future<Output = Result<Region>> + Send;
    fn child_regions(&self, parent: Option<RegionCode>) -> impl Future<Output = Result<Vec<Region>>> + Send;
    fn create_unit(&self, unit: NewUnit, by: By) -> impl Future<Output = Result<Recorded<Unit>>> + Send;
    fn unit(&self, id: i64) -> impl Future<Output = Result<Unit>> + Send;
    fn update_unit(&self, id: i64, change: UnitChange, by: By) -> impl Future<Output = Result<Recorded<Unit>>> + Send;
    /// Which of these unit names are taken.
    fn existing_unit_names(&self, names: &[String]) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn list_units(&self, filter: UnitFilter) -> impl Future<Output = Result<Vec<Unit>>> + Send;
    /// Insert the regions, then the units and users, all in one transaction.
    fn seed(&self, org: SeedOrg, by: By) -> impl Future<Output = Result<SeedReport>> + Send;
    fn create_region(&self, region: Region, by: By) -> impl Future<Output = Result<Recorded<Region>>> + Send;
    fn meta(&self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    fn counts(&self) -> impl Future<Output = Result<Counts>> + Send;
}

impl OrgStore for SqlStore {
    async fn region(&self, code: RegionCode) -> Result<Region> {
        let row: Option<RegionRow> = sqlx::query_as("SELECT code, parent, level, name, name_en FROM regions WHERE code = $1")
            .bind(code.to_string())
            .fetch_optional(&self.reader)
            .await?;
        row.ok_or(StoreError::NotFound("region"))?.try_into()
    }

    async fn child_regions(&self, parent: Option<RegionCode>) -> Result<Vec<Region>> {
        let rows: Vec<RegionRow> = match parent {
            Some(p) => {
                sqlx::query_as("SELECT code, parent, level, name, name_en FROM regions WHERE parent = $1 ORDER BY code")
                    .bind(p.to_string())
                    .fetch_all(&self.reader)
                    .await?
            }
            None => sqlx::query_as("SELECT code, parent, level, name, name_en FROM regions WHERE parent IS NULL ORDER BY code").fetch_all(&self.reader).await?,
        };
        rows.into_iter().map(Region::try_from).collect()
    }

    async fn create_unit(&self, unit: NewUnit, by: By) -> Result<Recorded<Unit>> {
        let mut tx = self.pool.begin().await?;
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT code FROM regions WHERE code = $1").bind(unit.region.to_string()).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Err(StoreError::Invalid(format!("region {} does not exist", unit.region)));
        }
        let u = Self::insert_unit(&mut *tx, &unit, by.at).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![unit_created(&u)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: u, leaves })
    }

    async fn unit(&self, id: i64) -> Result<Unit> {
        if let Some(u) = self.cache.units.get(&id) {
            return Ok(u);
        }
        let row: Option<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        let unit: Unit = row.ok_or(StoreError::NotFound("unit"))?.try_into()?;
        self.cache.units.put(id, unit.clone());
        Ok(unit)
    }

    async fn update_unit(&self, id: i64, c: UnitChange, by: By) -> Result<Recorded<Unit>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        let row: Option<UnitRow> = sqlx::query_as(&format!(
            "UPDATE units SET name = COALESCE($1, name), name_en = COALESCE($2, name_en), disabled_at = {DISABLED_AT} WHERE id = $5 RETURNING {UNIT_COLS}"
        ))
        .bind(c.name.clone())
        .bind(c.name_en.clone())
        .bind(flag(c.disabled))
        .bind(by.at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let unit = Unit::try_from(row.ok_or(StoreError::NotFound("unit"))?)?;
        let payload = json!({"id": id, "name": c.name, "name_en": c.name_en, "disabled": c.disabled});
        let leaves = append(&mut tx, self.backend, &by, vec![NewEvent::new(Subject::Unit(id), "unit.changed", payload)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: unit, leaves })
    }

    async fn existing_unit_names(&self, names: &[String]) -> Result<Vec<String>> {
        let mut taken = Vec::new();
        for chunk in names.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT name FROM units WHERE name IN ({})", marks.join(", "));
            let mut q = sqlx::query_as::<_, (String,)>(&sql);
            for n in chunk {
                q = q.bind(n);
            }
            taken.extend(q.fetch_all(&self.reader).await?.into_iter().map(|r| r.0));
        }
        Ok(taken)
    }

    async fn list_units(&self, f: UnitFilter) -> Result<Vec<Unit>> {
        let limit = if f.limit <= 0 { 500 } else { f.limit.min(5000) };
        let rows: Vec<UnitRow> = sqlx::query_as(&format!(
            "SELECT {UNIT_COLS} FROM units WHERE ($1 IS NULL OR region = $1) AND ($2 IS NULL OR region LIKE $2) \
             AND ($3 IS NULL OR kind = $3) AND ($4 = 1 OR disabled_at IS NULL) ORDER BY region, id LIMIT $5"
        ))
        .bind(f.region.map(|r| r.to_string()))
        .bind(f.subtree.map(|p| format!("{p}%")))
        .bind(f.kind.map(|k| k.as_str()))
        .bind(i64::from(f.include_disabled))
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(Unit::try_from).collect()
    }

    async fn seed(&self, org: SeedOrg, by: By) -> Result<SeedReport> {
        let mut tx = self.pool.begin().await?;
        let mut events = Vec::with_capacity(org.regions.len() + org.units.len() + org.users.len());
        for r in &org.regions {
            Self::insert_region(&mut tx, r).await?;
            events.push(region_created(r));
        }
        let mut ids = std::collections::HashMap::new();
        for u in &org.units {
            let unit = Self::insert_unit(&mut *tx, u, by.at).await?;
            events.push(unit_created(&unit));
            ids.insert(unit.name.clone(), unit.id);
        }
        for (unit_name, u) in &org.users {
            let unit_id = *ids.get(unit_name).ok_or_else(|| StoreError::Invalid(format!("user {} names unknown unit {unit_name}", u.username)))?;
            let user = Self::insert_user(&mut *tx, &NewUser { unit_id, ..u.clone() }, by.at).await?;
            events.push(user_created(&user, &u.password_hash));
        }
        for (k, v) in &org.meta {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)").bind(k).bind(v).execute(&mut *tx).await?;
        }
        append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(SeedReport { regions: org.regions.len(), units: org.units.len(), users: org.users.len() })
    }

    async fn create_region(&self, r: Region, by: By) -> Result<Recorded<Region>> {
        let mut tx = self.pool.begin().await?;
        if let Some(parent) = r.parent {
            let exists: Option<(String,)> =
                sqlx::query_as("SELECT code FROM regions WHERE code = $1").bind(parent.to_string()).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::Invalid(format!("parent region {parent} does not exist")));
            }
        }
        Self::insert_region(&mut tx, &r).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![region_created(&r)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: r, leaves })
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&self.reader).await?;
        Ok(row.map(|r| r.0))
    }

    async fn counts(&self) -> Result<Counts> {
        let (regions, units, users, cases): (i64, i64, i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM cases)")
                .fetch_one(&self.reader)
                .await?;
        Ok(Counts { regions, units, users, cases })
    }
}
