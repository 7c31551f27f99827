//! Storage for xiezhi: the [`Store`] trait the application is written against, and its SQL
//! implementation for SQLite (embedded, the default) and PostgreSQL (production).

mod audit;
mod audit_log;
mod batch;
mod blobs;
mod cache;
mod calendars;
mod cases;
mod copy;
mod disputes;
mod docket;
mod engine;
mod error;
mod filters;
mod idempotency;
mod knowledge;
mod limits;
mod model;
mod org;
mod outbox;
mod pages;
mod people;
mod sql;
pub mod testing;
mod tickets;

pub use audit::{NewEvent, Payload};
pub use audit_log::AuditLog;
pub use batch::CaseWritten;
pub use blobs::BlobStore;
pub use cache::units_after;
pub use calendars::CalendarStore;
pub use cases::CaseStore;
pub use disputes::{DisputeFilter, DisputeRecord, DisputeSort, DisputeStore, DisputeTally, DisputeWrite, Mediator};
pub use docket::{DocketCount, DocketFilter, DocketItem, DocketSort, DocketStore, KINDS as DOCKET_KINDS};
pub use error::{OpenError, StoreError};
pub use idempotency::IdempotencyStore;
pub use knowledge::{KnowledgeFilter, KnowledgeItem, KnowledgeStore, KnowledgeSupervision, NewKnowledgeItem, NewKnowledgeSupervision, UnitUpkeep};
pub use limits::{LimitStore, StoredLimit};
pub use model::*;
pub use org::OrgStore;
pub use outbox::{Attempt, Delivery, DeliveryLog, Notice, OutboxStore, Webhook};
pub use people::fingerprint;
pub use people::PeopleStore;
pub use sql::{redact_url, Backend, SqlStore};
pub use tickets::{TicketFilter, TicketRecord, TicketStore, TicketTally, TicketWrite};

use std::future::Future;
use xiezhi_core::{RegionCode, Role, UnitKind};

/// Every storage trait, for code that calls a [`SqlStore`] directly (a generic `S: Store` has
/// them through [`Store`]).
pub mod prelude {
    pub use crate::{
        AuditLog, BlobStore, CalendarStore, CaseStore, DisputeStore, DocketStore, IdempotencyStore, KnowledgeStore, LimitStore, OrgStore, OutboxStore,
        PeopleStore, Store, TicketStore,
    };
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the application needs from storage: every domain's trait. Each method is one
/// transaction: it either happens whole or not at all. Each domain keeps its part in a trait and
/// a file of its own, with its rows and its SQL for both backends ([`OrgStore`] in `org.rs`,
/// [`CaseStore`] in `cases.rs`, …); a `Store` has them all.
pub trait Store:
    OrgStore
    + PeopleStore
    + CaseStore
    + CalendarStore
    + BlobStore
    + IdempotencyStore
    + AuditLog
    + DocketStore
    + DisputeStore
    + TicketStore
    + KnowledgeStore
    + LimitStore
    + OutboxStore
    + Clone
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// Cheap round trip, for readiness.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
    /// Tables, columns, types and indexes in a backend-neutral form, to check that both
    /// migration folders end in the same schema.
    fn logical_schema(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
}

/// Roles are stored as a comma-separated list.
pub fn roles_to_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

pub fn roles_from_text(s: &str) -> Vec<Role> {
    s.split(',').filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect()
}

/// The kind and region of a unit, for checks before a write.
pub fn unit_kind_allowed(kind: UnitKind, region: RegionCode) -> std::result::Result<(), String> {
    if kind.allowed_levels().contains(&region.level()) {
        Ok(())
    } else {
        let levels: Vec<_> = kind.allowed_levels().iter().map(|l| l.as_str()).collect();
        Err(format!("a {kind} unit stands at {} level, not at {} level", levels.join(" or "), region.level()))
    }
}
