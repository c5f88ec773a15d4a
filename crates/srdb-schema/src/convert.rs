//! Conversions of values: to a field's type, and from and to JSON.
//!
//! JSON is how rows enter and leave srdb outside Rust (import and export, the
//! HTTP API, the RESP `TABLE.INSERT` command). The field's type guides the
//! conversion; nothing is ever rounded or truncated silently.
//!
//! | type | accepted JSON | written JSON |
//! | --- | --- | --- |
//! | integers, `byte` | an integer; a float with no fraction up to 2^53; a string of decimal digits (for clients that cannot write large integers) | an integer |
//! | `float32`, `float64` | a number; a string that Rust parses as a float (`"NaN"`, `"inf"`, `"-inf"`, `"1e-3"`) | a number; `"NaN"`, `"inf"` or `"-inf"` for the values JSON lacks (a NaN payload is not kept in JSON) |
//! | `decimal` | a string (exact, e.g. `"-12.3400"`); an integer; a number with a fraction, which the JSON parser has read as an `f64` and is taken at its shortest decimal form (exact up to 15 significant digits; send a string to be sure) | a string, scale kept |
//! | `time` | an RFC 3339 string (any offset, up to nanoseconds); an integer of nanoseconds since the Unix epoch | an RFC 3339 string in UTC (`Z`), with as many fraction digits as needed |
//! | `duration` | an integer of nanoseconds; a string of numbers with units (`"1h30m"`, `"-1.5s"`, `"250ms"`, `"10us"`; units `h`, `m`, `s`, `ms`, `us`/`µs`, `ns`) | an integer of nanoseconds |
//! | `string` | a string | a string |
//! | `bool` | `true` / `false` | the same |
//! | `rune` | a string of exactly one character; an integer code point | a one-character string |
//! | `object` / `array` | an object / an array | the same |
//! | `bytes` | a base64 string (standard alphabet, padded); an array of integers 0 to 255 | a base64 string |
//!
//! JSON `null` is NULL for every type.

use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{FieldType, SchemaError, Value};

/// Integers whose magnitude is at most this are exact in an `f64`.
const F64_EXACT_INT: f64 = 9_007_199_254_740_992.0; // 2^53

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Value {
    /// Converts a JSON value to a value of the field type `ty`, as the module
    /// table above says. `field` names the field in errors. JSON `null` gives
    /// [`Value::Null`] whatever the type; whether the field accepts NULL is
    /// checked by [`crate::Schema::validate`].
    pub fn from_json(json: &Json, ty: FieldType, field: &str) -> Result<Value, SchemaError> {
        if json.is_null() {
            return Ok(Value::Null);
        }
        let mismatch = || SchemaError::TypeMismatch {
            field: field.to_owned(),
            expected: ty,
            found: json_kind(json).to_owned(),
        };
        let invalid = |reason: String| SchemaError::invalid_value(field, ty, reason);
        match ty {
            _ if ty.int_range().is_some() || ty.uint_max().is_some() => {
                let n = json_integer(json, ty, field)?.ok_or_else(mismatch)?;
                fit_integer(n, ty, field)
            }
            FieldType::Float32 | FieldType::Float64 => {
                json_float(json, ty, field)?.ok_or_else(mismatch)
            }
            FieldType::Decimal => match json {
                Json::String(s) => parse_decimal(s).map(Value::Decimal).map_err(invalid),
                Json::Number(n) => {
                    match n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)) {
                        Some(i) => fit_integer(i, ty, field),
                        None => {
                            let f = n.as_f64().unwrap_or(f64::NAN);
                            parse_decimal(&f.to_string()).map(Value::Decimal).map_err(invalid)
                        }
                    }
                }
                _ => Err(mismatch()),
            },
            FieldType::String => match json {
                Json::String(s) => Ok(Value::String(s.clone())),
                _ => Err(mismatch()),
            },
            FieldType::Bool => match json {
                Json::Bool(b) => Ok(Value::Bool(*b)),
                _ => Err(mismatch()),
            },
            FieldType::Rune => match json {
                Json::String(s) => single_char(s).map(Value::Rune).map_err(invalid),
                Json::Number(n) => n
                    .as_u64()
                    .and_then(|c| u32::try_from(c).ok())
                    .and_then(char::from_u32)
                    .map(Value::Rune)
                    .ok_or_else(|| invalid(format!("{n} is not a Unicode scalar value"))),
                _ => Err(mismatch()),
            },
            FieldType::Time => match json {
                Json::String(s) => parse_time(s).map(Value::Time).map_err(invalid),
                Json::Number(_) => {
                    let n = json_integer(json, ty, field)?.ok_or_else(mismatch)?;
                    fit_integer(n, ty, field)
                }
                _ => Err(mismatch()),
            },
            FieldType::Duration => match json {
                Json::String(s) => parse_duration(s).map(Value::Duration).map_err(invalid),
                Json::Number(_) => {
                    let n = json_integer(json, ty, field)?.ok_or_else(mismatch)?;
                    fit_integer(n, ty, field)
                }
                _ => Err(mismatch()),
            },
            FieldType::Object => match json {
                Json::Object(map) => Ok(Value::Object(map.clone())),
                _ => Err(mismatch()),
            },
            FieldType::Array => match json {
                Json::Array(items) => Ok(Value::Array(items.clone())),
                _ => Err(mismatch()),
            },
            FieldType::Bytes => match json {
                Json::String(s) => BASE64
                    .decode(s)
                    .map(Value::Bytes)
                    .map_err(|e| invalid(format!("the string is not valid base64 ({e})"))),
                Json::Array(items) => bytes_from_numbers(items).map(Value::Bytes).map_err(invalid),
                _ => Err(mismatch()),
            },
            _ => unreachable!("every integer type is handled by the first arm"),
        }
    }

    /// Converts the value to JSON, as the module table above says.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Int(v) => Json::from(*v),
            Value::Uint(v) => Json::from(*v),
            Value::Byte(v) => Json::from(*v),
            Value::Float32(v) if v.is_finite() => {
                // The f64 nearest the shortest decimal form of the f32 reads
                // back as the same f32 and prints as that short form.
                let short: f64 = v.to_string().parse().unwrap_or(f64::from(*v));
                Json::from(short)
            }
            Value::Float32(v) => Json::String(v.to_string()),
            Value::Float64(v) if v.is_finite() => Json::from(*v),
            Value::Float64(v) => Json::String(v.to_string()),
            Value::String(v) => Json::String(v.clone()),
            Value::Bool(v) => Json::Bool(*v),
            Value::Rune(v) => Json::String(v.to_string()),
            Value::Decimal(v) => Json::String(v.to_string()),
            Value::Time(ns) => format_time(*ns).map_or(Json::from(*ns), Json::String),
            Value::Duration(ns) => Json::from(*ns),
            Value::Object(v) => Json::Object(v.clone()),
            Value::Array(v) => Json::Array(v.clone()),
            Value::Bytes(v) => Json::String(BASE64.encode(v)),
        }
    }

    /// Converts a typed value to the field type `ty` where that loses nothing
    /// and means one thing:
    ///
    /// * integers of any variant to any integer type, `byte`, `decimal`, or a
    ///   float type that holds them exactly; to `time` and `duration` as
    ///   nanoseconds. Out of range is an error, never a truncation.
    /// * `float32` to `float64`; `float64` to `float32` when exact (or NaN).
    /// * strings to `decimal`, `time`, `duration` and `rune` as in JSON.
    /// * arrays of integers 0 to 255 to `bytes` (how serde writes `Vec<u8>`).
    ///
    /// NULL stays NULL. Anything else of another type is a
    /// [`SchemaError::TypeMismatch`] naming `field`.
    pub fn coerce(self, ty: FieldType, field: &str) -> Result<Value, SchemaError> {
        // A value already of the field's type, as inserts usually give it:
        // returned as it is, before the general match (measured: about a
        // hundred instructions less per field).
        if matches!(
            (ty, &self),
            (_, Value::Null)
                | (FieldType::Int | FieldType::Int64, Value::Int(_))
                | (FieldType::Uint | FieldType::Uint64, Value::Uint(_))
                | (FieldType::Float64, Value::Float64(_))
                | (FieldType::String, Value::String(_))
                | (FieldType::Bool, Value::Bool(_))
                | (FieldType::Time, Value::Time(_))
                | (FieldType::Duration, Value::Duration(_))
                | (FieldType::Bytes, Value::Bytes(_))
        ) {
            return Ok(self);
        }
        let invalid = |reason: String| SchemaError::invalid_value(field, ty, reason);
        let integer = match self {
            Value::Int(v) => Some(i128::from(v)),
            Value::Uint(v) => Some(i128::from(v)),
            Value::Byte(v) => Some(i128::from(v)),
            _ => None,
        };
        match (ty, self) {
            (_, Value::Null) => Ok(Value::Null),
            (FieldType::Float32, Value::Float32(v)) => Ok(Value::Float32(v)),
            (FieldType::Float32, Value::Float64(v)) => {
                let narrow = v as f32;
                if v.is_nan() || f64::from(narrow) == v {
                    Ok(Value::Float32(narrow))
                } else {
                    Err(invalid(format!("{v} is not exactly representable as a float32")))
                }
            }
            (FieldType::Float64, Value::Float64(v)) => Ok(Value::Float64(v)),
            (FieldType::Float64, Value::Float32(v)) => Ok(Value::Float64(v.into())),
            (FieldType::Float32 | FieldType::Float64, _) if integer.is_some() => {
                exact_int_float(integer.unwrap_or_default(), ty, field)
            }
            (_, _)
                if integer.is_some() && (ty.int_range().is_some() || ty.uint_max().is_some()) =>
            {
                fit_integer(integer.unwrap_or_default(), ty, field)
            }
            (FieldType::Decimal | FieldType::Time | FieldType::Duration, _)
                if integer.is_some() =>
            {
                fit_integer(integer.unwrap_or_default(), ty, field)
            }
            (FieldType::Decimal, Value::Decimal(v)) => Ok(Value::Decimal(v)),
            (FieldType::Decimal, Value::String(s)) => {
                parse_decimal(&s).map(Value::Decimal).map_err(invalid)
            }
            (FieldType::String, Value::String(s)) => Ok(Value::String(s)),
            (FieldType::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
            (FieldType::Rune, Value::Rune(c)) => Ok(Value::Rune(c)),
            (FieldType::Rune, Value::String(s)) => {
                single_char(&s).map(Value::Rune).map_err(invalid)
            }
            (FieldType::Time, Value::Time(ns)) => Ok(Value::Time(ns)),
            (FieldType::Time, Value::String(s)) => parse_time(&s).map(Value::Time).map_err(invalid),
            (FieldType::Duration, Value::Duration(ns)) => Ok(Value::Duration(ns)),
            (FieldType::Duration, Value::String(s)) => {
                parse_duration(&s).map(Value::Duration).map_err(invalid)
            }
            (FieldType::Object, Value::Object(m)) => Ok(Value::Object(m)),
            (FieldType::Array, Value::Array(a)) => Ok(Value::Array(a)),
            (FieldType::Bytes, Value::Bytes(b)) => Ok(Value::Bytes(b)),
            (FieldType::Bytes, Value::Array(items)) => {
                bytes_from_numbers(&items).map(Value::Bytes).map_err(invalid)
            }
            (_, value) => Err(SchemaError::TypeMismatch {
                field: field.to_owned(),
                expected: ty,
                found: value.kind_name().to_owned(),
            }),
        }
    }
}

fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "JSON null",
        Json::Bool(_) => "a JSON boolean",
        Json::Number(_) => "a JSON number",
        Json::String(_) => "a JSON string",
        Json::Array(_) => "a JSON array",
        Json::Object(_) => "a JSON object",
    }
}

/// Reads an integer from JSON: `Ok(None)` if the JSON kind cannot be one.
fn json_integer(json: &Json, ty: FieldType, field: &str) -> Result<Option<i128>, SchemaError> {
    let invalid = |reason: String| SchemaError::invalid_value(field, ty, reason);
    match json {
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i.into()));
            }
            if let Some(u) = n.as_u64() {
                return Ok(Some(u.into()));
            }
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 {
                Err(invalid(format!("{f} has a fraction, which an integer cannot hold")))
            } else if f.abs() > F64_EXACT_INT {
                Err(invalid(format!(
                    "{f} was written as a float above 2^53, which is not exact; write it as an integer"
                )))
            } else {
                Ok(Some(f as i128))
            }
        }
        Json::String(s) if ty != FieldType::Time && ty != FieldType::Duration => s
            .parse::<i128>()
            .map(Some)
            .map_err(|_| invalid(format!("the string \"{}\" is not an integer", truncate(s)))),
        _ => Ok(None),
    }
}

/// Checks that the integer `n` fits the field type and makes the value.
fn fit_integer(n: i128, ty: FieldType, field: &str) -> Result<Value, SchemaError> {
    let out_of_range = |range: String| SchemaError::OutOfRange {
        field: field.to_owned(),
        expected: ty,
        value: n.to_string(),
        range,
    };
    if let Some((min, max)) = ty.int_range() {
        return match i64::try_from(n) {
            Ok(v) if (min..=max).contains(&v) => Ok(Value::Int(v)),
            _ => Err(out_of_range(format!(" ({min} to {max})"))),
        };
    }
    if let Some(max) = ty.uint_max() {
        return match u64::try_from(n) {
            Ok(v) if v <= max && ty == FieldType::Byte => Ok(Value::Byte(v as u8)),
            Ok(v) if v <= max => Ok(Value::Uint(v)),
            _ => Err(out_of_range(format!(" (0 to {max})"))),
        };
    }
    match ty {
        FieldType::Decimal => Decimal::try_from_i128_with_scale(n, 0)
            .map(Value::Decimal)
            .map_err(|_| out_of_range(format!(" ({} to {})", Decimal::MIN, Decimal::MAX))),
        FieldType::Time | FieldType::Duration => {
            let v = i64::try_from(n).map_err(|_| {
                out_of_range(format!(" ({} to {} nanoseconds)", i64::MIN, i64::MAX))
            })?;
            Ok(if ty == FieldType::Time { Value::Time(v) } else { Value::Duration(v) })
        }
        _ => unreachable!("fit_integer is only called for types that hold integers"),
    }
}

/// An integer into a float type, only if the float holds it exactly.
fn exact_int_float(n: i128, ty: FieldType, field: &str) -> Result<Value, SchemaError> {
    let (value, back) = if ty == FieldType::Float32 {
        let f = n as f32;
        (Value::Float32(f), f as i128)
    } else {
        let f = n as f64;
        (Value::Float64(f), f as i128)
    };
    if back == n {
        Ok(value)
    } else {
        Err(SchemaError::invalid_value(
            field,
            ty,
            format!("the integer {n} is not exactly representable"),
        ))
    }
}

fn json_float(json: &Json, ty: FieldType, field: &str) -> Result<Option<Value>, SchemaError> {
    let wide = match json {
        Json::Number(n) => {
            if let Some(i) = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)) {
                return exact_int_float(i, ty, field).map(Some);
            }
            n.as_f64().unwrap_or(f64::NAN)
        }
        Json::String(s) => {
            let bad = |_| {
                SchemaError::invalid_value(
                    field,
                    ty,
                    format!("the string \"{}\" is not a number", truncate(s)),
                )
            };
            return if ty == FieldType::Float32 {
                s.parse::<f32>().map(|v| Some(Value::Float32(v))).map_err(bad)
            } else {
                s.parse::<f64>().map(|v| Some(Value::Float64(v))).map_err(bad)
            };
        }
        _ => return Ok(None),
    };
    if ty == FieldType::Float64 {
        return Ok(Some(Value::Float64(wide)));
    }
    let narrow = wide as f32;
    if narrow.is_infinite() {
        return Err(SchemaError::OutOfRange {
            field: field.to_owned(),
            expected: ty,
            value: wide.to_string(),
            range: format!(" (-{} to {})", f32::MAX, f32::MAX),
        });
    }
    Ok(Some(Value::Float32(narrow)))
}

fn parse_decimal(s: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(s)
        .map_err(|e| format!("\"{}\" is not an exact decimal ({e})", truncate(s)))
}

fn single_char(s: &str) -> Result<char, String> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(format!(
            "a rune is one character, but \"{}\" has {}",
            truncate(s),
            s.chars().count()
        )),
    }
}

fn bytes_from_numbers(items: &[Json]) -> Result<Vec<u8>, String> {
    items
        .iter()
        .map(|item| item.as_u64().and_then(|b| u8::try_from(b).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| "an array for bytes must hold only integers from 0 to 255".to_owned())
}

/// At most 40 characters of `s`, for error messages about huge inputs.
fn truncate(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &s[..end]),
        None => s.to_owned(),
    }
}

/// Formats nanoseconds since the Unix epoch as RFC 3339 in UTC.
pub(crate) fn format_time(ns: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp_nanos(ns.into()).ok()?.format(&Rfc3339).ok()
}

/// Parses an RFC 3339 timestamp to nanoseconds since the Unix epoch.
pub(crate) fn parse_time(s: &str) -> Result<i64, String> {
    let t = OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| format!("\"{}\" is not an RFC 3339 timestamp ({e})", truncate(s)))?;
    i64::try_from(t.unix_timestamp_nanos()).map_err(|_| {
        format!("\"{}\" is outside the range of time (1677-09-21 to 2262-04-11)", truncate(s))
    })
}

/// Nanoseconds per duration unit.
fn unit_ns(unit: &str) -> Option<i128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses a duration such as `"1h30m"`, `"-1.5s"` or `"0"` to nanoseconds.
/// A fraction that does not come to whole nanoseconds is an error.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = |why: &str| format!("\"{}\" is not a duration: {why}", truncate(s));
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad("it is empty"));
    }
    // i64::MIN has the largest magnitude; anything beyond it fails.
    let limit = i128::from(i64::MAX) + 1;
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_digits, after) = rest.split_at(int_len);
        let (frac_digits, after) = match after.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                f.split_at(n)
            }
            None => ("", after),
        };
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(bad("a number is expected before each unit"));
        }
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let per_unit = unit_ns(unit).ok_or_else(|| bad("the units are h, m, s, ms, us, ns"))?;
        // 20 digits already exceed the range; refusing longer runs keeps the
        // arithmetic below from overflowing.
        if int_digits.len() > 20 || frac_digits.len() > 20 {
            return Err(bad("it is out of range"));
        }
        let whole: i128 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| bad("bad number"))?
        };
        let mut part = whole * per_unit;
        if !frac_digits.is_empty() {
            let frac: i128 = frac_digits.parse().map_err(|_| bad("bad number"))?;
            let scale = 10i128.pow(frac_digits.len() as u32);
            if (frac * per_unit) % scale != 0 {
                return Err(bad("it is finer than a nanosecond"));
            }
            part += frac * per_unit / scale;
        }
        total += part;
        if total > limit {
            return Err(bad("it is out of range (about 292 years)"));
        }
        rest = next;
    }
    let signed = if negative { -total } else { total };
    i64::try_from(signed).map_err(|_| bad("it is out of range (about 292 years)"))
}
