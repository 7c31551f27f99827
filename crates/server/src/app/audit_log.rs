//! Browsing the audit log as an auditor reads it: who (by name and account) did what (in words)
//! to which item, when, in the auditor's region — newest first, narrowed by item, kind or
//! account, one page at a time. Whatever the door.

use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use std::collections::HashMap;
use xiezhi_core::Subject;
use xiezhi_core::{Action, RegionLevel};
use xiezhi_store::{Event, EventQuery, Principal, Store};

/// The families of events, by the first part of their kind.
pub const FAMILIES: [&str; 13] =
    ["case", "dispute", "ticket", "knowledge", "limits", "risk_scale", "mediator", "webhook", "calendar", "unit", "region", "user", "token"];

/// What the auditor asks for.
#[derive(Default, Clone)]
pub struct Browse {
    /// Exactly this item (`case:12`).
    pub subject: String,
    /// One of [`FAMILIES`], or empty.
    pub family: String,
    /// The account that acted, by user name.
    pub username: String,
    /// Only events before this index (the next page).
    pub before: Option<i64>,
}

/// An event with who did it, by name.
pub struct Line {
    pub event: Event,
    /// `张三（police1）`; the system's own events: empty.
    pub actor: String,
    /// The acting unit's name, in Chinese and English.
    pub unit: (String, String),
    /// The account or unit the event is about, by name (empty for other items).
    pub about: String,
}

pub const PAGE: i64 = 50;

/// One page of the log for the principal's region, and the index to continue before.
pub async fn browse<S: Store>(st: &AppState<S>, p: &Principal, b: &Browse) -> ApiResult<(Vec<Line>, Option<i64>)> {
    authorize(st, p, Action::ViewSecurityLog { region: p.unit.region }).await?;
    let family = b.family.trim();
    if !family.is_empty() && !FAMILIES.contains(&family) {
        return Err(AppError::field("family", format!("{family:?} is not one of {}", FAMILIES.join(", "))));
    }
    let subject = b.subject.trim();
    xiezhi_core::names::check_text("subject", subject, 100, false)?;
    let username = b.username.trim();
    let actor_user_id = match username {
        "" => None,
        name => Some(st.store.credentials(name).await?.ok_or_else(|| AppError::field("username", format!("no account {name:?}")))?.0.id),
    };
    let q = EventQuery {
        region_prefix: p.unit.region.subtree_prefix(),
        with_system: p.unit.region.level() == RegionLevel::Province,
        subject: (!subject.is_empty()).then(|| subject.to_string()),
        family: (!family.is_empty()).then(|| family.to_string()),
        actor_user_id,
        before: b.before,
        limit: PAGE + 1,
    };
    let mut events = st.store.browse_events(q).await?;
    let next = (events.len() as i64 > PAGE).then(|| events[PAGE as usize - 1].seq);
    events.truncate(PAGE as usize);
    let (mut users, mut units) = (HashMap::new(), HashMap::new());
    let mut lines = Vec::with_capacity(events.len());
    for e in events {
        let actor = match e.actor_user_id {
            None => String::new(),
            Some(id) => user_name(st, &mut users, id).await,
        };
        let about = match e.subject.parse::<Subject>() {
            Ok(Subject::User(id)) => user_name(st, &mut users, id).await,
            Ok(Subject::Unit(id)) => st.store.unit(id).await.map(|u| u.name).unwrap_or_default(),
            _ => String::new(),
        };
        let unit = match e.unit_id {
            None => (String::new(), String::new()),
            Some(id) => match units.get(&id) {
                Some(n) => <(String, String)>::clone(n),
                None => {
                    let n = st.store.unit(id).await.map(|u| (u.name, u.name_en)).unwrap_or_else(|_| (format!("#{id}"), format!("#{id}")));
                    units.insert(id, n.clone());
                    n
                }
            },
        };
        lines.push(Line { event: e, actor, unit, about });
    }
    Ok((lines, next))
}

/// `李明（police.990101）`, looked up once per page.
async fn user_name<S: Store>(st: &AppState<S>, names: &mut HashMap<i64, String>, id: i64) -> String {
    if let Some(n) = names.get(&id) {
        return n.clone();
    }
    let n = st.store.user(id).await.map(|u| format!("{}（{}）", u.display_name, u.username)).unwrap_or_else(|_| format!("#{id}"));
    names.insert(id, n.clone());
    n
}
