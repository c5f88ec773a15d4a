//! srdb: an embedded LSM database with a key-value store and typed tables.
//!
//! This facade is the public API that the server and the command line use.
//! It re-exports what a user needs and adds no storage logic of its own:
//!
//! - [`Kv`]: the key-value store (byte keys, byte values), with batches,
//!   snapshots, range and prefix iteration both ways.
//! - The engine underneath ([`Engine`]) for many keyspaces in one database.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let kv = srdb::Kv::open(dir.path()).unwrap();
//! kv.put("user:1", "ada").unwrap();
//! kv.put("user:2", "grace").unwrap();
//! assert_eq!(kv.get("user:1").unwrap().as_deref(), Some(&b"ada"[..]));
//!
//! let snapshot = kv.snapshot();
//! kv.delete("user:1").unwrap();
//! assert_eq!(kv.get("user:1").unwrap(), None);
//! assert!(snapshot.get("user:1").unwrap().is_some());
//!
//! let names: Vec<_> = kv.prefix("user:").map(|e| e.unwrap().1).collect();
//! assert_eq!(names, vec![b"grace".to_vec()]);
//! ```
#![forbid(unsafe_code)]

mod database;
pub mod glob;
mod kv;
mod table;

pub use database::Database;
pub use kv::{
    now_ms, KeyStats, Kv, KvBatch, KvEntry, KvIter, KvSnapshot, KvWrite, SweepStats, Ttl,
    KV_EXPIRY_KEYSPACE, KV_KEYSPACE, MAX_KV_VALUE_BYTES,
};
pub use srdb_engine::{
    CompactionOptions, Compression, Engine, Error, Iter, Keyspace, KeyspaceOptions, KeyspaceStats,
    LevelStats, Options, Result, SeqNo, Snapshot, Stats, SyncPolicy, TimeSource, WriteBatch,
    MAX_BATCH_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES,
};
pub use srdb_query::{Direction, Expr, Query};
// `Schema` is both the type and `#[derive(Schema)]`, as serde's `Serialize`.
pub use srdb_derive::Schema;
pub use srdb_schema::{as_nanos, DefaultFieldType, TableSchema};
pub use srdb_schema::{Decimal, Field, FieldType, Row, Schema, SchemaError, UnknownFields, Value};
pub use table::{
    BackfillProgress, CheckReport, DbError, DbResult, IndexInfo, IndexRepair, IndexState, Page,
    QueryRows, RowIter, Table, TableKeyspaces, TableOptions, TableQuery, TableStats,
    BACKFILL_BATCH_ROWS, CATALOG_KEYSPACE, MAX_CHECK_PROBLEMS, MAX_TABLE_NAME_BYTES,
    RETENTION_BATCH_ROWS,
};
