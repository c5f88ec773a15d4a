//! One connection: read requests, run them, write replies, until the client
//! leaves, is idle too long, breaks the protocol, or the server stops.
//!
//! The thread blocks in `read` while the client is quiet, so an idle or
//! vanished client costs no CPU, and nothing of it runs once its socket is
//! closed. All complete requests in the buffer run before the replies are
//! written, so a pipeline costs one write per batch of requests.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::cmd::{execute, Client};
use crate::limits::{MAX_UNAUTHENTICATED_ARGS, MAX_UNAUTHENTICATED_BULK_BYTES, REPLY_FLUSH_BYTES};
use crate::resp::{ParserLimits, Reply, RequestParser};
use crate::state::{ClientInfo, Counters, Shared};

/// Initial size of the read buffer; grows for large requests and shrinks
/// back after them.
const READ_BUFFER_BYTES: usize = 16 * 1024;

/// Free space kept for each read, so reads are never tiny.
const MIN_FREE_BYTES: usize = 4 * 1024;

/// Why a connection ended, for tests and logs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    Closed,
    Quit,
    IdleTimeout,
    ProtocolError,
    RequestTooLarge,
    Io,
}

/// Serves `stream` until the connection ends.
pub(crate) fn serve(srv: &Arc<Shared>, mut stream: TcpStream, info: Arc<ClientInfo>) -> End {
    let idle = srv.config.idle_timeout;
    // Socket options failing would only mean a weaker timeout; the
    // connection still works.
    let _ = stream.set_read_timeout((!idle.is_zero()).then_some(idle));
    let _ = stream.set_write_timeout(Some(srv.config.reply_timeout));
    let _ = stream.set_nodelay(true);
    let mut client = Client::new(info, srv.config.requirepass.is_none());
    let mut parser = RequestParser::new();
    let mut out = Reply::new();
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    // Unconsumed input is buf[start..end].
    let (mut start, mut end) = (0usize, 0usize);
    loop {
        // Run every complete request that has arrived.
        loop {
            let limits = parser_limits(srv, client.authenticated);
            let parsed = parser.parse(&buf[start..end], &limits);
            match parsed {
                Ok(Some(used)) if used > srv.config.max_request_bytes => {
                    return too_large(srv, &mut client, &mut stream, &mut out);
                }
                Ok(Some(used)) => {
                    let args = parser.args(&buf[start..end]);
                    if !args.is_empty() {
                        execute(srv, &mut client, &mut out, args);
                    }
                    start += used;
                    if client.closing {
                        break;
                    }
                    if out.len() >= REPLY_FLUSH_BYTES
                        && !send(srv, &mut client, &mut stream, &mut out)
                    {
                        return End::Io;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    Counters::add(&srv.counters.protocol_errors, 1);
                    client.apply_deferred(srv, &mut out);
                    out.error(&format!("ERR {e}"));
                    send(srv, &mut client, &mut stream, &mut out);
                    return End::ProtocolError;
                }
            }
        }
        if !send(srv, &mut client, &mut stream, &mut out) {
            return End::Io;
        }
        if client.closing {
            return End::Quit;
        }
        // Make room: move the unconsumed tail to the front, grow for a
        // request announced larger than the buffer, shrink after one.
        buf.copy_within(start..end, 0);
        end -= start;
        start = 0;
        let need = if parser.in_request() { parser.need() } else { end + 1 };
        if need > srv.config.max_request_bytes {
            return too_large(srv, &mut client, &mut stream, &mut out);
        }
        let wanted = need.max(end + MIN_FREE_BYTES).max(READ_BUFFER_BYTES);
        if buf.len() < wanted {
            buf.resize(wanted, 0);
        } else if buf.len() > 4 * READ_BUFFER_BYTES && wanted <= READ_BUFFER_BYTES {
            buf.truncate(READ_BUFFER_BYTES);
            buf.shrink_to_fit();
        }
        match stream.read(&mut buf[end..]) {
            Ok(0) => return End::Closed,
            Ok(n) => {
                end += n;
                Counters::add(&srv.counters.net_input_bytes, n as u64);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return End::IdleTimeout
            }
            Err(_) => return End::Io,
        }
    }
}

fn parser_limits(srv: &Shared, authenticated: bool) -> ParserLimits {
    if authenticated {
        ParserLimits { max_args: srv.config.max_args, max_bulk_bytes: srv.config.max_bulk_bytes }
    } else {
        ParserLimits {
            max_args: MAX_UNAUTHENTICATED_ARGS,
            max_bulk_bytes: MAX_UNAUTHENTICATED_BULK_BYTES,
        }
    }
}

/// Refuses a request over `max_request_bytes` and ends the connection:
/// the rest of the request would have to be read to find the next one.
fn too_large(srv: &Shared, client: &mut Client, stream: &mut TcpStream, out: &mut Reply) -> End {
    client.apply_deferred(srv, out);
    out.error(&format!(
        "ERR Protocol error: request of more than {} bytes (client-query-buffer-limit)",
        srv.config.max_request_bytes
    ));
    send(srv, client, stream, out);
    End::RequestTooLarge
}

/// Applies queued writes, then writes the pending replies; false if the
/// client is gone or stuck past the reply timeout.
fn send(srv: &Shared, client: &mut Client, stream: &mut TcpStream, out: &mut Reply) -> bool {
    client.apply_deferred(srv, out);
    if out.is_empty() {
        return true;
    }
    let ok = stream.write_all(out.bytes()).is_ok();
    srv.counters.net_output_bytes.fetch_add(out.len() as u64, Ordering::Relaxed);
    out.clear();
    ok
}
