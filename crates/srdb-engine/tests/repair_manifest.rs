//! `repair` rebuilds a lost or damaged MANIFEST from the SST files and WAL
//! present, and the repaired database answers exactly like the original.

use std::collections::BTreeMap;
use std::path::Path;

use srdb_engine::{repair, Engine, KeyspaceOptions, Options, SyncPolicy};

type Model = BTreeMap<(String, Vec<u8>), Vec<u8>>;

fn options() -> Options {
    Options { sync: SyncPolicy::Always, ..Options::default() }
}

/// Writes in three phases (flushed, flushed then compacted, only in the
/// WAL), with overwrites and deletes across phases, and returns the model.
fn populate(dir: &Path) -> Model {
    let engine = Engine::open(dir, options()).unwrap();
    let mut model = Model::new();
    let names = ["alpha", "beta"];
    for name in names {
        engine.create_keyspace(name, KeyspaceOptions::default()).unwrap();
    }
    for phase in 0..3u32 {
        for name in names {
            let ks = engine.keyspace(name).unwrap();
            for i in 0..200u32 {
                let key = format!("k{:04}", (i * 7 + phase * 13) % 300).into_bytes();
                if (i + phase) % 9 == 0 {
                    ks.delete(&key).unwrap();
                    model.remove(&(name.to_string(), key));
                } else {
                    let value = format!("{name}-{phase}-{i}").into_bytes();
                    ks.put(&key, &value).unwrap();
                    model.insert((name.to_string(), key), value);
                }
            }
        }
        match phase {
            0 => engine.flush().unwrap(),
            1 => {
                engine.flush().unwrap();
                engine.compact().unwrap();
            }
            _ => {}
        }
    }
    engine.close().unwrap();
    model
}

fn check(dir: &Path, model: &Model) {
    let engine = Engine::open(dir, options()).unwrap();
    for name in ["alpha", "beta"] {
        let ks = engine.keyspace(name).unwrap();
        let got: Vec<(Vec<u8>, Vec<u8>)> = ks.iter().map(|e| e.unwrap()).collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = model
            .iter()
            .filter(|((n, _), _)| n == name)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(got, want, "keyspace {name}");
    }
    // Writes after the repair work and survive a reopen.
    let alpha = engine.keyspace("alpha").unwrap();
    alpha.put("after-repair", "yes").unwrap();
    engine.close().unwrap();
    let engine = Engine::open(dir, options()).unwrap();
    assert_eq!(
        engine.keyspace("alpha").unwrap().get("after-repair").unwrap(),
        Some(b"yes".to_vec())
    );
}

#[test]
fn lost_manifest_is_rebuilt_from_ssts_and_wal() {
    let dir = tempfile::tempdir().unwrap();
    let model = populate(dir.path());
    std::fs::remove_file(dir.path().join("CURRENT")).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("MANIFEST-") {
            std::fs::remove_file(path).unwrap();
        }
    }
    // Without a MANIFEST the database refuses to open rather than guess.
    let err = Engine::open(dir.path(), options()).err().expect("open must refuse");
    assert!(err.to_string().contains("repair"), "{err}");

    let report = repair(dir.path()).unwrap();
    assert!(report.files_kept > 0 && report.wal_records_recovered > 0, "{report:?}");
    assert!(report.files_set_aside.is_empty(), "{report:?}");
    check(dir.path(), &model);
}

#[test]
fn corrupt_manifest_is_moved_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let model = populate(dir.path());
    let manifest = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("MANIFEST-"))
        .unwrap();
    let mut bytes = std::fs::read(&manifest).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0xFF;
    std::fs::write(&manifest, bytes).unwrap();
    assert!(Engine::open(dir.path(), options()).is_err());

    let report = repair(dir.path()).unwrap();
    let moved = report.old_manifest_moved_to.clone().expect("old MANIFEST kept");
    assert!(moved.join(manifest.file_name().unwrap()).exists(), "damaged MANIFEST not kept");
    check(dir.path(), &model);
}

#[test]
fn damaged_sst_is_set_aside_and_never_gives_wrong_answers() {
    let dir = tempfile::tempdir().unwrap();
    let model = populate(dir.path());
    std::fs::remove_file(dir.path().join("CURRENT")).unwrap();
    let ssts: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect();
    let victim = &ssts[0];
    let mut bytes = std::fs::read(victim).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(victim, bytes).unwrap();

    let report = repair(dir.path()).unwrap();
    assert_eq!(report.files_set_aside.len(), 1, "{report:?}");
    assert!(report.files_set_aside[0].0.exists(), "set-aside file must be kept, not deleted");
    let engine = Engine::open(dir.path(), options()).unwrap();
    for name in ["alpha", "beta"] {
        // A keyspace whose only file was damaged is gone (its newer WAL
        // records live on in a `__recovered_` keyspace).
        let Ok(ks) = engine.keyspace(name) else { continue };
        for entry in ks.iter() {
            let (k, v) = entry.unwrap();
            // Whatever is left is the truth or an older truth, never invented.
            let current = model.get(&(name.to_string(), k.clone()));
            let plausible =
                current == Some(&v) || std::str::from_utf8(&v).unwrap().starts_with(name);
            assert!(plausible, "{name}: {k:?} -> {v:?}");
        }
    }
}

#[test]
fn wal_records_of_a_keyspace_without_files_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = Engine::open(dir.path(), options()).unwrap();
        let only_wal = engine.create_keyspace("only-wal", KeyspaceOptions::default()).unwrap();
        only_wal.put("a", "1").unwrap();
        engine.close().unwrap();
    }
    std::fs::remove_file(dir.path().join("CURRENT")).unwrap();
    let report = repair(dir.path()).unwrap();
    assert_eq!(report.recovered_keyspaces.len(), 1, "{report:?}");
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.keyspace(&report.recovered_keyspaces[0]).unwrap();
    assert_eq!(ks.get("a").unwrap(), Some(b"1".to_vec()));
}
