use serde::Serialize;
use xiezhi_core::{Actor, RegionCode, RegionLevel, Role, UnitKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub parent: Option<RegionCode>,
    pub level: RegionLevel,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: i64,
    pub region: RegionCode,
    pub kind: UnitKind,
    pub name: String,
    pub name_en: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub region: RegionCode,
    pub kind: UnitKind,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Default)]
pub struct UnitChange {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Units standing exactly in this region.
    pub region: Option<RegionCode>,
    /// Units anywhere under this code prefix (see `RegionCode::subtree_prefix`).
    pub subtree: Option<String>,
    pub kind: Option<UnitKind>,
    pub include_disabled: bool,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub unit_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub unit_id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A signed-in user with their unit: who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub unit: Unit,
    /// The session's CSRF token; empty for API tokens, which are not sent by browsers.
    pub csrf_token: String,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user.id, unit_id: self.unit.id, unit_kind: self.unit.kind, region: self.unit.region, roles: self.user.roles.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewSecurityEvent {
    pub at: i64,
    pub kind: &'static str,
    pub username: Option<String>,
    pub user_id: Option<i64>,
    pub region: Option<RegionCode>,
    pub client: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityEvent {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub username: Option<String>,
    pub user_id: Option<i64>,
    pub region: Option<String>,
    pub client: Option<String>,
    pub detail: String,
}

/// A whole organisation to insert at once (the demo province, an import).
#[derive(Debug, Clone, Default)]
pub struct SeedOrg {
    pub regions: Vec<Region>,
    pub units: Vec<NewUnit>,
    /// Users refer to their unit by name.
    pub users: Vec<(String, NewUser)>,
    /// Facts to record about the database (key, value).
    pub meta: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    pub regions: usize,
    pub units: usize,
    pub users: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub regions: i64,
    pub units: i64,
    pub users: i64,
    pub cases: i64,
}

/// Who made a change, and when: stamped on the event it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct By {
    pub at: i64,
    pub user_id: Option<i64>,
    pub unit_id: Option<i64>,
}

impl By {
    /// A change made by the system itself (seeding, the command line).
    pub fn system(at: i64) -> Self {
        Self { at, user_id: None, unit_id: None }
    }
}

/// The result of a change, with the audit leaf indexes of the events that record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded<T> {
    pub value: T,
    pub leaves: Vec<i64>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub subject: String,
    pub kind: String,
    pub payload: String,
}

impl Event {
    /// The canonical leaf bytes of this event, as stored now.
    pub fn leaf_input(&self) -> Vec<u8> {
        self.leaf().encode()
    }

    /// The fields the leaf is made of.
    pub fn leaf(&self) -> xiezhi_audit::EventLeaf<'_> {
        xiezhi_audit::EventLeaf {
            seq: self.seq as u64,
            at: self.at,
            actor: self.actor_user_id,
            unit: self.unit_id,
            subject: self.subject.as_bytes(),
            kind: self.kind.as_bytes(),
            payload_digest: xiezhi_audit::payload_digest(self.payload.as_bytes()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub tree_size: i64,
    pub root: [u8; 32],
    pub at: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCosignature {
    pub tree_size: i64,
    pub witness: String,
    pub line: String,
    pub at: i64,
}

/// A case's projection, written with its events in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWrite {
    /// Unique for the issuing unit (`issuer_unit_id`), not across the province.
    pub case_no: String,
    /// The unit that registered the case and issued its number.
    pub issuer_unit_id: i64,
    pub title: String,
    pub region: RegionCode,
    pub stage: String,
    pub holder_unit_id: i64,
    pub pending_unit_id: Option<i64>,
    /// The unit a return, refusal or message is waiting to be read and acted on by.
    pub notice_unit_id: Option<i64>,
    pub in_custody: bool,
    /// Since when someone has been held without a break, `YYYY-MM-DD`.
    pub held_since: Option<String>,
    /// 案由: the charge's name.
    pub charge: Option<String>,
    /// The day of registration, `YYYY-MM-DD`: given by the write that records the registration
    /// (a create, a rebuild), none otherwise (it never changes).
    pub registered_on: Option<String>,
    /// The earliest running clock, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// That date assumed weekends only in a year whose calendar is not loaded.
    pub due_provisional: bool,
    /// The state snapshot (JSON).
    pub state: String,
    /// What a list's search looks in: the case number, the title, every agency's number and
    /// every person's name, lower-cased, one per line.
    pub search: String,
    /// Units that hold or held the case (an update adds these to the ones stored).
    pub units: Vec<i64>,
    /// Events to record: kind and payload.
    pub events: Vec<(String, crate::Payload)>,
    /// When each event happened (µs), for imported history; empty means now (`By::at`).
    pub event_times: Vec<i64>,
    /// A number this write gives with its serial still to be drawn: the writer draws it from the
    /// unit's register in the write's own transaction, once it knows the write applies, and puts
    /// the number wherever the pending one stands (case number, state, search, events).
    pub claim: Option<xiezhi_core::case::numbering::Claim>,
}

impl CaseWrite {
    /// The write with its claimed number filled in.
    pub(crate) fn filled(&self, number: &str) -> CaseWrite {
        let Some(claim) = &self.claim else { return self.clone() };
        let put = |s: &str| s.replace(&claim.pending, number);
        CaseWrite {
            case_no: put(&self.case_no),
            state: put(&self.state),
            search: self.search.replace(&claim.pending.to_lowercase(), &number.to_lowercase()),
            events: self.events.iter().map(|(k, p)| (k.clone(), p.replaced(&claim.pending, number))).collect(),
            claim: None,
            ..self.clone()
        }
    }
}

impl CaseRecord {
    /// The row a write leaves at `version` (a claimed number still pending: see [`Self::settle`]).
    pub fn written(id: i64, version: i64, w: &CaseWrite, at: i64) -> CaseRecord {
        CaseRecord {
            id,
            case_no: w.case_no.clone(),
            title: w.title.clone(),
            region: w.region.to_string(),
            stage: w.stage.clone(),
            holder_unit_id: w.holder_unit_id,
            pending_unit_id: w.pending_unit_id,
            notice_unit_id: w.notice_unit_id,
            in_custody: w.in_custody,
            held_since: w.held_since.clone(),
            charge: w.charge.clone(),
            due_date: w.due_date.clone(),
            due_provisional: w.due_provisional,
            version,
            state: w.state.clone(),
            updated_at: at,
        }
    }

    /// The number a write drew, where its claim's pending number stood.
    pub fn settle(&mut self, claim: Option<&xiezhi_core::case::numbering::Claim>, number: Option<&str>) {
        if let (Some(claim), Some(number)) = (claim, number) {
            self.case_no = self.case_no.replace(&claim.pending, number);
            self.state = self.state.replace(&claim.pending, number);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRecord {
    pub id: i64,
    pub case_no: String,
    pub title: String,
    pub region: String,
    pub stage: String,
    pub holder_unit_id: i64,
    pub pending_unit_id: Option<i64>,
    pub notice_unit_id: Option<i64>,
    pub in_custody: bool,
    pub held_since: Option<String>,
    pub charge: Option<String>,
    pub due_date: Option<String>,
    pub due_provisional: bool,
    pub version: i64,
    pub state: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Cases this unit holds or held.
    pub unit_id: Option<i64>,
    /// Cases in this region subtree (code prefix), for committees.
    pub region_prefix: Option<String>,
    pub stage: Option<String>,
    pub holder_unit_id: Option<i64>,
    /// Cases whose earliest clock is due on or before this date (`YYYY-MM-DD`).
    pub due_by: Option<String>,
    /// Cases whose earliest clock is due on or after this date (`YYYY-MM-DD`).
    pub due_from: Option<String>,
    /// Cases with a hand-over waiting for this unit.
    pub pending_for: Option<i64>,
    /// Cases with a return, refusal or message waiting for this unit.
    pub notice_for: Option<i64>,
    /// Cases with someone held since this date or earlier (`YYYY-MM-DD`).
    pub held_since_by: Option<String>,
    /// Cases of this charge (案由).
    pub charge: Option<String>,
    /// Read each case's state too (lists leave it out: it is the bulk of a row).
    pub with_state: bool,
    /// Only cases with no hand-over pending (counts: a sender's clock rests meanwhile).
    pub not_pending: bool,
    /// Cases whose number, title, any agency's number or any person's name contains this.
    pub text: Option<String>,
    pub sort: CaseSort,
    pub limit: i64,
    pub offset: i64,
}

/// The order of a case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// The earliest due date first (cases without a clock last).
    #[default]
    Due,
    /// The most recently changed first.
    Updated,
    /// By the registering agency's case number.
    Number,
    /// Held longest first (cases with nobody held last).
    Held,
}

/// Open cases of one charge (案由) in a region subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChargeCount {
    pub charge: String,
    pub cases: i64,
    /// Of those, with someone held.
    pub held: i64,
}

/// Cases of one charge (案由) registered in a region subtree in a period, and where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChargeTally {
    /// None: registered without a charge.
    pub charge: Option<String>,
    pub registered: i64,
    /// Still being handled (not final, executed, declined or withdrawn).
    pub open: i64,
    /// Judged with force of law (final or executed).
    pub judged: i64,
    /// Not prosecuted, or withdrawn.
    pub dropped: i64,
    /// With someone held now.
    pub held: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseCount {
    pub region: String,
    pub stage: String,
    pub cases: i64,
    /// Of those, with a clock due by the filter's date.
    pub due: i64,
}

/// What an idempotency key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent {
    /// First time: go ahead (the key is now claimed).
    Fresh,
    /// Answered before: send this again.
    Done { status: u16, body: String },
    /// The key was used for a different request.
    Mismatch,
    /// The first attempt has not finished (or was cut off): its outcome is unknown.
    InFlight,
}

/// A holiday calendar loaded through the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCalendar {
    pub year: i32,
    /// The file as loaded (the same JSON as `calendars/YEAR.json`).
    pub body: String,
    pub source: String,
    /// Who loaded it; `None` for the command line.
    pub loaded_by: Option<i64>,
    pub loaded_at: i64,
}

/// The organisation's tables as stored, for comparing with the log.
#[derive(Debug, Clone, Default)]
pub struct OrganisationRows {
    pub units: Vec<Unit>,
    /// Each user with their stored password hash.
    pub users: Vec<(User, String)>,
    /// Each token with its stored hash.
    pub tokens: Vec<(ApiToken, String)>,
}

/// A request for the admin role on an account, and its decision by a second administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminGrant {
    pub id: i64,
    pub user_id: i64,
    pub unit_id: i64,
    /// Who asked; `None` for the system.
    pub requested_by: Option<i64>,
    pub requested_at: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    /// `Some(true)` granted, `Some(false)` refused, `None` pending.
    pub approved: Option<bool>,
}

/// What an auditor looks for in the log.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Events done by units of this region subtree (code prefix).
    pub region_prefix: String,
    /// Also events with no unit (the system's): for the whole province.
    pub with_system: bool,
    /// Exactly this subject (`case:12`).
    pub subject: Option<String>,
    /// Kinds of this family (`case`, `dispute`, `user`…).
    pub family: Option<String>,
    pub actor_user_id: Option<i64>,
    /// Only events before this index (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}
