//! What the JSON API speaks: request and response bodies, and their parsing into domain values.

pub mod disputes;
pub mod tickets;

use crate::error::AppError;
use crate::state::format_time;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xiezhi_core::case::{Collaboration, Custody, Procedure};
use xiezhi_core::{DisplayName, Password, RegionCode, Role, UnitKind, UnitName, Username};
use xiezhi_store::{ApiToken, NewUnit, Region, Unit, User};

#[derive(Serialize, ToSchema)]
pub struct RegionDto {
    /// 6-digit region code.
    pub code: String,
    pub parent: Option<String>,
    /// `province`, `city` or `county`.
    pub level: String,
    pub name: String,
    pub name_en: String,
    /// On responses to changes: the audit leaf index of each event recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
}

impl From<&Region> for RegionDto {
    fn from(r: &Region) -> Self {
        Self {
            code: r.code.to_string(),
            parent: r.parent.map(|p| p.to_string()),
            level: r.level.to_string(),
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            audit_leaves: vec![],
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RegionDetail {
    pub region: RegionDto,
    /// From the top of the tree down to the region's parent.
    pub path: Vec<RegionDto>,
    pub children: Vec<RegionDto>,
    pub units: Vec<UnitDto>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub region: String,
    /// e.g. `police`, `procuratorate`, `court_basic`, `committee`.
    pub kind: String,
    pub name: String,
    pub name_en: String,
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
    /// On responses to changes: the audit leaf index of each event recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
}

impl From<&Unit> for UnitDto {
    fn from(u: &Unit) -> Self {
        Self {
            id: u.id,
            region: u.region.to_string(),
            kind: u.kind.to_string(),
            name: u.name.clone(),
            name_en: u.name_en.clone(),
            disabled: u.disabled,
            created_at: format_time(u.created_at),
            audit_leaves: vec![],
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub unit_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub created_at: String,
    /// The admin role was asked for: the account was made (or changed) without it, and this
    /// request waits for a second administrator (`POST /api/v1/admin-grants/{id}/approve`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_grant_pending: Option<i64>,
    /// On responses to changes: the audit leaf index of each event recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            unit_id: u.unit_id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.iter().map(|r| r.to_string()).collect(),
            disabled: u.disabled,
            created_at: format_time(u.created_at),
            admin_grant_pending: None,
            audit_leaves: vec![],
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub user: UserDto,
    pub unit: UnitDto,
}

#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// On responses to changes: the audit leaf index of each event recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_leaves: Vec<i64>,
}

impl From<&ApiToken> for TokenDto {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created_at: format_time(t.created_at),
            last_used_at: t.last_used_at.map(format_time),
            revoked_at: t.revoked_at.map(format_time),
            audit_leaves: vec![],
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenDto,
    /// The bearer secret. Shown once; only its SHA-256 is stored.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenSignIn {
    pub username: String,
    pub password: String,
    /// What the token is for, e.g. "case system sync".
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegionRequest {
    /// 6-digit code; its parent (from the code) must exist.
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitRequest {
    pub region: String,
    pub kind: String,
    pub name: String,
    pub name_en: Option<String>,
}

impl NewUnitRequest {
    pub fn parse(self) -> Result<NewUnit, AppError> {
        let region = RegionCode::parse("region", &self.region)?;
        let kind: UnitKind = self.kind.parse().map_err(|e| AppError::field("kind", e))?;
        let name = UnitName::parse("name", &self.name)?.into_inner();
        let name_en = match self.name_en.as_deref() {
            Some(s) if !s.trim().is_empty() => UnitName::parse("name_en", s)?.into_inner(),
            _ => name.clone(),
        };
        xiezhi_store::unit_kind_allowed(kind, region).map_err(|m| AppError::field("kind", m))?;
        Ok(NewUnit { region, kind, name, name_en })
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub disabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub unit_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    /// At least 10 characters.
    pub password: String,
}

pub fn parse_roles(field: &'static str, raw: &[String]) -> Result<Vec<Role>, AppError> {
    if raw.is_empty() {
        return Err(AppError::field(field, "at least one role is required"));
    }
    let mut roles = raw.iter().map(|r| r.parse::<Role>().map_err(|e| AppError::field(field, e))).collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

pub struct ParsedNewUser {
    pub unit_id: i64,
    pub username: Username,
    pub display_name: DisplayName,
    pub roles: Vec<Role>,
    pub password: Password,
}

impl NewUserRequest {
    pub fn parse(self) -> Result<ParsedNewUser, AppError> {
        Ok(ParsedNewUser {
            unit_id: self.unit_id,
            username: Username::parse("username", &self.username)?,
            display_name: DisplayName::parse("display_name", &self.display_name)?,
            roles: parse_roles("roles", &self.roles)?,
            password: Password::parse("password", &self.password)?,
        })
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub disabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedRow {
    /// 1-based line number in the CSV, counting the header.
    pub line: usize,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created_units: usize,
    pub created_regions: usize,
    pub rejected: Vec<RejectedRow>,
}

#[derive(Serialize, ToSchema)]
pub struct SecurityEventDto {
    pub id: i64,
    pub at: String,
    /// `sign_in`, `sign_in_failed`, `sign_in_throttled`, `access_denied`, …
    pub kind: String,
    pub username: Option<String>,
    pub region: Option<String>,
    pub client: Option<String>,
    pub detail: String,
}

/// One deadline, exactly as `xiezhi deadline` prints it.
#[derive(Serialize, ToSchema)]
pub struct DeadlineDto {
    pub rule: String,
    pub start: String,
    /// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM` for periods in hours.
    pub due: String,
    pub in_custody: bool,
    pub extended: bool,
    /// The date before it was moved off a rest day, or null.
    #[schema(format = Date)]
    pub rolled_from: Option<String>,
    /// A year it needed has no holiday calendar loaded: counted with weekends as the only rest
    /// days (the basis names the year). Custody periods never are: they need no calendar.
    pub provisional: bool,
    /// Articles and counting rules applied.
    pub basis: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    /// e.g. "1 month", or "7 days (in custody) / 15 days".
    pub period: String,
    pub extended: Option<String>,
    /// `custody`, `custody_if_held`, `handling` or `party`.
    pub counting: String,
    pub basis: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDay {
    #[schema(format = Date)]
    pub date: String,
    /// `weekend`, `holiday` or `make_up_workday`.
    pub kind: String,
    pub name: Option<String>,
    pub rest: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// Which official notice the data comes from.
    pub source: String,
    /// `bundled` (shipped in the binary), `file` (`calendars/YEAR.json` in the data folder) or
    /// `database` (loaded through the page, the API or `xiezhi calendar import`).
    pub origin: String,
    /// Who loaded it (user id), when it was loaded through the product by a person.
    pub loaded_by: Option<i64>,
    /// When it was loaded through the product (RFC 3339).
    #[schema(format = DateTime)]
    pub loaded_at: Option<String>,
    pub policy: String,
    pub days: Vec<CalendarDay>,
}

/// A year loaded (or replaced) through the API.
#[derive(Serialize, ToSchema)]
pub struct CalendarLoaded {
    pub year: i32,
    /// The year was loaded before and is replaced.
    pub replaced: bool,
    /// Open cases whose earliest due date moved or stopped being provisional.
    pub recomputed: usize,
    pub audit_leaves: Vec<i64>,
}

/// A loaded year in the list of calendars.
#[derive(Serialize, ToSchema)]
pub struct CalendarSummary {
    pub year: i32,
    pub source: String,
    pub origin: String,
    pub loaded_by: Option<i64>,
    pub loaded_at: Option<String>,
}

/// A change's result as the API returns it: the new state and the leaves that record it.
pub fn recorded<'a, T: 'a, D: From<&'a T> + WithLeaves>(r: &'a xiezhi_store::Recorded<T>) -> D {
    D::from(&r.value).with_leaves(r.leaves.clone())
}

pub trait WithLeaves {
    fn with_leaves(self, leaves: Vec<i64>) -> Self;
}

macro_rules! with_leaves {
    ($($t:ty),*) => {$(
        impl WithLeaves for $t {
            fn with_leaves(mut self, leaves: Vec<i64>) -> Self {
                self.audit_leaves = leaves;
                self
            }
        }
    )*};
}
with_leaves!(RegionDto, UnitDto, UserDto, TokenDto);

/// The answer to a change that has no other state to return.
#[derive(Serialize, ToSchema)]
pub struct RecordedOnly {
    pub audit_leaves: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    /// The police's filing number (立案号). Empty or left out: the unit's next number of the
    /// year is given (`990101公刑立〔2026〕12号`, serials from 1 each year, without gaps).
    #[serde(default)]
    pub case_no: String,
    pub title: String,
    /// `[{"name": "张某", "custody": "detained"}]`.
    pub persons: Vec<xiezhi_core::case::Person>,
    /// 案由: a charge of the Criminal Law in force, by its name (`盗窃罪`); the catalogue is
    /// `GET /api/v1/charges`.
    #[serde(default)]
    pub charge: Option<String>,
}

/// A command on a case as a client sends it: tagged by `command`, units named by id. The case
/// machine gets the same command with each unit resolved (`xiezhi_core::case::Command`).
/// Registration (`POST /api/v1/cases`) and documents (`POST /api/v1/cases/{id}/documents`) have
/// their own operations.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum CommandRequest {
    /// Change a person's custody: `person` is their index in the case's persons.
    SetCustody { person: usize, custody: Custody },
    /// Extend the current clock (approver and reason are recorded; `major` for a major case).
    Extend {
        approver: String,
        reason: String,
        #[serde(default)]
        major: bool,
    },
    /// 提请批准逮捕 (police → procuratorate)
    RequestArrestApproval { to: i64 },
    /// 移送审查起诉 (police → procuratorate)
    TransferForProsecution { to: i64 },
    /// 提起公诉 (procuratorate → court)
    Indict { to: i64 },
    /// 上诉 / 抗诉: the first-instance court forwards an appeal or the procuratorate's protest to
    /// the court one level up.
    Appeal { to: i64 },
    /// 交付执行: to the justice bureau (管制, probation) or the police holding the offender
    /// (imprisonment, 拘役), as the verdicts decide.
    HandOverForExecution { to: i64 },
    /// 签收: the receiver signs for a hand-over.
    Receive,
    /// 退回: the receiver returns a hand-over with a written reason.
    ReturnHandover { reason: String },
    /// 批准逮捕
    ApproveArrest,
    /// 不批准逮捕
    RefuseArrest { reason: String },
    /// The procuratorate takes the case into review; `plea` for 认罪认罚; `number` is its own
    /// case number (allocated when not given).
    AcceptForReview {
        plea: bool,
        #[serde(default)]
        number: Option<String>,
    },
    /// 退回补充侦查
    ReturnForSupplementaryInvestigation { reason: String },
    /// 不起诉
    DeclineProsecution { reason: String },
    /// 受理 with the chosen procedure (繁简分流) and the court's own number (allocated when not given).
    AcceptForTrial {
        procedure: Procedure,
        #[serde(default)]
        number: Option<String>,
    },
    /// Convert to a fuller procedure; the trial clock restarts.
    ConvertProcedure { to: Procedure },
    /// 判决: at first instance a verdict for every defendant (`person` is their index); at
    /// second instance none to uphold the judgment (维持原判), or those it revises (改判).
    Judge {
        #[serde(default)]
        verdicts: Vec<xiezhi_core::case::Verdict>,
    },
    /// 抗诉: the procuratorate that prosecuted protests the first-instance judgment within the
    /// appeal window; the court then forwards it to the court above with `appeal`.
    Protest { reason: String },
    /// 撤回抗诉: the procuratorate that protested withdraws it within the protest period
    /// (Crim Interp 385 ¶1).
    WithdrawProtest { reason: String },
    /// In force: the appeal window passed, or the second instance judged.
    Finalize,
    /// The higher court takes the appeal, with its own number (allocated when not given).
    AcceptAppeal {
        #[serde(default)]
        number: Option<String>,
    },
    /// The executing organ takes its offenders in (社区矫正 / 送交监狱执行).
    AcceptExecution,
    /// 撤销案件
    Withdraw { reason: String },
    /// A collaboration message between the police and the procuratorate of the same region.
    Collaborate { kind: Collaboration, to: i64, text: String },
}

/// A JSON value read as `T`, its errors naming the field at fault like a body's.
pub fn from_json<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, AppError> {
    // Inside a command tagged by `command` the path to a bad enum value is lost (serde buffers
    // the body): name the place that holds the value instead of the value
    // (`verdicts[0].punishment`).
    let body = v.clone();
    serde_path_to_error::deserialize(v).map_err(|e| match field_error(e) {
        AppError::Invalid { field: Some(f), message } if message.starts_with("unknown variant") => {
            let key = path_of(&body, &f).unwrap_or(f);
            AppError::field(key, message)
        }
        other => other,
    })
}

/// Where in `v` the string `value` is, as `key`, `key[2]` or `key[0].inner`.
fn path_of(v: &serde_json::Value, value: &str) -> Option<String> {
    use serde_json::Value as V;
    match v {
        V::Object(o) => o.iter().find_map(|(k, x)| match x {
            V::String(s) if s == value => Some(k.clone()),
            V::Object(_) => path_of(x, value).map(|p| format!("{k}.{p}")),
            V::Array(items) => items.iter().enumerate().find_map(|(i, item)| match item {
                V::String(s) if s == value => Some(format!("{k}[{i}]")),
                _ => path_of(item, value).map(|p| format!("{k}[{i}].{p}")),
            }),
            _ => None,
        }),
        _ => None,
    }
}

/// The field a deserialisation error is about, and what is wrong with it.
pub(crate) fn field_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> AppError {
    let inner = e.inner().to_string();
    let path = e.path().to_string();
    let field = if path == "." || path.is_empty() {
        // "missing field `name`" / "unknown field `x`": the name is in backticks.
        inner.split('`').nth(1).map(str::to_owned).unwrap_or_else(|| "body".into())
    } else {
        path
    };
    let message = inner.split(" at line ").next().unwrap_or(&inner).to_string();
    AppError::field(field, message)
}
