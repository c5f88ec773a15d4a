//! Commands: the table of what the server understands, argument checks and
//! dispatch. Each group of commands has its own module; handlers write
//! their reply into the connection's [`Reply`] and return errors as
//! [`ErrReply`], whose text is Redis's.

mod admin;
mod connection;
mod info;
mod keys;
mod strings;
mod table;
mod tables;

use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::limits::{MAX_INLINE_ARGS, MAX_INLINE_REQUEST_BYTES};
use crate::resp::{Args, Reply};
use crate::state::{ClientInfo, Shared};
use crate::writes::Writes;

pub(crate) use table::{lookup, CommandSpec};

/// An error reply: the text after `-`, starting with its code (`ERR`,
/// `WRONGPASS`...).
#[derive(Debug)]
pub(crate) struct ErrReply(pub(crate) Cow<'static, str>);

impl ErrReply {
    pub(crate) const SYNTAX: ErrReply = ErrReply(Cow::Borrowed("ERR syntax error"));
    pub(crate) const NOT_INTEGER: ErrReply =
        ErrReply(Cow::Borrowed("ERR value is not an integer or out of range"));
    pub(crate) const NOT_FLOAT: ErrReply =
        ErrReply(Cow::Borrowed("ERR value is not a valid float"));

    pub(crate) fn msg(text: impl Into<Cow<'static, str>>) -> Self {
        ErrReply(text.into())
    }

    pub(crate) fn wrong_args(name: &str) -> Self {
        ErrReply(format!("ERR wrong number of arguments for '{name}' command").into())
    }
}

impl From<srdb::Error> for ErrReply {
    fn from(e: srdb::Error) -> Self {
        match e {
            srdb::Error::ValueTooLarge { .. } => {
                ErrReply::msg("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            }
            other => ErrReply(format!("ERR storage error: {other}").into()),
        }
    }
}

/// What a handler returns.
pub(crate) type CmdResult = Result<(), ErrReply>;

/// A command handler.
pub(crate) type Handler = fn(&mut Ctx<'_>, Args<'_>) -> CmdResult;

/// A connection's uncommitted blind writes bigger than this make it wait
/// for the group commit before its next command: bounds the memory a long
/// pipeline of SETs holds.
const MAX_DEFERRED_BYTES: usize = 1024 * 1024;

/// The per-connection state commands read and change.
pub(crate) struct Client {
    pub(crate) info: Arc<ClientInfo>,
    pub(crate) authenticated: bool,
    /// Set by QUIT: close after sending the replies.
    pub(crate) closing: bool,
    /// Where in the reply buffer the `+OK` of each blind write (SET, MSET)
    /// not committed yet is: those replies are sent only after the group
    /// commit, and become its error if it fails.
    uncommitted: Vec<usize>,
    /// Bytes of keys and values of those writes.
    uncommitted_bytes: usize,
}

impl Client {
    pub(crate) fn new(info: Arc<ClientInfo>, authenticated: bool) -> Self {
        Client {
            info,
            authenticated,
            closing: false,
            uncommitted: Vec::new(),
            uncommitted_bytes: 0,
        }
    }

    /// Whether blind writes of this client wait for the group commit.
    pub(crate) fn has_uncommitted(&self) -> bool {
        !self.uncommitted.is_empty()
    }

    /// Whether the client holds so many uncommitted writes that it should
    /// wait for the group commit before running more commands.
    pub(crate) fn must_commit(&self) -> bool {
        self.uncommitted_bytes > MAX_DEFERRED_BYTES
    }

    /// Settles the client's blind writes after the group commit that held
    /// them: on failure each of their `+OK` replies becomes the error.
    pub(crate) fn committed(&mut self, out: &mut Reply, result: &Result<(), ErrReply>) {
        if let (Err(e), Some(&first)) = (result, self.uncommitted.first()) {
            // Replies after an `+OK` (errors of later SETs) keep their place.
            let tail = out.bytes()[first..].to_vec();
            out.truncate(first);
            let mut copied = first;
            for &at in &self.uncommitted {
                out.extend(&tail[copied - first..at - first]);
                out.error(&e.0);
                copied = at + b"+OK\r\n".len();
            }
            out.extend(&tail[copied - first..]);
        }
        self.uncommitted.clear();
        self.uncommitted_bytes = 0;
    }
}

/// Where a request runs, decided before it runs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// On the event loop, now.
    Inline,
    /// After the client's blind writes are committed: it must see them, or
    /// its reply must come after theirs.
    AfterCommit,
    /// On a worker thread: it may take long, and the loop must not stall.
    Worker,
}

/// Where the request `args` (of `request_bytes` on the wire), a call of
/// `spec` (its [`lookup`]), runs.
pub(crate) fn plan(
    client: &Client,
    spec: Option<&'static CommandSpec>,
    args: Args<'_>,
    request_bytes: usize,
) -> Plan {
    let spec = spec.filter(|_| client.authenticated);
    let blind = spec.is_some_and(|s| s.blind_write(args));
    let slow = spec.is_some_and(|s| s.slow(args))
        || (spec.is_some()
            && (request_bytes > MAX_INLINE_REQUEST_BYTES || args.len() > MAX_INLINE_ARGS));
    if client.has_uncommitted() && (!blind || slow) {
        Plan::AfterCommit
    } else if slow {
        Plan::Worker
    } else {
        Plan::Inline
    }
}

/// What a handler works with.
pub(crate) struct Ctx<'a> {
    pub(crate) srv: &'a Arc<Shared>,
    pub(crate) client: &'a mut Client,
    pub(crate) out: &'a mut Reply,
    /// The blind writes of the group commit this command's writes join.
    writes: &'a mut Writes,
}

impl Ctx<'_> {
    /// Queues a blind write for the group commit; [`Ctx::defer_ok`]
    /// answers for it.
    pub(crate) fn defer_put(&mut self, key: &[u8], value: &[u8], expire_at_ms: Option<u64>) {
        self.client.uncommitted_bytes += key.len() + value.len();
        self.writes.put(key, value, expire_at_ms);
    }

    /// Answers `+OK` for the writes queued by this command.
    pub(crate) fn defer_ok(&mut self) {
        self.client.uncommitted.push(self.out.len());
        self.out.ok();
    }
}

/// Runs one request, a call of `spec` (its [`lookup`]), and appends its
/// reply to `out`; blind writes join `writes`. The caller asked [`plan`]
/// first: a client with uncommitted writes runs only blind writes.
pub(crate) fn execute(
    srv: &Arc<Shared>,
    client: &mut Client,
    out: &mut Reply,
    writes: &mut Writes,
    spec: Option<&'static CommandSpec>,
    args: Args<'_>,
) {
    srv.counters.commands_processed.fetch_add(1, Ordering::Relaxed);
    let Some(spec) = spec else {
        out.error(&unknown_command(args));
        return;
    };
    if !client.authenticated && !spec.no_auth {
        out.error("NOAUTH Authentication required.");
        return;
    }
    debug_assert!(!client.has_uncommitted() || spec.blind_write(args), "planned after a commit");
    if !spec.arity_ok(args.len()) {
        out.error(&ErrReply::wrong_args(spec.name).0);
        return;
    }
    {
        let mut d = client.info.detail();
        d.last_command = spec.name;
        d.last_active = Some(std::time::Instant::now());
    }
    let reply_from = out.len();
    let mut ctx = Ctx { srv, client, out, writes };
    let result = (spec.handler)(&mut ctx, args);
    if let Err(e) = result {
        ctx.out.truncate(reply_from);
        ctx.out.error(&e.0);
    } else if ctx.out.len() - reply_from > srv.config.max_reply_bytes {
        ctx.out.truncate(reply_from);
        ctx.out.error(&format!(
            "ERR the reply to '{}' exceeds the output buffer limit of {} bytes",
            spec.name, srv.config.max_reply_bytes
        ));
    }
}

impl Ctx<'_> {
    /// Counts a read of a key for INFO's keyspace_hits / keyspace_misses.
    pub(crate) fn count_hit(&self, hit: bool) {
        let c = &self.srv.counters;
        let counter = if hit { &c.keyspace_hits } else { &c.keyspace_misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Redis's reply to an unknown command: its name and the start of its
/// arguments, each cut at 128 bytes.
fn unknown_command(args: Args<'_>) -> String {
    let mut msg =
        format!("ERR unknown command '{}', with args beginning with: ", shown(args.get(0)));
    for arg in args.iter_from(1) {
        if msg.len() >= 128 {
            break;
        }
        msg.push_str(&format!("'{}' ", shown(arg)));
    }
    msg
}

/// An argument as shown in error messages: at most 128 bytes, lossy UTF-8.
pub(crate) fn shown(arg: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(&arg[..arg.len().min(128)])
}

/// Parses an integer the way Redis does (`string2ll`): an optional `-`,
/// digits without a leading zero or `+`, within i64.
pub(crate) fn parse_i64(arg: &[u8]) -> Option<i64> {
    let (negative, digits) = match arg.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, arg),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || negative) {
        return None;
    }
    let magnitude = digits.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d - b'0')))
    })?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// [`parse_i64`] with Redis's error.
pub(crate) fn int_arg(arg: &[u8]) -> Result<i64, ErrReply> {
    parse_i64(arg).ok_or(ErrReply::NOT_INTEGER)
}

/// A float argument (`INCRBYFLOAT`): decimal or exponent notation, no
/// spaces, not NaN.
pub(crate) fn parse_f64(arg: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(arg).ok()?;
    if text.is_empty()
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|x| !x.is_nan())
}

/// Whether `arg` equals `word`, ignoring ASCII case.
pub(crate) fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_as_redis_does() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in
            [&b""[..], b"-", b"+1", b"01", b"-0", b" 1", b"1 ", b"1.0", b"9223372036854775808"]
        {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_failed_group_commit_turns_each_ok_into_the_error_in_place() {
        let info = Arc::new(ClientInfo {
            id: 1,
            addr: "127.0.0.1:1".parse().unwrap(),
            laddr: "127.0.0.1:2".parse().unwrap(),
            created: std::time::Instant::now(),
            detail: Default::default(),
        });
        let mut client = Client::new(info, true);
        let mut out = Reply::new();
        out.bulk(b"before");
        for reply in ["+OK", "-ERR syntax error", "+OK"] {
            if reply == "+OK" {
                client.uncommitted.push(out.len());
                out.ok();
            } else {
                out.error(&reply[1..]);
            }
        }
        let failed = Err(ErrReply::msg("ERR storage error: disk full"));
        client.committed(&mut out, &failed);
        assert_eq!(
            String::from_utf8_lossy(out.bytes()),
            "$6\r\nbefore\r\n-ERR storage error: disk full\r\n-ERR syntax error\r\n\
             -ERR storage error: disk full\r\n"
        );
        assert!(!client.has_uncommitted());
        // A commit that succeeded leaves the replies as they are.
        client.uncommitted.push(out.len());
        out.ok();
        let before = out.bytes().to_vec();
        client.committed(&mut out, &Ok(()));
        assert_eq!(out.bytes(), &before[..]);
    }

    #[test]
    fn floats_refuse_spaces_and_nan() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"5.0e3"), Some(5000.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        for bad in [&b""[..], b" 1", b"1 ", b"nan", b"abc"] {
            assert_eq!(parse_f64(bad), None);
        }
    }
}
