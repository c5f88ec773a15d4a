//! Values as CSV cells, losslessly, and rows as JSON.
//!
//! A CSV cell holds one value as text:
//!
//! | type | cell |
//! | --- | --- |
//! | integers, `byte`, `duration` | decimal digits (`duration` in nanoseconds) |
//! | `float32`, `float64` | the shortest text that reads back as the same float; `NaN`, `inf`, `-inf` |
//! | `decimal` | exact, scale kept (`-12.3400`) |
//! | `time` | RFC 3339 in UTC with as many fraction digits as needed, up to nanoseconds |
//! | `bool` | `true` / `false` |
//! | `rune` | the character |
//! | `string` | the string; one more `\` in front when it starts with `\` |
//! | `bytes` | base64 (standard alphabet, padded) |
//! | `object`, `array` | JSON |
//!
//! NULL is `\N`, so it differs from the empty string (an empty cell). On
//! import an empty cell is also NULL for types that have no empty value
//! (everything but `string` and `bytes`).

use serde_json::Value as Json;
use srdb::{FieldType, Value};

/// The cell that stands for NULL.
pub const CSV_NULL: &str = "\\N";

/// The CSV cell of a value.
pub fn to_cell(value: &Value) -> String {
    match value {
        Value::Null => CSV_NULL.to_owned(),
        Value::String(s) if s.starts_with('\\') => format!("\\{s}"),
        Value::String(s) => s.clone(),
        Value::Float32(v) => v.to_string(),
        Value::Float64(v) => v.to_string(),
        other => match other.to_json() {
            Json::String(s) => s,
            json => json.to_string(),
        },
    }
}

/// The value of a CSV cell of a field of type `ty`; errors name `field`.
pub fn from_cell(cell: &str, ty: FieldType, field: &str) -> Result<Value, String> {
    if cell == CSV_NULL {
        return Ok(Value::Null);
    }
    let json = match ty {
        FieldType::String => {
            return Ok(Value::String(cell.strip_prefix('\\').unwrap_or(cell).to_owned()));
        }
        FieldType::Bytes if cell.is_empty() => return Ok(Value::Bytes(Vec::new())),
        _ if cell.is_empty() => return Ok(Value::Null),
        FieldType::Bool | FieldType::Object | FieldType::Array => {
            serde_json::from_str(cell).unwrap_or_else(|_| Json::String(cell.to_owned()))
        }
        _ if is_integer_type(ty) || ty == FieldType::Duration => match cell.parse::<i128>() {
            Ok(_) => serde_json::from_str(cell).unwrap_or_else(|_| Json::String(cell.to_owned())),
            Err(_) => Json::String(cell.to_owned()),
        },
        _ => Json::String(cell.to_owned()),
    };
    Value::from_json(&json, ty, field).map_err(|e| e.to_string())
}

fn is_integer_type(ty: FieldType) -> bool {
    matches!(
        ty,
        FieldType::Int
            | FieldType::Int8
            | FieldType::Int16
            | FieldType::Int32
            | FieldType::Int64
            | FieldType::Uint
            | FieldType::Uint8
            | FieldType::Uint16
            | FieldType::Uint32
            | FieldType::Uint64
            | FieldType::Byte
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_awkward_values() {
        let cases = [
            (Value::Null, FieldType::String),
            (Value::String(String::new()), FieldType::String),
            (Value::String("\\N".into()), FieldType::String),
            (Value::String("\\\\x, \"q\"\n".into()), FieldType::String),
            (Value::Bytes(Vec::new()), FieldType::Bytes),
            (Value::Bytes(vec![0, 255, 10]), FieldType::Bytes),
            (Value::Float64(0.1 + 0.2), FieldType::Float64),
            (Value::Float64(f64::NEG_INFINITY), FieldType::Float64),
            (Value::Float32(1.0e-7), FieldType::Float32),
            (Value::Int(i64::MIN), FieldType::Int64),
            (Value::Uint(u64::MAX), FieldType::Uint64),
            (Value::Time(1_700_000_000_123_456_789), FieldType::Time),
            (Value::Time(-1), FieldType::Time),
            (Value::Duration(-5), FieldType::Duration),
            (Value::Decimal("-12.3400".parse().unwrap()), FieldType::Decimal),
            (Value::Rune('ß'), FieldType::Rune),
            (Value::Bool(false), FieldType::Bool),
            (Value::Array(vec![Json::from(1), Json::Null]), FieldType::Array),
        ];
        for (value, ty) in cases {
            let cell = to_cell(&value);
            let back = from_cell(&cell, ty, "f").unwrap();
            assert_eq!(back, value, "{ty:?} through {cell:?}");
        }
        assert!(from_cell("12x", FieldType::Int, "f").is_err());
        assert_eq!(from_cell("", FieldType::Int, "f").unwrap(), Value::Null);
    }
}
