//! The total order of values, used by queries and indexes. It is described
//! in the "Order" section of the crate documentation.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::Value;

/// Rank of a value's family in the order.
fn family_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_)
        | Value::Uint(_)
        | Value::Byte(_)
        | Value::Float32(_)
        | Value::Float64(_)
        | Value::Decimal(_) => 2,
        Value::Rune(_) => 3,
        Value::Time(_) => 4,
        Value::Duration(_) => 5,
        Value::String(_) => 6,
        Value::Bytes(_) => 7,
        Value::Array(_) => 8,
        Value::Object(_) => 9,
    }
}

/// Rank of a number's variant, to order numerically equal numbers.
fn number_rank(v: &Value) -> u8 {
    match v {
        Value::Int(_) => 0,
        Value::Uint(_) => 1,
        Value::Byte(_) => 2,
        Value::Float32(_) => 3,
        Value::Float64(_) => 4,
        _ => 5,
    }
}

/// A number reduced to one of three exact representations.
#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Dec(Decimal),
    Float(f64),
}

fn num_of(v: &Value) -> Num {
    match *v {
        Value::Int(x) => Num::Int(x.into()),
        Value::Uint(x) => Num::Int(x.into()),
        Value::Byte(x) => Num::Int(x.into()),
        // f32 -> f64 is exact, NaN included.
        Value::Float32(x) => Num::Float(x.into()),
        Value::Float64(x) => Num::Float(x),
        Value::Decimal(x) => Num::Dec(x),
        _ => unreachable!("num_of is only called on numbers"),
    }
}

fn num_of_json(n: &serde_json::Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::Int(i.into())
    } else if let Some(u) = n.as_u64() {
        Num::Int(u.into())
    } else {
        Num::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Compares two numbers by exact mathematical value. NaNs compare as below
/// (sign bit set) or above (sign bit clear) every other number.
fn cmp_num(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Dec(x), Num::Dec(y)) => x.cmp(&y),
        (Num::Int(x), Num::Dec(y)) => int_to_decimal(x).cmp(&y),
        (Num::Dec(x), Num::Int(y)) => x.cmp(&int_to_decimal(y)),
        (Num::Float(x), Num::Float(y)) => match (nan_class(x), nan_class(y)) {
            (0, 0) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            (cx, cy) => cx.cmp(&cy),
        },
        (Num::Float(x), Num::Int(y)) => cmp_float_rational(x, y, 0),
        (Num::Float(x), Num::Dec(y)) => cmp_float_rational(x, y.mantissa(), y.scale()),
        (Num::Int(_) | Num::Dec(_), Num::Float(_)) => cmp_num(b, a).reverse(),
    }
}

/// -1 for a NaN with the sign bit set, 1 for one without, 0 for a number.
fn nan_class(x: f64) -> i8 {
    match (x.is_nan(), x.is_sign_negative()) {
        (false, _) => 0,
        (true, true) => -1,
        (true, false) => 1,
    }
}

fn int_to_decimal(x: i128) -> Decimal {
    // Integers here come from i64, u64 or u8, all far inside the 96-bit
    // mantissa of a decimal.
    Decimal::from_i128_with_scale(x, 0)
}

/// Compares the float `x` with the rational `m / 10^scale` exactly
/// (`|m| < 2^96`, `scale <= 28`).
fn cmp_float_rational(x: f64, m: i128, scale: u32) -> Ordering {
    match nan_class(x) {
        -1 => return Ordering::Less,
        1 => return Ordering::Greater,
        _ => {}
    }
    if x.is_infinite() {
        return if x > 0.0 { Ordering::Greater } else { Ordering::Less };
    }
    let x_sign = if x == 0.0 {
        0
    } else if x > 0.0 {
        1
    } else {
        -1
    };
    let m_sign = m.signum() as i32;
    if x_sign != m_sign || x_sign == 0 {
        return x_sign.cmp(&m_sign);
    }
    let magnitude = cmp_magnitude(x.abs(), m.unsigned_abs(), scale);
    if x_sign > 0 {
        magnitude
    } else {
        magnitude.reverse()
    }
}

/// Compares a finite positive float `x = M * 2^E` with `b / 10^s`:
/// `M * 2^E` vs `b / (2^s * 5^s)`, that is `M * 5^s * 2^(E + s)` vs `b`.
fn cmp_magnitude(x: f64, b: u128, scale: u32) -> Ordering {
    let bits = x.to_bits();
    let exponent_bits = ((bits >> 52) & 0x7ff) as i32;
    let fraction = u128::from(bits & ((1u64 << 52) - 1));
    let (mantissa, exponent) = if exponent_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u128 << 52), exponent_bits - 1075)
    };
    // mantissa < 2^53 and 5^28 < 2^66, so the product fits in a u128.
    let a = mantissa * 5u128.pow(scale);
    let shift = exponent + scale as i32;
    if shift >= 0 {
        match shl_checked(a, shift as u32) {
            Some(scaled) => scaled.cmp(&b),
            None => Ordering::Greater,
        }
    } else {
        match shl_checked(b, shift.unsigned_abs()) {
            Some(scaled) => a.cmp(&scaled),
            None => Ordering::Less,
        }
    }
}

/// `v << shift`, or `None` if bits would be lost (then the result is larger
/// than any u128). Zero shifts to zero.
fn shl_checked(v: u128, shift: u32) -> Option<u128> {
    if v == 0 {
        Some(0)
    } else if shift >= 128 || v.leading_zeros() < shift {
        None
    } else {
        Some(v << shift)
    }
}

fn cmp_numbers(a: &Value, b: &Value) -> Ordering {
    cmp_num(num_of(a), num_of(b)).then_with(|| number_rank(a).cmp(&number_rank(b))).then_with(
        || match (a, b) {
            (Value::Float32(x), Value::Float32(y)) => x.total_cmp(y),
            (Value::Float64(x), Value::Float64(y)) => x.total_cmp(y),
            _ => Ordering::Equal,
        },
    )
}

fn json_rank(v: &Json) -> u8 {
    match v {
        Json::Null => 0,
        Json::Bool(_) => 1,
        Json::Number(_) => 2,
        Json::String(_) => 3,
        Json::Array(_) => 4,
        Json::Object(_) => 5,
    }
}

/// Structural order of JSON values (see the module documentation).
pub(crate) fn cmp_json(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Number(x), Json::Number(y)) => {
            let (nx, ny) = (num_of_json(x), num_of_json(y));
            let float_rank = |n: Num| matches!(n, Num::Float(_));
            cmp_num(nx, ny).then_with(|| float_rank(nx).cmp(&float_rank(ny)))
        }
        (Json::String(x), Json::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Json::Array(x), Json::Array(y)) => cmp_json_arrays(x, y),
        (Json::Object(x), Json::Object(y)) => cmp_json_objects(x, y),
        _ => json_rank(a).cmp(&json_rank(b)),
    }
}

fn cmp_json_arrays(x: &[Json], y: &[Json]) -> Ordering {
    x.iter()
        .zip(y)
        .map(|(a, b)| cmp_json(a, b))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| x.len().cmp(&y.len()))
}

fn sorted_entries(map: &serde_json::Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut entries: Vec<_> = map.iter().collect();
    // serde_json keeps keys sorted unless its `preserve_order` feature is on;
    // sorting here makes the order independent of that feature.
    entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    entries
}

fn cmp_json_objects(
    x: &serde_json::Map<String, Json>,
    y: &serde_json::Map<String, Json>,
) -> Ordering {
    let (ex, ey) = (sorted_entries(x), sorted_entries(y));
    ex.iter()
        .zip(&ey)
        .map(|((ka, va), (kb, vb))| ka.as_bytes().cmp(kb.as_bytes()).then_with(|| cmp_json(va, vb)))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| ex.len().cmp(&ey.len()))
}

impl Ord for Value {
    /// The total order described in the crate documentation: NULL first,
    /// numbers by exact value across integer, float and decimal variants,
    /// floats in IEEE total order, strings by bytes.
    fn cmp(&self, other: &Self) -> Ordering {
        let (fa, fb) = (family_rank(self), family_rank(other));
        if fa != fb {
            return fa.cmp(&fb);
        }
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (Value::Rune(x), Value::Rune(y)) => x.cmp(y),
            (Value::Time(x), Value::Time(y)) | (Value::Duration(x), Value::Duration(y)) => x.cmp(y),
            (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
            (Value::Array(x), Value::Array(y)) => cmp_json_arrays(x, y),
            (Value::Object(x), Value::Object(y)) => cmp_json_objects(x, y),
            _ => cmp_numbers(self, other),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    /// Equal exactly when [`Ord::cmp`] says so: `Float64(NaN)` equals itself,
    /// `Int(1)` does not equal `Uint(1)`, `-0.0` does not equal `+0.0`.
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

fn hash_json<H: Hasher>(v: &Json, state: &mut H) {
    json_rank(v).hash(state);
    match v {
        Json::Null => {}
        Json::Bool(b) => b.hash(state),
        Json::Number(n) => match num_of_json(n) {
            Num::Int(i) => (0u8, i).hash(state),
            // JSON numbers compare -0.0 equal to 0.0 (as serde_json does), so
            // they must hash alike.
            Num::Float(f) => (1u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(state),
            Num::Dec(_) => unreachable!("JSON numbers are never decimals"),
        },
        Json::String(s) => s.hash(state),
        Json::Array(items) => hash_json_array(items, state),
        Json::Object(map) => hash_json_object(map, state),
    }
}

fn hash_json_array<H: Hasher>(items: &[Json], state: &mut H) {
    items.len().hash(state);
    items.iter().for_each(|item| hash_json(item, state));
}

fn hash_json_object<H: Hasher>(map: &serde_json::Map<String, Json>, state: &mut H) {
    map.len().hash(state);
    for (key, value) in sorted_entries(map) {
        key.hash(state);
        hash_json(value, state);
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        family_rank(self).hash(state);
        match self {
            Value::Null => {}
            Value::Bool(v) => v.hash(state),
            Value::Rune(v) => v.hash(state),
            Value::Time(v) | Value::Duration(v) => v.hash(state),
            Value::String(v) => v.hash(state),
            Value::Bytes(v) => v.hash(state),
            Value::Array(items) => hash_json_array(items, state),
            Value::Object(map) => hash_json_object(map, state),
            // Equal numbers have the same variant (see `cmp_numbers`), so the
            // variant and its bits identify them; decimals hash normalised so
            // that 1.5 and 1.50 hash alike.
            Value::Int(v) => (0u8, v).hash(state),
            Value::Uint(v) => (1u8, v).hash(state),
            Value::Byte(v) => (2u8, v).hash(state),
            Value::Float32(v) => (3u8, v.to_bits()).hash(state),
            Value::Float64(v) => (4u8, v.to_bits()).hash(state),
            Value::Decimal(v) => (5u8, v.normalize()).hash(state),
        }
    }
}
