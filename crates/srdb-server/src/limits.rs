//! Limits of the RESP server: every default in one place, with its reason.
//! Each is a field of [`crate::ServerConfig`] and can be changed there.

use std::time::Duration;

/// Default `max_clients`: connections served at once. Each connection has a
/// thread of its own (see the crate docs), so the bound is on threads:
/// a thousand idle threads cost a few MiB of touched stack. Redis's default
/// is 10000; a client over the limit gets Redis's error
/// `-ERR max number of clients reached` and is disconnected.
pub const DEFAULT_MAX_CLIENTS: usize = 1000;

/// Default `max_bulk_bytes`: the longest bulk string (one argument) in a
/// request. The engine stores values of at most 16 MiB, so a longer argument
/// could never be stored; refusing it while it is announced saves reading it.
/// Redis's `proto-max-bulk-len` is 512 MiB.
pub const DEFAULT_MAX_BULK_BYTES: usize = 16 * 1024 * 1024;

/// Default `max_args`: arguments in one request (the `*<count>` of a
/// multibulk). An argument costs 16 bytes of bookkeeping before any data
/// arrives, so this bounds what a header alone can make the server reserve.
/// Redis accepts up to 2^31 - 1.
pub const DEFAULT_MAX_ARGS: usize = 1024 * 1024;

/// Default `max_request_bytes`: the bytes of one request, all arguments
/// together (Redis's `client-query-buffer-limit`, 1 GiB there). 64 MiB is the
/// engine's largest write batch, so no larger MSET could be applied anyway.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// Longest inline command line (as typed into `nc` or telnet), the same as
/// Redis's `PROTO_INLINE_MAX_SIZE`. Not configurable: it exists only to
/// bound a line that never ends.
pub const MAX_INLINE_BYTES: usize = 64 * 1024;

/// Before a client authenticates (when a password is set) its requests may
/// have at most this many arguments and bulk strings of at most
/// [`MAX_UNAUTHENTICATED_BULK_BYTES`], as in Redis: an unauthenticated
/// stranger cannot make the server buffer megabytes.
pub const MAX_UNAUTHENTICATED_ARGS: usize = 10;

/// See [`MAX_UNAUTHENTICATED_ARGS`].
pub const MAX_UNAUTHENTICATED_BULK_BYTES: usize = 16 * 1024;

/// Default `idle_timeout`: a client that sends nothing for this long is
/// disconnected, which returns its thread. Five minutes keeps interactive
/// sessions alive while reclaiming forgotten connections. Zero disables it
/// (Redis's `timeout` defaults to 0).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Default `max_reply_bytes`: the output buffer of a client, that is the
/// reply bytes one command may produce before they are sent. A command
/// whose reply would exceed it (KEYS on a huge store, MGET of many large
/// values) gets an error instead and the client stays connected.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Default `reply_timeout`: a client that does not read its replies for
/// this long (the socket's send buffer stays full) is disconnected, so a
/// stuck client cannot pin its thread and reply memory for ever.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// Pending reply bytes of a pipeline that are written to the socket before
/// more commands run. Not a limit on the client: a performance constant
/// that keeps a long pipeline from collecting all its replies in memory.
pub const REPLY_FLUSH_BYTES: usize = 64 * 1024;

/// Stack of a connection thread. Command handling is shallow (no recursion
/// over data); 512 KiB leaves a wide margin and is reserved, not touched.
pub const CONNECTION_STACK_BYTES: usize = 512 * 1024;

/// Interval of the background expiry sweep.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(100);

/// Due expiry-index entries one sweep tick looks at: bounds the tick's work
/// (and the keys it locks) whatever the backlog; lazy removal on access
/// covers keys read before the sweep reaches them.
pub const SWEEP_MAX_ENTRIES: usize = 1000;

/// SCAN cursors remembered at once. A cursor holds the last key returned
/// (up to 64 KiB); past this count the oldest cursors are forgotten and
/// continuing one answers `-ERR invalid cursor`.
pub const MAX_SCAN_CURSORS: usize = 4096;

/// Rows one `TABLE.QUERY` reply holds at most. A query that would return
/// more gets an error naming this limit, and pages with `LIMIT` and
/// `OFFSET` instead. Besides the reply (bounded by `max_reply_bytes` as it
/// is encoded), the cap bounds what a query ordered by a field without an
/// index holds while it sorts: the query runs with a limit of one row over
/// the cap, so the sort keeps a bounded heap instead of every matching
/// row. A hundred thousand rows is a large page for any client.
pub const MAX_QUERY_ROWS: u64 = 100_000;
