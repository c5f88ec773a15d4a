//! The engines the runner knows, by name.
//!
//! Adding a key-value engine takes one file implementing
//! [`KvEngine`](crate::engine::KvEngine), its name in [`KV_ENGINES`] and one
//! arm in [`with_kv_engine`]; a table engine likewise implements
//! [`TableEngine`](crate::table::TableEngine) and goes into
//! [`TABLE_ENGINES`] and [`with_table_engine`].

pub mod fjall;
pub mod redb;
#[cfg(feature = "rocksdb")]
pub mod rocksdb;
pub mod sqlite;
pub mod srdb;
pub mod srdb_table;

use crate::engine::{EngineOptions, KvEngine};
use crate::error::{Error, Result};
use crate::table::TableEngine;

/// Names of the key-value engines compiled into this build, in report order.
pub const KV_ENGINES: &[&str] = &["srdb", "fjall", "redb"];

/// Something to do with a key-value engine type chosen at run time by name.
pub trait KvEngineVisitor {
    /// What the visit returns.
    type Output;
    /// Does it with engine `E`, registered as `name`.
    fn visit<E: KvEngine>(self, name: &'static str) -> Self::Output;
}

/// Calls `visitor` with the key-value engine called `name`.
pub fn with_kv_engine<V: KvEngineVisitor>(name: &str, visitor: V) -> Result<V::Output> {
    match name {
        "srdb" => Ok(visitor.visit::<srdb::SrdbEngine>("srdb")),
        "fjall" => Ok(visitor.visit::<fjall::FjallEngine>("fjall")),
        "redb" => Ok(visitor.visit::<redb::RedbEngine>("redb")),
        #[cfg(feature = "rocksdb")]
        "rocksdb" => Ok(visitor.visit::<rocksdb::RocksDbEngine>("rocksdb")),
        other => Err(Error::Config(format!(
            "unknown key-value engine {other:?}; this build has {}",
            KV_ENGINES.join(", ")
        ))),
    }
}

/// The settings line of engine `name` (see [`KvEngine::describe`]).
pub fn describe_kv_engine(name: &str, options: &EngineOptions) -> Result<String> {
    struct Describe<'a>(&'a EngineOptions);
    impl KvEngineVisitor for Describe<'_> {
        type Output = String;
        fn visit<E: KvEngine>(self, name: &'static str) -> String {
            format!("{name}: {}", E::describe(self.0))
        }
    }
    with_kv_engine(name, Describe(options))
}

/// Names of the table engines compiled into this build, in report order.
pub const TABLE_ENGINES: &[&str] = &["srdb", "sqlite"];

/// Something to do with a table engine type chosen at run time by name.
pub trait TableEngineVisitor {
    /// What the visit returns.
    type Output;
    /// Does it with engine `E`, registered as `name`.
    fn visit<E: TableEngine>(self, name: &'static str) -> Self::Output;
}

/// Calls `visitor` with the table engine called `name`.
pub fn with_table_engine<V: TableEngineVisitor>(name: &str, visitor: V) -> Result<V::Output> {
    match name {
        "srdb" => Ok(visitor.visit::<srdb_table::SrdbTableEngine>("srdb")),
        "sqlite" => Ok(visitor.visit::<sqlite::SqliteEngine>("sqlite")),
        other => Err(Error::Config(format!(
            "unknown table engine {other:?}; this build has {}",
            TABLE_ENGINES.join(", ")
        ))),
    }
}

/// The settings line of table engine `name` (see [`TableEngine::describe`]).
pub fn describe_table_engine(name: &str, options: &EngineOptions) -> Result<String> {
    struct Describe<'a>(&'a EngineOptions);
    impl TableEngineVisitor for Describe<'_> {
        type Output = String;
        fn visit<E: TableEngine>(self, name: &'static str) -> String {
            format!("{name}: {}", E::describe(self.0))
        }
    }
    with_table_engine(name, Describe(options))
}
