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

use crate::combiner::{Put, Slot};
use crate::resp::{Args, Reply};
use crate::state::{ClientInfo, Shared};

pub(crate) use table::lookup;

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

/// Deferred blind writes bigger than this are applied before the next
/// command is read: bounds the memory a long pipeline of SETs holds.
const MAX_DEFERRED_BYTES: usize = 1024 * 1024;

/// The per-connection state commands read and change.
pub(crate) struct Client {
    pub(crate) info: Arc<ClientInfo>,
    pub(crate) authenticated: bool,
    /// Set by QUIT: close after sending the replies.
    pub(crate) closing: bool,
    /// Blind writes of consecutive SET / MSET commands not applied yet.
    /// Their `+OK` replies are in the reply buffer from `deferred_from` on
    /// and are sent only after [`Client::apply_deferred`] succeeded.
    deferred: Vec<Put>,
    deferred_bytes: usize,
    deferred_replies: usize,
    deferred_from: usize,
    slot: Arc<Slot>,
}

impl Client {
    pub(crate) fn new(info: Arc<ClientInfo>, authenticated: bool) -> Self {
        Client {
            info,
            authenticated,
            closing: false,
            deferred: Vec::new(),
            deferred_bytes: 0,
            deferred_replies: 0,
            deferred_from: 0,
            slot: Arc::default(),
        }
    }

    /// Applies the deferred writes through the write combiner; on failure
    /// their `+OK` replies become the error.
    pub(crate) fn apply_deferred(&mut self, srv: &Shared, out: &mut Reply) {
        if self.deferred_replies == 0 {
            return;
        }
        if let Err(e) = srv.combiner.apply(&mut self.deferred, &self.slot) {
            out.truncate(self.deferred_from);
            for _ in 0..self.deferred_replies {
                out.error(&e.0);
            }
        }
        self.deferred.clear();
        self.deferred_bytes = 0;
        self.deferred_replies = 0;
    }
}

/// What a handler works with.
pub(crate) struct Ctx<'a> {
    pub(crate) srv: &'a Arc<Shared>,
    pub(crate) client: &'a mut Client,
    pub(crate) out: &'a mut Reply,
    /// Where this command's reply starts (an error replaces it from here).
    reply_from: usize,
}

impl Ctx<'_> {
    /// Queues a blind write; [`Ctx::defer_ok`] answers for it.
    pub(crate) fn defer_put(&mut self, key: &[u8], value: &[u8], expire_at_ms: Option<u64>) {
        let c = &mut *self.client;
        if c.deferred_replies == 0 && c.deferred.is_empty() {
            c.deferred_from = self.out.len();
        }
        c.deferred_bytes += key.len() + value.len();
        c.deferred.push((key.to_vec(), value.to_vec(), expire_at_ms));
    }

    /// Answers `+OK` for the writes queued by this command.
    pub(crate) fn defer_ok(&mut self) {
        self.out.ok();
        self.client.deferred_replies += 1;
        if self.client.deferred_bytes > MAX_DEFERRED_BYTES {
            self.apply_deferred();
        }
    }

    /// Applies queued blind writes before a command that must see them.
    pub(crate) fn apply_deferred(&mut self) {
        self.client.apply_deferred(self.srv, self.out);
        self.reply_from = self.out.len();
    }
}

/// Runs one request and appends its reply to `out`.
pub(crate) fn execute(srv: &Arc<Shared>, client: &mut Client, out: &mut Reply, args: Args<'_>) {
    srv.counters.commands_processed.fetch_add(1, Ordering::Relaxed);
    let spec = lookup(args.get(0));
    // Blind writes queued by earlier commands are applied before anything
    // else runs or answers, so every command sees them and replies stay in
    // order. Only SET and MSET queue more.
    if !(client.authenticated && spec.is_some_and(|s| s.defers())) {
        client.apply_deferred(srv, out);
    }
    let Some(spec) = spec else {
        out.error(&unknown_command(args));
        return;
    };
    if !client.authenticated && !spec.no_auth {
        out.error("NOAUTH Authentication required.");
        return;
    }
    if !spec.arity_ok(args.len()) {
        out.error(&ErrReply::wrong_args(spec.name).0);
        return;
    }
    {
        let mut d = client.info.detail();
        d.last_command.clear();
        d.last_command.push_str(spec.name);
        d.last_active = Some(std::time::Instant::now());
    }
    let mut ctx = Ctx { srv, client, out, reply_from: 0 };
    ctx.reply_from = ctx.out.len();
    let result = (spec.handler)(&mut ctx, args);
    if let Err(e) = result {
        ctx.out.truncate(ctx.reply_from);
        // Queued writes answer before this error does.
        ctx.apply_deferred();
        ctx.out.error(&e.0);
    } else if ctx.out.len() - ctx.reply_from > srv.config.max_reply_bytes {
        ctx.out.truncate(ctx.reply_from);
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
    fn floats_refuse_spaces_and_nan() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"5.0e3"), Some(5000.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        for bad in [&b""[..], b" 1", b"1 ", b"nan", b"abc"] {
            assert_eq!(parse_f64(bad), None);
        }
    }
}
