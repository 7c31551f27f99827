//! The deadline calculator.

use super::{render, Chrome, PageError, PageUser};
use crate::app::deadlines::compute_deadline;
use crate::app::input::flag as parse_flag;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use serde::Deserialize;
use xiezhi_core::RULES;
use xiezhi_store::Store;

pub struct RuleOption {
    id: &'static str,
    label: String,
    selected: bool,
}

pub struct DeadlineView {
    due: String,
    provisional: bool,
    rolled_from: String,
    basis: Vec<String>,
}

#[derive(Template)]
#[template(path = "deadline_result.html")]
struct DeadlineResult {
    chrome: Chrome,
    result: Option<DeadlineView>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "deadlines.html")]
struct DeadlinesPage {
    chrome: Chrome,
    rules: Vec<RuleOption>,
    start: String,
    in_custody: bool,
    extended: bool,
    result: Option<DeadlineView>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    rule: Option<String>,
    start: Option<String>,
    in_custody: Option<String>,
    extended: Option<String>,
}

pub async fn deadlines<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Query(f): Query<DeadlineForm>,
) -> Result<Html<String>, PageError> {
    let chrome = Chrome::new(lang, "/deadlines", Some(&p), &st);
    let in_custody = parse_flag("in_custody", f.in_custody.as_deref())?;
    let extended = parse_flag("extended", f.extended.as_deref())?;
    let (mut result, mut error) = (None, None);
    if let (Some(rule), Some(start)) = (&f.rule, &f.start) {
        match compute_deadline(&st.calendar(), rule, start, in_custody, extended) {
            Ok(d) => {
                result = Some(DeadlineView {
                    due: d.due.to_string(),
                    provisional: d.provisional,
                    rolled_from: d.rolled_from.map(|d| d.to_string()).unwrap_or_default(),
                    basis: d.basis.iter().map(|b| lang.basis(b)).collect(),
                })
            }
            Err(e) => error = Some(e.public_message()),
        }
    }
    if headers.contains_key("hx-request") {
        return render(&DeadlineResult { chrome, result, error });
    }
    let selected = f.rule.unwrap_or_default();
    render(&DeadlinesPage {
        rules: RULES
            .iter()
            .map(|r| RuleOption { id: r.id, label: format!("{} — {}", r.id, lang.pick(r.title_zh, r.title_en)), selected: r.id == selected })
            .collect(),
        start: f.start.unwrap_or_default(),
        in_custody,
        extended,
        result,
        error,
        chrome,
    })
}
