//! Engine micro-benchmarks: the single-thread costs behind the comparison
//! runner's figures (`cargo xtask bench` runs the peers side by side).
//!
//! 16-byte keys, 100-byte values, `SyncPolicy::Never`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use srdb_engine::{Engine, Keyspace, KeyspaceOptions, Options, SyncPolicy, WriteBatch};

const LOADED_KEYS: u64 = 200_000;

fn key(i: u64) -> [u8; 16] {
    // Spread keys over the key space like a hash would, keeping them unique.
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    k[8..].copy_from_slice(&i.to_be_bytes());
    k
}

fn open(dir: &std::path::Path) -> (Engine, Keyspace) {
    let engine =
        Engine::open(dir, Options { sync: SyncPolicy::Never, ..Options::default() }).unwrap();
    let ks = engine.open_keyspace("bench", KeyspaceOptions::default()).unwrap();
    (engine, ks)
}

fn writes(c: &mut Criterion) {
    let value = [7u8; 100];
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Elements(1));
    let dir = tempfile::tempdir().unwrap();
    let (_engine, ks) = open(dir.path());
    let mut i = 0u64;
    group.bench_function("put_random", |b| {
        b.iter(|| {
            i += 1;
            ks.put(key(i), value).unwrap();
        })
    });
    group.throughput(Throughput::Elements(100));
    let dir = tempfile::tempdir().unwrap();
    let (engine, ks) = open(dir.path());
    let mut seq = 0u64;
    group.bench_function("batch_100_seq", |b| {
        b.iter_batched(
            || {
                let mut batch = WriteBatch::new();
                for _ in 0..100 {
                    seq += 1;
                    batch.put(&ks, seq.to_be_bytes(), value);
                }
                batch
            },
            |batch| engine.write(&batch).unwrap(),
            BatchSize::SmallInput,
        )
    });
    // A server's group commit: the writes of many clients in one batch, to
    // keys all over the key space, into a memtable that already holds many.
    group.throughput(Throughput::Elements(800));
    let dir = tempfile::tempdir().unwrap();
    let (engine, ks) = open(dir.path());
    let mut n = 0u64;
    group.bench_function("batch_800_random", |b| {
        b.iter_batched(
            || {
                let mut batch = WriteBatch::new();
                for _ in 0..800 {
                    n += 1;
                    batch.put(&ks, key(n), value);
                }
                batch
            },
            |batch| engine.write(&batch).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (engine, ks) = open(dir.path());
    for chunk in 0..LOADED_KEYS / 1000 {
        let mut batch = WriteBatch::new();
        for i in chunk * 1000..(chunk + 1) * 1000 {
            batch.put(&ks, key(i), [9u8; 100]);
        }
        engine.write(&batch).unwrap();
    }
    engine.flush().unwrap();
    engine.compact().unwrap();
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(1));
    let mut i = 0u64;
    group.bench_function("get_hit_cached", |b| {
        b.iter(|| {
            i = (i + 7919) % LOADED_KEYS;
            black_box(ks.get(key(i)).unwrap().unwrap());
        })
    });
    group.bench_function("get_missing", |b| {
        b.iter(|| {
            i = (i + 7919) % LOADED_KEYS;
            black_box(ks.get(key(i + LOADED_KEYS)).unwrap());
        })
    });
    group.throughput(Throughput::Elements(LOADED_KEYS));
    group.bench_function("scan_all", |b| {
        b.iter(|| {
            let mut it = ks.iter();
            let mut n = 0u64;
            while let Some((k, v)) = it.next_ref().unwrap() {
                black_box((k, v));
                n += 1;
            }
            assert_eq!(n, LOADED_KEYS);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = writes, reads
}
criterion_main!(benches);
