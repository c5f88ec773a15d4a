//! Runs one key-value workload against one engine and measures it.
//!
//! A run has three phases: the start state (a fresh database, or one loaded
//! and flushed), the measured operations, and for writing workloads a final
//! [`KvEngine::flush`]. Throughput and latency cover the operations only; CPU
//! time, bytes written to the device and write amplification cover the
//! operations and the final flush, since an engine may defer work to it.
//! Every read is checked: a workload that reads back something wrong fails.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::data::{shuffled, Keys, Values};
use crate::engine::{BatchOp, Direction, EngineOptions, KvEngine, KvReader};
use crate::error::{Error, Result};
use crate::measure::{self, timed, Latencies, Probe};
use crate::report::{Measurement, PhaseFigures};
use crate::workload::{
    KvWorkload, RunConfig, Start, LOAD_BATCH_ENTRIES, READS_PER_VIEW, SEEK_NEXT_ENTRIES,
};

/// Full scans of `readseq` and `readreverse`: one scan of a quick-sized data
/// set lasts tens of milliseconds, too short to measure on a shared machine.
const SCAN_PASSES: u64 = 5;

/// Threads of `fillsync16`.
const FILLSYNC_MANY_THREADS: usize = 16;

/// What the measured operations did.
struct Outcome {
    ops: u64,
    elapsed: Duration,
    latencies: Latencies,
    user_bytes_written: u64,
    note: Option<String>,
}

/// The shared inputs of one run.
struct Ctx<'a> {
    config: &'a RunConfig,
    workload: KvWorkload,
    engine_name: &'static str,
    keys: Keys,
    values: Values,
}

impl Ctx<'_> {
    fn wrong(&self, message: String) -> Error {
        Error::WrongAnswer { engine: self.engine_name, workload: self.workload.name(), message }
    }

    fn entry_bytes(&self) -> u64 {
        (self.config.key_bytes + self.config.value_bytes) as u64
    }
}

/// Runs `workload` on engine `E` (called `engine_name`) in the empty
/// directory `dir`.
pub fn run<E: KvEngine>(
    engine_name: &'static str,
    workload: KvWorkload,
    config: &RunConfig,
    dir: &Path,
) -> Result<Measurement> {
    let ctx = Ctx {
        config,
        workload,
        engine_name,
        keys: Keys::new(config.key_bytes)?,
        values: Values::new(config.value_bytes, config.seed),
    };
    let load_options =
        EngineOptions { cache_bytes: config.cache_bytes, durability: workload.durability() };
    let mut engine = E::open(dir, &load_options)?;
    let mut page_cache_dropped = None;
    if workload.start() != Start::Empty {
        load(&ctx, &engine)?;
        engine.flush()?;
        engine.wait_idle()?;
    }
    if workload.start() == Start::LoadedCold {
        drop(engine);
        page_cache_dropped = Some(measure::drop_page_cache());
        engine = E::open(dir, &load_options)?;
    }

    let probe = Probe::start();
    let outcome = operate(&ctx, &engine)?;
    let flush_started = Instant::now();
    if workload.writes() {
        engine.flush()?;
    }
    let flush_seconds = flush_started.elapsed().as_secs_f64();
    let reading = probe.finish();
    drop(engine);
    let disk_bytes = measure::disk_bytes(dir)?;
    Ok(Measurement::new(
        engine_name,
        workload.name(),
        PhaseFigures {
            ops: outcome.ops,
            elapsed: outcome.elapsed,
            latencies: (!workload.untimed_ops()).then_some(&outcome.latencies),
            user_bytes_written: outcome.user_bytes_written,
            flush_seconds,
            page_cache_dropped,
            note: outcome.note,
        },
        reading,
        disk_bytes,
    ))
}

/// Loads `num` entries in key order, in batches.
fn load<E: KvEngine>(ctx: &Ctx<'_>, engine: &E) -> Result<()> {
    write_in_batches(ctx, engine, LOAD_BATCH_ENTRIES, &mut Latencies::new())
}

/// Writes entries `0..num` in key order, `batch_entries` per commit.
fn write_in_batches<E: KvEngine>(
    ctx: &Ctx<'_>,
    engine: &E,
    batch_entries: usize,
    latencies: &mut Latencies,
) -> Result<()> {
    let num = ctx.config.sizes.num;
    let batch_entries = batch_entries as u64;
    let key_bytes = ctx.config.key_bytes;
    let mut key = Vec::with_capacity(key_bytes);
    let mut last = Instant::now();
    for first in (0..num).step_by(batch_entries as usize) {
        let count = batch_entries.min(num - first);
        // Building the batch is part of the operation, as in an application.
        let mut keys = Vec::with_capacity(count as usize * key_bytes);
        for index in first..first + count {
            ctx.keys.present(index, &mut key);
            keys.extend_from_slice(&key);
        }
        let ops: Vec<BatchOp<'_>> = keys
            .chunks_exact(key_bytes)
            .zip(first..)
            .map(|(key, index)| BatchOp::Put { key, value: ctx.values.get(index) })
            .collect();
        engine.write_batch(&ops)?;
        let now = Instant::now();
        latencies.record(now - last);
        last = now;
    }
    Ok(())
}

fn operate<E: KvEngine>(ctx: &Ctx<'_>, engine: &E) -> Result<Outcome> {
    let sizes = &ctx.config.sizes;
    let seed = ctx.config.seed;
    let entry_bytes = ctx.entry_bytes();
    let mut key = Vec::with_capacity(ctx.config.key_bytes);
    let outcome = |ops, (latencies, elapsed), user_bytes_written| Outcome {
        ops,
        elapsed,
        latencies,
        user_bytes_written,
        note: None,
    };
    match ctx.workload {
        KvWorkload::FillSeq => {
            let timing = timed(sizes.num, |i| {
                ctx.keys.present(i, &mut key);
                engine.put(&key, ctx.values.get(i))
            })?;
            Ok(outcome(sizes.num, timing, sizes.num * entry_bytes))
        }
        KvWorkload::FillBatch100 | KvWorkload::FillBatch => {
            let batch_entries = if ctx.workload == KvWorkload::FillBatch { 1_000 } else { 100 };
            let mut latencies = Latencies::new();
            let started = Instant::now();
            write_in_batches(ctx, engine, batch_entries, &mut latencies)?;
            let elapsed = started.elapsed();
            let mut result = outcome(sizes.num, (latencies, elapsed), sizes.num * entry_bytes);
            result.note = Some(format!("latency is per batch of {batch_entries}"));
            Ok(result)
        }
        KvWorkload::FillRandom | KvWorkload::Overwrite | KvWorkload::DeleteRandom => {
            let order = shuffled(sizes.num, seed ^ 0x5EED);
            let timing = timed(sizes.num, |i| {
                let index = order[i as usize];
                ctx.keys.present(index, &mut key);
                if ctx.workload == KvWorkload::DeleteRandom {
                    engine.delete(&key)
                } else {
                    engine.put(&key, ctx.values.get(index ^ 1))
                }
            })?;
            if ctx.workload == KvWorkload::DeleteRandom {
                let left = engine.reader()?.scan(None, Direction::Forward, |_, _| true)?;
                if left != 0 {
                    return Err(ctx.wrong(format!("{left} entries left after deleting all")));
                }
                let key_bytes = ctx.config.key_bytes as u64;
                Ok(outcome(sizes.num, timing, sizes.num * key_bytes))
            } else {
                Ok(outcome(sizes.num, timing, sizes.num * entry_bytes))
            }
        }
        KvWorkload::ReadRandom | KvWorkload::ReadMissing | KvWorkload::ReadCold => {
            let count =
                if ctx.workload == KvWorkload::ReadCold { sizes.cold_reads } else { sizes.reads };
            let (latencies, elapsed, found) = random_gets(ctx, engine, count, seed)?;
            let expected = if ctx.workload == KvWorkload::ReadMissing { 0 } else { count };
            if found != expected {
                return Err(
                    ctx.wrong(format!("found {found} of {count} keys, expected {expected}"))
                );
            }
            Ok(outcome(count, (latencies, elapsed), 0))
        }
        KvWorkload::ReadSeq | KvWorkload::ReadReverse => {
            let direction = if ctx.workload == KvWorkload::ReadSeq {
                Direction::Forward
            } else {
                Direction::Reverse
            };
            let started = Instant::now();
            let mut visited = 0;
            for _ in 0..SCAN_PASSES {
                let mut value_bytes = 0u64;
                let reader = engine.reader()?;
                let pass = reader.scan(None, direction, |_, value| {
                    value_bytes += value.len() as u64;
                    true
                })?;
                if pass != sizes.num || value_bytes != sizes.num * ctx.config.value_bytes as u64 {
                    return Err(ctx.wrong(format!("scan saw {pass} of {} entries", sizes.num)));
                }
                visited += pass;
            }
            let elapsed = started.elapsed();
            Ok(outcome(visited, (Latencies::new(), elapsed), 0))
        }
        KvWorkload::SeekRandom => seek_random(ctx, engine),
        KvWorkload::ReadWhileWriting => read_while_writing(ctx, engine),
        KvWorkload::FillSync1 => fill_sync(ctx, engine, 1),
        KvWorkload::FillSync16 => fill_sync(ctx, engine, FILLSYNC_MANY_THREADS),
    }
}

/// `count` gets of random keys (missing ones for `readmissing`), with a fresh
/// read view every [`READS_PER_VIEW`]. Returns the latencies, the elapsed time
/// and how many keys were found with a value of the right length.
fn random_gets<E: KvEngine>(
    ctx: &Ctx<'_>,
    engine: &E,
    count: u64,
    seed: u64,
) -> Result<(Latencies, Duration, u64)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut key = Vec::with_capacity(ctx.config.key_bytes);
    let missing = ctx.workload == KvWorkload::ReadMissing;
    let value_bytes = ctx.config.value_bytes;
    let mut reader = None;
    let mut found = 0;
    let (latencies, elapsed) = timed(count, |i| {
        if i % READS_PER_VIEW == 0 {
            reader = None; // a view is released before the next is taken
            reader = Some(engine.reader()?);
        }
        let index = rng.u64(0..ctx.config.sizes.num);
        if missing {
            ctx.keys.missing(index, &mut key);
        } else {
            ctx.keys.present(index, &mut key);
        }
        let Some(reader) = reader.as_ref() else { unreachable!("a view was just taken") };
        if reader.get(&key, |value| value.len() == value_bytes)? == Some(true) {
            found += 1;
        }
        Ok(())
    })?;
    Ok((latencies, elapsed, found))
}

/// `reads` seeks to random existing keys, each visiting the key sought and the
/// [`SEEK_NEXT_ENTRIES`] after it.
fn seek_random<E: KvEngine>(ctx: &Ctx<'_>, engine: &E) -> Result<Outcome> {
    let num = ctx.config.sizes.num;
    let count = ctx.config.sizes.reads;
    let mut rng = fastrand::Rng::with_seed(ctx.config.seed);
    let mut key = Vec::with_capacity(ctx.config.key_bytes);
    let mut reader = None;
    let mut wrong = None;
    let (latencies, elapsed) = timed(count, |i| {
        if i % READS_PER_VIEW == 0 {
            reader = None;
            reader = Some(engine.reader()?);
        }
        let index = rng.u64(0..num);
        ctx.keys.present(index, &mut key);
        let Some(reader) = reader.as_ref() else { unreachable!("a view was just taken") };
        let mut first_matches = None;
        let mut visited = 0;
        reader.scan(Some(&key), Direction::Forward, |found, _| {
            first_matches.get_or_insert(found == key.as_slice());
            visited += 1;
            visited <= SEEK_NEXT_ENTRIES
        })?;
        let expected = (SEEK_NEXT_ENTRIES + 1).min(num - index);
        if first_matches != Some(true) || visited != expected {
            wrong.get_or_insert(format!("seek to entry {index} visited {visited} entries"));
        }
        Ok(())
    })?;
    if let Some(message) = wrong {
        return Err(ctx.wrong(message));
    }
    Ok(Outcome { ops: count, elapsed, latencies, user_bytes_written: 0, note: None })
}

/// One writer overwrites random keys until `threads - 1` readers have done
/// `reads` random gets between them; the readers are measured.
fn read_while_writing<E: KvEngine>(ctx: &Ctx<'_>, engine: &E) -> Result<Outcome> {
    let readers = ctx.config.threads - 1;
    let reads_per_reader = ctx.config.sizes.reads.div_ceil(readers as u64);
    let stop = AtomicBool::new(false);
    let writes = AtomicU64::new(0);
    let writer_stopped = AtomicBool::new(false);
    let started = Instant::now();
    let (results, write_result) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> Result<()> {
            let mut rng = fastrand::Rng::with_seed(ctx.config.seed ^ 0x3717E);
            let mut key = Vec::with_capacity(ctx.config.key_bytes);
            let mut result = Ok(());
            while result.is_ok() && !stop.load(Ordering::Relaxed) {
                let index = rng.u64(0..ctx.config.sizes.num);
                ctx.keys.present(index, &mut key);
                result = engine.put(&key, ctx.values.get(index ^ 1));
                writes.fetch_add(1, Ordering::Relaxed);
            }
            writer_stopped.store(true, Ordering::Relaxed);
            result
        });
        let handles: Vec<_> = (0..readers)
            .map(|reader| {
                let (writes, writer_stopped) = (&writes, &writer_stopped);
                scope.spawn(move || {
                    // Readers start once the writer is writing, so that every
                    // measured read competes with writes, even in tiny runs.
                    while writes.load(Ordering::Relaxed) == 0
                        && !writer_stopped.load(Ordering::Relaxed)
                    {
                        std::thread::yield_now();
                    }
                    random_gets(ctx, engine, reads_per_reader, ctx.config.seed + reader as u64)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|handle| handle.join()).collect();
        stop.store(true, Ordering::Relaxed);
        (results, writer.join())
    });
    let elapsed = started.elapsed();
    write_result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    let mut latencies = Latencies::new();
    for result in results {
        let (reader_latencies, _, found) =
            result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        if found != reads_per_reader {
            return Err(ctx.wrong(format!("found {found} of {reads_per_reader} keys")));
        }
        latencies.merge(&reader_latencies);
    }
    let writes = writes.into_inner();
    let ops = reads_per_reader * readers as u64;
    Ok(Outcome {
        ops,
        elapsed,
        latencies,
        user_bytes_written: writes * ctx.entry_bytes(),
        note: Some(format!(
            "{readers} reader thread(s) measured; 1 writer thread did {:.0} puts/s meanwhile",
            writes as f64 / elapsed.as_secs_f64()
        )),
    })
}

/// `sync_ops` puts of keys in random order, each its own fsynced commit,
/// spread over `threads` threads.
fn fill_sync<E: KvEngine>(ctx: &Ctx<'_>, engine: &E, threads: usize) -> Result<Outcome> {
    let count = ctx.config.sizes.sync_ops;
    let order = shuffled(count, ctx.config.seed ^ 0x5EED);
    let per_thread = count.div_ceil(threads as u64) as usize;
    let started = Instant::now();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = order
            .chunks(per_thread.max(1))
            .map(|chunk| {
                scope.spawn(move || {
                    let mut key = Vec::with_capacity(ctx.config.key_bytes);
                    timed(chunk.len() as u64, |i| {
                        let index = chunk[i as usize];
                        ctx.keys.present(index, &mut key);
                        engine.put(&key, ctx.values.get(index))
                    })
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join()).collect()
    });
    let elapsed = started.elapsed();
    let mut latencies = Latencies::new();
    for result in results {
        let (thread_latencies, _) =
            result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        latencies.merge(&thread_latencies);
    }
    Ok(Outcome {
        ops: count,
        elapsed,
        latencies,
        user_bytes_written: count * ctx.entry_bytes(),
        note: (threads > 1).then(|| format!("{threads} threads")),
    })
}
