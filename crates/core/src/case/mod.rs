//! The criminal case as it moves between agencies (公检法司): its state, the commands people
//! give, the events that record what happened, and the clocks that run on it.
//!
//! `decide(case, command, actor, now, calendar)` either refuses — naming the state and the rule —
//! or returns events; `apply` folds events into the state. Nothing here does I/O.

mod decide;
pub mod judgment;
pub mod numbering;
#[cfg(test)]
mod tests;

pub use decide::{apply, available, clocks, decide, receivers, ClockView};
pub use judgment::{Confiscation, Deprivation, Finding, OutsidePrison, Punishment, Verdict};

use crate::{RegionCode, UnitKind};
use serde::{Deserialize, Serialize};
use time::Date;

/// A unit as far as the case machine needs to know it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    pub id: i64,
    pub kind: UnitKind,
    /// The region code (6 digits).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
}

/// Custody status of a suspect or defendant; it decides whether clocks bound custody (D5).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Custody {
    /// 拘留
    Detained,
    /// 逮捕
    Arrested,
    /// 取保候审
    Bail,
    /// 监视居住
    ResidentialSurveillance,
    Released,
    /// 服刑: the sentence is being executed (prison, detention house, 拘役); set when the
    /// executing organ takes the offender in, which lifts any measure (Crim Interp 172).
    Serving,
    /// 社区矫正: 管制 or probation under the justice bureau, from when it takes the offender in.
    CommunityCorrections,
}

impl Custody {
    pub fn held(self) -> bool {
        matches!(self, Custody::Detained | Custody::Arrested)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub custody: Custody,
    /// The resident identity card number (GB 11643), checked digit by digit; `X` upper-case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
}

/// Trial procedures (繁简分流).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    FastTrack,
    Summary,
    Ordinary,
}

impl Procedure {
    pub fn rule(self) -> &'static str {
        match self {
            Procedure::FastTrack => "criminal.fast_track_trial",
            Procedure::Summary => "criminal.summary_trial",
            Procedure::Ordinary => "criminal.first_instance",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Police investigate (侦查), before or after arrest.
    Investigation,
    /// The procuratorate reviews for prosecution (审查起诉).
    ProsecutionReview,
    /// Returned to the police for supplementary investigation (退回补充侦查).
    SupplementaryInvestigation,
    /// First-instance trial (审判); the procedure is on the case.
    Trial,
    /// Judgment given; the appeal window runs (上诉期).
    AppealWindow,
    /// Second instance (二审).
    SecondInstance,
    /// Judgment in force, awaiting hand-over for execution (交付执行).
    Final,
    /// Handed over for execution: closed.
    Executed,
    /// Not prosecuted (不起诉): closed.
    Declined,
    /// Case withdrawn (撤销案件): closed.
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Stage::Investigation,
        Stage::ProsecutionReview,
        Stage::SupplementaryInvestigation,
        Stage::Trial,
        Stage::AppealWindow,
        Stage::SecondInstance,
        Stage::Final,
        Stage::Executed,
        Stage::Declined,
        Stage::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Investigation => "investigation",
            Stage::ProsecutionReview => "prosecution_review",
            Stage::SupplementaryInvestigation => "supplementary_investigation",
            Stage::Trial => "trial",
            Stage::AppealWindow => "appeal_window",
            Stage::SecondInstance => "second_instance",
            Stage::Final => "final",
            Stage::Executed => "executed",
            Stage::Declined => "declined",
            Stage::Withdrawn => "withdrawn",
        }
    }
    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Executed | Stage::Declined | Stage::Withdrawn)
    }
}

/// Police–procuratorate collaboration on a case.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collaboration {
    /// 提前介入: the procuratorate is asked in (or offers) to guide the investigation early.
    EarlyIntervention,
    /// 案件会商
    Consultation,
    /// 线索移交
    ClueTransfer,
}

/// Catalogue categories of the dossier (卷宗目录).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentCategory {
    /// 诉讼文书
    ProceduralDocument,
    /// 证据材料
    Evidence,
    /// 法律文书（起诉书、判决书等）
    LegalInstrument,
    /// 其他
    Other,
}

/// A document in the case's dossier; its content is stored by its SHA-256.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub sha256: String,
    pub name: String,
    pub category: DocumentCategory,
    pub content_type: String,
    pub size: u64,
    pub added_by: UnitRef,
    #[serde(with = "crate::dates")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on: Date,
}

/// What an inter-agency hand-over asks of the receiver.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverKind {
    /// 提请批准逮捕: police → procuratorate, for a decision on arrest.
    ArrestRequest,
    /// 移送审查起诉: police → procuratorate (also the re-transfer after supplementary investigation).
    Prosecution,
    /// 提起公诉: procuratorate → court.
    Indictment,
    /// 上诉: first-instance court → the court one level up.
    Appeal,
    /// 交付执行: court → justice bureau (community corrections).
    Execution,
}

/// A hand-over under way: what it asks, from whom, to whom, when sent and signed for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub kind: HandoverKind,
    pub from: UnitRef,
    pub to: UnitRef,
    #[serde(with = "crate::dates")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub sent: Date,
    /// The receipt (签收): when the receiver signed for it.
    #[serde(with = "crate::dates::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub received: Option<Date>,
    /// The receiver's clock, running from the receipt.
    pub clock: Option<Clock>,
}

/// A measure short of custody on one person (取保候审 or 监视居住), and who decided it when:
/// its term runs from the decision (CPL 79) and restarts when the organ of a later stage decides
/// it again (SPP Rules 103, 113; Crim Interp 162).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub person: usize,
    pub custody: Custody,
    #[serde(with = "crate::dates")]
    pub since: Date,
    pub by: UnitRef,
}

impl Measure {
    pub fn rule(&self) -> &'static str {
        if self.custody == Custody::Bail {
            "criminal.bail"
        } else {
            "criminal.residential_surveillance"
        }
    }
}

/// A protest lodged by the procuratorate against a first-instance judgment (抗诉, CPL 228, 232).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protest {
    pub by: UnitRef,
    pub reason: String,
    #[serde(with = "crate::dates")]
    pub on: Date,
}

/// What a notice tells its addressee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 退回: a hand-over came back.
    Returned,
    /// 不批准逮捕: a detained suspect must be released now (CPL 91 ¶3).
    ArrestRefused,
    /// 退回补充侦查
    SupplementaryInvestigation,
    /// 侦检协作: an early-intervention, consultation or clue-transfer message.
    Message,
    /// 抗诉: the court must forward the protest to the court above.
    Protested,
    /// 撤回抗诉: the judgment is no longer protested.
    ProtestWithdrawn,
}

/// Something a unit must read and act on: a reason it was given or a request made to it. It
/// stays until that unit next acts on the case (sends a hand-over, answers the message) or the
/// case closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub to: UnitRef,
    pub from: UnitRef,
    pub text: String,
}

/// The clock the current stage runs on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub rule: String,
    #[serde(with = "crate::dates")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start: Date,
    pub extended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub case_no: String,
    pub title: String,
    /// 案由: a charge of the catalogue, with its articles there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    pub stage: Stage,
    /// The unit that holds the case now.
    pub holder: UnitRef,
    /// Every unit that has held the case, in order (they may still see it).
    pub held_by: Vec<UnitRef>,
    /// The investigating police unit, to which supplementary investigation returns.
    pub investigator: UnitRef,
    pub persons: Vec<Person>,
    pub handover: Option<Handover>,
    pub clock: Option<Clock>,
    /// Returns for supplementary investigation used (at most two, CPL 175).
    pub returns: u8,
    pub procedure: Option<Procedure>,
    pub plea: bool,
    /// Units brought in by collaboration (they see the case without holding it).
    #[serde(default)]
    pub involved: Vec<UnitRef>,
    /// The dossier's catalogue.
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Each agency's own number for the case (检察院、法院案号), beside the one case id.
    #[serde(default)]
    pub numbers: Vec<(UnitRef, String)>,
    /// The verdicts in force or pronounced, one per defendant judged.
    #[serde(default)]
    pub judgment: Vec<Verdict>,
    /// The day the judgment took effect.
    #[serde(with = "crate::dates::option", default)]
    pub in_force: Option<Date>,
    /// Defendants whose execution an executing organ has taken over.
    #[serde(default)]
    pub executed: Vec<usize>,
    #[serde(default)]
    pub protest: Option<Protest>,
    /// Bail and residential surveillance in force, each with its own term.
    #[serde(default)]
    pub measures: Vec<Measure>,
    /// The latest reason or request addressed to a unit that has not acted on it yet.
    #[serde(default)]
    pub notice: Option<Notice>,
    /// Since when someone on the case has been held without a break (detained or arrested):
    /// what a long-custody list (久押不决) reads.
    #[serde(with = "crate::dates::option", default)]
    pub held_since: Option<Date>,
}

impl Case {
    pub fn in_custody(&self) -> bool {
        self.persons.iter().any(|p| p.custody.held())
    }

    /// Defendants still to be handed over for execution, with the kind of unit that executes.
    pub fn to_execute(&self) -> Vec<(usize, UnitKind)> {
        self.judgment.iter().filter(|v| !self.executed.contains(&v.person)).filter_map(|v| v.executor().map(|k| (v.person, k))).collect()
    }
}

/// What someone asks the case machine to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 立案, with the 案由 from the catalogue of charges ([`crate::charges`]).
    Register {
        case_no: String,
        title: String,
        persons: Vec<Person>,
        #[serde(default)]
        charge: Option<String>,
    },
    /// Change a person's custody: detain, bail, residential surveillance, release.
    SetCustody { person: usize, custody: Custody },
    /// Extend the current clock (approver and reason are recorded).
    Extend { approver: String, reason: String, major: bool },
    /// 提请批准逮捕
    RequestArrestApproval { to: UnitRef },
    /// 移送审查起诉 (again, after supplementary investigation)
    TransferForProsecution { to: UnitRef },
    /// 提起公诉
    Indict { to: UnitRef },
    /// 上诉 / 抗诉
    Appeal { to: UnitRef },
    /// 交付执行
    HandOverForExecution { to: UnitRef },
    /// The receiver signs for a hand-over (签收).
    Receive,
    /// The receiver returns a hand-over with a written reason (退回).
    ReturnHandover { reason: String },
    /// 批准逮捕 (accepts an arrest request)
    ApproveArrest,
    /// 不批准逮捕
    RefuseArrest { reason: String },
    /// The procuratorate takes the case into review; `plea` for 认罪认罚 fast-track review;
    /// `number` is its own case number.
    AcceptForReview {
        plea: bool,
        #[serde(default)]
        number: Option<String>,
    },
    /// 退回补充侦查
    ReturnForSupplementaryInvestigation { reason: String },
    /// 不起诉
    DeclineProsecution { reason: String },
    /// 受理 with the chosen procedure (繁简分流) and the court's own case number.
    AcceptForTrial {
        procedure: Procedure,
        #[serde(default)]
        number: Option<String>,
    },
    /// Convert to a fuller procedure; the trial clock restarts (Crim Interp 368, 376).
    ConvertProcedure { to: Procedure },
    /// 判决: at first instance a verdict for every defendant; at second instance none to uphold
    /// the judgment (维持原判) or those it revises (改判).
    Judge {
        #[serde(default)]
        verdicts: Vec<Verdict>,
    },
    /// 抗诉: the procuratorate protests a first-instance judgment within the appeal window,
    /// through the court that gave it (CPL 228, 230, 232).
    Protest { reason: String },
    /// 撤回抗诉: the procuratorate that protested withdraws it within the protest period, which
    /// the court must allow (Crim Interp 385 ¶1); the judgment takes effect when the window
    /// closes unless a party appealed.
    WithdrawProtest { reason: String },
    /// The appeal window passed without appeal, or the second instance judged: in force.
    Finalize,
    /// The higher court takes the appeal, with its own case number.
    AcceptAppeal {
        #[serde(default)]
        number: Option<String>,
    },
    /// The executing organ takes the offenders in: the justice bureau (社区矫正) or the public
    /// security organ holding them (to deliver them to prison, or to execute 拘役).
    AcceptExecution,
    /// 撤销案件
    Withdraw { reason: String },
    /// A collaboration message between the police and the procuratorate of the same region.
    Collaborate { kind: Collaboration, to: UnitRef, text: String },
    /// Add a stored document to the dossier.
    AddDocument { sha256: String, name: String, category: DocumentCategory, content_type: String, size: u64 },
}

/// The record of what happened. Events carry everything needed to rebuild the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Registered {
        case_no: String,
        title: String,
        by: UnitRef,
        persons: Vec<Person>,
        /// 案由: a charge of the catalogue (absent on cases registered before it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        charge: Option<String>,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    CustodyChanged {
        person: usize,
        custody: Custody,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    ClockStarted {
        clock: Clock,
    },
    ClockExtended {
        clock: Clock,
        approver: String,
        reason: String,
    },
    ClockStopped,
    HandoverSent {
        handover: Handover,
    },
    HandoverReceived {
        #[serde(with = "crate::dates")]
        on: Date,
        clock: Option<Clock>,
    },
    HandoverReturned {
        reason: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    HandoverAccepted {
        #[serde(with = "crate::dates")]
        on: Date,
    },
    ArrestRefused {
        reason: String,
    },
    StageChanged {
        stage: Stage,
    },
    ReturnedForSupplementaryInvestigation {
        reason: String,
    },
    ProcedureChosen {
        procedure: Procedure,
        plea: bool,
    },
    /// A judgment pronounced: the verdicts it gives (none when a second instance upholds).
    Judged {
        verdicts: Vec<Verdict>,
    },
    /// The judgment took effect (生效).
    TookEffect {
        #[serde(with = "crate::dates")]
        on: Date,
    },
    Protested {
        protest: Protest,
    },
    ProtestWithdrawn {
        by: UnitRef,
        reason: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    Closed {
        stage: Stage,
        reason: String,
    },
    Collaborated {
        kind: Collaboration,
        from: UnitRef,
        to: UnitRef,
        text: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    DocumentAdded {
        document: Document,
    },
    NumberAssigned {
        unit: UnitRef,
        number: String,
    },
    /// A holiday calendar was loaded or replaced, and the earliest due date moved (or stopped
    /// being provisional). The case's state does not change; its clocks read the new calendar.
    DueRecomputed {
        year: i32,
        #[serde(with = "crate::dates::option")]
        before: Option<Date>,
        before_provisional: bool,
        #[serde(with = "crate::dates::option")]
        after: Option<Date>,
        after_provisional: bool,
    },
}

pub use crate::refusal::{Refusal, RefusalKind};

/// Longest case number, agency number, approver or person's name.
pub const MAX_SHORT_TEXT: usize = 64;
/// Longest title or document name.
pub const MAX_TITLE: usize = 200;
/// Longest reason or message.
pub const MAX_LONG_TEXT: usize = 2000;

impl Command {
    /// Every text in the command within its length, with no control characters but line breaks
    /// in reasons and messages: checked where a command is parsed, so a bad one is refused naming
    /// the field before anything is decided or stored.
    pub fn check_texts(&self) -> Result<(), crate::FieldError> {
        use crate::names::check_text;
        let reason = |r: &str| check_text("reason", r, MAX_LONG_TEXT, true);
        let number = |n: &Option<String>| n.as_deref().map_or(Ok(()), |n| check_text("number", n, MAX_SHORT_TEXT, false));
        match self {
            Command::Register { case_no, title, persons, charge } => {
                if let Some(c) = charge {
                    crate::charges::check("charge", c)?;
                }
                check_text("case_no", case_no, MAX_SHORT_TEXT, false)?;
                check_text("title", title, MAX_TITLE, false)?;
                persons.iter().try_for_each(|p| {
                    check_text("persons", &p.name, MAX_SHORT_TEXT, false)?;
                    match &p.id_number {
                        Some(n) if crate::id_number::check_id_number("id_number", n)? != *n => {
                            Err(crate::FieldError::new("id_number", "write the check character X in upper case"))
                        }
                        _ => Ok(()),
                    }
                })
            }
            Command::Extend { approver, reason: r, .. } => {
                check_text("approver", approver, MAX_SHORT_TEXT, false)?;
                reason(r)
            }
            Command::ReturnHandover { reason: r }
            | Command::Protest { reason: r }
            | Command::WithdrawProtest { reason: r }
            | Command::RefuseArrest { reason: r }
            | Command::ReturnForSupplementaryInvestigation { reason: r }
            | Command::DeclineProsecution { reason: r }
            | Command::Withdraw { reason: r } => reason(r),
            Command::AcceptForReview { number: n, .. } | Command::AcceptForTrial { number: n, .. } | Command::AcceptAppeal { number: n } => number(n),
            Command::Collaborate { text, .. } => check_text("text", text, MAX_LONG_TEXT, true),
            Command::AddDocument { name, .. } => check_text("name", name, MAX_TITLE, false),
            _ => Ok(()),
        }
    }
}
