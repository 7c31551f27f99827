//! The standard RFC 6962 vectors, a naive recursive tree, and signed notes.

use proptest::prelude::*;
use std::collections::HashMap;
use xiezhi_audit::*;

fn vectors() -> serde_json::Value {
    // A copy of shared/vectors/rfc6962.json (transparency-dev/merkle test data), kept in the
    // repository so that a fresh clone tests against it.
    serde_json::from_str(include_str!("data/rfc6962.json")).unwrap()
}

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn tree_of(v: &serde_json::Value) -> MemoryTree {
    let mut t = MemoryTree::new();
    for leaf in v["leaf_inputs_hex"].as_array().unwrap() {
        t.push(&hex::decode(leaf.as_str().unwrap()).unwrap());
    }
    t
}

#[test]
fn roots_match_the_vectors() {
    let v = vectors();
    let t = tree_of(&v);
    for (size, root) in v["roots_hex"].as_object().unwrap() {
        assert_eq!(t.root_at(size.parse().unwrap()), h(root.as_str().unwrap()), "size {size}");
    }
}

#[test]
fn inclusion_proofs_match_and_verify() {
    let v = vectors();
    let t = tree_of(&v);
    for case in v["inclusion"].as_array().unwrap() {
        let (i, n) = (case["leaf_index"].as_u64().unwrap(), case["tree_size"].as_u64().unwrap());
        let expected: Vec<Hash> = case["proof_hex"].as_array().unwrap().iter().map(|x| h(x.as_str().unwrap())).collect();
        assert_eq!(t.inclusion(i, n), expected, "leaf {i} of {n}");
        let leaf = t.node(Node { level: 0, index: i });
        verify_inclusion(&leaf, i, n, &expected, &t.root_at(n)).unwrap();
        assert_eq!(verify_inclusion(&[7; 32], i, n, &expected, &t.root_at(n)), Err(ProofError::RootMismatch));
    }
}

#[test]
fn consistency_proofs_match_and_verify() {
    let v = vectors();
    let t = tree_of(&v);
    for case in v["consistency"].as_array().unwrap() {
        let (m, n) = (case["first"].as_u64().unwrap(), case["second"].as_u64().unwrap());
        let expected: Vec<Hash> = case["proof_hex"].as_array().unwrap().iter().map(|x| h(x.as_str().unwrap())).collect();
        assert_eq!(t.consistency(m, n), expected, "{m} -> {n}");
        verify_consistency(m, n, &t.root_at(m), &t.root_at(n), &expected).unwrap();
        if m < n {
            assert!(verify_consistency(m, n, &[9; 32], &t.root_at(n), &expected).is_err());
        }
    }
}

// The definitions of RFC 6962 2.1, written as recursion over a slice.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = 1 << (63 - (n as u64 - 1).leading_zeros());
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}
fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = 1 << (63 - (n as u64 - 1).leading_zeros());
    if m < k {
        [path(m, &leaves[..k]), vec![mth(&leaves[k..])]].concat()
    } else {
        [path(m - k, &leaves[k..]), vec![mth(&leaves[..k])]].concat()
    }
}
fn subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if b { vec![] } else { vec![mth(leaves)] };
    }
    let k = 1 << (63 - (n as u64 - 1).leading_zeros());
    if m <= k {
        [subproof(m, &leaves[..k], b), vec![mth(&leaves[k..])]].concat()
    } else {
        [subproof(m - k, &leaves[k..], false), vec![mth(&leaves[..k])]].concat()
    }
}

proptest! {
    #[test]
    fn proofs_equal_the_recursive_definition(n in 1usize..200, a in 0usize..200, b in 0usize..200) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&(i as u64).to_be_bytes())).collect();
        let mut t = MemoryTree::new();
        for l in &leaves { t.push_leaf_hash(*l); }
        let (m, i) = (1 + a % n, b % n);
        prop_assert_eq!(t.root(), mth(&leaves));
        prop_assert_eq!(t.root_at(m as u64), mth(&leaves[..m]));
        prop_assert_eq!(t.inclusion(i as u64, n as u64), path(i, &leaves));
        prop_assert_eq!(t.consistency(m as u64, n as u64), if m == n { vec![] } else { subproof(m, &leaves, true) });
        verify_inclusion(&leaves[i], i as u64, n as u64, &t.inclusion(i as u64, n as u64), &t.root()).unwrap();
        verify_consistency(m as u64, n as u64, &t.root_at(m as u64), &t.root(), &t.consistency(m as u64, n as u64)).unwrap();
        // Planned fetches give the same proofs as the in-memory tree.
        let ranges = inclusion_ranges(i as u64, n as u64);
        let fetched: HashMap<Node, Hash> = nodes_for(&ranges).into_iter().map(|x| (x, t.node(x))).collect();
        prop_assert_eq!(hash_ranges(&ranges, &fetched).unwrap(), t.inclusion(i as u64, n as u64));
    }

    #[test]
    fn appends_complete_exactly_the_stored_nodes(n in 1u64..300) {
        let mut t = MemoryTree::new();
        let mut stored: HashMap<Node, Hash> = HashMap::new();
        for i in 0..n {
            let leaf = leaf_hash(&i.to_be_bytes());
            for (node, hash) in nodes_completed_by(i, leaf, |x| stored[&x]) { stored.insert(node, hash); }
            t.push_leaf_hash(leaf);
        }
        for (node, hash) in &stored { prop_assert_eq!(t.node(*node), *hash); }
        prop_assert_eq!(stored.len() as u64, 2 * n - n.count_ones() as u64);
    }
}

#[test]
fn signed_checkpoints_and_cosignatures() {
    let log = NoteSigner::from_seed("xiezhi.example/log", [1; 32]).unwrap();
    let cp = Checkpoint { origin: "xiezhi.example/log".into(), size: 8, root: [3; 32] };
    let note = log.sign(&cp);
    assert!(note.starts_with("xiezhi.example/log\n8\nAwMD"));
    let verifier = NoteVerifier::parse(&log.verifier()).unwrap();
    assert_eq!(open_checkpoint(&note, &verifier).unwrap(), cp);
    let forged = note.replacen("\n8\n", "\n9\n", 1);
    assert_eq!(open_checkpoint(&forged, &verifier), Err(NoteError::BadSignature("xiezhi.example/log".into())));
    let stranger = NoteSigner::from_seed("xiezhi.example/log", [2; 32]).unwrap();
    assert!(open_checkpoint(&stranger.sign(&cp), &verifier).is_err());
    assert!(NoteVerifier::parse("x+00000000+AQ==").is_err());

    let witness = NoteSigner::from_seed("witness.court.990101", [5; 32]).unwrap();
    let line = witness.cosign(&cp, 1_790_000_000);
    let wv = NoteVerifier::parse(&witness.cosigner_verifier()).unwrap();
    assert_eq!(verify_cosignature(&cp, &line, &wv).unwrap(), 1_790_000_000);
    let other = Checkpoint { size: 9, ..cp.clone() };
    assert!(verify_cosignature(&other, &line, &wv).is_err());
}

/// The signed-note test vectors of the Go reference implementation (golang.org/x/mod,
/// sumdb/note/note_test.go): the same key gives the same verifier string, the same text the
/// same signature byte for byte, and their signed notes verify here.
mod go_note_vectors {
    use base64::Engine;
    use xiezhi_audit::{open_note, NoteSigner, NoteVerifier};

    const SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn signer() -> NoteSigner {
        let data = base64::engine::general_purpose::STANDARD.decode(SKEY.splitn(5, '+').nth(4).unwrap()).unwrap();
        assert_eq!(data[0], 1, "Ed25519");
        NoteSigner::from_seed("PeterNeumann", data[1..].try_into().unwrap()).unwrap()
    }

    #[test]
    fn the_verifier_key_and_the_signature_are_the_reference_ones() {
        assert_eq!(signer().verifier(), VKEY);
        assert_eq!(signer().sign_text(TEXT), format!("{TEXT}\n{PETER}"));
    }

    #[test]
    fn reference_notes_verify_and_altered_ones_do_not() {
        let v = NoteVerifier::parse(VKEY).unwrap();
        assert_eq!(open_note(&format!("{TEXT}\n{PETER}"), &v).unwrap(), TEXT);
        assert_eq!(open_note(&format!("{TEXT}\n{ENOCH}{PETER}"), &v).unwrap(), TEXT, "another signer's line is ignored");
        assert!(open_note(&format!("{TEXT}\n{ENOCH}"), &v).is_err(), "not signed by this key");
        let altered = TEXT.replace("problem,", "problem;");
        assert!(open_note(&format!("{altered}\n{PETER}"), &v).is_err());
        assert!(NoteVerifier::parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==").is_err(), "wrong length key");
        assert!(NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err(), "unknown algorithm");
        assert!(NoteVerifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err(), "key id that does not match");
    }
}

/// The version-1 leaf bytes, written out by hand from the format (leaf.rs): a change to the
/// encoding breaks every stored log's verification, so it must break this first.
#[test]
fn the_version_1_leaf_bytes_are_pinned() {
    let digest = payload_digest(b"{\"id\":3}");
    let leaf = EventLeaf { seq: 258, at: 1_764_000_000_000_000, actor: Some(5), unit: None, subject: b"unit:3", kind: b"unit.created", payload_digest: digest };
    let mut want = vec![0x01];
    want.extend([0, 0, 0, 0, 0, 0, 0x01, 0x02]); // seq 258
    want.extend(1_764_000_000_000_000i64.to_be_bytes()); // at, µs
    want.extend([0, 0, 0, 0, 0, 0, 0, 5]); // actor 5
    want.extend([0xff; 8]); // no unit: −1
    want.extend([0, 0, 0, 6]);
    want.extend(b"unit:3");
    want.extend([0, 0, 0, 12]);
    want.extend(b"unit.created");
    want.extend(digest);
    assert_eq!(leaf.encode(), want);
    assert_eq!(hex::encode(digest), "a22883e93273fa52419f3f34bb7e1125f2cd14a1f32561e419adc15324916c4b", "SHA-256 of the payload bytes");
    // The leaf hash as RFC 6962 defines it: SHA-256(0x00 ‖ bytes).
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update([0u8]);
    h.update(&want);
    assert_eq!(leaf_hash(&leaf.encode()), <[u8; 32]>::from(h.finalize()));
}
