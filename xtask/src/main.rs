//! `cargo xtask`: developer tasks for srdb.
//!
//! - `cargo xtask ci`: the whole check matrix (formatting, clippy, tests of
//!   each crate, doc tests, bench builds, the comparison runner on tiny data,
//!   a short run of every fuzz target), with a summary table.
//! - `cargo xtask fuzz`: runs the fuzz targets on the stable toolchain.
//! - `cargo xtask bench`: runs the criterion benches and the comparison with
//!   peer databases.
//! - `cargo xtask crash` and `cargo xtask model`: the engine's crash test and
//!   model test with many more cycles and cases than CI runs.
//!
//! It has no dependencies so that it builds in a few seconds.

mod bench;
mod ci;
mod fuzz;
mod manifest;
mod steps;
mod workspace;

use std::process::ExitCode;
use std::time::Instant;

use steps::Report;
use workspace::Workspace;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci [--locked] [--fuzz-seconds N]
      The whole check matrix: fmt, clippy, the tests of each crate, doc
      tests, bench builds, the srdb-bench runner on tiny data, and every fuzz
      target for N seconds (default 10). Prints a table of the steps and exits
      non-zero if any failed. --locked passes --locked to cargo.
  fuzz [--seconds N] [--max-len BYTES] [TARGET...]
      Builds the fuzz targets of fuzz/ and runs each (or the named ones) for
      N seconds (default 60), with inputs up to BYTES long (default 65536).
      Installs cargo-fuzz if it is missing. Fails if any target fails.
  bench [--quick]
      Runs the criterion benches of the crates under crates/ and the srdb-bench
      comparison runner. --quick shortens every measurement.
  crash [--cycles N]
      The engine's crash test (a child process killed with SIGKILL while it
      writes, then checked) with N kill/reopen cycles per sync policy
      (default 50; CI runs 4), in a release build.
  model [--cases N]
      The engine's model test against a BTreeMap with N random histories
      (default 500; CI runs 24), in a release build.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(Error::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Error::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Why xtask stopped before finishing its steps.
#[derive(Debug)]
enum Error {
    /// The command line is wrong.
    Usage(String),
    /// The repository could not be read.
    Failed(String),
}

fn run(args: &[String]) -> Result<ExitCode, Error> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Error::Usage("no command given".to_string()));
    };
    let mut args = Args::new(rest);
    let started = Instant::now();
    let (report, title) = match command.as_str() {
        "ci" => {
            let locked = args.flag("--locked");
            let fuzz_seconds = args.number("--fuzz-seconds")?.unwrap_or(ci::DEFAULT_FUZZ_SECONDS);
            args.finish()?;
            let report = ci::run(&Workspace::locate(locked), ci::Options { fuzz_seconds })
                .map_err(Error::Failed)?;
            (report, "cargo xtask ci")
        }
        "fuzz" => {
            let seconds = args.number("--seconds")?.unwrap_or(fuzz::DEFAULT_SECONDS);
            let max_len_bytes = args.number("--max-len")?.unwrap_or(fuzz::DEFAULT_MAX_LEN_BYTES);
            let targets = args.positionals()?;
            let options = fuzz::Options { seconds, max_len_bytes, targets };
            let mut report = Report::default();
            fuzz::add_steps(&Workspace::locate(false), &mut report, &options)
                .map_err(Error::Failed)?;
            (report, "cargo xtask fuzz")
        }
        "bench" => {
            let quick = args.flag("--quick");
            args.finish()?;
            let mut report = Report::default();
            bench::add_steps(&Workspace::locate(false), &mut report, bench::Options { quick })
                .map_err(Error::Failed)?;
            (report, "cargo xtask bench")
        }
        "crash" | "model" => {
            let (flag, env, default, test) = if command == "crash" {
                ("--cycles", "SRDB_CRASH_CYCLES", 50, "crash_recovery")
            } else {
                ("--cases", "SRDB_MODEL_CASES", 500, "model_kv")
            };
            let count = args.number(flag)?.unwrap_or(default);
            args.finish()?;
            let workspace = Workspace::locate(false);
            let mut cmd = workspace.cargo([
                "test",
                "--release",
                "-p",
                "srdb-engine",
                "--test",
                test,
                "--",
                "--nocapture",
            ]);
            cmd.env(env, count.to_string());
            let mut report = Report::default();
            report.run(&format!("{test} ({env}={count})"), cmd);
            (report, if command == "crash" { "cargo xtask crash" } else { "cargo xtask model" })
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        other => return Err(Error::Usage(format!("unknown command {other:?}"))),
    };
    report.print_summary(&format!("{title}: {:.1} s", started.elapsed().as_secs_f64()));
    Ok(if report.failed_count() == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The options of one command, taken out as they are read so that whatever
/// is left over can be refused.
struct Args {
    remaining: Vec<String>,
}

impl Args {
    fn new(args: &[String]) -> Args {
        Args { remaining: args.to_vec() }
    }

    /// Whether the flag `name` is present.
    fn flag(&mut self, name: &str) -> bool {
        let before = self.remaining.len();
        self.remaining.retain(|arg| arg != name);
        self.remaining.len() != before
    }

    /// The number given as `name N` or `name=N`, if any.
    fn number(&mut self, name: &str) -> Result<Option<u64>, Error> {
        let prefix = format!("{name}=");
        let Some(index) =
            self.remaining.iter().position(|arg| arg == name || arg.starts_with(&prefix))
        else {
            return Ok(None);
        };
        let arg = self.remaining.remove(index);
        let value = match arg.strip_prefix(&prefix) {
            Some(value) => value.to_string(),
            None if index < self.remaining.len() => self.remaining.remove(index),
            None => return Err(Error::Usage(format!("{name} needs a value"))),
        };
        value
            .parse()
            .map(Some)
            .map_err(|_| Error::Usage(format!("{name} takes a whole number, not {value:?}")))
    }

    /// The arguments left, which must not be options.
    fn positionals(self) -> Result<Vec<String>, Error> {
        match self.remaining.iter().find(|arg| arg.starts_with('-')) {
            Some(option) => Err(Error::Usage(format!("unknown option {option:?}"))),
            None => Ok(self.remaining),
        }
    }

    /// Refuses any argument left.
    fn finish(self) -> Result<(), Error> {
        match self.remaining.first() {
            Some(arg) => Err(Error::Usage(format!("unexpected argument {arg:?}"))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Args {
        Args::new(&words.iter().map(|word| word.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn numbers_are_read_in_both_spellings() {
        let mut a = args(&["--seconds", "5", "wal_reader", "--max-len=100"]);
        assert_eq!(a.number("--seconds").unwrap(), Some(5));
        assert_eq!(a.number("--max-len").unwrap(), Some(100));
        assert_eq!(a.number("--other").unwrap(), None);
        assert_eq!(a.positionals().unwrap(), ["wal_reader"]);
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(matches!(args(&["--seconds"]).number("--seconds"), Err(Error::Usage(_))));
        assert!(matches!(args(&["--seconds", "ten"]).number("--seconds"), Err(Error::Usage(_))));
        assert!(matches!(args(&["--quick", "--fast"]).positionals(), Err(Error::Usage(_))));
        let mut a = args(&["--quick", "extra"]);
        assert!(a.flag("--quick"));
        assert!(matches!(a.finish(), Err(Error::Usage(_))));
    }

    #[test]
    fn unknown_commands_are_usage_errors() {
        assert!(matches!(run(&[]), Err(Error::Usage(_))));
        assert!(matches!(run(&["explode".to_string()]), Err(Error::Usage(_))));
        assert!(matches!(run(&["crash".to_string(), "--bogus".to_string()]), Err(Error::Usage(_))));
    }
}
