//! Newtypes that cannot hold a bad value: parse at the edge, trust inside.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A value refused at the edge, naming the field and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl $name {
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

/// A sign-in name: 3–32 characters of a–z, 0–9, `.`, `_`, `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);
string_newtype!(Username);

impl Username {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        if !(3..=32).contains(&s.len()) {
            return Err(FieldError::new(field, "must be 3 to 32 characters"));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(field, "must start with a letter or digit"));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c))) {
            return Err(FieldError::new(field, format!("character {c:?} is not allowed (use a-z, 0-9, . _ -)")));
        }
        Ok(Self(s))
    }
}
impl TryFrom<String> for Username {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse("username", &s)
    }
}
impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

/// The character policy for free text: at most `max` characters, no NUL or other control
/// character — except line breaks and tabs where the text may run over lines (`multiline`).
/// Emptiness is the caller's rule. Both databases then store exactly the same thing.
pub fn check_text(field: &'static str, raw: &str, max: usize, multiline: bool) -> Result<(), FieldError> {
    if raw.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if let Some(c) = raw.chars().find(|c| c.is_control() && !allowed(*c)) {
        return Err(FieldError::new(field, format!("must not contain the control character U+{:04X}", c as u32)));
    }
    Ok(())
}

fn bounded_text(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(s.to_owned())
}

/// A unit's name, e.g. 青川县公安局: 1–80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitName(String);
string_newtype!(UnitName);
impl UnitName {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        bounded_text(field, raw, 80).map(Self)
    }
}
impl TryFrom<String> for UnitName {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse("name", &s)
    }
}
impl From<UnitName> for String {
    fn from(u: UnitName) -> String {
        u.0
    }
}

/// A person's display name: 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);
string_newtype!(DisplayName);
impl DisplayName {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        bounded_text(field, raw, 40).map(Self)
    }
}
impl TryFrom<String> for DisplayName {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse("display_name", &s)
    }
}
impl From<DisplayName> for String {
    fn from(u: DisplayName) -> String {
        u.0
    }
}

/// A new password: 10–128 characters. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);
impl Password {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < 10 {
            return Err(FieldError::new(field, "must be at least 10 characters"));
        }
        if n > 128 {
            return Err(FieldError::new(field, "must be at most 128 characters"));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A region code in the national 6-digit scheme: `PP0000` province, `PPCC00` city, `PPCCDD` county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(u32);

impl RegionCode {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(field, "must be 6 digits, e.g. 990000 (province), 990100 (city), 990102 (county)"));
        }
        let v: u32 = s.parse().map_err(|_| FieldError::new(field, "must be 6 digits"))?;
        if v / 10000 == 0 {
            return Err(FieldError::new(field, "province part must not be 00"));
        }
        if (v / 100).is_multiple_of(100) && !v.is_multiple_of(100) {
            return Err(FieldError::new(field, "a county code needs a city part"));
        }
        Ok(Self(v))
    }
    pub fn province(p: u32) -> Self {
        Self(p * 10000)
    }
    pub fn child(self, n: u32) -> Self {
        match self.level() {
            crate::RegionLevel::Province => Self(self.0 + n * 100),
            _ => Self(self.0 + n),
        }
    }
    pub fn level(self) -> crate::RegionLevel {
        if self.0.is_multiple_of(10000) {
            crate::RegionLevel::Province
        } else if self.0.is_multiple_of(100) {
            crate::RegionLevel::City
        } else {
            crate::RegionLevel::County
        }
    }
    pub fn parent(self) -> Option<Self> {
        match self.level() {
            crate::RegionLevel::Province => None,
            crate::RegionLevel::City => Some(Self(self.0 / 10000 * 10000)),
            crate::RegionLevel::County => Some(Self(self.0 / 100 * 100)),
        }
    }
    /// True when `other` is this region or lies beneath it.
    pub fn contains(self, other: RegionCode) -> bool {
        match self.level() {
            crate::RegionLevel::Province => self.0 / 10000 == other.0 / 10000,
            crate::RegionLevel::City => self.0 / 100 == other.0 / 100,
            crate::RegionLevel::County => self.0 == other.0,
        }
    }
    /// The code prefix shared by this region's subtree, for prefix queries in storage.
    pub fn subtree_prefix(self) -> String {
        let s = self.to_string();
        match self.level() {
            crate::RegionLevel::Province => s[..2].to_owned(),
            crate::RegionLevel::City => s[..4].to_owned(),
            crate::RegionLevel::County => s,
        }
    }
}
impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}
impl TryFrom<String> for RegionCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse("region", &s)
    }
}
impl From<RegionCode> for String {
    fn from(r: RegionCode) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RegionLevel;

    #[test]
    fn usernames_are_normalised_and_refused_with_the_field() {
        assert_eq!(Username::parse("u", " Admin.1 ").unwrap().as_ref(), "admin.1");
        assert_eq!(Username::parse("u", "ab").unwrap_err().field, "u");
        assert!(Username::parse("u", "a b c").unwrap_err().message.contains("' '"));
        assert!(Username::parse("u", "_abc").is_err());
    }

    #[test]
    fn region_codes_know_their_tree() {
        let p = RegionCode::parse("r", "990000").unwrap();
        let c = p.child(3);
        let k = c.child(12);
        assert_eq!((c.to_string(), k.to_string()), ("990300".into(), "990312".into()));
        assert_eq!([p.level(), c.level(), k.level()], [RegionLevel::Province, RegionLevel::City, RegionLevel::County]);
        assert_eq!(k.parent(), Some(c));
        assert_eq!(c.parent(), Some(p));
        assert!(p.contains(k) && c.contains(k) && !k.contains(c));
        assert!(!c.contains(RegionCode::parse("r", "990412").unwrap()));
        assert!(RegionCode::parse("r", "990012").is_err());
        assert!(RegionCode::parse("r", "99000").is_err());
        assert_eq!(c.subtree_prefix(), "9903");
    }

    #[test]
    fn passwords_never_print() {
        let p = Password::parse("password", "correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert!(Password::parse("password", "short").is_err());
    }
}
