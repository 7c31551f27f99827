//! The catalogue of statutory periods, with stable ids and their legal basis.
//! Source: `shared/rules/procedure-rules.md` (row numbers in brackets).

use serde::Serialize;
use std::fmt;

/// A length of time as the law states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", content = "n", rename_all = "snake_case")]
pub enum Period {
    Hours(u32),
    Days(u32),
    Months(u32),
    /// Months, then days: "一个半月" is one month and 15 days (Crim Interp 202).
    MonthsAndDays(u32, u32),
    WorkingDays(u32),
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Hours(n) => write!(f, "{n} hours"),
            Period::Days(n) => write!(f, "{n} days"),
            Period::Months(n) => write!(f, "{n} month{}", if *n == 1 { "" } else { "s" }),
            Period::MonthsAndDays(m, d) => write!(f, "{m} month{} + {d} days", if *m == 1 { "" } else { "s" }),
            Period::WorkingDays(n) => write!(f, "{n} working days"),
        }
    }
}

/// How a period's end meets rest days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Bounds custody whatever the facts: ends on its date, rest day or not (D5).
    Custody,
    /// A handling limit that bounds custody while the person is held (D5 with CPL 98);
    /// otherwise it moves off a rest day (D4).
    CustodyIfHeld,
    /// An authority's handling limit with no custody in it: moves off a rest day (D4).
    Handling,
    /// A party's period (appeal, application): always moves off a rest day (D4).
    Party,
}

/// The period lengths of a rule, normal and extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lengths {
    Uniform {
        normal: Period,
        extended: Option<Period>,
    },
    /// The length depends on whether the person is held (e.g. the arrest decision, C6/C6b).
    ByCustody {
        held: Period,
        held_extended: Option<Period>,
        free: Period,
        free_extended: Option<Period>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub lengths: Lengths,
    pub counting: Counting,
    /// Articles that set the period.
    pub basis: &'static str,
    /// Where the day-counting rules come from for this area of law.
    pub counting_basis: &'static str,
    /// Row in the procedure-rules document.
    pub row: &'static str,
}

/// A rule id from the catalogue, e.g. `criminal.prosecution_review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleId(&'static Rule);

impl RuleId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        RULES.iter().find(|r| r.id == raw).map(RuleId).ok_or_else(|| {
            let prefix = raw.split('.').next().unwrap_or("");
            let near: Vec<_> = RULES.iter().filter(|r| r.id.starts_with(prefix) && !prefix.is_empty()).map(|r| r.id).collect();
            let catalogue = "the catalogue: `xiezhi deadline --list` or GET /api/v1/deadlines";
            if near.is_empty() {
                format!("unknown rule {raw:?}; {catalogue}")
            } else {
                format!("unknown rule {raw:?}; rules in that area: {}; {catalogue}", near.join(", "))
            }
        })
    }
    pub fn rule(self) -> &'static Rule {
        self.0
    }
}

impl Rule {
    /// The rule with its period set to `n` of the same unit (a city's own limit, see
    /// `local::LocalLimit`), without extension; the counting stays the catalogue's.
    pub fn with_length(&self, n: u32) -> Rule {
        let normal = match self.lengths {
            Lengths::Uniform { normal, .. } => normal,
            Lengths::ByCustody { free, .. } => free,
        };
        let normal = match normal {
            Period::Hours(_) => Period::Hours(n),
            Period::Days(_) | Period::MonthsAndDays(..) => Period::Days(n),
            Period::Months(_) => Period::Months(n),
            Period::WorkingDays(_) => Period::WorkingDays(n),
        };
        Rule { lengths: Lengths::Uniform { normal, extended: None }, ..*self }
    }

    /// Whether the custody flag means anything for this rule (criminal procedure only).
    pub fn custody_applies(&self) -> bool {
        self.id.starts_with("criminal.")
    }
}

const CPL: &str = "CPL 105";
const CIV: &str = "CivPL 85; Civ Interp 125; Civil Code 201-203";
const ADM: &str = "Admin Interp 48; CivPL 85";
const GEN: &str = "Civil Code 201-203";

const fn u(normal: Period, extended: Option<Period>) -> Lengths {
    Lengths::Uniform { normal, extended }
}

use Counting::*;
use Period::*;

pub static RULES: &[Rule] = &[
    Rule {
        id: "criminal.summons",
        title_zh: "传唤、拘传持续时间",
        title_en: "Summons or compelled appearance",
        lengths: u(Hours(12), Some(Hours(24))),
        counting: Custody,
        basis: "CPL 119",
        counting_basis: CPL,
        row: "C1",
    },
    Rule {
        id: "criminal.family_notice",
        title_zh: "拘留后通知家属",
        title_en: "Notify family after detention",
        lengths: u(Hours(24), None),
        counting: Custody,
        basis: "CPL 85",
        counting_basis: CPL,
        row: "C3",
    },
    Rule {
        id: "criminal.interrogation",
        title_zh: "拘留、逮捕后讯问",
        title_en: "Interrogate after detention or arrest",
        lengths: u(Hours(24), None),
        counting: Custody,
        basis: "CPL 86, 94",
        counting_basis: CPL,
        row: "C4",
    },
    Rule {
        id: "criminal.arrest_request",
        title_zh: "提请批准逮捕",
        title_en: "Request arrest approval",
        lengths: u(Days(3), Some(Days(7))),
        counting: Custody,
        basis: "CPL 91 ¶1; Police Rules 129",
        counting_basis: CPL,
        row: "C5",
    },
    Rule {
        id: "criminal.arrest_request_major",
        title_zh: "提请批准逮捕（流窜、多次、结伙作案）",
        title_en: "Request arrest approval (roving, serial, gang)",
        lengths: u(Days(30), None),
        counting: Custody,
        basis: "CPL 91 ¶2; Police Rules 129",
        counting_basis: CPL,
        row: "C5",
    },
    Rule {
        id: "criminal.arrest_approval",
        title_zh: "审查批准逮捕",
        title_en: "Decide on arrest approval",
        lengths: Lengths::ByCustody { held: Days(7), held_extended: None, free: Days(15), free_extended: Some(Days(20)) },
        counting: CustodyIfHeld,
        basis: "CPL 91 ¶3; SPP Rules 282",
        counting_basis: CPL,
        row: "C6, C6b",
    },
    Rule {
        id: "criminal.investigation_custody",
        title_zh: "侦查羁押期限",
        title_en: "Investigation custody after arrest",
        lengths: u(Months(2), None),
        counting: Custody,
        basis: "CPL 156; Police Rules 148; SPP Rules 305",
        counting_basis: CPL,
        row: "C7",
    },
    Rule {
        id: "criminal.investigation_extension",
        title_zh: "延长侦查羁押期限（一个月）",
        title_en: "Investigation custody extension (1 month, from the previous expiry)",
        lengths: u(Months(1), None),
        counting: Custody,
        basis: "CPL 156; Police Rules 148",
        counting_basis: CPL,
        row: "C7",
    },
    Rule {
        id: "criminal.investigation_extension_major",
        title_zh: "延长侦查羁押期限（二个月）",
        title_en: "Investigation custody extension for major cases (2 months, from the previous expiry)",
        lengths: u(Months(2), None),
        counting: Custody,
        basis: "CPL 158, 159; Police Rules 149, 150",
        counting_basis: CPL,
        row: "C8, C9",
    },
    Rule {
        id: "criminal.prosecution_review",
        title_zh: "审查起诉",
        title_en: "Prosecution review",
        lengths: u(Months(1), Some(MonthsAndDays(1, 15))),
        counting: CustodyIfHeld,
        basis: "CPL 172 ¶1; SPP Rules 351; CPL 98",
        counting_basis: CPL,
        row: "C16",
    },
    Rule {
        id: "criminal.plea_review",
        title_zh: "认罪认罚速裁案件审查起诉",
        title_en: "Prosecution review under a guilty plea (fast-track)",
        lengths: u(Days(10), Some(Days(15))),
        counting: CustodyIfHeld,
        basis: "CPL 172 ¶1; SPP Rules 273",
        counting_basis: CPL,
        row: "C17",
    },
    Rule {
        id: "criminal.supplementary_investigation",
        title_zh: "退回补充侦查",
        title_en: "Supplementary investigation after return",
        lengths: u(Months(1), None),
        counting: CustodyIfHeld,
        basis: "CPL 175 ¶3; SPP Rules 346",
        counting_basis: CPL,
        row: "C19",
    },
    Rule {
        id: "criminal.court_acceptance",
        title_zh: "法院审查受理公诉案件",
        title_en: "Court decides whether to accept a public prosecution",
        lengths: u(Days(7), None),
        counting: CustodyIfHeld,
        basis: "Crim Interp 218-219",
        counting_basis: CPL,
        row: "C25",
    },
    Rule {
        id: "criminal.first_instance",
        title_zh: "第一审普通程序审限",
        title_en: "First instance, ordinary procedure",
        lengths: u(Months(2), Some(Months(3))),
        counting: CustodyIfHeld,
        basis: "CPL 208 ¶1; SPC 2000 审限 Art. 8",
        counting_basis: CPL,
        row: "C26",
    },
    Rule {
        id: "criminal.summary_trial",
        title_zh: "简易程序审限",
        title_en: "Summary procedure trial",
        lengths: u(Days(20), Some(MonthsAndDays(1, 15))),
        counting: CustodyIfHeld,
        basis: "CPL 220; Crim Interp 202",
        counting_basis: CPL,
        row: "C30",
    },
    Rule {
        id: "criminal.fast_track_trial",
        title_zh: "速裁程序审限",
        title_en: "Fast-track trial",
        lengths: u(Days(10), Some(Days(15))),
        counting: CustodyIfHeld,
        basis: "CPL 225",
        counting_basis: CPL,
        row: "C31",
    },
    Rule {
        id: "criminal.appeal_judgment",
        title_zh: "不服判决上诉、抗诉期限",
        title_en: "Appeal against a judgment",
        lengths: u(Days(10), None),
        counting: Party,
        basis: "CPL 230; Crim Interp 380",
        counting_basis: CPL,
        row: "C33",
    },
    Rule {
        id: "criminal.appeal_ruling",
        title_zh: "不服裁定上诉、抗诉期限",
        title_en: "Appeal against a ruling",
        lengths: u(Days(5), None),
        counting: Party,
        basis: "CPL 230; Crim Interp 380",
        counting_basis: CPL,
        row: "C33",
    },
    Rule {
        id: "criminal.second_instance",
        title_zh: "第二审审限",
        title_en: "Second instance",
        lengths: u(Months(2), Some(Months(4))),
        counting: CustodyIfHeld,
        basis: "CPL 243",
        counting_basis: CPL,
        row: "C35",
    },
    Rule {
        id: "criminal.bail",
        title_zh: "取保候审期限",
        title_en: "Bail (取保候审) term",
        lengths: u(Months(12), None),
        counting: Custody,
        basis: "CPL 79 ¶1; SPP Rules 103; Crim Interp 162",
        counting_basis: CPL,
        row: "C15",
    },
    Rule {
        id: "criminal.residential_surveillance",
        title_zh: "监视居住期限",
        title_en: "Residential surveillance term",
        lengths: u(Months(6), None),
        counting: Custody,
        basis: "CPL 79 ¶1; SPP Rules 113; Crim Interp 162",
        counting_basis: CPL,
        row: "C15",
    },
    Rule {
        id: "criminal.execution_delivery",
        title_zh: "交付执行（送达执行文书）",
        title_en: "Deliver the judgment for execution",
        lengths: u(Days(10), None),
        counting: Handling,
        basis: "CPL 264 ¶1; Crim Interp 511; 社区矫正法 20",
        counting_basis: CPL,
        row: "C37, K1",
    },
    Rule {
        id: "criminal.prison_delivery",
        title_zh: "送交监狱执行",
        title_en: "Deliver the offender to prison",
        lengths: u(Months(1), None),
        counting: Custody,
        basis: "监狱法 15 ¶1; CPL 264 ¶2",
        counting_basis: CPL,
        row: "C37",
    },
    Rule {
        id: "corrections.report",
        title_zh: "社区矫正对象报到",
        title_en: "Offender reports for community corrections",
        lengths: u(Days(10), None),
        counting: Party,
        basis: "社区矫正法 21 ¶1",
        counting_basis: CPL,
        row: "K2",
    },
    Rule {
        id: "corrections.outside_prison_handover",
        title_zh: "暂予监外执行罪犯移送社区矫正机构",
        title_en: "Hand over an offender executed outside prison to community corrections",
        lengths: u(Days(10), None),
        counting: Handling,
        basis: "社区矫正法 21 ¶2; Crim Interp 515",
        counting_basis: CPL,
        row: "K3",
    },
    Rule {
        id: "civil.filing_review",
        title_zh: "民事立案审查",
        title_en: "Decide on filing a civil case",
        lengths: u(Days(7), None),
        counting: Handling,
        basis: "CivPL 126; Civ Interp 126",
        counting_basis: CIV,
        row: "V1",
    },
    Rule {
        id: "civil.ordinary_first_instance",
        title_zh: "民事一审普通程序审限",
        title_en: "Civil first instance, ordinary procedure",
        lengths: u(Months(6), Some(Months(12))),
        counting: Handling,
        basis: "CivPL 152; SPC 2019 延长审限 Art. 1",
        counting_basis: CIV,
        row: "V3",
    },
    Rule {
        id: "civil.simple_procedure",
        title_zh: "民事简易程序审限",
        title_en: "Civil simple procedure",
        lengths: u(Months(3), Some(Months(4))),
        counting: Handling,
        basis: "CivPL 164; Civ Interp 258",
        counting_basis: CIV,
        row: "V5",
    },
    Rule {
        id: "civil.small_claims",
        title_zh: "小额诉讼审限",
        title_en: "Small claims",
        lengths: u(Months(2), Some(Months(3))),
        counting: Handling,
        basis: "CivPL 168",
        counting_basis: CIV,
        row: "V6",
    },
    Rule {
        id: "civil.appeal_judgment",
        title_zh: "民事判决上诉期",
        title_en: "Civil appeal against a judgment",
        lengths: u(Days(15), None),
        counting: Party,
        basis: "CivPL 171",
        counting_basis: CIV,
        row: "V7",
    },
    Rule {
        id: "civil.appeal_ruling",
        title_zh: "民事裁定上诉期",
        title_en: "Civil appeal against a ruling",
        lengths: u(Days(10), None),
        counting: Party,
        basis: "CivPL 171",
        counting_basis: CIV,
        row: "V7",
    },
    Rule {
        id: "civil.second_instance_judgment",
        title_zh: "民事二审（判决上诉）审限",
        title_en: "Civil second instance, appeal against a judgment",
        lengths: u(Months(3), None),
        counting: Handling,
        basis: "CivPL 183",
        counting_basis: CIV,
        row: "V8",
    },
    Rule {
        id: "civil.judicial_confirmation_application",
        title_zh: "申请司法确认",
        title_en: "Apply for judicial confirmation",
        lengths: u(Days(30), None),
        counting: Party,
        basis: "CivPL 2023 Art. 205; 人民调解法 33",
        counting_basis: CIV,
        row: "V10",
    },
    Rule {
        id: "civil.judicial_confirmation_decision",
        title_zh: "司法确认审查",
        title_en: "Decide on judicial confirmation",
        lengths: u(Days(15), Some(Days(25))),
        counting: Handling,
        basis: "SPC 2011 司法确认 Arts. 4-5; CivPL 2023 Art. 206",
        counting_basis: CIV,
        row: "V11",
    },
    Rule {
        id: "mediation.pre_litigation",
        title_zh: "诉前调解",
        title_en: "Pre-litigation mediation",
        lengths: u(Days(30), None),
        counting: Handling,
        basis: "特邀调解规定 Art. 27; 在线调解规则 Art. 24",
        counting_basis: CIV,
        row: "V17",
    },
    Rule {
        id: "civil.judicial_confirmation_acceptance",
        title_zh: "司法确认申请受理",
        title_en: "Accept a judicial confirmation application",
        lengths: u(Days(3), None),
        counting: Handling,
        basis: "SPC 2011 司法确认 Art. 4",
        counting_basis: CIV,
        row: "V11",
    },
    Rule {
        id: "civil.judicial_confirmation_objection",
        title_zh: "对司法确认裁定提出异议",
        title_en: "Object to a judicial confirmation ruling",
        lengths: u(Days(15), None),
        counting: Party,
        basis: "Civ Interp 372",
        counting_basis: CIV,
        row: "J10",
    },
    Rule {
        id: "mediation.people",
        title_zh: "人民调解",
        title_en: "People's mediation",
        lengths: u(Months(1), None),
        counting: Handling,
        basis: "司法部《人民调解工作若干规定》32-33 (一般在一个月内调结); 人民调解法 17",
        counting_basis: CIV,
        row: "M17",
    },
    Rule {
        id: "mediation.entrusted_pre_filing",
        title_zh: "委派调解（立案前）",
        title_en: "Court-entrusted mediation before filing",
        lengths: u(Days(30), None),
        counting: Handling,
        basis: "特邀调解规定 Art. 27",
        counting_basis: CIV,
        row: "C13",
    },
    Rule {
        id: "mediation.entrusted_ordinary",
        title_zh: "委托调解（普通程序）",
        title_en: "Court-entrusted mediation after filing, ordinary procedure",
        lengths: u(Days(15), None),
        counting: Handling,
        basis: "特邀调解规定 Art. 27",
        counting_basis: CIV,
        row: "C13",
    },
    Rule {
        id: "mediation.entrusted_simple",
        title_zh: "委托调解（简易程序）",
        title_en: "Court-entrusted mediation after filing, simple procedure",
        lengths: u(Days(7), None),
        counting: Handling,
        basis: "特邀调解规定 Art. 27",
        counting_basis: CIV,
        row: "C13",
    },
    Rule {
        id: "dispute.red_report",
        title_zh: "红色风险纠纷报告",
        title_en: "Report a red-risk dispute",
        lengths: u(Days(1), None),
        counting: Handling,
        basis: "人民调解法 25 (及时报告); practice R3: red risk is reported upward at once",
        counting_basis: CIV,
        row: "M9, R3",
    },
    Rule {
        id: "admin.first_instance",
        title_zh: "行政一审审限",
        title_en: "Administrative first instance",
        lengths: u(Months(6), None),
        counting: Handling,
        basis: "APL 81",
        counting_basis: ADM,
        row: "A3",
    },
    Rule {
        id: "hotline.12345",
        title_zh: "12345热线工单办理",
        title_en: "12345 hotline ticket",
        lengths: u(WorkingDays(5), None),
        counting: Handling,
        basis: "济南条例 21; 潍坊条例 20; 山东省政务服务热线管理办法 (2020)",
        counting_basis: GEN,
        row: "H2-H4",
    },
    Rule {
        id: "hotline.12345_sign_for",
        title_zh: "12345工单签收",
        title_en: "Sign for a 12345 ticket",
        lengths: u(WorkingDays(1), None),
        counting: Handling,
        basis: "北京接诉即办条例 12-14 (派单即签); 山东省12348热线平台管理规定 (1个工作日内转办); local practice",
        counting_basis: GEN,
        row: "H3-H5, H8",
    },
    Rule {
        id: "hotline.12345_complex",
        title_zh: "12345复杂工单办理",
        title_en: "Complex 12345 ticket",
        lengths: u(WorkingDays(15), None),
        counting: Handling,
        basis: "《12345热线服务与管理规范》征求意见稿 (复杂事项15日); 山东省12348热线平台管理规定 (复杂15个工作日)",
        counting_basis: GEN,
        row: "H9, H8",
    },
    Rule {
        id: "hotline.12345_urgent",
        title_zh: "12345紧急诉求办理",
        title_en: "Urgent 12345 ticket",
        lengths: u(Days(1), None),
        counting: Handling,
        basis: "《12345热线服务与管理规范》征求意见稿 (水电气热等时效性诉求24小时反馈)",
        counting_basis: GEN,
        row: "H9",
    },
    Rule {
        id: "hotline.12348",
        title_zh: "12348热线工单反馈",
        title_en: "12348 ticket feedback",
        lengths: u(WorkingDays(5), Some(WorkingDays(15))),
        counting: Handling,
        basis: "山东省12348热线平台管理规定 (2017): 5个工作日内反馈，复杂的15个工作日",
        counting_basis: GEN,
        row: "H8",
    },
    Rule {
        id: "hotline.12309_result",
        title_zh: "12309来信办理结果答复",
        title_en: "12309 letter: reply with the result",
        lengths: u(Months(3), None),
        counting: Handling,
        basis: "SPP Rules 163 (三个月内答复办理进展或结果)",
        counting_basis: GEN,
        row: "H6",
    },
    Rule {
        id: "legal_aid.assignment",
        title_zh: "法律援助指派",
        title_en: "Assign legal aid",
        lengths: u(Days(3), None),
        counting: Handling,
        basis: "法律援助法 43",
        counting_basis: GEN,
        row: "H7",
    },
    Rule {
        id: "petition.registration",
        title_zh: "信访事项登记转送",
        title_en: "Register and route a petition",
        lengths: u(Days(15), None),
        counting: Handling,
        basis: "信访工作条例 22-23",
        counting_basis: GEN,
        row: "H9",
    },
    Rule {
        id: "petition.handling",
        title_zh: "信访事项办理",
        title_en: "Handle a petition",
        lengths: u(Days(60), Some(Days(90))),
        counting: Handling,
        basis: "信访工作条例 35",
        counting_basis: GEN,
        row: "H9",
    },
    Rule {
        id: "hotline.12309_reply",
        title_zh: "12309检察服务答复",
        title_en: "12309 procuratorate reply",
        lengths: u(Days(7), None),
        counting: Handling,
        basis: "SPP Rules 161-163",
        counting_basis: GEN,
        row: "H6",
    },
    Rule {
        id: "legal_aid.decision",
        title_zh: "法律援助审查决定",
        title_en: "Legal aid decision",
        lengths: u(Days(7), None),
        counting: Handling,
        basis: "法律援助法 36",
        counting_basis: GEN,
        row: "H7",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_parse() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(RuleId::parse("civil.small_claims").unwrap().rule().lengths, u(Months(2), Some(Months(3))));
        let e = RuleId::parse("civil.smal_claims").unwrap_err();
        assert!(e.contains("civil.small_claims"), "{e}");
    }
}
