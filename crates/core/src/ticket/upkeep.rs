//! Whether a unit keeps its hotline knowledge base up to date (H14: the hotline supervises a
//! unit whose knowledge base is not — 济南条例 28). Two signs, each checkable from the items
//! alone: items past their last day still not retired (an operator sees them set aside as no longer
//! holding, and the unit has not replaced them), and a base where nothing was added for a year.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// A base where nothing was added for this long is not kept up to date.
pub const UNTOUCHED_DAYS: i64 = 365;

/// A unit's items, as counted for upkeep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upkeep {
    /// Not retired, and past their last day.
    pub expired: i64,
    /// Not retired.
    pub kept: i64,
    /// When the newest item was added (China Standard Time).
    pub last_added: Option<Date>,
}

/// Why a unit's base is not kept up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stale {
    /// Items past their last day are still in the base, not replaced.
    Expired { items: i64 },
    /// Nothing added for `days` days.
    Untouched { days: i64 },
}

impl Upkeep {
    /// Why the base is not kept up to date on `today`, if it is not: expired items first.
    pub fn stale(&self, today: Date) -> Option<Stale> {
        if self.expired > 0 {
            return Some(Stale::Expired { items: self.expired });
        }
        let days = (today - self.last_added?).whole_days();
        (self.kept > 0 && days >= UNTOUCHED_DAYS).then_some(Stale::Untouched { days })
    }

    /// The last day an item may have been added for the base to count as kept on `today`.
    pub fn touched_since(today: Date) -> Date {
        today - Duration::days(UNTOUCHED_DAYS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn expired_items_or_a_year_without_an_addition_make_a_base_stale() {
        let today = date!(2026 - 11 - 30);
        let kept = Upkeep { expired: 0, kept: 3, last_added: Some(date!(2026 - 06 - 01)) };
        assert_eq!(kept.stale(today), None);
        assert_eq!(Upkeep { expired: 2, ..kept }.stale(today), Some(Stale::Expired { items: 2 }));
        let old = Upkeep { last_added: Some(date!(2025 - 11 - 30)), ..kept };
        assert_eq!(old.stale(today), Some(Stale::Untouched { days: 365 }));
        assert_eq!(Upkeep { last_added: Some(date!(2025 - 12 - 01)), ..kept }.stale(today), None, "364 days is still kept");
        assert_eq!(Upkeep { expired: 0, kept: 0, last_added: Some(date!(2020 - 01 - 01)) }.stale(today), None, "every item retired: nothing offered");
        assert_eq!(Upkeep::touched_since(today), date!(2025 - 12 - 01));
    }
}
