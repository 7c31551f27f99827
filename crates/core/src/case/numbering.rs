//! The agencies' own case numbers (案号), in their usual formats: the region, the year and a
//! serial of the agency's.

use crate::RegionCode;

/// Which agency numbers the case, and in which of its registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    /// The procuratorate's review for prosecution: 检刑诉.
    ProsecutionReview,
    /// The court of first instance: 刑初.
    FirstInstance,
    /// The court of second instance: 刑终.
    SecondInstance,
    /// A civil special procedure, judicial confirmation of a mediation agreement: 民特.
    CivilSpecial,
    /// A civil first instance: 民初.
    CivilFirstInstance,
}

/// The number an agency gives a case it takes in: `990101检刑诉〔2027〕12号`,
/// `（2027）990101刑初12号`, `（2027）990101刑终12号`.
pub fn agency_number(register: Register, region: RegionCode, year: i32, serial: u64) -> String {
    match register {
        Register::ProsecutionReview => format!("{region}检刑诉〔{year}〕{serial}号"),
        Register::FirstInstance => format!("（{year}）{region}刑初{serial}号"),
        Register::SecondInstance => format!("（{year}）{region}刑终{serial}号"),
        Register::CivilSpecial => format!("（{year}）{region}民特{serial}号"),
        Register::CivilFirstInstance => format!("（{year}）{region}民初{serial}号"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_register_has_its_format_and_the_year_given() {
        let r = RegionCode::parse("region", "990101").unwrap();
        assert_eq!(agency_number(Register::ProsecutionReview, r, 2027, 12), "990101检刑诉〔2027〕12号");
        assert_eq!(agency_number(Register::FirstInstance, r, 2027, 3), "（2027）990101刑初3号");
        assert_eq!(agency_number(Register::SecondInstance, r, 2026, 1), "（2026）990101刑终1号");
        assert_eq!(agency_number(Register::CivilSpecial, r, 2026, 7), "（2026）990101民特7号");
        assert_eq!(agency_number(Register::CivilFirstInstance, r, 2026, 8), "（2026）990101民初8号");
    }
}
