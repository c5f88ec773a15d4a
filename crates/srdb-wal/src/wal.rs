//! The segmented write-ahead log: appends with group commit, rotation,
//! deletion of old segments, and recovery on open.
//!
//! # Concurrency
//!
//! All state sits behind one mutex. An append frames its record into the
//! commit buffer under the mutex (a memcpy and a CRC), which fixes its LSN and
//! its place in the file. What happens next depends on the sync policy:
//!
//! - `Never`: nothing; the buffer is written to the OS when it fills.
//! - `Periodic` and `Always`: the appender waits until its record is written
//!   (and, for `Always`, fdatasynced). If no write is in flight it becomes the
//!   *leader*: it takes the whole buffer, releases the mutex, writes it with
//!   one `write` (and one `fdatasync`), and wakes the waiters. Appenders that
//!   arrive meanwhile fill the other buffer and form the next group, so under
//!   load each `fdatasync` covers many records.
//!
//! At most one leader writes at a time, so the file is written in LSN order.
//! Rotation writes out the buffer and switches files while holding the mutex,
//! so no record can be framed for one segment and written to another.
//! A failed write or sync *poisons* the log: what reached the disk is unknown,
//! so every later call fails until the log is reopened and recovered.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, MutexGuard};
use srdb_key::BoxError;

use crate::error::WalError;
use crate::format::{self, FileHeader, FILE_HEADER_BYTES, WAL_MAGIC};
use crate::limits::{
    DEFAULT_BUFFER_BYTES, DEFAULT_SYNC_INTERVAL_MS, MAX_LSN, MAX_RECORD_BYTES, MIN_BUFFER_BYTES,
    MIN_SYNC_INTERVAL, PREALLOCATE_BYTES,
};
use crate::reader::{Record, RecoveryMode, RecoveryReport};
use crate::{fsutil, recovery, segment};

/// When an appended record is made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPolicy {
    /// `append` returns once the record is fdatasynced: it survives a power
    /// loss. Concurrent appends share one `fdatasync` (group commit).
    Always,
    /// `append` returns once the record is written to the OS: it survives a
    /// crash of the process. A background thread fdatasyncs the log every
    /// interval when there is something to sync, so a power loss loses at most
    /// about one interval of writes. Intervals below 1 ms are raised to 1 ms.
    Periodic(Duration),
    /// `append` returns once the record is in the user-space buffer; the buffer
    /// is written to the OS when it fills and on `rotate`, `sync` and `close`.
    /// A crash loses the buffer; what survives is a prefix of the write order.
    Never,
}

impl Default for SyncPolicy {
    /// `Periodic(100 ms)`.
    fn default() -> Self {
        SyncPolicy::Periodic(Duration::from_millis(DEFAULT_SYNC_INTERVAL_MS))
    }
}

/// Options of a [`Wal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalOptions {
    /// When appends are made durable. Default: `Periodic(100 ms)`.
    pub sync: SyncPolicy,
    /// How recovery treats corruption before the tail. Default: `Strict`.
    pub recovery: RecoveryMode,
    /// Size of the user-space commit buffer in bytes: under `Never`, records
    /// gather here and are written to the OS when it fills. Default: 1 MiB
    /// ([`crate::limits::DEFAULT_BUFFER_BYTES`]); values below 4 KiB are raised
    /// to 4 KiB.
    pub buffer_bytes: usize,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            sync: SyncPolicy::default(),
            recovery: RecoveryMode::default(),
            buffer_bytes: DEFAULT_BUFFER_BYTES,
        }
    }
}

/// Counters of a [`Wal`] since it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalStats {
    /// Records appended.
    pub appends: u64,
    /// `write` calls that wrote records to the OS; each writes one commit group.
    pub commit_groups: u64,
    /// `fdatasync` calls on segments (not counting the ones that make a new
    /// segment's header durable).
    pub syncs: u64,
    /// Bytes written to segment files, headers included.
    pub bytes_written: u64,
}

/// The segment appends go to.
struct ActiveSegment {
    number: u64,
    path: Arc<Path>,
    file: Arc<File>,
    salt: u64,
    /// Logical size: header plus every record framed, written or buffered.
    bytes: u64,
    /// The file's length on disk: the segment is grown ahead of its records
    /// in steps of `PREALLOCATE_BYTES`, so that an `fdatasync` after an
    /// append need not also make a new file length durable (measured here:
    /// about 10.5K instead of 7.3K synced appends a second). The zeros past
    /// the records are cut off when the segment is rotated or closed, and
    /// read as a torn tail after a crash.
    allocated: u64,
}

impl ActiveSegment {
    /// The length to grow the file to before writing every framed record, if
    /// it must grow; records it as allocated.
    fn reserve_for_records(&mut self) -> Option<u64> {
        let end = self.bytes;
        if end <= self.allocated {
            return None;
        }
        self.allocated = end.max(self.allocated + PREALLOCATE_BYTES);
        Some(self.allocated)
    }

    /// Cuts the preallocated zeros off the file: its length becomes `bytes`.
    fn trim(&mut self) -> Result<(), WalError> {
        if self.allocated > self.bytes {
            self.file.set_len(self.bytes).map_err(|e| WalError::io("truncate", &*self.path, e))?;
            self.file.sync_all().map_err(|e| WalError::io("fsync", &*self.path, e))?;
            self.allocated = self.bytes;
        }
        Ok(())
    }
}

struct State {
    segment: ActiveSegment,
    /// Records framed but not yet handed to a leader.
    buf: Vec<u8>,
    /// The other buffer, swapped in when a leader takes `buf`.
    spare: Vec<u8>,
    next_lsn: u64,
    /// Every record with an LSN up to this one is written to the OS.
    written_lsn: u64,
    /// Every record with an LSN up to this one is fdatasynced.
    synced_lsn: u64,
    /// A leader is writing a group with the mutex released.
    leader_active: bool,
    poisoned: Option<String>,
    stats: WalStats,
}

impl State {
    fn check_usable(&self) -> Result<(), WalError> {
        match &self.poisoned {
            Some(reason) => Err(WalError::Poisoned { reason: reason.clone() }),
            None => Ok(()),
        }
    }
}

struct Shared {
    dir: PathBuf,
    policy: SyncPolicy,
    buffer_bytes: usize,
    state: Mutex<State>,
    /// Signalled when a leader finishes.
    leader_done: Condvar,
    /// Set to stop the background syncer.
    stop: Mutex<bool>,
    stop_signal: Condvar,
}

/// A segmented write-ahead log in one directory.
///
/// `Send + Sync`: share it by reference or `Arc` among writer threads. One
/// `Wal` must own its directory; the caller (the engine's database lock)
/// keeps a second process or instance away.
pub struct Wal {
    shared: Arc<Shared>,
    syncer: Option<JoinHandle<()>>,
    closed: bool,
}

impl Wal {
    /// Opens (creating if missing) the log in `dir`.
    ///
    /// Replays, in order, every valid record of the existing segments numbered
    /// `>= first_segment` by calling `replay`; segments below it are ignored,
    /// not deleted. A torn tail of the last segment is truncated (durably) and
    /// reported. In [`RecoveryMode::Strict`], corruption before the tail is
    /// [`WalError::Corruption`] naming the file and offset (records before it
    /// were already passed to `replay`); in [`RecoveryMode::SkipCorrupt`] the
    /// damaged records are skipped and reported. An error from `replay` stops
    /// recovery with [`WalError::Replay`].
    ///
    /// Then starts a new segment, numbered after the highest existing one (and
    /// at least `first_segment`), for appends. LSNs of new appends continue
    /// after `max(last recovered LSN, next_lsn_at_least - 1)`.
    pub fn open(
        dir: &Path,
        opts: WalOptions,
        first_segment: u64,
        next_lsn_at_least: u64,
        mut replay: impl FnMut(Record<'_>) -> Result<(), BoxError>,
    ) -> Result<(Wal, RecoveryReport), WalError> {
        if !dir.is_dir() {
            fs::create_dir_all(dir).map_err(|e| WalError::io("create the directory", dir, e))?;
            if let Some(parent) = dir.parent() {
                fsutil::sync_dir(parent)?;
            }
        }
        let recovered = recovery::recover(dir, opts.recovery, first_segment, &mut replay)?;
        if let Some((path, keep)) = &recovered.torn {
            if *keep == 0 {
                fs::remove_file(path).map_err(|e| WalError::io("remove", path, e))?;
                fsutil::sync_dir(dir)?;
            } else {
                fsutil::truncate(path, *keep)?;
            }
        }
        let position = recovered.position;
        let next_lsn = position.max(next_lsn_at_least.saturating_sub(1)) + 1;
        if next_lsn > MAX_LSN + 1 {
            return Err(WalError::LsnExhausted { lsn: next_lsn, max: MAX_LSN });
        }
        let number = (recovered.highest_segment + 1).max(first_segment).max(1);
        let segment = create_segment(dir, number, next_lsn, position)?;
        let buffer_bytes = opts.buffer_bytes.max(MIN_BUFFER_BYTES);
        let state = State {
            segment,
            buf: Vec::with_capacity(buffer_bytes),
            spare: Vec::with_capacity(buffer_bytes),
            next_lsn,
            written_lsn: next_lsn - 1,
            synced_lsn: next_lsn - 1,
            leader_active: false,
            poisoned: None,
            stats: WalStats { bytes_written: FILE_HEADER_BYTES as u64, ..WalStats::default() },
        };
        let shared = Arc::new(Shared {
            dir: dir.into(),
            policy: opts.sync,
            buffer_bytes,
            state: Mutex::new(state),
            leader_done: Condvar::new(),
            stop: Mutex::new(false),
            stop_signal: Condvar::new(),
        });
        let syncer = match opts.sync {
            SyncPolicy::Periodic(interval) => {
                let shared = Arc::clone(&shared);
                let interval = interval.max(MIN_SYNC_INTERVAL);
                let spawned = std::thread::Builder::new()
                    .name("srdb-wal-sync".into())
                    .spawn(move || run_syncer(&shared, interval));
                Some(spawned.map_err(|e| WalError::io("start the sync thread for", dir, e))?)
            }
            SyncPolicy::Always | SyncPolicy::Never => None,
        };
        Ok((Wal { shared, syncer, closed: false }, recovered.report))
    }

    /// Appends one record and returns its LSN once the sync policy's
    /// durability point is reached: `Always`, fdatasynced; `Periodic`, written
    /// to the OS; `Never`, in the user-space buffer.
    ///
    /// Thread-safe: concurrent appenders are committed in groups, one `write`
    /// (and under `Always` one `fdatasync`) per group. LSNs are consecutive in
    /// log order.
    pub fn append(&self, payload: &[u8]) -> Result<u64, WalError> {
        if payload.len() > MAX_RECORD_BYTES {
            return Err(WalError::RecordTooLarge { bytes: payload.len(), max: MAX_RECORD_BYTES });
        }
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        st.check_usable()?;
        let lsn = st.next_lsn;
        if lsn > MAX_LSN {
            return Err(WalError::LsnExhausted { lsn, max: MAX_LSN });
        }
        let salt = st.segment.salt;
        let before = st.buf.len();
        format::encode_record(&mut st.buf, salt, lsn, payload);
        st.segment.bytes += (st.buf.len() - before) as u64;
        st.next_lsn = lsn + 1;
        st.stats.appends += 1;
        match shared.policy {
            SyncPolicy::Never => shared.flush_if_full(&mut st)?,
            SyncPolicy::Periodic(_) => shared.wait_until(&mut st, lsn, false)?,
            SyncPolicy::Always => shared.wait_until(&mut st, lsn, true)?,
        }
        Ok(lsn)
    }

    /// Appends several records with consecutive LSNs, as one group: they
    /// reach the policy's durability point together. Returns the LSN of the
    /// first. For callers that gather their own groups of writers (the
    /// engine's write queue); an empty slice appends nothing and returns the
    /// next LSN.
    pub fn append_many(&self, payloads: &[&[u8]]) -> Result<u64, WalError> {
        if let Some(big) = payloads.iter().find(|p| p.len() > MAX_RECORD_BYTES) {
            return Err(WalError::RecordTooLarge { bytes: big.len(), max: MAX_RECORD_BYTES });
        }
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        st.check_usable()?;
        let first = st.next_lsn;
        if payloads.is_empty() {
            return Ok(first);
        }
        let last = first + payloads.len() as u64 - 1;
        if last > MAX_LSN {
            return Err(WalError::LsnExhausted { lsn: last, max: MAX_LSN });
        }
        let salt = st.segment.salt;
        let before = st.buf.len();
        for (i, payload) in payloads.iter().enumerate() {
            format::encode_record(&mut st.buf, salt, first + i as u64, payload);
        }
        st.segment.bytes += (st.buf.len() - before) as u64;
        st.next_lsn = last + 1;
        st.stats.appends += payloads.len() as u64;
        match shared.policy {
            SyncPolicy::Never => shared.flush_if_full(&mut st)?,
            SyncPolicy::Periodic(_) => shared.wait_until(&mut st, last, false)?,
            SyncPolicy::Always => shared.wait_until(&mut st, last, true)?,
        }
        Ok(first)
    }

    /// Writes out and fdatasyncs the current segment, then starts a new one
    /// and returns its number. Appends after it go to the new segment.
    pub fn rotate(&self) -> Result<u64, WalError> {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        while st.leader_active {
            shared.leader_done.wait(&mut st);
        }
        st.check_usable()?;
        // The mutex stays held from here on: records framed with this
        // segment's salt must all be written to this segment.
        shared.write_buffer_locked(&mut st, true)?;
        st.segment.trim()?;
        let next_lsn = st.next_lsn;
        let segment = create_segment(&shared.dir, st.segment.number + 1, next_lsn, next_lsn - 1)?;
        let number = segment.number;
        st.segment = segment;
        st.stats.bytes_written += FILE_HEADER_BYTES as u64;
        Ok(number)
    }

    /// Number of the segment appends go to.
    pub fn current_segment(&self) -> u64 {
        self.shared.state.lock().segment.number
    }

    /// Writes the buffer to the OS and fdatasyncs the current segment now:
    /// every record appended before the call is durable when it returns.
    pub fn sync(&self) -> Result<(), WalError> {
        let mut st = self.shared.state.lock();
        let last = st.next_lsn - 1;
        self.shared.wait_until(&mut st, last, true)
    }

    /// Deletes every segment numbered below `segment` (never the current one)
    /// and fsyncs the directory; returns how many files were deleted.
    pub fn delete_segments_before(&self, segment: u64) -> Result<usize, WalError> {
        let limit = segment.min(self.current_segment());
        let mut deleted = 0;
        for (number, path) in segment::list(&self.shared.dir)? {
            if number >= limit {
                break;
            }
            match fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(WalError::io("delete", path, e)),
            }
        }
        if deleted > 0 {
            fsutil::sync_dir(&self.shared.dir)?;
        }
        Ok(deleted)
    }

    /// Every segment in the directory as `(number, size in bytes)`, ascending.
    /// The current segment's size counts records still in the buffer.
    pub fn segments(&self) -> Result<Vec<(u64, u64)>, WalError> {
        let (current, current_bytes) = {
            let st = self.shared.state.lock();
            (st.segment.number, st.segment.bytes)
        };
        let mut out = Vec::new();
        for (number, path) in segment::list(&self.shared.dir)? {
            let bytes = if number == current {
                current_bytes
            } else {
                match fs::metadata(&path) {
                    Ok(meta) => meta.len(),
                    // Deleted since the listing by a concurrent
                    // `delete_segments_before`.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(WalError::io("read the size of", path, e)),
                }
            };
            out.push((number, bytes));
        }
        Ok(out)
    }

    /// LSN of the last record appended; before any append, the LSN the log
    /// continues after.
    pub fn last_lsn(&self) -> u64 {
        self.shared.state.lock().next_lsn - 1
    }

    /// Counters since the log was opened.
    pub fn stats(&self) -> WalStats {
        self.shared.state.lock().stats
    }

    /// The directory of the log.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Writes out the buffer, fdatasyncs the current segment and stops the
    /// background sync thread. Dropping a `Wal` does the same, ignoring errors.
    pub fn close(mut self) -> Result<(), WalError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), WalError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        *self.shared.stop.lock() = true;
        self.shared.stop_signal.notify_all();
        if let Some(syncer) = self.syncer.take() {
            // The syncer never panics; if it did, the final sync below still
            // makes the log durable.
            let _ = syncer.join();
        }
        let mut st = self.shared.state.lock();
        let last = st.next_lsn - 1;
        self.shared.wait_until(&mut st, last, true)?;
        st.segment.trim()
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl std::fmt::Debug for Wal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("Wal")
            .field("dir", &self.shared.dir)
            .field("policy", &self.shared.policy)
            .field("segment", &st.segment.number)
            .field("last_lsn", &(st.next_lsn - 1))
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Waits until record `lsn` is written to the OS (and fdatasynced if
    /// `synced`), leading a group commit when no other thread is.
    fn wait_until(
        &self,
        st: &mut MutexGuard<'_, State>,
        lsn: u64,
        synced: bool,
    ) -> Result<(), WalError> {
        loop {
            st.check_usable()?;
            let done = if synced { st.synced_lsn >= lsn } else { st.written_lsn >= lsn };
            if done {
                return Ok(());
            }
            if st.leader_active {
                self.leader_done.wait(st);
            } else {
                self.lead(st, synced)?;
                // Records appended while this leader's group was written wait
                // for the next group: writing it at once, instead of handing
                // over to a woken writer, saves the handover (a few context
                // switches, a large part of an fsync on a loaded machine).
                if synced && !st.buf.is_empty() && !st.leader_active {
                    // This caller's record is durable whatever this round
                    // does; a failure poisons the log for the writers it
                    // serves, who see it themselves.
                    let _ = self.lead(st, synced);
                }
            }
        }
    }

    /// Under `Never`: writes the buffer once it holds `buffer_bytes`. If a
    /// leader is already writing, appends go on into the buffer until it holds
    /// twice that, then wait: the bound on user-space memory.
    fn flush_if_full(&self, st: &mut MutexGuard<'_, State>) -> Result<(), WalError> {
        loop {
            if st.buf.len() < self.buffer_bytes {
                return Ok(());
            }
            if !st.leader_active {
                return self.lead(st, false);
            }
            if st.buf.len() < 2 * self.buffer_bytes {
                return Ok(());
            }
            self.leader_done.wait(st);
            st.check_usable()?;
        }
    }

    /// Writes the whole buffer as one group with the mutex released, then
    /// fdatasyncs if `sync`. The caller has checked that no leader is active.
    fn lead(&self, st: &mut MutexGuard<'_, State>, sync: bool) -> Result<(), WalError> {
        assert!(!st.leader_active, "two leaders would write out of order");
        st.leader_active = true;
        let spare = std::mem::take(&mut st.spare);
        let mut group = std::mem::replace(&mut st.buf, spare);
        let last = st.next_lsn - 1;
        let file = Arc::clone(&st.segment.file);
        let path = Arc::clone(&st.segment.path);
        // Every framed record is in `group`: the file ends at `bytes` after it.
        let grow_to = st.segment.reserve_for_records();
        let result = MutexGuard::unlocked(st, || write_group(&file, &path, &group, sync, grow_to));
        st.leader_active = false;
        self.finish_group(st, &result, group.len(), last, sync);
        group.clear();
        group.shrink_to(self.buffer_bytes);
        st.spare = group;
        self.leader_done.notify_all();
        result
    }

    /// Writes the buffer (and fdatasyncs if `sync`) with the mutex held.
    fn write_buffer_locked(
        &self,
        st: &mut MutexGuard<'_, State>,
        sync: bool,
    ) -> Result<(), WalError> {
        let last = st.next_lsn - 1;
        let grow_to = st.segment.reserve_for_records();
        let result = write_group(&st.segment.file, &st.segment.path, &st.buf, sync, grow_to);
        let bytes = st.buf.len();
        self.finish_group(st, &result, bytes, last, sync);
        st.buf.clear();
        st.buf.shrink_to(self.buffer_bytes);
        self.leader_done.notify_all();
        result
    }

    fn finish_group(
        &self,
        st: &mut State,
        result: &Result<(), WalError>,
        bytes: usize,
        last: u64,
        sync: bool,
    ) {
        match result {
            Ok(()) => {
                st.written_lsn = last;
                if bytes > 0 {
                    st.stats.commit_groups += 1;
                    st.stats.bytes_written += bytes as u64;
                }
                if sync {
                    st.synced_lsn = last;
                    st.stats.syncs += 1;
                }
            }
            Err(e) => st.poisoned = Some(e.to_string()),
        }
    }

    /// One round of the `Periodic` background sync: fdatasyncs the current
    /// segment if records were written since the last sync.
    fn background_sync(&self) {
        let (file, path, target) = {
            let st = self.state.lock();
            if st.poisoned.is_some() || st.synced_lsn >= st.written_lsn {
                return;
            }
            (Arc::clone(&st.segment.file), Arc::clone(&st.segment.path), st.written_lsn)
        };
        let result = file.sync_data();
        let mut st = self.state.lock();
        match result {
            Ok(()) => {
                st.synced_lsn = st.synced_lsn.max(target);
                st.stats.syncs += 1;
            }
            Err(e) => st.poisoned = Some(WalError::io("fsync", &*path, e).to_string()),
        }
    }
}

fn write_group(
    mut file: &File,
    path: &Path,
    group: &[u8],
    sync: bool,
    grow_to: Option<u64>,
) -> Result<(), WalError> {
    if let Some(len) = grow_to {
        // Writes go through the file's cursor, which growing does not move.
        file.set_len(len).map_err(|e| WalError::io("preallocate", path, e))?;
    }
    if !group.is_empty() {
        file.write_all(group).map_err(|e| WalError::io("write to", path, e))?;
    }
    if sync {
        file.sync_data().map_err(|e| WalError::io("fsync", path, e))?;
    }
    Ok(())
}

fn create_segment(
    dir: &Path,
    number: u64,
    first_lsn: u64,
    prev_lsn: u64,
) -> Result<ActiveSegment, WalError> {
    let path = dir.join(segment::file_name(number));
    let header = FileHeader::new(WAL_MAGIC, number, first_lsn, prev_lsn);
    let file = fsutil::create_with_header(&path, &header)?;
    Ok(ActiveSegment {
        number,
        path: path.into(),
        file: Arc::new(file),
        salt: header.salt,
        bytes: FILE_HEADER_BYTES as u64,
        allocated: FILE_HEADER_BYTES as u64,
    })
}

fn run_syncer(shared: &Shared, interval: Duration) {
    let mut stop = shared.stop.lock();
    loop {
        if *stop {
            return;
        }
        shared.stop_signal.wait_for(&mut stop, interval);
        if *stop {
            return;
        }
        MutexGuard::unlocked(&mut stop, || shared.background_sync());
    }
}
