//! The row codec: a round trip is exact for every type over its full range,
//! and decoding one field or a projection gives the same values as decoding
//! the whole row.

mod common;

use proptest::prelude::*;
use srdb_schema::{
    decode_field, decode_fields, decode_row, decode_time, decode_values, encode_row, RowView, Value,
};

/// Values compared bit for bit, so that a NaN payload or the sign of a zero
/// that changed would be caught (Value's own equality already does this for
/// floats; this also catches a decimal whose scale changed).
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Decimal(x), Value::Decimal(y)) => x.serialize() == y.serialize(),
        (Value::Float32(x), Value::Float32(y)) => x.to_bits() == y.to_bits(),
        (Value::Float64(x), Value::Float64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b && std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_is_exact_and_single_field_decode_matches_full_decode(
        (schema, values) in common::schema_and_values(12),
        time_ns in any::<i64>(),
    ) {
        let row = schema.validate(&common::row_of(&schema, &values)).unwrap();
        let bytes = encode_row(&schema, time_ns, &row);
        prop_assert_eq!(&bytes[..8], &time_ns.to_le_bytes()[..], "the first 8 bytes are _time");
        prop_assert_eq!(decode_time(&bytes).unwrap(), time_ns);

        let (decoded_time, decoded) = decode_values(&bytes, &schema).unwrap();
        prop_assert_eq!(decoded_time, time_ns);
        prop_assert_eq!(decoded.len(), values.len());
        for (i, (want, got)) in values.iter().zip(&decoded).enumerate() {
            prop_assert!(identical(want, got), "field {}: wrote {:?}, read {:?}", i, want, got);
            let single = decode_field(&bytes, &schema, i).unwrap();
            prop_assert!(identical(&single, got), "field {}: single {:?}, full {:?}", i, single, got);
        }

        let view = RowView::new(&bytes, &schema).unwrap();
        prop_assert_eq!(view.time(), time_ns);
        for (i, want) in decoded.iter().enumerate() {
            let borrowed = view.field(i).unwrap().to_value();
            prop_assert!(identical(&borrowed, want), "field {}: view {:?}, full {:?}", i, borrowed, want);
            prop_assert!(identical(&view.value(i).unwrap(), want));
        }

        let reversed: Vec<usize> = (0..schema.len()).rev().collect();
        let projected = decode_fields(&bytes, &schema, &reversed).unwrap();
        for (&i, got) in reversed.iter().zip(&projected) {
            prop_assert!(identical(got, &decoded[i]));
        }

        let (_, as_row) = decode_row(&bytes, &schema).unwrap();
        prop_assert_eq!(as_row, common::row_of(&schema, &values));
    }
}

#[test]
fn field_index_out_of_range_is_an_error() {
    let schema =
        srdb_schema::Schema::builder().field("a", srdb_schema::FieldType::Int).build().unwrap();
    let row = schema.validate(&srdb_schema::Row::new().with("a", 1)).unwrap();
    let bytes = encode_row(&schema, 0, &row);
    assert!(matches!(
        decode_field(&bytes, &schema, 1),
        Err(srdb_schema::SchemaError::FieldIndexOutOfRange { index: 1, count: 1 })
    ));
    assert!(decode_fields(&bytes, &schema, &[0, 5]).is_err());
}
