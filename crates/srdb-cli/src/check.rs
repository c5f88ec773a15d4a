//! `srdb check DIR` and `srdb repair DIR`.
//!
//! `check` verifies the files (see `srdb_engine::check_dir`: checksums of
//! WAL, SST and MANIFEST, missing and orphan files, key order in files and
//! across the files of a level), then opens a private copy of the database and checks
//! every table's rows against its indexes (`srdb::Table::check`). It needs
//! the directory idle: it holds the `LOCK` file while it reads, so a running
//! server cannot delete files under it, and it refuses a directory that a
//! server holds.
//!
//! `repair` fixes what can be fixed without losing data, says what it did,
//! then checks again:
//!
//! | problem | repair |
//! | --- | --- |
//! | MANIFEST missing or unreadable (overlapping files in a level included), a named file missing, a damaged or mismatched SST | rebuild the MANIFEST from the SST files and the WAL (`srdb_engine::repair`): damaged files and the old MANIFEST move to `lost/` |
//! | orphan SST file (MANIFEST sound) | moved to `lost/`; deleted with `--force` |
//! | torn tail of the WAL or MANIFEST (an interrupted write) | truncated by opening the database |
//! | damaged WAL records followed by valid ones | with `--force` only: the damaged records are dropped |
//! | index entries wrong or missing | indexes rebuilt from the rows |
//! | a row that does not decode, a damaged catalogue entry | not repaired: listed |

use std::fs::File;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value as Json};
use srdb::{Database, Options};
use srdb_engine::{DirCheck, ProblemKind};

use crate::common::{byte_progress, print_json, require_database, Global, Outcome, ReadCopy};
use crate::error::CliError;

/// Arguments of `srdb check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Data directory
    dir: PathBuf,
    #[command(flatten)]
    global: Global,
}

/// Arguments of `srdb repair`.
#[derive(Args, Debug)]
pub struct RepairArgs {
    /// Data directory
    dir: PathBuf,
    /// Also repairs that lose data: delete orphan SST files instead of
    /// moving them to lost/, drop damaged WAL records
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    global: Global,
}

/// Everything `check` found.
struct Findings {
    files: DirCheck,
    /// Problems of the database as opened: it does not open, damaged
    /// tables, tables whose rows and indexes disagree.
    tables: Vec<TableProblem>,
    rows: u64,
}

struct TableProblem {
    table: String,
    detail: String,
    /// Whether rebuilding the table's indexes fixes it.
    index: bool,
}

impl Findings {
    fn problem_count(&self) -> usize {
        self.files.problems.len() + self.files.problems_not_listed as usize + self.tables.len()
    }

    fn to_json(&self) -> Json {
        json!({
            "ok": self.problem_count() == 0,
            "manifest_edits": self.files.manifest_edits,
            "keyspaces": self.files.keyspaces,
            "sst_files": self.files.sst_files,
            "sst_entries": self.files.sst_entries,
            "wal_segments": self.files.wal_segments,
            "wal_records": self.files.wal_records,
            "rows": self.rows,
            "problems": self.files.problems.iter().map(|p| json!({
                "kind": p.kind.name(), "file": p.file, "detail": p.detail,
            })).chain(self.tables.iter().map(|t| json!({
                "kind": if t.index { "index" } else { "table" },
                "table": t.table, "detail": t.detail,
            }))).collect::<Vec<_>>(),
            "problems_not_listed": self.files.problems_not_listed,
        })
    }

    fn print(&self) {
        let f = &self.files;
        println!(
            "checked {} MANIFEST edits, {} keyspaces, {} SST files ({} entries), {} WAL segments ({} records), {} rows",
            f.manifest_edits, f.keyspaces, f.sst_files, f.sst_entries, f.wal_segments, f.wal_records, self.rows
        );
        for p in &f.problems {
            println!("problem [{}] {}: {}", p.kind.name(), p.file.display(), p.detail);
        }
        if f.problems_not_listed > 0 {
            println!("... and {} more problems", f.problems_not_listed);
        }
        for t in &self.tables {
            let kind = if t.index { "index" } else { "table" };
            println!("problem [{kind}] table {}: {}", t.table, t.detail);
        }
        match self.problem_count() {
            0 => println!("no problems found"),
            n => println!("{n} problem(s) found"),
        }
    }
}

/// Takes the directory's lock, refusing one that a server holds.
fn lock(dir: &Path, command: &'static str) -> Result<File, CliError> {
    require_database(dir)?;
    let path = dir.join(srdb_engine::LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CliError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(CliError::Locked { path: dir.to_path_buf(), command })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(CliError::io(&path, e)),
    }
}

/// Checks files and tables; the caller holds the lock.
fn find(dir: &Path, global: Global) -> Result<Findings, CliError> {
    let bar = byte_progress(global, 0, "verifying files");
    let files = srdb_engine::check_dir(dir, |p| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
    })
    .map_err(|e| CliError::engine(dir, "check", e))?;
    bar.finish_and_clear();
    let mut findings = Findings { files, tables: Vec::new(), rows: 0 };
    let unopenable = findings.files.has(ProblemKind::ManifestMissing)
        || findings.files.has(ProblemKind::ManifestUnreadable);
    if unopenable {
        return Ok(findings);
    }
    let copy = match ReadCopy::open(dir) {
        Ok(copy) => copy,
        Err(e) => {
            findings.tables.push(TableProblem {
                table: "*".into(),
                detail: format!("the database does not open: {e}"),
                index: false,
            });
            return Ok(findings);
        }
    };
    let db = copy.db();
    for (table, reason) in db.damaged_tables() {
        findings.tables.push(TableProblem { table, detail: reason, index: false });
    }
    let names = db.tables();
    let bar = crate::common::progress(global, names.len() as u64, "checking tables");
    for name in names {
        let report = db.table(&name).and_then(|t| t.check());
        match report {
            Ok(report) => {
                findings.rows += report.rows;
                for detail in report.problems {
                    // `Table::check` words every index problem so.
                    let index = detail.starts_with("The index")
                        || detail.starts_with("An entry of the index");
                    findings.tables.push(TableProblem { table: name.clone(), detail, index });
                }
            }
            Err(e) => findings.tables.push(TableProblem {
                table: name.clone(),
                detail: format!("cannot be read: {e}"),
                index: false,
            }),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(findings)
}

/// Runs `srdb check`.
pub fn run_check(args: CheckArgs) -> Result<Outcome, CliError> {
    let _lock = lock(&args.dir, "check")?;
    let findings = find(&args.dir, args.global)?;
    if args.global.json {
        print_json(&findings.to_json());
    } else {
        findings.print();
    }
    Ok(if findings.problem_count() == 0 { Outcome::Clean } else { Outcome::Problems })
}

/// Runs `srdb repair`.
pub fn run_repair(args: RepairArgs) -> Result<Outcome, CliError> {
    let dir = &args.dir;
    let lock_file = lock(dir, "repair")?;
    let before = find(dir, args.global)?;
    drop(lock_file);
    let mut actions: Vec<String> = Vec::new();
    let mut not_done: Vec<String> = Vec::new();
    let files = &before.files;
    let rebuild_manifest = [
        ProblemKind::ManifestMissing,
        ProblemKind::ManifestUnreadable,
        ProblemKind::MissingFile,
        ProblemKind::CorruptSst,
        ProblemKind::SstMismatch,
    ]
    .iter()
    .any(|&k| files.has(k));
    if rebuild_manifest {
        let report = srdb_engine::repair(dir).map_err(|e| CliError::engine(dir, "repair", e))?;
        actions.push(format!(
            "rebuilt the MANIFEST from {} SST files ({} keyspaces), {} WAL records recovered",
            report.files_kept,
            report.keyspaces.len(),
            report.wal_records_recovered
        ));
        if let Some(old) = &report.old_manifest_moved_to {
            actions.push(format!("moved the old MANIFEST to {}", old.display()));
            match srdb_engine::restore_keyspaces(dir, old) {
                Ok(names) => {
                    for name in names {
                        actions.push(format!("recreated keyspace {name}, empty: none of its files survived"));
                    }
                }
                Err(e) => not_done.push(format!(
                    "keyspaces whose files are all lost cannot be recreated (the old MANIFEST does not read: {e})"
                )),
            }
        }
        for (file, reason) in &report.files_set_aside {
            actions.push(format!("moved {} aside: {reason}", file.display()));
        }
        if report.wal_bytes_lost > 0 {
            actions.push(format!("skipped {} damaged WAL bytes", report.wal_bytes_lost));
        }
        for name in &report.recovered_keyspaces {
            actions.push(format!("WAL records of an unknown keyspace went into keyspace {name}"));
        }
    } else {
        for p in files.problems.iter().filter(|p| p.kind == ProblemKind::OrphanFile) {
            if args.force {
                std::fs::remove_file(&p.file).map_err(|e| CliError::io(&p.file, e))?;
                actions.push(format!("deleted orphan file {}", p.file.display()));
            } else {
                let moved = move_to_lost(dir, &p.file)?;
                actions.push(format!(
                    "moved orphan file {} to {}",
                    p.file.display(),
                    moved.display()
                ));
            }
        }
    }
    let wal_damage = files.has(ProblemKind::WalCorrupt) || files.has(ProblemKind::WalUndecodable);
    if wal_damage && !rebuild_manifest && !args.force {
        not_done.push(
            "damaged WAL records: repairing drops them and the writes they held; run again with --force".into(),
        );
    }
    let can_open = !(wal_damage && !rebuild_manifest && !args.force);
    if can_open {
        let opts = Options { skip_corrupt_wal: args.force, ..Options::default() };
        let db = Database::open_with(dir, opts).map_err(|e| CliError::db(dir, "repair", e))?;
        if files.has(ProblemKind::WalTornTail) || files.has(ProblemKind::ManifestTornTail) {
            actions.push("truncated the torn tail of an interrupted write".into());
        }
        if wal_damage && args.force && !rebuild_manifest {
            actions.push("dropped the damaged WAL records".into());
        }
        if wal_damage || files.has(ProblemKind::WalTornTail) {
            // The WAL segments that held the damage are deleted once what
            // was read from them is in SST files.
            db.flush().map_err(|e| CliError::db(dir, "repair", e))?;
        }
        // Tables are checked again now that the files are sound: damage
        // that hid them before (an unreadable file) may have left index
        // entries pointing at rows that were lost with it.
        for name in db.tables() {
            let table = db.table(&name).map_err(|e| CliError::db(dir, "repair", e))?;
            let report = match table.check() {
                Ok(report) => report,
                Err(e) => {
                    not_done.push(format!("table {name}: cannot be read: {e}"));
                    continue;
                }
            };
            if report.is_ok() {
                continue;
            }
            match table.repair_indexes() {
                Ok(done) => {
                    for i in done.iter().filter(|i| i.entries_removed + i.entries_added > 0) {
                        actions.push(format!(
                            "table {name}: index on {}: removed {} wrong entries, added {} missing ones",
                            i.field, i.entries_removed, i.entries_added
                        ));
                    }
                }
                Err(e) => {
                    not_done.push(format!("table {name}: the indexes cannot be rebuilt: {e}"))
                }
            }
        }
        for (name, reason) in db.damaged_tables() {
            not_done.push(format!("table {name}: {reason}"));
        }
        db.close().map_err(|e| CliError::db(dir, "repair", e))?;
    }
    let _lock = lock(dir, "repair")?;
    let after = find(dir, args.global)?;
    if args.global.json {
        print_json(&json!({
            "actions": actions,
            "not_repaired": not_done,
            "problems_before": before.problem_count(),
            "after": after.to_json(),
        }));
    } else {
        if actions.is_empty() {
            println!("nothing to repair");
        }
        for a in &actions {
            println!("repaired: {a}");
        }
        for n in &not_done {
            println!("not repaired: {n}");
        }
        println!("checking again:");
        after.print();
    }
    Ok(if after.problem_count() == 0 { Outcome::Clean } else { Outcome::Problems })
}

fn move_to_lost(dir: &Path, file: &Path) -> Result<PathBuf, CliError> {
    let lost = dir.join(srdb_engine::LOST_DIR);
    std::fs::create_dir_all(&lost).map_err(|e| CliError::io(&lost, e))?;
    let name = file.file_name().unwrap_or_default();
    let mut to = lost.join(name);
    let mut n = 1;
    while to.exists() {
        to = lost.join(format!("{}.{n}", name.to_string_lossy()));
        n += 1;
    }
    std::fs::rename(file, &to).map_err(|e| CliError::io(file, e))?;
    Ok(to)
}
