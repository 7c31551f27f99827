//! The agencies' own case numbers (案号), in their usual formats: the region, the year and a
//! serial the agency keeps for each of its registers and each year, counted from 1 on 1 January.
//!
//! A number the platform allocates is decided with [`PENDING_SERIAL`] in place of its serial: the
//! store draws the serial in the transaction that records the number, and only when that
//! transaction applies, so a refused or stale command uses up no serial and the registers have
//! no gaps.

use crate::RegionCode;
use std::fmt::Display;

/// Stands for the serial of a number not drawn yet. No typed number may contain it.
pub const PENDING_SERIAL: &str = "⟨序号⟩";

/// Which agency numbers the case, and in which of its registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    /// The police's filing of a criminal case: 公刑立.
    PoliceFiling,
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

impl Register {
    /// The register's name where serials are kept.
    pub fn code(self) -> &'static str {
        match self {
            Register::PoliceFiling => "police_filing",
            Register::ProsecutionReview => "prosecution_review",
            Register::FirstInstance => "first_instance",
            Register::SecondInstance => "second_instance",
            Register::CivilSpecial => "civil_special",
            Register::CivilFirstInstance => "civil_first_instance",
        }
    }

    pub const ALL: [Register; 6] = [
        Register::PoliceFiling,
        Register::ProsecutionReview,
        Register::FirstInstance,
        Register::SecondInstance,
        Register::CivilSpecial,
        Register::CivilFirstInstance,
    ];
}

/// The number an agency gives a case it takes in: `990101公刑立〔2027〕12号`,
/// `990101检刑诉〔2027〕12号`, `（2027）990101刑初12号`, `（2027）990101刑终12号`.
pub fn agency_number(register: Register, region: RegionCode, year: i32, serial: impl Display) -> String {
    match register {
        Register::PoliceFiling => format!("{region}公刑立〔{year}〕{serial}号"),
        Register::ProsecutionReview => format!("{region}检刑诉〔{year}〕{serial}号"),
        Register::FirstInstance => format!("（{year}）{region}刑初{serial}号"),
        Register::SecondInstance => format!("（{year}）{region}刑终{serial}号"),
        Register::CivilSpecial => format!("（{year}）{region}民特{serial}号"),
        Register::CivilFirstInstance => format!("（{year}）{region}民初{serial}号"),
    }
}

/// A number to be allocated: who keeps the register, which register and year, and the number
/// with [`PENDING_SERIAL`] where its serial goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub unit_id: i64,
    pub register: Register,
    pub year: i32,
    pub pending: String,
}

impl Claim {
    pub fn new(unit_id: i64, register: Register, region: RegionCode, year: i32) -> Self {
        Claim { unit_id, register, year, pending: agency_number(register, region, year, PENDING_SERIAL) }
    }

    /// The number once its serial is drawn.
    pub fn number(&self, serial: u64) -> String {
        self.pending.replace(PENDING_SERIAL, &serial.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_register_has_its_format_and_the_year_given() {
        let r = RegionCode::parse("region", "990101").unwrap();
        assert_eq!(agency_number(Register::PoliceFiling, r, 2027, 1), "990101公刑立〔2027〕1号");
        assert_eq!(agency_number(Register::ProsecutionReview, r, 2027, 12), "990101检刑诉〔2027〕12号");
        assert_eq!(agency_number(Register::FirstInstance, r, 2027, 3), "（2027）990101刑初3号");
        assert_eq!(agency_number(Register::SecondInstance, r, 2026, 1), "（2026）990101刑终1号");
        assert_eq!(agency_number(Register::CivilSpecial, r, 2026, 7), "（2026）990101民特7号");
        assert_eq!(agency_number(Register::CivilFirstInstance, r, 2026, 8), "（2026）990101民初8号");
    }

    #[test]
    fn a_claim_becomes_its_number_when_the_serial_is_drawn() {
        let r = RegionCode::parse("region", "990101").unwrap();
        let c = Claim::new(7, Register::FirstInstance, r, 2027);
        assert_eq!(c.pending, "（2027）990101刑初⟨序号⟩号");
        assert_eq!(c.number(41), "（2027）990101刑初41号");
        let codes: std::collections::BTreeSet<_> = Register::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Register::ALL.len(), "each register keeps its own serials");
    }
}
