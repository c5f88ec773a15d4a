//! HTTP/1.1 on a blocking socket: reading one request within a deadline and
//! size limits, and writing one response. Every response closes its
//! connection (`Connection: close`), so a worker serves exactly one request
//! per connection and a slow client can hold it at most for the request
//! timeout.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::config::{MAX_HEADERS, MAX_HEADER_BYTES};

/// A parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    /// `GET`, `POST`, ... as sent.
    pub method: String,
    /// The path, percent-decoded and split at `/` (empty segments dropped).
    pub segments: Vec<String>,
    /// The query string's pairs, decoded.
    pub query: Vec<(String, String)>,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    /// The body (empty when there is none).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of query parameter `name`, if given and not empty.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether htmx sent the request (and wants a fragment).
    pub fn is_htmx(&self) -> bool {
        self.header("hx-request") == Some("true")
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client closed the connection before sending anything.
    Closed,
    /// Answer with this status and message, then close.
    Reply(u16, String),
}

/// Reads one request from `stream`, which must arrive whole before
/// `deadline`. Bodies need a `Content-Length` of at most `max_body_bytes`.
pub(crate) fn read_request(
    stream: &mut TcpStream,
    deadline: Instant,
    max_body_bytes: usize,
) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let (head_len, mut request) = loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => break (len, convert(&parsed)?),
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ReadError::Reply(431, format!("more than {MAX_HEADERS} headers")))
            }
            Err(e) => return Err(ReadError::Reply(400, format!("malformed request: {e}"))),
        }
        if buf.len() >= MAX_HEADER_BYTES {
            return Err(ReadError::Reply(
                431,
                format!("the request line and headers exceed {MAX_HEADER_BYTES} bytes"),
            ));
        }
        let n = read_before(stream, &mut chunk, deadline)?;
        if n == 0 {
            return Err(if buf.is_empty() {
                ReadError::Closed
            } else {
                ReadError::Reply(400, "the connection closed inside the request".into())
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::Reply(411, "send the body with a Content-Length".into()));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(text) => text.trim().parse::<usize>().map_err(|_| {
            ReadError::Reply(400, format!("Content-Length {text:?} is not a number"))
        })?,
    };
    if length > max_body_bytes {
        return Err(ReadError::Reply(
            413,
            format!("the body of {length} bytes exceeds the limit of {max_body_bytes} bytes"),
        ));
    }
    let mut body = buf.split_off(head_len);
    if body.len() > length {
        return Err(ReadError::Reply(400, "more bytes than the Content-Length".into()));
    }
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        let n = read_before(stream, &mut chunk[..want], deadline)?;
        if n == 0 {
            return Err(ReadError::Reply(400, "the connection closed inside the body".into()));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    request.body = body;
    Ok(request)
}

fn read_before(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<usize, ReadError> {
    let timed_out = || ReadError::Reply(408, "the request did not arrive in time".into());
    let left = deadline.checked_duration_since(Instant::now()).ok_or_else(timed_out)?;
    stream.set_read_timeout(Some(left.max(Duration::from_millis(1)))).map_err(|_| timed_out())?;
    match stream.read(buf) {
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Err(timed_out())
        }
        Err(_) => Err(ReadError::Closed),
    }
}

fn convert(parsed: &httparse::Request<'_, '_>) -> Result<Request, ReadError> {
    let method = parsed.method.unwrap_or("GET").to_owned();
    let target = parsed.path.unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s).ok_or_else(|| bad_path(path)))
        .collect::<Result<Vec<_>, _>>()?;
    let query = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let headers = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_owned()))
        .collect();
    Ok(Request { method, segments, query, headers, body: Vec::new() })
}

fn bad_path(path: &str) -> ReadError {
    ReadError::Reply(400, format!("the path {path:?} is not percent-encoded UTF-8"))
}

/// Decodes `%XX` escapes (not `+`, which is literal in a path).
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A response about to be written.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response of `status` with `body` of `content_type`.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, content_type, headers: Vec::new(), body: body.into() }
    }

    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        let mut body = serde_json::to_vec(value).expect("a JSON value serialises");
        body.push(b'\n');
        Response::new(status, "application/json", body)
    }

    /// An HTML response.
    pub fn html(status: u16, markup: maud::Markup) -> Response {
        Response::new(status, "text/html; charset=utf-8", markup.into_string())
    }

    /// A `303 See Other` to `location` (a path of this server).
    pub fn redirect(location: String) -> Response {
        Response::new(303, "text/plain; charset=utf-8", "").with_header("location", location)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// Writes the response; `head_only` leaves out the body (HEAD).
    pub fn write_to(&self, stream: &mut impl Write, head_only: bool) -> std::io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\nx-content-type-options: nosniff\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            // Header values come from this crate; line breaks would split
            // the response, so they are refused here as a last guard.
            assert!(!value.contains(['\r', '\n']), "a header value holds a line break");
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if !head_only {
            stream.write_all(&self.body)?;
        }
        stream.flush()
    }
}

/// The reason phrase of the statuses this server sends.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_takes_escapes_and_refuses_broken_ones() {
        assert_eq!(percent_decode("a%20b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn responses_carry_length_and_close() {
        let mut out = Vec::new();
        Response::new(404, "text/plain", "gone").write_to(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert!(text.contains("content-length: 4\r\n") && text.ends_with("\r\n\r\ngone"));
        let mut out = Vec::new();
        Response::new(200, "text/plain", "body").write_to(&mut out, true).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with(
            "content-length: 4\r\nconnection: close\r\nx-content-type-options: nosniff\r\n\r\n"
        ));
    }
}
