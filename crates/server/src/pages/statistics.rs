//! Statistics by 案由 for the supervisors of a committee: the cases registered in a region
//! subtree in a period, by charge, and where they stand now; on the page and in Excel.

use super::{render, Chrome, PageError, PageUser};
use crate::app::cases;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use time::Date;
use xiezhi_core::RegionCode;
use xiezhi_store::{ChargeTally, Principal, Store};

#[derive(Deserialize, Default)]
pub struct ChargeQuery {
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// One charge's line: name, articles, then the counts.
pub struct Line {
    name: String,
    articles: String,
    href: String,
    counts: [i64; 5],
}

#[derive(Template)]
#[template(path = "charges.html")]
struct ChargesPage {
    chrome: Chrome,
    region: String,
    region_name: String,
    from: String,
    to: String,
    lines: Vec<Line>,
    totals: [i64; 5],
    export: String,
    back: String,
}

/// The region, period and tallies a request asks for.
async fn asked<S: Store>(st: &AppState<S>, p: &Principal, q: &ChargeQuery) -> Result<(RegionCode, Date, Date, Vec<ChargeTally>), PageError> {
    let region = match q.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse("region", r)?,
        None => p.unit.region,
    };
    let today = st.clock.china().date();
    let day = |field: &'static str, raw: &Option<String>| crate::app::input::date(field, raw.as_deref().filter(|s| !s.is_empty()));
    let from = day("from", &q.from)?.unwrap_or_else(|| today.replace_ordinal(1).unwrap_or(today));
    let to = day("to", &q.to)?.unwrap_or(today);
    let found = cases::charge_tallies(st, p, region, from, to).await?;
    Ok((region, from, to, found))
}

fn counts(t: &ChargeTally) -> [i64; 5] {
    [t.registered, t.open, t.judged, t.dropped, t.held]
}

fn name_of(lang: Lang, t: &ChargeTally) -> String {
    t.charge.clone().unwrap_or_else(|| lang.pick("（未填案由）", "(no charge)").to_string())
}

pub async fn page<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ChargeQuery>) -> Result<Html<String>, PageError> {
    let (region, from, to, found) = asked(&st, &p, &q).await?;
    let here = st.store.region(region).await?;
    let mut totals = [0; 5];
    let lines = found
        .iter()
        .map(|t| {
            let c = counts(t);
            totals.iter_mut().zip(c).for_each(|(s, n)| *s += n);
            let href = match &t.charge {
                Some(charge) => {
                    format!("/cases?{}", serde_urlencoded::to_string([("region", region.to_string()), ("charge", charge.clone())]).unwrap_or_default())
                }
                None => String::new(),
            };
            Line {
                name: name_of(lang, t),
                articles: t.charge.as_deref().and_then(xiezhi_core::charges::find).map(|c| lang.articles(c.articles)).unwrap_or_default(),
                href,
                counts: c,
            }
        })
        .collect();
    let query = serde_urlencoded::to_string([("region", region.to_string()), ("from", from.to_string()), ("to", to.to_string())]).unwrap_or_default();
    render(&ChargesPage {
        region: region.to_string(),
        region_name: if lang == Lang::En { here.name_en } else { here.name },
        from: from.to_string(),
        to: to.to_string(),
        lines,
        totals,
        export: format!("/supervision/charges.xlsx?{query}"),
        back: format!("/supervision?region={region}"),
        chrome: Chrome::new(lang, "/supervision", Some(&p), &st),
    })
}

/// The same tallies as a workbook, headed with the region, the period and when it was made.
pub async fn export<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Query(q): Query<ChargeQuery>) -> Result<Response, PageError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (region, from, to, found) = asked(&st, &p, &q).await?;
    let here = st.store.region(region).await?;
    let xl = |e: rust_xlsxwriter::XlsxError| PageError(AppError::Internal(format!("workbook: {e}")));
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let (bold, title) = (Format::new().set_bold(), Format::new().set_bold().set_font_size(14));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(l("按案由统计", "By charge")).map_err(xl)?;
    ws.write_string_with_format(0, 0, l("刑事案件按案由统计表", "Criminal cases by charge"), &title).map_err(xl)?;
    let made = crate::state::format_china(st.clock.now_us());
    let name = if lang == Lang::En { here.name_en } else { here.name };
    ws.write_string(
        1,
        0,
        format!("{}：{name}（{region}）　{}：{from} — {to}　{}：{made}", l("区域", "Region"), l("立案期间", "Registered"), l("制表时间", "Made")),
    )
    .map_err(xl)?;
    let heads = [
        l("案由", "Charge"),
        l("《刑法》条文", "Criminal Law"),
        l("立案", "Registered"),
        l("在办", "Open"),
        l("已生效判决", "Judged"),
        l("不起诉或撤案", "Dropped"),
        l("在押", "Held"),
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &bold).map_err(xl)?;
    }
    let mut totals = [0i64; 5];
    for (i, t) in found.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string(row, 0, name_of(lang, t)).map_err(xl)?;
        ws.write_string(row, 1, t.charge.as_deref().and_then(xiezhi_core::charges::find).map(|c| lang.articles(c.articles)).unwrap_or_default()).map_err(xl)?;
        for (c, n) in counts(t).into_iter().enumerate() {
            totals[c] += n;
            ws.write_number(row, 2 + c as u16, n as f64).map_err(xl)?;
        }
    }
    let row = 4 + found.len() as u32;
    ws.write_string_with_format(row, 0, l("合计", "Total"), &bold).map_err(xl)?;
    for (c, n) in totals.into_iter().enumerate() {
        ws.write_number_with_format(row, 2 + c as u16, n as f64, &bold).map_err(xl)?;
    }
    ws.set_column_width(0, 30).map_err(xl)?;
    ws.set_column_width(1, 20).map_err(xl)?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(crate::download::attachment(
        lang.pick("按案由统计.xlsx", "cases-by-charge.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        bytes,
    ))
}
