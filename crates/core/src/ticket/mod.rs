//! A hotline work order (工单) of 12345, 12309 or 12348, on its closed loop: taken on the call,
//! answered there, not accepted, sent to the emergency services, or dispatched to a lead unit
//! and assisting units; signed for, handled (first contact, extension, return request), replied
//! to, reviewed by the hotline centre, called back — and closed, or reopened (发回重办) when the
//! caller is unsatisfied or the matter unsolved.
//!
//! Like the other machines: `decide` refuses naming the state and the rule, or returns events;
//! `apply` folds them. Rules: `shared/rules/disputes-hotlines-credit.md` §2 (row numbers).

mod decide;
pub mod upkeep;
pub use crate::local::LocalLimit;

impl Ticket {
    /// The city's own limit for a rule, if the order was taken under one.
    pub fn local_limit(&self, rule: &str) -> Option<&LocalLimit> {
        self.limits.iter().find(|l| l.rule == rule)
    }
}

#[cfg(test)]
mod tests;

pub use decide::{apply, available, clocks, decide, on_time, DueView};

use crate::case::UnitRef;
use crate::dispute::Satisfaction;
use crate::UnitKind;
use serde::{Deserialize, Serialize};
use time::Date;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hotline {
    #[serde(rename = "12345")]
    H12345,
    #[serde(rename = "12309")]
    H12309,
    #[serde(rename = "12348")]
    H12348,
}

impl Hotline {
    /// The hotline a centre runs.
    pub fn of(kind: UnitKind) -> Option<Hotline> {
        match kind {
            UnitKind::Hotline12345 => Some(Hotline::H12345),
            UnitKind::Hotline12309 => Some(Hotline::H12309),
            UnitKind::Hotline12348 => Some(Hotline::H12348),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Hotline::H12345 => "12345",
            Hotline::H12309 => "12309",
            Hotline::H12348 => "12348",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TicketChannel))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Web,
    Wechat,
    App,
    Letter,
    Visit,
    Sms,
}

/// What the caller wants (12309 and 12348 add their own kinds).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    Consultation,
    Help,
    Complaint,
    Report,
    Suggestion,
    Praise,
    /// 控告 (12309)
    Accusation,
    /// 申诉 / 信访
    Petition,
    /// 国家赔偿 (12309)
    StateCompensation,
    /// 法律援助申请 (12348)
    LegalAid,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Utilities and other time-critical matters: within 24 hours (H9).
    Urgent,
    Normal,
    /// Several units or hard facts: 15 working days (H9).
    Complex,
}

/// Who called. A confidential reporter's identity is seen by the hotline centre only (H17).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Caller {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Gave no name or number.
    #[serde(default)]
    pub anonymous: bool,
    /// 举报人保密: the handling units do not learn who called.
    #[serde(default)]
    pub confidential: bool,
    /// The caller wants an answer (不需回复 when false: no callback).
    #[serde(default = "yes")]
    pub reply_wanted: bool,
}

fn yes() -> bool {
    true
}

impl Caller {
    /// The caller as a handling unit sees them.
    pub fn for_handlers(&self) -> Caller {
        if self.confidential {
            Caller { name: None, phone: None, ..self.clone() }
        } else {
            self.clone()
        }
    }
}

/// Where an emergency goes at once (H2).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emergency {
    #[serde(rename = "110")]
    Police,
    #[serde(rename = "119")]
    Fire,
    #[serde(rename = "120")]
    Ambulance,
    #[serde(rename = "122")]
    Traffic,
}

/// A unit the order is dispatched to: the lead (主办) or an assistant (协办).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub unit: UnitRef,
    pub lead: bool,
    #[serde(with = "crate::dates")]
    pub dispatched: Date,
    #[serde(with = "crate::dates::option", default)]
    pub signed: Option<Date>,
    /// An assistant's report to the lead (H5).
    #[serde(default)]
    pub report: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Solved,
    Partly,
    /// Explained why it cannot be done as asked.
    Explained,
    NotSolvable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub resolution: Resolution,
    pub text: String,
    #[serde(with = "crate::dates")]
    pub on: Date,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackChannel {
    Phone,
    Sms,
    Web,
}

/// Why the centre supervises an order (督办, H14 — 济南条例 28).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuperviseReason {
    /// Its limit has run out.
    Overdue,
    /// The caller keeps raising a matter still unresolved.
    Repeated,
    /// Another reason, given in the note.
    Other,
}

/// A supervision notice (督办) the handling units must answer by handling the order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervision {
    pub reason: SuperviseReason,
    pub note: String,
    #[serde(with = "crate::dates")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    pub channel: CallbackChannel,
    pub reached: bool,
    pub solved: bool,
    pub satisfaction: Option<Satisfaction>,
    #[serde(with = "crate::dates")]
    pub on: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Taken on the call; the centre answers, refuses, transfers or dispatches it.
    Received,
    /// Dispatched; waiting for the lead to sign for it.
    Dispatched,
    /// Signed for; the lead handles it.
    InProgress,
    /// The lead replied; the centre reviews the reply.
    Replied,
    /// Reviewed; the centre calls the caller back.
    CallingBack,
    Closed,
    /// 终止办理, approved by the centre.
    Terminated,
}

impl Stage {
    pub const ALL: [Stage; 7] = [Stage::Received, Stage::Dispatched, Stage::InProgress, Stage::Replied, Stage::CallingBack, Stage::Closed, Stage::Terminated];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Dispatched => "dispatched",
            Stage::InProgress => "in_progress",
            Stage::Replied => "replied",
            Stage::CallingBack => "calling_back",
            Stage::Closed => "closed",
            Stage::Terminated => "terminated",
        }
    }
    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Closed | Stage::Terminated)
    }
}

/// How the order ended, for the indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    AnsweredOnCall,
    NotAccepted,
    Emergency,
    /// Closed after the callback (or the review, when no reply was wanted).
    Handled,
    /// Turned into a dispute for mediation (多元解纷).
    BecameDispute,
    Terminated,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::AnsweredOnCall => "answered_on_call",
            Outcome::NotAccepted => "not_accepted",
            Outcome::Emergency => "emergency",
            Outcome::Handled => "handled",
            Outcome::BecameDispute => "became_dispute",
            Outcome::Terminated => "terminated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The city's own time limits in force when the order was taken (see [`LocalLimit`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<LocalLimit>,
    pub hotline: Hotline,
    pub channel: Channel,
    pub kind: TicketKind,
    pub urgency: Urgency,
    pub caller: Caller,
    pub title: String,
    pub content: String,
    pub address: String,
    /// 涉法涉诉: handled by the political-legal units, never as an ordinary ticket.
    pub concerns_law: bool,
    pub centre: UnitRef,
    #[serde(with = "crate::dates")]
    pub received: Date,
    pub stage: Stage,
    pub assignments: Vec<Assignment>,
    /// The centre decided who handles it: that unit may not return it (H21).
    pub designated: bool,
    /// A return asked for by the lead, and why.
    pub return_request: Option<String>,
    /// When the lead's handling clock started (signed for, or reopened).
    #[serde(with = "crate::dates::option", default)]
    pub handling_since: Option<Date>,
    /// Days added by approved extensions.
    pub extension_days: u32,
    pub extension_request: Option<(u32, String)>,
    #[serde(with = "crate::dates::option", default)]
    pub first_contact: Option<Date>,
    pub reply: Option<Reply>,
    /// The answer given on the call, and the knowledge item it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<(String, Option<KnowledgeRef>)>,
    pub callbacks: Vec<Callback>,
    /// 发回重办: how many times.
    pub reopened: u32,
    pub termination_request: Option<String>,
    /// Supervision notices (督办), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supervisions: Vec<Supervision>,
    pub outcome: Option<Outcome>,
    /// Every unit that handled or assisted (they may still see it).
    pub involved: Vec<UnitRef>,
    /// The dispute it became.
    pub dispute_id: Option<i64>,
    /// The earlier ticket this call repeats (same caller, same matter).
    pub repeat_of: Option<i64>,
    /// Return requests and extension requests made (for the indicators).
    #[serde(default)]
    pub returns: u32,
    #[serde(default)]
    pub extensions: u32,
    /// When the lead was due to have replied, and when it did, on the last round.
    #[serde(with = "crate::dates::option", default)]
    pub replied_on: Option<Date>,
}

impl Ticket {
    pub fn lead(&self) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.lead)
    }
    /// The rule the lead's handling clock runs on.
    pub fn handling_rule(&self) -> &'static str {
        match (self.hotline, self.kind, self.urgency) {
            (_, TicketKind::Petition, _) if self.hotline != Hotline::H12309 => "petition.handling",
            (Hotline::H12309, _, _) if self.channel == Channel::Letter => "hotline.12309_result",
            (Hotline::H12309, ..) => "hotline.12309_reply",
            (Hotline::H12348, TicketKind::LegalAid, _) => "legal_aid.decision",
            (Hotline::H12348, ..) => "hotline.12348",
            (_, _, Urgency::Urgent) => "hotline.12345_urgent",
            (_, _, Urgency::Complex) => "hotline.12345_complex",
            _ => "hotline.12345",
        }
    }
}

/// A knowledge-base item as an answer cites it: which, what it answers, and the days it holds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeRef {
    pub id: i64,
    pub question: String,
    #[serde(with = "crate::dates")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub valid_from: Date,
    #[serde(default, with = "crate::dates::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub valid_until: Option<Date>,
}

impl KnowledgeRef {
    /// Whether the item holds on `day`.
    pub fn valid_on(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// What someone asks the ticket machine to do. Units are resolved by the application layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 受理: taken on the call by a hotline centre.
    Register {
        channel: Channel,
        kind: TicketKind,
        urgency: Urgency,
        caller: Caller,
        title: String,
        content: String,
        address: String,
        concerns_law: bool,
        repeat_of: Option<i64>,
        /// The city's own time limits in force (the application reads them; not the caller's).
        #[serde(default)]
        limits: Vec<LocalLimit>,
    },
    /// Answered on the call from the knowledge base (H2).
    AnswerOnCall {
        answer: String,
        /// The knowledge-base item the answer comes from.
        item: Option<KnowledgeRef>,
    },
    /// 不予受理 with the reason and the route the caller was told (H18).
    NotAccept {
        reason: String,
        route: String,
    },
    /// Sent at once to 110, 119, 120 or 122 (H2).
    TransferEmergency {
        to: Emergency,
    },
    /// 派单 to a lead and assisting units; `designated` when the centre decides a dispute of
    /// responsibility (H21).
    Dispatch {
        lead: UnitRef,
        assists: Vec<UnitRef>,
        designated: bool,
    },
    /// An assigned unit signs for the order (签收).
    SignFor,
    /// The lead asks to return an order clearly outside its duties (H21).
    RequestReturn {
        reason: String,
    },
    /// The centre decides a return request: approved, it dispatches again; refused, the unit is
    /// designated and may not return it.
    DecideReturn {
        approve: bool,
    },
    /// The lead reached the caller (响应, H6).
    FirstContact,
    /// The lead asks for more days, with the reason (H6).
    RequestExtension {
        days: u32,
        reason: String,
    },
    DecideExtension {
        approve: bool,
    },
    /// An assistant reports to the lead (H5).
    AssistReport {
        text: String,
    },
    /// The lead replies with the result.
    Reply {
        resolution: Resolution,
        text: String,
    },
    /// The centre reviews the reply: passed, or sent back (H13).
    Review {
        pass: bool,
        note: String,
    },
    /// 回访 (H7, H13): unsatisfied or unsolved reopens the order.
    Callback {
        channel: CallbackChannel,
        reached: bool,
        solved: bool,
        satisfaction: Option<Satisfaction>,
    },
    /// The lead asks to stop handling (H20).
    RequestTermination {
        reason: String,
    },
    DecideTermination {
        approve: bool,
    },
    /// 督办: the centre presses the handling units on an order they still have (H14).
    Supervise {
        reason: SuperviseReason,
        note: String,
    },
    /// The centre turned the order into a dispute for mediation (`dispute_id` from the
    /// application layer, which registers it).
    BecomeDispute {
        dispute_id: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Registered {
        hotline: Hotline,
        channel: Channel,
        kind: TicketKind,
        urgency: Urgency,
        caller: Caller,
        title: String,
        content: String,
        address: String,
        concerns_law: bool,
        repeat_of: Option<i64>,
        by: UnitRef,
        #[serde(with = "crate::dates")]
        on: Date,
        /// The city's own time limits in force that day.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        limits: Vec<LocalLimit>,
    },
    AnsweredOnCall {
        answer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<KnowledgeRef>,
    },
    NotAccepted {
        reason: String,
        route: String,
    },
    TransferredEmergency {
        to: Emergency,
    },
    Dispatched {
        lead: UnitRef,
        assists: Vec<UnitRef>,
        designated: bool,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    SignedFor {
        unit: UnitRef,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    ReturnRequested {
        reason: String,
    },
    ReturnDecided {
        approve: bool,
    },
    FirstContacted {
        #[serde(with = "crate::dates")]
        on: Date,
    },
    ExtensionRequested {
        days: u32,
        reason: String,
    },
    ExtensionDecided {
        approve: bool,
    },
    AssistReported {
        unit: UnitRef,
        text: String,
    },
    Replied {
        reply: Reply,
    },
    Reviewed {
        pass: bool,
        note: String,
    },
    CalledBack {
        callback: Callback,
    },
    Reopened {
        #[serde(with = "crate::dates")]
        on: Date,
    },
    Closed,
    TerminationRequested {
        reason: String,
    },
    TerminationDecided {
        approve: bool,
    },
    Supervised {
        supervision: Supervision,
    },
    BecameDispute {
        dispute_id: i64,
    },
}

pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 4000;
pub const MAX_ASSISTS: usize = 10;

impl Command {
    /// Every text within its length and free of control characters, naming the field.
    pub fn check_texts(&self) -> Result<(), crate::FieldError> {
        use crate::names::check_text;
        let long = |field, t: &str| check_text(field, t, MAX_TEXT, true);
        match self {
            Command::Register { caller, title, content, address, .. } => {
                check_text("title", title, MAX_TITLE, false)?;
                long("content", content)?;
                if !address.is_empty() {
                    check_text("address", address, MAX_TITLE, false)?;
                }
                if let Some(n) = &caller.name {
                    check_text("caller", n, 64, false)?;
                }
                if let Some(phone) = &caller.phone {
                    if phone.len() > 20 || phone.is_empty() || !phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ') {
                        return Err(crate::FieldError::new("phone", format!("{phone:?} is not a telephone number")));
                    }
                }
                if caller.anonymous && (caller.name.is_some() || caller.phone.is_some()) {
                    return Err(crate::FieldError::new("caller", "an anonymous caller has no name or number on the order"));
                }
                Ok(())
            }
            Command::AnswerOnCall { answer, .. } => long("answer", answer),
            Command::NotAccept { reason, route } => {
                long("reason", reason)?;
                long("route", route)
            }
            Command::Dispatch { assists, .. } if assists.len() > MAX_ASSISTS => {
                Err(crate::FieldError::new("assists", format!("at most {MAX_ASSISTS} assisting units")))
            }
            Command::RequestReturn { reason } | Command::RequestTermination { reason } => long("reason", reason),
            Command::RequestExtension { days, reason } => {
                if !(1..=60).contains(days) {
                    return Err(crate::FieldError::new("days", "between 1 and 60 days"));
                }
                long("reason", reason)
            }
            Command::AssistReport { text } | Command::Reply { text, .. } => long("text", text),
            Command::Review { note, .. } | Command::Supervise { note, .. } => long("note", note),
            _ => Ok(()),
        }
    }
}
