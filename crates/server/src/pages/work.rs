//! 待办: every case, dispute and work order whose move is the unit's, in one list soonest due
//! first, with its counts by kind; for a supervising committee, its region's open work. On the
//! page and in Excel.

use super::cases::Pager;
use super::{render, Chrome, PageError, PageUser};
use crate::app::cases::Due;
use crate::app::docket::{self, KindLoad, WorkListing};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::Duration;
use xiezhi_core::RegionCode;
use xiezhi_store::{DocketItem, Principal, Store};

const PAGE: i64 = 100;

/// A query's parameters to repeat it (paging, export).
type Again = Vec<(&'static str, String)>;

#[derive(Deserialize, Default)]
pub struct WorkQuery {
    kind: Option<String>,
    /// `overdue` or `approaching`.
    due: Option<String>,
    /// `true`: hand-overs to sign for; `false`: work taken in.
    awaiting: Option<String>,
    q: Option<String>,
    region: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

impl WorkQuery {
    /// The listing asked for, and the query to repeat it (paging, export).
    fn listing(&self) -> Result<(WorkListing, Again), AppError> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let due = match given(&self.due).as_deref() {
            None => Due::Any,
            Some("overdue") => Due::Overdue,
            Some("approaching") => Due::Approaching(docket::APPROACHING_DAYS),
            Some(other) => return Err(AppError::field("due", format!("{other:?} is not a due filter; overdue or approaching"))),
        };
        let awaiting = match given(&self.awaiting).as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => return Err(AppError::field("awaiting", format!("{other:?} is neither true nor false"))),
        };
        let listing = WorkListing {
            kind: given(&self.kind),
            due,
            awaiting,
            text: given(&self.q),
            sort: docket::parse_sort(self.sort.as_deref())?,
            region: given(&self.region).map(|r| RegionCode::parse("region", &r)).transpose()?,
            limit: PAGE,
            offset: 0,
        };
        let again = [("kind", &self.kind), ("due", &self.due), ("awaiting", &self.awaiting), ("q", &self.q), ("region", &self.region), ("sort", &self.sort)]
            .into_iter()
            .filter_map(|(k, v)| given(v).map(|v| (k, v)))
            .collect();
        Ok((listing, again))
    }
}

/// A kind of work as people name it.
pub fn kind_word(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "case" => lang.pick("刑事案件", "Criminal case"),
        "dispute" => lang.pick("矛盾纠纷", "Dispute"),
        "ticket" => lang.pick("热线工单", "Hotline order"),
        _ => lang.pick("事项", "Item"),
    }
}

/// A stage of a kind of work as people name it.
pub fn stage_word(lang: Lang, kind: &str, stage: &str) -> String {
    match kind {
        "case" => lang.stage(stage).to_string(),
        "dispute" => lang.dispute_word(stage).to_string(),
        "ticket" => lang.ticket_word(stage).to_string(),
        _ => stage.to_string(),
    }
}

/// What a hand-over waiting with the next unit asks of it, as people name it (empty when nothing
/// is handed over): 提请批准逮捕, 移送审查起诉, 人民调解, ….
pub fn task_word(lang: Lang, kind: &str, task: Option<&str>) -> String {
    let Some(task) = task else { return String::new() };
    match kind {
        "case" => serde_json::from_value::<xiezhi_core::case::HandoverKind>(serde_json::Value::from(task))
            .map(|k| lang.handover(k).to_string())
            .unwrap_or_else(|_| task.to_string()),
        "dispute" if task == "report" => lang.pick("风险报告", "Risk report").to_string(),
        "dispute" => lang.dispute_word(task).to_string(),
        _ => task.to_string(),
    }
}

/// One item as a row.
pub struct WorkRow {
    pub kind: &'static str,
    pub href: String,
    pub number: String,
    pub title: String,
    /// What the hand-over waiting asks (empty when none), shown before the stage.
    pub task: String,
    pub stage: String,
    /// Whose move it is (shown in a region's list) and who holds it.
    pub next: String,
    pub holder: String,
    pub awaiting: bool,
    pub due: String,
    pub provisional: bool,
    pub overdue: bool,
    pub days_over: i64,
    pub approaching: bool,
}

pub async fn rows<S: Store>(st: &AppState<S>, lang: Lang, items: &[DocketItem]) -> Vec<WorkRow> {
    let day = st.clock.china().date();
    let (today, soon) = (day.to_string(), (day + Duration::days(docket::APPROACHING_DAYS)).to_string());
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    for d in items {
        for id in [d.next_unit_id, d.holder_unit_id] {
            if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(id) {
                slot.insert(st.store.unit(id).await.map(|u| if lang == Lang::En { u.name_en } else { u.name }).unwrap_or_else(|_| format!("#{id}")));
            }
        }
        let due = d.due_date.clone().unwrap_or_default();
        let overdue = !due.is_empty() && due < today;
        let days_over = time::Date::parse(&due, time::macros::format_description!("[year]-[month]-[day]")).map(|x| (day - x).whole_days()).unwrap_or(0).max(0);
        out.push(WorkRow {
            kind: kind_word(lang, &d.kind),
            href: format!("/{}s/{}", d.kind, d.item_id),
            number: d.number.clone(),
            title: d.title.clone(),
            task: task_word(lang, &d.kind, d.task.as_deref()),
            stage: stage_word(lang, &d.kind, &d.stage),
            next: names[&d.next_unit_id].clone(),
            holder: names[&d.holder_unit_id].clone(),
            awaiting: d.awaiting_receipt != 0,
            provisional: d.due_provisional != 0,
            approaching: !overdue && !due.is_empty() && due <= soon,
            overdue,
            days_over,
            due,
        })
    }
    out
}

/// A kind's counts as chips, each a link to its list.
pub struct LoadView {
    pub kind: &'static str,
    pub load: KindLoad,
    pub href: String,
}

pub fn load_views(lang: Lang, loads: Vec<KindLoad>, region: Option<RegionCode>) -> Vec<LoadView> {
    loads
        .into_iter()
        .map(|l| {
            let mut q = vec![("kind", l.kind.clone())];
            q.extend(region.map(|r| ("region", r.to_string())));
            LoadView { kind: kind_word(lang, &l.kind), href: format!("/work?{}", serde_urlencoded::to_string(q).unwrap_or_default()), load: l }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    chrome: Chrome,
    heading: String,
    work_loads: Vec<LoadView>,
    work_rows: Vec<WorkRow>,
    total: i64,
    pager: Pager,
    export: String,
    /// A region's list: shows whose move each item is.
    work_region: String,
    kinds: Vec<(&'static str, &'static str, bool)>,
    due: String,
    awaiting: String,
    q: String,
    sort: String,
}

fn heading(lang: Lang, p: &Principal, region: Option<&xiezhi_store::Region>) -> String {
    match region {
        Some(r) => format!("{}{}", if lang == Lang::En { &r.name_en } else { &r.name }, lang.pick("在办事项", ": open work")),
        None => format!("{}{}", lang.pick("待办", "My work"), if lang == Lang::En { format!(" — {}", p.unit.name_en) } else { format!("（{}）", p.unit.name) }),
    }
}

pub async fn page<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<WorkQuery>) -> Result<Html<String>, PageError> {
    let (listing, again) = q.listing()?;
    let page = match q.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s.parse::<i64>().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| AppError::field("page", "must be a page number from 1"))?,
    };
    let found = docket::list(&st, &p, &WorkListing { offset: (page - 1) * PAGE, ..listing.clone() }).await?;
    let loads = docket::load(&st, &p, listing.region).await?;
    let region = match listing.region {
        Some(r) => Some(st.store.region(r).await?),
        None => None,
    };
    let query = serde_urlencoded::to_string(&again).unwrap_or_default();
    let more = page * PAGE < found.total;
    render(&WorkPage {
        heading: heading(lang, &p, region.as_ref()),
        work_loads: load_views(lang, loads, listing.region),
        work_rows: rows(&st, lang, &found.items).await,
        total: found.total,
        pager: Pager::new(page, more, |n| {
            format!("/work?{}", serde_urlencoded::to_string(again.iter().cloned().chain([("page", n.to_string())]).collect::<Vec<_>>()).unwrap_or_default())
        }),
        export: format!("/work.xlsx?{query}"),
        work_region: listing.region.map(|r| r.to_string()).unwrap_or_default(),
        kinds: xiezhi_store::DOCKET_KINDS.iter().map(|k| (*k, kind_word(lang, k), listing.kind.as_deref() == Some(*k))).collect(),
        due: q.due.clone().unwrap_or_default(),
        awaiting: q.awaiting.clone().unwrap_or_default(),
        q: listing.text.clone().unwrap_or_default(),
        sort: q.sort.clone().unwrap_or_default(),
        chrome: Chrome::new(lang, "/work", Some(&p), &st),
    })
}

/// The same list as a workbook (every row, at most 10,000), headed with what was asked and when.
pub async fn export<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<WorkQuery>) -> Result<Response, PageError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (listing, again) = q.listing()?;
    let found = docket::export(&st, &p, &listing).await?;
    let rows = rows(&st, lang, &found).await;
    let region = match listing.region {
        Some(r) => Some(st.store.region(r).await?),
        None => None,
    };
    let xl = |e: rust_xlsxwriter::XlsxError| PageError(AppError::Internal(format!("workbook: {e}")));
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let made = crate::state::format_china(st.clock.now_us());
    let asked = serde_urlencoded::to_string(&again).unwrap_or_default();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(l("待办", "Work")).map_err(xl)?;
    ws.write_string_with_format(0, 0, heading(lang, &p, region.as_ref()), &Format::new().set_bold().set_font_size(14)).map_err(xl)?;
    ws.write_string(1, 0, format!("{}：{made}{}", l("制表时间", "Made"), if asked.is_empty() { String::new() } else { format!("　{asked}") })).map_err(xl)?;
    let heads = [
        l("类别", "Kind"),
        l("编号", "Number"),
        l("事项", "Matter"),
        l("阶段", "Stage"),
        l("移送事项", "Handed over for"),
        l("待谁办理", "Whose move"),
        l("承办单位", "Held by"),
        l("待签收", "To sign for"),
        l("期限", "Due"),
        l("已超期", "Overdue"),
    ];
    let bold = Format::new().set_bold();
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &bold).map_err(xl)?;
    }
    let yes = |b: bool| if b { l("是", "yes") } else { "" };
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        for (c, v) in [r.kind, &r.number, &r.title, &r.stage, &r.task, &r.next, &r.holder, yes(r.awaiting), &r.due, yes(r.overdue)].iter().enumerate() {
            ws.write_string(row, c as u16, *v).map_err(xl)?;
        }
    }
    ws.set_freeze_panes(4, 0).map_err(xl)?;
    for (c, width) in [(1, 28), (2, 30), (3, 16), (4, 16), (5, 22), (6, 22), (8, 12)] {
        ws.set_column_width(c, width).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(crate::download::attachment(l("待办.xlsx", "work.xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(), bytes))
}

/// The count beside 待办 on the navigation (fetched once a page has loaded): the open items whose
/// move is the unit's, marked when any is overdue; nothing when there are none.
pub async fn count<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    let loads = docket::load(&st, &p, None).await?;
    let (active, overdue) = loads.iter().fold((0, 0), |(a, o), l| (a + l.active, o + l.overdue));
    if active == 0 {
        return Ok(Html(String::new()));
    }
    let late = if overdue > 0 { format!(" late\" title=\"{}", lang.pick("有已超期事项", "some are overdue")) } else { String::new() };
    Ok(Html(format!("<span class=\"badge{late}\" id=\"nav-work-count\">{active}</span>")))
}
