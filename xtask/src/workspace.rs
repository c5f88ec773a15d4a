//! Where the repository is and how to start cargo in it.

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository xtask works on.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The repository root, where the workspace `Cargo.toml` is.
    pub root: PathBuf,
    /// The cargo that started xtask (from `$CARGO`), so children use the same
    /// toolchain.
    cargo: OsString,
    /// Whether cargo commands that resolve dependencies get `--locked`.
    locked: bool,
}

impl Workspace {
    /// The workspace xtask was built in. `--locked` is passed to cargo
    /// commands of the main workspace when `locked` is true.
    pub fn locate(locked: bool) -> Workspace {
        // `cargo run` names the package directory at run time; the one baked
        // in at build time serves when the binary is started by hand.
        let xtask_dir = env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = xtask_dir.parent().expect("xtask/ lives inside the repository").to_path_buf();
        let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        Workspace { root, cargo, locked }
    }

    /// `cargo <args>`, run from the repository root.
    pub fn cargo<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Command {
        let mut command = Command::new(&self.cargo);
        command.args(args).current_dir(&self.root);
        command
    }

    /// Like [`Workspace::cargo`], with `--locked` added right after `args`
    /// when asked for, then `trailing` (what follows `--`, say).
    pub fn cargo_resolving<S: AsRef<OsStr>, T: AsRef<OsStr>>(
        &self,
        args: impl IntoIterator<Item = S>,
        trailing: impl IntoIterator<Item = T>,
    ) -> Command {
        let mut command = self.cargo(args);
        if self.locked {
            command.arg("--locked");
        }
        command.args(trailing);
        command
    }

    /// `cargo <args>`, run from `dir` (another cargo workspace, such as
    /// `fuzz/`), never with `--locked`.
    pub fn cargo_in<S: AsRef<OsStr>>(
        &self,
        dir: &Path,
        args: impl IntoIterator<Item = S>,
    ) -> Command {
        let mut command = self.cargo(args);
        command.current_dir(dir);
        command
    }
}
