//! Strategies shared by the property tests: random field types, schemas and
//! values covering the full range of every type.
#![allow(dead_code)]

use proptest::prelude::*;
use serde_json::Value as Json;
use srdb_schema::{Decimal, Field, FieldType, Schema, Value};

pub fn field_type() -> impl Strategy<Value = FieldType> {
    proptest::sample::select(FieldType::ALL.to_vec())
}

fn json_leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Json::from),
        ".{0,8}".prop_map(Json::from),
    ]
}

pub fn json_value() -> impl Strategy<Value = Json> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            proptest::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

pub fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28).prop_map(
        |(lo, mid, hi, negative, scale)| Decimal::from_parts(lo, mid, hi, negative, scale),
    )
}

/// A non-NULL value of type `ty`, anywhere in its range.
pub fn value_of(ty: FieldType) -> BoxedStrategy<Value> {
    match ty {
        FieldType::Int | FieldType::Int64 => any::<i64>().prop_map(Value::Int).boxed(),
        FieldType::Int8 => any::<i8>().prop_map(Value::from).boxed(),
        FieldType::Int16 => any::<i16>().prop_map(Value::from).boxed(),
        FieldType::Int32 => any::<i32>().prop_map(Value::from).boxed(),
        FieldType::Uint | FieldType::Uint64 => any::<u64>().prop_map(Value::Uint).boxed(),
        FieldType::Uint8 => any::<u8>().prop_map(|v| Value::Uint(v.into())).boxed(),
        FieldType::Uint16 => any::<u16>().prop_map(Value::from).boxed(),
        FieldType::Uint32 => any::<u32>().prop_map(Value::from).boxed(),
        FieldType::Float32 => any::<u32>().prop_map(|b| Value::Float32(f32::from_bits(b))).boxed(),
        FieldType::Float64 => any::<u64>().prop_map(|b| Value::Float64(f64::from_bits(b))).boxed(),
        FieldType::String => ".{0,24}".prop_map(Value::String).boxed(),
        FieldType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        FieldType::Byte => any::<u8>().prop_map(Value::Byte).boxed(),
        FieldType::Rune => any::<char>().prop_map(Value::Rune).boxed(),
        FieldType::Decimal => decimal().prop_map(Value::Decimal).boxed(),
        FieldType::Time => any::<i64>().prop_map(Value::Time).boxed(),
        FieldType::Duration => any::<i64>().prop_map(Value::Duration).boxed(),
        FieldType::Object => proptest::collection::btree_map(".{0,6}", json_value(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed(),
        FieldType::Array => {
            proptest::collection::vec(json_value(), 0..4).prop_map(Value::Array).boxed()
        }
        FieldType::Bytes => {
            proptest::collection::vec(any::<u8>(), 0..32).prop_map(Value::Bytes).boxed()
        }
    }
}

/// A value for a field: NULL sometimes if the field is nullable.
pub fn value_for(field: &Field) -> BoxedStrategy<Value> {
    if field.nullable {
        prop_oneof![1 => Just(Value::Null), 3 => value_of(field.ty)].boxed()
    } else {
        value_of(field.ty)
    }
}

/// A schema of 1 to `max_fields` fields named `f0`, `f1`, ..., some nullable.
pub fn schema(max_fields: usize) -> impl Strategy<Value = Schema> {
    proptest::collection::vec((field_type(), any::<bool>()), 1..=max_fields).prop_map(|defs| {
        let fields = defs
            .into_iter()
            .enumerate()
            .map(|(i, (ty, nullable))| {
                let field = Field::new(format!("f{i}"), ty);
                if nullable {
                    field.nullable()
                } else {
                    field
                }
            })
            .collect();
        Schema::new(fields).expect("generated schemas are valid")
    })
}

/// A schema and one value per field.
pub fn schema_and_values(max_fields: usize) -> impl Strategy<Value = (Schema, Vec<Value>)> {
    schema(max_fields).prop_flat_map(|schema| {
        let values: Vec<_> = schema.fields().iter().map(value_for).collect();
        (Just(schema), values)
    })
}

/// The row of `values` named after the schema's fields.
pub fn row_of(schema: &Schema, values: &[Value]) -> srdb_schema::Row {
    schema.fields().iter().zip(values).map(|(f, v)| (f.name.clone(), v.clone())).collect()
}
