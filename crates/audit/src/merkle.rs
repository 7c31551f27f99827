//! RFC 6962 hashing, proofs and their verification.
//!
//! Storage keeps the hash of every complete subtree: node `(level, index)` covers leaves
//! `index·2^level .. (index+1)·2^level`. Any range a proof needs is a handful of such nodes, so
//! a proof is a plan of node addresses (fetched in one query) and a fold over their hashes.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::ops::Range;

pub type Hash = [u8; 32];

pub fn leaf_hash(input: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(input);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Address of a complete subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub level: u8,
    pub index: u64,
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The complete subtrees that make up `range`, left to right. The range must start on a
/// boundary of its own size class, as every range in RFC 6962's recursion does.
pub fn range_nodes(range: Range<u64>) -> Vec<Node> {
    let mut out = Vec::new();
    let mut start = range.start;
    let mut len = range.end - range.start;
    while len > 0 {
        let level = 63 - len.leading_zeros() as u8;
        let size = 1u64 << level;
        debug_assert_eq!(start % size, 0, "range {range:?} is not aligned");
        out.push(Node { level, index: start >> level });
        start += size;
        len -= size;
    }
    out
}

/// MTH of a range from its complete subtrees (folded right to left, as RFC 6962 splits).
pub fn fold_range(range: Range<u64>, get: &impl Fn(Node) -> Hash) -> Hash {
    if range.is_empty() {
        return empty_root();
    }
    let nodes = range_nodes(range);
    let mut acc = get(*nodes.last().expect("non-empty"));
    for n in nodes.iter().rev().skip(1) {
        acc = node_hash(&get(*n), &acc);
    }
    acc
}

/// The ranges whose hashes form the inclusion proof of `index` in a tree of `size`, in proof order.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    // PATH(m, D[lo:hi]) from RFC 6962 2.1.1, iteratively; collected top-down, emitted bottom-up.
    let (mut lo, mut hi, mut m) = (0u64, size, index);
    while hi - lo > 1 {
        let k = split(hi - lo);
        if m < k {
            out.push(lo + k..hi);
            hi = lo + k;
        } else {
            out.push(lo..lo + k);
            lo += k;
            m -= k;
        }
    }
    out.reverse();
    out
}

/// The ranges whose hashes form the consistency proof from `first` to `second`, in proof order.
pub fn consistency_ranges(first: u64, second: u64) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    if first == 0 || first >= second {
        return out;
    }
    // SUBPROOF(m, D[lo:hi], b) from RFC 6962 2.1.2, iteratively.
    let (mut lo, mut hi, mut m, mut whole) = (0u64, second, first, true);
    loop {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push(lo..hi);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            out.push(lo + k..hi);
            hi = lo + k;
        } else {
            out.push(lo..lo + k);
            lo += k;
            m -= k;
            whole = false;
        }
    }
    out.reverse();
    out
}

/// Every node a set of ranges needs, deduplicated, for one fetch.
pub fn nodes_for(ranges: &[Range<u64>]) -> Vec<Node> {
    let mut v: Vec<Node> = ranges.iter().flat_map(|r| range_nodes(r.clone())).collect();
    v.sort();
    v.dedup();
    v
}

/// Hash each range from fetched node hashes; `None` if a node is missing.
pub fn hash_ranges(ranges: &[Range<u64>], nodes: &HashMap<Node, Hash>) -> Option<Vec<Hash>> {
    if ranges.iter().flat_map(|r| range_nodes(r.clone())).any(|n| !nodes.contains_key(&n)) {
        return None;
    }
    Some(ranges.iter().map(|r| fold_range(r.clone(), &|n| nodes[&n])).collect())
}

/// The nodes an append of leaf `index` completes: the leaf itself and each parent it closes.
/// `left(level, index)` gives a left sibling that is already stored.
pub fn nodes_completed_by(index: u64, leaf: Hash, left: impl Fn(Node) -> Hash) -> Vec<(Node, Hash)> {
    let mut out = vec![(Node { level: 0, index }, leaf)];
    let (mut level, mut idx, mut hash) = (0u8, index, leaf);
    while idx % 2 == 1 {
        let sibling = left(Node { level, index: idx - 1 });
        hash = node_hash(&sibling, &hash);
        level += 1;
        idx /= 2;
        out.push((Node { level, index: idx }, hash));
    }
    out
}

/// A whole tree in memory: complete-subtree hashes by level. For verification and tests.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn push_leaf_hash(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
            let row = &self.levels[level];
            if row.len() % 2 == 1 {
                break;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    pub fn push(&mut self, input: &[u8]) {
        self.push_leaf_hash(leaf_hash(input));
    }

    pub fn node(&self, n: Node) -> Hash {
        self.levels[n.level as usize][n.index as usize]
    }

    pub fn root(&self) -> Hash {
        self.root_at(self.size())
    }

    pub fn root_at(&self, size: u64) -> Hash {
        fold_range(0..size, &|n| self.node(n))
    }

    pub fn inclusion(&self, index: u64, size: u64) -> Vec<Hash> {
        inclusion_ranges(index, size).into_iter().map(|r| fold_range(r, &|n| self.node(n))).collect()
    }

    pub fn consistency(&self, first: u64, second: u64) -> Vec<Hash> {
        consistency_ranges(first, second).into_iter().map(|r| fold_range(r, &|n| self.node(n))).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    #[error("proof does not lead to the expected root")]
    RootMismatch,
    #[error("first tree size {first} is larger than the second {second}")]
    SizesOutOfOrder { first: u64, second: u64 },
}

/// RFC 9162 2.1.3.2: verify that `leaf` is at `index` in the tree of `size` with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 2.1.4.2: verify that the tree (`first`, `first_root`) is a prefix of (`second`, `second_root`).
pub fn verify_consistency(first: u64, second: u64, first_root: &Hash, second_root: &Hash, proof: &[Hash]) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizesOutOfOrder { first, second });
    }
    if first == second {
        return if proof.is_empty() && first_root == second_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if first == 0 {
        return if proof.is_empty() { Ok(()) } else { Err(ProofError::WrongLength) };
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let Some((first_hash, rest)) = path.split_first() else { return Err(ProofError::WrongLength) };
    let (mut fr, mut sr) = (*first_hash, *first_hash);
    for c in rest {
        if s_n == 0 {
            return Err(ProofError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != first_root || &sr != second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The right edge of a tree: the complete subtrees of `0..size`, enough to append leaves and
/// compute the root without the rest of the tree. What a witness keeps between runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactRange {
    size: u64,
    /// Hashes of `range_nodes(0..size)`, largest (leftmost) first.
    edge: Vec<Hash>,
}

impl CompactRange {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuild from stored edge hashes; `None` if their number does not fit `size`.
    pub fn from_parts(size: u64, edge: Vec<Hash>) -> Option<Self> {
        (edge.len() == size.count_ones() as usize).then_some(Self { size, edge })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn edge(&self) -> &[Hash] {
        &self.edge
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut merged = 0;
        // Each trailing one bit of `size` is a complete subtree that the new leaf now pairs with.
        while (self.size >> merged) & 1 == 1 {
            let left = self.edge.pop().expect("one hash per set bit");
            hash = node_hash(&left, &hash);
            merged += 1;
        }
        self.edge.push(hash);
        self.size += 1;
    }

    /// Append the leaves `other` covers, which follow this range's. Each complete subtree of
    /// `other` must start at a multiple of its own size once shifted by `self.size()`, which holds
    /// when `self.size()` is a multiple of a power of two `other.size()` does not exceed (ranges
    /// cut at such multiples, folded on different threads). Returns false, changing nothing, if not.
    #[must_use]
    pub fn append(&mut self, other: &CompactRange) -> bool {
        let heights = (0..64u32).rev().filter(|h| (other.size >> h) & 1 == 1);
        if heights.clone().next().is_some_and(|h| !self.size.is_multiple_of(1 << h)) {
            return false;
        }
        for (height, hash) in heights.zip(&other.edge) {
            let mut hash = *hash;
            let mut level = height;
            while (self.size >> level) & 1 == 1 {
                let left = self.edge.pop().expect("one hash per set bit");
                hash = node_hash(&left, &hash);
                level += 1;
            }
            self.edge.push(hash);
            self.size += 1 << height;
        }
        true
    }

    pub fn root(&self) -> Hash {
        match self.edge.split_last() {
            None => empty_root(),
            Some((last, rest)) => rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)),
        }
    }
}

#[cfg(test)]
mod compact_tests {
    use super::*;

    #[test]
    fn a_compact_range_tracks_the_full_tree() {
        let mut full = MemoryTree::new();
        let mut compact = CompactRange::new();
        for i in 0..300u64 {
            assert_eq!(compact.root(), full.root(), "size {i}");
            let leaf = leaf_hash(&i.to_be_bytes());
            full.push_leaf_hash(leaf);
            compact.push(leaf);
            let edge: Vec<Hash> = range_nodes(0..i + 1).into_iter().map(|n| full.node(n)).collect();
            assert_eq!(compact.edge(), &edge[..]);
        }
        assert!(CompactRange::from_parts(3, vec![[0; 32]]).is_none());
    }

    #[test]
    fn ranges_folded_apart_append_into_the_whole() {
        let leaves: Vec<Hash> = (0..200u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let range = |r: std::ops::Range<usize>| {
            let mut c = CompactRange::new();
            leaves[r].iter().for_each(|l| c.push(*l));
            c
        };
        for chunk in [1, 2, 4, 16, 64] {
            for total in [0, 1, chunk, chunk + 1, 3 * chunk - 1, 200] {
                let mut whole = CompactRange::new();
                for start in (0..total).step_by(chunk) {
                    assert!(whole.append(&range(start..(start + chunk).min(total))), "chunk {chunk}, at {start}");
                }
                assert_eq!(whole, range(0..total), "chunks of {chunk}, {total} leaves");
            }
        }
        let mut three = range(0..3);
        assert!(!three.append(&range(3..5)), "two leaves after three do not make a subtree");
        assert_eq!(three, range(0..3), "a refused append changes nothing");
    }
}
