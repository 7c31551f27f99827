//! Disputes on the wire: registration, commands (units named by id) and the dispute as read.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xiezhi_core::dispute::{
    Category, Channel, Failure, LitigationOutcome, NotAcceptedGround, Party, Performance, RecusalGround, ReferralKind, Risk, RiskFactor, Ruling, Satisfaction,
    Signer, Term, Track,
};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDisputeRequest {
    /// What the dispute is about, in a line.
    pub title: String,
    pub channel: Channel,
    pub category: Category,
    /// The amount in dispute, in yuan.
    #[serde(default)]
    pub amount: Option<u64>,
    /// A group dispute (群体性).
    #[serde(default)]
    pub group: bool,
    pub parties: Vec<Party>,
}

/// A command on a dispute as a client sends it: tagged by `command`, units named by id.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum DisputeCommandRequest {
    /// 风险研判定级: `next_review` is a date after today.
    Assess {
        level: Risk,
        #[serde(default)]
        factors: Vec<RiskFactor>,
        #[schema(value_type = String, format = Date)]
        #[serde(with = "xiezhi_core::dates")]
        next_review: time::Date,
    },
    /// Report a red or orange dispute to the local police (人民调解法 25).
    ReportToPolice {
        to: i64,
    },
    /// The police sign for a report sent to them.
    AcknowledgeReport,
    /// 分流 to a mediation committee, a partner platform, entrusted mediation (a court, with
    /// `consent`) or the basic court for filing.
    Refer {
        kind: ReferralKind,
        to: i64,
        #[serde(default)]
        consent: bool,
    },
    /// Sign for a referral or a confirmation application (签收).
    Receive,
    /// Decline a referral with the reason; it goes back to the sender.
    Decline {
        reason: String,
    },
    /// A party refuses mediation (`party` is its index).
    RecordRefusal {
        party: usize,
    },
    /// Assign a mediator from your organisation's roster (`GET /api/v1/mediators`).
    AssignMediator {
        mediator: i64,
    },
    /// The assigned mediator steps aside (特邀调解规定 15-16).
    Recuse {
        ground: RecusalGround,
    },
    RecordSession {
        note: String,
    },
    /// Extend the mediation to `until`: `consents` lists every party's index.
    ExtendMediation {
        #[schema(value_type = String, format = Date)]
        #[serde(with = "xiezhi_core::dates")]
        until: time::Date,
        consents: Vec<usize>,
    },
    /// The terms agreed; signatures follow.
    Agree {
        terms: Vec<Term>,
        #[serde(default)]
        partial: bool,
        #[serde(default)]
        facts: String,
    },
    /// `{"signer": "party", "party": 0}`, `{"signer": "mediator"}` or `{"signer": "seal"}`.
    Sign {
        signer: Signer,
    },
    EndMediation {
        failure: Failure,
        reason: String,
        #[serde(default)]
        undisputed_facts: String,
    },
    /// The parties' joint application (`applicants`: every party's index) to the basic court.
    ApplyForConfirmation {
        court: i64,
        applicants: Vec<usize>,
    },
    /// The court accepts; without `number` it gets the court's next 民特 number.
    AcceptConfirmation {
        #[serde(default)]
        number: Option<String>,
    },
    NotAcceptConfirmation {
        ground: NotAcceptedGround,
    },
    ExtendConfirmation {
        approver: String,
        reason: String,
    },
    /// `{"ruling": "valid"}` or `{"ruling": "rejected", "ground": "not_voluntary"}`.
    Rule {
        ruling: Ruling,
    },
    /// The court files the case on a track; without `number` it gets the court's next 民初 number.
    FileCase {
        track: Track,
        #[serde(default)]
        number: Option<String>,
    },
    ConvertTrack {
        to: Track,
    },
    ConcludeLitigation {
        outcome: LitigationOutcome,
    },
    RecordPerformance {
        term: usize,
        performance: Performance,
    },
    FollowUp {
        satisfaction: Satisfaction,
        #[serde(default)]
        note: String,
    },
    Close,
    Withdraw {
        reason: String,
    },
    LinkCase {
        case_id: i64,
    },
}

/// A clock or a party's period on a dispute.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeClockDto {
    pub rule: String,
    pub unit_id: i64,
    #[schema(format = Date)]
    pub start: String,
    #[schema(format = Date)]
    pub due: Option<String>,
    pub provisional: bool,
    /// A date every party agreed to (an extended mediation).
    pub agreed: bool,
    /// A party's period: shown, never counted against a unit.
    pub party: bool,
    /// The province's own provision that set this limit in place of the catalogue's
    /// (`GET /api/v1/limits`); absent when the catalogue's applies.
    pub local_basis: Option<String>,
}

/// A dispute as read. Personal data (telephone, identity numbers) is masked for readers who do
/// not handle it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeDto {
    pub id: i64,
    /// 一案一码
    pub code: String,
    pub title: String,
    pub region: String,
    pub channel: Channel,
    pub category: Category,
    pub amount: Option<u64>,
    pub group: bool,
    pub stage: String,
    pub outcome: Option<String>,
    pub risk: Option<Risk>,
    pub holder_unit_id: i64,
    pub intake_unit_id: i64,
    #[schema(format = Date)]
    pub received: String,
    pub parties: Vec<Party>,
    pub refused: Vec<usize>,
    pub masked: bool,
    /// The whole state: risk assessment, reports, pending referral, mediation, streams tried,
    /// agreement, confirmation, litigation, follow-up and linked cases.
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    pub clocks: Vec<DisputeClockDto>,
    /// Commands the reader's unit may give now.
    pub available: Vec<String>,
    pub version: i64,
    /// Audit leaf indexes of the events just written (on a command's answer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leaves: Vec<i64>,
}

/// A row of a dispute list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeRowDto {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub region: String,
    pub channel: String,
    pub category: String,
    pub risk: Option<String>,
    pub stage: String,
    pub outcome: Option<String>,
    pub holder_unit_id: i64,
    pub pending_unit_id: Option<i64>,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    #[schema(format = Date)]
    pub received_on: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMediatorRequest {
    pub name: String,
    /// Dispute categories the mediator is strong in.
    #[serde(default)]
    pub specialties: Vec<Category>,
    /// On a court's roster of invited mediators (特邀调解员).
    #[serde(default)]
    pub court_roster: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediatorDto {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub specialties: Vec<String>,
    pub court_roster: bool,
    pub active: bool,
}
