//! Tokens of the query syntax, each with its byte offset in the text.

use srdb_schema::{Decimal, Value};

use crate::ParseError;

/// Words with a meaning in the syntax, matched without regard to case. A
/// field with one of these names is written in backquotes.
const KEYWORDS: [&str; 21] = [
    "AND", "ASC", "BETWEEN", "BY", "CONTAINS", "DESC", "ENDS", "FALSE", "IN", "IS", "LIMIT", "NOT",
    "NULL", "OFFSET", "OR", "ORDER", "SELECT", "STARTS", "TRUE", "WHERE", "WITH",
];

/// Whether `word` is a keyword of the syntax, in any case.
pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    /// A bare word: a keyword or a field name.
    Word(String),
    /// A field name in backquotes (never a keyword).
    Quoted(String),
    /// A number, string or bytes literal.
    Literal(Value),
    /// Punctuation: `(`, `)`, `,`, `*`, and the comparison operators
    /// `=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Punct(&'static str),
    /// The end of the text.
    End,
}

impl Token {
    /// How the token is named in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("'{w}'"),
            Token::Quoted(w) => format!("`{w}`"),
            Token::Literal(_) => "a value".to_owned(),
            Token::Punct(p) => format!("'{p}'"),
            Token::End => "the end of the query".to_owned(),
        }
    }
}

const PUNCTUATION: [&str; 12] = ["==", "!=", "<>", "<=", ">=", "=", "<", ">", "(", ")", ",", "*"];

/// Splits `text` into tokens with their byte offsets; the last is
/// [`Token::End`] at `text.len()`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let c = text[at..].chars().next().expect("at is on a character boundary");
        if c.is_whitespace() {
            at += c.len_utf8();
            continue;
        }
        let start = at;
        let token = if (c == 'x' || c == 'X') && bytes.get(at + 1) == Some(&b'\'') {
            let (value, end) = hex_bytes(text, at)?;
            at = end;
            Token::Literal(value)
        } else if c.is_alphabetic() || c == '_' {
            let len = text[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - at);
            at += len;
            Token::Word(text[start..at].to_owned())
        } else if c.is_ascii_digit()
            || (c == '-' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit))
        {
            let (value, end) = number(text, at)?;
            at = end;
            Token::Literal(value)
        } else if c == '\'' || c == '"' {
            let (s, end) = string(text, at)?;
            at = end;
            Token::Literal(Value::String(s))
        } else if c == '`' {
            let (s, end) = quoted_name(text, at)?;
            at = end;
            Token::Quoted(s)
        } else if let Some(p) = PUNCTUATION.iter().find(|p| text[at..].starts_with(**p)) {
            at += p.len();
            Token::Punct(p)
        } else {
            return Err(ParseError::new(at, format!("unexpected character '{c}'")));
        };
        tokens.push((start, token));
    }
    tokens.push((text.len(), Token::End));
    Ok(tokens)
}

/// A number starting at `start`: an integer (`Int`, or `Uint` above
/// `i64::MAX`, or an exact `Decimal` beyond `u64`), or, with a fraction or
/// exponent, an exact `Decimal` where one holds it and a `Float64` otherwise.
fn number(text: &str, start: usize) -> Result<(Value, usize), ParseError> {
    let bytes = text.as_bytes();
    let mut at = start + usize::from(bytes[start] == b'-');
    let digits = |at: &mut usize| {
        let from = *at;
        while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at - from
    };
    digits(&mut at);
    let mut integer = true;
    if bytes.get(at) == Some(&b'.') {
        integer = false;
        at += 1;
        if digits(&mut at) == 0 {
            return Err(ParseError::new(at, "expected a digit after the decimal point"));
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        integer = false;
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        if digits(&mut at) == 0 {
            return Err(ParseError::new(at, "expected a digit in the exponent"));
        }
    }
    if bytes.get(at).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return Err(ParseError::new(at, "expected a space or an operator after the number"));
    }
    let source = &text[start..at];
    let value = if integer {
        if let Ok(v) = source.parse::<i64>() {
            Value::Int(v)
        } else if let Ok(v) = source.parse::<u64>() {
            Value::Uint(v)
        } else if let Ok(d) = Decimal::from_str_exact(source) {
            Value::Decimal(d)
        } else {
            return Err(ParseError::new(start, format!("the integer {source} is out of range")));
        }
    } else {
        // A decimal when one holds the number exactly; otherwise the nearest
        // float, itself read as a decimal when its shortest form is one, so
        // that a float's text form always reads back as the same literal.
        match exact_decimal(source) {
            Some(d) => Value::Decimal(d),
            None => match source.parse::<f64>() {
                Ok(f) if f.is_finite() => match exact_decimal(&format!("{f:?}")) {
                    Some(d) => Value::Decimal(d),
                    None => Value::Float64(f),
                },
                _ => {
                    return Err(ParseError::new(
                        start,
                        format!("the number {source} is out of range"),
                    ))
                }
            },
        }
    };
    Ok((value, at))
}

/// The decimal that `text` (digits with a point or an exponent) denotes
/// exactly, if one does; `-0.0` keeps its sign.
fn exact_decimal(text: &str) -> Option<Decimal> {
    let mut d = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()?
    } else {
        Decimal::from_str_exact(text).ok()?
    };
    if text.starts_with('-') && d.is_zero() {
        d.set_sign_negative(true);
    }
    Some(d)
}

/// A string in single or double quotes starting at `start`. Inside, the
/// quote is written doubled or escaped; escapes are `\\ \' \" \n \r \t \0`
/// and `\u{hex}`.
fn string(text: &str, start: usize) -> Result<(String, usize), ParseError> {
    let quote = text.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices().map(|(i, c)| (start + 1 + i, c)).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c == quote => {
                if chars.peek().is_some_and(|&(_, next)| next == quote) {
                    chars.next();
                    out.push(quote);
                } else {
                    return Ok((out, at + 1));
                }
            }
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                out.push(match e {
                    '\\' => '\\',
                    '\'' => '\'',
                    '"' => '"',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '0' => '\0',
                    'u' => unicode_escape(at, &mut chars)?,
                    other => {
                        return Err(ParseError::new(
                            at,
                            format!("unknown escape '\\{other}' (the escapes are \\\\ \\' \\\" \\n \\r \\t \\0 \\u{{hex}})"),
                        ))
                    }
                });
            }
            c => out.push(c),
        }
    }
    Err(ParseError::new(start, "the string is not closed"))
}

fn unicode_escape(
    at: usize,
    chars: &mut impl Iterator<Item = (usize, char)>,
) -> Result<char, ParseError> {
    let bad = || {
        ParseError::new(at, "expected \\u{hex} with 1 to 6 hex digits of a Unicode scalar value")
    };
    if chars.next().map(|(_, c)| c) != Some('{') {
        return Err(bad());
    }
    let mut code: u32 = 0;
    for (count, (_, c)) in chars.by_ref().enumerate() {
        if c == '}' && count > 0 {
            return char::from_u32(code).ok_or_else(bad);
        }
        let digit = c.to_digit(16).filter(|_| count < 6).ok_or_else(bad)?;
        code = code * 16 + digit;
    }
    Err(bad())
}

/// A bytes literal `x'0aff'` starting at `start`: an even number of hex
/// digits.
fn hex_bytes(text: &str, start: usize) -> Result<(Value, usize), ParseError> {
    let body_start = start + 2;
    let Some(len) = text[body_start..].find('\'') else {
        return Err(ParseError::new(start, "the bytes literal is not closed"));
    };
    let body = &text[body_start..body_start + len];
    if let Some(i) = body.find(|c: char| !c.is_ascii_hexdigit()) {
        return Err(ParseError::new(body_start + i, "expected a hex digit in the bytes literal"));
    }
    if body.len() % 2 == 1 {
        return Err(ParseError::new(start, "a bytes literal needs an even number of hex digits"));
    }
    let bytes = (0..body.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&body[i..i + 2], 16).expect("checked hex digits"))
        .collect();
    Ok((Value::Bytes(bytes), body_start + len + 1))
}

/// A field name in backquotes; a backquote inside is doubled.
fn quoted_name(text: &str, start: usize) -> Result<(String, usize), ParseError> {
    let mut out = String::new();
    let mut rest = text[start + 1..].char_indices().map(|(i, c)| (start + 1 + i, c)).peekable();
    while let Some((at, c)) = rest.next() {
        if c == '`' {
            if rest.peek().is_some_and(|&(_, n)| n == '`') {
                rest.next();
                out.push('`');
            } else {
                return Ok((out, at + 1));
            }
        } else {
            out.push(c);
        }
    }
    Err(ParseError::new(start, "the quoted field name is not closed"))
}
