//! The field types of srdb tables.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SchemaError;

/// The type of a field: SRDB's 21 types plus `bytes`.
///
/// Names are those of `schema.json` ([`FieldType::name`]). `int` and `uint`
/// are 64 bits wide, like `int64` and `uint64` (SRDB's Go `int` and `uint` on
/// 64-bit machines); `byte` is an unsigned 8-bit number and `rune` a Unicode
/// scalar value (Go's `byte` and `rune`).
///
/// | type | [`crate::Value`] variant | range | width in a row |
/// | --- | --- | --- | --- |
/// | `int`, `int64` | `Int` | i64 | 8 |
/// | `int8` / `int16` / `int32` | `Int` | i8 / i16 / i32 | 1 / 2 / 4 |
/// | `uint`, `uint64` | `Uint` | u64 | 8 |
/// | `uint8` / `uint16` / `uint32` | `Uint` | u8 / u16 / u32 | 1 / 2 / 4 |
/// | `float32` / `float64` | `Float32` / `Float64` | IEEE 754, every bit kept | 4 / 8 |
/// | `string` | `String` | UTF-8 | variable |
/// | `bool` | `Bool` | | 1 |
/// | `byte` | `Byte` | u8 | 1 |
/// | `rune` | `Rune` | a `char` | 4 |
/// | `decimal` | `Decimal` | 96-bit mantissa, scale 0..=28 | 16 |
/// | `time` | `Time` | i64 ns since 1970-01-01T00:00:00Z | 8 |
/// | `duration` | `Duration` | i64 ns | 8 |
/// | `object` / `array` | `Object` / `Array` | a JSON object / array | variable |
/// | `bytes` | `Bytes` | bytes | variable |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // Each variant is the type its name says; see the table above.
pub enum FieldType {
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Float32,
    Float64,
    String,
    Bool,
    Byte,
    Rune,
    Decimal,
    Time,
    Duration,
    Object,
    Array,
    Bytes,
}

impl FieldType {
    /// Every field type, in the order of the table above.
    pub const ALL: [FieldType; 22] = [
        FieldType::Int,
        FieldType::Int8,
        FieldType::Int16,
        FieldType::Int32,
        FieldType::Int64,
        FieldType::Uint,
        FieldType::Uint8,
        FieldType::Uint16,
        FieldType::Uint32,
        FieldType::Uint64,
        FieldType::Float32,
        FieldType::Float64,
        FieldType::String,
        FieldType::Bool,
        FieldType::Byte,
        FieldType::Rune,
        FieldType::Decimal,
        FieldType::Time,
        FieldType::Duration,
        FieldType::Object,
        FieldType::Array,
        FieldType::Bytes,
    ];

    /// The name of the type in `schema.json`: `"int"`, `"int8"`, ...,
    /// `"bytes"`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Int8 => "int8",
            FieldType::Int16 => "int16",
            FieldType::Int32 => "int32",
            FieldType::Int64 => "int64",
            FieldType::Uint => "uint",
            FieldType::Uint8 => "uint8",
            FieldType::Uint16 => "uint16",
            FieldType::Uint32 => "uint32",
            FieldType::Uint64 => "uint64",
            FieldType::Float32 => "float32",
            FieldType::Float64 => "float64",
            FieldType::String => "string",
            FieldType::Bool => "bool",
            FieldType::Byte => "byte",
            FieldType::Rune => "rune",
            FieldType::Decimal => "decimal",
            FieldType::Time => "time",
            FieldType::Duration => "duration",
            FieldType::Object => "object",
            FieldType::Array => "array",
            FieldType::Bytes => "bytes",
        }
    }

    /// Width in bytes of the type's slot in the fixed area of an encoded row,
    /// or `None` for the variable-width types (string, bytes, object, array),
    /// which live behind an offset.
    pub fn fixed_width(self) -> Option<usize> {
        match self {
            FieldType::Int8 | FieldType::Uint8 | FieldType::Bool | FieldType::Byte => Some(1),
            FieldType::Int16 | FieldType::Uint16 => Some(2),
            FieldType::Int32 | FieldType::Uint32 | FieldType::Float32 | FieldType::Rune => Some(4),
            FieldType::Int
            | FieldType::Int64
            | FieldType::Uint
            | FieldType::Uint64
            | FieldType::Float64
            | FieldType::Time
            | FieldType::Duration => Some(8),
            FieldType::Decimal => Some(16),
            FieldType::String | FieldType::Bytes | FieldType::Object | FieldType::Array => None,
        }
    }

    /// Whether values of this type can be indexed. Objects and arrays cannot:
    /// they have no order that a query would use.
    pub fn is_indexable(self) -> bool {
        !matches!(self, FieldType::Object | FieldType::Array)
    }

    /// The inclusive range of a signed integer type, or `None` for other types.
    pub(crate) fn int_range(self) -> Option<(i64, i64)> {
        match self {
            FieldType::Int8 => Some((i8::MIN.into(), i8::MAX.into())),
            FieldType::Int16 => Some((i16::MIN.into(), i16::MAX.into())),
            FieldType::Int32 => Some((i32::MIN.into(), i32::MAX.into())),
            FieldType::Int | FieldType::Int64 => Some((i64::MIN, i64::MAX)),
            _ => None,
        }
    }

    /// The largest value of an unsigned integer type (`byte` included), or
    /// `None` for other types.
    pub(crate) fn uint_max(self) -> Option<u64> {
        match self {
            FieldType::Uint8 | FieldType::Byte => Some(u8::MAX.into()),
            FieldType::Uint16 => Some(u16::MAX.into()),
            FieldType::Uint32 => Some(u32::MAX.into()),
            FieldType::Uint | FieldType::Uint64 => Some(u64::MAX),
            _ => None,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FieldType {
    type Err = SchemaError;

    /// Parses a name of [`FieldType::name`]; names are case-sensitive.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        FieldType::ALL.iter().copied().find(|ty| ty.name() == name).ok_or_else(|| {
            SchemaError::SchemaJson {
                reason: format!(
                    "`{name}` is not a field type (the types are {})",
                    FieldType::ALL.map(FieldType::name).join(", ")
                ),
            }
        })
    }
}

impl Serialize for FieldType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for FieldType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        let mut names: Vec<_> = FieldType::ALL.iter().map(|t| t.name()).collect();
        for ty in FieldType::ALL {
            assert_eq!(ty.name().parse::<FieldType>().unwrap(), ty);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 22);
        assert!("Int".parse::<FieldType>().is_err());
    }

    #[test]
    fn int_and_uint_are_64_bits() {
        assert_eq!(FieldType::Int.int_range(), Some((i64::MIN, i64::MAX)));
        assert_eq!(FieldType::Uint.uint_max(), Some(u64::MAX));
        assert_eq!(FieldType::Int.fixed_width(), Some(8));
        assert_eq!(FieldType::Uint.fixed_width(), Some(8));
    }
}
