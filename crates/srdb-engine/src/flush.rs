//! Flushing frozen memtable generations to L0 SST files.
//!
//! One thread flushes generations oldest first. A generation becomes one L0
//! file per keyspace that has data in it; all of them, the new oldest WAL
//! segment and the last seqno go into one MANIFEST edit, so after a crash
//! either the whole generation is in SST files or its WAL segment is still
//! there to replay. Only after the edit is durable are the WAL segments it
//! covered deleted.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use srdb_compaction::{write_ssts, VersionFilter};
use srdb_manifest::{FileMeta, VersionEdit};

use crate::compact::install_version;
use crate::engine::Inner;
use crate::error::{Error, Result};
use crate::memgen::{MemGen, SuperVersion};
use crate::tables::Table;

pub(crate) fn flush_loop(inner: Arc<Inner>) {
    loop {
        {
            let mut st = inner.bg.state.lock();
            loop {
                if st.shutdown || st.error.is_some() {
                    return;
                }
                if !inner.sv.load().frozen.is_empty() {
                    break;
                }
                inner.bg.work.wait(&mut st);
            }
        }
        let Some(gen) = inner.sv.load().frozen.last().cloned() else { continue };
        if let Err(e) = flush_generation(&inner, &gen) {
            inner.fail(format!("flushing memtables failed: {e}"));
            return;
        }
        inner.signal_done();
        inner.request_compaction();
    }
}

/// Writes `gen` to L0 files and installs the result.
fn flush_generation(inner: &Inner, gen: &Arc<MemGen>) -> Result<()> {
    let snapshots = inner.snapshots.seqnos();
    let mut outputs: Vec<(u32, FileMeta)> = Vec::new();
    let written = (|| -> Result<()> {
        for (&id, mem) in &gen.mems {
            if mem.is_empty() {
                continue;
            }
            let sv = inner.sv.load();
            let Ok((name, ks)) = keyspace_options_of(&sv, id, &inner.dir) else {
                continue; // dropped since: its data goes with it
            };
            let mut source = VersionFilter::new(mem.iter(), snapshots.clone(), false);
            source.seek_to_first()?;
            let files = write_ssts(
                &mut source,
                &inner.dir,
                &ks.writer_options(id, &name),
                u64::MAX,
                &mut || inner.next_file_number(),
            )?;
            outputs.extend(files.into_iter().map(|f| (id, f)));
        }
        Ok(())
    })();
    if let Err(e) = written {
        remove_files(inner, outputs.iter().map(|(_, f)| f.number));
        return Err(e);
    }
    // `write_ssts` fsynced the files and the directory.

    let bytes: u64 = outputs.iter().map(|(_, f)| f.size_bytes).sum();
    let mut m = inner.manifest.lock();
    let mut tables = Vec::with_capacity(outputs.len());
    let mut edit = VersionEdit::default();
    for (id, meta) in outputs {
        edit.add_file(id, 0, meta.clone());
        tables.push(Table::open(&inner.dir, Arc::new(meta), &inner.cache)?);
    }
    edit.log_number = Some(gen.segment + 1);
    edit.last_seqno = Some(inner.visible.get());
    let version = m.apply(edit, &inner.next_file_number)?;
    inner.install(|sv| {
        let mut next = install_version(sv, version, tables, &[]);
        next.frozen.retain(|g| !Arc::ptr_eq(g, gen));
        next
    });
    drop(m);
    inner.counters.bytes_flushed.fetch_add(bytes, Ordering::Relaxed);
    inner.counters.flushes.fetch_add(1, Ordering::Relaxed);
    inner.wal.delete_segments_before(gen.segment + 1)?;
    Ok(())
}

/// The name and options of keyspace `id` as the MANIFEST stores them.
pub(crate) fn keyspace_options_of(
    sv: &SuperVersion,
    id: u32,
    dir: &std::path::Path,
) -> Result<(String, crate::KeyspaceOptions)> {
    let ks = sv
        .version
        .keyspaces()
        .find(|k| k.id == id)
        .ok_or_else(|| Error::KeyspaceDropped { name: format!("#{id}") })?;
    let opts = crate::KeyspaceOptions::decode(&ks.options).map_err(|reason| Error::Corruption {
        file: dir.join("MANIFEST"),
        reason: format!("options of keyspace #{id}: {reason}"),
    })?;
    Ok((ks.name.clone(), opts))
}

pub(crate) fn remove_files(inner: &Inner, numbers: impl Iterator<Item = u64>) {
    for n in numbers {
        let _ = std::fs::remove_file(crate::tables::table_path(&inner.dir, n));
    }
}

/// Freezes what has been written and waits until every frozen generation is
/// flushed.
pub(crate) fn flush_all(inner: &Inner) -> Result<()> {
    inner.check_open()?;
    inner.freeze(None)?;
    let mut st = inner.bg.state.lock();
    loop {
        if let Some(reason) = &st.error {
            return Err(Error::ReadOnly { reason: reason.clone() });
        }
        if st.shutdown {
            return Err(Error::Closed);
        }
        if inner.sv.load().frozen.is_empty() {
            return Ok(());
        }
        inner.bg.done.wait(&mut st);
    }
}
