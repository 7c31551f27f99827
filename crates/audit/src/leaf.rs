//! The canonical bytes of an event: what each audit leaf is.
//!
//! Version 1, big-endian, length-prefixed strings:
//! `0x01 ‖ seq u64 ‖ at i64 (µs) ‖ actor i64 (−1: none) ‖ unit i64 (−1: none) ‖
//!  u32 len ‖ subject ‖ u32 len ‖ kind ‖ SHA-256(payload)`.
//! The payload itself stays in the event row; its digest binds it to the leaf.

use crate::{leaf_hash, Hash};
use sha2::{Digest, Sha256};

pub const LEAF_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLeaf<'a> {
    pub seq: u64,
    pub at: i64,
    pub actor: Option<i64>,
    pub unit: Option<i64>,
    /// The subject's and the kind's text as stored (UTF-8 bytes; a leaf binds bytes, not
    /// characters, so a reader need not decode them).
    pub subject: &'a [u8],
    pub kind: &'a [u8],
    /// SHA-256 of the payload bytes as stored ([`payload_digest`]).
    pub payload_digest: [u8; 32],
}

/// The digest a leaf holds of its event's payload.
pub fn payload_digest(payload: &[u8]) -> [u8; 32] {
    Sha256::digest(payload).into()
}

impl EventLeaf<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 8 * 4 + 8 + self.subject.len() + self.kind.len() + 32);
        self.encode_into(&mut out);
        out
    }

    /// The leaf hash of this event, encoding into `scratch` (cleared first) so a caller hashing
    /// millions of events reuses one buffer.
    pub fn hash(&self, scratch: &mut Vec<u8>) -> Hash {
        scratch.clear();
        self.encode_into(scratch);
        leaf_hash(scratch)
    }

    /// Append the encoding to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(LEAF_VERSION);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at.to_be_bytes());
        out.extend_from_slice(&self.actor.unwrap_or(-1).to_be_bytes());
        out.extend_from_slice(&self.unit.unwrap_or(-1).to_be_bytes());
        for s in [self.subject, self.kind] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s);
        }
        out.extend_from_slice(&self.payload_digest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_bytes() {
        let base = EventLeaf { seq: 7, at: 1, actor: Some(2), unit: None, subject: b"unit:3", kind: b"unit.created", payload_digest: payload_digest(b"{}") };
        let bytes = base.encode();
        assert_eq!(bytes[0], LEAF_VERSION);
        for other in [
            EventLeaf { seq: 8, ..base.clone() },
            EventLeaf { at: 2, ..base.clone() },
            EventLeaf { actor: None, ..base.clone() },
            EventLeaf { unit: Some(1), ..base.clone() },
            EventLeaf { subject: b"unit:4", ..base.clone() },
            EventLeaf { kind: b"unit.changed", ..base.clone() },
            EventLeaf { payload_digest: payload_digest(b"{ }"), ..base.clone() },
            // Moving a byte between subject and kind must not give the same bytes.
            EventLeaf { subject: b"unit:3u", kind: b"nit.created", ..base.clone() },
        ] {
            assert_ne!(other.encode(), bytes, "{other:?}");
        }
        let mut scratch = b"left over".to_vec();
        assert_eq!(base.hash(&mut scratch), leaf_hash(&bytes), "the hash of exactly the encoding");
    }
}
