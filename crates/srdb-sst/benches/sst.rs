//! Benchmarks of SST files: building, point reads (cached, in place,
//! decompressing on every read), misses answered by the bloom filter, and a
//! full scan. Keys are 16-byte user keys, values 100 bytes, as in the
//! engine's point-read target (a cached get at or below 1 us).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use srdb_key::{InternalIterator, InternalKey, Kind};
use srdb_sst::{BlockCache, Compression, Sst, SstWriter, WriterOptions};

const ENTRIES: u64 = 100_000;
const VALUE_BYTES: usize = 100;

fn user_key(i: u64) -> [u8; 16] {
    // Spread keys so that neighbours share a prefix, as real keys do.
    format!("user{:012}", i * 7).into_bytes().try_into().expect("16 bytes")
}

fn value(i: u64) -> Vec<u8> {
    (0..VALUE_BYTES).map(|j| ((i as usize + j) % 17) as u8 + b'a').collect()
}

fn build(path: &Path, compression: Compression) {
    let opts = WriterOptions { compression, ..WriterOptions::default() };
    let mut writer = SstWriter::create(path, opts).expect("create");
    for i in 0..ENTRIES {
        writer
            .add(InternalKey::new(&user_key(i), i + 1, Kind::Put).as_bytes(), &value(i))
            .expect("add");
    }
    writer.finish().expect("finish");
}

/// A fixed pseudo-random order of key indexes, so runs are comparable.
fn probe_order(n: usize) -> Vec<u64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % ENTRIES
        })
        .collect()
}

fn bench_build(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("sst_build");
    group.throughput(Throughput::Elements(ENTRIES));
    group.sample_size(10);
    let mut n = 0u64;
    group.bench_function("100k_entries_snappy", |b| {
        b.iter_batched(
            || {
                n += 1;
                dir.path().join(format!("build-{n}.sst"))
            },
            |path| {
                build(&path, Compression::Snappy);
                std::fs::remove_file(&path).expect("remove");
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn bench_get(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let snappy = dir.path().join("snappy.sst");
    let raw = dir.path().join("raw.sst");
    build(&snappy, Compression::Snappy);
    build(&raw, Compression::None);
    let probes = probe_order(1 << 16);

    let mut group = c.benchmark_group("sst_get");
    let mut run = |name: &str, sst: Arc<Sst>| {
        for &i in &probes {
            sst.get(&user_key(i), u64::MAX).expect("get").expect("found");
        }
        let mut next = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % probes.len();
                sst.get(&user_key(probes[next]), u64::MAX).expect("get")
            })
        });
    };
    run("cached_snappy", Sst::open(&snappy, 1, Some(BlockCache::new(64 << 20))).expect("open"));
    run("in_place_uncompressed", Sst::open(&raw, 2, None).expect("open"));
    run(
        "uncached_snappy_decompress_each_read",
        Sst::open(&snappy, 3, Some(BlockCache::new(16 << 10))).expect("open"),
    );

    let sst = Sst::open(&snappy, 4, Some(BlockCache::new(64 << 20))).expect("open");
    let mut next = 0u64;
    group.bench_function("missing_key", |b| {
        b.iter(|| {
            next += 1;
            sst.get(format!("miss{next:012}").as_bytes(), u64::MAX).expect("get")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sst_bloom");
    let missing: Vec<[u8; 16]> = (0..4096u64)
        .map(|i| format!("miss{i:012}").into_bytes().try_into().expect("16 bytes"))
        .collect();
    let mut next = 0;
    group.bench_function("probe_missing_key", |b| {
        b.iter(|| {
            next = (next + 1) % missing.len();
            sst.may_contain(&missing[next])
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sst_scan");
    group.throughput(Throughput::Elements(ENTRIES));
    group.sample_size(10);
    group.bench_function("full_scan_100k_cached", |b| {
        b.iter(|| {
            let mut iter = sst.iter();
            iter.seek_to_first().expect("seek");
            let mut bytes = 0usize;
            while iter.valid() {
                bytes += iter.value().len();
                iter.next().expect("next");
            }
            bytes
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_build, bench_get
}
criterion_main!(benches);
