//! A filter compiled for encoded rows gives the answer of the same filter
//! evaluated on the decoded row, for random rows, random filters (bound, and
//! unbound with literals of other types) and every field type, NULL logic
//! included; damaged rows are errors.

mod common;

use std::sync::Arc;

use common::{all_fields, condition, filter, rows, schema};
use proptest::prelude::*;
use srdb_query::{CompiledFilter, Expr, Op, TableRow};
use srdb_schema::{encode_row, Decimal, FieldType, Row, Schema, Value};

/// Fields of every type the common schema lacks.
const OTHER_FIELDS: [(&str, FieldType); 10] = [
    ("f32", FieldType::Float32),
    ("r", FieldType::Rune),
    ("y", FieldType::Byte),
    ("du", FieldType::Duration),
    ("i16", FieldType::Int16),
    ("u8", FieldType::Uint8),
    ("u32", FieldType::Uint32),
    ("o", FieldType::Object),
    ("a", FieldType::Array),
    ("d2", FieldType::Decimal),
];

fn other_schema() -> Schema {
    let mut builder = Schema::builder();
    for (name, ty) in OTHER_FIELDS {
        builder = builder.field(name, ty).nullable();
    }
    builder.build().unwrap()
}

fn other_value(ty: FieldType) -> BoxedStrategy<Value> {
    use FieldType as T;
    let floats = vec![f32::NEG_INFINITY, -1.5, -0.0, 0.0, 2.5, f32::NAN, -f32::NAN];
    match ty {
        T::Float32 => prop::sample::select(floats).prop_map(Value::Float32).boxed(),
        T::Rune => prop::sample::select(vec!['a', 'b', '\u{e9}', '\u{10FFFF}'])
            .prop_map(Value::Rune)
            .boxed(),
        T::Byte => prop::sample::select(vec![0u8, 1, 255]).prop_map(Value::Byte).boxed(),
        T::Duration => (-2i64..3).prop_map(Value::Duration).boxed(),
        T::Int16 => {
            prop_oneof![Just(-32768i64), Just(32767), -2i64..3].prop_map(Value::Int).boxed()
        }
        T::Uint8 => prop_oneof![Just(255u64), 0u64..3].prop_map(Value::Uint).boxed(),
        T::Uint32 => prop_oneof![Just(u64::from(u32::MAX)), 0u64..3].prop_map(Value::Uint).boxed(),
        T::Object => (0i64..3)
            .prop_map(|n| {
                let mut o = serde_json::Map::new();
                o.insert("k".to_owned(), serde_json::json!(n));
                Value::Object(o)
            })
            .boxed(),
        T::Array => (0i64..3).prop_map(|n| Value::Array(vec![serde_json::json!(n)])).boxed(),
        T::Decimal => {
            (-3i64..4, 0u32..3).prop_map(|(m, s)| Value::Decimal(Decimal::new(m, s))).boxed()
        }
        _ => unreachable!("no field of type {ty}"),
    }
}

fn other_rows() -> impl Strategy<Value = Vec<Row>> {
    let row = OTHER_FIELDS
        .map(|(_, ty)| prop_oneof![1 => Just(Value::Null), 4 => other_value(ty)].boxed())
        .to_vec();
    prop::collection::vec(row, 1..8).prop_map(|rows| {
        rows.into_iter()
            .map(|values| OTHER_FIELDS.iter().zip(values).map(|(f, v)| (f.0, v)).collect())
            .collect()
    })
}

fn other_condition() -> BoxedStrategy<Expr> {
    prop::sample::select(OTHER_FIELDS.to_vec())
        .prop_flat_map(|(field, ty)| {
            let lit = move || prop_oneof![1 => Just(Value::Null), 8 => other_value(ty)];
            prop_oneof![
                lit().prop_map(Op::Eq),
                lit().prop_map(Op::Ne),
                lit().prop_map(Op::Lt),
                lit().prop_map(Op::Gte),
                prop::collection::vec(lit(), 1..4).prop_map(Op::In),
                prop::collection::vec(lit(), 1..4).prop_map(Op::NotIn),
                (lit(), lit()).prop_map(|(a, b)| Op::Between(a, b)),
                (lit(), lit()).prop_map(|(a, b)| Op::NotBetween(a, b)),
                Just(Op::IsNull),
                Just(Op::NotNull),
            ]
            .prop_map(move |op| Expr::Cond { field: field.to_owned(), op })
        })
        .boxed()
}

/// Checks that the compiled `expr` agrees with `expr` on every row.
fn agree(schema: &Arc<Schema>, expr: &Expr, rows: &[(u64, i64, Row)]) -> Result<(), TestCaseError> {
    let compiled = CompiledFilter::new(expr, schema.clone()).unwrap();
    for (seq, time, row) in rows {
        let bytes = encode_row(schema, *time, &schema.validate(row).unwrap());
        let want = expr.eval(&TableRow { seq: *seq, time: *time, row });
        prop_assert_eq!(compiled.matches(*seq, &bytes).unwrap(), want, "{} on {:?}", expr, row);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compiled_filters_agree_with_evaluation_on_decoded_rows(
        rows in rows(10),
        expr in filter(condition(all_fields())),
    ) {
        let schema = Arc::new(schema());
        // Unbound: literals may have another type than their field (an
        // integer for a float, NULL anywhere), which the slow path compares.
        agree(&schema, &expr, &rows)?;
        let bound = srdb_query::Query::new().filter(expr).bind(&schema);
        if let Ok(bound) = bound {
            agree(&schema, bound.filter().unwrap(), &rows)?;
        }
    }

    #[test]
    fn compiled_filters_agree_on_every_other_type(
        rows in other_rows(),
        expr in filter(other_condition()),
    ) {
        let schema = Arc::new(other_schema());
        let rows: Vec<(u64, i64, Row)> =
            rows.into_iter().enumerate().map(|(i, r)| (i as u64 + 1, i as i64, r)).collect();
        agree(&schema, &expr, &rows)?;
    }

    #[test]
    fn damaged_rows_are_errors_or_answers_never_panics(
        rows in rows(4),
        expr in filter(condition(all_fields())),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let schema = Arc::new(schema());
        let compiled = CompiledFilter::new(&expr, schema.clone()).unwrap();
        for (seq, time, row) in &rows {
            let mut bytes = encode_row(&schema, *time, &schema.validate(row).unwrap());
            for (at, x) in &flips {
                let i = at.index(bytes.len());
                bytes[i] ^= x;
            }
            let _ = compiled.matches(*seq, &bytes);
        }
    }
}

#[test]
fn unknown_fields_are_refused_and_truncated_rows_are_errors() {
    let schema = Arc::new(schema());
    assert!(CompiledFilter::new(&Expr::field("nope").eq(1), schema.clone()).is_err());
    let by_field = CompiledFilter::new(&Expr::field("i").eq(1), schema.clone()).unwrap();
    assert!(by_field.matches(1, &[0; 12]).is_err());
    let by_time = CompiledFilter::new(&Expr::field("_time").eq(Value::Time(0)), schema).unwrap();
    assert!(by_time.matches(1, &[0; 4]).is_err());
    assert!(by_time.matches(1, &[0; 8]).unwrap());
}

#[test]
fn string_comparisons_read_bytes_and_decoding_reports_invalid_utf8() {
    let schema = Arc::new(Schema::builder().field("s", FieldType::String).build().unwrap());
    let row = schema.validate(&Row::new().with("s", "ab")).unwrap();
    let mut bytes = encode_row(&schema, 0, &row);
    // The variable area ends the row: "ab" becomes "a\xff".
    let last = bytes.len() - 1;
    assert_eq!(bytes[last], b'b');
    bytes[last] = 0xff;
    let compiled = |expr: Expr| CompiledFilter::new(&expr, schema.clone()).unwrap();
    assert!(!compiled(Expr::field("s").eq("ab")).matches(1, &bytes).unwrap());
    assert!(compiled(Expr::field("s").ne("ab")).matches(1, &bytes).unwrap());
    assert!(compiled(Expr::field("s").gt("ab")).matches(1, &bytes).unwrap());
    assert!(!compiled(Expr::field("s").lt("a")).matches(1, &bytes).unwrap());
    // The row is reported when its field is decoded for output.
    assert!(srdb_schema::decode_field(&bytes, &schema, 0).is_err());
}
