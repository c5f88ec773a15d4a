//! Damaged or foreign bytes given to the row decoder are an error, never a
//! panic or a wrong answer.

mod common;

use proptest::prelude::*;
use srdb_schema::{
    decode_field, decode_fields, decode_row, decode_values, encode_row, FieldType, Row, RowView,
    Schema, SchemaError,
};

/// Field `i` read through a [`RowView`], owned; must agree with
/// `decode_field`, errors included.
fn viewed(bytes: &[u8], schema: &Schema, i: usize) -> Result<srdb_schema::Value, SchemaError> {
    RowView::new(bytes, schema).and_then(|view| view.field(i)).map(|v| v.to_value())
}

fn sample() -> (Schema, Vec<u8>) {
    let schema = Schema::builder()
        .field("id", FieldType::Uint64)
        .field("name", FieldType::String)
        .field("flag", FieldType::Bool)
        .field("tags", FieldType::Array)
        .field("note", FieldType::String)
        .nullable()
        .build()
        .unwrap();
    let row = Row::new()
        .with("id", 7u64)
        .with("name", "Alice")
        .with("flag", true)
        .with("tags", vec![serde_json::json!(1)]);
    let row = schema.validate(&row).unwrap();
    let bytes = encode_row(&schema, 42, &row);
    (schema, bytes)
}

#[test]
fn every_truncation_is_an_error() {
    let (schema, bytes) = sample();
    for len in 0..bytes.len() {
        assert!(decode_values(&bytes[..len], &schema).is_err(), "truncated to {len} bytes");
    }
    assert!(decode_values(&bytes, &schema).is_ok());
}

#[test]
fn trailing_bytes_are_an_error() {
    let (schema, mut bytes) = sample();
    bytes.push(0);
    assert!(matches!(decode_row(&bytes, &schema), Err(SchemaError::CorruptRow { .. })));
}

#[test]
fn header_damage_is_reported() {
    let (schema, bytes) = sample();
    let mut wrong_version = bytes.clone();
    wrong_version[8] = 9;
    assert!(matches!(
        decode_row(&wrong_version, &schema),
        Err(SchemaError::UnsupportedRowVersion { version: 9, supported: 1 })
    ));
    let mut flags = bytes.clone();
    flags[9] = 1;
    assert!(decode_field(&flags, &schema, 0).is_err());
    let mut too_many_fields = bytes.clone();
    too_many_fields[10] = 6;
    assert!(matches!(
        decode_field(&too_many_fields, &schema, 0),
        Err(SchemaError::RowFromNewerSchema { .. })
    ));
    let mut newer = bytes;
    newer[12] = 2;
    assert!(matches!(
        decode_field(&newer, &schema, 0),
        Err(SchemaError::RowFromNewerSchema { .. })
    ));
}

#[test]
fn bad_values_in_slots_are_errors() {
    let (schema, bytes) = sample();
    // Layout: header 16, bitmap 1, then id (8), name (4), flag (1), tags (4), note (4).
    let flag_at = 16 + 1 + 8 + 4;
    let mut bad_bool = bytes.clone();
    bad_bool[flag_at] = 2;
    assert!(decode_field(&bad_bool, &schema, 2).is_err());
    assert!(viewed(&bad_bool, &schema, 2).is_err());

    let name_end_at = 16 + 1 + 8;
    let mut past_end = bytes.clone();
    past_end[name_end_at..name_end_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode_field(&past_end, &schema, 1).is_err());
    assert!(viewed(&past_end, &schema, 1).is_err());
    assert!(decode_values(&past_end, &schema).is_err());

    // A NULL bit on a field that is not nullable.
    let mut null_id = bytes.clone();
    null_id[16] |= 1;
    assert!(decode_field(&null_id, &schema, 0).is_err());
    assert!(viewed(&null_id, &schema, 0).is_err());

    // Invalid UTF-8 in the name ("Alice" starts the variable area).
    let var_start = 16 + 1 + 8 + 4 + 1 + 4 + 4;
    let mut bad_utf8 = bytes;
    bad_utf8[var_start] = 0xff;
    assert!(decode_field(&bad_utf8, &schema, 1).is_err());
    assert!(viewed(&bad_utf8, &schema, 1).is_err());
}

#[test]
fn corrupt_decimal_and_rune_are_errors() {
    let schema = Schema::builder()
        .field("d", FieldType::Decimal)
        .field("r", FieldType::Rune)
        .build()
        .unwrap();
    let row = schema
        .validate(&Row::new().with("d", srdb_schema::Decimal::new(15, 1)).with("r", 'x'))
        .unwrap();
    let bytes = encode_row(&schema, 0, &row);
    let mut scale = bytes.clone();
    scale[16 + 1 + 2] = 29; // the scale byte of the decimal's flags
    assert!(decode_field(&scale, &schema, 0).is_err());
    assert!(viewed(&scale, &schema, 0).is_err());
    let mut surrogate = bytes;
    surrogate[16 + 1 + 16..16 + 1 + 20].copy_from_slice(&0xd800u32.to_le_bytes());
    assert!(decode_field(&surrogate, &schema, 1).is_err());
    assert!(viewed(&surrogate, &schema, 1).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic((schema, _) in common::schema_and_values(6), bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        let _ = decode_values(&bytes, &schema);
        let all: Vec<usize> = (0..schema.len()).collect();
        let _ = decode_fields(&bytes, &schema, &all);
        for i in 0..schema.len() {
            let _ = viewed(&bytes, &schema, i);
        }
    }

    #[test]
    fn flipped_bytes_never_panic(
        (schema, values) in common::schema_and_values(8),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let row = schema.validate(&common::row_of(&schema, &values)).unwrap();
        let mut bytes = encode_row(&schema, 1, &row);
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        let _ = decode_values(&bytes, &schema);
        for i in 0..schema.len() {
            let owned = decode_field(&bytes, &schema, i);
            let borrowed = viewed(&bytes, &schema, i);
            prop_assert_eq!(owned.is_ok(), borrowed.is_ok(), "field {}", i);
            if let (Ok(a), Ok(b)) = (owned, borrowed) {
                prop_assert_eq!(a, b, "field {}", i);
            }
        }
    }
}
