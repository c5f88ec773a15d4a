//! The planner's choice on representative queries.

use std::ops::Bound;

use srdb_index::{range_eq, range_starts_with};
use srdb_query::{parse_query, plan, Access, Plan};
use srdb_schema::{FieldType, Schema, Value};

fn schema() -> Schema {
    Schema::builder()
        .field("age", FieldType::Int)
        .nullable()
        .indexed()
        .field("city", FieldType::String)
        .indexed()
        .field("name", FieldType::String)
        .field("score", FieldType::Float64)
        .build()
        .unwrap()
}

fn planned(text: &str) -> Plan {
    let schema = schema();
    plan(&parse_query(text).unwrap().bind(&schema).unwrap(), &schema, &["age", "city"])
}

fn explain(text: &str) -> String {
    planned(text).explain()
}

#[test]
fn equality_and_in_use_the_index() {
    let p = planned("city = 'Beijing'");
    assert_eq!(
        p.access,
        Access::IndexRanges {
            field: "city".into(),
            ty: FieldType::String,
            ranges: vec![range_eq(&Value::from("Beijing"))],
            reverse: false
        }
    );
    assert!(!p.needs_sort, "one value's index entries come in _seq order");
    assert_eq!(
        explain("age IN (30, 10, 20) AND name = 'x'"),
        "IndexRanges age = 10, = 20, = 30 -> filter age IN (30, 10, 20) AND name = 'x' -> sort _seq"
    );
}

#[test]
fn ranges_use_the_index_and_intersect() {
    assert_eq!(explain("age >= 18"), "IndexRanges age [18, +inf) -> filter age >= 18 -> sort _seq");
    assert_eq!(
        explain("age > 18 AND age <= 65 AND score > 1"),
        "IndexRanges age (18, 65] -> filter age > 18 AND age <= 65 AND score > 1.0 -> sort _seq"
    );
    assert_eq!(
        explain("age BETWEEN 1 AND 9"),
        "IndexRanges age [1, 9] -> filter age BETWEEN 1 AND 9 -> sort _seq"
    );
    assert_eq!(
        explain("city STARTS WITH 'Bei'"),
        "IndexRanges city prefix 'Bei' -> filter city STARTS WITH 'Bei' -> sort _seq"
    );
    let p = planned("city STARTS WITH 'Bei'");
    assert!(
        matches!(&p.access, Access::IndexRanges { ranges, .. } if ranges == &vec![range_starts_with(b"Bei")])
    );
    assert_eq!(explain("age IS NULL"), "IndexRanges age NULL -> filter age IS NULL -> sort _seq");
}

#[test]
fn a_selective_index_beats_a_weak_one() {
    assert_eq!(
        explain("age > 5 AND city = 'x'"),
        "IndexRanges city = 'x' -> filter age > 5 AND city = 'x'"
    );
}

#[test]
fn what_no_index_answers_is_a_scan() {
    assert_eq!(explain("name = 'Ann'"), "FullScan -> filter name = 'Ann'");
    assert_eq!(explain("age != 3"), "FullScan -> filter age != 3");
    assert_eq!(explain("NOT age = 3"), "FullScan -> filter NOT age = 3");
    assert_eq!(explain("age IS NOT NULL"), "FullScan -> filter age IS NOT NULL");
    assert_eq!(explain("city CONTAINS 'x'"), "FullScan -> filter city CONTAINS 'x'");
    assert_eq!(explain(""), "FullScan");
}

#[test]
fn or_of_indexed_terms_is_a_union() {
    assert_eq!(
        explain("age = 1 OR city = 'x'"),
        "IndexUnion(IndexRanges age = 1 | IndexRanges city = 'x') -> filter age = 1 OR city = 'x'"
    );
    // Branches on one index merge into one ordered scan.
    assert_eq!(
        explain("city = 'b' OR city = 'a' OR city STARTS WITH 'a'"),
        "IndexRanges city prefix 'a', = 'b' -> filter city = 'b' OR city = 'a' OR city STARTS WITH 'a' -> sort _seq"
    );
    // One branch without an index: a scan.
    assert_eq!(explain("age = 1 OR name = 'x'"), "FullScan -> filter age = 1 OR name = 'x'");
    assert_eq!(
        explain("(age = 1 OR _seq < 10) AND name = 'x'"),
        "IndexUnion(IndexRanges age = 1 | SeqRange (-inf, 10)) -> filter (age = 1 OR _seq < 10) AND name = 'x'"
    );
}

#[test]
fn order_by_an_index_reads_in_order() {
    assert_eq!(explain("ORDER BY age LIMIT 10"), "IndexRanges age all -> limit 10");
    assert_eq!(
        explain("ORDER BY age DESC LIMIT 10 OFFSET 5"),
        "IndexRanges age all reverse -> offset 5 -> limit 10"
    );
    assert_eq!(
        explain("age > 3 ORDER BY age DESC"),
        "IndexRanges age (3, +inf) reverse -> filter age > 3"
    );
    // A selective access on another field wins; the few rows are sorted.
    assert_eq!(
        explain("city = 'x' ORDER BY age LIMIT 3"),
        "IndexRanges city = 'x' -> filter city = 'x' -> sort age top 3 -> limit 3"
    );
    // With a limit, the order index beats a weak range elsewhere.
    assert_eq!(
        explain("city > 'm' ORDER BY age LIMIT 3"),
        "IndexRanges age all -> filter city > 'm' -> limit 3"
    );
    assert_eq!(explain("ORDER BY name LIMIT 2"), "FullScan -> sort name top 2 -> limit 2");
    assert_eq!(explain("ORDER BY name"), "FullScan -> sort name");
}

#[test]
fn seq_ranges_and_order() {
    let p = planned("_seq >= 100 AND _seq < 200 ORDER BY _seq DESC");
    assert_eq!(
        p.access,
        Access::SeqRange { start: Bound::Included(100), end: Bound::Excluded(200), reverse: true }
    );
    assert!(!p.needs_sort);
    assert_eq!(
        explain("_seq IN (5, 1)"),
        "IndexUnion(SeqRange [1, 1] | SeqRange [5, 5]) -> filter _seq IN (5, 1)"
    );
    assert_eq!(explain("ORDER BY _seq DESC LIMIT 1"), "FullScan reverse -> limit 1");
    // _seq is preferred to an index of equal strength.
    assert_eq!(explain("_seq = 3 AND age = 4"), "SeqRange [3, 3] -> filter _seq = 3 AND age = 4");
}

#[test]
fn time_conditions_give_a_time_range() {
    let p = planned("_time >= 10 AND _time < 20 AND name = 'x'");
    assert_eq!(p.time_range, Some((Bound::Included(10), Bound::Excluded(20))));
    assert_eq!(
        p.access,
        Access::SeqRange { start: Bound::Unbounded, end: Bound::Unbounded, reverse: false }
    );
    assert_eq!(
        planned("_time > 5 OR name = 'x'").time_range,
        None,
        "only conditions ANDed at the top count"
    );
    assert!(explain("_time >= '2024-01-01T00:00:00Z'")
        .starts_with("FullScan -> time in ['2024-01-01T00:00:00Z', +inf)"));
}

#[test]
fn contradictions_are_empty() {
    assert_eq!(planned("age = 1 AND age = 2").access, Access::Empty);
    assert_eq!(planned("_time > 5 AND _time < 3").access, Access::Empty);
    assert_eq!(planned("_seq > 5 AND _seq < 3").access, Access::Empty);
    assert_eq!(planned("_seq IS NULL").access, Access::Empty);
    assert_eq!(planned("age = NULL").access, Access::Empty);
    assert_eq!(planned("FALSE AND name = 'x'").access, Access::Empty);
    assert_eq!(
        explain("city = 'a' AND city STARTS WITH 'b'"),
        "Empty (no row can match) -> filter city = 'a' AND city STARTS WITH 'b'"
    );
}

#[test]
fn unindexed_and_unknown_index_names_are_ignored() {
    let schema = schema();
    let q = parse_query("name = 'x'").unwrap().bind(&schema).unwrap();
    assert_eq!(
        plan(&q, &schema, &["name", "nope"]).explain(),
        "IndexRanges name = 'x' -> filter name = 'x'"
    );
    assert_eq!(plan(&q, &schema, &["nope"]).explain(), "FullScan -> filter name = 'x'");
}

#[test]
fn projection_offset_and_limit_are_carried() {
    let p = planned("SELECT name, _seq WHERE age = 1 LIMIT 4 OFFSET 2");
    assert_eq!(p.projection, Some(vec!["name".to_owned(), "_seq".to_owned()]));
    assert_eq!((p.offset, p.limit), (2, Some(4)));
}

/// The residual a table layer that bounds `_seq` scans exactly tests, as
/// text (`-` for none).
fn within_bounds(text: &str) -> String {
    planned(text).residual_within_bounds().map_or_else(|| "-".to_owned(), |e| e.to_string())
}

#[test]
fn conditions_a_seq_scan_settles_exactly_leave_the_residual() {
    let time = "_time BETWEEN '2025-01-01T00:00:00Z' AND '2025-01-02T00:00:00Z'";
    assert_eq!(within_bounds(time), "-");
    assert_eq!(within_bounds(&format!("{time} ORDER BY _seq DESC")), "-");
    assert_eq!(within_bounds(&format!("{time} AND score > 1")), "score > 1.0");
    assert_eq!(within_bounds("_seq BETWEEN 5 AND 9 AND _time > 0"), "-");
    assert_eq!(within_bounds("_seq > 5 AND _seq < 9 AND name = 'x'"), "name = 'x'");
    // Two intervals: the scan reads their hull, so the conditions stay.
    let two = "_time IN ('2025-01-01T00:00:00Z', '2025-01-03T00:00:00Z')";
    assert_eq!(within_bounds(two), planned(two).residual.unwrap().to_string());
    // A condition a range cannot express stays; the others go.
    assert_eq!(
        within_bounds("_time >= '2025-01-01T00:00:00Z' AND _time != '2025-01-02T00:00:00Z'"),
        "_time != '2025-01-02T00:00:00Z'"
    );
    // Under an OR a condition settles nothing.
    let or = "(_time > '2025-01-01T00:00:00Z' OR score > 1) AND _time < '2025-01-02T00:00:00Z'";
    assert_eq!(within_bounds(or), "_time > '2025-01-01T00:00:00Z' OR score > 1.0");
    // An index access does not bound `_time`: its residual stays whole.
    let indexed = format!("age = 3 AND {time}");
    assert_eq!(within_bounds(&indexed), planned(&indexed).residual.unwrap().to_string());
}
