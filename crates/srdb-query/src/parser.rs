//! The recursive-descent parser of the query syntax (grammar in
//! `docs/guide/query.md`).

use srdb_schema::Value;

use crate::lexer::{is_keyword, tokenize, Token};
use crate::limits::{MAX_DEPTH, MAX_IN_VALUES, MAX_QUERY_BYTES};
use crate::{Direction, Expr, Op, ParseError, Query};

/// Parses a query in the text syntax, such as
/// `age >= 18 AND (city = 'Beijing' OR city IN ('Shanghai', 'Shenzhen')) ORDER BY age DESC LIMIT 10`.
///
/// Errors carry the byte offset of the problem:
///
/// ```
/// let err = srdb_query::parse_query("age >= 18 AND x >= ").unwrap_err();
/// assert_eq!(err.to_string(), "error at 19: expected a value after '>='");
/// ```
pub fn parse_query(text: &str) -> Result<Query, ParseError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(ParseError::new(
            MAX_QUERY_BYTES,
            format!("the query is longer than the limit of {MAX_QUERY_BYTES} bytes"),
        ));
    }
    let mut parser = Parser { tokens: tokenize(text)?, next: 0, depth: 0 };
    parser.query()
}

/// Parses a filter expression alone (no `SELECT`, `ORDER BY`, ...).
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let query = parse_query(text)?;
    match query {
        Query { filter: Some(filter), select: None, order_by: None, offset: 0, limit: None } => {
            Ok(filter)
        }
        _ => Err(ParseError::new(0, "expected a filter expression only")),
    }
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.next].1
    }

    fn position(&self) -> usize {
        self.tokens[self.next].0
    }

    fn advance(&mut self) -> Token {
        let token = self.tokens[self.next].1.clone();
        if self.next + 1 < self.tokens.len() {
            self.next += 1;
        }
        token
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError::new(self.position(), message))
    }

    /// An error saying what was expected and what was found instead.
    fn expected<T>(&self, what: &str) -> Result<T, ParseError> {
        self.error(format!("expected {what}, found {}", self.peek().describe()))
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Token::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    fn expect_keyword(&mut self, keyword: &str, context: &str) -> Result<(), ParseError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            self.expected(&format!("{keyword} {context}"))
        }
    }

    fn eat_punct(&mut self, punct: &str) -> bool {
        let found = matches!(self.peek(), Token::Punct(p) if *p == punct);
        if found {
            self.advance();
        }
        found
    }

    fn query(&mut self) -> Result<Query, ParseError> {
        let mut query = Query::new();
        let mut filter_allowed = true;
        if self.eat_keyword("SELECT") {
            if !self.eat_punct("*") {
                let mut fields = vec![self.field("a field name after SELECT")?];
                while self.eat_punct(",") {
                    fields.push(self.field("a field name after ','")?);
                }
                query.select = Some(fields);
            }
            // After a SELECT list a filter must be introduced by WHERE.
            filter_allowed = false;
        }
        let where_clause = self.eat_keyword("WHERE");
        if where_clause || (filter_allowed && !self.at_clause_end()) {
            query.filter = Some(self.expr()?);
        }
        if self.eat_keyword("ORDER") {
            self.expect_keyword("BY", "after ORDER")?;
            let field = self.field("a field name after ORDER BY")?;
            let direction = if self.eat_keyword("DESC") {
                Direction::Desc
            } else {
                self.eat_keyword("ASC");
                Direction::Asc
            };
            query.order_by = Some((field, direction));
        }
        let (mut limit_seen, mut offset_seen) = (false, false);
        loop {
            if !limit_seen && self.eat_keyword("LIMIT") {
                limit_seen = true;
                query.limit = Some(self.count("LIMIT")?);
            } else if !offset_seen && self.eat_keyword("OFFSET") {
                offset_seen = true;
                query.offset = self.count("OFFSET")?;
            } else {
                break;
            }
        }
        if *self.peek() != Token::End {
            let what = match (query.filter.is_some(), query.select.is_some()) {
                (true, _) => "AND, OR, ORDER BY, LIMIT, OFFSET or the end of the query",
                (false, true) => "WHERE, ORDER BY, LIMIT, OFFSET or the end of the query",
                (false, false) => "a condition, ORDER BY, LIMIT, OFFSET or the end of the query",
            };
            return self.expected(what);
        }
        Ok(query)
    }

    /// Whether the next token ends the filter part (a clause keyword or the
    /// end), so that an empty filter is accepted.
    fn at_clause_end(&self) -> bool {
        *self.peek() == Token::End
            || ["ORDER", "LIMIT", "OFFSET"].iter().any(|k| self.at_keyword(k))
    }

    fn count(&mut self, clause: &str) -> Result<u64, ParseError> {
        match self.peek() {
            Token::Literal(Value::Int(v)) if *v >= 0 => {
                let v = *v as u64;
                self.advance();
                Ok(v)
            }
            Token::Literal(Value::Uint(v)) => {
                let v = *v;
                self.advance();
                Ok(v)
            }
            _ => self.expected(&format!("a whole number of rows after {clause}")),
        }
    }

    fn field(&mut self, what: &str) -> Result<String, ParseError> {
        match self.peek().clone() {
            Token::Word(w) if !is_keyword(&w) => {
                self.advance();
                Ok(w)
            }
            Token::Quoted(w) => {
                self.advance();
                Ok(w)
            }
            Token::Word(w) => self.error(format!(
                "expected {what}, found the keyword '{w}' (write `{w}` for a field of that name)"
            )),
            _ => self.expected(what),
        }
    }

    /// Enters one level of nesting opened by the token at `at`.
    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                at,
                format!("the expression nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let first = self.and()?;
        if !self.at_keyword("OR") {
            return Ok(first);
        }
        let mut members = vec![first];
        while self.eat_keyword("OR") {
            members.push(self.and()?);
        }
        Ok(Expr::Or(members))
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let first = self.not()?;
        if !self.at_keyword("AND") {
            return Ok(first);
        }
        let mut members = vec![first];
        while self.eat_keyword("AND") {
            members.push(self.not()?);
        }
        Ok(Expr::And(members))
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        let at = self.position();
        if self.eat_keyword("NOT") {
            self.enter(at)?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let at = self.position();
        if self.eat_punct("(") {
            self.enter(at)?;
            let inner = self.expr()?;
            self.depth -= 1;
            if !self.eat_punct(")") {
                return self.expected("')' or AND / OR");
            }
            return Ok(inner);
        }
        if self.eat_keyword("TRUE") {
            return Ok(Expr::And(Vec::new()));
        }
        if self.eat_keyword("FALSE") {
            return Ok(Expr::Or(Vec::new()));
        }
        let field = self.field("a condition (a field name, NOT, or '(')")?;
        let op = self.operator(&field)?;
        Ok(Expr::Cond { field, op })
    }

    fn operator(&mut self, field: &str) -> Result<Op, ParseError> {
        if let Token::Punct(p) = *self.peek() {
            let make: Option<fn(Value) -> Op> = match p {
                "=" | "==" => Some(Op::Eq),
                "!=" | "<>" => Some(Op::Ne),
                "<" => Some(Op::Lt),
                "<=" => Some(Op::Lte),
                ">" => Some(Op::Gt),
                ">=" => Some(Op::Gte),
                _ => None,
            };
            if let Some(make) = make {
                self.advance();
                return Ok(make(self.value(p)?));
            }
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            self.expect_keyword("NULL", if negated { "after IS NOT" } else { "or NOT after IS" })?;
            return Ok(if negated { Op::NotNull } else { Op::IsNull });
        }
        let negated = self.eat_keyword("NOT");
        let op = if self.eat_keyword("IN") {
            let list = self.list()?;
            if negated {
                Op::NotIn(list)
            } else {
                Op::In(list)
            }
        } else if self.eat_keyword("BETWEEN") {
            let low = self.value("BETWEEN")?;
            self.expect_keyword("AND", "between the two ends of BETWEEN")?;
            let high = self.value("AND")?;
            if negated {
                Op::NotBetween(low, high)
            } else {
                Op::Between(low, high)
            }
        } else if self.eat_keyword("CONTAINS") {
            let v = self.value("CONTAINS")?;
            if negated {
                Op::NotContains(v)
            } else {
                Op::Contains(v)
            }
        } else if self.eat_keyword("STARTS") {
            self.expect_keyword("WITH", "after STARTS")?;
            let v = self.value("STARTS WITH")?;
            if negated {
                Op::NotStartsWith(v)
            } else {
                Op::StartsWith(v)
            }
        } else if self.eat_keyword("ENDS") {
            self.expect_keyword("WITH", "after ENDS")?;
            let v = self.value("ENDS WITH")?;
            if negated {
                Op::NotEndsWith(v)
            } else {
                Op::EndsWith(v)
            }
        } else if negated {
            return self.expected("IN, BETWEEN, CONTAINS, STARTS WITH or ENDS WITH after NOT");
        } else {
            return self.expected(&format!(
                "an operator after the field `{field}` (=, !=, <, <=, >, >=, IN, BETWEEN, CONTAINS, STARTS WITH, ENDS WITH, IS NULL)"
            ));
        };
        Ok(op)
    }

    /// A literal value after `after` (which names the operator in errors).
    fn value(&mut self, after: &str) -> Result<Value, ParseError> {
        let value = match self.peek() {
            Token::Literal(v) => v.clone(),
            Token::Word(w) if w.eq_ignore_ascii_case("TRUE") => Value::Bool(true),
            Token::Word(w) if w.eq_ignore_ascii_case("FALSE") => Value::Bool(false),
            Token::Word(w) if w.eq_ignore_ascii_case("NULL") => Value::Null,
            _ => return self.error(format!("expected a value after '{after}'")),
        };
        self.advance();
        Ok(value)
    }

    fn list(&mut self) -> Result<Vec<Value>, ParseError> {
        if !self.eat_punct("(") {
            return self.expected("'(' to open the list of values");
        }
        let mut list = vec![self.value("(")?];
        while self.eat_punct(",") {
            if list.len() == MAX_IN_VALUES {
                return self.error(format!("the list has more than {MAX_IN_VALUES} values"));
            }
            list.push(self.value(",")?);
        }
        if !self.eat_punct(")") {
            return self.expected("',' or ')' in the list of values");
        }
        Ok(list)
    }
}
