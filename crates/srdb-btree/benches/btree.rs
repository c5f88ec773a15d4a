//! Point lookups, seeks and scans on a tree of a million SST-index-like
//! entries (16-byte keys, 12-byte values), and building it.
//!
//! Run with `cargo bench -p srdb-btree`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use srdb_btree::{bytewise, BTree, BTreeWriter, TreeMeta};
use std::hint::black_box;

const ENTRIES: u64 = 1_000_000;

fn key_of(i: u64) -> [u8; 16] {
    let mut key = *b"user....\0\0\0\0\0\0\0\0";
    key[8..].copy_from_slice(&(i * 3).to_be_bytes());
    key
}

fn build() -> (Vec<u8>, TreeMeta) {
    let mut writer = BTreeWriter::new(Vec::new(), bytewise);
    for i in 0..ENTRIES {
        let mut value = [0u8; 12];
        value[..8].copy_from_slice(&(i * 4096).to_le_bytes());
        writer.push(&key_of(i), &value).expect("keys ascend");
    }
    writer.finish().expect("writing to a Vec cannot fail")
}

/// Keys in a fixed pseudo-random order, so lookups miss the CPU caches the
/// way index lookups of a large file do.
fn probe_keys(count: usize) -> Vec<[u8; 16]> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            key_of(state % ENTRIES)
        })
        .collect()
}

fn reads(c: &mut Criterion) {
    let (bytes, meta) = build();
    BTree::open(&bytes, meta, bytewise).unwrap().verify().unwrap();
    let probes = probe_keys(1 << 16);
    let mut group = c.benchmark_group("btree_1m");
    group.throughput(Throughput::Elements(1));

    for (name, checked) in [("get_verified", false), ("get_checksummed", true)] {
        let mut next = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % probes.len();
                // A view per operation, as the SST reader makes one.
                let tree = if checked {
                    BTree::open(&bytes, meta, bytewise)
                } else {
                    BTree::open_verified(&bytes, meta, bytewise)
                };
                black_box(tree.unwrap().get(&probes[next]).unwrap())
            })
        });
    }

    let tree = BTree::open_verified(&bytes, meta, bytewise).unwrap();
    let mut next = 0;
    group.bench_function("seek_then_key_verified", |b| {
        b.iter(|| {
            next = (next + 1) % probes.len();
            let cursor = tree.seek(&probes[next]).unwrap();
            black_box(cursor.key(&tree).unwrap())
        })
    });

    group.throughput(Throughput::Elements(ENTRIES));
    group.sample_size(10);
    for (name, checked) in [("scan_verified", false), ("scan_checksummed", true)] {
        let tree = if checked {
            BTree::open(&bytes, meta, bytewise).unwrap()
        } else {
            BTree::open_verified(&bytes, meta, bytewise).unwrap()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut cursor = tree.first().unwrap();
                let mut total = 0usize;
                while cursor.is_valid() {
                    total += cursor.key(&tree).unwrap().len() + cursor.value(&tree).unwrap().len();
                    cursor.next(&tree).unwrap();
                }
                black_box(total)
            })
        });
    }
    group.bench_function("verify", |b| {
        b.iter(|| BTree::open(&bytes, meta, bytewise).unwrap().verify().unwrap())
    });
    group.bench_function("build", |b| b.iter(|| black_box(build().1)));
    group.finish();
}

criterion_group!(benches, reads);
criterion_main!(benches);
