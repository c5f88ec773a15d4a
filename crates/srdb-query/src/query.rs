//! Queries: a filter with projection, order, offset and limit.

use crate::Expr;

/// Direction of an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smallest first; NULL first (NULL is below every value).
    #[default]
    Asc,
    /// Largest first; NULL last.
    Desc,
}

/// A query over one table.
///
/// Rows are filtered by `filter`, ordered by `order_by` (rows with equal
/// values in `_seq` order in the same direction; without `order_by`, by
/// `_seq` ascending), then `offset` rows are skipped, at most `limit` kept,
/// and each reduced to the fields of `select`.
///
/// ```
/// use srdb_query::{Direction, Expr, Query};
///
/// let q = Query::new()
///     .filter(Expr::field("age").gte(18))
///     .select(["name", "age"])
///     .order_by("age", Direction::Desc)
///     .offset(20)
///     .limit(10);
/// assert_eq!(q.to_string(), "SELECT name, age WHERE age >= 18 ORDER BY age DESC LIMIT 10 OFFSET 20");
/// assert_eq!(srdb_query::parse_query(&q.to_string())?, q);
/// # Ok::<(), srdb_query::ParseError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// The rows to return; `None` for all.
    pub filter: Option<Expr>,
    /// The fields to return, in this order (`_seq` and `_time` allowed);
    /// `None` for all fields.
    pub select: Option<Vec<String>>,
    /// The field to order by, and the direction; `None` for `_seq` ascending.
    pub order_by: Option<(String, Direction)>,
    /// Rows to skip after ordering.
    pub offset: u64,
    /// Most rows to return; `None` for no limit.
    pub limit: Option<u64>,
}

impl Query {
    /// A query for every row, in `_seq` order.
    pub fn new() -> Query {
        Query::default()
    }

    /// Adds a filter, `AND`ed with any filter already set.
    #[must_use]
    pub fn filter(mut self, expr: Expr) -> Query {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(expr),
            None => expr,
        });
        self
    }

    /// Returns only these fields, in this order.
    #[must_use]
    pub fn select<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Query {
        self.select = Some(fields.into_iter().map(Into::into).collect());
        self
    }

    /// Orders by `field` (any field, `_seq` or `_time`).
    #[must_use]
    pub fn order_by(mut self, field: impl Into<String>, direction: Direction) -> Query {
        self.order_by = Some((field.into(), direction));
        self
    }

    /// Skips the first `offset` rows (default 0).
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Query {
        self.offset = offset;
        self
    }

    /// Returns at most `limit` rows (default: no limit).
    #[must_use]
    pub fn limit(mut self, limit: u64) -> Query {
        self.limit = Some(limit);
        self
    }
}
