//! Structs that derive `Schema`, `Serialize` and `Deserialize` go into a table
//! and come back unchanged: every supported type, at its boundaries, NULLs,
//! defaults, renames, skipped members, `_seq` and `_time`.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use srdb::{
    as_nanos::Nanos, Database, DbError, Decimal, FieldType, Row, Schema, SchemaError, Table,
    TableOptions, TableSchema,
};
use time::OffsetDateTime;

type JsonMap = serde_json::Map<String, Json>;

#[derive(Schema, Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Every {
    #[srdb(seq)]
    #[serde(rename = "_seq")]
    seq: Option<u64>,
    a_i8: i8,
    a_i16: i16,
    a_i32: i32,
    a_i64: i64,
    a_isize: isize,
    a_u8: u8,
    a_u16: u16,
    a_u32: u32,
    a_u64: u64,
    a_usize: usize,
    a_f32: f32,
    a_f64: f64,
    a_bool: bool,
    a_char: char,
    a_string: String,
    a_bytes: Vec<u8>,
    a_decimal: Decimal,
    #[serde(with = "srdb::as_nanos")]
    a_duration: Duration,
    #[serde(with = "srdb::as_nanos")]
    a_system_time: SystemTime,
    #[serde(with = "srdb::as_nanos")]
    a_offset_time: OffsetDateTime,
    a_object: JsonMap,
    a_array: Vec<Json>,
    #[srdb(type = "array")]
    a_json: Json,
    #[srdb(type = "byte")]
    a_byte: u8,
    #[srdb(type = "time")]
    a_time_ns: i64,
}

/// The same members, each an `Option`.
#[derive(Schema, Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
struct Nullable {
    a_i8: Option<i8>,
    a_i16: Option<i16>,
    a_i32: Option<i32>,
    a_i64: Option<i64>,
    a_isize: Option<isize>,
    a_u8: Option<u8>,
    a_u16: Option<u16>,
    a_u32: Option<u32>,
    a_u64: Option<u64>,
    a_usize: Option<usize>,
    a_f32: Option<f32>,
    a_f64: Option<f64>,
    a_bool: Option<bool>,
    a_char: Option<char>,
    a_string: Option<String>,
    a_bytes: Option<Vec<u8>>,
    a_decimal: Option<Decimal>,
    #[serde(with = "srdb::as_nanos")]
    a_duration: Option<Duration>,
    #[serde(with = "srdb::as_nanos")]
    a_system_time: Option<SystemTime>,
    #[serde(with = "srdb::as_nanos")]
    a_offset_time: Option<OffsetDateTime>,
    a_object: Option<JsonMap>,
    a_array: Option<Vec<Json>>,
    #[srdb(type = "object")]
    a_json: Option<Json>,
}

const TYPES: [(&str, FieldType); 25] = [
    ("a_i8", FieldType::Int8),
    ("a_i16", FieldType::Int16),
    ("a_i32", FieldType::Int32),
    ("a_i64", FieldType::Int64),
    ("a_isize", FieldType::Int),
    ("a_u8", FieldType::Uint8),
    ("a_u16", FieldType::Uint16),
    ("a_u32", FieldType::Uint32),
    ("a_u64", FieldType::Uint64),
    ("a_usize", FieldType::Uint),
    ("a_f32", FieldType::Float32),
    ("a_f64", FieldType::Float64),
    ("a_bool", FieldType::Bool),
    ("a_char", FieldType::Rune),
    ("a_string", FieldType::String),
    ("a_bytes", FieldType::Bytes),
    ("a_decimal", FieldType::Decimal),
    ("a_duration", FieldType::Duration),
    ("a_system_time", FieldType::Time),
    ("a_offset_time", FieldType::Time),
    ("a_object", FieldType::Object),
    ("a_array", FieldType::Array),
    ("a_json", FieldType::Array),
    ("a_byte", FieldType::Byte),
    ("a_time_ns", FieldType::Time),
];

fn table(db: &Database, name: &str, schema: Result<Schema, SchemaError>) -> Table {
    db.create_table(name, schema.expect("the derived schema is valid")).unwrap()
}

fn time_at(nanos: i64) -> SystemTime {
    SystemTime::from_nanos(Some(nanos)).unwrap()
}

fn offset_time_at(nanos: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(nanos.into()).unwrap()
}

fn smallest() -> Every {
    Every {
        seq: None,
        a_i8: i8::MIN,
        a_i16: i16::MIN,
        a_i32: i32::MIN,
        a_i64: i64::MIN,
        a_isize: isize::MIN,
        a_u8: 0,
        a_u16: 0,
        a_u32: 0,
        a_u64: 0,
        a_usize: 0,
        a_f32: f32::MIN,
        a_f64: f64::NEG_INFINITY,
        a_bool: false,
        a_char: '\0',
        a_string: String::new(),
        a_bytes: Vec::new(),
        a_decimal: Decimal::MIN,
        a_duration: Duration::ZERO,
        a_system_time: time_at(i64::MIN),
        a_offset_time: offset_time_at(i64::MIN),
        a_object: JsonMap::new(),
        a_array: Vec::new(),
        a_json: json!([]),
        a_byte: 0,
        a_time_ns: i64::MIN,
    }
}

fn largest() -> Every {
    Every {
        seq: None,
        a_i8: i8::MAX,
        a_i16: i16::MAX,
        a_i32: i32::MAX,
        a_i64: i64::MAX,
        a_isize: isize::MAX,
        a_u8: u8::MAX,
        a_u16: u16::MAX,
        a_u32: u32::MAX,
        a_u64: u64::MAX,
        a_usize: usize::MAX,
        a_f32: f32::MAX,
        a_f64: f64::MAX,
        a_bool: true,
        a_char: char::MAX,
        a_string: "ünïcödé, \"quoted\"\n and 😀".repeat(100),
        a_bytes: (0..=255).collect(),
        a_decimal: Decimal::MAX,
        a_duration: Duration::from_nanos(i64::MAX as u64),
        a_system_time: time_at(i64::MAX),
        a_offset_time: offset_time_at(i64::MAX),
        a_object: json!({"nested": {"f": 0.1, "big": u64::MAX, "list": [null, true]}})
            .as_object()
            .unwrap()
            .clone(),
        a_array: vec![json!(-1), json!("two"), json!({"three": 3.5}), Json::Null],
        a_json: json!([1, [2, [3]]]),
        a_byte: u8::MAX,
        a_time_ns: i64::MAX,
    }
}

#[test]
fn the_derived_schema_has_one_field_per_member_of_the_mapped_type() {
    let schema = Every::schema().unwrap();
    let fields: Vec<_> = schema.fields().iter().map(|f| (f.name.as_str(), f.ty)).collect();
    assert_eq!(fields, TYPES, "`_seq` is no field; the rest keep their order");
    assert!(schema.fields().iter().all(|f| !f.nullable && f.default.is_none() && !f.indexed));

    let nullable = Nullable::schema().unwrap();
    assert_eq!(nullable.len(), 23);
    for field in nullable.fields() {
        assert!(field.nullable, "{} is an Option", field.name);
        let (_, ty) = TYPES.iter().find(|(name, _)| *name == field.name).unwrap();
        let ty = if field.name == "a_json" { FieldType::Object } else { *ty };
        assert_eq!(field.ty, ty, "{}", field.name);
    }
}

#[test]
fn every_type_round_trips_through_a_table_at_its_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let every = table(&db, "every", Every::schema());
    for mut value in [smallest(), largest()] {
        let seq = every.insert_struct(&value).unwrap();
        value.seq = Some(seq);
        assert_eq!(every.get_as::<Every>(seq).unwrap(), Some(value));
    }
    let scaled = Every { a_decimal: Decimal::from_str("-12.3400").unwrap(), ..smallest() };
    let seq = every.insert_struct(&scaled).unwrap();
    assert_eq!(every.get_as::<Every>(seq).unwrap().unwrap().a_decimal.scale(), 4);

    // Floats keep every bit: NaN and the sign of zero, which `==` does not see.
    let odd_floats = Every { a_f32: -0.0, a_f64: f64::NAN, ..largest() };
    let seq = every.insert_struct(&odd_floats).unwrap();
    let back = every.get_as::<Every>(seq).unwrap().unwrap();
    assert_eq!(back.a_f32.to_bits(), (-0.0f32).to_bits());
    assert_eq!(back.a_f64.to_bits(), f64::NAN.to_bits());
}

#[test]
fn options_round_trip_as_nulls_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let nullable = table(&db, "nullable", Nullable::schema());
    let nulls = Nullable::default();
    let seq = nullable.insert_struct(&nulls).unwrap();
    let row = nullable.get(seq).unwrap().unwrap();
    assert!(TYPES[..23].iter().all(|(name, _)| row.get(name) == Some(&srdb::Value::Null)));
    assert_eq!(nullable.get_as::<Nullable>(seq).unwrap(), Some(nulls));

    let e = largest();
    let values = Nullable {
        a_i8: Some(e.a_i8),
        a_i16: Some(e.a_i16),
        a_i32: Some(e.a_i32),
        a_i64: Some(e.a_i64),
        a_isize: Some(e.a_isize),
        a_u8: Some(e.a_u8),
        a_u16: Some(e.a_u16),
        a_u32: Some(e.a_u32),
        a_u64: Some(e.a_u64),
        a_usize: Some(e.a_usize),
        a_f32: Some(e.a_f32),
        a_f64: Some(e.a_f64),
        a_bool: Some(e.a_bool),
        a_char: Some(e.a_char),
        a_string: Some(e.a_string),
        a_bytes: Some(e.a_bytes),
        a_decimal: Some(e.a_decimal),
        a_duration: Some(e.a_duration),
        a_system_time: Some(e.a_system_time),
        a_offset_time: Some(e.a_offset_time),
        a_object: Some(e.a_object.clone()),
        a_array: Some(e.a_array),
        a_json: Some(Json::Object(e.a_object)),
    };
    let seq = nullable.insert_struct(&values).unwrap();
    assert_eq!(nullable.get_as::<Nullable>(seq).unwrap(), Some(values));
}

/// A registered user.
#[derive(Schema, Serialize, Deserialize, Debug, PartialEq)]
struct User {
    /// Full name,
    /// as written.
    #[srdb(required)]
    name: String,
    #[srdb(unique)]
    #[serde(rename = "mail")]
    email: String,
    /// Not the comment.
    #[srdb(indexed, comment = "in years", rename = "years")]
    #[serde(rename = "years")]
    age: Option<u8>,
    #[srdb(default = "Beijing")]
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[srdb(default = 7)]
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<u16>,
    #[serde(skip)]
    cached: u32,
    #[serde(rename = "_time", with = "srdb::as_nanos")]
    #[srdb(time)]
    inserted: Option<SystemTime>,
}

#[test]
fn attributes_and_serde_names_shape_the_schema() {
    let schema = User::schema().unwrap();
    let names: Vec<_> = schema.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["name", "mail", "years", "city", "level"]);
    let name = schema.field("name").unwrap();
    assert!(name.required && !name.nullable);
    assert_eq!(name.comment, "Full name,\nas written.");
    let mail = schema.field("mail").unwrap();
    assert!(mail.unique && mail.indexed && mail.comment.is_empty());
    let years = schema.field("years").unwrap();
    assert!(years.indexed && !years.unique && years.nullable);
    assert_eq!((years.ty, years.comment.as_str()), (FieldType::Uint8, "in years"));
    assert_eq!(schema.field("city").unwrap().default, Some(srdb::Value::from("Beijing")));
    assert_eq!(schema.field("level").unwrap().default, Some(srdb::Value::Uint(7)));
}

#[test]
fn defaults_unique_values_and_the_row_time_work_through_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let users = table(&db, "users", User::schema());
    let before = SystemTime::now();
    let ada = User {
        name: "Ada".into(),
        email: "ada@example.com".into(),
        age: None,
        city: None,
        level: None,
        cached: 5,
        inserted: None,
    };
    let seq = users.insert_struct(&ada).unwrap();
    let back = users.get_as::<User>(seq).unwrap().unwrap();
    assert_eq!(back.city.as_deref(), Some("Beijing"), "the default fills a left-out field");
    assert_eq!(back.level, Some(7));
    assert_eq!(back.cached, 0, "a member serde skips is not stored");
    let inserted = back.inserted.expect("the row's `_time` is read into the member");
    assert!(inserted >= before && inserted <= SystemTime::now());

    let grace = User { name: "Grace".into(), age: Some(85), city: Some("Arlington".into()), ..ada };
    match users.insert_struct(&grace) {
        Err(DbError::UniqueViolation { field, .. }) => assert_eq!(field, "mail"),
        other => panic!("a second row with the same unique value was not refused: {other:?}"),
    }
    let grace = User { email: "grace@example.com".into(), ..grace };
    let seq = users.insert_struct(&grace).unwrap();
    let back = users.get_as::<User>(seq).unwrap().unwrap();
    assert_eq!((back.age, back.city.as_deref()), (Some(85), Some("Arlington")));
    assert_eq!(back.level, Some(7));
}

#[derive(Schema, Serialize, Deserialize, Debug, PartialEq)]
struct Event {
    #[srdb(time)]
    #[serde(rename = "_time", with = "srdb::as_nanos")]
    at: SystemTime,
    what: String,
}

#[test]
fn a_time_member_sets_the_row_time_of_a_caller_time_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let schema = Event::schema().unwrap();
    assert_eq!(schema.len(), 1, "`_time` is no field of the schema");
    let events = db
        .create_table_with("events", schema.clone(), TableOptions::default().caller_time(true))
        .unwrap();
    let event =
        Event { at: UNIX_EPOCH + Duration::from_nanos(1_234_567_890_123), what: "x".into() };
    let seq = events.insert_struct(&event).unwrap();
    assert_eq!(events.get_as::<Event>(seq).unwrap(), Some(event));

    let plain = db.create_table("plain", schema).unwrap();
    let refused = plain.insert_struct(&Event { at: SystemTime::now(), what: "y".into() });
    assert!(matches!(refused, Err(DbError::ReservedField { .. })), "{refused:?}");
}

/// Reads only what a table's rows hold, `_seq` and `_time` included.
#[derive(Schema, Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Strict {
    #[srdb(seq)]
    #[serde(rename = "_seq")]
    seq: Option<u64>,
    #[srdb(time)]
    #[serde(rename = "_time")]
    time_ns: Option<i64>,
    #[serde(rename = "value")]
    #[srdb(rename = "value")]
    number: i32,
}

#[test]
fn a_struct_that_denies_unknown_fields_reads_rows_with_both_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let strict = table(&db, "strict", Strict::schema());
    let seq = strict.insert_struct(&Strict { seq: None, time_ns: None, number: -5 }).unwrap();
    let back = strict.get_as::<Strict>(seq).unwrap().unwrap();
    assert_eq!((back.seq, back.number), (Some(seq), -5));
    assert!(back.time_ns.is_some_and(|ns| ns > 0));
}

#[derive(Schema, Debug)]
#[allow(dead_code)] // Only the schema is used.
struct OutOfRangeDefault {
    #[srdb(default = 300)]
    small: u8,
}

#[test]
fn a_default_that_does_not_fit_is_an_error_of_schema() {
    match OutOfRangeDefault::schema() {
        Err(SchemaError::InvalidField { field, reason }) => {
            assert_eq!(field, "small");
            assert!(reason.contains("default"), "{reason}");
        }
        other => panic!("a default of 300 for a u8 was accepted: {other:?}"),
    }
}

/// Without serde: rows are built by hand, under the names of the schema.
#[derive(Schema)]
#[srdb(crate = "srdb_schema")]
#[allow(dead_code)] // Only the schema is used.
struct Plain {
    #[srdb(rename = "type")]
    kind: String,
    r#match: bool,
    #[srdb(skip)]
    scratch: Vec<String>,
    #[srdb(type = "decimal", nullable)]
    price: String,
}

#[test]
fn srdb_attributes_alone_name_fields_and_any_crate_path_works() {
    let schema: srdb_schema::Schema = Plain::schema().unwrap();
    let names: Vec<_> = schema.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["type", "match", "price"]);
    let price = schema.field("price").unwrap();
    assert!(price.nullable && price.ty == FieldType::Decimal);
    let row = Row::new().with("type", "a").with("match", true).with("price", "1.50");
    let row = schema.validate(&row).unwrap();
    assert_eq!(row.values()[2], srdb::Value::Decimal(Decimal::new(150, 2)));
}
