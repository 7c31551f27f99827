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

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
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
                    event = Some(EventView {
                        index: e.seq,
                        at: format_local(e.at),
                        kind: e.kind,
                        subject: e.subject,
                        actor: e.actor_user_id.map(|a| format!("user:{a}")).unwrap_or_else(|| "system".into()),
                        included: ok,
                        checkpoint: cp.map_or(0, |c| c.tree_size),
                    });
                }
            },
        }
    }
    render(&AuditPage {
        chrome: Chrome::new(lang, "/audit", Some(&p), &st),
        verifier: st.signer.verifier(),
        size: st.store.audit_size().await?,
        checkpoints,
        asked,
        event,
        error,
    })
}
