//! Insert, point-lookup and scan costs of the memtable.
//!
//! Run with `cargo bench -p srdb-memtable --bench memtable`. Keys are 16-byte
//! user keys in pseudo-random order, values 100 bytes, as in the engine's
//! default KV workload; the ascending inserts are a table's shape: 8-byte
//! big-endian `_seq` keys, 60-byte rows, batches of 1,000 through one
//! inserter.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use srdb_key::{InternalIterator, Kind};
use srdb_memtable::Memtable;

const VALUE: [u8; 100] = [0x5a; 100];

/// A fixed permutation of `0..n` (multiplication by an odd constant modulo a
/// power of two), so runs are repeatable without a random number crate.
fn key(i: u64) -> [u8; 16] {
    let scrambled = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&scrambled.to_be_bytes());
    key[8..].copy_from_slice(&i.to_be_bytes());
    key
}

/// A memtable of `n` entries, with a point index sized for them if `indexed`.
fn filled(n: u64, indexed: bool) -> Arc<Memtable> {
    let table = Arc::new(if indexed { indexed_for(n) } else { Memtable::new() });
    for i in 0..n {
        table.insert(&key(i), i + 1, Kind::Put, &VALUE);
    }
    table
}

/// A memtable with a point index for `n` distinct keys.
fn indexed_for(n: u64) -> Memtable {
    Memtable::with_point_index(n as usize * 4 / 3)
}

fn insert(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut group = c.benchmark_group("insert");
    group.throughput(Throughput::Elements(N));
    group.sample_size(10);
    group.bench_function("100k_random_16B_key_100B_value", |b| {
        b.iter_batched(
            Memtable::new,
            |table| {
                for i in 0..N {
                    table.insert(&key(i), i + 1, Kind::Put, &VALUE);
                }
                table
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("100k_random_16B_key_100B_value_point_index", |b| {
        b.iter_batched(
            || indexed_for(N),
            |table| {
                for i in 0..N {
                    table.insert(&key(i), i + 1, Kind::Put, &VALUE);
                }
                table
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("100k_ascending_8B_key_60B_value_batches_of_1000", |b| {
        b.iter_batched(
            Memtable::new,
            |table| {
                for batch in 0..N / 1000 {
                    let mut inserter = table.inserter();
                    for i in batch * 1000..(batch + 1) * 1000 {
                        inserter.insert(&i.to_be_bytes(), batch + 1, Kind::Put, &VALUE[..60]);
                    }
                }
                table
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("100k_ascending_8B_key_60B_value_one_at_a_time", |b| {
        b.iter_batched(
            Memtable::new,
            |table| {
                for i in 0..N {
                    table.insert(&i.to_be_bytes(), i + 1, Kind::Put, &VALUE[..60]);
                }
                table
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn get(c: &mut Criterion) {
    // 100k entries is a 20 MiB memtable whose nodes mostly fit in cache;
    // 1M entries (200 MiB) is past the default 64 MiB budget and misses
    // cache on most steps, the worst case.
    for (n, indexed) in
        [(100_000u64, false), (100_000, true), (1_000_000, false), (1_000_000, true)]
    {
        let table = filled(n, indexed);
        let index = if indexed { "_point_index" } else { "" };
        let mut group = c.benchmark_group(format!("get_{}k_entries{index}", n / 1000));
        let mut i = 0u64;
        group.bench_function("hit", |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                black_box(table.get_with(&key(i), u64::MAX, |seqno, _, v| seqno + v.len() as u64))
            })
        });
        group.bench_function("hit_copying_value", |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                black_box(table.get(&key(i), u64::MAX))
            })
        });
        group.bench_function("miss", |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                black_box(table.get(&key(i + n), u64::MAX))
            })
        });
        group.finish();
    }
}

fn scan(c: &mut Criterion) {
    const N: u64 = 100_000;
    let table = filled(N, false);
    let mut group = c.benchmark_group("scan_100k_entries");
    group.throughput(Throughput::Elements(N));
    group.sample_size(10);
    group.bench_function("next", |b| {
        b.iter(|| {
            let mut iter = table.iter();
            iter.seek_to_first().unwrap();
            let mut bytes = 0;
            while iter.valid() {
                bytes += iter.key().len();
                iter.next().unwrap();
            }
            black_box(bytes)
        })
    });
    group.bench_function("prev", |b| {
        b.iter(|| {
            let mut iter = table.iter();
            iter.seek_to_last().unwrap();
            let mut bytes = 0;
            while iter.valid() {
                bytes += iter.key().len();
                iter.prev().unwrap();
            }
            black_box(bytes)
        })
    });
    // The alternative design: an owning iterator that re-seeks past the
    // current key on every step instead of following the skiplist link.
    group.bench_function("reseek_per_step", |b| {
        b.iter(|| {
            let mut iter = table.iter();
            iter.seek_to_first().unwrap();
            let mut bytes = 0;
            let mut successor = Vec::new();
            while iter.valid() {
                bytes += iter.key().len();
                // Every seqno is >= 1, so the trailer is >= 0x100 and the
                // key with trailer - 1 is the immediate successor.
                successor.clear();
                successor.extend_from_slice(iter.key());
                let at = successor.len() - 8;
                let trailer = u64::from_le_bytes(successor[at..].try_into().unwrap()) - 1;
                successor[at..].copy_from_slice(&trailer.to_le_bytes());
                iter.seek(&successor).unwrap();
            }
            black_box(bytes)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = insert, get, scan
}
criterion_main!(benches);
