//! Hotline pages: taking a call on one screen (the caller's earlier orders on the side), the
//! list, one order with its clocks, record and actions, and the caller's public status page.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::input::path_id;
use crate::app::tickets;
use crate::dto::tickets::{NewTicketRequest, TicketCommandRequest};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_local, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use xiezhi_core::case::UnitRef;
use xiezhi_core::ticket::{available, clocks, Hotline, Ticket};
use xiezhi_core::{Action, UnitKind};
use xiezhi_store::{Principal, Store, TicketFilter, TicketRecord, UnitFilter};

const PAGE: i64 = 50;

pub struct Row {
    id: i64,
    no: String,
    title: String,
    kind: String,
    stage: String,
    due: String,
    overdue: bool,
    mine: bool,
    received: String,
}

fn rows(lang: Lang, p: &Principal, today: &str, found: &[TicketRecord]) -> Vec<Row> {
    found
        .iter()
        .map(|r| {
            let due = r.due_date.clone().unwrap_or_default();
            Row {
                id: r.id,
                no: r.ticket_no.clone(),
                title: r.title.clone(),
                kind: format!("{} {}", r.hotline, lang.ticket_word(&r.kind)),
                stage: lang.ticket_word(&r.stage).to_string(),
                overdue: !due.is_empty() && due.as_str() < today,
                due,
                mine: r.pending_unit_id == Some(p.unit.id),
                received: r.received_on.clone(),
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    stage: Option<String>,
    mine: Option<String>,
    overdue: Option<String>,
    supervised: Option<String>,
    page: Option<String>,
    /// The period received (`YYYY-MM-DD`), for the list and its indicators.
    from: Option<String>,
    to: Option<String>,
}

impl ListQuery {
    /// The period asked for, as a filter of the indicators.
    fn period(&self) -> Result<TicketFilter, AppError> {
        let (from, to) = crate::app::input::period(self.from.as_deref(), self.to.as_deref())?;
        Ok(TicketFilter { received_from: from.map(|d| d.to_string()), received_to: to.map(|d| d.to_string()), ..Default::default() })
    }
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    q: String,
    mine: bool,
    overdue: bool,
    previous: Option<String>,
    next: Option<String>,
    page: i64,
    is_centre: bool,
    /// For hotline centres and committees: the indicators over their orders.
    indicators: Vec<(String, String)>,
    /// And by lead unit, the busiest 20: (unit, received and four rates).
    unit_rows: Vec<(String, Vec<String>)>,
    supervised: bool,
    from: String,
    to: String,
    /// The workbook of the indicators over the same period.
    xlsx: String,
}

/// A count, or a rate with its per-cent sign (a dash when there is nothing to rate).
fn figure(v: tickets::Figure) -> String {
    match v {
        tickets::Figure::Count(n) => n.to_string(),
        tickets::Figure::Rate(Some(r)) => format!("{r}%"),
        tickets::Figure::Rate(None) => "—".into(),
    }
}

/// The indicators as an Excel workbook: the sheet of lines, and every lead unit's lines, headed
/// with the scope and when it was made.
pub async fn indicators_xlsx<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    use rust_xlsxwriter::{Format, Workbook};
    let period = q.period()?;
    let (all, by_unit) = tickets::ledger_by_unit(&st, &p, period.clone()).await?;
    let xl = |e: rust_xlsxwriter::XlsxError| PageError(AppError::Internal(format!("workbook: {e}")));
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let scope = if lang == Lang::En { p.unit.name_en.clone() } else { p.unit.name.clone() };
    let made = crate::state::format_china(st.clock.now_us());
    let write = |ws: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, v: tickets::Figure| -> Result<(), rust_xlsxwriter::XlsxError> {
        match v {
            tickets::Figure::Count(n) => ws.write_number(row, col, n as f64).map(|_| ()),
            tickets::Figure::Rate(Some(r)) => ws.write_number(row, col, r).map(|_| ()),
            tickets::Figure::Rate(None) => ws.write_string(row, col, "—").map(|_| ()),
        }
    };
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(l("指标", "Indicators")).map_err(xl)?;
        ws.write_string_with_format(0, 0, l("热线工单办理情况统计表", "Hotline work orders"), &title).map_err(xl)?;
        let any = || l("不限", "any").to_string();
        let span = format!("{} — {}", period.received_from.clone().unwrap_or_else(any), period.received_to.clone().unwrap_or_else(any));
        ws.write_string(1, 0, format!("{}：{scope}　{}：{span}　{}：{made}", l("范围", "Scope"), l("受理期间", "Received"), l("制表时间", "Made")))
            .map_err(xl)?;
        ws.write_string_with_format(3, 0, l("项目", "Line"), &bold).map_err(xl)?;
        ws.write_string_with_format(3, 1, l("件数或比率（%）", "Orders or rate (%)"), &bold).map_err(xl)?;
        for (i, (_, zh, en, v)) in tickets::lines(&all).into_iter().enumerate() {
            ws.write_string(4 + i as u32, 0, lang.pick(zh, en)).map_err(xl)?;
            write(ws, 4 + i as u32, 1, v).map_err(xl)?;
        }
        ws.set_column_width(0, 36).map_err(xl)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(l("分单位", "By unit")).map_err(xl)?;
        ws.write_string_with_format(0, 0, l("承办单位", "Lead unit"), &bold).map_err(xl)?;
        for (c, (_, zh, en, _)) in tickets::lines(&all).into_iter().enumerate() {
            ws.write_string_with_format(0, 1 + c as u16, lang.pick(zh, en), &bold).map_err(xl)?;
        }
        let mut names = BTreeMap::new();
        for (r, (unit, i)) in by_unit.iter().enumerate() {
            let name = match unit {
                Some(id) => name_of(&st, lang, *id, &mut names).await,
                None => l("未派单", "Not dispatched").to_string(),
            };
            ws.write_string(1 + r as u32, 0, name).map_err(xl)?;
            for (c, (.., v)) in tickets::lines(i).into_iter().enumerate() {
                write(ws, 1 + r as u32, 1 + c as u16, v).map_err(xl)?;
            }
        }
        ws.set_column_width(0, 30).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(crate::download::attachment(
        lang.pick("热线工单指标.xlsx", "hotline-indicators.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        bytes,
    ))
}

pub async fn list<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Html<String>, PageError> {
    let page = match q.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s.parse::<i64>().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| AppError::field("page", "must be a page number from 1"))?,
    };
    let mine = crate::app::input::flag("mine", q.mine.as_deref())?;
    let overdue = crate::app::input::flag("overdue", q.overdue.as_deref())?;
    let supervised = crate::app::input::flag("supervised", q.supervised.as_deref())?;
    let text = q.q.clone().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let stage = q.stage.clone().filter(|s| !s.is_empty());
    let period = q.period()?;
    let f = TicketFilter {
        received_from: period.received_from.clone(),
        received_to: period.received_to.clone(),
        supervised_only: supervised,
        text: text.clone(),
        stage,
        pending_for: mine.then_some(p.unit.id),
        due_by: overdue.then(|| tickets::overdue_by(&st)),
        open_only: overdue,
        limit: PAGE,
        offset: (page - 1) * PAGE,
        ..Default::default()
    };
    let (found, total) = tickets::list(&st, &p, f).await?;
    let again = |n: i64| {
        let mut v: Vec<(&str, String)> = vec![("page", n.to_string())];
        if let Some(t) = &text {
            v.push(("q", t.clone()));
        }
        if mine {
            v.push(("mine", "true".into()));
        }
        if overdue {
            v.push(("overdue", "true".into()));
        }
        if supervised {
            v.push(("supervised", "true".into()));
        }
        for (k, d) in [("from", &period.received_from), ("to", &period.received_to)] {
            if let Some(d) = d {
                v.push((k, d.clone()));
            }
        }
        format!("/tickets?{}", serde_urlencoded::to_string(v).unwrap_or_default())
    };
    let supervises = p.actor().supervises();
    let (indicators, unit_rows) = if Hotline::of(p.unit.kind).is_some() || supervises {
        let (all, by_unit) = tickets::ledger_by_unit(&st, &p, period.clone()).await?;
        let sheet = tickets::lines(&all).into_iter().map(|(_, zh, en, v)| (lang.pick(zh, en).to_string(), figure(v))).collect();
        let mut names = BTreeMap::new();
        let mut unit_rows = Vec::new();
        for (unit, i) in by_unit.iter().filter(|(u, _)| u.is_some()).take(20) {
            let name = name_of(&st, lang, unit.unwrap_or_default(), &mut names).await;
            let pick = |key: &str| tickets::lines(i).into_iter().find(|(k, ..)| *k == key).map(|(.., v)| figure(v)).unwrap_or_default();
            unit_rows.push((name, ["received", "on_time_sign_for_rate", "on_time_reply_rate", "satisfaction_rate", "reopen_rate"].map(pick).to_vec()));
        }
        (sheet, unit_rows)
    } else {
        (vec![], vec![])
    };
    let xlsx = {
        let v: Vec<(&str, String)> =
            [("from", &period.received_from), ("to", &period.received_to)].into_iter().filter_map(|(k, d)| d.clone().map(|d| (k, d))).collect();
        format!("/tickets/indicators.xlsx?{}", serde_urlencoded::to_string(v).unwrap_or_default())
    };
    render(&ListPage {
        supervised,
        from: period.received_from.clone().unwrap_or_default(),
        to: period.received_to.clone().unwrap_or_default(),
        xlsx,
        indicators,
        unit_rows,
        rows: rows(lang, &p, &st.clock.china().date().to_string(), &found),
        total,
        q: text.clone().unwrap_or_default(),
        mine,
        overdue,
        previous: (page > 1).then(|| again(page - 1)),
        next: (page * PAGE < total).then(|| again(page + 1)),
        page,
        is_centre: Hotline::of(p.unit.kind).is_some(),
        chrome: Chrome::new(lang, "/tickets", Some(&p), &st),
    })
}

/// The intake form as typed, kept beside an error.
#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    confidential: Option<String>,
    #[serde(default)]
    no_reply: Option<String>,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    concerns_law: Option<String>,
    #[serde(default)]
    repeat_of: String,
}

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewForm,
    channels: Vec<(&'static str, String, bool)>,
    kinds: Vec<(&'static str, String, bool)>,
    urgencies: Vec<(&'static str, String, bool)>,
    earlier: Vec<Row>,
    error: Option<(String, String)>,
    created: Option<(i64, String, String)>,
}

fn choices(lang: Lang, codes: &[&'static str], chosen: &str) -> Vec<(&'static str, String, bool)> {
    codes.iter().map(|c| (*c, lang.ticket_word(c).to_string(), *c == chosen)).collect()
}

async fn new_view<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    p: &Principal,
    form: NewForm,
    error: Option<(String, String)>,
    created: Option<(i64, String, String)>,
) -> Result<NewPage, PageError> {
    let earlier = if form.phone.trim().is_empty() { vec![] } else { tickets::earlier(st, p, &form.phone).await.unwrap_or_default() };
    let kinds: &[&'static str] = match Hotline::of(p.unit.kind) {
        Some(Hotline::H12309) => &["consultation", "accusation", "petition", "state_compensation", "report", "complaint", "suggestion"],
        Some(Hotline::H12348) => &["consultation", "legal_aid", "help", "complaint", "suggestion"],
        _ => &["consultation", "help", "complaint", "report", "suggestion", "praise", "petition"],
    };
    Ok(NewPage {
        channels: choices(lang, &["phone", "web", "wechat", "app", "letter", "visit", "sms"], if form.channel.is_empty() { "phone" } else { &form.channel }),
        kinds: choices(lang, kinds, &form.kind),
        urgencies: choices(lang, &["normal", "urgent", "complex"], if form.urgency.is_empty() { "normal" } else { &form.urgency }),
        earlier: rows(lang, p, &st.clock.china().date().to_string(), &earlier),
        chrome: Chrome::new(lang, "/tickets/new", Some(p), st),
        form,
        error,
        created,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    phone: Option<String>,
    /// The order just taken (after the redirect that follows taking it).
    taken: Option<i64>,
}

/// Carries the query code of the order just taken across the redirect, to be shown once: a
/// reload (or the back button) shows the number but never takes the call again.
const TAKEN_COOKIE: &str = "xiezhi_taken";

pub async fn new_page<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    jar: CookieJar,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    if Hotline::of(p.unit.kind).is_none() {
        return Err(AppError::Forbidden(lang.pick("只有热线中心受理来电", "only hotline centres take calls").into()).into());
    }
    let form = NewForm { phone: q.phone.unwrap_or_default(), ..Default::default() };
    let mut created = None;
    if let Some(id) = q.taken {
        let (r, _, _) = tickets::visible(&st, &p, id).await?;
        let code = jar
            .get(TAKEN_COOKIE)
            .and_then(|c| c.value().split_once(':').filter(|(i, _)| *i == id.to_string()).map(|(_, code)| code.to_string()))
            .unwrap_or_else(|| lang.pick("（仅显示一次，已显示过）", "(shown once, already shown)").into());
        created = Some((id, r.ticket_no, code));
    }
    let page = render(&new_view(&st, lang, &p, form, None, created).await?)?;
    let gone = Cookie::build((TAKEN_COOKIE, "")).path("/tickets").max_age(time::Duration::ZERO).build();
    Ok((jar.remove(gone), page).into_response())
}

fn request_of(f: &NewForm) -> Result<NewTicketRequest, AppError> {
    let anonymous = f.anonymous.is_some();
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty() && !anonymous);
    crate::dto::from_json(json!({
        "channel": f.channel,
        "kind": f.kind,
        "urgency": if f.urgency.is_empty() { "normal" } else { f.urgency.as_str() },
        "caller": {"name": some(&f.name), "phone": some(&f.phone), "anonymous": anonymous, "confidential": f.confidential.is_some(), "reply_wanted": f.no_reply.is_none()},
        "title": f.title,
        "content": f.content,
        "address": f.address,
        "concerns_law": f.concerns_law.is_some(),
        "repeat_of": f.repeat_of.trim().parse::<i64>().ok(),
    }))
}

/// Take the call: the form again, empty, with the new number and query code to read out — or
/// with what was typed and what is wrong.
pub async fn register<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    jar: CookieJar,
    PageForm(p, form): PageForm<NewForm>,
) -> Result<Response, PageError> {
    let result = match request_of(&form) {
        Ok(req) => tickets::register(&st, &p, req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(((r, ..), code)) => {
            let cookie = Cookie::build((TAKEN_COOKIE, format!("{}:{code}", r.id)))
                .path("/tickets")
                .http_only(true)
                .same_site(SameSite::Strict)
                .max_age(time::Duration::minutes(5))
                .build();
            Ok((jar.add(cookie), see_other(&format!("/tickets/new?taken={}", r.id))).into_response())
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Refused { .. })) => {
            let status = e.status();
            Ok((status, render(&new_view(&st, lang, &p, form, Some(super::form_error(lang, &e)), None).await?)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct EventLine {
    at: String,
    what: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    chrome: Chrome,
    r: TicketRecord,
    t: Ticket,
    is_centre: bool,
    assignments: Vec<(String, bool, String, String)>,
    clocks: Vec<(String, String, String, bool)>,
    events: Vec<EventLine>,
    actions: Vec<&'static str>,
    units: Vec<(i64, String)>,
    /// Knowledge items valid today to answer from: (id, question), those matching the title first.
    knowledge: Vec<(i64, String)>,
    status_notes: String,
}

impl TicketPage {
    fn word<T: serde::Serialize>(&self, v: &T) -> String {
        let code = serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        self.chrome.lang.ticket_word(&code).to_string()
    }
}

async fn name_of<S: Store>(st: &AppState<S>, lang: Lang, id: i64, cache: &mut BTreeMap<i64, String>) -> String {
    if let Some(n) = cache.get(&id) {
        return n.clone();
    }
    let n = match st.store.unit(id).await {
        Ok(u) if lang == Lang::En => u.name_en,
        Ok(u) => u.name,
        Err(_) => format!("#{id}"),
    };
    cache.insert(id, n.clone());
    n
}

pub async fn show<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = path_id("id", &id)?;
    let (r, t, _) = tickets::visible(&st, &p, id).await?;
    let cal = st.calendar();
    let today = st.clock.china().date().to_string();
    let me = UnitRef { id: p.unit.id, kind: p.unit.kind, region: p.unit.region };
    let actions = if p.actor().authorize(Action::ActOnTickets).is_ok() { available(&t, me, st.clock.china(), &cal) } else { vec![] };
    let mut names = BTreeMap::new();
    let mut assignments = Vec::new();
    for a in &t.assignments {
        let signed = a.signed.map(|d| d.to_string()).unwrap_or_else(|| lang.pick("未签收", "not signed for").into());
        assignments.push((name_of(&st, lang, a.unit.id, &mut names).await, a.lead, signed, a.report.clone().unwrap_or_default()));
    }
    let mut clock_lines = Vec::new();
    for k in clocks(&t, &cal) {
        let due = k.due.as_ref().map(|(d, _)| d.to_string()).unwrap_or_default();
        let rule = match &k.local {
            Some(l) => format!("{}{}{}{}", lang.rule(&k.rule), lang.pick("（本市规定：", " (the city's own limit: "), l.basis, lang.pick("）", ")")),
            None => lang.rule(&k.rule).to_string(),
        };
        clock_lines.push((rule, name_of(&st, lang, k.unit.id, &mut names).await, due.clone(), !due.is_empty() && due < today));
    }
    let centre = p.unit.id == t.centre.id;
    let mut events = Vec::new();
    for e in st.store.events_of(&tickets::subject(id), 10_000).await? {
        let v: Value = serde_json::from_str(&e.payload).unwrap_or_default();
        let mut detail: Vec<String> =
            ["reason", "text", "note", "answer", "route"].iter().filter_map(|k| v.get(*k).and_then(Value::as_str)).map(String::from).collect();
        if let Some(s) = v.get("callback").and_then(|c| c.get("satisfaction")).and_then(Value::as_str) {
            detail.push(lang.ticket_word(s).to_string());
        }
        if let Some(s) = v.get("supervision") {
            detail.push(lang.ticket_word(s.get("reason").and_then(Value::as_str).unwrap_or_default()).to_string());
            detail.extend(s.get("note").and_then(Value::as_str).filter(|n| !n.is_empty()).map(String::from));
        }
        if let Some(q) = v.get("item").and_then(|k| k.get("question")).and_then(Value::as_str) {
            detail.push(format!("{}{q}", lang.pick("知识库：", "Knowledge base: ")));
        }
        let kind = e.kind.strip_prefix("ticket.").unwrap_or(&e.kind);
        let kind = if kind == "answered_on_call" { "answered_on_call_event" } else { kind };
        events.push(EventLine { at: format_local(e.at), what: lang.ticket_word(kind).to_string(), detail: detail.join(" · ") });
    }
    let units = if actions.contains(&"dispatch") {
        st.store
            .list_units(UnitFilter { subtree: Some(t.centre.region.subtree_prefix()), limit: 2000, ..Default::default() })
            .await?
            .into_iter()
            .filter(|u| !matches!(u.kind, UnitKind::Committee | UnitKind::Hotline12345 | UnitKind::Hotline12309 | UnitKind::Hotline12348) && !u.disabled)
            .map(|u| (u.id, if lang == Lang::En { u.name_en } else { u.name }))
            .collect()
    } else {
        vec![]
    };
    let knowledge = if actions.contains(&"answer_on_call") {
        let find = |text: Option<String>| crate::app::knowledge::Query { text, valid_today: true, limit: 100, ..Default::default() };
        let mut items = crate::app::knowledge::list(&st, &p, find(Some(t.title.clone()))).await?.items;
        let ids: Vec<i64> = items.iter().map(|k| k.id).collect();
        items.extend(crate::app::knowledge::list(&st, &p, find(None)).await?.items.into_iter().filter(|k| !ids.contains(&k.id)));
        items.into_iter().take(100).map(|k| (k.id, k.question)).collect()
    } else {
        vec![]
    };
    render(&TicketPage {
        knowledge,
        status_notes: tickets::status_notes(&t),
        t: if centre { t.clone() } else { tickets::as_seen_by(&t, &p) },
        is_centre: centre,
        assignments,
        clocks: clock_lines,
        events,
        actions,
        units,
        chrome: Chrome::new(lang, &format!("/tickets/{id}"), Some(&p), &st),
        r,
    })
}

/// Fields of an action form as the command they ask for.
fn command_of(fields: &[(String, String)]) -> Result<TicketCommandRequest, AppError> {
    let mut obj = Map::new();
    for (k, v) in fields {
        let v = v.trim();
        match k.as_str() {
            "csrf" => {}
            _ if v.is_empty() => {}
            "lead" | "days" | "item" => {
                obj.insert(k.clone(), Value::from(v.parse::<i64>().map_err(|_| AppError::field(k.clone(), format!("{v:?} is not a number")))?));
            }
            "assists" => {
                let n = v.parse::<i64>().map_err(|_| AppError::field("assists", format!("{v:?} is not a unit")))?;
                if let Value::Array(a) = obj.entry("assists").or_insert_with(|| Value::Array(vec![])) {
                    a.push(Value::from(n));
                }
            }
            "designated" | "approve" | "pass" | "reached" | "solved" => {
                obj.insert(k.clone(), Value::Bool(crate::app::input::flag("flag", Some(v))?));
            }
            _ => {
                obj.insert(k.clone(), Value::from(v));
            }
        }
    }
    // Unticked boxes are not sent: they are false.
    let command = obj.get("command").and_then(Value::as_str).unwrap_or_default().to_string();
    let defaults: &[&str] = match command.as_str() {
        "decide_return" | "decide_extension" | "decide_termination" => &["approve"],
        "review" => &["pass"],
        "callback" => &["reached", "solved"],
        _ => &[],
    };
    for d in defaults {
        obj.entry(d.to_string()).or_insert(Value::Bool(false));
    }
    crate::dto::from_json(Value::Object(obj))
}

/// Commands that cannot be undone: the page asks again before it sends one.
pub const IRREVERSIBLE: [&str; 3] = ["not_accept", "transfer_emergency", "decide_termination"];

pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    Path(id): Path<String>,
    PageForm(p, fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = path_id("id", &id)?;
    let name = fields.iter().find(|(k, _)| k == "command").map(|(_, v)| v.clone()).unwrap_or_default();
    if IRREVERSIBLE.contains(&name.as_str()) && !super::confirm::confirmed(&fields) {
        // Asked again only for a command the order offers the person now; otherwise refused at once.
        let (r, t, _) = tickets::visible(&st, &p, id).await?;
        let me = xiezhi_core::case::UnitRef { id: p.unit.id, kind: p.unit.kind, region: p.unit.region };
        let offered = p.actor().authorize(Action::ActOnTickets).is_ok() && available(&t, me, st.clock.china(), &st.calendar()).iter().any(|a| *a == name);
        if offered {
            let c = super::confirm::Confirm {
                action: format!("/tickets/{id}/commands"),
                back: format!("/tickets/{id}"),
                label: r.ticket_no,
                title: r.title,
                what: lang.ticket_word(&name).to_string(),
                fields,
            };
            return super::confirm::page(Chrome::new(lang, &format!("/tickets/{id}"), Some(&p), &st), c);
        }
    }
    // The confirmation is the page's, not the command's.
    let fields: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "confirmed").collect();
    tickets::command(&st, &p, id, command_of(&fields)?).await?;
    Ok(see_other(&format!("/tickets/{id}")))
}

#[derive(Deserialize, Default)]
pub struct TrackQuery {
    no: Option<String>,
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    chrome: Chrome,
    no: String,
    found: Option<(String, String, String)>,
    error: Option<String>,
}

/// The caller's page: the number and the query code, and nothing else of the order than its
/// stage, who handles it and the reply. No sign-in.
pub async fn track<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    parts: axum::http::request::Parts,
    Query(q): Query<TrackQuery>,
) -> Result<Response, PageError> {
    let no = q.no.clone().unwrap_or_default();
    let (found, error, status) = match (q.no.as_deref().filter(|s| !s.trim().is_empty()), q.code.as_deref().filter(|s| !s.trim().is_empty())) {
        (Some(no), Some(code)) => match tickets::public_status(&st, &crate::auth::client_of(&parts), no, code).await {
            Ok((_, t, by)) => {
                (Some((tickets::status_notes(&t), by.unwrap_or_default(), t.reply.map(|r| r.text).unwrap_or_default())), None, axum::http::StatusCode::OK)
            }
            Err(e) => {
                let status = e.status();
                (None, Some(e.public_message()), status)
            }
        },
        _ => (None, None, axum::http::StatusCode::OK),
    };
    let page = render(&TrackPage { chrome: Chrome::new(lang, "/track", None, &st), no, found, error })?;
    Ok((status, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_commands() {
        let f = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let c = command_of(&f(&[("csrf", "x"), ("command", "dispatch"), ("lead", "5"), ("assists", "6"), ("assists", "7")])).unwrap();
        assert!(matches!(c, TicketCommandRequest::Dispatch { lead: 5, ref assists, designated: false } if assists == &[6, 7]), "{c:?}");
        let c = command_of(&f(&[("command", "callback"), ("channel", "phone"), ("reached", "true"), ("satisfaction", "unsatisfied")])).unwrap();
        assert!(matches!(c, TicketCommandRequest::Callback { reached: true, solved: false, .. }), "{c:?}");
        let c = command_of(&f(&[("command", "decide_return")])).unwrap();
        assert!(matches!(c, TicketCommandRequest::DecideReturn { approve: false }), "{c:?}");
    }
}
