//! The `srdb` command line. Each subcommand lives in a module of its own
//! with its clap arguments and a `run` function; `main` only dispatches.
//!
//! Exit codes: 0 success; 1 the command ran and found problems (`check`, or
//! a `repair` that left some); 2 bad usage or an error.
#![forbid(unsafe_code)]

mod check;
mod common;
mod error;
mod inspect;
mod limits;
mod maintain;
mod query;
mod serve;
mod stats;
mod transfer;
mod values;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::common::Outcome;

/// srdb: an LSM database with a key-value store and typed tables.
#[derive(Parser)]
#[command(name = "srdb", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Redis protocol (RESP2 and RESP3) on a database directory.
    Serve(serve::ServeArgs),
    /// Tables, keyspaces, levels, files, sizes and amplification of a
    /// database (works on a live directory).
    Stats(stats::StatsArgs),
    /// Decode and print a WAL segment, an SST file or a MANIFEST, checking
    /// its header values against its content (works on a live directory).
    #[command(subcommand)]
    Inspect(inspect::InspectCommand),
    /// Verify every checksum, file, level order and index of a database;
    /// exit 1 when problems are found (needs the directory idle).
    Check(check::CheckArgs),
    /// Fix what `check` reports as repairable (the MANIFEST from the SST
    /// files, indexes from rows), saying what was done.
    Repair(check::RepairArgs),
    /// Compact a database (all keyspaces, or one table's).
    Compact(maintain::CompactArgs),
    /// Flush the memtables of a database to SST files.
    Flush(maintain::FlushArgs),
    /// Import rows into a table from CSV or JSON Lines, all or nothing.
    Import(transfer::ImportArgs),
    /// Export a table's rows (or a query's) as CSV or JSON Lines.
    Export(transfer::ExportArgs),
    /// Run a query on a table and print the rows (works on a live
    /// directory).
    Query(query::QueryArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args).map(|()| Outcome::Clean),
        Command::Stats(args) => stats::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Check(args) => check::run_check(args),
        Command::Repair(args) => check::run_repair(args),
        Command::Compact(args) => maintain::run_compact(args),
        Command::Flush(args) => maintain::run_flush(args),
        Command::Import(args) => transfer::run_import(args),
        Command::Export(args) => transfer::run_export(args),
        Command::Query(args) => query::run(args),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Problems) => ExitCode::from(1),
        Err(e) => {
            eprintln!("srdb: {e}");
            ExitCode::from(2)
        }
    }
}
