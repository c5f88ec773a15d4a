//! A differential test against SQLite for what both support: random rows
//! with integers, strings, floats and bools (NULLs included), random filters
//! of the operators SQL has, order, offset and limit. SQLite's answer and
//! the naive evaluator's must be the same rows in the same order.
//!
//! Left out on purpose, because the two define them differently: NaN (SQLite
//! has none), `-0.0` (SQLite treats it as `0.0`; srdb orders it below), and
//! values of one column with mixed types. CONTAINS, STARTS WITH and ENDS WITH
//! are written with `instr` and `substr`, which compare exactly (LIKE would
//! ignore case).

use proptest::prelude::*;
use rusqlite::types::Value as Sql;
use srdb_query::{naive_execute, Direction, Expr, Op, Query};
use srdb_schema::{FieldType, Row, Schema, Value};

const FIELDS: [(&str, FieldType); 4] = [
    ("i", FieldType::Int),
    ("s", FieldType::String),
    ("f", FieldType::Float64),
    ("b", FieldType::Bool),
];

fn schema() -> Schema {
    let mut builder = Schema::builder();
    for (name, ty) in FIELDS {
        builder = builder.field(name, ty).nullable();
    }
    builder.build().unwrap()
}

fn value_of(ty: FieldType) -> BoxedStrategy<Value> {
    let inner = match ty {
        FieldType::Int => {
            prop_oneof![Just(i64::MIN), Just(i64::MAX), -3i64..=3].prop_map(Value::Int).boxed()
        }
        FieldType::String => "[aAb\u{e9}]{0,3}".prop_map(Value::String).boxed(),
        FieldType::Float64 => prop::sample::select(vec![
            f64::NEG_INFINITY,
            -1.5,
            0.0,
            0.25,
            3.0,
            1e300,
            f64::INFINITY,
        ])
        .prop_map(Value::Float64)
        .boxed(),
        _ => any::<bool>().prop_map(Value::Bool).boxed(),
    };
    prop_oneof![1 => Just(Value::Null), 5 => inner].boxed()
}

fn condition() -> BoxedStrategy<Expr> {
    (0..FIELDS.len())
        .prop_flat_map(|i| {
            let (field, ty) = FIELDS[i];
            let lit = move || value_of(ty);
            let list = move || prop::collection::vec(value_of(ty), 1..4);
            let mut ops = vec![
                lit().prop_map(Op::Eq).boxed(),
                lit().prop_map(Op::Ne).boxed(),
                lit().prop_map(Op::Lt).boxed(),
                lit().prop_map(Op::Gt).boxed(),
                lit().prop_map(Op::Lte).boxed(),
                lit().prop_map(Op::Gte).boxed(),
                list().prop_map(Op::In).boxed(),
                list().prop_map(Op::NotIn).boxed(),
                (lit(), lit()).prop_map(|(a, b)| Op::Between(a, b)).boxed(),
                (lit(), lit()).prop_map(|(a, b)| Op::NotBetween(a, b)).boxed(),
                Just(Op::IsNull).boxed(),
                Just(Op::NotNull).boxed(),
            ];
            if ty == FieldType::String {
                ops.extend([
                    lit().prop_map(Op::Contains).boxed(),
                    lit().prop_map(Op::NotContains).boxed(),
                    lit().prop_map(Op::StartsWith).boxed(),
                    lit().prop_map(Op::NotStartsWith).boxed(),
                    lit().prop_map(Op::EndsWith).boxed(),
                    lit().prop_map(Op::NotEndsWith).boxed(),
                ]);
            }
            prop::strategy::Union::new(ops)
                .prop_map(move |op| Expr::Cond { field: field.to_owned(), op })
        })
        .boxed()
}

fn query() -> impl Strategy<Value = Query> {
    let filter = condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    });
    let fields = ["i", "s", "f", "b", "_seq", "_time"];
    (
        prop::option::weighted(0.9, filter),
        prop::option::of((prop::sample::select(fields.to_vec()), any::<bool>())),
        0u64..3,
        prop::option::of(0u64..5),
    )
        .prop_map(|(filter, order, offset, limit)| Query {
            filter,
            select: None,
            order_by: order
                .map(|(f, d)| (f.to_owned(), if d { Direction::Desc } else { Direction::Asc })),
            offset,
            limit,
        })
}

fn sql_value(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Int(i) => Sql::Integer(*i),
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Float64(f) => Sql::Real(*f),
        Value::String(s) => Sql::Text(s.clone()),
        other => panic!("no SQLite value for {other:?}"),
    }
}

/// The filter in SQL, its literals as parameters.
fn sql_expr(e: &Expr, params: &mut Vec<Sql>) -> String {
    let mut p = |v: &Value| {
        params.push(sql_value(v));
        "?".to_owned()
    };
    match e {
        Expr::And(ms) if ms.is_empty() => "1".to_owned(),
        Expr::Or(ms) if ms.is_empty() => "0".to_owned(),
        Expr::And(ms) => format!(
            "({})",
            ms.iter().map(|m| sql_expr(m, params)).collect::<Vec<_>>().join(" AND ")
        ),
        Expr::Or(ms) => {
            format!("({})", ms.iter().map(|m| sql_expr(m, params)).collect::<Vec<_>>().join(" OR "))
        }
        Expr::Not(inner) => format!("(NOT {})", sql_expr(inner, params)),
        Expr::Cond { field, op } => {
            let x = format!("\"{field}\"");
            match op {
                Op::Eq(v) => format!("({x} = {})", p(v)),
                Op::Ne(v) => format!("({x} <> {})", p(v)),
                Op::Lt(v) => format!("({x} < {})", p(v)),
                Op::Gt(v) => format!("({x} > {})", p(v)),
                Op::Lte(v) => format!("({x} <= {})", p(v)),
                Op::Gte(v) => format!("({x} >= {})", p(v)),
                Op::In(list) => {
                    format!("({x} IN ({}))", list.iter().map(&mut p).collect::<Vec<_>>().join(", "))
                }
                Op::NotIn(list) => {
                    format!(
                        "({x} NOT IN ({}))",
                        list.iter().map(&mut p).collect::<Vec<_>>().join(", ")
                    )
                }
                Op::Between(a, b) => format!("({x} BETWEEN {} AND {})", p(a), p(b)),
                Op::NotBetween(a, b) => format!("({x} NOT BETWEEN {} AND {})", p(a), p(b)),
                Op::Contains(v) => format!("(instr({x}, {}) > 0)", p(v)),
                Op::NotContains(v) => format!("(NOT instr({x}, {}) > 0)", p(v)),
                Op::StartsWith(v) => starts(&x, &mut p, v, false),
                Op::NotStartsWith(v) => starts(&x, &mut p, v, true),
                Op::EndsWith(v) => ends(&x, &mut p, v, false),
                Op::NotEndsWith(v) => ends(&x, &mut p, v, true),
                Op::IsNull => format!("({x} IS NULL)"),
                Op::NotNull => format!("({x} IS NOT NULL)"),
            }
        }
    }
}

fn starts(x: &str, p: &mut impl FnMut(&Value) -> String, v: &Value, not: bool) -> String {
    let (a, b) = (p(v), p(v));
    let cond = format!("(substr({x}, 1, length({a})) = {b})");
    if not {
        format!("(NOT {cond})")
    } else {
        cond
    }
}

fn ends(x: &str, p: &mut impl FnMut(&Value) -> String, v: &Value, not: bool) -> String {
    let (a, b, c, d, e) = (p(v), p(v), p(v), p(v), p(v));
    // NULL when x or the pattern is NULL, as in srdb.
    let cond = format!(
        "(CASE WHEN {x} IS NULL OR {a} IS NULL THEN NULL WHEN length({b}) = 0 THEN 1 \
         ELSE length({x}) >= length({c}) AND substr({x}, length({x}) - length({d}) + 1) = {e} END)"
    );
    if not {
        format!("(NOT {cond})")
    } else {
        cond
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn sqlite_gives_the_same_rows(
        values in prop::collection::vec((-2i64..3, FIELDS.map(|(_, ty)| value_of(ty)).to_vec()), 0..12),
        query in query(),
    ) {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE t (_seq INTEGER PRIMARY KEY, _time INTEGER NOT NULL, i INTEGER, s TEXT, f REAL, b INTEGER)",
        )
        .unwrap();
        let mut rows = Vec::new();
        for (n, (time, vals)) in values.into_iter().enumerate() {
            let seq = n as u64 + 1;
            let mut params = vec![Sql::Integer(seq as i64), Sql::Integer(time)];
            params.extend(vals.iter().map(sql_value));
            db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rusqlite::params_from_iter(params)).unwrap();
            let row: Row = FIELDS.iter().zip(vals).map(|((name, _), v)| (*name, v)).collect();
            rows.push((seq, time, row));
        }

        let bound = query.bind(&schema()).unwrap();
        let expected: Vec<u64> = naive_execute(&bound, &rows).into_iter().map(|r| r.0).collect();

        let mut params = Vec::new();
        let mut sql = "SELECT _seq FROM t".to_owned();
        if let Some(filter) = bound.filter() {
            sql += &format!(" WHERE {}", sql_expr(filter, &mut params));
        }
        let (field, dir) = match &bound.query().order_by {
            Some((f, d)) => (f.clone(), if *d == Direction::Desc { "DESC" } else { "ASC" }),
            None => ("_seq".to_owned(), "ASC"),
        };
        sql += &format!(" ORDER BY \"{field}\" {dir}, _seq {dir}");
        let limit = bound.query().limit.map_or(-1, |l| l as i64);
        sql += &format!(" LIMIT {limit} OFFSET {}", bound.query().offset);

        let mut stmt = db.prepare(&sql).unwrap();
        let got: Vec<u64> = stmt
            .query_map(rusqlite::params_from_iter(params), |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|r| r.unwrap() as u64)
            .collect();
        prop_assert_eq!(got, expected, "query {} as SQL {}", query, sql);
    }
}
