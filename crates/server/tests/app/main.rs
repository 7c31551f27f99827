//! The application tested through its router: API, pages, operations, and a real browser.

mod audit;
mod browser;
mod calendars;
mod cases;
mod common;
mod deadlines;
mod disputes;
mod failures;
mod integrity;
mod knowledge;
mod lists;
mod open311;
mod ops;
mod org;
mod pages;
mod people;
mod tickets;
mod webhooks;
mod work;
