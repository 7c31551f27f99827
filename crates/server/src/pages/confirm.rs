//! Asking again before a command that cannot be undone: the page shows what will be done and
//! on which item, and sends the same form again, confirmed, only when the person says so.

use super::{render, Chrome, PageError};
use askama::Template;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    /// Where the form goes, and where "back" leads.
    action: String,
    back: String,
    label: String,
    title: String,
    what: String,
    reason: String,
    /// Every field of the form, sent again with the confirmation.
    fields: Vec<(String, String)>,
}

/// The item and command to confirm.
pub struct Confirm {
    pub action: String,
    pub back: String,
    /// The item's number or code, and its title.
    pub label: String,
    pub title: String,
    /// The command in words.
    pub what: String,
    pub fields: Vec<(String, String)>,
}

/// Whether the form was confirmed (`confirmed=yes`).
pub fn confirmed(fields: &[(String, String)]) -> bool {
    fields.iter().any(|(k, v)| k == "confirmed" && v == "yes")
}

/// The confirmation page for a form's fields (its `csrf` and `confirmed` are not sent again).
pub fn page(chrome: Chrome, c: Confirm) -> Result<Response, PageError> {
    let reason = c.fields.iter().find(|(k, _)| k == "reason" || k == "note").map(|(_, v)| v.clone()).unwrap_or_default();
    let fields = c.fields.into_iter().filter(|(k, _)| k != "csrf" && k != "confirmed").collect();
    Ok(render(&ConfirmPage { chrome, action: c.action, back: c.back, label: c.label, title: c.title, what: c.what, reason, fields })?.into_response())
}
