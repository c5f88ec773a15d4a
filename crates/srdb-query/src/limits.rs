//! Limits of queries, each with the reason for its value.

/// Longest query text accepted by the parser, in bytes.
///
/// Queries come from the network (the server, the Web UI); a limit keeps a
/// hostile client from making the parser allocate without bound. 64 KiB holds
/// an `IN` list of thousands of values, far beyond a hand-written query.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Deepest nesting of an expression: parentheses, `NOT`, `AND` and `OR`
/// inside one another.
///
/// Parsing, binding, evaluation and display recurse once per level, so the
/// limit bounds their stack use (a few hundred bytes per level, far below the
/// 2 MiB stack of a spawned thread). Hand-written queries nest a handful of
/// levels; 64 is generous.
pub const MAX_DEPTH: usize = 64;

/// Most values in one `IN` or `NOT IN` list.
///
/// An indexed `IN` becomes one index range per value, each a seek into the
/// index; 10,000 seeks is already slower than a scan of a modest table, and
/// the limit bounds the plan's size.
pub const MAX_IN_VALUES: usize = 10_000;
