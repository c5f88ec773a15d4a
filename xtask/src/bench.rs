//! `cargo xtask bench`: the criterion micro-benchmarks of the engine's crates
//! and the comparison with peer databases.

use crate::manifest::{self, Member};
use crate::steps::Report;
use crate::workspace::Workspace;

/// The package of the comparison runner (in `benches/`).
pub const PEER_RUNNER: &str = "srdb-bench";

/// Criterion options of a quick run: short warm-up and measurement, the
/// smallest sample criterion accepts, and fewer bootstrap resamples.
const QUICK_CRITERION_ARGS: [&str; 8] = [
    "--warm-up-time",
    "0.5",
    "--measurement-time",
    "1",
    "--sample-size",
    "10",
    "--nresamples",
    "10000",
];

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Shorten every measurement, to see that the benchmarks work and get
    /// rough figures in a few minutes.
    pub quick: bool,
}

/// The comparison runner's package, if it has a binary yet.
pub fn peer_runner(members: &[Member]) -> Option<&Member> {
    members.iter().find(|member| member.package.name == PEER_RUNNER && member.package.has_bin)
}

/// Runs the criterion benches of every crate under `crates/` that has some,
/// then the comparison runner, recording each as a step of `report`.
pub fn add_steps(
    workspace: &Workspace,
    report: &mut Report,
    options: Options,
) -> Result<(), String> {
    let members = manifest::workspace_members(&workspace.root)?;

    let with_benches: Vec<&str> = members
        .iter()
        .filter(|member| member.under_crates && member.package.has_benches)
        .map(|member| member.package.name.as_str())
        .collect();
    if with_benches.is_empty() {
        report.skip("criterion benches", "no crate under crates/ has benches yet");
    } else {
        let mut args = vec!["bench"];
        for name in &with_benches {
            args.extend(["-p", name]);
        }
        // Bench targets only: the libraries' test harness would reject
        // criterion's options. Every bench runs even if one fails.
        args.extend(["--bench", "*", "--no-fail-fast"]);
        let trailing: Vec<&str> =
            if options.quick { [&["--"][..], &QUICK_CRITERION_ARGS].concat() } else { Vec::new() };
        report.run("criterion benches", workspace.cargo_resolving(args, trailing));
    }

    if peer_runner(&members).is_some() {
        let args = ["run", "--release", "-p", PEER_RUNNER];
        let trailing: &[&str] = if options.quick { &["--", "--quick"] } else { &[] };
        report.run(&format!("{PEER_RUNNER} comparison"), workspace.cargo_resolving(args, trailing));
    } else {
        report.skip(
            &format!("{PEER_RUNNER} comparison"),
            "benches/ has no runner binary yet (no src/main.rs or [[bin]])",
        );
    }
    Ok(())
}
