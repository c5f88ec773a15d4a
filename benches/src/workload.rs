//! The catalogue of workloads and the sizes they run at.

use serde::{Deserialize, Serialize};

use crate::engine::Durability;
use crate::error::{Error, Result};

/// Reads made through one read view before the next is taken (see
/// [`crate::engine::KvEngine::Reader`]).
pub const READS_PER_VIEW: u64 = 1_000;

/// Entries per batch when loading the data set of a read or update workload.
pub const LOAD_BATCH_ENTRIES: usize = 1_000;

/// Entries visited after each seek of `seekrandom`, beside the one sought.
pub const SEEK_NEXT_ENTRIES: u64 = 10;

/// What the database holds when the measured phase starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// A fresh, empty database.
    Empty,
    /// `num` entries loaded in key order in batches of [`LOAD_BATCH_ENTRIES`],
    /// then flushed, and the engine's background work waited for; the engine
    /// stays open, so its caches and the page cache
    /// hold what the load left there.
    Loaded,
    /// As `Loaded`, then the engine is closed, the page cache dropped (when
    /// running as root) and the engine reopened: reads start uncached.
    LoadedCold,
}

/// One key-value workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvWorkload {
    /// `num` puts in key order, one commit each.
    FillSeq,
    /// `num` puts in key order, 100 per batch.
    FillBatch100,
    /// `num` puts in key order, 1,000 per batch.
    FillBatch,
    /// `num` puts in random order (each key once), one commit each.
    FillRandom,
    /// `num` puts over existing keys in random order, one commit each.
    Overwrite,
    /// `reads` gets of random existing keys, cached.
    ReadRandom,
    /// `reads` gets of random keys that were never written, cached.
    ReadMissing,
    /// `cold_reads` gets of random existing keys after the page cache is
    /// dropped and the engine reopened.
    ReadCold,
    /// Five forward scans over every entry; an operation is one entry.
    ReadSeq,
    /// Five reverse scans over every entry; an operation is one entry.
    ReadReverse,
    /// `reads` seeks to random existing keys, each followed by 10 nexts.
    SeekRandom,
    /// `threads - 1` threads do `reads` random gets in all while one thread
    /// overwrites random keys; the readers are measured.
    ReadWhileWriting,
    /// `num` deletes of existing keys in random order, one commit each.
    DeleteRandom,
    /// `sync_ops` puts in random order, one thread, fsync per commit.
    FillSync1,
    /// `sync_ops` puts in random order spread over 16 threads, fsync per
    /// commit.
    FillSync16,
}

impl KvWorkload {
    /// Every workload, in the order a full run measures them.
    pub const ALL: [KvWorkload; 15] = [
        Self::FillSeq,
        Self::FillBatch100,
        Self::FillBatch,
        Self::FillRandom,
        Self::Overwrite,
        Self::ReadRandom,
        Self::ReadMissing,
        Self::ReadCold,
        Self::ReadSeq,
        Self::ReadReverse,
        Self::SeekRandom,
        Self::ReadWhileWriting,
        Self::DeleteRandom,
        Self::FillSync1,
        Self::FillSync16,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::FillSeq => "fillseq",
            Self::FillBatch100 => "fillbatch100",
            Self::FillBatch => "fillbatch",
            Self::FillRandom => "fillrandom",
            Self::Overwrite => "overwrite",
            Self::ReadRandom => "readrandom",
            Self::ReadMissing => "readmissing",
            Self::ReadCold => "readcold",
            Self::ReadSeq => "readseq",
            Self::ReadReverse => "readreverse",
            Self::SeekRandom => "seekrandom",
            Self::ReadWhileWriting => "readwhilewriting",
            Self::DeleteRandom => "deleterandom",
            Self::FillSync1 => "fillsync1",
            Self::FillSync16 => "fillsync16",
        }
    }

    /// The workload called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|workload| workload.name() == name)
    }

    /// What the database holds when the measured phase starts.
    pub fn start(self) -> Start {
        match self {
            Self::FillSeq
            | Self::FillBatch100
            | Self::FillBatch
            | Self::FillRandom
            | Self::FillSync1
            | Self::FillSync16 => Start::Empty,
            Self::ReadCold => Start::LoadedCold,
            Self::Overwrite
            | Self::ReadRandom
            | Self::ReadMissing
            | Self::ReadSeq
            | Self::ReadReverse
            | Self::SeekRandom
            | Self::ReadWhileWriting
            | Self::DeleteRandom => Start::Loaded,
        }
    }

    /// The durability tier of the measured phase (loads are always buffered).
    pub fn durability(self) -> Durability {
        match self {
            Self::FillSync1 | Self::FillSync16 => Durability::Sync,
            _ => Durability::Buffered,
        }
    }

    /// Whether the measured phase writes, so that it ends with a flush and
    /// write amplification is measured.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Self::FillSeq
                | Self::FillBatch100
                | Self::FillBatch
                | Self::FillRandom
                | Self::Overwrite
                | Self::ReadWhileWriting
                | Self::DeleteRandom
                | Self::FillSync1
                | Self::FillSync16
        )
    }

    /// Whether an operation is one entry of a long scan, too short to time one
    /// by one without the clock dominating: such workloads report throughput
    /// but no latency percentiles.
    pub fn untimed_ops(self) -> bool {
        matches!(self, Self::ReadSeq | Self::ReadReverse)
    }
}

/// One table workload, on a table of `num` rows of five fields (see
/// [`crate::table::Row`]). The secondary indexes depend on the workload (see
/// [`TableWorkload::indexes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableWorkload {
    /// `num` rows inserted in `_seq` order, one commit each, with the
    /// indexes of the query workloads.
    InsertRows,
    /// `num` rows inserted in `_seq` order in commits of
    /// [`INSERT_BATCH_ROWS`], without secondary indexes.
    InsertBatch,
    /// `num` rows inserted in `_seq` order in commits of
    /// [`INSERT_BATCH_ROWS`], with indexes on `account` and `city`.
    InsertIndexed,
    /// `reads` gets of random rows by `_seq`.
    GetBySeq,
    /// `reads / 100` queries `account = a` (about 100 rows each) via the
    /// index.
    IndexedEq,
    /// `reads / 1000` queries `a <= account <= a + 9` (about 1,000 rows
    /// each) via the index.
    IndexedRange,
    /// 20 queries `city = c AND score >= 0.5` over unindexed fields: full
    /// scans.
    FilteredScan,
    /// `reads / 100` queries for 1% of the rows by `_time` range.
    TimeRange,
}

/// Rows per commit of `insertbatch` and `insertindexed`.
pub const INSERT_BATCH_ROWS: usize = 1_000;

/// The secondary indexes a table workload's table has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableIndexes {
    /// The indexes that serve the query workloads, each engine's own:
    /// `account`, and `_time` where the engine needs an index for time
    /// ranges (SQLite's `time_ns`; srdb keeps rows in `_seq` order and has
    /// no index on `_time`).
    Queries,
    /// None: the rows alone.
    None,
    /// `account` (an integer) and `city` (a string), the same two on every
    /// engine.
    AccountAndCity,
}

impl TableIndexes {
    /// The indexes in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Queries => "the query workloads' indexes",
            Self::None => "no secondary index",
            Self::AccountAndCity => "indexes on account and city",
        }
    }
}

impl TableWorkload {
    /// Every table workload, in the order a full run measures them.
    pub const ALL: [TableWorkload; 8] = [
        Self::InsertRows,
        Self::InsertBatch,
        Self::InsertIndexed,
        Self::GetBySeq,
        Self::IndexedEq,
        Self::IndexedRange,
        Self::FilteredScan,
        Self::TimeRange,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::InsertRows => "insertrows",
            Self::InsertBatch => "insertbatch",
            Self::InsertIndexed => "insertindexed",
            Self::GetBySeq => "getbyseq",
            Self::IndexedEq => "indexedeq",
            Self::IndexedRange => "indexedrange",
            Self::FilteredScan => "filteredscan",
            Self::TimeRange => "timerange",
        }
    }

    /// Whether the measured phase inserts into an empty table (and ends with
    /// a flush); otherwise it reads a table loaded before the clock starts.
    pub fn writes(self) -> bool {
        matches!(self, Self::InsertRows | Self::InsertBatch | Self::InsertIndexed)
    }

    /// The secondary indexes of the workload's table.
    pub fn indexes(self) -> TableIndexes {
        match self {
            Self::InsertBatch => TableIndexes::None,
            Self::InsertIndexed => TableIndexes::AccountAndCity,
            _ => TableIndexes::Queries,
        }
    }
}

/// Any workload: the runner's unit of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// A key-value workload, run on key-value engines.
    Kv(KvWorkload),
    /// A table workload, run on table engines.
    Table(TableWorkload),
}

impl Workload {
    /// Every workload: key-value first, then tables.
    pub fn all() -> Vec<Workload> {
        let kv = KvWorkload::ALL.into_iter().map(Workload::Kv);
        kv.chain(TableWorkload::ALL.into_iter().map(Workload::Table)).collect()
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Kv(workload) => workload.name(),
            Self::Table(workload) => workload.name(),
        }
    }

    /// The workload called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::all().into_iter().find(|workload| workload.name() == name)
    }
}

/// The sizes of a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sizes {
    /// Entries written by fills and loaded before reads.
    pub num: u64,
    /// Operations of the cached read workloads.
    pub reads: u64,
    /// Reads of `readcold`.
    pub cold_reads: u64,
    /// Commits of the fsync-per-commit workloads.
    pub sync_ops: u64,
}

impl Sizes {
    /// The full run.
    pub const FULL: Sizes =
        Sizes { num: 1_000_000, reads: 1_000_000, cold_reads: 10_000, sync_ops: 10_000 };
    /// `--quick`: every engine and workload in a few minutes in release.
    pub const QUICK: Sizes =
        Sizes { num: 200_000, reads: 200_000, cold_reads: 2_000, sync_ops: 2_000 };
    /// `--tiny`: a smoke run of seconds, even in debug builds.
    pub const TINY: Sizes = Sizes { num: 2_000, reads: 2_000, cold_reads: 100, sync_ops: 64 };
}

/// Everything a workload needs to know besides the engine.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunConfig {
    /// The sizes.
    pub sizes: Sizes,
    /// Bytes of every key.
    pub key_bytes: usize,
    /// Bytes of every value.
    pub value_bytes: usize,
    /// Threads of `readwhilewriting` (one writer, the rest readers).
    pub threads: usize,
    /// Cache bytes given to every engine.
    pub cache_bytes: u64,
    /// Seed of every random choice, so that runs are repeatable.
    pub seed: u64,
}

impl RunConfig {
    /// Checks the settings that would make a workload meaningless.
    pub fn validate(&self) -> Result<()> {
        crate::data::Keys::new(self.key_bytes)?;
        if self.threads < 2 {
            return Err(Error::Config(
                "--threads must be at least 2 (a writer and a reader)".into(),
            ));
        }
        if self.sizes.num == 0 || self.sizes.reads == 0 {
            return Err(Error::Config("--num and --reads must be positive".into()));
        }
        Ok(())
    }
}
