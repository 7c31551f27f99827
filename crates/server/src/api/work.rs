//! The docket through the API: every piece of work whose move is the caller's unit, whatever its
//! kind; a supervisor's region; the counts by region, kind and stage.

use super::ApiQuery;
use crate::app::cases::Due;
use crate::app::docket::{self, WorkListing};
use crate::auth::Signed;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xiezhi_core::RegionCode;
use xiezhi_store::{DocketItem, Store};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorkQuery {
    /// `case`, `dispute` or `ticket`; every kind when not given.
    pub kind: Option<String>,
    /// Only items whose clock has run out.
    pub overdue: Option<bool>,
    /// Only items due within this many days and not overdue.
    pub approaching: Option<i64>,
    /// `true`: only hand-overs waiting to be signed for; `false`: only work taken in.
    pub awaiting: Option<bool>,
    /// Number or title contains this.
    pub q: Option<String>,
    /// A supervisor's view: the open work of this region subtree (code, e.g. `990101`) instead
    /// of the caller's unit's.
    pub region: Option<String>,
    /// `due` (the earliest due date first; the default) or `updated` (the latest moved first).
    pub sort: Option<String>,
    /// At most this many (1 to 1,000; 100 when not given).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl WorkQuery {
    pub fn listing(self, default_limit: i64) -> ApiResult<WorkListing> {
        let due = match (self.overdue, self.approaching) {
            (Some(true), _) => Due::Overdue,
            (_, Some(n)) => Due::Approaching(n),
            _ => Due::Any,
        };
        Ok(WorkListing {
            kind: self.kind.filter(|k| !k.is_empty()),
            due,
            awaiting: self.awaiting,
            text: self.q,
            sort: docket::parse_sort(self.sort.as_deref())?,
            region: self.region.as_deref().filter(|r| !r.is_empty()).map(|r| RegionCode::parse("region", r)).transpose()?,
            limit: self.limit.unwrap_or(default_limit),
            offset: self.offset.unwrap_or(0),
        })
    }
}

/// One piece of work.
#[derive(Serialize, ToSchema)]
pub struct WorkItemDto {
    /// `case`, `dispute` or `ticket`.
    pub kind: String,
    /// Its id among its kind (`/api/v1/cases/{id}`, `/api/v1/disputes/{id}`, `/api/v1/tickets/{id}`).
    pub id: i64,
    /// The case number, the dispute's code or the work order's number.
    pub number: String,
    pub title: String,
    pub region: String,
    pub stage: String,
    /// What the hand-over waiting with `next_unit_id` asks of it: for a case its kind
    /// (`arrest_request`, `prosecution`, `indictment`, `appeal`, `execution`), for a dispute the
    /// referral's kind or `report` (a risk report to the police); absent when nothing is handed over.
    pub task: Option<String>,
    /// The unit whose move it is (the receiver while a hand-over waits to be signed for).
    pub next_unit_id: i64,
    pub holder_unit_id: i64,
    /// A hand-over waits to be signed for.
    pub awaiting_receipt: bool,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// The due date assumed weekends only in a year whose calendar is not loaded.
    pub due_provisional: bool,
    /// When the item last moved — its stage, whose move, its holder or its due date changed
    /// (RFC 3339; a note or a document added is no move).
    pub updated_at: String,
}

pub fn item_dto(d: &DocketItem) -> WorkItemDto {
    WorkItemDto {
        kind: d.kind.clone(),
        id: d.item_id,
        number: d.number.clone(),
        title: d.title.clone(),
        region: d.region.clone(),
        stage: d.stage.clone(),
        task: d.task.clone(),
        next_unit_id: d.next_unit_id,
        holder_unit_id: d.holder_unit_id,
        awaiting_receipt: d.awaiting_receipt != 0,
        due_date: d.due_date.clone(),
        due_provisional: d.due_provisional != 0,
        updated_at: crate::state::format_time(d.updated_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct WorkPageDto {
    pub items: Vec<WorkItemDto>,
    /// How many match in all.
    pub total: i64,
}

/// Open work whose move is the caller's unit — cases, disputes and work orders, hand-overs to
/// sign for included — soonest due first; with `region`, a supervised region's open work.
#[utoipa::path(get, path = "/api/v1/work", params(WorkQuery),
    responses((status = 200, body = WorkPageDto), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "work")]
pub async fn list<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<WorkQuery>) -> ApiResult<Json<WorkPageDto>> {
    let page = docket::list(&st, &p, &q.listing(100)?).await?;
    Ok(Json(WorkPageDto { items: page.items.iter().map(item_dto).collect(), total: page.total }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CountsQuery {
    /// The region subtree (code); the caller's unit's region when not given.
    pub region: Option<String>,
}

/// How many items of one kind a region has in one stage.
#[derive(Serialize, ToSchema)]
pub struct WorkCountDto {
    pub region: String,
    pub kind: String,
    pub stage: String,
    /// The stage is closed (nothing more is due in it).
    pub closed: bool,
    pub items: i64,
}

/// Items of a supervised region subtree by region, kind and stage (closed stages included),
/// from counters kept with every write.
#[utoipa::path(get, path = "/api/v1/work/counts", params(CountsQuery),
    responses((status = 200, body = [WorkCountDto]), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "work")]
pub async fn counts<S: Store>(State(st): State<AppState<S>>, Signed(p): Signed, ApiQuery(q): ApiQuery<CountsQuery>) -> ApiResult<Json<Vec<WorkCountDto>>> {
    let region = match q.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse("region", r)?,
        None => p.unit.region,
    };
    let counts = docket::counts(&st, &p, region).await?;
    Ok(Json(
        counts
            .into_iter()
            .map(|c| WorkCountDto { closed: docket::is_closed(&c.kind, &c.stage), region: c.region, kind: c.kind, stage: c.stage, items: c.items })
            .collect(),
    ))
}
