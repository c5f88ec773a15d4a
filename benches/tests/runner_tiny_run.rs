//! The `--tiny` smoke run: every workload on every engine, through the real
//! binary and its child processes, must finish and report sane figures.

use std::process::Command;

use srdb_bench::report::Report;
use srdb_bench::runner::engines_for;
use srdb_bench::workload::Workload;

#[test]
fn tiny_run_measures_every_workload_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let markdown = dir.path().join("report.md");
    let output = Command::new(env!("CARGO_BIN_EXE_srdb-bench"))
        .arg("--tiny")
        .arg("--dir")
        .arg(dir.path().join("data"))
        .arg("--json")
        .arg(&json)
        .arg("--markdown")
        .arg(&markdown)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let report: Report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mut expected_runs = 0;
    for workload in Workload::all() {
        let engines = engines_for(workload, &[]);
        assert!(!engines.is_empty(), "no engine runs {}", workload.name());
        for engine in engines {
            expected_runs += 1;
            let m = report
                .results
                .iter()
                .find(|m| m.workload == workload.name() && m.engine == engine)
                .unwrap_or_else(|| panic!("no result for {} on {engine}", workload.name()));
            assert!(m.ops > 0 && m.ops_per_sec > 0.0, "{m:?}");
            match workload {
                Workload::Kv(kv) => {
                    assert_eq!(m.latency.is_none(), kv.untimed_ops(), "{m:?}");
                    if kv.writes() {
                        assert!(m.user_bytes_written > 0, "{m:?}");
                    }
                }
                Workload::Table(table) => {
                    assert!(m.latency.is_some(), "{m:?}");
                    if table.writes() {
                        // Every row is an operation, whatever the batch size.
                        assert_eq!(m.ops, report.config.sizes.num, "{m:?}");
                        assert!(m.user_bytes_written > 0, "{m:?}");
                    }
                }
            }
        }
    }
    assert_eq!(report.results.len(), expected_runs);
    let table = std::fs::read_to_string(&markdown).unwrap();
    assert!(table.contains("| fillsync16 | redb |"), "{table}");
    assert!(table.contains("| timerange | sqlite |"), "{table}");
    assert!(table.contains("| insertbatch | srdb |"), "{table}");
    assert!(table.contains("| insertindexed | sqlite |"), "{table}");
    assert!(table.contains("| fillrandom | srdb |"), "{table}");
    assert!(table.contains("srdb / this"), "srdb runs, so the ratio column is there: {table}");
    // The data directories of the runs are removed as they finish.
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 0);
}
