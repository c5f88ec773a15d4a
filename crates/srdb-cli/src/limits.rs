//! Limits of the command line, each with the reason for its value.

/// Most bad lines an import lists (on stderr, or in its JSON report); the
/// rest are counted. A file of the wrong format would otherwise print one
/// line per line.
pub const MAX_BAD_LINES_LISTED: usize = 100;

/// Most bytes of input one import reads. The rows go into one atomic batch,
/// which the engine bounds at [`srdb::MAX_BATCH_BYTES`]; text is usually
/// larger than the rows it encodes, so a file within this limit usually
/// fits, and one past it is refused before it fills memory.
pub const MAX_IMPORT_BYTES: u64 = srdb::MAX_BATCH_BYTES as u64;

/// Attempts at a consistent copy of a live directory (see
/// `common::ReadCopy`). A copy fails only when a compaction deletes a file
/// between the MANIFEST copy and the links, which takes a compaction
/// finishing in that window of milliseconds; five in a row means something
/// else is wrong, and the open reports it.
pub const READ_COPY_ATTEMPTS: usize = 5;
