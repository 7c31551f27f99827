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
