//! Fuzzes the query parser of srdb-query.
//!
//! Arbitrary text must parse or give an error whose position lies inside the
//! text, never panic, recurse without bound or allocate without bound. When
//! it parses, the query's text form must parse to the same query, and binding
//! it to a schema must succeed or fail with an error, never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use srdb_query::{parse_query, plan, MAX_QUERY_BYTES};
use srdb_schema::{FieldType, Schema};

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::builder()
            .field("a", FieldType::Int)
            .nullable()
            .indexed()
            .field("s", FieldType::String)
            .indexed()
            .field("f", FieldType::Float64)
            .field("d", FieldType::Decimal)
            .field("t", FieldType::Time)
            .build()
            .expect("the fuzz schema is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_query(text) {
        Err(e) => assert!(e.position <= text.len(), "position {} past the end", e.position),
        Ok(query) => {
            let again = query.to_string();
            if again.len() > MAX_QUERY_BYTES {
                // The text form spells every term out (spaces, keywords in
                // full, canonical numbers), so a query parsed from text near
                // the length limit may print past it, where the parser
                // refuses it as too long.
                let too_long = parse_query(&again).expect_err("a text form past the limit parses");
                assert_eq!(too_long.position, MAX_QUERY_BYTES);
                return;
            }
            let back = parse_query(&again).expect("the text form of a parsed query parses");
            assert_eq!(back, query, "{again}");
            if let Ok(bound) = query.bind(schema()) {
                let plan = plan(&bound, schema(), &["a", "s"]);
                let _ = plan.explain();
            }
        }
    }
});
