//! Append throughput of the WAL: 100-byte records, buffered (`Never`) and
//! durable (`Always`), from 1, 8 and 16 threads. Each iteration is one
//! append; multi-threaded runs split the iterations among the threads and
//! time the whole, so the figure is the aggregate rate.
//!
//! Run with `cargo bench -p srdb-wal`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use srdb_wal::{SyncPolicy, Wal, WalOptions};

const RECORD_BYTES: usize = 100;

fn append_from_threads(wal: &Wal, threads: u64, iters: u64) -> Duration {
    let payload = [0xA5u8; RECORD_BYTES];
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let share = iters / threads + u64::from(t < iters % threads);
            s.spawn(move || {
                for _ in 0..share {
                    black_box(wal.append(black_box(&payload)).unwrap());
                }
            });
        }
    });
    let elapsed = start.elapsed();
    // Keep the disk use of a long run bounded: start a new segment and drop
    // the old ones between samples, outside the timed part.
    wal.rotate().unwrap();
    wal.delete_segments_before(wal.current_segment()).unwrap();
    elapsed
}

fn bench(c: &mut Criterion, name: &str, policy: SyncPolicy, thread_counts: &[u64]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    for &threads in thread_counts {
        let dir = tempfile::tempdir().unwrap();
        let opts = WalOptions { sync: policy, ..WalOptions::default() };
        let (wal, _) = Wal::open(dir.path(), opts, 0, 1, |_| Ok(())).unwrap();
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                if threads == 1 {
                    let payload = [0xA5u8; RECORD_BYTES];
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(wal.append(black_box(&payload)).unwrap());
                    }
                    let elapsed = start.elapsed();
                    wal.rotate().unwrap();
                    wal.delete_segments_before(wal.current_segment()).unwrap();
                    elapsed
                } else {
                    append_from_threads(&wal, threads, iters)
                }
            })
        });
        let stats = wal.stats();
        eprintln!(
            "{name}/{threads}_threads: {} appends in {} groups, {:.1} appends per fdatasync",
            stats.appends,
            stats.commit_groups,
            stats.appends as f64 / stats.syncs.max(1) as f64
        );
        wal.close().unwrap();
    }
    group.finish();
}

fn wal_append(c: &mut Criterion) {
    bench(c, "append_100B_never", SyncPolicy::Never, &[1, 8]);
    bench(c, "append_100B_periodic", SyncPolicy::default(), &[1, 8]);
    bench(c, "append_100B_always", SyncPolicy::Always, &[1, 8, 16]);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    targets = wal_append
}
criterion_main!(benches);
