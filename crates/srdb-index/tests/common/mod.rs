//! Strategies for values of each field type, shared by the tests.

use proptest::prelude::*;
use srdb_schema::{Decimal, FieldType, Value};

/// Values of `ty` (its own variant, as validation gives), NULL one time in
/// ten, with the type's boundaries and small values over-represented so that
/// equal values and neighbours are common.
pub fn value_of(ty: FieldType) -> BoxedStrategy<Value> {
    let inner = non_null_of(ty);
    prop_oneof![1 => Just(Value::Null), 9 => inner].boxed()
}

fn ints(min: i64, max: i64) -> BoxedStrategy<i64> {
    prop_oneof![Just(min), Just(max), Just(0), Just(-1), Just(1), -3i64..=3, min..=max,]
        .prop_filter("in range", move |v| (min..=max).contains(v))
        .boxed()
}

fn uints(max: u64) -> BoxedStrategy<u64> {
    prop_oneof![Just(0), Just(max), Just(max - 1), 0u64..=3, 0..=max].boxed()
}

fn decimals() -> BoxedStrategy<Decimal> {
    let small = (-2000i64..2000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s));
    let any = (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
        .prop_map(|(lo, mid, hi, neg, s)| Decimal::from_parts(lo, mid, hi, neg, s));
    let extreme = prop_oneof![
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
        Just(Decimal::new(1, 28)),
        Just(Decimal::new(-1, 28)),
        Just(Decimal::from_parts(0, 0, 0, true, 3)),
    ];
    prop_oneof![4 => small, 4 => any, 1 => extreme].boxed()
}

fn floats64() -> BoxedStrategy<f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        Just(0.0),
        Just(-0.0),
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-4i8..4).prop_map(f64::from),
    ]
    .boxed()
}

fn non_null_of(ty: FieldType) -> BoxedStrategy<Value> {
    use FieldType as T;
    match ty {
        T::Int | T::Int64 => ints(i64::MIN, i64::MAX).prop_map(Value::Int).boxed(),
        T::Int8 => ints(i8::MIN.into(), i8::MAX.into()).prop_map(Value::Int).boxed(),
        T::Int16 => ints(i16::MIN.into(), i16::MAX.into()).prop_map(Value::Int).boxed(),
        T::Int32 => ints(i32::MIN.into(), i32::MAX.into()).prop_map(Value::Int).boxed(),
        T::Uint | T::Uint64 => uints(u64::MAX).prop_map(Value::Uint).boxed(),
        T::Uint8 => uints(u8::MAX.into()).prop_map(Value::Uint).boxed(),
        T::Uint16 => uints(u16::MAX.into()).prop_map(Value::Uint).boxed(),
        T::Uint32 => uints(u32::MAX.into()).prop_map(Value::Uint).boxed(),
        T::Float32 => prop_oneof![
            any::<u32>().prop_map(f32::from_bits),
            Just(-0.0f32),
            Just(0.0f32),
            Just(f32::NAN),
            Just(f32::NEG_INFINITY),
            (-4i8..4).prop_map(f32::from),
        ]
        .prop_map(Value::Float32)
        .boxed(),
        T::Float64 => floats64().prop_map(Value::Float64).boxed(),
        T::String => {
            prop_oneof!["[ab\u{0}\u{ff}]{0,4}", any::<String>(),].prop_map(Value::String).boxed()
        }
        T::Bytes => prop_oneof![
            prop::collection::vec(prop::sample::select(vec![0u8, 1, 0xFE, 0xFF, b'a']), 0..5),
            prop::collection::vec(any::<u8>(), 0..20),
        ]
        .prop_map(Value::Bytes)
        .boxed(),
        T::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        T::Byte => any::<u8>().prop_map(Value::Byte).boxed(),
        T::Rune => prop_oneof![any::<char>(), Just('\0'), Just(char::MAX), Just('a')]
            .prop_map(Value::Rune)
            .boxed(),
        T::Decimal => decimals().prop_map(Value::Decimal).boxed(),
        T::Time => ints(i64::MIN, i64::MAX).prop_map(Value::Time).boxed(),
        T::Duration => ints(i64::MIN, i64::MAX).prop_map(Value::Duration).boxed(),
        T::Object | T::Array => unreachable!("objects and arrays are not indexable"),
    }
}
