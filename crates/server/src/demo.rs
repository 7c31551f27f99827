//! Seeding the demo province into a store.

use crate::auth::hash_password;
use crate::error::AppError;
use xiezhi_core::{demo, Password};
use xiezhi_store::{By, NewUnit, NewUser, Region, SeedOrg, SeedReport, Store};

/// The published password of every demo account.
pub const DEMO_PASSWORD: &str = "xiezhi-demo";

/// Marks a database that holds demo accounts with the published password.
pub const DEMO_META_KEY: &str = "demo_seed";

/// The demo province as rows to insert. Every demo user shares one password hash: the
/// password is published, so separate salts would protect nothing and cost a second each.
pub fn seed_org(seed: u64) -> Result<SeedOrg, AppError> {
    let hash = hash_password(&Password::parse("password", DEMO_PASSWORD).expect("demo password is valid"))?;
    let org = demo::province(seed);
    Ok(SeedOrg {
        regions: org.regions.into_iter().map(|r| Region { code: r.code, parent: r.parent, level: r.level, name: r.name, name_en: r.name_en }).collect(),
        units: org.units.into_iter().map(|u| NewUnit { region: u.region, kind: u.kind, name: u.name, name_en: u.name_en }).collect(),
        users: org
            .users
            .into_iter()
            .map(|u| (u.unit_name, NewUser { unit_id: 0, username: u.username, display_name: u.display_name, password_hash: hash.clone(), roles: u.roles }))
            .collect(),
        meta: vec![(DEMO_META_KEY.into(), seed.to_string())],
    })
}

/// Seed the demo province into an empty database.
pub async fn seed<S: Store>(store: &S, seed: u64, now: i64) -> Result<SeedReport, AppError> {
    if store.counts().await?.regions > 0 {
        return Err(AppError::Duplicate("this database already holds an organisation; the demo province goes into an empty database".into()));
    }
    Ok(store.seed(seed_org(seed)?, By::system(now)).await?)
}
