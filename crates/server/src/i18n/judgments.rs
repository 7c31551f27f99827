//! The words of a criminal judgment: findings, punishments, terms, probation, fines — typed, so
//! a new finding or punishment does not compile until it has its words.

use super::Lang;
use xiezhi_core::case::{Finding, Punishment, Verdict};

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
            (Finding::Guilty, None) => parts.push(self.pick("单处罚金", "Fine alone").into()),
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
        parts.join(self.pick("，", ", "))
    }
}
