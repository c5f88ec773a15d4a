//! Writing expressions and queries in the text syntax, so that parsing the
//! text gives the same query back.

use std::fmt::{self, Write as _};

use srdb_schema::Value;

use crate::lexer::is_keyword;
use crate::{Direction, Expr, Op, Query};

impl fmt::Display for Query {
    /// The query in the text syntax: `SELECT a, b WHERE filter ORDER BY f
    /// DESC LIMIT n OFFSET m`, each part only when set (`WHERE` only after a
    /// `SELECT`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(select) = &self.select {
            let names: Vec<String> = select.iter().map(|n| field_name(n)).collect();
            parts.push(format!("SELECT {}", names.join(", ")));
            if let Some(filter) = &self.filter {
                parts.push(format!("WHERE {filter}"));
            }
        } else if let Some(filter) = &self.filter {
            parts.push(filter.to_string());
        }
        if let Some((field, direction)) = &self.order_by {
            let dir = match direction {
                Direction::Asc => "",
                Direction::Desc => " DESC",
            };
            parts.push(format!("ORDER BY {}{dir}", field_name(field)));
        }
        if let Some(limit) = self.limit {
            parts.push(format!("LIMIT {limit}"));
        }
        if self.offset != 0 {
            parts.push(format!("OFFSET {}", self.offset));
        }
        f.write_str(&parts.join(" "))
    }
}

impl fmt::Display for Expr {
    /// The expression in the text syntax, with the parentheses that its
    /// structure needs: `a = 1 AND (b = 2 OR c = 3)`. An empty `AND` is
    /// written `TRUE` and an empty `OR` `FALSE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Cond { field, op } => write_condition(f, field, op),
            Expr::And(members) if members.is_empty() => f.write_str("TRUE"),
            Expr::Or(members) if members.is_empty() => f.write_str("FALSE"),
            Expr::And(members) => write_joined(
                f,
                members,
                " AND ",
                |m| matches!(m, Expr::And(ms) | Expr::Or(ms) if !ms.is_empty()),
            ),
            Expr::Or(members) => {
                write_joined(f, members, " OR ", |m| matches!(m, Expr::Or(ms) if !ms.is_empty()))
            }
            Expr::Not(inner) => match **inner {
                Expr::And(ref ms) | Expr::Or(ref ms) if !ms.is_empty() => {
                    write!(f, "NOT ({inner})")
                }
                _ => write!(f, "NOT {inner}"),
            },
        }
    }
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    members: &[Expr],
    separator: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, member) in members.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        if needs_parens(member) {
            write!(f, "({member})")?;
        } else {
            write!(f, "{member}")?;
        }
    }
    Ok(())
}

fn write_condition(f: &mut fmt::Formatter<'_>, field: &str, op: &Op) -> fmt::Result {
    write!(f, "{} {}", field_name(field), op.keyword())?;
    match op {
        Op::IsNull | Op::NotNull => Ok(()),
        Op::In(list) | Op::NotIn(list) => {
            let items: Vec<String> = list.iter().map(literal).collect();
            write!(f, " ({})", items.join(", "))
        }
        Op::Between(low, high) | Op::NotBetween(low, high) => {
            write!(f, " {} AND {}", literal(low), literal(high))
        }
        _ => {
            let operands = op.operands();
            write!(f, " {}", literal(operands[0]))
        }
    }
}

/// A field name as written in the syntax: bare when it is an identifier that
/// is not a keyword, otherwise in backquotes (a backquote doubled).
pub fn field_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !is_keyword(name);
    if plain {
        name.to_owned()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// A value as a literal of the syntax, one that converts back to the same
/// value for a field of its type (see `docs/guide/query.md`, "Literals").
pub fn literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Bool(true) => "TRUE".to_owned(),
        Value::Bool(false) => "FALSE".to_owned(),
        Value::Int(v) => v.to_string(),
        Value::Uint(v) => v.to_string(),
        Value::Byte(v) => v.to_string(),
        Value::Duration(v) => v.to_string(),
        Value::Decimal(d) => {
            let mut text = d.to_string();
            // A decimal zero keeps its sign, which a float field reads.
            if d.is_sign_negative() && !text.starts_with('-') {
                text.insert(0, '-');
            }
            // Without a point an integer within i64 or u64 would read back as
            // an integer; one beyond them reads back as a decimal as it is
            // (and has no room for a point in 96 bits).
            let fits_u64_or_i64 = text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok();
            if text.contains('.') || !fits_u64_or_i64 {
                text
            } else {
                format!("{text}.0")
            }
        }
        Value::Float64(v) if v.is_finite() => format!("{v:?}"),
        Value::Float32(v) if v.is_finite() => format!("{v:?}"),
        Value::Float64(_) | Value::Float32(_) => quoted(&value.to_string()),
        Value::String(s) => quoted(s),
        Value::Rune(c) => quoted(&c.to_string()),
        Value::Time(ns) => match value.to_json() {
            serde_json::Value::String(text) => quoted(&text),
            _ => ns.to_string(),
        },
        Value::Bytes(bytes) => {
            let mut out = String::with_capacity(3 + 2 * bytes.len());
            out.push_str("x'");
            bytes.iter().for_each(|b| {
                let _ = write!(out, "{b:02x}");
            });
            out.push('\'');
            out
        }
        Value::Object(_) | Value::Array(_) => quoted(&value.to_json().to_string()),
    }
}

/// A string in single quotes with `\` escapes for `'`, `\` and control
/// characters.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}
