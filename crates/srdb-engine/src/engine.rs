//! The engine: the shared state behind every handle, the write path and
//! keyspace management.
//!
//! Locks, always taken in this order (never the reverse):
//! 1. `write_gate`: shared by writers for the whole of a write (WAL append and
//!    memtable insert), exclusive for freezing the memtables and for adding or
//!    dropping keyspaces, so no batch can straddle two memtable generations.
//! 2. `manifest`: the MANIFEST writer and the `Version` it last wrote.
//! 3. `install`: serialises building and storing a new `SuperVersion`.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use arc_swap::ArcSwap;
use parking_lot::{Condvar, Mutex, RwLock};
use srdb_key::SeqNo;
use srdb_manifest::{KeyspaceId, Manifest, Version, VersionEdit};
use srdb_sst::BlockCache;
use srdb_wal::Wal;

use crate::batch::{DecodedEntry, WriteBatch};
use crate::error::{Error, Result};
use crate::limits::MAX_KEYSPACE_NAME_BYTES;
use crate::memgen::{new_memtable, KeyspaceMap, SuperVersion, TableLevels};
use crate::options::{KeyspaceOptions, Options};
use crate::seqno::{SnapshotList, VisibleSeqno};
use crate::stats::Counters;
use crate::tables::Table;
use crate::{Keyspace, Snapshot};

/// The MANIFEST writer together with the version it last wrote.
pub(crate) struct ManifestState {
    pub(crate) manifest: Manifest,
    pub(crate) version: Arc<Version>,
    /// File numbers that a running compaction reads; no second compaction may
    /// take them.
    pub(crate) busy: HashSet<u64>,
}

impl ManifestState {
    /// Logs `edit` durably, recording the file-number counter as it is now
    /// (read under the MANIFEST lock, so recorded values never go back), and
    /// makes the resulting version current.
    pub(crate) fn apply(
        &mut self,
        mut edit: VersionEdit,
        next_file: &AtomicU64,
    ) -> Result<Arc<Version>> {
        edit.next_file_number = Some(next_file.load(Ordering::SeqCst));
        let next = Arc::new(self.manifest.log_and_apply(&edit, &self.version)?);
        self.version = next.clone();
        Ok(next)
    }
}

/// The queue of `SyncPolicy::Always` writers (see `Inner::commit_in_group`).
#[derive(Default)]
pub(crate) struct WriteQueue {
    pub(crate) state: Mutex<QueueState>,
    /// Signalled when a leader finished a group.
    pub(crate) done: Condvar,
}

#[derive(Default)]
pub(crate) struct QueueState {
    next_ticket: u64,
    /// Batches waiting for the next group, by ticket.
    waiting: Vec<(u64, Vec<u8>)>,
    /// Outcomes of finished batches whose writers have not collected them.
    results: HashMap<u64, std::result::Result<SeqNo, String>>,
    leader_active: bool,
}

/// Work for the background threads, and how they report back.
pub(crate) struct Background {
    pub(crate) state: Mutex<BackgroundState>,
    /// Signalled when there may be work (a frozen memtable, a compaction) or
    /// when the engine shuts down.
    pub(crate) work: Condvar,
    /// Signalled when a flush or compaction finished (stalled writers and
    /// `flush()` / `compact()` callers wait on it).
    pub(crate) done: Condvar,
}

#[derive(Default)]
pub(crate) struct BackgroundState {
    pub(crate) shutdown: bool,
    /// Bumped whenever a compaction might have become possible.
    pub(crate) compaction_requests: u64,
    pub(crate) running_compactions: usize,
    /// A manual `compact()` runs: background threads pick no new work.
    pub(crate) manual: bool,
    /// Keyspaces whose L0 files reads have passed through too often (see
    /// [`Inner::charge_seek`]): their L0 is compacted into L1 although it
    /// has fewer files than the trigger.
    pub(crate) seek_compactions: HashSet<KeyspaceId>,
    /// The first background failure; writes are refused after it.
    pub(crate) error: Option<String>,
}

/// State shared by every handle of one open database.
pub(crate) struct Inner {
    pub(crate) dir: PathBuf,
    pub(crate) opts: Options,
    pub(crate) lock_file: File,
    pub(crate) wal: Wal,
    pub(crate) write_gate: RwLock<()>,
    pub(crate) manifest: Mutex<ManifestState>,
    pub(crate) install: Mutex<()>,
    pub(crate) sv: ArcSwap<SuperVersion>,
    pub(crate) visible: VisibleSeqno,
    pub(crate) snapshots: SnapshotList,
    pub(crate) cache: Arc<BlockCache>,
    pub(crate) next_file_number: AtomicU64,
    /// Keyspaces whose files could not be opened, with the reason.
    pub(crate) unavailable: Mutex<HashMap<KeyspaceId, String>>,
    pub(crate) bg: Background,
    pub(crate) closed: AtomicBool,
    /// Writers waiting for a group commit under `SyncPolicy::Always`.
    pub(crate) queue: WriteQueue,
    /// Set with `bg.state.error`, read without a lock on the write path.
    pub(crate) failed: AtomicBool,
    pub(crate) counters: Counters,
}

/// An open database: the owner of the background threads. Dropping it (or
/// calling [`Engine::close`]) stops them and releases the directory;
/// [`Keyspace`] and [`Snapshot`] handles that outlive it return
/// [`Error::Closed`].
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
    threads: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Opens the database in `dir`, creating it if it does not exist.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Engine> {
        let inner = crate::recovery::open(dir.as_ref(), opts)?;
        let inner = Arc::new(inner);
        let mut threads = Vec::new();
        let spawn = |name: String, f: fn(Arc<Inner>), inner: Arc<Inner>| {
            std::thread::Builder::new()
                .name(name)
                .spawn(move || f(inner))
                .map_err(|e| Error::io("thread spawn", e))
        };
        threads.push(spawn("srdb-flush".into(), crate::flush::flush_loop, inner.clone())?);
        for i in 0..inner.opts.background_threads {
            threads.push(spawn(
                format!("srdb-compact-{i}"),
                crate::compact::compaction_loop,
                inner.clone(),
            )?);
        }
        let engine = Engine { inner, threads };
        // Data replayed from the WAL may already exceed the memtable budget.
        engine.inner.freeze_if_full(engine.inner.sv.load().mem.segment)?;
        engine.inner.request_compaction();
        Ok(engine)
    }

    /// The directory of the database.
    pub fn path(&self) -> &Path {
        &self.inner.dir
    }

    /// The options the database was opened with.
    pub fn options(&self) -> &Options {
        &self.inner.opts
    }

    /// Returns the keyspace called `name`.
    pub fn keyspace(&self, name: &str) -> Result<Keyspace> {
        self.inner.keyspace(name)
    }

    /// Returns the keyspace called `name`, creating it with `opts` if it does
    /// not exist (an existing keyspace keeps the options it was created with).
    pub fn open_keyspace(&self, name: &str, opts: KeyspaceOptions) -> Result<Keyspace> {
        match self.inner.keyspace(name) {
            Err(Error::KeyspaceNotFound { .. }) => self.create_keyspace(name, opts),
            other => other,
        }
    }

    /// Creates a keyspace. Fails if one with that name exists.
    pub fn create_keyspace(&self, name: &str, opts: KeyspaceOptions) -> Result<Keyspace> {
        self.inner.create_keyspace(name, opts)
    }

    /// Drops a keyspace and deletes its files (once no reader uses them).
    pub fn drop_keyspace(&self, name: &str) -> Result<()> {
        self.inner.drop_keyspace(name)
    }

    /// Names of all keyspaces, sorted.
    pub fn keyspace_names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.inner.sv.load().version.keyspaces().map(|k| k.name.clone()).collect();
        names.sort();
        names
    }

    /// Keyspaces whose files could not be opened, with the reason. The rest of
    /// the database works normally.
    pub fn unavailable_keyspaces(&self) -> Vec<(String, String)> {
        let sv = self.inner.sv.load();
        let unavailable = self.inner.unavailable.lock();
        let mut out: Vec<(String, String)> = sv
            .version
            .keyspaces()
            .filter_map(|k| unavailable.get(&k.id).map(|r| (k.name.clone(), r.clone())))
            .collect();
        out.sort();
        out
    }

    /// Applies a batch atomically; returns its sequence number.
    pub fn write(&self, batch: &WriteBatch) -> Result<SeqNo> {
        self.inner.write(batch)
    }

    /// A point-in-time view: reads through it never see later writes, across
    /// flushes and compactions too.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::new(self.inner.clone())
    }

    /// The sequence number of the newest visible write.
    pub fn last_seqno(&self) -> SeqNo {
        self.inner.visible.get()
    }

    /// Freezes the memtables and waits until everything written so far is in
    /// SST files.
    pub fn flush(&self) -> Result<()> {
        crate::flush::flush_all(&self.inner)
    }

    /// Compacts every keyspace down to its last level and waits for it.
    pub fn compact(&self) -> Result<()> {
        crate::compact::compact_all(&self.inner)
    }

    /// Compacts the keyspaces named `names` as [`Engine::compact`] does,
    /// leaving the others alone. An unknown name is an error.
    pub fn compact_keyspaces(&self, names: &[&str]) -> Result<()> {
        let ids = names
            .iter()
            .map(|name| self.keyspace(name).map(|ks| ks.id()))
            .collect::<Result<Vec<_>>>()?;
        crate::compact::compact_some(&self.inner, Some(&ids))
    }

    /// Writes the WAL's buffer out and fsyncs it, whatever the sync policy.
    pub fn sync(&self) -> Result<()> {
        self.inner.wal.sync()?;
        Ok(())
    }

    /// Whether background work is done: no frozen memtable waits for the
    /// flusher, no compaction runs, and no level needs one.
    pub fn is_idle(&self) -> bool {
        if !self.inner.sv.load().frozen.is_empty() || {
            let st = self.inner.bg.state.lock();
            st.running_compactions > 0 || !st.seek_compactions.is_empty()
        } {
            return false;
        }
        let version = self.inner.manifest.lock().version.clone();
        let compaction = &self.inner.opts.compaction;
        let idle = version.keyspaces().all(|ks| {
            srdb_compaction::level_scores(&ks.levels, compaction)
                .iter()
                .take(compaction.max_levels.saturating_sub(1))
                .all(|s| *s < 1.0)
        });
        idle
    }

    /// Statistics of the whole database.
    pub fn stats(&self) -> crate::Stats {
        crate::stats::collect(&self.inner)
    }

    /// Stops the background threads, syncs the WAL and releases the
    /// directory. Work in the WAL that is not flushed yet is replayed at the
    /// next open.
    pub fn close(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        {
            let mut st = self.inner.bg.state.lock();
            st.shutdown = true;
        }
        self.inner.bg.work.notify_all();
        self.inner.bg.done.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // Writers that passed the closed check finish before the gate is ours.
        let _gate = self.inner.write_gate.write();
        let synced = self.inner.wal.sync();
        let _ = self.inner.lock_file.unlock();
        synced?;
        Ok(())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl Inner {
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    fn check_writable(&self) -> Result<()> {
        self.check_open()?;
        if self.failed.load(Ordering::Acquire) {
            let reason = self.bg.state.lock().error.clone().unwrap_or_default();
            return Err(Error::ReadOnly { reason });
        }
        Ok(())
    }

    /// Records a background failure: from now on writes are refused.
    pub(crate) fn fail(&self, reason: String) {
        let mut st = self.bg.state.lock();
        if st.error.is_none() {
            st.error = Some(reason);
        }
        self.failed.store(true, Ordering::Release);
        self.bg.done.notify_all();
        self.bg.work.notify_all();
        drop(st);
        self.visible.poison();
    }

    pub(crate) fn next_file_number(&self) -> u64 {
        self.next_file_number.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn keyspace(self: &Arc<Self>, name: &str) -> Result<Keyspace> {
        self.check_open()?;
        let sv = self.sv.load();
        let ks = sv
            .version
            .keyspaces()
            .find(|k| k.name == name)
            .ok_or_else(|| Error::KeyspaceNotFound { name: name.to_string() })?;
        if let Some(reason) = self.unavailable.lock().get(&ks.id) {
            return Err(Error::KeyspaceUnavailable { name: name.into(), reason: reason.clone() });
        }
        let opts = KeyspaceOptions::decode(&ks.options).map_err(|reason| Error::Corruption {
            file: self.dir.join("MANIFEST"),
            reason: format!("options of keyspace {name:?}: {reason}"),
        })?;
        Ok(Keyspace::new(self.clone(), ks.id, name, opts))
    }

    fn create_keyspace(self: &Arc<Self>, name: &str, opts: KeyspaceOptions) -> Result<Keyspace> {
        self.check_writable()?;
        if name.is_empty() {
            return Err(Error::InvalidKeyspaceName { name: name.into(), reason: "it is empty" });
        }
        if name.len() > MAX_KEYSPACE_NAME_BYTES {
            return Err(Error::InvalidKeyspaceName {
                name: name.into(),
                reason: "it is longer than 255 bytes",
            });
        }
        opts.validate()?;
        let _gate = self.write_gate.write();
        let mut m = self.manifest.lock();
        if m.version.keyspaces().any(|k| k.name == name) {
            return Err(Error::KeyspaceExists { name: name.into() });
        }
        // Keyspace ids come from the file-number counter, so an id is never
        // reused, even after a drop.
        let id = u32::try_from(self.next_file_number()).map_err(|_| {
            Error::InvalidOptions("the database has used up its keyspace ids".into())
        })?;
        let mut edit = VersionEdit::default();
        edit.create_keyspace(id, name.to_string(), opts.encode());
        let version = m.apply(edit, &self.next_file_number)?;
        self.install(|sv| SuperVersion {
            mem: Arc::new(
                sv.mem.with_keyspace(id, Some(new_memtable(self.opts.memtable_bytes, &opts))),
            ),
            frozen: sv.frozen.clone(),
            levels: with_levels(&sv.levels, id, Some(Vec::new())),
            version,
        });
        Ok(Keyspace::new(self.clone(), id, name, opts))
    }

    fn drop_keyspace(&self, name: &str) -> Result<()> {
        self.check_writable()?;
        let _gate = self.write_gate.write();
        let mut m = self.manifest.lock();
        let id = m
            .version
            .keyspaces()
            .find(|k| k.name == name)
            .map(|k| k.id)
            .ok_or_else(|| Error::KeyspaceNotFound { name: name.into() })?;
        let mut edit = VersionEdit::default();
        edit.drop_keyspace(id);
        let version = m.apply(edit, &self.next_file_number)?;
        let old = self.sv.load();
        if let Some(levels) = old.levels.get(&id) {
            levels.iter().flatten().for_each(|t| t.mark_obsolete());
        }
        self.unavailable.lock().remove(&id);
        self.install(|sv| SuperVersion {
            mem: Arc::new(sv.mem.with_keyspace(id, None)),
            frozen: sv.frozen.clone(),
            levels: with_levels(&sv.levels, id, None),
            version,
        });
        Ok(())
    }

    /// Builds and stores a new `SuperVersion` from the current one.
    pub(crate) fn install(&self, build: impl FnOnce(&SuperVersion) -> SuperVersion) {
        let _serial = self.install.lock();
        let current = self.sv.load_full();
        self.sv.store(Arc::new(build(&current)));
    }

    pub(crate) fn write(&self, batch: &WriteBatch) -> Result<SeqNo> {
        if batch.is_empty() {
            return Ok(self.visible.get());
        }
        batch.validate()?;
        let entries = crate::batch::decode(batch.payload())
            .expect("a WriteBatch always encodes a well-formed payload");
        self.commit(batch.payload(), &entries)
    }

    /// The write path: WAL, memtables, publication. `entries` must be what
    /// `payload` encodes.
    pub(crate) fn commit(&self, payload: &[u8], entries: &[DecodedEntry<'_>]) -> Result<SeqNo> {
        self.check_writable()?;
        self.wait_while_stalled()?;
        let gate = self.write_gate.read();
        self.check_writable()?;
        let sv = self.sv.load();
        // Entries come grouped by keyspace: check each keyspace once.
        let mut last_checked = None;
        for id in entries.iter().map(|e| e.keyspace) {
            if last_checked == Some(id) {
                continue;
            }
            last_checked = Some(id);
            if !sv.mem.mems.contains_key(&id) {
                return Err(Error::KeyspaceDropped { name: format!("#{id}") });
            }
            if !sv.levels.contains_key(&id) {
                let reason = self.unavailable.lock().get(&id).cloned().unwrap_or_default();
                return Err(Error::KeyspaceUnavailable { name: format!("#{id}"), reason });
            }
        }
        let seqno = if matches!(self.opts.sync, srdb_wal::SyncPolicy::Always) {
            self.commit_in_group(payload, &sv)?
        } else {
            let seqno = self.append_to_wal(&[payload])?;
            self.apply(&sv, seqno, entries, payload.len());
            self.visible.finish_and_wait(seqno);
            seqno
        };
        let gen_bytes = sv.mem.bytes();
        let segment = sv.mem.segment;
        drop(sv);
        drop(gate);
        if gen_bytes >= self.opts.memtable_bytes {
            self.freeze_if_full(segment)?;
        }
        Ok(seqno)
    }

    fn append_to_wal(&self, payloads: &[&[u8]]) -> Result<SeqNo> {
        self.wal.append_many(payloads).map_err(|e| {
            self.fail(format!("a WAL write failed: {e}"));
            e.into()
        })
    }

    /// Inserts one batch's entries at `seqno` into the active memtables.
    fn apply(
        &self,
        sv: &SuperVersion,
        seqno: SeqNo,
        entries: &[DecodedEntry<'_>],
        payload_bytes: usize,
    ) {
        // `commit` checked that every keyspace of the batch is in `sv.mem`.
        let bytes = sv.mem.insert_batch(seqno, entries);
        sv.mem.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.counters.record_write(payload_bytes as u64);
    }

    /// The write path under `SyncPolicy::Always`: writers queue their
    /// batches; one of them, the leader, writes every queued batch to the WAL
    /// with one fsync, inserts them all into the memtables and publishes
    /// them, then wakes the others, who only return. Followers thus cost
    /// one wake-up each instead of a wake-up, an insert and an ordered
    /// publication, so they are back in the queue for the next fsync.
    fn commit_in_group(&self, payload: &[u8], sv: &SuperVersion) -> Result<SeqNo> {
        let mut q = self.queue.state.lock();
        let ticket = q.next_ticket;
        q.next_ticket += 1;
        q.waiting.push((ticket, payload.to_vec()));
        loop {
            if let Some(result) = q.results.remove(&ticket) {
                return result.map_err(|reason| Error::ReadOnly { reason });
            }
            if !q.leader_active {
                break;
            }
            self.queue.done.wait(&mut q);
        }
        q.leader_active = true;
        let group = std::mem::take(&mut q.waiting);
        drop(q);
        let result = self.write_group(&group, sv);
        let mut q = self.queue.state.lock();
        for (i, (t, _)) in group.iter().enumerate() {
            if *t != ticket {
                let r = result.as_ref().map(|first| first + i as u64).map_err(|e| e.to_string());
                q.results.insert(*t, r);
            }
        }
        q.leader_active = false;
        self.queue.done.notify_all();
        drop(q);
        let own = group
            .iter()
            .position(|(t, _)| *t == ticket)
            .expect("the leader's batch is in its group");
        result.map(|first| first + own as u64)
    }

    /// Writes a group of queued batches: WAL, memtables, publication.
    /// Returns the seqno of the first.
    fn write_group(&self, group: &[(u64, Vec<u8>)], sv: &SuperVersion) -> Result<SeqNo> {
        let payloads: Vec<&[u8]> = group.iter().map(|(_, p)| p.as_slice()).collect();
        let first = self.append_to_wal(&payloads)?;
        for (i, payload) in payloads.iter().enumerate() {
            let entries = crate::batch::decode(payload)
                .expect("batches are encoded by the engine and checked by their writers");
            self.apply(sv, first + i as u64, &entries, payload.len());
        }
        self.visible.finish_range_and_wait(first, first + payloads.len() as u64 - 1);
        Ok(first)
    }

    /// Writers wait here while too many frozen memtables wait for the flusher.
    fn wait_while_stalled(&self) -> Result<()> {
        if self.sv.load().frozen.len() < self.opts.max_frozen_memtables {
            return Ok(());
        }
        self.counters.stalls.fetch_add(1, Ordering::Relaxed);
        let mut st = self.bg.state.lock();
        while self.sv.load().frozen.len() >= self.opts.max_frozen_memtables {
            if let Some(reason) = &st.error {
                return Err(Error::ReadOnly { reason: reason.clone() });
            }
            if st.shutdown {
                return Err(Error::Closed);
            }
            self.bg.done.wait(&mut st);
        }
        Ok(())
    }

    /// Freezes the active generation if it is still the one of `segment` and
    /// is over budget.
    pub(crate) fn freeze_if_full(&self, segment: u64) -> Result<()> {
        let sv = self.sv.load();
        if sv.mem.segment != segment || sv.mem.bytes() < self.opts.memtable_bytes {
            return Ok(());
        }
        drop(sv);
        self.freeze(Some(segment)).map(|_| ())
    }

    /// Freezes the active generation (if it holds data and, when `segment` is
    /// given, is still that segment's) and hands it to the flusher. Returns
    /// whether a generation was frozen.
    pub(crate) fn freeze(&self, segment: Option<u64>) -> Result<bool> {
        let _gate = self.write_gate.write();
        let sv = self.sv.load();
        if segment.is_some_and(|s| s != sv.mem.segment) || sv.mem.is_empty() {
            return Ok(false);
        }
        let new_segment = match self.wal.rotate() {
            Ok(s) => s,
            Err(e) => {
                self.fail(format!("rotating the WAL failed: {e}"));
                return Err(e.into());
            }
        };
        let fresh = Arc::new(sv.mem.next(new_segment));
        drop(sv);
        self.install(|sv| {
            let mut frozen = Vec::with_capacity(sv.frozen.len() + 1);
            frozen.push(sv.mem.clone());
            frozen.extend(sv.frozen.iter().cloned());
            SuperVersion {
                mem: fresh,
                frozen,
                version: sv.version.clone(),
                levels: sv.levels.clone(),
            }
        });
        self.signal_work();
        Ok(true)
    }

    /// Charges a read of keyspace `id` that looked in the L0 file `first`
    /// without its answer and went on to other files; once the file's
    /// allowance is spent, its keyspace's L0 is compacted into L1, so that
    /// reads of a keyspace read far more than it is written (an index
    /// queried after a load) stop paying a search of every L0 file.
    pub(crate) fn charge_seek(&self, id: KeyspaceId, first: &Table) {
        if first.charge_seek() {
            let mut st = self.bg.state.lock();
            st.seek_compactions.insert(id);
            st.compaction_requests += 1;
            self.bg.work.notify_all();
        }
    }

    pub(crate) fn request_compaction(&self) {
        self.bg.state.lock().compaction_requests += 1;
        self.bg.work.notify_all();
    }

    /// Wakes the background threads. The state lock is taken first so that a
    /// thread between checking for work and waiting cannot miss the signal.
    pub(crate) fn signal_work(&self) {
        let _st = self.bg.state.lock();
        self.bg.work.notify_all();
    }

    /// Wakes everyone waiting for background work to finish.
    pub(crate) fn signal_done(&self) {
        let _st = self.bg.state.lock();
        self.bg.done.notify_all();
    }
}

/// A copy of `levels` with keyspace `id` set to `value` (or removed).
pub(crate) fn with_levels(
    levels: &KeyspaceMap<TableLevels>,
    id: KeyspaceId,
    value: Option<TableLevels>,
) -> KeyspaceMap<TableLevels> {
    let mut out = levels.clone();
    match value {
        Some(v) => {
            out.insert(id, v);
        }
        None => {
            out.remove(&id);
        }
    }
    out
}
