//! Fuzzes the row codec of srdb-schema.
//!
//! Two kinds of input, chosen by the first byte (which also picks one of a
//! few fixed schemas):
//!
//! - raw bytes decoded as a row: the decoder must return values or an error,
//!   never panic or allocate without bound; when the whole-row decode
//!   succeeds, decoding each field alone must give the same value;
//! - a row built from the input, validated, encoded and decoded again: the
//!   values must come back bit for bit, whole and one field at a time.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use srdb_schema::{
    decode_field, decode_values, encode_row, Decimal, Field, FieldType, JsonObject, Row, Schema,
    Value,
};

fn schemas() -> &'static [Schema] {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        // Every type once, not nullable.
        let every = Schema::new(
            FieldType::ALL
                .iter()
                .enumerate()
                .map(|(i, &ty)| Field::new(format!("f{i}"), ty))
                .collect(),
        )
        .unwrap();
        // Every type once, nullable.
        let nullable = Schema::new(
            FieldType::ALL
                .iter()
                .enumerate()
                .map(|(i, &ty)| Field::new(format!("n{i}"), ty).nullable())
                .collect(),
        )
        .unwrap();
        // Variable-width fields between fixed ones, then fields added later.
        let mut evolved = Schema::builder()
            .field("a", FieldType::String)
            .field("b", FieldType::Int8)
            .field("c", FieldType::Bytes)
            .nullable()
            .field("d", FieldType::Decimal)
            .build()
            .unwrap();
        evolved.add_field(Field::new("e", FieldType::Array).nullable()).unwrap();
        evolved.add_field(Field::new("f", FieldType::Time).default_value(Value::Time(-1))).unwrap();
        vec![every, nullable, evolved]
    })
}

/// A JSON leaf for objects and arrays, made through `Value::to_json` so the
/// fuzz workspace needs no serde_json of its own.
fn json_leaf(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => Value::Int(u.arbitrary()?),
        1 => Value::Uint(u.arbitrary()?),
        2 => Value::String(u.arbitrary()?),
        _ => Value::Bool(u.arbitrary()?),
    })
}

fn value(u: &mut Unstructured<'_>, field: &Field) -> Result<Value> {
    if field.nullable && u.ratio(1, 4)? {
        return Ok(Value::Null);
    }
    Ok(match field.ty {
        FieldType::Int | FieldType::Int64 => Value::Int(u.arbitrary()?),
        FieldType::Int8 => Value::Int(u.arbitrary::<i8>()?.into()),
        FieldType::Int16 => Value::Int(u.arbitrary::<i16>()?.into()),
        FieldType::Int32 => Value::Int(u.arbitrary::<i32>()?.into()),
        FieldType::Uint | FieldType::Uint64 => Value::Uint(u.arbitrary()?),
        FieldType::Uint8 => Value::Uint(u.arbitrary::<u8>()?.into()),
        FieldType::Uint16 => Value::Uint(u.arbitrary::<u16>()?.into()),
        FieldType::Uint32 => Value::Uint(u.arbitrary::<u32>()?.into()),
        FieldType::Float32 => Value::Float32(f32::from_bits(u.arbitrary()?)),
        FieldType::Float64 => Value::Float64(f64::from_bits(u.arbitrary()?)),
        FieldType::String => Value::String(u.arbitrary()?),
        FieldType::Bool => Value::Bool(u.arbitrary()?),
        FieldType::Byte => Value::Byte(u.arbitrary()?),
        FieldType::Rune => Value::Rune(u.arbitrary()?),
        FieldType::Decimal => Value::Decimal(Decimal::from_parts(
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.int_in_range(0..=28)?,
        )),
        FieldType::Time => Value::Time(u.arbitrary()?),
        FieldType::Duration => Value::Duration(u.arbitrary()?),
        FieldType::Object => {
            let mut map = JsonObject::new();
            for _ in 0..u.int_in_range(0..=3)? {
                map.insert(u.arbitrary()?, json_leaf(u)?.to_json());
            }
            Value::Object(map)
        }
        FieldType::Array => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=3)? {
                items.push(json_leaf(u)?.to_json());
            }
            Value::Array(items)
        }
        FieldType::Bytes => Value::Bytes(u.arbitrary()?),
    })
}

/// Bit-for-bit equality: also catches a changed decimal scale.
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Decimal(x), Value::Decimal(y)) => x.serialize() == y.serialize(),
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let schema = &schemas()[usize::from(selector >> 1) % schemas().len()];
    if selector & 1 == 0 {
        match decode_values(rest, schema) {
            Ok((_, values)) => {
                for (i, whole) in values.iter().enumerate() {
                    let single =
                        decode_field(rest, schema, i).expect("a field of a valid row decodes");
                    assert!(identical(&single, whole), "field {i}: {single:?} != {whole:?}");
                }
            }
            Err(_) => {
                for i in 0..schema.len() {
                    let _ = decode_field(rest, schema, i);
                }
            }
        }
    } else {
        let mut u = Unstructured::new(rest);
        let Ok(time_ns) = u.arbitrary::<i64>() else { return };
        let Ok(values) =
            schema.fields().iter().map(|f| value(&mut u, f)).collect::<Result<Vec<_>>>()
        else {
            return;
        };
        let row: Row =
            schema.fields().iter().zip(&values).map(|(f, v)| (f.name.clone(), v.clone())).collect();
        let validated = schema.validate(&row).expect("values of each field's own type validate");
        let bytes = encode_row(schema, time_ns, &validated);
        let (decoded_time, decoded) =
            decode_values(&bytes, schema).expect("an encoded row decodes");
        assert_eq!(decoded_time, time_ns);
        for (i, (want, got)) in values.iter().zip(&decoded).enumerate() {
            assert!(identical(want, got), "field {i}: wrote {want:?}, read {got:?}");
            let single =
                decode_field(&bytes, schema, i).expect("a field of an encoded row decodes");
            assert!(identical(&single, got));
        }
    }
});
