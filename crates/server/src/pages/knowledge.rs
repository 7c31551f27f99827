//! The knowledge-base page: an operator searches the answers that hold today; a unit keeps its
//! own (adds, retires). Answering a call from an item is on the work order's page.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::input::path_id;
use crate::app::knowledge::{self, NewItem, Query as Find};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_china, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use time::Date;
use xiezhi_core::ticket::upkeep::Stale;
use xiezhi_core::Action;
use xiezhi_store::Store;

const PAGE: i64 = 50;

pub struct Row {
    id: i64,
    question: String,
    answer: String,
    unit: String,
    valid: String,
    /// Not offered: retired, or outside its days.
    stale: bool,
    mine: bool,
}

#[derive(Template)]
#[template(path = "knowledge.html")]
struct KnowledgePage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    q: String,
    own: bool,
    may_add: bool,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
    /// Supervisions open on the unit's own base: (from, when, why, note).
    supervised: Vec<(String, String, String, String)>,
    /// Whether the person supervises other units' bases (the upkeep page).
    supervises: bool,
}

/// Why a base is not kept up to date, in words.
fn stale_words(lang: Lang, s: &Stale) -> String {
    match (lang, s) {
        (Lang::Zh, Stale::Expired { items }) => format!("{items}条已过期未撤下"),
        (Lang::En, Stale::Expired { items }) => format!("{items} expired item(s) not retired"),
        (Lang::Zh, Stale::Untouched { days }) => format!("{days}天未新增条目"),
        (Lang::En, Stale::Untouched { days }) => format!("nothing added for {days} days"),
    }
}

async fn unit_name<S: Store>(st: &AppState<S>, lang: Lang, id: i64) -> String {
    st.store.unit(id).await.map(|u| if lang == Lang::En { u.name_en } else { u.name }).unwrap_or_default()
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    own: Option<String>,
    page: Option<String>,
}

pub async fn list<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Html<String>, PageError> {
    let page = match q.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s.parse::<i64>().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| AppError::field("page", "must be a page number from 1"))?,
    };
    let own = crate::app::input::flag("own", q.own.as_deref())?;
    let text = q.q.clone().map(|t| t.trim().to_string()).unwrap_or_default();
    let l = knowledge::list(&st, &p, Find { text: Some(text.clone()), valid_today: !own, own, limit: PAGE, offset: (page - 1) * PAGE }).await?;
    let today = st.clock.china().date().to_string();
    let mut names = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for k in &l.items {
        let unit = match names.get(&k.unit_id) {
            Some(n) => String::clone(n),
            None => {
                let n = st.store.unit(k.unit_id).await.map(|u| if lang == Lang::En { u.name_en } else { u.name }).unwrap_or_default();
                names.insert(k.unit_id, n.clone());
                n
            }
        };
        let until = k.valid_until.clone().unwrap_or_else(|| lang.pick("长期", "open-ended").to_string());
        rows.push(Row {
            id: k.id,
            question: k.question.clone(),
            answer: k.answer.clone(),
            unit,
            valid: format!("{} — {until}", k.valid_from),
            stale: k.retired_at.is_some() || k.valid_from > today || k.valid_until.as_ref().is_some_and(|u| *u < today),
            mine: k.unit_id == p.unit.id,
        });
    }
    let href = |n: i64| {
        let mut v: Vec<(&str, String)> = vec![("page", n.to_string())];
        if !text.is_empty() {
            v.push(("q", text.clone()));
        }
        if own {
            v.push(("own", "true".into()));
        }
        format!("/knowledge?{}", serde_urlencoded::to_string(v).unwrap_or_default())
    };
    let may_add = p.actor().authorize(Action::ManageKnowledge { unit_id: p.unit.id }).is_ok();
    let mut supervised = Vec::new();
    for s in knowledge::open_on_my_unit(&st, &p).await? {
        let why = serde_json::from_str::<Stale>(&s.reason).map(|r| stale_words(lang, &r)).unwrap_or_default();
        supervised.push((unit_name(&st, lang, s.by_unit_id).await, format_china(s.at), why, s.note));
    }
    render(&KnowledgePage {
        supervised,
        supervises: knowledge::upkeep_visible(&p),
        rows,
        total: l.total,
        q: text.clone(),
        own,
        may_add,
        previous: (page > 1).then(|| href(page - 1)),
        next: (page * PAGE < l.total).then(|| href(page + 1)),
        page,
        chrome: Chrome::new(lang, "/knowledge", Some(&p), &st),
    })
}

fn date(field: &'static str, raw: Option<&String>) -> Result<Option<Date>, AppError> {
    match raw.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| AppError::field(field, format!("{s:?} is not a date (YYYY-MM-DD)"))),
    }
}

pub async fn add<S: Store>(State(st): State<AppState<S>>, PageForm(p, fields): PageForm<Vec<(String, String)>>) -> Result<Response, PageError> {
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let item = NewItem {
        question: get("question").unwrap_or_default(),
        answer: get("answer").unwrap_or_default(),
        valid_from: date("valid_from", get("valid_from").as_ref())?,
        valid_until: date("valid_until", get("valid_until").as_ref())?,
    };
    knowledge::add(&st, &p, item).await?;
    Ok(see_other("/knowledge?own=true"))
}

pub async fn retire<S: Store>(
    State(st): State<AppState<S>>,
    Path(id): Path<String>,
    PageForm(p, _): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    knowledge::retire(&st, &p, path_id("id", &id)?).await?;
    Ok(see_other("/knowledge?own=true"))
}

/// One unit's base on the upkeep page.
pub struct UpkeepRow {
    unit_id: i64,
    unit: String,
    region: String,
    kept: i64,
    expired: i64,
    last_added: String,
    /// Why it is not kept up to date; empty if it is.
    stale: String,
    /// When a supervision still open was made.
    open: Option<String>,
}

#[derive(Template)]
#[template(path = "knowledge_upkeep.html")]
struct UpkeepPage {
    chrome: Chrome,
    rows: Vec<UpkeepRow>,
    stale_count: usize,
    error: Option<String>,
}

async fn upkeep_page<S: Store>(st: &AppState<S>, lang: Lang, p: &xiezhi_store::Principal, error: Option<String>) -> Result<Html<String>, PageError> {
    let lines = knowledge::upkeep(st, p).await?;
    let rows: Vec<UpkeepRow> = lines
        .iter()
        .map(|l| UpkeepRow {
            unit_id: l.unit.id,
            unit: if lang == Lang::En { l.unit.name_en.clone() } else { l.unit.name.clone() },
            region: l.unit.region.to_string(),
            kept: l.upkeep.kept,
            expired: l.upkeep.expired,
            last_added: l.upkeep.last_added.map(|d| d.to_string()).unwrap_or_default(),
            stale: l.stale.as_ref().map(|s| stale_words(lang, s)).unwrap_or_default(),
            open: l.open.as_ref().map(|s| format_china(s.at)),
        })
        .collect();
    render(&UpkeepPage { stale_count: rows.iter().filter(|r| !r.stale.is_empty()).count(), rows, error, chrome: Chrome::new(lang, "/knowledge", Some(p), st) })
}

pub async fn upkeep<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    upkeep_page(&st, lang, &p, None).await
}

#[derive(Deserialize)]
pub struct SuperviseForm {
    #[serde(default)]
    note: String,
}

/// Supervise a unit from the upkeep page; a refusal comes back on the page.
pub async fn supervise<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    Path(unit_id): Path<String>,
    PageForm(p, f): PageForm<SuperviseForm>,
) -> Result<Response, PageError> {
    match knowledge::supervise(&st, &p, path_id("unit_id", &unit_id)?, &f.note).await {
        Ok(_) => Ok(see_other("/knowledge/upkeep")),
        Err(AppError::Conflict(message)) => {
            let words = lang.pick("未督办：", "Not supervised: ").to_string() + &message;
            Ok((axum::http::StatusCode::CONFLICT, upkeep_page(&st, lang, &p, Some(words)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
