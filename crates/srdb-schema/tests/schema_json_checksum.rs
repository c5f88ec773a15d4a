//! `schema.json`: round trip, and refusal of edited or damaged documents.

use srdb_schema::{Decimal, Field, FieldType, Schema, SchemaError, Value};

fn sample() -> Schema {
    let mut schema = Schema::builder()
        .field("name", FieldType::String)
        .required()
        .comment("full name")
        .field("price", FieldType::Decimal)
        .default_value(Decimal::from_str_exact("9.990").unwrap())
        .field("ratio", FieldType::Float32)
        .default_value(0.1f32)
        .field("born", FieldType::Time)
        .default_value(Value::Time(-1))
        .field("tags", FieldType::Array)
        .nullable()
        .field("code", FieldType::Uint64)
        .unique()
        .default_value(u64::MAX)
        .build()
        .unwrap();
    schema
        .add_field(Field::new("blob", FieldType::Bytes).default_value(vec![1u8, 2, 255]))
        .unwrap();
    schema
}

#[test]
fn round_trip_keeps_every_field_and_the_version() {
    let schema = sample();
    let text = schema.to_json();
    let back = Schema::from_json(&text).unwrap();
    assert_eq!(back, schema);
    assert_eq!(back.version(), 2);
    assert_eq!(back.to_json(), text);
    assert!(text.contains("\"type\": \"decimal\""));
    assert!(text.contains("\"default\": \"9.990\""));
}

#[test]
fn any_change_of_meaning_is_detected() {
    let text = sample().to_json();
    let edits = [
        ("\"required\": true", "\"required\": false"),
        ("\"full name\"", "\"full  name\""),
        ("\"9.990\"", "\"9.99\""),
        ("\"type\": \"float32\"", "\"type\": \"float64\""),
        ("\"version\": 2", "\"version\": 3"),
        ("\"name\": \"tags\"", "\"name\": \"tag\""),
    ];
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        let edited = text.replacen(from, to, 1);
        match Schema::from_json(&edited) {
            Err(SchemaError::ChecksumMismatch { .. }) => {}
            other => panic!("editing {from} -> {to} gave {other:?}"),
        }
    }
    // Whitespace does not change the meaning.
    let compact: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(Schema::from_json(&compact.to_string()).is_ok());
}

#[test]
fn missing_or_damaged_documents_are_errors() {
    let text = sample().to_json();
    let without: String =
        text.lines().filter(|l| !l.contains("checksum")).collect::<Vec<_>>().join("\n");
    let without = without.replace("],\n}", "]\n}");
    let err = Schema::from_json(&without).unwrap_err();
    assert!(err.to_string().contains("no `checksum`"), "{err}");
    assert_eq!(Schema::from_json_unverified(&without).unwrap(), sample());

    assert!(matches!(
        Schema::from_json(&text[..text.len() / 2]),
        Err(SchemaError::SchemaJson { .. })
    ));
    let unknown_type = Schema::from_json_unverified(
        r#"{"srdb_schema":1,"version":1,"fields":[{"name":"a","type":"int128"}]}"#,
    );
    assert!(unknown_type.unwrap_err().to_string().contains("`int128` is not a field type"));
    let future =
        Schema::from_json_unverified(r#"{"srdb_schema":2,"version":1,"fields":[]}"#).unwrap_err();
    assert!(future.to_string().contains("`srdb_schema` is 2"));
    let bad_default = Schema::from_json_unverified(
        r#"{"srdb_schema":1,"version":1,"fields":[{"name":"a","type":"int8","default":300}]}"#,
    );
    assert!(bad_default.unwrap_err().to_string().contains("`a`"));
}

#[test]
fn hand_written_schema_with_defaults_for_omitted_flags() {
    let schema = Schema::from_json_unverified(
        r#"{"srdb_schema":1,"version":1,"fields":[
            {"name":"id","type":"uint64","indexed":true},
            {"name":"note","type":"string","nullable":true,"comment":"free text"}]}"#,
    )
    .unwrap();
    assert!(schema.field("id").unwrap().indexed);
    assert!(!schema.field("id").unwrap().nullable);
    assert_eq!(schema.field("note").unwrap().comment, "free text");
    assert!(Schema::from_json(&schema.to_json()).is_ok());
}
