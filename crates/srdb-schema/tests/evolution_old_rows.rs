//! Schema evolution: fields can be added only if old rows have a value for
//! them, and old rows decode against the new schema with NULL or the default.

use srdb_schema::{
    decode_field, decode_row, encode_row, Field, FieldType, Row, RowView, Schema, SchemaError,
    Value, ValueRef,
};

#[test]
fn old_rows_read_added_fields_as_null_or_default() {
    let mut schema = Schema::builder().field("name", FieldType::String).build().unwrap();
    assert_eq!(schema.version(), 1);
    let old = encode_row(&schema, 5, &schema.validate(&Row::new().with("name", "old")).unwrap());

    schema.add_field(Field::new("email", FieldType::String).nullable()).unwrap();
    schema.add_field(Field::new("level", FieldType::Int16).default_value(3)).unwrap();
    assert_eq!(schema.version(), 3);

    let (time, row) = decode_row(&old, &schema).unwrap();
    assert_eq!(time, 5);
    assert_eq!(row, Row::new().with("name", "old").with("email", Value::Null).with("level", 3));
    assert_eq!(decode_field(&old, &schema, 2).unwrap(), Value::Int(3));
    assert_eq!(decode_field(&old, &schema, 1).unwrap(), Value::Null);
    let view = RowView::new(&old, &schema).unwrap();
    assert_eq!(view.field(0).unwrap(), ValueRef::String("old"));
    assert_eq!(view.field(1).unwrap(), ValueRef::Null);
    assert_eq!(view.field(2).unwrap(), ValueRef::Int(3));

    let new = schema.validate(&Row::new().with("name", "new").with("level", 9)).unwrap();
    assert_eq!(new.schema_version(), 3);
    let bytes = encode_row(&schema, 6, &new);
    assert_eq!(decode_field(&bytes, &schema, 2).unwrap(), Value::Int(9));
}

#[test]
fn a_row_from_a_newer_schema_is_refused_by_the_older_one() {
    let old_schema = Schema::builder().field("a", FieldType::Int).build().unwrap();
    let mut new_schema = old_schema.clone();
    new_schema.add_field(Field::new("b", FieldType::Bool).nullable()).unwrap();
    let row = new_schema.validate(&Row::new().with("a", 1).with("b", true)).unwrap();
    let bytes = encode_row(&new_schema, 0, &row);
    assert!(matches!(decode_row(&bytes, &old_schema), Err(SchemaError::RowFromNewerSchema { .. })));
}

#[test]
fn adding_a_required_value_field_is_refused_and_changes_nothing() {
    let mut schema = Schema::builder().field("a", FieldType::Int).build().unwrap();
    let err = schema.add_field(Field::new("b", FieldType::Int)).unwrap_err();
    assert!(err.to_string().contains("`b`"), "{err}");
    assert!(err.to_string().contains("nullable or have a default"), "{err}");
    assert_eq!(schema.version(), 1);
    assert_eq!(schema.len(), 1);
    assert!(
        schema.add_field(Field::new("a", FieldType::Int).nullable()).is_err(),
        "duplicate name"
    );
    assert_eq!(schema.version(), 1);
}

#[test]
fn a_validated_row_from_before_an_evolution_encodes_as_an_old_row() {
    let mut schema = Schema::builder().field("a", FieldType::Int).build().unwrap();
    let row = schema.validate(&Row::new().with("a", 1)).unwrap();
    schema.add_field(Field::new("b", FieldType::String).default_value("x")).unwrap();
    let bytes = encode_row(&schema, 0, &row);
    assert_eq!(decode_row(&bytes, &schema).unwrap().1, Row::new().with("a", 1).with("b", "x"));
}
