//! 罪名: the charges of the Criminal Law in force, each with its articles and the instrument that
//! fixed its name — 483 since 2021. A case's 案由 is one of them.
//!
//! The data is `data/charges.tsv`, built by `data/build_charges.py` from the Supreme People's
//! Procuratorate's 1997 opinion on charge names and the eight joint supplements of the Supreme
//! People's Court and Procuratorate (2002–2024), as published in LawRefBook/Laws.

use crate::FieldError;
use std::sync::LazyLock;

/// One charge: its name (`盗窃罪`), the Criminal Law articles that define it (`第264条`), and the
/// instrument that fixed the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub name: &'static str,
    pub articles: &'static str,
    pub source: &'static str,
}

static CHARGES: LazyLock<Vec<Charge>> = LazyLock::new(|| {
    include_str!("../data/charges.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let mut next = || f.next().expect("charges.tsv has three columns");
            Charge { name: next(), articles: next(), source: next() }
        })
        .collect()
});

/// Every charge, in the order of the Criminal Law's articles.
pub fn all() -> &'static [Charge] {
    &CHARGES
}

pub fn find(name: &str) -> Option<&'static Charge> {
    CHARGES.iter().find(|c| c.name == name)
}

/// The charge named, or an error naming the field with the charges whose names contain what was
/// written (so `盗窃` suggests `盗窃罪` and its neighbours).
pub fn check(field: &'static str, name: &str) -> Result<&'static Charge, FieldError> {
    let name = name.trim();
    if let Some(c) = find(name) {
        return Ok(c);
    }
    let stem = name.trim_end_matches('罪');
    let near: Vec<&str> = CHARGES.iter().filter(|c| !stem.is_empty() && c.name.contains(stem)).take(5).map(|c| c.name).collect();
    if near.is_empty() {
        return Err(FieldError::new(field, format!("{name:?} is not a charge of the Criminal Law in force (罪名)")));
    }
    Err(FieldError::new(field, format!("{name:?} is not a charge of the Criminal Law in force (罪名); did you mean {}", near.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_the_charges_in_force_once_each() {
        assert_eq!(all().len(), 483, "483 charges in force since the seventh supplement (2021)");
        let mut names: Vec<&str> = all().iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 483, "no name twice");
        assert!(all().iter().all(|c| c.name.ends_with('罪') && !c.articles.is_empty() && !c.source.is_empty()));
        // Names as they stand now, with their articles.
        for (name, articles) in [
            ("盗窃罪", "第264条"),
            ("危险驾驶罪", "第133条之一"),
            ("帮助信息网络犯罪活动罪", "第287条之二"),
            ("高空抛物罪", "第291条之二"),
            ("偷越国（边）境罪", "第322条"),
            ("侵犯公民个人信息罪", "第253条之一"),
            ("徇私舞弊低价折股、出售公司、企业资产罪", "第169条"),
        ] {
            assert_eq!(find(name).map(|c| c.articles), Some(articles), "{name}");
        }
        // Names the supplements abolished or replaced.
        for gone in ["投毒罪", "偷税罪", "奸淫幼女罪", "嫖宿幼女罪", "强制猥亵、侮辱妇女罪", "徇私舞弊低价折股、出售国有资产罪"]
        {
            assert!(find(gone).is_none(), "{gone} is no longer a charge");
        }
    }

    #[test]
    fn an_unknown_charge_is_refused_with_suggestions() {
        assert_eq!(check("charge", " 诈骗罪 ").map(|c| c.articles), Ok("第266条"));
        let e = check("charge", "盗窃").unwrap_err();
        assert_eq!(e.field, "charge");
        assert!(e.message.contains("盗窃罪"), "{}", e.message);
        assert!(check("charge", "x").is_err());
    }
}
