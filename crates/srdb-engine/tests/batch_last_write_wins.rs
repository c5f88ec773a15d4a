//! A batch that writes a key more than once keeps its last write: when it
//! commits, after WAL replay, and after a flush.

use srdb_engine::{Engine, KeyspaceOptions, Options, SyncPolicy, WriteBatch};

#[test]
fn last_write_of_a_key_in_a_batch_wins_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || Options { sync: SyncPolicy::Never, ..Options::default() };
    let engine = Engine::open(dir.path(), opts()).unwrap();
    let ks = engine.create_keyspace("k", KeyspaceOptions::default()).unwrap();
    let mut batch = WriteBatch::new();
    batch.put(&ks, "a", "first");
    batch.put(&ks, "a", "second");
    batch.put(&ks, "b", "kept");
    batch.delete(&ks, "b");
    batch.delete(&ks, "c");
    batch.put(&ks, "c", "revived");
    assert_eq!(batch.len(), 6);
    engine.write(&batch).unwrap();
    let check = |engine: &Engine| {
        let ks = engine.keyspace("k").unwrap();
        assert_eq!(ks.get("a").unwrap(), Some(b"second".to_vec()));
        assert_eq!(ks.get("b").unwrap(), None);
        assert_eq!(ks.get("c").unwrap(), Some(b"revived".to_vec()));
        let all: Vec<_> = ks.iter().map(|e| e.unwrap().0).collect();
        assert_eq!(all, vec![b"a".to_vec(), b"c".to_vec()]);
    };
    check(&engine);
    engine.close().unwrap();
    // Replayed from the WAL.
    let engine = Engine::open(dir.path(), opts()).unwrap();
    check(&engine);
    // From an SST file.
    engine.flush().unwrap();
    check(&engine);
    engine.close().unwrap();
    let engine = Engine::open(dir.path(), opts()).unwrap();
    check(&engine);
}
