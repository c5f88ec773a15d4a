//! Loads N random keys with single puts, then reads them back, printing the
//! time per operation: a quick way to profile the engine's hot paths
//! (`perf record cargo run --release -p srdb-engine --example kv_load`).

use std::time::Instant;

use srdb_engine::{Engine, KeyspaceOptions, Options, SyncPolicy};

fn key(i: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    k[8..].copy_from_slice(&i.to_be_bytes());
    k
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(500_000);
    let dir = tempfile::tempdir().unwrap();
    let engine =
        Engine::open(dir.path(), Options { sync: SyncPolicy::Never, ..Options::default() })
            .unwrap();
    let ks = engine.open_keyspace("load", KeyspaceOptions::default()).unwrap();
    let value = [5u8; 100];
    let start = Instant::now();
    for i in 0..n {
        ks.put(key(i), value).unwrap();
    }
    let put = start.elapsed();
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines().filter(|l| l.starts_with("VmHWM") || l.starts_with("Rss")) {
            println!("after load: {line}");
        }
    }
    engine.flush().unwrap();
    let start = Instant::now();
    for i in 0..n {
        assert!(ks.get(key((i * 7919) % n)).unwrap().is_some());
    }
    let get = start.elapsed();
    let start = Instant::now();
    let mut it = ks.iter();
    let mut count = 0u64;
    while it.next_ref().unwrap().is_some() {
        count += 1;
    }
    let scan = start.elapsed();
    assert_eq!(count, n);
    println!(
        "put {:.0} ns/op, get {:.0} ns/op, scan {:.0} ns/entry",
        put.as_nanos() as f64 / n as f64,
        get.as_nanos() as f64 / n as f64,
        scan.as_nanos() as f64 / n as f64
    );
    println!("{:#?}", engine.stats().keyspaces);
}
