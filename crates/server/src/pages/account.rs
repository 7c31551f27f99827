//! Sign-in, home, API tokens, the security log.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::auth::{client_of, digest, removal_cookie, sign_in, start_session, SESSION_COOKIE};
use crate::demo::DEMO_PASSWORD;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_local, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use xiezhi_core::Action;
use xiezhi_store::Store;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    error: Option<&'static str>,
    username: String,
    demo_accounts: Vec<(&'static str, &'static str)>,
    demo_password: &'static str,
}

fn demo_accounts(lang: Lang) -> Vec<(&'static str, &'static str)> {
    vec![
        ("admin", lang.pick("省委政法委 · 管理员", "Provincial committee · admin")),
        ("committee.990100", lang.pick("市委政法委 · 督导", "City committee · supervisor")),
        ("police.990101", lang.pick("县公安局 · 民警", "County police · officer")),
        ("procuratorate.990101", lang.pick("县检察院 · 检察官", "County procuratorate · prosecutor")),
        ("court.990101", lang.pick("县法院 · 法官", "County court · judge")),
        ("justice.990101", lang.pick("县司法局", "County justice bureau")),
        ("mediation.990101", lang.pick("县人民调解委员会 · 调解员", "Mediation committee · mediator")),
        ("h12345.990100", lang.pick("市12345热线 · 话务员", "City 12345 hotline · operator")),
        ("auditor", lang.pick("审计员", "Auditor")),
    ]
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<String>) -> String {
    super::same_origin_path(next)
}

fn sign_in_view<S: Store>(st: &AppState<S>, lang: Lang, next: String, error: Option<&'static str>, username: String) -> SignInPage {
    SignInPage {
        chrome: Chrome::new(lang, "/sign-in", None, st),
        next,
        error,
        username,
        demo_accounts: if st.config.demo { demo_accounts(lang) } else { vec![] },
        demo_password: if st.config.demo { DEMO_PASSWORD } else { "" },
    }
}

pub async fn sign_in_page<S: Store>(State(st): State<AppState<S>>, lang: Lang, Query(q): Query<NextQuery>) -> Result<Html<String>, PageError> {
    render(&sign_in_view(&st, lang, safe_next(q.next), None, String::new()))
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn sign_in_submit<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    parts: Parts,
    jar: CookieJar,
    Form(f): Form<SignInForm>,
) -> Result<Response, PageError> {
    let next = safe_next(f.next);
    match sign_in(&st, &f.username, &f.password, &client_of(&parts)).await {
        Ok(p) => {
            let cookie = start_session(&st, &p).await?;
            Ok((jar.add(cookie), see_other(&next)).into_response())
        }
        Err(e @ (AppError::Unauthenticated | AppError::Throttled { .. })) => {
            let message = match e {
                AppError::Throttled { .. } => lang.pick("登录失败次数过多，请15分钟后再试。", "Too many failed sign-ins; try again in 15 minutes."),
                _ => lang.texts().wrong_credentials,
            };
            let page = render(&sign_in_view(&st, lang, next, Some(message), f.username))?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn sign_out<S: Store>(State(st): State<AppState<S>>, jar: CookieJar, PageForm(_, _): PageForm<Empty>) -> Result<Response, PageError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        st.store.delete_session(&digest(c.value())).await?;
    }
    Ok((jar.add(removal_cookie()), see_other("/sign-in")).into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    /// Open disputes the unit handles (a committee: in its region) graded red or orange, for
    /// units that handle disputes.
    high_risk: Option<i64>,
    /// Whether the unit registers disputes (a shortcut to the form).
    registers_disputes: bool,
    /// Whether the unit takes hotline calls (a shortcut to the call form).
    takes_calls: bool,
    /// The red and orange tiers, as the province's risk scale names them.
    watched_risks: String,
    unit_name: String,
    unit_href: String,
    kind: &'static str,
    region_path: String,
    roles: String,
    is_admin: bool,
    is_supervisor: bool,
    directory_href: String,
    /// How many returns, refusals, protests and messages wait for the unit (units that handle
    /// cases), and the newest of them.
    notice_count: Option<i64>,
    notices: Vec<NoticeLine>,
    /// Supervisions of the unit's knowledge base not answered yet.
    knowledge_supervised: usize,
    /// The docket: the unit's work of every kind by kind (a supervisor's: its region's), and
    /// the first items soonest due.
    work_loads: Vec<super::work::LoadView>,
    work_rows: Vec<super::work::WorkRow>,
    work_region: String,
    work_href: String,
}

/// A reason or request on the workbench: the case, what it is, from whom, when, what it says.
pub struct NoticeLine {
    id: i64,
    case_no: String,
    title: String,
    kind: &'static str,
    /// A refusal means a detained suspect is released now; shown in red.
    urgent: bool,
    from: String,
    at: String,
    text: String,
}

pub async fn home<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    let region = st.store.region(p.unit.region).await?;
    let mut path = crate::app::org::region_path(&st.store, &region).await?;
    path.push(region);
    let name = |r: &xiezhi_store::Region| if lang == Lang::En { r.name_en.clone() } else { r.name.clone() };
    // Units that handle or supervise cases get their workbench; the others (a hotline centre,
    // a mediation committee) have nothing of cases to count.
    let handles_cases = p.actor().authorize(Action::ActOnCases).is_ok() || p.user.roles.contains(&xiezhi_core::Role::Supervisor);
    let (notice_count, notices) = if handles_cases {
        let mut notices = vec![];
        for r in crate::app::cases::notices(&st, &p, 5, 0).await? {
            let Some(n) = serde_json::from_str::<xiezhi_core::case::Case>(&r.state).ok().and_then(|c| c.notice) else { continue };
            let from = st.store.unit(n.from.id).await.map(|u| if lang == Lang::En { u.name_en } else { u.name }).unwrap_or_default();
            notices.push(NoticeLine {
                id: r.id,
                case_no: r.case_no,
                title: r.title,
                kind: lang.notice(n.kind),
                urgent: n.kind == xiezhi_core::case::NoticeKind::ArrestRefused,
                from,
                at: crate::state::format_local(r.updated_at),
                text: n.text,
            });
        }
        (Some(crate::app::cases::notice_count(&st, &p).await?), notices)
    } else {
        (None, vec![])
    };
    let supervises = p.actor().supervises();
    let registers_disputes = super::disputes::may_register(&p);
    let words = super::disputes::RiskWords::of(&st, &p, lang).await?;
    let high_risk = if registers_disputes || supervises { Some(crate::app::disputes::high_risk(&st, &p).await?) } else { None };
    let knowledge_supervised = crate::app::knowledge::open_on_my_unit(&st, &p).await?.len();
    // The docket: a supervisor sees its region's open work, anyone else what is its unit's move.
    let work_region = supervises.then_some(p.unit.region);
    let listing = crate::app::docket::WorkListing { region: work_region, limit: 8, ..Default::default() };
    let first = crate::app::docket::list(&st, &p, &listing).await?;
    let work_loads = super::work::load_views(lang, crate::app::docket::load(&st, &p, work_region).await?, work_region);
    render(&HomePage {
        work_rows: super::work::rows(&st, lang, &first.items).await,
        work_loads,
        work_href: match work_region {
            Some(r) => format!("/work?region={r}"),
            None => "/work".into(),
        },
        work_region: work_region.map(|r| r.to_string()).unwrap_or_default(),
        knowledge_supervised,
        notice_count,
        notices,
        high_risk,
        registers_disputes,
        takes_calls: xiezhi_core::ticket::Hotline::of(p.unit.kind).is_some(),
        watched_risks: words.watched(),
        unit_name: if lang == Lang::En { p.unit.name_en.clone() } else { p.unit.name.clone() },
        unit_href: format!("/units/{}", p.unit.id),
        kind: lang.kind(p.unit.kind),
        region_path: path.iter().map(name).collect::<Vec<_>>().join(" › "),
        roles: p.user.roles.iter().map(|r| lang.role(*r)).collect::<Vec<_>>().join("、"),
        is_admin: p.user.roles.contains(&xiezhi_core::Role::Admin),
        is_supervisor: p.user.roles.contains(&xiezhi_core::Role::Supervisor),
        directory_href: format!("/directory?region={}", p.unit.region),
        chrome: Chrome::new(lang, "/", Some(&p), &st),
    })
}

pub struct TokenRow {
    id: i64,
    name: String,
    created_at: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    new_secret: Option<String>,
}

async fn tokens_view<S: Store>(st: &AppState<S>, lang: Lang, p: &xiezhi_store::Principal, new_secret: Option<String>) -> Result<Html<String>, PageError> {
    let tokens = st.store.tokens_of_user(p.user.id).await?;
    let never = lang.texts().never;
    render(&TokensPage {
        chrome: Chrome::new(lang, "/tokens", Some(p), st),
        tokens: tokens
            .iter()
            .rev()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name.clone(),
                created_at: format_local(t.created_at),
                last_used: t.last_used_at.map(format_local).unwrap_or_else(|| never.into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        new_secret,
    })
}

pub async fn tokens_page<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    tokens_view(&st, lang, &p, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

pub async fn create_token<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, f): PageForm<TokenForm>) -> Result<Html<String>, PageError> {
    let name = crate::app::people::token_name(&f.name)?;
    let created = crate::app::people::issue_token(&st, &p, name).await?;
    tokens_view(&st, lang, &p, Some(created.secret)).await
}

pub async fn revoke_token<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, _): PageForm<Empty>) -> Result<Response, PageError> {
    st.store.revoke_token(p.user.id, crate::app::input::path_id("id", &id)?, st.by(&p)).await?;
    Ok(see_other("/tokens"))
}

pub struct EventRow {
    at: String,
    kind: String,
    username: String,
    client: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    chrome: Chrome,
    events: Vec<EventRow>,
}

pub async fn security_page<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    crate::auth::authorize(&st, &p, Action::ViewSecurityLog { region: p.unit.region }).await?;
    let events = st.store.security_events(&p.unit.region.subtree_prefix(), 300).await?;
    render(&SecurityPage {
        chrome: Chrome::new(lang, "/security", Some(&p), &st),
        events: events
            .into_iter()
            .map(|e| EventRow {
                at: format_local(e.at),
                kind: e.kind,
                username: e.username.unwrap_or_default(),
                client: e.client.unwrap_or_default(),
                detail: e.detail,
            })
            .collect(),
    })
}
