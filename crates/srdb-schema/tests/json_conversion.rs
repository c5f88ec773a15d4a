//! Values from and to JSON, guided by the field type.

mod common;

use proptest::prelude::*;
use serde_json::json;
use srdb_schema::{Decimal, FieldType, Schema, SchemaError, UnknownFields, Value};

fn from(json: serde_json::Value, ty: FieldType) -> Result<Value, SchemaError> {
    Value::from_json(&json, ty, "f")
}

fn error(json: serde_json::Value, ty: FieldType) -> String {
    let err = from(json, ty).unwrap_err().to_string();
    assert!(err.contains("`f`"), "{err} does not name the field");
    err
}

#[test]
fn integers() {
    assert_eq!(from(json!(u64::MAX), FieldType::Uint).unwrap(), Value::Uint(u64::MAX));
    assert_eq!(from(json!(i64::MIN), FieldType::Int).unwrap(), Value::Int(i64::MIN));
    assert_eq!(
        from(json!("18446744073709551615"), FieldType::Uint64).unwrap(),
        Value::Uint(u64::MAX)
    );
    assert_eq!(from(json!(3.0), FieldType::Int8).unwrap(), Value::Int(3));
    assert_eq!(from(json!(7), FieldType::Byte).unwrap(), Value::Byte(7));
    assert!(error(json!(300), FieldType::Int8).contains("out of its range (-128 to 127)"));
    assert!(error(json!(1.5), FieldType::Int).contains("fraction"));
    assert!(error(json!(1e20), FieldType::Uint64).contains("2^53"));
    assert!(error(json!("12x"), FieldType::Int).contains("not an integer"));
    assert!(error(json!(true), FieldType::Int).contains("a JSON boolean"));
    assert!(error(json!(-1), FieldType::Uint).contains("out of its range"));
}

#[test]
fn floats() {
    assert_eq!(from(json!(0.1), FieldType::Float32).unwrap(), Value::Float32(0.1));
    assert_eq!(from(json!(0.1), FieldType::Float64).unwrap(), Value::Float64(0.1));
    assert!(
        matches!(from(json!("NaN"), FieldType::Float64).unwrap(), Value::Float64(v) if v.is_nan())
    );
    assert_eq!(from(json!("-inf"), FieldType::Float32).unwrap(), Value::Float32(f32::NEG_INFINITY));
    assert!(error(json!(1e39), FieldType::Float32).contains("out of its range"));
    assert!(
        error(json!(9007199254740993u64), FieldType::Float64).contains("not exactly representable")
    );
    assert_eq!(Value::Float64(f64::NAN).to_json(), json!("NaN"));
    assert_eq!(Value::Float32(f32::INFINITY).to_json(), json!("inf"));
    assert_eq!(Value::Float32(0.1).to_json(), json!(0.1), "short form of the f32");
}

#[test]
fn decimals_time_durations() {
    assert_eq!(
        from(json!("-12.3400"), FieldType::Decimal).unwrap(),
        Value::Decimal(Decimal::from_str_exact("-12.3400").unwrap())
    );
    assert_eq!(
        Value::Decimal(Decimal::from_str_exact("-12.3400").unwrap()).to_json(),
        json!("-12.3400")
    );
    assert_eq!(from(json!(2.5), FieldType::Decimal).unwrap(), Value::Decimal(Decimal::new(25, 1)));
    assert!(error(json!("1.2.3"), FieldType::Decimal).contains("not an exact decimal"));
    assert!(error(json!("0.00000000000000000000000000001"), FieldType::Decimal)
        .contains("exact decimal"));

    assert_eq!(
        from(json!("1970-01-01T00:00:00.000000001Z"), FieldType::Time).unwrap(),
        Value::Time(1)
    );
    assert_eq!(from(json!("1970-01-01T08:00:00+08:00"), FieldType::Time).unwrap(), Value::Time(0));
    assert_eq!(from(json!(-5), FieldType::Time).unwrap(), Value::Time(-5));
    assert_eq!(Value::Time(1_500_000_000).to_json(), json!("1970-01-01T00:00:01.5Z"));
    assert!(error(json!("2024-13-01T00:00:00Z"), FieldType::Time).contains("RFC 3339"));
    assert!(error(json!("3000-01-01T00:00:00Z"), FieldType::Time).contains("outside the range"));

    let cases = [
        ("1h30m", 5_400_000_000_000),
        ("-1.5s", -1_500_000_000),
        ("250ms", 250_000_000),
        ("10us", 10_000),
        ("10\u{b5}s", 10_000),
        ("3ns", 3),
        ("0", 0),
        ("1h1m1s1ms1us1ns", 3_661_001_001_001),
        ("-2562047h47m16.854775808s", i64::MIN),
    ];
    for (text, ns) in cases {
        assert_eq!(from(json!(text), FieldType::Duration).unwrap(), Value::Duration(ns), "{text}");
    }
    for bad in ["", "1", "1x", "h", "1.5ns", "2562047h47m16.854775808s", "-", "1..5s"] {
        assert!(error(json!(bad), FieldType::Duration).contains("not a duration"), "{bad}");
    }
    assert_eq!(from(json!(-7), FieldType::Duration).unwrap(), Value::Duration(-7));
    assert_eq!(Value::Duration(-7).to_json(), json!(-7));
}

#[test]
fn strings_runes_bytes_json() {
    assert_eq!(from(json!(""), FieldType::String).unwrap(), Value::from(""));
    assert_eq!(from(json!("\u{4e2d}"), FieldType::Rune).unwrap(), Value::Rune('\u{4e2d}'));
    assert_eq!(from(json!(65), FieldType::Rune).unwrap(), Value::Rune('A'));
    assert!(error(json!("ab"), FieldType::Rune).contains("one character"));
    assert!(error(json!(0xd800), FieldType::Rune).contains("not a Unicode scalar value"));
    assert_eq!(from(json!("AP8A"), FieldType::Bytes).unwrap(), Value::Bytes(vec![0, 255, 0]));
    assert_eq!(from(json!([0, 255]), FieldType::Bytes).unwrap(), Value::Bytes(vec![0, 255]));
    assert_eq!(Value::Bytes(vec![0, 255, 0]).to_json(), json!("AP8A"));
    assert!(error(json!("***"), FieldType::Bytes).contains("base64"));
    assert!(error(json!([256]), FieldType::Bytes).contains("0 to 255"));
    assert!(error(json!([1]), FieldType::Object).contains("a JSON array"));
    assert_eq!(from(json!(null), FieldType::Object).unwrap(), Value::Null);
}

#[test]
fn rows_from_json_objects() {
    let schema =
        Schema::builder().field("a", FieldType::Int8).field("b", FieldType::Time).build().unwrap();
    let row = schema
        .row_from_json(&json!({"a": 5, "b": "2024-01-01T00:00:00Z"}), UnknownFields::Reject)
        .unwrap();
    assert_eq!(row.get("b"), Some(&Value::Time(1_704_067_200_000_000_000)));
    let err = schema.row_from_json(&json!({"a": 5, "zz": 1}), UnknownFields::Reject).unwrap_err();
    assert!(err.to_string().contains("`zz`"));
    assert!(schema.row_from_json(&json!({"a": 5, "zz": 1}), UnknownFields::Ignore).is_ok());
    assert!(schema.row_from_json(&json!([1]), UnknownFields::Reject).is_err());
    assert_eq!(row.to_json(), json!({"a": 5, "b": "2024-01-01T00:00:00Z"}));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Export then import gives the same value, for every type over its full
    /// range (NaN payloads aside: JSON has only "NaN").
    #[test]
    fn json_round_trip(
        (ty, value) in common::field_type().prop_flat_map(|ty| (Just(ty), common::value_of(ty))),
    ) {
        let back = Value::from_json(&value.to_json(), ty, "f").unwrap();
        match (&value, &back) {
            (Value::Float32(a), Value::Float32(b)) if a.is_nan() => prop_assert!(b.is_nan()),
            (Value::Float64(a), Value::Float64(b)) if a.is_nan() => prop_assert!(b.is_nan()),
            _ => prop_assert_eq!(&back, &value),
        }
    }

    #[test]
    fn float32_json_round_trip_is_bit_exact(bits in any::<u32>()) {
        let v = f32::from_bits(bits);
        prop_assume!(!v.is_nan());
        let back = Value::from_json(&Value::Float32(v).to_json(), FieldType::Float32, "f").unwrap();
        prop_assert_eq!(back, Value::Float32(v));
    }
}
