//! The request parser: RESP multibulk requests (what client libraries send)
//! and inline commands (a line of words, what `nc` and telnet send).
//!
//! The parser is resumable: a request that arrives in pieces is parsed up to
//! where its bytes end, and the next call continues there, so a large
//! request costs one pass whatever the number of reads. Arguments are
//! ranges into the caller's buffer (no copy per argument); inline arguments,
//! which may hold escapes, are unescaped into a buffer the parser reuses.
//!
//! ```text
//! multibulk := '*' count CRLF ( '$' len CRLF bytes CRLF ){count}
//! inline    := words separated by spaces or tabs, ending in LF or CRLF;
//!              "double quoted" words take \n \r \t \b \a \\ \" \xHH escapes,
//!              'single quoted' words take \'
//! ```

use crate::limits::MAX_INLINE_BYTES;

/// Bounds the parser enforces, from the server's configuration.
#[derive(Clone, Copy, Debug)]
pub struct ParserLimits {
    /// Most arguments in one request.
    pub max_args: usize,
    /// Longest argument.
    pub max_bulk_bytes: usize,
}

/// Framing that cannot be recovered from: the server answers with the error
/// and closes the connection. The messages are Redis's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// `*<count>` is not a number or is over the limit.
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// `$<len>` is not a number or is over the limit.
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// An argument of a multibulk does not start with `$`.
    #[error("Protocol error: expected '$', got '{0}'")]
    ExpectedDollar(char),
    /// A bulk string is not followed by CRLF.
    #[error("Protocol error: expected CRLF after a bulk string of the announced length")]
    MissingCrlf,
    /// A `*` or `$` header line has no end within the inline limit.
    #[error("Protocol error: too big mbulk count string")]
    TooBigCountString,
    /// An inline command line has no end within the inline limit.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// An inline command has more arguments than a request may have.
    #[error("Protocol error: too many arguments in inline request")]
    TooManyInlineArgs,
    /// An inline command has a quote that is not closed.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
}

/// Where the arguments of a parsed request live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// In the caller's buffer.
    Input,
    /// In the parser's inline buffer.
    Inline,
}

#[derive(Clone, Copy, Debug)]
enum State {
    /// At the start of a request.
    Start,
    /// Inside a multibulk with `remaining` arguments to go, the next one at
    /// `pos` (relative to the request's start).
    Multibulk { remaining: usize, pos: usize },
}

/// A resumable parser of one connection's requests.
pub struct RequestParser {
    args: Vec<(usize, usize)>,
    inline: Vec<u8>,
    source: Source,
    state: State,
    /// Bytes the request in progress needs before it can complete, at least.
    need: usize,
    /// Offset (from the request's start) before which the line being
    /// looked for has no end: a line that arrives byte by byte is scanned
    /// once, not once per read.
    scanned: usize,
}

impl Default for RequestParser {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        RequestParser {
            args: Vec::new(),
            inline: Vec::new(),
            source: Source::Input,
            state: State::Start,
            need: 0,
            scanned: 0,
        }
    }

    /// Parses the request at the start of `buf` (which must begin where the
    /// previous complete request ended, and hold at least what the previous
    /// incomplete call saw). Returns the bytes the request took, or `None`
    /// if more bytes are needed. A request of no arguments (an empty line,
    /// `*0`) is returned too; callers skip it.
    pub fn parse(
        &mut self,
        buf: &[u8],
        limits: &ParserLimits,
    ) -> Result<Option<usize>, ProtocolError> {
        let parsed = self.parse_request(buf, limits);
        if let Ok(Some(_)) = parsed {
            self.scanned = 0;
        }
        parsed
    }

    fn parse_request(
        &mut self,
        buf: &[u8],
        limits: &ParserLimits,
    ) -> Result<Option<usize>, ProtocolError> {
        if let State::Start = self.state {
            self.args.clear();
            self.need = 1;
            match buf.first() {
                None => return Ok(None),
                Some(b'*') => {
                    let Some((count, next)) = self.header_line(buf, 1)? else {
                        self.need = buf.len() + 1;
                        return Ok(None);
                    };
                    let count = parse_len(count).ok_or(ProtocolError::InvalidMultibulkLength)?;
                    self.source = Source::Input;
                    match count {
                        None | Some(0) => return Ok(Some(next)),
                        Some(n) if n > limits.max_args => {
                            return Err(ProtocolError::InvalidMultibulkLength)
                        }
                        // Reserve for what arrived, not what was announced.
                        Some(n) => self.args.reserve(n.min(1024)),
                    }
                    self.state = State::Multibulk { remaining: count.unwrap_or(0), pos: next };
                }
                Some(_) => return self.parse_inline(buf, limits),
            }
        }
        self.parse_bulks(buf, limits)
    }

    fn parse_bulks(
        &mut self,
        buf: &[u8],
        limits: &ParserLimits,
    ) -> Result<Option<usize>, ProtocolError> {
        let State::Multibulk { mut remaining, mut pos } = self.state else {
            unreachable!("parse_bulks runs inside a multibulk")
        };
        while remaining > 0 {
            let Some(&first) = buf.get(pos) else {
                self.suspend(remaining, pos, pos + 1);
                return Ok(None);
            };
            if first != b'$' {
                return Err(ProtocolError::ExpectedDollar(first as char));
            }
            let Some((len, start)) = self.header_line(buf, pos + 1)? else {
                self.suspend(remaining, pos, buf.len() + 1);
                return Ok(None);
            };
            let len = match parse_len(len) {
                Some(Some(len)) if len <= limits.max_bulk_bytes => len,
                _ => return Err(ProtocolError::InvalidBulkLength),
            };
            let end = start + len;
            if buf.len() < end + 2 {
                self.suspend(remaining, pos, end + 2);
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(ProtocolError::MissingCrlf);
            }
            self.args.push((start, end));
            pos = end + 2;
            remaining -= 1;
        }
        self.state = State::Start;
        Ok(Some(pos))
    }

    fn suspend(&mut self, remaining: usize, pos: usize, need: usize) {
        self.state = State::Multibulk { remaining, pos };
        self.need = need;
    }

    fn parse_inline(
        &mut self,
        buf: &[u8],
        limits: &ParserLimits,
    ) -> Result<Option<usize>, ProtocolError> {
        let from = self.scanned.min(buf.len());
        let Some(nl) = buf[from..].iter().position(|&b| b == b'\n').map(|i| i + from) else {
            if buf.len() > MAX_INLINE_BYTES {
                return Err(ProtocolError::TooBigInline);
            }
            self.scanned = buf.len();
            self.need = buf.len() + 1;
            return Ok(None);
        };
        if nl > MAX_INLINE_BYTES {
            return Err(ProtocolError::TooBigInline);
        }
        let line = buf[..nl].strip_suffix(b"\r").unwrap_or(&buf[..nl]);
        self.source = Source::Inline;
        split_inline(line, &mut self.inline, &mut self.args, limits.max_args)?;
        Ok(Some(nl + 1))
    }

    /// Bytes the request in progress needs at least (from its start) before
    /// it can complete; lets the caller size its buffer for a large bulk.
    pub fn need(&self) -> usize {
        self.need
    }

    /// Whether a request is partly parsed.
    pub fn in_request(&self) -> bool {
        matches!(self.state, State::Multibulk { .. })
    }

    /// The arguments of the request just parsed; `buf` is the buffer given
    /// to [`RequestParser::parse`].
    pub fn args<'a>(&'a self, buf: &'a [u8]) -> Args<'a> {
        let base = match self.source {
            Source::Input => buf,
            Source::Inline => &self.inline,
        };
        Args { base, ranges: &self.args }
    }
}

/// The arguments of one request (the command name first).
#[derive(Clone, Copy)]
pub struct Args<'a> {
    base: &'a [u8],
    ranges: &'a [(usize, usize)],
}

impl<'a> Args<'a> {
    /// Number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i`; panics if out of range (handlers check arity first).
    pub fn get(&self, i: usize) -> &'a [u8] {
        let (start, end) = self.ranges[i];
        &self.base[start..end]
    }

    /// The arguments from `from` on.
    pub fn iter_from(&self, from: usize) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let base = self.base;
        self.ranges[from.min(self.ranges.len())..].iter().map(move |&(s, e)| &base[s..e])
    }

    /// Every argument as an owned vector (for tests and logs).
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter_from(0).map(<[u8]>::to_vec).collect()
    }
}

impl RequestParser {
    /// The text of a `*`/`$` header line starting at `from`, and where the
    /// next line starts; `None` if its CRLF has not arrived.
    fn header_line<'b>(
        &mut self,
        buf: &'b [u8],
        from: usize,
    ) -> Result<Option<(&'b [u8], usize)>, ProtocolError> {
        let rest = &buf[from.min(buf.len())..];
        // Resume one byte early: a CR may have ended the previous read.
        let skip = self.scanned.saturating_sub(from + 1).min(rest.len());
        // The same verdict whether the line arrived whole or in pieces: a
        // line longer than the limit is refused as soon as its first
        // limit + 2 bytes are here without a CRLF.
        match rest[skip..].windows(2).position(|w| w == b"\r\n").map(|i| i + skip) {
            Some(i) if i > MAX_INLINE_BYTES => Err(ProtocolError::TooBigCountString),
            Some(i) => Ok(Some((&rest[..i], from + i + 2))),
            None if rest.len() >= MAX_INLINE_BYTES + 2 => Err(ProtocolError::TooBigCountString),
            None => {
                self.scanned = buf.len();
                Ok(None)
            }
        }
    }
}

/// A length as Redis reads it: optional `-`, decimal digits, nothing else.
/// `Some(None)` for a negative length (a null), `None` for garbage.
fn parse_len(text: &[u8]) -> Option<Option<usize>> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    Some(if negative { None } else { Some(n) })
}

/// Splits an inline line into arguments the way Redis's `sdssplitargs`
/// does, unescaping into `out` and recording ranges in `args`.
fn split_inline(
    line: &[u8],
    out: &mut Vec<u8>,
    args: &mut Vec<(usize, usize)>,
    max_args: usize,
) -> Result<(), ProtocolError> {
    out.clear();
    args.clear();
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == line.len() {
            return Ok(());
        }
        let start = out.len();
        let mut quote: Option<u8> = None;
        loop {
            let Some(&c) = line.get(i) else {
                if quote.is_some() {
                    return Err(ProtocolError::UnbalancedQuotes);
                }
                break;
            };
            match quote {
                None if c.is_ascii_whitespace() => break,
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None => out.push(c),
                Some(q) if c == q => {
                    // A closing quote must end the word.
                    if line.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace()) {
                        return Err(ProtocolError::UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                }
                Some(b'"') if c == b'\\' && i + 1 < line.len() => {
                    i += 1;
                    let (byte, used) = unescape(&line[i..]);
                    out.push(byte);
                    i += used - 1;
                }
                Some(b'\'') if c == b'\\' && line.get(i + 1) == Some(&b'\'') => {
                    i += 1;
                    out.push(b'\'');
                }
                Some(_) => out.push(c),
            }
            i += 1;
        }
        if args.len() == max_args {
            return Err(ProtocolError::TooManyInlineArgs);
        }
        args.push((start, out.len()));
    }
}

/// The byte an escape stands for (the text after the backslash) and how
/// many bytes of it were used.
fn unescape(rest: &[u8]) -> (u8, usize) {
    let hex = |b: u8| (b as char).to_digit(16);
    match rest {
        [b'x', h, l, ..] if hex(*h).is_some() && hex(*l).is_some() => {
            ((hex(*h).unwrap_or(0) * 16 + hex(*l).unwrap_or(0)) as u8, 3)
        }
        [b'n', ..] => (b'\n', 1),
        [b'r', ..] => (b'\r', 1),
        [b't', ..] => (b'\t', 1),
        [b'b', ..] => (0x08, 1),
        [b'a', ..] => (0x07, 1),
        [c, ..] => (*c, 1),
        [] => (b'\\', 1),
    }
}

#[cfg(test)]
mod tests;
