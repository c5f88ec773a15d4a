//! `cargo xtask fuzz`: build the fuzz workspace and run each target for a
//! while on the stable toolchain.
//!
//! The targets are the `[[bin]]` entries of `fuzz/Cargo.toml`. Each run uses
//! `fuzz/corpus/<target>/` as its (gitignored, growing) corpus and, when it
//! exists, the small committed seed corpus `fuzz/seeds/<target>/`. A crash, a
//! leak past the memory limit, or an input slower than the time limit makes
//! the run fail; libFuzzer then leaves the input in `fuzz/artifacts/<target>/`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::manifest::Manifest;
use crate::steps::Report;
use crate::workspace::Workspace;

/// Seconds each target runs when `--seconds` is not given.
pub const DEFAULT_SECONDS: u64 = 60;

/// Longest input libFuzzer generates when `--max-len` is not given: room for
/// several 4 KiB B+Tree pages or SST blocks, while keeping runs fast.
pub const DEFAULT_MAX_LEN_BYTES: u64 = 64 * 1024;

/// Resident memory past which a run counts as a failure: a reader that
/// allocates by a length read from its input must not get this far.
const RSS_LIMIT_MB: u64 = 2048;

/// Seconds one input may take before it counts as a hang.
const INPUT_TIMEOUT_SECONDS: u64 = 10;

/// What to fuzz, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seconds per target.
    pub seconds: u64,
    /// Longest input, in bytes.
    pub max_len_bytes: u64,
    /// Targets to run; all of them when empty.
    pub targets: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seconds: DEFAULT_SECONDS,
            max_len_bytes: DEFAULT_MAX_LEN_BYTES,
            targets: Vec::new(),
        }
    }
}

/// The fuzz targets declared in `fuzz/Cargo.toml`.
pub fn declared_targets(workspace: &Workspace) -> Result<Vec<String>, String> {
    Ok(Manifest::read(&fuzz_dir(workspace).join("Cargo.toml"))?.bin_names)
}

/// Installs cargo-fuzz if needed, builds every target, then runs the chosen
/// ones, recording each as a step of `report`. An unknown target name is an
/// error returned before anything runs.
pub fn add_steps(
    workspace: &Workspace,
    report: &mut Report,
    options: &Options,
) -> Result<(), String> {
    let declared = declared_targets(workspace)?;
    if let Some(unknown) = options.targets.iter().find(|name| !declared.contains(name)) {
        return Err(format!(
            "no fuzz target named {unknown:?} in fuzz/Cargo.toml (there are: {})",
            if declared.is_empty() { "none yet".to_string() } else { declared.join(", ") }
        ));
    }
    let targets = if options.targets.is_empty() { declared } else { options.targets.clone() };
    if targets.is_empty() {
        report.skip("fuzz", "fuzz/Cargo.toml declares no [[bin]] fuzz targets yet");
        return Ok(());
    }

    if !cargo_fuzz_is_installed(workspace) {
        // A debug build of cargo-fuzz compiles in half the time of a
        // release one, and its speed does not matter: it only drives cargo
        // and libFuzzer.
        eprintln!(
            "cargo-fuzz is not installed: installing it with \
             `cargo install cargo-fuzz --locked --debug`"
        );
        let install = workspace.cargo(["install", "cargo-fuzz", "--locked", "--debug"]);
        if !report.run("install cargo-fuzz", install) {
            return Ok(());
        }
    }

    let dir = fuzz_dir(workspace);
    let mut build = workspace.cargo_in(&dir, ["fuzz", "build", "--sanitizer", "none"]);
    set_target_dir(&mut build);
    if !report.run("fuzz build", build) {
        for target in &targets {
            report.skip(&format!("fuzz {target}"), "the fuzz build failed");
        }
        return Ok(());
    }

    for target in &targets {
        let corpus = dir.join("corpus").join(target);
        if let Err(err) = std::fs::create_dir_all(&corpus) {
            report.fail(
                &format!("fuzz {target}"),
                &format!("cannot create {}: {err}", corpus.display()),
            );
            continue;
        }
        let mut run = workspace.cargo_in(&dir, ["fuzz", "run", "--sanitizer", "none", target]);
        run.arg(&corpus);
        let seeds = dir.join("seeds").join(target);
        if seeds.is_dir() {
            run.arg(&seeds);
        }
        run.arg("--").args([
            format!("-max_total_time={}", options.seconds),
            format!("-max_len={}", options.max_len_bytes),
            format!("-rss_limit_mb={RSS_LIMIT_MB}"),
            format!("-timeout={INPUT_TIMEOUT_SECONDS}"),
        ]);
        set_target_dir(&mut run);
        report.run(&format!("fuzz {target} ({} s)", options.seconds), run);
    }
    Ok(())
}

/// `fuzz/` in the repository.
fn fuzz_dir(workspace: &Workspace) -> PathBuf {
    workspace.root.join("fuzz")
}

/// Whether `cargo fuzz` runs.
fn cargo_fuzz_is_installed(workspace: &Workspace) -> bool {
    workspace
        .cargo(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Keeps the fuzz build out of the main workspace's target directory: by
/// default it goes to `fuzz/target`; when `CARGO_TARGET_DIR` names another
/// directory (a clean build in /tmp, say), to `fuzz/` inside it.
fn set_target_dir(command: &mut Command) {
    if let Some(main_target) = env::var_os("CARGO_TARGET_DIR") {
        let main_target = Path::new(&main_target);
        let absolute = env::current_dir().map(|cwd| cwd.join(main_target)).unwrap_or_default();
        command.env("CARGO_TARGET_DIR", absolute.join("fuzz"));
    }
}
