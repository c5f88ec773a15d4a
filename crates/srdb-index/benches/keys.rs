//! Cost of making and reading index keys: an int, a 16-byte string and a
//! decimal, each with its `_seq`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use srdb_index::{decode_index_key, index_key};
use srdb_schema::{FieldType, Value};

fn keys(c: &mut Criterion) {
    let cases = [
        ("int", Value::Int(-123_456_789), FieldType::Int),
        ("string16", Value::from("Shanghai-Pudong!"), FieldType::String),
        ("decimal", Value::Decimal("-12345.678".parse().unwrap()), FieldType::Decimal),
    ];
    for (name, value, ty) in cases {
        c.bench_function(&format!("index_key/{name}"), |b| {
            b.iter(|| index_key(black_box(&value), black_box(42)))
        });
        let key = index_key(&value, 42);
        c.bench_function(&format!("decode_index_key/{name}"), |b| {
            b.iter(|| decode_index_key(black_box(&key), ty).unwrap())
        });
    }
}

criterion_group!(benches, keys);
criterion_main!(benches);
