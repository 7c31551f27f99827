#![allow(clippy::single_range_in_vec_init)] // a list of one range is what the proof functions take
//! One contract suite, run against SQLite and PostgreSQL, each test on a fresh database; one
//! module per domain, as the store is split.

use xiezhi_core::{RegionCode, RegionLevel, Role, UnitKind};
use xiezhi_store::testing::{fresh_postgres, fresh_sqlite};
use xiezhi_store::*;

fn code(s: &str) -> RegionCode {
    RegionCode::parse("code", s).unwrap()
}

fn small_org() -> SeedOrg {
    let region = |c: &str, p: Option<&str>, level, name: &str| Region { code: code(c), parent: p.map(code), level, name: name.into(), name_en: name.into() };
    let unit = |r: &str, kind, name: &str| NewUnit { region: code(r), kind, name: name.into(), name_en: name.into() };
    let user = |unit: &str, username: &str, roles: &[Role]| {
        (
            unit.to_string(),
            NewUser { unit_id: 0, username: username.into(), display_name: username.into(), password_hash: "$argon2id$fake".into(), roles: roles.to_vec() },
        )
    };
    SeedOrg {
        regions: vec![
            region("990000", None, RegionLevel::Province, "示范省"),
            region("990100", Some("990000"), RegionLevel::City, "甲市"),
            region("990101", Some("990100"), RegionLevel::County, "甲一县"),
            region("990102", Some("990100"), RegionLevel::County, "甲二县"),
        ],
        units: vec![
            unit("990000", UnitKind::Committee, "省委政法委"),
            unit("990101", UnitKind::Police, "甲一县公安局"),
            unit("990102", UnitKind::Police, "甲二县公安局"),
            unit("990100", UnitKind::CourtIntermediate, "甲市中级人民法院"),
        ],
        users: vec![user("省委政法委", "admin", &[Role::Admin, Role::Supervisor]), user("甲一县公安局", "police1", &[Role::PoliceOfficer])],
        meta: vec![("demo_seed".into(), "1".into())],
    }
}

/// A test per backend for each async fn named, in the module that names them.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let (s, _dir) = super::fresh_sqlite().await; super::$name(s).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { let (s, _url) = super::fresh_postgres().await; super::$name(s).await; })*
        }
    };
}

#[tokio::test]
async fn both_backends_end_in_the_same_logical_schema() {
    let (lite, _dir) = fresh_sqlite().await;
    let (pg, _url) = fresh_postgres().await;
    let a = lite.logical_schema().await.unwrap();
    let b = pg.logical_schema().await.unwrap();
    assert!(a.len() > 30, "{a:#?}");
    assert!(!a.iter().any(|l| l.contains(" other ")), "unmapped types: {a:#?}");
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
}

mod audit;
mod cases;
mod disputes;
mod docket;
mod org;
mod people;
mod records;
