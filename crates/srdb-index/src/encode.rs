//! The order-preserving encoding of values (format in
//! `docs/format/index-key.md`).
//!
//! ```text
//! NULL        00
//! non-NULL    01 payload
//! ```
//!
//! | family | payload |
//! | --- | --- |
//! | `bool` | `00` / `01` |
//! | signed integers, `time`, `duration` | 8 bytes big-endian, sign bit flipped |
//! | unsigned integers | 8 bytes big-endian |
//! | `byte` | 1 byte |
//! | `rune` | code point, 4 bytes big-endian |
//! | `float32` / `float64` | IEEE bits big-endian: all bits flipped if the sign bit is set, else the sign bit flipped |
//! | `decimal` | sign, exponent and digits ([`crate::decimal`]) |
//! | `string` / `bytes` | bytes with `00` escaped as `00 FF`, then `00 01` |
//!
//! Every encoding is prefix-free: no encoded value is a proper prefix of
//! another of the same type. So the index keys of one value are exactly the
//! keys that begin with its encoding, and `value ++ seq` sorts by value first.

use srdb_schema::{FieldType, Value};

use crate::limits::{MAX_INDEX_KEY_BYTES, SEQ_BYTES};
use crate::{decimal, IndexError};

/// First byte of the encoding of NULL. It sorts before every other value.
pub(crate) const TAG_NULL: u8 = 0x00;
/// First byte of the encoding of every non-NULL value.
pub(crate) const TAG_VALUE: u8 = 0x01;
/// Byte that starts an escape sequence or the terminator in strings.
pub(crate) const ESCAPE: u8 = 0x00;
/// After [`ESCAPE`]: the escaped byte was a zero byte.
pub(crate) const ESCAPED_ZERO: u8 = 0xFF;
/// After [`ESCAPE`]: the string ends here.
pub(crate) const TERMINATOR: u8 = 0x01;

const SIGN_BIT_64: u64 = 1 << 63;
const SIGN_BIT_32: u32 = 1 << 31;

/// Appends the order-preserving encoding of `value` to `out`.
///
/// For two values `a` and `b` held by fields of the same type,
/// `encode(a) < encode(b)` (bytewise) exactly when `a < b` under [`Value`]'s
/// total order, and `encode(a) == encode(b)` exactly when `a == b`. NULL sorts
/// first. Integers of every width of one family encode alike (an `int8` and
/// an `int64` holding 5 give the same bytes).
///
/// `value` must be of the variant its field type holds, as
/// [`srdb_schema::Schema::validate`] and [`Value::coerce`] give; values of
/// different variants (`Int` and `Uint`, say) are not ordered against each
/// other. [`encode_field_value`] checks and converts.
///
/// Decimals are encoded normalised: `1.5` and `1.50`, equal under [`Value`]'s
/// order, give the same bytes, and decoding gives `1.5`. Objects and arrays
/// are not indexable; they are encoded as their JSON text like a string, which
/// orders them by that text, not by [`Value`]'s order.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    if value.is_null() {
        out.push(TAG_NULL);
    } else {
        out.push(TAG_VALUE);
        put_payload(value, out);
    }
}

/// Appends the payload of a non-NULL value (NULL has none).
fn put_payload(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(u8::from(*b)),
        Value::Int(v) | Value::Time(v) | Value::Duration(v) => put_i64(*v, out),
        Value::Uint(v) => out.extend_from_slice(&v.to_be_bytes()),
        Value::Byte(v) => out.push(*v),
        Value::Rune(c) => out.extend_from_slice(&u32::from(*c).to_be_bytes()),
        Value::Float32(f) => out.extend_from_slice(&ordered_f32_bits(*f).to_be_bytes()),
        Value::Float64(f) => out.extend_from_slice(&ordered_f64_bits(*f).to_be_bytes()),
        Value::Decimal(d) => decimal::encode(*d, out),
        Value::String(s) => put_escaped(s.as_bytes(), out),
        Value::Bytes(b) => put_escaped(b, out),
        Value::Object(_) | Value::Array(_) => {
            put_escaped(value.to_json().to_string().as_bytes(), out)
        }
    }
}

/// The index key of a row whose indexed field holds `value`:
/// [`encode_value`] followed by `seq` as a big-endian `u64`. Keys sort by
/// value, then by `_seq`.
pub fn index_key(value: &Value, seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(16);
    encode_value(value, &mut key);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The index key of `value` in an index on `field` of type `ty`, checked:
/// the type must be indexable, the value is converted to the type with
/// [`Value::coerce`] (so `Int(5)` for a `uint8` field becomes `Uint(5)`), and
/// the key must fit [`MAX_INDEX_KEY_BYTES`]. This is the entry point for the
/// table layer, which writes index entries.
pub fn encode_field_value(
    value: &Value,
    ty: FieldType,
    field: &str,
    seq: u64,
) -> Result<Vec<u8>, IndexError> {
    let mut key = Vec::with_capacity(16);
    encode_field_value_into(value, ty, field, seq, &mut key)?;
    Ok(key)
}

/// [`encode_field_value`] appending the key to `out`, so that the keys of
/// many rows share one buffer. On an error `out` is left as it was.
pub fn encode_field_value_into(
    value: &Value,
    ty: FieldType,
    field: &str,
    seq: u64,
    out: &mut Vec<u8>,
) -> Result<(), IndexError> {
    if !ty.is_indexable() {
        return Err(IndexError::NotIndexable { ty });
    }
    let start = out.len();
    match value_fits(value, ty) {
        true => encode_value(value, out),
        false => encode_value(&value.clone().coerce(ty, field)?, out),
    }
    out.extend_from_slice(&seq.to_be_bytes());
    let bytes = out.len() - start;
    if bytes > MAX_INDEX_KEY_BYTES {
        out.truncate(start);
        return Err(IndexError::KeyTooLong {
            field: field.to_owned(),
            bytes,
            max: MAX_INDEX_KEY_BYTES,
        });
    }
    Ok(())
}

/// Whether `value` already has the variant that fields of `ty` hold, so it
/// can be encoded without conversion.
pub(crate) fn value_fits(value: &Value, ty: FieldType) -> bool {
    use FieldType as T;
    match value {
        Value::Null => true,
        Value::Int(_) => matches!(ty, T::Int | T::Int8 | T::Int16 | T::Int32 | T::Int64),
        Value::Uint(_) => matches!(ty, T::Uint | T::Uint8 | T::Uint16 | T::Uint32 | T::Uint64),
        Value::Float32(_) => ty == T::Float32,
        Value::Float64(_) => ty == T::Float64,
        Value::String(_) => ty == T::String,
        Value::Bool(_) => ty == T::Bool,
        Value::Byte(_) => ty == T::Byte,
        Value::Rune(_) => ty == T::Rune,
        Value::Decimal(_) => ty == T::Decimal,
        Value::Time(_) => ty == T::Time,
        Value::Duration(_) => ty == T::Duration,
        Value::Bytes(_) => ty == T::Bytes,
        Value::Object(_) | Value::Array(_) => false,
    }
}

fn put_i64(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&((v as u64) ^ SIGN_BIT_64).to_be_bytes());
}

/// Bits of `f` that sort as unsigned integers in IEEE 754 total order.
pub(crate) fn ordered_f64_bits(f: f64) -> u64 {
    let bits = f.to_bits();
    if bits & SIGN_BIT_64 != 0 {
        !bits
    } else {
        bits ^ SIGN_BIT_64
    }
}

/// Inverse of [`ordered_f64_bits`].
pub(crate) fn f64_from_ordered(bits: u64) -> f64 {
    f64::from_bits(if bits & SIGN_BIT_64 != 0 { bits ^ SIGN_BIT_64 } else { !bits })
}

/// Bits of `f` that sort as unsigned integers in IEEE 754 total order.
pub(crate) fn ordered_f32_bits(f: f32) -> u32 {
    let bits = f.to_bits();
    if bits & SIGN_BIT_32 != 0 {
        !bits
    } else {
        bits ^ SIGN_BIT_32
    }
}

/// Inverse of [`ordered_f32_bits`].
pub(crate) fn f32_from_ordered(bits: u32) -> f32 {
    f32::from_bits(if bits & SIGN_BIT_32 != 0 { bits ^ SIGN_BIT_32 } else { !bits })
}

/// Appends `bytes` with every zero byte escaped, without the terminator:
/// the encoding of every string that starts with `bytes` starts with this.
pub(crate) fn put_escaped_prefix(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 2);
    for chunk in bytes.split_inclusive(|&b| b == 0) {
        match chunk.split_last() {
            Some((0, head)) => {
                out.extend_from_slice(head);
                out.extend_from_slice(&[ESCAPE, ESCAPED_ZERO]);
            }
            _ => out.extend_from_slice(chunk),
        }
    }
}

fn put_escaped(bytes: &[u8], out: &mut Vec<u8>) {
    put_escaped_prefix(bytes, out);
    out.extend_from_slice(&[ESCAPE, TERMINATOR]);
}

/// The encoding of `value` alone, for ranges.
pub(crate) fn encoded(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + SEQ_BYTES);
    encode_value(value, &mut out);
    out
}
