//! What `#[derive(Schema)]` (the `srdb-derive` crate) builds on: the trait it
//! implements, the field type each Rust type maps to, and a serde helper that
//! stores durations and times as the nanoseconds the row codec keeps.
//!
//! | Rust type | field type |
//! | --- | --- |
//! | `i8`, `i16`, `i32`, `i64` | `int8`, `int16`, `int32`, `int64` |
//! | `isize` | `int` (64 bits) |
//! | `u8`, `u16`, `u32`, `u64` | `uint8`, `uint16`, `uint32`, `uint64` |
//! | `usize` | `uint` (64 bits) |
//! | `f32`, `f64` | `float32`, `float64` |
//! | `bool` | `bool` |
//! | `char` | `rune` |
//! | `String` | `string` |
//! | `Vec<u8>` | `bytes` |
//! | [`Decimal`] | `decimal` |
//! | [`std::time::Duration`] | `duration` |
//! | [`std::time::SystemTime`], [`time::OffsetDateTime`] | `time` |
//! | [`JsonObject`] (`serde_json::Map<String, Value>`) | `object` |
//! | `Vec<serde_json::Value>` | `array` |
//!
//! `isize` and `usize` map to the 64-bit `int` and `uint` (SRDB's Go `int`
//! and `uint`): on a 32-bit target a stored value outside the target's range
//! is an error when the row is read, never a truncation.

use std::time::{Duration, SystemTime};

use crate::{Decimal, FieldType, JsonObject, Schema, SchemaError};

/// A Rust type that describes the rows of a table: what `#[derive(Schema)]`
/// implements.
pub trait TableSchema {
    /// The schema of a table whose rows are this type.
    ///
    /// `#[derive(Schema)]` checks names, comments, attributes and field
    /// types when it compiles. What it cannot see is whether a `default`
    /// expression's value fits its field's type (`default = 300` on a `u8`),
    /// which this function reports as [`SchemaError::InvalidField`].
    fn schema() -> Result<Schema, SchemaError>;
}

/// The field type that a member of a Rust type gets in a derived schema when
/// `#[srdb(type = "...")]` does not name one (see the module table).
///
/// `Option<T>` is not implemented: the derive recognises `Option` by name and
/// makes the field nullable, with `T`'s field type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no srdb field type of its own",
    label = "no default field type",
    note = "name one with `#[srdb(type = \"...\")]` (`serde_json::Value` needs `object` or `array`)",
    note = "types with one: integers, floats, bool, char, String, Vec<u8>, Decimal, Duration, SystemTime, OffsetDateTime, serde_json::Map, Vec<serde_json::Value>, and one `Option` of any of them (a nullable field)"
)]
pub trait DefaultFieldType {
    /// The field type.
    const FIELD_TYPE: FieldType;
}

macro_rules! default_field_types {
    ($($rust:ty => $field:ident,)*) => {
        $(impl DefaultFieldType for $rust {
            const FIELD_TYPE: FieldType = FieldType::$field;
        })*
    };
}

default_field_types! {
    i8 => Int8,
    i16 => Int16,
    i32 => Int32,
    i64 => Int64,
    isize => Int,
    u8 => Uint8,
    u16 => Uint16,
    u32 => Uint32,
    u64 => Uint64,
    usize => Uint,
    f32 => Float32,
    f64 => Float64,
    bool => Bool,
    char => Rune,
    String => String,
    Vec<u8> => Bytes,
    Decimal => Decimal,
    Duration => Duration,
    SystemTime => Time,
    time::OffsetDateTime => Time,
    JsonObject => Object,
    Vec<serde_json::Value> => Array,
}

/// A serde `with` module that writes a duration or a time as `i64`
/// nanoseconds (since the Unix epoch for a time), the form `duration` and
/// `time` fields hold, and reads it back.
///
/// serde's own forms of [`Duration`] and [`SystemTime`] are structs, which
/// no field type holds, so `#[derive(Schema)]` requires a `with` on members
/// of these types:
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Job {
///     #[serde(with = "srdb_schema::as_nanos")]
///     timeout: Duration,
///     #[serde(with = "srdb_schema::as_nanos")]
///     started: Option<SystemTime>,
/// }
///
/// let job = Job { timeout: Duration::from_millis(1500), started: None };
/// let row = srdb_schema::to_row(&job)?;
/// assert_eq!(row.get("timeout"), Some(&srdb_schema::Value::Int(1_500_000_000)));
/// let back: Job = srdb_schema::from_row(row)?;
/// assert_eq!(back.timeout, job.timeout);
/// # Ok::<(), srdb_schema::SchemaError>(())
/// ```
///
/// A value outside the `i64` nanoseconds (about 292 years either side of
/// 1970 for a time; for a duration, longer than 292 years or, read back into
/// a [`Duration`], negative) is an error, never a truncation.
///
/// Nanoseconds keep the instant, not the offset: an `OffsetDateTime` reads
/// back as the same instant in UTC (equal by `==`, which compares instants).
pub mod as_nanos {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    /// A type that `as_nanos` writes as `i64` nanoseconds: [`Duration`],
    /// [`SystemTime`], [`time::OffsetDateTime`], and an `Option` of them
    /// (`None` is NULL).
    ///
    /// [`Duration`]: std::time::Duration
    /// [`SystemTime`]: std::time::SystemTime
    pub trait Nanos: Sized {
        /// The value in nanoseconds, `None` for NULL, or why it does not fit.
        fn to_nanos(&self) -> Result<Option<i64>, String>;
        /// The value of these nanoseconds (`None` for NULL), or why there is
        /// none.
        fn from_nanos(nanos: Option<i64>) -> Result<Self, String>;
    }

    /// Writes `value` as nanoseconds, or NULL.
    pub fn serialize<T: Nanos, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        match value.to_nanos().map_err(S::Error::custom)? {
            Some(nanos) => serializer.serialize_i64(nanos),
            None => serializer.serialize_none(),
        }
    }

    /// Reads nanoseconds, or NULL, as a `T`.
    pub fn deserialize<'de, T: Nanos, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        T::from_nanos(Option::<i64>::deserialize(deserializer)?).map_err(D::Error::custom)
    }

    fn null_into(what: &str) -> String {
        format!("NULL cannot be read into a {what} (an Option of it can hold NULL)")
    }

    impl Nanos for std::time::Duration {
        fn to_nanos(&self) -> Result<Option<i64>, String> {
            i64::try_from(self.as_nanos()).map(Some).map_err(|_| {
                format!("the duration {self:?} is longer than the 292 years a duration field holds")
            })
        }
        fn from_nanos(nanos: Option<i64>) -> Result<Self, String> {
            let nanos = nanos.ok_or_else(|| null_into("Duration"))?;
            u64::try_from(nanos).map(std::time::Duration::from_nanos).map_err(|_| {
                format!(
                    "the duration {nanos} ns is negative, which a std::time::Duration cannot be"
                )
            })
        }
    }

    impl Nanos for std::time::SystemTime {
        fn to_nanos(&self) -> Result<Option<i64>, String> {
            let nanos = match self.duration_since(std::time::UNIX_EPOCH) {
                Ok(after) => i128::try_from(after.as_nanos()).ok(),
                Err(before) => i128::try_from(before.duration().as_nanos()).ok().map(|n| -n),
            };
            nanos.and_then(|n| i64::try_from(n).ok()).map(Some).ok_or_else(|| {
                format!(
                    "the time {self:?} is outside the years 1677 to 2262 that a time field holds"
                )
            })
        }
        fn from_nanos(nanos: Option<i64>) -> Result<Self, String> {
            let nanos = nanos.ok_or_else(|| null_into("SystemTime"))?;
            let offset = std::time::Duration::from_nanos(nanos.unsigned_abs());
            let time = if nanos >= 0 {
                std::time::UNIX_EPOCH.checked_add(offset)
            } else {
                std::time::UNIX_EPOCH.checked_sub(offset)
            };
            time.ok_or_else(|| format!("{nanos} ns from the Unix epoch is not a SystemTime here"))
        }
    }

    impl Nanos for time::OffsetDateTime {
        fn to_nanos(&self) -> Result<Option<i64>, String> {
            i64::try_from(self.unix_timestamp_nanos()).map(Some).map_err(|_| {
                format!("the time {self} is outside the years 1677 to 2262 that a time field holds")
            })
        }
        fn from_nanos(nanos: Option<i64>) -> Result<Self, String> {
            let nanos = nanos.ok_or_else(|| null_into("OffsetDateTime"))?;
            time::OffsetDateTime::from_unix_timestamp_nanos(nanos.into()).map_err(|e| e.to_string())
        }
    }

    impl<T: Nanos> Nanos for Option<T> {
        fn to_nanos(&self) -> Result<Option<i64>, String> {
            self.as_ref().map_or(Ok(None), T::to_nanos)
        }
        fn from_nanos(nanos: Option<i64>) -> Result<Self, String> {
            nanos.map(|n| T::from_nanos(Some(n))).transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use serde::{Deserialize, Serialize};
    use time::OffsetDateTime;

    use super::as_nanos::Nanos;
    use super::*;
    use crate::{from_row, to_row, Value};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Times {
        #[serde(with = "as_nanos")]
        duration: Duration,
        #[serde(with = "as_nanos")]
        system: SystemTime,
        #[serde(with = "as_nanos")]
        offset: OffsetDateTime,
        #[serde(with = "as_nanos")]
        maybe: Option<SystemTime>,
    }

    #[test]
    fn times_round_trip_through_rows_as_nanoseconds() {
        for nanos in [i64::MIN, -1, 0, 1, 1_700_000_000_123_456_789, i64::MAX] {
            let times = Times {
                duration: Duration::from_nanos(nanos.unsigned_abs() >> 1),
                system: SystemTime::from_nanos(Some(nanos)).unwrap(),
                offset: OffsetDateTime::from_nanos(Some(nanos)).unwrap(),
                maybe: (nanos % 2 == 0).then(|| SystemTime::from_nanos(Some(nanos)).unwrap()),
            };
            let row = to_row(&times).unwrap();
            assert_eq!(row.get("system"), Some(&Value::Int(nanos)));
            assert_eq!(row.get("offset"), Some(&Value::Int(nanos)));
            let expected_maybe = if nanos % 2 == 0 { Value::Int(nanos) } else { Value::Null };
            assert_eq!(row.get("maybe"), Some(&expected_maybe));
            assert_eq!(from_row::<Times>(row).unwrap(), times);
        }
    }

    #[test]
    fn values_outside_i64_nanoseconds_are_errors() {
        let too_long = Duration::from_secs(300 * 366 * 86_400);
        assert!(too_long.to_nanos().unwrap_err().contains("292 years"));
        let too_late = UNIX_EPOCH + too_long;
        assert!(too_late.to_nanos().unwrap_err().contains("1677 to 2262"));
        assert!(<Duration as Nanos>::from_nanos(Some(-1)).unwrap_err().contains("negative"));
        assert!(<Duration as Nanos>::from_nanos(None).unwrap_err().contains("NULL"));
        assert_eq!(Option::<Duration>::from_nanos(None), Ok(None));
    }

    #[test]
    fn an_offset_time_reads_back_as_the_same_instant_in_utc() {
        let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap();
        let there = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap().to_offset(beijing);
        let back = OffsetDateTime::from_nanos(there.to_nanos().unwrap()).unwrap();
        assert_eq!(back, there);
        assert_eq!(back.offset(), time::UtcOffset::UTC);
    }

    #[test]
    fn default_field_types_follow_the_table() {
        assert_eq!(<isize as DefaultFieldType>::FIELD_TYPE, FieldType::Int);
        assert_eq!(<u8 as DefaultFieldType>::FIELD_TYPE, FieldType::Uint8);
        assert_eq!(<char as DefaultFieldType>::FIELD_TYPE, FieldType::Rune);
        assert_eq!(<Vec<u8> as DefaultFieldType>::FIELD_TYPE, FieldType::Bytes);
        assert_eq!(<SystemTime as DefaultFieldType>::FIELD_TYPE, FieldType::Time);
        assert_eq!(<Vec<serde_json::Value> as DefaultFieldType>::FIELD_TYPE, FieldType::Array);
    }
}
