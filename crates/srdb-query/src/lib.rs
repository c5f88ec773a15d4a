//! Queries over srdb tables.
//!
//! * [`Expr`]: SRDB's 18 operators ([`Op`]) on a field, `_seq` or `_time`,
//!   combined with `AND`, `OR` and `NOT`, built in code
//!   (`Expr::field("age").gte(18)`) or parsed from text ([`parse_query`]);
//!   evaluated on a row whose fields are fetched on demand ([`RowAccess`]),
//!   with SQL's three-valued logic for NULL; or compiled against a schema
//!   ([`CompiledFilter`]) to run on encoded rows without decoding them.
//! * [`Query`]: a filter with projection, order, offset and limit; checked
//!   against a schema by [`Query::bind`], which converts literals to their
//!   fields' types.
//! * [`plan`]: the choice of an index, a `_seq` range or a scan, as a
//!   [`Plan`] the table layer executes, with [`Plan::explain`].
//! * [`naive_execute`]: the reference answer over rows in memory.
//!
//! The semantics and the grammar are in `docs/guide/query.md`. The crate does
//! no I/O and knows nothing of storage.
//!
//! ```
//! use srdb_query::{naive_execute, parse_query, plan};
//! use srdb_schema::{FieldType, Row, Schema};
//!
//! let schema = Schema::builder()
//!     .field("name", FieldType::String)
//!     .field("age", FieldType::Int8).nullable().indexed()
//!     .build()?;
//! let query = parse_query("SELECT name WHERE age >= 18 ORDER BY age DESC LIMIT 1")?.bind(&schema)?;
//!
//! let plan = plan(&query, &schema, &["age"]);
//! assert_eq!(plan.explain(), "IndexRanges age [18, +inf) reverse -> filter age >= 18 -> limit 1 -> select name");
//!
//! let rows = vec![
//!     (1, 0, Row::new().with("name", "Ann").with("age", 30)),
//!     (2, 0, Row::new().with("name", "Bob").with("age", 12)),
//!     (3, 0, Row::new().with("name", "Cid").with("age", 41)),
//! ];
//! let answer = naive_execute(&query, &rows);
//! assert_eq!(answer, vec![(3, 0, Row::new().with("name", "Cid"))]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod bind;
mod compiled;
mod display;
mod error;
mod eval;
mod explain;
mod expr;
mod lexer;
mod limits;
mod naive;
mod parser;
mod plan;
mod query;
mod ranges;

pub use bind::{field_type, BoundQuery};
pub use compiled::CompiledFilter;
pub use display::{field_name, literal};
pub use error::{ParseError, QueryError};
pub use eval::{RowAccess, TableRow};
pub use expr::{Expr, FieldRef, Op};
pub use limits::{MAX_DEPTH, MAX_IN_VALUES, MAX_QUERY_BYTES};
pub use naive::{compare_rows, naive_execute};
pub use parser::{parse_expr, parse_query};
pub use plan::{plan, Access, Plan};
pub use query::{Direction, Query};

/// Runs the examples of `docs/guide/query.md` as doc tests, so the guide
/// cannot drift from the code.
#[doc = include_str!("../../../docs/guide/query.md")]
#[cfg(doctest)]
pub struct GuideExamples;
