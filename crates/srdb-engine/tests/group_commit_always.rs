//! Under `SyncPolicy::Always`, concurrent writers are committed in groups by
//! a leader: every writer reads its own write as soon as `write` returns,
//! seqnos are unique, and everything acknowledged is there after a reopen.

use std::collections::HashSet;
use std::sync::Arc;

use srdb_engine::{Engine, KeyspaceOptions, Options, SyncPolicy, WriteBatch};

#[test]
fn grouped_synced_writers_read_their_writes_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || Options { sync: SyncPolicy::Always, ..Options::default() };
    let engine = Arc::new(Engine::open(dir.path(), opts()).unwrap());
    let ks = engine.create_keyspace("k", KeyspaceOptions::default()).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (engine, ks) = (engine.clone(), ks.clone());
            std::thread::spawn(move || {
                let mut seqnos = Vec::new();
                for i in 0..60 {
                    let key = format!("t{t}-{i:03}");
                    let seqno = if i % 3 == 0 {
                        let mut batch = WriteBatch::new();
                        batch.put(&ks, &key, "batched");
                        batch.put(&ks, format!("{key}-pair"), "batched");
                        engine.write(&batch).unwrap()
                    } else {
                        ks.put(&key, "single").unwrap()
                    };
                    // Read-your-writes: visible the moment the write returns.
                    assert!(ks.get(&key).unwrap().is_some(), "{key} not visible after its write");
                    seqnos.push(seqno);
                }
                seqnos
            })
        })
        .collect();
    let mut all = HashSet::new();
    for t in threads {
        for seqno in t.join().unwrap() {
            assert!(all.insert(seqno), "seqno {seqno} handed out twice");
        }
    }
    assert_eq!(all.len(), 8 * 60);
    drop(ks);
    Arc::try_unwrap(engine).ok().unwrap().close().unwrap();
    let engine = Engine::open(dir.path(), opts()).unwrap();
    let ks = engine.keyspace("k").unwrap();
    for t in 0..8 {
        for i in 0..60 {
            let key = format!("t{t}-{i:03}");
            let want: &[u8] = if i % 3 == 0 { b"batched" } else { b"single" };
            assert_eq!(ks.get(&key).unwrap().as_deref(), Some(want), "{key}");
            if i % 3 == 0 {
                assert!(ks.get(format!("{key}-pair")).unwrap().is_some());
            }
        }
    }
}
