//! The expression tree: SRDB's 18 operators on a field, combined with
//! `AND`, `OR` and `NOT`, and a builder for it.

use srdb_schema::Value;

/// One of SRDB's 18 operators with its operands.
///
/// Names ([`Op::name`]) are SRDB's: `eq`, `ne`, `lt`, `gt`, `lte`, `gte`,
/// `in`, `not_in`, `between`, `not_between`, `contains`, `not_contains`,
/// `starts_with`, `not_starts_with`, `ends_with`, `not_ends_with`, `is_null`,
/// `not_null`. Their meaning, NULL included, is in `docs/guide/query.md`.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)] // Each variant is the operator its name says.
pub enum Op {
    Eq(Value),
    Ne(Value),
    Lt(Value),
    Gt(Value),
    Lte(Value),
    Gte(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    /// `low <= field <= high`.
    Between(Value, Value),
    NotBetween(Value, Value),
    Contains(Value),
    NotContains(Value),
    StartsWith(Value),
    NotStartsWith(Value),
    EndsWith(Value),
    NotEndsWith(Value),
    IsNull,
    NotNull,
}

impl Op {
    /// SRDB's name of the operator: `"eq"`, `"not_in"`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::Lt(_) => "lt",
            Op::Gt(_) => "gt",
            Op::Lte(_) => "lte",
            Op::Gte(_) => "gte",
            Op::In(_) => "in",
            Op::NotIn(_) => "not_in",
            Op::Between(..) => "between",
            Op::NotBetween(..) => "not_between",
            Op::Contains(_) => "contains",
            Op::NotContains(_) => "not_contains",
            Op::StartsWith(_) => "starts_with",
            Op::NotStartsWith(_) => "not_starts_with",
            Op::EndsWith(_) => "ends_with",
            Op::NotEndsWith(_) => "not_ends_with",
            Op::IsNull => "is_null",
            Op::NotNull => "not_null",
        }
    }

    /// The operator as written in the text syntax: `"="`, `"NOT IN"`, ...
    pub fn keyword(&self) -> &'static str {
        match self {
            Op::Eq(_) => "=",
            Op::Ne(_) => "!=",
            Op::Lt(_) => "<",
            Op::Gt(_) => ">",
            Op::Lte(_) => "<=",
            Op::Gte(_) => ">=",
            Op::In(_) => "IN",
            Op::NotIn(_) => "NOT IN",
            Op::Between(..) => "BETWEEN",
            Op::NotBetween(..) => "NOT BETWEEN",
            Op::Contains(_) => "CONTAINS",
            Op::NotContains(_) => "NOT CONTAINS",
            Op::StartsWith(_) => "STARTS WITH",
            Op::NotStartsWith(_) => "NOT STARTS WITH",
            Op::EndsWith(_) => "ENDS WITH",
            Op::NotEndsWith(_) => "NOT ENDS WITH",
            Op::IsNull => "IS NULL",
            Op::NotNull => "IS NOT NULL",
        }
    }

    /// The operands, in order: two for `between`, the list for
    /// `in`, none for `is_null` and `not_null`, one otherwise.
    pub fn operands(&self) -> Vec<&Value> {
        match self {
            Op::Eq(v)
            | Op::Ne(v)
            | Op::Lt(v)
            | Op::Gt(v)
            | Op::Lte(v)
            | Op::Gte(v)
            | Op::Contains(v)
            | Op::NotContains(v)
            | Op::StartsWith(v)
            | Op::NotStartsWith(v)
            | Op::EndsWith(v)
            | Op::NotEndsWith(v) => vec![v],
            Op::In(vs) | Op::NotIn(vs) => vs.iter().collect(),
            Op::Between(a, b) | Op::NotBetween(a, b) => vec![a, b],
            Op::IsNull | Op::NotNull => vec![],
        }
    }

    /// Mutable access to every operand, for binding.
    pub(crate) fn operands_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        let (first, second, list): (Option<&mut Value>, Option<&mut Value>, &mut [Value]) =
            match self {
                Op::Eq(v)
                | Op::Ne(v)
                | Op::Lt(v)
                | Op::Gt(v)
                | Op::Lte(v)
                | Op::Gte(v)
                | Op::Contains(v)
                | Op::NotContains(v)
                | Op::StartsWith(v)
                | Op::NotStartsWith(v)
                | Op::EndsWith(v)
                | Op::NotEndsWith(v) => (Some(v), None, &mut []),
                Op::In(vs) | Op::NotIn(vs) => (None, None, vs.as_mut_slice()),
                Op::Between(a, b) | Op::NotBetween(a, b) => (Some(a), Some(b), &mut []),
                Op::IsNull | Op::NotNull => (None, None, &mut []),
            };
        first.into_iter().chain(second).chain(list)
    }

    /// Whether the operator matches on text (`contains`, `starts_with`,
    /// `ends_with` and their negations), so only applies to strings and bytes.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Op::Contains(_)
                | Op::NotContains(_)
                | Op::StartsWith(_)
                | Op::NotStartsWith(_)
                | Op::EndsWith(_)
                | Op::NotEndsWith(_)
        )
    }
}

/// A filter over rows: conditions on fields combined with `AND`, `OR` and
/// `NOT`.
///
/// Build one with [`Expr::field`] and the operator methods of [`FieldRef`]:
///
/// ```
/// use srdb_query::Expr;
///
/// let adults_in_two_cities = Expr::field("age")
///     .gte(18)
///     .and(Expr::field("city").in_(["Beijing", "Shanghai"]))
///     .and(!Expr::field("name").starts_with("A"));
/// assert_eq!(
///     adults_in_two_cities.to_string(),
///     "age >= 18 AND city IN ('Beijing', 'Shanghai') AND NOT name STARTS WITH 'A'"
/// );
/// assert_eq!(adults_in_two_cities.fields(), ["age", "city", "name"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A condition on one field (a schema field, `_seq` or `_time`).
    Cond {
        /// The field's name.
        field: String,
        /// The operator and its operands.
        op: Op,
    },
    /// True when every member is true. `And(vec![])` is true.
    And(Vec<Expr>),
    /// True when some member is true. `Or(vec![])` is false.
    Or(Vec<Expr>),
    /// The negation of its member.
    Not(Box<Expr>),
}

impl Expr {
    /// Starts a condition on the field `name`: `Expr::field("age").gte(18)`.
    pub fn field(name: impl Into<String>) -> FieldRef {
        FieldRef { name: name.into() }
    }

    /// `self AND other`, flattening nested `AND`s.
    #[must_use]
    pub fn and(self, other: Expr) -> Expr {
        match self {
            Expr::And(mut members) => {
                members.push(other);
                Expr::And(members)
            }
            first => Expr::And(vec![first, other]),
        }
    }

    /// `self OR other`, flattening nested `OR`s.
    #[must_use]
    pub fn or(self, other: Expr) -> Expr {
        match self {
            Expr::Or(mut members) => {
                members.push(other);
                Expr::Or(members)
            }
            first => Expr::Or(vec![first, other]),
        }
    }

    /// `NOT self` (also written `!expr`).
    #[must_use]
    pub fn negate(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    /// The names of the fields the expression refers to, each once, in order
    /// of first appearance. The table layer decodes only these to filter a
    /// row.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit_conditions(&mut |field, _| {
            if !out.contains(&field) {
                out.push(field);
            }
        });
        out
    }

    /// Calls `f` on every condition, depth first, left to right.
    pub fn visit_conditions<'a>(&'a self, f: &mut impl FnMut(&'a str, &'a Op)) {
        match self {
            Expr::Cond { field, op } => f(field, op),
            Expr::And(members) | Expr::Or(members) => {
                members.iter().for_each(|m| m.visit_conditions(f))
            }
            Expr::Not(inner) => inner.visit_conditions(f),
        }
    }

    /// Nesting depth: 1 for a condition, one more per level of `AND`, `OR`
    /// and `NOT`.
    pub fn depth(&self) -> usize {
        match self {
            Expr::Cond { .. } => 1,
            Expr::And(members) | Expr::Or(members) => {
                1 + members.iter().map(Expr::depth).max().unwrap_or(0)
            }
            Expr::Not(inner) => 1 + inner.depth(),
        }
    }
}

impl std::ops::Not for Expr {
    type Output = Expr;

    fn not(self) -> Expr {
        self.negate()
    }
}

/// A field on the way to a condition; see [`Expr::field`]. Each method is
/// one of SRDB's operators and gives the [`Expr`] of the condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRef {
    name: String,
}

macro_rules! one_operand {
    ($($(#[$doc:meta])* $method:ident => $variant:ident;)*) => {$(
        $(#[$doc])*
        pub fn $method(self, value: impl Into<Value>) -> Expr {
            self.cond(Op::$variant(value.into()))
        }
    )*};
}

impl FieldRef {
    fn cond(self, op: Op) -> Expr {
        Expr::Cond { field: self.name, op }
    }

    one_operand! {
        /// `field = value`.
        eq => Eq;
        /// `field != value`.
        ne => Ne;
        /// `field < value`.
        lt => Lt;
        /// `field > value`.
        gt => Gt;
        /// `field <= value`.
        lte => Lte;
        /// `field >= value`.
        gte => Gte;
        /// `field CONTAINS value` (strings and bytes).
        contains => Contains;
        /// `field NOT CONTAINS value`.
        not_contains => NotContains;
        /// `field STARTS WITH value` (strings and bytes).
        starts_with => StartsWith;
        /// `field NOT STARTS WITH value`.
        not_starts_with => NotStartsWith;
        /// `field ENDS WITH value` (strings and bytes).
        ends_with => EndsWith;
        /// `field NOT ENDS WITH value`.
        not_ends_with => NotEndsWith;
    }

    /// `field IN (values...)`.
    pub fn in_<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        self.cond(Op::In(values.into_iter().map(Into::into).collect()))
    }

    /// `field NOT IN (values...)`.
    pub fn not_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        self.cond(Op::NotIn(values.into_iter().map(Into::into).collect()))
    }

    /// `field BETWEEN low AND high` (both ends included).
    pub fn between(self, low: impl Into<Value>, high: impl Into<Value>) -> Expr {
        self.cond(Op::Between(low.into(), high.into()))
    }

    /// `field NOT BETWEEN low AND high`.
    pub fn not_between(self, low: impl Into<Value>, high: impl Into<Value>) -> Expr {
        self.cond(Op::NotBetween(low.into(), high.into()))
    }

    /// `field IS NULL`.
    pub fn is_null(self) -> Expr {
        self.cond(Op::IsNull)
    }

    /// `field IS NOT NULL`.
    pub fn not_null(self) -> Expr {
        self.cond(Op::NotNull)
    }
}
