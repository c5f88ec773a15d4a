//! `cargo xtask ci`: the whole check matrix.
//!
//! Steps run in an order that lets later ones reuse what earlier ones built:
//! formatting first (no build), clippy (check builds), then per crate the
//! tests (doc tests included) and the bench builds, all in the `test`
//! profile and with the same packages selected so that they share
//! artifacts, then the browser test of the Web UI, and last the fuzz
//! workspace, which has its own target directory. No step sets RUSTFLAGS, so none invalidates another's
//! artifacts. Every step runs even after one fails, so the table is complete.

use crate::fuzz;
use crate::manifest;
use crate::steps::Report;
use crate::workspace::Workspace;

/// Seconds each fuzz target runs in CI when `--fuzz-seconds` is not given.
pub const DEFAULT_FUZZ_SECONDS: u64 = 5;

/// How to run the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Seconds each fuzz target runs.
    pub fuzz_seconds: u64,
}

/// Runs every step, recording each in the returned report.
pub fn run(workspace: &Workspace, options: Options) -> Result<Report, String> {
    let members = manifest::workspace_members(&workspace.root)?;
    let mut report = Report::default();

    report.run("fmt", workspace.cargo(["fmt", "--all", "--", "--check"]));
    report.run(
        "clippy",
        workspace
            .cargo_resolving(["clippy", "--workspace", "--all-targets"], ["--", "-D", "warnings"]),
    );

    // The workspace tests, split so that each library crate is tested on its
    // own (which proves it builds and works without the rest of the
    // workspace's features), and the other members together. A plain
    // `cargo test` runs unit, integration and doc tests and builds the
    // examples; the bench targets are built (not run) right after, with the
    // same packages selected. Selecting the same packages keeps the same
    // feature resolution, so each of these reuses what its test step built;
    // a `--workspace` step would resolve features differently and rebuild the
    // whole stack once more. `--no-fail-fast` runs every test binary even
    // after one fails, so that one failure does not hide others.
    let (libraries, others): (Vec<_>, Vec<_>) =
        members.iter().partition(|member| member.under_crates && member.package.has_lib);
    for library in &libraries {
        let name = &library.package.name;
        report.run(
            &format!("test {name}"),
            workspace.cargo_resolving(["test", "-p", name, "--no-fail-fast"], None::<&str>),
        );
        if library.package.has_benches {
            // Compiled in the test profile like the tests, which it shares
            // artifacts with; `cargo xtask bench` builds and runs them
            // optimised.
            report.run(
                &format!("benches build {name}"),
                workspace
                    .cargo_resolving(["test", "-p", name, "--benches", "--no-run"], None::<&str>),
            );
        }
    }
    if !others.is_empty() {
        let mut selection = Vec::new();
        for other in &others {
            selection.extend(["-p", other.package.name.as_str()]);
        }
        let names: Vec<&str> = others.iter().map(|other| other.package.name.as_str()).collect();
        let mut args = vec!["test"];
        args.extend(&selection);
        args.push("--no-fail-fast");
        report.run(
            &format!("test {}", names.join(" ")),
            workspace.cargo_resolving(args, None::<&str>),
        );
        if others.iter().any(|other| other.package.has_benches) {
            let mut args = vec!["test"];
            args.extend(&selection);
            args.extend(["--benches", "--no-run"]);
            report.run(
                &format!("benches build {}", names.join(" ")),
                workspace.cargo_resolving(args, None::<&str>),
            );
        }
    }
    // The comparison runner's `--tiny` smoke run is a test of srdb-bench
    // (`benches/tests/runner_tiny_run.rs`), run with the tests above.

    // The Web UI in a real headless Chromium (Debian's `chromium` and
    // `chromium-driver`, installed by `.ci/run`). Missing browsers fail the
    // step rather than skip it, so a green CI means the UI was driven.
    // Screenshots land in target/e2e-artifacts/.
    let missing: Vec<&str> =
        [("chromium", "/usr/bin/chromium"), ("chromedriver", "/usr/bin/chromedriver")]
            .into_iter()
            .filter(|(_, path)| !std::path::Path::new(path).exists())
            .map(|(name, _)| name)
            .collect();
    if missing.is_empty() {
        report.run(
            "e2e web ui",
            workspace.cargo_resolving(
                ["test", "-p", "srdb-http", "--test", "e2e_web_ui"],
                ["--", "--ignored", "--nocapture"],
            ),
        );
    } else {
        report.fail(
            "e2e web ui",
            &format!("{} missing: apt-get install chromium chromium-driver", missing.join(" and ")),
        );
    }

    let fuzz_options = fuzz::Options { seconds: options.fuzz_seconds, ..fuzz::Options::default() };
    fuzz::add_steps(workspace, &mut report, &fuzz_options)?;
    Ok(report)
}
