//! Queries against the naive evaluator: random rows, random indexes and
//! random queries (the 18 operators, AND / OR / NOT, order, offset, limit,
//! projection, `_seq` and `_time` conditions). The table's answer must equal
//! `srdb_query::naive_execute` over all rows, before and after flush,
//! compaction, deletes and reopen.

use proptest::prelude::*;
use srdb::{
    Database, Direction, Expr, FieldType, Options, Query, Row, Schema, Table, TableOptions, Value,
};

const FIELDS: [&str; 5] = ["i", "u", "f", "s", "b"];

fn schema(indexed: &[bool; 5]) -> Schema {
    let types =
        [FieldType::Int, FieldType::Uint8, FieldType::Float64, FieldType::String, FieldType::Bool];
    let mut builder = Schema::builder();
    for ((name, ty), idx) in FIELDS.iter().zip(types).zip(indexed) {
        builder = builder.field(*name, ty).nullable();
        if *idx {
            builder = builder.indexed();
        }
    }
    builder.build().unwrap()
}

fn literal(field: &str) -> BoxedStrategy<Value> {
    match field {
        "i" => (-3i64..4).prop_map(Value::Int).boxed(),
        "u" => (0u64..6).prop_map(Value::Uint).boxed(),
        "f" => prop_oneof![
            Just(-0.0),
            Just(0.0),
            Just(1.5),
            Just(-2.25),
            Just(f64::NAN),
            Just(f64::INFINITY)
        ]
        .prop_map(Value::Float64)
        .boxed(),
        "s" => "[ab\u{0}é]{0,3}".prop_map(Value::String).boxed(),
        "b" => any::<bool>().prop_map(Value::Bool).boxed(),
        "_seq" => (0u64..40).prop_map(Value::Uint).boxed(),
        _ => (0i64..400).prop_map(Value::Time).boxed(),
    }
}

fn value(field: &'static str) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 4 => literal(field)].boxed()
}

fn row() -> impl Strategy<Value = (Vec<Value>, i64)> {
    ((value("i"), value("u"), value("f"), value("s"), value("b")), 0i64..400)
        .prop_map(|((i, u, f, s, b), t)| (vec![i, u, f, s, b], t))
}

fn condition() -> impl Strategy<Value = Expr> {
    let field = prop_oneof![
        Just("i"),
        Just("u"),
        Just("f"),
        Just("s"),
        Just("b"),
        Just("_seq"),
        Just("_time")
    ];
    (field, 0u8..18, proptest::collection::vec(any::<u8>(), 3)).prop_flat_map(|(field, op, _)| {
        let text = field == "s";
        (
            Just(field),
            Just(op),
            literal(field),
            literal(field),
            proptest::collection::vec(literal(field), 0..4),
        )
            .prop_map(move |(field, op, a, b, list)| {
                let f = Expr::field(field);
                match (op, text) {
                    (0, _) => f.eq(a),
                    (1, _) => f.ne(a),
                    (2, _) => f.lt(a),
                    (3, _) => f.gt(a),
                    (4, _) => f.lte(a),
                    (5, _) => f.gte(a),
                    (6, _) => f.in_(list),
                    (7, _) => f.not_in(list),
                    (8, _) => f.between(a, b),
                    (9, _) => f.not_between(a, b),
                    (10, true) => f.contains(a),
                    (11, true) => f.not_contains(a),
                    (12, true) => f.starts_with(a),
                    (13, true) => f.not_starts_with(a),
                    (14, true) => f.ends_with(a),
                    (15, true) => f.not_ends_with(a),
                    (16, _) => f.is_null(),
                    _ => f.not_null(),
                }
            })
    })
}

fn filter() -> impl Strategy<Value = Expr> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            inner.prop_map(Expr::negate),
        ]
    })
}

fn query() -> impl Strategy<Value = Query> {
    let order = proptest::option::of((
        prop_oneof![Just("i"), Just("u"), Just("f"), Just("s"), Just("_seq"), Just("_time")],
        any::<bool>(),
    ));
    let select = proptest::option::weighted(
        0.3,
        proptest::sample::subsequence(vec!["_seq", "s", "i", "_time", "b"], 1..4),
    );
    (
        proptest::option::weighted(0.9, filter()),
        order,
        0u64..4,
        proptest::option::weighted(0.5, 0u64..8),
        select,
    )
        .prop_map(|(filter, order, offset, limit, select)| {
            let mut q = Query::new().offset(offset);
            if let Some(f) = filter {
                q = q.filter(f);
            }
            if let Some((field, desc)) = order {
                q = q.order_by(field, if desc { Direction::Desc } else { Direction::Asc });
            }
            if let Some(l) = limit {
                q = q.limit(l);
            }
            if let Some(s) = select {
                q = q.select(s);
            }
            q
        })
}

/// Rows as the naive evaluator takes them: `_seq`, `_time`, fields.
type Rows = Vec<(u64, i64, Row)>;

fn check(t: &Table, rows: &Rows, queries: &[Query], stage: &str) {
    let schema = t.schema();
    for q in queries {
        let bound = q.bind(&schema).unwrap();
        let want: Vec<Row> = srdb_query::naive_execute(&bound, rows)
            .into_iter()
            .map(|(seq, time, row)| match q.select {
                Some(_) => row,
                None => {
                    let mut full = Row::new().with("_seq", seq).with("_time", Value::Time(time));
                    for (n, v) in row {
                        full.insert(n, v);
                    }
                    full
                }
            })
            .collect();
        let query = t.query_from(q.clone());
        let got = query.all().unwrap();
        let plan = query.explain().unwrap();
        assert_eq!(got, want, "{stage}: {q}\nplan: {plan}");
        let expected_count = want.len() as u64;
        assert_eq!(query.count().unwrap(), expected_count, "{stage}: count of {q}");
        assert_eq!(
            query.last().unwrap(),
            want.last().cloned(),
            "{stage}: last of {q}\nplan: {plan}"
        );
    }
}

fn run(
    indexed: [bool; 5],
    inserts: Vec<(Vec<Value>, i64)>,
    deletes: Vec<usize>,
    queries: Vec<Query>,
) {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options { memtable_bytes: 64 << 10, ..Options::default() };
    let db = Database::open_with(dir.path(), opts.clone()).unwrap();
    let t = db
        .create_table_with("q", schema(&indexed), TableOptions::default().caller_time(true))
        .unwrap();
    let mut rows: Rows = Vec::new();
    let half = inserts.len() / 2;
    for (n, chunk) in [&inserts[..half], &inserts[half..]].into_iter().enumerate() {
        let batch = chunk.iter().map(|(values, time)| {
            let mut r: Row = FIELDS.iter().zip(values).map(|(f, v)| (*f, v.clone())).collect();
            r.insert("_time", Value::Time(*time));
            r
        });
        let seqs = t.insert_batch(batch).unwrap();
        let schema = t.schema();
        for (seq, (values, time)) in seqs.zip(chunk) {
            let row: Row = FIELDS.iter().zip(values).map(|(f, v)| (*f, v.clone())).collect();
            let validated = schema.validate(&row).unwrap().to_row(&schema);
            rows.push((seq, *time, validated));
        }
        if n == 0 {
            db.flush().unwrap();
        }
    }
    check(&t, &rows, &queries, "memtable and L0");
    for d in deletes {
        if rows.is_empty() {
            break;
        }
        let (seq, _, _) = rows.remove(d % rows.len());
        assert!(t.delete(seq).unwrap());
    }
    check(&t, &rows, &queries, "after deletes");
    db.engine().compact().unwrap();
    check(&t, &rows, &queries, "compacted");
    drop(t);
    db.close().unwrap();
    let db = Database::open_with(dir.path(), opts).unwrap();
    let t = db.table("q").unwrap();
    check(&t, &rows, &queries, "reopened");
    // The same answers without any index.
    for (field, idx) in FIELDS.iter().zip(indexed) {
        if idx {
            t.drop_index(field).unwrap();
        }
    }
    check(&t, &rows, &queries, "no index");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn queries_equal_the_naive_answer(
        indexed in any::<[bool; 5]>(),
        inserts in proptest::collection::vec(row(), 0..60),
        deletes in proptest::collection::vec(any::<usize>(), 0..10),
        queries in proptest::collection::vec(query(), 1..12),
    ) {
        run(indexed, inserts, deletes, queries);
    }
}
