//! Typed values: what one field of one row holds.

use std::fmt;

use rust_decimal::Decimal;

/// A JSON object, the content of an `object` field.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The value of one field: NULL or one variant per family of field types.
///
/// Integers of every width are carried as `Int(i64)` or `Uint(u64)`; the
/// field's type says how wide they may be and how they are stored. Values are
/// exact over the full range of their type: floats keep every bit (NaN
/// payloads and the sign of zero included), decimals their scale, times their
/// nanoseconds.
///
/// `Value` is [`Ord`], [`Eq`] and [`Hash`] with one total order, used by
/// queries and indexes; see the `order` section of the crate documentation
/// and [`Value::cmp`](Ord::cmp).
#[derive(Clone, Debug)]
pub enum Value {
    /// SQL NULL: no value. Distinct from zero, the empty string and `false`.
    Null,
    /// A value of `int`, `int8`, `int16`, `int32` or `int64`.
    Int(i64),
    /// A value of `uint`, `uint8`, `uint16`, `uint32` or `uint64`.
    Uint(u64),
    /// A value of `float32`, every bit kept.
    Float32(f32),
    /// A value of `float64`, every bit kept.
    Float64(f64),
    /// A value of `string`.
    String(String),
    /// A value of `bool`.
    Bool(bool),
    /// A value of `byte`.
    Byte(u8),
    /// A value of `rune`.
    Rune(char),
    /// A value of `decimal`: exact, 96-bit mantissa and a scale of 0 to 28
    /// decimal places (so up to 28 significant digits, and integers up to
    /// 79,228,162,514,264,337,593,543,950,335).
    Decimal(Decimal),
    /// A value of `time`: nanoseconds since 1970-01-01T00:00:00Z (UTC),
    /// negative before it. Covers 1677-09-21 to 2262-04-11.
    Time(i64),
    /// A value of `duration`, in nanoseconds (about ±292 years).
    Duration(i64),
    /// A value of `object`.
    Object(JsonObject),
    /// A value of `array`.
    Array(Vec<serde_json::Value>),
    /// A value of `bytes`.
    Bytes(Vec<u8>),
}

impl Value {
    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short description of the value's kind for error messages, such as
    /// "an int" or "NULL".
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "a signed integer",
            Value::Uint(_) => "an unsigned integer",
            Value::Float32(_) => "a float32",
            Value::Float64(_) => "a float64",
            Value::String(_) => "a string",
            Value::Bool(_) => "a bool",
            Value::Byte(_) => "a byte",
            Value::Rune(_) => "a rune",
            Value::Decimal(_) => "a decimal",
            Value::Time(_) => "a time",
            Value::Duration(_) => "a duration",
            Value::Object(_) => "an object",
            Value::Array(_) => "an array",
            Value::Bytes(_) => "bytes",
        }
    }

    /// The value as an `i64` if it is an integer (of any family) that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(v) => Some(v),
            Value::Uint(v) => i64::try_from(v).ok(),
            Value::Byte(v) => Some(v.into()),
            _ => None,
        }
    }

    /// The value as a `u64` if it is an integer (of any family) that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Int(v) => u64::try_from(v).ok(),
            Value::Uint(v) => Some(v),
            Value::Byte(v) => Some(v.into()),
            _ => None,
        }
    }

    /// The value as a string slice if it is a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Writes the value as text: numbers as Rust prints them, strings as they
    /// are, times in RFC 3339, durations as nanoseconds with `ns`, bytes in
    /// hexadecimal, objects and arrays as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Uint(v) => write!(f, "{v}"),
            Value::Float32(v) => write!(f, "{v}"),
            Value::Float64(v) => write!(f, "{v}"),
            Value::String(v) => f.write_str(v),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Byte(v) => write!(f, "{v}"),
            Value::Rune(v) => write!(f, "{v}"),
            Value::Decimal(v) => write!(f, "{v}"),
            Value::Time(ns) => match crate::convert::format_time(*ns) {
                Some(text) => f.write_str(&text),
                None => write!(f, "{ns}ns since the epoch"),
            },
            Value::Duration(ns) => write!(f, "{ns}ns"),
            Value::Object(v) => write!(f, "{}", serde_json::Value::Object(v.clone())),
            Value::Array(v) => write!(f, "{}", serde_json::Value::Array(v.clone())),
            Value::Bytes(v) => {
                f.write_str("0x")?;
                v.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

macro_rules! from_via {
    ($variant:ident, $target:ty: $($source:ty),*) => {
        $(impl From<$source> for Value {
            fn from(v: $source) -> Self {
                Value::$variant(<$target>::from(v))
            }
        })*
    };
}

from_via!(Int, i64: i8, i16, i32, i64);
from_via!(Uint, u64: u16, u32, u64);
from_via!(Byte, u8: u8);
from_via!(Float32, f32: f32);
from_via!(Float64, f64: f64);
from_via!(Bool, bool: bool);
from_via!(Rune, char: char);
from_via!(String, String: String, &str);
from_via!(Decimal, Decimal: Decimal);
from_via!(Bytes, Vec<u8>: Vec<u8>, &[u8]);
from_via!(Object, JsonObject: JsonObject);
from_via!(Array, Vec<serde_json::Value>: Vec<serde_json::Value>);

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is NULL.
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
