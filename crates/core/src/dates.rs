//! Dates on the record as ISO 8601 (`YYYY-MM-DD`).
//!
//! Events recorded before this format was chosen carry dates as `[year, day of year]` (the
//! `time` crate's compact form); they are read as they are, so no stored event is rewritten.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;
use time::Date;

pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    d.deserialize_any(DateVisitor)
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a date YYYY-MM-DD")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| E::custom(format!("{v:?} is not a date YYYY-MM-DD")))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Date, A::Error> {
        let year: i32 = seq.next_element()?.ok_or_else(|| de::Error::custom("a date needs its year"))?;
        let ordinal: u16 = seq.next_element()?.ok_or_else(|| de::Error::custom("a date needs its day of the year"))?;
        Date::from_ordinal_date(year, ordinal).map_err(de::Error::custom)
    }
}

/// The same for `Option<Date>`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super")] Date);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use time::macros::date;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Row {
        #[serde(with = "super")]
        on: time::Date,
        #[serde(with = "super::option", default)]
        received: Option<time::Date>,
    }

    #[test]
    fn written_as_iso_read_in_either_form() {
        let row = Row { on: date!(2026 - 11 - 29), received: None };
        assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"on":"2026-11-29","received":null}"#);
        let old: Row = serde_json::from_str(r#"{"on":[2026,333],"received":[2026,334]}"#).unwrap();
        assert_eq!(old, Row { on: date!(2026 - 11 - 29), received: Some(date!(2026 - 11 - 30)) });
        let new: Row = serde_json::from_str(r#"{"on":"2026-11-29","received":"2026-11-30"}"#).unwrap();
        assert_eq!(new, old);
        assert!(serde_json::from_str::<Row>(r#"{"on":"2026-02-30"}"#).is_err());
        assert!(serde_json::from_str::<Row>(r#"{"on":[2026,400]}"#).is_err());
    }
}
