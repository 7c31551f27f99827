//! Legal citations and a deadline's reasons in the reader's language: "CPL 91 ¶1; Police Rules
//! 129" is 《刑事诉讼法》第九十一条第一款；《公安机关办理刑事案件程序规定》第一百二十九条.

use super::Lang;
use xiezhi_core::calendar::DayKind;
use xiezhi_core::deadline::Basis;
use xiezhi_core::rules::Period;

/// Statutes as the catalogue abbreviates them, longest first, with their Chinese titles.
const STATUTES: [(&str, &str); 14] = [
    ("SPC 2011 司法确认", "《最高人民法院关于人民调解协议司法确认程序的若干规定》"),
    ("SPC 2019 延长审限", "《最高人民法院关于进一步规范延长审限的规定》"),
    ("SPC 2000 审限", "《最高人民法院关于严格执行案件审理期限制度的若干规定》"),
    ("Police Rules", "《公安机关办理刑事案件程序规定》"),
    ("Admin Interp", "《最高人民法院关于适用〈中华人民共和国行政诉讼法〉的解释》"),
    ("Crim Interp", "《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》"),
    ("Civ Interp", "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》"),
    ("Civil Code", "《民法典》"),
    ("SPP Rules", "《人民检察院刑事诉讼规则》"),
    ("CivPL 2023", "《民事诉讼法》"),
    ("CivPL", "《民事诉讼法》"),
    ("CPL", "《刑事诉讼法》"),
    ("APL", "《行政诉讼法》"),
    ("CL", "《刑法》"),
];

/// A number in Chinese numerals, as articles are numbered (105 → 一百零五, 15 → 十五).
pub fn chinese_number(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n < 10 {
        return D[n as usize].into();
    }
    if n < 20 {
        return format!("十{}", if n.is_multiple_of(10) { "" } else { D[(n % 10) as usize] });
    }
    let mut out = String::new();
    let mut zero = false;
    for (unit, name) in [(1000, "千"), (100, "百"), (10, "十"), (1, "")] {
        let digit = (n / unit) % 10;
        if n < unit {
            continue;
        }
        if digit == 0 {
            zero = true;
            continue;
        }
        if zero && !out.is_empty() {
            out.push('零');
        }
        zero = false;
        out.push_str(D[digit as usize]);
        out.push_str(name);
    }
    out
}

/// One article reference: `91 ¶1`, `218-219`, `109–112`, `Art. 8`, `Arts. 4-5`.
fn article(token: &str) -> Option<String> {
    let t = token.trim().trim_start_matches("Arts.").trim_start_matches("Art.").trim();
    let (range, para) = match t.split_once('¶') {
        Some((a, p)) => (a.trim(), Some(p.trim().parse::<u32>().ok()?)),
        None => (t, None),
    };
    let mut out = match range.split_once(['-', '–']) {
        Some((a, b)) => format!("第{}条至第{}条", chinese_number(a.trim().parse().ok()?), chinese_number(b.trim().parse().ok()?)),
        None => format!("第{}条", chinese_number(range.parse().ok()?)),
    };
    if let Some(p) = para {
        out.push_str(&format!("第{}款", chinese_number(p)));
    }
    Some(out)
}

/// One citation: a statute and its articles; what cannot be read is left as written.
fn citation(raw: &str) -> String {
    let raw = raw.trim();
    // A note in brackets stays as it is, after the articles.
    let (body, note) = match raw.find(" (") {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, ""),
    };
    let (statute, rest) = match STATUTES.iter().find(|(abbr, _)| body.starts_with(abbr) && body[abbr.len()..].starts_with([' ', ':']) || body == *abbr) {
        Some((abbr, zh)) => (zh.to_string(), body[abbr.len()..].trim_start_matches(':').trim()),
        // A statute named in Chinese: the words before the first space.
        None => match body.split_once(' ') {
            Some((name, rest)) if !name.is_ascii() => {
                let name = name.trim_start_matches('《').trim_end_matches('》');
                (format!("《{name}》"), rest.trim())
            }
            _ => return raw.to_string(),
        },
    };
    if rest.is_empty() {
        return format!("{statute}{note}");
    }
    match rest.split(',').map(article).collect::<Option<Vec<_>>>() {
        Some(articles) => format!("{statute}{}{note}", articles.join("、")),
        None => raw.to_string(),
    }
}

fn day(kind: &DayKind) -> String {
    match kind {
        DayKind::Workday => "工作日".into(),
        DayKind::Weekend => "周末".into(),
        DayKind::Holiday { name } => format!("法定节假日（{name}）"),
        DayKind::MakeUpWorkday { name } => format!("{name}调休上班日"),
    }
}

fn period(p: Period) -> String {
    match p {
        Period::Hours(n) => format!("{n}小时"),
        Period::Days(n) => format!("{n}日"),
        Period::Months(n) => format!("{n}个月"),
        Period::MonthsAndDays(m, d) => format!("{m}个月{d}日"),
        Period::WorkingDays(n) => format!("{n}个工作日"),
    }
}

impl Lang {
    /// A rule's ordinary length in words: `5个工作日`, `5 working days`.
    pub fn period_of(self, rule: &xiezhi_core::Rule) -> String {
        let p = match rule.lengths {
            xiezhi_core::rules::Lengths::Uniform { normal, .. } => normal,
            xiezhi_core::rules::Lengths::ByCustody { free, .. } => free,
        };
        match self {
            Lang::Zh => period(p),
            Lang::En => p.to_string(),
        }
    }

    /// Articles as the catalogue writes them ("CPL 91 ¶1; Police Rules 129"), in this language.
    pub fn citations(self, raw: &str) -> String {
        match self {
            Lang::En => raw.to_string(),
            Lang::Zh => raw.split(';').map(citation).collect::<Vec<_>>().join("；"),
        }
    }

    /// One reason a deadline falls where it does.
    pub fn basis(self, b: &Basis) -> String {
        if self == Lang::En {
            return b.to_string();
        }
        let cite = |raw: &str| self.citations(raw);
        match b {
            Basis::Rule { articles, period: p, .. } => format!("{}：{}", cite(articles), period(*p)),
            Basis::ExactTime { counting } => format!("按小时计算的期限自起算时刻起算（从严适用{}）", cite(counting)),
            Basis::HoursBoundCustody { article } => format!("羁押期限不因节假日延长（{}第四款）", cite(article)),
            Basis::StartDayNotCounted { counting } => format!("开始的日不计算在期间内（{}）", cite(counting)),
            Basis::MonthsToSameDate => {
                format!("按月计算的期限至期满月的对应日；起算日为月末或期满月无对应日的，至该月最后一日（{}）", cite("Crim Interp 202; Civil Code 202"))
            }
            Basis::MonthsThenDays(d) => format!("先计月，半个月按{d}日计算（{}）", cite("Crim Interp 202")),
            Basis::WorkingDays { make_up_counts: true } => "工作日自次日起计算，调休上班日计入".into(),
            Basis::WorkingDays { make_up_counts: false } => "工作日自次日起计算，调休上班日不计入".into(),
            Basis::HeldEndsOnDate { raw, rest, article } => format!(
                "犯罪嫌疑人、被告人在押，期限至期满之日为止{}，不因节假日延长，无需节假日安排（{}第四款、{}）",
                rest.as_ref().map(|k| format!("（{raw}虽为{}）", day(k))).unwrap_or_default(),
                cite(article),
                cite("CPL 98")
            ),
            Basis::Rolled { from, kind, to } => format!("{from}为{}，期限顺延至节假日后的第一个工作日{to}", day(kind)),
            Basis::MakeUpWorkday { raw, kind } => format!("{raw}为{}，按工作日计算", day(kind)),
            Basis::PartyRolls => "当事人的期间即使在押也因节假日顺延".into(),
            Basis::HandlingRolls => "本期限不是羁押期限，遇节假日仍顺延".into(),
            Basis::Provisional { year } => {
                format!("暂定：尚未载入{year}年节假日安排，暂按周六、周日为休息日计算（不含法定节假日和调休）；载入后自动重算")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_articles_are_numbered() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (15, "十五"),
            (20, "二十"),
            (91, "九十一"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (264, "二百六十四"),
            (1002, "一千零二"),
        ];
        for (n, zh) in cases {
            assert_eq!(chinese_number(n), zh, "{n}");
        }
    }

    #[test]
    fn citations_read_in_chinese() {
        let zh = Lang::Zh;
        assert_eq!(zh.citations("CPL 91 ¶1; Police Rules 129"), "《刑事诉讼法》第九十一条第一款；《公安机关办理刑事案件程序规定》第一百二十九条");
        assert_eq!(zh.citations("CPL 86, 94"), "《刑事诉讼法》第八十六条、第九十四条");
        assert_eq!(zh.citations("SPP Rules 161-163"), "《人民检察院刑事诉讼规则》第一百六十一条至第一百六十三条");
        assert_eq!(zh.citations("监狱法 15 ¶1; CPL 264 ¶2"), "《监狱法》第十五条第一款；《刑事诉讼法》第二百六十四条第二款");
        assert_eq!(zh.citations("SPC 2011 司法确认 Arts. 4-5"), "《最高人民法院关于人民调解协议司法确认程序的若干规定》第四条至第五条");
        assert_eq!(zh.citations("信访工作条例 22-23"), "《信访工作条例》第二十二条至第二十三条");
        assert_eq!(zh.citations("CL 72"), "《刑法》第七十二条");
        // Every article of the catalogue reads without a Latin letter left but in notes.
        for r in xiezhi_core::RULES {
            let text = zh.citations(r.basis);
            let stripped: String = text.split(['(', '（']).next().unwrap_or("").to_string();
            assert!(!stripped.contains("CPL") && !stripped.contains("Rules") && !stripped.contains("Interp"), "{}: {text}", r.id);
        }
    }
}
