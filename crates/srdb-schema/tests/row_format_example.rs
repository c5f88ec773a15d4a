//! The worked example of `docs/format/row.md`, byte for byte, so that the
//! specification and the code cannot drift apart.

use srdb_schema::{decode_row, encode_row, FieldType, Row, Schema, Value};

#[test]
fn the_documented_example_encodes_to_the_documented_bytes() {
    let schema = Schema::builder()
        .field("id", FieldType::Uint64)
        .field("name", FieldType::String)
        .field("age", FieldType::Int8)
        .nullable()
        .field("note", FieldType::String)
        .nullable()
        .build()
        .unwrap();
    let row = schema.validate(&Row::new().with("id", 7u64).with("name", "Al")).unwrap();
    let bytes = encode_row(&schema, 1, &row);
    #[rustfmt::skip]
    let expected: Vec<u8> = vec![
        0x01, 0, 0, 0, 0, 0, 0, 0,  // _time = 1
        0x01,                       // codec version
        0x00,                       // flags
        0x04, 0x00,                 // n = 4
        0x01, 0, 0, 0,              // schema version 1
        0x0c,                       // null bitmap
        0x07, 0, 0, 0, 0, 0, 0, 0,  // id
        0x02, 0, 0, 0,              // name ends at 2
        0x00,                       // age (NULL)
        0x02, 0, 0, 0,              // note ends at 2 (NULL)
        0x41, 0x6c,                 // "Al"
    ];
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), 36);
    let (_, back) = decode_row(&bytes, &schema).unwrap();
    assert_eq!(back.get("age"), Some(&Value::Null));
}
