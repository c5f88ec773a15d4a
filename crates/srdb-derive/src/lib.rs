//! `#[derive(Schema)]`: the schema of an srdb table from a Rust struct.
//!
//! The derive implements `TableSchema`, whose `schema()` gives the schema:
//! one field per member, in declaration order, named and typed so that the
//! same struct, deriving serde's `Serialize` and `Deserialize`, is inserted
//! with `Table::insert_struct` and read back with `Table::get_as`
//! unchanged. Use it through the `srdb` facade, where `srdb::Schema` is both
//! the schema type and this derive.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use srdb::{Database, Schema, TableSchema};
//!
//! #[derive(Schema, Serialize, Deserialize, Debug, PartialEq)]
//! struct User {
//!     /// The row's `_seq`, assigned by the table.
//!     #[srdb(seq)]
//!     #[serde(rename = "_seq")]
//!     seq: Option<u64>,
//!     /// Full name.
//!     #[srdb(required)]
//!     name: String,
//!     #[srdb(unique)]
//!     email: String,
//!     /// In years.
//!     #[srdb(indexed)]
//!     age: Option<u8>,
//!     #[srdb(default = "Beijing")]
//!     city: String,
//! }
//!
//! let schema = User::schema()?;
//! let email = schema.field("email").unwrap();
//! assert!(email.unique && !email.nullable);
//! assert_eq!(schema.field("age").unwrap().comment, "In years.");
//!
//! let dir = tempfile::tempdir()?;
//! let db = Database::open(dir.path())?;
//! let users = db.create_table("users", schema)?;
//! let mut ada = User {
//!     seq: None,
//!     name: "Ada".into(),
//!     email: "ada@example.com".into(),
//!     age: None,
//!     city: "London".into(),
//! };
//! ada.seq = Some(users.insert_struct(&ada)?);
//! assert_eq!(users.get_as::<User>(ada.seq.unwrap())?, Some(ada));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Types
//!
//! A member's Rust type gives its field type (the table is in
//! `srdb_schema::DefaultFieldType`): integers of each width, `isize` and
//! `usize` as the 64-bit `int` and `uint`, floats, `bool`, `char` (`rune`),
//! `String`, `Vec<u8>` (`bytes`, with or without `serde_bytes`), `Decimal`,
//! `Duration`, `SystemTime` and `time::OffsetDateTime` (`time`),
//! `serde_json::Map` (`object`), `Vec<serde_json::Value>` (`array`).
//! `Option<T>` is a nullable field of `T`'s type. Any other type is a compile
//! error at the type, unless `#[srdb(type = "...")]` names the field type (a
//! `serde_json::Value` must: `object` or `array`); the conversion is then
//! checked when a row is inserted.
//!
//! serde writes `Duration`, `SystemTime` and `OffsetDateTime` as structs,
//! which no field type holds, so the derive requires a `#[serde(with)]` on
//! them; `srdb::as_nanos` stores them as nanoseconds.
//!
//! # Attributes
//!
//! On a member, `#[srdb(...)]` takes:
//!
//! | attribute | meaning |
//! | --- | --- |
//! | `nullable` | the field accepts NULL; needs an `Option` (which is nullable anyway) unless `type` is given |
//! | `default = expr` | the default value, any expression with an `Into<srdb::Value>`; it must fit the field's type, which `schema()` checks |
//! | `required` | every row must name the field; conflicts with `default` |
//! | `unique` | no two rows hold the same non-NULL value (implies `indexed`) |
//! | `indexed` | the table keeps a secondary index on the field |
//! | `comment = "..."` | the field's comment; without it, the member's doc comment |
//! | `rename = "..."` | the field's name; serde's `rename` is read too, and the two must agree |
//! | `type = "..."` | the field type by its `schema.json` name (`"int8"`, `"time"`, ...) |
//! | `skip` | the member is no field; serde must not write it either (`serde(skip)` alone does both) |
//! | `seq`, `time` | the member holds the row's `_seq` or `_time` (serde must name it so); `seq` needs an `Option`, `None` when inserting; `time` is given at insert only to tables created with `caller_time` |
//!
//! On the struct, `#[srdb(crate = "srdb_schema")]` names the crate the code
//! refers to when `srdb-schema` is used without the facade. A table's name
//! is not part of its schema: it is given to `Database::create_table`.
//!
//! serde attributes that change what serde writes are read: `rename`,
//! `skip` and `skip_serializing` (the member is no field), `with` and
//! `serialize_with`. Those that would make the schema disagree with serde
//! (`rename_all`, `flatten`, `transparent`, `into`, `tag`, a `rename` that
//! differs per direction) are compile errors. `deny_unknown_fields` needs
//! `seq` and `time` members, since every row read from a table has `_seq`
//! and `_time`.
//!
//! # Checks
//!
//! Names (the rules of `srdb_schema::Field`, `_seq` and `_time` reserved),
//! duplicates, comments longer than `MAX_COMMENT_BYTES`, more than
//! `MAX_FIELDS` fields, conflicting attributes, unknown field types and
//! indexes on `object` or `array` fields are compile errors with the span of
//! what is wrong. Only whether a `default` fits its field's type is left to
//! run time: `schema()` returns that error.

mod attrs;
mod expand;

use proc_macro::TokenStream;

/// Derives `TableSchema` for a struct with named fields; see the crate
/// documentation for the attributes.
#[proc_macro_derive(Schema, attributes(srdb, serde))]
pub fn derive_schema(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
