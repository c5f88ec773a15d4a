//! `srdb compact` and `srdb flush`: maintenance that writes, so it refuses a
//! directory that a server holds.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use crate::common::{human_bytes, open_for_write, print_json, progress, Global, Outcome};
use crate::error::CliError;

/// Arguments of `srdb compact`.
#[derive(Args, Debug)]
pub struct CompactArgs {
    /// Data directory
    dir: PathBuf,
    /// Compact only this table (its rows and indexes)
    #[arg(long, value_name = "T")]
    table: Option<String>,
    #[command(flatten)]
    global: Global,
}

/// Arguments of `srdb flush`.
#[derive(Args, Debug)]
pub struct FlushArgs {
    /// Data directory
    dir: PathBuf,
    #[command(flatten)]
    global: Global,
}

fn sst_bytes(db: &srdb::Database) -> (usize, u64) {
    let stats = db.engine().stats();
    let levels = stats.keyspaces.iter().flat_map(|k| &k.levels);
    levels.fold((0, 0), |(f, b), l| (f + l.files, b + l.bytes))
}

/// Runs `srdb compact`.
pub fn run_compact(args: CompactArgs) -> Result<Outcome, CliError> {
    let db = open_for_write(&args.dir, "compact")?;
    let fail = |e| CliError::db(&args.dir, "compact", e);
    let (files_before, bytes_before) = sst_bytes(&db);
    let bar = progress(args.global, 0, "compacting");
    let started = Instant::now();
    match &args.table {
        Some(name) => db.table(name).and_then(|t| t.compact()).map_err(fail)?,
        None => db.engine().compact().map_err(|e| CliError::engine(&args.dir, "compact", e))?,
    }
    bar.finish_and_clear();
    let (files_after, bytes_after) = sst_bytes(&db);
    db.close().map_err(fail)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.global.json {
        print_json(&json!({
            "table": args.table,
            "files_before": files_before, "bytes_before": bytes_before,
            "files_after": files_after, "bytes_after": bytes_after,
            "seconds": seconds,
        }));
    } else {
        let what = args.table.as_ref().map_or("all keyspaces".to_owned(), |t| format!("table {t}"));
        println!(
            "compacted {what} in {seconds:.2} s: {files_before} files {} -> {files_after} files {}",
            human_bytes(bytes_before),
            human_bytes(bytes_after)
        );
    }
    Ok(Outcome::Clean)
}

/// Runs `srdb flush`.
pub fn run_flush(args: FlushArgs) -> Result<Outcome, CliError> {
    let db = open_for_write(&args.dir, "flush")?;
    let fail = |e| CliError::db(&args.dir, "flush", e);
    let memtable_bytes = db.engine().stats().memtable_bytes;
    db.flush().map_err(fail)?;
    let (files, bytes) = sst_bytes(&db);
    db.close().map_err(fail)?;
    if args.global.json {
        print_json(
            &json!({ "memtable_bytes_flushed": memtable_bytes, "files": files, "bytes": bytes }),
        );
    } else {
        println!(
            "flushed {} of memtables; the database now has {files} SST files, {}",
            human_bytes(memtable_bytes as u64),
            human_bytes(bytes)
        );
    }
    Ok(Outcome::Clean)
}
