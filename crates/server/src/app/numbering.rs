//! The agencies' own numbers a command gives: one typed is kept as given; one left out is
//! claimed from the acting unit's register for the year, pending until the write draws its serial
//! (`core::case::numbering`).

use crate::error::{ApiResult, AppError};
use xiezhi_core::case::numbering::{Claim, Register, PENDING_SERIAL};
use xiezhi_store::Principal;

/// A number the client gave (trimmed), or none to have one allocated.
pub fn given_number(field: &'static str, given: Option<String>) -> ApiResult<Option<String>> {
    let Some(n) = given.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) else { return Ok(None) };
    if n.contains(PENDING_SERIAL) {
        return Err(AppError::field(field, format!("a number cannot contain {PENDING_SERIAL}")));
    }
    Ok(Some(n))
}

/// The numbering of one command by one unit in one year; at most one number is claimed.
pub struct Numbering<'p> {
    p: &'p Principal,
    year: i32,
    pub claim: Option<Claim>,
}

impl<'p> Numbering<'p> {
    pub fn new(p: &'p Principal, year: i32) -> Self {
        Numbering { p, year, claim: None }
    }

    /// The number to give in `register`: the one typed (in `field`), or the register's next.
    pub fn number(&mut self, field: &'static str, given: Option<String>, register: Register) -> ApiResult<String> {
        Ok(match given_number(field, given)? {
            Some(n) => n,
            None => {
                let c = Claim::new(self.p.unit.id, register, self.p.unit.region, self.year);
                let pending = c.pending.clone();
                self.claim = Some(c);
                pending
            }
        })
    }
}
