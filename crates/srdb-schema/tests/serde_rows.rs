//! Rows from and to serde structs, exact through validation and the codec.

use serde::{Deserialize, Serialize};
use srdb_schema::{decode_row, encode_row, from_row, to_row, FieldType, Row, Schema, Value};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Reading {
    id: u64,
    sensor: String,
    level: i8,
    value: f64,
    delta: f32,
    at: i64,
    price: String,
    note: Option<String>,
    raw: Vec<u8>,
    meta: serde_json::Value,
    unit: char,
    kind: Kind,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
enum Kind {
    Temperature,
    Humidity,
}

fn schema() -> Schema {
    Schema::builder()
        .field("id", FieldType::Uint64)
        .field("sensor", FieldType::String)
        .field("level", FieldType::Int8)
        .field("value", FieldType::Float64)
        .field("delta", FieldType::Float32)
        .field("at", FieldType::Time)
        .field("price", FieldType::Decimal)
        .field("note", FieldType::String)
        .nullable()
        .field("raw", FieldType::Bytes)
        .field("meta", FieldType::Object)
        .field("unit", FieldType::Rune)
        .field("kind", FieldType::String)
        .build()
        .unwrap()
}

fn reading() -> Reading {
    Reading {
        id: u64::MAX,
        sensor: "t-1".to_owned(),
        level: -128,
        value: -0.0,
        delta: f32::from_bits(0x7fc0_0001),
        at: -1,
        price: "12.340".to_owned(),
        note: None,
        raw: vec![0, 1, 255],
        meta: serde_json::json!({"a": [1, 2]}),
        unit: '\u{2103}',
        kind: Kind::Humidity,
    }
}

#[test]
fn struct_to_row_to_bytes_and_back_is_exact() {
    let schema = schema();
    let row = to_row(&reading()).unwrap();
    assert_eq!(row.get("note"), Some(&Value::Null));
    let validated = schema.validate(&row).unwrap();
    assert_eq!(validated.get(5), Some(&Value::Time(-1)), "an i64 fills a time field as ns");
    let bytes = encode_row(&schema, 9, &validated);
    let (_, back) = decode_row(&bytes, &schema).unwrap();
    let back: Reading = from_row(back).unwrap();
    assert_eq!(back.id, u64::MAX);
    assert_eq!(back.value.to_bits(), (-0.0f64).to_bits());
    assert_eq!(back.delta.to_bits(), 0x7fc0_0001, "the NaN payload survives");
    assert_eq!(back.price, "12.340");
    let expected = reading();
    assert_eq!(
        (back.sensor, back.level, back.at, back.note, back.raw, back.meta, back.unit, back.kind),
        (
            expected.sensor,
            expected.level,
            expected.at,
            expected.note,
            expected.raw,
            expected.meta,
            expected.unit,
            expected.kind
        )
    );
}

#[test]
fn out_of_range_struct_values_are_refused_by_validation() {
    #[derive(Serialize)]
    struct Wide {
        level: i64,
    }
    let schema = Schema::builder().field("level", FieldType::Int8).build().unwrap();
    let err = schema.validate(&to_row(&Wide { level: 300 }).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The field `level` has type int8, and 300 is out of its range (-128 to 127)."
    );
}

#[test]
fn only_structs_and_maps_are_rows() {
    assert!(to_row(&5).is_err());
    assert!(to_row(&vec![1, 2]).is_err());
    let map: std::collections::BTreeMap<&str, i32> = [("a", 1)].into();
    assert_eq!(to_row(&map).unwrap(), Row::new().with("a", 1));
}

#[test]
fn deserialising_reports_type_errors() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Narrow {
        a: u8,
    }
    let err = from_row::<Narrow>(Row::new().with("a", 1000)).unwrap_err();
    assert!(err.to_string().contains("1000"), "{err}");
    let missing = from_row::<Narrow>(Row::new()).unwrap_err();
    assert!(missing.to_string().contains("`a`"), "{missing}");
}
