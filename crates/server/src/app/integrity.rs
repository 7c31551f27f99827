//! The organisation's tables against the log: every unit, user and API token is replayed from
//! its events (`unit.*`, `user.*`, `token.*`) and compared column by column with the row as
//! stored — including the fingerprints of the stored password and token hashes, so a hash
//! changed outside the platform is named. Cases are checked by `app::cases::rebuild`.

use crate::error::AppError;
use serde::Deserialize;
use std::collections::BTreeMap;
use xiezhi_core::SubjectKind;
use xiezhi_store::{fingerprint, Event, Store};

#[derive(Debug, Default, Clone, PartialEq)]
struct UnitView {
    region: String,
    kind: String,
    name: String,
    name_en: String,
    disabled: bool,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct UserView {
    unit_id: i64,
    username: String,
    display_name: String,
    roles: Vec<String>,
    disabled: bool,
    /// `None` when the log predates fingerprints.
    password: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct TokenView {
    user_id: i64,
    name: String,
    revoked: bool,
    hash: Option<String>,
}

/// What the check reads of an organisation event's payload; each kind carries some of it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Fields {
    id: Option<i64>,
    region: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    name_en: Option<String>,
    disabled: Option<bool>,
    unit_id: Option<i64>,
    user_id: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
    roles: Option<Vec<String>>,
    password_hash_sha256: Option<String>,
    token_hash_sha256: Option<String>,
}

async fn replay<S: Store>(store: &S, kind: SubjectKind, mut each: impl FnMut(&Event, Fields)) -> Result<(), AppError> {
    let (from, to) = kind.range();
    let mut after = -1;
    loop {
        let page = store.events_in_subjects(&from, &to, after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            each(e, serde_json::from_str(&e.payload).unwrap_or_default());
        }
    }
    Ok(())
}

/// Each difference between the organisation's tables and the replay of the log, naming the row
/// and the column.
pub async fn check_organisation<S: Store>(store: &S) -> Result<Vec<String>, AppError> {
    let mut units: BTreeMap<i64, UnitView> = BTreeMap::new();
    replay(store, SubjectKind::Unit, |e, v| {
        let Some(id) = v.id else { return };
        match e.kind.as_str() {
            "unit.created" => {
                units.insert(
                    id,
                    UnitView {
                        region: v.region.clone().unwrap_or_default(),
                        kind: v.kind.clone().unwrap_or_default(),
                        name: v.name.clone().unwrap_or_default(),
                        name_en: v.name_en.clone().unwrap_or_default(),
                        disabled: false,
                    },
                );
            }
            "unit.changed" => {
                if let Some(u) = units.get_mut(&id) {
                    u.name = v.name.clone().unwrap_or(std::mem::take(&mut u.name));
                    u.name_en = v.name_en.clone().unwrap_or(std::mem::take(&mut u.name_en));
                    u.disabled = v.disabled.unwrap_or(u.disabled);
                }
            }
            _ => {}
        }
    })
    .await?;
    let mut users: BTreeMap<i64, UserView> = BTreeMap::new();
    let mut tokens: BTreeMap<i64, TokenView> = BTreeMap::new();
    replay(store, SubjectKind::User, |e, v| {
        let Some(id) = v.id else { return };
        match e.kind.as_str() {
            "user.created" => {
                users.insert(
                    id,
                    UserView {
                        unit_id: v.unit_id.unwrap_or_default(),
                        username: v.username.clone().unwrap_or_default(),
                        display_name: v.display_name.clone().unwrap_or_default(),
                        roles: v.roles.clone().unwrap_or_default(),
                        disabled: false,
                        password: v.password_hash_sha256.clone(),
                    },
                );
            }
            "user.changed" => {
                if let Some(u) = users.get_mut(&id) {
                    u.display_name = v.display_name.clone().unwrap_or(std::mem::take(&mut u.display_name));
                    if let Some(r) = v.roles {
                        u.roles = r;
                    }
                    u.disabled = v.disabled.unwrap_or(u.disabled);
                }
            }
            "user.password_set" => {
                if let Some(u) = users.get_mut(&id) {
                    u.password = v.password_hash_sha256.clone();
                }
            }
            "token.created" => {
                let view = TokenView {
                    user_id: v.user_id.unwrap_or_default(),
                    name: v.name.clone().unwrap_or_default(),
                    revoked: false,
                    hash: v.token_hash_sha256.clone(),
                };
                tokens.insert(id, view);
            }
            "token.revoked" => {
                if let Some(t) = tokens.get_mut(&id) {
                    t.revoked = true;
                }
            }
            _ => {}
        }
    })
    .await?;

    let rows = store.organisation_rows().await?;
    let mut found = Vec::new();
    fn differ(found: &mut Vec<String>, what: String, column: &str, stored: String, replayed: String) {
        if stored != replayed {
            found.push(format!("{what}: {column} {stored} ≠ replayed {replayed}"));
        }
    }
    for u in &rows.units {
        let Some(want) = units.remove(&u.id) else {
            found.push(format!("unit {}: not in the log (inserted outside the platform?)", u.id));
            continue;
        };
        let what = format!("unit {}", u.id);
        differ(&mut found, what.clone(), "region", u.region.to_string(), want.region);
        differ(&mut found, what.clone(), "kind", u.kind.to_string(), want.kind);
        differ(&mut found, what.clone(), "name", format!("{:?}", u.name), format!("{:?}", want.name));
        differ(&mut found, what.clone(), "name_en", format!("{:?}", u.name_en), format!("{:?}", want.name_en));
        differ(&mut found, what, "disabled", u.disabled.to_string(), want.disabled.to_string());
    }
    for (user, hash) in &rows.users {
        let Some(want) = users.remove(&user.id) else {
            found.push(format!("user {}: not in the log (inserted outside the platform?)", user.id));
            continue;
        };
        let what = format!("user {} ({})", user.id, user.username);
        differ(&mut found, what.clone(), "unit", user.unit_id.to_string(), want.unit_id.to_string());
        differ(&mut found, what.clone(), "username", user.username.clone(), want.username);
        differ(&mut found, what.clone(), "display_name", format!("{:?}", user.display_name), format!("{:?}", want.display_name));
        differ(&mut found, what.clone(), "roles", user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","), want.roles.join(","));
        differ(&mut found, what.clone(), "disabled", user.disabled.to_string(), want.disabled.to_string());
        if let Some(recorded) = want.password {
            if fingerprint(hash) != recorded {
                found.push(format!("{what}: password_hash is not the one recorded (changed outside the platform?)"));
            }
        }
    }
    for (token, hash) in &rows.tokens {
        let Some(want) = tokens.remove(&token.id) else {
            found.push(format!("token {}: not in the log (inserted outside the platform?)", token.id));
            continue;
        };
        let what = format!("token {}", token.id);
        differ(&mut found, what.clone(), "user", token.user_id.to_string(), want.user_id.to_string());
        differ(&mut found, what.clone(), "name", format!("{:?}", token.name), format!("{:?}", want.name));
        differ(&mut found, what.clone(), "revoked", token.revoked_at.is_some().to_string(), want.revoked.to_string());
        if let Some(recorded) = want.hash {
            if fingerprint(hash) != recorded {
                found.push(format!("{what}: token_hash is not the one recorded (changed outside the platform?)"));
            }
        }
    }
    for id in units.keys() {
        found.push(format!("unit {id}: in the log but not stored (deleted?)"));
    }
    for id in users.keys() {
        found.push(format!("user {id}: in the log but not stored (deleted?)"));
    }
    for id in tokens.keys() {
        found.push(format!("token {id}: in the log but not stored (deleted?)"));
    }
    Ok(found)
}
