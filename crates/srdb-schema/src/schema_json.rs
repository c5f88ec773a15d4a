//! `schema.json`: a schema as a JSON document with a checksum.
//!
//! ```json
//! {
//!   "srdb_schema": 1,
//!   "version": 2,
//!   "fields": [
//!     { "name": "name", "type": "string", "nullable": false, "default": null,
//!       "required": true, "unique": false, "indexed": false, "comment": "" }
//!   ],
//!   "checksum": "crc32:9a0b1c2d"
//! }
//! ```
//!
//! The format is described in `docs/guide/schema.md`. The checksum is the
//! CRC-32 (IEEE) of the *canonical form*: the compact JSON (no spaces) of
//! `{"srdb_schema":1,"version":V,"fields":[...]}` with every member of every
//! field present in the order above and defaults written by
//! [`Value::to_json`]. It is computed over the document as understood, so a
//! changed type, flag, name, default or version is detected while a change of
//! whitespace is not.

use serde::{Deserialize, Serialize};

use crate::limits::SCHEMA_FORMAT_VERSION;
use crate::{Field, FieldType, Schema, SchemaError, Value};

const CHECKSUM_PREFIX: &str = "crc32:";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaDoc {
    srdb_schema: u32,
    version: u32,
    fields: Vec<FieldDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checksum: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldDoc {
    name: String,
    #[serde(rename = "type")]
    ty: FieldType,
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    default: serde_json::Value,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    indexed: bool,
    #[serde(default)]
    comment: String,
}

impl FieldDoc {
    fn of(field: &Field) -> FieldDoc {
        FieldDoc {
            name: field.name.clone(),
            ty: field.ty,
            nullable: field.nullable,
            default: field.default.as_ref().map_or(serde_json::Value::Null, Value::to_json),
            required: field.required,
            unique: field.unique,
            indexed: field.indexed,
            comment: field.comment.clone(),
        }
    }

    fn into_field(self) -> Result<Field, SchemaError> {
        let default = Value::from_json(&self.default, self.ty, &self.name)?;
        Ok(Field {
            default: (!default.is_null()).then_some(default),
            name: self.name,
            ty: self.ty,
            nullable: self.nullable,
            required: self.required,
            unique: self.unique,
            indexed: self.indexed,
            comment: self.comment,
        })
    }
}

fn doc_of(schema: &Schema) -> SchemaDoc {
    SchemaDoc {
        srdb_schema: SCHEMA_FORMAT_VERSION,
        version: schema.version(),
        fields: schema.fields().iter().map(FieldDoc::of).collect(),
        checksum: None,
    }
}

fn checksum_of(schema: &Schema) -> String {
    let canonical =
        serde_json::to_vec(&doc_of(schema)).expect("serialising a schema document cannot fail");
    format!("{CHECKSUM_PREFIX}{:08x}", crc32fast::hash(&canonical))
}

fn parse(text: &str) -> Result<(Schema, Option<String>), SchemaError> {
    let doc: SchemaDoc = serde_json::from_str(text)
        .map_err(|e| SchemaError::SchemaJson { reason: e.to_string() })?;
    if doc.srdb_schema != SCHEMA_FORMAT_VERSION {
        return Err(SchemaError::SchemaJson {
            reason: format!(
                "`srdb_schema` is {}, but this build reads format {SCHEMA_FORMAT_VERSION}",
                doc.srdb_schema
            ),
        });
    }
    let fields = doc.fields.into_iter().map(FieldDoc::into_field).collect::<Result<Vec<_>, _>>()?;
    Ok((Schema::with_version(doc.version, fields)?, doc.checksum))
}

impl Schema {
    /// Reads a `schema.json` document and checks its checksum: a document
    /// whose checksum is missing or does not match its content is refused
    /// ([`SchemaError::ChecksumMismatch`]), because it was edited or damaged.
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        let (schema, stored) = parse(text)?;
        let computed = checksum_of(&schema);
        match stored {
            Some(stored) if stored == computed => Ok(schema),
            Some(stored) => Err(SchemaError::ChecksumMismatch { stored, computed }),
            None => Err(SchemaError::SchemaJson {
                reason: "it has no `checksum`; a hand-written schema is read with `Schema::from_json_unverified`"
                    .to_owned(),
            }),
        }
    }

    /// Reads a `schema.json` document without checking its checksum, for
    /// schemas written by hand. Everything else is checked as by
    /// [`Schema::from_json`].
    pub fn from_json_unverified(text: &str) -> Result<Schema, SchemaError> {
        parse(text).map(|(schema, _)| schema)
    }

    /// Writes the schema as a `schema.json` document (pretty-printed), with
    /// its checksum.
    pub fn to_json(&self) -> String {
        let mut doc = doc_of(self);
        doc.checksum = Some(checksum_of(self));
        serde_json::to_string_pretty(&doc).expect("serialising a schema document cannot fail")
    }

    /// The checksum of the schema as written in `schema.json`
    /// (`"crc32:"` and 8 hex digits).
    pub fn checksum(&self) -> String {
        checksum_of(self)
    }
}
