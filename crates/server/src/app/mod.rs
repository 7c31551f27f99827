//! What a signed-in person (or the system) can do, whatever the door: authorize → load →
//! decide → write. Knows nothing of HTTP; the API, the pages and the command line call it.

pub mod calendars;
pub mod cases;
pub mod deadlines;
pub mod disputes;
pub mod grants;
pub mod input;
pub mod integrity;
pub mod knowledge;
pub mod org;
pub mod people;
pub mod tickets;
pub mod webhooks;
