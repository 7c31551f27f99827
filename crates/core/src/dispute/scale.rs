//! A province's risk scale (R1–R4 of the rules): how many levels its disputes are graded in, what
//! each is called and its colour — 修水's four colours (红橙黄蓝), 临海's three (红橙黄), 云和's
//! red, yellow and green, 永平's high, medium and low. Each level stands for one of the four
//! tiers the machine knows ([`Risk`]), so the rules that hang on a tier hold on every scale: the
//! red tier is reported to the police (人民调解法 25), the red and orange tiers are the
//! committee's to watch.

use super::Risk;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The colour a level is shown in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Red,
    Orange,
    Yellow,
    Blue,
    Green,
}

impl Colour {
    pub fn code(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Orange => "orange",
            Colour::Yellow => "yellow",
            Colour::Blue => "blue",
            Colour::Green => "green",
        }
    }
}

/// One level of a scale.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskLevel {
    /// The tier it stands for.
    pub tier: Risk,
    /// Its name, e.g. 红色（重点类）.
    pub name: String,
    pub name_en: String,
    pub colour: Colour,
}

/// A province's levels, most serious first, and the provision that sets them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskScale {
    pub levels: Vec<RiskLevel>,
    /// The local provision, e.g. 《××省矛盾纠纷风险分级管理办法》第五条; empty for the default.
    #[serde(default)]
    pub basis: String,
}

fn level(tier: Risk, name: &str, name_en: &str, colour: Colour) -> RiskLevel {
    RiskLevel { tier, name: name.into(), name_en: name_en.into(), colour }
}

/// The scales a province picks from on the page (the API takes any that [`RiskScale::check`]
/// accepts): a key, its name in Chinese and English, and its levels.
pub fn presets() -> Vec<(&'static str, &'static str, &'static str, Vec<RiskLevel>)> {
    use Colour as C;
    use Risk as R;
    vec![
        (
            "four_colours",
            "四色（红橙黄蓝）",
            "Four colours (red, orange, yellow, blue)",
            vec![
                level(R::Red, "红色（重点）", "Red", C::Red),
                level(R::Orange, "橙色（关注）", "Orange", C::Orange),
                level(R::Yellow, "黄色（一般）", "Yellow", C::Yellow),
                level(R::Blue, "蓝色（隐患）", "Blue", C::Blue),
            ],
        ),
        (
            "three_colours",
            "三色（红橙黄）",
            "Three colours (red, orange, yellow)",
            vec![
                level(R::Red, "红色（立即上报）", "Red (report at once)", C::Red),
                level(R::Orange, "橙色（当日处置）", "Orange (same day)", C::Orange),
                level(R::Yellow, "黄色（就地化解）", "Yellow (on the spot)", C::Yellow),
            ],
        ),
        (
            "red_yellow_green",
            "三色（红黄绿）",
            "Three colours (red, yellow, green)",
            vec![level(R::Red, "红色", "Red", C::Red), level(R::Yellow, "黄色", "Yellow", C::Yellow), level(R::Blue, "绿色", "Green", C::Green)],
        ),
        (
            "high_medium_low",
            "高中低三级",
            "High, medium, low",
            vec![level(R::Red, "高风险", "High", C::Red), level(R::Orange, "中风险", "Medium", C::Orange), level(R::Yellow, "低风险", "Low", C::Yellow)],
        ),
    ]
}

impl Default for RiskScale {
    /// Four colours (R1), the scale of a province that has set none.
    fn default() -> Self {
        RiskScale { levels: presets().swap_remove(0).3, basis: String::new() }
    }
}

impl RiskScale {
    /// A scale that may be set: two to four levels, each tier once, the red tier among them
    /// (a dispute that must be reported has to be gradable), names given, a provision named.
    pub fn check(&self) -> Result<(), FieldError> {
        if !(2..=4).contains(&self.levels.len()) {
            return Err(FieldError::new("levels", format!("a scale has two to four levels, not {}", self.levels.len())));
        }
        for (i, l) in self.levels.iter().enumerate() {
            if self.levels[..i].iter().any(|m| m.tier == l.tier) {
                return Err(FieldError::new("levels", format!("the tier {:?} stands for two levels", l.tier)));
            }
            for (name, max) in [(&l.name, 20), (&l.name_en, 40)] {
                if name.trim().is_empty() {
                    return Err(FieldError::new("levels", "every level needs a name in Chinese and in English"));
                }
                crate::names::check_text("levels", name, max, false)?;
            }
        }
        if !self.allows(Risk::Red) {
            return Err(FieldError::new("levels", "one level must stand for the red tier: the disputes reported to the police (人民调解法 25)"));
        }
        if self.basis.trim().is_empty() {
            return Err(FieldError::new("basis", "name the local provision that sets the scale"));
        }
        crate::names::check_text("basis", &self.basis, 200, false)
    }

    /// The same levels, most serious first.
    pub fn sorted(mut self) -> Self {
        self.levels.sort_by_key(|l| std::cmp::Reverse(l.tier));
        self
    }

    pub fn allows(&self, tier: Risk) -> bool {
        self.levels.iter().any(|l| l.tier == tier)
    }

    /// The level a tier is shown as: the scale's, or — a grading made under an earlier scale
    /// with a tier this one lacks — the default scale's.
    pub fn level(&self, tier: Risk) -> RiskLevel {
        self.levels
            .iter()
            .find(|l| l.tier == tier)
            .cloned()
            .unwrap_or_else(|| RiskScale::default().levels.into_iter().find(|l| l.tier == tier).expect("the default scale has every tier"))
    }

    /// The levels the committee watches (the red and orange tiers), as the scale names them.
    pub fn watched(&self) -> Vec<&RiskLevel> {
        self.levels.iter().filter(|l| l.tier >= Risk::Orange).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_a_scale_that_may_be_set() {
        for (key, _, _, levels) in presets() {
            let scale = RiskScale { levels, basis: "《某省矛盾纠纷风险分级办法》第五条".into() };
            assert_eq!(scale.check(), Ok(()), "{key}");
            assert_eq!(scale.clone().sorted(), scale, "{key} lists the most serious first");
        }
        assert_eq!(RiskScale::default().levels.len(), 4);
    }

    #[test]
    fn a_scale_without_a_reportable_tier_or_with_a_tier_twice_is_refused() {
        let basis = "《某省办法》第五条".to_string();
        let l = |tier, name: &str| RiskLevel { tier, name: name.into(), name_en: name.into(), colour: Colour::Yellow };
        let no_red = RiskScale { levels: vec![l(Risk::Orange, "中"), l(Risk::Yellow, "低")], basis: basis.clone() };
        assert_eq!(no_red.check().unwrap_err().field, "levels");
        let twice = RiskScale { levels: vec![l(Risk::Red, "高"), l(Risk::Red, "很高")], basis: basis.clone() };
        assert!(twice.check().unwrap_err().message.contains("two levels"));
        let one = RiskScale { levels: vec![l(Risk::Red, "高")], basis: basis.clone() };
        assert_eq!(one.check().unwrap_err().field, "levels");
        let unnamed = RiskScale { levels: vec![l(Risk::Red, " "), l(Risk::Yellow, "低")], basis: basis.clone() };
        assert_eq!(unnamed.check().unwrap_err().field, "levels");
        let no_basis = RiskScale { levels: vec![l(Risk::Red, "高"), l(Risk::Yellow, "低")], basis: " ".into() };
        assert_eq!(no_basis.check().unwrap_err().field, "basis");
    }

    #[test]
    fn a_tier_the_scale_lacks_is_shown_as_the_default_names_it() {
        let (_, _, _, levels) = presets().swap_remove(2);
        let scale = RiskScale { levels, basis: String::new() };
        assert_eq!(scale.level(Risk::Blue).name, "绿色");
        assert_eq!(scale.level(Risk::Blue).colour, Colour::Green);
        assert_eq!(scale.level(Risk::Orange).name, "橙色（关注）", "graded orange under an earlier scale");
        assert!(!scale.allows(Risk::Orange));
        assert_eq!(scale.watched().iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["红色"]);
    }
}
