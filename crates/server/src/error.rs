//! Errors of the HTTP layer, mapped to responses in one place: `application/problem+json`
//! with a stable `code` for the API, an HTML page for people.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use xiezhi_core::{DeadlineError, FieldError};
use xiezhi_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Duplicate(String),
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    #[error("sign-in required, or the credentials are wrong")]
    Unauthenticated,
    #[error("too many failed sign-ins; try again in {minutes} minutes")]
    Throttled { minutes: i64 },
    #[error("{0}")]
    Forbidden(String),
    #[error("the form or request is missing a valid CSRF token; reload the page and try again")]
    Csrf,
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// A holiday calendar that cannot be loaded, or a year that is not.
    #[error(transparent)]
    Calendar(#[from] xiezhi_core::CalendarError),
    /// The case machine refused a command: the state it met and the rule.
    #[error("{message}")]
    Refused { forbidden: bool, code: &'static str, state: String, rule: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Internal(String),
}

impl From<xiezhi_core::case::Refusal> for AppError {
    fn from(r: xiezhi_core::case::Refusal) -> Self {
        // A command that is not the unit's to give is a matter of access (403); the rest are transitions (409).
        let forbidden = r.kind == xiezhi_core::refusal::RefusalKind::NotYours;
        AppError::Refused { forbidden, code: r.code, state: r.state, rule: r.rule, message: r.message }
    }
}

impl AppError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid { field: Some(field.into()), message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Duplicate(_) => StatusCode::CONFLICT,
            AppError::Invalid { .. } | AppError::Rule { .. } | AppError::Calendar(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Refused { forbidden: true, .. } => StatusCode::FORBIDDEN,
            AppError::Refused { .. } | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Duplicate(_) => "duplicate",
            AppError::Invalid { .. } => "invalid_field",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::Rule { code, .. } | AppError::Refused { code, .. } => code,
            AppError::Calendar(xiezhi_core::CalendarError::YearNotLoaded { .. }) => "calendar_year_missing",
            AppError::Calendar(_) => "calendar_invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Internal(_) => "internal",
        }
    }

    /// What the user may be told. Internal causes go to the log only.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal error; the request id identifies it in the server log".into(),
            AppError::Invalid { field: Some(f), message } if !message.starts_with(f.as_str()) => format!("{f}: {message}"),
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Duplicate { what } => AppError::Duplicate(format!("{what} already exists")),
            StoreError::Invalid(message) => AppError::Invalid { field: None, message },
            StoreError::Conflict(message) => AppError::Conflict(message),
            StoreError::Database(e) => AppError::Internal(e.to_string()),
            StoreError::Sqlite(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid { field: Some(e.field.to_string()), message: e.message }
    }
}

impl From<DeadlineError> for AppError {
    fn from(e: DeadlineError) -> Self {
        let code = match &e {
            DeadlineError::BadStart(_) => "invalid_start",
            DeadlineError::NotApplicable(_) => "not_applicable",
            DeadlineError::Calendar(xiezhi_core::CalendarError::YearNotLoaded { .. }) => "calendar_year_missing",
            DeadlineError::Calendar(_) => "calendar_invalid",
        };
        AppError::Rule { code, message: e.to_string() }
    }
}

/// RFC 9457 problem details.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:xiezhi:problem:<code>`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `invalid_field`, `duplicate`, `forbidden`.
    pub code: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a refused case command: the state the command met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// For a refused case command: the rule it broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let problem = Problem {
            kind: format!("urn:xiezhi:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("error").to_string(),
            status: status.as_u16(),
            detail: self.public_message(),
            code: self.code().to_string(),
            field: match &self {
                AppError::Invalid { field, .. } => field.clone(),
                AppError::Calendar(xiezhi_core::CalendarError::Invalid { date: Some(d), .. }) => Some(d.clone()),
                _ => None,
            },
            state: match &self {
                AppError::Refused { state, .. } => Some(state.clone()),
                _ => None,
            },
            rule: match &self {
                AppError::Refused { rule, .. } => Some(rule.clone()),
                _ => None,
            },
        };
        let mut res = (status, axum::Json(problem)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let AppError::Throttled { minutes } = self {
            if let Ok(v) = HeaderValue::from_str(&(minutes * 60).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

pub type ApiResult<T> = Result<T, AppError>;
