//! Each operator on each kind of value, at the boundaries, and SQL's NULL
//! logic.

use std::sync::Arc;

use srdb_query::{parse_query, CompiledFilter, Expr, Query, QueryError, TableRow};
use srdb_schema::{encode_row, Decimal, FieldType, Row, Schema, Value};

fn schema() -> Schema {
    Schema::builder()
        .field("i", FieldType::Int)
        .nullable()
        .field("u", FieldType::Uint64)
        .nullable()
        .field("i8", FieldType::Int8)
        .nullable()
        .field("f", FieldType::Float64)
        .nullable()
        .field("f32", FieldType::Float32)
        .nullable()
        .field("d", FieldType::Decimal)
        .nullable()
        .field("s", FieldType::String)
        .nullable()
        .field("bin", FieldType::Bytes)
        .nullable()
        .field("b", FieldType::Bool)
        .nullable()
        .field("t", FieldType::Time)
        .nullable()
        .field("du", FieldType::Duration)
        .nullable()
        .field("r", FieldType::Rune)
        .nullable()
        .field("y", FieldType::Byte)
        .nullable()
        .build()
        .unwrap()
}

/// Whether the row (with `_seq` 7 and `_time` 1000) matches the filter text,
/// checking that the filter compiled for encoded rows gives the same answer.
fn matches(filter: &str, row: &Row) -> bool {
    let schema = Arc::new(schema());
    let bound = parse_query(filter).unwrap().bind(&schema).unwrap();
    let expr = bound.filter().unwrap();
    let answer = expr.eval(&TableRow { seq: 7, time: 1000, row });
    if let Ok(valid) = schema.validate(row) {
        let bytes = encode_row(&schema, 1000, &valid);
        let compiled = CompiledFilter::new(expr, schema.clone()).unwrap();
        assert_eq!(compiled.matches(7, &bytes).unwrap(), answer, "{filter} on {row:?}");
    }
    answer
}

fn row(field: &str, value: impl Into<Value>) -> Row {
    Row::new().with(field, value)
}

#[test]
fn integers_over_their_full_range() {
    let max = row("u", u64::MAX);
    assert!(matches("u = 18446744073709551615", &max));
    assert!(matches("u > 18446744073709551614", &max));
    assert!(matches("u > 9223372036854775807", &max));
    assert!(!matches("u < 9223372036854775807", &max));
    let min = row("i", i64::MIN);
    assert!(matches("i = -9223372036854775808", &min));
    assert!(matches("i < -9223372036854775807", &min));
    assert!(matches("i BETWEEN -9223372036854775808 AND 0", &min));
    // 2^53 + 1 is not a float: no detour through f64.
    let big = row("i", 9_007_199_254_740_993i64);
    assert!(!matches("i = 9007199254740992", &big));
    assert!(matches("i > 9007199254740992", &big));
    assert!(matches("i8 IN (-128, 127)", &row("i8", -128)));
}

#[test]
fn floats_in_ieee_total_order() {
    let nan = row("f", f64::NAN);
    assert!(matches("f = 'NaN'", &nan), "a NaN equals itself");
    assert!(matches("f > 'inf'", &nan), "a positive NaN is above +inf");
    assert!(!matches("f < 0", &nan));
    assert!(matches("f < 0.0", &row("f", -0.0)), "-0.0 < +0.0");
    assert!(!matches("f = 0.0", &row("f", -0.0)));
    assert!(matches("f = -0.0", &row("f", -0.0)), "the literal -0.0 keeps its sign");
    assert!(!matches("f = -0.0", &row("f", 0.0)));
    assert!(matches("f = 0.1", &row("f", 0.1)), "0.1 is the float nearest 0.1");
    assert!(matches("f32 = 0.1", &row("f32", 0.1f32)));
    assert!(matches("f BETWEEN '-inf' AND 2.5", &row("f", f64::NEG_INFINITY)));
}

#[test]
fn decimals_are_exact() {
    let d = |s: &str| row("d", Value::Decimal(s.parse::<Decimal>().unwrap()));
    assert!(matches("d = 1.50", &d("1.5")));
    assert!(matches("d > 0.1", &d("0.1000000000000000000000000001")));
    assert!(matches("d < -79228162514264337593543950334", &d("-79228162514264337593543950335")));
    assert!(matches("d = '12.30'", &d("12.3")));
    assert!(matches("d = 7", &d("7.000")));
}

#[test]
fn strings_compare_by_bytes() {
    assert!(matches("s < 'a'", &row("s", "B")), "'B' < 'a' in bytes");
    assert!(matches("s > 'z'", &row("s", "é")));
    assert!(matches("s = ''", &row("s", "")));
    assert!(matches("s < 'a'", &row("s", "")));
    let text = row("s", "Hello, world");
    assert!(matches("s CONTAINS 'o, w'", &text));
    assert!(!matches("s CONTAINS 'hello'", &text), "case-sensitive");
    assert!(matches("s STARTS WITH 'Hell'", &text));
    assert!(matches("s ENDS WITH 'world'", &text));
    assert!(matches("s NOT ENDS WITH 'World'", &text));
    assert!(matches("s NOT STARTS WITH 'ello'", &text));
    assert!(matches("s NOT CONTAINS 'xyz'", &text));
    for empty_pattern in ["s CONTAINS ''", "s STARTS WITH ''", "s ENDS WITH ''"] {
        assert!(matches(empty_pattern, &row("s", "")), "{empty_pattern}");
        assert!(matches(empty_pattern, &text), "{empty_pattern}");
    }
    assert!(!matches("s STARTS WITH 'Hello, world!'", &text));
}

#[test]
fn bytes_match_by_bytes() {
    let b = row("bin", vec![0u8, 0xFF, 7]);
    assert!(matches("bin = x'00ff07'", &b));
    assert!(matches("bin STARTS WITH x'00'", &b));
    assert!(matches("bin CONTAINS x'ff07'", &b));
    assert!(matches("bin ENDS WITH x'07'", &b));
    assert!(matches("bin > x'00'", &b));
    assert!(matches("bin STARTS WITH ''", &b));
    assert!(
        matches("bin CONTAINS 'a'", &row("bin", b"xay".to_vec())),
        "a string is its UTF-8 bytes"
    );
}

#[test]
fn times_durations_runes_bools_bytes() {
    let t = row("t", 1_704_067_200_000_000_001i64.pipe_time());
    assert!(matches("t > '2024-01-01T00:00:00Z'", &t));
    assert!(matches("t = '2024-01-01T00:00:00.000000001Z'", &t));
    assert!(matches("t = 1704067200000000001", &t));
    assert!(matches("du = '1h30m'", &row("du", Value::Duration(5_400_000_000_000))));
    assert!(matches("du < 0", &row("du", Value::Duration(-1))));
    assert!(matches("r = 'é'", &row("r", 'é')));
    assert!(matches("r > 'a'", &row("r", 'é')));
    assert!(matches("b = TRUE", &row("b", true)));
    assert!(matches("b > FALSE", &row("b", true)));
    assert!(matches("y = 255", &row("y", 255u8)));
    assert!(matches("_seq = 7 AND _time = 1000", &Row::new()));
    assert!(matches("_seq BETWEEN 1 AND 7 AND _time > '1970-01-01T00:00:00Z'", &Row::new()));
}

trait PipeTime {
    fn pipe_time(self) -> Value;
}

impl PipeTime for i64 {
    fn pipe_time(self) -> Value {
        Value::Time(self)
    }
}

#[test]
fn in_between_and_their_negations() {
    let five = row("i", 5);
    assert!(matches("i IN (1, 5)", &five));
    assert!(!matches("i NOT IN (1, 5)", &five));
    assert!(matches("i NOT IN (1, 2)", &five));
    assert!(matches("i BETWEEN 5 AND 5", &five));
    assert!(!matches("i BETWEEN 6 AND 4", &five), "an empty interval");
    assert!(matches("i NOT BETWEEN 6 AND 9", &five));
    assert!(!matches("i NOT BETWEEN 1 AND 5", &five));
    assert!(matches("i != 4 AND i <> 6 AND i == 5", &five));
}

#[test]
fn null_follows_three_valued_logic() {
    let null = row("i", Value::Null);
    for never in [
        "i = 1",
        "i != 1",
        "i < 1",
        "i > 1",
        "i <= 1",
        "i >= 1",
        "i IN (1, 2)",
        "i NOT IN (1, 2)",
        "i BETWEEN 0 AND 9",
        "i NOT BETWEEN 0 AND 9",
        "NOT i = 1",
        "NOT i != 1",
        "i IS NOT NULL",
        "NOT i IS NULL",
        "i = 1 OR i != 1",
        "NOT (i = 1 AND TRUE)",
    ] {
        assert!(!matches(never, &null), "{never} matched a NULL");
    }
    for always in ["i IS NULL", "NOT i IS NOT NULL", "i IS NULL OR i = 1", "NOT (i = 1 AND FALSE)"]
    {
        assert!(matches(always, &null), "{always} did not match a NULL");
    }
    let one = row("i", 1);
    // Comparisons with a NULL literal are unknown.
    for never in
        ["i = NULL", "i != NULL", "i IN (2, NULL)", "i NOT IN (2, NULL)", "NOT i NOT IN (2, NULL)"]
    {
        assert!(!matches(never, &one), "{never}");
    }
    assert!(matches("i IN (1, NULL)", &one), "a member equal is true whatever the NULL");
    assert!(!matches("i BETWEEN NULL AND 5", &one));
    assert!(matches("NOT i BETWEEN NULL AND 0", &one), "1 > 0 makes BETWEEN false whatever NULL");
    // A missing field is NULL.
    assert!(matches("s IS NULL", &one));
    let s_null = row("s", Value::Null);
    for never in ["s CONTAINS ''", "s NOT CONTAINS 'a'", "s STARTS WITH ''", "s NOT ENDS WITH 'x'"]
    {
        assert!(!matches(never, &s_null), "{never}");
    }
}

#[test]
fn empty_lists_from_code() {
    let schema = schema();
    let null = row("i", Value::Null);
    let eval = |e: Expr| {
        let q = Query::new().filter(e).bind(&schema).unwrap();
        q.filter().unwrap().eval(&null)
    };
    assert!(!eval(Expr::field("i").in_(Vec::<i64>::new())));
    assert!(eval(Expr::field("i").not_in(Vec::<i64>::new())));
    assert!(eval(Expr::And(vec![])));
    assert!(!eval(Expr::Or(vec![])));
}

#[test]
fn bind_errors_name_the_field() {
    let schema = schema();
    let err = |text: &str| parse_query(text).unwrap().bind(&schema).unwrap_err();
    assert!(matches!(err("nope = 1"), QueryError::UnknownField { field } if field == "nope"));
    assert_eq!(
        err("i8 > 300").to_string(),
        "The value given for the field `i8` does not fit its type: The field `i8` has type int8, and 300 is out of its range (-128 to 127)."
    );
    assert!(err("i = 1.5").to_string().contains("`i`"));
    assert!(err("t = 'soon'").to_string().contains("`t`"));
    assert_eq!(
        err("i CONTAINS '1'").to_string(),
        "The operator CONTAINS cannot be used on the field `i`: it applies to string and bytes fields, and `i` has type int."
    );
    assert!(matches!(err("SELECT nope"), QueryError::UnknownField { .. }));
    assert!(matches!(err("ORDER BY nope"), QueryError::UnknownField { .. }));
    assert!(err("u = -1").to_string().contains("`u`"));
    let deep = (0..70).fold(Expr::field("i").eq(1), |e, _| !e);
    assert!(matches!(Query::new().filter(deep).bind(&schema), Err(QueryError::TooLarge { .. })));
}

#[test]
fn fields_lists_each_once() {
    let q = parse_query("a = 1 AND (b = 2 OR NOT a > 3) AND _seq > 1").unwrap();
    assert_eq!(q.filter.unwrap().fields(), ["a", "b", "_seq"]);
    let bound = parse_query("s = 'x' OR i = 1 OR s = 'y'").unwrap().bind(&schema()).unwrap();
    assert_eq!(bound.filter_field_indexes(), [0, 6]);
}
