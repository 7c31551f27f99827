//! The cities' own hotline time limits: the limits set in the province, beside the catalogue's,
//! and — for administrators of a city's committee or the province's — the form that sets or
//! clears one. And the province's risk scale, with the form that sets it (the province's
//! committee's administrators). Errors come back inside the page with what was typed.

use super::{render, see_other, Chrome, PageError, PageForm, PageUser};
use crate::app::limits;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::{format_china, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use xiezhi_core::dispute::scale::{presets, RiskScale};
use xiezhi_core::local::{LocalLimit, Scope, LOCAL_RULES};
use xiezhi_core::{Action, RegionLevel, UnitKind};
use xiezhi_store::{Principal, Store};

/// One limit set: the city, the rule in words, the catalogue's and the city's length, the basis.
pub struct LimitRow {
    region: String,
    city: String,
    rule: String,
    rule_id: String,
    national: String,
    length: String,
    basis: String,
    updated_at: String,
}

#[derive(Template)]
#[template(path = "limits.html")]
struct LimitsPage {
    chrome: Chrome,
    rows: Vec<LimitRow>,
    /// The rules a city may set, as (id, words, the catalogue's length).
    rules: Vec<(&'static str, String, String)>,
    /// The cities the person may set limits for: (code, name).
    cities: Vec<(String, String)>,
    error: Option<(String, String)>,
    form: SetForm,
    scale: ScaleView,
}

/// The province's risk scale as the page shows it, and what an administrator of the province's
/// committee may set.
struct ScaleView {
    /// (colour, name, the other language's name, tier in words)
    levels: Vec<(&'static str, String, String, String)>,
    basis: String,
    own: bool,
    /// The province, when this person may set its scale.
    settable: Option<String>,
    /// The presets: (key, name, the levels' names joined).
    presets: Vec<(&'static str, String, String)>,
    error: Option<(String, String)>,
    form: ScaleForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct ScaleForm {
    #[serde(default)]
    preset: String,
    #[serde(default)]
    basis: String,
    /// `clear` to go back to the four colours.
    #[serde(default)]
    action: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct SetForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    length: String,
    #[serde(default)]
    basis: String,
    /// `clear` to go back to the catalogue's limit.
    #[serde(default)]
    action: String,
}

/// A rule's length in words: the catalogue's, or `length` of its unit.
fn length_words(lang: Lang, id: &str, length: Option<i64>) -> String {
    let Some(rule) = xiezhi_core::RULES.iter().find(|r| r.id == id) else { return String::new() };
    match length {
        Some(n) => lang.period_of(&rule.with_length(n.clamp(0, 1000) as u32)),
        None => lang.period_of(rule),
    }
}

async fn scale_view<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, error: Option<(String, String)>, form: ScaleForm) -> Result<ScaleView, PageError> {
    let own = limits::own_risk_scale(st, p.unit.region).await?;
    let scale = own.clone().unwrap_or_default();
    let pick = |zh: &str, en: &str| if lang == Lang::En { en.to_string() } else { zh.to_string() };
    let levels = scale
        .levels
        .iter()
        .map(|l| {
            (l.colour.code(), pick(&l.name, &l.name_en), pick(&l.name_en, &l.name), lang.dispute_word(&format!("{:?}", l.tier).to_lowercase()).to_string())
        })
        .collect();
    let province = limits::province_of(p.unit.region);
    let settable = p.actor().authorize(Action::SetLocalLimits { region: province }).is_ok().then(|| province.to_string());
    let presets = presets()
        .into_iter()
        .map(|(key, zh, en, levels)| (key, pick(zh, en), levels.iter().map(|l| pick(&l.name, &l.name_en)).collect::<Vec<_>>().join(lang.pick("、", ", "))))
        .collect();
    Ok(ScaleView { levels, basis: scale.basis, own: own.is_some(), settable, presets, error, form })
}

async fn page<S: Store>(st: &AppState<S>, lang: Lang, p: &Principal, error: Option<(String, String)>, form: SetForm) -> Result<Html<String>, PageError> {
    let scale = scale_view(st, lang, p, None, ScaleForm::default()).await?;
    page_with(st, lang, p, error, form, scale).await
}

async fn page_with<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    p: &Principal,
    error: Option<(String, String)>,
    form: SetForm,
    scale: ScaleView,
) -> Result<Html<String>, PageError> {
    let mut rows = Vec::new();
    for l in limits::list(st, p).await? {
        let city = match xiezhi_core::RegionCode::parse("region", &l.region) {
            Ok(code) => st.store.region(code).await.map(|r| if lang == Lang::En { r.name_en } else { r.name }).unwrap_or_default(),
            Err(_) => String::new(),
        };
        rows.push(LimitRow {
            city,
            rule: lang.rule(&l.rule),
            national: length_words(lang, &l.rule, None),
            length: length_words(lang, &l.rule, Some(l.length)),
            rule_id: l.rule.clone(),
            region: l.region.clone(),
            basis: l.basis.clone(),
            updated_at: format_china(l.updated_at),
        });
    }
    // The regions this person's committee may set limits for: its own city, or the province and
    // every city of it.
    let mut cities = Vec::new();
    if p.unit.kind == UnitKind::Committee && p.user.roles.contains(&xiezhi_core::Role::Admin) {
        let candidates = match p.unit.region.level() {
            RegionLevel::City => vec![st.store.region(p.unit.region).await?],
            RegionLevel::Province => {
                let mut all = vec![st.store.region(p.unit.region).await?];
                all.extend(st.store.child_regions(Some(p.unit.region)).await?);
                all
            }
            RegionLevel::County => vec![],
        };
        for r in candidates {
            if p.actor().authorize(Action::SetLocalLimits { region: r.code }).is_ok() {
                cities.push((r.code.to_string(), if lang == Lang::En { r.name_en } else { r.name }));
            }
        }
    }
    // A city's committee sets only the city's rules.
    let rules = LOCAL_RULES
        .iter()
        .filter(|(_, scope)| p.unit.region.level() == RegionLevel::Province || *scope == Scope::City)
        .map(|(id, _)| (*id, lang.rule(id), length_words(lang, id, None)))
        .collect();
    render(&LimitsPage { rows, rules, cities, error, form, scale, chrome: Chrome::new(lang, "/limits", Some(p), st) })
}

pub async fn page_get<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser) -> Result<Html<String>, PageError> {
    page(&st, lang, &p, None, SetForm::default()).await
}

/// Set (or clear) a city's limit from the form; a refusal comes back on the page, in words.
pub async fn set<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, f): PageForm<SetForm>) -> Result<Response, PageError> {
    let result = if f.action == "clear" {
        limits::clear(&st, &p, &f.region, &f.rule).await
    } else {
        match f.length.trim().parse::<u16>() {
            Ok(length) => limits::set(&st, &p, &f.region, LocalLimit { rule: f.rule.clone(), length, basis: f.basis.clone() }).await.map(drop),
            Err(_) => Err(AppError::field("length", format!("{:?} is not a number from 1 to 60", f.length))),
        }
    };
    match result {
        Ok(()) => Ok(see_other("/limits")),
        Err(AppError::Invalid { field, message }) => {
            let field = field.map(|f| lang.field_label(&f).map(str::to_string).unwrap_or(f)).unwrap_or_default();
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(&st, lang, &p, Some((field, lang.field_message(&message))), f).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Set (or clear) the province's risk scale from the form: one of the presets, with the
/// provision; a refusal comes back on the page, in words.
pub async fn set_scale<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, f): PageForm<ScaleForm>) -> Result<Response, PageError> {
    let province = limits::province_of(p.unit.region).to_string();
    let result = if f.action == "clear" {
        limits::clear_risk_scale(&st, &p, &province).await
    } else {
        match presets().into_iter().find(|(key, ..)| *key == f.preset) {
            Some((.., levels)) => limits::set_risk_scale(&st, &p, &province, RiskScale { levels, basis: f.basis.clone() }).await.map(drop),
            None => Err(AppError::field("preset", "choose one of the scales")),
        }
    };
    match result {
        Ok(()) => Ok(see_other("/limits#risk-scale")),
        Err(AppError::Invalid { field, message }) => {
            let field = field.map(|f| lang.field_label(&f).map(str::to_string).unwrap_or(f)).unwrap_or_default();
            let scale = scale_view(&st, lang, &p, Some((field, lang.field_message(&message))), f).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page_with(&st, lang, &p, None, SetForm::default(), scale).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
