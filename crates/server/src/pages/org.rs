//! The directory of regions and units, unit pages and their administration.

use super::{render, see_other, urlencode, Chrome, PageError, PageForm, PageUser};
use crate::app::org::{region_path, run_import};
use crate::auth::{authorize, hash_password};
use crate::dto::{NewUnitRequest, ParsedNewUser};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use xiezhi_core::Subject;
use xiezhi_core::{Action, DisplayName, Password, RegionCode, Role, UnitKind, UnitName, Username};
use xiezhi_store::{Principal, Region, Store, Unit, UnitChange, UnitFilter, UserChange};

pub struct Crumb {
    href: String,
    label: String,
}

pub struct RegionRow {
    code: String,
    name: String,
    level: &'static str,
    href: String,
}

pub struct UnitRow {
    id: i64,
    name: String,
    kind: &'static str,
    disabled: bool,
}

pub struct Opt {
    value: &'static str,
    label: &'static str,
}

fn region_name(lang: Lang, r: &Region) -> String {
    if lang == Lang::En {
        r.name_en.clone()
    } else {
        r.name.clone()
    }
}

fn unit_name(lang: Lang, u: &Unit) -> String {
    if lang == Lang::En {
        u.name_en.clone()
    } else {
        u.name.clone()
    }
}

fn region_rows(lang: Lang, regions: &[Region]) -> Vec<RegionRow> {
    regions
        .iter()
        .map(|r| RegionRow { code: r.code.to_string(), name: region_name(lang, r), level: lang.level(r.level), href: format!("/directory?region={}", r.code) })
        .collect()
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    code: String,
    name: String,
    level: &'static str,
    children: Vec<RegionRow>,
    units: Vec<UnitRow>,
    can_manage: bool,
    kinds: Vec<Opt>,
}

#[derive(Deserialize)]
pub struct RegionQuery {
    region: Option<String>,
}

async fn parse_region<S: Store>(st: &AppState<S>, p: &Principal, q: Option<String>) -> Result<Region, PageError> {
    let code = match q {
        Some(c) => RegionCode::parse("region", &c)?,
        None => p.unit.region,
    };
    Ok(st.store.region(code).await?)
}

pub async fn directory<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<RegionQuery>,
) -> Result<Html<String>, PageError> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    let region = parse_region(&st, &p, q.region).await?;
    let path = region_path(&st.store, &region).await?;
    let children = st.store.child_regions(Some(region.code)).await?;
    let units = st.store.list_units(UnitFilter { region: Some(region.code), include_disabled: true, ..Default::default() }).await?;
    let can_manage = p.actor().authorize(Action::ManageUnit { region: region.code }).is_ok();
    let crumbs = path.iter().map(|r| Crumb { href: format!("/directory?region={}", r.code), label: region_name(lang, r) }).collect();
    render(&DirectoryPage {
        chrome: Chrome::new(lang, &format!("/directory?region={}", region.code), Some(&p), &st),
        crumbs,
        code: region.code.to_string(),
        name: region_name(lang, &region),
        level: lang.level(region.level),
        children: region_rows(lang, &children),
        units: units.iter().map(|u| UnitRow { id: u.id, name: unit_name(lang, u), kind: lang.kind(u.kind), disabled: u.disabled }).collect(),
        can_manage,
        kinds: UnitKind::ALL.iter().filter(|k| k.allowed_levels().contains(&region.level)).map(|k| Opt { value: k.as_str(), label: lang.kind(*k) }).collect(),
    })
}

#[derive(Template)]
#[template(path = "directory_children.html")]
struct ChildrenPartial {
    children: Vec<RegionRow>,
}

/// The children of a region, for expanding the tree in place (htmx).
pub async fn children<S: Store>(
    State(st): State<AppState<S>>,
    lang: Lang,
    PageUser(p): PageUser,
    Query(q): Query<RegionQuery>,
) -> Result<Html<String>, PageError> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    let region = parse_region(&st, &p, q.region).await?;
    render(&ChildrenPartial { children: region_rows(lang, &st.store.child_regions(Some(region.code)).await?) })
}

pub struct GrantView {
    id: i64,
    username: String,
    requested_by: String,
    requested_at: String,
    may_decide: bool,
}

pub struct MemberRow {
    is_admin: bool,
    id: i64,
    /// The first role, preselected in the edit form.
    role: &'static str,
    username: String,
    display_name: String,
    roles: String,
    disabled: bool,
}

pub struct HistoryRow {
    index: i64,
    at: String,
    kind: String,
    actor: String,
    included: bool,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    history: Vec<HistoryRow>,
    chrome: Chrome,
    id: i64,
    name: String,
    name_zh: String,
    name_en: String,
    kind: &'static str,
    disabled: bool,
    crumbs: Vec<Crumb>,
    members: Option<Vec<MemberRow>>,
    /// Rename or disable the unit (its committee's administrators).
    can_manage: bool,
    /// Edit, re-role and reset the passwords of its people (its own administrators).
    can_manage_people: bool,
    /// Disable its accounts (its own administrators, and its committee's).
    can_disable_people: bool,
    /// Add a person: any role for its own administrators; only its first administrator for a committee.
    can_add_people: bool,
    first_admin_only: bool,
    /// Requests for the admin role on this unit's accounts, waiting for a second administrator.
    grants: Vec<GrantView>,
    roles: Vec<Opt>,
}

pub async fn unit_page<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageUser(p): PageUser, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    authorize(&st, &p, Action::ViewDirectory).await?;
    let unit = st.store.unit(crate::app::input::path_id("id", &id)?).await?;
    let region = st.store.region(unit.region).await?;
    let mut path = region_path(&st.store, &region).await?;
    path.push(region);
    let actor = p.actor();
    let members = if actor.authorize(Action::ViewMembers { unit_id: unit.id, region: unit.region }).is_ok() {
        let users = st.store.users_of_unit(unit.id).await?;
        let waiting: Vec<i64> = st.store.pending_admin_grants().await?.iter().filter(|g| g.unit_id == unit.id).map(|g| g.user_id).collect();
        Some(
            users
                .iter()
                .map(|u| MemberRow {
                    id: u.id,
                    role: u.roles.first().map_or("", |r| r.as_str()),
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                    roles: u
                        .roles
                        .iter()
                        .map(|r| lang.role(*r).to_string())
                        .chain(waiting.contains(&u.id).then(|| lang.pick("管理员（待批准）", "Administrator (awaiting approval)").to_string()))
                        .collect::<Vec<_>>()
                        .join("、"),
                    disabled: u.disabled,
                    is_admin: u.roles.contains(&Role::Admin),
                })
                .collect(),
        )
    } else {
        None
    };
    let can_manage = actor.authorize(Action::ManageUnit { region: unit.region }).is_ok();
    let may = |change| actor.authorize(Action::ManageUser { unit_id: unit.id, region: unit.region, change }).is_ok();
    let can_manage_people = may(xiezhi_core::AccountChange::Other);
    let can_disable_people = may(xiezhi_core::AccountChange::Disable);
    let has_admin = members.as_ref().is_some_and(|m: &Vec<MemberRow>| m.iter().any(|u| !u.disabled && u.is_admin));
    let first_admin_only = !can_manage_people && !has_admin && may(xiezhi_core::AccountChange::Create { first_admin: true });
    let can_add_people = can_manage_people || first_admin_only;
    let checkpoint = crate::audit::trusted_checkpoint(&st).await?;
    let mut history = Vec::new();
    for e in st.store.events_of(&Subject::Unit(unit.id).to_string(), 50).await? {
        let included = match &checkpoint {
            Some(cp) => crate::audit::included(&st, e.seq as u64, cp).await?,
            None => false,
        };
        history.push(HistoryRow {
            index: e.seq,
            at: crate::state::format_local(e.at),
            kind: e.kind,
            actor: e.actor_user_id.map(|a| Subject::User(a).to_string()).unwrap_or_else(|| "system".into()),
            included,
        });
    }
    let mut grants = Vec::new();
    if members.is_some() {
        for g in st.store.pending_admin_grants().await?.into_iter().filter(|g| g.unit_id == unit.id) {
            let username = st.store.user(g.user_id).await.map(|u| u.username).unwrap_or_default();
            let requested_by = match g.requested_by {
                Some(id) => st.store.user(id).await.map(|u| format!("{} ({})", u.display_name, u.username)).unwrap_or_default(),
                None => "—".into(),
            };
            let may_decide =
                actor.authorize(Action::DecideAdminGrant { unit_id: unit.id, region: unit.region, requested_by: g.requested_by.unwrap_or(-1) }).is_ok();
            grants.push(GrantView { id: g.id, username, requested_by, requested_at: crate::state::format_china(g.requested_at), may_decide });
        }
    }
    let roles = if first_admin_only {
        vec![Opt { value: Role::Admin.as_str(), label: lang.role(Role::Admin) }]
    } else {
        unit.kind.working_roles().iter().chain([Role::Admin, Role::Auditor].iter()).map(|r| Opt { value: r.as_str(), label: lang.role(*r) }).collect()
    };
    render(&UnitPage {
        history,
        chrome: Chrome::new(lang, &format!("/units/{}", unit.id), Some(&p), &st),
        id: unit.id,
        name: unit_name(lang, &unit),
        name_zh: unit.name.clone(),
        name_en: unit.name_en.clone(),
        kind: lang.kind(unit.kind),
        disabled: unit.disabled,
        crumbs: path.iter().map(|r| Crumb { href: format!("/directory?region={}", r.code), label: region_name(lang, r) }).collect(),
        members,
        can_manage,
        can_manage_people,
        can_disable_people,
        can_add_people,
        first_admin_only,
        grants,
        roles,
    })
}

#[derive(Deserialize)]
pub struct NewUnitForm {
    region: String,
    kind: String,
    name: String,
    name_en: Option<String>,
}

pub async fn create_unit<S: Store>(State(st): State<AppState<S>>, PageForm(p, f): PageForm<NewUnitForm>) -> Result<Response, PageError> {
    let new = NewUnitRequest { region: f.region, kind: f.kind, name: f.name, name_en: f.name_en }.parse()?;
    authorize(&st, &p, Action::ManageUnit { region: new.region }).await?;
    let unit = st.store.create_unit(new, st.by(&p)).await?.value;
    Ok(see_other(&format!("/units/{}", unit.id)))
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
    name_en: String,
}

pub async fn rename_unit<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<RenameForm>) -> Result<Response, PageError> {
    let unit = st.store.unit(crate::app::input::path_id("id", &id)?).await?;
    let change = UnitChange {
        name: Some(UnitName::parse("name", &f.name)?.into_inner()),
        name_en: Some(UnitName::parse("name_en", &f.name_en)?.into_inner()),
        disabled: None,
    };
    authorize(&st, &p, Action::ManageUnit { region: unit.region }).await?;
    st.store.update_unit(unit.id, change, st.by(&p)).await?;
    Ok(see_other(&format!("/units/{}", unit.id)))
}

#[derive(Deserialize)]
pub struct StatusForm {
    disabled: String,
}

pub async fn unit_status<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<StatusForm>) -> Result<Response, PageError> {
    let unit = st.store.unit(crate::app::input::path_id("id", &id)?).await?;
    let disabled = crate::app::input::flag("disabled", Some(&f.disabled))?;
    authorize(&st, &p, Action::ManageUnit { region: unit.region }).await?;
    if disabled && unit.id == p.unit.id {
        return Err(AppError::field("disabled", "you cannot disable your own unit").into());
    }
    st.store.update_unit(unit.id, UnitChange { disabled: Some(disabled), ..Default::default() }, st.by(&p)).await?;
    Ok(see_other(&format!("/units/{}", unit.id)))
}

#[derive(Deserialize)]
pub struct AddUserForm {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

pub async fn add_user<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<AddUserForm>) -> Result<Response, PageError> {
    let unit_id = crate::app::input::path_id("id", &id)?;
    let new = ParsedNewUser {
        unit_id,
        username: Username::parse("username", &f.username)?,
        display_name: DisplayName::parse("display_name", &f.display_name)?,
        roles: crate::dto::parse_roles("role", &[f.role])?,
        password: Password::parse("password", &f.password)?,
    };
    crate::app::people::add_user(&st, &p, new).await?;
    Ok(see_other(&format!("/units/{unit_id}")))
}

type Notice = Option<xiezhi_store::NewSecurityEvent>;

/// The account and its unit, if `p` may make `change` to it (`what` says it, for the record),
/// and the notice to record once it is made when `p` is outside the unit.
async fn user_and_unit<S: Store>(
    st: &AppState<S>,
    p: &Principal,
    id: &str,
    change: xiezhi_core::AccountChange,
    what: impl FnOnce(&xiezhi_store::User) -> String,
) -> Result<(xiezhi_store::User, Unit, Notice), PageError> {
    let user = st.store.user(crate::app::input::path_id("id", id)?).await?;
    let unit = st.store.unit(user.unit_id).await?;
    let notice = crate::app::people::authorize_account(st, p, &unit, change, &what(&user)).await?;
    Ok((user, unit, notice))
}

pub async fn user_status<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<StatusForm>) -> Result<Response, PageError> {
    let disabled = crate::app::input::flag("disabled", Some(&f.disabled))?;
    let change = UserChange { disabled: Some(disabled), ..Default::default() };
    let verb = if disabled { "disabled" } else { "enabled" };
    let (user, unit, notice) = user_and_unit(&st, &p, &id, crate::app::people::account_change(&change), |u| format!("account {} {verb}", u.username)).await?;
    if disabled && user.id == p.user.id {
        return Err(AppError::field("disabled", "you cannot disable yourself").into());
    }
    st.store.update_user(user.id, change, st.by(&p)).await?;
    crate::app::people::tell_the_unit(&st, notice).await?;
    Ok(see_other(&format!("/units/{}", unit.id)))
}

#[derive(Deserialize)]
pub struct EditUserForm {
    display_name: String,
    role: String,
}

/// Rename a person and set their role.
pub async fn edit_user<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<EditUserForm>) -> Result<Response, PageError> {
    let display_name = DisplayName::parse("display_name", &f.display_name)?.into_inner();
    let roles = crate::dto::parse_roles("role", &[f.role])?;
    let change = UserChange { display_name: Some(display_name), roles: Some(roles.clone()), disabled: None };
    let (user, unit, notice) = user_and_unit(&st, &p, &id, crate::app::people::account_change(&change), |u| format!("account {} changed", u.username)).await?;
    if let Some(role) = roles.iter().find(|r| !unit.kind.allows_role(**r)) {
        return Err(AppError::field("role", format!("role {role} is not held in a {} unit", unit.kind)).into());
    }
    if user.id == p.user.id && !roles.contains(&Role::Admin) {
        return Err(AppError::field("role", "you cannot drop your own admin role").into());
    }
    crate::app::people::change_user(&st, &p, &user, change).await?;
    crate::app::people::tell_the_unit(&st, notice).await?;
    Ok(see_other(&format!("/units/{}", unit.id)))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn user_password<S: Store>(
    State(st): State<AppState<S>>,
    Path(id): Path<String>,
    PageForm(p, f): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let password = Password::parse("password", &f.password)?;
    let (user, unit, notice) = user_and_unit(&st, &p, &id, xiezhi_core::AccountChange::Other, |u| format!("password of {} reset", u.username)).await?;
    st.store.set_password(user.id, hash_password(&password)?, st.by(&p)).await?;
    crate::app::people::tell_the_unit(&st, notice).await?;
    Ok(see_other(&format!("/units/{}", unit.id)))
}

#[derive(Deserialize)]
pub struct ImportForm {
    csv: String,
    dry_run: Option<String>,
    region: String,
}

pub struct RejectedView {
    line: usize,
    reason: String,
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ImportPage {
    chrome: Chrome,
    dry_run: bool,
    created_units: usize,
    created_regions: usize,
    rejected: Vec<RejectedView>,
    back: String,
}

pub async fn import<S: Store>(State(st): State<AppState<S>>, lang: Lang, PageForm(p, f): PageForm<ImportForm>) -> Result<Html<String>, PageError> {
    let dry_run = crate::app::input::flag("dry_run", f.dry_run.as_deref())?;
    let report = run_import(&st, &p, &f.csv, dry_run).await?;
    render(&ImportPage {
        chrome: Chrome::new(lang, "/units/import", Some(&p), &st),
        dry_run: report.dry_run,
        created_units: report.created_units,
        created_regions: report.created_regions,
        rejected: report.rejected.into_iter().map(|r| RejectedView { line: r.line, reason: r.reason }).collect(),
        back: format!("/directory?region={}", urlencode(&f.region)),
    })
}

#[derive(Deserialize)]
pub struct GrantForm {
    decision: String,
}

/// Approve or refuse a request for the admin role, from the unit's page.
pub async fn decide_grant<S: Store>(State(st): State<AppState<S>>, Path(id): Path<String>, PageForm(p, f): PageForm<GrantForm>) -> Result<Response, PageError> {
    let approve = match f.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(AppError::field("decision", "approve or refuse").into()),
    };
    let decided = crate::app::grants::decide(&st, &p, crate::app::input::path_id("id", &id)?, approve).await?;
    Ok(see_other(&format!("/units/{}", decided.value.unit_id)))
}
