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

#[test]
fn keys_repeated_across_runs_of_keyspaces_keep_their_last_write() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || Options { sync: SyncPolicy::Never, ..Options::default() };
    let engine = Engine::open(dir.path(), opts()).unwrap();
    let rows = engine.create_keyspace("rows", KeyspaceOptions::default()).unwrap();
    let index = engine.create_keyspace("index", KeyspaceOptions::default()).unwrap();
    // Built in place or copied, in runs that switch keyspace and come back:
    // only the last write of each key counts.
    let mut batch = WriteBatch::with_capacity(256);
    batch.put_with(&rows, "1", |out| out.extend_from_slice(b"one"));
    batch.put(&index, "x1", "");
    batch.put_with(&rows, "2", |out| out.extend_from_slice(b"two"));
    batch.put(&index, "x2", "");
    batch.put_with(&rows, "1", |out| out.extend_from_slice(b"uno"));
    batch.delete(&index, "x1");
    batch.put_with(&rows, "3", |_| {});
    engine.write(&batch).unwrap();
    let check = |engine: &Engine| {
        let rows = engine.keyspace("rows").unwrap();
        let index = engine.keyspace("index").unwrap();
        let all: Vec<_> = rows.iter().map(|e| e.unwrap()).collect();
        assert_eq!(
            all,
            vec![
                (b"1".to_vec(), b"uno".to_vec()),
                (b"2".to_vec(), b"two".to_vec()),
                (b"3".to_vec(), Vec::new())
            ]
        );
        let keys: Vec<_> = index.iter().map(|e| e.unwrap().0).collect();
        assert_eq!(keys, vec![b"x2".to_vec()]);
    };
    check(&engine);
    engine.close().unwrap();
    let engine = Engine::open(dir.path(), opts()).unwrap();
    check(&engine);
}
