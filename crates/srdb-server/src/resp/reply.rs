//! Reply encoding for RESP2 and RESP3 into a buffer the connection reuses.
//!
//! Callers say what a reply is (a map, a null, a double); this module picks
//! the wire form of the connection's protocol: a RESP3 map is a flat array
//! of pairs in RESP2, a null is `$-1` or `*-1`, a double is a bulk string.

use std::io::Write;

/// The reply buffer of one connection.
pub struct Reply {
    buf: Vec<u8>,
    resp3: bool,
}

impl Reply {
    /// An empty buffer speaking RESP2.
    pub fn new() -> Self {
        Reply { buf: Vec::with_capacity(16 * 1024), resp3: false }
    }

    /// Switches the protocol (after `HELLO`).
    pub fn set_resp3(&mut self, resp3: bool) {
        self.resp3 = resp3;
    }

    /// Whether replies are RESP3.
    pub fn is_resp3(&self) -> bool {
        self.resp3
    }

    /// The bytes encoded so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes encoded so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops what was encoded after `len` (to replace a reply by an error).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Appends bytes already encoded for this connection (a reply made on
    /// another thread, or a part of this buffer being rewritten).
    pub fn extend(&mut self, encoded: &[u8]) {
        self.buf.extend_from_slice(encoded);
    }

    /// Empties the buffer after it was sent, returning memory a huge reply
    /// took.
    pub fn clear(&mut self) {
        self.buf.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf.shrink_to(16 * 1024);
        }
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string (`+...`); CR and LF in it are replaced by spaces.
    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.line(s.as_bytes());
    }

    /// An error (`-...`). `msg` starts with the error code (`ERR`,
    /// `WRONGTYPE`...); CR and LF in it are replaced by spaces, and the line
    /// always ends in CRLF.
    pub fn error(&mut self, msg: &str) {
        self.buf.push(b'-');
        self.line(msg.as_bytes());
    }

    fn line(&mut self, text: &[u8]) {
        let start = self.buf.len();
        self.buf.extend_from_slice(text);
        for b in &mut self.buf[start..] {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer (`:n`).
    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// A bulk string.
    pub fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding a number's decimal text.
    pub fn bulk_int(&mut self, n: i64) {
        let mut digits = [0u8; 20];
        let text = format_int(n, &mut digits);
        self.bulk(text);
    }

    /// A null bulk string (a missing value): `$-1` or `_`.
    pub fn null(&mut self) {
        self.buf.extend_from_slice(if self.resp3 { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// A null array: `*-1` or `_`.
    pub fn null_array(&mut self) {
        self.buf.extend_from_slice(if self.resp3 { b"_\r\n" } else { b"*-1\r\n" });
    }

    /// The header of an array of `len` elements.
    pub fn array(&mut self, len: usize) {
        self.header(b'*', len as i64);
    }

    /// Inserts the header of an array of `len` elements at `at`, before
    /// elements already encoded: for replies whose length is known only
    /// once their elements are (rows of a query). Moves the bytes after
    /// `at` once.
    pub fn array_header_at(&mut self, at: usize, len: usize) {
        let mut digits = [0u8; 20];
        let text = format_int(len as i64, &mut digits);
        let mut header = Vec::with_capacity(text.len() + 3);
        header.push(b'*');
        header.extend_from_slice(text);
        header.extend_from_slice(b"\r\n");
        self.buf.splice(at..at, header);
    }

    /// A boolean: `#t` / `#f` in RESP3, the integer 1 or 0 in RESP2 (as
    /// Redis answers in each).
    pub fn boolean(&mut self, b: bool) {
        if self.resp3 {
            self.buf.extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(i64::from(b));
        }
    }

    /// The header of a map of `len` pairs (a flat array in RESP2).
    pub fn map(&mut self, len: usize) {
        if self.resp3 {
            self.header(b'%', len as i64);
        } else {
            self.header(b'*', 2 * len as i64);
        }
    }

    /// The header of a set of `len` elements (an array in RESP2).
    pub fn set(&mut self, len: usize) {
        self.header(if self.resp3 { b'~' } else { b'*' }, len as i64);
    }

    /// A double (`,` in RESP3, a bulk string in RESP2), formatted as Redis
    /// does for INCRBYFLOAT: the shortest text that reads back the same.
    pub fn double(&mut self, x: f64) {
        if self.resp3 {
            self.buf.push(b',');
            let _ = write!(self.buf, "{}", FloatText(x));
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(FloatText(x).to_string().as_bytes());
        }
    }

    /// Free text for people (INFO, CLIENT INFO): a verbatim string in
    /// RESP3, a bulk string in RESP2.
    pub fn verbatim(&mut self, text: &str) {
        if self.resp3 {
            self.header(b'=', text.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(text.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text.as_bytes());
        }
    }

    fn header(&mut self, kind: u8, n: i64) {
        let mut digits = [0u8; 20];
        self.buf.push(kind);
        self.buf.extend_from_slice(format_int(n, &mut digits));
        self.buf.extend_from_slice(b"\r\n");
    }
}

impl Default for Reply {
    fn default() -> Self {
        Self::new()
    }
}

/// Decimal text of `n` in `out`, without allocating.
fn format_int(n: i64, out: &mut [u8; 20]) -> &[u8] {
    let mut i = out.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        out[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        out[i] = b'-';
    }
    &out[i..]
}

/// A float as Redis prints one: integral values without a fraction
/// (`3`, not `3.0`), others with the shortest digits that read back the
/// same, `inf` / `-inf` for infinities, `nan` for NaN (RESP3's spelling) and
/// `-0` for negative zero.
pub struct FloatText(pub f64);

impl std::fmt::Display for FloatText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x.is_infinite() {
            f.write_str(if x > 0.0 { "inf" } else { "-inf" })
        } else if x.is_nan() {
            f.write_str("nan")
        } else if x == 0.0 && x.is_sign_negative() {
            f.write_str("-0")
        } else if x == x.trunc() && x.abs() < 1e17 {
            write!(f, "{}", x as i64)
        } else {
            write!(f, "{x}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_format_like_std() {
        for n in [0, 1, -1, 42, i64::MAX, i64::MIN, -1000] {
            let mut d = [0u8; 20];
            assert_eq!(format_int(n, &mut d), n.to_string().as_bytes());
        }
    }

    #[test]
    fn resp2_and_resp3_shapes() {
        let mut r = Reply::new();
        r.null();
        r.null_array();
        r.map(1);
        r.double(1.5);
        r.error("ERR bad\r\nthing");
        assert_eq!(r.bytes(), b"$-1\r\n*-1\r\n*2\r\n$3\r\n1.5\r\n-ERR bad  thing\r\n");
        let mut r = Reply::new();
        r.set_resp3(true);
        r.null();
        r.map(1);
        r.double(1.5);
        r.verbatim("hi");
        assert_eq!(r.bytes(), b"_\r\n%1\r\n,1.5\r\n=6\r\ntxt:hi\r\n");
    }

    #[test]
    fn floats_print_as_redis_does() {
        assert_eq!(FloatText(3.0).to_string(), "3");
        assert_eq!(FloatText(10.6).to_string(), "10.6");
        assert_eq!(FloatText(-0.5).to_string(), "-0.5");
        assert_eq!(FloatText(5.0e3).to_string(), "5000");
        assert_eq!(FloatText(f64::INFINITY).to_string(), "inf");
        assert_eq!(FloatText(f64::NAN).to_string(), "nan");
        assert_eq!(FloatText(-0.0).to_string(), "-0");
    }

    #[test]
    fn late_array_headers_and_booleans() {
        let mut r = Reply::new();
        r.ok();
        let at = r.len();
        r.int(1);
        r.int(2);
        r.array_header_at(at, 2);
        r.boolean(true);
        assert_eq!(r.bytes(), b"+OK\r\n*2\r\n:1\r\n:2\r\n:1\r\n");
        r.set_resp3(true);
        r.clear();
        r.boolean(false);
        assert_eq!(r.bytes(), b"#f\r\n");
    }
}
