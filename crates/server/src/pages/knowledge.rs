//! The knowledge-base page: an operator searches the answers that hold today; a unit keeps its
//! own (adds, retires). Answering a call from an item is on the work order's page.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::input::path_id;
use crate::app::knowledge::{self, NewItem, Query as Find};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use time::Date;
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
    render(&KnowledgePage {
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
