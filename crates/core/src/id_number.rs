//! Resident identity card numbers (公民身份号码, GB 11643-1999): 6 digits of the address code,
//! 8 of the birth date, 3 of the order code and a check character (ISO 7064 MOD 11-2).

use crate::FieldError;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The number as it is stored (`x` written as `X`), or what is wrong with it, naming `field`.
pub fn check_id_number(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim().to_ascii_uppercase();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 18 || !chars[..17].iter().all(|c| c.is_ascii_digit()) || !(chars[17].is_ascii_digit() || chars[17] == 'X') {
        return Err(FieldError::new(field, "an identity card number is 17 digits and a check digit or X"));
    }
    let digit = |i: usize| chars[i].to_digit(10).unwrap_or(0);
    let number = |from: usize, to: usize| (from..to).fold(0u32, |n, i| n * 10 + digit(i));
    let (year, month, day) = (number(6, 10) as i32, number(10, 12) as u8, number(12, 14) as u8);
    let born = time::Month::try_from(month).ok().and_then(|m| time::Date::from_calendar_date(year, m, day).ok());
    if born.is_none() || !(1900..=2100).contains(&year) {
        return Err(FieldError::new(field, format!("the birth date {year:04}-{month:02}-{day:02} in it is not a date")));
    }
    let sum: u32 = (0..17).map(|i| digit(i) * WEIGHTS[i]).sum();
    if CHECK[(sum % 11) as usize] != chars[17] {
        return Err(FieldError::new(field, "the check digit does not match: a digit is mistyped"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked_digit_by_digit() {
        // The standard's own example, and one whose check character is X.
        assert_eq!(check_id_number("id", "11010519491231002X").unwrap(), "11010519491231002X");
        assert_eq!(check_id_number("id", " 11010519491231002x ").unwrap(), "11010519491231002X", "x is written X");
        assert_eq!(check_id_number("id", "440524199001010018").unwrap(), "440524199001010018");
        let wrong = |s: &str| check_id_number("persons", s).unwrap_err().to_string();
        assert!(wrong("110105194912310021").contains("check digit"), "one digit off");
        assert!(wrong("110105194913310021").contains("not a date"), "month 13");
        assert!(wrong("11010519491231002").contains("17 digits"), "too short");
        assert!(wrong("1101051949123100ZX").contains("17 digits"));
    }
}
