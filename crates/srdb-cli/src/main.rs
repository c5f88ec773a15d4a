//! The `srdb` command line. Each subcommand lives in a module of its own
//! with its clap arguments and a `run` function; `main` only dispatches.
#![forbid(unsafe_code)]

mod error;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("srdb: {e}");
            ExitCode::FAILURE
        }
    }
}
