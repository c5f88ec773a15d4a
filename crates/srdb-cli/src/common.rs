//! What the subcommands share: opening a database for writing or reading,
//! output in text or JSON, progress bars, and number formatting.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use srdb::{Database, Options};

use crate::error::CliError;
use crate::limits::READ_COPY_ATTEMPTS;

/// How a subcommand that succeeded ended: exit code 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong (exit 0).
    Clean,
    /// The command ran and found problems (exit 1): `check`, or a `repair`
    /// that left some.
    Problems,
}

/// Options every subcommand except `serve` takes.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Global {
    /// Print JSON on stdout instead of text, and no progress bars
    #[arg(long, global = true)]
    pub json: bool,
}

/// Opens the database in `dir` for a subcommand that writes. A directory
/// that a server holds is refused with [`CliError::Locked`]; one that holds
/// no database is refused rather than made into one.
pub fn open_for_write(dir: &Path, command: &'static str) -> Result<Database, CliError> {
    require_database(dir)?;
    Database::open_with(dir, Options::default()).map_err(|e| CliError::db(dir, command, e))
}

/// Refuses a directory that holds no srdb database: no `CURRENT` file, no
/// SST file and no WAL. (A directory with SST files but no `CURRENT` is a
/// damaged database: `check` and `repair` take it.)
pub fn require_database(dir: &Path) -> Result<(), CliError> {
    require_dir(dir)?;
    let has_current = dir.join(srdb_manifest::CURRENT_FILE).exists();
    let has_wal = dir.join(srdb_engine::WAL_DIR).is_dir();
    let has_sst = || list(dir).is_ok_and(|files| files.iter().any(|(n, _)| n.ends_with(".sst")));
    if has_current || has_wal || has_sst() {
        Ok(())
    } else {
        Err(CliError::Usage(format!("{} holds no srdb database", dir.display())))
    }
}

/// Refuses a path that is not an existing directory.
pub fn require_dir(dir: &Path) -> Result<(), CliError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(CliError::Usage(format!("{} is not a directory", dir.display()))),
        Err(e) => Err(CliError::io(dir, e)),
    }
}

/// A private copy of a database directory, for subcommands that only read.
///
/// Opening a database changes its directory (it replays and truncates the
/// WAL, removes unnamed SST files) and needs its lock, which a running server
/// holds. Readers therefore open a copy: SST files are immutable, so they are
/// hard-linked (copied where links are impossible); the WAL, `CURRENT` and
/// the MANIFEST are copied, in that order, so that the copied MANIFEST never
/// needs WAL segments the copy lacks. A compaction that deletes a file
/// between the MANIFEST copy and the links makes the copy incomplete; it is
/// then made again (up to [`crate::limits::READ_COPY_ATTEMPTS`] times). The copy lives in
/// a hidden directory beside the database (so that links work) and is
/// removed when dropped.
pub struct ReadCopy {
    /// Removed when dropped, after the database (declared first, dropped
    /// in `Drop::drop` before this field).
    _dir: tempfile::TempDir,
    db: Option<Database>,
}

impl ReadCopy {
    /// Copies `dir` and opens the copy.
    pub fn open(dir: &Path) -> Result<ReadCopy, CliError> {
        require_database(dir)?;
        let mut last = None;
        for _ in 0..READ_COPY_ATTEMPTS {
            let copy = copy_dir(dir)?;
            if copy_is_complete(copy.path()) {
                last = Some(copy);
                break;
            }
            last = Some(copy);
            std::thread::sleep(Duration::from_millis(20));
        }
        let copy = last.expect("at least one attempt");
        let db = Database::open_with(copy.path(), copy_options())
            .map_err(|e| CliError::db(dir, "read", e))?;
        Ok(ReadCopy { _dir: copy, db: Some(db) })
    }

    /// The database opened on the copy.
    pub fn db(&self) -> &Database {
        self.db.as_ref().expect("open until dropped")
    }
}

impl Drop for ReadCopy {
    fn drop(&mut self) {
        // Close before the directory goes; errors do not matter for a copy.
        if let Some(db) = self.db.take() {
            let _ = db.close();
        }
    }
}

/// Options for a copy that is read and thrown away: compaction never
/// triggers (it would only spend time rewriting files of the copy).
fn copy_options() -> Options {
    let mut opts = Options::default();
    opts.compaction.l0_trigger_files = usize::MAX;
    opts.compaction.level1_target_bytes = u64::MAX;
    opts
}

fn copy_dir(src: &Path) -> Result<tempfile::TempDir, CliError> {
    let src = src.canonicalize().map_err(|e| CliError::io(src, e))?;
    let beside = src
        .parent()
        .and_then(|p| tempfile::Builder::new().prefix(".srdb-read-").tempdir_in(p).ok());
    let tmp = match beside {
        Some(t) => t,
        None => tempfile::Builder::new()
            .prefix("srdb-read-")
            .tempdir()
            .map_err(|e| CliError::io(std::env::temp_dir(), e))?,
    };
    let wal = src.join(srdb_engine::WAL_DIR);
    if wal.is_dir() {
        let to = tmp.path().join(srdb_engine::WAL_DIR);
        std::fs::create_dir(&to).map_err(|e| CliError::io(&to, e))?;
        for (name, path) in list(&wal)? {
            copy_file(&path, &to.join(name))?;
        }
    }
    let entries = list(&src)?;
    let is_manifest = |n: &str| n == srdb_manifest::CURRENT_FILE || n.starts_with("MANIFEST-");
    for (name, path) in entries.iter().filter(|(n, _)| is_manifest(n)) {
        copy_file(path, &tmp.path().join(name))?;
    }
    for (name, path) in list(&src)?.iter().filter(|(n, _)| n.ends_with(".sst")) {
        let to = tmp.path().join(name);
        if std::fs::hard_link(path, &to).is_err() {
            copy_file(path, &to)?;
        }
    }
    Ok(tmp)
}

/// Whether every file the copied MANIFEST names is in the copy.
fn copy_is_complete(copy: &Path) -> bool {
    match srdb_manifest::read_manifest(copy) {
        Ok((version, _, _)) => {
            version.live_file_numbers().all(|n| copy.join(srdb_manifest::sst_file_name(n)).exists())
        }
        // No MANIFEST (a new directory) or a damaged one: opening reports it.
        Err(_) => true,
    }
}

/// A file that vanished between listing and copying is skipped: it was
/// deleted by the engine, which the MANIFEST check above notices if it
/// mattered.
fn copy_file(from: &Path, to: &Path) -> Result<(), CliError> {
    match std::fs::copy(from, to) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError::io(from, e)),
    }
}

fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| CliError::io(dir, e))? {
        let entry = entry.map_err(|e| CliError::io(dir, e))?;
        if entry.file_type().map_err(|e| CliError::io(entry.path(), e))?.is_file() {
            out.push((entry.file_name().to_string_lossy().into_owned(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// A progress bar on stderr, hidden when stderr is not a terminal or the
/// output is JSON. `total` 0 gives a spinner.
pub fn progress(global: Global, total: u64, what: &str) -> ProgressBar {
    let bar = if total == 0 { ProgressBar::new_spinner() } else { ProgressBar::new(total) };
    if global.json || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        let template = if total == 0 {
            "{spinner} {msg} {pos} ({elapsed})"
        } else {
            "{msg} [{bar:30}] {pos}/{len} ({eta})"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
    }
    bar.set_message(what.to_owned());
    bar
}

/// A progress bar counting bytes, as [`progress`].
pub fn byte_progress(global: Global, total: u64, what: &str) -> ProgressBar {
    let bar = progress(global, total, what);
    if !bar.is_hidden() {
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
    }
    bar
}

/// Prints a JSON value on stdout, pretty.
pub fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Bytes in a human unit (`1.5 MiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Bytes as printable text: ASCII as is, other bytes as `\xNN`.
pub fn show_bytes(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// Prints rows of cells as a table with aligned columns.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(rules.iter().map(String::as_str).collect());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
