//! Rows from and to any serde type.
//!
//! [`to_row`] serialises a struct (or map) straight to a [`Row`] of
//! [`Value`]s: integers, floats (NaN and `-0.0` kept), strings, chars, bytes
//! and `Option`s become the matching variant, nested structs, maps, sequences
//! and enums with data become JSON objects and arrays (through `serde_json`).
//! [`Schema::validate`](crate::Schema::validate) then converts each value to
//! its field's type, so an `i64` fits an `int8` field only if in range, a
//! `String` fills a `decimal` or `time` field by parsing it, and a `Vec<u8>`
//! (which serde writes as a sequence) fills a `bytes` field.
//!
//! [`from_row`] reads a row back into any `DeserializeOwned` type: times and
//! durations are given as `i64` nanoseconds, decimals as strings, bytes as a
//! sequence of `u8` (or a byte buffer to `deserialize_bytes`), objects and
//! arrays as JSON.

use serde::de::{self, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use serde_json::Value as Json;

use crate::{Row, SchemaError, Value};

impl ser::Error for SchemaError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SchemaError::Serde { reason: msg.to_string() }
    }
}

impl de::Error for SchemaError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SchemaError::Serde { reason: msg.to_string() }
    }
}

fn json_error(e: serde_json::Error) -> SchemaError {
    SchemaError::Serde { reason: e.to_string() }
}

/// A JSON value as a [`Value`] without a field type to guide it.
fn from_untyped_json(json: Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::Uint(u),
            _ => Value::Float64(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s),
        Json::Array(a) => Value::Array(a),
        Json::Object(o) => Value::Object(o),
    }
}

/// Serialises a struct or map into a [`Row`] (see the module documentation).
/// Anything else at the top level is an error.
pub fn to_row<T: Serialize + ?Sized>(value: &T) -> Result<Row, SchemaError> {
    value.serialize(RowSerializer)
}

/// Deserialises a row into `T` (see the module documentation).
pub fn from_row<T: de::DeserializeOwned>(row: Row) -> Result<T, SchemaError> {
    T::deserialize(RowDeserializer(row))
}

/// Serialises one value of a field.
struct ValueSerializer;

/// Adapts a `serde_json` compound serialiser so that it ends in a [`Value`].
struct Compound<S>(S);

macro_rules! compound {
    ($trait:ident, $($method:ident($($arg:ident: $ty:ty),*)),*) => {
        impl<S: ser::$trait<Ok = Json, Error = serde_json::Error>> ser::$trait for Compound<S> {
            type Ok = Value;
            type Error = SchemaError;
            $(fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty,)* value: &T) -> Result<(), SchemaError> {
                self.0.$method($($arg,)* value).map_err(json_error)
            })*
            fn end(self) -> Result<Value, SchemaError> {
                self.0.end().map(from_untyped_json).map_err(json_error)
            }
        }
    };
}

compound!(SerializeSeq, serialize_element());
compound!(SerializeTuple, serialize_element());
compound!(SerializeTupleStruct, serialize_field());
compound!(SerializeTupleVariant, serialize_field());
compound!(SerializeStruct, serialize_field(key: &'static str));
compound!(SerializeStructVariant, serialize_field(key: &'static str));

impl<S: ser::SerializeMap<Ok = Json, Error = serde_json::Error>> ser::SerializeMap for Compound<S> {
    type Ok = Value;
    type Error = SchemaError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SchemaError> {
        self.0.serialize_key(key).map_err(json_error)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SchemaError> {
        self.0.serialize_value(value).map_err(json_error)
    }
    fn end(self) -> Result<Value, SchemaError> {
        self.0.end().map(from_untyped_json).map_err(json_error)
    }
}

type JsonSer = serde_json::value::Serializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SchemaError;
    type SerializeSeq = Compound<<JsonSer as ser::Serializer>::SerializeSeq>;
    type SerializeTuple = Compound<<JsonSer as ser::Serializer>::SerializeTuple>;
    type SerializeTupleStruct = Compound<<JsonSer as ser::Serializer>::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<<JsonSer as ser::Serializer>::SerializeTupleVariant>;
    type SerializeMap = Compound<<JsonSer as ser::Serializer>::SerializeMap>;
    type SerializeStruct = Compound<<JsonSer as ser::Serializer>::SerializeStruct>;
    type SerializeStructVariant = Compound<<JsonSer as ser::Serializer>::SerializeStructVariant>;

    fn serialize_bool(self, v: bool) -> Result<Value, SchemaError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, SchemaError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, SchemaError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, SchemaError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, SchemaError> {
        Ok(Value::Int(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, SchemaError> {
        i64::try_from(v).map(Value::Int).or_else(|_| u64::try_from(v).map(Value::Uint)).map_err(
            |_| SchemaError::Serde {
                reason: format!("the integer {v} is outside the range of u64 and i64"),
            },
        )
    }
    fn serialize_u8(self, v: u8) -> Result<Value, SchemaError> {
        Ok(Value::Byte(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, SchemaError> {
        Ok(Value::Uint(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, SchemaError> {
        Ok(Value::Uint(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SchemaError> {
        Ok(Value::Uint(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, SchemaError> {
        u64::try_from(v).map(Value::Uint).map_err(|_| SchemaError::Serde {
            reason: format!("the integer {v} is outside the range of u64"),
        })
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SchemaError> {
        Ok(Value::Float32(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SchemaError> {
        Ok(Value::Float64(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, SchemaError> {
        Ok(Value::Rune(v))
    }
    fn serialize_str(self, v: &str) -> Result<Value, SchemaError> {
        Ok(Value::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, SchemaError> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value, SchemaError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, SchemaError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SchemaError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, SchemaError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, SchemaError> {
        Ok(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, SchemaError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, SchemaError> {
        serde_json::value::Serializer
            .serialize_newtype_variant(name, index, variant, value)
            .map(from_untyped_json)
            .map_err(json_error)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, SchemaError> {
        serde_json::value::Serializer.serialize_seq(len).map(Compound).map_err(json_error)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, SchemaError> {
        serde_json::value::Serializer.serialize_tuple(len).map(Compound).map_err(json_error)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, SchemaError> {
        serde_json::value::Serializer
            .serialize_tuple_struct(name, len)
            .map(Compound)
            .map_err(json_error)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, SchemaError> {
        serde_json::value::Serializer
            .serialize_tuple_variant(name, index, variant, len)
            .map(Compound)
            .map_err(json_error)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, SchemaError> {
        serde_json::value::Serializer.serialize_map(len).map(Compound).map_err(json_error)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, SchemaError> {
        serde_json::value::Serializer.serialize_struct(name, len).map(Compound).map_err(json_error)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, SchemaError> {
        serde_json::value::Serializer
            .serialize_struct_variant(name, index, variant, len)
            .map(Compound)
            .map_err(json_error)
    }
}

/// Serialises the top level: a struct or a map becomes a [`Row`].
struct RowSerializer;

/// Collects the fields of the top-level struct or map.
struct RowBuilder {
    row: Row,
    key: Option<String>,
}

fn not_a_row<T>(what: &str) -> Result<T, SchemaError> {
    Err(SchemaError::Serde {
        reason: format!("a row must be serialised from a struct or a map, not {what}"),
    })
}

impl ser::SerializeStruct for RowBuilder {
    type Ok = Row;
    type Error = SchemaError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SchemaError> {
        self.row.insert(key, value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Row, SchemaError> {
        Ok(self.row)
    }
}

impl ser::SerializeMap for RowBuilder {
    type Ok = Row;
    type Error = SchemaError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SchemaError> {
        match key.serialize(ValueSerializer)? {
            Value::String(name) => {
                self.key = Some(name);
                Ok(())
            }
            other => not_a_row(&format!("a map whose keys are {}", other.kind_name())),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SchemaError> {
        let key = self.key.take().ok_or_else(|| SchemaError::Serde {
            reason: "a map value came before its key".to_owned(),
        })?;
        self.row.insert(key, value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Row, SchemaError> {
        Ok(self.row)
    }
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) $what:literal;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Row, SchemaError> {
            not_a_row($what)
        })*
    };
}

impl ser::Serializer for RowSerializer {
    type Ok = Row;
    type Error = SchemaError;
    type SerializeSeq = ser::Impossible<Row, SchemaError>;
    type SerializeTuple = ser::Impossible<Row, SchemaError>;
    type SerializeTupleStruct = ser::Impossible<Row, SchemaError>;
    type SerializeTupleVariant = ser::Impossible<Row, SchemaError>;
    type SerializeMap = RowBuilder;
    type SerializeStruct = RowBuilder;
    type SerializeStructVariant = ser::Impossible<Row, SchemaError>;

    refuse! {
        serialize_bool(bool) "a bool";
        serialize_i8(i8) "a number";
        serialize_i16(i16) "a number";
        serialize_i32(i32) "a number";
        serialize_i64(i64) "a number";
        serialize_u8(u8) "a number";
        serialize_u16(u16) "a number";
        serialize_u32(u32) "a number";
        serialize_u64(u64) "a number";
        serialize_f32(f32) "a number";
        serialize_f64(f64) "a number";
        serialize_char(char) "a char";
        serialize_str(&str) "a string";
        serialize_bytes(&[u8]) "bytes";
        serialize_none() "None";
        serialize_unit() "()";
        serialize_unit_struct(&'static str) "a unit struct";
        serialize_unit_variant(&'static str, u32, &'static str) "an enum";
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Row, SchemaError> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Row, SchemaError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Row, SchemaError> {
        not_a_row("an enum")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, SchemaError> {
        not_a_row("a sequence")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, SchemaError> {
        not_a_row("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, SchemaError> {
        not_a_row("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SchemaError> {
        not_a_row("an enum")
    }
    fn serialize_map(self, len: Option<usize>) -> Result<RowBuilder, SchemaError> {
        Ok(RowBuilder { row: Row::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<RowBuilder, SchemaError> {
        Ok(RowBuilder { row: Row::with_capacity(len), key: None })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SchemaError> {
        not_a_row("an enum")
    }
}

/// Deserialises a whole row as a map of field names to values.
struct RowDeserializer(Row);

impl<'de> de::Deserializer<'de> for RowDeserializer {
    type Error = SchemaError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SchemaError> {
        let entries = self.0.into_iter().map(|(name, value)| (name, ValueDeserializer(value)));
        visitor.visit_map(de::value::MapDeserializer::new(entries))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// Deserialises one value.
struct ValueDeserializer(Value);

impl<'de> IntoDeserializer<'de, SchemaError> for ValueDeserializer {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = SchemaError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SchemaError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Int(v) | Value::Time(v) | Value::Duration(v) => visitor.visit_i64(v),
            Value::Uint(v) => visitor.visit_u64(v),
            Value::Byte(v) => visitor.visit_u8(v),
            Value::Float32(v) => visitor.visit_f32(v),
            Value::Float64(v) => visitor.visit_f64(v),
            Value::Bool(v) => visitor.visit_bool(v),
            Value::Rune(v) => visitor.visit_char(v),
            Value::String(v) => visitor.visit_string(v),
            Value::Decimal(v) => visitor.visit_string(v.to_string()),
            Value::Bytes(v) => visitor.visit_seq(de::value::SeqDeserializer::new(v.into_iter())),
            Value::Object(v) => Json::Object(v).deserialize_any(visitor).map_err(json_error),
            Value::Array(v) => Json::Array(v).deserialize_any(visitor).map_err(json_error),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SchemaError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SchemaError> {
        match self.0 {
            Value::Bytes(v) => visitor.visit_byte_buf(v),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SchemaError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SchemaError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SchemaError> {
        match self.0 {
            Value::String(v) => visitor.visit_enum(v.into_deserializer()),
            Value::Object(v) => {
                Json::Object(v).deserialize_enum(name, variants, visitor).map_err(json_error)
            }
            other => {
                Err(de::Error::custom(format!("an enum cannot be read from {}", other.kind_name())))
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}
