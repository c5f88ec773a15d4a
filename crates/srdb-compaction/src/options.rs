//! The knobs of leveled compaction, each default with the reason for it.

use crate::error::CompactionError;

/// The most levels a database may have. Level targets grow by at least
/// [`MIN_LEVEL_SIZE_RATIO`] per level, so by level 64 they exceed `u64`; more
/// levels could never fill.
pub const MAX_LEVELS: usize = 64;

/// The smallest growth factor between levels. At 1 a level would be as large
/// as the one above it and leveled compaction would rewrite everything on
/// every compaction.
pub const MIN_LEVEL_SIZE_RATIO: u64 = 2;

/// When and how leveled compaction runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactionOptions {
    /// L0 is compacted once it holds this many files. Default 4: every read
    /// probes every L0 file, so the count must stay small, but each L0
    /// compaction rewrites the overlapping part of L1, so it should carry
    /// enough L0 data to be worth that (LevelDB's value).
    pub l0_trigger_files: usize,
    /// Each level `n >= 2` targets this many times the bytes of level
    /// `n - 1`. Default 10: the usual leveled trade-off, about 1.1x space
    /// amplification for a write amplification of about 10 per level.
    pub level_size_ratio: u64,
    /// Target size of L1 in bytes. Default 64 MiB: about what
    /// `l0_trigger_files` flushed memtables hold, so an L0 compaction reads
    /// about as much from L1 as it brings from L0.
    pub level1_target_bytes: u64,
    /// Output files are cut once they reach about this size. Default 32 MiB:
    /// large enough that per-file costs (an open file, an index, a MANIFEST
    /// record) stay small (a TiB is 32K files), small enough that one file
    /// plus the ~10 it overlaps below rewrite in about a second at the
    /// ~370 MB/s this class of disk writes.
    pub target_file_bytes: u64,
    /// Number of levels, L0 included. Default 7: with the defaults above the
    /// last level targets 64 MiB x 10^5 = 6.4 TB, more than one machine holds.
    pub max_levels: usize,
}

impl Default for CompactionOptions {
    fn default() -> Self {
        CompactionOptions {
            l0_trigger_files: 4,
            level_size_ratio: 10,
            level1_target_bytes: 64 * 1024 * 1024,
            target_file_bytes: 32 * 1024 * 1024,
            max_levels: 7,
        }
    }
}

impl CompactionOptions {
    /// Checks every option against its allowed range.
    pub fn validate(&self) -> Result<(), CompactionError> {
        let invalid = |reason: String| Err(CompactionError::InvalidOptions { reason });
        if self.l0_trigger_files == 0 {
            return invalid("l0_trigger_files must be at least 1".into());
        }
        if self.level_size_ratio < MIN_LEVEL_SIZE_RATIO {
            return invalid(format!("level_size_ratio must be at least {MIN_LEVEL_SIZE_RATIO}"));
        }
        if self.level1_target_bytes == 0 || self.target_file_bytes == 0 {
            return invalid("level1_target_bytes and target_file_bytes must be at least 1".into());
        }
        if !(2..=MAX_LEVELS).contains(&self.max_levels) {
            return invalid(format!("max_levels must be between 2 and {MAX_LEVELS}"));
        }
        Ok(())
    }

    /// The target size in bytes of level `level >= 1`:
    /// `level1_target_bytes * level_size_ratio^(level - 1)`, saturating.
    pub fn level_target_bytes(&self, level: usize) -> u64 {
        let mut target = self.level1_target_bytes;
        for _ in 1..level {
            target = target.saturating_mul(self.level_size_ratio);
        }
        target
    }
}
