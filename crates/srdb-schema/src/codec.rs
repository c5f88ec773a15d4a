//! The binary row codec. The format is specified in `docs/format/row.md`:
//!
//! ```text
//! +0   _time        i64 LE   ns since the Unix epoch (the storage engine reads these 8 bytes)
//! +8   codec        u8       ROW_CODEC_VERSION (1)
//! +9   flags        u8       0 (reserved)
//! +10  field count  u16 LE   n: the row holds fields 0..n of the schema
//! +12  schema ver.  u32 LE   version of the schema the row was written with
//! +16  null bitmap  ceil(n/8) bytes; bit i (byte i/8, bit i%8) set = field i is NULL
//!      fixed area   one slot per field, in schema order: fixed-width values in
//!                   place, variable-width fields as a u32 LE end offset into
//!                   the variable area (the start is the previous variable
//!                   field's end, or 0)
//!      var. area    the bytes of the variable-width values, in field order
//! ```
//!
//! A slot's position depends only on the schema and `n`, so one field is read
//! without reading the others. Every length read from the bytes is checked
//! against the bytes that remain, so damaged input is an error, never a panic
//! or an unbounded allocation.

use std::io;

use rust_decimal::Decimal;

use crate::limits::ROW_CODEC_VERSION;
use crate::schema::VAR_SLOT_BYTES;
use crate::{FieldType, JsonObject, Row, Schema, SchemaError, ValidatedRow, Value, ValueRef};

/// Size of the fixed row header, `_time` included.
pub const ROW_HEADER_BYTES: usize = 16;

const DECIMAL_SCALE_MAX: u32 = 28;
const DECIMAL_SIGN_BIT: u32 = 1 << 31;
const DECIMAL_SCALE_SHIFT: u32 = 16;

/// Counts the bytes `serde_json` would write.
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn json_len(value: &impl serde::Serialize) -> usize {
    let mut counter = ByteCounter(0);
    // Writing JSON of a serde_json value to a sink that never fails cannot fail.
    serde_json::to_writer(&mut counter, value)
        .expect("serialising a JSON value to a counter cannot fail");
    counter.0
}

fn var_len(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::Object(o) => json_len(o),
        Value::Array(a) => json_len(a),
        _ => 0,
    }
}

/// The exact size of the encoding of `values` (one per field, a prefix of
/// the schema's fields).
pub(crate) fn encoded_size(schema: &Schema, values: &[Value]) -> usize {
    let n = values.len();
    ROW_HEADER_BYTES
        + n.div_ceil(8)
        + schema.fixed_size(n)
        + values.iter().map(var_len).sum::<usize>()
}

/// Encodes a validated row written at `time_ns` (nanoseconds since the Unix
/// epoch, UTC; the row's `_time`).
///
/// # Panics
///
/// If `row` was not validated by `schema` or by an earlier version of it
/// (a row validated by another schema is a bug in the caller).
pub fn encode_row(schema: &Schema, time_ns: i64, row: &ValidatedRow) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_size(schema, row.values()));
    encode_row_into(schema, time_ns, row, &mut out);
    out
}

/// [`encode_row`] appending to `out` (bytes already in `out` stay as they
/// are): a caller that gathers many rows into one buffer, such as a write
/// batch, encodes them without a buffer per row.
///
/// # Panics
///
/// As [`encode_row`].
pub fn encode_row_into(schema: &Schema, time_ns: i64, row: &ValidatedRow, out: &mut Vec<u8>) {
    let values = row.values();
    let n = values.len();
    assert!(
        row.schema_version() <= schema.version() && n <= schema.len(),
        "a row validated by schema version {} with {n} fields cannot be encoded with schema version {} of {} fields",
        row.schema_version(),
        schema.version(),
        schema.len()
    );
    let base = out.len();
    out.extend_from_slice(&time_ns.to_le_bytes());
    out.push(ROW_CODEC_VERSION);
    out.push(0);
    out.extend_from_slice(&(n as u16).to_le_bytes());
    out.extend_from_slice(&row.schema_version().to_le_bytes());
    let bitmap = base + ROW_HEADER_BYTES;
    let fixed_start = bitmap + n.div_ceil(8);
    let var_start = fixed_start + schema.fixed_size(n);
    out.resize(var_start, 0);
    for (index, (field, value)) in schema.fields().iter().zip(values).enumerate() {
        let slot = schema.slot(index);
        let at = fixed_start + slot.offset;
        if value.is_null() {
            out[bitmap + index / 8] |= 1 << (index % 8);
        }
        match slot.width {
            Some(width) if !value.is_null() => {
                encode_fixed(field.ty, value, &mut out[at..at + width])
            }
            Some(_) => {}
            None => {
                write_var(value, out);
                let end = (out.len() - var_start) as u32;
                out[at..at + VAR_SLOT_BYTES].copy_from_slice(&end.to_le_bytes());
            }
        }
    }
    debug_assert_eq!(out.len() - base, encoded_size(schema, values));
}

fn encode_fixed(ty: FieldType, value: &Value, slot: &mut [u8]) {
    match (ty, value) {
        (FieldType::Int8, Value::Int(v)) => slot.copy_from_slice(&(*v as i8).to_le_bytes()),
        (FieldType::Int16, Value::Int(v)) => slot.copy_from_slice(&(*v as i16).to_le_bytes()),
        (FieldType::Int32, Value::Int(v)) => slot.copy_from_slice(&(*v as i32).to_le_bytes()),
        (FieldType::Int | FieldType::Int64, Value::Int(v)) => {
            slot.copy_from_slice(&v.to_le_bytes())
        }
        (FieldType::Uint8, Value::Uint(v)) => slot.copy_from_slice(&(*v as u8).to_le_bytes()),
        (FieldType::Uint16, Value::Uint(v)) => slot.copy_from_slice(&(*v as u16).to_le_bytes()),
        (FieldType::Uint32, Value::Uint(v)) => slot.copy_from_slice(&(*v as u32).to_le_bytes()),
        (FieldType::Uint | FieldType::Uint64, Value::Uint(v)) => {
            slot.copy_from_slice(&v.to_le_bytes())
        }
        (FieldType::Byte, Value::Byte(v)) => slot[0] = *v,
        (FieldType::Bool, Value::Bool(v)) => slot[0] = u8::from(*v),
        (FieldType::Float32, Value::Float32(v)) => slot.copy_from_slice(&v.to_bits().to_le_bytes()),
        (FieldType::Float64, Value::Float64(v)) => slot.copy_from_slice(&v.to_bits().to_le_bytes()),
        (FieldType::Rune, Value::Rune(v)) => slot.copy_from_slice(&u32::from(*v).to_le_bytes()),
        (FieldType::Time, Value::Time(v)) | (FieldType::Duration, Value::Duration(v)) => {
            slot.copy_from_slice(&v.to_le_bytes())
        }
        (FieldType::Decimal, Value::Decimal(v)) => slot.copy_from_slice(&encode_decimal(v)),
        (ty, value) => {
            panic!("a validated row holds {} for a field of type {ty}", value.kind_name())
        }
    }
}

/// flags (scale << 16 | sign << 31), then the 96-bit magnitude as three u32,
/// all little-endian.
fn encode_decimal(d: &Decimal) -> [u8; 16] {
    let magnitude = d.mantissa().unsigned_abs();
    let flags = (d.scale() << DECIMAL_SCALE_SHIFT)
        | if d.is_sign_negative() { DECIMAL_SIGN_BIT } else { 0 };
    let mut out = [0u8; 16];
    out[0..4].copy_from_slice(&flags.to_le_bytes());
    out[4..8].copy_from_slice(&(magnitude as u32).to_le_bytes());
    out[8..12].copy_from_slice(&((magnitude >> 32) as u32).to_le_bytes());
    out[12..16].copy_from_slice(&((magnitude >> 64) as u32).to_le_bytes());
    out
}

fn write_var(value: &Value, out: &mut Vec<u8>) {
    let written = match value {
        Value::Null => Ok(()),
        Value::String(s) => {
            out.extend_from_slice(s.as_bytes());
            Ok(())
        }
        Value::Bytes(b) => {
            out.extend_from_slice(b);
            Ok(())
        }
        Value::Object(o) => serde_json::to_writer(&mut *out, o),
        Value::Array(a) => serde_json::to_writer(&mut *out, a),
        other => panic!("a validated row holds {} for a variable-width field", other.kind_name()),
    };
    written.expect("serialising a JSON value into memory cannot fail");
}

/// The parsed header of an encoded row.
#[derive(Clone, Copy, Debug)]
struct Header {
    time_ns: i64,
    /// Number of fields the row holds (a prefix of the schema's).
    count: usize,
    fixed_start: usize,
    var_start: usize,
}

#[inline]
fn read_array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

#[inline]
fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(read_array(bytes, at))
}

/// Reads `_time` from an encoded row: its first 8 bytes.
pub fn decode_time(bytes: &[u8]) -> Result<i64, SchemaError> {
    match bytes.get(..8) {
        Some(prefix) => Ok(i64::from_le_bytes(read_array(prefix, 0))),
        None => Err(SchemaError::corrupt(
            0,
            format!("the row has {} bytes, fewer than the 8 of `_time`", bytes.len()),
        )),
    }
}

fn parse_header(bytes: &[u8], schema: &Schema) -> Result<Header, SchemaError> {
    if bytes.len() < ROW_HEADER_BYTES {
        return Err(SchemaError::corrupt(
            bytes.len(),
            format!(
                "the row has {} bytes, fewer than the {ROW_HEADER_BYTES} of its header",
                bytes.len()
            ),
        ));
    }
    let time_ns = i64::from_le_bytes(read_array(bytes, 0));
    if bytes[8] != ROW_CODEC_VERSION {
        return Err(SchemaError::UnsupportedRowVersion {
            version: bytes[8],
            supported: ROW_CODEC_VERSION,
        });
    }
    if bytes[9] != 0 {
        return Err(SchemaError::corrupt(
            9,
            format!("the reserved flags byte is {:#04x}, not 0", bytes[9]),
        ));
    }
    let count = usize::from(u16::from_le_bytes(read_array(bytes, 10)));
    let row_version = read_u32(bytes, 12);
    if row_version == 0 {
        return Err(SchemaError::corrupt(12, "the schema version is 0"));
    }
    if count > schema.len() || row_version > schema.version() {
        return Err(SchemaError::RowFromNewerSchema {
            row_version,
            row_fields: count,
            schema_version: schema.version(),
            schema_fields: schema.len(),
        });
    }
    let fixed_start = ROW_HEADER_BYTES + count.div_ceil(8);
    let var_start = fixed_start + schema.fixed_size(count);
    if bytes.len() < var_start {
        return Err(SchemaError::corrupt(
            bytes.len(),
            format!(
                "the row ends at byte {}, before the end of its fixed area at byte {var_start}",
                bytes.len()
            ),
        ));
    }
    if count % 8 != 0 && bytes[fixed_start - 1] >> (count % 8) != 0 {
        return Err(SchemaError::corrupt(
            fixed_start - 1,
            "the null bitmap has bits set past the last field",
        ));
    }
    Ok(Header { time_ns, count, fixed_start, var_start })
}

#[inline]
fn is_null_bit(bytes: &[u8], index: usize) -> bool {
    bytes[ROW_HEADER_BYTES + index / 8] & (1 << (index % 8)) != 0
}

/// Decodes field `index` of a row whose header has been parsed.
fn decode_one(
    bytes: &[u8],
    schema: &Schema,
    header: &Header,
    index: usize,
) -> Result<Value, SchemaError> {
    if index >= header.count {
        return Ok(schema.absent_value(index));
    }
    let field = &schema.fields()[index];
    let slot = schema.slot(index);
    let at = header.fixed_start + slot.offset;
    if is_null_bit(bytes, index) {
        if !field.nullable {
            return Err(SchemaError::corrupt(
                ROW_HEADER_BYTES + index / 8,
                format!("the field `{}` is NULL but not nullable", field.name),
            ));
        }
        return Ok(Value::Null);
    }
    match slot.width {
        Some(width) => decode_fixed(field.ty, &bytes[at..at + width], at),
        None => {
            let (start, end) = var_bounds(bytes, header, at, slot.prev_var)?;
            decode_var(
                field.ty,
                &bytes[header.var_start + start..header.var_start + end],
                header.var_start + start,
            )
        }
    }
}

/// The start and end, within the variable area, of the field whose slot is at
/// `at`; checked against the bytes present.
#[inline]
fn var_bounds(
    bytes: &[u8],
    header: &Header,
    at: usize,
    prev_var: Option<usize>,
) -> Result<(usize, usize), SchemaError> {
    let end = read_u32(bytes, at) as usize;
    let start = prev_var.map_or(0, |p| read_u32(bytes, header.fixed_start + p) as usize);
    let var_len = bytes.len() - header.var_start;
    if start > end || end > var_len {
        return Err(SchemaError::corrupt(
            at,
            format!(
                "a variable-width field spans {start}..{end} of a variable area of {var_len} bytes"
            ),
        ));
    }
    Ok((start, end))
}

fn decode_fixed(ty: FieldType, b: &[u8], at: usize) -> Result<Value, SchemaError> {
    Ok(match ty {
        FieldType::Int8 => Value::Int(i8::from_le_bytes(read_array(b, 0)).into()),
        FieldType::Int16 => Value::Int(i16::from_le_bytes(read_array(b, 0)).into()),
        FieldType::Int32 => Value::Int(i32::from_le_bytes(read_array(b, 0)).into()),
        FieldType::Int | FieldType::Int64 => Value::Int(i64::from_le_bytes(read_array(b, 0))),
        FieldType::Uint8 => Value::Uint(b[0].into()),
        FieldType::Uint16 => Value::Uint(u16::from_le_bytes(read_array(b, 0)).into()),
        FieldType::Uint32 => Value::Uint(read_u32(b, 0).into()),
        FieldType::Uint | FieldType::Uint64 => Value::Uint(u64::from_le_bytes(read_array(b, 0))),
        FieldType::Byte => Value::Byte(b[0]),
        FieldType::Bool => match b[0] {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            other => {
                return Err(SchemaError::corrupt(at, format!("a bool is {other}, not 0 or 1")))
            }
        },
        FieldType::Float32 => Value::Float32(f32::from_bits(read_u32(b, 0))),
        FieldType::Float64 => Value::Float64(f64::from_bits(u64::from_le_bytes(read_array(b, 0)))),
        FieldType::Rune => {
            let code = read_u32(b, 0);
            Value::Rune(char::from_u32(code).ok_or_else(|| {
                SchemaError::corrupt(
                    at,
                    format!("a rune is {code:#x}, which is not a Unicode scalar value"),
                )
            })?)
        }
        FieldType::Time => Value::Time(i64::from_le_bytes(read_array(b, 0))),
        FieldType::Duration => Value::Duration(i64::from_le_bytes(read_array(b, 0))),
        FieldType::Decimal => Value::Decimal(decode_decimal(b, at)?),
        FieldType::String | FieldType::Bytes | FieldType::Object | FieldType::Array => {
            unreachable!("variable-width types have no fixed slot")
        }
    })
}

fn decode_decimal(b: &[u8], at: usize) -> Result<Decimal, SchemaError> {
    let flags = read_u32(b, 0);
    let scale = (flags >> DECIMAL_SCALE_SHIFT) & 0xff;
    if flags & !(DECIMAL_SIGN_BIT | (0xff << DECIMAL_SCALE_SHIFT)) != 0 || scale > DECIMAL_SCALE_MAX
    {
        return Err(SchemaError::corrupt(
            at,
            format!("the decimal flags {flags:#010x} are invalid"),
        ));
    }
    Ok(Decimal::from_parts(
        read_u32(b, 4),
        read_u32(b, 8),
        read_u32(b, 12),
        flags & DECIMAL_SIGN_BIT != 0,
        scale,
    ))
}

fn decode_var(ty: FieldType, data: &[u8], at: usize) -> Result<Value, SchemaError> {
    let json_error = |e: serde_json::Error| {
        SchemaError::corrupt(at, format!("the {ty} field is not valid JSON ({e})"))
    };
    Ok(match ty {
        FieldType::String => Value::String(
            std::str::from_utf8(data)
                .map_err(|e| {
                    SchemaError::corrupt(at + e.valid_up_to(), "a string field is not valid UTF-8")
                })?
                .to_owned(),
        ),
        FieldType::Bytes => Value::Bytes(data.to_vec()),
        FieldType::Object => {
            Value::Object(serde_json::from_slice::<JsonObject>(data).map_err(json_error)?)
        }
        FieldType::Array => Value::Array(
            serde_json::from_slice::<Vec<serde_json::Value>>(data).map_err(json_error)?,
        ),
        _ => unreachable!("fixed-width types have no variable-width data"),
    })
}

/// Decodes field `index` of an encoded row without decoding the others.
///
/// A row written before the field was added (see [`Schema::add_field`])
/// gives the field's default, or NULL.
pub fn decode_field(bytes: &[u8], schema: &Schema, index: usize) -> Result<Value, SchemaError> {
    if index >= schema.len() {
        return Err(SchemaError::FieldIndexOutOfRange { index, count: schema.len() });
    }
    let header = parse_header(bytes, schema)?;
    decode_one(bytes, schema, &header, index)
}

/// Decodes the fields at `indexes` (in that order, repeats allowed) of an
/// encoded row, without decoding the others.
pub fn decode_fields(
    bytes: &[u8],
    schema: &Schema,
    indexes: &[usize],
) -> Result<Vec<Value>, SchemaError> {
    if let Some(&index) = indexes.iter().find(|&&i| i >= schema.len()) {
        return Err(SchemaError::FieldIndexOutOfRange { index, count: schema.len() });
    }
    let header = parse_header(bytes, schema)?;
    indexes.iter().map(|&index| decode_one(bytes, schema, &header, index)).collect()
}

/// Decodes a whole encoded row to its `_time` and one value per field of
/// `schema`, in schema order. Stricter than [`decode_field`]: the variable
/// area must be exactly the bytes that the fields use, and NULL slots must be
/// empty.
pub fn decode_values(bytes: &[u8], schema: &Schema) -> Result<(i64, Vec<Value>), SchemaError> {
    let mut values = Vec::with_capacity(schema.len());
    let time_ns = decode_values_with(bytes, schema, |value| values.push(value))?;
    Ok((time_ns, values))
}

/// [`decode_values`] handing each value to `each`, in schema order, instead
/// of collecting them: for callers that build their own row. Returns `_time`.
/// On an error, `each` may have seen the values before the bad field.
pub fn decode_values_with(
    bytes: &[u8],
    schema: &Schema,
    mut each: impl FnMut(Value),
) -> Result<i64, SchemaError> {
    let header = parse_header(bytes, schema)?;
    let fields = schema.fields();
    let mut var_end = 0;
    // One pass over the fields the row holds: each slot is read once, and
    // a NULL's slot is checked to be empty where its value would be.
    for (index, field) in fields.iter().enumerate().take(header.count) {
        let slot = schema.slot(index);
        let at = header.fixed_start + slot.offset;
        let null = is_null_bit(bytes, index);
        let value = match slot.width {
            Some(width) => {
                let data = &bytes[at..at + width];
                if null {
                    data.iter().all(|&b| b == 0).then_some(Value::Null)
                } else {
                    Some(decode_fixed(field.ty, data, at)?)
                }
            }
            None => {
                let (start, end) = var_bounds(bytes, &header, at, slot.prev_var)?;
                var_end = end;
                if null {
                    (start == end).then_some(Value::Null)
                } else {
                    let data = &bytes[header.var_start + start..header.var_start + end];
                    Some(decode_var(field.ty, data, header.var_start + start)?)
                }
            }
        };
        match value {
            Some(Value::Null) if !field.nullable => {
                return Err(SchemaError::corrupt(
                    ROW_HEADER_BYTES + index / 8,
                    format!("the field `{}` is NULL but not nullable", field.name),
                ))
            }
            Some(value) => each(value),
            None => {
                return Err(SchemaError::corrupt(
                    at,
                    format!("the field `{}` is NULL but has a value", field.name),
                ))
            }
        }
    }
    for index in header.count..schema.len() {
        each(schema.absent_value(index));
    }
    if header.var_start + var_end != bytes.len() {
        return Err(SchemaError::corrupt(
            header.var_start + var_end,
            format!("{} bytes follow the last field", bytes.len() - header.var_start - var_end),
        ));
    }
    Ok(header.time_ns)
}

/// Decodes a whole encoded row to its `_time` and a [`Row`] with every field
/// of `schema`, in schema order (see [`decode_values`]).
pub fn decode_row(bytes: &[u8], schema: &Schema) -> Result<(i64, Row), SchemaError> {
    let (time_ns, values) = decode_values(bytes, schema)?;
    let row =
        schema.fields().iter().zip(values).map(|(f, v)| (f.name.as_str().into(), v)).collect();
    Ok((time_ns, Row::from_entries_unchecked(row)))
}

/// An encoded row whose header has been checked once, for reading fields
/// one by one without copying them: the form a filter reads.
///
/// Each field is checked as [`decode_field`] checks it (a NULL in a field
/// that is not nullable, a variable-width field out of bounds, invalid UTF-8
/// or JSON, an invalid bool, rune or decimal are errors); fields never read
/// are not checked.
#[derive(Clone, Copy, Debug)]
pub struct RowView<'a> {
    bytes: &'a [u8],
    schema: &'a Schema,
    header: Header,
}

impl<'a> RowView<'a> {
    /// Checks the header of `bytes`, a row encoded with `schema` or an
    /// earlier version of it.
    #[inline]
    pub fn new(bytes: &'a [u8], schema: &'a Schema) -> Result<RowView<'a>, SchemaError> {
        Ok(RowView { bytes, schema, header: parse_header(bytes, schema)? })
    }

    /// The row's `_time`.
    #[inline]
    pub fn time(&self) -> i64 {
        self.header.time_ns
    }

    /// Field `index` of the schema, borrowed from the row (or from the
    /// schema: a row written before the field was added reads as its default
    /// or NULL).
    ///
    /// # Panics
    ///
    /// If `index` is not a field of the schema (a bug in the caller).
    #[inline]
    pub fn field(&self, index: usize) -> Result<ValueRef<'a>, SchemaError> {
        let (bytes, schema, header) = (self.bytes, self.schema, &self.header);
        let field = &schema.fields()[index];
        if index >= header.count {
            return Ok(field.default.as_ref().map_or(ValueRef::Null, ValueRef::from));
        }
        if is_null_bit(bytes, index) {
            if !field.nullable {
                return Err(SchemaError::corrupt(
                    ROW_HEADER_BYTES + index / 8,
                    format!("the field `{}` is NULL but not nullable", field.name),
                ));
            }
            return Ok(ValueRef::Null);
        }
        let slot = schema.slot(index);
        let at = header.fixed_start + slot.offset;
        let Some(width) = slot.width else {
            let (start, end) = var_bounds(bytes, header, at, slot.prev_var)?;
            let data = &bytes[header.var_start + start..header.var_start + end];
            return Ok(match field.ty {
                FieldType::String => ValueRef::String(std::str::from_utf8(data).map_err(|e| {
                    SchemaError::corrupt(
                        header.var_start + start + e.valid_up_to(),
                        "a string field is not valid UTF-8",
                    )
                })?),
                FieldType::Bytes => ValueRef::Bytes(data),
                ty => ValueRef::Json(std::borrow::Cow::Owned(decode_var(
                    ty,
                    data,
                    header.var_start + start,
                )?)),
            });
        };
        let b = &bytes[at..at + width];
        Ok(match field.ty {
            FieldType::Int | FieldType::Int64 => {
                ValueRef::Int(i64::from_le_bytes(read_array(b, 0)))
            }
            FieldType::Uint | FieldType::Uint64 => {
                ValueRef::Uint(u64::from_le_bytes(read_array(b, 0)))
            }
            FieldType::Float64 => {
                ValueRef::Float64(f64::from_bits(u64::from_le_bytes(read_array(b, 0))))
            }
            FieldType::Time => ValueRef::Time(i64::from_le_bytes(read_array(b, 0))),
            ty => match decode_fixed(ty, b, at)? {
                Value::Int(v) => ValueRef::Int(v),
                Value::Uint(v) => ValueRef::Uint(v),
                Value::Float32(v) => ValueRef::Float32(v),
                Value::Bool(v) => ValueRef::Bool(v),
                Value::Byte(v) => ValueRef::Byte(v),
                Value::Rune(v) => ValueRef::Rune(v),
                Value::Decimal(v) => ValueRef::Decimal(v),
                Value::Duration(v) => ValueRef::Duration(v),
                other => unreachable!("decode_fixed gave {} for {ty}", other.kind_name()),
            },
        })
    }

    /// Field `index`, owned: [`decode_field`] without parsing the header
    /// again.
    pub fn value(&self, index: usize) -> Result<Value, SchemaError> {
        decode_one(self.bytes, self.schema, &self.header, index)
    }

    /// The bytes of string field `index`, `None` if it is NULL, without
    /// checking that they are UTF-8: for comparing with a string, whose
    /// order is the order of its bytes, where an invalid string compares
    /// unequal to any valid one and is reported when the field is decoded
    /// ([`RowView::field`], [`decode_field`]). The field's slot and bounds
    /// are checked as by [`RowView::field`].
    ///
    /// # Panics
    ///
    /// If `index` is not a string field of the schema (a bug in the caller).
    #[inline]
    pub fn string_bytes(&self, index: usize) -> Result<Option<&'a [u8]>, SchemaError> {
        let (bytes, schema, header) = (self.bytes, self.schema, &self.header);
        let field = &schema.fields()[index];
        assert_eq!(
            field.ty,
            FieldType::String,
            "string_bytes of the {} field `{}`",
            field.ty,
            field.name
        );
        if index >= header.count {
            return Ok(match &field.default {
                Some(Value::String(default)) => Some(default.as_bytes()),
                _ => None,
            });
        }
        if is_null_bit(bytes, index) {
            if !field.nullable {
                return Err(SchemaError::corrupt(
                    ROW_HEADER_BYTES + index / 8,
                    format!("the field `{}` is NULL but not nullable", field.name),
                ));
            }
            return Ok(None);
        }
        let slot = schema.slot(index);
        let (start, end) =
            var_bounds(bytes, header, header.fixed_start + slot.offset, slot.prev_var)?;
        Ok(Some(&bytes[header.var_start + start..header.var_start + end]))
    }
}
