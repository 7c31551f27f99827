//! Raw SHA-256 rate versus tree building, in one run. Run: `cargo bench -p xiezhi-audit`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sha2::{Digest, Sha256};
use xiezhi_audit::{leaf_hash, MemoryTree};

fn bench(c: &mut Criterion) {
    let leaf = [7u8; 120];
    let mut g = c.benchmark_group("merkle");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("raw_sha256_x10k_of_120B", |b| b.iter(|| (0..10_000).fold([0u8; 32], |_, _| Sha256::digest(black_box(&leaf)).into())));
    g.bench_function("append_10k_leaves", |b| {
        b.iter(|| {
            let mut t = MemoryTree::new();
            for _ in 0..10_000 {
                t.push_leaf_hash(leaf_hash(black_box(&leaf)));
            }
            t.root()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
