//! The one error type of the benchmark runner.

use std::fmt::Display;

/// Everything that can stop a benchmark run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An engine under test returned an error.
    #[error("engine {engine} failed: {message}")]
    Engine {
        /// The engine's name, as given to `--engines`.
        engine: &'static str,
        /// The engine's own description of the failure.
        message: String,
    },
    /// Reading or writing a file of the runner itself failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A result could not be encoded or decoded as JSON.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// The command line or the configuration asks for something impossible.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A child process that ran one benchmark failed.
    #[error("benchmark of {engine} on {workload} failed: {message}")]
    Child {
        /// The engine the child ran.
        engine: String,
        /// The workload the child ran.
        workload: String,
        /// What went wrong, with the child's exit status.
        message: String,
    },
    /// A workload read back something other than what it wrote.
    #[error("engine {engine} answered wrongly in {workload}: {message}")]
    WrongAnswer {
        /// The engine's name.
        engine: &'static str,
        /// The workload that noticed.
        workload: &'static str,
        /// What was expected and what came back.
        message: String,
    },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Returns a closure that wraps any displayable engine error as [`Error::Engine`],
/// for use with `map_err`.
pub fn engine_error<E: Display>(engine: &'static str) -> impl Fn(E) -> Error {
    move |error| Error::Engine { engine, message: error.to_string() }
}
