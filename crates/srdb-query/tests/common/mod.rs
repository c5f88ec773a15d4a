//! Shared by the query tests: a table schema with fields of many types,
//! strategies for rows and queries over it, and an in-memory executor of
//! plans (indexes as sorted maps of index keys), the way the table layer runs
//! them.
#![allow(dead_code)] // Each test binary uses a part.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use proptest::prelude::*;
use srdb_index::{index_key, range_is_empty};
use srdb_query::{compare_rows, Access, Direction, Expr, Op, Plan, Query, RowAccess, TableRow};
use srdb_schema::{Decimal, FieldType, Row, Schema, Value};

/// Fields of the test table: (name, type, indexed). All nullable.
pub const FIELDS: [(&str, FieldType, bool); 9] = [
    ("i", FieldType::Int, true),
    ("u", FieldType::Uint64, true),
    ("s", FieldType::String, true),
    ("f", FieldType::Float64, false),
    ("d", FieldType::Decimal, true),
    ("b", FieldType::Bool, false),
    ("by", FieldType::Bytes, true),
    ("t", FieldType::Time, false),
    ("n8", FieldType::Int8, true),
];

pub fn schema() -> Schema {
    let mut builder = Schema::builder();
    for (name, ty, _) in FIELDS {
        builder = builder.field(name, ty).nullable();
    }
    builder.build().expect("the test schema is valid")
}

pub fn indexed() -> Vec<&'static str> {
    FIELDS.iter().filter(|f| f.2).map(|f| f.0).collect()
}

/// A non-NULL value of `ty` from a small domain (so that equal values are
/// common) with the type's extremes.
pub fn value_of(ty: FieldType) -> BoxedStrategy<Value> {
    use FieldType as T;
    match ty {
        T::Int => {
            prop_oneof![Just(i64::MIN), Just(i64::MAX), -3i64..=3].prop_map(Value::Int).boxed()
        }
        T::Int8 => prop_oneof![Just(-128i64), Just(127), -3i64..=3].prop_map(Value::Int).boxed(),
        T::Uint64 => {
            prop_oneof![Just(u64::MAX), Just(1u64 << 63), 0u64..=4].prop_map(Value::Uint).boxed()
        }
        T::String => "[ab\u{e9}]{0,3}".prop_map(Value::String).boxed(),
        T::Float64 => prop::sample::select(vec![
            f64::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            0.5,
            2.5,
            f64::INFINITY,
            f64::NAN,
        ])
        .prop_map(Value::Float64)
        .boxed(),
        T::Decimal => {
            (-30i64..30, 0u32..3).prop_map(|(m, s)| Value::Decimal(Decimal::new(m, s))).boxed()
        }
        T::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        T::Bytes => prop::collection::vec(prop::sample::select(vec![0u8, 1, 0xFF]), 0..3)
            .prop_map(Value::Bytes)
            .boxed(),
        T::Time => prop_oneof![Just(i64::MIN), -2i64..=2].prop_map(Value::Time).boxed(),
        T::Uint => (0u64..5).prop_map(Value::Uint).boxed(),
        _ => unreachable!("the test schema has no field of type {ty}"),
    }
}

fn nullable_value(ty: FieldType) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 4 => value_of(ty)].boxed()
}

/// Rows of the test table with `_seq` 1, 2, ... and small `_time`s.
pub fn rows(max: usize) -> impl Strategy<Value = Vec<(u64, i64, Row)>> {
    let row = (-2i64..3, FIELDS.map(|(_, ty, _)| nullable_value(ty)).to_vec());
    prop::collection::vec(row, 0..max).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (time, values))| {
                let row: Row = FIELDS.iter().zip(values).map(|(f, v)| (f.0, v)).collect();
                (i as u64 + 1, time, row)
            })
            .collect()
    })
}

/// The type of a field of the test table, `_seq` and `_time` included.
pub fn type_of(field: &str) -> FieldType {
    match field {
        "_seq" => FieldType::Uint64,
        "_time" => FieldType::Time,
        _ => FIELDS.iter().find(|f| f.0 == field).map(|f| f.1).expect("a test field"),
    }
}

fn literal_of(field: &'static str) -> BoxedStrategy<Value> {
    match field {
        "_seq" => (0u64..8).prop_map(Value::Uint).boxed(),
        "_time" => (-3i64..4).prop_map(Value::Time).boxed(),
        _ => prop_oneof![1 => Just(Value::Null), 12 => value_of(type_of(field))].boxed(),
    }
}

/// A condition on one of `fields` with literals of its type.
pub fn condition(fields: Vec<&'static str>) -> BoxedStrategy<Expr> {
    prop::sample::select(fields)
        .prop_flat_map(|field| {
            let ty = type_of(field);
            let lit = || literal_of(field);
            let list = || prop::collection::vec(literal_of(field), 1..4);
            let mut ops: Vec<BoxedStrategy<Op>> = vec![
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
            if matches!(ty, FieldType::String | FieldType::Bytes) {
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

/// A filter of up to three levels of AND / OR / NOT over `leaf`.
pub fn filter(leaf: BoxedStrategy<Expr>) -> BoxedStrategy<Expr> {
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
    .boxed()
}

pub fn all_fields() -> Vec<&'static str> {
    let mut fields: Vec<&'static str> = FIELDS.iter().map(|f| f.0).collect();
    fields.extend(["_seq", "_time"]);
    fields
}

/// A query over the test table: any filter, order, offset, limit and
/// projection.
pub fn query() -> impl Strategy<Value = Query> {
    (
        prop::option::weighted(0.9, filter(condition(all_fields()))),
        prop::option::of((prop::sample::select(all_fields()), any::<bool>())),
        prop_oneof![3 => Just(0u64), 1 => 0u64..4],
        prop::option::of(0u64..6),
        prop::option::weighted(0.3, prop::sample::subsequence(all_fields(), 1..4)),
    )
        .prop_map(|(filter, order, offset, limit, select)| Query {
            filter,
            select: select.map(|s| s.into_iter().map(str::to_owned).collect()),
            order_by: order.map(|(f, desc)| {
                (f.to_owned(), if desc { Direction::Desc } else { Direction::Asc })
            }),
            offset,
            limit,
        })
}

/// Runs `plan` over `rows` as the table layer does: indexes as sorted maps
/// of index keys, candidates by the access path, time pruning, residual,
/// sort when needed, offset, limit, projection.
pub fn execute(plan: &Plan, rows: &[(u64, i64, Row)], indexes: &[&str]) -> Vec<(u64, i64, Row)> {
    let by_seq: BTreeMap<u64, &(u64, i64, Row)> = rows.iter().map(|r| (r.0, r)).collect();
    let index_of = |field: &str| -> BTreeSet<Vec<u8>> {
        assert!(indexes.contains(&field), "the plan scans `{field}`, which has no index");
        rows.iter()
            .map(|(seq, _, row)| index_key(row.get(field).unwrap_or(&Value::Null), *seq))
            .collect()
    };
    let candidates = access_rows(&plan.access, &by_seq, &index_of);
    let mut matched: Vec<&(u64, i64, Row)> = candidates
        .into_iter()
        .filter(|(_, time, _)| plan.time_range.is_none_or(|range| in_range(&range, time)))
        .filter(|(seq, time, row)| {
            plan.residual.as_ref().is_none_or(|f| f.eval(&TableRow { seq: *seq, time: *time, row }))
        })
        .collect();
    if plan.needs_sort {
        let (field, direction) =
            plan.order.clone().unwrap_or_else(|| ("_seq".to_owned(), Direction::Asc));
        let key = |r: &(u64, i64, Row)| {
            TableRow { seq: r.0, time: r.1, row: &r.2 }.value(&field).unwrap().into_owned()
        };
        matched.sort_by(|a, b| compare_rows((a.0, &key(a)), (b.0, &key(b)), direction));
    }
    matched
        .into_iter()
        .skip(plan.offset as usize)
        .take(plan.limit.map_or(usize::MAX, |l| l as usize))
        .map(|(seq, time, row)| {
            let projected = match &plan.projection {
                None => row.clone(),
                Some(fields) => fields
                    .iter()
                    .map(|f| {
                        let full = TableRow { seq: *seq, time: *time, row };
                        let v = full.value(f).unwrap().into_owned();
                        (f.clone(), v)
                    })
                    .collect(),
            };
            (*seq, *time, projected)
        })
        .collect()
}

fn in_range<T: Ord>(range: &(Bound<T>, Bound<T>), x: &T) -> bool {
    use std::ops::RangeBounds;
    range.contains(x)
}

fn access_rows<'a>(
    access: &Access,
    by_seq: &BTreeMap<u64, &'a (u64, i64, Row)>,
    index_of: &dyn Fn(&str) -> BTreeSet<Vec<u8>>,
) -> Vec<&'a (u64, i64, Row)> {
    match access {
        Access::Empty => Vec::new(),
        Access::SeqRange { start, end, reverse } => {
            let empty = match (start, end) {
                (Bound::Included(s), Bound::Included(e)) => s > e,
                (Bound::Included(s) | Bound::Excluded(s), Bound::Excluded(e))
                | (Bound::Excluded(s), Bound::Included(e)) => s >= e,
                _ => false,
            };
            if empty {
                return Vec::new();
            }
            let mut out: Vec<_> = by_seq.range((*start, *end)).map(|(_, r)| *r).collect();
            if *reverse {
                out.reverse();
            }
            out
        }
        Access::IndexRanges { field, ranges, reverse, .. } => {
            let index = index_of(field);
            let mut keys: Vec<&Vec<u8>> = Vec::new();
            for range in ranges.iter().filter(|r| !range_is_empty(r)) {
                keys.extend(index.range::<Vec<u8>, _>(range.clone()));
            }
            // Sorted, disjoint ranges yield each key once, in order.
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "index ranges overlap or are unsorted");
            if *reverse {
                keys.reverse();
            }
            keys.into_iter()
                .map(|k| {
                    let seq = u64::from_be_bytes(k[k.len() - 8..].try_into().unwrap());
                    by_seq[&seq]
                })
                .collect()
        }
        Access::IndexUnion(members) => {
            let mut seqs = BTreeSet::new();
            for member in members {
                assert!(!matches!(member, Access::IndexUnion(_)), "a union inside a union");
                seqs.extend(access_rows(member, by_seq, index_of).into_iter().map(|r| r.0));
            }
            seqs.into_iter().map(|s| by_seq[&s]).collect()
        }
    }
}
