//! Hotline work orders on the wire: taking a call, commands (units named by id), the order as read.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xiezhi_core::dispute::Satisfaction;
use xiezhi_core::ticket::{CallbackChannel, Caller, Channel, Emergency, Resolution, TicketKind, Urgency};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketRequest {
    pub channel: Channel,
    pub kind: TicketKind,
    #[serde(default = "normal")]
    pub urgency: Urgency,
    #[serde(default)]
    pub caller: Caller,
    /// The matter in a line.
    pub title: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub address: String,
    /// 涉法涉诉: goes to the political-legal units.
    #[serde(default)]
    pub concerns_law: bool,
    /// An earlier order this call repeats.
    #[serde(default)]
    pub repeat_of: Option<i64>,
}

fn normal() -> Urgency {
    Urgency::Normal
}

/// A command on a work order as a client sends it: tagged by `command`, units named by id.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum TicketCommandRequest {
    /// Answer a consultation on the call; citing a knowledge item (its id) the answer may be
    /// left empty: the item's answer is given.
    /// 督办: the centre presses the handling units on an order they still have.
    Supervise {
        reason: xiezhi_core::ticket::SuperviseReason,
        #[serde(default)]
        note: String,
    },
    AnswerOnCall {
        #[serde(default)]
        answer: String,
        #[serde(default)]
        item: Option<i64>,
    },
    NotAccept {
        reason: String,
        route: String,
    },
    TransferEmergency {
        to: Emergency,
    },
    Dispatch {
        lead: i64,
        #[serde(default)]
        assists: Vec<i64>,
        #[serde(default)]
        designated: bool,
    },
    SignFor,
    RequestReturn {
        reason: String,
    },
    DecideReturn {
        approve: bool,
    },
    FirstContact,
    RequestExtension {
        days: u32,
        reason: String,
    },
    DecideExtension {
        approve: bool,
    },
    AssistReport {
        text: String,
    },
    Reply {
        resolution: Resolution,
        text: String,
    },
    Review {
        pass: bool,
        #[serde(default)]
        note: String,
    },
    Callback {
        channel: CallbackChannel,
        reached: bool,
        #[serde(default)]
        solved: bool,
        #[serde(default)]
        satisfaction: Option<Satisfaction>,
    },
    RequestTermination {
        reason: String,
    },
    DecideTermination {
        approve: bool,
    },
    /// Turn the order into a dispute for mediation, the caller its applicant (the centre).
    BecomeDispute {
        category: xiezhi_core::dispute::Category,
        /// The other side's name.
        respondent: String,
    },
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketClockDto {
    pub rule: String,
    pub unit_id: i64,
    #[schema(format = Date)]
    pub start: String,
    #[schema(format = Date)]
    pub due: Option<String>,
    pub provisional: bool,
    pub extension_days: u32,
    /// The city's own provision that set this limit in place of the catalogue's
    /// (`GET /api/v1/limits`); absent when the catalogue's applies.
    pub local_basis: Option<String>,
}

/// A work order as read. The handling units see a confidential caller's identity blanked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketDto {
    pub id: i64,
    pub ticket_no: String,
    pub hotline: String,
    pub stage: String,
    pub outcome: Option<String>,
    pub title: String,
    pub centre_unit_id: i64,
    pub lead_unit_id: Option<i64>,
    pub caller: Caller,
    /// The whole state: assignments, requests, reply, callbacks, reopen count.
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    pub clocks: Vec<TicketClockDto>,
    pub available: Vec<String>,
    pub version: i64,
    /// Only when the order is taken: the code the caller follows it with (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_code: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leaves: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketRowDto {
    pub id: i64,
    pub ticket_no: String,
    pub hotline: String,
    pub kind: String,
    pub title: String,
    pub stage: String,
    pub outcome: Option<String>,
    pub lead_unit_id: Option<i64>,
    pub pending_unit_id: Option<i64>,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    #[schema(format = Date)]
    pub received_on: String,
    pub reopened: i64,
}

/// What a caller sees of their order without signing in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStatusDto {
    pub ticket_no: String,
    pub stage: String,
    /// In Chinese.
    pub status_notes: String,
    pub handled_by: Option<String>,
    pub reply: Option<String>,
}
