//! Reading what people type or send into values, naming the field at fault: shared by every door.

use crate::error::AppError;

/// Parse an id from a path segment, naming it when it is not a number.
pub fn path_id(field: &'static str, raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().map_err(|_| AppError::field(field, format!("{raw:?} is not a numeric id")))
}

/// Parse a flag the way people write it.
pub fn flag(field: &'static str, raw: Option<&str>) -> Result<bool, AppError> {
    match raw.map(str::trim) {
        None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") | Some("on") => Ok(true),
        Some(other) => Err(AppError::field(field, format!("{other:?} is not true or false"))),
    }
}

/// An optional date field, `YYYY-MM-DD`; empty is none.
pub fn date(field: &'static str, raw: Option<&str>) -> Result<Option<time::Date>, AppError> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| time::Date::parse(s, &f).map_err(|_| AppError::field(field, format!("{s:?} is not a date YYYY-MM-DD"))))
        .transpose()
}

/// A period given as `from` and `to` (each optional, inclusive); `from` after `to` names `from`.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<(Option<time::Date>, Option<time::Date>), AppError> {
    let (a, b) = (date("from", from)?, date("to", to)?);
    if let (Some(a), Some(b)) = (a, b) {
        if a > b {
            return Err(AppError::field("from", format!("the period starts {a}, after it ends {b}")));
        }
    }
    Ok((a, b))
}
