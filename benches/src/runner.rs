//! The parent side of a run: one child process per engine and workload, each
//! on a fresh directory, so that peak RSS, CPU time and I/O counters belong to
//! one engine alone and no engine inherits another's caches or threads.
//!
//! The parent re-executes its own binary with `--child SPEC`, where `SPEC` is a
//! [`ChildSpec`] as JSON; the child prints its [`Measurement`] as one JSON line
//! on standard output.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::engine::KvEngine;
use crate::engines::{
    with_kv_engine, with_table_engine, KvEngineVisitor, TableEngineVisitor, KV_ENGINES,
    TABLE_ENGINES,
};
use crate::error::{Error, Result};
use crate::report::Measurement;
use crate::table::TableEngine;
use crate::workload::{KvWorkload, RunConfig, TableWorkload, Workload};

/// What one child process runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildSpec {
    /// The engine's name.
    pub engine: String,
    /// The workload's name.
    pub workload: String,
    /// Sizes and settings.
    pub config: RunConfig,
    /// The empty directory the engine works in.
    pub dir: PathBuf,
}

/// Runs `spec` in this process: the child's side.
pub fn run_child(spec: &ChildSpec) -> Result<Measurement> {
    let workload = Workload::from_name(&spec.workload)
        .ok_or_else(|| Error::Config(format!("unknown workload {:?}", spec.workload)))?;
    struct Run<'a, W> {
        workload: W,
        spec: &'a ChildSpec,
    }
    impl KvEngineVisitor for Run<'_, KvWorkload> {
        type Output = Result<Measurement>;
        fn visit<E: KvEngine>(self, name: &'static str) -> Result<Measurement> {
            crate::kv::run::<E>(name, self.workload, &self.spec.config, &self.spec.dir)
        }
    }
    impl TableEngineVisitor for Run<'_, TableWorkload> {
        type Output = Result<Measurement>;
        fn visit<E: TableEngine>(self, name: &'static str) -> Result<Measurement> {
            crate::table::run::<E>(name, self.workload, &self.spec.config, &self.spec.dir)
        }
    }
    match workload {
        Workload::Kv(workload) => with_kv_engine(&spec.engine, Run { workload, spec })?,
        Workload::Table(workload) => with_table_engine(&spec.engine, Run { workload, spec })?,
    }
}

/// The engines of `chosen` (or of this build, if `chosen` is empty) that can
/// run `workload`.
pub fn engines_for(workload: Workload, chosen: &[String]) -> Vec<String> {
    let able = match workload {
        Workload::Kv(_) => KV_ENGINES,
        Workload::Table(_) => TABLE_ENGINES,
    };
    able.iter()
        .filter(|name| chosen.is_empty() || chosen.iter().any(|c| c == *name))
        .map(|name| name.to_string())
        .collect()
}

/// Runs `spec` in a child process of `exe` (this binary), in a fresh
/// directory `dir` that is removed afterwards.
pub fn spawn_child(
    exe: &Path,
    engine: &str,
    workload: &str,
    config: &RunConfig,
    dir: &Path,
) -> Result<Measurement> {
    let failed = |message: String| Error::Child {
        engine: engine.to_string(),
        workload: workload.to_string(),
        message,
    };
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    fs::create_dir_all(dir)?;
    let spec = ChildSpec {
        engine: engine.to_string(),
        workload: workload.to_string(),
        config: config.clone(),
        dir: dir.to_path_buf(),
    };
    let output = Command::new(exe)
        .arg("--child")
        .arg(serde_json::to_string(&spec)?)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let removed = fs::remove_dir_all(dir);
    if !output.status.success() {
        return Err(failed(format!("child exited with {}", output.status)));
    }
    removed?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().ok_or_else(|| failed("child printed no result".into()))?;
    Ok(serde_json::from_str(line)?)
}
