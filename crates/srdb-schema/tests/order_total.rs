//! The total order of values: exact across numeric variants, IEEE total
//! order for floats, NULL first, and consistent with equality and hashing.

mod common;

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use serde_json::json;
use srdb_schema::{Decimal, Value};

fn hash(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

#[test]
fn integers_above_2_pow_53_compare_exactly() {
    // As f64 these are all 2^53; SRDB compared them as equal.
    let base = 1i64 << 53;
    assert!(Value::Int(base) < Value::Int(base + 1));
    assert!(Value::Uint(base as u64 + 1) > Value::Int(base));
    assert!(Value::Int(base + 1) > Value::Float64(base as f64));
    assert!(Value::Uint(u64::MAX) > Value::Int(i64::MAX));
    assert!(Value::Uint(u64::MAX) < Value::Float64(18446744073709551616.0));
    assert!(Value::Uint(u64::MAX - 1) < Value::Uint(u64::MAX));
    assert!(Value::Int(i64::MIN) < Value::Int(i64::MIN + 1));
    assert!(Value::Int(i64::MIN) > Value::Float64(-9223372036854777856.0));
    assert!(Value::Decimal(Decimal::from(u64::MAX)) > Value::Uint(u64::MAX - 1));
    assert!(Value::Decimal(Decimal::from_str_exact("0.1").unwrap()) < Value::Float64(0.1));
    assert!(Value::Decimal(Decimal::from_str_exact("0.1").unwrap()) > Value::Float32(0.099_999_99));
}

#[test]
fn floats_follow_the_ieee_total_order_with_nan_and_negative_zero() {
    let neg_nan = Value::Float64(f64::from_bits(0xfff8_0000_0000_0000));
    let ordered = [
        Value::Null,
        neg_nan,
        Value::Float64(f64::NEG_INFINITY),
        Value::Int(i64::MIN),
        Value::Float64(-1.5),
        Value::Float64(-0.0),
        Value::Float64(0.0),
        Value::Float64(f64::from_bits(1)),
        Value::Uint(u64::MAX),
        Value::Float64(f64::INFINITY),
        Value::Float64(f64::NAN),
    ];
    for pair in ordered.windows(2) {
        assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
    }
    assert_eq!(Value::Float64(f64::NAN), Value::Float64(f64::NAN));
    assert_ne!(Value::Float64(-0.0), Value::Float64(0.0));
    // Numerically equal values of different variants are ordered by variant, never equal.
    assert!(Value::Int(1) < Value::Uint(1));
    assert!(Value::Uint(1) < Value::Float64(1.0));
    assert_ne!(Value::Int(0), Value::Float64(-0.0));
    assert_eq!(Value::Decimal(Decimal::new(15, 1)), Value::Decimal(Decimal::new(150, 2)));
}

#[test]
fn families_are_ordered_as_documented() {
    let ordered = [
        Value::Null,
        Value::Bool(false),
        Value::Bool(true),
        Value::Int(i64::MAX),
        Value::Rune('a'),
        Value::Time(i64::MIN),
        Value::Duration(i64::MIN),
        Value::from(""),
        Value::from("a"),
        Value::from("\u{e9}"), // bytes c3 a9 sort after every ASCII byte
        Value::Bytes(vec![]),
        Value::Array(vec![]),
        Value::Object(Default::default()),
    ];
    for pair in ordered.windows(2) {
        assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
    }
    let a = Value::Array(vec![json!(1), json!({"b": 2})]);
    let b = Value::Array(vec![json!(1), json!({"b": 3})]);
    assert!(a < b);
}

fn reference_int_float(a: i64, b: f64) -> Ordering {
    // f64::floor is exact; comparing with the floor as i128 is exact too.
    if b.is_nan() {
        return if b.is_sign_negative() { Ordering::Greater } else { Ordering::Less };
    }
    if b >= 2f64.powi(100) {
        return Ordering::Less;
    }
    if b <= -(2f64.powi(100)) {
        return Ordering::Greater;
    }
    let floor = b.floor();
    match i128::from(a).cmp(&(floor as i128)) {
        Ordering::Equal if b > floor => Ordering::Less,
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn int_float_comparison_is_exact(a in any::<i64>(), bits in any::<u64>(), near in -3i64..3) {
        for b in [f64::from_bits(bits), a as f64, (a as f64) + near as f64] {
            let got = Value::Int(a).cmp(&Value::Float64(b));
            let want = reference_int_float(a, b);
            // Equal numbers are ordered by variant: Int before Float64.
            let want = if want == Ordering::Equal { Ordering::Less } else { want };
            prop_assert_eq!(got, want, "{} vs {}", a, b);
            prop_assert_eq!(Value::Float64(b).cmp(&Value::Int(a)), want.reverse());
        }
    }

    #[test]
    fn int_uint_decimal_comparisons_are_exact(a in any::<i64>(), b in any::<u64>()) {
        let want = i128::from(a).cmp(&i128::from(b));
        // Equal numbers are ordered by variant: Int < Uint < Decimal.
        let int_vs_uint = if want == Ordering::Equal { Ordering::Less } else { want };
        let decimal_vs_uint = if want == Ordering::Equal { Ordering::Greater } else { want };
        prop_assert_eq!(Value::Int(a).cmp(&Value::Uint(b)), int_vs_uint);
        prop_assert_eq!(Value::Decimal(Decimal::from(a)).cmp(&Value::Uint(b)), decimal_vs_uint);
    }

    #[test]
    fn order_is_a_total_order_consistent_with_eq_and_hash(
        a in common::field_type().prop_flat_map(common::value_of),
        b in common::field_type().prop_flat_map(common::value_of),
        c in common::field_type().prop_flat_map(common::value_of),
    ) {
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a.cmp(&a), Ordering::Equal);
        if a == b {
            prop_assert_eq!(hash(&a), hash(&b));
        }
        let mut sorted = [a, b, c];
        sorted.sort();
        prop_assert!(sorted[0] <= sorted[1] && sorted[1] <= sorted[2] && sorted[0] <= sorted[2]);
    }

    #[test]
    fn decimal_float_comparison_is_exact(
        mantissa in 0u32..(1 << 24),
        exponent in -28i32..=40,
        negative in any::<bool>(),
        delta in -2i64..=2,
        other in common::decimal(),
    ) {
        // f = mantissa * 2^exponent, whose exact decimal form is
        // mantissa * 5^k / 10^k for k = -exponent (or an integer when exponent >= 0).
        let magnitude = f64::from(mantissa) * 2f64.powi(exponent);
        let f = if negative { -magnitude } else { magnitude } as f32;
        prop_assume!(f64::from(f.abs()) == magnitude);
        let signed = if negative { -i128::from(mantissa) } else { i128::from(mantissa) };
        let exact = if exponent >= 0 {
            Decimal::from_i128_with_scale(signed << exponent, 0)
        } else {
            let k = exponent.unsigned_abs();
            Decimal::from_i128_with_scale(signed * 5i128.pow(k), k)
        };
        // Decimals at, just below and just above the float, and one anywhere.
        let ulp = Decimal::new(1, exact.scale());
        for d in [exact, exact + ulp * Decimal::from(delta), other] {
            let want = d.cmp(&exact);
            // Equal numbers are ordered by variant: Float32 < Decimal.
            let want = if want == Ordering::Equal { Ordering::Greater } else { want };
            prop_assert_eq!(Value::Decimal(d).cmp(&Value::Float32(f)), want, "{} vs {}", d, f);
            prop_assert_eq!(Value::Float32(f).cmp(&Value::Decimal(d)), want.reverse());
        }
    }
}
