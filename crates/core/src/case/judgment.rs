//! What a judgment decides for each defendant, and which organ executes it.
//!
//! A first-instance judgment gives one verdict per defendant; a second-instance judgment upholds
//! (no verdicts) or revises the verdicts it names. A verdict has a principal punishment (主刑,
//! CL 33) and accessory punishments (附加刑, CL 34, 35: fine, deprivation of political rights,
//! confiscation of property, deportation), which may also stand alone. The verdicts decide where
//! execution goes (CPL 264, 265, 269, 270; 监狱法 15): community corrections at the justice
//! bureau for 管制, probation and 暂予监外执行 decided by the court; the public security organ
//! that holds the offender for imprisonment (it delivers them to prison within a month) and for
//! 拘役, and for a deprivation of political rights or a deportation standing alone; nothing to hand
//! over for acquittal, exemption, or a fine or confiscation alone (the court executes those
//! itself, CPL 271, 272).

use crate::UnitKind;
use serde::{Deserialize, Serialize};

/// 定罪: what the court found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 有罪
    Guilty,
    /// 无罪
    NotGuilty,
    /// 免予刑事处罚 (CL 37): guilty, no punishment.
    Exempted,
}

/// 主刑: the principal punishment (CL 33).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Punishment {
    /// 管制: 3 months to 2 years (CL 38); up to 3 years for several crimes (CL 69).
    PublicSurveillance,
    /// 拘役: 1 to 6 months (CL 42); up to 1 year for several crimes (CL 69).
    CriminalDetention,
    /// 有期徒刑: 6 months to 15 years (CL 45); up to 25 years for several crimes (CL 69).
    FixedTerm,
    /// 无期徒刑
    Life,
    /// 死刑缓期二年执行
    DeathWithReprieve,
    /// 死刑立即执行: executed by the court on the Supreme People's Court's order (CPL 261–263).
    Death,
}

impl Punishment {
    /// The term the law allows in months, for punishments that have one (CL 38, 42, 45, 69).
    fn term_range(self) -> Option<(u16, u16)> {
        match self {
            Punishment::PublicSurveillance => Some((3, 36)),
            Punishment::CriminalDetention => Some((1, 12)),
            Punishment::FixedTerm => Some((6, 300)),
            Punishment::Life | Punishment::DeathWithReprieve | Punishment::Death => None,
        }
    }
}

/// 剥夺政治权利 (CL 54–58).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deprivation {
    /// For a term in months: 1 to 5 years (CL 55 ¶1), with 管制 as long as it (CL 55 ¶2).
    Months(u16),
    /// For life: with death or life imprisonment, and only with them (CL 57 ¶1).
    Life,
}

/// 没收财产 (CL 59): part or all of what the offender personally owns.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confiscation {
    Part,
    All,
}

/// 暂予监外执行 decided by the court before delivery for execution (CPL 265 ¶1, ¶2, ¶5): the
/// ground the law allows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsidePrison {
    /// 有严重疾病需要保外就医 (CPL 265 ¶1 (1)), certified by a hospital the province names (¶4).
    MedicalParole,
    /// 怀孕或者正在哺乳自己婴儿的妇女 (CPL 265 ¶1 (2)); the only ground for life imprisonment (¶2).
    PregnantOrNursing,
    /// 生活不能自理，不致危害社会 (CPL 265 ¶1 (3)).
    CannotCareForSelf,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The judgment for one defendant.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// The defendant: their index in the case's persons.
    pub person: usize,
    pub finding: Finding,
    /// The principal punishment; none for acquittal, exemption or a fine alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punishment: Option<Punishment>,
    /// The term in months, for 管制, 拘役 and 有期徒刑.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_months: Option<u16>,
    /// 缓刑考验期 in months, when the sentence is suspended (CL 72, 73).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation_months: Option<u16>,
    /// 罚金 in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_yuan: Option<u64>,
    /// 剥夺政治权利.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub political_rights: Option<Deprivation>,
    /// 没收财产.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confiscation: Option<Confiscation>,
    /// 驱逐出境, for a foreign offender (CL 35).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deportation: bool,
    /// 暂予监外执行 decided in the judgment, and on what ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_prison: Option<OutsidePrison>,
}

/// Why a verdict is not one the law allows: the rule, and what is wrong.
pub struct Unlawful {
    pub rule: &'static str,
    pub message: String,
}

fn unlawful(rule: &'static str, message: impl Into<String>) -> Unlawful {
    Unlawful { rule, message: message.into() }
}

impl Verdict {
    /// Not guilty, nothing else: where a verdict starts.
    pub fn not_guilty(person: usize) -> Self {
        Verdict {
            person,
            finding: Finding::NotGuilty,
            punishment: None,
            term_months: None,
            probation_months: None,
            fine_yuan: None,
            political_rights: None,
            confiscation: None,
            deportation: false,
            outside_prison: None,
        }
    }

    /// An accessory punishment is given.
    fn accessory(&self) -> bool {
        self.fine_yuan.is_some_and(|f| f > 0) || self.political_rights.is_some() || self.confiscation.is_some() || self.deportation
    }

    /// The verdict is one the Criminal Law allows.
    pub fn check(&self) -> Result<(), Unlawful> {
        let v = self;
        match v.finding {
            Finding::NotGuilty | Finding::Exempted => {
                if v.punishment.is_some() || v.term_months.is_some() || v.probation_months.is_some() || v.accessory() || v.outside_prison.is_some() {
                    return Err(unlawful(
                        "acquittal and exemption carry no punishment (CL 37; CPL 200)",
                        format!("person {}: an acquittal or exemption has no punishment, term, probation or fine", v.person),
                    ));
                }
                return Ok(());
            }
            Finding::Guilty => {}
        }
        let Some(p) = v.punishment else {
            if !v.accessory() {
                return Err(unlawful(
                    "a guilty verdict punishes: a principal punishment or an accessory one alone (CL 33, 34, 35); otherwise exemption (CL 37)",
                    format!("person {}: give the punishment", v.person),
                ));
            }
            if v.term_months.is_some() || v.probation_months.is_some() || v.outside_prison.is_some() {
                return Err(unlawful(
                    "an accessory punishment alone has no term, probation or execution outside prison (CL 34 ¶2; CPL 265)",
                    format!("person {}: a term, probation or 暂予监外执行 needs a principal punishment", v.person),
                ));
            }
            if v.political_rights == Some(Deprivation::Life) {
                return Err(unlawful(
                    "deprivation for life goes with death or life imprisonment (CL 57 ¶1)",
                    format!("person {}: give a term of deprivation", v.person),
                ));
            }
            return v.deprivation_term(None);
        };
        match (p.term_range(), v.term_months) {
            (Some((lo, hi)), Some(t)) if (lo..=hi).contains(&t) => {}
            (Some((lo, hi)), Some(t)) => {
                return Err(unlawful(
                    "the term allowed for the punishment (CL 38, 42, 45, 69)",
                    format!("person {}: a term of {t} months is outside {lo}–{hi} months", v.person),
                ))
            }
            (Some(_), None) => return Err(unlawful("the punishment has a term (CL 38, 42, 45)", format!("person {}: give the term in months", v.person))),
            (None, Some(_)) => return Err(unlawful("life imprisonment and death have no term", format!("person {}: no term for this punishment", v.person))),
            (None, None) => {}
        }
        if let Some(months) = v.probation_months {
            let term = v.term_months.unwrap_or(0);
            let (lo, hi, rule) = match p {
                Punishment::CriminalDetention => (term.max(2), 12, "拘役's probation: the term to 1 year, at least 2 months (CL 73 ¶1)"),
                Punishment::FixedTerm if term <= 36 => (term.max(12), 60, "imprisonment's probation: the term to 5 years, at least 1 year (CL 73 ¶2)"),
                _ => {
                    return Err(unlawful(
                        "probation only for 拘役 or imprisonment of at most 3 years (CL 72)",
                        format!("person {}: this sentence cannot be suspended", v.person),
                    ))
                }
            };
            if !(lo..=hi).contains(&months) {
                return Err(unlawful(rule, format!("person {}: probation of {months} months is outside {lo}–{hi} months", v.person)));
            }
        }
        let for_life = matches!(p, Punishment::Life | Punishment::DeathWithReprieve | Punishment::Death);
        match v.political_rights {
            Some(Deprivation::Life) if !for_life => {
                return Err(unlawful(
                    "deprivation for life goes with death or life imprisonment (CL 57 ¶1)",
                    format!("person {}: give a term of deprivation", v.person),
                ))
            }
            Some(Deprivation::Life) => {}
            _ if for_life => {
                return Err(unlawful(
                    "death and life imprisonment deprive of political rights for life (CL 57 ¶1)",
                    format!("person {}: deprive of political rights for life", v.person),
                ))
            }
            _ => v.deprivation_term(Some(p))?,
        }
        if let Some(ground) = v.outside_prison {
            let allowed = match p {
                Punishment::FixedTerm | Punishment::CriminalDetention => v.probation_months.is_none(),
                Punishment::Life => ground == OutsidePrison::PregnantOrNursing,
                _ => false,
            };
            if !allowed {
                return Err(unlawful(
                    "暂予监外执行 for imprisonment or 拘役 not suspended, and for life imprisonment only a pregnant or nursing woman (CPL 265 ¶1, ¶2)",
                    format!("person {}: this sentence cannot be executed outside prison on that ground", v.person),
                ));
            }
        }
        Ok(())
    }

    /// A deprivation for a term is 1 to 5 years, and as long as 管制 when it goes with it (CL 55).
    fn deprivation_term(&self, principal: Option<Punishment>) -> Result<(), Unlawful> {
        let Some(Deprivation::Months(m)) = self.political_rights else { return Ok(()) };
        if principal == Some(Punishment::PublicSurveillance) {
            if Some(m) != self.term_months {
                return Err(unlawful(
                    "with 管制, deprivation of political rights is as long as it and runs with it (CL 55 ¶2)",
                    format!("person {}: deprivation of {m} months with 管制 of {} months", self.person, self.term_months.unwrap_or(0)),
                ));
            }
        } else if !(12..=60).contains(&m) {
            return Err(unlawful(
                "deprivation of political rights is 1 to 5 years (CL 55 ¶1)",
                format!("person {}: deprivation of {m} months is outside 12–60 months", self.person),
            ));
        }
        Ok(())
    }

    /// The kind of unit execution is handed over to, if any.
    pub fn executor(&self) -> Option<UnitKind> {
        if self.finding != Finding::Guilty {
            return None;
        }
        if self.outside_prison.is_some() {
            return Some(UnitKind::JusticeBureau);
        }
        let Some(p) = self.punishment else {
            // Deprivation and deportation are the police's (CPL 270; CL 35); fines and
            // confiscation the court's own (CPL 271, 272).
            return (self.political_rights.is_some() || self.deportation).then_some(UnitKind::Police);
        };
        match (p, self.probation_months) {
            (Punishment::PublicSurveillance, _) | (_, Some(_)) => Some(UnitKind::JusticeBureau),
            (Punishment::Death, None) => None,
            (Punishment::CriminalDetention | Punishment::FixedTerm | Punishment::Life | Punishment::DeathWithReprieve, None) => Some(UnitKind::Police),
        }
    }

    /// Delivered to prison by the police (监狱法 15): imprisonment not suspended, not executed
    /// outside prison.
    pub fn to_prison(&self) -> bool {
        self.executor() == Some(UnitKind::Police) && self.punishment.is_some_and(|p| p != Punishment::CriminalDetention)
    }

    /// Released at once if held (CPL 260).
    pub fn releases(&self) -> bool {
        self.finding != Finding::Guilty
    }
}
