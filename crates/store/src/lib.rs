//! Storage for xiezhi: the [`Store`] trait the application is written against, and its SQL
//! implementation for SQLite (embedded, the default) and PostgreSQL (production).

mod audit;
mod batch;
mod cache;
mod copy;
mod disputes;
mod docket;
mod engine;
mod error;
mod filters;
mod knowledge;
mod limits;
mod model;
mod outbox;
mod pages;
mod sql;
pub mod testing;
mod tickets;

pub use audit::{NewEvent, Payload};
pub use batch::CaseWritten;
pub use cache::units_after;
pub use disputes::{DisputeFilter, DisputeRecord, DisputeSort, DisputeStore, DisputeTally, DisputeWrite, Mediator};
pub use docket::{DocketCount, DocketFilter, DocketItem, DocketSort, DocketStore, KINDS as DOCKET_KINDS};
pub use error::{OpenError, StoreError};
pub use knowledge::{KnowledgeFilter, KnowledgeItem, KnowledgeStore, KnowledgeSupervision, NewKnowledgeItem, NewKnowledgeSupervision, UnitUpkeep};
pub use limits::{LimitStore, StoredLimit};
pub use model::*;
pub use outbox::{Attempt, Delivery, DeliveryLog, Notice, OutboxStore, Webhook};
pub use sql::{fingerprint, redact_url, Backend, SqlStore};
pub use tickets::{TicketFilter, TicketRecord, TicketStore, TicketTally, TicketWrite};

use std::future::Future;
use xiezhi_core::{RegionCode, Role, UnitKind};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the application needs from storage. Each method is one transaction: it either
/// happens whole or not at all.
/// Each domain beyond the organisation and cases keeps its part in a trait and a file of its own
/// ([`DisputeStore`] in `disputes.rs`); a `Store` has them all.
pub trait Store: DocketStore + DisputeStore + TicketStore + KnowledgeStore + LimitStore + OutboxStore + Clone + Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Cheap round trip, for readiness.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;

    // Organisation.
    fn region(&self, code: RegionCode) -> impl Future<Output = Result<Region>> + Send;
    fn child_regions(&self, parent: Option<RegionCode>) -> impl Future<Output = Result<Vec<Region>>> + Send;
    fn create_unit(&self, unit: NewUnit, by: By) -> impl Future<Output = Result<Recorded<Unit>>> + Send;
    fn unit(&self, id: i64) -> impl Future<Output = Result<Unit>> + Send;
    fn update_unit(&self, id: i64, change: UnitChange, by: By) -> impl Future<Output = Result<Recorded<Unit>>> + Send;
    /// Which of these unit names are taken.
    fn existing_unit_names(&self, names: &[String]) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn list_units(&self, filter: UnitFilter) -> impl Future<Output = Result<Vec<Unit>>> + Send;
    /// Insert the regions, then the units and users, all in one transaction.
    fn seed(&self, org: SeedOrg, by: By) -> impl Future<Output = Result<SeedReport>> + Send;
    fn create_region(&self, region: Region, by: By) -> impl Future<Output = Result<Recorded<Region>>> + Send;
    fn meta(&self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    fn counts(&self) -> impl Future<Output = Result<Counts>> + Send;

    // People.
    fn create_user(&self, user: NewUser, by: By) -> impl Future<Output = Result<Recorded<User>>> + Send;
    fn user(&self, id: i64) -> impl Future<Output = Result<User>> + Send;
    fn update_user(&self, id: i64, change: UserChange, by: By) -> impl Future<Output = Result<Recorded<User>>> + Send;
    fn users_of_unit(&self, unit_id: i64) -> impl Future<Output = Result<Vec<User>>> + Send;
    /// The user and their password hash, for sign-in.
    fn credentials(&self, username: &str) -> impl Future<Output = Result<Option<(User, String)>>> + Send;
    fn set_password(&self, user_id: i64, password_hash: String, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;

    /// Ask for the admin role on an account (recorded); it is granted only by [`Store::decide_admin_grant`].
    fn request_admin_grant(&self, user_id: i64, by: By) -> impl Future<Output = Result<Recorded<AdminGrant>>> + Send;
    fn admin_grant(&self, id: i64) -> impl Future<Output = Result<AdminGrant>> + Send;
    /// Requests not yet decided, oldest first.
    fn pending_admin_grants(&self) -> impl Future<Output = Result<Vec<AdminGrant>>> + Send;
    /// Approve (the account gains the admin role) or refuse a pending request, in one
    /// transaction with its events; a request already decided is `Conflict`.
    fn decide_admin_grant(&self, id: i64, approve: bool, by: By) -> impl Future<Output = Result<Recorded<AdminGrant>>> + Send;

    // Sessions and API tokens (stored by the SHA-256 of the secret, never the secret).
    fn create_session(&self, s: NewSession) -> impl Future<Output = Result<()>> + Send;
    fn session(&self, token_hash: &str, now: i64) -> impl Future<Output = Result<Option<Principal>>> + Send;
    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;
    fn create_token(&self, user_id: i64, name: String, token_hash: String, by: By) -> impl Future<Output = Result<Recorded<ApiToken>>> + Send;
    fn tokens_of_user(&self, user_id: i64) -> impl Future<Output = Result<Vec<ApiToken>>> + Send;
    fn revoke_token(&self, user_id: i64, token_id: i64, by: By) -> impl Future<Output = Result<Recorded<ApiToken>>> + Send;
    fn token(&self, token_hash: &str, now: i64) -> impl Future<Output = Result<Option<Principal>>> + Send;

    // The security record: sign-ins, throttling, denied access.
    fn record(&self, event: NewSecurityEvent) -> impl Future<Output = Result<()>> + Send;
    /// Failed sign-ins since `since`: (for this username, from this client).
    fn failed_sign_ins_since(&self, username: &str, client: &str, since: i64) -> impl Future<Output = Result<(i64, i64)>> + Send;
    fn security_events(&self, region_prefix: &str, limit: i64) -> impl Future<Output = Result<Vec<SecurityEvent>>> + Send;

    // Criminal cases.
    fn create_case(&self, write: CaseWrite, by: By) -> impl Future<Output = Result<Recorded<CaseWritten>>> + Send;
    /// Apply a decided change if the case is still at `version` (otherwise `Conflict`); returns the
    /// new version. Case writes are group-committed: acknowledged means durable.
    fn update_case(&self, id: i64, version: i64, write: CaseWrite, by: By) -> impl Future<Output = Result<Recorded<CaseWritten>>> + Send;
    fn case(&self, id: i64) -> impl Future<Output = Result<Option<CaseRecord>>> + Send;
    /// Insert whole cases with their history, many in one transaction (demo data, migrations).
    fn import_cases(&self, writes: Vec<CaseWrite>, by: By) -> impl Future<Output = Result<usize>> + Send;
    /// Continue every unit's registers for `year` after serial `last` at least: numbers given
    /// outside the registers (the demo's) are never given again.
    fn raise_serials(&self, year: i32, last: i64) -> impl Future<Output = Result<()>> + Send;
    /// Case ids after `after`, in order, for walking every case.
    fn case_ids(&self, after: i64, limit: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Overwrite a case's projection (not its events or version): for rebuilding read models.
    fn restore_case(&self, id: i64, write: CaseWrite) -> impl Future<Output = Result<()>> + Send;
    /// The case as this process last read or wrote it (within the last minute), for deciding a
    /// change without reading it again. It may be behind a change made by another process: the
    /// write's version check refuses a decision made on it, and the caller reads afresh.
    fn remembered_case(&self, id: i64) -> Option<(CaseRecord, Vec<i64>)>;
    /// A case and the units that hold or held it (those that may see it), in one read.
    fn case_with_units(&self, id: i64) -> impl Future<Output = Result<Option<(CaseRecord, Vec<i64>)>>> + Send;
    fn case_units(&self, id: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// What a case's row holds beyond its record, for checking the read model: the text a list's
    /// search looks in, and the day of registration.
    fn case_search(&self, id: i64) -> impl Future<Output = Result<(String, Option<String>)>> + Send;
    /// Cases matching the filter, soonest due first. Lists carry no state snapshot (`state` is
    /// empty); read one case for that.
    fn cases(&self, filter: CaseFilter) -> impl Future<Output = Result<Vec<CaseRecord>>> + Send;
    /// Case counts by region and stage, for the filter's unit or region subtree; and, of those,
    /// how many have a clock due by `filter.due_by` (when given).
    fn case_counts(&self, filter: CaseFilter) -> impl Future<Output = Result<Vec<CaseCount>>> + Send;
    /// Open cases in a region subtree (code prefix) by charge, most first.
    fn charge_counts(&self, region_prefix: &str) -> impl Future<Output = Result<Vec<ChargeCount>>> + Send;
    /// Cases registered in a region subtree from `from` to `to` (`YYYY-MM-DD`, both included),
    /// by charge, most first.
    fn charge_tallies(&self, region_prefix: &str, from: &str, to: &str) -> impl Future<Output = Result<Vec<ChargeTally>>> + Send;

    /// Ids of cases whose earliest due date is provisional, or falls between `from` and `to`
    /// (`YYYY-MM-DD`, inclusive), after `after`, in order: what a newly loaded calendar year may move.
    fn cases_to_recompute(&self, from: &str, to: &str, after: i64, limit: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;

    // Holiday calendars loaded through the product.
    /// Store (or replace) a year's calendar and record it in the audit log, in one transaction.
    fn put_calendar(&self, calendar: StoredCalendar, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;
    /// Every stored year, oldest first.
    fn calendars(&self) -> impl Future<Output = Result<Vec<StoredCalendar>>> + Send;

    // Dossier content, addressed by SHA-256 (hex). Storing the same content twice keeps one copy.
    fn put_blob(&self, sha256: &str, content_type: &str, bytes: Vec<u8>, at: i64) -> impl Future<Output = Result<()>> + Send;
    /// Content type and bytes.
    fn blob(&self, sha256: &str) -> impl Future<Output = Result<Option<(String, Vec<u8>)>>> + Send;
    /// Stored contents with address after `after`, in order, at most `limit`: (address, bytes),
    /// for re-hashing every document.
    fn blobs_after(&self, after: &str, limit: i64) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>>> + Send;

    // Idempotency keys.
    fn idempotency_begin(&self, scope: &str, key: &str, request_hash: &str, at: i64) -> impl Future<Output = Result<Idempotent>> + Send;
    /// Record the answer (`Some`) or release the key after a refusal that changed nothing (`None`).
    fn idempotency_finish(&self, scope: &str, key: &str, answer: Option<(u16, String)>) -> impl Future<Output = Result<()>> + Send;

    // The audit log.
    /// Number of leaves (events).
    fn audit_size(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Events with index in `start..end`, as stored now.
    fn events(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Record events that stand on their own (imported history, load generation), in one transaction.
    fn append_events(&self, events: Vec<NewEvent>, by: By) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Events whose subject lies in `from..to` (e.g. `"unit:".."unit;"`, every unit), with index
    /// after `after`, oldest first, at most `limit` (≤ 10,000): for replaying a whole kind.
    fn events_in_subjects(&self, from: &str, to: &str, after: i64, limit: i64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Every unit, user (with the stored password hash) and API token (with the stored token
    /// hash) as stored now: what the organisation's integrity check compares with the log.
    fn organisation_rows(&self) -> impl Future<Output = Result<OrganisationRows>> + Send;
    /// The events about one subject (e.g. `unit:12`), oldest first.
    fn events_of(&self, subject: &str, limit: i64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// What a unit did: its events on subjects beginning with `subject_prefix` (`case:`), newest
    /// first, one page.
    fn unit_events(&self, unit_id: i64, subject_prefix: &str, limit: i64, offset: i64) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Events for an auditor to browse, newest first: those of units in a region subtree (and,
    /// for the whole province, the system's own), narrowed by subject, kind family or actor.
    fn browse_events(&self, q: EventQuery) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// The leaf hash of each event with index in `start..end`, recomputed from the event as stored
    /// now, in order. Computed where the rows are read (on SQLite by a plain reader thread off the
    /// pool): verification streams millions of them.
    fn event_leaf_hashes(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<(u64, xiezhi_audit::Hash)>>> + Send;
    /// Stored leaf hashes for indexes `start..end`, in order.
    fn leaf_hashes(&self, start: u64, end: u64) -> impl Future<Output = Result<Vec<(u64, xiezhi_audit::Hash)>>> + Send;
    /// For each range `start..end` that `next` hands out, until it hands out `None`: both of the
    /// above — recomputed, then stored — handed to `f(start, end, recomputed, stored)` on the
    /// thread that read them, so a verifier's hashing runs there too; `f`'s answers in order.
    /// On SQLite one blocking thread reads every range, each from one snapshot, into buffers kept
    /// between ranges, without handing work to another thread in between: a verifier runs one
    /// call per core, sharing `next`.
    fn with_leaf_ranges<R, N, F>(&self, next: N, f: F) -> impl Future<Output = Result<Vec<R>>> + Send
    where
        R: Send + 'static,
        N: FnMut() -> Option<(u64, u64)> + Send + 'static,
        F: FnMut(u64, u64, &[(u64, xiezhi_audit::Hash)], &[(u64, xiezhi_audit::Hash)]) -> R + Send + 'static;
    /// Stored complete-subtree hashes (absent addresses are left out).
    fn audit_nodes(
        &self,
        nodes: &[xiezhi_audit::Node],
    ) -> impl Future<Output = Result<std::collections::HashMap<xiezhi_audit::Node, xiezhi_audit::Hash>>> + Send;
    /// Store a signed checkpoint (idempotent per tree size).
    fn add_checkpoint(&self, cp: StoredCheckpoint) -> impl Future<Output = Result<()>> + Send;
    fn checkpoint(&self, tree_size: Option<i64>) -> impl Future<Output = Result<Option<StoredCheckpoint>>> + Send;
    fn checkpoints(&self, limit: i64) -> impl Future<Output = Result<Vec<StoredCheckpoint>>> + Send;
    /// Signed checkpoints with tree size below `before`, newest first, at most `limit` (≤ 10,000):
    /// for walking every checkpoint ever signed.
    fn checkpoints_before(&self, before: i64, limit: i64) -> impl Future<Output = Result<Vec<StoredCheckpoint>>> + Send;
    fn add_cosignature(&self, c: StoredCosignature) -> impl Future<Output = Result<()>> + Send;
    fn cosignatures(&self, tree_sizes: &[i64]) -> impl Future<Output = Result<Vec<StoredCosignature>>> + Send;

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
