//! Local time limits: where a city's or a province's own regulations set another length than
//! the catalogue's for one of a few rules — a city's hotline regulations (e.g. 《济南市12345市民
//! 服务热线条例》 24) or a province's rule for reporting a red-risk dispute. An item keeps the
//! limits in force on the day it was taken in: a later change moves no running clock.

use crate::rules::Rule;
use serde::{Deserialize, Serialize};

/// Who sets a local limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A city (its committee, or the province's over it): the hotline rules.
    City,
    /// A province (its committee): the dispute rules.
    Province,
}

/// The rules that may have local limits, and who sets them.
pub const LOCAL_RULES: [(&str, Scope); 5] = [
    ("hotline.12345", Scope::City),
    ("hotline.12345_sign_for", Scope::City),
    ("hotline.12345_complex", Scope::City),
    ("hotline.12345_urgent", Scope::City),
    ("dispute.red_report", Scope::Province),
];

/// Who sets a rule's local limit, if it may have one.
pub fn scope_of(rule: &str) -> Option<Scope> {
    LOCAL_RULES.iter().find(|(r, _)| *r == rule).map(|(_, s)| *s)
}

/// A local limit: its length in the catalogue rule's own unit (working days for the hotline
/// rules, days for urgent matters and red-risk reports) and the provision that sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalLimit {
    pub rule: String,
    pub length: u16,
    /// The local provision, e.g. 《××市12345热线管理办法》第十二条.
    pub basis: String,
}

impl LocalLimit {
    /// A limit that may be set: a rule of [`LOCAL_RULES`], 1 to 60, a provision named.
    pub fn check(&self) -> Result<(), crate::FieldError> {
        if scope_of(&self.rule).is_none() {
            let rules: Vec<&str> = LOCAL_RULES.iter().map(|(r, _)| *r).collect();
            return Err(crate::FieldError::new("rule", format!("{:?} has no local limit; one of {}", self.rule, rules.join(", "))));
        }
        if !(1..=60).contains(&self.length) {
            return Err(crate::FieldError::new("length", format!("{} is not between 1 and 60", self.length)));
        }
        if self.basis.trim().is_empty() {
            return Err(crate::FieldError::new("basis", "name the local provision that sets the limit"));
        }
        crate::names::check_text("basis", &self.basis, 200, false)
    }
}

/// The rule as it applies under these limits: the catalogue's, or its length replaced.
pub fn applied<'a>(national: &'static Rule, limits: &'a [LocalLimit]) -> (Rule, Option<&'a LocalLimit>) {
    match limits.iter().find(|l| l.rule == national.id) {
        Some(l) => (national.with_length(u32::from(l.length)), Some(l)),
        None => (*national, None),
    }
}
