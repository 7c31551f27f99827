//! Storing the tree as C2SP tlog tiles: a tile at tile level `L` holds up to 256 consecutive
//! hashes of tree level `8·L`; the seven tree levels in between are recomputed from them on
//! demand. A store then writes about one row per 256 leaves instead of two per leaf, and a proof
//! at tens of millions of leaves reads a handful of tiles.

use crate::{node_hash, Hash, Node};
use std::collections::BTreeMap;

/// Tree levels per tile level.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// Where a tile lives: its tile level and its index among the tiles of that level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileAddr {
    pub level: u8,
    pub index: u64,
}

/// The tile holding the hashes `node` is computed from, and their positions in it.
pub fn locate(node: Node) -> (TileAddr, std::ops::Range<usize>) {
    let level = node.level / TILE_HEIGHT;
    let sub = node.level % TILE_HEIGHT;
    let first = node.index << sub;
    let start = (first % TILE_WIDTH) as usize;
    (TileAddr { level, index: first / TILE_WIDTH }, start..start + (1usize << sub))
}

/// The root of a power-of-two run of hashes from one tile.
pub fn subtree_root(hashes: &[Hash]) -> Hash {
    debug_assert!(hashes.len().is_power_of_two());
    let mut layer: Vec<Hash> = hashes.to_vec();
    while layer.len() > 1 {
        layer = layer.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    layer[0]
}

/// A node's hash from the tile that holds it, if the tile is wide enough to hold all of it.
pub fn node_from_tile(node: Node, tile: &[Hash]) -> Option<Hash> {
    let (_, range) = locate(node);
    tile.get(range).map(subtree_root)
}

/// The partial tiles at the right edge of a tree of `size` leaves, one per tile level that has
/// any: these are all an append needs to read.
pub fn edge_tiles(size: u64) -> Vec<(TileAddr, usize)> {
    let mut out = Vec::new();
    let mut count = size;
    let mut level = 0;
    while count > 0 {
        let width = (count % TILE_WIDTH) as usize;
        if width > 0 {
            out.push((TileAddr { level, index: count / TILE_WIDTH }, width));
        }
        count /= TILE_WIDTH;
        level += 1;
    }
    out
}

/// The growing right edge of a tiled tree. Push leaf hashes; take the tiles that changed.
#[derive(Clone, Debug, Default)]
pub struct TileEdge {
    size: u64,
    /// The partial (possibly empty) last tile at each tile level.
    partial: Vec<Vec<Hash>>,
    /// Tiles changed since the last `take_dirty`, with their contents.
    dirty: BTreeMap<TileAddr, Vec<Hash>>,
}

impl TileEdge {
    pub fn new() -> Self {
        Self::default()
    }

    /// Resume from stored tiles. `tiles` must hold each address `edge_tiles(size)` lists, with
    /// at least the listed width (wider content is cut to it).
    pub fn resume(size: u64, tiles: &impl Fn(TileAddr) -> Option<Vec<Hash>>) -> Result<Self, TileAddr> {
        let mut partial = Vec::new();
        let mut count = size;
        let mut level = 0;
        while count > 0 {
            let addr = TileAddr { level, index: count / TILE_WIDTH };
            let width = (count % TILE_WIDTH) as usize;
            let mut hashes = Vec::new();
            if width > 0 {
                hashes = tiles(addr).filter(|t| t.len() >= width).ok_or(addr)?;
                hashes.truncate(width);
            }
            partial.push(hashes);
            count /= TILE_WIDTH;
            level += 1;
        }
        Ok(Self { size, partial, dirty: BTreeMap::new() })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        self.size += 1;
        let mut hash = leaf;
        let mut level = 0usize;
        // Index of the level's tile the hash goes into: hashes before it at that level / 256.
        let mut count = self.size;
        loop {
            if self.partial.len() == level {
                self.partial.push(Vec::new());
            }
            let tile = &mut self.partial[level];
            tile.push(hash);
            let addr = TileAddr { level: level as u8, index: (count - 1) / TILE_WIDTH };
            if tile.len() as u64 == TILE_WIDTH {
                let full = std::mem::take(tile);
                hash = subtree_root(&full);
                self.dirty.insert(addr, full);
                count /= TILE_WIDTH;
                level += 1;
            } else {
                self.dirty.insert(addr, tile.clone());
                break;
            }
        }
    }

    /// The tiles changed since last asked, full or partial; a partial tile replaces any earlier
    /// version of itself.
    pub fn take_dirty(&mut self) -> Vec<(TileAddr, Vec<Hash>)> {
        std::mem::take(&mut self.dirty).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{leaf_hash, MemoryTree};
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn grow(batches: &[u16]) -> (MemoryTree, HashMap<TileAddr, Vec<Hash>>) {
        let mut tree = MemoryTree::new();
        let mut store: HashMap<TileAddr, Vec<Hash>> = HashMap::new();
        for &n in batches {
            let mut edge = TileEdge::resume(tree.size(), &|a| store.get(&a).cloned()).expect("edge tiles stored");
            for _ in 0..n {
                let leaf = leaf_hash(&tree.size().to_be_bytes());
                tree.push_leaf_hash(leaf);
                edge.push(leaf);
            }
            assert_eq!(edge.size(), tree.size());
            store.extend(edge.take_dirty());
        }
        (tree, store)
    }

    #[test]
    fn locating_nodes() {
        assert_eq!(locate(Node { level: 0, index: 300 }), (TileAddr { level: 0, index: 1 }, 44..45));
        assert_eq!(locate(Node { level: 3, index: 33 }), (TileAddr { level: 0, index: 1 }, 8..16));
        assert_eq!(locate(Node { level: 8, index: 5 }), (TileAddr { level: 1, index: 0 }, 5..6));
        assert_eq!(locate(Node { level: 15, index: 1 }), (TileAddr { level: 1, index: 0 }, 128..256));
        assert_eq!(
            edge_tiles(70_000),
            vec![(TileAddr { level: 0, index: 273 }, 112), (TileAddr { level: 1, index: 1 }, 17), (TileAddr { level: 2, index: 0 }, 1)]
        );
        assert_eq!(edge_tiles(65_536), vec![(TileAddr { level: 2, index: 0 }, 1)]);
    }

    #[test]
    fn a_tree_of_two_full_tile_levels() {
        let (tree, store) = grow(&[65_535, 1, 3]);
        assert_eq!(store.len(), 257 + 1 + 1, "level-0 tiles 0..=256, one full level-1 tile, the level-2 tile");
        for level in 0..=16u8 {
            for index in 0..(tree.size() >> level) {
                let n = Node { level, index };
                let (addr, _) = locate(n);
                assert_eq!(node_from_tile(n, &store[&addr]), Some(tree.node(n)), "{n:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn tiles_hold_every_complete_node(batches in prop::collection::vec(0u16..700, 1..8)) {
            let (tree, store) = grow(&batches);
            for level in 0..=12u8 {
                for index in 0..(tree.size() >> level) {
                    let n = Node { level, index };
                    let (addr, _) = locate(n);
                    prop_assert_eq!(store.get(&addr).and_then(|t| node_from_tile(n, t)), Some(tree.node(n)));
                }
            }
        }
    }
}
