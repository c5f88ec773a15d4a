//! Row codec costs for a 5-field row: validate, encode, full decode, one-field
//! decode, and the two ways into a row from a serde struct.

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Serialize;
use srdb_schema::{
    decode_field, decode_row, decode_values, encode_row, to_row, FieldType, Row, Schema,
    UnknownFields,
};
use std::hint::black_box;

#[derive(Serialize)]
struct User {
    id: u64,
    name: String,
    age: i32,
    score: f64,
    created: i64,
}

fn schema() -> Schema {
    Schema::builder()
        .field("id", FieldType::Uint64)
        .field("name", FieldType::String)
        .field("age", FieldType::Int32)
        .field("score", FieldType::Float64)
        .field("created", FieldType::Time)
        .build()
        .unwrap()
}

fn user() -> User {
    User {
        id: 123_456,
        name: "Alice Liddell".to_owned(),
        age: 30,
        score: 97.5,
        created: 1_700_000_000_123_456_789,
    }
}

fn bench(c: &mut Criterion) {
    let schema = schema();
    let row: Row = to_row(&user()).unwrap();
    let validated = schema.validate(&row).unwrap();
    let bytes = encode_row(&schema, 1_700_000_000_000_000_000, &validated);

    c.bench_function("row/validate", |b| b.iter(|| schema.validate(black_box(&row)).unwrap()));
    c.bench_function("row/encode", |b| {
        b.iter(|| encode_row(&schema, 1_700_000_000_000_000_000, black_box(&validated)))
    });
    c.bench_function("row/decode_values", |b| {
        b.iter(|| decode_values(black_box(&bytes), &schema).unwrap())
    });
    c.bench_function("row/decode_row", |b| {
        b.iter(|| decode_row(black_box(&bytes), &schema).unwrap())
    });
    c.bench_function("row/decode_field_int", |b| {
        b.iter(|| decode_field(black_box(&bytes), &schema, 2).unwrap())
    });
    c.bench_function("row/decode_field_string", |b| {
        b.iter(|| decode_field(black_box(&bytes), &schema, 1).unwrap())
    });
    let user = user();
    c.bench_function("serde/to_row", |b| b.iter(|| to_row(black_box(&user)).unwrap()));
    c.bench_function("serde/via_json_value", |b| {
        b.iter(|| {
            let json = serde_json::to_value(black_box(&user)).unwrap();
            schema.row_from_json(&json, UnknownFields::Reject).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
