//! Crash test: a child process writes and reports every acknowledged write;
//! the parent kills it with SIGKILL at a random moment, reopens the database
//! and checks it.
//!
//! - With `SyncPolicy::Always`, every acknowledged write must be there.
//! - With `SyncPolicy::Never`, what survives must be a prefix of the write
//!   order (a write survives only if every earlier one did).
//!
//! `SRDB_CRASH_CYCLES` sets the number of kill/reopen cycles per policy
//! (default 4, what CI runs; `cargo xtask crash --cycles N` runs more).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use srdb_engine::{Engine, KeyspaceOptions, Options, SyncPolicy, WriteBatch};

const CHILD_ENV: &str = "SRDB_CRASH_CHILD_DIR";

fn options(sync: SyncPolicy) -> Options {
    let mut o = Options { memtable_bytes: 256 << 10, sync, ..Options::default() };
    // Small files and an eager L0 trigger so flushes and compactions run
    // while the child is killed.
    o.compaction.l0_trigger_files = 2;
    o.compaction.level1_target_bytes = 512 << 10;
    o.compaction.target_file_bytes = 128 << 10;
    o
}

fn key(cycle: u64, i: u64) -> Vec<u8> {
    format!("c{cycle:04}-{i:08}").into_bytes()
}

fn value(cycle: u64, i: u64) -> Vec<u8> {
    let mut v = format!("value-{cycle}-{i}-").into_bytes();
    v.resize(100 + (i % 200) as usize, b'v');
    v
}

/// The child: writes until killed, printing `ack <i>` after each write
/// returns. Every fourth write is a batch of two keys in two keyspaces.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let cycle: u64 = std::env::var("SRDB_CRASH_CYCLE").unwrap().parse().unwrap();
    let sync = match std::env::var("SRDB_CRASH_SYNC").unwrap().as_str() {
        "always" => SyncPolicy::Always,
        _ => SyncPolicy::Never,
    };
    let engine = Engine::open(&dir, options(sync)).unwrap();
    let a = engine.open_keyspace("a", KeyspaceOptions::default()).unwrap();
    let b = engine.open_keyspace("b", KeyspaceOptions::default()).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for i in 0.. {
        if i % 4 == 3 {
            let mut batch = WriteBatch::new();
            batch.put(&a, key(cycle, i), value(cycle, i));
            batch.put(&b, key(cycle, i), value(cycle, i));
            engine.write(&batch).unwrap();
        } else {
            a.put(key(cycle, i), value(cycle, i)).unwrap();
        }
        writeln!(out, "ack {i}").unwrap();
        out.flush().unwrap();
    }
}

fn run_child(dir: &Path, cycle: u64, sync: &str, run_for: Duration) -> Option<u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, dir)
        .env("SRDB_CRASH_CYCLE", cycle.to_string())
        .env("SRDB_CRASH_SYNC", sync)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest prints "test crash_child ... " without a newline, so
            // the first line the child writes may carry that prefix.
            if let Some(i) = line.strip_prefix("ack ") {
                let _ = tx.send(Some(i.parse::<u64>().unwrap()));
            } else if line.ends_with("ready") {
                let _ = tx.send(None);
            }
        }
    });
    // Wait until the child opened the database (its first line, or its
    // first acknowledged write), then let it write a while.
    let started = Instant::now();
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(_) => {}
        Err(_) => {
            let _ = child.kill();
            panic!("child did not start within 60 s");
        }
    }
    std::thread::sleep(run_for);
    // SIGKILL: no destructor, no flush, no fsync runs.
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(120));
    rx.try_iter().flatten().max()
}

fn pseudo_random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn cycles() -> u64 {
    std::env::var("SRDB_CRASH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(4)
}

fn crash_cycles(sync: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ std::process::id() as u64;
    // For each cycle: how many leading writes must be (Always) or are known
    // to be (Never, after checking) in the database.
    let mut survivors: Vec<u64> = Vec::new();
    for cycle in 0..cycles() {
        let run_for = Duration::from_millis(150 + pseudo_random(&mut seed) % 600);
        let last_ack = run_child(dir.path(), cycle, sync, run_for);
        let engine = Engine::open(dir.path(), options(SyncPolicy::Never)).unwrap();
        let a = engine.keyspace("a").unwrap();
        let b = engine.keyspace("b").unwrap();
        // Earlier cycles' survivors must still be there.
        for (c, &n) in survivors.iter().enumerate() {
            for i in (0..n).step_by(97).chain(n.checked_sub(1)) {
                assert_eq!(
                    a.get(key(c as u64, i)).unwrap(),
                    Some(value(c as u64, i)),
                    "cycle {c} key {i} lost later"
                );
            }
        }
        let present: Vec<bool> = (0..last_ack.map_or(0, |l| l + 2) + 64)
            .map(|i| a.get(key(cycle, i)).unwrap().is_some())
            .collect();
        let prefix = present.iter().take_while(|p| **p).count() as u64;
        assert!(
            present.iter().skip(prefix as usize).all(|p| !p),
            "cycle {cycle}: recovered writes are not a prefix of the write order"
        );
        for i in 0..prefix {
            assert_eq!(a.get(key(cycle, i)).unwrap(), Some(value(cycle, i)));
            if i % 4 == 3 {
                // The batch's second half is there exactly when the first is.
                assert_eq!(b.get(key(cycle, i)).unwrap(), Some(value(cycle, i)));
            }
        }
        if sync == "always" {
            if let Some(last) = last_ack {
                assert!(
                    prefix > last,
                    "cycle {cycle}: acknowledged write {last} lost ({prefix} survived)"
                );
            }
        }
        if sync == "always" {
            assert!(last_ack.is_some(), "cycle {cycle}: the child acknowledged no write");
        }
        survivors.push(prefix);
        // The whole database reads back without error.
        assert!(a.iter().all(|e| e.is_ok()));
        engine.close().unwrap();
    }
    assert!(
        survivors.iter().sum::<u64>() > 0,
        "no write survived any cycle: the test tested nothing"
    );
}

#[test]
fn crash_with_sync_always_keeps_every_acknowledged_write() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    crash_cycles("always");
}

#[test]
fn crash_with_sync_never_recovers_a_prefix_of_the_write_order() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    crash_cycles("never");
}
