//! Borrowed values: a field read from an encoded row without copying its
//! bytes, compared with [`Value`]s in [`Value`]'s total order.

use std::borrow::Cow;
use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::Value;

/// The value of one field, borrowed from an encoded row (see
/// [`crate::RowView::field`]) or from a [`Value`]: strings and bytes are
/// slices, scalars are copied, objects and arrays (which have no borrowed
/// form) are decoded.
///
/// Compared with a [`Value`] by [`ValueRef::cmp_value`], in exactly the order
/// of [`Value::cmp`](Ord::cmp), so a filter reads the same on either form.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)] // Each variant is the `Value` variant of the same name.
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Uint(u64),
    Float32(f32),
    Float64(f64),
    String(&'a str),
    Bool(bool),
    Byte(u8),
    Rune(char),
    Decimal(Decimal),
    Time(i64),
    Duration(i64),
    Bytes(&'a [u8]),
    /// An object or an array.
    Json(Cow<'a, Value>),
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(value: &'a Value) -> ValueRef<'a> {
        match value {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Int(*v),
            Value::Uint(v) => ValueRef::Uint(*v),
            Value::Float32(v) => ValueRef::Float32(*v),
            Value::Float64(v) => ValueRef::Float64(*v),
            Value::String(s) => ValueRef::String(s),
            Value::Bool(v) => ValueRef::Bool(*v),
            Value::Byte(v) => ValueRef::Byte(*v),
            Value::Rune(v) => ValueRef::Rune(*v),
            Value::Decimal(v) => ValueRef::Decimal(*v),
            Value::Time(v) => ValueRef::Time(*v),
            Value::Duration(v) => ValueRef::Duration(*v),
            Value::Bytes(b) => ValueRef::Bytes(b),
            Value::Object(_) | Value::Array(_) => ValueRef::Json(Cow::Borrowed(value)),
        }
    }
}

impl ValueRef<'_> {
    /// Whether this is NULL.
    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// The value, owned.
    pub fn to_value(&self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Int(v) => Value::Int(*v),
            ValueRef::Uint(v) => Value::Uint(*v),
            ValueRef::Float32(v) => Value::Float32(*v),
            ValueRef::Float64(v) => Value::Float64(*v),
            ValueRef::String(s) => Value::String((*s).to_owned()),
            ValueRef::Bool(v) => Value::Bool(*v),
            ValueRef::Byte(v) => Value::Byte(*v),
            ValueRef::Rune(v) => Value::Rune(*v),
            ValueRef::Decimal(v) => Value::Decimal(*v),
            ValueRef::Time(v) => Value::Time(*v),
            ValueRef::Duration(v) => Value::Duration(*v),
            ValueRef::Bytes(b) => Value::Bytes(b.to_vec()),
            ValueRef::Json(v) => v.clone().into_owned(),
        }
    }

    /// The value's bytes if it is a string or bytes, for the text operators.
    #[inline]
    pub fn text_bytes(&self) -> Option<&[u8]> {
        match self {
            ValueRef::String(s) => Some(s.as_bytes()),
            ValueRef::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Compares with `other` in [`Value`]'s total order: the answer is
    /// `self.to_value().cmp(other)`, without copying when both sides have
    /// the same variant (floats then compare by IEEE total order, strings
    /// and bytes by bytes, decimals by value).
    #[inline]
    pub fn cmp_value(&self, other: &Value) -> Ordering {
        match (self, other) {
            (ValueRef::Null, Value::Null) => Ordering::Equal,
            (ValueRef::Int(x), Value::Int(y)) => x.cmp(y),
            (ValueRef::Uint(x), Value::Uint(y)) => x.cmp(y),
            (ValueRef::Byte(x), Value::Byte(y)) => x.cmp(y),
            // Within one float type `Value`'s order is the IEEE total order:
            // NaNs with the sign bit below every number, -0.0 below 0.0.
            (ValueRef::Float32(x), Value::Float32(y)) => x.total_cmp(y),
            (ValueRef::Float64(x), Value::Float64(y)) => x.total_cmp(y),
            (ValueRef::Decimal(x), Value::Decimal(y)) => x.cmp(y),
            (ValueRef::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
            (ValueRef::Bytes(x), Value::Bytes(y)) => (*x).cmp(y.as_slice()),
            (ValueRef::Bool(x), Value::Bool(y)) => x.cmp(y),
            (ValueRef::Rune(x), Value::Rune(y)) => x.cmp(y),
            (ValueRef::Time(x), Value::Time(y)) | (ValueRef::Duration(x), Value::Duration(y)) => {
                x.cmp(y)
            }
            (ValueRef::Json(x), y) => x.as_ref().cmp(y),
            // Different variants: rare once a query is bound (literals take
            // their field's type), so the general order decides.
            (x, y) => x.to_value().cmp(y),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn value() -> impl Strategy<Value = Value> {
        let special_f64 = prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(-f64::NAN),
            Just(f64::from_bits(0x7ff0_0000_0000_0001)),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            any::<f64>(),
        ];
        let special_f32 =
            prop_oneof![Just(0.0f32), Just(-0.0f32), Just(f32::NAN), Just(-f32::NAN), any::<f32>()];
        prop_oneof![
            Just(Value::Null),
            prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), -3i64..3, any::<i64>()]
                .prop_map(Value::Int),
            prop_oneof![Just(u64::MAX), 0u64..3, any::<u64>()].prop_map(Value::Uint),
            special_f32.prop_map(Value::Float32),
            special_f64.prop_map(Value::Float64),
            "[a-c\u{e9}]{0,3}".prop_map(Value::String),
            any::<bool>().prop_map(Value::Bool),
            any::<u8>().prop_map(Value::Byte),
            any::<char>().prop_map(Value::Rune),
            (any::<i64>(), 0u32..28)
                .prop_map(|(m, s)| Value::Decimal(Decimal::new(m % 1_000_000, s % 8))),
            (-2i64..2).prop_map(Value::Time),
            (-2i64..2).prop_map(Value::Duration),
            proptest::collection::vec(0u8..3, 0..3).prop_map(Value::Bytes),
            (0i64..3).prop_map(|n| Value::Array(vec![serde_json::json!(n)])),
        ]
    }

    proptest! {
        #[test]
        fn cmp_value_is_the_order_of_values(a in value(), b in value()) {
            prop_assert_eq!(ValueRef::from(&a).cmp_value(&b), a.cmp(&b), "{:?} vs {:?}", a, b);
            prop_assert_eq!(ValueRef::from(&a).to_value(), a.clone());
        }

        #[test]
        fn cmp_value_is_the_order_of_values_within_a_variant(
            pair in prop_oneof![
                (any::<f64>(), any::<f64>()).prop_map(|(x, y)| (Value::Float64(x), Value::Float64(y))),
                (any::<f32>(), any::<f32>()).prop_map(|(x, y)| (Value::Float32(x), Value::Float32(y))),
                (any::<i64>(), 0u32..29, any::<i64>(), 0u32..29).prop_map(|(m, s, n, t)| {
                    (Value::Decimal(Decimal::new(m, s)), Value::Decimal(Decimal::new(n, t)))
                }),
            ]
        ) {
            let (a, b) = pair;
            prop_assert_eq!(ValueRef::from(&a).cmp_value(&b), a.cmp(&b), "{:?} vs {:?}", a, b);
        }
    }

    #[test]
    fn floats_keep_the_documented_order() {
        let neg_zero = ValueRef::Float64(-0.0);
        assert_eq!(neg_zero.cmp_value(&Value::Float64(0.0)), Ordering::Less);
        assert_eq!(
            ValueRef::Float64(f64::NAN).cmp_value(&Value::Float64(f64::INFINITY)),
            Ordering::Greater
        );
        assert_eq!(
            ValueRef::Float64(-f64::NAN).cmp_value(&Value::Float64(f64::NEG_INFINITY)),
            Ordering::Less
        );
        let one = Decimal::new(10, 1);
        assert_eq!(
            ValueRef::Decimal(one).cmp_value(&Value::Decimal(Decimal::new(100, 2))),
            Ordering::Equal
        );
    }
}
