//! The encoding preserves `Value`'s order and decodes back, for every
//! indexable type; key ranges hold exactly the keys of the values they cover.

mod common;

use std::cmp::Ordering;
use std::ops::Bound;

use common::value_of;
use proptest::prelude::*;
use srdb_index::{
    decode_index_key, encode_value, index_key, range_between, range_contains, range_eq, range_gt,
    range_gte, range_is_empty, range_lt, range_lte, range_not_null, range_null, value_range,
};
use srdb_schema::{FieldType, Value};

fn encoding(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(v, &mut out);
    out
}

/// Checks every property of one pair of values of type `ty`.
fn check_pair(ty: FieldType, a: &Value, b: &Value, seq_a: u64, seq_b: u64) {
    // Order of the values alone.
    assert_eq!(encoding(a).cmp(&encoding(b)), a.cmp(b), "{ty}: {a:?} vs {b:?}");
    // Order of whole keys: by value, then by seq.
    let (ka, kb) = (index_key(a, seq_a), index_key(b, seq_b));
    assert_eq!(ka.cmp(&kb), a.cmp(b).then(seq_a.cmp(&seq_b)), "{ty}: keys of {a:?}, {b:?}");
    // Exact inverse (decimals come back normalised, equal under Value's order).
    let (back, seq) = decode_index_key(&ka, ty).expect("a key decodes");
    assert_eq!((&back, seq), (a, seq_a));
    if let (Value::Decimal(x), Value::Decimal(y)) = (&back, a) {
        assert_eq!(*x, y.normalize());
        assert_eq!(x.scale(), y.normalize().scale());
    }
    assert_eq!(index_key(&back, seq), ka, "decoding and encoding again changes the key");
    check_ranges(a, b, &kb);
}

/// `key_b` (a key of `b`) lies in each range built from `a` exactly when `b`
/// satisfies the condition.
fn check_ranges(a: &Value, b: &Value, key_b: &[u8]) {
    let cmp = b.cmp(a);
    let b_null = b.is_null();
    let in_range = |r| range_contains(&r, key_b);
    assert_eq!(in_range(range_null()), b_null);
    assert_eq!(in_range(range_not_null()), !b_null);
    if a.is_null() {
        return;
    }
    assert_eq!(in_range(range_eq(a)), cmp == Ordering::Equal, "eq {a:?}: {b:?}");
    assert_eq!(in_range(range_gt(a)), !b_null && cmp == Ordering::Greater, "gt {a:?}: {b:?}");
    assert_eq!(in_range(range_gte(a)), !b_null && cmp != Ordering::Less, "gte {a:?}: {b:?}");
    assert_eq!(in_range(range_lt(a)), !b_null && cmp == Ordering::Less, "lt {a:?}: {b:?}");
    assert_eq!(in_range(range_lte(a)), !b_null && cmp != Ordering::Greater, "lte {a:?}: {b:?}");
    assert!(!range_is_empty(&range_eq(a)));
}

macro_rules! order_tests {
    ($($name:ident: $ty:expr;)*) => {$(
        proptest! {
            #[test]
            fn $name(a in value_of($ty), b in value_of($ty), sa in any::<u64>(), sb in 0u64..3) {
                check_pair($ty, &a, &b, sa, sb);
                check_pair($ty, &a, &a, sa, sb);
            }
        }
    )*};
}

order_tests! {
    order_int: FieldType::Int;
    order_int8: FieldType::Int8;
    order_int16: FieldType::Int16;
    order_int32: FieldType::Int32;
    order_int64: FieldType::Int64;
    order_uint: FieldType::Uint;
    order_uint8: FieldType::Uint8;
    order_uint16: FieldType::Uint16;
    order_uint32: FieldType::Uint32;
    order_uint64: FieldType::Uint64;
    order_float32: FieldType::Float32;
    order_float64: FieldType::Float64;
    order_string: FieldType::String;
    order_bool: FieldType::Bool;
    order_byte: FieldType::Byte;
    order_rune: FieldType::Rune;
    order_decimal: FieldType::Decimal;
    order_time: FieldType::Time;
    order_duration: FieldType::Duration;
    order_bytes: FieldType::Bytes;
}

proptest! {
    /// A between range holds exactly the values in `low..=high`.
    #[test]
    fn between_holds_the_closed_interval(
        low in value_of(FieldType::Decimal),
        high in value_of(FieldType::Decimal),
        v in value_of(FieldType::Decimal),
    ) {
        prop_assume!(!low.is_null() && !high.is_null());
        let range = range_between(&low, &high);
        let inside = !v.is_null() && low <= v && v <= high;
        prop_assert_eq!(range_contains(&range, &index_key(&v, 9)), inside);
        if low > high {
            prop_assert!(range_is_empty(&range));
        }
    }

    /// Exclusive bounds on both sides.
    #[test]
    fn open_interval(low in value_of(FieldType::Int), high in value_of(FieldType::Int), v in value_of(FieldType::Int)) {
        prop_assume!(!low.is_null() && !high.is_null());
        let range = value_range(Bound::Excluded(&low), Bound::Excluded(&high));
        let inside = !v.is_null() && low < v && v < high;
        prop_assert_eq!(range_contains(&range, &index_key(&v, 0)), inside);
    }
}

#[test]
fn integers_of_every_width_encode_alike() {
    let five = index_key(&Value::Int(5), 1);
    for ty in [FieldType::Int8, FieldType::Int16, FieldType::Int32, FieldType::Int64] {
        assert_eq!(decode_index_key(&five, ty).unwrap(), (Value::Int(5), 1));
    }
    // An int8 index cannot hold 300: such a key is corrupt, not truncated.
    let big = index_key(&Value::Int(300), 1);
    assert!(decode_index_key(&big, FieldType::Int8).is_err());
    assert!(decode_index_key(&big, FieldType::Int16).is_ok());
}

#[test]
fn boundaries_sort_at_the_ends() {
    let keys: Vec<_> =
        [Value::Null, Value::Int(i64::MIN), Value::Int(-1), Value::Int(0), Value::Int(i64::MAX)]
            .iter()
            .map(|v| index_key(v, u64::MAX))
            .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    let keys: Vec<_> = [Value::Null, Value::Uint(0), Value::Uint(1 << 63), Value::Uint(u64::MAX)]
        .iter()
        .map(|v| index_key(v, 0))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn floats_follow_the_ieee_total_order() {
    let order = [
        -f64::NAN,
        f64::NEG_INFINITY,
        -1.0,
        -f64::MIN_POSITIVE,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        1.0,
        f64::INFINITY,
        f64::NAN,
    ];
    let keys: Vec<_> = order.iter().map(|&f| encoding(&Value::Float64(f))).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_string_sorts_before_its_extensions() {
    let order = ["", "\0", "\0\0", "\0a", "a", "a\0", "a\0b", "aa", "b", "\u{ff}"];
    let keys: Vec<_> = order.iter().map(|&s| index_key(&Value::from(s), u64::MAX)).collect();
    for w in keys.windows(2) {
        assert!(w[0] < w[1], "{:?} !< {:?}", w[0], w[1]);
    }
}

#[test]
fn decimals_equal_in_value_share_a_key() {
    let a = Value::Decimal("1.5".parse().unwrap());
    let b = Value::Decimal("1.500".parse().unwrap());
    assert_eq!(encoding(&a), encoding(&b));
    let hundred = Value::Decimal("100".parse().unwrap());
    let (back, _) = decode_index_key(&index_key(&hundred, 0), FieldType::Decimal).unwrap();
    assert_eq!(back, hundred);
    let tiny = Value::Decimal("-0.0000000000000000000000000001".parse().unwrap());
    let (back, _) = decode_index_key(&index_key(&tiny, 0), FieldType::Decimal).unwrap();
    assert_eq!(back, tiny);
}

/// The examples of `docs/format/index-key.md`.
#[test]
fn format_document_examples() {
    let dec = |s: &str| encoding(&Value::Decimal(s.parse().unwrap()));
    assert_eq!(dec("0"), [0x01, 0x02]);
    assert_eq!(dec("100"), [0x01, 0x03, 0x83, 0x02, 0x00]);
    assert_eq!(dec("0.05"), [0x01, 0x03, 0x7F, 0x06, 0x00]);
    assert_eq!(dec("-1.5"), [0x01, 0x01, 0x7E, 0xFD, 0xF9, 0xFF]);
    assert_eq!(encoding(&Value::Null), [0x00]);
    assert_eq!(encoding(&Value::Int(0)), [0x01, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(encoding(&Value::from("a\0")), [0x01, 0x61, 0x00, 0xFF, 0x00, 0x01]);
    assert_eq!(index_key(&Value::Bool(true), 258), [0x01, 0x01, 0, 0, 0, 0, 0, 0, 1, 2]);
}
