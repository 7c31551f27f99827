//! The hotline knowledge base (H2, H14): each unit keeps answers to what callers ask, valid from
//! one day to another; an operator finds the items that hold today and answers a consultation on
//! the call citing one. Whatever the door.

use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use time::Date;
use xiezhi_core::ticket::upkeep::{Stale, Upkeep};
use xiezhi_core::ticket::KnowledgeRef;
use xiezhi_core::Subject;
use xiezhi_core::{Action, RegionCode, UnitKind};
use xiezhi_store::{KnowledgeFilter, KnowledgeItem, KnowledgeSupervision, NewKnowledgeItem, NewKnowledgeSupervision, Principal, Store, UnitUpkeep};

/// What a unit writes into its knowledge base.
pub struct NewItem {
    pub question: String,
    pub answer: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
}

/// A page of items and how many match.
pub struct Listing {
    pub items: Vec<KnowledgeItem>,
    pub total: i64,
}

/// What to look for.
#[derive(Default)]
pub struct Query {
    pub text: Option<String>,
    /// Only items that hold today (and are not retired).
    pub valid_today: bool,
    /// Only this unit's own items.
    pub own: bool,
    pub limit: i64,
    pub offset: i64,
}

pub fn subject(id: i64) -> String {
    Subject::Knowledge(id).to_string()
}

fn parse_date(field: &'static str, s: &str) -> ApiResult<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| AppError::Internal(format!("stored {field} {s:?} is not a date")))
}

/// The item as an answer cites it.
pub fn reference(k: &KnowledgeItem) -> ApiResult<KnowledgeRef> {
    Ok(KnowledgeRef {
        id: k.id,
        question: k.question.clone(),
        valid_from: parse_date("valid_from", &k.valid_from)?,
        valid_until: k.valid_until.as_deref().map(|d| parse_date("valid_until", d)).transpose()?,
    })
}

/// Add an item to the principal's own unit's knowledge base.
pub async fn add<S: Store>(st: &AppState<S>, p: &Principal, item: NewItem) -> ApiResult<(KnowledgeItem, Vec<i64>)> {
    authorize(st, p, Action::ManageKnowledge { unit_id: p.unit.id }).await?;
    let question = item.question.trim().to_string();
    let answer = item.answer.trim().to_string();
    for (field, text) in [("question", &question), ("answer", &answer)] {
        if text.is_empty() {
            return Err(AppError::field(field, "must not be empty"));
        }
    }
    xiezhi_core::names::check_text("question", &question, 200, false)?;
    xiezhi_core::names::check_text("answer", &answer, 4000, true)?;
    let from = item.valid_from.unwrap_or_else(|| st.clock.china().date());
    if let Some(until) = item.valid_until {
        if until < from {
            return Err(AppError::field("valid_until", format!("{until} is before the first day {from}")));
        }
    }
    let new = NewKnowledgeItem {
        unit_id: p.unit.id,
        region: p.unit.region,
        question,
        answer,
        valid_from: from.to_string(),
        valid_until: item.valid_until.map(|d| d.to_string()),
        search_extra: p.unit.name.clone(),
    };
    let r = st.store.add_knowledge(new, st.by(p)).await?;
    Ok((r.value, r.leaves))
}

/// Retire an item of the principal's own unit: it is no longer offered.
pub async fn retire<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<KnowledgeItem> {
    let k = st.store.knowledge_item(id).await?.ok_or(AppError::NotFound("knowledge item"))?;
    authorize(st, p, Action::ManageKnowledge { unit_id: k.unit_id }).await?;
    if k.retired_at.is_some() {
        return Err(AppError::Conflict(format!("knowledge item {id} is already retired")));
    }
    Ok(st.store.retire_knowledge(id, st.by(p)).await?.value)
}

/// Where the principal's callers are: the items of units in the principal's region and below it,
/// and of the regions above it (a province's court answers for every county).
fn reach(region: RegionCode) -> (Vec<String>, String) {
    let mut up = Vec::new();
    let mut r = region.parent();
    while let Some(code) = r {
        up.push(code.to_string());
        r = code.parent();
    }
    (up, region.subtree_prefix())
}

/// The items the principal may offer callers (or, with `own`, the unit's own), newest first.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal, q: Query) -> ApiResult<Listing> {
    authorize(st, p, Action::ViewKnowledge).await?;
    let (regions, prefix) = reach(p.unit.region);
    let f = KnowledgeFilter {
        regions: if q.own { vec![] } else { regions },
        region_prefix: (!q.own).then_some(prefix),
        unit_id: q.own.then_some(p.unit.id),
        valid_on: q.valid_today.then(|| st.clock.china().date().to_string()),
        text: q.text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
        limit: q.limit.clamp(1, 500),
        offset: q.offset.max(0),
    };
    let total = st.store.knowledge_count(f.clone()).await?;
    Ok(Listing { items: st.store.knowledge(f).await?, total })
}

/// The item a centre's operator cites in an answer: one it may offer (its region's, or above),
/// not retired. Whether it holds today the ticket machine decides.
pub async fn citable<S: Store>(st: &AppState<S>, p: &Principal, id: i64) -> ApiResult<(KnowledgeItem, KnowledgeRef)> {
    let missing = || AppError::field("item", format!("no knowledge item {id} you may cite"));
    let k = st.store.knowledge_item(id).await?.ok_or_else(missing)?;
    let region = RegionCode::parse("region", &k.region).map_err(|e| AppError::Internal(e.to_string()))?;
    if !(p.unit.region.contains(region) || region.contains(p.unit.region)) {
        return Err(missing());
    }
    if k.retired_at.is_some() {
        return Err(AppError::field("item", format!("knowledge item {id} was retired")));
    }
    let r = reference(&k)?;
    Ok((k, r))
}

/// Whether the unit is a hotline centre (whose operators answer from the knowledge base).
pub fn is_centre(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Hotline12345 | UnitKind::Hotline12309 | UnitKind::Hotline12348)
}

/// A unit's knowledge base as a supervisor sees it: its counts, why it is not kept up to date
/// (if it is not), and a supervision still open on it.
pub struct UpkeepLine {
    pub unit: xiezhi_store::Unit,
    pub upkeep: Upkeep,
    pub stale: Option<Stale>,
    pub open: Option<KnowledgeSupervision>,
}

/// Whether the person supervises units' knowledge bases (H14): the hotline centres, and the
/// supervisors of the political-legal committees, each over its region.
pub fn upkeep_visible(p: &Principal) -> bool {
    is_centre(p.unit.kind) || (p.actor().supervises())
}

fn may_supervise(p: &Principal) -> ApiResult<()> {
    if upkeep_visible(p) {
        Ok(())
    } else {
        Err(AppError::Forbidden("knowledge bases are supervised by the hotline centres and the committees' supervisors".into()))
    }
}

fn upkeep_of(row: &UnitUpkeep) -> Upkeep {
    let last = parse_date("last_added", &crate::state::china_date(row.last_added_at)).ok();
    Upkeep { expired: row.expired, kept: row.kept, last_added: last }
}

/// The knowledge bases of the units in the principal's region, those not kept up to date first.
pub async fn upkeep<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<UpkeepLine>> {
    may_supervise(p)?;
    let today = st.clock.china().date();
    let prefix = p.unit.region.subtree_prefix();
    let open = st.store.knowledge_supervisions(None, Some(&prefix), true).await?;
    let mut lines = Vec::new();
    for row in st.store.knowledge_upkeep(&prefix, &today.to_string()).await? {
        let upkeep = upkeep_of(&row);
        lines.push(UpkeepLine {
            unit: st.store.unit(row.unit_id).await?,
            stale: upkeep.stale(today),
            upkeep,
            open: open.iter().find(|s| s.unit_id == row.unit_id).cloned(),
        });
    }
    lines.sort_by_key(|l| (l.stale.is_none(), l.unit.region.to_string(), l.unit.id));
    Ok(lines)
}

/// Supervise (督办) a unit in the principal's region whose knowledge base is not kept up to date;
/// answered when the unit next adds or retires an item.
pub async fn supervise<S: Store>(st: &AppState<S>, p: &Principal, unit_id: i64, note: &str) -> ApiResult<(KnowledgeSupervision, Vec<i64>)> {
    may_supervise(p)?;
    let unit = st.store.unit(unit_id).await.map_err(|_| AppError::NotFound("unit"))?;
    if !p.unit.region.contains(unit.region) {
        return Err(AppError::Forbidden(format!("unit {unit_id} is outside the region {} you supervise", p.unit.region)));
    }
    let note = note.trim();
    xiezhi_core::names::check_text("note", note, 1000, true)?;
    let today = st.clock.china().date();
    let row = st.store.knowledge_upkeep(&unit.region.to_string(), &today.to_string()).await?.into_iter().find(|r| r.unit_id == unit_id);
    let Some(stale) = row.as_ref().map(upkeep_of).and_then(|u| u.stale(today)) else {
        return Err(AppError::Conflict(format!("the knowledge base of unit {unit_id} is kept up to date: no expired items, one added within a year")));
    };
    if let Some(open) = st.store.knowledge_supervisions(Some(unit_id), None, true).await?.first() {
        return Err(AppError::Conflict(format!("unit {unit_id} was supervised on {} and has not answered yet", crate::state::china_date(open.at))));
    }
    let reason = serde_json::to_string(&stale).map_err(|e| AppError::Internal(e.to_string()))?;
    let r = st.store.supervise_knowledge(NewKnowledgeSupervision { unit_id, region: unit.region, reason, note: note.to_string() }, st.by(p)).await?;
    Ok((r.value, r.leaves))
}

/// The supervisions still open on the principal's own unit's knowledge base, newest first.
pub async fn open_on_my_unit<S: Store>(st: &AppState<S>, p: &Principal) -> ApiResult<Vec<KnowledgeSupervision>> {
    Ok(st.store.knowledge_supervisions(Some(p.unit.id), None, true).await?)
}
