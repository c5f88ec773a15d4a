//! Side-by-side benchmarks of srdb and its peers. This is the only crate that
//! depends on other databases.
//!
//! The binary `srdb-bench` is a db_bench-style runner: it runs each workload
//! on each engine in a child process of its own, on a fresh directory, and
//! prints a markdown table (and optionally JSON) of throughput, latency
//! percentiles, CPU time, peak RSS, bytes on disk and write amplification.
//!
//! Engines plug in through [`engine::KvEngine`]; workloads are listed in
//! [`workload::KvWorkload`]. This crate is not a test suite: it proves nothing
//! about correctness beyond checking that every read returns what was written.
//!
//! ```no_run
//! use srdb_bench::engines::fjall::FjallEngine;
//! use srdb_bench::workload::{KvWorkload, RunConfig, Sizes};
//!
//! let config = RunConfig {
//!     sizes: Sizes::TINY,
//!     key_bytes: 16,
//!     value_bytes: 100,
//!     threads: 2,
//!     cache_bytes: 64 << 20,
//!     seed: 1,
//! };
//! let dir = tempfile::tempdir()?;
//! let m = srdb_bench::kv::run::<FjallEngine>("fjall", KvWorkload::ReadRandom, &config, dir.path())?;
//! println!("{} ops/s", m.ops_per_sec);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod data;
pub mod engine;
pub mod engines;
pub mod error;
pub mod kv;
pub mod measure;
pub mod report;
pub mod runner;
pub mod table;
pub mod workload;

pub use engine::{BatchOp, Direction, Durability, EngineOptions, KvEngine, KvReader};
pub use error::{Error, Result};
pub use report::{Measurement, Report};
pub use table::TableEngine;
pub use workload::{KvWorkload, RunConfig, Sizes, TableIndexes, TableWorkload, Workload};
