//! What a signed-in person (or the system) can do, whatever the door: authorize → load →
//! decide → write. Knows nothing of HTTP; the API, the pages and the command line call it.

pub mod audit_log;
pub mod calendars;
pub mod cases;
pub mod deadlines;
pub mod disputes;
pub mod grants;
pub mod input;
pub mod integrity;
pub mod knowledge;
pub mod limits;
pub mod numbering;
pub mod org;
pub mod people;
pub mod tickets;
pub mod webhooks;

/// The units that may see an item once a write added `more` to `units`: in order, once each (what
/// a command answers with, without reading them again).
pub fn units_after(mut units: Vec<i64>, more: &[i64]) -> Vec<i64> {
    units.extend(more);
    units.sort_unstable();
    units.dedup();
    units
}
