//! Every type round-trips through validation, the codec and back, at the
//! edges of its range.

use serde_json::json;
use srdb_schema::{
    decode_field, decode_row, encode_row, Decimal, FieldType, Row, Schema, SchemaError, Value,
};

/// Validates `value` into a one-field nullable schema of `ty`, encodes it,
/// and returns what decoding gives (full and single-field decode agree).
fn round_trip(ty: FieldType, value: Value) -> Value {
    let schema = Schema::builder().field("v", ty).nullable().build().unwrap();
    let row = schema.validate(&Row::new().with("v", value)).unwrap();
    let bytes = encode_row(&schema, -1, &row);
    let single = decode_field(&bytes, &schema, 0).unwrap();
    let (time, full) = decode_row(&bytes, &schema).unwrap();
    assert_eq!(time, -1);
    assert_eq!(full.get("v"), Some(&single));
    single
}

fn rejects(ty: FieldType, value: Value) -> SchemaError {
    let schema = Schema::builder().field("v", ty).build().unwrap();
    schema.validate(&Row::new().with("v", value)).unwrap_err()
}

#[test]
fn integers_keep_their_full_range() {
    for v in [i64::MIN, -1, 0, 1, i64::MAX] {
        assert_eq!(round_trip(FieldType::Int, Value::Int(v)), Value::Int(v));
        assert_eq!(round_trip(FieldType::Int64, Value::Int(v)), Value::Int(v));
    }
    for v in [0, 1, (1 << 53) + 1, u64::MAX] {
        assert_eq!(round_trip(FieldType::Uint, Value::Uint(v)), Value::Uint(v));
        assert_eq!(round_trip(FieldType::Uint64, Value::Uint(v)), Value::Uint(v));
    }
    assert_eq!(round_trip(FieldType::Int8, Value::Int(-128)), Value::Int(-128));
    assert_eq!(round_trip(FieldType::Int8, Value::Int(127)), Value::Int(127));
    assert_eq!(round_trip(FieldType::Int16, Value::Int(-32768)), Value::Int(-32768));
    assert_eq!(
        round_trip(FieldType::Int32, Value::Int(i32::MAX.into())),
        Value::Int(i32::MAX.into())
    );
    assert_eq!(round_trip(FieldType::Uint8, Value::Uint(255)), Value::Uint(255));
    assert_eq!(round_trip(FieldType::Uint16, Value::Uint(65535)), Value::Uint(65535));
    assert_eq!(
        round_trip(FieldType::Uint32, Value::Uint(u32::MAX.into())),
        Value::Uint(u32::MAX.into())
    );
    assert_eq!(round_trip(FieldType::Byte, Value::Byte(255)), Value::Byte(255));
    // Integers convert between variants when they fit.
    assert_eq!(round_trip(FieldType::Uint8, Value::Int(200)), Value::Uint(200));
    assert_eq!(round_trip(FieldType::Int64, Value::Uint(5)), Value::Int(5));
}

#[test]
fn narrowing_out_of_range_is_an_error_not_a_truncation() {
    let err = rejects(FieldType::Int8, Value::Int(300));
    assert!(matches!(err, SchemaError::OutOfRange { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "The field `v` has type int8, and 300 is out of its range (-128 to 127)."
    );
    assert!(rejects(FieldType::Int8, Value::Int(-129)).to_string().contains("-129"));
    assert!(rejects(FieldType::Int16, Value::Int(40_000)).to_string().contains("out of its range"));
    assert!(rejects(FieldType::Int32, Value::Int(i64::from(i32::MAX) + 1))
        .to_string()
        .contains("out of its range"));
    assert!(rejects(FieldType::Uint8, Value::Int(256)).to_string().contains("(0 to 255)"));
    assert!(rejects(FieldType::Uint, Value::Int(-1)).to_string().contains("out of its range"));
    assert!(rejects(FieldType::Int64, Value::Uint(u64::MAX))
        .to_string()
        .contains("out of its range"));
    assert!(rejects(FieldType::Byte, Value::Int(256)).to_string().contains("out of its range"));
}

#[test]
fn floats_keep_every_bit() {
    let payload_nan = f64::from_bits(0x7ff8_dead_beef_0001);
    let negative_nan = f64::from_bits(0xfff0_0000_0000_0001);
    for v in [
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        payload_nan,
        negative_nan,
    ] {
        match round_trip(FieldType::Float64, Value::Float64(v)) {
            Value::Float64(got) => assert_eq!(got.to_bits(), v.to_bits(), "{v}"),
            other => panic!("{other:?}"),
        }
    }
    let payload_nan32 = f32::from_bits(0x7fc0_1234);
    for v in [0.0f32, -0.0, f32::MAX, f32::MIN_POSITIVE, 1e-45, payload_nan32, f32::NEG_INFINITY] {
        match round_trip(FieldType::Float32, Value::Float32(v)) {
            Value::Float32(got) => assert_eq!(got.to_bits(), v.to_bits(), "{v}"),
            other => panic!("{other:?}"),
        }
    }
    // A float64 that a float32 cannot hold exactly is refused; one it can is accepted.
    assert!(rejects(FieldType::Float32, Value::Float64(0.1)).to_string().contains("exactly"));
    assert_eq!(round_trip(FieldType::Float32, Value::Float64(0.5)), Value::Float32(0.5));
}

#[test]
fn strings_empty_and_one_mebibyte() {
    assert_eq!(round_trip(FieldType::String, Value::from("")), Value::from(""));
    let big = "\u{4e2d}".repeat(1024 * 1024 / 3 + 1); // over 1 MiB of 3-byte characters
    assert!(big.len() > 1024 * 1024);
    assert_eq!(round_trip(FieldType::String, Value::from(big.as_str())), Value::from(big.as_str()));
    assert_eq!(round_trip(FieldType::Bytes, Value::Bytes(vec![])), Value::Bytes(vec![]));
    assert_eq!(
        round_trip(FieldType::Bytes, Value::Bytes(vec![0, 255, 0])),
        Value::Bytes(vec![0, 255, 0])
    );
}

#[test]
fn nested_json_objects_and_arrays() {
    let object = json!({"a": {"b": [1, 2.5, {"c": null}], "d": "\u{1F600}"}, "big": u64::MAX, "neg": i64::MIN, "e": 1e-300});
    let Value::Object(map) =
        round_trip(FieldType::Object, Value::Object(object.as_object().unwrap().clone()))
    else {
        panic!()
    };
    assert_eq!(serde_json::Value::Object(map), object);
    let array = json!([[[]], {"x": [true, false]}, -0.5, "s"]);
    let Value::Array(items) =
        round_trip(FieldType::Array, Value::Array(array.as_array().unwrap().clone()))
    else {
        panic!()
    };
    assert_eq!(serde_json::Value::Array(items), array);
    // An array is not an object.
    assert!(matches!(
        rejects(FieldType::Object, Value::Array(vec![])),
        SchemaError::TypeMismatch { .. }
    ));
}

#[test]
fn decimals_are_exact_with_many_digits() {
    for text in [
        "0",
        "-0.0000000000000000000000000001",
        "79228162514264337593543950335",
        "-7922816251426433759354395.0335",
        "1.50",
        "123456789012345678.9012345678",
    ] {
        let d = Decimal::from_str_exact(text).unwrap();
        let Value::Decimal(got) = round_trip(FieldType::Decimal, Value::Decimal(d)) else {
            panic!()
        };
        assert_eq!(got.to_string(), text, "scale and digits kept");
    }
}

#[test]
fn time_is_exact_to_the_nanosecond_before_and_after_1970() {
    for ns in [i64::MIN, -1, 0, 1, -86_400_000_000_001, 1_700_000_000_123_456_789, i64::MAX] {
        assert_eq!(round_trip(FieldType::Time, Value::Time(ns)), Value::Time(ns));
        let json = Value::Time(ns).to_json();
        assert_eq!(
            Value::from_json(&json, FieldType::Time, "t").unwrap(),
            Value::Time(ns),
            "{json}"
        );
    }
    assert_eq!(Value::Time(-1).to_json(), json!("1969-12-31T23:59:59.999999999Z"));
}

#[test]
fn durations_negative_and_extreme() {
    for ns in [i64::MIN, -5_400_000_000_000, 0, i64::MAX] {
        assert_eq!(round_trip(FieldType::Duration, Value::Duration(ns)), Value::Duration(ns));
    }
}

#[test]
fn bool_rune_byte() {
    assert_eq!(round_trip(FieldType::Bool, Value::Bool(false)), Value::Bool(false));
    assert_eq!(round_trip(FieldType::Bool, Value::Bool(true)), Value::Bool(true));
    for c in ['\0', 'a', '\u{4e2d}', char::MAX] {
        assert_eq!(round_trip(FieldType::Rune, Value::Rune(c)), Value::Rune(c));
    }
    assert_eq!(round_trip(FieldType::Byte, Value::Byte(0)), Value::Byte(0));
}

#[test]
fn null_and_zero_stay_distinct() {
    let zeros = [
        (FieldType::Int, Value::Int(0)),
        (FieldType::Uint8, Value::Uint(0)),
        (FieldType::Float64, Value::Float64(0.0)),
        (FieldType::String, Value::from("")),
        (FieldType::Bool, Value::Bool(false)),
        (FieldType::Decimal, Value::Decimal(Decimal::ZERO)),
        (FieldType::Time, Value::Time(0)),
        (FieldType::Bytes, Value::Bytes(vec![])),
        (FieldType::Array, Value::Array(vec![])),
    ];
    for (ty, zero) in zeros {
        assert_eq!(round_trip(ty, Value::Null), Value::Null, "{ty}");
        assert_eq!(round_trip(ty, zero.clone()), zero, "{ty}");
        assert_ne!(zero, Value::Null);
    }
}
