//! Prefix ranges, checked encoding and damaged keys.

mod common;

use common::value_of;
use proptest::prelude::*;
use srdb_index::{
    decode_index_key, encode_field_value, encode_field_value_into, index_key, prefix_successor,
    range_contains, range_starts_with, IndexError, MAX_INDEX_KEY_BYTES,
};
use srdb_schema::{FieldType, Value};

proptest! {
    /// A prefix range holds the key of a string exactly when the string
    /// starts with the prefix, zero bytes and 0xFF bytes included.
    #[test]
    fn prefix_range_holds_exactly_the_extensions(
        prefix in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0xFE, 0xFF]), 0..4),
        value in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0xFE, 0xFF]), 0..6),
        seq in any::<u64>(),
    ) {
        let range = range_starts_with(&prefix);
        let key = index_key(&Value::Bytes(value.clone()), seq);
        prop_assert_eq!(range_contains(&range, &key), value.starts_with(&prefix));
        prop_assert!(!range_contains(&range, &index_key(&Value::Null, seq)));
    }

    #[test]
    fn string_prefix_range(prefix in "[ab\u{0}]{0,3}", value in "[ab\u{0}]{0,5}") {
        let range = range_starts_with(prefix.as_bytes());
        let key = index_key(&Value::String(value.clone()), 1);
        prop_assert_eq!(range_contains(&range, &key), value.starts_with(&prefix));
    }

    /// Arbitrary bytes never panic the decoder, and every key it accepts is
    /// one that the encoder writes.
    #[test]
    fn damaged_keys_are_errors(bytes in prop::collection::vec(any::<u8>(), 0..24), pick in 0usize..20) {
        let ty = [FieldType::Int, FieldType::Int8, FieldType::Uint16, FieldType::Float32,
            FieldType::Float64, FieldType::String, FieldType::Bytes, FieldType::Bool,
            FieldType::Rune, FieldType::Decimal, FieldType::Time, FieldType::Byte][pick % 12];
        if let Ok((value, seq)) = decode_index_key(&bytes, ty) {
            prop_assert_eq!(index_key(&value, seq), bytes);
        }
    }

    /// Bytes flipped in a valid key are either still a valid key (that
    /// re-encodes to itself) or an error.
    #[test]
    fn flipped_bytes_in_valid_keys(v in value_of(FieldType::Decimal), at in any::<prop::sample::Index>(), x in 1u8..) {
        let mut key = index_key(&v, 5);
        let i = at.index(key.len());
        key[i] ^= x;
        if let Ok((value, seq)) = decode_index_key(&key, FieldType::Decimal) {
            prop_assert_eq!(index_key(&value, seq), key);
        }
    }
}

#[test]
fn successor_of_prefixes() {
    assert_eq!(prefix_successor(&[1, 2]), Some(vec![1, 3]));
    assert_eq!(prefix_successor(&[1, 0xFF, 0xFF]), Some(vec![2]));
    assert_eq!(prefix_successor(&[0xFF]), None);
    assert_eq!(prefix_successor(&[]), None);
}

#[test]
fn checked_encoding_converts_refuses_and_limits() {
    // Int(5) in a uint8 index is converted to the uint family's encoding.
    let key = encode_field_value(&Value::Int(5), FieldType::Uint8, "n", 2).unwrap();
    assert_eq!(key, index_key(&Value::Uint(5), 2));
    let err = encode_field_value(&Value::Int(-1), FieldType::Uint8, "n", 2).unwrap_err();
    assert!(err.to_string().contains("`n`"), "{err}");
    let err = encode_field_value(&Value::Array(vec![]), FieldType::Array, "a", 0).unwrap_err();
    assert!(matches!(err, IndexError::NotIndexable { ty: FieldType::Array }));
    let long = Value::Bytes(vec![0; MAX_INDEX_KEY_BYTES / 2]);
    let err = encode_field_value(&long, FieldType::Bytes, "blob", 0).unwrap_err();
    assert!(matches!(err, IndexError::KeyTooLong { .. }), "{err}");
    assert!(encode_field_value(&Value::Bytes(vec![1; 30_000]), FieldType::Bytes, "b", 0).is_ok());
}

#[test]
fn keys_appended_to_a_shared_buffer_are_the_keys_alone() {
    let mut out = b"before".to_vec();
    encode_field_value_into(&Value::Int(5), FieldType::Uint8, "n", 2, &mut out).unwrap();
    let first = out.len();
    assert_eq!(&out[6..], index_key(&Value::Uint(5), 2).as_slice());
    encode_field_value_into(&Value::from("a\0b"), FieldType::String, "s", 9, &mut out).unwrap();
    assert_eq!(&out[first..], index_key(&Value::from("a\0b"), 9).as_slice());
    // A refused key leaves the buffer as it was.
    let len = out.len();
    let long = Value::Bytes(vec![0; MAX_INDEX_KEY_BYTES / 2]);
    assert!(encode_field_value_into(&long, FieldType::Bytes, "blob", 0, &mut out).is_err());
    assert!(encode_field_value_into(&Value::Int(-1), FieldType::Uint8, "n", 0, &mut out).is_err());
    assert_eq!(out.len(), len);
    assert_eq!(&out[..6], b"before");
}

#[test]
fn corrupt_keys_name_the_offset() {
    let err = decode_index_key(&[0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0], FieldType::String)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "The index key is corrupt at byte 2: a zero byte in a string is followed by 0x02, not ff or 01."
    );
    let err = decode_index_key(&[0x01, 0, 0], FieldType::Int).unwrap_err();
    assert!(matches!(err, IndexError::Corrupt { offset: 0, .. }), "{err}");
    let err = decode_index_key(&[7, 0, 0, 0, 0, 0, 0, 0, 0], FieldType::Int).unwrap_err();
    assert!(err.to_string().contains("tag byte"), "{err}");
}
