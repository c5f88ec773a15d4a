//! Running compactions: background threads pick work from the current
//! version, run it without holding locks, and install the result.
//!
//! A compaction reads files that a `SuperVersion` names and writes new ones;
//! its MANIFEST edit removes the inputs and adds the outputs in one step.
//! Inputs are only marked obsolete: they are unlinked when the last reader
//! that might use them lets go (see `tables.rs`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use srdb_compaction::{
    level_scores, pick, pick_manual, run_compaction, CompactionTask, FileOpener,
};
use srdb_key::{BoxError, InternalIterator};
use srdb_manifest::{FileMeta, KeyspaceId, Version, VersionEdit};

use crate::engine::Inner;
use crate::error::{Error, Result};
use crate::memgen::{KeyspaceMap, SuperVersion, TableLevels};
use crate::tables::Table;

pub(crate) fn compaction_loop(inner: Arc<Inner>) {
    let mut seen_requests = 0;
    loop {
        {
            let mut st = inner.bg.state.lock();
            loop {
                if st.shutdown || st.error.is_some() {
                    return;
                }
                if st.compaction_requests != seen_requests && !st.manual {
                    seen_requests = st.compaction_requests;
                    break;
                }
                inner.bg.work.wait(&mut st);
            }
            st.running_compactions += 1;
        }
        let result = run_available(&inner);
        inner.bg.state.lock().running_compactions -= 1;
        inner.signal_done();
        if let Err(e) = result {
            inner.fail(format!("a compaction failed: {e}"));
            return;
        }
    }
}

/// Runs compactions while the picker finds work.
fn run_available(inner: &Inner) -> Result<()> {
    loop {
        if inner.bg.state.lock().shutdown {
            return Ok(());
        }
        let Some((id, task)) = pick_task(inner) else { return Ok(()) };
        let result = run_task(inner, id, &task);
        release(inner, &task);
        result?;
    }
}

/// Picks the most urgent task over all available keyspaces and marks its
/// files busy.
fn pick_task(inner: &Inner) -> Option<(KeyspaceId, CompactionTask)> {
    let seek_requests: Vec<KeyspaceId> =
        inner.bg.state.lock().seek_compactions.iter().copied().collect();
    let mut m = inner.manifest.lock();
    let unavailable = inner.unavailable.lock().clone();
    let mut best: Option<(f64, KeyspaceId, CompactionTask)> = None;
    for ks in m.version.keyspaces().filter(|k| !unavailable.contains_key(&k.id)) {
        let score =
            level_scores(&ks.levels, &inner.opts.compaction).into_iter().fold(0.0, f64::max);
        if best.as_ref().is_some_and(|(s, _, _)| *s >= score) {
            continue;
        }
        if let Some(task) = pick(&ks.levels, &inner.opts.compaction, &m.busy) {
            best = Some((score, ks.id, task));
        }
    }
    if best.is_none() {
        // Nothing is due by size: a keyspace whose L0 reads kept passing
        // through has its L0 merged into L1 (see `Inner::charge_seek`).
        for id in seek_requests {
            let task = m
                .version
                .keyspaces()
                .find(|k| k.id == id && !unavailable.contains_key(&k.id))
                .and_then(|ks| pick_manual(&ks.levels, 0, &inner.opts.compaction, &m.busy));
            let mut st = inner.bg.state.lock();
            st.seek_compactions.remove(&id);
            if let Some(task) = task {
                best = Some((0.0, id, task));
                break;
            }
        }
    }
    let (_, id, task) = best?;
    m.busy.extend(task_files(&task).map(|f| f.number));
    Some((id, task))
}

fn release(inner: &Inner, task: &CompactionTask) {
    let mut m = inner.manifest.lock();
    for f in task_files(task) {
        m.busy.remove(&f.number);
    }
}

fn task_files(task: &CompactionTask) -> impl Iterator<Item = &Arc<FileMeta>> {
    task.inputs.iter().chain(task.overlapping.iter())
}

/// Runs one task and installs its result.
fn run_task(inner: &Inner, id: KeyspaceId, task: &CompactionTask) -> Result<()> {
    let sv = inner.sv.load_full();
    let Some(levels) = sv.levels.get(&id) else {
        return Ok(()); // dropped meanwhile
    };
    let mut edit = VersionEdit::default();
    for f in &task.inputs {
        edit.delete_file(id, task.input_level, f.number);
    }
    for f in &task.overlapping {
        edit.delete_file(id, task.output_level, f.number);
    }
    let mut new_tables = Vec::new();
    if task.is_trivial_move() {
        for f in &task.inputs {
            edit.add_file(id, task.output_level, (**f).clone());
        }
        inner.counters.trivial_moves.fetch_add(1, Ordering::Relaxed);
    } else {
        let (name, opts) = crate::flush::keyspace_options_of(&sv, id, &inner.dir)?;
        let by_number: HashMap<u64, Arc<Table>> =
            levels.iter().flatten().map(|t| (t.meta.number, t.clone())).collect();
        let opener: FileOpener = Arc::new(move |meta: &FileMeta| -> std::result::Result<
            Box<dyn InternalIterator + Send>,
            BoxError,
        > {
            let table = by_number.get(&meta.number).ok_or_else(|| -> BoxError {
                format!("compaction input {} is not open", meta.number).into()
            })?;
            // Compaction reads each block once: it must not evict the blocks
            // that readers use.
            Ok(Box::new(table.sst.iter_no_fill()))
        });
        let outcome = run_compaction(
            task,
            &opener,
            &inner.snapshots.seqnos(),
            &opts.writer_options(id, &name),
            inner.opts.compaction.target_file_bytes,
            &inner.dir,
            &mut || inner.next_file_number(),
        )?;
        let written = (|| -> Result<()> {
            for meta in &outcome.outputs {
                let meta = Arc::new(meta.clone());
                new_tables.push(Table::open(&inner.dir, meta.clone(), &inner.cache)?);
                edit.add_file(id, task.output_level, (*meta).clone());
            }
            Ok(())
        })();
        if let Err(e) = written {
            crate::flush::remove_files(inner, outcome.outputs.iter().map(|f| f.number));
            return Err(e);
        }
        let c = &inner.counters;
        c.compactions.fetch_add(1, Ordering::Relaxed);
        c.bytes_compacted_read.fetch_add(outcome.bytes_read, Ordering::Relaxed);
        c.bytes_compacted_written.fetch_add(outcome.bytes_written, Ordering::Relaxed);
        c.dropped_versions.fetch_add(outcome.dropped_versions, Ordering::Relaxed);
        c.dropped_tombstones.fetch_add(outcome.dropped_tombstones, Ordering::Relaxed);
    }

    let mut m = inner.manifest.lock();
    let version = match m.apply(edit, &inner.next_file_number) {
        Ok(v) => v,
        Err(e) => {
            // Not in the MANIFEST: the outputs go when their handles do.
            new_tables.iter().for_each(|t| t.mark_obsolete());
            return Err(e);
        }
    };
    let obsolete: Vec<u64> = task_files(task).map(|f| f.number).collect();
    inner.install(|sv| install_version(sv, version, new_tables, &obsolete));
    drop(m);
    inner.request_compaction();
    Ok(())
}

/// A new `SuperVersion` for `version`, reusing the open tables of `sv`, adding
/// `new_tables`, and marking the tables numbered in `obsolete` for deletion
/// when they are no longer in the version.
pub(crate) fn install_version(
    sv: &SuperVersion,
    version: Arc<Version>,
    new_tables: Vec<Arc<Table>>,
    obsolete: &[u64],
) -> SuperVersion {
    let mut known: HashMap<u64, Arc<Table>> = sv
        .levels
        .values()
        .flatten()
        .flatten()
        .map(|t| (t.meta.number, t.clone()))
        .chain(new_tables.into_iter().map(|t| (t.meta.number, t)))
        .collect();
    let mut levels = KeyspaceMap::with_capacity_and_hasher(sv.levels.len(), Default::default());
    for ks in version.keyspaces() {
        if !sv.levels.contains_key(&ks.id) {
            continue; // unavailable: keep it out of reads and compactions
        }
        let tl: TableLevels = ks
            .levels
            .iter()
            .map(|files| files.iter().filter_map(|f| known.get(&f.number).cloned()).collect())
            .collect();
        levels.insert(ks.id, tl);
    }
    let live: std::collections::HashSet<u64> = version.live_file_numbers().collect();
    for n in obsolete {
        if !live.contains(n) {
            if let Some(t) = known.remove(n) {
                t.mark_obsolete();
            }
        }
    }
    SuperVersion { mem: sv.mem.clone(), frozen: sv.frozen.clone(), version, levels }
}

/// Compacts every available keyspace down to its deepest non-empty level,
/// pausing background compactions meanwhile.
pub(crate) fn compact_all(inner: &Inner) -> Result<()> {
    compact_some(inner, None)
}

/// Compacts the keyspaces `only` (all when `None`) as [`compact_all`] does.
pub(crate) fn compact_some(inner: &Inner, only: Option<&[KeyspaceId]>) -> Result<()> {
    inner.check_open()?;
    {
        let mut st = inner.bg.state.lock();
        st.manual = true;
        while st.running_compactions > 0 {
            if st.shutdown {
                st.manual = false;
                return Err(Error::Closed);
            }
            inner.bg.done.wait(&mut st);
        }
    }
    let result = compact_all_paused(inner, only);
    inner.bg.state.lock().manual = false;
    inner.request_compaction();
    result
}

fn compact_all_paused(inner: &Inner, only: Option<&[KeyspaceId]>) -> Result<()> {
    let mut ids: Vec<KeyspaceId> = inner.sv.load().levels.keys().copied().collect();
    if let Some(only) = only {
        ids.retain(|id| only.contains(id));
    }
    let no_busy = std::collections::HashSet::new();
    for id in ids {
        let mut level = 0usize;
        // Whether the last task rewrote data into the deepest level, which
        // already dropped what no snapshot can see.
        let mut purged = false;
        loop {
            let task = {
                let m = inner.manifest.lock();
                let Some(ks) = m.version.keyspaces().find(|k| k.id == id) else { break };
                let Some(deepest) = ks.levels.iter().rposition(|l| !l.is_empty()) else { break };
                let deepest = deepest.max(1);
                if level < deepest {
                    let task =
                        pick_manual(&ks.levels, level as u8, &inner.opts.compaction, &no_busy);
                    if task.is_none() {
                        level += 1;
                        continue;
                    }
                    task
                } else if purged || ks.levels[deepest].is_empty() {
                    break;
                } else {
                    // Rewrite the deepest level into itself to purge shadowed
                    // versions and tombstones.
                    Some(CompactionTask {
                        input_level: deepest as u8,
                        output_level: deepest as u8,
                        inputs: ks.levels[deepest].clone(),
                        overlapping: Vec::new(),
                        bottommost: true,
                    })
                }
            };
            let Some(task) = task else { break };
            run_task(inner, id, &task)?;
            let deepest_now = inner
                .manifest
                .lock()
                .version
                .keyspaces()
                .find(|k| k.id == id)
                .and_then(|k| k.levels.iter().rposition(|l| !l.is_empty()))
                .unwrap_or(0);
            purged = !task.is_trivial_move() && usize::from(task.output_level) >= deepest_now;
            if task.input_level == task.output_level {
                break;
            }
        }
    }
    Ok(())
}
