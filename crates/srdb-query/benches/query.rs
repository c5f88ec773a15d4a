//! Cost of the query path outside storage: parsing, binding and planning a
//! typical query, and evaluating its filter on rows in memory.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use srdb_query::{parse_query, plan, TableRow};
use srdb_schema::{FieldType, Row, Schema};

const TEXT: &str = "age >= 18 AND (city = 'Beijing' OR city IN ('Shanghai', 'Shenzhen')) \
                    AND NOT name STARTS WITH 'A' ORDER BY age DESC LIMIT 10 OFFSET 20";

fn schema() -> Schema {
    Schema::builder()
        .field("name", FieldType::String)
        .field("age", FieldType::Int32)
        .indexed()
        .field("city", FieldType::String)
        .indexed()
        .field("score", FieldType::Float64)
        .field("created", FieldType::Time)
        .build()
        .unwrap()
}

fn rows(n: usize) -> Vec<Row> {
    let cities = ["Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Chengdu"];
    (0..n)
        .map(|i| {
            Row::new()
                .with("name", format!("{}user{i}", if i % 7 == 0 { 'A' } else { 'u' }))
                .with("age", (i % 90) as i64)
                .with("city", cities[i % cities.len()])
                .with("score", i as f64 * 0.5)
                .with("created", srdb_schema::Value::Time(i as i64))
        })
        .collect()
}

fn query_path(c: &mut Criterion) {
    let schema = schema();
    c.bench_function("parse_query", |b| b.iter(|| parse_query(black_box(TEXT)).unwrap()));
    let query = parse_query(TEXT).unwrap();
    c.bench_function("bind", |b| b.iter(|| black_box(&query).bind(&schema).unwrap()));
    let bound = query.bind(&schema).unwrap();
    c.bench_function("plan", |b| b.iter(|| plan(black_box(&bound), &schema, &["age", "city"])));

    let rows = rows(10_000);
    let filter = bound.filter().unwrap();
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("filter_10k_rows", |b| {
        b.iter(|| {
            rows.iter()
                .enumerate()
                .filter(|(i, row)| filter.eval(&TableRow { seq: *i as u64, time: 0, row }))
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, query_path);
criterion_main!(benches);
