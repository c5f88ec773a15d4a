//! The `--tiny` smoke run: every workload on every engine, through the real
//! binary and its child processes, must finish and report sane figures.

use std::process::Command;

use srdb_bench::engines::KV_ENGINES;
use srdb_bench::report::Report;
use srdb_bench::workload::KvWorkload;

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
    assert_eq!(report.results.len(), KV_ENGINES.len() * KvWorkload::ALL.len());
    for workload in KvWorkload::ALL {
        for engine in KV_ENGINES {
            let m = report
                .results
                .iter()
                .find(|m| m.workload == workload.name() && m.engine == *engine)
                .unwrap_or_else(|| panic!("no result for {} on {engine}", workload.name()));
            assert!(m.ops > 0 && m.ops_per_sec > 0.0, "{m:?}");
            assert_eq!(m.latency.is_none(), workload.untimed_ops(), "{m:?}");
            if workload.writes() {
                assert!(m.user_bytes_written > 0, "{m:?}");
            }
        }
    }
    let table = std::fs::read_to_string(&markdown).unwrap();
    assert!(table.contains("| fillsync16 | redb |"), "{table}");
    assert!(!table.contains("srdb / this"), "no ratio column without srdb");
    // The data directories of the runs are removed as they finish.
    assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 0);
}
