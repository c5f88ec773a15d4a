//! `cargo xtask ci`: the whole check matrix.
//!
//! Steps run in an order that lets later ones reuse what earlier ones built:
//! formatting first (no build), clippy (check builds), then the tests (doc
//! tests included) and the bench builds, per layered crate and then for the
//! members built on the facade together, each bench build with the same
//! packages selected as its tests so that they share artifacts, then the
//! browser test of the Web UI (again with the same selection), and last the
//! fuzz workspace, which has its own target directory. No step sets
//! RUSTFLAGS, so none invalidates another's artifacts. Every step runs even
//! after one fails, so the table is complete.

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

    // The workspace tests, in two kinds of steps. Each layered library crate
    // (everything under crates/ that does not build on the facade `srdb`,
    // and the facade itself) is tested on its own, which proves it builds and
    // works without the rest of the workspace's features. The members built
    // on the facade (the derive macro, whose tests use it, the servers, the
    // command line, the comparison runner, xtask) are tested together in
    // one step: each selection resolves features on its own, and their
    // dev-dependencies turn on different features of shared crates (serde,
    // syn, smallvec, ...), so testing them one by one rebuilt the whole
    // stack once per step. A plain `cargo test` runs unit, integration and
    // doc tests and builds the examples; the bench targets are built (not
    // run) right after, with the same packages selected, so they reuse what
    // the tests built. `--no-fail-fast` runs every test binary even after
    // one fails, so that one failure does not hide others.
    let (libraries, applications): (Vec<_>, Vec<_>) = members.iter().partition(|member| {
        member.under_crates && member.package.has_lib && !member.package.uses_facade
    });
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
    let mut selection = Vec::new();
    for application in &applications {
        selection.extend(["-p", application.package.name.as_str()]);
    }
    if !applications.is_empty() {
        let names: Vec<&str> =
            applications.iter().map(|application| application.package.name.as_str()).collect();
        report.run(
            &format!("test {}", names.join(" ")),
            workspace.cargo_resolving(
                ["test"].into_iter().chain(selection.iter().copied()).chain(["--no-fail-fast"]),
                None::<&str>,
            ),
        );
        if applications.iter().any(|application| application.package.has_benches) {
            report.run(
                &format!("benches build {}", names.join(" ")),
                workspace.cargo_resolving(
                    ["test"]
                        .into_iter()
                        .chain(selection.iter().copied())
                        .chain(["--benches", "--no-run"]),
                    None::<&str>,
                ),
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
        // The test is `#[ignore]`d so that a plain `cargo test` does not need
        // the browsers; it is the one ignored test of these members, and
        // `--ignored` runs it. The step selects the same packages and all
        // their test targets (`--tests`), as the test step did: naming only
        // the one test target (`--test e2e_web_ui`) would leave the other
        // members' dev-dependencies out of the feature resolution and
        // rebuild the whole stack (85 s of a clean run).
        report.run(
            "e2e web ui",
            workspace.cargo_resolving(
                ["test"].into_iter().chain(selection.iter().copied()).chain(["--tests"]),
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
