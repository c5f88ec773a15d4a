//! Connection commands: PING, ECHO, HELLO, AUTH, QUIT, SELECT, CLIENT.

use super::{int_arg, is, shown, CmdResult, Ctx, ErrReply};
use crate::resp::Args;

/// The Redis version whose behaviour the server follows; clients read it
/// from HELLO and INFO to decide which commands they may send.
pub(crate) const REDIS_COMPAT_VERSION: &str = "7.0.0";

pub(super) fn ping(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(args.get(1)),
        _ => return Err(ErrReply::wrong_args("ping")),
    }
    Ok(())
}

pub(super) fn echo(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ctx.out.bulk(args.get(1));
    Ok(())
}

pub(super) fn quit(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    ctx.client.closing = true;
    ctx.out.ok();
    Ok(())
}

pub(super) fn select(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match int_arg(args.get(1))? {
        0 => {
            ctx.out.ok();
            Ok(())
        }
        _ => Err(ErrReply::msg("ERR DB index is out of range")),
    }
}

/// Checks a user and password against `requirepass`, as Redis's default
/// user does. Without a password the default user takes any password when
/// named (`AUTH default x`, `HELLO 3 AUTH default x`), while the one-argument
/// `AUTH x` is refused as a likely misconfiguration.
fn check_password(ctx: &mut Ctx<'_>, user: Option<&[u8]>, password: &[u8]) -> CmdResult {
    let Some(expected) = ctx.srv.config.requirepass.as_deref() else {
        if user == Some(b"default") {
            return Ok(());
        }
        if user.is_some() {
            return Err(ErrReply::msg(
                "WRONGPASS invalid username-password pair or user is disabled.",
            ));
        }
        return Err(ErrReply::msg(
            "ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        ));
    };
    if user.unwrap_or(b"default") == b"default" && constant_time_eq(password, expected.as_bytes()) {
        ctx.client.authenticated = true;
        Ok(())
    } else {
        Err(ErrReply::msg("WRONGPASS invalid username-password pair or user is disabled."))
    }
}

/// Compares without an early exit, so the time taken does not tell how
/// much of a guessed password was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) fn auth(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        2 => check_password(ctx, None, args.get(1))?,
        3 => check_password(ctx, Some(args.get(1)), args.get(2))?,
        _ => return Err(ErrReply::SYNTAX),
    }
    ctx.out.ok();
    Ok(())
}

pub(super) fn hello(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut resp3 = ctx.out.is_resp3();
    let mut name = None;
    if args.len() >= 2 {
        let version = super::parse_i64(args.get(1))
            .ok_or(ErrReply::msg("ERR Protocol version is not an integer or out of range"))?;
        resp3 = match version {
            2 => false,
            3 => true,
            _ => return Err(ErrReply::msg("NOPROTO unsupported protocol version")),
        };
        let mut i = 2;
        while i < args.len() {
            let opt = args.get(i);
            if is(opt, "AUTH") && i + 2 < args.len() {
                check_password(ctx, Some(args.get(i + 1)), args.get(i + 2))?;
                i += 3;
            } else if is(opt, "SETNAME") && i + 1 < args.len() {
                valid_name(args.get(i + 1))?;
                name = Some(args.get(i + 1));
                i += 2;
            } else {
                return Err(ErrReply(
                    format!("ERR Syntax error in HELLO option '{}'", shown(opt)).into(),
                ));
            }
        }
    }
    if !ctx.client.authenticated {
        return Err(ErrReply::msg(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and \
             select the RESP protocol version at the same time",
        ));
    }
    {
        let mut d = ctx.client.info.detail();
        if let Some(name) = name {
            d.name = name.to_vec();
        }
        d.resp = if resp3 { 3 } else { 2 };
    }
    ctx.out.set_resp3(resp3);
    ctx.out.map(7);
    ctx.out.bulk(b"server");
    ctx.out.bulk(b"redis");
    ctx.out.bulk(b"version");
    ctx.out.bulk(REDIS_COMPAT_VERSION.as_bytes());
    ctx.out.bulk(b"proto");
    ctx.out.int(if resp3 { 3 } else { 2 });
    ctx.out.bulk(b"id");
    ctx.out.int(ctx.client.info.id as i64);
    ctx.out.bulk(b"mode");
    ctx.out.bulk(b"standalone");
    ctx.out.bulk(b"role");
    ctx.out.bulk(b"master");
    ctx.out.bulk(b"modules");
    ctx.out.array(0);
    Ok(())
}

/// Redis refuses client names with spaces, newlines or other special
/// characters (they would break CLIENT LIST).
fn valid_name(name: &[u8]) -> CmdResult {
    if name.iter().all(|&c| (b'!'..=b'~').contains(&c)) {
        Ok(())
    } else {
        Err(ErrReply::msg(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ))
    }
}

pub(super) fn client(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let sub = args.get(1);
    let wrong = |name: &str| ErrReply::wrong_args(&format!("client|{name}"));
    if is(sub, "ID") {
        if args.len() != 2 {
            return Err(wrong("id"));
        }
        ctx.out.int(ctx.client.info.id as i64);
    } else if is(sub, "SETNAME") {
        if args.len() != 3 {
            return Err(wrong("setname"));
        }
        valid_name(args.get(2))?;
        ctx.client.info.detail().name = args.get(2).to_vec();
        ctx.out.ok();
    } else if is(sub, "GETNAME") {
        if args.len() != 2 {
            return Err(wrong("getname"));
        }
        let name = ctx.client.info.detail().name.clone();
        if name.is_empty() {
            ctx.out.null();
        } else {
            ctx.out.bulk(&name);
        }
    } else if is(sub, "INFO") {
        if args.len() != 2 {
            return Err(wrong("info"));
        }
        let text = ctx.client.info.describe();
        ctx.out.verbatim(&text);
    } else if is(sub, "LIST") {
        let mut clients: Vec<_> = ctx.srv.clients().values().map(|c| (c.id, c.clone())).collect();
        clients.sort_by_key(|c| c.0);
        let text: String = clients.iter().map(|(_, c)| c.describe()).collect();
        ctx.out.verbatim(&text);
    } else if is(sub, "SETINFO") {
        if args.len() != 4 {
            return Err(wrong("setinfo"));
        }
        let (attr, value) = (args.get(2), args.get(3));
        valid_name(value).map_err(|_| {
            ErrReply::msg(
                "ERR lib-name and lib-ver cannot contain spaces, newlines or special characters.",
            )
        })?;
        let mut d = ctx.client.info.detail();
        if is(attr, "LIB-NAME") {
            d.lib_name = value.to_vec();
        } else if is(attr, "LIB-VER") {
            d.lib_ver = value.to_vec();
        } else {
            return Err(ErrReply(format!("ERR Unrecognized option '{}'", shown(attr)).into()));
        }
        drop(d);
        ctx.out.ok();
    } else if is(sub, "HELP") {
        let lines = [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ID",
            "    Return the ID of the current connection.",
            "GETNAME",
            "    Return the name of the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "LIST",
            "    Return information about client connections.",
            "SETINFO <option> <value>",
            "    Set client meta attr (LIB-NAME or LIB-VER).",
            "HELP",
            "    Print this help.",
        ];
        ctx.out.array(lines.len());
        lines.iter().for_each(|l| ctx.out.simple(l));
    } else {
        return Err(ErrReply(
            format!("ERR unknown subcommand '{}'. Try CLIENT HELP.", shown(sub)).into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secre"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn client_names() {
        assert!(valid_name(b"worker-1").is_ok());
        assert!(valid_name(b"").is_ok());
        assert!(valid_name(b"a b").is_err());
        assert!(valid_name(b"a\nb").is_err());
    }
}
