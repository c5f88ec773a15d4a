//! Validation: defaults, constraints, and error messages that name the field.

use srdb_schema::{Field, FieldType, Row, Schema, SchemaError, UnknownFields, Value};

fn users() -> Schema {
    Schema::builder()
        .field("name", FieldType::String)
        .required()
        .field("age", FieldType::Int8)
        .nullable()
        .field("city", FieldType::String)
        .default_value("Beijing")
        .field("email", FieldType::String)
        .unique()
        .build()
        .unwrap()
}

fn error_for(row: Row) -> String {
    users().validate(&row).unwrap_err().to_string()
}

#[test]
fn defaults_and_nulls_are_applied_in_schema_order() {
    let row = Row::new().with("email", "a@x").with("name", "Ann");
    let validated = users().validate(&row).unwrap();
    assert_eq!(
        validated.values(),
        &[Value::from("Ann"), Value::Null, Value::from("Beijing"), Value::from("a@x")]
    );
    assert!(users().field("email").unwrap().indexed, "unique implies indexed");
}

#[test]
fn each_error_names_the_field_and_the_problem() {
    assert_eq!(
        error_for(Row::new().with("age", 1).with("email", "e")),
        "The field `name` is missing: the field is required."
    );
    assert_eq!(
        error_for(Row::new().with("name", "n")),
        "The field `email` is missing: the field is not nullable and has no default."
    );
    assert_eq!(
        error_for(Row::new().with("name", Value::Null).with("email", "e")),
        "The field `name` is not nullable, but was given NULL."
    );
    assert_eq!(
        error_for(Row::new().with("name", 5).with("email", "e")),
        "The field `name` has type string, but was given a signed integer."
    );
    assert_eq!(
        error_for(Row::new().with("name", "n").with("email", "e").with("age", 300)),
        "The field `age` has type int8, and 300 is out of its range (-128 to 127)."
    );
    let unknown = error_for(Row::new().with("name", "n").with("email", "e").with("nickname", "x"));
    assert!(unknown.starts_with("The field `nickname` is not defined by the schema"), "{unknown}");
}

#[test]
fn unknown_fields_can_be_ignored_on_request() {
    let row = Row::new().with("name", "n").with("email", "e").with("nickname", "x");
    let validated = users().validate_with(row, UnknownFields::Ignore).unwrap();
    assert_eq!(validated.values().len(), 4);
}

#[test]
fn explicit_null_is_not_a_missing_field() {
    // `age` is nullable: an explicit NULL is kept; a missing `city` gets its default,
    // but an explicit NULL for `city` (not nullable) is an error, not the default.
    let err = error_for(Row::new().with("name", "n").with("email", "e").with("city", Value::Null));
    assert_eq!(err, "The field `city` is not nullable, but was given NULL.");
}

#[test]
fn bad_field_definitions_are_refused_with_the_reason() {
    let cases: Vec<(Field, &str)> = vec![
        (Field::new("_seq", FieldType::Int), "reserved"),
        (Field::new("_time", FieldType::Time), "reserved"),
        (Field::new("", FieldType::Int), "empty"),
        (Field::new("1abc", FieldType::Int), "starts with a letter"),
        (Field::new("a b", FieldType::Int), "only letters"),
        (Field::new("x".repeat(65), FieldType::Int), "limit of 64"),
        (Field::new("a", FieldType::Int8).default_value(1000), "default does not fit"),
        (Field::new("a", FieldType::Int).default_value(Value::Null), "NULL but it is not nullable"),
        (Field::new("a", FieldType::Int).required().default_value(1), "required and has a default"),
        (Field::new("a", FieldType::Object).indexed(), "cannot be indexed"),
    ];
    for (field, reason) in cases {
        let name = field.name.clone();
        let err = Schema::new(vec![field]).unwrap_err().to_string();
        assert!(err.contains(reason), "{err} lacks {reason}");
        assert!(err.contains(&format!("`{name}`")), "{err} lacks the name");
    }
    let dup = Schema::builder().field("a", FieldType::Int).field("a", FieldType::Int).build();
    assert!(dup.unwrap_err().to_string().contains("already has a field"));
    let early = Schema::builder().nullable().field("a", FieldType::Int).build();
    assert!(early.unwrap_err().to_string().contains("`nullable` was called before any `field`"));
    assert!(
        Schema::new(vec![Field::new("\u{5e74}\u{9f84}", FieldType::Int)]).is_ok(),
        "Unicode letters"
    );
}

#[test]
fn too_many_fields_and_too_large_rows_are_refused() {
    let fields = (0..=srdb_schema::MAX_FIELDS)
        .map(|i| Field::new(format!("f{i}"), FieldType::Bool))
        .collect();
    assert!(Schema::new(fields).unwrap_err().to_string().contains("at most 1024 fields"));

    let schema = Schema::builder().field("blob", FieldType::Bytes).build().unwrap();
    let big = Row::new().with("blob", vec![0u8; srdb_schema::MAX_ROW_BYTES]);
    assert!(matches!(schema.validate(&big), Err(SchemaError::RowTooLarge { .. })));
}
