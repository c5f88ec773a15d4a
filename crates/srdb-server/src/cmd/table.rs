//! The command table: names, arities and key positions as Redis declares
//! them (what `COMMAND` reports), the documentation `COMMAND DOCS` gives,
//! and the handler of each command.

use super::{admin, connection, keys, strings, tables, Handler};
use crate::resp::Args;

/// SCANs asking for more keys than this run on a worker thread.
const SCAN_INLINE_COUNT: i64 = 1000;

/// One command.
pub(crate) struct CommandSpec {
    /// Lower-case name.
    pub(crate) name: &'static str,
    /// Redis's arity: `n` exactly n arguments (name included), `-n` at
    /// least n.
    pub(crate) arity: i32,
    /// Redis's command flags.
    pub(crate) flags: &'static [&'static str],
    /// Position of the first key, the last key (-1: the last argument) and
    /// the step between keys; 0 0 0 for commands without keys.
    pub(crate) keys: (i32, i32, i32),
    /// Documentation group (`string`, `generic`, `connection`, `server`,
    /// `table`).
    pub(crate) group: &'static str,
    /// Redis version that introduced the command; for srdb's own table
    /// commands, the srdb version.
    pub(crate) since: &'static str,
    /// One-line summary.
    pub(crate) summary: &'static str,
    /// Whether it runs before authentication.
    pub(crate) no_auth: bool,

    pub(crate) handler: Handler,
}

impl CommandSpec {
    /// Whether the request `args` of this command is a blind write (MSET,
    /// SET without NX, XX, GET or KEEPTTL): it writes without reading, so
    /// it joins the event loop's group commit and answers `+OK` once that
    /// is done. A SET with one of those words anywhere among its options
    /// is not: the handler reads the old value only when one is there.
    pub(crate) fn blind_write(&self, args: Args<'_>) -> bool {
        match self.name {
            "mset" => true,
            "set" => !args.iter_from(3).any(|opt| {
                ["NX", "XX", "GET", "KEEPTTL"]
                    .iter()
                    .any(|w| opt.eq_ignore_ascii_case(w.as_bytes()))
            }),
            _ => false,
        }
    }

    /// Whether the request `args` of this command may take long (it reads
    /// or writes a number of keys or rows that grows with the data, or
    /// waits for disk), so it runs on a worker thread instead of stalling
    /// the event loop's other connections.
    pub(crate) fn slow(&self, args: Args<'_>) -> bool {
        match self.name {
            "keys" | "dbsize" | "flushall" | "flushdb" | "save" | "info" | "table.count"
            | "table.create" | "table.drop" | "table.index" | "table.query" => true,
            "scan" => {
                let mut opts = args.iter_from(2);
                // An unparsable COUNT is an error, which is quick.
                std::iter::from_fn(|| Some((opts.next()?, opts.next()?))).any(|(opt, n)| {
                    opt.eq_ignore_ascii_case(b"COUNT")
                        && super::parse_i64(n).is_some_and(|n| n > SCAN_INLINE_COUNT)
                })
            }
            _ => false,
        }
    }

    pub(crate) fn arity_ok(&self, n: usize) -> bool {
        let n = n as i32;
        if self.arity >= 0 {
            n == self.arity
        } else {
            n >= -self.arity
        }
    }
}

const W: &[&str] = &["write", "denyoom"];
const WF: &[&str] = &["write", "denyoom", "fast"];
const WD: &[&str] = &["write"];
const WDF: &[&str] = &["write", "fast"];
const R: &[&str] = &["readonly"];
const RF: &[&str] = &["readonly", "fast"];
const CONN: &[&str] = &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"];
const ADMIN: &[&str] = &["noscript", "loading", "stale"];

macro_rules! cmd {
    ($name:literal, $arity:expr, $flags:expr, $keys:expr, $group:literal, $since:expr,
     $summary:literal, $handler:expr) => {
        cmd!($name, $arity, $flags, $keys, $group, $since, $summary, $handler, false)
    };
    ($name:literal, $arity:expr, $flags:expr, $keys:expr, $group:literal, $since:expr,
     $summary:literal, $handler:expr, $no_auth:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            keys: $keys,
            group: $group,
            since: $since,
            summary: $summary,
            no_auth: $no_auth,
            handler: $handler,
        }
    };
}

const NO_KEYS: (i32, i32, i32) = (0, 0, 0);
const KEY1: (i32, i32, i32) = (1, 1, 1);
const ALL_KEYS: (i32, i32, i32) = (1, -1, 1);

/// `since` of the table commands, which are srdb's own.
const SRDB: &str = env!("CARGO_PKG_VERSION");

/// Every command, sorted by name.
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd!("append", 3, WF, KEY1, "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", strings::append),
    cmd!("auth", -2, CONN, NO_KEYS, "connection", "1.0.0", "Authenticates the connection.", connection::auth, true),
    cmd!("bgsave", -1, ADMIN, NO_KEYS, "server", "1.0.0", "Writes everything in memory to SST files in the background.", admin::bgsave),
    cmd!("client", -2, ADMIN, NO_KEYS, "connection", "2.4.0", "A container for client connection commands.", connection::client),
    cmd!("command", -1, ADMIN, NO_KEYS, "server", "2.8.13", "Returns detailed information about all commands.", admin::command),
    cmd!("config", -2, ADMIN, NO_KEYS, "server", "2.0.0", "A container for server configuration commands.", admin::config),
    cmd!("dbsize", 1, RF, NO_KEYS, "server", "1.0.0", "Returns the number of keys in the database.", keys::dbsize),
    cmd!("decr", 2, WF, KEY1, "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", strings::decr),
    cmd!("decrby", 3, WF, KEY1, "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", strings::decrby),
    cmd!("del", -2, WD, ALL_KEYS, "generic", "1.0.0", "Deletes one or more keys.", keys::del),
    cmd!("echo", 2, RF, NO_KEYS, "connection", "1.0.0", "Returns the given string.", connection::echo),
    cmd!("exists", -2, RF, ALL_KEYS, "generic", "1.0.0", "Determines whether one or more keys exist.", keys::exists),
    cmd!("expire", -3, WDF, KEY1, "generic", "1.0.0", "Sets the expiration time of a key in seconds.", keys::expire),
    cmd!("expireat", -3, WDF, KEY1, "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", keys::expireat),
    cmd!("flushall", -1, WD, NO_KEYS, "server", "1.0.0", "Removes all keys from all databases.", keys::flushall),
    cmd!("flushdb", -1, WD, NO_KEYS, "server", "1.0.0", "Remove all keys from the current database.", keys::flushall),
    cmd!("get", 2, RF, KEY1, "string", "1.0.0", "Returns the string value of a key.", strings::get),
    cmd!("getdel", 2, WF, KEY1, "string", "6.2.0", "Returns the string value of a key after deleting the key.", strings::getdel),
    cmd!("getrange", 4, R, KEY1, "string", "2.4.0", "Returns a substring of the string stored at a key.", strings::getrange),
    cmd!("getset", 3, WF, KEY1, "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value.", strings::getset),
    cmd!("hello", -1, CONN, NO_KEYS, "connection", "6.0.0", "Handshakes with the Redis server.", connection::hello, true),
    cmd!("incr", 2, WF, KEY1, "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", strings::incr),
    cmd!("incrby", 3, WF, KEY1, "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", strings::incrby),
    cmd!("incrbyfloat", 3, WF, KEY1, "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", strings::incrbyfloat),
    cmd!("info", -1, ADMIN, NO_KEYS, "server", "1.0.0", "Returns information and statistics about the server.", admin::info),
    cmd!("keys", 2, R, NO_KEYS, "generic", "1.0.0", "Returns all key names that match a pattern.", keys::keys),
    cmd!("lastsave", 1, ADMIN, NO_KEYS, "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.", admin::lastsave),
    cmd!("mget", -2, RF, ALL_KEYS, "string", "1.0.0", "Atomically returns the string values of one or more keys.", strings::mget),
    cmd!("mset", -3, W, (1, -1, 2), "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys.", strings::mset),
    cmd!("msetnx", -3, W, (1, -1, 2), "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", strings::msetnx),
    cmd!("persist", 2, WDF, KEY1, "generic", "2.2.0", "Removes the expiration time of a key.", keys::persist),
    cmd!("pexpire", -3, WDF, KEY1, "generic", "2.6.0", "Sets the expiration time of a key in milliseconds.", keys::pexpire),
    cmd!("pexpireat", -3, WDF, KEY1, "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", keys::pexpireat),
    cmd!("ping", -1, RF, NO_KEYS, "connection", "1.0.0", "Returns the server's liveliness response.", connection::ping),
    cmd!("pttl", 2, RF, KEY1, "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.", keys::pttl),
    cmd!("quit", -1, CONN, NO_KEYS, "connection", "1.0.0", "Closes the connection.", connection::quit, true),
    cmd!("randomkey", 1, R, NO_KEYS, "generic", "1.0.0", "Returns a random key name from the database.", keys::randomkey),
    cmd!("save", 1, ADMIN, NO_KEYS, "server", "1.0.0", "Synchronously writes everything in memory to SST files.", admin::save),
    cmd!("scan", -2, R, NO_KEYS, "generic", "2.8.0", "Iterates over the key names in the database.", keys::scan),
    cmd!("select", 2, CONN, NO_KEYS, "connection", "1.0.0", "Changes the selected database.", connection::select),
    cmd!("set", -3, W, KEY1, "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", strings::set),
    cmd!("setnx", 3, WF, KEY1, "string", "1.0.0", "Set the string value of a key only when the key doesn't exist.", strings::setnx),
    cmd!("setrange", 4, W, KEY1, "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", strings::setrange),
    cmd!("strlen", 2, RF, KEY1, "string", "2.2.0", "Returns the length of a string value.", strings::strlen),
    cmd!("table.count", -2, R, NO_KEYS, "table", SRDB, "Returns the number of rows of a table, or of the rows a query returns.", tables::count),
    cmd!("table.create", 3, WD, NO_KEYS, "table", SRDB, "Creates a table from a schema.json document.", tables::create),
    cmd!("table.del", 3, WDF, NO_KEYS, "table", SRDB, "Deletes the row of a table with the given _seq.", tables::del),
    cmd!("table.drop", 2, WD, NO_KEYS, "table", SRDB, "Drops a table with its rows and indexes.", tables::drop),
    cmd!("table.get", -3, RF, NO_KEYS, "table", SRDB, "Returns the row of a table with the given _seq, or some of its fields.", tables::get),
    cmd!("table.index", -2, WD, NO_KEYS, "table", SRDB, "A container for the commands of a table's secondary indexes (CREATE, DROP, LIST).", tables::index),
    cmd!("table.insert", 3, W, NO_KEYS, "table", SRDB, "Inserts a row given as a JSON object and returns its _seq.", tables::insert),
    cmd!("table.list", 1, R, NO_KEYS, "table", SRDB, "Returns the names of the tables.", tables::list),
    cmd!("table.query", -2, R, NO_KEYS, "table", SRDB, "Returns the rows of a table that a query selects, as maps.", tables::query),
    cmd!("table.schema", 2, RF, NO_KEYS, "table", SRDB, "Returns the schema.json document of a table.", tables::schema),
    cmd!("time", 1, RF, NO_KEYS, "server", "2.6.0", "Returns the server time.", admin::time),
    cmd!("ttl", 2, RF, KEY1, "generic", "1.0.0", "Returns the expiration time in seconds of a key.", keys::ttl),
    cmd!("type", 2, RF, KEY1, "generic", "1.0.0", "Determines the type of value stored at a key.", keys::type_),
    cmd!("unlink", -2, WF, ALL_KEYS, "generic", "4.0.0", "Asynchronously deletes one or more keys.", keys::del),
];

/// The command called `name` (any case). A binary search of the sorted
/// table: six comparisons of short names, a fraction of the cost of
/// hashing the name, and this runs for every request.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut lower = [0u8; 16];
    let lower = lower.get_mut(..name.len())?;
    for (l, c) in lower.iter_mut().zip(name) {
        *l = c.to_ascii_lowercase();
    }
    let at = COMMANDS.binary_search_by(|c| c.name.as_bytes().cmp(lower)).ok()?;
    Some(&COMMANDS[at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_lookup_ignores_case() {
        assert!(COMMANDS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(lookup(b"GeT").map(|c| c.name), Some("get"));
        assert!(lookup(b"nosuchcommandatall").is_none());
        assert!(lookup(b"").is_none());
    }

    /// Whether `line` (an inline command) is a blind write and is slow.
    fn kinds(line: &str) -> (bool, bool) {
        let buf = format!("{line}\r\n").into_bytes();
        let mut parser = crate::resp::RequestParser::new();
        let limits = crate::resp::ParserLimits { max_args: 100, max_bulk_bytes: 100 };
        parser.parse(&buf, &limits).unwrap().unwrap();
        let args = parser.args(&buf);
        let spec = lookup(args.get(0)).unwrap();
        (spec.blind_write(args), spec.slow(args))
    }

    #[test]
    fn blind_writes_and_slow_commands_are_told_apart() {
        assert_eq!(kinds("SET k v"), (true, false));
        assert_eq!(kinds("set k v EX 10"), (true, false));
        assert_eq!(kinds("MSET a 1 b 2"), (true, false));
        for reads_first in
            ["SET k v NX", "SET k v xx", "SET k v GET", "SET k v KEEPTTL", "SETNX k v"]
        {
            assert_eq!(kinds(reads_first), (false, false), "{reads_first}");
        }
        assert_eq!(kinds("GET k"), (false, false));
        assert_eq!(kinds("KEYS *"), (false, true));
        assert_eq!(kinds("TABLE.QUERY t"), (false, true));
        assert_eq!(kinds("SCAN 0"), (false, false));
        assert_eq!(kinds("SCAN 0 COUNT 1000"), (false, false));
        assert_eq!(kinds("SCAN 0 MATCH a* COUNT 1001"), (false, true));
        assert_eq!(kinds("SCAN 0 COUNT x"), (false, false));
    }

    #[test]
    fn arity_follows_redis_convention() {
        let get = lookup(b"get").unwrap();
        assert!(get.arity_ok(2) && !get.arity_ok(1) && !get.arity_ok(3));
        let del = lookup(b"del").unwrap();
        assert!(del.arity_ok(2) && del.arity_ok(9) && !del.arity_ok(1));
    }
}
