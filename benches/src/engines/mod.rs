//! The engines the runner knows, by name.
//!
//! Adding a key-value engine takes one file implementing
//! [`KvEngine`](crate::engine::KvEngine) and one arm in [`with_kv_engine`]
//! plus its name in [`KV_ENGINES`].

pub mod fjall;
pub mod redb;

use crate::engine::KvEngine;
use crate::error::{Error, Result};

/// Names of the key-value engines compiled into this build, in report order.
pub const KV_ENGINES: &[&str] = &["fjall", "redb"];

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
        "fjall" => Ok(visitor.visit::<fjall::FjallEngine>("fjall")),
        "redb" => Ok(visitor.visit::<redb::RedbEngine>("redb")),
        other => Err(Error::Config(format!(
            "unknown key-value engine {other:?}; this build has {}",
            KV_ENGINES.join(", ")
        ))),
    }
}

/// The settings line of engine `name` (see [`KvEngine::describe`]).
pub fn describe_kv_engine(name: &str, options: &crate::engine::EngineOptions) -> Result<String> {
    struct Describe<'a>(&'a crate::engine::EngineOptions);
    impl KvEngineVisitor for Describe<'_> {
        type Output = String;
        fn visit<E: KvEngine>(self, name: &'static str) -> String {
            format!("{name}: {}", E::describe(self.0))
        }
    }
    with_kv_engine(name, Describe(options))
}
