//! Checkpoints in the C2SP signed-note format, signed with Ed25519, and witness cosignatures
//! (C2SP tlog-cosignature/v1).
//!
//! A checkpoint's body is three lines: the log's origin, the tree size, the base64 root hash.
//! A note is the body, an empty line, and one signature line per signer:
//! `— <name> <base64(key id ‖ signature)>`.

use crate::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

const ALG_ED25519: u8 = 0x01;
const ALG_COSIGNATURE_V1: u8 = 0x04;
const DASH: &str = "\u{2014}";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("malformed verifier key: {0}")]
    BadKey(String),
    #[error("no signature by {0} on the note")]
    Unsigned(String),
    #[error("the signature by {0} does not verify")]
    BadSignature(String),
}

impl Checkpoint {
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    pub fn parse_body(body: &str) -> Result<Self, NoteError> {
        let bad = |m: &str| NoteError::Malformed(m.to_string());
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("missing origin line"))?;
        let size = lines.next().and_then(|s| s.parse::<u64>().ok()).ok_or_else(|| bad("tree size is not a number"))?;
        let root = lines.next().and_then(|r| B64.decode(r).ok()).and_then(|r| <Hash>::try_from(r).ok()).ok_or_else(|| bad("root is not 32 bytes of base64"))?;
        Ok(Self { origin: origin.to_string(), size, root })
    }
}

fn key_id(name: &str, alg: u8, key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        return Err(NoteError::BadKey(format!("key name {name:?} must be non-empty, without spaces or '+'")));
    }
    Ok(())
}

/// A note signer: a name and an Ed25519 key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl NoteSigner {
    /// From 32 secret bytes (the caller supplies randomness).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self { name: name.to_string(), key: SigningKey::from_bytes(&seed) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The note verifier key: `name+hex(key id)+base64(0x01 ‖ public key)`.
    pub fn verifier(&self) -> String {
        let pk = self.public_key();
        let mut data = vec![ALG_ED25519];
        data.extend_from_slice(&pk);
        format!("{}+{}+{}", self.name, hex::encode(key_id(&self.name, ALG_ED25519, &pk)), B64.encode(data))
    }

    /// The signed note text of a checkpoint.
    pub fn sign(&self, cp: &Checkpoint) -> String {
        self.sign_text(&cp.body())
    }

    /// A C2SP signed note over any text (which ends in a newline).
    pub fn sign_text(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut blob = key_id(&self.name, ALG_ED25519, &self.public_key()).to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{text}\n{DASH} {} {}\n", self.name, B64.encode(blob))
    }

    /// A witness cosignature line over a checkpoint at `timestamp` (seconds since the epoch).
    pub fn cosign(&self, cp: &Checkpoint, timestamp: u64) -> String {
        let msg = cosigned_message(cp, timestamp);
        let sig = self.key.sign(msg.as_bytes());
        let mut blob = key_id(&self.name, ALG_COSIGNATURE_V1, &self.public_key()).to_vec();
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        format!("{DASH} {} {}\n", self.name, B64.encode(blob))
    }

    /// The witness's cosignature verifier key: `name+hex(key id)+base64(0x04 ‖ public key)`.
    pub fn cosigner_verifier(&self) -> String {
        let pk = self.public_key();
        let mut data = vec![ALG_COSIGNATURE_V1];
        data.extend_from_slice(&pk);
        format!("{}+{}+{}", self.name, hex::encode(key_id(&self.name, ALG_COSIGNATURE_V1, &pk)), B64.encode(data))
    }
}

fn cosigned_message(cp: &Checkpoint, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{}", cp.body())
}

/// A parsed verifier key (Ed25519 note signatures or cosignatures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    pub id: [u8; 4],
    pub alg: u8,
    key: VerifyingKey,
}

impl NoteVerifier {
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let bad = |m: &str| NoteError::BadKey(m.to_string());
        let mut parts = s.trim().splitn(3, '+');
        let (name, id, data) = match (parts.next(), parts.next(), parts.next()) {
            (Some(n), Some(i), Some(d)) => (n, i, d),
            _ => return Err(bad("expected name+keyid+key")),
        };
        check_name(name)?;
        let data = B64.decode(data).map_err(|_| bad("key is not base64"))?;
        let (alg, pk) = data.split_first().ok_or_else(|| bad("empty key"))?;
        if *alg != ALG_ED25519 && *alg != ALG_COSIGNATURE_V1 {
            return Err(bad("unsupported key algorithm"));
        }
        let pk: [u8; 32] = pk.try_into().map_err(|_| bad("Ed25519 keys are 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad("not an Ed25519 public key"))?;
        let expected = key_id(name, *alg, &pk);
        if hex::encode(expected) != id {
            return Err(bad("key id does not match the key"));
        }
        Ok(Self { name: name.to_string(), id: expected, alg: *alg, key })
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

/// A note split into its body and signature lines.
pub struct Note<'a> {
    pub body: &'a str,
    pub signatures: Vec<(&'a str, Vec<u8>)>,
}

impl<'a> Note<'a> {
    pub fn parse(text: &'a str) -> Result<Self, NoteError> {
        let split = text.rfind("\n\n").ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let body = &text[..split + 1];
        let mut signatures = Vec::new();
        for line in text[split + 2..].lines() {
            let rest = line.strip_prefix(DASH).and_then(|l| l.strip_prefix(' ')).ok_or_else(|| NoteError::Malformed(format!("signature line {line:?}")))?;
            let (name, sig) = rest.split_once(' ').ok_or_else(|| NoteError::Malformed(format!("signature line {line:?}")))?;
            let blob = B64.decode(sig).map_err(|_| NoteError::Malformed("signature is not base64".into()))?;
            signatures.push((name, blob));
        }
        Ok(Self { body, signatures })
    }
}

/// Verify a signed checkpoint note with the log's key; returns the checkpoint.
pub fn open_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, NoteError> {
    Checkpoint::parse_body(open_note(note, verifier)?)
}

/// Verify a signed note with one of its signers' keys (other signatures are ignored, as C2SP
/// says); returns the signed text.
pub fn open_note<'a>(note: &'a str, verifier: &NoteVerifier) -> Result<&'a str, NoteError> {
    let n = Note::parse(note)?;
    let sig = n
        .signatures
        .iter()
        .find(|(name, blob)| *name == verifier.name && blob.len() == 68 && blob[..4] == verifier.id)
        .ok_or_else(|| NoteError::Unsigned(verifier.name.clone()))?;
    let signature = Signature::from_slice(&sig.1[4..]).map_err(|_| NoteError::BadSignature(verifier.name.clone()))?;
    verifier.key.verify(n.body.as_bytes(), &signature).map_err(|_| NoteError::BadSignature(verifier.name.clone()))?;
    Ok(n.body)
}

/// Verify a cosignature line against a checkpoint; returns its timestamp.
pub fn verify_cosignature(cp: &Checkpoint, line: &str, cosigner: &NoteVerifier) -> Result<u64, NoteError> {
    let rest = line.trim_end().strip_prefix(DASH).and_then(|l| l.strip_prefix(' ')).ok_or_else(|| NoteError::Malformed("cosignature line".into()))?;
    let (name, sig) = rest.split_once(' ').ok_or_else(|| NoteError::Malformed("cosignature line".into()))?;
    let blob = B64.decode(sig).map_err(|_| NoteError::Malformed("cosignature is not base64".into()))?;
    if name != cosigner.name || blob.len() != 76 || blob[..4] != cosigner.id {
        return Err(NoteError::Unsigned(cosigner.name.clone()));
    }
    let timestamp = u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes"));
    let signature = Signature::from_slice(&blob[12..]).map_err(|_| NoteError::BadSignature(name.into()))?;
    cosigner.key.verify(cosigned_message(cp, timestamp).as_bytes(), &signature).map_err(|_| NoteError::BadSignature(name.into()))?;
    Ok(timestamp)
}
