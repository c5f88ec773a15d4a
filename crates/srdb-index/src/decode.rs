//! Decoding index keys back to the value and `_seq` they were made from.

use srdb_schema::{FieldType, Value};

use crate::encode::{
    f32_from_ordered, f64_from_ordered, ESCAPE, ESCAPED_ZERO, TAG_NULL, TAG_VALUE, TERMINATOR,
};
use crate::limits::SEQ_BYTES;
use crate::{decimal, IndexError};

/// Decodes an index key made by [`crate::index_key`] for a field of type
/// `ty`: the value and the row's `_seq`. It is the exact inverse for every
/// indexable type, except that a decimal comes back normalised (`1.50` as
/// `1.5`, equal under [`Value`]'s order), so an index-only scan can answer a
/// query without reading rows.
///
/// Bytes that [`crate::index_key`] cannot have written for `ty` are an
/// [`IndexError::Corrupt`] naming the offset, never a panic or a guess: every
/// key this function accepts re-encodes to itself.
pub fn decode_index_key(key: &[u8], ty: FieldType) -> Result<(Value, u64), IndexError> {
    if !ty.is_indexable() {
        return Err(IndexError::NotIndexable { ty });
    }
    let Some(value_len) = key.len().checked_sub(SEQ_BYTES) else {
        return Err(IndexError::corrupt(
            0,
            format!("the key has {} bytes, fewer than the {SEQ_BYTES} of its `_seq`", key.len()),
        ));
    };
    let (value, used) = decode_value(&key[..value_len], ty)?;
    if used != value_len {
        return Err(IndexError::corrupt(
            used,
            format!("{} bytes follow the value where only the `_seq` belongs", value_len - used),
        ));
    }
    let seq = u64::from_be_bytes(key[value_len..].try_into().expect("the suffix is 8 bytes"));
    Ok((value, seq))
}

/// Decodes the value at the start of `bytes`; returns it and the bytes used.
fn decode_value(bytes: &[u8], ty: FieldType) -> Result<(Value, usize), IndexError> {
    match bytes.first() {
        Some(&TAG_NULL) => return Ok((Value::Null, 1)),
        Some(&TAG_VALUE) => {}
        Some(&tag) => {
            return Err(IndexError::corrupt(0, format!("the tag byte is {tag:#04x}, not 00 or 01")))
        }
        None => return Err(IndexError::corrupt(0, "the key has no value")),
    }
    let payload = &bytes[1..];
    let (value, used) = decode_payload(payload, ty)?;
    Ok((value, used + 1))
}

fn decode_payload(p: &[u8], ty: FieldType) -> Result<(Value, usize), IndexError> {
    use FieldType as T;
    Ok(match ty {
        T::Int | T::Int8 | T::Int16 | T::Int32 | T::Int64 => {
            let v = read_i64(p)?;
            let fits = match ty {
                T::Int8 => i8::try_from(v).is_ok(),
                T::Int16 => i16::try_from(v).is_ok(),
                T::Int32 => i32::try_from(v).is_ok(),
                _ => true,
            };
            if !fits {
                return Err(IndexError::corrupt(1, format!("{v} is out of the range of {ty}")));
            }
            (Value::Int(v), 8)
        }
        T::Uint | T::Uint8 | T::Uint16 | T::Uint32 | T::Uint64 => {
            let v = u64::from_be_bytes(fixed::<8>(p)?);
            let fits = match ty {
                T::Uint8 => u8::try_from(v).is_ok(),
                T::Uint16 => u16::try_from(v).is_ok(),
                T::Uint32 => u32::try_from(v).is_ok(),
                _ => true,
            };
            if !fits {
                return Err(IndexError::corrupt(1, format!("{v} is out of the range of {ty}")));
            }
            (Value::Uint(v), 8)
        }
        T::Time => (Value::Time(read_i64(p)?), 8),
        T::Duration => (Value::Duration(read_i64(p)?), 8),
        T::Bool => match fixed::<1>(p)? {
            [0] => (Value::Bool(false), 1),
            [1] => (Value::Bool(true), 1),
            [b] => return Err(IndexError::corrupt(1, format!("a bool byte is {b:#04x}"))),
        },
        T::Byte => (Value::Byte(fixed::<1>(p)?[0]), 1),
        T::Rune => {
            let code = u32::from_be_bytes(fixed::<4>(p)?);
            let c = char::from_u32(code).ok_or_else(|| {
                IndexError::corrupt(1, format!("{code:#x} is not a Unicode scalar value"))
            })?;
            (Value::Rune(c), 4)
        }
        T::Float32 => (Value::Float32(f32_from_ordered(u32::from_be_bytes(fixed::<4>(p)?))), 4),
        T::Float64 => (Value::Float64(f64_from_ordered(u64::from_be_bytes(fixed::<8>(p)?))), 8),
        T::Decimal => {
            let (d, used) = decimal::decode(p, 1)?;
            (Value::Decimal(d), used)
        }
        T::String => {
            let (bytes, used) = read_escaped(p)?;
            let s = String::from_utf8(bytes).map_err(|e| {
                IndexError::corrupt(1 + e.utf8_error().valid_up_to(), "invalid UTF-8")
            })?;
            (Value::String(s), used)
        }
        T::Bytes => {
            let (bytes, used) = read_escaped(p)?;
            (Value::Bytes(bytes), used)
        }
        T::Object | T::Array => unreachable!("checked by decode_index_key"),
    })
}

fn fixed<const N: usize>(p: &[u8]) -> Result<[u8; N], IndexError> {
    p.get(..N).and_then(|b| b.try_into().ok()).ok_or_else(|| {
        IndexError::corrupt(1 + p.len(), format!("the key ends inside a {N}-byte value"))
    })
}

fn read_i64(p: &[u8]) -> Result<i64, IndexError> {
    Ok((u64::from_be_bytes(fixed::<8>(p)?) ^ (1 << 63)) as i64)
}

/// Reads an escaped string up to and including its terminator.
fn read_escaped(p: &[u8]) -> Result<(Vec<u8>, usize), IndexError> {
    let mut out = Vec::with_capacity(p.len());
    let mut at = 0;
    loop {
        let Some(rel) = p[at..].iter().position(|&b| b == ESCAPE) else {
            return Err(IndexError::corrupt(1 + p.len(), "a string has no terminator"));
        };
        out.extend_from_slice(&p[at..at + rel]);
        at += rel;
        match p.get(at + 1) {
            Some(&ESCAPED_ZERO) => out.push(0),
            Some(&TERMINATOR) => return Ok((out, at + 2)),
            Some(&b) => {
                return Err(IndexError::corrupt(
                    2 + at,
                    format!("a zero byte in a string is followed by {b:#04x}, not ff or 01"),
                ))
            }
            None => return Err(IndexError::corrupt(1 + at, "a string ends inside an escape")),
        }
        at += 2;
    }
}
