//! Version edits survive encoding unchanged, and no byte string makes the
//! decoder (or applying what it decodes) panic.

use proptest::prelude::*;
use srdb_key::{InternalKey, Kind, MAX_SEQNO};
use srdb_manifest::{FileMeta, Version, VersionEdit};

fn internal_key() -> impl Strategy<Value = InternalKey> {
    (proptest::collection::vec(any::<u8>(), 0..20), 0..=MAX_SEQNO, any::<bool>())
        .prop_map(|(k, s, put)| InternalKey::new(&k, s, if put { Kind::Put } else { Kind::Delete }))
}

fn file_meta() -> impl Strategy<Value = FileMeta> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        internal_key(),
        internal_key(),
        any::<u64>(),
        any::<u64>(),
        proptest::option::of(any::<(i64, i64)>()),
    )
        .prop_map(|(number, size_bytes, entries, smallest, largest, min, max, time_range)| {
            FileMeta {
                number,
                size_bytes,
                entries,
                smallest,
                largest,
                min_seqno: min,
                max_seqno: max,
                time_range,
            }
        })
}

fn edit() -> impl Strategy<Value = VersionEdit> {
    let keyspace = (any::<u32>(), "\\PC{0,12}", proptest::collection::vec(any::<u8>(), 0..16));
    (
        proptest::collection::vec(keyspace, 0..3),
        proptest::collection::vec(any::<u32>(), 0..3),
        proptest::collection::vec((any::<u32>(), 0..64u8, any::<u64>()), 0..4),
        proptest::collection::vec((any::<u32>(), 0..64u8, file_meta()), 0..4),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(created, dropped, deleted, added, next_file_number, last_seqno, log_number)| {
                let mut edit = VersionEdit {
                    next_file_number,
                    last_seqno,
                    log_number,
                    ..VersionEdit::default()
                };
                for (id, name, options) in created {
                    edit.create_keyspace(id, name, options);
                }
                for id in dropped {
                    edit.drop_keyspace(id);
                }
                for (ks, level, number) in deleted {
                    edit.delete_file(ks, level, number);
                }
                for (ks, level, meta) in added {
                    edit.add_file(ks, level, meta);
                }
                edit
            },
        )
}

/// Decoding must not panic, and whatever decodes must re-encode to bytes that
/// decode to the same edit (non-canonical input may differ byte for byte).
fn check_decode(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(edit) = VersionEdit::decode(bytes) {
        prop_assert_eq!(VersionEdit::decode(&edit.encode()).unwrap(), edit.clone());
        // Applying arbitrary decoded edits fails cleanly or succeeds.
        let _ = Version::empty().apply(&edit);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_identity(edit in edit()) {
        let bytes = edit.encode();
        prop_assert_eq!(VersionEdit::decode(&bytes).unwrap(), edit);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        check_decode(&bytes)?;
        // The same bytes behind a valid version byte reach the field parser.
        let mut versioned = vec![srdb_manifest::EDIT_FORMAT_VERSION];
        versioned.extend_from_slice(&bytes);
        check_decode(&versioned)?;
    }

    #[test]
    fn damaged_edits_never_panic(
        edit in edit(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = edit.encode();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check_decode(&bytes)?;
        check_decode(&bytes[..cut.index(bytes.len() + 1)])?;
    }
}
