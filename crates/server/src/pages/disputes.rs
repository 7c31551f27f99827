//! Dispute pages: the list with its filters and export, registration on one page, one dispute
//! with its clocks, record and actions, and the ledger with its indicators.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::cases::Due;
use crate::app::disputes::{self as disputes, DisputeListing, Indicators, ListingParams};
use crate::app::input::path_id;
use crate::dto::disputes::{DisputeCommandRequest, NewDisputeRequest};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_local, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use xiezhi_core::case::UnitRef;
use xiezhi_core::dispute::{available, clocks, Category, Channel, Dispute, Party};
use xiezhi_core::{Action, UnitKind};
use xiezhi_store::{DisputeRecord, Principal, Store, UnitFilter};

const PAGE: i64 = 50;

/// Query parameters that ask for a list again (without the page).
type Again = Vec<(&'static str, String)>;

pub struct Row {
    id: i64,
    code: String,
    title: String,
    channel: String,
    category: String,
    risk: String,
    risk_code: String,
    stage: String,
    holder: String,
    received: String,
    due: String,
    overdue: bool,
    pending_for_me: bool,
}

/// Risk tiers in the names and colours of the province's own scale (the four colours when it has
/// set none).
pub(super) struct RiskWords {
    scale: xiezhi_core::dispute::scale::RiskScale,
    lang: Lang,
}

impl RiskWords {
    pub(super) async fn of<S: Store>(st: &AppState<S>, p: &Principal, lang: Lang) -> Result<Self, PageError> {
        Ok(Self { scale: crate::app::limits::risk_scale(st, p.unit.region).await?, lang })
    }

    fn tier(code: &str) -> Option<xiezhi_core::dispute::Risk> {
        serde_json::from_value(serde_json::Value::String(code.to_string())).ok()
    }

    /// A tier's name (`red`), or the word for none.
    pub(super) fn name(&self, code: &str) -> String {
        match Self::tier(code) {
            Some(t) => {
                let l = self.scale.level(t);
                if self.lang == Lang::En {
                    l.name_en
                } else {
                    l.name
                }
            }
            None => self.lang.dispute_word(code).to_string(),
        }
    }

    /// The colour a tier is shown in (the CSS class's end), `none` for none.
    pub(super) fn colour(&self, code: &str) -> &'static str {
        Self::tier(code).map_or("none", |t| self.scale.level(t).colour.code())
    }

    /// The scale's levels as choices: (tier, name, chosen).
    fn options(&self, chosen: Option<&str>) -> Options {
        self.scale
            .levels
            .iter()
            .map(|l| (json_code(&l.tier), if self.lang == Lang::En { l.name_en.clone() } else { l.name.clone() }, chosen == Some(json_code(&l.tier).as_str())))
            .collect()
    }

    /// What the committee watches, as the scale names it (红色、橙色).
    pub(super) fn watched(&self) -> String {
        let names: Vec<String> = self.scale.watched().iter().map(|l| if self.lang == Lang::En { l.name_en.clone() } else { l.name.clone() }).collect();
        names.join(self.lang.pick("、", ", "))
    }
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

async fn rows<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, found: &[DisputeRecord], words: &RiskWords) -> Vec<Row> {
    let today = st.clock.china().date().to_string();
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for d in found {
        let due = d.due_date.clone().unwrap_or_default();
        let risk_code = d.risk.clone().unwrap_or_else(|| "none".into());
        out.push(Row {
            id: d.id,
            code: d.code.clone(),
            title: d.title.clone(),
            channel: lang.dispute_word(&d.channel).to_string(),
            category: lang.dispute_word(&d.category).to_string(),
            risk: words.name(&risk_code),
            risk_code: words.colour(&risk_code).to_string(),
            stage: lang.dispute_word(&d.stage).to_string(),
            holder: unit_name(st, lang, d.holder_unit_id, &mut names).await,
            received: d.received_on.clone(),
            overdue: !due.is_empty() && due < today,
            due,
            pending_for_me: d.pending_unit_id == Some(p.unit.id),
        });
    }
    out
}

/// The filters of a list, as the form sends them.
#[derive(Deserialize, Clone, Default)]
pub struct ListQuery {
    q: Option<String>,
    stage: Option<String>,
    risk: Option<String>,
    channel: Option<String>,
    category: Option<String>,
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    open: Option<String>,
    overdue: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

impl ListQuery {
    fn listing(&self) -> Result<(DisputeListing, Again), AppError> {
        let params = ListingParams {
            region: self.region.clone(),
            stage: self.stage.clone(),
            risk: self.risk.clone(),
            channel: self.channel.clone(),
            category: self.category.clone(),
            open: crate::app::input::flag("open", self.open.as_deref())?,
            overdue: crate::app::input::flag("overdue", self.overdue.as_deref())?,
            from: self.from.clone(),
            to: self.to.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            ..Default::default()
        };
        let listing = params.listing(PAGE)?;
        let mut again = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("stage", &self.stage),
            ("risk", &self.risk),
            ("channel", &self.channel),
            ("category", &self.category),
            ("region", &self.region),
            ("from", &self.from),
            ("to", &self.to),
            ("open", &self.open),
            ("overdue", &self.overdue),
            ("sort", &self.sort),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                again.push((k, v.trim().to_string()));
            }
        }
        Ok((listing, again))
    }
}

fn page_number(raw: Option<&str>) -> Result<i64, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(1),
        Some(s) => s.parse::<i64>().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| AppError::field("page", "must be a page number from 1")),
    }
}

/// (value, label, selected) for a select.
type Options = Vec<(String, String, bool)>;

fn options(lang: Lang, codes: &[String], chosen: Option<&str>) -> Options {
    codes.iter().map(|c| (c.clone(), lang.dispute_word(c).to_string(), chosen == Some(c.as_str()))).collect()
}

fn codes<T: serde::Serialize>(all: &[T]) -> Vec<String> {
    all.iter().filter_map(|v| serde_json::to_value(v).ok()).filter_map(|v| v.as_str().map(String::from)).collect()
}

pub struct Filters {
    q: String,
    risk_raw: String,
    from: String,
    to: String,
    open: bool,
    overdue: bool,
    stages: Options,
    risks: Options,
    /// The red and orange tiers, as the scale names them.
    watched: String,
    channels: Options,
    categories: Options,
    sorts: Options,
}

fn filters(lang: Lang, q: &ListQuery, l: &DisputeListing, words: &RiskWords) -> Filters {
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en).to_string();
    Filters {
        q: l.text.clone().unwrap_or_default(),
        risk_raw: q.risk.clone().unwrap_or_default(),
        from: l.received_from.map(|d| d.to_string()).unwrap_or_default(),
        to: l.received_to.map(|d| d.to_string()).unwrap_or_default(),
        open: l.open_only,
        overdue: l.due == Due::Overdue,
        stages: options(lang, &disputes::stages().iter().map(|s| s.to_string()).collect::<Vec<_>>(), l.stage.as_deref()),
        risks: words.options(q.risk.as_deref()),
        watched: words.watched(),
        channels: options(lang, &codes(&Channel::ALL), l.channel.as_deref()),
        categories: options(lang, &codes(&Category::ALL), l.category.as_deref()),
        sorts: [("due", t("期限最近", "Due soonest")), ("received", t("最新登记", "Newest")), ("updated", t("最近办理", "Recently changed"))]
            .into_iter()
            .map(|(v, l)| (v.to_string(), l, q.sort.as_deref().unwrap_or("due") == v))
            .collect(),
    }
}

pub struct Pager {
    page: i64,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "disputes.html")]
struct ListPage {
    chrome: Chrome,
    heading: &'static str,
    action: &'static str,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    export_href: String,
    f: Filters,
    can_register: bool,
    ledger: Option<LedgerView>,
}

fn pager(page: i64, total: i64, base: &str, again: &[(&'static str, String)]) -> Pager {
    let href = |n: i64| {
        let q = serde_urlencoded::to_string(again.iter().cloned().chain([("page", n.to_string())]).collect::<Vec<_>>()).unwrap_or_default();
        format!("{base}?{q}")
    };
    Pager { page, previous: (page > 1).then(|| href(page - 1)), next: (page * PAGE < total).then(|| href(page + 1)) }
}

pub(super) fn may_register(p: &Principal) -> bool {
    p.actor().authorize(Action::ActOnDisputes).is_ok() && p.unit.kind != UnitKind::Procuratorate
}

pub async fn list<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Html<String>, PageError> {
    let words = RiskWords::of(&st, &p, lang).await?;
    let page = page_number(q.page.as_deref())?;
    let (listing, again) = q.listing()?;
    let (found, total) = disputes::list(&st, &p, &DisputeListing { offset: (page - 1) * PAGE, ..listing.clone() }).await?;
    render(&ListPage {
        heading: lang.pick("矛盾纠纷", "Disputes"),
        action: "/disputes",
        rows: rows(&st, lang, &p, &found, &words).await,
        total,
        pager: pager(page, total, "/disputes", &again),
        export_href: format!("/disputes/export.csv?{}", serde_urlencoded::to_string(&again).unwrap_or_default()),
        f: filters(lang, &q, &listing, &words),
        can_register: may_register(&p),
        ledger: None,
        chrome: Chrome::new(lang, "/disputes", Some(&p), &st),
    })
}

/// The ledger's indicators as shown: label, value.
pub struct LedgerView {
    lines: Vec<(String, String)>,
    by: Vec<(String, Vec<(String, i64)>)>,
}

fn ledger_view(lang: Lang, i: &Indicators, words: &RiskWords) -> LedgerView {
    let rate = |a: i64, b: i64| disputes::rate(a, b).map(|r| format!("{r}%")).unwrap_or_else(|| "—".into());
    let both = |c: disputes::Count| lang_count(lang, c);
    let l = |zh: &str, en: &str| if lang == Lang::En { en.to_string() } else { zh.to_string() };
    LedgerView {
        lines: vec![
            (l("排查（登记）", "Screened"), both(i.screened)),
            (l("分流", "Diverted"), format!("{} ({})", i.diverted, rate(i.diverted, i.screened.disputes))),
            (l("化解 / 化解率", "Resolved / rate"), format!("{} / {}", i.resolved, rate(i.resolved, i.screened.disputes))),
            (l("调解成功 / 调解成功率", "Mediated / success rate"), format!("{} / {}", i.mediations_agreed, rate(i.mediations_agreed, i.mediations_concluded))),
            (l("司法确认", "Judicially confirmed"), i.confirmed.to_string()),
            (l("回访 / 回访率", "Followed up / rate"), format!("{} / {}", i.followed_up, rate(i.followed_up, i.mediations_agreed))),
            (l("回访满意率", "Satisfied"), rate(i.satisfied, i.followed_up)),
            (l("高风险（红、橙或已报告）", "Escalated (red, orange or reported)"), both(i.escalated)),
            (l("防止民转刑", "Kept from turning criminal"), both(i.prevented_criminal)),
            (l("民转刑", "Turned criminal"), both(i.turned_criminal)),
            (l("化解群体性纠纷", "Group disputes resolved"), both(i.group_resolved)),
            (l("已结案或撤回", "Closed or withdrawn"), i.finished.to_string()),
        ],
        by: [
            (l("按渠道", "By channel"), &i.by_channel),
            (l("按类别", "By category"), &i.by_category),
            (l("按风险", "By risk"), &i.by_risk),
            (l("按阶段", "By stage"), &i.by_stage),
        ]
        .into_iter()
        .map(|(h, v)| {
            let by_risk = std::ptr::eq(v, &i.by_risk);
            (h, v.iter().map(|(k, n)| (if by_risk { words.name(k) } else { lang.dispute_word(k).to_string() }, *n)).collect())
        })
        .collect(),
    }
}

fn lang_count(lang: Lang, c: disputes::Count) -> String {
    match lang {
        Lang::Zh => format!("{}件 / {}人", c.disputes, c.persons),
        Lang::En => format!("{} disputes / {} persons", c.disputes, c.persons),
    }
}

/// The ledger (台账): the same filters, the indicators over everything they select.
pub async fn ledger<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Html<String>, PageError> {
    let words = RiskWords::of(&st, &p, lang).await?;
    let page = page_number(q.page.as_deref())?;
    let (listing, again) = q.listing()?;
    let (found, total, ind) = disputes::ledger(&st, &p, &DisputeListing { offset: (page - 1) * PAGE, ..listing.clone() }).await?;
    render(&ListPage {
        heading: lang.pick("矛盾纠纷台账", "Dispute ledger"),
        action: "/disputes/ledger",
        rows: rows(&st, lang, &p, &found, &words).await,
        total,
        pager: pager(page, total, "/disputes/ledger", &again),
        export_href: format!("/disputes/export.csv?{}", serde_urlencoded::to_string(&again).unwrap_or_default()),
        f: filters(lang, &q, &listing, &words),
        can_register: false,
        ledger: Some(ledger_view(lang, &ind, &words)),
        chrome: Chrome::new(lang, "/disputes/ledger", Some(&p), &st),
    })
}

/// The list as filtered, as a CSV file in the ledger's columns (UTF-8 with a byte-order mark),
/// at most 10,000 rows.
pub async fn export<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (listing, _) = q.listing()?;
    let found = disputes::export(&st, &p, &listing, 10_000).await?;
    let rows = rows(&st, lang, &p, &found, &RiskWords::of(&st, &p, lang).await?).await;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let header = match lang {
        Lang::Zh => ["编码", "事项", "登记日期", "来源渠道", "类别", "风险等级", "办理阶段", "办理单位", "期限"],
        Lang::En => ["Code", "Matter", "Received", "Channel", "Category", "Risk", "Stage", "Handled by", "Due"],
    };
    out.write_record(header).map_err(|e| AppError::Internal(e.to_string()))?;
    for r in &rows {
        out.write_record([&r.code, &r.title, &r.received, &r.channel, &r.category, &r.risk, &r.stage, &r.holder, &r.due])
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let bytes = out.into_inner().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::download::attachment(lang.pick("矛盾纠纷台账.csv", "disputes.csv"), "text/csv; charset=utf-8".into(), bytes))
}

/// The ledger as an Excel workbook in the layout officials report in: a sheet of indicators
/// (件 and 人, with the rates) and a sheet with a row for every dispute selected (at most
/// 10,000), headed with the region, the period and when it was made.
pub async fn export_xlsx<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (listing, _) = q.listing()?;
    let (_, _, ind) = disputes::ledger(&st, &p, &DisputeListing { limit: 1, ..listing.clone() }).await?;
    let found = disputes::export(&st, &p, &listing, 10_000).await?;
    let rows = rows(&st, lang, &p, &found, &RiskWords::of(&st, &p, lang).await?).await;
    let xl = |e: rust_xlsxwriter::XlsxError| PageError(AppError::Internal(format!("workbook: {e}")));
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let region = listing.region.map(|r| r.to_string()).unwrap_or_else(|| p.unit.region.to_string());
    let period = format!(
        "{} — {}",
        listing.received_from.map(|d| d.to_string()).unwrap_or_else(|| l("不限", "any").into()),
        listing.received_to.map(|d| d.to_string()).unwrap_or_else(|| l("不限", "any").into())
    );
    let made = crate::state::format_china(st.clock.now_us());
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(l("指标", "Indicators")).map_err(xl)?;
        ws.write_string_with_format(0, 0, l("矛盾纠纷排查化解统计表", "Dispute screening and resolution"), &title).map_err(xl)?;
        ws.write_string(1, 0, format!("{}：{region}　{}：{period}　{}：{made}", l("区域", "Region"), l("登记期间", "Received"), l("制表时间", "Made")))
            .map_err(xl)?;
        for (c, h) in [l("项目", "Line"), l("件", "Disputes"), l("人", "Persons"), l("比率（%）", "Rate (%)")].iter().enumerate() {
            ws.write_string_with_format(3, c as u16, *h, &bold).map_err(xl)?;
        }
        let rate = |a: i64, b: i64| disputes::rate(a, b);
        let lines: Vec<(&str, i64, Option<i64>, Option<f64>)> = vec![
            (l("排查（登记）", "Screened"), ind.screened.disputes, Some(ind.screened.persons), None),
            (l("分流", "Diverted"), ind.diverted, None, rate(ind.diverted, ind.screened.disputes)),
            (l("化解", "Resolved"), ind.resolved, None, rate(ind.resolved, ind.screened.disputes)),
            (l("调解成功", "Mediated to agreement"), ind.mediations_agreed, None, rate(ind.mediations_agreed, ind.mediations_concluded)),
            (l("司法确认", "Judicially confirmed"), ind.confirmed, None, None),
            (l("回访", "Followed up"), ind.followed_up, None, rate(ind.followed_up, ind.mediations_agreed)),
            (l("回访满意", "Satisfied"), ind.satisfied, None, rate(ind.satisfied, ind.followed_up)),
            (l("防止民间纠纷转化为刑事案件", "Kept from turning criminal"), ind.prevented_criminal.disputes, Some(ind.prevented_criminal.persons), None),
            (l("民转刑", "Turned criminal"), ind.turned_criminal.disputes, Some(ind.turned_criminal.persons), None),
            (l("化解群体性纠纷（制止群体性上访、械斗）", "Group disputes resolved"), ind.group_resolved.disputes, Some(ind.group_resolved.persons), None),
        ];
        for (i, (name, n, persons, r)) in lines.into_iter().enumerate() {
            let row = 4 + i as u32;
            ws.write_string(row, 0, name).map_err(xl)?;
            ws.write_number(row, 1, n as f64).map_err(xl)?;
            if let Some(pn) = persons {
                ws.write_number(row, 2, pn as f64).map_err(xl)?;
            }
            if let Some(r) = r {
                ws.write_number(row, 3, r).map_err(xl)?;
            }
        }
        ws.set_column_width(0, 40).map_err(xl)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(l("台账", "Ledger")).map_err(xl)?;
        let header = [
            l("编码", "Code"),
            l("事项", "Matter"),
            l("登记日期", "Received"),
            l("来源渠道", "Channel"),
            l("类别", "Category"),
            l("风险等级", "Risk"),
            l("办理阶段", "Stage"),
            l("办理单位", "Handled by"),
            l("期限", "Due"),
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xl)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = 1 + i as u32;
            for (c, v) in [&r.code, &r.title, &r.received, &r.channel, &r.category, &r.risk, &r.stage, &r.holder, &r.due].iter().enumerate() {
                ws.write_string(row, c as u16, v.as_str()).map_err(xl)?;
            }
        }
        ws.set_column_width(1, 30).map_err(xl)?;
        ws.set_column_width(7, 24).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(crate::download::attachment(
        lang.pick("矛盾纠纷台账.xlsx", "disputes.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        bytes,
    ))
}

/// What was typed into the registration form, shown again with the error when it is refused.
#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    name1: String,
    #[serde(default)]
    phone1: String,
    #[serde(default)]
    id1: String,
    #[serde(default)]
    org1: Option<String>,
    #[serde(default)]
    name2: String,
    #[serde(default)]
    phone2: String,
    #[serde(default)]
    id2: String,
    #[serde(default)]
    org2: Option<String>,
    #[serde(default)]
    name3: String,
    #[serde(default)]
    phone3: String,
    #[serde(default)]
    id3: String,
    #[serde(default)]
    org3: Option<String>,
}

#[derive(Template)]
#[template(path = "dispute_new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewForm,
    /// Number, name, telephone, identity number, organisation: the three party rows.
    party_rows: Vec<(&'static str, String, String, String, bool)>,
    channels: Options,
    categories: Options,
    error: Option<(String, String)>,
}

pub async fn new_page<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    if !may_register(&p) {
        return Err(AppError::Forbidden(lang.pick("本单位不登记矛盾纠纷", "your unit does not take disputes in").into()).into());
    }
    let default = if p.unit.kind == UnitKind::Police {
        "police110"
    } else if p.unit.kind == UnitKind::CourtBasic {
        "court_filing"
    } else if p.unit.kind.is_partner_platform() {
        "partner_platform"
    } else {
        "governance_centre"
    };
    let form = NewForm { channel: default.into(), ..Default::default() };
    render(&new_page_view(lang, &st, &p, form, None))
}

fn new_page_view<S>(lang: Lang, st: &AppState<S>, p: &Principal, form: NewForm, error: Option<(String, String)>) -> NewPage {
    NewPage {
        channels: options(lang, &codes(&Channel::ALL), Some(form.channel.as_str())),
        categories: options(lang, &codes(&Category::ALL), Some(form.category.as_str())),
        chrome: Chrome::new(lang, "/disputes/new", Some(p), st),
        party_rows: vec![
            ("1", form.name1.clone(), form.phone1.clone(), form.id1.clone(), form.org1.is_some()),
            ("2", form.name2.clone(), form.phone2.clone(), form.id2.clone(), form.org2.is_some()),
            ("3", form.name3.clone(), form.phone3.clone(), form.id3.clone(), form.org3.is_some()),
        ],
        form,
        error,
    }
}

fn request_of(f: &NewForm) -> Result<NewDisputeRequest, AppError> {
    let mut parties = Vec::new();
    for (i, (name, phone, id, org)) in
        [(&f.name1, &f.phone1, &f.id1, &f.org1), (&f.name2, &f.phone2, &f.id2, &f.org2), (&f.name3, &f.phone3, &f.id3, &f.org3)].into_iter().enumerate()
    {
        if name.trim().is_empty() {
            continue;
        }
        let role = if i == 0 { "applicant" } else { "respondent" };
        parties.push(json!({
            "name": name.trim(),
            "role": role,
            "organisation": org.is_some(),
            "phone": Some(phone.trim()).filter(|s| !s.is_empty()),
            "id_number": Some(id.trim()).filter(|s| !s.is_empty()),
        }));
    }
    let amount = match f.amount.trim() {
        "" => None,
        a => Some(a.parse::<u64>().map_err(|_| AppError::field("amount", "a whole number of yuan"))?),
    };
    crate::dto::from_json(json!({
        "title": f.title,
        "channel": f.channel,
        "category": f.category,
        "amount": amount,
        "group": f.group.is_some(),
        "parties": parties,
    }))
}

/// Register from the page: the new dispute's page, or the form again with what was typed and
/// what is wrong with it.
pub async fn register<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, form): PageForm<NewForm>) -> Result<Response, PageError> {
    let result = match request_of(&form) {
        Ok(req) => disputes::register(&st, &p, req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((r, ..)) => Ok(see_other(&format!("/disputes/{}", r.id))),
        Err(e @ (AppError::Invalid { .. } | AppError::Refused { .. })) => {
            let (field, message) = super::form_error(lang, &e);
            let status = e.status();
            let page = render(&new_page_view(lang, &st, &p, form, Some((field, message))))?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ClockLine {
    rule: String,
    unit: String,
    start: String,
    due: String,
    provisional: bool,
    overdue: bool,
    party: bool,
    agreed: bool,
}

pub struct EventLine {
    at: String,
    what: String,
    unit: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "dispute.html")]
struct DisputePage {
    chrome: Chrome,
    r: DisputeRecord,
    d: Dispute,
    parties: Vec<Party>,
    masked: bool,
    holder: String,
    intake: String,
    pending: String,
    risk: String,
    risk_code: String,
    /// The levels an assessment may take: (tier, name, _).
    levels: Options,
    clocks: Vec<ClockLine>,
    events: Vec<EventLine>,
    actions: Vec<&'static str>,
    police: Vec<(i64, String)>,
    committees: Vec<(i64, String)>,
    partners: Vec<(i64, String)>,
    courts: Vec<(i64, String)>,
    /// Who may still sign the agreement: (value, label).
    signers: Vec<(String, String)>,
    /// The unit's active mediators: (id, name and specialties).
    roster: Vec<(i64, String)>,
    today: String,
}

impl DisputePage {
    /// A code word of the machine (a factor, a role, a kind) in the page's language.
    fn word<T: serde::Serialize>(&self, v: &T) -> String {
        self.chrome.lang.dispute_word(&json_code(v)).to_string()
    }
    fn ruling_word(&self, r: &xiezhi_core::dispute::Ruling) -> String {
        let v = serde_json::to_value(r).unwrap_or_default();
        self.chrome.lang.dispute_word(v["ruling"].as_str().unwrap_or_default()).to_string()
    }
    fn refused(&self, party: usize) -> bool {
        self.d.refused.contains(&party)
    }
}

async fn units_near<S: Store>(st: &AppState<S>, lang: Lang, d: &Dispute) -> Result<Vec<(i64, UnitKind, String)>, AppError> {
    let mut out = Vec::new();
    let mut regions = vec![d.intake.region];
    regions.extend(d.intake.region.parent());
    for region in regions {
        for u in st.store.list_units(UnitFilter { region: Some(region), limit: 500, ..Default::default() }).await? {
            out.push((u.id, u.kind, if lang == Lang::En { u.name_en } else { u.name }));
        }
    }
    Ok(out)
}

pub async fn show<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let words = RiskWords::of(&st, &p, lang).await?;
    let id = path_id("id", &id)?;
    let (r, d, _units, involved) = disputes::visible(&st, &p, id).await?;
    let cal = st.calendar();
    let today = st.clock.china().date();
    let mut names = BTreeMap::new();
    let me = UnitRef { id: p.unit.id, kind: p.unit.kind, region: p.unit.region };
    let actions = if p.actor().authorize(Action::ActOnDisputes).is_ok() { available(&d, me, st.clock.china(), &cal) } else { vec![] };
    let mut clock_lines = Vec::new();
    for k in clocks(&d, &cal) {
        let (due, provisional) = k.due.clone().map(|(d, p)| (d.to_string(), p)).unwrap_or_default();
        let rule = match &k.local {
            Some(l) => format!("{}{}{}{}", lang.rule(&k.rule), lang.pick("（本省规定：", " (the province's own limit: "), l.basis, lang.pick("）", ")")),
            None => lang.rule(&k.rule).to_string(),
        };
        clock_lines.push(ClockLine {
            rule,
            unit: unit_name(&st, lang, k.unit.id, &mut names).await,
            start: k.start.to_string(),
            overdue: !due.is_empty() && !k.party && due < today.to_string(),
            due,
            provisional,
            party: k.party,
            agreed: k.agreed,
        });
    }
    let mut events = Vec::new();
    for e in st.store.events_of(&disputes::subject(id), 10_000).await? {
        let payload: Value = serde_json::from_str(&e.payload).unwrap_or_default();
        events.push(EventLine {
            at: format_local(e.at),
            what: lang.dispute_word(&e.kind).to_string(),
            unit: match e.unit_id {
                Some(u) => unit_name(&st, lang, u, &mut names).await,
                None => String::new(),
            },
            detail: event_detail(lang, &payload, involved),
        });
    }
    let near = if actions.is_empty() { vec![] } else { units_near(&st, lang, &d).await? };
    let may_assign = actions.contains(&"assign_mediator");
    let pick = |f: &dyn Fn(UnitKind) -> bool| near.iter().filter(|(_, k, _)| f(*k)).map(|(i, _, n)| (*i, n.clone())).collect::<Vec<_>>();
    // Partner platforms only of this dispute's sector; no partner form when there is none.
    let partners = pick(&|k| k.is_partner_platform() && d.partner_may_take(k));
    let mut actions = actions;
    if partners.is_empty() {
        actions.retain(|a| *a != "refer_partner");
    }
    let risk_code = d
        .risk
        .as_ref()
        .map(|a| serde_json::to_value(a.level).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
        .unwrap_or_else(|| "none".into());
    render(&DisputePage {
        parties: if involved { d.parties.clone() } else { disputes::mask(&d.parties) },
        masked: !involved,
        holder: unit_name(&st, lang, d.holder.id, &mut names).await,
        intake: unit_name(&st, lang, d.intake.id, &mut names).await,
        pending: match &d.referral {
            Some(rf) => format!("{} → {}", lang.dispute_word(&json_code(&rf.kind)), unit_name(&st, lang, rf.to.id, &mut names).await),
            None => String::new(),
        },
        risk: words.name(&risk_code),
        risk_code: words.colour(&risk_code).to_string(),
        levels: words.options(None),
        clocks: clock_lines,
        events,
        actions,
        police: pick(&|k| k == UnitKind::Police),
        committees: pick(&|k| k == UnitKind::MediationCommittee),
        partners,
        courts: pick(&|k| k == UnitKind::CourtBasic),
        signers: match &d.agreement {
            Some(a) => {
                let mut v: Vec<(String, String)> =
                    d.parties.iter().enumerate().filter(|(i, _)| !a.signed.contains(i)).map(|(i, p)| (format!("party:{i}"), p.name.clone())).collect();
                if !a.mediator_signed {
                    v.push(("mediator".into(), lang.pick("调解员", "Mediator").into()));
                }
                if !a.sealed {
                    v.push(("seal".into(), lang.pick("调解组织盖章", "Seal").into()));
                }
                v
            }
            None => vec![],
        },
        roster: if may_assign {
            st.store
                .mediators_of_unit(p.unit.id)
                .await?
                .into_iter()
                .filter(|m| m.disabled_at.is_none())
                .map(|m| {
                    let skills: Vec<&str> = m.specialties.split(',').filter(|s| !s.is_empty()).map(|c| lang.dispute_word(c)).collect();
                    (m.id, if skills.is_empty() { m.name } else { lang.aside(&m.name, &skills.join(lang.pick("、", ", "))) })
                })
                .collect()
        } else {
            vec![]
        },
        today: today.to_string(),
        chrome: Chrome::new(lang, &format!("/disputes/{id}"), Some(&p), &st),
        r,
        d,
    })
}

fn json_code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The substance of an event in a line: reasons, notes, levels, kinds and numbers.
fn event_detail(lang: Lang, v: &Value, involved: bool) -> String {
    let mut parts = Vec::new();
    for key in ["level", "kind", "failure", "ground", "track", "to", "outcome", "performance", "satisfaction", "number"] {
        if let Some(s) = v.get(key).and_then(Value::as_str) {
            parts.push(lang.dispute_word(s).to_string());
        }
    }
    for obj in ["assessment", "referral"] {
        if let Some(s) = v.get(obj).and_then(|o| o.get("level").or_else(|| o.get("kind"))).and_then(Value::as_str) {
            parts.push(lang.dispute_word(s).to_string());
        }
    }
    if let Some(s) = v.get("ruling").and_then(|r| r.get("ruling")).and_then(Value::as_str) {
        parts.push(lang.dispute_word(s).to_string());
    }
    for key in ["reason", "note", "undisputed_facts", "facts"] {
        if let Some(s) = v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            // Free text may carry personal details: for those who handle the dispute only.
            if involved {
                parts.push(s.to_string());
            }
        }
    }
    parts.join(" · ")
}

/// Fields posted by an action form, turned into the command they ask for.
fn command_of(fields: &[(String, String)]) -> Result<DisputeCommandRequest, AppError> {
    let mut obj = Map::new();
    let mut terms: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let int = |k: &str, v: &str| v.trim().parse::<i64>().map(Value::from).map_err(|_| AppError::field(k.to_string(), format!("{v:?} is not a number")));
    for (k, v) in fields {
        let v = v.trim();
        match k.as_str() {
            "csrf" => {}
            _ if v.is_empty() => {}
            "to" | "court" | "party" | "term" | "case_id" | "mediator" => {
                obj.insert(k.clone(), int(k, v)?);
            }
            "consent" | "partial" => {
                obj.insert(k.clone(), Value::Bool(crate::app::input::flag("consent", Some(v))?));
            }
            "applicants" | "consents" => {
                let list = obj.entry(k.clone()).or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(a) = list {
                    a.push(int(k, v)?);
                }
            }
            "factors" => {
                let list = obj.entry(k.clone()).or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(a) = list {
                    a.push(Value::from(v));
                }
            }
            "signer" => {
                let s = match v.strip_prefix("party:") {
                    Some(n) => json!({"signer": "party", "party": int("signer", n)?}),
                    None => json!({"signer": v}),
                };
                obj.insert("signer".into(), s);
            }
            "ruling" => {
                let r = match v.strip_prefix("rejected:") {
                    Some(g) => json!({"ruling": "rejected", "ground": g}),
                    None => json!({"ruling": v}),
                };
                obj.insert("ruling".into(), r);
            }
            _ if k.starts_with("term_") => {
                let (field, row) = k[5..].rsplit_once('_').unwrap_or((&k[5..], "0"));
                let value = match field {
                    "amount" => int("terms", v)?,
                    _ => Value::from(v),
                };
                terms.entry(row.to_string()).or_default().insert(field.to_string(), value);
            }
            _ => {
                obj.insert(k.clone(), Value::from(v));
            }
        }
    }
    let terms: Vec<Value> = terms.into_values().filter(|t| t.contains_key("text")).map(Value::Object).collect();
    if obj.get("command").and_then(Value::as_str) == Some("agree") {
        obj.insert("terms".into(), Value::Array(terms));
    }
    crate::dto::from_json(Value::Object(obj))
}

/// An action from the dispute's page; back to the page, or the error inside the layout.
/// Commands that cannot be undone: the page asks again before it sends one.
pub const IRREVERSIBLE: [&str; 6] = ["close", "withdraw", "end_mediation", "rule", "not_accept_confirmation", "conclude_litigation"];

pub async fn command<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    Path(id): Path<String>,
    PageForm(p, fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = path_id("id", &id)?;
    let name = fields.iter().find(|(k, _)| k == "command").map(|(_, v)| v.clone()).unwrap_or_default();
    if IRREVERSIBLE.contains(&name.as_str()) && !super::confirm::confirmed(&fields) {
        // Asked again only for a command the dispute offers the person now; otherwise refused at once.
        let (r, d, _, _) = disputes::visible(&st, &p, id).await?;
        let me = UnitRef { id: p.unit.id, kind: p.unit.kind, region: p.unit.region };
        let offered = p.actor().authorize(Action::ActOnDisputes).is_ok() && available(&d, me, st.clock.china(), &st.calendar()).iter().any(|a| *a == name);
        if offered {
            let c = super::confirm::Confirm {
                action: format!("/disputes/{id}/commands"),
                back: format!("/disputes/{id}"),
                label: r.code,
                title: r.title,
                what: lang.dispute_word(&name).to_string(),
                fields,
            };
            return super::confirm::page(Chrome::new(lang, &format!("/disputes/{id}"), Some(&p), &st), c);
        }
    }
    // The confirmation is the page's, not the command's.
    let fields: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "confirmed").collect();
    let req = command_of(&fields)?;
    disputes::command(&st, &p, id, req).await?;
    Ok(see_other(&format!("/disputes/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn forms_become_commands() {
        let c = command_of(&f(&[("csrf", "x"), ("command", "refer"), ("kind", "partner"), ("to", "12"), ("consent", "on")])).unwrap();
        assert!(matches!(c, DisputeCommandRequest::Refer { to: 12, consent: true, .. }), "{c:?}");
        let c = command_of(&f(&[("command", "sign"), ("signer", "party:1")])).unwrap();
        assert!(matches!(c, DisputeCommandRequest::Sign { signer: xiezhi_core::dispute::Signer::Party(1) }), "{c:?}");
        let c = command_of(&f(&[("command", "apply_for_confirmation"), ("court", "3"), ("applicants", "0"), ("applicants", "1")])).unwrap();
        assert!(matches!(c, DisputeCommandRequest::ApplyForConfirmation { court: 3, ref applicants } if applicants == &[0, 1]), "{c:?}");
        let c = command_of(&f(&[
            ("command", "agree"),
            ("term_kind_1", "payment"),
            ("term_text_1", "付款"),
            ("term_amount_1", "500"),
            ("term_due_1", "2026-12-31"),
            ("term_kind_2", "payment"),
            ("term_text_2", ""),
        ]))
        .unwrap();
        assert!(matches!(c, DisputeCommandRequest::Agree { ref terms, .. } if terms.len() == 1 && terms[0].amount == Some(500)), "{c:?}");
        let c = command_of(&f(&[("command", "rule"), ("ruling", "rejected:not_voluntary")])).unwrap();
        assert!(matches!(c, DisputeCommandRequest::Rule { .. }), "{c:?}");
        let e = command_of(&f(&[("command", "refer"), ("kind", "partner"), ("to", "x")])).unwrap_err();
        assert!(matches!(e, AppError::Invalid { field: Some(ref f), .. } if f == "to"), "{e:?}");
    }
}

#[derive(Template)]
#[template(path = "mediators.html")]
struct RosterPage {
    chrome: Chrome,
    mediators: Vec<(i64, String, String, bool, bool)>,
    categories: Options,
}

/// The organisation's roster of mediators: who is on it, adding one, taking one off.
pub async fn roster<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    let list = disputes::roster(&st, &p).await?;
    render(&RosterPage {
        mediators: list
            .into_iter()
            .map(|m| {
                let skills = m.specialties.split(',').filter(|s| !s.is_empty()).map(|c| lang.dispute_word(c).to_string()).collect::<Vec<_>>().join("、");
                (m.id, m.name, skills, m.court_roster != 0, m.disabled_at.is_none())
            })
            .collect(),
        categories: options(lang, &codes(&Category::ALL), None),
        chrome: Chrome::new(lang, "/mediators", Some(&p), &st),
    })
}

pub async fn add_mediator<S: Store>(State(st): State<AppState<S>>, PageForm(p, fields): PageForm<Vec<(String, String)>>) -> Result<Response, PageError> {
    let get = |k: &str| fields.iter().filter(|(f, _)| f == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let req = crate::dto::from_json(json!({
        "name": get("name").first().cloned().unwrap_or_default(),
        "specialties": get("specialties"),
        "court_roster": !get("court_roster").is_empty(),
    }))?;
    disputes::add_mediator(&st, &p, req).await?;
    Ok(see_other("/mediators"))
}

pub async fn disable_mediator<S: Store>(
    State(st): State<AppState<S>>,
    Path(id): Path<String>,
    PageForm(p, _): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    disputes::disable_mediator(&st, &p, path_id("id", &id)?).await?;
    Ok(see_other("/mediators"))
}
