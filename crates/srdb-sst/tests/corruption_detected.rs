//! Damaged files: every flipped byte, in any region of the file, is reported
//! as corruption naming the file (by open or by verify), and no read of a
//! damaged file returns a wrong answer or panics. Truncated files are refused
//! at open.

mod common;

use std::path::Path;

use common::{
    drain_forward, model_entries, model_get, numbered_key, simple_model, write_model, Model,
};
use srdb_key::{InternalIterator, InternalKey, Kind};
use srdb_sst::{BlockCache, Compression, Sst, SstError, WriterOptions};

/// A small file with several data blocks, two versions of some keys and a
/// tombstone, so every region (header, blocks, index, bloom, summary,
/// footer) is a few hundred bytes.
fn small_model() -> Model {
    let mut model = simple_model(60, 20);
    model.insert(InternalKey::new(&numbered_key(5), 100, Kind::Delete), Vec::new());
    model.insert(InternalKey::new(&numbered_key(9), 101, Kind::Put), b"newer".to_vec());
    model
}

fn options(compression: Compression) -> WriterOptions {
    WriterOptions { block_bytes: 256, restart_interval: 4, compression, ..WriterOptions::default() }
}

fn assert_names_file(err: &SstError, path: &Path) {
    match err {
        SstError::Corruption { file, .. } => assert_eq!(file, path, "{err}"),
        SstError::UnsupportedVersion { file, .. } => assert_eq!(file, path, "{err}"),
        other => panic!("expected a corruption error, got {other}"),
    }
}

/// Every read of `sst` either fails with a corruption error naming `path` or
/// returns exactly what the model says.
fn reads_are_right_or_fail(sst: &std::sync::Arc<Sst>, model: &Model, path: &Path) {
    for (key, _) in model.iter().step_by(2) {
        for snapshot in [u64::MAX, 50] {
            match sst.get(key.user_key(), snapshot) {
                Ok(found) => {
                    let found = found.map(|l| (l.seqno, l.kind, l.value));
                    assert_eq!(
                        found,
                        model_get(model, key.user_key(), snapshot),
                        "wrong answer from a damaged file"
                    );
                }
                Err(e) => assert_names_file(&e, path),
            }
        }
    }
    let mut iter = sst.iter();
    let mut seen = Vec::new();
    let result = iter.seek_to_first().and_then(|()| {
        while iter.valid() {
            seen.push((iter.key().to_vec(), iter.value().to_vec()));
            iter.next()?;
        }
        Ok(())
    });
    let entries = model_entries(model);
    match result {
        Ok(()) => assert_eq!(seen, entries, "a scan of a damaged file returned wrong entries"),
        Err(e) => {
            assert_names_file(e.downcast_ref::<SstError>().expect("SstError"), path);
            assert_eq!(
                seen[..],
                entries[..seen.len()],
                "a scan returned wrong entries before failing"
            );
        }
    }
}

fn flip_every_byte(compression: Compression) {
    let dir = tempfile::tempdir().unwrap();
    let model = small_model();
    let (path, _) = write_model(dir.path(), "1.sst", &model, options(compression));
    let original = std::fs::read(&path).unwrap();
    let bad_path = dir.path().join("damaged.sst");
    for at in 0..original.len() {
        let mut bytes = original.clone();
        bytes[at] ^= 0x10;
        // Exercise the in-memory backing and the mmap alike.
        let opened = if at % 7 == 0 {
            std::fs::write(&bad_path, &bytes).unwrap();
            let opened = Sst::open(&bad_path, 1, Some(BlockCache::new(1 << 20)));
            std::fs::remove_file(&bad_path).unwrap();
            opened
        } else {
            Sst::from_bytes(&bad_path, 1, bytes, Some(BlockCache::new(1 << 20)))
        };
        let sst = match opened {
            Err(e) => {
                assert_names_file(&e, &bad_path);
                continue;
            }
            Ok(sst) => sst,
        };
        reads_are_right_or_fail(&sst, &model, &bad_path);
        match sst.verify() {
            Ok(report) => {
                panic!("a flip at byte {at} of {} went unnoticed: {report:?}", original.len())
            }
            Err(e) => {
                assert_names_file(&e, &bad_path);
                let SstError::Corruption { offset, .. } = e else { unreachable!() };
                assert!(offset <= at as u64, "flip at {at} reported at later offset {offset}");
            }
        }
    }
}

#[test]
fn every_flipped_byte_of_a_snappy_file_is_detected() {
    flip_every_byte(Compression::Snappy);
}

#[test]
fn every_flipped_byte_of_an_uncompressed_file_is_detected() {
    flip_every_byte(Compression::None);
}

#[test]
fn a_damaged_raw_block_is_reported_by_get_and_iteration_not_only_verify() {
    let dir = tempfile::tempdir().unwrap();
    let model = small_model();
    let (path, _) = write_model(dir.path(), "1.sst", &model, options(Compression::None));
    let mut bytes = std::fs::read(&path).unwrap();
    // Byte 20 is inside the first data block (the header is 16 bytes).
    bytes[20] ^= 0x01;
    let sst = Sst::from_bytes(&path, 1, bytes, None).unwrap();
    let err = sst.get(&numbered_key(0), u64::MAX).unwrap_err();
    assert!(matches!(err, SstError::Corruption { offset: 16, .. }), "{err}");
    let mut iter = sst.iter();
    let err = iter.seek_to_first().unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    assert!(!iter.valid());
}

#[test]
fn one_pass_reads_past_the_mapping_match_and_detect_damage() {
    for compression in [Compression::None, Compression::Snappy] {
        let dir = tempfile::tempdir().unwrap();
        let model = small_model();
        let (path, _) = write_model(dir.path(), "1.sst", &model, options(compression));
        // Intact: the unmapped reads give exactly the mapped ones.
        let sst = Sst::open(&path, 1, Some(srdb_sst::BlockCache::new(1 << 20))).unwrap();
        let mut mapped = sst.iter();
        mapped.seek_to_first().unwrap();
        let mut unmapped = sst.iter_no_fill();
        unmapped.seek_to_first().unwrap();
        assert_eq!(drain_forward(&mut unmapped), drain_forward(&mut mapped));
        // Damaged on disk after open: `pread` sees the damage the mapping
        // was never asked about.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let sst = Sst::open(&path, 1, None).map(|sst| {
            let mut iter = sst.iter_no_fill();
            iter.seek_to_first().map(|()| drain_forward(&mut iter).len())
        });
        match sst {
            Err(err) => assert_names_file(&err, &path),
            Ok(result) => assert!(result.is_err(), "damage not detected: {result:?}"),
        }
    }
}

#[test]
fn truncated_files_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let model = small_model();
    let (path, _) = write_model(dir.path(), "1.sst", &model, options(Compression::Snappy));
    let original = std::fs::read(&path).unwrap();
    let cut_path = dir.path().join("cut.sst");
    for len in 0..original.len() {
        let err = Sst::from_bytes(&cut_path, 1, original[..len].to_vec(), None).unwrap_err();
        assert_names_file(&err, &cut_path);
    }
    for len in [0, 10, original.len() / 2, original.len() - 1] {
        std::fs::write(&cut_path, &original[..len]).unwrap();
        let err = Sst::open(&cut_path, 1, None).unwrap_err();
        assert_names_file(&err, &cut_path);
    }
    // And an appended byte is refused too: the footer must end the file.
    let mut longer = original.clone();
    longer.push(0);
    assert!(Sst::from_bytes(&cut_path, 1, longer, None).is_err());
}

#[test]
fn arbitrary_bytes_are_not_an_sst() {
    let dir = tempfile::tempdir().unwrap();
    let model = small_model();
    let (path, _) = write_model(dir.path(), "1.sst", &model, options(Compression::Snappy));
    let mut iter_check = Sst::open(&path, 1, None).unwrap().iter();
    iter_check.seek_to_first().unwrap();
    assert_eq!(drain_forward(&mut iter_check).len(), model.len());
    for seed in 0..200u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let bytes: Vec<u8> = (0..(seed * 13) % 700)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(Sst::from_bytes(Path::new("noise.sst"), 1, bytes, None).is_err());
    }
}
