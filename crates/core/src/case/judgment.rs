//! What a judgment decides for each defendant, and which organ executes it.
//!
//! A first-instance judgment gives one verdict per defendant; a second-instance judgment upholds
//! (no verdicts) or revises the verdicts it names. The verdicts decide where execution goes
//! (CPL 264, 269; 监狱法 15): community corrections at the justice bureau for 管制 and probation;
//! the public security organ that holds the offender for imprisonment (it delivers them to prison
//! within a month) and for 拘役; nothing to hand over for acquittal, exemption or a fine alone
//! (the court executes fines itself, CPL 271).

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
    /// The verdict is one the Criminal Law allows.
    pub fn check(&self) -> Result<(), Unlawful> {
        let v = self;
        match v.finding {
            Finding::NotGuilty | Finding::Exempted => {
                if v.punishment.is_some() || v.term_months.is_some() || v.probation_months.is_some() || v.fine_yuan.is_some() {
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
            return match v.fine_yuan {
                Some(f) if f > 0 => {
                    if v.term_months.is_some() || v.probation_months.is_some() {
                        return Err(unlawful(
                            "a fine alone has no term (CL 52)",
                            format!("person {}: a term or probation needs a principal punishment", v.person),
                        ));
                    }
                    Ok(())
                }
                _ => Err(unlawful(
                    "a guilty verdict punishes: a principal punishment or a fine alone (CL 33, 34); otherwise exemption (CL 37)",
                    format!("person {}: give the punishment", v.person),
                )),
            };
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
        Ok(())
    }

    /// The kind of unit execution is handed over to, if any.
    pub fn executor(&self) -> Option<UnitKind> {
        if self.finding != Finding::Guilty {
            return None;
        }
        match (self.punishment?, self.probation_months) {
            (Punishment::PublicSurveillance, _) | (_, Some(_)) => Some(UnitKind::JusticeBureau),
            (Punishment::Death, None) => None,
            (Punishment::CriminalDetention | Punishment::FixedTerm | Punishment::Life | Punishment::DeathWithReprieve, None) => Some(UnitKind::Police),
        }
    }

    /// Delivered to prison by the police (监狱法 15): imprisonment not suspended.
    pub fn to_prison(&self) -> bool {
        self.executor() == Some(UnitKind::Police) && self.punishment != Some(Punishment::CriminalDetention)
    }

    /// Released at once if held (CPL 260).
    pub fn releases(&self) -> bool {
        self.finding != Finding::Guilty
    }
}
