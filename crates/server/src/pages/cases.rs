//! Case pages: list and inbox, one case with its timeline and actions, registration, and the
//! committee's supervision view.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::cases::{self as cases, scope, visible, Due, Listing, STAGES};
use crate::app::input::{flag, path_id};
use crate::dto::{CommandRequest, NewCaseRequest};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_local, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use time::Duration;
use xiezhi_core::case::{clocks, Collaboration, Confiscation, Custody, Event, OutsidePrison, Person};
use xiezhi_core::{Action, RegionCode, UnitKind};
use xiezhi_store::{CaseRecord, Principal, Store, UnitFilter};

/// Rows on one page of a list.
const PAGE: i64 = 100;

/// Links to the pages around page `page` (1-based) of a list whose page came back `shown` rows
/// long; `href` makes the link for a page number.
pub struct Pager {
    pub(super) page: i64,
    pub(super) previous: Option<String>,
    pub(super) next: Option<String>,
}

impl Pager {
    pub(super) fn new(page: i64, more: bool, href: impl Fn(i64) -> String) -> Pager {
        Pager { page, previous: (page > 1).then(|| href(page - 1)), next: more.then(|| href(page + 1)) }
    }
}

/// A page number from a query (1 when not given), naming the parameter when it is not one.
fn page_number(field: &'static str, raw: Option<&str>) -> Result<i64, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(1),
        Some(s) => s.parse::<i64>().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| AppError::field(field, "must be a page number from 1")),
    }
}

/// One page of records, and whether there is another after it (asked for one row more).
fn split_page(mut rows: Vec<CaseRecord>, size: i64) -> (Vec<CaseRecord>, bool) {
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    (rows, more)
}

pub struct CaseRow {
    id: i64,
    case_no: String,
    title: String,
    stage: &'static str,
    holder: String,
    due: String,
    provisional: bool,
    overdue: bool,
    /// Days past the due date, for an overdue case.
    days_over: i64,
    approaching: bool,
    pending_for_me: bool,
    /// Someone on the case is held (detained or arrested).
    in_custody: bool,
    /// For how many days without a break.
    held_days: i64,
}

async fn unit_name<S: Store>(st: &AppState<S>, lang: Lang, id: i64, cache: &mut BTreeMap<i64, String>) -> String {
    if let Some(n) = cache.get(&id) {
        return n.clone();
    }
    let name = match st.store.unit(id).await {
        Ok(u) if lang == Lang::En => u.name_en,
        Ok(u) => u.name,
        Err(_) => format!("#{id}"),
    };
    cache.insert(id, name.clone());
    name
}

async fn rows<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, cases: &[CaseRecord]) -> Vec<CaseRow> {
    let day = st.clock.china().date();
    let today = day.to_string();
    let soon = (day + Duration::days(3)).to_string();
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for c in cases {
        let due = c.due_date.clone().unwrap_or_default();
        let days_over = time::Date::parse(&due, time::macros::format_description!("[year]-[month]-[day]")).map(|d| (day - d).whole_days()).unwrap_or(0).max(0);
        out.push(CaseRow {
            id: c.id,
            case_no: c.case_no.clone(),
            title: c.title.clone(),
            stage: lang.stage(&c.stage),
            holder: unit_name(st, lang, c.holder_unit_id, &mut names).await,
            provisional: c.due_provisional,
            overdue: !due.is_empty() && due < today,
            approaching: !due.is_empty() && due >= today && due <= soon,
            due,
            days_over,
            pending_for_me: c.pending_unit_id == Some(p.unit.id),
            in_custody: c.in_custody,
            held_days: c
                .held_since
                .as_deref()
                .and_then(|d| time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok())
                .map(|d| (day - d).whole_days())
                .unwrap_or(0),
        });
    }
    out
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    title: &'static str,
    cases: Vec<CaseRow>,
    pager: Pager,
    export_href: String,
    xlsx_href: String,
    /// The catalogue of charges, for the registration form's 案由.
    charges: Vec<(&'static str, String)>,
    /// What was typed into the registration form when it was refused, and what was wrong.
    form: RegisterForm,
    /// Row suffix, name, identity number, custody: the three person rows as typed.
    person_rows: Vec<(&'static str, String, String, String)>,
    form_error: Option<(String, String)>,
    text: String,
    sorts: Vec<(&'static str, &'static str, bool)>,
    counts: Vec<(&'static str, &'static str, i64)>,
    stages: Vec<(&'static str, &'static str, bool)>,
    within: String,
    overdue_only: bool,
    can_register: bool,
}

#[derive(Deserialize, Clone, Default)]
pub struct ListQuery {
    stage: Option<String>,
    within: Option<String>,
    overdue: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    /// Only the cases whose return, refusal, protest or message waits for the unit.
    notice: Option<String>,
    /// A supervising committee: the cases of this region subtree (its own unless given).
    region: Option<String>,
    /// Only cases with someone held at least this many days (久押不决).
    held_over: Option<String>,
    /// Only cases of this charge (案由).
    charge: Option<String>,
}

/// Query parameters that ask for a list again.
type Again = Vec<(&'static str, String)>;

impl ListQuery {
    /// What the list asks for, and the query string that asks it again (without the page).
    fn listing(&self) -> Result<(Listing, Again, bool), AppError> {
        let stage = self.stage.clone().filter(|s| STAGES.contains(&s.as_str()));
        let within = self.within.clone().unwrap_or_default().trim().to_string();
        let overdue_only = flag("overdue", self.overdue.as_deref())?;
        let due = if overdue_only {
            Due::Overdue
        } else if within.is_empty() {
            Due::Any
        } else {
            Due::Within(within.parse().map_err(|_| AppError::field("within", format!("must be a number of days from 0 to {}", cases::MAX_DUE_WITHIN)))?)
        };
        let text = self.q.clone().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let sort = cases::parse_sort(self.sort.as_deref())?;
        let mut again = Vec::new();
        for (k, v) in [
            ("stage", stage.clone()),
            ("within", Some(within).filter(|w| !w.is_empty())),
            ("q", text.clone()),
            ("sort", self.sort.clone().filter(|s| !s.is_empty())),
        ] {
            if let Some(v) = v {
                again.push((k, v));
            }
        }
        if overdue_only {
            again.push(("overdue", "true".into()));
        }
        let notice = flag("notice", self.notice.as_deref())?;
        if notice {
            again.push(("notice", "true".into()));
        }
        let region = match self.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => {
                again.push(("region", r.to_string()));
                Some(RegionCode::parse("region", r)?)
            }
            None => None,
        };
        let held_over = match self.held_over.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(h) => {
                again.push(("held_over", h.to_string()));
                Some(h.parse::<i64>().map_err(|_| AppError::field("held_over", "a number of days"))?)
            }
            None => None,
        };
        let charge = self.charge.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        if let Some(c) = &charge {
            again.push(("charge", c.clone()));
        }
        Ok((Listing { stage, holder: None, due, text, notice_for: None, region, held_over, charge, sort, limit: PAGE, offset: 0 }, again, notice))
    }
}

pub async fn list<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Html<String>, PageError> {
    render(&cases_page(&st, lang, &p, q, RegisterForm::default(), None).await?)
}

/// The case list, with the registration form as typed (and why it was refused, if it was).
async fn cases_page<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    p: &Principal,
    q: ListQuery,
    form: RegisterForm,
    form_error: Option<(String, String)>,
) -> Result<CasesPage, PageError> {
    let (st, p) = (st.clone(), p.clone());
    let page = page_number("page", q.page.as_deref())?;
    let (mut listing, again, notice) = q.listing()?;
    listing.notice_for = notice.then_some(p.unit.id);
    let (found, more) = split_page(cases::list(&st, &p, &Listing { limit: PAGE + 1, offset: (page - 1) * PAGE, ..listing.clone() }).await?, PAGE);
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for c in st.store.case_counts(scope(&p)).await? {
        if let Some(s) = STAGES.iter().find(|s| **s == c.stage) {
            *counts.entry(s).or_default() += c.cases;
        }
    }
    let with = |extra: Again| serde_urlencoded::to_string(again.iter().cloned().chain(extra).collect::<Vec<_>>()).unwrap_or_default();
    let stage = listing.stage.clone();
    let person_rows = vec![
        ("", form.person.clone().unwrap_or_default(), form.id_number.clone().unwrap_or_default(), form.custody.clone().unwrap_or_default()),
        ("2", form.person2.clone().unwrap_or_default(), form.id_number2.clone().unwrap_or_default(), form.custody2.clone().unwrap_or_default()),
        ("3", form.person3.clone().unwrap_or_default(), form.id_number3.clone().unwrap_or_default(), form.custody3.clone().unwrap_or_default()),
    ];
    Ok(CasesPage {
        form,
        person_rows,
        form_error,
        title: lang.texts().nav_cases,
        cases: rows(&st, lang, &p, &found).await,
        pager: Pager::new(page, more, |n| format!("/cases?{}", with(vec![("page", n.to_string())]))),
        export_href: format!("/cases/export.csv?{}", with(vec![])),
        xlsx_href: format!("/cases/export.xlsx?{}", with(vec![])),
        counts: STAGES.iter().filter_map(|s| counts.get(s).map(|n| (*s, lang.stage(s), *n))).collect(),
        stages: STAGES.iter().map(|s| (*s, lang.stage(s), stage.as_deref() == Some(*s))).collect(),
        within: q.within.clone().unwrap_or_default(),
        overdue_only: listing.due == Due::Overdue,
        text: listing.text.clone().unwrap_or_default(),
        sorts: [("due", lang.texts().sort_due), ("updated", lang.texts().sort_updated), ("case_no", lang.texts().sort_case_no)]
            .into_iter()
            .map(|(v, l)| (v, l, q.sort.as_deref().unwrap_or("due") == v))
            .collect(),
        can_register: p.unit.kind == UnitKind::Police && p.actor().authorize(Action::ActOnCases).is_ok(),
        charges: xiezhi_core::charges::all().iter().map(|c| (c.name, lang.articles(c.articles))).collect(),
        chrome: Chrome::new(lang, "/cases", Some(&p), &st),
    })
}

/// The list as it is filtered, as a CSV file (UTF-8 with a byte-order mark, so spreadsheet
/// programs read the Chinese right), at most 10,000 rows.
pub async fn export<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (header, rows) = export_table(&st, lang, &p, &q).await?;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(&header).map_err(|e| AppError::Internal(e.to_string()))?;
    for r in &rows {
        out.write_record(r).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let bytes = out.into_inner().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::download::attachment(lang.pick("案件.csv", "cases.csv"), "text/csv; charset=utf-8".into(), bytes))
}

/// The list as it is filtered, as an Excel workbook: a title line saying when it was made and
/// what was asked, the header frozen, at most 10,000 rows.
pub async fn export_xlsx<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (header, rows) = export_table(&st, lang, &p, &q).await?;
    let xl = |e: rust_xlsxwriter::XlsxError| PageError(AppError::Internal(format!("workbook: {e}")));
    let asked = serde_urlencoded::to_string(q.listing()?.1).unwrap_or_default();
    let made = crate::state::format_china(st.clock.now_us());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(lang.pick("案件", "Cases")).map_err(xl)?;
    let title = format!(
        "{}　{}：{made}{}",
        lang.pick("案件清单", "Cases"),
        lang.pick("制表时间", "Made"),
        if asked.is_empty() { String::new() } else { format!("　{asked}") }
    );
    ws.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14)).map_err(xl)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            ws.write_string(3 + i as u32, c as u16, v).map_err(xl)?;
        }
    }
    ws.set_freeze_panes(3, 0).map_err(xl)?;
    for (c, width) in [(0, 28), (1, 30), (3, 24), (4, 12)] {
        ws.set_column_width(c, width).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(crate::download::attachment(lang.pick("案件.xlsx", "cases.xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(), bytes))
}

/// The header and rows of an export, the same for CSV and Excel.
async fn export_table<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, q: &ListQuery) -> Result<(Vec<&'static str>, Vec<Vec<String>>), PageError> {
    let (mut listing, _, notice) = q.listing()?;
    listing.notice_for = notice.then_some(p.unit.id);
    let found = cases::export(st, p, &listing).await?;
    let rows = rows(st, lang, p, &found).await;
    let t = lang.texts();
    let yes = |b: bool| if b { lang.pick("是", "yes").to_string() } else { String::new() };
    let header = vec![t.case_no, t.case_title, t.stage, t.holder, t.due_date, t.provisional, t.overdue];
    let rows = rows
        .iter()
        .map(|r| vec![r.case_no.clone(), r.title.clone(), r.stage.to_string(), r.holder.clone(), r.due.clone(), yes(r.provisional), yes(r.overdue)])
        .collect();
    Ok((header, rows))
}

/// One hand-over waiting for the unit: what it asks, from whom, since when, and the unit's own
/// deadline for it.
pub struct InboxRow {
    pub(super) id: i64,
    pub(super) case_no: String,
    pub(super) title: String,
    pub(super) purpose: &'static str,
    pub(super) from: String,
    pub(super) sent: String,
    pub(super) received: bool,
    pub(super) due: String,
    pub(super) provisional: bool,
    pub(super) overdue: bool,
    pub(super) approaching: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<InboxRow>,
    pager: Pager,
}

/// The hand-overs waiting for the principal's unit, as rows: the due date is the unit's own
/// clock, not the sender's.
pub async fn inbox_rows<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, records: &[CaseRecord]) -> Result<Vec<InboxRow>, PageError> {
    let today = st.clock.china().date();
    let cal = st.calendar();
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for r in records {
        let c = cases::state_of(r)?;
        let Some(h) = &c.handover else { continue };
        let mine = clocks(&c, &cal).into_iter().filter(|k| k.unit.id == p.unit.id).filter_map(|k| k.due.ok()).min_by_key(|d| d.due);
        let due = mine.as_ref().map(|d| d.due.date());
        out.push(InboxRow {
            id: r.id,
            case_no: r.case_no.clone(),
            title: r.title.clone(),
            purpose: lang.handover(h.kind),
            from: unit_name(st, lang, h.from.id, &mut names).await,
            sent: h.sent.to_string(),
            received: h.received.is_some(),
            due: due.map(|d| d.to_string()).unwrap_or_default(),
            provisional: mine.is_some_and(|d| d.provisional),
            overdue: due.is_some_and(|d| d < today),
            approaching: due.is_some_and(|d| d >= today && d <= today + Duration::days(3)),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
pub struct InboxQuery {
    page: Option<String>,
}

pub async fn inbox<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<InboxQuery>) -> Result<Html<String>, PageError> {
    let page = page_number("page", q.page.as_deref())?;
    let (found, more) = split_page(cases::inbox(&st, &p, PAGE + 1, (page - 1) * PAGE).await?, PAGE);
    render(&InboxPage {
        rows: inbox_rows(&st, lang, &p, &found).await?,
        pager: Pager::new(page, more, |n| format!("/inbox?page={n}")),
        chrome: Chrome::new(lang, "/inbox", Some(&p), &st),
    })
}

/// One thing done, as the 已办 list shows it.
pub struct DoneRow {
    id: i64,
    case_no: String,
    title: String,
    at: String,
    what: String,
}

#[derive(Template)]
#[template(path = "done.html")]
struct DonePage {
    chrome: Chrome,
    rows: Vec<DoneRow>,
    pager: Pager,
}

/// What the unit did on cases lately (已办), newest first, a page at a time.
pub async fn done<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<InboxQuery>) -> Result<Html<String>, PageError> {
    let page = page_number("page", q.page.as_deref())?;
    // A page of events (a command records one or more): more when the page came back full.
    let events = 3 * PAGE;
    let found = cases::done(&st, &p, events + 1, (page - 1) * events).await?;
    let more = found.iter().map(|d| d.kinds.len() as i64).sum::<i64>() > events;
    render(&DonePage {
        rows: found
            .into_iter()
            .map(|d| DoneRow {
                id: d.case_id,
                case_no: d.case_no,
                title: d.title,
                at: format_local(d.at),
                what: match d.handover {
                    Some(k) => lang.handover(k).to_string(),
                    None => lang.done(&d.kinds),
                },
            })
            .collect(),
        pager: Pager::new(page, more, |n| format!("/done?page={n}")),
        chrome: Chrome::new(lang, "/done", Some(&p), &st),
    })
}

#[derive(Deserialize, Clone, Default)]
pub struct RegisterForm {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    title: String,
    charge: Option<String>,
    person: Option<String>,
    id_number: Option<String>,
    custody: Option<String>,
    person2: Option<String>,
    id_number2: Option<String>,
    custody2: Option<String>,
    person3: Option<String>,
    id_number3: Option<String>,
    custody3: Option<String>,
}

/// Register from the list page: the new case's page, or the list again with what was typed and
/// what is wrong with it, inside the registration form.
pub async fn register<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, f): PageForm<RegisterForm>) -> Result<Response, PageError> {
    match register_from(&st, &p, f.clone()).await {
        Ok(id) => Ok(see_other(&format!("/cases/{id}"))),
        Err(e @ (AppError::Invalid { .. } | AppError::Refused { .. } | AppError::Conflict(_))) => {
            let field = match &e {
                AppError::Invalid { field, .. } => field.clone().unwrap_or_default(),
                AppError::Conflict(_) => "case_no".into(),
                _ => String::new(),
            };
            let message = match &e {
                AppError::Refused { code, .. } => lang.refusal(code).map(str::to_string).unwrap_or_else(|| e.public_message()),
                AppError::Invalid { message, .. } => lang.field_message(message),
                _ => e.public_message(),
            };
            // The field as the form labels it.
            let field = lang.field_label(&field).map(str::to_string).unwrap_or(field);
            let page = render(&cases_page(&st, lang, &p, ListQuery::default(), f, Some((field, message))).await?)?;
            Ok(axum::response::IntoResponse::into_response((e.status(), page)))
        }
        Err(e) => Err(e.into()),
    }
}

async fn register_from<S: Store>(st: &AppState<S>, p: &Principal, f: RegisterForm) -> Result<i64, AppError> {
    let mut persons = Vec::new();
    for (name, id_number, custody) in [(f.person, f.id_number, f.custody), (f.person2, f.id_number2, f.custody2), (f.person3, f.id_number3, f.custody3)] {
        let name = name.unwrap_or_default().trim().to_string();
        if name.is_empty() {
            continue; // a row left empty
        }
        let custody: Custody = serde_json::from_value(json!(custody.unwrap_or_default())).map_err(|_| AppError::field("custody", "unknown custody"))?;
        let id_number = id_number.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        persons.push(Person { name, custody, id_number });
    }
    // The page asks for the 案由 (the API still takes cases registered without one).
    let charge = Some(f.charge.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).ok_or_else(|| AppError::field("charge", "choose the charge (案由)"))?);
    let (r, ..) = cases::register(st, p, NewCaseRequest { case_no: f.case_no, title: f.title, persons, charge }).await?;
    Ok(r.id)
}

pub struct ClockRow {
    rule: String,
    unit: String,
    due: String,
    provisional: bool,
    rolled_from: String,
    basis: String,
    overdue: bool,
}

pub struct TimelineRow {
    index: i64,
    at: String,
    kind: String,
    label: &'static str,
    detail: String,
    unit: String,
}

/// The latest written reason a case was returned, refused or closed with.
pub struct ReasonNote {
    what: &'static str,
    reason: String,
    at: String,
    unit: String,
}

pub struct ActionForm {
    command: &'static str,
    label: &'static str,
    /// Units the command may go to (for hand-overs).
    targets: Vec<(i64, String)>,
    reason: bool,
    plea: bool,
    procedure: bool,
    extension: bool,
    collaboration: bool,
    /// A verdict per defendant (宣判); at second instance each may be left as judged.
    verdicts: bool,
    second_instance: bool,
}

pub struct DocumentRow {
    name: String,
    category: &'static str,
    size: String,
    href: String,
    sha: String,
}

pub struct MessageRow {
    at: String,
    kind: &'static str,
    from: String,
    text: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
    /// The case's version as shown: every action form sends it back.
    version: i64,
    case_no: String,
    title: String,
    stage: &'static str,
    holder: String,
    procedure: String,
    /// 案由 and the Criminal Law articles that define it.
    charge: String,
    returns: u8,
    handover: String,
    persons: Vec<(String, &'static str, String)>,
    clocks: Vec<ClockRow>,
    timeline: Vec<TimelineRow>,
    actions: Vec<ActionForm>,
    messages: Vec<MessageRow>,
    documents: Vec<DocumentRow>,
    can_upload: bool,
    numbers: Vec<(String, String)>,
    /// People whose custody the holder may change, for the custody form.
    custody_people: Vec<(usize, String)>,
    latest_reason: Option<ReasonNote>,
    /// Each defendant judged: name, the verdict in words, where its execution stands.
    judgment: Vec<(String, String, &'static str)>,
    /// Every defendant, for the judgment form.
    defendants: Vec<(usize, String)>,
    /// The judgment form's choices of confiscation and of grounds for 暂予监外执行, in words.
    confiscations: Vec<(&'static str, &'static str)>,
    outside_grounds: Vec<(&'static str, &'static str)>,
}

/// Units a hand-over command may be addressed to.
async fn units_of<S: Store>(st: &AppState<S>, lang: Lang, kind: UnitKind, region: RegionCode) -> Result<Vec<(i64, String)>, PageError> {
    let units = st.store.list_units(UnitFilter { region: Some(region), kind: Some(kind), ..Default::default() }).await?;
    Ok(units.into_iter().map(|u| (u.id, if lang == Lang::En { u.name_en } else { u.name })).collect())
}

pub async fn show<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = path_id("id", &id)?;
    let (r, c, _) = visible(&st, &p, id).await?;
    let mut names = BTreeMap::new();
    let today = st.clock.china().date();
    let mut clock_rows = Vec::new();
    for k in clocks(&c, &st.calendar()) {
        let unit = unit_name(&st, lang, k.unit.id, &mut names).await;
        let rule = match k.person.and_then(|i| c.persons.get(i)) {
            Some(person) => format!("{}{}{}{}", lang.rule(&k.rule), lang.pick("（", " ("), person.name, lang.pick("）", ")")),
            None => lang.rule(&k.rule),
        };
        clock_rows.push(match k.due {
            Ok(d) => ClockRow {
                overdue: d.due.date() < today,
                rule,
                unit,
                due: d.due.to_string(),
                provisional: d.provisional,
                rolled_from: d.rolled_from.map(|x| x.to_string()).unwrap_or_default(),
                basis: d.basis.iter().map(|b| lang.basis(b)).collect::<Vec<_>>().join(lang.pick("；", "; ")),
            },
            Err(e) => ClockRow { rule, unit, due: "—".into(), provisional: false, rolled_from: String::new(), basis: e, overdue: false },
        });
    }
    let mut timeline = Vec::new();
    let mut messages = Vec::new();
    let mut latest_reason = None;
    for e in st.store.events_of(&cases::subject(id), 1000).await? {
        let unit = match e.unit_id {
            Some(u) => unit_name(&st, lang, u, &mut names).await,
            None => "—".into(),
        };
        let detail = match serde_json::from_str::<Event>(&e.payload) {
            Ok(Event::Collaborated { kind, from, text, .. }) => {
                messages.push(MessageRow {
                    at: format_local(e.at),
                    kind: match kind {
                        Collaboration::EarlyIntervention => lang.pick("提前介入", "Early intervention"),
                        Collaboration::ClueTransfer => lang.pick("线索移交", "Clue transfer"),
                        Collaboration::Consultation => lang.pick("案件会商", "Consultation"),
                    },
                    from: unit_name(&st, lang, from.id, &mut names).await,
                    text: text.clone(),
                });
                text
            }
            Ok(Event::HandoverSent { handover }) => format!("{} → {}", lang.handover(handover.kind), unit_name(&st, lang, handover.to.id, &mut names).await),
            Ok(Event::HandoverReturned { reason, .. } | Event::ArrestRefused { reason } | Event::ReturnedForSupplementaryInvestigation { reason }) => {
                latest_reason = Some(ReasonNote { what: lang.event(&e.kind), reason: reason.clone(), at: format_local(e.at), unit: unit.clone() });
                reason
            }
            // Closed by execution: the machine's words, not a person's reason.
            Ok(Event::Closed { stage: stage @ xiezhi_core::case::Stage::Executed, .. }) => lang.stage(stage.as_str()).to_string(),
            Ok(Event::Closed { stage, reason }) => {
                if !reason.trim().is_empty() {
                    latest_reason = Some(ReasonNote { what: lang.stage(stage.as_str()), reason: reason.clone(), at: format_local(e.at), unit: unit.clone() });
                }
                lang.labelled(lang.stage(stage.as_str()), &reason)
            }
            Ok(Event::StageChanged { stage }) => lang.stage(stage.as_str()).to_string(),
            Ok(Event::Judged { verdicts }) if verdicts.is_empty() => lang.pick("维持原判", "Judgment upheld").to_string(),
            Ok(Event::Judged { verdicts }) => verdicts
                .iter()
                .map(|v| lang.labelled(c.persons.get(v.person).map_or("—", |p| p.name.as_str()), &lang.verdict(v)))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; ")),
            Ok(Event::TookEffect { on }) => on.to_string(),
            Ok(Event::Protested { protest }) => {
                latest_reason = Some(ReasonNote { what: lang.event(&e.kind), reason: protest.reason.clone(), at: format_local(e.at), unit: unit.clone() });
                protest.reason
            }
            Ok(Event::ProtestWithdrawn { reason, .. }) => {
                latest_reason = Some(ReasonNote { what: lang.event(&e.kind), reason: reason.clone(), at: format_local(e.at), unit: unit.clone() });
                reason
            }
            Ok(Event::ClockStarted { clock }) => lang.rule(&clock.rule),
            Ok(Event::ClockExtended { clock, approver, reason }) => lang.labelled(&lang.aside(&lang.rule(&clock.rule), &approver), &reason),
            Ok(Event::NumberAssigned { number, .. }) => number,
            Ok(Event::DocumentAdded { document }) => document.name,
            _ => String::new(),
        };
        timeline.push(TimelineRow { index: e.seq, at: format_local(e.at), label: lang.event(&e.kind), kind: e.kind, detail, unit });
    }
    let mut actions = Vec::new();
    for (name, to) in cases::open_commands(&st, &p, &c) {
        // The units the law names for this command, as the machine knows them.
        let mut targets = vec![];
        for (kind, region) in to {
            targets.extend(units_of(&st, lang, kind, region).await?);
        }
        actions.push(ActionForm {
            command: name,
            label: lang.command(name),
            targets,
            reason: REASONED.contains(&name),
            plea: name == "accept_for_review",
            procedure: matches!(name, "accept_for_trial" | "convert_procedure"),
            extension: name == "extend",
            collaboration: name == "collaborate",
            verdicts: name == "judge",
            second_instance: c.stage == xiezhi_core::case::Stage::SecondInstance,
        });
    }
    let handover = match &c.handover {
        Some(h) => format!(
            "{} → {}（{}{}）",
            unit_name(&st, lang, h.from.id, &mut names).await,
            unit_name(&st, lang, h.to.id, &mut names).await,
            h.sent,
            h.received.map(|d| format!(" · {} {d}", lang.pick("已签收", "received"))).unwrap_or_default()
        ),
        None => String::new(),
    };
    render(&CasePage {
        id,
        version: r.version,
        case_no: r.case_no.clone(),
        title: r.title.clone(),
        stage: lang.stage(&r.stage),
        holder: unit_name(&st, lang, r.holder_unit_id, &mut names).await,
        procedure: c.procedure.and_then(|x| serde_json::to_value(x).ok()).and_then(|v| v.as_str().map(|s| lang.procedure(s).to_string())).unwrap_or_default(),
        returns: c.returns,
        charge: c
            .charge
            .as_deref()
            .map(|name| match xiezhi_core::charges::find(name) {
                Some(x) => format!("{name}{}{}{}", lang.pick("（《刑法》", " (Criminal Law "), lang.articles(x.articles), lang.pick("）", ")")),
                None => name.to_string(),
            })
            .unwrap_or_default(),
        handover,
        persons: c
            .persons
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    lang.custody(serde_json::to_value(x.custody).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default().as_str()),
                    x.id_number.clone().unwrap_or_default(),
                )
            })
            .collect(),
        clocks: clock_rows,
        timeline,
        actions,
        messages,
        documents: c
            .documents
            .iter()
            .map(|d| DocumentRow {
                name: d.name.clone(),
                category: match serde_json::to_value(d.category).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref() {
                    Some("procedural_document") => lang.pick("诉讼文书", "Procedural document"),
                    Some("evidence") => lang.pick("证据材料", "Evidence"),
                    Some("legal_instrument") => lang.pick("法律文书", "Legal instrument"),
                    _ => lang.pick("其他", "Other"),
                },
                size: format!("{:.1} KiB", d.size as f64 / 1024.0),
                href: format!("/cases/{id}/documents/{}", d.sha256),
                sha: d.sha256[..12].to_string(),
            })
            .collect(),
        can_upload: c.holder.id == p.unit.id && p.actor().authorize(Action::ActOnCases).is_ok(),
        numbers: {
            let mut v = Vec::new();
            for (u, n) in &c.numbers {
                v.push((unit_name(&st, lang, u.id, &mut names).await, n.clone()));
            }
            v
        },
        custody_people: if c.holder.id == p.unit.id && !c.stage.is_closed() && p.actor().authorize(Action::ActOnCases).is_ok() {
            c.persons.iter().enumerate().map(|(i, x)| (i, x.name.clone())).collect()
        } else {
            vec![]
        },
        latest_reason,
        judgment: c
            .judgment
            .iter()
            .map(|v| {
                let state = match v.executor() {
                    None => "",
                    Some(_) if c.executed.contains(&v.person) => lang.pick("已交付执行", "handed over for execution"),
                    Some(UnitKind::JusticeBureau) => lang.pick("待交付社区矫正", "to community corrections"),
                    Some(_) if v.punishment.is_some() => lang.pick("待交付公安机关送监执行", "to the police for prison"),
                    Some(_) => lang.pick("待交付公安机关执行", "to the police"),
                };
                (c.persons.get(v.person).map_or_else(String::new, |p| p.name.clone()), lang.verdict(v), state)
            })
            .collect(),
        defendants: c.persons.iter().enumerate().map(|(i, x)| (i, x.name.clone())).collect(),
        confiscations: [("part", Confiscation::Part), ("all", Confiscation::All)].map(|(k, c)| (k, lang.confiscation(c))).to_vec(),
        outside_grounds: [
            ("medical_parole", OutsidePrison::MedicalParole),
            ("pregnant_or_nursing", OutsidePrison::PregnantOrNursing),
            ("cannot_care_for_self", OutsidePrison::CannotCareForSelf),
        ]
        .map(|(k, g)| (k, lang.outside_prison(g)))
        .to_vec(),
        chrome: Chrome::new(lang, &format!("/cases/{id}"), Some(&p), &st),
    })
}

#[derive(Deserialize)]
pub struct CommandForm {
    command: String,
    to: Option<String>,
    reason: Option<String>,
    plea: Option<String>,
    procedure: Option<String>,
    approver: Option<String>,
    major: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    person: Option<String>,
    custody: Option<String>,
    /// The case's version when the page was shown.
    version: Option<String>,
    /// `yes` once the person confirmed a command that cannot be undone.
    confirmed: Option<String>,
    /// The judgment form's fields per defendant: `finding_0`, `punishment_0`, `term_0`,
    /// `probation_0`, `fine_0`, …
    #[serde(flatten)]
    verdict_fields: BTreeMap<String, String>,
}

/// Commands that cannot be undone: the page asks again before it sends one.
pub const IRREVERSIBLE: [&str; 8] =
    ["judge", "finalize", "protest", "withdraw_protest", "decline_prosecution", "withdraw", "refuse_arrest", "accept_execution"];

/// The fields a command form sent, to send them again.
fn fields_of(f: &CommandForm) -> Vec<(String, String)> {
    let mut out = vec![("command".to_string(), f.command.clone())];
    let optional = [
        ("to", &f.to),
        ("reason", &f.reason),
        ("plea", &f.plea),
        ("procedure", &f.procedure),
        ("approver", &f.approver),
        ("major", &f.major),
        ("kind", &f.kind),
        ("text", &f.text),
        ("person", &f.person),
        ("custody", &f.custody),
        ("version", &f.version),
    ];
    out.extend(optional.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v))));
    out.extend(f.verdict_fields.iter().filter(|(k, _)| k.as_str() != "csrf").map(|(k, v)| (k.clone(), v.clone())));
    out
}

pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    Path(id): Path<String>,
    PageForm(p, f): PageForm<CommandForm>,
) -> Result<Response, PageError> {
    let id = path_id("id", &id)?;
    if IRREVERSIBLE.contains(&f.command.as_str()) && f.confirmed.as_deref() != Some("yes") {
        // Nothing is sent yet: the person sees what will be done, on which case, and confirms. A
        // command the case does not offer them now is refused at once instead.
        let (r, c, _) = visible(&st, &p, id).await?;
        let offered = cases::open_commands(&st, &p, &c).iter().any(|(a, _)| *a == f.command);
        if !offered {
            let req = command_request(f)?;
            cases::command(&st, &p, id, req).await?;
            return Ok(see_other(&format!("/cases/{id}")));
        }
        let c = super::confirm::Confirm {
            action: format!("/cases/{id}/commands"),
            back: format!("/cases/{id}"),
            label: r.case_no,
            title: r.title,
            what: lang.command(&f.command).to_string(),
            fields: fields_of(&f),
        };
        return super::confirm::page(Chrome::new(lang, &format!("/cases/{id}"), Some(&p), &st), c);
    }
    let shown = match f.version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::field("version", "the version the page showed"))?),
        None => None,
    };
    let req = command_request(f)?;
    match shown {
        Some(v) => cases::command_at(&st, &p, id, v, req).await?,
        None => cases::command(&st, &p, id, req).await?,
    };
    Ok(see_other(&format!("/cases/{id}")))
}

/// The command a case page's form asks for: each form sends the fields of its command.
fn command_request(f: CommandForm) -> Result<CommandRequest, AppError> {
    let mut body = Map::new();
    body.insert("command".into(), json!(f.command));
    if let Some(to) = f.to.filter(|s| !s.is_empty()) {
        body.insert("to".into(), json!(to.parse::<i64>().map_err(|_| AppError::field("to", "choose a receiving unit"))?));
    }
    let procedure = || json!(f.procedure.clone().unwrap_or_else(|| "ordinary".into()));
    match f.command.as_str() {
        "accept_for_review" => drop(body.insert("plea".into(), json!(flag("plea", f.plea.as_deref())?))),
        "accept_for_trial" => drop(body.insert("procedure".into(), procedure())),
        "convert_procedure" => drop(body.insert("to".into(), procedure())),
        "extend" => {
            body.insert("approver".into(), json!(f.approver.clone().unwrap_or_default()));
            body.insert("major".into(), json!(flag("major", f.major.as_deref())?));
        }
        "collaborate" => {
            body.insert("kind".into(), json!(f.kind.clone().unwrap_or_else(|| "consultation".into())));
            body.insert("text".into(), json!(f.text.clone().unwrap_or_default()));
        }
        "judge" => drop(body.insert("verdicts".into(), Value::Array(verdicts(&f.verdict_fields)?))),
        "set_custody" => {
            body.insert(
                "person".into(),
                json!(f.person.clone().unwrap_or_default().parse::<usize>().map_err(|_| AppError::field("person", "choose a person"))?),
            );
            body.insert("custody".into(), json!(f.custody.clone().unwrap_or_default()));
        }
        _ => {}
    }
    if REASONED.contains(&f.command.as_str()) {
        body.insert("reason".into(), json!(f.reason.unwrap_or_default()));
    }
    serde_json::from_value(Value::Object(body)).map_err(|e| {
        let m = e.to_string();
        AppError::field(m.split('`').nth(1).map(str::to_owned).unwrap_or_else(|| "command".into()), m)
    })
}

/// The judgment form's verdicts: one per defendant whose finding is given (`upheld` leaves a
/// second-instance defendant as judged). Blank numbers are absent; a number that is not one is
/// refused naming its field.
fn verdicts(fields: &BTreeMap<String, String>) -> Result<Vec<Value>, AppError> {
    let mut out = vec![];
    for (key, finding) in fields.iter().filter(|(k, _)| k.starts_with("finding_")) {
        let i: usize = key["finding_".len()..].parse().map_err(|_| AppError::field("verdicts", "unknown defendant"))?;
        if finding == "upheld" {
            continue;
        }
        let field = |name: &str| fields.get(&format!("{name}_{i}")).map(|v| v.trim()).filter(|v| !v.is_empty());
        let number = |name: &str, wire: &str| -> Result<Option<u64>, AppError> {
            field(name).map(|v| v.parse::<u64>().map_err(|_| AppError::field(format!("verdicts[{i}].{wire}"), "a whole number"))).transpose()
        };
        let mut v = Map::new();
        v.insert("person".into(), json!(i));
        v.insert("finding".into(), json!(finding));
        if finding == "guilty" {
            if let Some(p) = field("punishment").filter(|p| *p != "none") {
                v.insert("punishment".into(), json!(p));
            }
            for (name, wire) in [("term", "term_months"), ("probation", "probation_months"), ("fine", "fine_yuan")] {
                if let Some(n) = number(name, wire)? {
                    v.insert(wire.into(), json!(n));
                }
            }
            if field("rights_life") == Some("true") {
                v.insert("political_rights".into(), json!("life"));
            } else if let Some(n) = number("rights", "political_rights")? {
                v.insert("political_rights".into(), json!({ "months": n }));
            }
            if let Some(c) = field("confiscation") {
                v.insert("confiscation".into(), json!(c));
            }
            if field("deport") == Some("true") {
                v.insert("deportation".into(), json!(true));
            }
            if let Some(g) = field("outside") {
                v.insert("outside_prison".into(), json!(g));
            }
        }
        out.push(Value::Object(v));
    }
    Ok(out)
}

/// Commands that carry a written reason.
const REASONED: [&str; 8] =
    ["return_handover", "refuse_arrest", "return_for_supplementary_investigation", "decline_prosecution", "withdraw", "extend", "protest", "withdraw_protest"];

pub struct RegionRow {
    code: String,
    name: String,
    href: String,
    counts: Vec<i64>,
    total: i64,
    overdue: i64,
}

#[derive(Template)]
#[template(path = "committee.html")]
struct CommitteePage {
    chrome: Chrome,
    name: String,
    /// The regions above, each a link back up.
    breadcrumbs: Vec<(String, String)>,
    stages: Vec<&'static str>,
    regions: Vec<RegionRow>,
    /// Open and overdue cases by the agency that has them (from their stage).
    agencies: Vec<(&'static str, i64, i64)>,
    /// The approaching window in days, as asked.
    within: i64,
    region: String,
    /// Open cases by charge, most first (the first 10): name, articles, cases, held, list link.
    by_charge: Vec<(String, String, i64, i64, String)>,
    /// 久押不决: cases with someone held at least `held_days` without a break, longest first.
    long_held: Vec<CaseRow>,
    long_held_pager: Pager,
    held_days: i64,
    export_long_held: String,
    export_overdue: String,
    export_approaching: String,
    overdue: Vec<CaseRow>,
    overdue_pager: Pager,
    approaching: Vec<CaseRow>,
    approaching_pager: Pager,
}

#[derive(Deserialize)]
pub struct RegionQuery {
    region: Option<String>,
    overdue_page: Option<String>,
    soon_page: Option<String>,
    /// The approaching window in days (3 unless asked).
    within: Option<String>,
    /// The long-custody threshold in days (365 unless asked).
    held: Option<String>,
    held_page: Option<String>,
}

/// A number of days a supervision page was asked for (`default` when not), 1 to the longest
/// window a list takes, or an error naming the field.
fn days(field: &'static str, raw: Option<&str>, default: i64) -> Result<i64, AppError> {
    match raw.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(default),
        Some(w) => w
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=cases::MAX_DUE_WITHIN).contains(n))
            .ok_or_else(|| AppError::field(field, format!("must be a number of days from 1 to {}", cases::MAX_DUE_WITHIN))),
    }
}

/// Rows on one page of the supervision lists.
const SUPERVISION_PAGE: i64 = 50;

/// Counts by stage for each child region, and the overdue and approaching cases.
pub async fn committee<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<RegionQuery>,
) -> Result<Html<String>, PageError> {
    let region = match q.region {
        Some(r) => RegionCode::parse("region", &r)?,
        None => p.unit.region,
    };
    if !(p.actor().supervises()) {
        return Err(AppError::Forbidden(
            lang.pick("督导页面仅供政法委的督导人员使用", "supervision is for the supervisors of a political-legal committee").into(),
        )
        .into());
    }
    crate::auth::authorize(&st, &p, Action::ViewCase { region, involved: false }).await?;
    let here = st.store.region(region).await?;
    let children = st.store.child_regions(Some(region)).await?;
    let today = st.clock.china().date();
    // Cases by region and stage from the docket's counters; of them, overdue today counted.
    let (counts, overdue) = crate::app::docket::case_counts(&st, &p, region, today - Duration::days(1)).await?;
    let open: Vec<&str> = STAGES[..7].to_vec();
    let mut regions = Vec::new();
    for child in children
        .iter()
        .map(|c| (c.code, if lang == Lang::En { c.name_en.clone() } else { c.name.clone() }))
        .chain(std::iter::once((region, here.name.clone())).filter(|_| children.is_empty()))
    {
        let prefix = child.0.subtree_prefix();
        let mine: Vec<_> = counts.iter().filter(|c| c.region.starts_with(&prefix)).collect();
        let by_stage: Vec<i64> = open.iter().map(|s| mine.iter().filter(|c| c.stage == *s).map(|c| c.items).sum()).collect();
        regions.push(RegionRow {
            code: child.0.to_string(),
            name: child.1,
            href: format!("/supervision?region={}", child.0),
            total: by_stage.iter().sum(),
            overdue: overdue.iter().filter(|c| c.region.starts_with(&prefix) && open.contains(&c.stage.as_str())).map(|c| c.items).sum(),
            counts: by_stage,
        });
    }
    // By agency: the stage says who has the case.
    let agency_of = |stage: &str| match stage {
        "investigation" | "supplementary_investigation" => Some(UnitKind::Police),
        "prosecution_review" => Some(UnitKind::Procuratorate),
        "trial" | "appeal_window" | "second_instance" | "final" => Some(UnitKind::CourtBasic),
        _ => None,
    };
    let agencies = [UnitKind::Police, UnitKind::Procuratorate, UnitKind::CourtBasic]
        .into_iter()
        .map(|k| {
            let theirs = |c: &&xiezhi_store::DocketCount| agency_of(&c.stage) == Some(k);
            let label = match k {
                UnitKind::Police => lang.pick("公安机关", "Police"),
                UnitKind::Procuratorate => lang.pick("检察机关", "Procuratorates"),
                _ => lang.pick("审判机关", "Courts"),
            };
            (label, counts.iter().filter(theirs).map(|c| c.items).sum(), overdue.iter().filter(theirs).map(|c| c.items).sum())
        })
        .collect();
    let within = days("within", q.within.as_deref(), 3)?;
    let mut breadcrumbs = vec![];
    for r in crate::app::org::region_path(&st.store, &here).await? {
        if crate::auth::authorize(&st, &p, Action::ViewCase { region: r.code, involved: false }).await.is_ok() {
            breadcrumbs.push((format!("/supervision?region={}", r.code), if lang == Lang::En { r.name_en } else { r.name }));
        }
    }
    let (overdue_page, soon_page) = (page_number("overdue_page", q.overdue_page.as_deref())?, page_number("soon_page", q.soon_page.as_deref())?);
    let page_of = |due: Due, page: i64| Listing { due, limit: SUPERVISION_PAGE + 1, offset: (page - 1) * SUPERVISION_PAGE, ..Default::default() };
    let (overdue, more_overdue) = split_page(cases::in_region(&st, &p, region, &page_of(Due::Overdue, overdue_page)).await?, SUPERVISION_PAGE);
    let (soon, more_soon) = split_page(cases::in_region(&st, &p, region, &page_of(Due::Approaching(within), soon_page)).await?, SUPERVISION_PAGE);
    let held_days = days("held", q.held.as_deref(), 365)?;
    let held_page = page_number("held_page", q.held_page.as_deref())?;
    let long = Listing {
        held_over: Some(held_days),
        sort: xiezhi_store::CaseSort::Held,
        limit: SUPERVISION_PAGE + 1,
        offset: (held_page - 1) * SUPERVISION_PAGE,
        ..Default::default()
    };
    let (long_held, more_held) = split_page(cases::in_region(&st, &p, region, &long).await?, SUPERVISION_PAGE);
    let href = |o: i64, s: i64| format!("/supervision?region={region}&within={within}&held={held_days}&overdue_page={o}&soon_page={s}");
    let by_charge = st
        .store
        .charge_counts(&region.subtree_prefix())
        .await?
        .into_iter()
        .take(10)
        .map(|c| {
            let articles = xiezhi_core::charges::find(&c.charge).map_or(String::new(), |x| lang.articles(x.articles));
            let href = format!("/cases?{}", serde_urlencoded::to_string([("region", region.to_string()), ("charge", c.charge.clone())]).unwrap_or_default());
            (c.charge, articles, c.cases, c.held, href)
        })
        .collect();
    render(&CommitteePage {
        by_charge,
        long_held: rows(&st, lang, &p, &long_held).await,
        long_held_pager: Pager::new(held_page, more_held, |n| format!("/supervision?region={region}&within={within}&held={held_days}&held_page={n}")),
        held_days,
        export_long_held: format!("/cases/export.xlsx?region={region}&held_over={held_days}&sort=held"),
        breadcrumbs,
        agencies,
        within,
        region: region.to_string(),
        export_overdue: format!("/cases/export.xlsx?region={region}&overdue=true"),
        export_approaching: format!("/cases/export.xlsx?region={region}&within={within}"),
        name: if lang == Lang::En { here.name_en.clone() } else { here.name.clone() },
        stages: open.iter().map(|s| lang.stage(s)).collect(),
        regions,
        overdue: rows(&st, lang, &p, &overdue).await,
        overdue_pager: Pager::new(overdue_page, more_overdue, |n| href(n, soon_page)),
        approaching: rows(&st, lang, &p, &soon).await,
        approaching_pager: Pager::new(soon_page, more_soon, |n| href(overdue_page, n)),
        chrome: Chrome::new(lang, "/supervision", Some(&p), &st),
    })
}

/// Upload a document from the page (multipart form with the session's CSRF token).
pub async fn upload<S: Store>(
    State(st): State<AppState<S>>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let id = path_id("id", &id)?;
    let (mut csrf, mut name, mut category, mut file) = (String::new(), String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|e| unreadable("form", e))? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(|e| AppError::field("csrf", e.to_string()))?,
            "name" => name = field.text().await.map_err(|e| AppError::field("name", e.to_string()))?,
            "category" => category = field.text().await.map_err(|e| AppError::field("category", e.to_string()))?,
            "file" => {
                let file_name = field.file_name().unwrap_or("").to_string();
                let content_type = field.content_type().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| unreadable("file", e))?;
                file = Some((file_name, content_type, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if csrf.is_empty() || csrf != p.csrf_token {
        return Err(AppError::Csrf.into());
    }
    let (file_name, content_type, bytes) = file.ok_or_else(|| AppError::field("file", "choose a file"))?;
    let name = if name.trim().is_empty() { file_name } else { name };
    cases::add_document(&st, &p, id, &name, &category, &content_type, bytes).await?;
    Ok(see_other(&format!("/cases/{id}")))
}

/// An upload that could not be read: over the dossier's limit, say so; otherwise name the part.
fn unreadable(part: &'static str, e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::field("file", format!("a dossier document is at most {} MiB", cases::MAX_DOCUMENT / 1024 / 1024))
    } else {
        AppError::field(part, e.body_text())
    }
}

pub async fn download<S: Store>(State(st): State<AppState<S>>, PageUser(p): PageUser, Path((id, sha)): Path<(String, String)>) -> Result<Response, PageError> {
    let (name, content_type, bytes) = cases::document(&st, &p, path_id("id", &id)?, &sha).await?;
    Ok(crate::download::attachment(&name, content_type, bytes))
}
