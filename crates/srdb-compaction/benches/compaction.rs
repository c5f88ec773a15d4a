//! Benchmarks of the merge path: a k-way merge over SST files, the version
//! filter on top of it, and a whole L0 compaction. Keys are 16-byte user keys, values 100
//! bytes, as in the SST benchmarks.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use srdb_compaction::{
    pick_manual, run_compaction, BoxedIterator, CompactionOptions, FileOpener, MergingIterator,
    VersionFilter,
};
use srdb_key::{compare_internal, InternalIterator, InternalKey, Kind};
use srdb_manifest::{sst_file_name, FileMeta};
use srdb_sst::{Sst, SstWriter, WriterOptions};

const TOTAL_ENTRIES: u64 = 200_000;
const VALUE_BYTES: usize = 100;

fn user_key(i: u64) -> Vec<u8> {
    format!("user{:012}", i * 7).into_bytes()
}

/// `k` sources that together hold `TOTAL_ENTRIES` versions of
/// `TOTAL_ENTRIES / 2` user keys: every key is written twice, by two
/// different sources, so half of all versions are shadowed.
fn sources(k: u64) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
    let keys = TOTAL_ENTRIES / 2;
    let mut sources = vec![Vec::new(); k as usize];
    for i in 0..keys {
        for version in 0..2u64 {
            // Source 0 is the newest; it holds the largest seqnos.
            let source = (i + version) % k;
            let seqno = (k - source) * TOTAL_ENTRIES + i;
            let ikey = InternalKey::new(&user_key(i), seqno, Kind::Put).as_bytes().to_vec();
            sources[source as usize].push((ikey, vec![b'v'; VALUE_BYTES]));
        }
    }
    sources
}

/// Writes each source as an SST file in `dir`, numbered from `first`, and
/// returns the opened files and their metadata.
fn write_ssts(
    dir: &Path,
    first: u64,
    sources: &[Vec<(Vec<u8>, Vec<u8>)>],
) -> Vec<(Arc<Sst>, Arc<FileMeta>)> {
    (first..)
        .zip(sources)
        .map(|(n, source)| {
            let path = dir.join(sst_file_name(n));
            let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
            for (k, v) in source {
                writer.add(k, v).unwrap();
            }
            let s = writer.finish().unwrap();
            let meta = Arc::new(FileMeta {
                number: n,
                size_bytes: s.size_bytes,
                entries: s.entries,
                smallest: InternalKey::from_encoded(s.smallest).unwrap(),
                largest: InternalKey::from_encoded(s.largest).unwrap(),
                min_seqno: s.min_seqno,
                max_seqno: s.max_seqno,
                time_range: s.time_range,
            });
            (Sst::open(&path, n, None).unwrap(), meta)
        })
        .collect()
}

fn merging(ssts: &[(Arc<Sst>, Arc<FileMeta>)]) -> MergingIterator {
    MergingIterator::new(
        ssts.iter().map(|(sst, _)| Box::new(sst.iter_no_fill()) as BoxedIterator).collect(),
    )
}

/// Scans of the merge of `k` SST files (one file: the cost of the SST scan
/// alone, the baseline the heap adds to), and the version filter on top.
fn bench_merge(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("merge_scan");
    group.throughput(Throughput::Elements(TOTAL_ENTRIES));
    let mut first = 1;
    for k in [1u64, 2, 8, 32] {
        let split = if k == 1 {
            let mut all = sources(2).concat();
            all.sort_by(|a, b| compare_internal(&a.0, &b.0));
            vec![all]
        } else {
            sources(k)
        };
        let ssts = write_ssts(dir.path(), first, &split);
        first += k;
        group.bench_function(format!("{k}_sources"), |b| {
            b.iter_batched(
                || merging(&ssts),
                |mut iter| {
                    iter.seek_to_first().unwrap();
                    let mut n = 0u64;
                    while iter.valid() {
                        n += iter.key().len() as u64;
                        iter.next().unwrap();
                    }
                    n
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("version_filter");
    group.throughput(Throughput::Elements(TOTAL_ENTRIES));
    let ssts = write_ssts(dir.path(), first, &sources(8));
    group.bench_function("8_sources_half_shadowed", |b| {
        b.iter_batched(
            || VersionFilter::new(merging(&ssts), vec![], true),
            |mut filter| {
                filter.seek_to_first().unwrap();
                while filter.valid() {
                    filter.advance().unwrap();
                }
                assert_eq!(filter.stats().dropped_versions, TOTAL_ENTRIES / 2);
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn bench_compaction(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let l0: Vec<Arc<FileMeta>> =
        write_ssts(dir.path(), 1, &sources(4)).into_iter().map(|(_, m)| m).collect();
    let opts = CompactionOptions::default();
    let task = pick_manual(&[l0, vec![]], 0, &opts, &HashSet::new()).unwrap();
    let input_dir = dir.path().to_path_buf();
    let opener: FileOpener = Arc::new(move |m: &FileMeta| {
        let sst = Sst::open(&input_dir.join(sst_file_name(m.number)), m.number, None)?;
        Ok(Box::new(sst.iter_no_fill()) as BoxedIterator)
    });

    let mut group = c.benchmark_group("run_compaction");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(task.input_bytes()));
    let mut next = 1_000u64;
    group.bench_function("4_l0_files_200k_entries_half_shadowed", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(dir.path()).unwrap(),
            |out| {
                let outcome = run_compaction(
                    &task,
                    &opener,
                    &[],
                    &WriterOptions::default(),
                    opts.target_file_bytes,
                    out.path(),
                    &mut || {
                        next += 1;
                        next
                    },
                )
                .unwrap();
                assert_eq!(outcome.entries_out, TOTAL_ENTRIES / 2);
                out
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_merge, bench_compaction);
criterion_main!(benches);
