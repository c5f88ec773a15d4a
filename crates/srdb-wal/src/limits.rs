//! Limits of the write-ahead log, each with the reason for its value.

/// Largest payload of one record, in bytes.
///
/// A record is held whole in memory twice: in the commit buffer while it is
/// written, and in the reader's window while it is checked and replayed. The
/// engine writes one batch per record and caps a batch at 64 MiB, so the log
/// must accept at least that; 128 MiB leaves room above it while bounding the
/// memory a reader may allocate for a record whose length field is corrupt.
/// The length field is a `u32`, so the limit must stay below 4 GiB.
pub const MAX_RECORD_BYTES: usize = 128 * 1024 * 1024;

/// Largest log sequence number the log hands out.
///
/// The engine uses each record's LSN as the sequence number of its batch, and
/// a sequence number has 56 bits (`srdb_key::MAX_SEQNO`). Stopping here means
/// an LSN can always be used as a sequence number.
pub const MAX_LSN: u64 = srdb_key::MAX_SEQNO;

/// Default size of the user-space commit buffer, in bytes.
///
/// Under `SyncPolicy::Never`, records gather in this buffer and are written to
/// the OS in one `write` when it fills. 1 MiB makes that write cost about as
/// much as a few thousand appends of memcpy (it takes ~0.3 ms at the page-cache
/// bandwidth of this class of machine) while keeping the data a crash can lose
/// small.
pub const DEFAULT_BUFFER_BYTES: usize = 1024 * 1024;

/// Smallest accepted commit buffer, in bytes. Smaller values are raised to it:
/// a buffer that cannot hold a few small records turns every append into a
/// system call, which no caller wants.
pub const MIN_BUFFER_BYTES: usize = 4 * 1024;

/// Bytes the reader loads from a file at once when it scans records.
///
/// Large enough that reading a segment costs few system calls; the reader's
/// window grows beyond it only to hold one record larger than this.
pub const READ_WINDOW_BYTES: usize = 1024 * 1024;

/// Default interval of the background `fdatasync` under `SyncPolicy::Periodic`.
///
/// 100 ms bounds what a power loss can take to a tenth of a second of writes
/// while costing at most ten `fdatasync` calls a second.
pub const DEFAULT_SYNC_INTERVAL_MS: u64 = 100;

/// Shortest interval of the background sync under `SyncPolicy::Periodic`;
/// shorter ones are raised to it. An interval of zero would make the sync
/// thread spin.
pub const MIN_SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_millis(1);

/// How far ahead of its records a segment file is grown. An `fdatasync` that
/// must also record a new file length costs a journal commit more; growing in
/// 4 MiB steps makes that one sync in thousands, while a crash leaves at most
/// 4 MiB of zeros, which recovery reads as a torn tail and cuts off.
pub const PREALLOCATE_BYTES: u64 = 4 * 1024 * 1024;
