//! Running steps (child commands) one after another, timing each, and the
//! summary table printed at the end.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The command exited with status 0.
    Passed,
    /// The command failed or could not be started; the text says how.
    Failed(String),
    /// The step did not run; the text says why.
    Skipped(String),
}

/// One row of the summary table.
#[derive(Debug, Clone)]
struct StepRecord {
    name: String,
    outcome: Outcome,
    seconds: f64,
}

/// The steps run so far and how each ended.
#[derive(Debug, Default)]
pub struct Report {
    records: Vec<StepRecord>,
}

impl Report {
    /// Runs `command` as the step `name`, streaming its output, and records
    /// the outcome. Returns whether it passed.
    pub fn run(&mut self, name: &str, mut command: Command) -> bool {
        eprintln!();
        eprintln!("==> {name}: {}", describe(&command));
        let start = Instant::now();
        let outcome = match command.status() {
            Ok(status) if status.success() => Outcome::Passed,
            Ok(status) => Outcome::Failed(format!("exited with {status}")),
            Err(err) => Outcome::Failed(format!("could not start: {err}")),
        };
        let seconds = start.elapsed().as_secs_f64();
        match &outcome {
            Outcome::Passed => eprintln!("==> {name}: passed in {seconds:.1} s"),
            Outcome::Failed(why) => eprintln!("==> {name}: FAILED in {seconds:.1} s ({why})"),
            Outcome::Skipped(_) => unreachable!("a step that ran is not skipped"),
        }
        let passed = outcome == Outcome::Passed;
        self.records.push(StepRecord { name: name.to_string(), outcome, seconds });
        passed
    }

    /// Records the step `name` as skipped, printing why.
    pub fn skip(&mut self, name: &str, reason: &str) {
        eprintln!();
        eprintln!("==> {name}: skipped: {reason}");
        self.records.push(StepRecord {
            name: name.to_string(),
            outcome: Outcome::Skipped(reason.to_string()),
            seconds: 0.0,
        });
    }

    /// Records the step `name` as failed without running anything, printing why.
    pub fn fail(&mut self, name: &str, reason: &str) {
        eprintln!();
        eprintln!("==> {name}: FAILED: {reason}");
        self.records.push(StepRecord {
            name: name.to_string(),
            outcome: Outcome::Failed(reason.to_string()),
            seconds: 0.0,
        });
    }

    /// The number of steps that failed.
    pub fn failed_count(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Failed(_)))
    }

    /// Prints the summary table, then the closing line
    /// `N passed, N failed` (with `, N skipped` when some were skipped).
    pub fn print_summary(&self, title: &str) {
        println!("{}", self.summary(title));
    }

    /// The text that [`Report::print_summary`] prints.
    pub fn summary(&self, title: &str) -> String {
        let name_width = self.records.iter().map(|r| r.name.len()).chain([4]).max().unwrap_or(4);
        let mut out = String::new();
        out.push_str(&format!("\n{title}\n"));
        out.push_str(&format!("{:<name_width$}  {:<7}  {:>8}\n", "step", "status", "seconds"));
        out.push_str(&format!(
            "{}  {}  {}\n",
            "-".repeat(name_width),
            "-".repeat(7),
            "-".repeat(8)
        ));
        let mut total_seconds = 0.0;
        for record in &self.records {
            let (status, note) = match &record.outcome {
                Outcome::Passed => ("passed", String::new()),
                Outcome::Failed(why) => ("FAILED", format!("  {why}")),
                Outcome::Skipped(why) => ("skipped", format!("  {why}")),
            };
            total_seconds += record.seconds;
            out.push_str(&format!(
                "{:<name_width$}  {status:<7}  {:>8.1}{note}\n",
                record.name, record.seconds
            ));
        }
        out.push_str(&format!("{:<name_width$}  {:<7}  {total_seconds:>8.1}\n", "total", ""));
        let passed = self.count(|outcome| *outcome == Outcome::Passed);
        let skipped = self.count(|outcome| matches!(outcome, Outcome::Skipped(_)));
        out.push_str(&format!("\n{passed} passed, {} failed", self.failed_count()));
        if skipped > 0 {
            out.push_str(&format!(", {skipped} skipped"));
        }
        out
    }

    fn count(&self, predicate: impl Fn(&Outcome) -> bool) -> usize {
        self.records.iter().filter(|record| predicate(&record.outcome)).count()
    }
}

/// The command line of `command` as a person would type it, for the log.
pub fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str());
    let mut words = vec![quote(program)];
    words.extend(command.get_args().map(quote));
    let line = words.join(" ");
    match command.get_current_dir() {
        Some(dir) => format!("(in {}) {line}", dir.display()),
        None => line,
    }
}

/// One word of a command line, quoted when the shell would need it.
fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_=./,:+@".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_every_outcome_and_ends_with_the_closing_line() {
        let mut report = Report::default();
        assert!(report.run("true", Command::new("true")));
        assert!(!report.run("false", Command::new("false")));
        assert!(!report.run("missing", Command::new("/nonexistent/xtask-test-program")));
        report.skip("later", "nothing to do yet");
        assert_eq!(report.failed_count(), 2);
        let summary = report.summary("title");
        assert!(summary.ends_with("\n1 passed, 2 failed, 1 skipped"), "{summary}");
        assert!(summary.contains("later    skipped       0.0  nothing to do yet"), "{summary}");
    }

    #[test]
    fn summary_without_skips_has_the_plain_closing_line() {
        let mut report = Report::default();
        report.fail("build", "no toolchain");
        assert!(report.summary("t").ends_with("\n0 passed, 1 failed"));
    }

    #[test]
    fn describe_quotes_what_the_shell_would_expand() {
        let mut command = Command::new("/usr/bin/cargo");
        command.args(["bench", "--bench", "*", "--", "it's"]);
        assert_eq!(describe(&command), r"cargo bench --bench '*' -- 'it'\''s'");
    }
}
