//! PostgreSQL's binary `COPY` format, read: bulk reads of the log without per-row driver cost.
//! <https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.4>

use crate::{Result, StoreError};

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

fn bad(what: &str) -> StoreError {
    StoreError::Invalid(format!("malformed COPY data: {what}"))
}

/// Reads the fields of one binary COPY stream, tuple by tuple.
pub(crate) struct Tuples<'a> {
    rest: &'a [u8],
}

impl<'a> Tuples<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Result<Self> {
        let rest = data.strip_prefix(SIGNATURE).ok_or_else(|| bad("no signature"))?;
        let mut t = Tuples { rest };
        t.take(4)?; // flags
        let extension = u32::from_be_bytes(t.take(4)?.try_into().map_err(|_| bad("header"))?) as usize;
        t.take(extension)?;
        Ok(t)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(bad("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// The next tuple's fields (`None` for NULL) into `fields`; false at the end of the data.
    pub(crate) fn next_into(&mut self, fields: &mut Vec<Option<&'a [u8]>>) -> Result<bool> {
        fields.clear();
        let count = i16::from_be_bytes(self.take(2)?.try_into().map_err(|_| bad("tuple"))?);
        if count == -1 {
            return Ok(false);
        }
        for _ in 0..count {
            let len = i32::from_be_bytes(self.take(4)?.try_into().map_err(|_| bad("field"))?);
            fields.push(if len < 0 { None } else { Some(self.take(len as usize)?) });
        }
        Ok(true)
    }
}

/// A BIGINT field.
pub(crate) fn int8(field: Option<&[u8]>) -> Result<Option<i64>> {
    field.map(|b| b.try_into().map(i64::from_be_bytes).map_err(|_| bad("BIGINT is not 8 bytes"))).transpose()
}

/// A TEXT field.
pub(crate) fn text(field: Option<&[u8]>) -> Result<&str> {
    std::str::from_utf8(field.ok_or_else(|| bad("TEXT is NULL"))?).map_err(|_| bad("TEXT is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(tuples: &[&[Option<&[u8]>]]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&3u32.to_be_bytes());
        out.extend_from_slice(b"ext");
        for t in tuples {
            out.extend_from_slice(&(t.len() as i16).to_be_bytes());
            for f in *t {
                match f {
                    Some(b) => {
                        out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                        out.extend_from_slice(b);
                    }
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    #[test]
    fn reads_fields_nulls_and_the_end() {
        let seven = 7i64.to_be_bytes();
        let data = stream(&[&[Some(&seven), None, Some("案件".as_bytes())], &[Some(b"")]]);
        let mut t = Tuples::new(&data).unwrap();
        let mut f = Vec::new();
        assert!(t.next_into(&mut f).unwrap());
        assert_eq!((int8(f[0]).unwrap(), int8(f[1]).unwrap(), text(f[2]).unwrap()), (Some(7), None, "案件"));
        assert!(t.next_into(&mut f).unwrap());
        assert_eq!(text(f[0]).unwrap(), "");
        assert!(!t.next_into(&mut f).unwrap());
    }

    #[test]
    fn refuses_what_is_not_copy_data() {
        assert!(Tuples::new(b"PGCOPY\n").is_err());
        let data = stream(&[&[Some(b"12345678")]]);
        let mut t = Tuples::new(&data[..data.len() - 6]).unwrap();
        assert!(t.next_into(&mut Vec::new()).is_err(), "a cut-off field is an error, not the end");
        assert!(int8(Some(b"123")).is_err());
        assert!(text(None).is_err());
    }
}
