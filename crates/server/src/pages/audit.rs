//! The audit log page: checkpoints, witnesses, and checking one event's inclusion.

use super::{render, Chrome, PageError, PageUser};
use crate::audit::{included, trusted_checkpoint};
use crate::i18n::Lang;
use crate::state::{format_local, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Deserialize;
use xiezhi_store::Store;

pub struct CheckpointRow {
    size: i64,
    root: String,
    signed_at: String,
    witnesses: String,
}

pub struct EventView {
    index: i64,
    at: String,
    kind: String,
    subject: String,
    actor: String,
    included: bool,
    checkpoint: i64,
}

/// One event of the browsed log, as an auditor reads it.
pub struct LogRow {
    index: i64,
    at: String,
    actor: String,
    unit: String,
    what: String,
    kind: String,
    subject: String,
    /// The account or unit it is about, by name.
    about: String,
    /// Where the item's page is, if it has one.
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    /// Whether the person may browse the log (administrators and auditors, their region).
    browsing: bool,
    log: Vec<LogRow>,
    browse_error: Option<String>,
    subject: String,
    family: String,
    username: String,
    families: Vec<(&'static str, String)>,
    next: Option<String>,
    verifier: String,
    size: u64,
    checkpoints: Vec<CheckpointRow>,
    asked: String,
    event: Option<EventView>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct CheckQuery {
    index: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    username: String,
    before: Option<String>,
}

/// The page of an item an event is about.
fn item_href(subject: &str) -> Option<String> {
    match subject.parse::<xiezhi_core::Subject>().ok()? {
        xiezhi_core::Subject::Case(id) => Some(format!("/cases/{id}")),
        xiezhi_core::Subject::Dispute(id) => Some(format!("/disputes/{id}")),
        xiezhi_core::Subject::Ticket(id) => Some(format!("/tickets/{id}")),
        xiezhi_core::Subject::Unit(id) => Some(format!("/units/{id}")),
        _ => None,
    }
}

pub async fn audit_page<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<CheckQuery>,
) -> Result<Html<String>, PageError> {
    let stored = st.store.checkpoints(10).await?;
    let sizes: Vec<i64> = stored.iter().map(|c| c.tree_size).collect();
    let cosigs = st.store.cosignatures(&sizes).await?;
    let checkpoints = stored
        .iter()
        .map(|c| CheckpointRow {
            size: c.tree_size,
            root: B64.encode(c.root),
            signed_at: format_local(c.at),
            witnesses: cosigs.iter().filter(|w| w.tree_size == c.tree_size).map(|w| w.witness.clone()).collect::<Vec<_>>().join(", "),
        })
        .collect();
    let (mut event, mut error) = (None, None);
    let asked = q.index.unwrap_or_default();
    if !asked.trim().is_empty() {
        match asked.trim().parse::<u64>() {
            Err(_) => error = Some(lang.pick("事件序号应为非负整数。", "The event index must be a non-negative integer.").to_string()),
            Ok(i) => match st.store.events(i, i + 1).await?.into_iter().next() {
                None => error = Some(format!("{} {i}", lang.pick("没有该序号的事件：", "No event with index"))),
                Some(e) => {
                    let cp = trusted_checkpoint(&st).await?;
                    let ok = match &cp {
                        Some(cp) => included(&st, i, cp).await?,
                        None => false,
                    };
                    let actor = match e.actor_user_id {
                        Some(a) => st.store.user(a).await.map(|u| lang.aside(&u.display_name, &u.username)).unwrap_or_else(|_| format!("#{a}")),
                        None => lang.pick("系统", "System").to_string(),
                    };
                    event = Some(EventView {
                        index: e.seq,
                        at: format_local(e.at),
                        kind: lang.audit_kind(&e.kind),
                        subject: e.subject,
                        actor,
                        included: ok,
                        checkpoint: cp.map_or(0, |c| c.tree_size),
                    });
                }
            },
        }
    }
    let browsing = p.actor().authorize(xiezhi_core::Action::ViewSecurityLog { region: p.unit.region }).is_ok();
    let (mut log, mut browse_error, mut next) = (vec![], None, None);
    if browsing {
        let before = match q.before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => s.parse::<i64>().ok(),
        };
        let b = crate::app::audit_log::Browse { subject: q.subject.clone(), family: q.family.clone(), username: q.username.clone(), before };
        match crate::app::audit_log::browse(&st, &p, &b).await {
            Ok((lines, more)) => {
                log = lines
                    .into_iter()
                    .map(|l| LogRow {
                        index: l.event.seq,
                        at: format_local(l.event.at),
                        actor: if l.actor.is_empty() { lang.pick("系统", "System").to_string() } else { l.actor },
                        unit: if lang == Lang::En { l.unit.1 } else { l.unit.0 },
                        what: lang.audit_kind(&l.event.kind),
                        href: item_href(&l.event.subject),
                        kind: l.event.kind,
                        subject: l.event.subject,
                        about: l.about,
                    })
                    .collect();
                next = more.map(|before| {
                    let v =
                        [("subject", q.subject.as_str()), ("family", q.family.as_str()), ("username", q.username.as_str()), ("before", &before.to_string())];
                    format!("/audit?{}#log", serde_urlencoded::to_string(v).unwrap_or_default())
                });
            }
            Err(crate::error::AppError::Invalid { field, message }) => {
                let label = match field.as_deref() {
                    Some("username") => lang.pick("账号", "Account"),
                    Some("family") => lang.pick("类别", "Kind"),
                    _ => lang.pick("对象", "Item"),
                };
                browse_error = Some(lang.labelled(label, &lang.field_message(&message)));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let families = crate::app::audit_log::FAMILIES
        .iter()
        .map(|f| {
            let words = match *f {
                "case" => lang.pick("案件", "Cases"),
                "dispute" => lang.pick("矛盾纠纷", "Disputes"),
                "ticket" => lang.pick("热线工单", "Work orders"),
                "knowledge" => lang.pick("知识库", "Knowledge base"),
                "limits" => lang.pick("地方时限", "Local limits"),
                "risk_scale" => lang.pick("风险等级", "Risk scale"),
                "mediator" => lang.pick("调解员", "Mediators"),
                "webhook" => lang.pick("通知订阅", "Webhooks"),
                "calendar" => lang.pick("节假日安排", "Holiday calendars"),
                "unit" => lang.pick("单位", "Units"),
                "region" => lang.pick("地区", "Regions"),
                "user" => lang.pick("账号", "Accounts"),
                _ => lang.pick("接口令牌", "API tokens"),
            };
            (*f, words.to_string())
        })
        .collect();
    render(&AuditPage {
        browsing,
        log,
        browse_error,
        subject: q.subject,
        family: q.family,
        username: q.username,
        families,
        next,
        chrome: Chrome::new(lang, "/audit", Some(&p), &st),
        verifier: st.signer.verifier(),
        size: st.store.audit_size().await?,
        checkpoints,
        asked,
        event,
        error,
    })
}
