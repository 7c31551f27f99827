//! A dispute (矛盾纠纷) on its way to resolution (多元解纷): taken in from any channel under one
//! code, graded for risk, diverted by hand-overs to mediation or litigation, mediated to an
//! agreement, judicially confirmed, performed, followed up and closed.
//!
//! Like the case machine: `decide(dispute, command, actor, now, calendar)` refuses — naming the
//! state and the rule — or returns events; `apply` folds them. Rules and articles:
//! `shared/rules/disputes-hotlines-credit.md` §1 (row numbers in the refusals).

mod decide;
pub mod scale;
#[cfg(test)]
mod tests;

pub use decide::{apply, available, clocks, decide, DueView};

use crate::case::UnitRef;
use crate::org::UnitKind;
use serde::{Deserialize, Serialize};
use time::Date;

/// Where the dispute came in (一案一码 whatever the door).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DisputeChannel))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 综治中心窗口
    GovernanceCentre,
    /// 110 警情
    Police110,
    /// 诉讼服务中心：立案前分流（诉前）
    CourtFiling,
    /// 村（社区）调委会、评理说事点
    VillagePoint,
    /// 网格员排查
    GridPatrol,
    /// 总对总 partner platform (trade union, women's federation, …)
    PartnerPlatform,
    /// 信访
    Petition,
    /// A hotline work order (12345 / 12309 / 12348)
    Hotline,
    /// 当事人线上自行申请
    Online,
}

impl Channel {
    pub const ALL: [Channel; 9] = [
        Channel::GovernanceCentre,
        Channel::Police110,
        Channel::CourtFiling,
        Channel::VillagePoint,
        Channel::GridPatrol,
        Channel::PartnerPlatform,
        Channel::Petition,
        Channel::Hotline,
        Channel::Online,
    ];
}

/// The national people's-mediation statistics categories.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    MarriageFamily,
    Neighbour,
    HouseSite,
    LandForest,
    LandRequisition,
    Contract,
    Business,
    Damages,
    Labour,
    PropertyManagement,
    Medical,
    Traffic,
    Consumer,
    Environment,
    Other,
}

impl Category {
    /// The partner platform whose sector this is (M21, C17-C18): the trade union's labour
    /// disputes, the women's federation's marriage and family disputes, the federation of
    /// industry and commerce's business and contract disputes. The youth league takes disputes
    /// with a minor party, whatever their category.
    pub fn partner(self) -> Option<UnitKind> {
        match self {
            Category::Labour => Some(UnitKind::TradeUnion),
            Category::MarriageFamily => Some(UnitKind::WomensFederation),
            Category::Business | Category::Contract => Some(UnitKind::FederationOfIndustryAndCommerce),
            _ => None,
        }
    }

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::MarriageFamily => "marriage_family",
            Category::Neighbour => "neighbour",
            Category::HouseSite => "house_site",
            Category::LandForest => "land_forest",
            Category::LandRequisition => "land_requisition",
            Category::Contract => "contract",
            Category::Business => "business",
            Category::Damages => "damages",
            Category::Labour => "labour",
            Category::PropertyManagement => "property_management",
            Category::Medical => "medical",
            Category::Traffic => "traffic",
            Category::Consumer => "consumer",
            Category::Environment => "environment",
            Category::Other => "other",
        }
    }

    pub const ALL: [Category; 15] = [
        Category::MarriageFamily,
        Category::Neighbour,
        Category::HouseSite,
        Category::LandForest,
        Category::LandRequisition,
        Category::Contract,
        Category::Business,
        Category::Damages,
        Category::Labour,
        Category::PropertyManagement,
        Category::Medical,
        Category::Traffic,
        Category::Consumer,
        Category::Environment,
        Category::Other,
    ];
}

/// Risk of escalation (防止民转刑), four colours by default (R1).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// 隐患类
    Blue,
    /// 一般类
    Yellow,
    /// 关注类: may escalate
    Orange,
    /// 重点类: must be reported at once (人民调解法 25)
    Red,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskFactor {
    RepeatPoliceCalls,
    ThreatsOrViolence,
    Weapons,
    MentalIllness,
    GroupSize,
    PriorFailedMediation,
    LargeAmount,
    VulnerableParty,
    SuicideRisk,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// 申请人
    Applicant,
    /// 被申请人
    Respondent,
    /// 第三人
    ThirdParty,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vulnerability {
    Elderly,
    Minor,
    Disabled,
    MigrantWorker,
}

/// A party to the dispute: a person or an organisation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub role: PartyRole,
    /// An organisation (company, village committee…) rather than a person.
    #[serde(default)]
    pub organisation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A person's resident identity card number (GB 11643) or an organisation's unified social
    /// credit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerable: Vec<Vulnerability>,
}

/// Where a hand-over diverts the dispute.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralKind {
    /// To a people's mediation committee (人民调解法 18).
    PeoplesMediation,
    /// To a partner platform: trade union, women's federation, youth league, federation of
    /// industry and commerce (总对总).
    Partner,
    /// 委派: a court, before filing, entrusts a mediation organisation — with the parties'
    /// consent (特邀调解规定 11).
    EntrustedPreFiling,
    /// 委托: the court, after filing, entrusts mediation of the case to a mediation organisation —
    /// with the parties' consent (民诉法 98; 特邀调解规定 27); the case waits, its period paused.
    EntrustedAfterFiling,
    /// To the basic court to be filed as a lawsuit (立案).
    Litigation,
    /// The parties' joint application for judicial confirmation (司法确认).
    Confirmation,
}

impl ReferralKind {
    pub fn is_mediation(self) -> bool {
        matches!(self, ReferralKind::PeoplesMediation | ReferralKind::Partner | ReferralKind::EntrustedPreFiling | ReferralKind::EntrustedAfterFiling)
    }
    /// The clock a mediation of this kind runs on, from the signing-for of the materials (C13).
    pub fn mediation_rule(self) -> &'static str {
        match self {
            ReferralKind::EntrustedPreFiling => "mediation.entrusted_pre_filing",
            // By the case's track: see `Track::entrusted_rule`.
            ReferralKind::EntrustedAfterFiling => "mediation.entrusted_ordinary",
            _ => "mediation.people",
        }
    }
}

/// A hand-over of the dispute: sent, then signed for (accepted) or declined with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub kind: ReferralKind,
    pub from: UnitRef,
    pub to: UnitRef,
    #[serde(with = "crate::dates")]
    pub sent: Date,
    /// Every party's consent recorded (needed for 委派, C5).
    #[serde(default)]
    pub consent: bool,
}

/// A report of a risky dispute to the police (人民调解法 25): a hand-over they sign for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub to: UnitRef,
    #[serde(with = "crate::dates")]
    pub sent: Date,
    #[serde(with = "crate::dates::option", default)]
    pub received: Option<Date>,
}

/// A risk grading, with its factors and when to look again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: Risk,
    pub factors: Vec<RiskFactor>,
    #[serde(with = "crate::dates")]
    pub on: Date,
    #[serde(with = "crate::dates")]
    pub next_review: Date,
    pub by: UnitRef,
}

/// A mediator as the machine knows them: from the organisation's roster.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediatorRef {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
}

/// Why a mediator steps aside (特邀调解规定 15, C6).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecusalGround {
    /// A close relative of a party.
    Relative,
    /// An interest in the dispute.
    Interest,
    /// Another relationship that may affect fairness.
    OtherRelationship,
    /// A party rejects the mediator (for 委派 it counts as refusing mediation, C5).
    PartyObjects,
}

/// A mediation under way at a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mediation {
    pub kind: ReferralKind,
    pub unit: UnitRef,
    /// Who sent it there, and gets it back if it fails.
    pub referrer: UnitRef,
    pub rule: String,
    #[serde(with = "crate::dates")]
    pub start: Date,
    /// An end every party consented to, beyond the rule's period.
    #[serde(with = "crate::dates::option", default)]
    pub agreed_until: Option<Date>,
    pub sessions: u32,
    /// The mediator assigned from the organisation's roster (人民调解法 19).
    #[serde(default)]
    pub mediator: Option<MediatorRef>,
}

/// What a term of an agreement is about: a confirmation court will not confirm status relations
/// or the ownership of property or IP rights (Civ Interp 355).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// Pay money.
    Payment,
    /// Do (or stop doing) something.
    Performance,
    /// Marriage, parent-child, adoption.
    StatusRelation,
    /// Who owns a property right.
    PropertyOwnership,
    /// Who owns an intellectual-property right.
    IpOwnership,
}

impl TermKind {
    pub fn confirmable(self) -> bool {
        matches!(self, TermKind::Payment | TermKind::Performance)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Performance {
    Performed,
    Partly,
    Defaulted,
}

/// One obligation of an agreement.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub kind: TermKind,
    pub text: String,
    /// Yuan, when money is owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    #[serde(with = "crate::dates::option", default)]
    pub due: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<Performance>,
}

/// Who signs a written agreement (人民调解法 29): every party, the mediator, then the seal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "signer", content = "party", rename_all = "snake_case")]
pub enum Signer {
    Party(usize),
    Mediator,
    Seal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub terms: Vec<Term>,
    pub partial: bool,
    pub facts: String,
    pub signed: Vec<usize>,
    pub mediator_signed: bool,
    pub sealed: bool,
    /// When the last signature or the seal made it effective.
    #[serde(with = "crate::dates::option", default)]
    pub effective: Option<Date>,
    /// The unit that mediated it (it follows up).
    pub mediator_unit: UnitRef,
}

/// Why a court does not accept a confirmation application (Civ Interp 355).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAcceptedGround {
    NotCourtMatter,
    NotThisCourt,
    StatusRelation,
    OtherProcedure,
    PropertyOrIpOwnership,
}

/// Why a court rejects a confirmation (Civ Interp 358).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectedGround {
    MandatoryLaw,
    PublicInterest,
    PublicOrder,
    NotVoluntary,
    UnclearContent,
    Other,
}

/// The court's ruling on a confirmation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ruling", content = "ground", rename_all = "snake_case")]
pub enum Ruling {
    /// 裁定协议有效
    Valid,
    /// 裁定驳回申请
    Rejected(RejectedGround),
}

/// A judicial confirmation at the court.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub court: UnitRef,
    #[serde(with = "crate::dates")]
    pub applied: Date,
    #[serde(with = "crate::dates::option", default)]
    pub received: Option<Date>,
    #[serde(with = "crate::dates::option", default)]
    pub accepted: Option<Date>,
    pub extended: bool,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub not_accepted: Option<NotAcceptedGround>,
    #[serde(default)]
    pub ruling: Option<Ruling>,
    #[serde(with = "crate::dates::option", default)]
    pub ruled: Option<Date>,
}

/// Civil procedure tracks for a dispute filed as a lawsuit (繁简分流).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    SmallClaims,
    Simple,
    Ordinary,
}

impl Track {
    /// The clock of a mediation the court entrusts after filing a case on this track
    /// (特邀调解规定 27: 15 days on the ordinary procedure, 7 on the simple one).
    pub fn entrusted_rule(self) -> &'static str {
        match self {
            Track::Ordinary => "mediation.entrusted_ordinary",
            Track::Simple | Track::SmallClaims => "mediation.entrusted_simple",
        }
    }

    pub fn rule(self) -> &'static str {
        match self {
            Track::SmallClaims => "civil.small_claims",
            Track::Simple => "civil.simple_procedure",
            Track::Ordinary => "civil.ordinary_first_instance",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LitigationOutcome {
    Mediated,
    Judged,
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Litigation {
    pub court: UnitRef,
    pub track: Option<Track>,
    #[serde(with = "crate::dates::option", default)]
    pub filed: Option<Date>,
    pub number: Option<String>,
    /// Days the case waited on an entrusted mediation: not counted in its period (特邀调解规定 27).
    #[serde(default)]
    pub paused_days: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
}

/// How a mediation ended without agreement (特邀调解规定 26; 人民调解法 26).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The gap between the parties is too wide.
    NoAgreement,
    /// A party refused or asked to end it (人民调解法 17, 23).
    PartyRefused,
    /// The period ran out without an agreed extension.
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Taken in; triaged and diverted by its holder (登记受理 → 研判).
    Registered,
    /// At a mediation organisation, the clock running.
    Mediating,
    /// Terms agreed; signatures and the seal being collected.
    Agreed,
    /// Agreement in effect: performance, confirmation, follow-up.
    Performing,
    /// At the court for judicial confirmation.
    Confirming,
    /// At the court as a lawsuit.
    Litigating,
    /// 案结事了
    Closed,
    /// The parties withdrew.
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 8] =
        [Stage::Registered, Stage::Mediating, Stage::Agreed, Stage::Performing, Stage::Confirming, Stage::Litigating, Stage::Closed, Stage::Withdrawn];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Registered => "registered",
            Stage::Mediating => "mediating",
            Stage::Agreed => "agreed",
            Stage::Performing => "performing",
            Stage::Confirming => "confirming",
            Stage::Litigating => "litigating",
            Stage::Closed => "closed",
            Stage::Withdrawn => "withdrawn",
        }
    }
    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Closed | Stage::Withdrawn)
    }
}

/// What became of the dispute, for the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An agreement is in effect.
    Agreed,
    /// Agreed and judicially confirmed as valid.
    Confirmed,
    /// The last mediation failed.
    Failed,
    /// Resolved in court (mediated, judged or withdrawn there).
    Litigated,
    Withdrawn,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Agreed => "agreed",
            Outcome::Confirmed => "confirmed",
            Outcome::Failed => "failed",
            Outcome::Litigated => "litigated",
            Outcome::Withdrawn => "withdrawn",
        }
    }
}

/// One stream the dispute went through, and how it ended (the three-stage diversion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    pub kind: ReferralKind,
    pub unit: UnitRef,
    pub failure: Failure,
    pub reason: String,
    /// Facts both parties accept, recorded for the next stream (深圳条例 26).
    pub undisputed_facts: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// The province's own time limits in force when it was registered (`local::LocalLimit`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<crate::local::LocalLimit>,
    pub title: String,
    pub channel: Channel,
    pub category: Category,
    pub amount: Option<u64>,
    pub group: bool,
    pub parties: Vec<Party>,
    /// Parties who refused mediation (人民调解法 17): none may start or continue.
    pub refused: Vec<usize>,
    pub stage: Stage,
    pub intake: UnitRef,
    #[serde(with = "crate::dates")]
    pub received: Date,
    /// The unit that has it now.
    pub holder: UnitRef,
    /// Every unit that has had it or been told of it (they may still see it).
    pub involved: Vec<UnitRef>,
    pub risk: Option<Assessment>,
    pub reports: Vec<Report>,
    pub referral: Option<Referral>,
    pub mediation: Option<Mediation>,
    pub streams: Vec<Stream>,
    pub agreement: Option<Agreement>,
    pub confirmation: Option<Confirmation>,
    pub litigation: Option<Litigation>,
    pub follow_up: Option<Satisfaction>,
    pub outcome: Option<Outcome>,
    /// Criminal cases that came from this dispute (民转刑, a negative indicator).
    pub linked_cases: Vec<i64>,
}

impl Dispute {
    /// Whether a partner platform of this kind mediates this dispute: its own sector's category,
    /// or for the youth league a minor among the parties.
    pub fn partner_may_take(&self, kind: UnitKind) -> bool {
        self.category.partner() == Some(kind) || (kind == UnitKind::YouthLeague && self.parties.iter().any(|p| p.vulnerable.contains(&Vulnerability::Minor)))
    }
}

/// What someone asks the dispute machine to do. Units are resolved by the application layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 登记受理
    Register {
        title: String,
        channel: Channel,
        category: Category,
        amount: Option<u64>,
        group: bool,
        parties: Vec<Party>,
        /// The province's own time limits in force (the application reads them).
        #[serde(default)]
        limits: Vec<crate::local::LocalLimit>,
    },
    /// 风险研判定级
    Assess {
        level: Risk,
        factors: Vec<RiskFactor>,
        next_review: Date,
    },
    /// Report a red or orange dispute to the police (人民调解法 25).
    ReportToPolice {
        to: UnitRef,
    },
    /// The police sign for a report.
    AcknowledgeReport,
    /// 分流: hand the dispute to a mediation organisation, a partner platform or the court.
    Refer {
        kind: ReferralKind,
        to: UnitRef,
        consent: bool,
    },
    /// The receiver signs for a referral (签收): a mediation's clock starts (C13).
    Receive,
    /// The receiver declines a referral with a reason; it goes back to the sender.
    Decline {
        reason: String,
    },
    /// A party refuses mediation (人民调解法 17): recorded; a mediation under way ends.
    RecordRefusal {
        party: usize,
    },
    /// Assign a mediator from the organisation's roster (人民调解法 19).
    AssignMediator {
        mediator: MediatorRef,
    },
    /// The assigned mediator steps aside (特邀调解规定 15-16).
    Recuse {
        ground: RecusalGround,
    },
    /// A mediation session took place (人民调解法 27).
    RecordSession {
        note: String,
    },
    /// Extend the mediation to an agreed date: every party must consent (C13).
    ExtendMediation {
        until: Date,
        consents: Vec<usize>,
    },
    /// The parties reached terms (调解协议): signatures follow.
    Agree {
        terms: Vec<Term>,
        partial: bool,
        facts: String,
    },
    /// A party, the mediator or the seal on the written agreement (人民调解法 29).
    Sign {
        signer: Signer,
    },
    /// The mediation ended without agreement: back to the unit that sent it.
    EndMediation {
        failure: Failure,
        reason: String,
        undisputed_facts: String,
    },
    /// The parties' joint application to the court for judicial confirmation (CivPL 205).
    ApplyForConfirmation {
        court: UnitRef,
        applicants: Vec<usize>,
    },
    /// The court accepts the application, with its number (民特).
    AcceptConfirmation {
        number: Option<String>,
    },
    /// The court does not accept it (Civ Interp 355).
    NotAcceptConfirmation {
        ground: NotAcceptedGround,
    },
    /// The president approves 10 more days for the decision (SPC 2011 Art. 5).
    ExtendConfirmation {
        approver: String,
        reason: String,
    },
    /// The court's ruling (Civ Interp 358).
    Rule {
        ruling: Ruling,
    },
    /// The court files the dispute as a lawsuit on a track, with its number.
    FileCase {
        track: Track,
        number: Option<String>,
    },
    ConvertTrack {
        to: Track,
    },
    ConcludeLitigation {
        outcome: LitigationOutcome,
    },
    /// How a term was performed.
    RecordPerformance {
        term: usize,
        performance: Performance,
    },
    /// 回访: the follow-up call with the parties.
    FollowUp {
        satisfaction: Satisfaction,
        note: String,
    },
    /// 案结事了: close after follow-up.
    Close,
    /// The parties withdrew.
    Withdraw {
        reason: String,
    },
    /// A criminal case came from this dispute.
    LinkCase {
        case_id: i64,
    },
}

/// The record of what happened; everything needed to rebuild the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Registered {
        title: String,
        channel: Channel,
        category: Category,
        amount: Option<u64>,
        group: bool,
        parties: Vec<Party>,
        by: UnitRef,
        #[serde(with = "crate::dates")]
        on: Date,
        /// The province's own time limits in force that day.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        limits: Vec<crate::local::LocalLimit>,
    },
    Assessed {
        assessment: Assessment,
    },
    Reported {
        report: Report,
    },
    ReportAcknowledged {
        index: usize,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    Referred {
        referral: Referral,
    },
    Received {
        #[serde(with = "crate::dates")]
        on: Date,
    },
    Declined {
        reason: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    RefusalRecorded {
        party: usize,
    },
    MediatorAssigned {
        mediator: MediatorRef,
    },
    MediatorRecused {
        ground: RecusalGround,
    },
    SessionRecorded {
        note: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    MediationExtended {
        #[serde(with = "crate::dates")]
        until: Date,
        consents: Vec<usize>,
    },
    Agreed {
        terms: Vec<Term>,
        partial: bool,
        facts: String,
    },
    Signed {
        signer: Signer,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    AgreementEffective {
        #[serde(with = "crate::dates")]
        on: Date,
    },
    MediationEnded {
        failure: Failure,
        reason: String,
        undisputed_facts: String,
        /// The day it ended (absent in events recorded before it was kept).
        #[serde(default, with = "crate::dates::option", skip_serializing_if = "Option::is_none")]
        on: Option<Date>,
    },
    ConfirmationApplied {
        court: UnitRef,
        applicants: Vec<usize>,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    ConfirmationAccepted {
        number: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    ConfirmationNotAccepted {
        ground: NotAcceptedGround,
    },
    ConfirmationExtended {
        approver: String,
        reason: String,
    },
    Ruled {
        ruling: Ruling,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    CaseFiled {
        track: Track,
        number: String,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    TrackConverted {
        to: Track,
        #[serde(with = "crate::dates")]
        on: Date,
    },
    LitigationConcluded {
        outcome: LitigationOutcome,
    },
    PerformanceRecorded {
        term: usize,
        performance: Performance,
    },
    FollowedUp {
        satisfaction: Satisfaction,
        note: String,
    },
    Closed,
    Withdrawn {
        reason: String,
    },
    CaseLinked {
        case_id: i64,
    },
}

/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest reason, note or term.
pub const MAX_LONG_TEXT: usize = 2000;
/// Most parties on one dispute (a group dispute names its representatives).
pub const MAX_PARTIES: usize = 50;

impl Command {
    /// Every text within its length and free of control characters (line breaks allowed in
    /// notes and reasons), checked where a command is parsed, naming the field.
    pub fn check_texts(&self) -> Result<(), crate::FieldError> {
        use crate::names::check_text;
        let long = |field, t: &str| check_text(field, t, MAX_LONG_TEXT, true);
        match self {
            Command::Register { title, parties, .. } => {
                check_text("title", title, MAX_TITLE, false)?;
                if parties.is_empty() {
                    return Err(crate::FieldError::new("parties", "name at least one party"));
                }
                if parties.len() > MAX_PARTIES {
                    return Err(crate::FieldError::new("parties", format!("at most {MAX_PARTIES} parties; a group dispute names its representatives")));
                }
                for p in parties {
                    check_text("parties", &p.name, 64, false)?;
                    if let Some(phone) = &p.phone {
                        if phone.len() > 20 || !phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ') {
                            return Err(crate::FieldError::new("phone", format!("{phone:?} is not a telephone number")));
                        }
                    }
                    if let Some(n) = &p.id_number {
                        if p.organisation {
                            if n.len() != 18 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                                return Err(crate::FieldError::new("id_number", "a unified social credit code has 18 letters and digits"));
                            }
                        } else if crate::id_number::check_id_number("id_number", n)? != *n {
                            return Err(crate::FieldError::new("id_number", "write the check character X in upper case"));
                        }
                    }
                }
                Ok(())
            }
            Command::Decline { reason } | Command::Withdraw { reason } => long("reason", reason),
            Command::RecordSession { note } | Command::FollowUp { note, .. } => long("note", note),
            Command::Agree { terms, facts, .. } => {
                long("facts", facts)?;
                if terms.is_empty() {
                    return Err(crate::FieldError::new("terms", "an agreement has at least one term"));
                }
                terms.iter().try_for_each(|t| long("terms", &t.text))
            }
            Command::EndMediation { reason, undisputed_facts, .. } => {
                long("reason", reason)?;
                long("undisputed_facts", undisputed_facts)
            }
            Command::ExtendConfirmation { approver, reason } => {
                check_text("approver", approver, 64, false)?;
                long("reason", reason)
            }
            Command::AcceptConfirmation { number: Some(n) } | Command::FileCase { number: Some(n), .. } => check_text("number", n, 64, false),
            _ => Ok(()),
        }
    }
}
