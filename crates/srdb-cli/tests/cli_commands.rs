//! The real `srdb` binary on prepared databases, damaged ones included:
//! `check` finds each kind of damage, `repair` fixes what it claims to,
//! import and export round-trip every type, writers refuse a locked
//! directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;
use srdb::{Database, Field, FieldType, Row, Schema, Value};

fn srdb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srdb")).args(args).output().unwrap()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = srdb(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> (i32, Json) {
    let (code, stdout, stderr) = run(args);
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\nstdout: {stdout}\nstderr: {stderr}"));
    (code, value)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A schema with one field of every type, all nullable.
fn all_types() -> Schema {
    use FieldType::*;
    let types = [
        Int, Int8, Int16, Int32, Int64, Uint, Uint8, Uint16, Uint32, Uint64, Float32, Float64,
        String, Bool, Byte, Rune, Decimal, Time, Duration, Object, Array, Bytes,
    ];
    let fields = types
        .iter()
        .map(|ty| Field::new(format!("f_{}", ty.name().to_lowercase()), *ty).nullable())
        .collect();
    Schema::new(fields).unwrap()
}

fn awkward_rows() -> Vec<Row> {
    let obj: serde_json::Map<String, Json> =
        serde_json::from_str(r#"{"a": [1, "x"], "b": null}"#).unwrap();
    vec![
        Row::new()
            .with("f_int", Value::Int(i64::MIN))
            .with("f_int8", Value::Int(-128))
            .with("f_int16", Value::Int(32767))
            .with("f_int32", Value::Int(-5))
            .with("f_int64", Value::Int(i64::MAX))
            .with("f_uint", Value::Uint(u64::MAX))
            .with("f_uint8", Value::Uint(255))
            .with("f_uint16", Value::Uint(0))
            .with("f_uint32", Value::Uint(7))
            .with("f_uint64", Value::Uint(1 << 60))
            .with("f_float32", Value::Float32(0.1))
            .with("f_float64", Value::Float64(0.1 + 0.2))
            .with("f_string", Value::String("comma, \"quote\"\nnewline \\N".into()))
            .with("f_bool", Value::Bool(true))
            .with("f_byte", Value::Byte(200))
            .with("f_rune", Value::Rune('é'))
            .with("f_decimal", Value::Decimal("-12.3400".parse().unwrap()))
            .with("f_time", Value::Time(1_700_000_000_123_456_789))
            .with("f_duration", Value::Duration(-1_500_000_000))
            .with("f_object", Value::Object(obj))
            .with("f_array", Value::Array(vec![Json::from(1), Json::Null, Json::from("z")]))
            .with("f_bytes", Value::Bytes(vec![0, 1, 255, b',', b'\n'])),
        // Empty values, distinct from NULL.
        Row::new()
            .with("f_string", Value::String(String::new()))
            .with("f_bytes", Value::Bytes(Vec::new()))
            .with("f_float64", Value::Float64(f64::INFINITY))
            .with("f_array", Value::Array(Vec::new())),
        // All NULL.
        Row::new(),
    ]
}

/// A database with a table `people` (indexed `age`) of `n` rows, flushed
/// to SST files, and a few more rows left in the WAL.
fn people_db(dir: &Path, n: u64) {
    let db = Database::open(dir).unwrap();
    let schema = Schema::builder()
        .field("name", FieldType::String)
        .field("age", FieldType::Int)
        .indexed()
        .build()
        .unwrap();
    let t = db.create_table("people", schema).unwrap();
    let rows = (0..n).map(|i| {
        Row::new()
            .with("name", Value::String(format!("p{i}")))
            .with("age", Value::Int(i as i64 % 90))
    });
    t.insert_batch(rows.collect::<Vec<_>>()).unwrap();
    db.flush().unwrap();
    t.insert(Row::new().with("name", Value::String("late".into())).with("age", Value::Int(1)))
        .unwrap();
    db.close().unwrap();
}

fn sst_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect();
    out.sort();
    out
}

/// The largest SST file: the rows of `people`.
fn biggest_sst(dir: &Path) -> PathBuf {
    sst_files(dir).into_iter().max_by_key(|p| std::fs::metadata(p).unwrap().len()).unwrap()
}

fn problem_kinds(report: &Json) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        &["stats"][..],
        &["inspect", "wal"],
        &["inspect", "sst"],
        &["inspect", "manifest"],
        &["check"],
        &["repair"],
        &["compact"],
        &["flush"],
        &["import"],
        &["export"],
        &["query"],
    ] {
        let mut args = sub.to_vec();
        args.push("--help");
        let (code, stdout, _) = run(&args);
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Usage: srdb"), "{args:?}: {stdout}");
    }
    let (code, _, _) = run(&["check"]);
    assert_eq!(code, 2, "a missing argument is a usage error");
}

#[test]
fn a_clean_database_checks_clean_and_shows_its_stats() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 500);
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["rows"], 501);
    assert!(report["sst_files"].as_u64().unwrap() >= 2);
    assert!(report["wal_records"].as_u64().unwrap() >= 1);

    let (code, stats) = json(&["stats", s(dir.path()), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(stats["tables"][0]["name"], "people");
    assert_eq!(stats["tables"][0]["rows"], 501);
    assert!(stats["files"].as_u64().unwrap() >= 2);
    let (code, text, _) = run(&["stats", s(dir.path())]);
    assert_eq!(code, 0);
    assert!(text.contains("people") && text.contains("space amp"), "{text}");
}

#[test]
fn check_finds_a_flipped_byte_and_repair_sets_the_file_aside() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 2_000);
    let victim = biggest_sst(dir.path());
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[200] ^= 0x40;
    std::fs::write(&victim, bytes).unwrap();

    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert!(problem_kinds(&report).contains(&"corrupt-sst".to_owned()), "{report}");

    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert!(out.contains("moved") && out.contains("aside"), "{out}{err}");
    assert!(dir.path().join("lost").read_dir().unwrap().count() > 0);
    // The rows in the damaged file are gone; their index entries point
    // nowhere, which repair rebuilt, so the database checks clean.
    assert_eq!(code, 0, "{out}{err}");
    let (code, _) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 0);
}

#[test]
fn check_finds_a_missing_file_and_an_orphan_and_repair_fixes_both() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 300);
    let files = sst_files(dir.path());
    let orphan = dir.path().join("99999999.sst");
    std::fs::copy(&files[0], &orphan).unwrap();
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert_eq!(problem_kinds(&report), vec!["orphan-file"], "{report}");

    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("moved orphan file"), "{out}");
    assert!(!orphan.exists());
    assert!(dir.path().join("lost/99999999.sst").exists(), "never deleted without --force");

    std::fs::remove_file(biggest_sst(dir.path())).unwrap();
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert!(problem_kinds(&report).contains(&"missing-file".to_owned()), "{report}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rebuilt the MANIFEST"), "{out}");
}

#[test]
fn check_finds_a_truncated_wal_and_a_damaged_manifest() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 100);
    let wal = dir.path().join("wal");
    let segment = std::fs::read_dir(&wal)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() > 60)
        .max()
        .expect("a WAL segment with records");
    let len = std::fs::metadata(&segment).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&segment).unwrap();
    f.set_len(len - 5).unwrap();
    drop(f);
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert!(problem_kinds(&report).contains(&"wal-torn-tail".to_owned()), "{report}");
    let (code, out, err) = run(&["inspect", "wal", s(&segment)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("torn tail"), "{out}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");

    let manifest = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("MANIFEST-"))
        .unwrap();
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes[60] ^= 0xff;
    std::fs::write(&manifest, bytes).unwrap();
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    let kinds = problem_kinds(&report);
    assert!(kinds.contains(&"manifest-unreadable".to_owned()), "{report}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rebuilt the MANIFEST"), "{out}");
    let (code, _, _) = run(&["inspect", "manifest", s(dir.path())]);
    assert_eq!(code, 0);
}

#[test]
fn check_finds_index_entries_deleted_behind_the_tables_back_and_repair_rebuilds_them() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 200);
    {
        let db = Database::open(dir.path()).unwrap();
        let index_ks = db
            .engine()
            .keyspace_names()
            .into_iter()
            .filter(|n| n.starts_with("__table."))
            .map(|n| db.engine().keyspace(&n).unwrap())
            .find(|ks| ks.iter().next().is_some_and(|e| e.unwrap().1.is_empty()))
            .expect("the index keyspace: its values are empty");
        let keys: Vec<Vec<u8>> = ks_keys(&index_ks).into_iter().step_by(7).collect();
        for k in &keys {
            index_ks.delete(k).unwrap();
        }
        index_ks.put(b"garbage", b"").unwrap();
        db.close().unwrap();
    }
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert!(problem_kinds(&report).contains(&"index".to_owned()), "{report}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("removed 1 wrong entries, added 29 missing ones"), "{out}");
}

fn ks_keys(ks: &srdb::Keyspace) -> Vec<Vec<u8>> {
    ks.iter().map(|e| e.unwrap().0).collect()
}

#[test]
fn import_and_export_round_trip_every_type_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let t = db.create_table("src", all_types()).unwrap();
        t.insert_batch(awkward_rows()).unwrap();
        db.create_table("csv_copy", all_types()).unwrap();
        db.create_table("jsonl_copy", all_types()).unwrap();
        db.close().unwrap();
    }
    for (format, copy) in [("csv", "csv_copy"), ("jsonl", "jsonl_copy")] {
        let file = dir.path().join(format!("out.{format}"));
        let (code, out, err) =
            run(&["export", s(dir.path()), "src", "--format", format, "-o", s(&file)]);
        assert_eq!(code, 0, "{out}{err}");
        let (code, out, err) = run(&["import", s(dir.path()), copy, s(&file), "--format", format]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("imported 3 rows"), "{out}");
    }
    let db = Database::open(dir.path()).unwrap();
    let strip = |mut r: Row| {
        r.remove("_seq");
        r.remove("_time");
        r
    };
    let original: Vec<Row> =
        db.table("src").unwrap().scan().unwrap().map(|r| strip(r.unwrap())).collect();
    for copy in ["csv_copy", "jsonl_copy"] {
        let copied: Vec<Row> =
            db.table(copy).unwrap().scan().unwrap().map(|r| strip(r.unwrap())).collect();
        assert_eq!(copied, original, "{copy}");
    }
}

#[test]
fn a_bad_line_aborts_the_whole_import_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 10);
    let file = dir.path().join("in.csv");
    std::fs::write(&file, "name,age\nann,30\nbob,not-a-number\ncid,40\n").unwrap();
    let (code, _, err) = run(&["import", s(dir.path()), "people", s(&file), "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("line 3") && err.contains("nothing was imported"), "{err}");
    let (_, rows) = json(&["query", s(dir.path()), "people", "WHERE name = 'ann'", "--json"]);
    assert_eq!(rows.as_array().unwrap().len(), 0, "the abort left nothing");

    let (code, out, err) =
        run(&["import", s(dir.path()), "people", s(&file), "--format", "csv", "--skip-bad"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported 2 rows") && err.contains("line 3"), "{out}{err}");

    let jsonl = dir.path().join("in.jsonl");
    std::fs::write(&jsonl, "{\"name\":\"dan\",\"age\":5}\n{\"name\":\"eve\",\"agee\":5}\n")
        .unwrap();
    let (code, _, err) = run(&["import", s(dir.path()), "people", s(&jsonl), "--format", "jsonl"]);
    assert_eq!(code, 2);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn query_and_export_with_a_query() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 100);
    let (code, rows) = json(&["query", s(dir.path()), "people", "WHERE age = 7", "--json"]);
    assert_eq!(code, 0);
    let names: Vec<&str> =
        rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["p7", "p97"]);
    let (code, text, _) = run(&["query", s(dir.path()), "people", "WHERE age = 7"]);
    assert_eq!(code, 0);
    assert!(text.contains("p97") && text.contains("(2 rows)"), "{text}");
    let (code, csv, _) =
        run(&["export", s(dir.path()), "people", "--query", "WHERE age = 7", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("_seq,_time,name,age\n"), "{csv}");
}

#[test]
fn writers_refuse_a_directory_a_server_holds_and_readers_work() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 50);
    let held = Database::open(dir.path()).unwrap();
    let file = dir.path().join("in.csv");
    std::fs::write(&file, "name,age\nann,30\n").unwrap();
    for args in [
        vec!["flush", s(dir.path())],
        vec!["compact", s(dir.path())],
        vec!["repair", s(dir.path())],
        vec!["check", s(dir.path())],
        vec!["import", s(dir.path()), "people", s(&file), "--format", "csv"],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("running srdb server"), "{args:?}: {err}");
    }
    let (code, stats) = json(&["stats", s(dir.path()), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(stats["tables"][0]["rows"], 51);
    let (code, _, _) = run(&["query", s(dir.path()), "people", "LIMIT 1"]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["inspect", "manifest", s(dir.path())]);
    assert_eq!(code, 0);
    drop(held);
}

#[test]
fn flush_compact_and_inspect_an_sst() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 300);
    let (code, out, err) = run(&["flush", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&["compact", s(dir.path()), "--table", "people"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&["compact", s(dir.path()), "--table", "nobody"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = run(&["compact", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, stats) = json(&["stats", s(dir.path()), "--json"]);
    assert_eq!(code, 0);
    let people_rows_levels = &stats["tables"][0]["levels"];
    assert_eq!(people_rows_levels[0]["files"], 0, "{stats}");

    let sst = biggest_sst(dir.path());
    let (code, report) =
        json(&["inspect", "sst", s(&sst), "--keys", "3", "--block", "0", "--json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["keys"].as_array().unwrap().len(), 3);
    assert!(!report["block"].as_array().unwrap().is_empty());
    assert_eq!(report["verified"]["entries"], report["summary"]["entries"]);
    let (code, _, err) = run(&["inspect", "sst", s(&sst), "--block", "999999"]);
    assert_eq!(code, 2, "{err}");
}

fn latest_wal_segment(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() > 60)
        .max()
        .expect("a WAL segment with records")
}

#[test]
fn damaged_wal_records_are_dropped_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 20);
    {
        let db = Database::open(dir.path()).unwrap();
        let t = db.table("people").unwrap();
        for i in 0..6 {
            t.insert(
                Row::new().with("name", Value::String(format!("w{i}"))).with("age", Value::Int(i)),
            )
            .unwrap();
        }
        db.close().unwrap();
    }
    let segment = latest_wal_segment(dir.path());
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&segment, bytes).unwrap();

    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert!(problem_kinds(&report).contains(&"wal-corrupt".to_owned()), "{report}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("--force"), "{out}");
    let (code, out, err) = run(&["repair", s(dir.path()), "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("dropped the damaged WAL records"), "{out}");
    let (_, stats) = json(&["stats", s(dir.path()), "--json"]);
    let rows = stats["tables"][0]["rows"].as_u64().unwrap();
    assert!((21..27).contains(&rows), "only the damaged records are lost: {rows}");
}

#[test]
fn check_finds_an_sst_that_is_not_what_the_manifest_says_and_a_torn_manifest() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 300);
    let files = sst_files(dir.path());
    let rows = biggest_sst(dir.path());
    let other = files.iter().find(|f| **f != rows).unwrap();
    std::fs::copy(other, &rows).unwrap();
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert!(problem_kinds(&report).contains(&"sst-mismatch".to_owned()), "{report}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("recreated keyspace __table."), "{out}");

    let manifest = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("MANIFEST-"))
        .unwrap();
    let mut f = std::fs::OpenOptions::new().append(true).open(&manifest).unwrap();
    std::io::Write::write_all(&mut f, &[0xab; 30]).unwrap();
    drop(f);
    let (code, report) = json(&["check", s(dir.path()), "--json"]);
    assert_eq!(code, 1);
    assert_eq!(problem_kinds(&report), vec!["manifest-torn-tail"], "{report}");
    let (code, out, err) = run(&["repair", s(dir.path())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("truncated the torn tail"), "{out}");
}

#[test]
fn stats_lists_every_file() {
    let dir = tempfile::tempdir().unwrap();
    people_db(dir.path(), 100);
    let (code, stats) = json(&["stats", s(dir.path()), "--json"]);
    assert_eq!(code, 0);
    let listed: usize = stats["keyspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["sst_files"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, sst_files(dir.path()).len());
    let (code, text, _) = run(&["stats", s(dir.path()), "--files"]);
    assert_eq!(code, 0);
    for f in sst_files(dir.path()) {
        assert!(text.contains(f.file_name().unwrap().to_str().unwrap()), "{text}");
    }
}

#[test]
fn a_directory_without_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["check", s(dir.path())],
        vec!["stats", s(dir.path())],
        vec!["flush", s(dir.path())],
        vec!["query", s(dir.path()), "people", ""],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("holds no srdb database"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was created");
}

/// Readers copy a directory that a writer is changing (flushes and
/// compactions deleting files): every copy must open and hold at least every
/// row acknowledged before the copy started (the writer syncs each batch).
#[test]
fn readers_see_every_acknowledged_row_of_a_live_directory() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let mut opts = srdb::Options { sync: srdb::SyncPolicy::Always, ..srdb::Options::default() };
    opts.memtable_bytes = 64 * 1024;
    opts.compaction.l0_trigger_files = 2;
    let db = Database::open_with(dir.path(), opts).unwrap();
    let schema = Schema::builder().field("n", FieldType::Int).indexed().build().unwrap();
    let table = db.create_table("t", schema).unwrap();
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, table) = (acked.clone(), stop.clone(), table.clone());
        std::thread::spawn(move || {
            let mut n = 0i64;
            while !stop.load(Ordering::Relaxed) {
                let rows: Vec<Row> =
                    (0..200).map(|i| Row::new().with("n", Value::Int(n + i))).collect();
                table.insert_batch(rows).unwrap();
                n += 200;
                acked.store(n as u64, Ordering::Release);
            }
        })
    };
    while acked.load(Ordering::Acquire) < 2_000 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for _ in 0..10 {
        let before = acked.load(Ordering::Acquire);
        let (code, stats) = json(&["stats", s(dir.path()), "--json"]);
        assert_eq!(code, 0, "{stats}");
        // A copy that lost the WAL the catalogue was in has no table at all.
        let rows = stats["tables"][0]["rows"].as_u64().unwrap_or(0);
        assert!(rows >= before, "the copy holds {rows} rows, {before} were acknowledged");
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(db.engine().stats().flushes > 0, "the test exercised flushes");
    drop(table);
    db.close().unwrap();
}
