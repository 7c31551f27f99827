//! The docket: every piece of work whose move is a unit's — a case, a dispute, a work order — in
//! one list, soonest due first; for a supervising committee, the work of its region and the counts
//! by region, kind and stage (read from the counters the database keeps with every write).

use super::cases::{Due, MAX_PAGE};
use crate::auth::authorize;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use time::Duration;
use xiezhi_core::policy::Action;
use xiezhi_core::RegionCode;
use xiezhi_store::{DocketCount, DocketFilter, DocketItem, DocketSort, Principal, Store, DOCKET_KINDS};

/// How far ahead "approaching" looks on the workbench, in days.
pub const APPROACHING_DAYS: i64 = 3;

/// One page of work.
#[derive(Debug, Clone, Default)]
pub struct WorkListing {
    /// `case`, `dispute` or `ticket`; every kind when not given.
    pub kind: Option<String>,
    pub due: Due,
    /// Only hand-overs waiting to be signed for (`Some(true)`), or only work already taken in.
    pub awaiting: Option<bool>,
    /// Contained in the number or the title.
    pub text: Option<String>,
    pub sort: DocketSort,
    /// A supervised region subtree instead of the principal's own unit.
    pub region: Option<RegionCode>,
    pub limit: i64,
    pub offset: i64,
}

/// A page of work and how many items the whole list has.
#[derive(Debug, Clone)]
pub struct WorkPage {
    pub items: Vec<DocketItem>,
    pub total: i64,
}

impl WorkListing {
    /// Check what a person asked for, naming the field at fault.
    pub fn check(&self) -> ApiResult<()> {
        if let Some(kind) = &self.kind {
            if !DOCKET_KINDS.contains(&kind.as_str()) {
                return Err(AppError::field("kind", format!("unknown kind of work; one of {}", DOCKET_KINDS.join(", "))));
            }
        }
        super::cases::check_page(self.due, self.text.as_deref(), self.limit, self.offset)
    }

    fn filter(&self, today: time::Date, scope: DocketFilter) -> DocketFilter {
        let (due_from, due_by) = match self.due {
            Due::Any => (None, None),
            Due::Within(n) => (None, Some(today + Duration::days(n))),
            Due::Overdue => (None, Some(today - Duration::days(1))),
            Due::Approaching(n) => (Some(today), Some(today + Duration::days(n))),
        };
        DocketFilter {
            kinds: self.kind.iter().cloned().collect(),
            active_only: true,
            awaiting_receipt: self.awaiting,
            due_from: due_from.map(|d| d.to_string()),
            due_by: due_by.map(|d| d.to_string()),
            text: self.text.as_ref().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
            sort: self.sort,
            limit: self.limit,
            offset: self.offset,
            ..scope
        }
    }
}

/// How work lists are ordered, as people and clients name it.
pub fn parse_sort(raw: Option<&str>) -> ApiResult<DocketSort> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("due") => Ok(DocketSort::Due),
        Some("updated") => Ok(DocketSort::Updated),
        Some(other) => Err(AppError::field("sort", format!("{other:?} is not an order; one of due, updated"))),
    }
}

/// The kinds of work in a region subtree the principal may see as its supervisor; refused (and
/// recorded) when none.
async fn supervised_kinds<S: Store>(st: &AppState<S>, p: &Principal, region: RegionCode) -> ApiResult<Vec<String>> {
    let actions = [
        ("case", Action::ViewCase { region, involved: false }),
        ("dispute", Action::ViewDispute { region, involved: false }),
        ("ticket", Action::ViewTicket { region, involved: false }),
    ];
    let kinds: Vec<String> = actions.iter().filter(|(_, a)| p.actor().authorize(*a).is_ok()).map(|(k, _)| k.to_string()).collect();
    if kinds.is_empty() {
        authorize(st, p, actions[0].1).await?;
    }
    Ok(kinds)
}

/// Whose work a listing reads: the principal's unit (what is its move), or a supervised region.
async fn scope<S: Store>(st: &AppState<S>, p: &Principal, q: &WorkListing) -> ApiResult<DocketFilter> {
    match q.region {
        None => Ok(DocketFilter { next_unit_id: Some(p.unit.id), ..Default::default() }),
        Some(region) => {
            let allowed = supervised_kinds(st, p, region).await?;
            if let Some(kind) = q.kind.as_ref().filter(|k| !allowed.contains(k)) {
                return Err(AppError::Forbidden(format!("the {kind} work of region {region} is not yours to see")));
            }
            Ok(DocketFilter { region_prefix: Some(region.subtree_prefix()), kinds: allowed, ..Default::default() })
        }
    }
}

/// Open work, one page, soonest due first: what is the unit's move (hand-overs to sign for
/// included), or a supervised region's.
pub async fn list<S: Store>(st: &AppState<S>, p: &Principal, q: &WorkListing) -> ApiResult<WorkPage> {
    q.check()?;
    let f = q.filter(st.clock.china().date(), scope(st, p, q).await?);
    let (items, total) = tokio::try_join!(st.store.docket(f.clone()), st.store.docket_count(f))?;
    Ok(WorkPage { items, total })
}

/// What a unit has of one kind of work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindLoad {
    pub kind: String,
    /// Hand-overs waiting to be signed for.
    pub awaiting: i64,
    /// Open items whose move is the unit's (or, for a supervisor, open in its region).
    pub active: i64,
    pub overdue: i64,
    /// Not overdue, due within [`APPROACHING_DAYS`].
    pub approaching: i64,
}

/// The unit's work by kind (a supervising committee's: its region's), for the workbench; only
/// kinds it has anything of.
pub async fn load<S: Store>(st: &AppState<S>, p: &Principal, region: Option<RegionCode>) -> ApiResult<Vec<KindLoad>> {
    let q = WorkListing { region, limit: 1, ..Default::default() };
    let base = q.filter(st.clock.china().date(), scope(st, p, &q).await?);
    let today = st.clock.china().date();
    let by_kind = |f: DocketFilter| st.store.docket_count_by_kind(f);
    let (active, awaiting, overdue, soon) = tokio::try_join!(
        by_kind(base.clone()),
        by_kind(DocketFilter { awaiting_receipt: Some(true), ..base.clone() }),
        by_kind(DocketFilter { due_by: Some((today - Duration::days(1)).to_string()), ..base.clone() }),
        by_kind(DocketFilter { due_from: Some(today.to_string()), due_by: Some((today + Duration::days(APPROACHING_DAYS)).to_string()), ..base }),
    )?;
    let of = |counts: &[(String, i64)], kind: &str| counts.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
    Ok(DOCKET_KINDS
        .iter()
        .filter(|k| of(&active, k) > 0)
        .map(|k| KindLoad { kind: k.to_string(), awaiting: of(&awaiting, k), active: of(&active, k), overdue: of(&overdue, k), approaching: of(&soon, k) })
        .collect())
}

/// Items of a supervised region subtree by region, kind and stage, from the counters (closed
/// stages included; none at zero), of the kinds the principal may see there.
pub async fn counts<S: Store>(st: &AppState<S>, p: &Principal, region: RegionCode) -> ApiResult<Vec<DocketCount>> {
    let kinds = supervised_kinds(st, p, region).await?;
    Ok(st.store.docket_counts(&region.subtree_prefix()).await?.into_iter().filter(|c| kinds.contains(&c.kind)).collect())
}

/// Whether a stage of a kind of work is closed, as its machine says.
pub fn is_closed(kind: &str, stage: &str) -> bool {
    use xiezhi_core::{case, dispute, ticket};
    match kind {
        "case" => case::Stage::ALL.iter().any(|s| s.is_closed() && s.as_str() == stage),
        "dispute" => dispute::Stage::ALL.iter().any(|s| s.is_closed() && s.as_str() == stage),
        "ticket" => ticket::Stage::ALL.iter().any(|s| s.is_closed() && s.as_str() == stage),
        _ => false,
    }
}

/// The docket and its counters compared with the items' own rows and a fresh count: what
/// `xiezhi rebuild --check` reports (the database keeps them; a difference means something
/// wrote around it).
pub async fn check<S: Store>(store: &S) -> ApiResult<Vec<String>> {
    let mut found: Vec<String> = store.docket_mismatches(100).await?.into_iter().map(|item| format!("docket row of {item} differs from its item")).collect();
    let kept = store.docket_counts("").await?;
    let counted = store.docket_counts_recounted().await?;
    if kept != counted {
        for c in counted.iter().filter(|c| !kept.contains(c)) {
            let has = kept.iter().find(|k| (&k.region, &k.kind, &k.stage) == (&c.region, &c.kind, &c.stage)).map_or(0, |k| k.items);
            found.push(format!("docket counter {} {} {}: {has}, counted {}", c.region, c.kind, c.stage, c.items));
        }
        for k in kept.iter().filter(|k| !counted.iter().any(|c| (&k.region, &k.kind, &k.stage) == (&c.region, &c.kind, &c.stage))) {
            found.push(format!("docket counter {} {} {}: {}, counted 0", k.region, k.kind, k.stage, k.items));
        }
    }
    Ok(found)
}

/// Every item of a listing (from its first, at most [`super::cases::MAX_EXPORT`]), for an export.
pub async fn export<S: Store>(st: &AppState<S>, p: &Principal, q: &WorkListing) -> ApiResult<Vec<DocketItem>> {
    use super::cases::MAX_EXPORT;
    let mut out = Vec::new();
    loop {
        let page = list(st, p, &WorkListing { limit: MAX_PAGE, offset: out.len() as i64, ..q.clone() }).await?.items;
        let done = (page.len() as i64) < MAX_PAGE;
        out.extend(page);
        if done || out.len() as i64 >= MAX_EXPORT {
            out.truncate(MAX_EXPORT as usize);
            return Ok(out);
        }
    }
}

/// The cases of a supervised region subtree by region and stage, from the counters, and of them
/// those with a clock due by `due_by` (counted from the docket: it changes with the day, not with
/// a write).
pub async fn case_counts<S: Store>(st: &AppState<S>, p: &Principal, region: RegionCode, due_by: time::Date) -> ApiResult<(Vec<DocketCount>, Vec<DocketCount>)> {
    authorize(st, p, Action::ViewCase { region, involved: false }).await?;
    let prefix = region.subtree_prefix();
    let overdue = DocketFilter {
        region_prefix: Some(prefix.clone()),
        kinds: vec!["case".into()],
        active_only: true,
        due_by: Some(due_by.to_string()),
        ..Default::default()
    };
    let (counts, overdue) = tokio::try_join!(st.store.docket_counts(&prefix), st.store.docket_tally(overdue))?;
    Ok((counts.into_iter().filter(|c| c.kind == "case").collect(), overdue))
}
