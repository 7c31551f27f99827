//! The words of a criminal judgment: findings, punishments, terms, probation, fines — typed, so
//! a new finding or punishment does not compile until it has its words.

use super::Lang;
use xiezhi_core::case::{Confiscation, Deprivation, Finding, OutsidePrison, Punishment, Verdict};

impl Lang {
    pub fn finding(self, f: Finding) -> &'static str {
        match f {
            Finding::Guilty => self.pick("有罪", "Guilty"),
            Finding::NotGuilty => self.pick("无罪", "Not guilty"),
            Finding::Exempted => self.pick("免予刑事处罚", "Exempted from punishment"),
        }
    }

    pub fn punishment(self, p: Punishment) -> &'static str {
        match p {
            Punishment::PublicSurveillance => self.pick("管制", "Public surveillance"),
            Punishment::CriminalDetention => self.pick("拘役", "Criminal detention"),
            Punishment::FixedTerm => self.pick("有期徒刑", "Fixed-term imprisonment"),
            Punishment::Life => self.pick("无期徒刑", "Life imprisonment"),
            Punishment::DeathWithReprieve => self.pick("死刑缓期二年执行", "Death with a two-year reprieve"),
            Punishment::Death => self.pick("死刑", "Death"),
        }
    }

    pub fn confiscation(self, c: Confiscation) -> &'static str {
        match c {
            Confiscation::Part => self.pick("没收个人部分财产", "confiscation of part of their property"),
            Confiscation::All => self.pick("没收个人全部财产", "confiscation of all their property"),
        }
    }

    /// The ground of 暂予监外执行 (CPL 265 ¶1).
    pub fn outside_prison(self, g: OutsidePrison) -> &'static str {
        match g {
            OutsidePrison::MedicalParole => self.pick("保外就医", "medical parole"),
            OutsidePrison::PregnantOrNursing => self.pick("怀孕或正在哺乳自己婴儿", "pregnant or nursing her baby"),
            OutsidePrison::CannotCareForSelf => self.pick("生活不能自理", "unable to care for themselves"),
        }
    }

    /// A term in months as a sentence says it: 三年六个月 → "3年6个月" / "3 years 6 months".
    pub fn months(self, m: u16) -> String {
        let (y, r) = (m / 12, m % 12);
        match self {
            Lang::Zh => match (y, r) {
                (0, r) => format!("{r}个月"),
                (y, 0) => format!("{y}年"),
                (y, r) => format!("{y}年{r}个月"),
            },
            Lang::En => {
                let unit = |n: u16, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
                match (y, r) {
                    (0, r) => unit(r, "month", "months"),
                    (y, 0) => unit(y, "year", "years"),
                    (y, r) => format!("{} {}", unit(y, "year", "years"), unit(r, "month", "months")),
                }
            }
        }
    }

    /// One defendant's verdict in words: "有期徒刑2年，缓刑3年，罚金2000元".
    pub fn verdict(self, v: &Verdict) -> String {
        let mut parts: Vec<String> = vec![];
        match (v.finding, v.punishment) {
            (Finding::Guilty, Some(p)) => parts.push(format!(
                "{}{}",
                self.punishment(p),
                v.term_months.map(|m| self.months(m)).map(|t| self.pick("", " ").to_string() + &t).unwrap_or_default()
            )),
            (Finding::Guilty, None) => {}
            (f, _) => parts.push(self.finding(f).into()),
        }
        if let Some(p) = v.probation_months {
            parts.push(format!("{}{}", self.pick("缓刑", "suspended for "), self.months(p)));
        }
        if let Some(f) = v.fine_yuan {
            parts.push(match self {
                Lang::Zh => format!("罚金{f}元"),
                Lang::En => format!("fine of CNY {f}"),
            });
        }
        match v.political_rights {
            Some(Deprivation::Months(m)) => parts.push(format!("{}{}", self.pick("剥夺政治权利", "deprived of political rights for "), self.months(m))),
            Some(Deprivation::Life) => parts.push(self.pick("剥夺政治权利终身", "deprived of political rights for life").into()),
            None => {}
        }
        if let Some(c) = v.confiscation {
            parts.push(self.confiscation(c).into());
        }
        if v.deportation {
            parts.push(self.pick("驱逐出境", "deportation").into());
        }
        if let Some(g) = v.outside_prison {
            parts.push(format!("{}{}", self.pick("暂予监外执行：", "executed outside prison: "), self.outside_prison(g)));
        }
        let words = parts.join(self.pick("，", ", "));
        // An accessory punishment standing alone (CL 34 ¶2): 单处罚金3000元.
        if v.finding == Finding::Guilty && v.punishment.is_none() {
            return match self {
                Lang::Zh => format!("单处{words}"),
                Lang::En => format!("{words} alone"),
            };
        }
        words
    }
}
