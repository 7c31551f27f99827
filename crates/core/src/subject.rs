//! What an event in the audit log is about: its subject, written `kind:id` (`case:12`,
//! `region:990101`). One type makes and reads them, so every writer spells a subject alike and a
//! reader finds every event of a kind by its range of text.

use crate::RegionCode;
use std::fmt;
use std::str::FromStr;

/// The kinds of things events are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Region,
    Unit,
    User,
    Case,
    Dispute,
    Ticket,
    Knowledge,
    Mediator,
    Webhook,
    Calendar,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 10] = [
        SubjectKind::Region,
        SubjectKind::Unit,
        SubjectKind::User,
        SubjectKind::Case,
        SubjectKind::Dispute,
        SubjectKind::Ticket,
        SubjectKind::Knowledge,
        SubjectKind::Mediator,
        SubjectKind::Webhook,
        SubjectKind::Calendar,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Region => "region",
            SubjectKind::Unit => "unit",
            SubjectKind::User => "user",
            SubjectKind::Case => "case",
            SubjectKind::Dispute => "dispute",
            SubjectKind::Ticket => "ticket",
            SubjectKind::Knowledge => "knowledge",
            SubjectKind::Mediator => "mediator",
            SubjectKind::Webhook => "webhook",
            SubjectKind::Calendar => "calendar",
        }
    }

    /// What every subject of this kind starts with: `case:`.
    pub fn prefix(self) -> String {
        format!("{}:", self.as_str())
    }

    /// Every subject of this kind as a range of text, `case:` up to (not including) `case;`:
    /// what an index on subjects can walk.
    pub fn range(self) -> (String, String) {
        (format!("{}:", self.as_str()), format!("{};", self.as_str()))
    }
}

/// One thing an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Region(RegionCode),
    Unit(i64),
    User(i64),
    Case(i64),
    Dispute(i64),
    Ticket(i64),
    Knowledge(i64),
    Mediator(i64),
    Webhook(i64),
    /// A year's holiday calendar.
    Calendar(i32),
}

impl Subject {
    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Region(_) => SubjectKind::Region,
            Subject::Unit(_) => SubjectKind::Unit,
            Subject::User(_) => SubjectKind::User,
            Subject::Case(_) => SubjectKind::Case,
            Subject::Dispute(_) => SubjectKind::Dispute,
            Subject::Ticket(_) => SubjectKind::Ticket,
            Subject::Knowledge(_) => SubjectKind::Knowledge,
            Subject::Mediator(_) => SubjectKind::Mediator,
            Subject::Webhook(_) => SubjectKind::Webhook,
            Subject::Calendar(_) => SubjectKind::Calendar,
        }
    }

    /// The id of an aggregate kept under a number (a case's, a unit's); `None` for a region.
    pub fn id(&self) -> Option<i64> {
        match *self {
            Subject::Region(_) => None,
            Subject::Calendar(y) => Some(y as i64),
            Subject::Unit(id)
            | Subject::User(id)
            | Subject::Case(id)
            | Subject::Dispute(id)
            | Subject::Ticket(id)
            | Subject::Knowledge(id)
            | Subject::Mediator(id)
            | Subject::Webhook(id) => Some(id),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Region(code) => write!(f, "region:{code}"),
            other => write!(f, "{}:{}", other.kind().as_str(), other.id().unwrap_or_default()),
        }
    }
}

impl From<Subject> for String {
    fn from(s: Subject) -> String {
        s.to_string()
    }
}

impl FromStr for Subject {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, id) = s.split_once(':').ok_or_else(|| format!("{s:?} is not a subject (kind:id)"))?;
        let kind = SubjectKind::ALL.into_iter().find(|k| k.as_str() == kind).ok_or_else(|| format!("{kind:?} is not a kind of subject"))?;
        let number = || id.parse::<i64>().map_err(|_| format!("{id:?} is not the id of a {}", kind.as_str()));
        Ok(match kind {
            SubjectKind::Region => Subject::Region(RegionCode::parse("subject", id).map_err(|e| e.message)?),
            SubjectKind::Unit => Subject::Unit(number()?),
            SubjectKind::User => Subject::User(number()?),
            SubjectKind::Case => Subject::Case(number()?),
            SubjectKind::Dispute => Subject::Dispute(number()?),
            SubjectKind::Ticket => Subject::Ticket(number()?),
            SubjectKind::Knowledge => Subject::Knowledge(number()?),
            SubjectKind::Mediator => Subject::Mediator(number()?),
            SubjectKind::Webhook => Subject::Webhook(number()?),
            SubjectKind::Calendar => Subject::Calendar(id.parse().map_err(|_| format!("{id:?} is not a year"))?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_back_as_written_and_sort_inside_their_range() {
        let region = RegionCode::parse("r", "990101").unwrap();
        for s in [Subject::Case(12), Subject::Region(region), Subject::Calendar(2027), Subject::User(3), Subject::Webhook(9)] {
            assert_eq!(s.to_string().parse::<Subject>(), Ok(s));
            let (lo, hi) = s.kind().range();
            assert!(lo.as_str() <= s.to_string().as_str() && s.to_string().as_str() < hi.as_str(), "{s} in {lo}..{hi}");
        }
        assert_eq!(Subject::Case(12).to_string(), "case:12");
        assert_eq!(Subject::Region(region).to_string(), "region:990101");
        assert!("case:x".parse::<Subject>().is_err() && "thing:1".parse::<Subject>().is_err() && "case12".parse::<Subject>().is_err());
        let (_, hi) = SubjectKind::Case.range();
        assert!(Subject::Case(i64::MAX).to_string() < hi, "no case id reaches past its kind");
    }
}
